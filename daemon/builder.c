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
        pthread_cond_init(&b->queued, NULL);
        pthread_cond_init(&b->room, NULL);
        return compile_guard_init(&b->guard, compile_timeout_ms, max_children);
}

void builder_cancel(struct builder *b)
{
        compile_guard_cancel(&b->guard);
}

void builder_done(struct builder *b)
{
        /* The writer stores what is queued, then returns. */
        pthread_mutex_lock(&b->lock);
        b->writer_stop = true;
        pthread_cond_broadcast(&b->queued);
        pthread_cond_broadcast(&b->room);
        pthread_mutex_unlock(&b->lock);
        for (unsigned i = 0; i < b->n_writers; i++)
                pthread_join(b->writers[i], NULL);
        for (size_t i = 0; i < b->n_queue; i++) /* never started */
                cache_pending_free(b->queue[i]);
        b->n_queue = 0;
        compile_guard_done(&b->guard);
        pthread_mutex_destroy(&b->lock);
        pthread_cond_destroy(&b->landed);
        pthread_cond_destroy(&b->queued);
        pthread_cond_destroy(&b->room);
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

static void release_locked(struct builder *b, const char *key)
{
        ssize_t i = flying_index(b, key);
        if (i >= 0)
                memmove(b->flying[i], b->flying[i + 1],
                        (b->n_flying - (size_t)i - 1) * sizeof(*b->flying));
        if (i >= 0)
                b->n_flying--;
        pthread_cond_broadcast(&b->landed);
}

static void release(struct builder *b, const char *key)
{
        pthread_mutex_lock(&b->lock);
        release_locked(b, key);
        pthread_mutex_unlock(&b->lock);
}

void builder_set_drained(struct builder *b, void (*drained)(void *userdata), void *userdata)
{
        pthread_mutex_lock(&b->lock);
        b->drained = drained;
        b->drained_userdata = userdata;
        pthread_mutex_unlock(&b->lock);
}

size_t builder_stores_pending(struct builder *b)
{
        pthread_mutex_lock(&b->lock);
        size_t n = b->n_queue + b->n_storing;
        pthread_mutex_unlock(&b->lock);
        return n;
}

static void *writer(void *userdata)
{
        struct builder *b = userdata;
        struct cache_pending *items[BUILDER_STORE_GROUP];
        bool claimed[BUILDER_STORE_GROUP];
        int results[BUILDER_STORE_GROUP];

        pthread_mutex_lock(&b->lock);
        for (;;) {
                while (b->n_queue == 0 && !b->writer_stop)
                        pthread_cond_wait(&b->queued, &b->lock);
                if (b->n_queue == 0)
                        break; /* stopping, and all stored */
                size_t n = b->n_queue < BUILDER_STORE_GROUP ? b->n_queue : BUILDER_STORE_GROUP;
                b->n_queue -= n; /* from the end: the order of stores does not matter */
                memcpy(items, b->queue + b->n_queue, n * sizeof(*items));
                memcpy(claimed, b->queue_claimed + b->n_queue, n * sizeof(*claimed));
                b->n_storing += n;
                pthread_cond_broadcast(&b->room);
                pthread_mutex_unlock(&b->lock);

                cache_store_pending(b->cache, items, n, results);
                for (size_t i = 0; i < n; i++)
                        store_failed(results[i]);

                pthread_mutex_lock(&b->lock);
                for (size_t i = 0; i < n; i++) {
                        if (claimed[i])
                                release_locked(b, cache_pending_key(items[i]));
                        cache_pending_free(items[i]);
                }
                b->n_storing -= n;
                /* Called with the lock held, so that builder_set_drained(NULL) is final. */
                if (b->n_queue == 0 && b->n_storing == 0 && b->drained)
                        b->drained(b->drained_userdata);
        }
        pthread_mutex_unlock(&b->lock);
        return NULL;
}

/* Hands `p` (and the claim on its key, when `claimed`) to the writer. Returns 0, or -errno
 * when the writer cannot run: then the caller still owns both. */
static int queue_store(struct builder *b, struct cache_pending *p, bool claimed)
{
        pthread_mutex_lock(&b->lock);
        while (b->n_writers < BUILDER_WRITERS && !b->writer_stop) {
                int r = pthread_create(&b->writers[b->n_writers], NULL, writer, b);
                if (r != 0 && b->n_writers == 0) {
                        pthread_mutex_unlock(&b->lock);
                        return -r;
                }
                if (r != 0)
                        break; /* fewer writers will do */
                b->n_writers++;
        }
        while (b->n_queue == BUILDER_STORE_QUEUE && !b->writer_stop)
                pthread_cond_wait(&b->room, &b->lock);
        if (b->writer_stop) {
                pthread_mutex_unlock(&b->lock);
                return -ECANCELED;
        }
        b->queue[b->n_queue] = p;
        b->queue_claimed[b->n_queue++] = claimed;
        pthread_cond_signal(&b->queued);
        pthread_mutex_unlock(&b->lock);
        return 0;
}

static int build(struct builder *bd, const struct profile *p, const struct context *ctx,
                 const struct compile_options *o, bool may_wait, const char *alias_key,
                 const char *extra, size_t extra_size, struct blob **ret_blob,
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
        if (r == 0 && alias_key)
                (void)cache_alias_store(bd->cache, alias_key, b, diags, extra, extra_size);
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
                _cleanup_free_ char *cs = NULL;
                if (r >= 0 && bd->cache && context_to_string(ctx, &cs) == 0) {
                        struct cache_pending *pend = NULL;
                        if (!may_wait)
                                store_failed(cache_store(bd->cache, b, diags, p->digest, cs));
                        else if (cache_pending_new(b, diags, p->digest, cs, &pend) < 0 ||
                                 (alias_key && cache_pending_set_alias(pend, alias_key, extra,
                                                                       extra_size) < 0) ||
                                 queue_store(bd, pend, claimed) < 0) {
                                cache_pending_free(pend);
                                int k = cache_store(bd->cache, b, diags, p->digest, cs);
                                store_failed(k);
                                if (k >= 0 && alias_key)
                                        (void)cache_alias_store(bd->cache, alias_key, b, diags,
                                                                extra, extra_size);
                        } else
                                claimed = false; /* the writer releases the key once stored */
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

int builder_build(struct builder *bd, const struct profile *p, const struct context *ctx,
                  const struct compile_options *o, bool may_wait, struct blob **ret_blob,
                  struct diag_list **ret_diags, bool *ret_compiled)
{
        return build(bd, p, ctx, o, may_wait, NULL, NULL, 0, ret_blob, ret_diags, ret_compiled);
}

int builder_build_aliased(struct builder *bd, const struct profile *p, const struct context *ctx,
                          const struct compile_options *o, const char *alias_key, const char *extra,
                          size_t extra_size, struct blob **ret_blob, struct diag_list **ret_diags,
                          bool *ret_compiled)
{
        if (!bd->cache || !alias_key || !extra)
                alias_key = NULL;
        return build(bd, p, ctx, o, true, alias_key, extra, extra_size, ret_blob, ret_diags,
                     ret_compiled);
}
