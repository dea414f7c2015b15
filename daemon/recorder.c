/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "record.h"
#include "recorder.h"
#include "seccompd/protocol.h"

enum rec_state {
        REC_FREE,
        REC_RESERVED,  /* waiting for crun's listener */
        REC_RECORDING, /* answering its notifications */
        REC_WRITTEN,
        REC_FAILED,
        REC_ABANDONED, /* the daemon stopped first */
};

static const char *const state_names[] = {
        [REC_FREE] = "free",       [REC_RESERVED] = "reserved", [REC_RECORDING] = "recording",
        [REC_WRITTEN] = "written", [REC_FAILED] = "failed",     [REC_ABANDONED] = "abandoned",
};

struct recording {
        enum rec_state state;
        char *id, *name, *path;
        int listener;
        pid_t pid;
        uint64_t reserved_ms; /* monotonic */
        time_t started, ended;
        struct record_set set;
        char *error;
};

/* A connection to the record socket that has not sent its listener yet. */
struct conn {
        int fd;
        uint64_t deadline_ms;
        char *buf;
        size_t n;
        int listener; /* received with the first bytes; -1 until then */
};

struct history {
        char *id, *name, *path, *error;
        enum rec_state state;
        uint64_t calls;
        size_t syscalls;
        time_t started, ended;
};

struct recorder {
        pthread_mutex_t lock;
        char *socket_path; /* NULL: off */
        const char *off_why;
        int listen_fd, wake_fd;
        unsigned max;
        struct recording *slots; /* [max] */
        struct conn *conns;      /* [max] */
        struct history history[RECORDER_HISTORY];
        size_t n_history, history_next;
        uint64_t n_refused, n_rejected, n_written, n_failed, n_abandoned, calls_total;
        pthread_t thread;
        bool started;
        bool stopping; /* atomic: set before the wake eventfd is written */
};

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void slot_clear(struct recording *s)
{
        free(s->id);
        free(s->name);
        free(s->path);
        free(s->error);
        if (s->listener >= 0)
                close(s->listener);
        *s = (struct recording){.state = REC_FREE, .listener = -1};
}

static void conn_clear(struct conn *c)
{
        if (c->fd >= 0)
                close(c->fd);
        if (c->listener >= 0)
                close(c->listener);
        free(c->buf);
        *c = (struct conn){.fd = -1, .listener = -1};
}

/* Moves a finished recording to the history (lock held) and frees its slot. */
static void finish(struct recorder *r, struct recording *s, enum rec_state state)
{
        struct history *h = &r->history[r->history_next];
        free(h->id);
        free(h->name);
        free(h->path);
        free(h->error);
        *h = (struct history){
                .id = TAKE_PTR(s->id),
                .name = TAKE_PTR(s->name),
                .path = TAKE_PTR(s->path),
                .error = TAKE_PTR(s->error),
                .state = state,
                .calls = s->set.n_calls,
                .syscalls = record_set_count(&s->set),
                .started = s->started,
                .ended = time(NULL),
        };
        r->history_next = (r->history_next + 1) % RECORDER_HISTORY;
        if (r->n_history < RECORDER_HISTORY)
                r->n_history++;
        switch (state) {
        case REC_WRITTEN: r->n_written++; break;
        case REC_ABANDONED: r->n_abandoned++; break;
        default: r->n_failed++; break;
        }
        slot_clear(s);
}

