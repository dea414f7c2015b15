/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The libcurl transport of api.h: HTTP/1.1 over the daemon's Unix socket
 * (CURLOPT_UNIX_SOCKET_PATH; the host part of the URL is ignored), with one libcurl handle
 * that keeps its connection open between requests. For libseccompd (and so seccompctl). Use
 * it from one thread at a time. */

#include "api.h"

struct api_curl;

/* `socket_path` and `user_agent` are copied; timeout_ms is for each whole request (0: none).
 * Returns 0 or -ENOMEM. */
int api_curl_new(const char *socket_path, long timeout_ms, const char *user_agent,
                 struct api_curl **ret);
struct api_curl *api_curl_free(struct api_curl *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct api_curl *, api_curl_free);

/* api_transport.send, with an api_curl as userdata. */
int api_curl_send(void *userdata, const struct api_request *req, struct api_response **ret);
