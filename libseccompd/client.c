/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-curl.h"
#include "api.h"
#include "config.h"
#include "macro.h"
#include "seccompd/client.h"
#include "seccompd/protocol.h"

/* libseccompd: client.h's calls over the API layer (api/) and its libcurl transport. The
 * library is built with -fvisibility=hidden and a version script; only what is marked here
 * (and the destructors of api-free.c) leaves it. */
#define _public_ __attribute__((visibility("default")))

#define SECCOMPD_DEFAULT_TIMEOUT_MS 5000

struct seccompd {
        struct api_curl *curl; /* keeps its connection open between calls */
        struct api_transport transport;
        char *last_error;            /* the daemon's message of the last failed call, or NULL */
        struct api_response *answer; /* the last answer, or NULL */
        struct api_error *error;     /* its error, decoded, or NULL */
        struct seccompd_answer view; /* of `answer` and `error`, for seccompd_last_answer() */
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd *, seccompd_disconnect);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_profile_list *, seccompd_profile_list_free);

static void forget_answer(struct seccompd *c)
{
        free(c->last_error);
        c->last_error = NULL;
        c->answer = api_response_free(c->answer);
        c->error = api_error_free(c->error);
}

/* Keeps the daemon's message of an error answer with its first error diagnostic (or its
 * status when the body is not the API's error object). Failing to allocate it only loses the
 * message. */
static void record_error(struct seccompd *c)
{
        if (c->error)
                c->last_error = api_error_describe(c->error);
        else if (asprintf(&c->last_error, "seccompd answered HTTP %ld", c->answer->status) < 0)
                c->last_error = NULL;
}

/* Sends one request. Returns 0 and a 2xx answer (borrowed: c->answer, valid until the next
 * call), or -errno: a transport failure, or the daemon's error answer mapped by
 * api_errno_from_status() with its message kept in c->last_error. */
static int request(struct seccompd *c, const char *method, const char *target, const void *body,
                   size_t body_size, struct api_response **ret)
{
        const struct api_request req = {
                .method = method,
                .target = target,
                .body = body,
                .body_size = body_size,
        };
        struct api_response *resp = NULL;
        int r;

        forget_answer(c);
        r = api_call(&c->transport, &req, &resp, &c->answer, &c->error);
        if (r < 0) {
                if (c->answer)
                        record_error(c);
                return r;
        }
        c->answer = resp;
        *ret = resp;
        return 0;
}

/* The JSON object of an answer, or -EPROTO. */
static int answer_json(const struct api_response *resp, json_t **ret)
{
        return api_json_object(resp->body, resp->body_size, ret) < 0 ? -EPROTO : 0;
}

static int request_json(struct seccompd *c, const char *method, const char *target, json_t **ret)
{
        struct api_response *resp;
        int r = request(c, method, target, NULL, 0, &resp);
        return r < 0 ? r : answer_json(resp, ret);
}

/* GET of a profile's route: prefix + name (+ the context's query, ctx may be NULL). */
static int request_name(struct seccompd *c, const char *prefix, const char *name,
                        const struct seccompd_context *ctx, struct api_response **ret)
{
        _cleanup_free_ char *target = NULL;
        int r;

        forget_answer(c);
        r = api_target_name(prefix, name, &target);
        if (r == 0)
                r = api_target_context(&target, ctx);
        return r < 0 ? r : request(c, "GET", target, NULL, 0, ret);
}

_public_ void seccompd_disconnect(struct seccompd *c)
{
        if (!c)
                return;
        forget_answer(c);
        api_curl_free(c->curl);
        free(c);
}

/* GET /v1/health: anything but the API's 200 is another server on that socket, not an error
 * of the daemon's: -EPROTO, not the errno its status would map to. */
