/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builder.h"
#include "log.h"
#include "macro.h"

/* A blob that cannot be stored (cache read-only, full) is still served from memory. Said once
 * per kind of error, not once per blob; said again when stores work in between. */
static void store_failed(int r)
{
        static int last; /* the last error logged, 0 after a store that worked */
        int prev = __atomic_exchange_n(&last, r < 0 ? r : 0, __ATOMIC_RELAXED);
        if (r < 0 && prev != r)
                log_warning_errno(r,
                                  "Cannot store a blob in the cache, serving it from memory: %m");
}

int builder_init(struct builder *b, struct cache *cache, struct metrics *metrics,
                 unsigned compile_timeout_ms, unsigned max_children)
{
        *b = (struct builder){.cache = cache, .metrics = metrics};
        pthread_mutex_init(&b->lock, NULL);
        pthread_cond_init(&b->landed, NULL);
        return compile_guard_init(&b->guard, compile_timeout_ms, max_children);
}

void builder_cancel(struct builder *b)
{
        compile_guard_cancel(&b->guard);
}

void builder_done(struct builder *b)
{
        compile_guard_done(&b->guard);
        pthread_mutex_destroy(&b->lock);
        pthread_cond_destroy(&b->landed);
        free(b->flying);
        b->flying = NULL;
}

static ssize_t flying_index(const struct builder *b, const char *key)
{
        for (size_t i = 0; i < b->n_flying; i++)
                if (streq(b->flying[i], key))
                        return (ssize_t)i;
        return -1;
}

/* Returns 0 with the blob from the cache, 1 once this thread owns the compile of `key`. */
static int claim_or_lookup(struct builder *b, const char *key, struct blob **ret_blob,
                           struct diag_list **ret_diags)
{
        for (;;) {
                if (b->cache && cache_lookup(b->cache, key, ret_blob, ret_diags) == 0)
                        return 0;
                pthread_mutex_lock(&b->lock);
                if (flying_index(b, key) < 0) {
                        if (b->n_flying == b->allocated_flying) {
                                size_t n = b->allocated_flying ? b->allocated_flying * 2 : 8;
                                void *f = realloc(b->flying, n * sizeof(*b->flying));
                                if (!f) {
                                        /* Compile without the claim: only sharing is lost. */
                                        pthread_mutex_unlock(&b->lock);
                                        return 2;
                                }
                                b->flying = f;
                                b->allocated_flying = n;
                        }
                        memcpy(b->flying[b->n_flying++], key, SHA256_HEX_SIZE);
                        pthread_mutex_unlock(&b->lock);
                        return 1;
                }
                while (flying_index(b, key) >= 0)
                        pthread_cond_wait(&b->landed, &b->lock);
                pthread_mutex_unlock(&b->lock);
                if (!b->cache)
                        continue; /* nothing to share through: claim it next time round */
        }
}

static void release(struct builder *b, const char *key)
{
        pthread_mutex_lock(&b->lock);
        ssize_t i = flying_index(b, key);
        if (i >= 0)
                memmove(b->flying[i], b->flying[i + 1],
                        (b->n_flying - (size_t)i - 1) * sizeof(*b->flying));
        if (i >= 0)
                b->n_flying--;
        pthread_cond_broadcast(&b->landed);
        pthread_mutex_unlock(&b->lock);
}

int builder_build(struct builder *bd, const struct profile *p, const struct context *ctx,
                  const struct compile_options *o, bool may_wait, struct blob **ret_blob,
                  struct diag_list **ret_diags, bool *ret_compiled)
{
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        char key[SHA256_HEX_SIZE];
        int r;

        r = profile_resolve(p, ctx, &res);
        if (r < 0)
                return r;
        r = compile_blob_key(res, o, key);
        if (r < 0)
                return r;
        r = claim_or_lookup(bd, key, &b, &diags);
        if (r == 0) {
                *ret_blob = TAKE_PTR(b);
                *ret_diags = TAKE_PTR(diags);
                *ret_compiled = false;
                return 0;
        }
        bool claimed = r == 1;

        r = diag_list_new(NULL, &diags);
        if (r >= 0) {
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                r = compile_guarded(&bd->guard, res, o, may_wait, diags, &b);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                if (r >= 0 && bd->metrics)
                        metrics_compiled(bd->metrics,
                                         (double)(t1.tv_sec - t0.tv_sec) +
                                                 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
                if (r >= 0 && bd->cache) {
                        _cleanup_free_ char *cs = NULL;
                        if (context_to_string(ctx, &cs) == 0)
                                store_failed(cache_store(bd->cache, b, diags, p->digest, cs));
                }
        }
        if (claimed)
                release(bd, key);
        if (r < 0) {
                if (r == -EINVAL)
                        *ret_diags = TAKE_PTR(diags);
                return r;
        }
        *ret_blob = TAKE_PTR(b);
        *ret_diags = TAKE_PTR(diags);
        *ret_compiled = true;
        return 0;
}
