/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "denials.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "resolve.h"

/* The index of recent denials by (pid, syscall, code), for collapsing: direct-mapped, each
 * slot the seq of the last denial that hashed there (0: none). */
#define COLLAPSE_SLOTS 1024
/* The rule names found for (blob key, arch, syscall, code): resolving a profile is the one
 * costly step, done once per key; direct-mapped, owned by the reader thread. */
#define RULE_CACHE 256

struct rule_cached {
        bool used;
        char key[65];
        uint32_t arch, code;
        int nr;
        int found; /* 0 or -ENOENT */
        int errnum;
        char profile[256], rule[192];
};

struct series {
        char profile[256], syscall[40], action[24];
        uint64_t count;
};

struct journal_key {
        char container[CONTAINERS_ID_MAX + 1], syscall[40], action[24], profile[256], rule[192];
        uint64_t pending;   /* since the last entry written */
        uint64_t logged_ms; /* when it was last written */
};

struct denials {
        pthread_mutex_t lock; /* everything below but the reader's own */
        pthread_cond_t cond;  /* a new denial, or stopping */
        struct denial ring[DENIALS_RING];
        uint64_t next_seq; /* the seq the next denial gets (ring[(seq - 1) % DENIALS_RING]) */
        uint64_t collapse[COLLAPSE_SLOTS];
        struct series series[DENIALS_SERIES];
        size_t n_series;
        struct denials_stats stats;
        unsigned followers;
        bool stopping;

        /* The reader thread's own. */
        int fd;
        pthread_t thread;
        bool started;
        denial_attribute_fn attribute;
        denial_rule_fn rule;
        void *userdata;
        struct rule_cached rules[RULE_CACHE];
        struct journal_key journal[DENIALS_JOURNAL];
        size_t n_journal;
        uint64_t journal_full_ms;
};

int denials_new(struct denials **ret)
{
        struct denials *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        pthread_mutex_init(&d->lock, NULL);
        pthread_cond_init(&d->cond, NULL);
        d->next_seq = 1;
        d->fd = -EBADF;
        *ret = d;
        return 0;
}

void denials_open(struct denials *d)
{
        int fd = audit_open(250);
        if (fd >= 0) {
                d->fd = fd;
                return;
        }
        pthread_mutex_lock(&d->lock);
        snprintf(d->stats.reason, sizeof(d->stats.reason), "%s",
                 fd == -EPERM || fd == -EACCES
                         ? "no CAP_AUDIT_READ: the audit multicast group cannot be read"
                 : fd == -EPROTONOSUPPORT ? "the kernel has no audit support"
                                          : strerror(-fd));
        pthread_mutex_unlock(&d->lock);
        log_warning_errno(fd,
                          "Cannot read seccomp denials from the audit multicast group (%s); "
                          "GET /v1/denials stays empty",
                          d->stats.reason);
}

void denials_set_hooks(struct denials *d, denial_attribute_fn attribute, denial_rule_fn rule,
                       void *userdata)
{
        d->attribute = attribute;
        d->rule = rule;
        d->userdata = userdata;
}

static const char *action_short(uint32_t code, char *buf, size_t size)
{
        uint32_t data;
        enum action a = action_from_ret(code, &data);
        /* The kernel logs the action alone (SECCOMP_RET_ACTION_FULL): an ERRNO's errno and a
         * TRACE's value are not in the record, so they are never shown. */
        if ((int)a < 0)
                snprintf(buf, size, "0x%08x", code);
        else
                snprintf(buf, size, "%s", a == ACTION_NOTIFY ? "USER_NOTIF" : action_to_short(a));
        return buf;
}

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t collapse_slot(pid_t pid, int nr, uint32_t code)
{
        uint64_t h = (uint64_t)(uint32_t)pid * 0x9E3779B97F4A7C15ull;
        h ^= ((uint64_t)(uint32_t)nr << 32 | code) * 0xC2B2AE3D27D4EB4Full;
        return (size_t)((h >> 29) % COLLAPSE_SLOTS);
}

