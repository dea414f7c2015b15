/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compile-guard.h"
#include "diag-json.h"
#include "fileio.h"
#include "macro.h"

/* What a child writes on its pipe: this head, the instructions, then the diagnostics as
 * JSON. The parent reads at most CHILD_MAX_OUTPUT bytes. */
struct child_head {
        int32_t rc;
        uint32_t n_insns;
        int32_t optimize;
        uint32_t flags;
        uint64_t n_rules;
        uint64_t n_skipped_names;
        uint32_t diags_size;
        uint8_t foreign_byte_order;
        char key[SHA256_HEX_SIZE];
};
#define CHILD_MAX_DIAGS  (4U * 1024 * 1024)
#define CHILD_MAX_OUTPUT (sizeof(struct child_head) + BPF_MAXINSNS * 8U + CHILD_MAX_DIAGS)

int compile_guard_init(struct compile_guard *g, unsigned timeout_ms, unsigned max_children)
{
        if (max_children == 0) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                max_children = n > 0 ? (unsigned)n : 1;
        }
        *g = (struct compile_guard){
                .timeout_ms = timeout_ms ? timeout_ms : COMPILE_GUARD_TIMEOUT_DEFAULT_MS,
                .max_children = max_children,
        };
        g->children = calloc(max_children, sizeof(pid_t));
        if (!g->children)
                return -ENOMEM;
        pthread_mutex_init(&g->lock, NULL);
        pthread_cond_init(&g->freed, NULL);
        return 0;
}

void compile_guard_done(struct compile_guard *g)
{
        if (!g->children)
                return;
        pthread_mutex_destroy(&g->lock);
        pthread_cond_destroy(&g->freed);
        free(g->children);
        g->children = NULL;
}

void compile_guard_cancel(struct compile_guard *g)
{
        if (!g->children)
                return;
        pthread_mutex_lock(&g->lock);
        g->cancelled = true;
        /* A pid in a slot is not reaped yet (its waiter clears the slot first), so it cannot
         * have been reused. */
        for (unsigned i = 0; i < g->max_children; i++)
                if (g->children[i] > 0)
                        (void)kill(g->children[i], SIGKILL);
        pthread_cond_broadcast(&g->freed);
        pthread_mutex_unlock(&g->lock);
}

/* Takes a slot: its index, -EAGAIN (busy, may not wait) or -ECANCELED. */
static int slot_take(struct compile_guard *g, bool may_wait)
{
        pthread_mutex_lock(&g->lock);
        for (;;) {
                if (g->cancelled) {
                        pthread_mutex_unlock(&g->lock);
                        return -ECANCELED;
                }
                for (unsigned i = 0; i < g->max_children; i++)
                        if (g->children[i] == 0) {
                                g->children[i] = -1; /* taken, not forked yet */
                                g->n_children++;
                                pthread_mutex_unlock(&g->lock);
                                return (int)i;
                        }
                if (!may_wait) {
                        pthread_mutex_unlock(&g->lock);
                        return -EAGAIN;
                }
                pthread_cond_wait(&g->freed, &g->lock);
        }
}

static void slot_set(struct compile_guard *g, int slot, pid_t pid)
{
        pthread_mutex_lock(&g->lock);
        g->children[slot] = pid;
        if (g->cancelled && pid > 0)
                (void)kill(pid, SIGKILL);
        pthread_mutex_unlock(&g->lock);
}

static void slot_free(struct compile_guard *g, int slot)
{
        pthread_mutex_lock(&g->lock);
        g->children[slot] = 0;
        g->n_children--;
        pthread_cond_signal(&g->freed);
        pthread_mutex_unlock(&g->lock);
}

/* In the child: compile, write the result, exit. Only the pipe stays open (beside 0-2): the
 * child must hold no socket or pipe of the daemon, nor another child's pipe. */
_Noreturn static void child_run(int wfd, pid_t parent, const struct resolved *r,
                                const struct compile_options *o)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        if (wfd > 3)
                (void)close_range(3, (unsigned)wfd - 1, 0);
        (void)close_range((unsigned)wfd + 1, ~0U, 0);

        struct child_head h = {0};
        struct diag_list *diags = NULL;
        struct blob *b = NULL;
        char *dj = NULL;
        h.rc = diag_list_new(NULL, &diags);
        if (h.rc >= 0)
                h.rc = compile_resolved(r, o, diags, &b);
        if (h.rc >= 0) {
                h.n_insns = (uint32_t)b->n_insns;
                h.optimize = b->optimize;
                h.flags = b->flags;
                h.n_rules = b->n_rules;
                h.n_skipped_names = b->n_skipped_names;
                h.foreign_byte_order = b->foreign_byte_order;
                memcpy(h.key, b->key, sizeof(h.key));
        }
        if (diags) {
                json_t *j = diag_list_to_json(diags);
                dj = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                if (dj && strlen(dj) <= CHILD_MAX_DIAGS)
                        h.diags_size = (uint32_t)strlen(dj);
        }
        if (write_all(wfd, &h, sizeof(h)) < 0 ||
            (b && write_all(wfd, b->insns, blob_size(b)) < 0) ||
            (h.diags_size && write_all(wfd, dj, h.diags_size) < 0))
                _exit(1);
        _exit(0);
}

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's output until EOF: 0, -ETIME when the deadline passed first, -EMSGSIZE
 * when it writes too much, -errno. */
