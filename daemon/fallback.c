/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fallback.h"
#include "log.h"
#include "macro.h"
#include "seccompd/protocol.h"

/* A wrapper's temporary file older than this is left over from a crash. */
#define STALE_TEMP_SECONDS 60

void fallback_record_done(struct fallback_record *r)
{
        free(r->container_id);
        free(r->bundle);
        free(r->command);
        free(r->reason);
        *r = (struct fallback_record){0};
}

/* A string member: required or not, at most `max` bytes, no control characters (they would
 * reach terminals through seccompctl) except in `lenient` fields, where they become spaces
 * (a reason may quote a multi-line answer). */
static int get_string(json_t *o, const char *key, bool required, size_t max, bool lenient,
                      char **ret, const char **ret_why)
{
        json_t *v = json_object_get(o, key);
        if (!v) {
                if (required) {
                        *ret_why = "a required member is missing";
                        return -EBADMSG;
                }
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        if (!json_is_string(v)) {
                *ret_why = "a member is not a string";
                return -EBADMSG;
        }
        size_t n = json_string_length(v);
        const char *s = json_string_value(v);
        if (n > max) {
                *ret_why = "a member is too long";
                return -EBADMSG;
        }
        if (memchr(s, 0, n)) {
                *ret_why = "a member holds a NUL";
                return -EBADMSG;
        }
        char *copy = strndup(s, n);
        if (!copy)
                return -ENOMEM;
        for (char *p = copy; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        if (!lenient) {
                                free(copy);
                                *ret_why = "a member holds a control character";
                                return -EBADMSG;
                        }
                        *p = ' ';
                }
        *ret = copy;
        return 0;
}

int fallback_record_parse(const char *data, size_t size, struct fallback_record *ret,
                          const char **ret_why)
{
        struct fallback_record r = {};
        json_error_t e;
        int k;

        if (size > SECCOMPD_FALLBACK_RECORD_MAX) {
                *ret_why = "larger than the record limit";
                return -EBADMSG;
        }
        json_t *o = json_loadb(data, size, JSON_REJECT_DUPLICATES, &e);
        if (!o) {
                *ret_why = "not JSON";
                return -EBADMSG;
        }
        if (!json_is_object(o)) {
                json_decref(o);
                *ret_why = "not a JSON object";
                return -EBADMSG;
        }
        json_t *t = json_object_get(o, SECCOMPD_KEY_TIME);
        if (!json_is_integer(t) || json_integer_value(t) <= 0) {
                json_decref(o);
                *ret_why = "\"time\" is not a positive integer";
                return -EBADMSG;
        }
        r.time = json_integer_value(t);
        if ((k = get_string(o, SECCOMPD_KEY_CONTAINER_ID, true, FALLBACK_ID_MAX, false,
                            &r.container_id, ret_why)) < 0 ||
            (k = get_string(o, SECCOMPD_KEY_BUNDLE, false, FALLBACK_ID_MAX, false, &r.bundle,
                            ret_why)) < 0 ||
            (k = get_string(o, SECCOMPD_KEY_COMMAND, false, FALLBACK_COMMAND_MAX, false, &r.command,
                            ret_why)) < 0 ||
            (k = get_string(o, SECCOMPD_KEY_REASON, true, FALLBACK_ID_MAX, true, &r.reason,
                            ret_why)) < 0) {
                json_decref(o);
                fallback_record_done(&r);
                return k;
        }
        json_decref(o);
        if (!r.container_id[0] || !r.reason[0]) {
                fallback_record_done(&r);
                *ret_why = "\"container_id\" or \"reason\" is empty";
                return -EBADMSG;
        }
        *ret = r;
        return 0;
}

static void watch_spool(struct fallbacks *f)
{
        if (f->inotify_fd < 0 || f->wd >= 0 || !f->dir)
                return;
        f->wd = inotify_add_watch(f->inotify_fd, f->dir,
                                  IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR | IN_DONT_FOLLOW);
}

int fallbacks_init(struct fallbacks *f, const char *dir)
{
        *f = (struct fallbacks){.inotify_fd = -1, .wd = -1};
        pthread_mutex_init(&f->lock, NULL);
        if (!dir)
                return 0;
        f->dir = strdup(dir);
        if (!f->dir)
                return -ENOMEM;
        f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (f->inotify_fd < 0)
                return log_error_errno(-errno, "Failed to watch the fallback spool: %m");
        watch_spool(f);
        return 0;
}

void fallbacks_done(struct fallbacks *f)
{
        for (size_t i = 0; i < FALLBACK_RECENT_MAX; i++)
                fallback_record_done(&f->recent[i]);
        if (f->inotify_fd >= 0)
                close(f->inotify_fd);
        free(f->dir);
        pthread_mutex_destroy(&f->lock);
}

int fallbacks_fd(struct fallbacks *f)
{
        return f->inotify_fd;
}

static void add_locked(struct fallbacks *f, struct fallback_record *r, int64_t now)
{
        int64_t t = r->time > now ? now : r->time;
        if (t > now - 3600) {
                int64_t minute = t / 60;
                size_t b = (size_t)(minute % 60);
                if (f->hour[b].minute != minute && f->hour[b].minute < minute) {
                        f->hour[b].minute = minute;
                        f->hour[b].count = 0;
                }
                if (f->hour[b].minute == minute)
                        f->hour[b].count++;
        }
        f->total++;
        if (f->on_record)
                f->on_record(r, f->on_record_userdata);
        fallback_record_done(&f->recent[f->next]);
        f->recent[f->next] = *r;
        *r = (struct fallback_record){0};
        f->next = (f->next + 1) % FALLBACK_RECENT_MAX;
        if (f->n < FALLBACK_RECENT_MAX)
                f->n++;
}

void fallbacks_add(struct fallbacks *f, struct fallback_record *r, int64_t now)
{
        pthread_mutex_lock(&f->lock);
        add_locked(f, r, now);
        pthread_mutex_unlock(&f->lock);
}

/* Deletes the file (`flags` for unlinkat(); -1: already gone) and counts it as rejected. */
static void reject(struct fallbacks *f, int dfd, const char *name, int flags, const char *why)
{
        if (flags >= 0)
                (void)unlinkat(dfd, name, flags);
        f->rejected++;
        log_warning("Rejected the fallback record '%s/%s': %s", f->dir, name, why);
}

/* One spool file: read and delete it. Returns 1 and the record in *ret, or 0 (rejected,
 * skipped or gone). */
static int ingest_one(struct fallbacks *f, int dfd, const char *name, int64_t now,
                      struct fallback_record *ret)
{
        char buf[SECCOMPD_FALLBACK_RECORD_MAX + 1];
        struct stat st;
        const char *why = NULL;

        if (name[0] == '.') {
                /* A wrapper writing (or one that died writing): its temp file. */
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    st.st_mtime < now - STALE_TEMP_SECONDS) {
                        (void)unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
                        log_debug("Removed a stale temporary file '%s/%s'", f->dir, name);
                }
                return 0;
        }
        _cleanup_close_ int fd =
                openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                if (e == ELOOP)
                        reject(f, dfd, name, 0, "a symlink");
                else if (e == ENXIO)
                        reject(f, dfd, name, 0, "not a regular file");
                else if (e != ENOENT)
                        log_warning_errno(-e, "Failed to read the fallback record '%s/%s': %m",
                                          f->dir, name);
                return 0;
        }
        if (fstat(fd, &st) < 0)
                return 0;
        if (!S_ISREG(st.st_mode)) {
                if (S_ISDIR(st.st_mode)) {
                        /* Removed only when empty; a full directory is skipped each pass. */
                        if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
                                reject(f, dfd, name, -1, "a directory");
                } else
                        reject(f, dfd, name, 0, "not a regular file");
                return 0;
        }
        if (st.st_size > SECCOMPD_FALLBACK_RECORD_MAX) {
                reject(f, dfd, name, 0, "larger than the record limit");
                return 0;
        }
        size_t n = 0;
        while (n < sizeof(buf)) {
                ssize_t k = read(fd, buf + n, sizeof(buf) - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t)k;
        }
        struct fallback_record r = {};
        int k = fallback_record_parse(buf, n, &r, &why);
        if (k == -ENOMEM)
                return 0; /* left for the next pass */
        if (k < 0) {
                reject(f, dfd, name, 0, why);
                return 0;
        }
        (void)unlinkat(dfd, name, 0);
        log_fullv(LOG_NOTICE, 0,
                  (const char *const[]){"CONTAINER_ID", r.container_id, "BUNDLE", r.bundle,
                                        "REASON", r.reason, NULL},
                  "Container %s fell back to crun's own seccomp compile: %s", r.container_id,
                  r.reason);
        *ret = r;
        return 1;
}

