/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/http.h"
#include "config.h"
#include "macro.h"
#include "seccompd/client.h"
#include "seccompd/protocol.h"

/* The library is built with -fvisibility=hidden and a version script; only what is marked
 * here leaves it. */
#define _public_ __attribute__((visibility("default")))

#define SECCOMPD_DEFAULT_TIMEOUT_MS 5000

/* 8 bytes per classic BPF instruction: struct sock_filter, without pulling in kernel
 * headers for one constant. */
#define BPF_INSN_SIZE 8

struct seccompd {
        char *socket_path;
        long timeout_ms;
        char *last_error; /* the daemon's message of the last failed call, or NULL */
        struct http_connection *connection; /* kept open between calls */
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd *, seccompd_disconnect);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_blob *, seccompd_blob_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_status *, seccompd_status_free);

static void clear_error(struct seccompd *c)
{
        free(c->last_error);
        c->last_error = NULL;
}

/* One table from the API's statuses to errnos (client.h lists them). */
static int errno_from_status(long status)
{
        switch (status) {
        case 400: return -EINVAL;
        case 403: return -EPERM;
        case 404: return -ENOENT;
        case 409: /* the profile exists but is invalid (or stale under --strict) */
        case 422: return -EBADMSG;
        case 413: return -EFBIG;
        case 503: return -EAGAIN;
        default: return -EIO;
        }
}

/* The first error among the answer's diagnostics, as "file:line:col: pointer: message", so
 * that last_error says why a profile is invalid and not only that it is. */
static char *first_error_diagnostic(const json_t *diags)
{
        size_t i;
        json_t *d;

        json_array_foreach (diags, i, d) {
                const char *sev = json_string_value(json_object_get(d, SECCOMPD_KEY_SEVERITY));
                const char *file = json_string_value(json_object_get(d, SECCOMPD_KEY_FILE));
                const char *ptr = json_string_value(json_object_get(d, SECCOMPD_KEY_POINTER));
                const char *msg = json_string_value(json_object_get(d, SECCOMPD_KEY_MESSAGE));
                json_int_t line = json_integer_value(json_object_get(d, SECCOMPD_KEY_LINE));
                json_int_t col = json_integer_value(json_object_get(d, SECCOMPD_KEY_COLUMN));
                char *s = NULL;

                if (!sev || !streq(sev, "error") || !msg)
                        continue;
                if (asprintf(&s, "%s:%lld:%lld: %s%s%s", file ? file : "<profile>", (long long)line,
                             (long long)col, ptr && *ptr ? ptr : "", ptr && *ptr ? ": " : "",
                             msg) < 0)
                        return NULL;
                return s;
        }
        return NULL;
}

/* Keeps the daemon's message of an error answer (or its status when the body is not the
 * API's error object). Failing to allocate it only loses the message. */
static void record_error(struct seccompd *c, const struct http_response *resp)
{
        _cleanup_(http_error_freep) struct http_error *e = NULL;
        _cleanup_free_ char *diag = NULL;

        clear_error(c);
        if (http_error_parse(resp, &e) < 0) {
                if (asprintf(&c->last_error, "seccompd answered HTTP %ld", resp->status) < 0)
                        c->last_error = NULL;
                return;
        }
        diag = first_error_diagnostic(e->diagnostics);
        if (!diag) {
                c->last_error = TAKE_PTR(e->message);
                return;
        }
        if (asprintf(&c->last_error, "%s: %s", e->message, diag) < 0)
                c->last_error = NULL;
}

/* Sends one request. Returns 0 and the answer whatever its status, or the -errno of a
 * transport failure as http_request() reports it. Resets c->last_error. */
static int send_request(struct seccompd *c, const char *method, const char *target,
                        const void *body, size_t body_size, struct http_response **ret)
{
        struct http_request req = {
                .socket_path = c->socket_path,
                .method = method,
                .target = target,
                .body = body,
                .body_size = body_size,
                .timeout_ms = c->timeout_ms,
                .user_agent = "libseccompd/" PACKAGE_VERSION,
                .connection = c->connection,
        };

        clear_error(c);
        return http_request(&req, ret);
}

