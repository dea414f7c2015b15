/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The containers seccompd-oci started: which blob each got (its key and the digest of the
 * linux.seccomp it came from), or that crun compiled the JSON itself and why. The wrapper
 * reports a container at `create`/`run` (POST /v1/containers/ID) and its removal at `delete`
 * (DELETE /v1/containers/ID); a fallback record of the spool adds one too (the daemon was
 * down, so no report reached it). The table is looked up by container id, by init pid and by
 * pid-namespace inode (for the attribution of denials).
 *
 * Bounded: at most `max` entries (max-containers, default CONTAINERS_MAX_DEFAULT). A report
 * past the bound first forgets the containers that are gone, then the oldest entry whose
 * process is unknown (a spool record, a `run` not yet seen alive); when every entry is a live
 * container, the report is refused (-ENOSPC) and counted.
 *
 * A container is gone when it is deleted, or when its process no longer exists: the init pid
 * (from crun's --pid-file after `create`), else the runtime's pid (`run` in the foreground:
 * crun lives as long as the container). A pid is only trusted with its start time (field 22
 * of /proc/PID/stat, in clock ticks since boot), so a reused pid is not taken for the
 * container. Checked on every list and on a timer (containers_prune()).
 *
 * Thread-safe: one mutex, taken only here, never held while calling out. */

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CONTAINERS_MAX_DEFAULT 4096
#define CONTAINERS_MAX_LIMIT   65536
#define CONTAINERS_ID_MAX      1024 /* bytes of a container id */
#define CONTAINERS_TEXT_MAX    4096 /* bytes of a bundle path or a reason */

struct container {
        char *id;
        char *bundle;       /* may be NULL */
        char *key;          /* the blob key crun loads; NULL: no blob (fallback, unfiltered) */
        char *digest;       /* "sha256:..." of the linux.seccomp sent; NULL when none */
        char *fallback;     /* why crun compiled the JSON itself; NULL when it did not */
        char *command;      /* "create", "run" or "spool" */
        int64_t started;    /* unix seconds, when the daemon heard of it */
        pid_t pid;          /* the init pid, 0 when unknown */
        uint64_t pid_start; /* its start time (clock ticks since boot), 0 when unknown */
        pid_t runtime_pid;  /* crun's pid for a foreground `run`, 0 when none */
        uint64_t runtime_start;
        uint64_t pidns; /* the init's pid-namespace inode, 0 when unknown */
};

struct containers {
        pthread_mutex_t lock;
        struct container *items; /* [0, n), in the order heard of */
        size_t n, max;
        uint64_t refused, forgotten_gone;
        char *state_file; /* NULL: the table is not kept across restarts */
        bool dirty;       /* changed since the last containers_save() */
        size_t n_bad_loaded;
};

int containers_init(struct containers *t, size_t max);
void containers_done(struct containers *t);

/* Parses a report's JSON body for container `id`: {"bundle", "key", "digest", "fallback",
 * "command", "pid", "pid_start", "runtime_pid", "runtime_start", "pidns"}, every key optional
 * but "command". Returns 0 and the entry, or -EINVAL with a static reason in *ret_why. */
int container_parse(const char *id, const char *body, size_t size, struct container *ret,
                    const char **ret_why);
void container_done(struct container *c);
/* Whether `id` may be a container id: 1 to CONTAINERS_ID_MAX bytes of [A-Za-z0-9_+.-], not
 * starting with '.'. */
bool container_id_is_valid(const char *id);

/* Adds or replaces the entry of c->id (taken over). A report merges into an existing entry
 * of a spool record. Returns 0, 1 when it replaced one, -ENOSPC when the table is full of
 * live containers, -ENOMEM. */
int containers_report(struct containers *t, struct container *c);
/* A fallback record (spool): adds the container with its reason unless it is known, in
 * which case only an empty fallback reason is filled in. Never evicts a tracked entry. */
void containers_add_fallback(struct containers *t, const char *id, const char *bundle,
                             const char *command, const char *reason, int64_t time);
/* Forgets container `id`: 0, or -ENOENT. */
int containers_forget(struct containers *t, const char *id);
/* Forgets the containers whose process is gone. Returns how many. */
size_t containers_prune(struct containers *t);

/* The profile names serving a blob key, as a JSON array (NULL key or none: empty). */
typedef json_t *(*containers_names_fn)(const char *key, void *userdata);
/* GET /v1/containers: {"containers": [...], "max", "refused"}, after a prune; profile names
 * through `names`. */
json_t *containers_to_json(struct containers *t, containers_names_fn names, void *userdata);

/* Lookups for the attribution of a process: a copy of the entry's id, or NULL. */
char *containers_id_by_pid(struct containers *t, pid_t pid);
char *containers_id_by_pidns(struct containers *t, uint64_t pidns);
/* The container process `pid` belongs to, for a denial: its init (the pid with its start
 * time), or a process of the init's pid namespace unless that namespace is `host_pidns` (a
 * container without a pid namespace of its own cannot be told from the host). Copies of its
 * id and blob key (the key NULL after a fallback). 1, 0 when it is no container's, -ESRCH
 * when the process is gone before it could be identified. */
int containers_attribute(struct containers *t, pid_t pid, uint64_t host_pidns, char **ret_id,
                         char **ret_key);

/* seccompd_containers, seccompd_containers_max, seccompd_container_reports_refused_total and
 * seccompd_containers_gone_total (Prometheus text). */
void containers_render_metrics(struct containers *t, FILE *out);

/* The state file (`path`, in the runtime directory: a restart of the daemon keeps the table,
 * a reboot does not): reads what a previous daemon saved, each entry checked as a report is
 * (a malformed one is skipped and counted in n_bad_loaded), at most `max` of them. Returns
 * the number loaded (0 when there is no file), -EBADMSG when the file is not one, -ENOSPC
 * past the bound, -errno. Later containers_save() calls write there. */
int containers_load(struct containers *t, const char *path);
/* Writes the table to the state file when it changed (a temporary file renamed over it).
 * 0 or -errno. */
int containers_save(struct containers *t);