struct found {
        struct fallback_record r;
        char name[NAME_MAX + 1]; /* the wrapper's names sort by time to the nanosecond */
};

static int found_cmp(const void *a, const void *b)
{
        const struct found *x = a, *y = b;
        if (x->r.time != y->r.time)
                return x->r.time < y->r.time ? -1 : 1;
        return strcmp(x->name, y->name);
}

unsigned fallbacks_ingest(struct fallbacks *f)
{
        unsigned ingested = 0, seen = 0;
        struct stat st;

        if (!f->dir)
                return 0;
        pthread_mutex_lock(&f->lock);
        watch_spool(f);
        int dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
                /* Missing until a wrapper falls back; not ours to read when not root. */
                pthread_mutex_unlock(&f->lock);
                return 0;
        }
        if (fstat(dfd, &st) < 0 || (st.st_uid != 0 && st.st_uid != geteuid()) ||
            (st.st_mode & 022)) {
                if (!f->warned_unsafe)
                        log_warning("Not reading the fallback spool '%s': it must belong to "
                                    "root (or seccompd's user) and be writable by no one else",
                                    f->dir);
                f->warned_unsafe = true;
                close(dfd);
                pthread_mutex_unlock(&f->lock);
                return 0;
        }
        f->warned_unsafe = false;
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                pthread_mutex_unlock(&f->lock);
                return 0;
        }
        int64_t now = time(NULL);
        struct found *batch = calloc(FALLBACK_SCAN_MAX, sizeof(*batch));
        struct dirent *de;
        while (batch && (de = readdir(d)) && seen < FALLBACK_SCAN_MAX) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                seen++;
                if (ingest_one(f, dirfd(d), de->d_name, now, &batch[ingested].r) > 0) {
                        snprintf(batch[ingested].name, sizeof(batch[ingested].name), "%s",
                                 de->d_name);
                        ingested++;
                }
        }
        closedir(d);
        /* In the ring oldest first, whatever order the directory listed them in. */
        if (ingested > 1)
                qsort(batch, ingested, sizeof(*batch), found_cmp);
        for (unsigned i = 0; i < ingested; i++)
                add_locked(f, &batch[i].r, now);
        free(batch);
        pthread_mutex_unlock(&f->lock);
        return ingested;
}