static int bind_socket(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void)unlink(path);
        mode_t old = umask(0077);
        int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int recorder_new(const char *socket_path, unsigned max, struct recorder **ret)
{
        struct recorder *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        pthread_mutex_init(&r->lock, NULL);
        r->listen_fd = r->wake_fd = -1;
        r->max = max ? max : RECORDER_MAX_DEFAULT;
        r->slots = calloc(r->max, sizeof(*r->slots));
        r->conns = calloc(r->max, sizeof(*r->conns));
        if (!r->slots || !r->conns) {
                recorder_free(r);
                return -ENOMEM;
        }
        for (unsigned i = 0; i < r->max; i++) {
                r->slots[i].listener = -1;
                r->conns[i] = (struct conn){.fd = -1, .listener = -1};
        }
        *ret = r;
        /* libseccomp probes the kernel (seccomp(2): SECCOMP_GET_NOTIF_SIZES ...) at its first
         * notification call, and caches it: done here, before the self filter refuses it. */
        struct seccomp_notif *req;
        struct seccomp_notif_resp *resp;
        if (seccomp_notify_alloc(&req, &resp) == 0)
                seccomp_notify_free(req, resp);
        if (!socket_path) {
                r->off_why = "recording is off (record-socket = none)";
                return 0;
        }
        r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        int fd = r->wake_fd < 0 ? -errno : bind_socket(socket_path);
        if (fd < 0) {
                log_warning_errno(fd, "Recording is off: cannot listen on '%s': %m", socket_path);
                r->off_why = "recording is off: the record socket could not be bound";
                return 0;
        }
        r->listen_fd = fd;
        if (!(r->socket_path = strdup(socket_path))) {
                close(fd);
                r->listen_fd = -1;
                return -ENOMEM;
        }
        return 0;
}

const char *recorder_socket(const struct recorder *r)
{
        return r && r->listen_fd >= 0 ? r->socket_path : NULL;
}

int recorder_reserve(struct recorder *r, const char *id, const char *name, const char *path,
                     const char **ret_why)
{
        if (!recorder_socket(r)) {
                *ret_why = r && r->off_why ? r->off_why : "recording is off";
                return -EAGAIN;
        }
        pthread_mutex_lock(&r->lock);
        struct recording *free_slot = NULL;
        for (unsigned i = 0; i < r->max; i++) {
                struct recording *s = &r->slots[i];
                if (s->state == REC_FREE) {
                        if (!free_slot)
                                free_slot = s;
                } else if (streq(s->id, id)) {
                        pthread_mutex_unlock(&r->lock);
                        *ret_why = "this container is being recorded already";
                        return -EBUSY;
                }
        }
        if (!free_slot) {
                r->n_refused++;
                pthread_mutex_unlock(&r->lock);
                *ret_why = "every recording slot is taken (max-recordings)";
                return -EAGAIN;
        }
        *free_slot = (struct recording){
                .state = REC_RESERVED,
                .id = strdup(id),
                .name = strdup(name),
                .path = strdup(path),
                .listener = -1,
                .reserved_ms = now_ms(),
                .started = time(NULL),
        };
        record_set_init(&free_slot->set);
        if (!free_slot->id || !free_slot->name || !free_slot->path) {
                slot_clear(free_slot);
                pthread_mutex_unlock(&r->lock);
                *ret_why = "out of memory";
                return -ENOMEM;
        }
        pthread_mutex_unlock(&r->lock);
        return 0;
}

/* The state crun sends with the listener (see crun's get_seccomp_receiver_fd_payload()):
 * {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {"id", "pid", ...}}.
 * Returns 1 with the id and pid, 0 when incomplete, -EBADMSG when it is not that. */
static int parse_state(const char *buf, size_t n, char **ret_id, pid_t *ret_pid)
{
        json_error_t e;
        _cleanup_(json_decrefp) json_t *j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &e);
        if (!j)
                return json_error_code(&e) == json_error_premature_end_of_input ? 0 : -EBADMSG;
        json_t *state = json_object_get(j, "state");
        const char *id = json_string_value(json_object_get(state, "id"));
        json_t *pid = json_object_get(state, "pid");
        if (!pid)
                pid = json_object_get(j, "pid");
        if (!id)
                return -EBADMSG;
        *ret_id = strdup(id);
        *ret_pid = json_is_integer(pid) ? (pid_t)json_integer_value(pid) : 0;
        return *ret_id ? 1 : -ENOMEM;
}

