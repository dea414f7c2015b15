/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The fallbacks of seccompd-oci: containers whose linux.seccomp crun compiled itself because
 * the wrapper could not get the blob (the daemon down or slow, an error, an unwritable
 * bundle). The wrapper leaves one JSON record a file in a spool directory (format and bounds
 * in seccompd/protocol.h); the daemon ingests the spool at start, on inotify events and on
 * each GET /v1/status and /metrics, deletes what it read, and keeps:
 *   - the last FALLBACK_RECENT_MAX records (a ring),
 *   - the count of the last hour (60 one-minute buckets, by the record's time),
 *   - the counts since start: ingested, and rejected.
 *
 * Spool files are untrusted input: a file that is not regular (a symlink, a FIFO), larger
 * than SECCOMPD_FALLBACK_RECORD_MAX, not a JSON object of the expected shape, or with control
 * characters in its names is deleted and counted as rejected, never parsed further. A spool
 * directory owned by another user than root or the daemon's, or writable by group or others,
 * is not read at all. Temporary files of a wrapper at work (dot names) are left alone for a
 * minute, then removed. Thread-safe. */

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FALLBACK_RECENT_MAX  64
#define FALLBACK_SCAN_MAX    1024 /* files looked at per pass */
#define FALLBACK_ID_MAX      1024 /* bytes of container_id, bundle and reason each */
#define FALLBACK_COMMAND_MAX 32

struct fallback_record {
        int64_t time; /* unix seconds, as the wrapper wrote it */
        char *container_id;
        char *bundle;  /* may be empty */
        char *command; /* may be empty */
        char *reason;
};

void fallback_record_done(struct fallback_record *r);

/* Parses one spool file. Returns 0 and the record; -EBADMSG with a static reason in *ret_why
 * when the data is not a record; -ENOMEM. `data` need not be NUL-terminated. */
int fallback_record_parse(const char *data, size_t size, struct fallback_record *ret,
                          const char **ret_why);

struct fallbacks {
        pthread_mutex_t lock;
        char *dir; /* NULL: no spool */
        int inotify_fd;
        int wd; /* -1 while the spool is not watched (missing) */
        struct fallback_record recent[FALLBACK_RECENT_MAX];
        size_t next, n; /* ring: the slot written next, the number held */
        struct {
                int64_t minute;
                unsigned count;
        } hour[60];
        uint64_t total, rejected;
        bool warned_unsafe;
        /* Called with each record added, under the lock (the container table's lock nests
         * inside it, never the other way round); set before any thread runs. */
        void (*on_record)(const struct fallback_record *r, void *userdata);
        void *on_record_userdata;
};

/* `dir`: the spool (copied), NULL for none. */
int fallbacks_init(struct fallbacks *f, const char *dir);
void fallbacks_done(struct fallbacks *f);

/* The inotify descriptor to poll (readable: call fallbacks_on_event()), or -1. */
int fallbacks_fd(struct fallbacks *f);
void fallbacks_on_event(struct fallbacks *f);

/* Reads, counts and deletes what the spool holds. Returns the records ingested. */
unsigned fallbacks_ingest(struct fallbacks *f);

/* Adds one record (taken over) as if ingested at `now`. */
void fallbacks_add(struct fallbacks *f, struct fallback_record *r, int64_t now);

/* {"spool", "total", "last_hour", "rejected", "recent": [...newest first]} at `now`. */
json_t *fallbacks_to_json(struct fallbacks *f, int64_t now);
void fallbacks_render_metrics(struct fallbacks *f, FILE *out, int64_t now);
