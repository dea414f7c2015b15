/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "containers.h"
#include "macro.h"
#include "proc-stat.h"
#include "seccompd/protocol.h"

int containers_init(struct containers *t, size_t max)
{
        *t = (struct containers){.max = max ? max : CONTAINERS_MAX_DEFAULT};
        pthread_mutex_init(&t->lock, NULL);
        return 0;
}

void container_done(struct container *c)
{
        free(c->id);
        free(c->bundle);
        free(c->key);
        free(c->digest);
        free(c->fallback);
        free(c->command);
        *c = (struct container){0};
}

void containers_done(struct containers *t)
{
        for (size_t i = 0; i < t->n; i++)
                container_done(&t->items[i]);
        free(t->items);
        t->items = NULL;
        t->n = 0;
        free(t->state_file);
        t->state_file = NULL;
        pthread_mutex_destroy(&t->lock);
}

bool container_id_is_valid(const char *id)
{
        size_t n = strlen(id);
        if (n == 0 || n > CONTAINERS_ID_MAX || id[0] == '.')
                return false;
        for (const char *p = id; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-",
                            *p))
                        return false;
        return true;
}

static bool is_hex64(const char *s)
{
        if (strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!strchr("0123456789abcdef", *s))
                        return false;
        return true;
}

/* A string of at most CONTAINERS_TEXT_MAX bytes without control characters. */
static bool text_ok(const char *s)
{
        size_t n = strlen(s);
        if (n > CONTAINERS_TEXT_MAX)
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

static int get_text(json_t *j, const char *name, char **ret, const char **ret_why, const char *why)
{
        json_t *v = json_object_get(j, name);
        if (!v || json_is_null(v))
                return 0;
        const char *s = json_string_value(v);
        if (!s || !text_ok(s)) {
                *ret_why = why;
                return -EINVAL;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int get_u64(json_t *j, const char *name, uint64_t max, uint64_t *ret, const char **ret_why,
                   const char *why)
{
        json_t *v = json_object_get(j, name);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (uint64_t)json_integer_value(v) > max) {
                *ret_why = why;
                return -EINVAL;
        }
        *ret = (uint64_t)json_integer_value(v);
        return 0;
}

/* A report (`stored` false), or an entry of the state file, which may also be a spool
 * record's ("command": "spool", no key) and carries its "started" time. */
static int parse_object(const char *id, json_t *j, bool stored, struct container *ret,
                        const char **ret_why);

int container_parse(const char *id, const char *body, size_t size, struct container *ret,
                    const char **ret_why)
{
        json_error_t e;
        *ret_why = NULL;
        json_t *j = json_loadb(body ? body : "", size, JSON_REJECT_DUPLICATES, &e);
        if (!j || !json_is_object(j)) {
                json_decref(j);
                *ret_why = "the body is not a JSON object";
                return -EINVAL;
        }
        int r = parse_object(id, j, false, ret, ret_why);
        json_decref(j);
        return r;
}

static int parse_object(const char *id, json_t *j, bool stored, struct container *ret,
                        const char **ret_why)
{
        _cleanup_(container_done) struct container c = {};
        uint64_t pid = 0, rpid = 0, started = 0;
        int r;

        *ret_why = NULL;
        if (!container_id_is_valid(id)) {
                *ret_why = "the container id must be 1 to 1024 characters of [A-Za-z0-9_+.-], "
                           "not starting with '.'";
                return -EINVAL;
        }
        c.id = strdup(id);
        if (!c.id)
                return -ENOMEM;
        if ((r = get_text(j, SECCOMPD_KEY_BUNDLE, &c.bundle, ret_why,
                          "\"bundle\" must be a string of at most 4096 printable bytes")) < 0 ||
            (r = get_text(j, SECCOMPD_KEY_KEY, &c.key, ret_why, "\"key\" must be a blob key")) <
                    0 ||
            (r = get_text(j, SECCOMPD_KEY_DIGEST, &c.digest, ret_why,
                          "\"digest\" must be sha256:<64 hex digits>")) < 0 ||
            (r = get_text(j, SECCOMPD_KEY_FALLBACK, &c.fallback, ret_why,
                          "\"fallback\" must be a string of at most 4096 printable bytes")) < 0 ||
            (r = get_text(j, SECCOMPD_KEY_COMMAND, &c.command, ret_why,
                          "\"command\" must be \"create\" or \"run\"")) < 0 ||
            (r = get_u64(j, SECCOMPD_KEY_PID, INT32_MAX, &pid, ret_why,
                         "\"pid\" must be a process id")) < 0 ||
            (r = get_u64(j, SECCOMPD_KEY_PID_START, INT64_MAX, &c.pid_start, ret_why,
                         "\"pid_start\" must be a start time in clock ticks")) < 0 ||
            (r = get_u64(j, SECCOMPD_KEY_RUNTIME_PID, INT32_MAX, &rpid, ret_why,
                         "\"runtime_pid\" must be a process id")) < 0 ||
            (r = get_u64(j, SECCOMPD_KEY_RUNTIME_START, INT64_MAX, &c.runtime_start, ret_why,
                         "\"runtime_start\" must be a start time in clock ticks")) < 0 ||
            (r = get_u64(j, SECCOMPD_KEY_PIDNS, INT64_MAX, &c.pidns, ret_why,
                         "\"pidns\" must be an inode number")) < 0 ||
            (stored && (r = get_u64(j, SECCOMPD_KEY_STARTED, INT64_MAX, &started, ret_why,
                                    "\"started\" must be unix seconds")) < 0))
                return r;
        if (c.key && !is_hex64(c.key)) {
                *ret_why = "\"key\" must be a blob key (64 lowercase hex digits)";
                return -EINVAL;
        }
        if (c.digest && (strncmp(c.digest, "sha256:", 7) != 0 || !is_hex64(c.digest + 7))) {
                *ret_why = "\"digest\" must be sha256:<64 lowercase hex digits>";
                return -EINVAL;
        }
        if (!c.command || !(streq(c.command, "create") || streq(c.command, "run") ||
                            (stored && streq(c.command, "spool")))) {
                *ret_why = "\"command\" must be \"create\" or \"run\"";
                return -EINVAL;
        }
        if (!c.key && !c.fallback) {
                *ret_why = "a report carries a \"key\" or a \"fallback\" reason";
                return -EINVAL;
        }
        c.pid = (pid_t)pid;
        c.runtime_pid = (pid_t)rpid;
        c.started = stored ? (int64_t)started : (int64_t)time(NULL);
        *ret = c;
        c = (struct container){0};
        return 0;
}

/* Whether process `pid` started at `start` (0: any) still runs. A process that /proc does
 * not show may be one hidden from the daemon (ProtectProc=invisible hides other users'):
 * kill(pid, 0) tells whether the pid exists at all, but not since when. */
static bool process_alive(pid_t pid, uint64_t start)
{
        uint64_t now;
        int r = proc_start_time(pid, &now);
        if (r == 0)
                return start == 0 || now == start;
        if (r == -ENOENT || r == -ESRCH)
                return kill(pid, 0) == 0 || errno == EPERM;
        return true; /* cannot tell: keep it */
}

/* 1 gone, 0 alive, -1 cannot be tracked (no pid known). */
static int container_gone(const struct container *c)
{
        if (c->pid > 0)
                return !process_alive(c->pid, c->pid_start);
        if (c->runtime_pid > 0)
                return !process_alive(c->runtime_pid, c->runtime_start);
        return -1;
}

static ssize_t find_locked(struct containers *t, const char *id)
{
        for (size_t i = 0; i < t->n; i++)
                if (streq(t->items[i].id, id))
                        return (ssize_t)i;
        return -1;
}

static void remove_locked(struct containers *t, size_t i)
{
        container_done(&t->items[i]);
        memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof(t->items[0]));
        t->n--;
}

static size_t prune_locked(struct containers *t)
{
        size_t gone = 0;
        for (size_t i = 0; i < t->n;) {
                if (container_gone(&t->items[i]) == 1) {
                        remove_locked(t, i);
                        gone++;
                } else
                        i++;
        }
        t->forgotten_gone += gone;
        if (gone > 0)
                t->dirty = true;
        return gone;
}

/* Room for one more: prunes, then evicts the oldest untracked entry. -ENOSPC when full of
 * live containers. */
static int make_room_locked(struct containers *t, bool may_evict)
{
        if (!t->items) {
                t->items = calloc(t->max, sizeof(t->items[0]));
                if (!t->items)
                        return -ENOMEM;
        }
        if (t->n < t->max)
                return 0;
        if (prune_locked(t) > 0)
                return 0;
        if (may_evict)
                for (size_t i = 0; i < t->n; i++)
                        if (container_gone(&t->items[i]) < 0) {
                                remove_locked(t, i);
                                return 0;
                        }
        return -ENOSPC;
}

int containers_report(struct containers *t, struct container *c)
{
        int r = 0;
        pthread_mutex_lock(&t->lock);
        ssize_t i = find_locked(t, c->id);
        if (i >= 0) {
                struct container *old = &t->items[i];
                /* A spool record may have come first: its reason stays when the report has
                 * none (the wrapper's report after a fallback carries it too). */
                if (!c->fallback && old->fallback)
                        c->fallback = TAKE_PTR(old->fallback);
                container_done(old);
                *old = *c;
                r = 1;
                t->dirty = true;
        } else if ((r = make_room_locked(t, true)) == 0) {
                t->items[t->n++] = *c;
                t->dirty = true;
        } else if (r == -ENOSPC)
                t->refused++;
        pthread_mutex_unlock(&t->lock);
        if (r >= 0)
                *c = (struct container){0};
        return r;
}

void containers_add_fallback(struct containers *t, const char *id, const char *bundle,
                             const char *command, const char *reason, int64_t time)
{
        if (!container_id_is_valid(id) || !text_ok(reason) || (bundle && !text_ok(bundle)))
                return;
        pthread_mutex_lock(&t->lock);
        ssize_t i = find_locked(t, id);
        if (i >= 0) {
                if (!t->items[i].fallback)
                        t->items[i].fallback = strdup(reason);
                t->dirty = true;
        } else if (make_room_locked(t, true) == 0) {
                struct container c = {
                        .id = strdup(id),
                        .bundle = bundle && *bundle ? strdup(bundle) : NULL,
                        .fallback = strdup(reason),
                        .command = strdup(command && *command ? command : "create"),
                        .started = time,
                };
                if (c.id && c.fallback && c.command) {
                        t->items[t->n++] = c;
                        t->dirty = true;
                } else
                        container_done(&c);
        } else
                t->refused++;
        pthread_mutex_unlock(&t->lock);
}

int containers_forget(struct containers *t, const char *id)
{
        pthread_mutex_lock(&t->lock);
        ssize_t i = find_locked(t, id);
        if (i >= 0) {
                remove_locked(t, (size_t)i);
                t->dirty = true;
        }
        pthread_mutex_unlock(&t->lock);
        return i >= 0 ? 0 : -ENOENT;
}

size_t containers_prune(struct containers *t)
{
        pthread_mutex_lock(&t->lock);
        size_t n = prune_locked(t);
        pthread_mutex_unlock(&t->lock);
        return n;
}

static json_t *container_to_json(const struct container *c, json_t *names)
{
        char stamp[LOG_TIME_MAX];
        rfc3339_utc((time_t)c->started, stamp, sizeof(stamp));
        /* The profile: the first name serving the key; "inline" when no served profile
         * has it (a section that is no file's); null without a blob. */
        const char *profile = !c->key ? NULL
                              : json_array_size(names) > 0
                                      ? json_string_value(json_array_get(names, 0))
                                      : SECCOMPD_PROFILE_INLINE;
        json_t *o = json_pack("{s:s, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s, s:s}", SECCOMPD_KEY_ID,
                              c->id, SECCOMPD_KEY_BUNDLE, c->bundle, SECCOMPD_KEY_PROFILE, profile,
                              SECCOMPD_KEY_PROFILES, names, SECCOMPD_KEY_DIGEST, c->digest,
                              SECCOMPD_KEY_KEY, c->key, SECCOMPD_KEY_FALLBACK, c->fallback,
                              SECCOMPD_KEY_STARTED, stamp, SECCOMPD_KEY_COMMAND, c->command);
        if (!o)
                return NULL;
        json_object_set_new(o, SECCOMPD_KEY_PID, c->pid > 0 ? json_integer(c->pid) : json_null());
        json_object_set_new(o, SECCOMPD_KEY_PIDNS,
                            c->pidns > 0 ? json_integer((json_int_t)c->pidns) : json_null());
        return o;
}

json_t *containers_to_json(struct containers *t, containers_names_fn names, void *userdata)
{
        json_t *list = json_array();
        size_t n_keys = 0;

        if (!list)
                return NULL;
        /* The names are looked up with the table unlocked (the registry has its own lock):
         * copy the entries' fields first. */
        pthread_mutex_lock(&t->lock);
        prune_locked(t);
        struct container *copy = calloc(t->n ? t->n : 1, sizeof(*copy));
        if (copy)
                for (size_t i = 0; i < t->n; i++) {
                        const struct container *c = &t->items[i];
                        copy[i] = (struct container){
                                .id = strdup(c->id),
                                .bundle = c->bundle ? strdup(c->bundle) : NULL,
                                .key = c->key ? strdup(c->key) : NULL,
                                .digest = c->digest ? strdup(c->digest) : NULL,
                                .fallback = c->fallback ? strdup(c->fallback) : NULL,
                                .command = strdup(c->command),
                                .started = c->started,
                                .pid = c->pid,
                                .pidns = c->pidns,
                        };
                        n_keys++;
                }
        size_t max = t->max;
        uint64_t refused = t->refused;
        pthread_mutex_unlock(&t->lock);

        for (size_t i = 0; copy && i < n_keys; i++) {
                if (copy[i].id && copy[i].command) {
                        json_t *nm = copy[i].key ? names(copy[i].key, userdata) : json_array();
                        json_array_append_new(list,
                                              container_to_json(&copy[i], nm ? nm : json_array()));
                }
                container_done(&copy[i]);
        }
        free(copy);
        return json_pack("{s:o, s:I, s:I}", SECCOMPD_KEY_CONTAINERS, list, SECCOMPD_KEY_MAX,
                         (json_int_t)max, SECCOMPD_KEY_REFUSED, (json_int_t)refused);
}

char *containers_id_by_pid(struct containers *t, pid_t pid)
{
        char *id = NULL;
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n && !id; i++)
                if (t->items[i].pid == pid && pid > 0)
                        id = strdup(t->items[i].id);
        pthread_mutex_unlock(&t->lock);
        return id;
}

