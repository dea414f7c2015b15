/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base64.h"
#include "config.h"
#include "diag-json.h"
#include "macro.h"
#include "roots.h"
#include "seccompd/protocol.h"
#include "server-internal.h"
#include "service.h"

void route_health(struct server *s, struct MHD_Connection *c, const char *arg,
                  const struct request *rq, struct reply *rp)
{
        uint64_t gen = manager_generation(s->m);
        reply_json(rp, 200,
                   json_pack("{s:s, s:b, s:I}", SECCOMPD_KEY_STATUS, "ok", SECCOMPD_KEY_READY,
                             manager_is_ready(s->m), SECCOMPD_KEY_GENERATION, (json_int_t)gen));
}

static json_t *cache_json(struct server *s)
{
        struct cache_stats cs;
        const char *dir = manager_cache_stats(s->m, &cs);
        return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", SECCOMPD_KEY_CACHE_DIR, dir,
                         SECCOMPD_KEY_CACHE_ENTRIES, (json_int_t)cs.entries,
                         SECCOMPD_KEY_CACHE_BYTES, (json_int_t)cs.bytes,
                         SECCOMPD_KEY_CACHE_MAX_BYTES, (json_int_t)cs.max_bytes,
                         SECCOMPD_KEY_CACHE_HITS, (json_int_t)cs.hits, SECCOMPD_KEY_CACHE_MISSES,
                         (json_int_t)cs.misses, SECCOMPD_KEY_CACHE_CORRUPT, (json_int_t)cs.corrupt,
                         SECCOMPD_KEY_CACHE_EVICTIONS, (json_int_t)cs.evictions);
}

void route_status(struct server *s, struct MHD_Connection *c, const char *arg,
                  const struct request *rq, struct reply *rp)
{
        struct manager *m = s->m;
        const struct scmp_version *v = seccomp_version();
        char lib[32], node[PROFILE_DIGEST_MAX] = "";
        size_t counts[_ENTRY_STATE_MAX];
        _cleanup_free_ char *ctx = NULL;

        snprintf(lib, sizeof(lib), "%u.%u.%u", v->major, v->minor, v->micro);
        manager_counts(m, counts);
        (void)manager_node_digest(m, node);
        (void)context_to_string(manager_default_context(m), &ctx);
        json_t *o = json_pack(
                "{s:s, s:s, s:b, s:I, s:o, s:{s:i, s:i, s:i, s:i}, s:o, s:I, s:s, s:s?}",
                SECCOMPD_KEY_VERSION, PACKAGE_VERSION, SECCOMPD_KEY_LIBSECCOMP, lib,
                SECCOMPD_KEY_READY, manager_is_ready(m), SECCOMPD_KEY_GENERATION,
                (json_int_t)manager_generation(m), SECCOMPD_KEY_ROOTS, manager_roots_json(m),
                SECCOMPD_KEY_COUNTS, SECCOMPD_STATE_VALID, (int)counts[ENTRY_VALID],
                SECCOMPD_STATE_INVALID, (int)counts[ENTRY_INVALID], SECCOMPD_STATE_STALE,
                (int)counts[ENTRY_STALE], SECCOMPD_STATE_MISSING, (int)counts[ENTRY_MISSING],
                SECCOMPD_KEY_CACHE, cache_json(s), SECCOMPD_KEY_COMPILES,
                (json_int_t)manager_compiles(m), SECCOMPD_KEY_NODE_DIGEST, node,
                SECCOMPD_KEY_CONTEXT, ctx);
        if (o) {
                json_object_set_new(o, SECCOMPD_KEY_FALLBACKS, manager_fallbacks_json(m));
                json_object_set_new(o, SECCOMPD_KEY_DENIALS,
                                    denials_status_json(manager_denials(m)));
        }
        reply_json(rp, 200, o);
}

void route_profiles(struct server *s, struct MHD_Connection *c, const char *arg,
                    const struct request *rq, struct reply *rp)
{
        reply_json(rp, 200, json_pack("{s:o}", SECCOMPD_KEY_PROFILES, manager_profiles_json(s->m)));
}

