/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The seccompd API: HTTP/1.1 over a Unix socket, JSON bodies, versioned under /v1.
 * Routes, query parameters, JSON keys and error codes are defined here once, for the daemon,
 * the client library and seccompctl alike. */

#define SECCOMPD_API_VERSION 1
#define SECCOMPD_SOCKET_PATH "/run/seccompd/seccompd.sock"
#define SECCOMPD_SOCKET_ENV  "SECCOMPD_SOCKET"

/* Routes. Names may contain '/', so profile and blob routes are prefixes. */
#define SECCOMPD_ROUTE_HEALTH           "/v1/health"
#define SECCOMPD_ROUTE_STATUS           "/v1/status"
#define SECCOMPD_ROUTE_PROFILES         "/v1/profiles"
#define SECCOMPD_ROUTE_PROFILE_PREFIX   "/v1/profiles/" /* + name */
#define SECCOMPD_ROUTE_BPF_PREFIX       "/v1/bpf/"      /* + name */
#define SECCOMPD_ROUTE_BLOB_PREFIX      "/v1/blobs/"    /* + key */
#define SECCOMPD_ROUTE_SOURCE_PREFIX    "/v1/source/"   /* + name: the profile's JSON as served */
#define SECCOMPD_ROUTE_VALIDATE         "/v1/validate"
#define SECCOMPD_ROUTE_COMPILE          "/v1/compile"
#define SECCOMPD_ROUTE_RELOAD           "/v1/reload"
#define SECCOMPD_ROUTE_METRICS          "/metrics"
#define SECCOMPD_ROUTE_CONTAINERS       "/v1/containers"
#define SECCOMPD_ROUTE_CONTAINER_PREFIX "/v1/containers/" /* + id: POST a report, DELETE */
/* ?profile= &container= &syscall= &since= &follow=1 */
#define SECCOMPD_ROUTE_DENIALS "/v1/denials"

/* Query parameters (bpf, compile, validate, profile). */
#define SECCOMPD_QUERY_ARCH      "arch"     /* x86_64, aarch64, SCMP_ARCH_* */
#define SECCOMPD_QUERY_CAPS      "caps"     /* CAP_A,CAP_B | all | none | default */
#define SECCOMPD_QUERY_KERNEL    "kernel"   /* X.Y */
#define SECCOMPD_QUERY_ENCODING  "encoding" /* raw (default) | base64 */
#define SECCOMPD_QUERY_DIALECT   "dialect"
#define SECCOMPD_QUERY_STRICT    "strict"    /* 1 | true */
#define SECCOMPD_QUERY_OPTIMIZE  "optimize"  /* 0 | 2 */
#define SECCOMPD_QUERY_PROFILE   "profile"   /* GET /v1/denials: the profile's name */
#define SECCOMPD_QUERY_CONTAINER "container" /* GET /v1/denials: the container's id */
#define SECCOMPD_QUERY_SYSCALL   "syscall"   /* GET /v1/denials: the syscall's name */
#define SECCOMPD_QUERY_SINCE     "since"     /* GET /v1/denials: only seq > this */
#define SECCOMPD_QUERY_FOLLOW    "follow"    /* GET /v1/denials: 1: stream NDJSON */

/* Response headers of blob routes. */
#define SECCOMPD_HEADER_DIGEST  "Seccompd-Profile-Digest"
#define SECCOMPD_HEADER_KEY     "Seccompd-Blob-Key"
#define SECCOMPD_HEADER_INSNS   "Seccompd-Instructions"
#define SECCOMPD_HEADER_STATE   "Seccompd-Profile-State"
#define SECCOMPD_HEADER_CONTEXT "Seccompd-Context"
#define SECCOMPD_HEADER_DIALECT "Seccompd-Dialect" /* of the source route: the root's */
/* POST /v1/compile?encoding=raw: the filter flags the daemon asks for, "none" or
 * SECCOMPD_FILTER_FLAG_LOG (--log-filter); always sent on that answer. */
#define SECCOMPD_HEADER_FILTER_FLAGS "Seccompd-Filter-Flags"
#define SECCOMPD_FILTER_FLAGS_NONE   "none"
#define SECCOMPD_FILTER_FLAG_LOG     "SECCOMP_FILTER_FLAG_LOG"

