/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

struct manager;
struct server;

/* Serves the API of include/seccompd/protocol.h with libmicrohttpd, one thread per
 * connection, on `listen_fd` (socket activation) or on the configured socket path (created
 * 0660, group as configured). */
int server_new(struct manager *m, int listen_fd, struct server **ret);
struct server *server_free(struct server *s);