/* Sends one request. Returns 0 and a 200 answer, or -errno: a transport failure, or the
 * daemon's error answer mapped by errno_from_status() with its message kept in
 * c->last_error. */
static int request(struct seccompd *c, const char *method, const char *target, const void *body,
                   size_t body_size, struct http_response **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        int r = send_request(c, method, target, body, body_size, &resp);

        if (r < 0)
                return r;
        if (resp->status != 200) {
                record_error(c, resp);
                return errno_from_status(resp->status);
        }
        *ret = TAKE_PTR(resp);
        return 0;
}

static int request_json(struct seccompd *c, const char *target, json_t **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        int r = request(c, "GET", target, NULL, 0, &resp);
        if (r < 0)
                return r;
        if (http_response_json(resp, ret) < 0)
                return -EPROTO;
        return 0;
}

_public_ void seccompd_disconnect(struct seccompd *c)
{
        if (!c)
                return;
        http_connection_free(c->connection);
        free(c->socket_path);
        free(c->last_error);
        free(c);
}

_public_ int seccompd_connect(const char *socket_path, unsigned timeout_ms, struct seccompd **ret)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *c = NULL;
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        int r;

        if (!ret || (socket_path && !socket_path[0]))
                return -EINVAL;
        if (!socket_path) {
                /* secure_getenv: a set-uid program linking us does not take its socket from
                 * whoever runs it. */
                const char *e = secure_getenv(SECCOMPD_SOCKET_ENV);
                socket_path = e && e[0] ? e : SECCOMPD_SOCKET_PATH;
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->socket_path = strdup(socket_path);
        if (!c->socket_path)
                return -ENOMEM;
        c->timeout_ms = timeout_ms ? (long)timeout_ms : SECCOMPD_DEFAULT_TIMEOUT_MS;
        r = http_connection_new(&c->connection);
        if (r < 0)
                return r;

        /* Anything but the API's 200 here is another server on that socket, not an error of
         * the daemon's: -EPROTO, not the errno its status would map to. */
        r = send_request(c, "GET", SECCOMPD_ROUTE_HEALTH, NULL, 0, &resp);
        if (r < 0)
                return r;
        if (resp->status != 200 || http_response_json(resp, &j) < 0)
                return -EPROTO;
        const char *status = json_string_value(json_object_get(j, SECCOMPD_KEY_STATUS));
        if (!status || !streq(status, "ok") ||
            !json_is_boolean(json_object_get(j, SECCOMPD_KEY_READY)))
                return -EPROTO;
        *ret = TAKE_PTR(c);
        return 0;
}

_public_ const char *seccompd_last_error(const struct seccompd *c)
{
        return c ? c->last_error : NULL;
}

_public_ void seccompd_blob_free(struct seccompd_blob *b)
{
        if (!b)
                return;
        free(b->data);
        free(b->key);
        free(b->digest);
        free(b->state);
        free(b->context);
        free(b);
}

/* Appends the context's members that are set as query parameters. */
static int add_context(char **target, const struct seccompd_context *ctx)
{
        int r = 0;

        if (!ctx)
                return 0;
        if (ctx->arch)
                r = http_query_add(target, SECCOMPD_QUERY_ARCH, ctx->arch);
        if (r == 0 && ctx->caps)
                r = http_query_add(target, SECCOMPD_QUERY_CAPS, ctx->caps);
        if (r == 0 && ctx->kernel)
                r = http_query_add(target, SECCOMPD_QUERY_KERNEL, ctx->kernel);
        return r;
}

static bool is_blob_key(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == 64;
}

