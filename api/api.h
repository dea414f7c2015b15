/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The client side of the seccompd API, said once for libseccompd, seccompctl (through
 * libseccompd) and seccompd-oci: request targets built from seccompd/protocol.h, the one
 * HTTP status -> errno table, error answers and their diagnostics, the checks on blob answers,
 * and the JSON -> struct decoders of the answers, over a transport of one function.
 *
 * Transports: api-curl.h (libcurl, a kept-alive connection: libseccompd) and api-socket.h
 * (a few lines of HTTP/1.0 over the socket: seccompd-oci, whose every exec must stay cheap).
 * This library needs jansson only. Quiet: callers decide what to print. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "seccompd/client.h"

/* Bodies larger than this are refused with -EFBIG: the largest blob is 32 KiB (4096
 * instructions) and a profile with all its diagnostics stays far below. */
#define API_BODY_MAX (64u * 1024 * 1024)
/* The kernel takes 1 to BPF_MAXINSNS instructions of 8 bytes (struct sock_filter). */
#define API_BPF_INSN_SIZE 8u
#define API_BPF_INSNS_MAX 4096u

/* The destructors of client.h's structs live here (api-free.c); libseccompd exports them. */
#define API_PUBLIC __attribute__((visibility("default")))

struct api_request {
        const char *method; /* "GET" (default when NULL) or "POST" */
        const char *target; /* path and query, escaped: "/v1/bpf/x?arch=..." */
        const void *body;   /* POST body (JSON), may be NULL */
        size_t body_size;
};

struct api_response {
        long status; /* 200, 404 ... */
        /* Headers of interest, NULL when absent. etag is unquoted (and without "W/"). */
        char *etag;
        char *digest;           /* Seccompd-Profile-Digest */
        char *key;              /* Seccompd-Blob-Key */
        char *instructions;     /* Seccompd-Instructions */
        char *state;            /* Seccompd-Profile-State */
        char *context;          /* Seccompd-Context */
        char *dialect;          /* Seccompd-Dialect */
        char *filter_flags;     /* Seccompd-Filter-Flags */
        char *container_report; /* Seccompd-Container-Report */
        char *body;             /* body_size bytes plus a NUL, so text bodies are strings */
        size_t body_size;
};
struct api_response *api_response_free(struct api_response *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct api_response *, api_response_free);

/* Takes one header line ("Name: value\r\n", `len` bytes) into `r` when it is one of the
 * headers above; a status line ("HTTP/...") forgets those of an interim answer. Returns 0 or
 * -ENOMEM. For transports. */
int api_response_header(struct api_response *r, const char *line, size_t len);

/* The transport: sends one request and returns 0 and the answer whatever its HTTP status,
 * or -errno when no answer was had: -ENOENT (no socket at that path), -ECONNREFUSED (nobody
 * listening), -EACCES (socket not accessible), -ETIMEDOUT, -ECONNRESET (closed before a
 * full answer), -EPROTO (not HTTP), -EFBIG (body over API_BODY_MAX), -ENOMEM, -EIO. */
struct api_transport {
        int (*send)(void *userdata, const struct api_request *req, struct api_response **ret);
        void *userdata;
};

/* The one table from the API's HTTP statuses to errnos (client.h lists them). */
int api_errno_from_status(long status);

/* An error answer, {"error": {"code", "message", "diagnostics"}}. */
struct api_error {
        char *code;
        char *message; /* the code when the answer has no message */
        struct seccompd_diagnostic *diagnostics;
        size_t n_diagnostics;
};
struct api_error *api_error_free(struct api_error *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct api_error *, api_error_free);

/* Decodes an error answer. Returns 0, -EBADMSG when the body is not in that shape (a proxy's
 * page, an empty body ...), or -ENOMEM. */
int api_error_parse(const char *body, size_t size, struct api_error **ret);

/* The one formatting of a diagnostic in a message: "file:line:col: pointer: message", without
 * "file:" when `file` is NULL or empty, "line:col: " when `line` is 0, and "pointer: " when
 * `pointer` is NULL or empty. Returns a new string or NULL (ENOMEM). */
char *api_diagnostic_format(const char *file, unsigned line, unsigned column, const char *pointer,
                            const char *message);

/* "message: <first error diagnostic>", or the message alone when no diagnostic is an error.
 * The sentence a client shows for an error answer. Returns a new string or NULL (ENOMEM). */
char *api_error_describe(const struct api_error *e);

/* Sends `req` and sorts the outcome: 0 and *ret a 2xx answer; the transport's -errno; or, for
 * another status, api_errno_from_status() with the answer in *ret_answer and its decoded error
 * in *ret_error (NULL when not in the API's shape). ret_answer and ret_error may be NULL. */
int api_call(const struct api_transport *t, const struct api_request *req,
             struct api_response **ret, struct api_response **ret_answer,
             struct api_error **ret_error);

/* Request targets. prefix + the name escaped with its '/' kept (routes are prefixes). */
int api_target_name(const char *prefix, const char *name, char **ret);
/* Appends "?key=value" (or "&key=value") to `*target` (malloc'd), the value escaped. */
int api_target_query(char **target, const char *key, const char *value);
/* Appends the members of `ctx` that are set (arch, caps, kernel); ctx may be NULL. */
int api_target_context(char **target, const struct seccompd_context *ctx);

/* A raw blob answer (GET /v1/bpf, POST /v1/compile?encoding=raw) checked and taken apart:
 * whole instructions, a blob key, the digest, the state when by name. Takes the body and the
 * headers from `r`. Returns 0 or -EPROTO, -ENOMEM. */
int api_blob_from_response(struct api_response *r, bool by_name, struct seccompd_blob **ret);

/* Whether `s` is a blob key: 64 lowercase hex digits. */
bool api_is_blob_key(const char *s);

/* Parses a body that must be a JSON object (duplicate keys refused). 0 or -EBADMSG. */
int api_json_object(const char *body, size_t size, json_t **ret);

/* Decoders of the answers into client.h's structs. Return 0, -EPROTO when the answer is not
 * the API's, or -ENOMEM. */
int api_decode_status(const json_t *j, struct seccompd_status **ret);
int api_decode_profile(const json_t *j, struct seccompd_profile **ret);
int api_decode_profiles(const json_t *j, struct seccompd_profile_list **ret);
int api_decode_containers(const json_t *j, struct seccompd_container_list **ret);
int api_decode_denials(const json_t *j, struct seccompd_denials **ret);
/* The target of GET /v1/denials with the filter's query (f may be NULL). */
int api_target_denials(const struct seccompd_denial_filter *f, char **ret);
int api_decode_diagnostics(const json_t *a, struct seccompd_diagnostic **ret, size_t *ret_n);
void api_diagnostics_free(struct seccompd_diagnostic *d, size_t n);

/* Members of a JSON object: a string (NULL when absent or null; -EPROTO instead when
 * `required`), a count below `max` (0 when absent), a boolean (false when absent). 0 or
 * -EPROTO, -ENOMEM. */
int api_member_string(const json_t *o, const char *key, bool required, char **ret);
int api_member_uint(const json_t *o, const char *key, uint64_t max, uint64_t *ret);
int api_member_unsigned(const json_t *o, const char *key, unsigned *ret);
