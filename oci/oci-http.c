/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "macro.h"
#include "oci-http.h"
#include "seccompd/protocol.h"

/* The largest answer taken: a 4096-instruction blob is 44 KiB in base64, diagnostics of a
 * profile at the daemon's 1 MiB body limit stay well below this. */
#define ANSWER_MAX (4u * 1024 * 1024)
#define BPF_INSNS_MAX 4096u

void oci_compiled_done(struct oci_compiled *c)
{
        free(c->blob_b64);
        free(c->key);
        *c = (struct oci_compiled){ 0 };
}

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on `fd` until `deadline` (CLOCK_MONOTONIC ms). 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, long long deadline)
{
        for (;;) {
                long long left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = fd, .events = events };
                int n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
                if (n > 0)
                        return 0;
                if (n < 0 && errno != EINTR)
                        return -errno;
        }
}

static int send_all(int fd, const char *p, size_t size, long long deadline)
{
        while (size > 0) {
                ssize_t k = send(fd, p, size, MSG_NOSIGNAL);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return errno == EPIPE ? -ECONNRESET : -errno;
                        int r = wait_fd(fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                p += k;
                size -= (size_t)k;
        }
        return 0;
}

/* Reads until the daemon closes the connection. */
static int recv_all(int fd, long long deadline, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 0;
        for (;;) {
                if (allocated - n < 4096) {
                        allocated = allocated ? allocated * 2 : 16384;
                        if (allocated > ANSWER_MAX + 1)
                                return -EPROTO;
                        char *nb = realloc(buf, allocated);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                ssize_t k = recv(fd, buf + n, allocated - n - 1, 0);
                if (k > 0) {
                        n += (size_t)k;
                        continue;
                }
                if (k == 0)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return -errno;
                int r = wait_fd(fd, POLLIN, deadline);
                if (r < 0)
                        return r;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static int connect_unix(const char *path, long long deadline)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A Unix socket connects at once, or says EAGAIN while the listener's backlog is full. */
        while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;
                if (e == EINTR)
                        continue;
                if (e == EAGAIN || e == EINPROGRESS) {
                        int r = wait_fd(fd, POLLOUT, deadline);
                        if (r < 0) {
                                close(fd);
                                return r;
                        }
                        continue;
                }
                close(fd);
                return -e;
        }
        return fd;
}

/* Decoded size of standard, padded base64 text, or -1 when it is not that. */
static long long base64_size(const char *s)
{
        size_t n = strlen(s), pad = 0;
        if (n == 0 || n % 4 != 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                char ch = s[i];
                bool alnum = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                             (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
                if (ch == '=' && i >= n - 2) {
                        pad++;
                        continue;
                }
                if (!alnum || pad > 0)
                        return -1;
        }
        return (long long)(n / 4 * 3 - pad);
}

/* "message: line:col: /pointer: first error" from an error answer, or NULL. */
static char *error_message(const char *body)
{
        _cleanup_(json_decrefp) json_t *j = json_loads(body, 0, NULL);
        const json_t *e = json_object_get(j, SECCOMPD_KEY_ERROR);
        const char *msg = json_string_value(json_object_get(e, SECCOMPD_KEY_MESSAGE));
        if (!msg)
                return NULL;
        const json_t *d = json_array_get(json_object_get(e, SECCOMPD_KEY_DIAGNOSTICS), 0);
        const char *dm = json_string_value(json_object_get(d, SECCOMPD_KEY_MESSAGE));
        const char *ptr = json_string_value(json_object_get(d, SECCOMPD_KEY_POINTER));
        char *out;
        if (dm && asprintf(&out, "%s: %lld:%lld: %s%s%s", msg,
                           json_integer_value(json_object_get(d, SECCOMPD_KEY_LINE)),
                           json_integer_value(json_object_get(d, SECCOMPD_KEY_COLUMN)),
                           ptr ? ptr : "", ptr && ptr[0] ? ": " : "", dm) >= 0)
                return out;
        return strdup(msg);
}

static int parse_blob(const char *body, struct oci_compiled *ret)
{
        _cleanup_(json_decrefp) json_t *j = json_loads(body, 0, NULL);
        const char *b64 = json_string_value(json_object_get(j, SECCOMPD_KEY_BLOB));
        const char *key = json_string_value(json_object_get(j, SECCOMPD_KEY_KEY));
        json_int_t insns = json_integer_value(json_object_get(j, SECCOMPD_KEY_INSTRUCTIONS));
        if (!b64 || !key)
                return -EPROTO;
        long long size = base64_size(b64);
        /* The kernel takes 1 to BPF_MAXINSNS instructions of 8 bytes. */
        if (size <= 0 || size % 8 != 0 || size / 8 > BPF_INSNS_MAX || insns != size / 8)
                return -EPROTO;
        *ret = (struct oci_compiled){
                .blob_b64 = strdup(b64),
                .size = (size_t)size,
                .instructions = (unsigned)insns,
                .key = strdup(key),
        };
        if (!ret->blob_b64 || !ret->key) {
                oci_compiled_done(ret);
                return -ENOMEM;
        }
        return 0;
}

int oci_compile(const char *socket_path, unsigned timeout_ms, const char *body, size_t size,
                struct oci_compiled *ret, char **ret_error)
{
        long long deadline = now_ms() + timeout_ms;
        _cleanup_free_ char *head = NULL, *answer = NULL;
        size_t answer_size = 0;
        int r;

        *ret_error = NULL;
        _cleanup_close_ int fd = connect_unix(socket_path, deadline);
        if (fd < 0)
                return fd;
        if (asprintf(&head,
                     "POST " SECCOMPD_ROUTE_COMPILE " HTTP/1.0\r\n"
                     "Host: localhost\r\n"
                     "User-Agent: seccompd-oci/" PACKAGE_VERSION "\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     size) < 0) {
                head = NULL;
                return -ENOMEM;
        }
        if ((r = send_all(fd, head, strlen(head), deadline)) < 0 ||
            (r = send_all(fd, body, size, deadline)) < 0 ||
            (r = recv_all(fd, deadline, &answer, &answer_size)) < 0)
                return r;

        /* "HTTP/1.x NNN reason\r\n" headers "\r\n\r\n" body */
        if (answer_size < 12 || strncmp(answer, "HTTP/1.", 7) != 0 || answer[8] != ' ')
                return answer_size == 0 ? -ECONNRESET : -EPROTO;
        char *end;
        long status = strtol(answer + 9, &end, 10);
        char *sep = strstr(answer, "\r\n\r\n");
        if (end != answer + 12 || !sep || (size_t)(sep - answer) > answer_size)
                return -EPROTO;
        const char *payload = sep + 4;
        if (status == 200)
                return parse_blob(payload, ret);
        *ret_error = error_message(payload);
        if (!*ret_error)
                return -EPROTO; /* not the API's error answer */
        return status == 422 || status == 409 ? -EBADMSG
               : status == 403               ? -EPERM
               : status == 503               ? -EAGAIN
               : status == 413               ? -EFBIG
                                             : -EIO;
}