/* Under the lock: the entry of seq, or NULL once it left the ring. */
static struct denial *ring_get(struct denials *d, uint64_t seq)
{
        if (seq == 0 || seq >= d->next_seq || d->next_seq - seq > DENIALS_RING)
                return NULL;
        return &d->ring[(seq - 1) % DENIALS_RING];
}

/* Under the lock. The bounded series: the first DENIALS_SERIES - 1 (profile, syscall,
 * action) have their own, the rest share syscall="other" of their profile... and once even
 * those are full, profile="other" too. */
static void count_series(struct denials *d, const char *profile, const char *syscall,
                         const char *action, uint64_t n)
{
        for (int pass = 0; pass < 3; pass++) {
                const char *p = pass == 2 ? "other" : profile;
                const char *s = pass == 0 ? syscall : "other";
                const char *a = pass == 2 ? "other" : action;
                for (size_t i = 0; i < d->n_series; i++)
                        if (streq(d->series[i].syscall, s) && streq(d->series[i].profile, p) &&
                            streq(d->series[i].action, a)) {
                                d->series[i].count += n;
                                return;
                        }
                /* Keep room for the catch-all of the last pass. */
                if (d->n_series < DENIALS_SERIES - (pass == 2 ? 0 : 1)) {
                        struct series *x = &d->series[d->n_series++];
                        snprintf(x->profile, sizeof(x->profile), "%s", p);
                        snprintf(x->syscall, sizeof(x->syscall), "%s", s);
                        snprintf(x->action, sizeof(x->action), "%s", a);
                        x->count = n;
                        return;
                }
        }
}

/* The reader's: the journal, at most one entry per distinct (container, syscall, action)
 * per interval, with the count since the last one. */
static void journal_write(const struct journal_key *k, uint64_t count)
{
        const char *const fields[] = {"CONTAINER_ID", k->container, "PROFILE", k->profile,
                                      "SYSCALL",      k->syscall,   "ACTION",  k->action,
                                      "RULE",         k->rule,      NULL};
        if (!k->container[0])
                log_fullv(LOG_WARNING, 0, fields + 4,
                          "Seccomp denial: %s %s by a process not attributed to a container "
                          "(%llu time%s)",
                          k->syscall, k->action, (unsigned long long)count, count == 1 ? "" : "s");
        else
                log_fullv(LOG_WARNING, 0, fields,
                          "Seccomp denial: %s %s in container %s, profile %s, rule %s (%llu "
                          "time%s)",
                          k->syscall, k->action, k->container,
                          k->profile[0] ? k->profile : "unknown", k->rule[0] ? k->rule : "unknown",
                          (unsigned long long)count, count == 1 ? "" : "s");
}

static void journal_note(struct denials *d, const struct denial *e, uint64_t now)
{
        struct journal_key *k = NULL;
        for (size_t i = 0; i < d->n_journal && !k; i++)
                if (streq(d->journal[i].syscall, e->syscall) &&
                    streq(d->journal[i].container, e->container) &&
                    streq(d->journal[i].action, e->action) &&
                    streq(d->journal[i].profile, e->profile))
                        k = &d->journal[i];
        if (!k) {
                if (d->n_journal == DENIALS_JOURNAL) {
                        pthread_mutex_lock(&d->lock);
                        d->stats.suppressed++;
                        pthread_mutex_unlock(&d->lock);
                        if (now - d->journal_full_ms >= DENIALS_INTERVAL_S * 1000) {
                                d->journal_full_ms = now;
                                log_warning("More than %d distinct seccomp denials in %d s: "
                                            "the others are counted, not logged",
                                            DENIALS_JOURNAL, DENIALS_INTERVAL_S);
                        }
                        return;
                }
                k = &d->journal[d->n_journal++];
                *k = (struct journal_key){0};
                snprintf(k->container, sizeof(k->container), "%s", e->container);
                snprintf(k->syscall, sizeof(k->syscall), "%s", e->syscall);
                snprintf(k->action, sizeof(k->action), "%s", e->action);
                snprintf(k->profile, sizeof(k->profile), "%s", e->profile);
                snprintf(k->rule, sizeof(k->rule), "%s", e->rule);
                journal_write(k, 1);
                k->logged_ms = now;
                return;
        }
        k->pending++;
}

