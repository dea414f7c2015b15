/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "api-socket.h"
#include "api.h"
#include "base64.h"
#include "config.h"
#include "oci-bpf.h"
#include "oci-config.h"
#include "oci-http.h"
#include "oci-sha256.h"
#include "seccompd/protocol.h"

void oci_compiled_done(struct oci_compiled *c)
{
        free(c->blob_b64);
        free(c->key);
        *c = (struct oci_compiled){0};
}

static int refuse(char **ret_why, const char *fmt, ...) _printf_(2, 3);
static int refuse(char **ret_why, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(ret_why, fmt, ap) < 0)
                *ret_why = NULL;
        va_end(ap);
        return -EPROTO;
}

/* The blob of a 200 answer to `section` (`section_size` bytes), taken only when every part of
 * the answer agrees with the others and with what was sent (see oci_compile()). */
static int compiled_from_answer(const struct api_response *resp, const char *section,
                                size_t section_size, struct oci_compiled *ret, char **ret_why)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_free_ struct sock_filter *insns = NULL;
        char expected[OCI_SHA256_DIGEST_SIZE], why[200];

        if (api_json_object(resp->body, resp->body_size, &j) < 0)
                return refuse(ret_why, "the answer is not a JSON object");
        const char *b64 = json_string_value(json_object_get(j, SECCOMPD_KEY_BLOB));
        const char *key = json_string_value(json_object_get(j, SECCOMPD_KEY_KEY));
        const char *digest = json_string_value(json_object_get(j, SECCOMPD_KEY_DIGEST));
        const json_t *ji = json_object_get(j, SECCOMPD_KEY_INSTRUCTIONS);
        const json_t *js = json_object_get(j, SECCOMPD_KEY_SIZE);
        if (!b64 || !key || !digest || !json_is_integer(ji) || !json_is_integer(js))
                return refuse(ret_why, "the answer lacks one of blob, key, digest, "
                                       "instructions, size");
        if (!api_is_blob_key(key))
                return refuse(ret_why, "the key '%.80s' is not 64 lowercase hex digits", key);
        /* Filter flags the daemon asks for: only LOG, which changes what the kernel logs and
         * never a verdict. */
        const json_t *ff = json_object_get(j, SECCOMPD_KEY_FILTER_FLAGS), *f;
        bool filter_log = false;
        size_t fi;
        if (ff && !json_is_array(ff))
                return refuse(ret_why, "filter_flags is not an array");
        json_array_foreach (ff, fi, f) {
                if (!json_is_string(f) || !streq(json_string_value(f), OCI_FLAG_LOG))
                        return refuse(ret_why, "filter_flags may hold " OCI_FLAG_LOG " only");
                filter_log = true;
        }

        /* The daemon's profile digest is the sha256 of the body it parsed: the very bytes
         * sent, or the blob is another profile's. */
        oci_sha256_digest(section, section_size, expected);
        if (!streq(digest, expected))
                return refuse(ret_why, "the digest '%.80s' is not that of the section sent (%s)",
                              digest, expected);

        size_t len = strlen(b64);
        long long size = base64_decoded_size(b64, len);
        json_int_t insns_n = json_integer_value(ji), size_n = json_integer_value(js);
        if (size < 0)
                return refuse(ret_why, "the blob is not standard, padded base64");
        if (size != size_n || size_n != insns_n * (json_int_t)API_BPF_INSN_SIZE)
                return refuse(ret_why,
                              "the blob decodes to %lld bytes, the answer says size %lld and "
                              "%lld instructions",
                              size, (long long)size_n, (long long)insns_n);
        if (insns_n < 1 || insns_n > API_BPF_INSNS_MAX)
                return refuse(ret_why, "%lld instructions (the kernel takes 1 to %u)",
                              (long long)insns_n, API_BPF_INSNS_MAX);

        insns = calloc((size_t)insns_n, sizeof(*insns));
        if (!insns)
                return -ENOMEM;
        /* struct sock_filter is 8 bytes in host order, as the kernel and crun read the blob. */
        base64_decode(b64, len, (uint8_t *)insns, (size_t)size);
        if (oci_bpf_check(insns, (size_t)insns_n, oci_bpf_native_arch(), why, sizeof(why)) < 0)
                return refuse(ret_why,
                              "the blob is not a seccomp filter as seccompd compiles "
                              "them: %s",
                              why);

        *ret = (struct oci_compiled){
                .blob_b64 = strdup(b64),
                .size = (size_t)size,
                .instructions = (unsigned)insns_n,
                .key = strdup(key),
                .filter_log = filter_log,
        };
        if (!ret->blob_b64 || !ret->key) {
                oci_compiled_done(ret);
                return -ENOMEM;
        }
        return 0;
}

