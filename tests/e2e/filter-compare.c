/* SPDX-License-Identifier: Apache-2.0 */
/*
 * filter-compare: the seccomp filters a running process actually carries, read back from the
 * kernel with PTRACE_SECCOMP_GET_FILTER, against seccompd's blob for the same profile, verdict
 * by verdict in the simulator (lib/bpf.h).
 *
 *   filter-compare (--pid PID | --filter FILE)... --blob FILE [--value N]... [--pattern
 *                  A0,A1,A2,A3,A4,A5]... [--save PREFIX]
 *
 * Every syscall number libseccomp names for x86_64, x86 and x32 (x32 as the kernel reports
 * it: AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT in nr) is probed with the all-zero arguments
 * and, where either program's path reads an argument, with every pattern: each value alone in
 * each argument and in all six at once; the values are a fixed set (0, 1, sign and word
 * boundaries, all-ones), those given with --value, and the constants both programs compare
 * arguments against (each half, with +-1); every pair of constants compared against two
 * different arguments; and every --pattern as given.
 * Several filters (from one pid or several --filter) are combined as the kernel does: every
 * one runs, the verdict with the highest precedence wins, the newest filter on a tie.
 * Each disagreement is printed as "ARCH SYSCALL (A0,...,A5): lxc=ACTION seccompd=ACTION";
 * a summary goes to stderr. Exit 0: none, 1: disagreements, 2: error.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "bpf.h"

#define MAX_FILTERS  16
#define MAX_VALUES   4096
#define MAX_PATTERNS 65536

struct prog {
        struct sock_filter *insns;
        size_t n;
};

static struct prog lxc[MAX_FILTERS]; /* index 0 = oldest, as the kernel numbers them */
static size_t n_lxc;
static struct prog blob;
static uint64_t values[MAX_VALUES];
static size_t n_values;
static uint64_t (*patterns)[6];
static size_t n_patterns;
/* Per argument, the low-half constants the programs compare it against: pairs of them make
 * the patterns that satisfy conditions on two arguments at once (socketcall/ipc's call number
 * with a condition on another argument, rules on several arguments). */
#define MAX_ARG_CONSTS 128
static uint64_t arg_consts[6][MAX_ARG_CONSTS];
static size_t n_arg_consts[6];

/* "filter-compare: WHAT ARG: strerror(errno)" and exit 2. */
static _Noreturn void die(const char *what, const char *arg)
{
        fprintf(stderr, "filter-compare: %s %s: %s\n", what, arg, strerror(errno));
        exit(2);
}

static void add_value(uint64_t v)
{
        for (size_t i = 0; i < n_values; i++)
                if (values[i] == v)
                        return;
        if (n_values < MAX_VALUES)
                values[n_values++] = v;
}

static void add_pattern(const uint64_t a[6])
{
        if (n_patterns < MAX_PATTERNS)
                memcpy(patterns[n_patterns++], a, sizeof(uint64_t[6]));
}

static struct prog read_prog_file(const char *path)
{
        struct prog p = {0};
        FILE *f = fopen(path, "re");
        if (!f)
                die("cannot open", path);
        size_t cap = 0;
        for (;;) {
                if (p.n == cap) {
                        cap = cap ? cap * 2 : 256;
                        p.insns = realloc(p.insns, cap * sizeof(*p.insns));
                        if (!p.insns)
                                die("out of memory", "");
                }
                if (fread(&p.insns[p.n], sizeof(*p.insns), 1, f) != 1)
                        break;
                p.n++;
        }
        fclose(f);
        if (p.n == 0 || bpf_validate(p.insns, p.n) < 0) {
                errno = EINVAL;
                die("not a valid seccomp program:", path);
        }
        return p;
}

/* PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN, a tracer without seccomp of its own and a
 * stopped tracee: seize, interrupt, read every filter, detach. */
static void read_pid(pid_t pid)
{
        char what[32];
        snprintf(what, sizeof(what), "%d", (int)pid);
        if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
                die("cannot seize pid", what);
        if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
                die("cannot interrupt pid", what);
        int st;
        if (waitpid(pid, &st, __WALL) < 0)
                die("cannot wait for pid", what);
        for (unsigned long i = 0;; i++) {
                long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, NULL);
                if (n < 0 && errno == ENOENT)
                        break;
                if (n <= 0)
                        die("PTRACE_SECCOMP_GET_FILTER of pid", what);
                if (n_lxc == MAX_FILTERS) {
                        errno = E2BIG;
                        die("too many filters in pid", what);
                }
                struct prog *p = &lxc[n_lxc++];
                p->n = (size_t)n;
                p->insns = calloc(p->n, sizeof(*p->insns));
                if (!p->insns)
                        die("out of memory", "");
                if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, p->insns) != n)
                        die("PTRACE_SECCOMP_GET_FILTER of pid", what);
        }
        ptrace(PTRACE_DETACH, pid, 0, 0);
        if (n_lxc == 0) {
                errno = ENOENT;
                die("no seccomp filter in pid", what);
        }
}