void fallbacks_on_event(struct fallbacks *f)
{
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool ignored = false;
        ssize_t n;
        while ((n = read(f->inotify_fd, buf, sizeof(buf))) > 0)
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        ignored |= (ev->mask & IN_IGNORED) != 0;
                        p += sizeof(*ev) + ev->len;
                }
        if (ignored) {
                /* The spool was removed: watched again when it is back. */
                pthread_mutex_lock(&f->lock);
                f->wd = -1;
                pthread_mutex_unlock(&f->lock);
        }
        fallbacks_ingest(f);
}

static unsigned last_hour_locked(struct fallbacks *f, int64_t now)
{
        int64_t minute = now / 60;
        unsigned n = 0;
        for (size_t i = 0; i < 60; i++)
                if (f->hour[i].minute > minute - 60 && f->hour[i].minute <= minute)
                        n += f->hour[i].count;
        return n;
}

json_t *fallbacks_to_json(struct fallbacks *f, int64_t now)
{
        json_t *recent = json_array();
        pthread_mutex_lock(&f->lock);
        /* Newest first. */
        for (size_t i = 0; recent && i < f->n; i++) {
                const struct fallback_record *r =
                        &f->recent[(f->next + FALLBACK_RECENT_MAX - 1 - i) % FALLBACK_RECENT_MAX];
                char stamp[LOG_TIME_MAX];
                rfc3339_utc((time_t)r->time, stamp, sizeof(stamp));
                json_array_append_new(
                        recent, json_pack("{s:s, s:s, s:s, s:s, s:s}", SECCOMPD_KEY_TIME, stamp,
                                          SECCOMPD_KEY_CONTAINER_ID, r->container_id,
                                          SECCOMPD_KEY_BUNDLE, r->bundle, SECCOMPD_KEY_COMMAND,
                                          r->command, SECCOMPD_KEY_REASON, r->reason));
        }
        json_t *o = json_pack("{s:s?, s:I, s:I, s:I, s:o}", SECCOMPD_KEY_SPOOL, f->dir,
                              SECCOMPD_KEY_TOTAL, (json_int_t)f->total, SECCOMPD_KEY_LAST_HOUR,
                              (json_int_t)last_hour_locked(f, now), SECCOMPD_KEY_REJECTED,
                              (json_int_t)f->rejected, SECCOMPD_KEY_RECENT,
                              recent ? recent : json_array());
        pthread_mutex_unlock(&f->lock);
        return o;
}

void fallbacks_render_metrics(struct fallbacks *f, FILE *out, int64_t now)
{
        pthread_mutex_lock(&f->lock);
        fprintf(out,
                "# HELP seccompd_oci_fallbacks_total Containers seccompd-oci left to crun's own "
                "seccomp compile, counted from the spool since seccompd started.\n"
                "# TYPE seccompd_oci_fallbacks_total counter\n"
                "seccompd_oci_fallbacks_total %llu\n"
                "# HELP seccompd_oci_fallbacks_last_hour Of those, the ones of the last hour.\n"
                "# TYPE seccompd_oci_fallbacks_last_hour gauge\n"
                "seccompd_oci_fallbacks_last_hour %u\n"
                "# HELP seccompd_oci_fallback_records_rejected_total Spool files rejected "
                "(not regular, too large, not a record).\n"
                "# TYPE seccompd_oci_fallback_records_rejected_total counter\n"
                "seccompd_oci_fallback_records_rejected_total %llu\n",
                (unsigned long long)f->total, last_hour_locked(f, now),
                (unsigned long long)f->rejected);
        pthread_mutex_unlock(&f->lock);
}
