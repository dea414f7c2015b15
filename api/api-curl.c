/* SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-curl.h"

struct api_curl {
        CURL *handle; /* holds the open connection between requests */
        char *socket_path;
        char *user_agent;
        long timeout_ms;
};

struct transfer {
        struct api_response *resp;
        size_t allocated;
        int error; /* set by the callbacks: -ENOMEM, -EFBIG */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct transfer *t = userdata;
        struct api_response *r = t->resp;
        size_t n = size * nmemb;

        if (n > API_BODY_MAX - r->body_size) {
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

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
        struct transfer *t = userdata;
        int r = api_response_header(t->resp, line, size * nitems);
        if (r < 0) {
                t->error = r;
                return 0;
        }
        return size * nitems;
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

int api_curl_new(const char *socket_path, long timeout_ms, const char *user_agent,
                 struct api_curl **ret)
{
        /* Reference-counted in libcurl; CURL_GLOBAL_NOTHING: plain HTTP needs no TLS. Held
         * for as long as the handle lives. */
        if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
                return -ENOMEM;
        struct api_curl *c = calloc(1, sizeof(*c));
        if (!c) {
                curl_global_cleanup();
                return -ENOMEM;
        }
        c->timeout_ms = timeout_ms;
        c->handle = curl_easy_init();
        c->socket_path = strdup(socket_path);
        c->user_agent = strdup(user_agent);
        if (!c->handle || !c->socket_path || !c->user_agent) {
                api_curl_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

struct api_curl *api_curl_free(struct api_curl *c)
{
        if (!c)
                return NULL;
        if (c->handle)
                curl_easy_cleanup(c->handle);
        free(c->socket_path);
        free(c->user_agent);
        free(c);
        curl_global_cleanup();
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_slist *, curl_slist_free_all);

/* The options of a POST with a JSON body. */
static bool set_post(CURL *h, const struct api_request *req, struct curl_slist **headers)
{
        /* No "Expect: 100-continue" round trip: the daemon answers at once. */
        struct curl_slist *l = curl_slist_append(NULL, "Expect:");
        if (!l)
                return false;
        *headers = l;
        l = curl_slist_append(*headers, "Content-Type: application/json");
        if (!l)
                return false;
        *headers = l;
        return curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
               curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_size) ==
                       CURLE_OK &&
               curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "") == CURLE_OK &&
               curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers) == CURLE_OK;
}

static int perform(struct api_curl *c, const struct api_request *req, struct transfer *t)
{
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL;
        const char *method = req->method ? req->method : "GET";
        CURL *h = c->handle;
        bool ok = true;

        if (!req->target || req->target[0] != '/')
                return -EINVAL;
        if (asprintf(&url, "http://localhost%s", req->target) < 0)
                return -ENOMEM;
        /* Options back to their defaults; the open connection stays in the handle. */
        curl_easy_reset(h);
        ok = ok && curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path) == CURLE_OK;
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
        ok = ok && curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_WRITEDATA, t) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
        ok = ok && curl_easy_setopt(h, CURLOPT_HEADERDATA, t) == CURLE_OK;
        if (streq(method, "POST"))
                ok = ok && set_post(h, req, &headers);
        else if (!streq(method, "GET"))
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

int api_curl_send(void *userdata, const struct api_request *req, struct api_response **ret)
{
        _cleanup_(api_response_freep) struct api_response *resp = calloc(1, sizeof(*resp));
        int r;

        if (!resp)
                return -ENOMEM;
        struct transfer t = {.resp = resp};
        r = perform(userdata, req, &t);
        if (r < 0)
                return r;
        if (!resp->body) {
                resp->body = strdup("");
                if (!resp->body)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(resp);
        return 0;
}