/* 404 once the first scan is done, 503 while a profile may still turn up. */
static void reply_no_profile(struct server *s, const char *name, struct reply *rp)
{
        bool ready = manager_is_ready(s->m);
        reply_error(rp, ready ? -ENOENT : -EAGAIN, NULL, "no profile '%s'%s", name,
                    ready ? "" : " (still scanning)");
}

void route_profile(struct server *s, struct MHD_Connection *c, const char *name,
                   const struct request *rq, struct reply *rp)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *e = NULL;
        if (!name_is_valid(name)) {
                reply_error(rp, -EINVAL, NULL, "invalid profile name '%s'", name);
                return;
        }
        if (manager_lookup(s->m, name, &e) < 0) {
                reply_no_profile(s, name, rp);
                return;
        }
        reply_json(rp, 200, entry_to_json(e, true));
}

/* Looks up a profile that may be served: 0 with a reference to its snapshot, or -errno once
 * it has answered (400 for a malformed name, 404/503 for none, 409 with the diagnostics for
 * an invalid one, or a stale one under --strict). */
static int get_servable(struct server *s, const char *name, struct reply *rp,
                        struct entry_snapshot **ret)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *e = NULL;
        _cleanup_(diag_list_freep) struct diag_list *empty = NULL;

        if (!name_is_valid(name)) {
                reply_error(rp, -EINVAL, NULL, "invalid profile name '%s'", name);
                return -EINVAL;
        }
        if (manager_lookup(s->m, name, &e) < 0)
                e = NULL;
        bool refused_stale = e && e->state == ENTRY_STALE && manager_config(s->m)->strict;
        if (e && (e->state == ENTRY_INVALID || refused_stale)) {
                if (!e->diags)
                        (void)diag_list_new(NULL, &empty);
                reply_error(rp, -EBUSY, e->diags ? e->diags : empty,
                            refused_stale ? "profile '%s' is stale, and stale blobs are not "
                                            "served under --strict"
                                          : "profile '%s' is invalid and not served",
                            name);
                return -EBUSY;
        }
        if (!e || e->state == ENTRY_MISSING || !e->good) {
                reply_error(rp, manager_is_ready(s->m) ? -ENOENT : -EAGAIN, NULL, "no profile '%s'",
                            name);
                return -ENOENT;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

void route_source(struct server *s, struct MHD_Connection *c, const char *name,
                  const struct request *rq, struct reply *rp)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *e = NULL;
        if (get_servable(s, name, rp, &e) < 0)
                return;
        /* The version the blobs are compiled from: for a stale profile, the last good one. */
        rp->response = MHD_create_response_from_buffer(e->good->size, e->good->data,
                                                       MHD_RESPMEM_MUST_COPY);
        if (!rp->response)
                return;
        rp->status = 200;
        MHD_add_response_header(rp->response, "Content-Type", "application/json");
        MHD_add_response_header(rp->response, SECCOMPD_HEADER_DIGEST, e->good->digest);
        MHD_add_response_header(rp->response, SECCOMPD_HEADER_STATE,
                                entry_state_to_string(e->state));
        MHD_add_response_header(rp->response, SECCOMPD_HEADER_DIALECT,
                                dialect_to_string(e->root->config->dialect));
}

/* What a failed compile answers: 422 when the profile is refused (libseccomp, the kernel, or
 * the compile deadline), 503 when every large-compile slot is busy or the daemon stops. */
static int compile_error(int r)
{
        return r == -EINVAL ? -EBADMSG : r == -EAGAIN || r == -ECANCELED ? -EAGAIN : -EIO;
}

