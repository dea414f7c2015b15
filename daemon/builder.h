/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "cache.h"
#include "compile-guard.h"
#include "compile.h"
#include "metrics.h"
#include "profile.h"
#include "resolve.h"

/* Builds blobs for the loop's workers and the HTTP threads alike. One compile per blob key
 * at a time: a second request for a key being compiled waits for that compile and then
 * takes its blob from the cache, so two profiles with the same content (or a profile asked
 * for by two clients) cost one compile. Requests for other keys never wait. `lock` guards
 * the keys in flight and is taken only here; any thread may call builder_build(). */
#define BUILDER_STORE_QUEUE 64
#define BUILDER_WRITERS     2 /* fsyncs in flight at once: the journal commits them together */
#define BUILDER_STORE_GROUP 16

struct builder {
        struct cache *cache;        /* borrowed; may be NULL: no cache, no sharing */
        struct metrics *metrics;    /* borrowed; may be NULL */
        struct compile_guard guard; /* the deadline on large compiles */
        pthread_mutex_t lock;
        pthread_cond_t landed;
        char (*flying)[SHA256_HEX_SIZE]; /* keys being compiled (or stored: see below) */
        size_t n_flying, allocated_flying;
        /* The stores of the pool's compiles go to BUILDER_WRITERS writer threads, started at
         * the first, which store them in groups of up to BUILDER_STORE_GROUP
         * (cache_store_pending(): one fsync of the directory per group, and the fsyncs of
         * several writers share the journal's commits), so that a worker compiles the next
         * profile meanwhile. A
         * key stays in flight until stored: a second compile of it waits, then hits the
         * cache. At most BUILDER_STORE_QUEUE wait; a worker waits for room. Under `lock`. */
        pthread_t writers[BUILDER_WRITERS];
        unsigned n_writers;
        bool writer_stop;
        pthread_cond_t queued, room;
        struct cache_pending *queue[BUILDER_STORE_QUEUE];
        bool queue_claimed[BUILDER_STORE_QUEUE]; /* its key is in `flying` */
        size_t n_queue, n_storing;               /* n_storing: taken by writers, not yet stored */
        /* Called by the writer, `lock` held, when nothing is left to store. */
        void (*drained)(void *userdata);
        void *drained_userdata;
};

/* Sets (or, with NULL, clears: no call after this returns) the writer's drained callback,
 * which must neither take the builder's lock nor call into it. */
void builder_set_drained(struct builder *b, void (*drained)(void *userdata), void *userdata);

/* Entries waiting for the writer, or being stored: 0 once every compile so far is stored
 * (or failed to be). */
size_t builder_stores_pending(struct builder *b);

/* compile_timeout_ms and max_children: see compile_guard_init(). */
int builder_init(struct builder *b, struct cache *cache, struct metrics *metrics,
                 unsigned compile_timeout_ms, unsigned max_children);
void builder_done(struct builder *b);
/* Stopping: every compile running in a child process ends now, later ones fail. */
void builder_cancel(struct builder *b);

/* Resolves `p` for `ctx`, then returns the blob from the cache or compiles (and stores) it.
 * A pool worker's (`may_wait`) store is left to the writer thread; an HTTP thread's is made
 * before returning, so that GET /v1/blobs/KEY finds the blob of a POST /v1/compile.
 * `ret_compiled` says which. Diagnostics of the compile (kept by the cache) in ret_diags,
 * also on -EINVAL (libseccomp or the kernel refuse the profile, or its compile passed the
 * deadline). A large compile runs under the guard (compile-guard.h): `may_wait` says whether
 * the caller waits for a free child slot (a pool worker) or gets -EAGAIN (an HTTP thread). */
int builder_build(struct builder *bd, const struct profile *p, const struct context *ctx,
                  const struct compile_options *o, bool may_wait, struct blob **ret_blob,
                  struct diag_list **ret_diags, bool *ret_compiled);

/* builder_build() for a pool worker's load of a file, which also writes the cache's alias
 * `alias_key` (warm.h) with `extra` once the blob is in the cache (best effort). */
int builder_build_aliased(struct builder *bd, const struct profile *p, const struct context *ctx,
                          const struct compile_options *o, const char *alias_key, const char *extra,
                          size_t extra_size, struct blob **ret_blob, struct diag_list **ret_diags,
                          bool *ret_compiled);
