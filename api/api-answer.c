/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "base64.h"
#include "seccompd/protocol.h"

/* The answers: status -> errno, error bodies, the checks on blob answers. */

struct api_response *api_response_free(struct api_response *r)
{
        if (!r)
                return NULL;
        free(r->etag);
        free(r->digest);
        free(r->key);
        free(r->instructions);
        free(r->state);
        free(r->context);
        free(r->dialect);
        free(r->filter_flags);
        free(r->container_report);
        free(r->body);
        free(r);
        return NULL;
}

/* Sets *field to the header's value when `line` is "name: value". Returns 1 if it matched,
 * 0 if not, -ENOMEM. */
static int header_match(const char *line, size_t len, const char *name, char **field)
{
        size_t l = strlen(name);
        if (len <= l || line[l] != ':' || strncasecmp(line, name, l) != 0)
                return 0;
        const char *v = line + l + 1, *end = line + len;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
        char *s = strndup(v, (size_t)(end - v));
        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 1;
}

/* ETag: "key" or W/"key" -> key. */
static void etag_unquote(char *etag)
{
        char *s = etag;
        if (strncmp(s, "W/", 2) == 0)
                s += 2;
        size_t l = strlen(s);
        if (l >= 2 && s[0] == '"' && s[l - 1] == '"') {
                s++;
                l -= 2;
        }
        memmove(etag, s, l);
        etag[l] = 0;
}

int api_response_header(struct api_response *r, const char *line, size_t len)
{
        const struct {
                const char *name;
                char **field;
        } wanted[] = {
                {"ETag", &r->etag},
                {SECCOMPD_HEADER_DIGEST, &r->digest},
                {SECCOMPD_HEADER_KEY, &r->key},
                {SECCOMPD_HEADER_INSNS, &r->instructions},
                {SECCOMPD_HEADER_STATE, &r->state},
                {SECCOMPD_HEADER_CONTEXT, &r->context},
                {SECCOMPD_HEADER_DIALECT, &r->dialect},
                {SECCOMPD_HEADER_FILTER_FLAGS, &r->filter_flags},
                {SECCOMPD_HEADER_CONTAINER_REPORT, &r->container_report},
        };

        /* A new status line (after a 100 Continue): forget the interim answer's headers. */
        if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
                for (size_t i = 0; i < ELEMENTSOF(wanted); i++)
                        free(*wanted[i].field), *wanted[i].field = NULL;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++) {
                int k = header_match(line, len, wanted[i].name, wanted[i].field);
                if (k < 0)
                        return k;
                if (k > 0) {
                        if (wanted[i].field == &r->etag)
                                etag_unquote(r->etag);
                        break;
                }
        }
        return 0;
}

int api_errno_from_status(long status)
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

int api_json_object(const char *body, size_t size, json_t **ret)
{
        json_t *j = json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return -EBADMSG;
        }
        *ret = j;
        return 0;
}

struct api_error *api_error_free(struct api_error *e)
{
        if (!e)
                return NULL;
        free(e->code);
        free(e->message);
        api_diagnostics_free(e->diagnostics, e->n_diagnostics);
        free(e);
        return NULL;
}

int api_error_parse(const char *body, size_t size, struct api_error **ret)
{
        _cleanup_(api_error_freep) struct api_error *e = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        int r = api_json_object(body, size, &j);
        if (r < 0)
                return r;

        json_t *err = json_object_get(j, SECCOMPD_KEY_ERROR);
        const char *code = json_string_value(json_object_get(err, SECCOMPD_KEY_CODE));
        const char *message = json_string_value(json_object_get(err, SECCOMPD_KEY_MESSAGE));
        if (!json_is_object(err) || !code)
                return -EBADMSG;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->code = strdup(code);
        e->message = strdup(message ? message : code);
        if (!e->code || !e->message)
                return -ENOMEM;
        /* Diagnostics that are not the API's are left out: the message stays. */
        r = api_decode_diagnostics(json_object_get(err, SECCOMPD_KEY_DIAGNOSTICS), &e->diagnostics,
                                   &e->n_diagnostics);
        if (r == -ENOMEM)
                return r;
        *ret = TAKE_PTR(e);
        return 0;
}

char *api_diagnostic_format(const char *file, unsigned line, unsigned column, const char *pointer,
                            const char *message)
{
        char where[32] = "";
        char *s;
        bool has_file = file && file[0], has_ptr = pointer && pointer[0];

        if (line > 0)
                snprintf(where, sizeof(where), "%u:%u: ", line, column);
        if (asprintf(&s, "%s%s%s%s%s%s", has_file ? file : "", has_file ? ":" : "", where,
                     has_ptr ? pointer : "", has_ptr ? ": " : "", message) < 0)
                return NULL;
        return s;
}

char *api_error_describe(const struct api_error *e)
{
        for (size_t i = 0; i < e->n_diagnostics; i++) {
                const struct seccompd_diagnostic *d = &e->diagnostics[i];
                _cleanup_free_ char *diag = NULL;
                char *s;

                if (!streq(d->severity, "error"))
                        continue;
                diag = api_diagnostic_format(d->file, d->line, d->column, d->pointer, d->message);
                if (!diag || asprintf(&s, "%s: %s", e->message, diag) < 0)
                        return NULL;
                return s;
        }
        return strdup(e->message);
}

int api_call(const struct api_transport *t, const struct api_request *req,
             struct api_response **ret, struct api_response **ret_answer,
             struct api_error **ret_error)
{
        _cleanup_(api_response_freep) struct api_response *resp = NULL;
        struct api_error *e = NULL;
        int r = t->send(t->userdata, req, &resp);

        if (r < 0)
                return r;
        if (resp->status >= 200 && resp->status < 300) { /* 202: POST /v1/reload */
                *ret = TAKE_PTR(resp);
                return 0;
        }
        r = api_error_parse(resp->body, resp->body_size, &e);
        if (r == -ENOMEM)
                return r;
        if (ret_error)
                *ret_error = e;
        else
                api_error_free(e);
        r = api_errno_from_status(resp->status);
        if (ret_answer)
                *ret_answer = TAKE_PTR(resp);
        return r;
}

bool api_is_blob_key(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == 64;
}

int api_blob_from_response(struct api_response *r, bool by_name, struct seccompd_blob **ret)
{
        struct seccompd_blob *b = NULL;
        size_t n = r->body_size / API_BPF_INSN_SIZE;

        if (r->body_size == 0 || r->body_size % API_BPF_INSN_SIZE != 0 || n > UINT_MAX)
                return -EPROTO;
        if (!r->key || !api_is_blob_key(r->key) || !r->digest || (by_name && !r->state))
                return -EPROTO;
        if (r->instructions) {
                char *end;
                errno = 0;
                unsigned long long insns = strtoull(r->instructions, &end, 10);
                if (errno || *end || end == r->instructions || insns != n)
                        return -EPROTO;
        }
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->data = (uint8_t *)TAKE_PTR(r->body);
        b->size = r->body_size;
        b->instructions = (unsigned)n;
        b->key = TAKE_PTR(r->key);
        b->digest = TAKE_PTR(r->digest);
        b->state = by_name ? TAKE_PTR(r->state) : NULL;
        b->context = TAKE_PTR(r->context);
        *ret = b;
        return 0;
}