char *containers_id_by_pidns(struct containers *t, uint64_t pidns)
{
        char *id = NULL;
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n && !id; i++)
                if (t->items[i].pidns == pidns && pidns > 0)
                        id = strdup(t->items[i].id);
        pthread_mutex_unlock(&t->lock);
        return id;
}

int containers_attribute(struct containers *t, pid_t pid, uint64_t host_pidns, char **ret_id,
                         char **ret_key)
{
        uint64_t start = 0, pidns = 0;
        int r = proc_start_time(pid, &start);
        if (r >= 0)
                r = proc_pidns(pid, &pidns);
        bool gone = r == -ENOENT || r == -ESRCH;
        if (r < 0)
                start = pidns = 0; /* gone, hidden or unreadable: the init pid alone may tell */
        *ret_id = *ret_key = NULL;
        int found = 0;
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n && !found; i++) {
                const struct container *c = &t->items[i];
                /* An init gone since its record was written (a KILL) is still that init: its
                 * pid cannot have been reused in the milliseconds since, and the table still
                 * holds it (the prune runs on lists and every 30 s). */
                bool init = pid > 0 && c->pid == pid &&
                            (!start || !c->pid_start || c->pid_start == start);
                bool ns = pidns && c->pidns == pidns && pidns != host_pidns;
                if (!init && !ns)
                        continue;
                found = 1;
                *ret_id = strdup(c->id);
                *ret_key = c->key ? strdup(c->key) : NULL;
                if (!*ret_id || (c->key && !*ret_key)) {
                        free(*ret_id);
                        free(*ret_key);
                        *ret_id = *ret_key = NULL;
                        found = -ENOMEM;
                }
        }
        pthread_mutex_unlock(&t->lock);
        return found == 0 && gone ? -ESRCH : found;
}

