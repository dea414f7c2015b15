/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "seccompd/protocol.h"
#include "server-internal.h"

static int hex_digit(char c)
{
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
}

/* Percent-decoding for paths and query values: '%' and exactly two hex digits (sscanf's %x,
 * used before, also took a space or a sign there, and cost 4% of the daemon's CPU on a
 * compile request carrying a report). %00 becomes \x01, which every name check refuses: a
 * NUL must never cut a name short. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                int hi = r[0] == '%' ? hex_digit(r[1]) : -1, lo = hi >= 0 ? hex_digit(r[2]) : -1;
                if (lo >= 0) {
                        int v = hi * 16 + lo;
                        *w++ = (char)(v ? v : 1);
                        r += 2;
                } else
                        *w++ = *r;
        }
        *w = 0;
        return (size_t)(w - s);
}

/* The routes of include/seccompd/protocol.h. A path that matches with another method is
 * answered 405, one that matches nothing 404. */
static const struct route {
        const char *path;
        bool prefix;            /* path + argument (a name or key) */
        const char *method;     /* "POST", "DELETE", or NULL for GET and HEAD */
        const char *name;       /* metrics label */
        const char *privileged; /* the refusal when the peer is not privileged, or NULL */
        route_fn handler;
} routes[] = {
        {SECCOMPD_ROUTE_HEALTH, false, NULL, "health", NULL, route_health},
        {SECCOMPD_ROUTE_STATUS, false, NULL, "status", NULL, route_status},
        {SECCOMPD_ROUTE_PROFILES, false, NULL, "profiles", NULL, route_profiles},
        {SECCOMPD_ROUTE_PROFILE_PREFIX, true, NULL, "profile", NULL, route_profile},
        {SECCOMPD_ROUTE_BPF_PREFIX, true, NULL, "bpf", NULL, route_bpf},
        {SECCOMPD_ROUTE_SOURCE_PREFIX, true, NULL, "source", NULL, route_source},
        {SECCOMPD_ROUTE_BLOB_PREFIX, true, NULL, "blobs", NULL, route_blob},
        {SECCOMPD_ROUTE_VALIDATE, false, "POST", "validate", NULL, route_validate},
        {SECCOMPD_ROUTE_COMPILE, false, "POST", "compile",
         "compiling ad-hoc profiles needs root or the seccompd group", route_compile},
        {SECCOMPD_ROUTE_RELOAD, false, "POST", "reload", "reload needs root or the seccompd group",
         route_reload},
        {SECCOMPD_ROUTE_METRICS, false, NULL, "metrics", NULL, route_metrics},
        {SECCOMPD_ROUTE_CONTAINERS, false, NULL, "containers", NULL, route_containers},
        {SECCOMPD_ROUTE_CONTAINER_PREFIX, true, "POST", "container_report",
         "reporting a container needs root or the seccompd group", route_container_report},
        {SECCOMPD_ROUTE_CONTAINER_PREFIX, true, "DELETE", "container_delete",
         "reporting a container needs root or the seccompd group", route_container_delete},
        {SECCOMPD_ROUTE_DENIALS, false, NULL, "denials", NULL, route_denials},
        {SECCOMPD_ROUTE_RECORDINGS, false, NULL, "recordings", NULL, route_recordings},
        {SECCOMPD_ROUTE_RECORDING_PREFIX, true, "POST", "recording_reserve",
         "recording a container needs root or the seccompd group", route_recording_reserve},
};

static enum MHD_Result check_argument(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
        bool *ok = cls;
        if (!utf8_is_valid(key) || (value && !utf8_is_valid(value))) {
                *ok = false;
                return MHD_NO;
        }
        return MHD_YES;
}

/* What every route may assume of a request: its target had no raw NUL, and its path and
 * query are UTF-8 (they are quoted in JSON answers). Returns false once it has answered. */
static bool request_well_formed(struct MHD_Connection *c, const char *url, const char *version,
                                const struct request *rq, struct reply *rp)
{
        bool ok = true;
        /* libmicrohttpd hands the target on as a C string: a raw NUL in it cut the name
         * short ("GET /v1/bpf/demo/a\0/../x" served demo/a.json). The target ends where the
         * HTTP version begins, one separator before it, in the same buffer; a C string that
         * ends earlier held a NUL. */
        if (rq->raw_target_end && version && version[0] && rq->raw_target_end != version - 1) {
                rp->route = "bad_request";
                reply_error(rp, -EINVAL, NULL, "the request target contains a NUL byte");
                return false;
        }
        (void)MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_argument, &ok);
        if (!ok || !utf8_is_valid(url)) {
                rp->route = "bad_request";
                reply_error(rp, -EINVAL, NULL, "the request's path or query is not UTF-8");
                return false;
        }
        return true;
}

