/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builder.h"
#include "conf.h"
#include "config.h"
#include "diag-json.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "seccompd/protocol.h"
#include "server-internal.h"
#include "watcher.h"

void route_health(struct server *s, struct reply *rp)
{
        struct manager *m = s->m;
        pthread_rwlock_rdlock(&m->registry.lock);
        uint64_t gen = m->registry.generation;
        pthread_rwlock_unlock(&m->registry.lock);
        reply_json(rp, 200,
                   json_pack("{s:s, s:b, s:I}", SECCOMPD_KEY_STATUS, "ok", SECCOMPD_KEY_READY,
                             manager_is_ready(m), SECCOMPD_KEY_GENERATION, (json_int_t)gen));
}

void route_status(struct server *s, struct reply *rp)
{
        struct manager *m = s->m;
        const struct scmp_version *v = seccomp_version();
        char lib[32], node[PROFILE_DIGEST_MAX] = "";
        size_t counts[_ENTRY_STATE_MAX];
        struct cache_stats cs;
        json_t *roots = json_array();

        snprintf(lib, sizeof(lib), "%u.%u.%u", v->major, v->minor, v->micro);
        cache_get_stats(m->cache, &cs);
        pthread_rwlock_rdlock(&m->registry.lock);
        registry_counts(&m->registry, counts);
        registry_node_digest(&m->registry, node);
        uint64_t gen = m->registry.generation;
        for (size_t i = 0; i < m->roots.n; i++) {
                size_t n = 0;
                for (size_t k = 0; k < m->registry.n; k++)
                        n += m->registry.entries[k]->root == &m->roots.roots[i] &&
                             m->registry.entries[k]->state != ENTRY_MISSING;
                const struct root_config *rc = m->roots.roots[i].config;
                json_array_append_new(
                        roots, json_pack("{s:s, s:s, s:s, s:b, s:b, s:i}", SECCOMPD_KEY_NAME,
                                         rc->name, SECCOMPD_KEY_PATH, rc->path,
                                         SECCOMPD_KEY_DIALECT, dialect_to_string(rc->dialect),
                                         SECCOMPD_KEY_RECURSIVE, rc->recursive, SECCOMPD_KEY_EXISTS, roots_exists(&m->roots, &m->roots.roots[i]),
                                         SECCOMPD_KEY_PROFILES, (int)n));
        }
        pthread_rwlock_unlock(&m->registry.lock);
        _cleanup_free_ char *ctx = NULL;
        (void)context_to_string(&m->context, &ctx);
        /* Read the spool now: a record written a moment ago is counted in this answer. */
        fallbacks_ingest(&m->fallbacks);

        json_t *o = json_pack(
                "{s:s, s:s, s:b, s:I, s:o, s:{s:i, s:i, s:i, s:i}, "
                "s:{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:s, s:s?}",
                SECCOMPD_KEY_VERSION, PACKAGE_VERSION, SECCOMPD_KEY_LIBSECCOMP, lib,
                SECCOMPD_KEY_READY, manager_is_ready(m), SECCOMPD_KEY_GENERATION, (json_int_t)gen,
                SECCOMPD_KEY_ROOTS, roots, SECCOMPD_KEY_COUNTS, SECCOMPD_STATE_VALID,
                (int)counts[ENTRY_VALID], SECCOMPD_STATE_INVALID, (int)counts[ENTRY_INVALID],
                SECCOMPD_STATE_STALE, (int)counts[ENTRY_STALE], SECCOMPD_STATE_MISSING,
                (int)counts[ENTRY_MISSING], SECCOMPD_KEY_CACHE, SECCOMPD_KEY_CACHE_DIR, cache_dir(m->cache),
                SECCOMPD_KEY_CACHE_ENTRIES, (json_int_t)cs.entries, SECCOMPD_KEY_CACHE_BYTES, (json_int_t)cs.bytes, SECCOMPD_KEY_CACHE_MAX_BYTES,
                (json_int_t)cs.max_bytes, SECCOMPD_KEY_CACHE_HITS, (json_int_t)cs.hits, SECCOMPD_KEY_CACHE_MISSES,
                (json_int_t)cs.misses, SECCOMPD_KEY_CACHE_CORRUPT, (json_int_t)cs.corrupt, SECCOMPD_KEY_CACHE_EVICTIONS,
                (json_int_t)cs.evictions, SECCOMPD_KEY_COMPILES, (json_int_t)metrics_compiles(&m->metrics),
                SECCOMPD_KEY_NODE_DIGEST, node, SECCOMPD_KEY_CONTEXT, ctx);
        if (o)
                json_object_set_new(o, SECCOMPD_KEY_FALLBACKS,
                                    fallbacks_to_json(&m->fallbacks, time(NULL)));
        reply_json(rp, 200, o);
}