void containers_render_metrics(struct containers *t, FILE *out)
{
        pthread_mutex_lock(&t->lock);
        size_t n = t->n, max = t->max;
        uint64_t refused = t->refused, gone = t->forgotten_gone;
        pthread_mutex_unlock(&t->lock);
        fprintf(out,
                "# HELP seccompd_containers Containers started through seccompd-oci that are "
                "known (at most seccompd_containers_max).\n"
                "# TYPE seccompd_containers gauge\n"
                "seccompd_containers %zu\n"
                "# HELP seccompd_containers_max The bound of the container table.\n"
                "# TYPE seccompd_containers_max gauge\n"
                "seccompd_containers_max %zu\n"
                "# HELP seccompd_container_reports_refused_total Reports refused: the table was "
                "full of live containers.\n"
                "# TYPE seccompd_container_reports_refused_total counter\n"
                "seccompd_container_reports_refused_total %" PRIu64 "\n"
                "# HELP seccompd_containers_gone_total Containers forgotten because their process "
                "was gone.\n"
                "# TYPE seccompd_containers_gone_total counter\n"
                "seccompd_containers_gone_total %" PRIu64 "\n",
                n, max, refused, gone);
}

/* --- The state file: the table survives a restart of the daemon --- */

#define CONTAINERS_FILE_MAX (64u << 20)

