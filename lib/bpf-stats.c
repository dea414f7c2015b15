/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "bpf.h"
#include "macro.h"

/* libseccomp resolves numbers by table index, which never exceeds this on any architecture
 * it supports; offsets such as x32's bit and MIPS's base are added afterwards. */
#define SYSCALL_INDEX_MAX 1024

static uint32_t arch_resolve(uint32_t arch_token)
{
        return arch_token == 0 ? seccomp_arch_native() : arch_token;
}

/* libseccomp 2.5.4 resolves x32 and MIPS numbers with or without their offset
 * (x32_syscall_resolve_num_munge() strips __X32_SYSCALL_BIT, mips_* subtract the ABI base)
 * but name lookups return the kernel number, offset included. The offset is learnt from the
 * first name that maps back to a real number; multiplexed names (socketcall, ipc) map to
 * negative pseudo numbers and are skipped. */
static int arch_nr_offset(uint32_t arch, long *ret)
{
        for (int i = 0; i < SYSCALL_INDEX_MAX; i++) {
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arch, i);
                int nr;

                if (!name)
                        continue;

                nr = seccomp_syscall_resolve_name_arch(arch, name);
                if (nr < 0)
                        continue;

                *ret = (long)nr - i;
                return 0;
        }

        return -EINVAL;
}

int bpf_foreach_syscall(uint32_t arch_token, int (*fn)(int nr, const char *name, void *userdata),
                        void *userdata)
{
        uint32_t arch = arch_resolve(arch_token);
        long offset;
        int r;

        assert(fn);

        r = arch_nr_offset(arch, &offset);
        if (r < 0)
                return r;

        for (int i = 0; i < SYSCALL_INDEX_MAX; i++) {
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arch, i);

                if (!name)
                        continue;

                r = fn((int)(i + offset), name, userdata);
                if (r != 0)
                        return r;
        }

        return 0;
}

struct stats_walk {
        const struct sock_filter *insns; /* borrowed */
        size_t n;
        uint32_t arch;
        struct bpf_stats stats;
        uint64_t total_steps;
        uint64_t runs;
};

static int stats_one_syscall(int nr, const char *name _unused_, void *userdata)
{
        /* all zero (the pattern verdicts are taken from), all ones, INT_MAX, small values,
         * and a mix with high bits set so 64-bit comparisons take their other branches */
        static const uint64_t arg_patterns[][6] = {
                {0, 0, 0, 0, 0, 0},
                {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX},
                {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff},
                {1, 2, 3, 4, 5, 6},
                {
                        UINT64_C(0x8000000000000000),
                        UINT64_C(0x00000000ffffffff),
                        UINT64_C(0xffffffff00000000),
                        UINT64_C(0x0000000100000000),
                        UINT64_C(0xdeadbeefcafef00d),
                        UINT64_C(0x7fffffffffffffff),
                },
        };
        struct stats_walk *w = userdata;
        bool reads_args = false;

        for (size_t p = 0; p < ELEMENTSOF(arg_patterns); p++) {
                struct bpf_sim_input in = {
                        .nr = (uint32_t)nr,
                        .arch = w->arch,
                };
                struct bpf_sim_result res;
                int r;

                memcpy(in.args, arg_patterns[p], sizeof(in.args));

                r = bpf_sim_run(w->insns, w->n, &in, &res);
                if (r < 0)
                        return r;

                w->total_steps += res.steps;
                w->runs++;
                if (res.steps > w->stats.max_path)
                        w->stats.max_path = res.steps;
                reads_args = reads_args || res.reads_args;

                if (p != 0)
                        continue;

                if ((res.ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW)
                        w->stats.allowed++;
                /* seccomp_is_const_allow() compares the RET K value itself, so ALLOW with data
                 * bits set is not cached. */
                if (res.const_path && res.ret == SECCOMP_RET_ALLOW)
                        w->stats.cacheable++;
        }

        w->stats.syscalls++;
        if (reads_args)
                w->stats.arg_dependent++;

        return 0;
}

int bpf_stats_compute(const struct sock_filter *insns, size_t n, uint32_t arch_token,
                      struct bpf_stats *ret)
{
        struct stats_walk w = {
                .insns = insns,
                .n = n,
                .arch = arch_resolve(arch_token),
                .stats.insns = n,
        };
        int r;

        assert(ret);

        r = bpf_validate(insns, n);
        if (r < 0)
                return r;

        r = bpf_foreach_syscall(w.arch, stats_one_syscall, &w);
        if (r < 0)
                return r;
        if (w.runs == 0)
                return -EINVAL;

        w.stats.mean_path = (double)w.total_steps / (double)w.runs;
        if (w.arch == SCMP_ARCH_X32)
                w.stats.cacheable = 0;
        *ret = w.stats;
        return 0;
}