void route_profiles(struct server *s, struct reply *rp)
{
        struct manager *m = s->m;
        json_t *list = json_array();
        pthread_rwlock_rdlock(&m->registry.lock);
        for (size_t i = 0; i < m->registry.n; i++)
                json_array_append_new(list, entry_to_json(m->registry.entries[i], false));
        pthread_rwlock_unlock(&m->registry.lock);
        reply_json(rp, 200, json_pack("{s:o}", SECCOMPD_KEY_PROFILES, list));
}

void route_profile(struct server *s, const char *name, struct reply *rp)
{
        struct manager *m = s->m;
        if (!name_is_valid(name)) {
                reply_error(rp, 400, SECCOMPD_ERROR_BAD_REQUEST, NULL,
                            "invalid profile name '%s'", name);
                return;
        }
        pthread_rwlock_rdlock(&m->registry.lock);
        struct entry *e = registry_lookup(&m->registry, name);
        json_t *o = e ? entry_to_json(e, true) : NULL;
        pthread_rwlock_unlock(&m->registry.lock);
        if (!o) {
                bool ready = manager_is_ready(m);
                reply_error(rp, ready ? 404 : 503,
                            ready ? SECCOMPD_ERROR_NOT_FOUND : SECCOMPD_ERROR_UNAVAILABLE, NULL,
                            "no profile '%s'%s", name, ready ? "" : " (still scanning)");
                return;
        }
        reply_json(rp, 200, o);
}

/* Looks up a profile that may be served: returns it with the registry's read lock held, or
 * NULL once it has answered (404/503 for none, 409 with the diagnostics for an invalid one,
 * or a stale one under --strict). */
static struct entry *lock_servable(struct manager *m, const char *name, struct reply *rp)
{
        pthread_rwlock_rdlock(&m->registry.lock);
        struct entry *e = registry_lookup(&m->registry, name);
        bool refused_stale = e && e->state == ENTRY_STALE && m->config.strict;
        if (e && e->state != ENTRY_MISSING && e->state != ENTRY_INVALID && e->good_data &&
            !refused_stale)
                return e;
        bool invalid = e && (e->state == ENTRY_INVALID || refused_stale);
        _cleanup_(diag_list_freep) struct diag_list *d = NULL;
        if (invalid && diag_list_new(e->diags ? e->diags->file : NULL, &d) == 0)
                diag_list_extend(d, e->diags);
        pthread_rwlock_unlock(&m->registry.lock);
        if (invalid)
                reply_error(rp, 409, SECCOMPD_ERROR_CONFLICT, d,
                            refused_stale ? "profile '%s' is stale, and stale blobs are not "
                                            "served under --strict"
                                          : "profile '%s' is invalid and not served",
                            name);
        else if (manager_is_ready(m))
                reply_error(rp, 404, SECCOMPD_ERROR_NOT_FOUND, NULL, "no profile '%s'", name);
        else
                reply_error(rp, 503, SECCOMPD_ERROR_UNAVAILABLE, NULL, "no profile '%s'", name);
        return NULL;
}