static void dispatch(struct server *s, struct MHD_Connection *c, const char *url,
                     const char *method, const struct request *rq, struct reply *rp)
{
        bool get = streq(method, "GET") || streq(method, "HEAD");
        bool known = false;

        if (rq->too_large) {
                rp->route = "too_large";
                reply_error(rp, -EFBIG, NULL, "request body larger than %zu bytes",
                            manager_config(s->m)->max_body_size);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
                const struct route *r = &routes[i];
                size_t l = strlen(r->path);
                if (r->prefix ? strncmp(url, r->path, l) != 0 : !streq(url, r->path))
                        continue;
                known = true;
                if (r->method ? !streq(method, r->method) : !get)
                        continue;
                rp->route = r->name;
                if (r->privileged && !peer_privileged(s, c))
                        reply_error(rp, -EPERM, NULL, "%s", r->privileged);
                else
                        r->handler(s, c, r->prefix ? url + l : NULL, rq, rp);
                return;
        }
        rp->route = known ? "method" : "unknown";
        if (known)
                reply_error(rp, -EOPNOTSUPP, NULL, "%s is not allowed on %s", method, url);
        else
                reply_error(rp, -ENOENT, NULL, "no route %s", url);
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* An answer written straight to the socket, for the two cases where libmicrohttpd cannot
 * queue one: at accept (over the peer's bound) and in the middle of a request (the deadline,
 * a chunked body over the limit). Only ever written when libmicrohttpd is not writing: before
 * the connection's thread runs, from that thread inside the handler, or while the request is
 * still being received. Best effort: the connection is shut down right after. */
static void send_raw_error(int fd, unsigned status, const char *reason, const char *code,
                           const char *message)
{
        char body[256], head[256];
        int bl = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n",
                          code, message);
        int hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
                          "Connection: close\r\nContent-Length: %d\r\n\r\n",
                          status, reason, bl);
        if (bl < 0 || hl < 0 || (size_t)bl >= sizeof(body) || (size_t)hl >= sizeof(head))
                return;
        (void)!send(fd, head, (size_t)hl, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)!send(fd, body, (size_t)bl, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* A peer is a user; root is counted per process: container managers start many containers
 * at once as root, each through a process of its own (seccompd-oci), while one process
 * holding many connections is what a slowloris looks like. */
static bool same_peer(const struct conn *a, const struct conn *b)
{
        return a->uid == b->uid && (a->uid != 0 || a->pid == b->pid);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
        struct server *s = cls;
        const struct config *config = manager_config(s->m);

        if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                struct conn *k = *socket_context;
                if (!k)
                        return;
                /* Unlinked before libmicrohttpd closes the fd (its cleanup notifies first):
                 * the sweeper never shuts down a number reused by another connection. */
                pthread_mutex_lock(&s->conns_lock);
                if (k->prev)
                        k->prev->next = k->next;
                else
                        s->conns = k->next;
                if (k->next)
                        k->next->prev = k->prev;
                pthread_mutex_unlock(&s->conns_lock);
                free(k);
                *socket_context = NULL;
                return;
        }
        if (code != MHD_CONNECTION_NOTIFY_STARTED)
                return;
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn *k = calloc(1, sizeof(*k));
        struct ucred cred = {.uid = (uid_t)-1, .pid = 0};
        socklen_t l = sizeof(cred);
        if (!k || !info) {
                free(k);
                return; /* untracked: the idle timeout still applies */
        }
        k->fd = info->connect_fd;
        if (getsockopt(k->fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
                cred = (struct ucred){.uid = (uid_t)-1, .pid = 0};
        k->uid = cred.uid;
        k->pid = cred.pid;
        k->since = now_usec();
        unsigned same = 0;
        pthread_mutex_lock(&s->conns_lock);
        for (struct conn *o = s->conns; o; o = o->next)
                if (!o->refused && same_peer(o, k))
                        same++;
        k->refused =
                config->max_connections_per_peer > 0 && same >= config->max_connections_per_peer;
        k->next = s->conns;
        if (s->conns)
                s->conns->prev = k;
        s->conns = k;
        pthread_mutex_unlock(&s->conns_lock);
        *socket_context = k;
        if (k->refused) {
                /* The connection's thread has not started: nothing else writes yet. Its
                 * handler refuses the request; the sweeper closes it after a second's grace
                 * (time for the client to finish sending and read this). */
                char msg[128];
                snprintf(msg, sizeof(msg), "more than %u connections at once from this %s",
                         config->max_connections_per_peer, k->uid == 0 ? "process" : "user");
                send_raw_error(k->fd, 429, "Too Many Requests", SECCOMPD_ERROR_TOO_MANY, msg);
                (void)shutdown(k->fd, SHUT_WR);
                manager_count_request(s->m, "peer_limit", 429);
                log_debug("Refused a connection of uid %u pid %d: %s", (unsigned)k->uid,
                          (int)k->pid, msg);
        }
}

static struct conn *conn_of(struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return info ? info->socket_context : NULL;
}

static void conn_set_phase(struct server *s, struct conn *k, enum conn_phase phase)
{
        if (!k)
                return;
        pthread_mutex_lock(&s->conns_lock);
        k->phase = phase;
        k->since = now_usec();
        pthread_mutex_unlock(&s->conns_lock);
}

/* The whole-request deadline. libmicrohttpd's own timeout is only idle time, reset by every
 * byte: one header byte every 9 s held a connection forever. Every quarter of a second, any
 * connection whose request (headers and body) or answer has been under way longer than
 * request_timeout, or that was refused at accept a second ago, is answered 408 (when it is
 * still receiving) and shut down; libmicrohttpd's thread for it then sees the end of the
 * stream and closes it. Routes that are running are left to their own bounds. */
static void *sweeper(void *userdata)
{
        struct server *s = userdata;
        const struct config *config = manager_config(s->m);
        uint64_t deadline = (uint64_t)config->request_timeout * 1000000;

        pthread_mutex_lock(&s->conns_lock);
        while (!s->stopping) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 250 * 1000 * 1000;
                if (ts.tv_nsec >= 1000000000) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000;
                }
                (void)pthread_cond_timedwait(&s->conns_cond, &s->conns_lock, &ts);
                uint64_t now = now_usec();
                unsigned cut = 0;
                for (struct conn *k = s->conns; k && !s->stopping; k = k->next) {
                        if (k->cut || k->phase == CONN_HANDLING || k->phase == CONN_STREAMING)
                                continue;
                        uint64_t age = now - k->since;
                        if (k->refused ? age < 1000000 : age < deadline)
                                continue;
                        if (!k->refused && k->phase == CONN_RECEIVING) {
                                char msg[96];
                                snprintf(msg, sizeof(msg), "the request did not arrive within %u s",
                                         config->request_timeout);
                                send_raw_error(k->fd, 408, "Request Timeout",
                                               SECCOMPD_ERROR_TIMEOUT, msg);
                        }
                        (void)shutdown(k->fd, SHUT_RDWR);
                        k->cut = true;
                        if (!k->refused)
                                cut++;
                }
                if (cut > 0) {
                        pthread_mutex_unlock(&s->conns_lock);
                        for (unsigned i = 0; i < cut; i++)
                                manager_count_request(s->m, "deadline", 408);
                        log_debug("Closed %u connection%s past the %u s request deadline", cut,
                                  cut == 1 ? "" : "s", config->request_timeout);
                        pthread_mutex_lock(&s->conns_lock);
                }
        }
        pthread_mutex_unlock(&s->conns_lock);
        return NULL;
}

