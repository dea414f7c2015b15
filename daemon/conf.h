/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define CONFIG_FILE_DEFAULT "/etc/seccompd/seccompd.conf"
#define CONFIG_MAX_ROOTS    32

struct root_config {
        char *name;
        char *path;
        enum dialect dialect;
        bool recursive;
};

struct config {
        struct root_config roots[CONFIG_MAX_ROOTS];
        size_t n_roots;
        bool roots_are_defaults; /* the first explicit root replaces them */
        char *socket_path;
        char *socket_group; /* may be NULL: root only for mutating routes */
        char *cache_dir;
        uint64_t cache_max_bytes;
        bool cache_sync; /* stores wait for the disk: cache_set_durable() */
        bool strict;
        int log_level;
        bool foreground;
        size_t max_profile_size;
        size_t max_body_size;
        unsigned max_connections;
        unsigned connection_timeout;       /* seconds idle */
        unsigned request_timeout;          /* seconds for a whole request to arrive */
        unsigned compile_timeout;          /* seconds a large compile may take */
        unsigned max_connections_per_peer; /* per uid (per process for root); 0: no bound */
        unsigned workers;                  /* 0: one per core */
        unsigned debounce_ms;
        char *ready_file;          /* test hook: written once READY=1 is true */
        char *fallback_spool;      /* NULL: "fallbacks" next to the socket; "none": off */
        char *containers_file;     /* NULL: "containers.json" next to the socket; "none": off */
        unsigned max_contexts;     /* on-demand contexts kept per profile */
        unsigned max_containers;   /* entries of the container table */
        unsigned max_recordings;   /* containers recorded at once */
        char *record_socket;       /* NULL: "record.sock" next to the socket; "none": off */
        unsigned max_depth;        /* directory levels below a root scanned and watched */
        int self_filter;           /* 1 yes, -1 no, 0 default: yes (no in a sanitizer build) */
        char *self_filter_profile; /* NULL: the shipped seccompd-self.json */
        char **log_filters;        /* profile-name patterns loaded with SECCOMP_FILTER_FLAG_LOG */
        size_t n_log_filters;
};

/* One depth limit for the watcher and the scans: what one finds, the other finds too. */
#define CONFIG_MAX_DEPTH_DEFAULT 64
#define CONFIG_MAX_DEPTH_LIMIT   1024

#define CONFIG_MAX_CONTEXTS_LIMIT 4096

/* Defaults: the kubernetes, mesos and runtime roots, /run/seccompd/seccompd.sock,
 * /var/cache/seccompd. */
int config_init(struct config *c);
void config_done(struct config *c);

/* seccompd-oci's fallback spool: fallback_spool, else "fallbacks" in the socket's directory
 * (what the wrapper uses by default too). NULL (and 0) when "none"; -ENOMEM. */
int config_fallback_spool(const struct config *c, char **ret);

/* Reads a config file (missing: 0). Format, one setting a line, '#' comments:
 *   root = NAME=DIR[:DIALECT][:recursive]   (repeatable; the first one replaces the defaults)
 *   socket = PATH      socket-group = GROUP   cache-dir = DIR   cache-max = BYTES
 *   cache-sync = yes|no
 *   strict = yes|no    log-level = info        max-profile-size = BYTES
 *   max-body = BYTES   max-connections = N     connection-timeout = SECONDS   workers = N
 *   request-timeout = SECONDS   max-connections-per-peer = N   compile-timeout = SECONDS
 *   fallback-spool = DIR|none   containers-file = FILE|none
 *   max-contexts = N (0 to CONFIG_MAX_CONTEXTS_LIMIT)
 *   max-containers = N (1 to CONTAINERS_MAX_LIMIT)
 *   record-socket = PATH|none   max-recordings = N (1 to RECORDER_MAX_LIMIT)
 *   max-depth = N (1 to CONFIG_MAX_DEPTH_LIMIT)
 *   self-filter = yes|no   self-filter-profile = FILE
 *   log-filter = PATTERN (repeatable; fnmatch(3) on profile names: a whole root is its
 *                name, a slash and an asterisk)
 * Errors name the file and line. */
/* A number with an optional K, M or G suffix (powers of 1024). Returns 0 or -EINVAL. */
int config_parse_size(const char *v, uint64_t *ret);
int config_load_file(struct config *c, const char *path);
/* Adds a --log-filter pattern (at most CONFIG_MAX_LOG_FILTERS). -EINVAL, -E2BIG, -ENOMEM. */
#define CONFIG_MAX_LOG_FILTERS 64
int config_add_log_filter(struct config *c, const char *pattern);
/* Whether a blob of profile `name` is to be loaded with SECCOMP_FILTER_FLAG_LOG. */
bool config_log_filter_matches(const struct config *c, const char *name);
/* Sets "request-timeout" or "compile-timeout" (1 to 3600 seconds) or
 * "max-connections-per-peer" (0: no bound)
 * from its text. -EINVAL or -ERANGE. */
int config_set_bound(struct config *c, const char *key, const char *v);

/* The container table's state file: containers_file, else "containers.json" in the socket's
 * directory (the runtime directory, kept across restarts and gone at reboot, when the pids it
 * holds are void). NULL (and 0) when "none"; -ENOMEM. */
int config_containers_file(const struct config *c, char **ret);

/* The socket crun hands a recorded container's listener to: record_socket, else
 * "record.sock" in the socket's directory. NULL (and 0) when "none"; -ENOMEM. */
int config_record_socket(const struct config *c, char **ret);

/* Parses "NAME=DIR[:DIALECT][:recursive]" into a root (replacing the default roots on its
 * first use). */
int config_add_root(struct config *c, const char *spec);

/* The daemon's own seccomp profile: self_filter_profile, else the shipped
 * seccompd-self.json (installed, or the source tree's before it is installed). NULL when the
 * self filter is off. */
const char *config_self_filter_profile(const struct config *c);
