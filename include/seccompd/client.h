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
        char *path; /* below the root */
        char *dialect;
        char *digest; /* NULL for a missing profile */
        char *state;  /* "valid", "invalid", "stale", "missing" */
        unsigned errors, warnings;
};

/* Every profile, sorted by name. Returns the number of profiles and an array of them
 * (free it with seccompd_profiles_free(array, count); NULL when there are none), or an
 * error. */
int seccompd_list(struct seccompd *c, struct seccompd_profile_info **ret);
void seccompd_profiles_free(struct seccompd_profile_info *p, size_t n);

struct seccompd_status {
        char *version;    /* seccompd's */
        char *libseccomp; /* the daemon's libseccomp */
        int ready;        /* 1 once the first full scan is done */
        uint64_t generation;
        char *node_digest; /* "sha256:..." over the valid profiles */
        unsigned valid, invalid, stale, missing;
        uint64_t compiles;
        /* Since 0.2 (the struct is only ever allocated by the library): */
        struct seccompd_cache_info *cache;    /* NULL when the daemon has no cache */
        struct seccompd_fallbacks *fallbacks; /* NULL when the daemon reports none */
        struct seccompd_root_info *roots;     /* n_roots of them, in the daemon's order */
        size_t n_roots;
};

/* The blob cache of GET /v1/status. */
struct seccompd_cache_info {
        char *dir;
        uint64_t entries, bytes, max_bytes, hits, misses, corrupt, evictions;
};

/* One fallback of seccompd-oci to crun's own compile (protocol.h says what it records). */
struct seccompd_fallback {
        char *time;                                     /* RFC 3339, UTC */
        char *container_id, *bundle, *command, *reason; /* may be NULL */
};

/* seccompd-oci's fallbacks as the daemon counts them from its spool directory. */
struct seccompd_fallbacks {
        char *spool; /* the spool directory; NULL: not counted (no spool) */
        uint64_t total, last_hour, rejected;
        struct seccompd_fallback *recent; /* n_recent of them, newest first */
        size_t n_recent;
};

/* One root of profiles. */
struct seccompd_root_info {
        char *name, *path, *dialect;
        int exists; /* 0: not there yet, waited for */
        int recursive;
        unsigned profiles;
};

/* GET /v1/status. Since 0.2 with the cache, the fallbacks and the roots. */
int seccompd_status(struct seccompd *c, struct seccompd_status **ret);
void seccompd_status_free(struct seccompd_status *s);

/* Since 0.2 (LIBSECCOMPD_0.2). */

/* One diagnostic of the daemon's: of a profile, or of an error answer. */
struct seccompd_diagnostic {
        char *severity;        /* "error", "warning", "note" */
        char *file;            /* may be NULL */
        unsigned line, column; /* 0: unknown */
        char *pointer;         /* JSON pointer: "" for the whole profile */
        char *message;
        char *hint; /* may be NULL */
};

/* The last answer the daemon sent on this handle, whatever its status, or NULL when the last
 * call had none (it failed before an answer, or asked nothing). `body` is the answer as sent,
 * JSON, for callers that want it whole (NULL after a successful seccompd_get_blob(),
 * seccompd_compile() or seccompd_get_source(): the returned struct has the bytes); `error_*` and
 * `diagnostics` decode an error answer (NULL and 0 otherwise, or when it is not in the API's
 * shape). Every call that talks to the daemon replaces it; valid until the next call. */
struct seccompd_answer {
        int status; /* HTTP status: 200, 404 ... */
        const char *body;
        size_t body_size;
        const char *error_code;    /* "not_found", ... */
        const char *error_message; /* the daemon's message alone (seccompd_last_error() adds
                                    * the first error diagnostic) */
        const struct seccompd_diagnostic *diagnostics;
        size_t n_diagnostics;
};
const struct seccompd_answer *seccompd_last_answer(const struct seccompd *c);

/* A blob the daemon holds for a profile. */
struct seccompd_blob_info {
        char *key;
        char *context;
        unsigned instructions;
        uint64_t size;
        int optimize;
};

/* A profile in the registry: GET /v1/profiles/NAME, or an entry of the list (which has no
 * summary, diagnostics nor blobs). Strings are NULL when the daemon has none. */
struct seccompd_profile {
        char *name, *root, *path, *dialect;
        char *state;         /* "valid", "invalid", "stale", "missing" */
        char *digest;        /* of the file as it is now */
        char *served_digest; /* of the version served (differs when stale) */
        char *updated;       /* RFC 3339 */
        unsigned errors, warnings;
        unsigned rules, names; /* rules and syscall names of the profile */
        int has_summary;       /* the next two were sent */
        char *default_action;
        char **arches; /* n_arches of them */
        size_t n_arches;
        struct seccompd_diagnostic *diagnostics; /* sorted as the daemon sends them */
        size_t n_diagnostics;
        struct seccompd_blob_info *blobs;
        size_t n_blobs;
};
void seccompd_profile_free(struct seccompd_profile *p);

