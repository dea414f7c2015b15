/* SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "http.h"
#include "seccompd/protocol.h"

struct http_transfer {
        struct http_response *resp;
        size_t allocated;
        int error; /* set by the callbacks: -ENOMEM, -EFBIG */
};

struct http_response *http_response_free(struct http_response *r)
{
        if (!r)
                return NULL;
        free(r->content_type);
        free(r->etag);
        free(r->digest);
        free(r->key);
        free(r->instructions);
        free(r->state);
        free(r->context);
        free(r->dialect);
        free(r->body);
        free(r);
        return NULL;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct http_transfer *t = userdata;
        struct http_response *r = t->resp;
        size_t n = size * nmemb;

        if (n > HTTP_BODY_MAX - r->body_size) {
                t->error = -EFBIG;
                return 0; /* CURLE_WRITE_ERROR */
        }
        if (r->body_size + n + 1 > t->allocated) {
                size_t a = t->allocated ? t->allocated : 16384;
                while (a < r->body_size + n + 1)
                        a *= 2;
                char *b = realloc(r->body, a);
                if (!b) {
                        t->error = -ENOMEM;
                        return 0;
                }
                r->body = b;
                t->allocated = a;
        }
        memcpy(r->body + r->body_size, data, n);
        r->body_size += n;
        r->body[r->body_size] = 0;
        return n;
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

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
        struct http_transfer *t = userdata;
        struct http_response *r = t->resp;
        size_t n = size * nitems;
        const struct {
                const char *name;
                char **field;
        } wanted[] = {
                {"Content-Type", &r->content_type},        {"ETag", &r->etag},
                {SECCOMPD_HEADER_DIGEST, &r->digest},      {SECCOMPD_HEADER_KEY, &r->key},
                {SECCOMPD_HEADER_INSNS, &r->instructions}, {SECCOMPD_HEADER_STATE, &r->state},
                {SECCOMPD_HEADER_CONTEXT, &r->context}, {SECCOMPD_HEADER_DIALECT, &r->dialect},
        };

        /* A new status line (after a 100 Continue): forget the interim answer's headers. */
        if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
                for (size_t i = 0; i < ELEMENTSOF(wanted); i++)
                        free(*wanted[i].field), *wanted[i].field = NULL;
                return n;
        }
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++) {
                int k = header_match(line, n, wanted[i].name, wanted[i].field);
                if (k < 0) {
                        t->error = k;
                        return 0;
                }
                if (k > 0)
                        break;
        }
        return n;
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

static int errno_from_curl(CURL *h, CURLcode code, int callback_error)
{
        long os_errno = 0;

        switch (code) {
        case CURLE_COULDNT_CONNECT:
                /* connect(2)'s own answer: ENOENT (no socket file), ECONNREFUSED (a stale
                 * socket file, nobody listening), EACCES (mode or group). */
                if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno > 0)
                        return -(int)os_errno;
                return -ECONNREFUSED;
        case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
        case CURLE_WRITE_ERROR: return callback_error < 0 ? callback_error : -EIO;
        case CURLE_OUT_OF_MEMORY: return -ENOMEM;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE: return -ECONNRESET;
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_UNSUPPORTED_PROTOCOL: return -EPROTO;
        case CURLE_URL_MALFORMAT: return -EINVAL;
        default: return callback_error < 0 ? callback_error : -EIO;
        }
}

DEFINE_TRIVIAL_CLEANUP_FUNC(CURL *, curl_easy_cleanup);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_slist *, curl_slist_free_all);

struct http_connection {
        CURL *handle;
};