/* Takes a complete message: the listener goes to the slot reserved for its container id. */
static void take_listener(struct recorder *r, struct conn *c)
{
        _cleanup_free_ char *id = NULL;
        pid_t pid = 0;
        int p = parse_state(c->buf, c->n, &id, &pid);
        if (p == 0)
                return; /* more to come */
        pthread_mutex_lock(&r->lock);
        struct recording *s = NULL;
        for (unsigned i = 0; p > 0 && i < r->max; i++)
                if (r->slots[i].state == REC_RESERVED && streq(r->slots[i].id, id))
                        s = &r->slots[i];
        if (!s) {
                r->n_rejected++;
                pthread_mutex_unlock(&r->lock);
                /* Closing the listener leaves the container's calls failing with ENOSYS:
                 * it cannot start unrecorded. */
                log_warning("Record socket: refused a listener (%s): %s",
                            p < 0 ? "not a crun state" : id,
                            p < 0 ? "the message is not JSON with state.id"
                                  : "no recording is reserved for this container");
                conn_clear(c);
                return;
        }
        s->state = REC_RECORDING;
        s->listener = TAKE_FD(c->listener);
        s->pid = pid;
        pthread_mutex_unlock(&r->lock);
        log_info("Recording container '%s' (pid %d) into '%s'", id, (int)pid, s->name);
        conn_clear(c);
}

/* Reads what a connection sent: its first message carries the listener (SCM_RIGHTS). */
static void conn_read(struct recorder *r, struct conn *c)
{
        if (!c->buf && !(c->buf = malloc(RECORDER_PAYLOAD_MAX))) {
                conn_clear(c);
                return;
        }
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * 4)];
        } u;
        struct iovec iov = {.iov_base = c->buf + c->n, .iov_len = RECORDER_PAYLOAD_MAX - c->n};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = u.b,
                            .msg_controllen = sizeof(u.b)};
        ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); n >= 0 && h; h = CMSG_NXTHDR(&mh, h)) {
                if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int fds[4];
                memcpy(fds, CMSG_DATA(h), k * sizeof(int));
                for (size_t i = 0; i < k; i++) {
                        if (c->listener < 0)
                                c->listener = fds[i];
                        else
                                close(fds[i]); /* one listener per connection */
                }
        }
        if (n <= 0 || c->listener < 0 || (size_t)n + c->n >= RECORDER_PAYLOAD_MAX) {
                if (n != 0 || c->listener >= 0)
                        log_warning("Record socket: a connection %s: closed",
                                    n < 0             ? "failed"
                                    : n == 0          ? "ended before its state was whole"
                                    : c->listener < 0 ? "sent data without a listener"
                                                      : "sent more than 64 KiB");
                conn_clear(c);
                return;
        }
        c->n += (size_t)n;
        take_listener(r, c);
}

static void accept_one(struct recorder *r)
{
        int fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
                return;
        struct ucred cred;
        socklen_t l = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0 || cred.uid != 0) {
                log_warning("Record socket: refused a connection from uid %d: only root's "
                            "runtime may hand a listener over",
                            l == sizeof(cred) ? (int)cred.uid : -1);
                close(fd);
                return;
        }
        for (unsigned i = 0; i < r->max; i++)
                if (r->conns[i].fd < 0) {
                        r->conns[i] =
                                (struct conn){.fd = fd,
                                              .listener = -1,
                                              .deadline_ms = now_ms() + RECORDER_CONNECT_TTL_MS};
                        return;
                }
        log_warning("Record socket: %u connections wait already: one more closed", r->max);
        close(fd);
}

/* Writes the profile of a finished recording (lock not held: the slot is REC_RECORDING and
 * only this thread touches it then). Returns 0 or -errno with s->error set. */
