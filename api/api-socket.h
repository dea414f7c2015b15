/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The small transport of api.h: one HTTP/1.0 request a connection over the daemon's Unix
 * socket, spoken with a few lines of libc. For seccompd-oci, which runs at every container
 * start: loading libcurl and its dependencies costs about 12 ms per exec on the benchmark
 * machine, as much as crun's own compile the wrapper is there to save (BENCHMARKS.md, §1).
 * HTTP/1.0 keeps it small: a request with Content-Length, an answer read to the end of the
 * connection (the daemon closes it, no chunking), one status line, headers, a body of exactly
 * its Content-Length: an answer without one, or whose connection carries fewer or more bytes
 * than it says, is -EPROTO, with what was wrong in `why`. */

#include "api.h"

struct api_socket {
        const char *socket_path; /* borrowed */
        const char *user_agent;  /* borrowed */
        long long deadline_ms;   /* CLOCK_MONOTONIC: every request ends by then */
        char why[160];           /* set by api_socket_send(): why an answer was -EPROTO, or "" */
};

/* Now on CLOCK_MONOTONIC, in ms: for deadline_ms. */
long long api_socket_now_ms(void);

/* api_transport.send, with a struct api_socket as userdata. */
int api_socket_send(void *userdata, const struct api_request *req, struct api_response **ret);
