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
struct builder {
        struct cache *cache;        /* borrowed; may be NULL: no cache, no sharing */
        struct metrics *metrics;    /* borrowed; may be NULL */
        struct compile_guard guard; /* the deadline on large compiles */
        pthread_mutex_t lock;
        pthread_cond_t landed;
        char (*flying)[SHA256_HEX_SIZE]; /* keys being compiled */
        size_t n_flying, allocated_flying;
};

/* compile_timeout_ms and max_children: see compile_guard_init(). */
int builder_init(struct builder *b, struct cache *cache, struct metrics *metrics,
                 unsigned compile_timeout_ms, unsigned max_children);
void builder_done(struct builder *b);
/* Stopping: every compile running in a child process ends now, later ones fail. */
void builder_cancel(struct builder *b);

/* Resolves `p` for `ctx`, then returns the blob from the cache or compiles (and stores) it.
 * `ret_compiled` says which. Diagnostics of the compile (kept by the cache) in ret_diags,
 * also on -EINVAL (libseccomp or the kernel refuse the profile, or its compile passed the
 * deadline). A large compile runs under the guard (compile-guard.h): `may_wait` says whether
 * the caller waits for a free child slot (a pool worker) or gets -EAGAIN (an HTTP thread). */
int builder_build(struct builder *bd, const struct profile *p, const struct context *ctx,
                  const struct compile_options *o, bool may_wait, struct blob **ret_blob,
                  struct diag_list **ret_diags, bool *ret_compiled);
