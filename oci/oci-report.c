/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api-socket.h"
#include "api.h"
#include "config.h"
#include "macro.h"
#include "oci-log.h"
#include "oci-report.h"
#include "proc-stat.h"
#include "seccompd/protocol.h"

/* The ids crun accepts are a subset of these; anything else is not reported (it would need
 * escaping in the target, and the daemon refuses it). */
static bool id_reportable(const char *id)
{
        size_t n = id ? strlen(id) : 0;
        if (n == 0 || n > 1024 || id[0] == '.')
                return false;
        for (const char *p = id; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-",
                            *p))
                        return false;
        return true;
}

static void send_report(const char *socket_path, unsigned timeout_ms, const char *method,
                        const char *id, const char *body)
{
        _cleanup_free_ char *target = NULL;
        _cleanup_(api_response_freep) struct api_response *resp = NULL, *answer = NULL;
        _cleanup_(api_error_freep) struct api_error *e = NULL;
        unsigned t = timeout_ms < OCI_REPORT_TIMEOUT_MS ? timeout_ms : OCI_REPORT_TIMEOUT_MS;
        struct api_socket sock = {
                .socket_path = socket_path,
                .user_agent = "seccompd-oci/" PACKAGE_VERSION,
                .deadline_ms = api_socket_now_ms() + t,
        };
        const struct api_transport tr = {.send = api_socket_send, .userdata = &sock};

        if (asprintf(&target, "%s%s", SECCOMPD_ROUTE_CONTAINER_PREFIX, id) < 0) {
                target = NULL;
                return;
        }
        const struct api_request req = {
                .method = method,
                .target = target,
                .body = body,
                .body_size = body ? strlen(body) : 0,
        };
        int r = api_call(&tr, &req, &resp, &answer, &e);
        if (r < 0)
                oci_log_debug("could not tell seccompd about container %s (%s %s): %s%s%s", id,
                              method, target, strerror(-r), e && e->message ? ": " : "",
                              e && e->message ? e->message : "");
}

char *oci_report_body(const struct oci_report *r)
{
        char *body;
        uint64_t pid_start = 0, runtime_start = 0, pidns = 0;

        if (!id_reportable(r->id)) {
                oci_log_debug("not reporting container '%s': an id seccompd does not take",
                              r->id ? r->id : "");
                return NULL;
        }
        if (r->pid > 0) {
                (void)proc_start_time(r->pid, &pid_start);
                (void)proc_pidns(r->pid, &pidns);
        }
        if (r->runtime_pid > 0)
                (void)proc_start_time(r->runtime_pid, &runtime_start);
        json_t *j = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", SECCOMPD_KEY_COMMAND, r->command,
                              SECCOMPD_KEY_BUNDLE, r->bundle, SECCOMPD_KEY_KEY, r->key,
                              SECCOMPD_KEY_DIGEST, r->digest, SECCOMPD_KEY_FALLBACK, r->fallback);
        if (!j)
                return NULL;
        if (r->pid > 0 && pid_start > 0) {
                json_object_set_new(j, SECCOMPD_KEY_PID, json_integer(r->pid));
                json_object_set_new(j, SECCOMPD_KEY_PID_START, json_integer((json_int_t)pid_start));
                if (pidns > 0)
                        json_object_set_new(j, SECCOMPD_KEY_PIDNS, json_integer((json_int_t)pidns));
        }
        if (r->runtime_pid > 0 && runtime_start > 0) {
                json_object_set_new(j, SECCOMPD_KEY_RUNTIME_PID, json_integer(r->runtime_pid));
                json_object_set_new(j, SECCOMPD_KEY_RUNTIME_START,
                                    json_integer((json_int_t)runtime_start));
        }
        body = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        return body;
}

void oci_report_container(const char *socket_path, unsigned timeout_ms, const struct oci_report *r)
{
        _cleanup_free_ char *body = oci_report_body(r);
        if (body)
                send_report(socket_path, timeout_ms, "POST", r->id, body);
}

void oci_report_delete(const char *socket_path, unsigned timeout_ms, const char *id)
{
        if (id_reportable(id))
                send_report(socket_path, timeout_ms, "DELETE", id, NULL);
}

int oci_read_pid_file(const char *path, pid_t *ret)
{
        char buf[32];
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return n < 0 ? -errno : -ENODATA;
        buf[n] = 0;
        char *end;
        errno = 0;
        long v = strtol(buf, &end, 10);
        if (errno != 0 || end == buf || v <= 0 || v > INT32_MAX || (*end && *end != '\n'))
                return -EBADMSG;
        *ret = (pid_t)v;
        return 0;
}