/* The constants a program compares arguments against: a jump on K, or an AND with K, after a
 * load from args[] (libseccomp loads each half of an argument right before its tests). */
static void harvest(const struct prog *p)
{
        int arg_off = -1;
        uint64_t lo[64], hi[64];
        size_t nlo = 0, nhi = 0;
        for (size_t i = 0; i < p->n; i++) {
                const struct sock_filter *f = &p->insns[i];
                if (f->code == (BPF_LD | BPF_W | BPF_ABS)) {
                        arg_off = f->k >= 16 ? (int)f->k : -1;
                        continue;
                }
                bool jmp_k = BPF_CLASS(f->code) == BPF_JMP && BPF_OP(f->code) != BPF_JA &&
                             BPF_SRC(f->code) == BPF_K;
                bool and_k = f->code == (BPF_ALU | BPF_AND | BPF_K);
                if (arg_off < 0 || !(jmp_k || and_k))
                        continue;
                bool high = (arg_off - 16) % 8 == 4; /* little-endian: the high half at +4 */
                uint64_t v = f->k;
                size_t idx = (size_t)(arg_off - 16) / 8;
                if (!high && idx < 6 && n_arg_consts[idx] < MAX_ARG_CONSTS) {
                        bool seen = false;
                        for (size_t c = 0; c < n_arg_consts[idx]; c++)
                                seen = seen || arg_consts[idx][c] == v;
                        if (!seen)
                                arg_consts[idx][n_arg_consts[idx]++] = v;
                }
                add_value(high ? v << 32 : v);
                if (!high) {
                        add_value((v - 1) & 0xffffffff);
                        add_value((v + 1) & 0xffffffff);
                        if (nlo < 64)
                                lo[nlo++] = v;
                } else if (nhi < 64)
                        hi[nhi++] = v;
        }
        for (size_t h = 0; h < nhi; h++)
                for (size_t l = 0; l < nlo; l++) {
                        uint64_t v = hi[h] << 32 | lo[l];
                        add_value(v);
                        add_value(v - 1);
                        add_value(v + 1);
                }
}

static int precedence(uint32_t ret)
{
        /* The kernel compares ACTION_ONLY() as signed: KILL_PROCESS (0x80000000) first. */
        return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

static uint32_t run(const struct prog *p, size_t np, const struct bpf_sim_input *in, bool *reads)
{
        uint32_t best = SECCOMP_RET_ALLOW;
        bool first = true;
        /* The kernel runs the newest filter first and keeps the first of equal precedence. */
        for (size_t i = np; i-- > 0;) {
                struct bpf_sim_result r;
                if (bpf_sim_run(p[i].insns, p[i].n, in, &r) < 0) {
                        errno = EINVAL;
                        die("simulation failed", "");
                }
                *reads = *reads || r.reads_args;
                if (first || precedence(r.ret) < precedence(best))
                        best = r.ret;
                first = false;
        }
        return best;
}

struct arch_probe {
        const char *name;
        uint32_t token; /* for bpf_foreach_syscall */
        uint32_t audit; /* what seccomp_data.arch says */
        unsigned long probes, differences;
};

static int probe_one(struct arch_probe *a, int nr, const char *name, const uint64_t args[6],
                     bool *reads)
{
        struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = a->audit};
        memcpy(in.args, args, sizeof(in.args));
        uint32_t l = run(lxc, n_lxc, &in, reads);
        uint32_t s = run(&blob, 1, &in, reads);
        a->probes++;
        if (l == s)
                return 0;
        char lb[64], sb[64];
        bpf_action_format(l, lb, sizeof(lb));
        bpf_action_format(s, sb, sizeof(sb));
        printf("%s %s (%#" PRIx64 ",%#" PRIx64 ",%#" PRIx64 ",%#" PRIx64 ",%#" PRIx64 ",%#" PRIx64
               "): lxc=%s seccompd=%s\n",
               a->name, name, args[0], args[1], args[2], args[3], args[4], args[5], lb, sb);
        a->differences++;
        return 1;
}

static int probe_syscall(int nr, const char *name, void *userdata)
{
        struct arch_probe *a = userdata;
        static const uint64_t zero[6];
        bool reads = false;
        probe_one(a, nr, name, zero, &reads);
        if (!reads)
                return 0; /* neither path loads an argument: no pattern can change a verdict */
        for (size_t i = 0; i < n_patterns; i++)
                probe_one(a, nr, name, patterns[i], &reads);
        return 0;
}

static uint64_t parse_u64(const char *s)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (errno || end == s || *end)
                die("bad number", s);
        return v;
}