/* Takes a raw blob answer apart: the body and the headers of client.h's struct. */
static int blob_from_response(struct http_response *resp, bool by_name, struct seccompd_blob **ret)
{
        _cleanup_(seccompd_blob_freep) struct seccompd_blob *b = NULL;
        size_t n = resp->body_size / BPF_INSN_SIZE;

        if (resp->body_size == 0 || resp->body_size % BPF_INSN_SIZE != 0 || n > UINT_MAX)
                return -EPROTO;
        if (!resp->key || !is_blob_key(resp->key) || !resp->digest || (by_name && !resp->state))
                return -EPROTO;
        if (resp->instructions) {
                char *end;
                errno = 0;
                unsigned long long insns = strtoull(resp->instructions, &end, 10);
                if (errno || *end || end == resp->instructions || insns != n)
                        return -EPROTO;
        }
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->data = (uint8_t *)TAKE_PTR(resp->body);
        b->size = resp->body_size;
        b->instructions = (unsigned)n;
        b->key = TAKE_PTR(resp->key);
        b->digest = TAKE_PTR(resp->digest);
        b->state = by_name ? TAKE_PTR(resp->state) : NULL;
        b->context = TAKE_PTR(resp->context);
        *ret = TAKE_PTR(b);
        return 0;
}

_public_ int seccompd_get_blob(struct seccompd *c, const char *name,
                               const struct seccompd_context *ctx, struct seccompd_blob **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_free_ char *target = NULL;
        int r;

        if (!c || !name || !name[0] || !ret)
                return -EINVAL;
        clear_error(c);
        target = strdup(SECCOMPD_ROUTE_BPF_PREFIX);
        if (!target)
                return -ENOMEM;
        /* The route is a prefix: the name's '/' stay as they are. */
        r = http_escape_append(&target, name, true);
        if (r == 0)
                r = add_context(&target, ctx);
        if (r < 0)
                return r;
        r = request(c, "GET", target, NULL, 0, &resp);
        if (r < 0)
                return r;
        return blob_from_response(resp, true, ret);
}

_public_ int seccompd_compile(struct seccompd *c, const void *json, size_t size,
                              const struct seccompd_context *ctx, struct seccompd_blob **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_free_ char *target = NULL;
        int r;

        if (!c || (!json && size > 0) || !ret)
                return -EINVAL;
        clear_error(c);
        target = strdup(SECCOMPD_ROUTE_COMPILE);
        if (!target)
                return -ENOMEM;
        /* The raw blob with its headers, as GET /v1/bpf answers: no base64 round trip. */
        r = http_query_add(&target, SECCOMPD_QUERY_ENCODING, "raw");
        if (r == 0)
                r = add_context(&target, ctx);
        if (r < 0)
                return r;
        r = request(c, "POST", target, json, size, &resp);
        if (r < 0)
                return r;
        return blob_from_response(resp, false, ret);
}

/* A string member: NULL when absent or null (-EPROTO instead when required), -EPROTO when
 * of another type. */