/* Sends `req` to the daemon; 0 and the 2xx answer in *ret_resp, or an error as oci_compile()
 * describes. */
static int call(const char *socket_path, unsigned timeout_ms, const struct api_request *req,
                struct api_response **ret_resp, char **ret_error)
{
        struct api_socket sock = {
                .socket_path = socket_path,
                .user_agent = "seccompd-oci/" PACKAGE_VERSION,
                .deadline_ms = api_socket_now_ms() + timeout_ms,
        };
        const struct api_transport t = {.send = api_socket_send, .userdata = &sock};
        _cleanup_(api_response_freep) struct api_response *answer = NULL;
        _cleanup_(api_error_freep) struct api_error *e = NULL;

        *ret_error = NULL;
        int r = api_call(&t, req, ret_resp, &answer, &e);
        if (r == 0)
                return 0;
        if (r == -EPROTO && sock.why[0]) {
                *ret_error = strdup(sock.why);
                return r; /* an answer framed wrong */
        }
        if (!answer)
                return r; /* no answer */
        if (!e)
                return -EPROTO; /* not the API's error answer */
        *ret_error = api_error_describe(e);
        return r;
}

void oci_recording_done(struct oci_recording *r)
{
        free(r->blob_b64);
        free(r->receiver);
        free(r->profile);
        free(r->path);
        *r = (struct oci_recording){0};
}

int oci_record(const char *socket_path, unsigned timeout_ms, const char *id, const char *profile,
               struct oci_recording *ret, char **ret_error)
{
        _cleanup_free_ char *target = NULL, *body = NULL;
        _cleanup_(json_decrefp) json_t *req_body =
                json_pack("{s:s}", SECCOMPD_KEY_PROFILE, profile);
        _cleanup_(api_response_freep) struct api_response *resp = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;

        *ret_error = NULL;
        if (!req_body || !(body = json_dumps(req_body, JSON_COMPACT)) ||
            asprintf(&target, "%s%s", SECCOMPD_ROUTE_RECORDING_PREFIX, id) < 0)
                return -ENOMEM;
        const struct api_request req = {
                .method = "POST", .target = target, .body = body, .body_size = strlen(body)};
        int r = call(socket_path, timeout_ms, &req, &resp, ret_error);
        if (r < 0)
                return r;
        if (api_json_object(resp->body, resp->body_size, &j) < 0)
                return refuse(ret_error, "the answer is not a JSON object");
        const char *b64 = json_string_value(json_object_get(j, SECCOMPD_KEY_BLOB));
        const char *receiver = json_string_value(json_object_get(j, SECCOMPD_KEY_RECEIVER));
        const char *name = json_string_value(json_object_get(j, SECCOMPD_KEY_PROFILE));
        const char *path = json_string_value(json_object_get(j, SECCOMPD_KEY_PATH));
        if (!b64 || !receiver || !name || !path)
                return refuse(ret_error, "the answer lacks one of blob, receiver, profile, path");
        const struct sock_filter notify = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
        struct sock_filter got;
        if (base64_decoded_size(b64, strlen(b64)) != (long long)sizeof(got))
                return refuse(ret_error, "the recording filter is not one instruction");
        base64_decode(b64, strlen(b64), (uint8_t *)&got, sizeof(got));
        if (memcmp(&got, &notify, sizeof(got)) != 0)
                return refuse(ret_error, "the recording filter is not SECCOMP_RET_USER_NOTIF");
        if (receiver[0] != '/')
                return refuse(ret_error, "the receiver '%.80s' is not an absolute path", receiver);
        *ret = (struct oci_recording){.blob_b64 = strdup(b64),
                                      .receiver = strdup(receiver),
                                      .profile = strdup(name),
                                      .path = strdup(path)};
        if (!ret->blob_b64 || !ret->receiver || !ret->profile || !ret->path) {
                oci_recording_done(ret);
                return -ENOMEM;
        }
        return 0;
}

int oci_compile(const char *socket_path, unsigned timeout_ms, const char *body, size_t size,
                struct oci_compiled *ret, char **ret_error)
{
        /* The JSON answer: its base64 goes into the derived config as it is. */
        const struct api_request req = {
                .method = "POST",
                .target = SECCOMPD_ROUTE_COMPILE,
                .body = body,
                .body_size = size,
        };
        _cleanup_(api_response_freep) struct api_response *resp = NULL;
        int r = call(socket_path, timeout_ms, &req, &resp, ret_error);
        if (r < 0)
                return r;
        return compiled_from_answer(resp, body, size, ret, ret_error);
}