/* The reader's: writes what is pending for an interval and forgets keys idle for one. */
static void journal_flush(struct denials *d, uint64_t now)
{
        for (size_t i = 0; i < d->n_journal;) {
                struct journal_key *k = &d->journal[i];
                if (now - k->logged_ms < DENIALS_INTERVAL_S * 1000) {
                        i++;
                        continue;
                }
                if (k->pending > 0) {
                        journal_write(k, k->pending);
                        k->pending = 0;
                        k->logged_ms = now;
                        i++;
                } else
                        d->journal[i] = d->journal[--d->n_journal];
        }
}

/* The reader's: the profile and the deciding rule of a blob key, cached. */
static void name_rule(struct denials *d, struct denial *e)
{
        size_t h = 0;
        for (const char *p = e->blob_key; *p; p++)
                h = h * 31 + (unsigned char)*p;
        h = (h ^ (size_t)e->syscall_nr * 7919 ^ e->code ^ e->arch) % RULE_CACHE;
        struct rule_cached *c = &d->rules[h];
        if (!c->used || !streq(c->key, e->blob_key) || c->arch != e->arch ||
            c->nr != e->syscall_nr || c->code != e->code) {
                *c = (struct rule_cached){.used = true,
                                          .arch = e->arch,
                                          .nr = e->syscall_nr,
                                          .code = e->code,
                                          .errnum = -1};
                snprintf(c->key, sizeof(c->key), "%s", e->blob_key);
                c->found =
                        d->rule ? d->rule(d->userdata, e->blob_key, e->syscall, e->code, c->profile,
                                          sizeof(c->profile), c->rule, sizeof(c->rule), &c->errnum)
                                : -ENOENT;
        }
        if (c->found < 0) {
                snprintf(e->profile, sizeof(e->profile), "unknown");
                snprintf(e->rule, sizeof(e->rule), "unknown: no served profile has blob %s",
                         e->blob_key);
        } else {
                snprintf(e->profile, sizeof(e->profile), "%s", c->profile);
                snprintf(e->rule, sizeof(e->rule), "%s", c->rule);
                e->errnum = c->errnum;
        }
}

static void attribute(struct denials *d, struct denial *e)
{
        struct denial_attribution a = {0};
        int r = d->attribute ? d->attribute(d->userdata, e->pid, &a) : 0;
        if (r > 0) {
                snprintf(e->container, sizeof(e->container), "%s", a.container_id);
                snprintf(e->blob_key, sizeof(e->blob_key), "%s", a.blob_key);
                if (a.blob_key[0])
                        name_rule(d, e);
                else {
                        snprintf(e->profile, sizeof(e->profile), "unknown");
                        snprintf(e->rule, sizeof(e->rule),
                                 "unknown: the container's blob is "
                                 "not known");
                }
                return;
        }
        /* Never guessed: a process that is gone cannot be identified any more. */
        char proc[32];
        struct stat st;
        snprintf(proc, sizeof(proc), "/proc/%d", (int)e->pid);
        bool gone = r == -ESRCH || stat(proc, &st) < 0;
        snprintf(e->unattributed, sizeof(e->unattributed), "%s",
                 gone ? "process gone before it could be identified" : "not a known container");
}

