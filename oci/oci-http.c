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

/* Whether `s` is a plain decimal number (no sign, no leading zero) equal to `v`. */
static bool decimal_is(const char *s, size_t v)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%zu", v);
        return s && streq(s, buf);
}

/* The blob of a 200 answer to a section whose digest is `expected`, taken only when every part of
 * the answer agrees with the others and with what was sent (see oci_compile()). The answer is
 * the raw blob (?encoding=raw), its facts in headers: parsing a JSON answer with the blob in
 * base64 cost the wrapper 0.4 ms of every start on the benchmark machine (jansson reads a
 * string a byte at a time). */
static int compiled_from_answer(const struct api_response *resp, const char *expected,
                                struct oci_compiled *ret, char **ret_why)
{
        char why[200];
        bool filter_log;

        if (!resp->key || !resp->digest || !resp->instructions || !resp->filter_flags)
                return refuse(ret_why, "the answer lacks one of the headers " SECCOMPD_HEADER_KEY
                                       ", " SECCOMPD_HEADER_DIGEST ", " SECCOMPD_HEADER_INSNS
                                       ", " SECCOMPD_HEADER_FILTER_FLAGS);
        if (!api_is_blob_key(resp->key))
                return refuse(ret_why, "the key '%.80s' is not 64 lowercase hex digits", resp->key);
        /* Filter flags the daemon asks for: only LOG, which changes what the kernel logs and
         * never a verdict. */
        if (streq(resp->filter_flags, SECCOMPD_FILTER_FLAG_LOG))
                filter_log = true;
        else if (streq(resp->filter_flags, SECCOMPD_FILTER_FLAGS_NONE))
                filter_log = false;
        else
                return refuse(ret_why, "the filter flags may be " OCI_FLAG_LOG " only, not '%.80s'",
                              resp->filter_flags);

        /* The daemon's profile digest is the sha256 of the body it parsed: the very bytes
         * sent, or the blob is another profile's. */
        if (!streq(resp->digest, expected))
                return refuse(ret_why, "the digest '%.80s' is not that of the section sent (%s)",
                              resp->digest, expected);

        size_t size = resp->body_size, insns_n = size / API_BPF_INSN_SIZE;
        if (size % API_BPF_INSN_SIZE != 0 || !decimal_is(resp->instructions, insns_n))
                return refuse(ret_why, "the blob has %zu bytes, the answer says %.20s instructions",
                              size, resp->instructions);
        if (insns_n < 1 || insns_n > API_BPF_INSNS_MAX)
                return refuse(ret_why, "%zu instructions (the kernel takes 1 to %u)", insns_n,
                              API_BPF_INSNS_MAX);
        /* struct sock_filter is 8 bytes in host order, as the kernel and crun read the blob;
         * the body is malloc'd, so aligned for it. */
        if (oci_bpf_check((const struct sock_filter *)resp->body, insns_n, oci_bpf_native_arch(),
                          why, sizeof(why)) < 0)
                return refuse(ret_why,
                              "the blob is not a seccomp filter as seccompd compiles "
                              "them: %s",
                              why);

        *ret = (struct oci_compiled){
                .blob_b64 = base64_encode(resp->body, size),
                .size = size,
                .instructions = (unsigned)insns_n,
                .key = strdup(resp->key),
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

/* `s` with every byte but the unreserved ones of RFC 3986 as %XX: a new string, or NULL. */
static char *percent_encode(const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        char *out = malloc(strlen(s) * 3 + 1), *w = out;
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
                        *w++ = (char)*p;
                else {
                        *w++ = '%';
                        *w++ = hex[*p >> 4];
                        *w++ = hex[*p & 15];
                }
        }
        *w = 0;
        return out;
}

int oci_compile(const char *socket_path, unsigned timeout_ms, const char *body, size_t size,
                const char *digest, const char *report_id, const char *report,
                struct oci_compiled *ret, char **ret_error)
{
        _cleanup_free_ char *target = NULL, *id_q = NULL, *report_q = NULL;

        *ret_error = NULL;
        if (report && report_id) {
                if (!(id_q = percent_encode(report_id)) || !(report_q = percent_encode(report)) ||
                    asprintf(&target, "%s?%s=raw&%s=%s&%s=%s", SECCOMPD_ROUTE_COMPILE,
                             SECCOMPD_QUERY_ENCODING, SECCOMPD_QUERY_REPORT_ID, id_q,
                             SECCOMPD_QUERY_REPORT, report_q) < 0)
                        return -ENOMEM;
        }
        const struct api_request req = {
                .method = "POST",
                .target =
                        target ? target : SECCOMPD_ROUTE_COMPILE "?" SECCOMPD_QUERY_ENCODING "=raw",
                .body = body,
                .body_size = size,
        };
        _cleanup_(api_response_freep) struct api_response *resp = NULL;
        int r = call(socket_path, timeout_ms, &req, &resp, ret_error);
        if (r < 0)
                return r;
        r = compiled_from_answer(resp, digest, ret, ret_error);
        if (r == 0)
                ret->reported = resp->container_report && (streq(resp->container_report, "200") ||
                                                           streq(resp->container_report, "201"));
        return r;
}