static int write_recording(struct recording *s)
{
        char from[LOG_TIME_MAX], to[LOG_TIME_MAX], comment[512];
        _cleanup_(json_decrefp) json_t *j = NULL, *base = NULL;
        _cleanup_free_ char *why = NULL;
        rfc3339_utc(s->started, from, sizeof(from));
        rfc3339_utc(time(NULL), to, sizeof(to));
        snprintf(comment, sizeof(comment),
                 "recorded by seccompd from container %s (through seccompd-oci) from %s to %s: "
                 "%llu calls",
                 s->id, from, to, (unsigned long long)s->set.n_calls);
        struct record_profile_options o = {.format = RECORD_FORMAT_DOCKER, .comment = comment};
        int r = s->set.n_calls == 0 ? -ENODATA : record_profile(&s->set, &o, &j);
        if (r < 0) {
                if (asprintf(&s->error, "%s",
                             r == -ENODATA ? "nothing was recorded" : strerror(-r)) < 0)
                        s->error = NULL;
                return r;
        }
        if ((r = mkdir_parents(s->path)) < 0) {
                if (asprintf(&s->error, "cannot create the directories of '%s': %s", s->path,
                             strerror(-r)) < 0)
                        s->error = NULL;
                return r;
        }
        /* A profile there already (an earlier recording, another replica): the union, in its
         * form. One that cannot be merged is kept, and this recording goes beside it. */
        json_error_t e;
        const char *target = s->path;
        _cleanup_free_ char *beside = NULL;
        errno = 0;
        base = json_load_file(s->path, JSON_REJECT_DUPLICATES, &e);
        if (base || errno != ENOENT) {
                if (base && record_merge(base, j, comment, &why) == 0) {
                        json_decref(j);
                        j = TAKE_PTR(base);
                } else {
                        size_t l = strlen(s->path);
                        if (asprintf(&beside, "%.*s.%s.json", (int)(l - 5), s->path, s->id) < 0)
                                return -ENOMEM;
                        log_warning("Recording of '%s': cannot merge into '%s' (%s): written to "
                                    "'%s'",
                                    s->id, s->path, base ? why : e.text, beside);
                        target = beside;
                }
        }
        if ((r = record_write_profile(target, j)) < 0) {
                if (asprintf(&s->error, "cannot write '%s': %s", target, strerror(-r)) < 0)
                        s->error = NULL;
                return r;
        }
        log_info("Recording of container '%s' done: %zu syscalls, %llu calls, written to '%s'",
                 s->id, record_set_count(&s->set), (unsigned long long)s->set.n_calls, target);
        return 0;
}

static void on_hangup(struct recorder *r, struct recording *s)
{
        /* Under the lock: GET /v1/recordings reads the set. */
        pthread_mutex_lock(&r->lock);
        int w = s->set.n_calls > 0 ? record_set_add_timing(&s->set) : 0;
        pthread_mutex_unlock(&r->lock);
        if (w == 0)
                w = write_recording(s);
        pthread_mutex_lock(&r->lock);
        if (w < 0)
                log_warning("Recording of container '%s' failed: %s", s->id,
                            s->error ? s->error : strerror(-w));
        finish(r, s, w < 0 ? REC_FAILED : REC_WRITTEN);
        pthread_mutex_unlock(&r->lock);
}

static void expire(struct recorder *r, uint64_t now)
{
        pthread_mutex_lock(&r->lock);
        for (unsigned i = 0; i < r->max; i++) {
                struct recording *s = &r->slots[i];
                if (s->state == REC_RESERVED && now - s->reserved_ms > RECORDER_RESERVE_TTL_MS) {
                        log_warning("Recording of container '%s': no listener came within %d s",
                                    s->id, RECORDER_RESERVE_TTL_MS / 1000);
                        s->error = strdup("no listener came from the runtime");
                        finish(r, s, REC_FAILED);
                }
        }
        pthread_mutex_unlock(&r->lock);
        for (unsigned i = 0; i < r->max; i++)
                if (r->conns[i].fd >= 0 && now > r->conns[i].deadline_ms) {
                        log_warning("Record socket: a connection sent no listener within %d ms",
                                    RECORDER_CONNECT_TTL_MS);
                        conn_clear(&r->conns[i]);
                }
}