int containers_load(struct containers *t, const char *path)
{
        json_error_t e;
        size_t loaded = 0, bad = 0;
        int r = 0;

        free(t->state_file);
        t->state_file = path ? strdup(path) : NULL;
        if (!path)
                return 0;
        if (!t->state_file)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size > CONTAINERS_FILE_MAX)
                return -EBADMSG;
        json_t *j = json_loadfd(fd, JSON_REJECT_DUPLICATES, &e);
        const json_t *list = json_object_get(j, SECCOMPD_KEY_CONTAINERS);
        if (!json_is_array(list)) {
                json_decref(j);
                return -EBADMSG;
        }
        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *o = json_array_get(list, i);
                const char *id = json_string_value(json_object_get(o, SECCOMPD_KEY_ID));
                struct container c = {};
                const char *why;
                if (!json_is_object(o) || !id || find_locked(t, id) >= 0 ||
                    parse_object(id, o, true, &c, &why) < 0) {
                        bad++;
                        continue;
                }
                if (make_room_locked(t, false) < 0) {
                        container_done(&c);
                        r = -ENOSPC;
                        break;
                }
                t->items[t->n++] = c;
                loaded++;
        }
        pthread_mutex_unlock(&t->lock);
        json_decref(j);
        t->n_bad_loaded = bad;
        return r < 0 ? r : (int)loaded;
}

