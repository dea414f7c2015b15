/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api-socket.h"

/* The status line and headers of an answer: the daemon's are a few hundred bytes. */
#define API_HEAD_MAX (64u * 1024)

long long api_socket_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on `fd` until `deadline` (CLOCK_MONOTONIC ms). 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, long long deadline)
{
        for (;;) {
                long long left = deadline - api_socket_now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = {.fd = fd, .events = events};
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

/* Reads until the daemon closes the connection (it does after an HTTP/1.0 answer), within
 * the deadline: an answer that never ends is -ETIMEDOUT, one larger than API_BODY_MAX plus
 * its head -EFBIG. The framing is checked afterwards (parse_answer). */
static int recv_all(int fd, long long deadline, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 0;
        for (;;) {
                if (allocated - n < 4096) {
                        allocated = allocated ? allocated * 2 : 16384;
                        if (allocated > API_BODY_MAX + API_HEAD_MAX + 1)
                                return -EFBIG;
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
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
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

/* The value of a Content-Length header line (`len` bytes, without CRLF): 1 and the length,
 * 0 when the line is another header, -EPROTO when it is not a plain decimal number. */
static int content_length(const char *line, size_t len, size_t *ret)
{
        static const char name[] = "Content-Length:";
        size_t i = sizeof(name) - 1, v = 0, digits = 0;

        if (len < i || strncasecmp(line, name, i) != 0)
                return 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
        for (; i < len && line[i] >= '0' && line[i] <= '9'; i++, digits++) {
                if (v > API_BODY_MAX)
                        return -EPROTO;
                v = v * 10 + (size_t)(line[i] - '0');
        }
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
        if (digits == 0 || i != len || v > API_BODY_MAX)
                return -EPROTO;
        *ret = v;
        return 1;
}

/* "HTTP/1.x NNN reason\r\n" headers "\r\n\r\n" body: takes `answer` (`size` bytes, all the
 * connection carried) apart into `resp`. The body is exactly Content-Length bytes: an answer
 * without one, with two, with a Transfer-Encoding, or whose connection carried fewer or more
 * bytes than it says is refused (-EPROTO), so a truncated or padded blob is never taken. */
static int parse_answer(char *answer, size_t size, struct api_response *resp, char *why,
                        size_t why_size)
{
        if (size < 12 || strncmp(answer, "HTTP/1.", 7) != 0 || answer[8] != ' ')
                return size == 0 ? -ECONNRESET : -EPROTO;
        char *end;
        resp->status = strtol(answer + 9, &end, 10);
        char *sep = memmem(answer, size, "\r\n\r\n", 4);
        if (end != answer + 12 || !sep || (size_t)(sep - answer) > API_HEAD_MAX ||
            memchr(answer, 0, (size_t)(sep - answer)))
                return -EPROTO;
        size_t length = 0;
        bool have_length = false;
        for (char *line = strstr(answer, "\r\n") + 2; line < sep + 2;) {
                char *eol = strstr(line, "\r\n");
                size_t len = (size_t)(eol - line), v;
                int r = content_length(line, len, &v);
                if (r < 0 || (r > 0 && have_length)) {
                        snprintf(why, why_size, "%s Content-Length",
                                 r < 0 ? "a malformed" : "a second");
                        return -EPROTO;
                }
                if (r > 0) {
                        have_length = true;
                        length = v;
                }
                if (len >= 18 && strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
                        snprintf(why, why_size, "a Transfer-Encoding in an HTTP/1.0 answer");
                        return -EPROTO;
                }
                r = api_response_header(resp, line, len);
                if (r < 0)
                        return r;
                line = eol + 2;
        }
        resp->body_size = size - (size_t)(sep + 4 - answer);
        if (!have_length) {
                snprintf(why, why_size, "an answer without Content-Length");
                return -EPROTO;
        }
        if (resp->body_size != length) {
                snprintf(why, why_size, "a body of %zu bytes under Content-Length: %zu",
                         resp->body_size, length);
                return -EPROTO;
        }
        memmove(answer, sep + 4, resp->body_size + 1);
        resp->body = answer;
        return 0;
}

int api_socket_send(void *userdata, const struct api_request *req, struct api_response **ret)
{
        struct api_socket *s = userdata;
        _cleanup_(api_response_freep) struct api_response *resp = NULL;
        _cleanup_free_ char *head = NULL, *answer = NULL;
        const char *method = req->method ? req->method : "GET";
        size_t answer_size = 0;
        int r;

        _cleanup_close_ int fd = connect_unix(s->socket_path, s->deadline_ms);
        if (fd < 0)
                return fd;
        if (asprintf(&head,
                     "%s %s HTTP/1.0\r\n"
                     "Host: localhost\r\n"
                     "User-Agent: %s\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     method, req->target, s->user_agent, req->body_size) < 0) {
                head = NULL;
                return -ENOMEM;
        }
        if ((r = send_all(fd, head, strlen(head), s->deadline_ms)) < 0 ||
            (r = send_all(fd, req->body, req->body_size, s->deadline_ms)) < 0 ||
            (r = recv_all(fd, s->deadline_ms, &answer, &answer_size)) < 0)
                return r;
        resp = calloc(1, sizeof(*resp));
        if (!resp)
                return -ENOMEM;
        s->why[0] = 0;
        r = parse_answer(answer, answer_size, resp, s->why, sizeof(s->why));
        if (r < 0)
                return r;
        answer = NULL; /* now resp->body */
        *ret = TAKE_PTR(resp);
        return 0;
}
