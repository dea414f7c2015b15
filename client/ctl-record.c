/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "fileio.h"
#include "names.h"
#include "record.h"

/* seccompctl record and merge: CMD runs under record_filter_insns (every call of every arch
 * notified); this process answers each CONTINUE and keeps the set. */

/* The child's hand-off of its listener. The filtered thread may make no syscall before the
 * parent holds the listener (the call would wait for an answer nobody can give), so a helper
 * thread started before the load, which the filter does not cover (no TSYNC), spins on this
 * atomic and sends the fd. Written once in the child, before exec: no other user. */
static _Atomic int handoff_fd = -1;

/* One byte with room for one SCM_RIGHTS fd: the message both ends of the hand-off use. */
struct fd_message {
        char data;
        struct iovec iov;
        struct msghdr m;
        union { /* last: clang counts CMSG_SPACE() as a variable size */
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u;
};

static void fd_message_init(struct fd_message *f)
{
        *f = (struct fd_message){0};
        f->iov = (struct iovec){.iov_base = &f->data, .iov_len = 1};
        f->m = (struct msghdr){.msg_iov = &f->iov,
                               .msg_iovlen = 1,
                               .msg_control = f->u.buf,
                               .msg_controllen = sizeof(f->u.buf)};
}

static int send_fd(int sock, int fd)
{
        struct fd_message f;
        fd_message_init(&f);
        struct cmsghdr *c = CMSG_FIRSTHDR(&f.m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(sock, &f.m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_fd(int sock)
{
        struct fd_message f;
        fd_message_init(&f);
        ssize_t n;
        do
                n = recvmsg(sock, &f.m, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        struct cmsghdr *c = CMSG_FIRSTHDR(&f.m);
        if (n == 0 || !c || c->cmsg_type != SCM_RIGHTS)
                return -ECHILD; /* the child ended before loading the filter */
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd;
}

static void *handoff_thread(void *arg)
{
        int sock = (int)(intptr_t)arg, fd;
        while ((fd = atomic_load(&handoff_fd)) == -1)
                sched_yield();
        if (fd >= 0)
                (void)send_fd(sock, fd);
        return NULL;
}

static _Noreturn void child(char **cmd, int sock)
{
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        pthread_t t;
        if (pthread_create(&t, NULL, handoff_thread, (void *)(intptr_t)sock) != 0) {
                fprintf(stderr, "seccompctl: Failed to start a thread\n");
                _exit(CTL_EXIT_FAILED);
        }
        struct sock_fprog prog = {.len = 1, .filter = (struct sock_filter *)record_filter_insns};
        /* no_new_privs only when the kernel demands it (no CAP_SYS_ADMIN): as root, a setuid
         * program under record runs as it does without seccompctl. */
        long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                          &prog);
        if (fd < 0 && errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
                fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                             &prog);
        if (fd < 0) {
                fprintf(stderr, "seccompctl: Failed to load the recording filter: %m\n");
                _exit(CTL_EXIT_FAILED);
        }
        atomic_store(&handoff_fd, (int)fd);
        /* From here every call waits for the parent's answer, so it holds the listener by the
         * time close() returns: the helper has sent it. */
        close((int)fd);
        execvp(cmd[0], cmd);
        /* `sock` is close-on-exec: the parent reads this errno only when exec failed. */
        int e = errno;
        fprintf(stderr, "seccompctl: %s: %s\n", cmd[0], strerror(e));
        (void)!write(sock, &e, sizeof(e));
        _exit(e == ENOENT ? 127 : 126);
}

/* Runs `cmd` under the recording filter until every task under it is gone. *ret_status is the
 * exit status a shell would give (128+N for signal N). Returns 0 or a CTL_EXIT_* after
 * reporting. */
static int record_run(char **cmd, struct record_set *s, int *ret_status)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return ctl_error("Failed to create a socket pair: %m");
        /* Like system(): ^C reaches CMD; this process stays to write what was recorded. */
        struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
        sigaction(SIGINT, &ign, &old_int);
        sigaction(SIGQUIT, &ign, &old_quit);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
                close(sv[0]);
                close(sv[1]);
                return ctl_error("Failed to fork: %m");
        }
        if (pid == 0) {
                close(sv[0]);
                child(cmd, sv[1]);
        }
        close(sv[1]);
        _cleanup_close_ int sock = sv[0];
        _cleanup_close_ int listener = recv_fd(sock);
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        int status = -1, r = 0;
        if (listener < 0)
                r = -ECHILD; /* the child said why */
        while (r == 0) {
                struct pollfd p[2] = {{.fd = listener, .events = POLLIN},
                                      {.fd = status < 0 ? pidfd : -1, .events = POLLIN}};
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = ctl_error("Failed to wait for notifications: %m");
                        break;
                }
                if (p[1].revents & POLLIN) {
                        if (waitpid(pid, &status, 0) < 0)
                                status = 0;
                }
                if (p[0].revents & POLLIN) {
                        int k = record_notify_one(listener, s);
                        if (k < 0 && k != -ENOENT && k != -EINTR)
                                r = ctl_error("Failed to answer a notification: %s", strerror(-k));
                } else if (p[0].revents & (POLLHUP | POLLERR))
                        break; /* no task left under the filter */
        }
        if (r != 0 && listener >= 0)
                kill(pid, SIGKILL);
        if (status < 0 && waitpid(pid, &status, 0) < 0)
                status = 0;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        *ret_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        if (r == -ECHILD)
                return *ret_status ? *ret_status : CTL_EXIT_FAILED;
        int exec_errno = 0;
        if (r == 0 && recv(sock, &exec_errno, sizeof(exec_errno), MSG_DONTWAIT) ==
                              (ssize_t)sizeof(exec_errno))
                return *ret_status; /* CMD was not run: the child said why */
        return r;
}

/* "CMD ARG...", each word that needs it in single quotes (a newline shown as \n, so that the
 * comment is one line), cut at about 200 bytes. */
static char *command_line(char **cmd)
{
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        if (!f)
                return NULL;
        for (size_t i = 0; cmd[i]; i++) {
                if (ftell(f) > 200) {
                        fputs(" ...", f);
                        break;
                }
                const char *w = cmd[i];
                bool plain = *w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789-_./=:,+@%") == strlen(w);
                fputs(i ? " " : "", f);
                if (plain)
                        fputs(w, f);
                else {
                        fputc('\'', f);
                        for (; *w; w++)
                                fputs(*w == '\''   ? "'\\''"
                                      : *w == '\n' ? "\\n"
                                                   : (char[]){*w, 0},
                                      f);
                        fputc('\'', f);
                }
        }
        fclose(f);
        return out;
}

/* Reads a profile's JSON after the engine validated it (diagnostics on stderr). */
static int load_json(const struct ctl *c, const char *path, json_t **ret)
{
        _cleanup_(profile_freep) struct profile *p = NULL;
        int r = ctl_load_profile(c, path, &p);
        if (r < 0)
                return r == -EINVAL ? ctl_error("%s is not a valid profile", path)
                                    : ctl_error("Failed to read '%s': %s", path, strerror(-r));
        _cleanup_free_ char *data = NULL;
        size_t size;
        r = read_file_capped(path, c->parse.max_size ? c->parse.max_size : PROFILE_MAX_SIZE_DEFAULT,
                             &data, &size);
        if (r < 0)
                return ctl_error("Failed to read '%s': %s", path, strerror(-r));
        json_error_t e;
        json_t *j = json_loadb(data, size, 0, &e);
        if (!j)
                return ctl_error("%s:%d:%d: %s", path, e.line, e.column, e.text);
        *ret = j;
        return 0;
}

static int merge_into(json_t *base, const json_t *other, const char *name)
{
        char *error = NULL;
        int r = record_merge(base, other, name, &error);
        if (r < 0) {
                r = ctl_error("Failed to merge %s: %s", name, error ? error : strerror(-r));
                free(error);
                return r;
        }
        return 0;
}

/* Validates (the dialect of --dialect) and compiles `j` for the host, then writes it to -o
 * (atomically) or stdout. */
static int check_and_write(const struct ctl *c, const json_t *j)
{
        _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
        if (!text)
                return ctl_error("out of memory");
        size_t n = strlen(text);
        _cleanup_free_ char *out = malloc(n + 2);
        if (!out)
                return ctl_error("out of memory");
        memcpy(out, text, n);
        memcpy(out + n, "\n", 2);
        struct ctl check = *c;
        check.source_name = "<result>";
        check.source_data = out;
        check.source_size = n + 1;
        _cleanup_(blob_freep) struct blob *b = NULL;
        int r = ctl_build(&check, check.source_name, NULL, NULL, &b);
        if (r < 0)
                return r == -EINVAL ? ctl_error("the result is not a valid profile (see above)")
                                    : ctl_error("Failed to compile the result: %s", strerror(-r));
        r = ctl_write_output(c->output, out, n + 1);
        if (r < 0)
                return ctl_error("Failed to write '%s': %s", c->output ? c->output : "stdout",
                                 strerror(-r));
        return CTL_EXIT_OK;
}

static int parse_arches(const char *list, char ***ret)
{
        _cleanup_free_ char *copy = list ? strdup(list) : NULL;
        size_t n = 0;
        char **v = calloc(RECORD_MAX_ARCHES * 8 + 1, sizeof(char *));
        if (!v || (list && !copy)) {
                free(v);
                return ctl_error("out of memory");
        }
        char *save = NULL;
        for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w;
             w = strtok_r(NULL, ",", &save)) {
                const struct arch_info *a = arch_lookup(w);
                if (!a || a->token == 0 || n >= RECORD_MAX_ARCHES * 8) {
                        free(v);
                        return ctl_usage_error("record: unknown architecture \"%s\"", w);
                }
                v[n++] = (char *)a->name; /* static table */
        }
        *ret = v;
        return 0;
}

