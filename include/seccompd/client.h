/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* libseccompd: the client library of seccompd, for runtimes and tools that want a compiled
 * seccomp filter by profile name or by content.
 *
 * Link with `pkg-config --cflags --libs libseccompd`. Every call returns 0 (or a count) on
 * success and a negative errno on failure; nothing is printed. The library holds no global
 * state: a handle may be used by one thread at a time, and separate handles may be used
 * concurrently.
 *
 * Errors common to every call that talks to the daemon:
 *   -ENOENT      no socket at that path (the daemon is not running)
 *   -ECONNREFUSED the socket exists but nobody listens
 *   -EACCES      the socket is not accessible to this user
 *   -ETIMEDOUT   no full answer within the handle's timeout
 *   -ECONNRESET  the daemon closed the connection before a full answer
 *   -EPROTO      the answer is not the API's
 *   -ENOMEM      out of memory
 * and those the daemon answers with: -EINVAL (400: bad name or query), -EPERM (403: root or
 * the socket's group needed), -ENOENT (404: no such profile), -EBADMSG (409/422: the profile
 * is invalid; seccompd_last_error() says why), -EFBIG (413), -EAGAIN (503: not ready yet),
 * -EIO (500 or anything else). -EINVAL also stands for a NULL handle or `ret`, or an empty
 * name or socket path.
 *
 * Ownership: every `struct seccompd_*` returned through a `ret` pointer belongs to the caller
 * and is released with its matching *_free() function (which accepts NULL). Strings inside
 * them live as long as the struct. Input pointers are only borrowed for the call. */

#include <stddef.h>
#include <stdint.h>

#include <seccompd/protocol.h> /* SECCOMPD_SOCKET_PATH, SECCOMPD_SOCKET_ENV, routes */

#ifdef __cplusplus
extern "C" {
#endif

struct seccompd;

/* Creates a handle for the daemon at `socket_path` (NULL: $SECCOMPD_SOCKET, read with
 * secure_getenv() and so ignored in set-uid programs, else SECCOMPD_SOCKET_PATH) with a
 * timeout for each request in milliseconds (0: 5000), and checks that the daemon answers
 * GET /v1/health (whether or not its first scan is done yet). Returns 0, or an error above
 * (the handle is not created). */
int seccompd_connect(const char *socket_path, unsigned timeout_ms, struct seccompd **ret);
void seccompd_disconnect(struct seccompd *c);

/* The message of the last error the daemon answered with on this handle, e.g. "profile
 * 'kubernetes/x.json' is invalid and not served: x.json:3:20: /defaultAction: unknown action
 * \"SCMP_ACT_NOPE\"" (the daemon's message, then the first error of its diagnostics), or
 * NULL. Every call that talks to the daemon resets it; valid until the next call. */
const char *seccompd_last_error(const struct seccompd *c);

/* The context a blob is compiled for. NULL (or a NULL member) means the daemon's default:
 * the host's architecture, Docker's default capabilities, the running kernel. */
struct seccompd_context {
        const char *arch;   /* "x86_64", "aarch64", "SCMP_ARCH_X86_64", ... */
        const char *caps;   /* "CAP_SYS_ADMIN,CAP_NET_ADMIN", "all", "none", "+CAP_X" */
        const char *kernel; /* "6.1" */
};

/* A compiled filter: raw classic BPF, `size` bytes (8 per instruction), as
 * seccomp(SECCOMP_SET_MODE_FILTER) and crun's run.oci.seccomp_bpf_data take it. */
struct seccompd_blob {
        uint8_t *data;
        size_t size;
        unsigned instructions;
        char *key;     /* the blob key: 64 hex digits */
        char *digest;  /* "sha256:..." of the profile's bytes */
        char *state;   /* "valid" or "stale" (blobs by name); NULL for ad-hoc compiles */
        char *context; /* the context it was compiled for, as the daemon writes it */
};
void seccompd_blob_free(struct seccompd_blob *b);

/* The blob of the profile `name` ("kubernetes/operator/nginx.json", "runtime/default") for
 * `ctx` (may be NULL). -ENOENT: no such profile; -EBADMSG: the profile is invalid. */
int seccompd_get_blob(struct seccompd *c, const char *name, const struct seccompd_context *ctx,
                      struct seccompd_blob **ret);

/* Compiles an ad-hoc profile (`json`, `size` bytes: a whole profile, e.g. a bundle's
 * linux.seccomp) for `ctx` with POST /v1/compile; the daemon caches it by content.
 * -EBADMSG: the profile is invalid; -EPERM: not root nor in the socket's group. */
int seccompd_compile(struct seccompd *c, const void *json, size_t size,
                     const struct seccompd_context *ctx, struct seccompd_blob **ret);

/* One profile of the list. */
struct seccompd_profile_info {
        char *name;
        char *root;
        char *path;    /* below the root */
        char *dialect;
        char *digest;  /* NULL for a missing profile */
        char *state;   /* "valid", "invalid", "stale", "missing" */
        unsigned errors, warnings;
};

/* Every profile, sorted by name. Returns the number of profiles and an array of them
 * (free it with seccompd_profiles_free(array, count); NULL when there are none), or an
 * error. */
int seccompd_list(struct seccompd *c, struct seccompd_profile_info **ret);
void seccompd_profiles_free(struct seccompd_profile_info *p, size_t n);

struct seccompd_status {
        char *version;     /* seccompd's */
        char *libseccomp;  /* the daemon's libseccomp */
        int ready;         /* 1 once the first full scan is done */
        uint64_t generation;
        char *node_digest; /* "sha256:..." over the valid profiles */
        unsigned valid, invalid, stale, missing;
        uint64_t compiles;
};

int seccompd_status(struct seccompd *c, struct seccompd_status **ret);
void seccompd_status_free(struct seccompd_status *s);

#ifdef __cplusplus
}
#endif
