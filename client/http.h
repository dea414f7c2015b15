/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A tiny HTTP/1.1 client for the seccompd API: one request per call over the daemon's Unix
 * socket (libcurl, CURLOPT_UNIX_SOCKET_PATH; the host part of the URL is ignored). Quiet:
 * callers decide what to print. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Bodies larger than this are refused with -EFBIG: the largest blob is 32 KiB (4096
 * instructions) and a profile with all its diagnostics stays far below. */
#define HTTP_BODY_MAX (64u * 1024 * 1024)

struct http_request {
        const char *socket_path; /* the daemon's socket */
        const char *method;      /* "GET" (default when NULL) or "POST" */
        const char *target;      /* path and query, already escaped: "/v1/bpf/x?arch=..." */
        const void *body;        /* POST body, may be NULL */
        size_t body_size;
        const char *content_type; /* of the body; "application/json" when NULL */
        long timeout_ms;          /* whole request; 0: none */
        const char *user_agent;   /* NULL: "seccompctl/VERSION" */
        /* Optional: a connection kept open between requests (HTTP/1.1 keep-alive), which
         * saves a connect per request; NULL: one connection per request. */
        struct http_connection *connection;
};

/* A libcurl handle that keeps its connection to the daemon between requests. Use it from one
 * thread at a time. Returns 0 or -ENOMEM. */
struct http_connection;
int http_connection_new(struct http_connection **ret);
struct http_connection *http_connection_free(struct http_connection *c);

struct http_response {
        long status; /* 200, 404 ... */
        /* Headers of interest, NULL when absent. etag is unquoted (and without "W/"). */
        char *content_type;
        char *etag;
        char *digest;       /* Seccompd-Profile-Digest */
        char *key;          /* Seccompd-Blob-Key */
        char *instructions; /* Seccompd-Instructions */
        char *state;        /* Seccompd-Profile-State */
        char *context;      /* Seccompd-Context */
        char *dialect;      /* Seccompd-Dialect */
        char *body;         /* body_size bytes plus a NUL, so text bodies are strings */
        size_t body_size;
};

/* Performs one request. Returns 0 and a new response whatever the HTTP status (the caller
 * looks at ->status), or -errno when no answer was had: -ENOENT (no socket at that path),
 * -ECONNREFUSED (nobody listening), -EACCES (socket not accessible), -ETIMEDOUT,
 * -ECONNRESET (connection closed before a full answer), -EPROTO (not HTTP), -EFBIG (body
 * over HTTP_BODY_MAX), -ENOMEM, -EINVAL (bad request fields), -EIO (anything else). */
int http_request(const struct http_request *req, struct http_response **ret);

struct http_response *http_response_free(struct http_response *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http_response *, http_response_free);

/* Parses the body as JSON. Returns 0 and a new reference, or -EBADMSG when the body is not
 * a JSON object. */
int http_response_json(const struct http_response *r, json_t **ret);

/* The API's error answer: {"error": {"code", "message", "diagnostics"}}. */
struct http_error {
        char *code; /* "not_found", ...: SECCOMPD_ERROR_* */
        char *message;
        json_t *diagnostics; /* array (possibly empty), a reference owned here */
};

/* Parses an error answer. Returns 0 and a new http_error, or -EBADMSG when the body is not
 * in that shape (a proxy's page, an empty body ...). */
int http_error_parse(const struct http_response *r, struct http_error **ret);
struct http_error *http_error_free(struct http_error *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct http_error *, http_error_free);

/* Appends `s` to `*buf` (a malloc'd string, may be NULL) escaped for a URL path (keep_slash)
 * or a query value: RFC 3986 unreserved characters stay, everything else becomes %XX.
 * Returns 0 or -ENOMEM. */
int http_escape_append(char **buf, const char *s, bool keep_slash);

/* Appends "?key=value" (or "&key=value" when `*target` already has a query) to `*target` (a
 * malloc'd string), the value escaped. Returns 0 or -ENOMEM. */
int http_query_add(char **target, const char *key, const char *value);