static int check_health(struct seccompd *c)
{
        const struct api_request req = {.method = "GET", .target = SECCOMPD_ROUTE_HEALTH};
        _cleanup_(api_response_freep) struct api_response *resp = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        int r = c->transport.send(c->transport.userdata, &req, &resp);

        if (r < 0)
                return r;
        if (resp->status != 200 || api_json_object(resp->body, resp->body_size, &j) < 0)
                return -EPROTO;
        const char *status = json_string_value(json_object_get(j, SECCOMPD_KEY_STATUS));
        if (!status || !streq(status, "ok") ||
            !json_is_boolean(json_object_get(j, SECCOMPD_KEY_READY)))
                return -EPROTO;
        return 0;
}

_public_ int seccompd_connect(const char *socket_path, unsigned timeout_ms, struct seccompd **ret)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *c = NULL;
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
        r = api_curl_new(socket_path, timeout_ms ? (long)timeout_ms : SECCOMPD_DEFAULT_TIMEOUT_MS,
                         "libseccompd/" PACKAGE_VERSION, &c->curl);
        if (r < 0)
                return r;
        c->transport = (struct api_transport){.send = api_curl_send, .userdata = c->curl};
        r = check_health(c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

_public_ const char *seccompd_last_error(const struct seccompd *c)
{
        return c ? c->last_error : NULL;
}

_public_ const struct seccompd_answer *seccompd_last_answer(const struct seccompd *c)
{
        struct seccompd *m = (struct seccompd *)c; /* the view is a cache of the answer */

        if (!c || !c->answer)
                return NULL;
        m->view = (struct seccompd_answer){
                .status = (int)c->answer->status,
                .body = c->answer->body,
                .body_size = c->answer->body ? c->answer->body_size : 0,
                .error_code = c->error ? c->error->code : NULL,
                .error_message = c->error ? c->error->message : NULL,
                .diagnostics = c->error ? c->error->diagnostics : NULL,
                .n_diagnostics = c->error ? c->error->n_diagnostics : 0,
        };
        return &m->view;
}

_public_ int seccompd_get_blob(struct seccompd *c, const char *name,
                               const struct seccompd_context *ctx, struct seccompd_blob **ret)
{
        struct api_response *resp;
        int r;

        if (!c || !name || !name[0] || !ret)
                return -EINVAL;
        r = request_name(c, SECCOMPD_ROUTE_BPF_PREFIX, name, ctx, &resp);
        return r < 0 ? r : api_blob_from_response(resp, true, ret);
}

_public_ int seccompd_compile(struct seccompd *c, const void *json, size_t size,
                              const struct seccompd_context *ctx, struct seccompd_blob **ret)
{
        _cleanup_free_ char *target = strdup(SECCOMPD_ROUTE_COMPILE);
        struct api_response *resp;
        int r;

        if (!c || (!json && size > 0) || !ret)
                return -EINVAL;
        forget_answer(c);
        if (!target)
                return -ENOMEM;
        /* The raw blob with its headers, as GET /v1/bpf answers: no base64 round trip. */
        r = api_target_query(&target, SECCOMPD_QUERY_ENCODING, "raw");
        if (r == 0)
                r = api_target_context(&target, ctx);
        if (r == 0)
                r = request(c, "POST", target, json, size, &resp);
        if (r < 0)
                return r;
        return api_blob_from_response(resp, false, ret);
}

_public_ void seccompd_profiles_free(struct seccompd_profile_info *p, size_t n)
{
        for (size_t i = 0; p && i < n; i++) {
                free(p[i].name);
                free(p[i].root);
                free(p[i].path);
                free(p[i].dialect);
                free(p[i].digest);
                free(p[i].state);
        }
        free(p);
}

/* The 0.1 view of a profile: root, path and state are required there. */
static int profile_info_take(struct seccompd_profile *from, struct seccompd_profile_info *p)
{
        if (!from->root || !from->path || !from->state)
                return -EPROTO;
        *p = (struct seccompd_profile_info){
                .name = TAKE_PTR(from->name),
                .root = TAKE_PTR(from->root),
                .path = TAKE_PTR(from->path),
                .dialect = TAKE_PTR(from->dialect),
                .digest = TAKE_PTR(from->digest),
                .state = TAKE_PTR(from->state),
                .errors = from->errors,
                .warnings = from->warnings,
        };
        return 0;
}

static int profile_info_cmp(const void *a, const void *b)
{
        return strcmp(((const struct seccompd_profile_info *)a)->name,
                      ((const struct seccompd_profile_info *)b)->name);
}

_public_ int seccompd_list(struct seccompd *c, struct seccompd_profile_info **ret)
{
        _cleanup_(seccompd_profile_list_freep) struct seccompd_profile_list *l = NULL;
        struct seccompd_profile_info *p = NULL;
        int r;

        if (!c || !ret)
                return -EINVAL;
        r = seccompd_list_profiles(c, &l);
        if (r < 0)
                return r;
        if (l->n > INT_MAX)
                return -EFBIG;
        if (l->n > 0 && !(p = calloc(l->n, sizeof(*p))))
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                r = profile_info_take(l->profiles[i], &p[i]);
                if (r < 0) {
                        seccompd_profiles_free(p, l->n);
                        return r;
                }
        }
        /* The daemon keeps its registry sorted; the contract does not depend on that. */
        if (l->n > 1)
                qsort(p, l->n, sizeof(*p), profile_info_cmp);
        *ret = p;
        return (int)l->n;
}