int main(int argc, char **argv)
{
        const char *blob_path = NULL, *save = NULL;
        patterns = calloc(MAX_PATTERNS, sizeof(*patterns));
        if (!patterns)
                return 2;
        static const uint64_t fixed[] = {
                0,
                1,
                2,
                0x7fffffff,
                0x80000000,
                0xffffffff,
                0x100000000,
                0xffffffff00000000,
                0x8000000000000000,
                0x5555555555555555,
                0xaaaaaaaaaaaaaaaa,
                UINT64_MAX,
        };
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
                add_value(fixed[i]);

        for (int i = 1; i < argc; i++) {
                const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
                if (!arg) {
                        errno = EINVAL;
                        die("an argument is missing after", opt);
                }
                i++;
                if (!strcmp(opt, "--pid"))
                        read_pid((pid_t)parse_u64(arg));
                else if (!strcmp(opt, "--filter")) {
                        if (n_lxc < MAX_FILTERS)
                                lxc[n_lxc++] = read_prog_file(arg);
                } else if (!strcmp(opt, "--blob"))
                        blob_path = arg;
                else if (!strcmp(opt, "--save"))
                        save = arg;
                else if (!strcmp(opt, "--value")) {
                        uint64_t v = parse_u64(arg);
                        add_value(v);
                        add_value(v - 1);
                        add_value(v + 1);
                        add_value(~v);
                        add_value(v | 0xffffffff00000000);
                } else if (!strcmp(opt, "--pattern")) {
                        uint64_t a[6] = {0};
                        char *copy = strdup(arg), *save_ptr = NULL, *tok;
                        int k = 0;
                        for (tok = strtok_r(copy, ",", &save_ptr); tok && k < 6;
                             tok = strtok_r(NULL, ",", &save_ptr))
                                a[k++] = parse_u64(tok);
                        free(copy);
                        add_pattern(a);
                } else {
                        errno = EINVAL;
                        die("unknown option", opt);
                }
        }
        if (!blob_path || n_lxc == 0) {
                fprintf(stderr, "usage: filter-compare (--pid PID | --filter FILE)... --blob FILE "
                                "[--value N]... [--pattern A0,...,A5]... [--save PREFIX]\n");
                return 2;
        }
        blob = read_prog_file(blob_path);
        for (size_t i = 0; save && i < n_lxc; i++) {
                char path[4096];
                snprintf(path, sizeof(path), "%s.%zu.bpf", save, i);
                FILE *f = fopen(path, "we");
                if (!f ||
                    fwrite(lxc[i].insns, sizeof(struct sock_filter), lxc[i].n, f) != lxc[i].n ||
                    fclose(f) != 0)
                        die("cannot write", path);
        }
        for (size_t i = 0; i < n_lxc; i++)
                harvest(&lxc[i]);
        harvest(&blob);
        for (size_t v = 0; v < n_values; v++) {
                uint64_t a[6];
                for (int k = 0; k < 6; k++)
                        a[k] = values[v];
                add_pattern(a);
                for (int k = 0; k < 6; k++) {
                        memset(a, 0, sizeof(a));
                        a[k] = values[v];
                        add_pattern(a);
                }
        }

        for (size_t i = 0; i < 6; i++)
                for (size_t j = i + 1; j < 6; j++)
                        for (size_t x = 0; x < n_arg_consts[i]; x++)
                                for (size_t y = 0; y < n_arg_consts[j]; y++) {
                                        uint64_t a[6] = {0};
                                        a[i] = arg_consts[i][x];
                                        a[j] = arg_consts[j][y];
                                        add_pattern(a);
                                }

        struct arch_probe arches[] = {
                {"x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0, 0},
                {"x86", SCMP_ARCH_X86, AUDIT_ARCH_I386, 0, 0},
                /* bpf_foreach_syscall hands out x32 numbers with __X32_SYSCALL_BIT set */
                {"x32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64, 0, 0},
        };
        unsigned long total = 0, probes = 0;
        for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
                if (bpf_foreach_syscall(arches[i].token, probe_syscall, &arches[i]) < 0) {
                        errno = EINVAL;
                        die("cannot list the syscalls of", arches[i].name);
                }
                total += arches[i].differences;
                probes += arches[i].probes;
        }
        size_t insns = 0;
        for (size_t i = 0; i < n_lxc; i++)
                insns += lxc[i].n;
        fprintf(stderr,
                "filter-compare: %zu filter(s), %zu instructions, against a blob of %zu; "
                "%zu argument patterns; %lu probes; %lu differences "
                "(x86_64 %lu, x86 %lu, x32 %lu)\n",
                n_lxc, insns, blob.n, n_patterns, probes, total, arches[0].differences,
                arches[1].differences, arches[2].differences);
        return total ? 1 : 0;
}