void route_bpf(struct server *s, struct MHD_Connection *c, const char *name,
               const struct request *rq, struct reply *rp)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *e = NULL;
        _cleanup_(entry_blob_unrefp) struct entry_blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *bd = NULL, *d = NULL;
        _cleanup_free_ char *cs = NULL;
        struct context ctx;

        if (!name_is_valid(name)) {
                reply_error(rp, -EINVAL, NULL, "invalid profile name '%s'", name);
                return;
        }
        if (request_context(s, c, &ctx, rp) < 0 || context_to_string(&ctx, &cs) < 0 ||
            get_servable(s, name, rp, &e) < 0)
                return;
        /* The blob is there (nearly always): no need to ask the kernel who the peer is. */
        struct entry_blob *have = entry_snapshot_find_blob(e, cs);
        if (have) {
                entry_blob_touch(have);
                reply_served_blob(rp, c, have, e->good->digest, entry_state_to_string(e->state),
                                  cs);
                return;
        }
        int r = manager_blob_for(s->m, e, &ctx, peer_privileged(s, c), &b, &bd);
        if (r == -EPERM) {
                reply_error(rp, -EPERM, NULL,
                            "profile '%s' has no blob for %s yet: compiling a new context needs "
                            "root or the seccompd group",
                            name, cs);
                return;
        }
        if (r < 0) {
                if (diag_list_new(name, &d) == 0 && bd)
                        diag_list_extend(d, bd);
                reply_error(rp, compile_error(r), d, "cannot compile '%s' for %s: %s", name, cs,
                            strerror(-r));
                return;
        }
        reply_served_blob(rp, c, b, e->good->digest, entry_state_to_string(e->state), cs);
}

void route_blob(struct server *s, struct MHD_Connection *c, const char *key,
                const struct request *rq, struct reply *rp)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *e = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        const struct entry_blob *eb;

        /* Served blobs first; the cache stays the truth for blobs of ad-hoc compiles. */
        if (manager_served_blob(s->m, key, &e, &eb) == 0) {
                /* The snapshot holds eb: a reference to eb outlives it. */
                reply_served_blob(rp, c, (struct entry_blob *)eb, e->good->digest,
                                  entry_state_to_string(e->state), eb->context);
                return;
        }
        int r = manager_cached_blob(s->m, key, &b);
        if (r == -EINVAL)
                reply_error(rp, -EINVAL, NULL, "invalid blob key");
        else if (r < 0)
                reply_error(rp, -ENOENT, NULL, "no blob '%s'", key);
        else
                reply_blob(rp, c, b, NULL, NULL, NULL);
}

/* The daemon's --strict, or the request's ?strict=1 (or true). */
static bool request_strict(struct server *s, struct MHD_Connection *c)
{
        const char *st =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_STRICT);
        return manager_config(s->m)->strict || (st && (streq(st, "1") || streq(st, "true")));
}

/* Parses the request's profile with the ?dialect= and ?strict= of the query. Returns what
 * profile_parse() returns, with *ret_diags set, or 1 once it has answered the request itself
 * (unknown dialect, out of memory). */
static int parse_body(struct server *s, struct MHD_Connection *c, const struct request *rq,
                      struct reply *rp, struct diag_list **ret_diags, struct profile **ret)
{
        const struct config *config = manager_config(s->m);
        const char *d =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_DIALECT);
        struct profile_parse_options o = {
                .dialect = d ? dialect_from_string(d) : DIALECT_DEFAULT,
                .strict = request_strict(s, c),
                .max_size = config->max_body_size,
        };
        if (o.dialect < 0) {
                reply_error(rp, -EINVAL, NULL, "unknown dialect");
                return 1;
        }
        if (diag_list_new("<request>", ret_diags) < 0) {
                reply_error(rp, -ENOMEM, NULL, "out of memory");
                return 1;
        }
        return profile_parse(rq->body ? rq->body : "", rq->size, &o, *ret_diags, ret);
}

void route_validate(struct server *s, struct MHD_Connection *c, const char *arg,
                    const struct request *rq, struct reply *rp)
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

/* The answer to a compile; kept in the memo under `memo_request` (when not NULL) with
 * "compiled": false, what the same request will be answered from then on. */