/* JSON keys. */
#define SECCOMPD_KEY_STATUS       "status"
#define SECCOMPD_KEY_READY        "ready"
#define SECCOMPD_KEY_GENERATION   "generation"
#define SECCOMPD_KEY_VERSION      "version"
#define SECCOMPD_KEY_LIBSECCOMP   "libseccomp"
#define SECCOMPD_KEY_ROOTS        "roots"
#define SECCOMPD_KEY_COUNTS       "counts"
#define SECCOMPD_KEY_CACHE        "cache"
#define SECCOMPD_KEY_NODE_DIGEST  "node_digest"
#define SECCOMPD_KEY_PROFILES     "profiles"
#define SECCOMPD_KEY_NAME         "name"
#define SECCOMPD_KEY_ROOT         "root"
#define SECCOMPD_KEY_PATH         "path"
#define SECCOMPD_KEY_DIALECT      "dialect"
#define SECCOMPD_KEY_DIGEST       "digest"
#define SECCOMPD_KEY_STATE        "state"
#define SECCOMPD_KEY_ERRORS       "errors"
#define SECCOMPD_KEY_WARNINGS     "warnings"
#define SECCOMPD_KEY_UPDATED      "updated"
#define SECCOMPD_KEY_DIAGNOSTICS  "diagnostics"
#define SECCOMPD_KEY_SUMMARY      "summary"
#define SECCOMPD_KEY_BLOBS        "blobs"
#define SECCOMPD_KEY_KEY          "key"
#define SECCOMPD_KEY_CONTEXT      "context"
#define SECCOMPD_KEY_INSTRUCTIONS "instructions"
#define SECCOMPD_KEY_SIZE         "size"
#define SECCOMPD_KEY_BLOB         "blob" /* base64 of the raw BPF in /v1/compile answers */
#define SECCOMPD_KEY_VALID        "valid"
#define SECCOMPD_KEY_STALE        "stale"
#define SECCOMPD_KEY_ERROR        "error"
#define SECCOMPD_KEY_CODE         "code"
#define SECCOMPD_KEY_MESSAGE      "message"
#define SECCOMPD_KEY_SEVERITY     "severity"
#define SECCOMPD_KEY_FILE         "file"
#define SECCOMPD_KEY_LINE         "line"
#define SECCOMPD_KEY_COLUMN       "column"
#define SECCOMPD_KEY_POINTER      "pointer"
#define SECCOMPD_KEY_HINT         "hint"

/* Profile summaries (show) and status details. */
#define SECCOMPD_KEY_RULES           "rules"
#define SECCOMPD_KEY_NAMES           "names"
#define SECCOMPD_KEY_DEFAULT_ACTION  "default_action"
#define SECCOMPD_KEY_ARCHES          "arches"
#define SECCOMPD_KEY_OPTIMIZE        "optimize"
#define SECCOMPD_KEY_SERVED_DIGEST   "served_digest"
#define SECCOMPD_KEY_RECURSIVE       "recursive"
#define SECCOMPD_KEY_EXISTS          "exists"
#define SECCOMPD_KEY_MAX_DEPTH       "max_depth"      /* of a root in /v1/status */
#define SECCOMPD_KEY_TOO_DEEP        "too_deep"       /* directories past it, relative */
#define SECCOMPD_KEY_TOO_DEEP_COUNT  "too_deep_count" /* how many (the list stops at 16) */
#define SECCOMPD_KEY_COMPILES        "compiles"
#define SECCOMPD_KEY_CACHE_DIR       "dir"
#define SECCOMPD_KEY_CACHE_ENTRIES   "entries"
#define SECCOMPD_KEY_CACHE_BYTES     "bytes"
#define SECCOMPD_KEY_CACHE_MAX_BYTES "max_bytes"
#define SECCOMPD_KEY_CACHE_HITS      "hits"
#define SECCOMPD_KEY_CACHE_MISSES    "misses"
#define SECCOMPD_KEY_CACHE_CORRUPT   "corrupt"
#define SECCOMPD_KEY_CACHE_EVICTIONS "evictions"
#define SECCOMPD_KEY_COMPILED        "compiled"
/* POST /v1/compile: filter flags the loader must add (SECCOMP_FILTER_FLAG_LOG, for a blob a
 * served profile matching --log-filter has); absent when none. */