/* The profile `name` with its diagnostics and blobs. -ENOENT: no such profile. An invalid
 * profile is returned (state "invalid"), not an error. */
int seccompd_get_profile(struct seccompd *c, const char *name, struct seccompd_profile **ret);

struct seccompd_profile_list {
        struct seccompd_profile **profiles; /* n of them, in the daemon's order (by name) */
        size_t n;
};
void seccompd_profile_list_free(struct seccompd_profile_list *l);

/* Every profile, as GET /v1/profiles lists them (with rules and update times, which
 * seccompd_list() does not carry). */
int seccompd_list_profiles(struct seccompd *c, struct seccompd_profile_list **ret);

/* A profile's JSON as the daemon serves it: the version its blobs come from. */
struct seccompd_source {
        char *data; /* size bytes, plus a NUL */
        size_t size;
        char *dialect; /* of the profile's root; may be NULL */
        char *digest;  /* may be NULL */
};
void seccompd_source_free(struct seccompd_source *s);

/* GET /v1/source/NAME. -ENOENT: no such profile; -EBADMSG: invalid, never served. */
int seccompd_get_source(struct seccompd *c, const char *name, struct seccompd_source **ret);

/* Asks the daemon to rescan its roots (POST /v1/reload). Returns 0 and the generation the
 * rescan starts at (ret_generation may be NULL); -EPERM: not root nor in the socket's group. */
int seccompd_reload(struct seccompd *c, uint64_t *ret_generation);

/* Since 0.3 (LIBSECCOMPD_0.3). */

/* A container started through seccompd-oci, as GET /v1/containers lists it. Strings are NULL
 * when the daemon has none. */
struct seccompd_container {
        char *id;
        char *bundle;
        char *profile;   /* the first profile name serving `key`, "inline" when none does;
                          * NULL without a blob (crun compiled the JSON itself) */
        char **profiles; /* every profile name serving `key`, n_profiles of them */
        size_t n_profiles;
        char *digest;   /* "sha256:..." of the linux.seccomp the wrapper sent */
        char *key;      /* the blob key crun loaded */
        char *fallback; /* why crun compiled the JSON itself */
        char *started;  /* RFC 3339, UTC */
        char *command;  /* "create", "run", or "spool" (known from a fallback record) */
        int64_t pid;    /* the container's init, 0 when unknown */
        uint64_t pidns; /* its pid-namespace inode, 0 when unknown */
};

struct seccompd_container_list {
        struct seccompd_container *containers; /* n of them, in the order the daemon heard */
        size_t n;
        uint64_t max;     /* the daemon's bound on its table */
        uint64_t refused; /* reports refused because the table was full of live containers */
};
void seccompd_container_list_free(struct seccompd_container_list *l);

/* GET /v1/containers: the containers the daemon knows, those whose process is gone left out. */
int seccompd_list_containers(struct seccompd *c, struct seccompd_container_list **ret);
/* One seccomp denial as the daemon read it from the kernel's audit records. */
struct seccompd_denial {
        uint64_t seq;      /* 1, 2, ...: pass the last one seen as `since` */
        char *time, *last; /* RFC 3339 with ms: the first and the last of `count` */
        uint64_t count;    /* identical ones (pid, syscall, action) within a second */
        int pid;
        char *comm, *exe, *arch; /* may be NULL */
        int syscall_nr;
        char *syscall; /* the name for that arch, or "#NR" */
        char *action;  /* "KILL_PROCESS", "KILL_THREAD", "TRAP", "ERRNO", "TRACE", "LOG",
                        * "USER_NOTIF" (the kernel logs no errno) */
        char *container, *blob_key, *profile; /* NULL when unattributed */
        char *rule; /* "/syscalls/3", "defaultAction", candidates joined by '|' */
        int errnum; /* an ERRNO's errno, from the rule that decided (the kernel logs none); -1
                     * when unknown (no profile, or candidates returning different ones) */
        char *unattributed; /* why it is not attributed, or NULL */
};

struct seccompd_denial_filter {
        const char *profile, *container, *syscall; /* NULL: any */
        uint64_t since;                            /* only seq > since */
};

struct seccompd_denials {
        struct seccompd_denial *denials; /* n of them, oldest first */
        size_t n;
        uint64_t last; /* the newest seq the daemon has (matching or not) */
        int reading;   /* the daemon reads the audit records */
        char *reason;  /* why not, or NULL */
        uint64_t records, lost, unattributed;
};
void seccompd_denials_free(struct seccompd_denials *d);

/* GET /v1/denials: the recent denials matching `f` (may be NULL). */
int seccompd_get_denials(struct seccompd *c, const struct seccompd_denial_filter *f,
                         struct seccompd_denials **ret);

#ifdef __cplusplus
}
#endif