static void reply_compiled(struct server *s, struct reply *rp, const struct blob *b,
                           const struct profile *p, const char *cs, bool compiled, bool log,
                           const struct diag_list *d, const char *memo_request)
{
        _cleanup_free_ char *b64 = base64_encode(b->insns, blob_size(b));
        json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s?, s:b, s:o}", SECCOMPD_KEY_KEY, b->key,
                              SECCOMPD_KEY_DIGEST, p->digest, SECCOMPD_KEY_CONTEXT, cs,
                              SECCOMPD_KEY_INSTRUCTIONS, (int)b->n_insns, SECCOMPD_KEY_SIZE,
                              (int)blob_size(b), SECCOMPD_KEY_BLOB, b64, SECCOMPD_KEY_COMPILED,
                              compiled, SECCOMPD_KEY_DIAGNOSTICS, diag_list_to_json(d));
        if (j && log)
                json_object_set_new(j, SECCOMPD_KEY_FILTER_FLAGS,
                                    json_pack("[s]", "SECCOMP_FILTER_FLAG_LOG"));
        /* Not with the LOG flag: whether a key asks for it changes with the served profiles
         * (--log-filter), so such answers are built every time. */
        if (j && memo_request && !log) {
                size_t size = 0;
                _cleanup_free_ char *text = NULL;
                if (json_object_set_new(j, SECCOMPD_KEY_COMPILED, json_false()) == 0 &&
                    (text = json_text(j, &size)))
                        compile_memo_put(&s->memo, memo_request, b->key, text, size);
                (void)json_object_set_new(j, SECCOMPD_KEY_COMPILED, json_boolean(compiled));
        }
        reply_json(rp, 200, j);
}

/* The raw answer of POST /v1/compile?encoding=raw: the blob with its headers, and the filter
 * flags the daemon asks for (always said, so that a client can tell "none" from a daemon that
 * does not send them). */
static void reply_compiled_raw(struct reply *rp, struct MHD_Connection *c, const struct blob *b,
                               const char *digest, const char *cs, bool log)
{
        reply_blob(rp, c, b, digest, NULL, cs);
        if (rp->response && rp->status == 200)
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_FILTER_FLAGS,
                                        log ? SECCOMPD_FILTER_FLAG_LOG
                                            : SECCOMPD_FILTER_FLAGS_NONE);
}

/* Answers from the memo: true when it did, with the blob key in `key` and the profile's
 * digest in `digest` (the body's sha256, the first line of `memo_request`). */
static bool reply_memo(struct server *s, struct MHD_Connection *c, const char *memo_request,
                       bool raw, const char *cs, struct reply *rp, char key[SHA256_HEX_SIZE],
                       char digest[PROFILE_DIGEST_MAX])
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;

        if (compile_memo_get(&s->memo, memo_request, &text, &size, key) < 0)
                return false;
        if (manager_filter_log(s->m, key))
                return false; /* its profile is served under a --log-filter name now */
        snprintf(digest, PROFILE_DIGEST_MAX, "sha256:%.64s", memo_request);
        if (!raw) {
                rp->status = 200;
                rp->response = json_text_response(TAKE_PTR(text), size);
                return true;
        }
        struct blob b = {.insns = (struct sock_filter *)text, .n_insns = size / 8};
        memcpy(b.key, key, SHA256_HEX_SIZE);
        reply_compiled_raw(rp, c, &b, digest, cs, false);
        return true;
}

/* The container report the request carries, recorded with the answer's key and digest; how it
 * went is said in a header of the answer. */
static void reply_report(struct server *s, struct MHD_Connection *c, struct reply *rp,
                         const char *key, const char *digest)
{
        const char *how = compile_report(s, c, key, digest);
        if (how && rp->response)
                MHD_add_response_header(rp->response, SECCOMPD_HEADER_CONTAINER_REPORT, how);
}