void route_source(struct server *s, const char *name, struct reply *rp)
{
        if (!name_is_valid(name)) {
                reply_error(rp, 400, SECCOMPD_ERROR_BAD_REQUEST, NULL,
                            "invalid profile name '%s'", name);
                return;
        }
        struct entry *e = lock_servable(s->m, name, rp);
        if (!e)
                return;
        /* The version the blobs are compiled from: for a stale profile, the last good one. */
        rp->response = MHD_create_response_from_buffer(e->good_size, e->good_data,
                                                       MHD_RESPMEM_MUST_COPY);
        if (rp->response) {
                rp->status = 200;
                MHD_add_response_header(rp->response, "Content-Type", "application/json");
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_DIGEST, e->good_digest);
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_STATE,
                                        entry_state_to_string(e->state));
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_DIALECT,
                                        dialect_to_string(e->root->config->dialect));
        }
        pthread_rwlock_unlock(&s->m->registry.lock);
}

void route_bpf(struct server *s, struct MHD_Connection *c, const char *name, struct reply *rp)
{
        struct manager *m = s->m;
        struct context ctx;
        _cleanup_free_ char *cs = NULL, *data = NULL;
        char digest[PROFILE_DIGEST_MAX];
        enum dialect dialect;
        size_t size;

        if (!name_is_valid(name)) {
                reply_error(rp, 400, SECCOMPD_ERROR_BAD_REQUEST, NULL,
                            "invalid profile name '%s'", name);
                return;
        }
        if (request_context(s, c, &ctx, rp) < 0 || context_to_string(&ctx, &cs) < 0)
                return;

        struct entry *e = lock_servable(m, name, rp);
        if (!e)
                return;
        const char *state = entry_state_to_string(e->state);
        struct blob_slot *slot = entry_find_blob(e, cs);
        if (slot) {
                reply_blob(rp, c, slot->blob, e->good_digest, state, cs);
                pthread_rwlock_unlock(&m->registry.lock);
                return;
        }
        /* A context not compiled yet: compile it here, in this connection's own thread,
         * from a copy, so no other request waits for it. */
        data = malloc(e->good_size + 1);
        if (data)
                memcpy(data, e->good_data, e->good_size + 1);
        size = e->good_size;
        memcpy(digest, e->good_digest, sizeof(digest));
        dialect = e->root->config->dialect;
        pthread_rwlock_unlock(&m->registry.lock);
        if (!data) {
                reply_error(rp, 500, SECCOMPD_ERROR_INTERNAL, NULL, "out of memory");
                return;
        }

        _cleanup_(diag_list_freep) struct diag_list *pd = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        struct diag_list *bd = NULL;
        struct profile_parse_options o = { .dialect = dialect, .strict = m->config.strict };
        bool compiled;
        int r = diag_list_new(name, &pd);
        if (r == 0)
                r = profile_parse(data, size, &o, pd, &p);
        if (r == 0)
                r = builder_build(&m->builder, p, &ctx, &m->compile, &b, &bd, &compiled);
        if (r < 0) {
                if (bd)
                        diag_list_extend(pd, bd);
                diag_list_free(bd);
                reply_error(rp, r == -EINVAL ? 422 : 500,
                            r == -EINVAL ? SECCOMPD_ERROR_INVALID_PROFILE
                                         : SECCOMPD_ERROR_INTERNAL,
                            pd, "cannot compile '%s' for %s: %s", name, cs, strerror(-r));
                return;
        }
        reply_blob(rp, c, b, digest, state, cs);
        pthread_rwlock_wrlock(&m->registry.lock);
        e = registry_lookup(&m->registry, name);
        if (e && streq(e->good_digest, digest) && !entry_find_blob(e, cs) &&
            entry_add_blob(e, m->cache, cs, b, bd) == 0) {
                b = NULL;
                bd = NULL;
        }
        pthread_rwlock_unlock(&m->registry.lock);
        diag_list_free(bd);
}