static void *thread_main(void *userdata)
{
        struct recorder *r = userdata;
        /* wake, listen, conns, listeners */
        size_t cap = 2 + 2 * (size_t)r->max;
        _cleanup_free_ struct pollfd *pf = calloc(cap, sizeof(*pf));
        _cleanup_free_ void **who = calloc(cap, sizeof(*who));
        if (!pf || !who) {
                log_error("Recorder: out of memory; recording is off");
                return NULL;
        }
        for (;;) {
                size_t n = 0;
                pf[n++] = (struct pollfd){.fd = r->wake_fd, .events = POLLIN};
                pf[n++] = (struct pollfd){.fd = r->listen_fd, .events = POLLIN};
                for (unsigned i = 0; i < r->max; i++)
                        if (r->conns[i].fd >= 0) {
                                who[n] = &r->conns[i];
                                pf[n++] = (struct pollfd){.fd = r->conns[i].fd, .events = POLLIN};
                        }
                size_t first_listener = n;
                /* Slots go from free to reserved in HTTP threads, under the lock; only this
                 * thread makes them recording or frees a recording one. */
                pthread_mutex_lock(&r->lock);
                for (unsigned i = 0; i < r->max; i++)
                        if (r->slots[i].state == REC_RECORDING) {
                                who[n] = &r->slots[i];
                                pf[n++] = (struct pollfd){.fd = r->slots[i].listener,
                                                          .events = POLLIN};
                        }
                pthread_mutex_unlock(&r->lock);
                int k = poll(pf, n, 1000);
                if (k < 0 && errno != EINTR) {
                        log_error_errno(-errno, "Recorder: poll failed: %m");
                        return NULL;
                }
                if (__atomic_load_n(&r->stopping, __ATOMIC_ACQUIRE))
                        return NULL;
                for (size_t i = 2; k > 0 && i < n; i++) {
                        if (!pf[i].revents)
                                continue;
                        if (i < first_listener) {
                                conn_read(r, who[i]);
                                continue;
                        }
                        struct recording *s = who[i];
                        if (pf[i].revents & POLLIN) {
                                /* The lock guards the set against GET /v1/recordings. */
                                pthread_mutex_lock(&r->lock);
                                int q = record_notify_one(s->listener, &s->set);
                                r->calls_total += q == 0;
                                pthread_mutex_unlock(&r->lock);
                                if (q < 0 && q != -ENOENT)
                                        log_debug("Recording '%s': a notification: %s", s->id,
                                                  strerror(-q));
                        } else if (pf[i].revents & (POLLHUP | POLLERR | POLLNVAL))
                                on_hangup(r, s);
                }
                if (k > 0 && (pf[1].revents & POLLIN))
                        accept_one(r);
                expire(r, now_ms());
        }
}

int recorder_start(struct recorder *r)
{
        if (!recorder_socket(r))
                return 0;
        int e = pthread_create(&r->thread, NULL, thread_main, r);
        if (e)
                return log_error_errno(-e, "Failed to start the recorder thread: %m");
        r->started = true;
        return 0;
}

void recorder_stop(struct recorder *r)
{
        if (!r || !r->started)
                return;
        __atomic_store_n(&r->stopping, true, __ATOMIC_RELEASE);
        (void)eventfd_write(r->wake_fd, 1);
        pthread_join(r->thread, NULL);
        r->started = false;
        pthread_mutex_lock(&r->lock);
        for (unsigned i = 0; i < r->max; i++) {
                struct recording *s = &r->slots[i];
                if (s->state == REC_RECORDING)
                        log_warning("Recording of container '%s' abandoned: seccompd stops; its "
                                    "calls fail with ENOSYS from now on",
                                    s->id);
                if (s->state != REC_FREE)
                        finish(r, s, REC_ABANDONED);
        }
        pthread_mutex_unlock(&r->lock);
}

struct recorder *recorder_free(struct recorder *r)
{
        if (!r)
                return NULL;
        recorder_stop(r);
        for (unsigned i = 0; r->slots && i < r->max; i++)
                slot_clear(&r->slots[i]);
        for (unsigned i = 0; r->conns && i < r->max; i++)
                conn_clear(&r->conns[i]);
        for (size_t i = 0; i < RECORDER_HISTORY; i++) {
                free(r->history[i].id);
                free(r->history[i].name);
                free(r->history[i].path);
                free(r->history[i].error);
        }
        free(r->slots);
        free(r->conns);
        if (r->listen_fd >= 0) {
                close(r->listen_fd);
                (void)unlink(r->socket_path);
        }
        if (r->wake_fd >= 0)
                close(r->wake_fd);
        free(r->socket_path);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
}