static int dup_member(const json_t *o, const char *key, bool required, char **ret)
{
        const json_t *v = json_object_get(o, key);

        if (!v || json_is_null(v)) {
                *ret = NULL;
                return required ? -EPROTO : 0;
        }
        if (!json_is_string(v))
                return -EPROTO;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

/* A count: 0 when absent, -EPROTO when not a non-negative integer. */
static int uint_member(const json_t *o, const char *key, uint64_t max, uint64_t *ret)
{
        const json_t *v = json_object_get(o, key);

        if (!v) {
                *ret = 0;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (uint64_t)json_integer_value(v) > max)
                return -EPROTO;
        *ret = (uint64_t)json_integer_value(v);
        return 0;
}

static int unsigned_member(const json_t *o, const char *key, unsigned *ret)
{
        uint64_t v = 0;
        int r = uint_member(o, key, UINT_MAX, &v);
        *ret = (unsigned)v;
        return r;
}

static void profile_info_done(struct seccompd_profile_info *p)
{
        free(p->name);
        free(p->root);
        free(p->path);
        free(p->dialect);
        free(p->digest);
        free(p->state);
}

_public_ void seccompd_profiles_free(struct seccompd_profile_info *p, size_t n)
{
        for (size_t i = 0; p && i < n; i++)
                profile_info_done(&p[i]);
        free(p);
}

static int profile_info_from_json(const json_t *o, struct seccompd_profile_info *p)
{
        int r = json_is_object(o) ? 0 : -EPROTO;

        if (r == 0)
                r = dup_member(o, SECCOMPD_KEY_NAME, true, &p->name);
        if (r == 0)
                r = dup_member(o, SECCOMPD_KEY_ROOT, true, &p->root);
        if (r == 0)
                r = dup_member(o, SECCOMPD_KEY_PATH, true, &p->path);
        if (r == 0)
                r = dup_member(o, SECCOMPD_KEY_DIALECT, false, &p->dialect);
        if (r == 0)
                r = dup_member(o, SECCOMPD_KEY_DIGEST, false, &p->digest);
        if (r == 0)
                r = dup_member(o, SECCOMPD_KEY_STATE, true, &p->state);
        if (r == 0)
                r = unsigned_member(o, SECCOMPD_KEY_ERRORS, &p->errors);
        if (r == 0)
                r = unsigned_member(o, SECCOMPD_KEY_WARNINGS, &p->warnings);
        return r;
}

static int profile_info_cmp(const void *a, const void *b)
{
        return strcmp(((const struct seccompd_profile_info *)a)->name,
                      ((const struct seccompd_profile_info *)b)->name);
}

_public_ int seccompd_list(struct seccompd *c, struct seccompd_profile_info **ret)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        struct seccompd_profile_info *p = NULL;
        size_t n;
        int r;

        if (!c || !ret)
                return -EINVAL;
        r = request_json(c, SECCOMPD_ROUTE_PROFILES, &j);
        if (r < 0)
                return r;
        const json_t *list = json_object_get(j, SECCOMPD_KEY_PROFILES);
        if (!json_is_array(list))
                return -EPROTO;
        n = json_array_size(list);
        if (n > INT_MAX)
                return -EFBIG;
        if (n > 0) {
                p = calloc(n, sizeof(*p));
                if (!p)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                r = profile_info_from_json(json_array_get(list, i), &p[i]);
                if (r < 0) {
                        seccompd_profiles_free(p, n);
                        return r;
                }
        }
        /* The daemon keeps its registry sorted; the contract does not depend on that. */
        if (n > 1)
                qsort(p, n, sizeof(*p), profile_info_cmp);
        *ret = p;
        return (int)n;
}

_public_ void seccompd_status_free(struct seccompd_status *s)
{
        if (!s)
                return;
        free(s->version);
        free(s->libseccomp);
        free(s->node_digest);
        free(s);
}

_public_ int seccompd_status(struct seccompd *c, struct seccompd_status **ret)
{
        _cleanup_(seccompd_status_freep) struct seccompd_status *s = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        int r;

        if (!c || !ret)
                return -EINVAL;
        r = request_json(c, SECCOMPD_ROUTE_STATUS, &j);
        if (r < 0)
                return r;
        const json_t *ready = json_object_get(j, SECCOMPD_KEY_READY);
        const json_t *counts = json_object_get(j, SECCOMPD_KEY_COUNTS);
        if (!json_is_boolean(ready) || !json_is_object(counts))
                return -EPROTO;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ready = json_is_true(ready);
        r = dup_member(j, SECCOMPD_KEY_VERSION, true, &s->version);
        if (r == 0)
                r = dup_member(j, SECCOMPD_KEY_LIBSECCOMP, false, &s->libseccomp);
        if (r == 0)
                r = dup_member(j, SECCOMPD_KEY_NODE_DIGEST, true, &s->node_digest);
        if (r == 0)
                r = uint_member(j, SECCOMPD_KEY_GENERATION, UINT64_MAX, &s->generation);
        if (r == 0)
                r = uint_member(j, SECCOMPD_KEY_COMPILES, UINT64_MAX, &s->compiles);
        if (r == 0)
                r = unsigned_member(counts, SECCOMPD_STATE_VALID, &s->valid);
        if (r == 0)
                r = unsigned_member(counts, SECCOMPD_STATE_INVALID, &s->invalid);
        if (r == 0)
                r = unsigned_member(counts, SECCOMPD_STATE_STALE, &s->stale);
        if (r == 0)
                r = unsigned_member(counts, SECCOMPD_STATE_MISSING, &s->missing);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}
