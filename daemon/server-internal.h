/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compile-memo.h"
#include "compile.h"
#include "diag.h"
#include "resolve.h"
#include "server.h"
#include "service.h"

/* Shared by server.c (socket, libmicrohttpd, dispatch), server-reply.c (responses, peer
 * credentials, request context) and server-routes.c (the routes). */

/* One accepted connection, from libmicrohttpd's NOTIFY_CONNECTION started to closed. Its
 * fields are guarded by server.conns_lock. */
enum conn_phase {
        CONN_RECEIVING, /* a request's headers and body are arriving: the deadline runs */
        CONN_HANDLING,  /* a route runs: its own bounds apply */
        CONN_SENDING,   /* the answer is queued: the deadline runs again */
        CONN_STREAMING, /* GET /v1/denials?follow=1: no deadline; a gone client ends it */
};

struct conn {
        struct conn *prev, *next;
        int fd;    /* libmicrohttpd's: only shut down here, never closed */
        uid_t uid; /* SO_PEERCRED */
        pid_t pid;
        uint64_t since; /* CLOCK_MONOTONIC µs: the phase's deadline runs from here */
        enum conn_phase phase;
        bool refused; /* over the peer's bound: answered 429 at accept */
        bool cut;     /* shut down by the sweeper */
};

struct server {
        struct manager *m; /* borrowed: the manager owns the server; used through service.h
                            * only */
        struct MHD_Daemon *daemon;
        pthread_mutex_t conns_lock;
        struct conn *conns; /* every open connection */
        pthread_t sweeper;  /* cuts connections past the request deadline */
        bool sweeper_started;
        bool stopping; /* guarded by conns_lock; conns_cond wakes the sweeper */
        pthread_cond_t conns_cond;
        int fd;
        bool own_socket; /* bound here: removed at exit if it is still this inode */
        dev_t socket_dev;
        ino_t socket_ino;
        gid_t group;
        bool has_group;
        struct compile_memo memo; /* POST /v1/compile's answers (compile-memo.h) */
};

struct request {
        char *body;
        size_t size;
        bool too_large;
        bool started;               /* the handler saw the headers */
        const char *raw_target_end; /* where the raw request target's C string ends */
};

struct reply {
        unsigned status;
        const char *route; /* metrics label */
        struct MHD_Response *response;
        bool streaming; /* an endless answer: the deadline does not apply */
};

struct MHD_Response *json_response(json_t *j); /* takes j */
/* j as the daemon sends it (indented, in order, a final newline): a string to free and its
 * size, or NULL. */
char *json_text(const json_t *j, size_t *ret_size);
/* An application/json response of `text` (taken, even on failure), or NULL. */
struct MHD_Response *json_text_response(char *text, size_t size);
void reply_json(struct reply *rp, unsigned status, json_t *j); /* takes j */
/* The HTTP status and error code for -error (the daemon's one table); 500 for any other. */
unsigned http_status_from_errno(int error, const char **ret_code);
/* An error reply: status and code from http_status_from_errno(error), the message, and the
 * diagnostics (may be NULL). */
void reply_error(struct reply *rp, int error, const struct diag_list *diags, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* The blob answer: raw (a copy of b's bytes), or base64 with ?encoding=base64, or 304. */
void reply_blob(struct reply *rp, struct MHD_Connection *c, const struct blob *b,
                const char *digest, const char *state, const char *context);
/* The same for a served blob, sent from its own bytes (no copy), with a reference to it. */
void reply_served_blob(struct reply *rp, struct MHD_Connection *c, struct entry_blob *eb,
                       const char *digest, const char *state, const char *context);
bool peer_privileged(struct server *s, struct MHD_Connection *c);
int request_context(struct server *s, struct MHD_Connection *c, struct context *ret,
                    struct reply *rp);
bool want_base64(struct MHD_Connection *c);

/* Routes: each fills *rp. `arg` is what follows a prefix route's path (a profile name or a
 * blob key), NULL for the others. */
typedef void (*route_fn)(struct server *s, struct MHD_Connection *c, const char *arg,
                         const struct request *rq, struct reply *rp);
void route_health(struct server *s, struct MHD_Connection *c, const char *arg,
                  const struct request *rq, struct reply *rp);
void route_status(struct server *s, struct MHD_Connection *c, const char *arg,
                  const struct request *rq, struct reply *rp);
void route_profiles(struct server *s, struct MHD_Connection *c, const char *arg,
                    const struct request *rq, struct reply *rp);
void route_profile(struct server *s, struct MHD_Connection *c, const char *name,
                   const struct request *rq, struct reply *rp);
void route_bpf(struct server *s, struct MHD_Connection *c, const char *name,
               const struct request *rq, struct reply *rp);
void route_source(struct server *s, struct MHD_Connection *c, const char *name,
                  const struct request *rq, struct reply *rp);
void route_blob(struct server *s, struct MHD_Connection *c, const char *key,
                const struct request *rq, struct reply *rp);
void route_validate(struct server *s, struct MHD_Connection *c, const char *arg,
                    const struct request *rq, struct reply *rp);
void route_compile(struct server *s, struct MHD_Connection *c, const char *arg,
                   const struct request *rq, struct reply *rp);
void route_reload(struct server *s, struct MHD_Connection *c, const char *arg,
                  const struct request *rq, struct reply *rp);
void route_containers(struct server *s, struct MHD_Connection *c, const char *arg,
                      const struct request *rq, struct reply *rp);
/* The container report a POST /v1/compile carries (?report_id=&report=), recorded with the
 * answer's blob `key` and profile `digest`: NULL when the request carries none, else what
 * goes in the Seccompd-Container-Report header ("201", "200" or an error code). */
const char *compile_report(struct server *s, struct MHD_Connection *c, const char *key,
                           const char *digest);
void route_container_report(struct server *s, struct MHD_Connection *c, const char *id,
                            const struct request *rq, struct reply *rp);
void route_container_delete(struct server *s, struct MHD_Connection *c, const char *id,
                            const struct request *rq, struct reply *rp);
void route_recordings(struct server *s, struct MHD_Connection *c, const char *arg,
                      const struct request *rq, struct reply *rp);
void route_recording_reserve(struct server *s, struct MHD_Connection *c, const char *id,
                             const struct request *rq, struct reply *rp);
void route_denials(struct server *s, struct MHD_Connection *c, const char *arg,
                   const struct request *rq, struct reply *rp);
void route_metrics(struct server *s, struct MHD_Connection *c, const char *arg,
                   const struct request *rq, struct reply *rp);