_public_ int seccompd_list_profiles(struct seccompd *c, struct seccompd_profile_list **ret)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        int r = c && ret ? request_json(c, "GET", SECCOMPD_ROUTE_PROFILES, &j) : -EINVAL;
        return r < 0 ? r : api_decode_profiles(j, ret);
}

_public_ int seccompd_list_containers(struct seccompd *c, struct seccompd_container_list **ret)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        int r = c && ret ? request_json(c, "GET", SECCOMPD_ROUTE_CONTAINERS, &j) : -EINVAL;
        return r < 0 ? r : api_decode_containers(j, ret);
}

_public_ int seccompd_status(struct seccompd *c, struct seccompd_status **ret)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        int r = c && ret ? request_json(c, "GET", SECCOMPD_ROUTE_STATUS, &j) : -EINVAL;
        return r < 0 ? r : api_decode_status(j, ret);
}

_public_ int seccompd_get_profile(struct seccompd *c, const char *name,
                                  struct seccompd_profile **ret)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        struct api_response *resp;
        int r;

        if (!c || !name || !name[0] || !ret)
                return -EINVAL;
        r = request_name(c, SECCOMPD_ROUTE_PROFILE_PREFIX, name, NULL, &resp);
        if (r == 0)
                r = answer_json(resp, &j);
        return r < 0 ? r : api_decode_profile(j, ret);
}

_public_ int seccompd_get_source(struct seccompd *c, const char *name, struct seccompd_source **ret)
{
        struct seccompd_source *s;
        struct api_response *resp;
        int r;

        if (!c || !name || !name[0] || !ret)
                return -EINVAL;
        r = request_name(c, SECCOMPD_ROUTE_SOURCE_PREFIX, name, NULL, &resp);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->size = resp->body_size;
        s->data = TAKE_PTR(resp->body);
        s->dialect = TAKE_PTR(resp->dialect);
        s->digest = TAKE_PTR(resp->digest);
        *ret = s;
        return 0;
}

_public_ int seccompd_reload(struct seccompd *c, uint64_t *ret_generation)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        uint64_t generation = 0;
        int r;

        if (!c)
                return -EINVAL;
        r = request_json(c, "POST", SECCOMPD_ROUTE_RELOAD, &j);
        if (r == 0)
                r = api_member_uint(j, SECCOMPD_KEY_GENERATION, UINT64_MAX, &generation);
        if (r < 0)
                return r;
        if (ret_generation)
                *ret_generation = generation;
        return 0;
}

_public_ int seccompd_get_denials(struct seccompd *c, const struct seccompd_denial_filter *f,
                                  struct seccompd_denials **ret)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_free_ char *target = NULL;
        int r;

        if (!c || !ret)
                return -EINVAL;
        forget_answer(c);
        r = api_target_denials(f, &target);
        if (r == 0)
                r = request_json(c, "GET", target, &j);
        return r < 0 ? r : api_decode_denials(j, ret);
}