void denials_add(struct denials *d, const struct audit_seccomp *a, uint64_t now)
{
        char action[24];
        action_short(a->code, action, sizeof(action));
        size_t slot = collapse_slot(a->pid, a->syscall, a->code);

        pthread_mutex_lock(&d->lock);
        d->stats.records++;
        struct denial *old = ring_get(d, d->collapse[slot]);
        if (old && old->pid == a->pid && old->syscall_nr == a->syscall && old->code == a->code &&
            old->arch == a->arch && a->time_ms >= old->time_ms &&
            a->time_ms - old->time_ms < 1000) {
                old->count++;
                old->last_ms = a->time_ms;
                if (old->unattributed[0])
                        d->stats.unattributed++;
                count_series(d, old->profile[0] ? old->profile : "unattributed", old->syscall,
                             old->action, 1);
                pthread_mutex_unlock(&d->lock);
                return;
        }
        pthread_mutex_unlock(&d->lock);

        /* A new entry: named and attributed outside the lock. */
        struct denial e = {
                .time_ms = a->time_ms,
                .last_ms = a->time_ms,
                .serial = a->serial,
                .count = 1,
                .pid = a->pid,
                .arch = a->arch,
                .syscall_nr = a->syscall,
                .compat = a->compat,
                .code = a->code,
                .errnum = -1,
        };
        snprintf(e.comm, sizeof(e.comm), "%s", a->comm);
        snprintf(e.exe, sizeof(e.exe), "%s", a->exe);
        snprintf(e.action, sizeof(e.action), "%s", action);
        char *name = seccomp_syscall_resolve_num_arch(a->arch, a->syscall);
        if (name)
                snprintf(e.syscall, sizeof(e.syscall), "%s", name);
        else
                snprintf(e.syscall, sizeof(e.syscall), "#%d", a->syscall);
        free(name);
        attribute(d, &e);

        pthread_mutex_lock(&d->lock);
        e.seq = d->next_seq++;
        d->ring[(e.seq - 1) % DENIALS_RING] = e;
        d->collapse[slot] = e.seq;
        if (e.unattributed[0])
                d->stats.unattributed++;
        count_series(d, e.profile[0] ? e.profile : "unattributed", e.syscall, e.action, 1);
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->lock);
        journal_note(d, &e, now);
}

void denials_lost(struct denials *d, uint64_t n)
{
        pthread_mutex_lock(&d->lock);
        d->stats.lost += n;
        pthread_mutex_unlock(&d->lock);
}

static void *reader(void *userdata)
{
        struct denials *d = userdata;
        static char buf[16384]; /* one reader thread */
        uint64_t flushed = 0, asked = 0, kernel_lost_base = 0;
        bool have_base = false;

        for (;;) {
                pthread_mutex_lock(&d->lock);
                bool stop = d->stopping;
                pthread_mutex_unlock(&d->lock);
                if (stop)
                        break;
                const char *text;
                size_t len;
                int r = audit_receive(d->fd, buf, sizeof(buf), &text, &len);
                uint64_t now = now_ms();
                uint64_t kl;
                if (r == -ENOBUFS)
                        denials_lost(d, 1); /* at least one: the socket overran */
                else if (r == AUDIT_GET && audit_status_lost(text, len, &kl) == 0) {
                        if (!have_base) {
                                kernel_lost_base = kl;
                                have_base = true;
                        }
                        pthread_mutex_lock(&d->lock);
                        d->stats.kernel_lost = kl - kernel_lost_base;
                        d->stats.kernel_lost_known = true;
                        pthread_mutex_unlock(&d->lock);
                } else if (r == AUDIT_TYPE_SECCOMP) {
                        struct audit_seccomp a;
                        if (audit_parse_seccomp(text, len, &a) == 0)
                                denials_add(d, &a, now);
                        else {
                                pthread_mutex_lock(&d->lock);
                                d->stats.malformed++;
                                pthread_mutex_unlock(&d->lock);
                        }
                }
                if (now - flushed >= 250) {
                        journal_flush(d, now);
                        flushed = now;
                }
                /* The kernel's lost count, once a second (AUDIT_GET; answered on this socket). */
                if (now - asked >= 1000) {
                        (void)audit_request_status(d->fd);
                        asked = now;
                }
        }
        return NULL;
}

int denials_start(struct denials *d)
{
        if (d->fd < 0)
                return 0;
        int r = -pthread_create(&d->thread, NULL, reader, d);
        if (r < 0)
                return log_error_errno(r, "Failed to start the denial reader: %m");
        d->started = true;
        pthread_mutex_lock(&d->lock);
        d->stats.reading = true;
        pthread_mutex_unlock(&d->lock);
        return 0;
}

void denials_stop(struct denials *d)
{
        if (!d)
                return;
        pthread_mutex_lock(&d->lock);
        d->stopping = true;
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->lock);
        if (d->started)
                pthread_join(d->thread, NULL);
        d->started = false;
}