void route_blob(struct server *s, struct MHD_Connection *c, const char *key, struct reply *rp)
{
        struct manager *m = s->m;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *d = NULL;
        /* Served blobs first (the cache may have evicted nothing yet, but stays the truth
         * for blobs of ad-hoc compiles). */
        pthread_rwlock_rdlock(&m->registry.lock);
        for (size_t i = 0; i < m->registry.n; i++) {
                struct entry *e = m->registry.entries[i];
                for (size_t k = 0; k < e->n_blobs; k++)
                        if (streq(e->blobs[k].blob->key, key)) {
                                reply_blob(rp, c, e->blobs[k].blob, e->good_digest,
                                           entry_state_to_string(e->state), e->blobs[k].context);
                                pthread_rwlock_unlock(&m->registry.lock);
                                return;
                        }
        }
        pthread_rwlock_unlock(&m->registry.lock);
        int r = cache_lookup(m->cache, key, &b, &d);
        if (r == -EINVAL)
                reply_error(rp, 400, SECCOMPD_ERROR_BAD_REQUEST, NULL, "invalid blob key");
        else if (r < 0)
                reply_error(rp, 404, SECCOMPD_ERROR_NOT_FOUND, NULL, "no blob '%s'", key);
        else
                reply_blob(rp, c, b, NULL, NULL, NULL);
}

/* Parses the request's profile with the ?dialect= and ?strict= of the query. Returns what
 * profile_parse() returns, with *ret_diags set, or 1 once it has answered the request itself
 * (unknown dialect, out of memory). */
static int parse_body(struct server *s, struct MHD_Connection *c, const struct request *rq,
                      struct reply *rp, struct diag_list **ret_diags, struct profile **ret)
{
        const char *d = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                    SECCOMPD_QUERY_DIALECT);
        const char *st = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                     SECCOMPD_QUERY_STRICT);
        struct profile_parse_options o = {
                .dialect = d ? dialect_from_string(d) : DIALECT_DEFAULT,
                .strict = s->m->config.strict || (st && (streq(st, "1") || streq(st, "true"))),
                .max_size = s->m->config.max_body_size,
        };
        if (o.dialect < 0) {
                reply_error(rp, 400, SECCOMPD_ERROR_BAD_REQUEST, NULL, "unknown dialect");
                return 1;
        }
        if (diag_list_new("<request>", ret_diags) < 0) {
                reply_error(rp, 500, SECCOMPD_ERROR_INTERNAL, NULL, "out of memory");
                return 1;
        }
        return profile_parse(rq->body ? rq->body : "", rq->size, &o, *ret_diags, ret);
}

void route_validate(struct server *s, struct MHD_Connection *c, const struct request *rq,
                    struct reply *rp)
{
        _cleanup_(diag_list_freep) struct diag_list *d = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        int r = parse_body(s, c, rq, rp, &d, &p);
        if (r == 1)
                return;
        diag_list_sort(d);
        reply_json(rp, 200,
                   json_pack("{s:b, s:s?, s:i, s:i, s:o}", SECCOMPD_KEY_VALID, r == 0,
                             SECCOMPD_KEY_DIGEST, p ? p->digest : NULL, SECCOMPD_KEY_ERRORS,
                             (int)d->counts[DIAG_ERROR], SECCOMPD_KEY_WARNINGS,
                             (int)d->counts[DIAG_WARNING], SECCOMPD_KEY_DIAGNOSTICS,
                             diag_list_to_json(d)));
}

void route_compile(struct server *s, struct MHD_Connection *c, const struct request *rq,
                   struct reply *rp)
{
        struct manager *m = s->m;
        _cleanup_(diag_list_freep) struct diag_list *d = NULL, *bd = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_free_ char *cs = NULL;
        struct context ctx;
        bool compiled;

        if (request_context(s, c, &ctx, rp) < 0 || context_to_string(&ctx, &cs) < 0)
                return;
        int r = parse_body(s, c, rq, rp, &d, &p);
        if (r == 1)
                return;
        if (r == 0)
                r = builder_build(&m->builder, p, &ctx, &m->compile, &b, &bd, &compiled);
        if (bd)
                diag_list_extend(d, bd);
        if (r < 0) {
                reply_error(rp, r == -EINVAL ? 422 : 500,
                            r == -EINVAL ? SECCOMPD_ERROR_INVALID_PROFILE : SECCOMPD_ERROR_INTERNAL,
                            d, "the profile does not compile");
                return;
        }
        const char *enc = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                      SECCOMPD_QUERY_ENCODING);
        if (enc && streq(enc, "raw")) {
                reply_blob(rp, c, b, p->digest, NULL, cs);
                return;
        }
        _cleanup_free_ char *b64 = base64_encode(b->insns, blob_size(b));
        if (b64)
                b64[strcspn(b64, "\n")] = 0;
        reply_json(rp, 200,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:s?, s:b, s:o}", SECCOMPD_KEY_KEY,
                             b->key, SECCOMPD_KEY_DIGEST, p->digest, SECCOMPD_KEY_CONTEXT, cs,
                             SECCOMPD_KEY_INSTRUCTIONS, (int)b->n_insns, SECCOMPD_KEY_SIZE,
                             (int)blob_size(b), SECCOMPD_KEY_BLOB, b64, SECCOMPD_KEY_COMPILED, compiled,
                             SECCOMPD_KEY_DIAGNOSTICS, diag_list_to_json(d)));
}