/* The request's body so far went over the limit. A Content-Length over it was answered 413
 * before any byte of the body (see on_request); a chunked body can only be cut here:
 * libmicrohttpd cannot queue an answer in the middle of a body, so the 413 is written to the
 * socket and the connection closed (a client still sending sees it closed). */
static enum MHD_Result body_too_large(struct server *s, struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        char msg[96];
        snprintf(msg, sizeof(msg), "request body larger than %zu bytes",
                 manager_config(s->m)->max_body_size);
        if (info)
                send_raw_error(info->connect_fd, 413, "Payload Too Large", SECCOMPD_ERROR_TOO_LARGE,
                               msg);
        manager_count_request(s->m, "too_large", 413);
        return MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct server *s = cls;
        struct request *rq = *con_cls;

        if (!rq) { /* the URI log callback could not allocate it */
                rq = calloc(1, sizeof(*rq));
                if (!rq)
                        return MHD_NO;
                *con_cls = rq;
        }
        struct conn *k = conn_of(c);
        if (!rq->started) {
                rq->started = true;
                if (k && k->refused)
                        return MHD_NO; /* answered 429 at accept */
                /* A body announced over the limit is refused before any of it is read. */
                const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
                uint64_t announced;
                if (!cl || config_parse_size(cl, &announced) < 0 ||
                    announced <= manager_config(s->m)->max_body_size)
                        return MHD_YES;
                rq->too_large = true;
        } else if (*upload_data_size > 0) {
                if (rq->size + *upload_data_size > manager_config(s->m)->max_body_size)
                        return body_too_large(s, c);
                char *nb = realloc(rq->body, rq->size + *upload_data_size + 1);
                if (!nb)
                        return MHD_NO;
                rq->body = nb;
                memcpy(rq->body + rq->size, upload_data, *upload_data_size);
                rq->size += *upload_data_size;
                rq->body[rq->size] = 0;
                *upload_data_size = 0;
                return MHD_YES;
        }

        conn_set_phase(s, k, CONN_HANDLING);
        struct reply rp = {.status = 500, .route = "unknown"};
        if (request_well_formed(c, url, version, rq, &rp))
                dispatch(s, c, url, method, rq, &rp);
        if (!rp.response) {
                static const char internal[] = "{\"error\":{\"code\":\"" SECCOMPD_ERROR_INTERNAL
                                               "\",\"message\":\"internal error\"}}\n";
                rp.status = 500;
                rp.response = MHD_create_response_from_buffer(
                        sizeof(internal) - 1, (void *)internal, MHD_RESPMEM_PERSISTENT);
                if (!rp.response)
                        return MHD_NO;
                MHD_add_response_header(rp.response, "Content-Type", "application/json");
        }
        manager_count_request(s->m, rp.route, rp.status);
        log_debug("%s %s -> %u", method, url, rp.status);
        if (rq->too_large)
                MHD_add_response_header(rp.response, MHD_HTTP_HEADER_CONNECTION, "close");
        /* Before queueing: the answer may be sent, and on_completed() run, inside it. */
        conn_set_phase(s, k, rp.streaming ? CONN_STREAMING : CONN_SENDING);
        enum MHD_Result ret = MHD_queue_response(c, rp.status, rp.response);
        MHD_destroy_response(rp.response);
        return ret;
}