struct denials *denials_free(struct denials *d)
{
        if (!d)
                return NULL;
        denials_stop(d);
        if (d->fd >= 0)
                close(d->fd);
        pthread_cond_destroy(&d->cond);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
}

static bool matches(const struct denial *e, const struct denial_filter *f)
{
        return e->seq > f->since && (!f->profile || streq(f->profile, e->profile)) &&
               (!f->container || streq(f->container, e->container)) &&
               (!f->syscall || streq(f->syscall, e->syscall));
}

static void rfc3339_ms(uint64_t ms, char *buf, size_t size)
{
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%03uZ", (unsigned)(ms % 1000));
}

json_t *denial_to_json(const struct denial *e)
{
        char t[40], last[40], arch[16], code[16];
        char comm[256], exe[1024];
        rfc3339_ms(e->time_ms, t, sizeof(t));
        rfc3339_ms(e->last_ms, last, sizeof(last));
        const struct arch_info *ai = arch_from_token(e->arch);
        snprintf(arch, sizeof(arch), "%08x", e->arch);
        snprintf(code, sizeof(code), "0x%08x", e->code);
        /* comm and exe come from the process: made safe for JSON (UTF-8). */
        text_escape(comm, sizeof(comm), e->comm);
        text_escape(exe, sizeof(exe), e->exe);
        json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:i, s:s, s:s, s:s, s:i, s:s, s:b, "
                              "s:s, s:s}",
                              "seq", (json_int_t)e->seq, "time", t, "last", last, "count",
                              (json_int_t)e->count, "serial", (json_int_t)e->serial, "pid",
                              (int)e->pid, "comm", comm, "exe", exe, "arch",
                              ai ? ai->short_name : arch, "syscall_nr", e->syscall_nr, "syscall",
                              e->syscall, "compat", e->compat, "action", e->action, "code", code);
        if (!o)
                return NULL;
        json_object_set_new(o, "container",
                            e->container[0] ? json_string(e->container) : json_null());
        json_object_set_new(o, "blob_key", e->blob_key[0] ? json_string(e->blob_key) : json_null());
        json_object_set_new(o, "profile", e->profile[0] ? json_string(e->profile) : json_null());
        json_object_set_new(o, "rule", e->rule[0] ? json_string(e->rule) : json_null());
        json_object_set_new(o, "errno", e->errnum >= 0 ? json_integer(e->errnum) : json_null());
        json_object_set_new(o, "unattributed",
                            e->unattributed[0] ? json_string(e->unattributed) : json_null());
        return o;
}

json_t *denials_to_json(struct denials *d, const struct denial_filter *f, uint64_t *ret_last)
{
        /* Copied out under the lock (at most the ring), encoded outside it. */
        struct denial *copy = malloc(sizeof(struct denial) * DENIALS_RING);
        size_t n = 0;
        json_t *a = json_array();
        if (!copy || !a) {
                free(copy);
                json_decref(a);
                return NULL;
        }
        pthread_mutex_lock(&d->lock);
        uint64_t first = d->next_seq > DENIALS_RING ? d->next_seq - DENIALS_RING : 1;
        for (uint64_t s = first; s < d->next_seq; s++) {
                const struct denial *e = &d->ring[(s - 1) % DENIALS_RING];
                if (matches(e, f))
                        copy[n++] = *e;
        }
        *ret_last = d->next_seq - 1;
        pthread_mutex_unlock(&d->lock);
        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, denial_to_json(&copy[i]));
        free(copy);
        return a;
}

int denials_wait(struct denials *d, const struct denial_filter *f, uint64_t *since,
                 struct denial *out, size_t max, unsigned timeout_ms)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
        }
        size_t n = 0;
        pthread_mutex_lock(&d->lock);
        for (;;) {
                if (d->stopping) {
                        pthread_mutex_unlock(&d->lock);
                        return -ECANCELED;
                }
                uint64_t first = d->next_seq > DENIALS_RING ? d->next_seq - DENIALS_RING : 1;
                struct denial_filter g = *f;
                g.since = *since;
                for (uint64_t s = first > *since + 1 ? first : *since + 1;
                     s < d->next_seq && n < max; s++) {
                        const struct denial *e = &d->ring[(s - 1) % DENIALS_RING];
                        if (matches(e, &g))
                                out[n++] = *e;
                        *since = s;
                }
                if (n > 0 || pthread_cond_timedwait(&d->cond, &d->lock, &ts) == ETIMEDOUT)
                        break;
        }
        pthread_mutex_unlock(&d->lock);
        return (int)n;
}