int verb_record(struct ctl *c, int argc, char **argv)
{
        if (c->n_before_dashdash != 0 || argc < 1)
                return ctl_usage_error("record: expected [OPTIONS] -- COMMAND [ARG...]");
        enum record_format format = RECORD_FORMAT_DOCKER;
        if (c->format_arg && streq(c->format_arg, "oci"))
                format = RECORD_FORMAT_OCI;
        else if (c->format_arg && !streq(c->format_arg, "docker"))
                return ctl_usage_error("record: --format takes docker or oci");
        _cleanup_free_ char **arches = NULL;
        int r = parse_arches(c->arch_arg, &arches);
        if (r != 0)
                return r;
        /* --arch lists architectures here: the result is checked for the host. */
        struct context host;
        if (context_default(&host) == 0)
                c->context.arch = host.arch;
        _cleanup_(json_decrefp) json_t *base = NULL;
        if (c->merge && load_json(c, c->merge, &base) != 0)
                return CTL_EXIT_FAILED;

        struct record_set s;
        record_set_init(&s);
        int status = 0;
        r = record_run(argv, &s, &status);
        if (r != 0)
                return r;
        size_t calls = s.n_calls;
        r = record_set_add_runtime_tail(&s);
        if (r == 0)
                r = record_set_add_timing(&s);
        if (r < 0)
                return ctl_error("Failed to add the runtime's calls: %s", strerror(-r));

        _cleanup_free_ char *line = command_line(argv);
        char date[64];
        time_t now = time(NULL);
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        _cleanup_free_ char *comment = NULL;
        if (!line || asprintf(&comment, "recorded by seccompctl record from `%s` on %s, %zu calls",
                              line, date, calls) < 0)
                return ctl_error("out of memory");
        struct record_profile_options o = {
                .format = format, .comment = comment, .arches = (const char *const *)arches};
        _cleanup_(json_decrefp) json_t *p = NULL;
        r = record_profile(&s, &o, &p);
        if (r < 0)
                return ctl_error("Failed to make the profile: %s", strerror(-r));
        if (s.n_dropped > 0)
                fprintf(stderr,
                        "seccompctl: %" PRIu64 " calls could not be recorded (an "
                        "architecture beyond %d, or a number above %d)\n",
                        s.n_dropped, RECORD_MAX_ARCHES, RECORD_MAX_NR - 1);
        if (base) {
                _cleanup_free_ char *name = NULL;
                if (asprintf(&name, "seccompctl record `%s`", line) < 0)
                        return ctl_error("out of memory");
                if (merge_into(base, p, name) != 0)
                        return CTL_EXIT_FAILED;
        }
        r = check_and_write(c, base ? base : p);
        if (r != CTL_EXIT_OK)
                return r;
        if (!c->quiet)
                fprintf(stderr,
                        "seccompctl: recorded %zu calls, %zu syscalls on %u architecture%s%s%s\n",
                        calls, record_set_count(&s), s.n_arches, s.n_arches == 1 ? "" : "s",
                        c->output ? " into " : "", c->output ? c->output : "");
        return status;
}

int verb_merge(struct ctl *c, int argc, char **argv)
{
        if (argc < 2)
                return ctl_usage_error("merge: expected FILE FILE... [-o OUT]");
        _cleanup_(json_decrefp) json_t *base = NULL;
        if (load_json(c, argv[0], &base) != 0)
                return CTL_EXIT_FAILED;
        for (int i = 1; i < argc; i++) {
                _cleanup_(json_decrefp) json_t *other = NULL;
                if (load_json(c, argv[i], &other) != 0 || merge_into(base, other, argv[i]) != 0)
                        return CTL_EXIT_FAILED;
        }
        return check_and_write(c, base);
}