void route_reload(struct server *s, struct reply *rp)
{
        int r = manager_request_reload(s->m);
        if (r < 0) {
                reply_error(rp, 500, SECCOMPD_ERROR_INTERNAL, NULL, "cannot reload: %s",
                            strerror(-r));
                return;
        }
        pthread_rwlock_rdlock(&s->m->registry.lock);
        uint64_t gen = s->m->registry.generation;
        pthread_rwlock_unlock(&s->m->registry.lock);
        reply_json(rp, 202, json_pack("{s:I, s:s}", SECCOMPD_KEY_GENERATION, (json_int_t)gen,
                                      SECCOMPD_KEY_STATUS, "rescanning"));
}

void route_metrics(struct server *s, struct reply *rp)
{
        struct manager *m = s->m;
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f) {
                reply_error(rp, 500, SECCOMPD_ERROR_INTERNAL, NULL, "out of memory");
                return;
        }
        size_t counts[_ENTRY_STATE_MAX];
        struct cache_stats cs;
        pthread_rwlock_rdlock(&m->registry.lock);
        registry_counts(&m->registry, counts);
        pthread_rwlock_unlock(&m->registry.lock);
        cache_get_stats(m->cache, &cs);
        fprintf(f, "# HELP seccompd_profiles Profiles by state.\n# TYPE seccompd_profiles gauge\n");
        for (int i = 0; i < _ENTRY_STATE_MAX; i++)
                fprintf(f, "seccompd_profiles{state=\"%s\"} %zu\n", entry_state_to_string(i),
                        counts[i]);
        metrics_render(&m->metrics, f);
        fallbacks_ingest(&m->fallbacks);
        fallbacks_render_metrics(&m->fallbacks, f, time(NULL));
        fprintf(f,
                "# HELP seccompd_cache_hits_total Blobs found in the on-disk cache.\n"
                "# TYPE seccompd_cache_hits_total counter\nseccompd_cache_hits_total %llu\n"
                "# HELP seccompd_cache_misses_total Blobs not in the cache (compiled).\n"
                "# TYPE seccompd_cache_misses_total counter\nseccompd_cache_misses_total %llu\n"
                "# HELP seccompd_cache_corrupt_total Cache entries that failed verification.\n"
                "# TYPE seccompd_cache_corrupt_total counter\n"
                "seccompd_cache_corrupt_total %llu\n"
                "# HELP seccompd_cache_bytes Size of the on-disk cache.\n"
                "# TYPE seccompd_cache_bytes gauge\nseccompd_cache_bytes %llu\n",
                (unsigned long long)cs.hits, (unsigned long long)cs.misses,
                (unsigned long long)cs.corrupt, (unsigned long long)cs.bytes);
        fprintf(f,
                "# HELP seccompd_watch_overflows_total inotify queue overflows (full rescans).\n"
                "# TYPE seccompd_watch_overflows_total counter\n"
                "seccompd_watch_overflows_total %llu\n"
                "# HELP seccompd_ready Whether the first full scan is done.\n"
                "# TYPE seccompd_ready gauge\nseccompd_ready %d\n",
                (unsigned long long)(m->watcher ? watcher_overflows(m->watcher) : 0), manager_is_ready(m));
        fclose(f);
        rp->status = 200;
        rp->response = MHD_create_response_from_buffer(size, text, MHD_RESPMEM_MUST_FREE);
        if (rp->response)
                MHD_add_response_header(rp->response, "Content-Type",
                                        "text/plain; version=0.0.4");
}