static json_t *stored_json(const struct container *c)
{
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:I}", SECCOMPD_KEY_ID, c->id,
                              SECCOMPD_KEY_COMMAND, c->command, SECCOMPD_KEY_BUNDLE, c->bundle,
                              SECCOMPD_KEY_KEY, c->key, SECCOMPD_KEY_DIGEST, c->digest,
                              SECCOMPD_KEY_FALLBACK, c->fallback, SECCOMPD_KEY_STARTED,
                              (json_int_t)c->started);
        if (!o)
                return NULL;
        const struct {
                const char *key;
                uint64_t v;
        } nums[] = {
                {SECCOMPD_KEY_PID, (uint64_t)(c->pid > 0 ? c->pid : 0)},
                {SECCOMPD_KEY_PID_START, c->pid_start},
                {SECCOMPD_KEY_RUNTIME_PID, (uint64_t)(c->runtime_pid > 0 ? c->runtime_pid : 0)},
                {SECCOMPD_KEY_RUNTIME_START, c->runtime_start},
                {SECCOMPD_KEY_PIDNS, c->pidns},
        };
        for (size_t i = 0; i < ELEMENTSOF(nums); i++)
                if (nums[i].v > 0)
                        json_object_set_new(o, nums[i].key, json_integer((json_int_t)nums[i].v));
        return o;
}

int containers_save(struct containers *t)
{
        _cleanup_free_ char *tmp = NULL, *text = NULL;

        pthread_mutex_lock(&t->lock);
        if (!t->state_file || !t->dirty) {
                pthread_mutex_unlock(&t->lock);
                return 0;
        }
        json_t *list = json_array();
        for (size_t i = 0; list && i < t->n; i++)
                json_array_append_new(list, stored_json(&t->items[i]));
        t->dirty = false;
        if (asprintf(&tmp, "%s.tmp", t->state_file) < 0)
                tmp = NULL;
        pthread_mutex_unlock(&t->lock);

        json_t *o = list ? json_pack("{s:o}", SECCOMPD_KEY_CONTAINERS, list) : NULL;
        text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!text || !tmp) {
                pthread_mutex_lock(&t->lock);
                t->dirty = true;
                pthread_mutex_unlock(&t->lock);
                return -ENOMEM;
        }
        _cleanup_close_ int fd =
                open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text), done = 0;
        while (done < n) {
                ssize_t w = write(fd, text + done, n - done);
                if (w < 0) {
                        int e = -errno;
                        (void)unlink(tmp);
                        return e;
                }
                done += (size_t)w;
        }
        if (renameat(AT_FDCWD, tmp, AT_FDCWD, t->state_file) < 0) {
                int e = -errno;
                (void)unlink(tmp);
                return e;
        }
        return 0;
}