int http_connection_new(struct http_connection **ret)
{
        /* Reference-counted in libcurl; CURL_GLOBAL_NOTHING: plain HTTP needs no TLS. Held
         * for as long as the handle lives. */
        if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
                return -ENOMEM;
        struct http_connection *c = calloc(1, sizeof(*c));
        if (c)
                c->handle = curl_easy_init();
        if (!c || !c->handle) {
                free(c);
                curl_global_cleanup();
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

struct http_connection *http_connection_free(struct http_connection *c)
{
        if (!c)
                return NULL;
        curl_easy_cleanup(c->handle);
        free(c);
        curl_global_cleanup();
        return NULL;
}

static int perform(const struct http_request *req, struct http_transfer *t)
{
        _cleanup_(curl_easy_cleanupp) CURL *own = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL;
        const char *method = req->method ? req->method : "GET";
        bool ok = true;
        CURL *h;

        if (!req->socket_path || !req->target || req->target[0] != '/')
                return -EINVAL;
        if (asprintf(&url, "http://localhost%s", req->target) < 0)
                return -ENOMEM;
        if (req->connection) {
                /* Options back to their defaults; the open connection stays in the handle. */
                h = req->connection->handle;
                curl_easy_reset(h);
        } else {
                h = own = curl_easy_init();
                if (!h)
                        return -ENOMEM;
        }

        ok = ok && curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, req->socket_path) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK;
        /* Names go out as they are: libcurl would otherwise squash "a/../b" into "b" and ask
         * for another profile than the one named, where the daemon refuses the name. */
        ok = ok && curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: CURLOPT_PROTOCOLS is deprecated */
        ok = ok && curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http") == CURLE_OK;
#else
        ok = ok && curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP) == CURLE_OK;
#endif
        ok = ok && curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
        ok = ok &&
             curl_easy_setopt(h, CURLOPT_USERAGENT,
                              req->user_agent ? req->user_agent
                                              : "seccompctl/" PACKAGE_VERSION) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_WRITEDATA, t) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_HEADERDATA, t) == CURLE_OK;

        if (streq(method, "POST")) {
                _cleanup_free_ char *ct = NULL;
                if (asprintf(&ct, "Content-Type: %s",
                             req->content_type ? req->content_type : "application/json") < 0)
                        return -ENOMEM;
                /* No "Expect: 100-continue" round trip: the daemon answers at once. */
                struct curl_slist *l = curl_slist_append(NULL, "Expect:");
                if (!l)
                        return -ENOMEM;
                headers = l;
                l = curl_slist_append(headers, ct);
                if (!l)
                        return -ENOMEM;
                headers = l;
                ok = ok && curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK;
                ok = ok && curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                            (curl_off_t)req->body_size) == CURLE_OK;
                ok = ok && curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "") ==
                                   CURLE_OK;
                ok = ok && curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
        } else if (!streq(method, "GET"))
                ok = ok && curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
        if (!ok)
                return -EINVAL;

        CURLcode code = curl_easy_perform(h);
        if (code != CURLE_OK)
                return errno_from_curl(h, code, t->error);
        if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t->resp->status) != CURLE_OK ||
            t->resp->status < 100)
                return -EPROTO;
        return 0;
}

int http_request(const struct http_request *req, struct http_response **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        int r;

        /* Reference-counted in libcurl; CURL_GLOBAL_NOTHING: plain HTTP needs no TLS. */
        if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
                return -ENOMEM;
        resp = calloc(1, sizeof(*resp));
        if (!resp) {
                curl_global_cleanup();
                return -ENOMEM;
        }
        struct http_transfer t = {.resp = resp};
        r = perform(req, &t);
        curl_global_cleanup();
        if (r < 0)
                return r;
        if (!resp->body) {
                resp->body = strdup("");
                if (!resp->body)
                        return -ENOMEM;
        }
        if (resp->etag)
                etag_unquote(resp->etag);
        *ret = TAKE_PTR(resp);
        return 0;
}

int http_response_json(const struct http_response *r, json_t **ret)
{
        json_t *j = json_loadb(r->body, r->body_size, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return -EBADMSG;
        }
        *ret = j;
        return 0;
}

struct http_error *http_error_free(struct http_error *e)
{
        if (!e)
                return NULL;
        free(e->code);
        free(e->message);
        json_decref(e->diagnostics);
        free(e);
        return NULL;
}

int http_error_parse(const struct http_response *r, struct http_error **ret)
{
        _cleanup_(http_error_freep) struct http_error *e = NULL;
        json_t *j = NULL;
        int k = http_response_json(r, &j);
        if (k < 0)
                return k;

        json_t *err = json_object_get(j, SECCOMPD_KEY_ERROR);
        const char *code = json_string_value(json_object_get(err, SECCOMPD_KEY_CODE));
        const char *message = json_string_value(json_object_get(err, SECCOMPD_KEY_MESSAGE));
        json_t *diags = json_object_get(err, SECCOMPD_KEY_DIAGNOSTICS);
        if (!json_is_object(err) || !code) {
                json_decref(j);
                return -EBADMSG;
        }
        e = calloc(1, sizeof(*e));
        if (e) {
                e->code = strdup(code);
                e->message = strdup(message ? message : code);
                e->diagnostics = json_is_array(diags) ? json_incref(diags) : json_array();
        }
        json_decref(j);
        if (!e || !e->code || !e->message || !e->diagnostics)
                return -ENOMEM;
        *ret = TAKE_PTR(e);
        return 0;
}

int http_escape_append(char **buf, const char *s, bool keep_slash)
{
        size_t old = *buf ? strlen(*buf) : 0;
        char *n = realloc(*buf, old + 3 * strlen(s) + 1), *p;
        if (!n)
                return -ENOMEM;
        *buf = n;
        p = n + old;
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                    (*c >= '0' && *c <= '9') || strchr("-._~", *c) || (keep_slash && *c == '/'))
                        *p++ = (char)*c;
                else
                        p += sprintf(p, "%%%02X", *c);
        }
        *p = 0;
        return 0;
}

static int strextend(char **s, const char *piece)
{
        size_t l = *s ? strlen(*s) : 0;
        char *n = realloc(*s, l + strlen(piece) + 1);
        if (!n)
                return -ENOMEM;
        strcpy(n + l, piece);
        *s = n;
        return 0;
}

int http_query_add(char **target, const char *key, const char *value)
{
        int r = strextend(target, *target && strchr(*target, '?') ? "&" : "?");
        if (r == 0)
                r = strextend(target, key);
        if (r == 0)
                r = strextend(target, "=");
        if (r == 0)
                r = http_escape_append(target, value, false);
        return r;
}