static json_t *entry_json(const char *id, const char *name, const char *path, enum rec_state state,
                          uint64_t calls, size_t syscalls, time_t started, time_t ended,
                          const char *error)
{
        char a[LOG_TIME_MAX], b[LOG_TIME_MAX];
        rfc3339_utc(started, a, sizeof(a));
        rfc3339_utc(ended, b, sizeof(b));
        return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s?, s:s?}", SECCOMPD_KEY_ID, id,
                         SECCOMPD_KEY_PROFILE, name, SECCOMPD_KEY_PATH, path, SECCOMPD_KEY_STATE,
                         state_names[state], SECCOMPD_KEY_CALLS, (json_int_t)calls,
                         SECCOMPD_KEY_SYSCALLS, (json_int_t)syscalls, SECCOMPD_KEY_STARTED, a,
                         SECCOMPD_KEY_ENDED, ended ? b : NULL, SECCOMPD_KEY_ERROR, error);
}

json_t *recorder_list_json(struct recorder *r)
{
        json_t *list = json_array();
        pthread_mutex_lock(&r->lock);
        for (unsigned i = 0; i < r->max; i++) {
                const struct recording *s = &r->slots[i];
                if (s->state != REC_FREE)
                        json_array_append_new(list,
                                              entry_json(s->id, s->name, s->path, s->state,
                                                         s->set.n_calls, record_set_count(&s->set),
                                                         s->started, 0, s->error));
        }
        for (size_t i = 0; i < r->n_history; i++) {
                size_t at = (r->history_next + RECORDER_HISTORY - 1 - i) % RECORDER_HISTORY;
                const struct history *h = &r->history[at];
                json_array_append_new(list,
                                      entry_json(h->id, h->name, h->path, h->state, h->calls,
                                                 h->syscalls, h->started, h->ended, h->error));
        }
        json_t *j = json_pack("{s:o, s:i, s:I, s:s?}", SECCOMPD_KEY_RECORDINGS, list,
                              SECCOMPD_KEY_MAX, (int)r->max, SECCOMPD_KEY_REFUSED,
                              (json_int_t)r->n_refused, SECCOMPD_KEY_RECEIVER, recorder_socket(r));
        pthread_mutex_unlock(&r->lock);
        return j;
}

void recorder_render_metrics(struct recorder *r, FILE *f)
{
        unsigned active = 0;
        pthread_mutex_lock(&r->lock);
        for (unsigned i = 0; i < r->max; i++)
                active += r->slots[i].state != REC_FREE;
        fprintf(f,
                "# HELP seccompd_recordings Recordings reserved or running.\n"
                "# TYPE seccompd_recordings gauge\n"
                "seccompd_recordings %u\n"
                "# HELP seccompd_recordings_total Recordings finished, by result.\n"
                "# TYPE seccompd_recordings_total counter\n"
                "seccompd_recordings_total{result=\"written\"} %llu\n"
                "seccompd_recordings_total{result=\"failed\"} %llu\n"
                "seccompd_recordings_total{result=\"abandoned\"} %llu\n"
                "# HELP seccompd_recordings_refused_total Reservations refused: every slot "
                "taken.\n"
                "# TYPE seccompd_recordings_refused_total counter\n"
                "seccompd_recordings_refused_total %llu\n"
                "# HELP seccompd_record_listeners_rejected_total Listeners refused: no "
                "recording reserved for their container.\n"
                "# TYPE seccompd_record_listeners_rejected_total counter\n"
                "seccompd_record_listeners_rejected_total %llu\n"
                "# HELP seccompd_recorded_calls_total Notifications answered for recordings.\n"
                "# TYPE seccompd_recorded_calls_total counter\n"
                "seccompd_recorded_calls_total %llu\n",
                active, (unsigned long long)r->n_written, (unsigned long long)r->n_failed,
                (unsigned long long)r->n_abandoned, (unsigned long long)r->n_refused,
                (unsigned long long)r->n_rejected, (unsigned long long)r->calls_total);
        pthread_mutex_unlock(&r->lock);
}