/* Called once the request line is parsed, with the raw target (before unescaping and before
 * the query is split off): the request context starts here, knowing where that target's C
 * string ends (see request_well_formed()). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
        struct request *rq = calloc(1, sizeof(*rq));
        if (rq && uri)
                rq->raw_target_end = uri + strlen(uri);
        return rq;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct server *s = cls;
        struct request *rq = *con_cls;
        if (rq) {
                free(rq->body);
                free(rq);
                *con_cls = NULL;
        }
        /* Kept alive: the next request's deadline starts now. */
        conn_set_phase(s, conn_of(c), CONN_RECEIVING);
}

static int lock_socket_dir(const char *path);

static void unlink_own_socket(struct server *s, const char *path)
{
        struct stat st;
        _cleanup_close_ int lock = lock_socket_dir(path); /* held until the unlink is done */
        (void)lock;
        if (lstat(path, &st) == 0 && st.st_dev == s->socket_dev && st.st_ino == s->socket_ino)
                (void)unlink(path);
        else
                log_notice("'%s' is not the socket this daemon created any more; left alone", path);
        s->own_socket = false;
}

/* Locks the socket's directory (flock on the directory itself: no lock file is left behind)
 * while a daemon checks, replaces or removes the socket, so two daemons starting at once
 * cannot both find it stale and unlink each other's. Returns the locked fd or -errno. */
