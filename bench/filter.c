/* SPDX-License-Identifier: Apache-2.0 */
/* bench-filter: what a filter costs each system call.
 *
 *   bench-filter CALLS REPS LABEL=BLOB... [none]
 *
 * For each raw BPF blob: its length, the longest and mean path over the x86_64 syscall table,
 * the allowed and kernel-cacheable syscalls (the engine's bpf_stats_compute(), the numbers
 * `seccompctl stats` prints), and the instructions the simulator runs for getppid() and for
 * personality(0xffffffff). Then, REPS times, interleaved, a forked child per blob (and one
 * without any filter for "none") loads the blob (no_new_privs,
 * SECCOMP_FILTER_FLAG_SPEC_ALLOW as crun sets by default) and makes CALLS getppid() and CALLS
 * personality(0xffffffff) calls through syscall(2); the median ns per call is printed.
 * Docker's profile allows getppid unconditionally, so the kernel's action cache (5.11+) may
 * skip the filter for it; personality is allowed only for a few argument values, so the
 * filter runs on every call.
 * Prints per blob: LABEL insns=.. max_path=.. mean_path=.. allowed=.. cacheable=.. syscalls=..
 * getppid_path=.. personality_path=.. getppid_ns=.. personality_ns=.. */

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bench.h"
#include "bpf.h"

struct variant {
        const char *label;
        struct sock_filter *insns; /* NULL: no filter */
        size_t n;
        double *getppid_ns, *personality_ns;
};

static unsigned path_of(const struct variant *v, int nr, uint64_t arg0)
{
        struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = AUDIT_ARCH_X86_64, .args = {arg0}};
        struct bpf_sim_result r;
        if (bpf_sim_run(v->insns, v->n, &in, &r) < 0)
                die("%s: the simulator refuses the blob", v->label);
        return r.steps;
}

static double time_calls(long calls, long nr, unsigned long arg0)
{
        for (long i = 0; i < calls / 10; i++)
                syscall(nr, arg0);
        uint64_t t0 = now_ns();
        for (long i = 0; i < calls; i++)
                syscall(nr, arg0);
        return (double)(now_ns() - t0) / (double)calls;
}

/* One child: loads the filter, times both calls, writes two doubles to `fd`. */
static void measure(const struct variant *v, long calls, double ret[2])
{
        int p[2];
        if (pipe(p) < 0)
                die("pipe: %s", strerror(errno));
        pid_t pid = fork();
        if (pid < 0)
                die("fork: %s", strerror(errno));
        if (pid == 0) {
                close(p[0]);
                if (v->insns) {
                        struct sock_fprog prog = {.len = (unsigned short)v->n, .filter = v->insns};
                        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                    SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) < 0)
                                _exit(3);
                }
                double r[2] = {time_calls(calls, SYS_getppid, 0),
                               time_calls(calls, SYS_personality, 0xffffffffUL)};
                if (write(p[1], r, sizeof(r)) != sizeof(r))
                        _exit(4);
                _exit(0);
        }
        close(p[1]);
        ssize_t k = read(p[0], ret, 2 * sizeof(double));
        close(p[0]);
        int status;
        waitpid(pid, &status, 0);
        if (k != 2 * sizeof(double) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die("%s: the child failed to load the filter or to measure (status 0x%x)", v->label,
                    status);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
        qsort(v, n, sizeof(double), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: bench-filter CALLS REPS LABEL=BLOB... [none]\n");
                return 2;
        }
        long calls = strtol(argv[1], NULL, 10), reps = strtol(argv[2], NULL, 10);
        size_t nv = (size_t)argc - 3;
        struct variant *vs = calloc(nv, sizeof(*vs));
        if (!vs || calls < 1 || reps < 1)
                die("bad arguments");
        for (size_t i = 0; i < nv; i++) {
                char *a = argv[3 + i], *eq = strchr(a, '=');
                vs[i].label = a;
                if (eq) {
                        *eq = 0;
                        size_t size;
                        vs[i].insns = (struct sock_filter *)read_all(eq + 1, &size);
                        if (size == 0 || size % sizeof(struct sock_filter))
                                die("'%s' is not raw BPF", eq + 1);
                        vs[i].n = size / sizeof(struct sock_filter);
                } else if (strcmp(a, "none") != 0) {
                        die("'%s': expected LABEL=BLOB or none", a);
                }
                vs[i].getppid_ns = calloc((size_t)reps, sizeof(double));
                vs[i].personality_ns = calloc((size_t)reps, sizeof(double));
        }
        for (long r = 0; r < reps; r++)
                for (size_t k = 0; k < nv; k++) {
                        struct variant *v = &vs[(k + (size_t)r) % nv];
                        double t[2];
                        measure(v, calls, t);
                        v->getppid_ns[r] = t[0];
                        v->personality_ns[r] = t[1];
                }
        for (size_t i = 0; i < nv; i++) {
                struct variant *v = &vs[i];
                printf("%s", v->label);
                if (v->insns) {
                        struct bpf_stats st;
                        if (bpf_stats_compute(v->insns, v->n, SCMP_ARCH_X86_64, &st) < 0)
                                die("%s: cannot compute stats", v->label);
                        printf(" insns=%zu max_path=%u mean_path=%.1f allowed=%u cacheable=%u "
                               "syscalls=%u getppid_path=%u personality_path=%u",
                               st.insns, st.max_path, st.mean_path, st.allowed, st.cacheable,
                               st.syscalls, path_of(v, SYS_getppid, 0),
                               path_of(v, SYS_personality, 0xffffffffUL));
                }
                printf(" getppid_ns=%.1f personality_ns=%.1f\n",
                       median(v->getppid_ns, (size_t)reps),
                       median(v->personality_ns, (size_t)reps));
        }
        return 0;
}