static int read_output(int fd, long long deadline, char **ret, size_t *ret_size)
{
        size_t size = 0, allocated = 0;
        char *buf = NULL;
        for (;;) {
                long long left = deadline - now_ms();
                if (left <= 0) {
                        free(buf);
                        return -ETIME;
                }
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                int n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        free(buf);
                        return -errno;
                }
                if (n == 0)
                        continue; /* the deadline is checked above */
                if (size == allocated) {
                        allocated = allocated ? allocated * 2 : 64 * 1024;
                        if (allocated > CHILD_MAX_OUTPUT + 1)
                                allocated = CHILD_MAX_OUTPUT + 1;
                        if (size == allocated) {
                                free(buf);
                                return -EMSGSIZE;
                        }
                        char *nb = realloc(buf, allocated);
                        if (!nb) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = nb;
                }
                ssize_t k = read(fd, buf + size, allocated - size);
                if (k < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (k < 0) {
                        free(buf);
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t)k;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

/* Turns a complete output into the compile's result. */
static int take_output(const char *buf, size_t size, struct diag_list *diags, struct blob **ret)
{
        struct child_head h;
        if (size < sizeof(h))
                return -EIO;
        memcpy(&h, buf, sizeof(h));
        size_t insns = (size_t)h.n_insns * sizeof(struct sock_filter);
        if (h.n_insns > BPF_MAXINSNS || h.diags_size > CHILD_MAX_DIAGS ||
            size != sizeof(h) + insns + h.diags_size)
                return -EIO;
        if (h.diags_size) {
                json_error_t e;
                json_t *j = json_loadb(buf + sizeof(h) + insns, h.diags_size, 0, &e);
                struct diag_list *l = NULL;
                int r = j ? diag_list_from_json(j, NULL, &l) : -EIO;
                json_decref(j);
                if (r >= 0)
                        r = diag_list_extend(diags, l);
                diag_list_free(l);
                if (r < 0)
                        return r;
        }
        if (h.rc < 0)
                return h.rc;
        struct blob *b;
        int r = blob_from_bytes(buf + sizeof(h), insns, &b);
        if (r < 0)
                return -EIO;
        b->optimize = h.optimize;
        b->flags = h.flags;
        b->n_rules = h.n_rules;
        b->n_skipped_names = h.n_skipped_names;
        b->foreign_byte_order = h.foreign_byte_order;
        memcpy(b->key, h.key, sizeof(b->key));
        b->key[SHA256_HEX_SIZE - 1] = '\0';
        *ret = b;
        return 0;
}

static int compile_in_child(struct compile_guard *g, const struct resolved *r,
                            const struct compile_options *o, int slot, struct diag_list *diags,
                            struct blob **ret)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        long long start = now_ms();
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                int e = -errno;
                close(p[0]);
                close(p[1]);
                return e;
        }
        if (pid == 0) {
                close(p[0]);
                child_run(p[1], parent, r, o);
        }
        close(p[1]);
        slot_set(g, slot, pid);

        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int rr = read_output(p[0], start + g->timeout_ms, &buf, &size);
        close(p[0]);
        (void)kill(pid, SIGKILL); /* harmless once it exited: not reaped yet */
        pthread_mutex_lock(&g->lock);
        bool cancelled = g->cancelled;
        pthread_mutex_unlock(&g->lock);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (rr == -ETIME) {
                __atomic_add_fetch(&g->timeouts, 1, __ATOMIC_RELAXED);
                return diag_fail(diag_add(
                        diags, DIAG_ERROR, "/syscalls",
                        "libseccomp's work grows faster than the rule count: remove repeated "
                        "names, merge rules that differ only in argument values",
                        "compiling %zu libseccomp rules took longer than %u ms: cancelled",
                        compile_count_rules(r), g->timeout_ms));
        }
        if (cancelled)
                return -ECANCELED;
        if (rr < 0)
                return rr == -EMSGSIZE ? -EIO : rr;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -EIO;
        return take_output(buf, size, diags, ret);
}

int compile_guarded(struct compile_guard *g, const struct resolved *r,
                    const struct compile_options *o, bool may_wait, struct diag_list *diags,
                    struct blob **ret)
{
        if (!g->always_child && compile_is_small(r))
                return compile_resolved(r, o, diags, ret);
        int slot = slot_take(g, may_wait);
        if (slot < 0)
                return slot;
        int rr = compile_in_child(g, r, o, slot, diags, ret);
        slot_free(g, slot);
        return rr;
}