int denials_follower_acquire(struct denials *d)
{
        int r = 0;
        pthread_mutex_lock(&d->lock);
        if (d->followers >= DENIALS_FOLLOWERS)
                r = -EBUSY;
        else
                d->followers++;
        pthread_mutex_unlock(&d->lock);
        return r;
}

void denials_follower_release(struct denials *d)
{
        pthread_mutex_lock(&d->lock);
        d->followers--;
        pthread_mutex_unlock(&d->lock);
}

void denials_stats(struct denials *d, struct denials_stats *ret)
{
        pthread_mutex_lock(&d->lock);
        *ret = d->stats;
        pthread_mutex_unlock(&d->lock);
}

json_t *denials_status_json(struct denials *d)
{
        struct denials_stats s;
        denials_stats(d, &s);
        pthread_mutex_lock(&d->lock);
        unsigned followers = d->followers;
        pthread_mutex_unlock(&d->lock);
        json_t *o =
                json_pack("{s:i, s:b, s:s?, s:I, s:I, s:I, s:I, s:i}", "followers", (int)followers,
                          "reading", s.reading, "reason", s.reason[0] ? s.reason : NULL, "records",
                          (json_int_t)s.records, "lost", (json_int_t)s.lost, "unattributed",
                          (json_int_t)s.unattributed, "malformed", (json_int_t)s.malformed, "ring",
                          DENIALS_RING);
        if (o)
                json_object_set_new(o, "kernel_lost",
                                    s.kernel_lost_known ? json_integer((json_int_t)s.kernel_lost)
                                                        : json_null());
        return o;
}

void denials_render_metrics(struct denials *d, FILE *f)
{
        pthread_mutex_lock(&d->lock);
        fprintf(f,
                "# HELP seccompd_denials_total Seccomp denials read from the audit records, by "
                "profile, syscall and action (at most %d series; the rest under "
                "syscall=\"other\").\n# TYPE seccompd_denials_total counter\n",
                DENIALS_SERIES);
        for (size_t i = 0; i < d->n_series; i++) {
                char p[256];
                text_escape(p, sizeof(p), d->series[i].profile);
                for (char *c = p; *c; c++)
                        if (*c == '"' || *c == '\\')
                                *c = '_';
                fprintf(f,
                        "seccompd_denials_total{profile=\"%s\",syscall=\"%s\",action=\"%s\"} "
                        "%llu\n",
                        p, d->series[i].syscall, d->series[i].action,
                        (unsigned long long)d->series[i].count);
        }
        fprintf(f,
                "# HELP seccompd_denials_lost_total Audit records lost (the socket's buffer "
                "overran) or malformed.\n# TYPE seccompd_denials_lost_total counter\n"
                "seccompd_denials_lost_total{reason=\"overrun\"} %llu\n"
                "seccompd_denials_lost_total{reason=\"malformed\"} %llu\n"
                "seccompd_denials_lost_total{reason=\"kernel\"} %llu\n"
                "# HELP seccompd_denials_unattributed_total Denials of processes not attributed "
                "to a container.\n# TYPE seccompd_denials_unattributed_total counter\n"
                "seccompd_denials_unattributed_total %llu\n"
                "# HELP seccompd_denials_reading Whether the audit records are read.\n"
                "# TYPE seccompd_denials_reading gauge\nseccompd_denials_reading %d\n",
                (unsigned long long)d->stats.lost, (unsigned long long)d->stats.malformed,
                (unsigned long long)d->stats.kernel_lost, (unsigned long long)d->stats.unattributed,
                d->stats.reading ? 1 : 0);
        pthread_mutex_unlock(&d->lock);
}
