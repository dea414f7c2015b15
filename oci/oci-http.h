/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* seccompd-oci's one request: POST /v1/compile?encoding=raw of linux.seccomp, the raw blob back
 * with its key, the profile's digest, its length in instructions and the filter flags in
 * headers.
 *
 * Why not libseccompd: the wrapper runs at every container start, and loading libcurl with
 * its dependencies costs about 12 ms per exec on the benchmark machine, as much as crun's own
 * compile it is there to save (BENCHMARKS.md, §1). So the wrapper takes the API layer (api/)
 * with its small raw-socket transport (api/api-socket.h) and links jansson alone. */

struct oci_compiled {
        char *blob_b64;        /* base64 of the raw BPF, as the daemon sent it */
        size_t size;           /* decoded size in bytes: a multiple of 8, 8 to 32768 */
        unsigned instructions; /* size / 8 */
        char *key;             /* the blob key */
        bool filter_log;       /* the daemon asks for SECCOMP_FILTER_FLAG_LOG (--log-filter) */
        bool reported;         /* the daemon recorded the report sent with the request */
};

void oci_compiled_done(struct oci_compiled *c);

/* Sends `body` (`size` bytes) to the daemon at `socket_path`, all within `timeout_ms`.
 *
 * A 200 answer is taken only when its HTTP framing is exact (Content-Length present and equal
 * to the body's length: api-socket.h), its Seccompd-Profile-Digest is "sha256:" + the sha256
 * of exactly `body` (so it is this section's blob, not another profile's), its
 * Seccompd-Blob-Key is a blob key (64 lowercase hex digits), the body is
 * Seccompd-Instructions × 8 bytes, 1 to 4096 instructions, Seccompd-Filter-Flags is "none" or
 * SECCOMP_FILTER_FLAG_LOG, and the filter has the shape of a seccompd blob (oci-bpf.h).
 * Otherwise -EPROTO with what was wrong in *ret_error. blob_b64 is the body in base64, as
 * the annotation takes it.
 *
 * Returns 0 and the blob; -errno when there is no answer (-ENOENT, -ECONNREFUSED, -EACCES,
 * -ETIMEDOUT, -ECONNRESET, -EPROTO for anything not the API's, with *ret_error NULL); -EPROTO
 * and *ret_error for an answer refused as above; or, when the daemon answered
 * with an error, the errno of api_errno_from_status() (-EBADMSG: the profile is invalid,
 * -EPERM, -EAGAIN ...) with the daemon's message and first error diagnostic in *ret_error
 * (free it; may be NULL).
 *
 * `report` (may be NULL): the container report of `report_id` (oci-report.h, without key nor
 * fallback), sent with the request so that the container start costs one round trip; the
 * daemon records it with the key of its answer. ret->reported says whether it did (a daemon
 * that does not know the parameters ignores them: then the caller reports on its own).
 *
 * `digest`: oci_sha256_digest() of `body`, which the caller computes once for its report too;
 * the answer's digest must equal it. */
int oci_compile(const char *socket_path, unsigned timeout_ms, const char *body, size_t size,
                const char *digest, const char *report_id, const char *report,
                struct oci_compiled *ret, char **ret_error);

/* A recording reserved by the daemon (POST /v1/recordings/ID). */
struct oci_recording {
        char *blob_b64; /* the one-instruction notify filter, base64 */
        char *receiver; /* the socket crun sends the listener to */
        char *profile;  /* the name the recorded profile will be served as */
        char *path;     /* the file it will be written to */
};
void oci_recording_done(struct oci_recording *r);

/* Reserves the recording of container `id` into profile `profile` ("ROOT/NAME"). A 201 answer
 * is taken only when "blob" decodes to exactly the instruction SECCOMP_RET_USER_NOTIF (the
 * filter that notifies every call: anything else would run the container under a filter the
 * wrapper did not check) and "receiver" is an absolute path; else -EPROTO with why in
 * *ret_error. Other errors as oci_compile(). */
int oci_record(const char *socket_path, unsigned timeout_ms, const char *id, const char *profile,
               struct oci_recording *ret, char **ret_error);