#define SECCOMPD_KEY_FILTER_FLAGS "filter_flags"
#define SECCOMPD_KEY_RESCANNING   "rescanning"

/* Profile states. */
#define SECCOMPD_STATE_VALID   "valid"
#define SECCOMPD_STATE_INVALID "invalid" /* never served */
#define SECCOMPD_STATE_STALE   "stale"   /* now invalid; the last good blob is served, flagged */
#define SECCOMPD_STATE_MISSING "missing"

/* Error codes of {"error": {"code": ...}} and their HTTP status. */
#define SECCOMPD_ERROR_BAD_REQUEST     "bad_request"        /* 400 */
#define SECCOMPD_ERROR_FORBIDDEN       "forbidden"          /* 403 */
#define SECCOMPD_ERROR_NOT_FOUND       "not_found"          /* 404 */
#define SECCOMPD_ERROR_METHOD          "method_not_allowed" /* 405 */
#define SECCOMPD_ERROR_CONFLICT        "conflict"           /* 409: profile exists, not servable */
#define SECCOMPD_ERROR_TIMEOUT         "request_timeout"    /* 408: request not received in time */
#define SECCOMPD_ERROR_TOO_LARGE       "payload_too_large"  /* 413 */
#define SECCOMPD_ERROR_TOO_MANY        "too_many_connections" /* 429: the peer's connections */
#define SECCOMPD_ERROR_INVALID_PROFILE "invalid_profile"      /* 422 */
#define SECCOMPD_ERROR_UNAVAILABLE     "unavailable"          /* 503: not ready yet */
#define SECCOMPD_ERROR_INTERNAL        "internal"             /* 500 */

/* Fallbacks of seccompd-oci (crun compiled linux.seccomp itself), in GET /v1/status under
 * "fallbacks": {"spool", "total", "last_hour", "rejected", "recent": [record, ...]}, newest
 * first. A record is also what seccompd-oci writes, one JSON object a file, into the spool
 * directory the daemon ingests: {"time": unix seconds, "container_id", "bundle", "command",
 * "reason"} (in /v1/status "time" is RFC 3339, UTC). The spool is "fallbacks" next to the
 * socket unless configured otherwise, so a wrapper and a daemon that agree on the socket agree
 * on the spool. */
#define SECCOMPD_FALLBACK_SPOOL_NAME "fallbacks"
#define SECCOMPD_FALLBACK_SPOOL_PATH "/run/seccompd/fallbacks"
#define SECCOMPD_FALLBACK_RECORD_MAX 4096 /* bytes: a larger file is rejected */
#define SECCOMPD_FALLBACK_SPOOL_MAX  128  /* files: the wrapper writes none beyond this */
#define SECCOMPD_KEY_FALLBACKS       "fallbacks"
#define SECCOMPD_KEY_DENIALS         "denials" /* /v1/status: the reader; /v1/denials: the list */
#define SECCOMPD_KEY_LAST            "last"    /* /v1/denials: the newest seq */
#define SECCOMPD_KEY_SPOOL           "spool"
#define SECCOMPD_KEY_TOTAL           "total"
#define SECCOMPD_KEY_LAST_HOUR       "last_hour"
#define SECCOMPD_KEY_REJECTED        "rejected"
#define SECCOMPD_KEY_RECENT          "recent"
#define SECCOMPD_KEY_TIME            "time"
#define SECCOMPD_KEY_CONTAINER_ID    "container_id"
#define SECCOMPD_KEY_BUNDLE          "bundle"
#define SECCOMPD_KEY_COMMAND         "command"
#define SECCOMPD_KEY_REASON          "reason"

