/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
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

static bool method_is(const char *method, const char *want)
{
        return streq(method, want);
}

static void dispatch(struct server *s, struct MHD_Connection *c, const char *url,
                     const char *method, const struct request *rq, struct reply *rp)
{
        bool get = method_is(method, "GET") || method_is(method, "HEAD");
        bool post = method_is(method, "POST");

        if (rq->too_large) {
                rp->route = "too_large";
                reply_error(rp, 413, SECCOMPD_ERROR_TOO_LARGE, NULL,
                            "request body larger than %zu bytes", s->m->config.max_body_size);
                return;
        }
#define PREFIX(p) (strncmp(url, p, strlen(p)) == 0)
        if (streq(url, SECCOMPD_ROUTE_HEALTH) && get) {
                rp->route = "health";
                route_health(s, rp);
        } else if (streq(url, SECCOMPD_ROUTE_STATUS) && get) {
                rp->route = "status";
                route_status(s, rp);
        } else if (streq(url, SECCOMPD_ROUTE_PROFILES) && get) {
                rp->route = "profiles";
                route_profiles(s, rp);
        } else if (PREFIX(SECCOMPD_ROUTE_PROFILE_PREFIX) && get) {
                rp->route = "profile";
                route_profile(s, url + strlen(SECCOMPD_ROUTE_PROFILE_PREFIX), rp);
        } else if (PREFIX(SECCOMPD_ROUTE_BPF_PREFIX) && get) {
                rp->route = "bpf";
                route_bpf(s, c, url + strlen(SECCOMPD_ROUTE_BPF_PREFIX), rp);
        } else if (PREFIX(SECCOMPD_ROUTE_SOURCE_PREFIX) && get) {
                rp->route = "source";
                route_source(s, url + strlen(SECCOMPD_ROUTE_SOURCE_PREFIX), rp);
        } else if (PREFIX(SECCOMPD_ROUTE_BLOB_PREFIX) && get) {
                rp->route = "blobs";
                route_blob(s, c, url + strlen(SECCOMPD_ROUTE_BLOB_PREFIX), rp);
        } else if (streq(url, SECCOMPD_ROUTE_VALIDATE) && post) {
                rp->route = "validate";
                route_validate(s, c, rq, rp);
        } else if (streq(url, SECCOMPD_ROUTE_COMPILE) && post) {
                rp->route = "compile";
                if (!peer_privileged(s, c))
                        reply_error(rp, 403, SECCOMPD_ERROR_FORBIDDEN, NULL,
                                    "compiling ad-hoc profiles needs root or the seccompd group");
                else
                        route_compile(s, c, rq, rp);
        } else if (streq(url, SECCOMPD_ROUTE_RELOAD) && post) {
                rp->route = "reload";
                if (!peer_privileged(s, c))
                        reply_error(rp, 403, SECCOMPD_ERROR_FORBIDDEN, NULL,
                                    "reload needs root or the seccompd group");
                else
                        route_reload(s, rp);
        } else if (streq(url, SECCOMPD_ROUTE_METRICS) && get) {
                rp->route = "metrics";
                route_metrics(s, rp);
        } else {
                bool known = streq(url, SECCOMPD_ROUTE_HEALTH) ||
                             streq(url, SECCOMPD_ROUTE_STATUS) ||
                             streq(url, SECCOMPD_ROUTE_PROFILES) ||
                             PREFIX(SECCOMPD_ROUTE_PROFILE_PREFIX) ||
                             PREFIX(SECCOMPD_ROUTE_BPF_PREFIX) ||
                             PREFIX(SECCOMPD_ROUTE_SOURCE_PREFIX) ||
                             PREFIX(SECCOMPD_ROUTE_BLOB_PREFIX) ||
                             streq(url, SECCOMPD_ROUTE_VALIDATE) ||
                             streq(url, SECCOMPD_ROUTE_COMPILE) ||
                             streq(url, SECCOMPD_ROUTE_RELOAD) || streq(url, SECCOMPD_ROUTE_METRICS);
                rp->route = known ? "method" : "unknown";
                if (known)
                        reply_error(rp, 405, SECCOMPD_ERROR_METHOD, NULL,
                                    "%s is not allowed on %s", method, url);
                else
                        reply_error(rp, 404, SECCOMPD_ERROR_NOT_FOUND, NULL, "no route %s", url);
        }
#undef PREFIX
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
        struct server *s = cls;
        struct request *rq = *con_cls;

        if (!rq) {
                rq = calloc(1, sizeof(*rq));
                if (!rq)
                        return MHD_NO;
                *con_cls = rq;
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                if (!rq->too_large && rq->size + *upload_data_size <= s->m->config.max_body_size) {
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
        dispatch(s, c, url, method, rq, &rp);
        if (!rp.response) {
                rp.status = 500;
                rp.response = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
                if (!rp.response)
                        return MHD_NO;
        }
        metrics_request(&s->m->metrics, rp.route, rp.status);
        log_debug("%s %s -> %u", method, url, rp.status);
        enum MHD_Result ret = MHD_queue_response(c, rp.status, rp.response);
        MHD_destroy_response(rp.response);
        return ret;
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
        /* A socket left behind by a previous run goes; anything else is not ours. */
        if (lstat(path, &st) == 0) {
                if (!S_ISSOCK(st.st_mode))
                        return log_error_errno(-EEXIST, "'%s' exists and is not a socket", path);
                unlink(path);
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
        if (chmod(path, 0660) < 0 ||
            (s->has_group && chown(path, (uid_t)-1, s->group) < 0)) {
                r = log_error_errno(-errno, "Failed to set the owner and mode of '%s': %m", path);
                close(fd);
                return r;
        }
        if (listen(fd, 128) < 0) {
                r = log_error_errno(-errno, "Failed to listen on '%s': %m", path);
                close(fd);
                return r;
        }
        s->own_socket = true;
        return fd;
}

int server_new(struct manager *m, int listen_fd, struct server **ret)
{
        struct server *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->m = m;
        s->fd = -EBADF;
        if (m->config.socket_group) {
                struct group *g = getgrnam(m->config.socket_group);
                if (!g) {
                        free(s);
                        return log_error_errno(-ENOENT, "Unknown socket group '%s'",
                                               m->config.socket_group);
                }
                s->group = g->gr_gid;
                s->has_group = true;
        }
        s->fd = listen_fd >= 0 ? listen_fd : bind_socket(s, m->config.socket_path);
        if (s->fd < 0) {
                int r = s->fd;
                free(s);
                return r;
        }
        s->daemon = MHD_start_daemon(
                MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                        MHD_USE_ITC | MHD_USE_ERROR_LOG,
                0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
                MHD_OPTION_CONNECTION_LIMIT, m->config.max_connections,
                MHD_OPTION_CONNECTION_TIMEOUT, m->config.connection_timeout,
                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
                unescape, s, MHD_OPTION_END);
        if (!s->daemon) {
                server_free(s);
                return log_error_errno(-EIO, "Failed to start the HTTP server");
        }
        log_info("Listening on %s", listen_fd >= 0 ? "the socket from systemd"
                                                   : m->config.socket_path);
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
                unlink(s->m->config.socket_path);
        free(s);
        return NULL;
}