void route_compile(struct server *s, struct MHD_Connection *c, const char *arg,
                   const struct request *rq, struct reply *rp)
{
        _cleanup_(diag_list_freep) struct diag_list *d = NULL, *bd = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_free_ char *cs = NULL, *memo_request = NULL;
        char key[SHA256_HEX_SIZE], digest[PROFILE_DIGEST_MAX];
        struct context ctx;
        bool compiled;

        if (request_context(s, c, &ctx, rp) < 0 || context_to_string(&ctx, &cs) < 0)
                return;
        const char *enc =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_ENCODING);
        bool raw = enc && streq(enc, "raw");
        /* The same bytes parsed the same way give the same answer: from the memo, without
         * parsing them again. */
        if (compile_memo_request(
                    rq->body, rq->size, cs,
                    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_DIALECT),
                    request_strict(s, c), raw ? "raw" : "json", &memo_request) < 0)
                memo_request = NULL;
        if (memo_request && reply_memo(s, c, memo_request, raw, cs, rp, key, digest)) {
                reply_report(s, c, rp, key, digest);
                return;
        }
        int r = parse_body(s, c, rq, rp, &d, &p);
        if (r == 1)
                return;
        if (r == 0)
                r = manager_compile(s->m, p, &ctx, &b, &bd, &compiled);
        if (bd)
                diag_list_extend(d, bd);
        if (r < 0) {
                reply_error(rp, compile_error(r), d, "the profile does not compile%s",
                            r == -EAGAIN || r == -ECANCELED
                                    ? " now: every large-compile slot is busy"
                                    : "");
                return;
        }
        if (raw) {
                bool log = manager_filter_log(s->m, b->key);
                reply_compiled_raw(rp, c, b, p->digest, cs, log);
                if (memo_request && !log)
                        compile_memo_put(&s->memo, memo_request, b->key, (const char *)b->insns,
                                         blob_size(b));
        } else
                reply_compiled(s, rp, b, p, cs, compiled, manager_filter_log(s->m, b->key), d,
                               memo_request);
        reply_report(s, c, rp, b->key, p->digest);
}

void route_reload(struct server *s, struct MHD_Connection *c, const char *arg,
                  const struct request *rq, struct reply *rp)
{
        int r = manager_request_reload(s->m);
        if (r < 0) {
                reply_error(rp, r, NULL, "cannot reload: %s", strerror(-r));
                return;
        }
        reply_json(rp, 202,
                   json_pack("{s:I, s:s}", SECCOMPD_KEY_GENERATION,
                             (json_int_t)manager_generation(s->m), SECCOMPD_KEY_STATUS,
                             "rescanning"));
}

void route_metrics(struct server *s, struct MHD_Connection *c, const char *arg,
                   const struct request *rq, struct reply *rp)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f) {
                reply_error(rp, -ENOMEM, NULL, "out of memory");
                return;
        }
        (void)manager_write_metrics(s->m, f);
        uint64_t hits, misses;
        size_t entries;
        compile_memo_counts(&s->memo, &hits, &misses, &entries);
        fprintf(f,
                "# HELP seccompd_compile_memo_hits_total POST /v1/compile answered from the memo.\n"
                "# TYPE seccompd_compile_memo_hits_total counter\n"
                "seccompd_compile_memo_hits_total %llu\n"
                "# HELP seccompd_compile_memo_misses_total POST /v1/compile not in the memo.\n"
                "# TYPE seccompd_compile_memo_misses_total counter\n"
                "seccompd_compile_memo_misses_total %llu\n"
                "# HELP seccompd_compile_memo_entries Answers the memo holds (at most %d).\n"
                "# TYPE seccompd_compile_memo_entries gauge\n"
                "seccompd_compile_memo_entries %zu\n",
                (unsigned long long)hits, (unsigned long long)misses, COMPILE_MEMO_ENTRIES,
                entries);
        fclose(f);
        rp->status = 200;
        rp->response = MHD_create_response_from_buffer(size, text, MHD_RESPMEM_MUST_FREE);
        if (rp->response)
                MHD_add_response_header(rp->response, "Content-Type", "text/plain; version=0.0.4");
}

/* A follower of GET /v1/denials?follow=1: NDJSON, one denial a line, as they come. */
struct follow {
        struct denials *d;
        char *profile, *container, *syscall;
        uint64_t since;
        int fd;         /* the client's socket: a client gone ends the stream */
        char buf[8192]; /* encoded lines not sent yet */
        size_t len, off;
};

static void follow_free(void *cls)
{
        struct follow *f = cls;
        denials_follower_release(f->d);
        free(f->profile);
        free(f->container);
        free(f->syscall);
        free(f);
}