static int lock_socket_dir(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                slash[1] = 0;
        else
                *slash = 0;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* Whether a daemon answers on the socket at `path`: connect() succeeds. A socket file nobody
 * listens on (ECONNREFUSED: its daemon died without removing it) is stale. */
static bool socket_answers(const struct sockaddr_un *sa)
{
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        return fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
}

/* libmicrohttpd's own messages (a client that went away, a malformed request) are about
 * one connection each: debug level, so a flood of bad connections cannot flood the log. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        char msg[512];
        if (log_max_level() < LOG_DEBUG)
                return;
        vsnprintf(msg, sizeof(msg), fmt, ap);
        msg[strcspn(msg, "\n")] = 0;
        log_debug("HTTP: %s", msg);
}

static int bind_socket(struct server *s, const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct stat st;
        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(-ENAMETOOLONG, "Socket path '%s' is too long", path);
        strcpy(sa.sun_path, path);

        /* The runtime directory: systemd makes it; by hand, we do. */
        _cleanup_free_ char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash && slash != dir) {
                *slash = 0;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return log_error_errno(-errno, "Failed to create '%s': %m", dir);
        }
        _cleanup_close_ int lock = lock_socket_dir(path);
        if (lock < 0)
                return log_error_errno(lock, "Failed to lock the directory of '%s': %m", path);
        /* A daemon that answers keeps its socket: a second one (a rolling update's overlap, a
         * second unit) refuses to start rather than steal it. Only a stale socket is
         * replaced; anything else is not ours. */
        if (lstat(path, &st) == 0) {
                if (!S_ISSOCK(st.st_mode))
                        return log_error_errno(-EEXIST, "'%s' exists and is not a socket", path);
                if (socket_answers(&sa))
                        return log_error_errno(-EADDRINUSE,
                                               "Another daemon answers on '%s'; refusing to "
                                               "start (stop it first)",
                                               path);
                log_notice("Replacing the stale socket '%s'", path);
                if (unlink(path) < 0 && errno != ENOENT)
                        return log_error_errno(-errno,
                                               "Failed to remove the stale socket "
                                               "'%s': %m",
                                               path);
        }
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to create a socket: %m");
        mode_t old = umask(0117);
        int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0) {
                r = log_error_errno(-errno, "Failed to bind '%s': %m", path);
                close(fd);
                return r;
        }
        /* The inode this daemon made: at exit it removes that one only, never a socket that
         * replaced it. */
        if (lstat(path, &st) < 0) {
                r = log_error_errno(-errno, "Failed to stat '%s': %m", path);
                close(fd);
                return r;
        }
        s->socket_dev = st.st_dev;
        s->socket_ino = st.st_ino;
        s->own_socket = true;
        if (chmod(path, 0660) < 0 || (s->has_group && chown(path, (uid_t)-1, s->group) < 0)) {
                r = log_error_errno(-errno, "Failed to set the owner and mode of '%s': %m", path);
                close(fd);
                (void)unlink(path); /* ours: the directory is locked */
                s->own_socket = false;
                return r;
        }
        if (listen(fd, 128) < 0) {
                r = log_error_errno(-errno, "Failed to listen on '%s': %m", path);
                close(fd);
                (void)unlink(path); /* ours: the directory is locked */
                s->own_socket = false;
                return r;
        }
        return fd;
}

int server_new(struct manager *m, int listen_fd, struct server **ret)
{
        const struct config *config = manager_config(m);
        struct server *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->m = m;
        s->fd = -EBADF;
        pthread_mutex_init(&s->conns_lock, NULL);
        pthread_cond_init(&s->conns_cond, NULL);
        compile_memo_init(&s->memo);
        if (config->socket_group) {
                struct group *g = getgrnam(config->socket_group);
                if (!g) {
                        server_free(s);
                        return log_error_errno(-ENOENT, "Unknown socket group '%s'",
                                               config->socket_group);
                }
                s->group = g->gr_gid;
                s->has_group = true;
        }
        s->fd = listen_fd >= 0 ? listen_fd : bind_socket(s, config->socket_path);
        if (s->fd < 0) {
                int r = s->fd;
                server_free(s);
                return r;
        }
        s->daemon = MHD_start_daemon(
                MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                        MHD_USE_ERROR_LOG,
                0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
                MHD_OPTION_CONNECTION_LIMIT, config->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
                config->connection_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
                unescape, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_CONNECTION,
                on_connection, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_END);
        if (!s->daemon) {
                server_free(s);
                return log_error_errno(-EIO, "Failed to start the HTTP server");
        }
        int r = -pthread_create(&s->sweeper, NULL, sweeper, s);
        if (r < 0) {
                server_free(s);
                return log_error_errno(r, "Failed to start the request deadline thread: %m");
        }
        s->sweeper_started = true;
        log_info("Listening on %s",
                 listen_fd >= 0 ? "the socket from systemd" : config->socket_path);
        *ret = s;
        return 0;
}

struct server *server_free(struct server *s)
{
        if (!s)
                return NULL;
        if (s->sweeper_started) {
                pthread_mutex_lock(&s->conns_lock);
                s->stopping = true;
                pthread_cond_signal(&s->conns_cond);
                pthread_mutex_unlock(&s->conns_lock);
                pthread_join(s->sweeper, NULL);
        }
        if (s->daemon) {
                /* Take the listening socket back first: MHD would close it, and it is ours. */
                (void)MHD_quiesce_daemon(s->daemon);
                MHD_stop_daemon(s->daemon);
        }
        if (s->fd >= 0)
                close(s->fd);
        if (s->own_socket)
                unlink_own_socket(s, manager_config(s->m)->socket_path);
        /* libmicrohttpd notified every connection closed when it stopped. */
        assert(!s->daemon || !s->conns);
        pthread_cond_destroy(&s->conns_cond);
        pthread_mutex_destroy(&s->conns_lock);
        compile_memo_done(&s->memo);
        free(s);
        return NULL;
}
