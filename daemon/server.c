/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "seccompd/protocol.h"
#include "server-internal.h"

/* Percent-decoding for paths and query values. %00 becomes \x01, which every name check
 * refuses: a NUL must never cut a name short. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                int hi, lo;
                if (r[0] == '%' && r[1] && r[2] && sscanf(r + 1, "%1x%1x", &hi, &lo) == 2) {
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
        bool post;              /* POST; otherwise GET or HEAD */
        const char *name;       /* metrics label */
        const char *privileged; /* the refusal when the peer is not privileged, or NULL */
        route_fn handler;
} routes[] = {
        {SECCOMPD_ROUTE_HEALTH, false, false, "health", NULL, route_health},
        {SECCOMPD_ROUTE_STATUS, false, false, "status", NULL, route_status},
        {SECCOMPD_ROUTE_PROFILES, false, false, "profiles", NULL, route_profiles},
        {SECCOMPD_ROUTE_PROFILE_PREFIX, true, false, "profile", NULL, route_profile},
        {SECCOMPD_ROUTE_BPF_PREFIX, true, false, "bpf", NULL, route_bpf},
        {SECCOMPD_ROUTE_SOURCE_PREFIX, true, false, "source", NULL, route_source},
        {SECCOMPD_ROUTE_BLOB_PREFIX, true, false, "blobs", NULL, route_blob},
        {SECCOMPD_ROUTE_VALIDATE, false, true, "validate", NULL, route_validate},
        {SECCOMPD_ROUTE_COMPILE, false, true, "compile",
         "compiling ad-hoc profiles needs root or the seccompd group", route_compile},
        {SECCOMPD_ROUTE_RELOAD, false, true, "reload", "reload needs root or the seccompd group",
         route_reload},
        {SECCOMPD_ROUTE_METRICS, false, false, "metrics", NULL, route_metrics},
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
        bool post = streq(method, "POST");
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
                if (r->post ? !post : !get)
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
        struct server *s = cls;
        struct request *rq = *con_cls;

        if (!rq) { /* the URI log callback could not allocate it */
                rq = calloc(1, sizeof(*rq));
                if (!rq)
                        return MHD_NO;
                *con_cls = rq;
        }
        if (!rq->started) {
                rq->started = true;
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                if (!rq->too_large &&
                    rq->size + *upload_data_size <= manager_config(s->m)->max_body_size) {
                        char *nb = realloc(rq->body, rq->size + *upload_data_size + 1);
                        if (!nb)
                                return MHD_NO;
                        rq->body = nb;
                        memcpy(rq->body + rq->size, upload_data, *upload_data_size);
                        rq->size += *upload_data_size;
                        rq->body[rq->size] = 0;
                } else
                        rq->too_large = true;
                *upload_data_size = 0;
                return MHD_YES;
        }

        struct reply rp = { .status = 500, .route = "unknown" };
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
        struct request *rq = *con_cls;
        if (rq) {
                free(rq->body);
                free(rq);
                *con_cls = NULL;
        }
}

static int lock_socket_dir(const char *path);

static void unlink_own_socket(struct server *s, const char *path)
{
        struct stat st;
        _cleanup_close_ int lock = lock_socket_dir(path);
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

static int bind_socket(struct server *s, const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
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
                        return log_error_errno(-errno, "Failed to remove the stale socket "
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
        if (chmod(path, 0660) < 0 ||
            (s->has_group && chown(path, (uid_t)-1, s->group) < 0)) {
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
        if (config->socket_group) {
                struct group *g = getgrnam(config->socket_group);
                if (!g) {
                        free(s);
                        return log_error_errno(-ENOENT, "Unknown socket group '%s'",
                                               config->socket_group);
                }
                s->group = g->gr_gid;
                s->has_group = true;
        }
        s->fd = listen_fd >= 0 ? listen_fd : bind_socket(s, config->socket_path);
        if (s->fd < 0) {
                int r = s->fd;
                free(s);
                return r;
        }
        s->daemon = MHD_start_daemon(
                MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                        MHD_USE_ERROR_LOG,
                0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
                MHD_OPTION_CONNECTION_LIMIT, config->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
                config->connection_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
                unescape, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_END);
        if (!s->daemon) {
                server_free(s);
                return log_error_errno(-EIO, "Failed to start the HTTP server");
        }
        log_info("Listening on %s",
                 listen_fd >= 0 ? "the socket from systemd" : config->socket_path);
        *ret = s;
        return 0;
}

struct server *server_free(struct server *s)
{
        if (!s)
                return NULL;
        if (s->daemon) {
                /* Take the listening socket back first: MHD would close it, and it is ours. */
                (void)MHD_quiesce_daemon(s->daemon);
                MHD_stop_daemon(s->daemon);
        }
        if (s->fd >= 0)
                close(s->fd);
        if (s->own_socket)
                unlink_own_socket(s, manager_config(s->m)->socket_path);
        free(s);
        return NULL;
}