static bool peer_gone(int fd)
{
        char b;
        ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* libmicrohttpd's content reader, in the connection's own thread: blocks until there is
 * something to send, checking every second that the client is still there. */
static ssize_t follow_read(void *cls, uint64_t pos, char *out, size_t max)
{
        struct follow *f = cls;
        while (f->off == f->len) {
                struct denial batch[8];
                const struct denial_filter filter = {
                        .profile = f->profile, .container = f->container, .syscall = f->syscall};
                if (f->fd >= 0 && peer_gone(f->fd))
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                int n = denials_wait(f->d, &filter, &f->since, batch, ELEMENTSOF(batch), 1000);
                if (n < 0)
                        return MHD_CONTENT_READER_END_OF_STREAM;
                f->len = f->off = 0;
                for (int i = 0; i < n; i++) {
                        json_t *j = denial_to_json(&batch[i]);
                        char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
                        json_decref(j);
                        if (line && f->len + strlen(line) + 1 <= sizeof(f->buf)) {
                                memcpy(f->buf + f->len, line, strlen(line));
                                f->len += strlen(line);
                                f->buf[f->len++] = '\n';
                        }
                        free(line);
                }
        }
        size_t n = f->len - f->off < max ? f->len - f->off : max;
        memcpy(out, f->buf + f->off, n);
        f->off += n;
        return (ssize_t)n;
}

static int parse_seq(const char *s, uint64_t *ret)
{
        char *end;
        if (!s || !*s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

void route_denials(struct server *s, struct MHD_Connection *c, const char *arg,
                   const struct request *rq, struct reply *rp)
{
        struct denials *d = manager_denials(s->m);
        const char *q[4];
        static const char *const keys[4] = {SECCOMPD_QUERY_PROFILE, SECCOMPD_QUERY_CONTAINER,
                                            SECCOMPD_QUERY_SYSCALL, SECCOMPD_QUERY_SINCE};
        for (size_t i = 0; i < 4; i++)
                q[i] = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, keys[i]);
        const char *follow =
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, SECCOMPD_QUERY_FOLLOW);
        struct denial_filter f = {.profile = q[0], .container = q[1], .syscall = q[2]};
        if (q[3] && parse_seq(q[3], &f.since) < 0) {
                reply_error(rp, -EINVAL, NULL, "since: expected a sequence number");
                return;
        }
        for (size_t i = 0; i < 3; i++)
                if (q[i] && strlen(q[i]) > 255) {
                        reply_error(rp, -EINVAL, NULL, "%s: longer than 255 bytes", keys[i]);
                        return;
                }
        if (follow && !streq(follow, "1") && !streq(follow, "0") && !streq(follow, "true")) {
                reply_error(rp, -EINVAL, NULL, "follow: expected 1 or 0");
                return;
        }
        if (follow && !streq(follow, "0")) {
                const union MHD_ConnectionInfo *info =
                        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
                if (denials_follower_acquire(d) < 0) {
                        reply_error(rp, -EAGAIN, NULL, "more than %d followers of the denials",
                                    DENIALS_FOLLOWERS);
                        return;
                }
                struct follow *fl = calloc(1, sizeof(*fl));
                if (!fl || (q[0] && !(fl->profile = strdup(q[0]))) ||
                    (q[1] && !(fl->container = strdup(q[1]))) ||
                    (q[2] && !(fl->syscall = strdup(q[2])))) {
                        if (fl)
                                follow_free(fl);
                        else
                                denials_follower_release(d);
                        reply_error(rp, -ENOMEM, NULL, "out of memory");
                        return;
                }
                fl->d = d;
                fl->fd = info ? info->connect_fd : -1;
                if (q[3])
                        fl->since = f.since;
                else
                        json_decref(denials_to_json(d, &(struct denial_filter){.since = UINT64_MAX},
                                                    &fl->since)); /* from now on */
                rp->response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                                                 follow_read, fl, follow_free);
                if (!rp->response) {
                        follow_free(fl);
                        return;
                }
                rp->status = 200;
                rp->streaming = true;
                MHD_add_response_header(rp->response, "Content-Type", "application/x-ndjson");
                return;
        }
        uint64_t last = 0;
        json_t *list = denials_to_json(d, &f, &last);
        if (!list) {
                reply_error(rp, -ENOMEM, NULL, "out of memory");
                return;
        }
        reply_json(rp, 200,
                   json_pack("{s:o, s:I, s:o}", SECCOMPD_KEY_DENIALS, list, SECCOMPD_KEY_LAST,
                             (json_int_t)last, "reader", denials_status_json(d)));
}
