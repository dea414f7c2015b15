/* SPDX-License-Identifier: Apache-2.0 */
/* bench-floor: what any server costs here to answer a request over a Unix socket, for the
 * daemon's CPU per blob (benchmark 2) to be read against. Not seccompd: a server thread that
 * waits in epoll_wait, receives one request and sends one answer of SIZE bytes (a
 * SOCK_SEQPACKET socket: one message each way, no framing, no parsing, no lookup), and N
 * client threads that each send a request and wait for the answer, in a loop for SECS.
 *
 *   bench-floor CLIENTS SIZE SECS
 *
 * Prints: floor threads=.. size=.. ops=.. ops_per_s=.. cpu_us=.. (cpu_us: the server
 * thread's CPU time per answer, from its thread CPU clock). */

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "bench.h"

#define MAX_CLIENTS 256

static char *answer;
static size_t answer_size;
static int listen_fd, stop_fd[2];

static void *server(void *arg)
{
        (void)arg;
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = listen_fd}, evs[64];
        char req[4096];
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) < 0)
                die("epoll: %s", strerror(errno));
        ev = (struct epoll_event){.events = EPOLLIN, .data.fd = stop_fd[0]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd[0], &ev) < 0)
                die("epoll: %s", strerror(errno));
        for (;;) {
                int n = epoll_wait(ep, evs, 64, -1);
                if (n < 0 && errno != EINTR)
                        die("epoll_wait: %s", strerror(errno));
                for (int i = 0; i < n; i++) {
                        int fd = evs[i].data.fd;
                        if (fd == stop_fd[0])
                                return NULL;
                        if (fd == listen_fd) {
                                int c = accept4(listen_fd, NULL, NULL,
                                                SOCK_CLOEXEC | SOCK_NONBLOCK);
                                struct epoll_event e = {.events = EPOLLIN, .data.fd = c};
                                if (c < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c, &e) < 0)
                                        die("accept: %s", strerror(errno));
                                continue;
                        }
                        for (;;) {
                                ssize_t k = recv(fd, req, sizeof(req), MSG_DONTWAIT);
                                if (k == 0) {
                                        close(fd);
                                        break;
                                }
                                if (k < 0)
                                        break;
                                if (send(fd, answer, answer_size, MSG_NOSIGNAL) !=
                                    (ssize_t)answer_size)
                                        die("send: %s", strerror(errno));
                        }
                }
        }
}

struct client {
        const char *path;
        uint64_t end_ns;
        uint64_t ops;
};

static void *client(void *arg)
{
        struct client *c = arg;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char *buf = malloc(answer_size + 1);
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
        if (!buf || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                die("connect(%s): %s", c->path, strerror(errno));
        while (now_ns() < c->end_ns) {
                static const char request[] = "runtime/default";
                if (send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL) < 0)
                        die("send: %s", strerror(errno));
                if (recv(fd, buf, answer_size + 1, 0) != (ssize_t)answer_size)
                        die("recv: a short or failed answer");
                c->ops++;
        }
        close(fd);
        free(buf);
        return NULL;
}

int main(int argc, char **argv)
{
        if (argc != 4)
                die("usage: bench-floor CLIENTS SIZE SECS");
        int n = atoi(argv[1]);
        answer_size = (size_t)strtoul(argv[2], NULL, 10);
        double secs = strtod(argv[3], NULL);
        if (n < 1 || n > MAX_CLIENTS || answer_size < 1 || answer_size > (1u << 20) || secs <= 0)
                die("usage: bench-floor CLIENTS(1..%d) SIZE(1..1M) SECS", MAX_CLIENTS);
        answer = malloc(answer_size);
        if (!answer)
                die("out of memory");
        memset(answer, 0x5a, answer_size);

        char dir[] = "/tmp/bench-floor.XXXXXX", path[108];
        if (!mkdtemp(dir))
                die("mkdtemp: %s", strerror(errno));
        snprintf(path, sizeof(path), "%s/floor.sock", dir);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        int sndbuf = (int)answer_size * 4;
        listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            listen(listen_fd, MAX_CLIENTS) < 0 || pipe2(stop_fd, O_CLOEXEC) < 0)
                die("listen(%s): %s", path, strerror(errno));
        (void)setsockopt(listen_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

        pthread_t st, ct[MAX_CLIENTS];
        clockid_t clock;
        struct timespec c0, c1;
        struct client cl[MAX_CLIENTS];
        if (pthread_create(&st, NULL, server, NULL) != 0 || pthread_getcpuclockid(st, &clock) != 0)
                die("cannot start the server thread");
        clock_gettime(clock, &c0);
        uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9), ops = 0;
        for (int i = 0; i < n; i++) {
                cl[i] = (struct client){.path = path, .end_ns = end};
                if (pthread_create(&ct[i], NULL, client, &cl[i]) != 0)
                        die("cannot start client %d", i);
        }
        for (int i = 0; i < n; i++) {
                pthread_join(ct[i], NULL);
                ops += cl[i].ops;
        }
        clock_gettime(clock, &c1);
        double elapsed = (double)(now_ns() - t0) / 1e9;
        double cpu_us =
                ((double)(c1.tv_sec - c0.tv_sec) * 1e6 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e3) /
                (double)(ops ? ops : 1);
        if (write(stop_fd[1], "x", 1) != 1)
                die("cannot stop the server thread");
        pthread_join(st, NULL);
        unlink(path);
        rmdir(dir);
        printf("floor threads=%d size=%zu ops=%llu ops_per_s=%.0f cpu_us=%.2f\n", n, answer_size,
               (unsigned long long)ops, (double)ops / elapsed, cpu_us);
        return 0;
}