/* Containers started through seccompd-oci (GET /v1/containers): {"containers": [{"id",
 * "bundle", "profile" (the first profile name serving "key"; "inline" when none does; null
 * without a blob), "profiles" (every name serving it), "digest" (of the linux.seccomp sent),
 * "key", "fallback" (why crun compiled the JSON itself, or null), "started" (RFC 3339, UTC),
 * "command" ("create", "run", or "spool" for a fallback record), "pid" (init, or null),
 * "pidns" (its pid-namespace inode, or null)}, ...], "max", "refused"}. The wrapper's report,
 * POST /v1/containers/ID (privileged, body at most SECCOMPD_CONTAINER_BODY_MAX bytes):
 * {"command", "bundle", "key", "digest", "fallback", "pid", "pid_start", "runtime_pid",
 * "runtime_start", "pidns"}; DELETE /v1/containers/ID at `delete`. */
#define SECCOMPD_CONTAINER_BODY_MAX 16384
/* The same report carried by POST /v1/compile (one round trip per container start instead of
 * two): ?report_id=ID&report=<the report's JSON, percent-encoded, without "key" nor
 * "fallback">. The daemon records the container with the key of its answer (and the digest of
 * the body) and says how it went in the answer's Seccompd-Container-Report header: "201" (new),
 * "200" (reported again), or the error code of the refusal (the compile is answered either
 * way). */
#define SECCOMPD_QUERY_REPORT_ID         "report_id"
#define SECCOMPD_QUERY_REPORT            "report"
#define SECCOMPD_HEADER_CONTAINER_REPORT "Seccompd-Container-Report"
/* The daemon's table, beside the socket. */
#define SECCOMPD_CONTAINERS_FILE_NAME "containers.json"
#define SECCOMPD_PROFILE_INLINE       "inline"
#define SECCOMPD_KEY_CONTAINERS       "containers"
#define SECCOMPD_KEY_ID               "id"
#define SECCOMPD_KEY_PROFILE          "profile"
#define SECCOMPD_KEY_FALLBACK         "fallback"
#define SECCOMPD_KEY_STARTED          "started"
#define SECCOMPD_KEY_PID              "pid"
#define SECCOMPD_KEY_PID_START        "pid_start"
#define SECCOMPD_KEY_RUNTIME_PID      "runtime_pid"
#define SECCOMPD_KEY_RUNTIME_START    "runtime_start"
#define SECCOMPD_KEY_PIDNS            "pidns"
#define SECCOMPD_KEY_MAX              "max"
#define SECCOMPD_KEY_REFUSED          "refused" /* reports refused: the table was full */

/* Recording a container (issue 12). seccompd-oci, for a bundle with the annotation
 * SECCOMPD_ANNOTATION_RECORD (value: the profile name to write, "ROOT/REL[.json]"), reserves
 * a recording: POST /v1/recordings/ID (privileged, body {"profile": NAME}, at most
 * SECCOMPD_RECORDING_BODY_MAX bytes). 201 {"id", "profile" (the name it will be served as:
 * ROOT/REL.json), "path" (the file), "receiver" (the socket crun sends the listener to), "blob"
 * (base64 of the one-instruction filter: SECCOMP_RET_USER_NOTIF)}; 400 for a name outside every
 * root, 409 when ID is being recorded already, 503 when every slot is taken (max-recordings) or
 * recording is off. GET /v1/recordings: {"recordings": [{"id", "profile", "path", "state"
 * ("reserved", "recording", "written", "failed", "abandoned"), "calls", "syscalls", "started",
 * "ended", "error"}], "max", "refused"}. */
#define SECCOMPD_ANNOTATION_RECORD      "seccompd.record"
#define SECCOMPD_ROUTE_RECORDINGS       "/v1/recordings"
#define SECCOMPD_ROUTE_RECORDING_PREFIX "/v1/recordings/" /* + container id */
#define SECCOMPD_RECORDING_BODY_MAX     4096
#define SECCOMPD_RECORD_SOCKET_NAME     "record.sock" /* beside the API socket by default */
#define SECCOMPD_KEY_RECORDINGS         "recordings"
#define SECCOMPD_KEY_RECEIVER           "receiver"
#define SECCOMPD_KEY_CALLS              "calls"
#define SECCOMPD_KEY_SYSCALLS           "syscalls"
#define SECCOMPD_KEY_ENDED              "ended"
