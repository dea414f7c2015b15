/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "bpf-check.h"
#include "oci-bpf.h"

#define DATA_ARCH_OFFSET 4u

/* What is known on entry to an instruction, on every path that reaches it. */
struct state {
        bool reached;
        bool arch_checked; /* a JEQ found the arch equal to a constant */
        bool a_is_arch;    /* the accumulator holds seccomp_data.arch */
        uint16_t stored;   /* scratch cells written */
};

static int fail(char *why, size_t why_size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t why_size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

uint32_t oci_bpf_native_arch(void)
{
#if defined(__x86_64__)
        return AUDIT_ARCH_X86_64; /* x32 too: the kernel reports it as x86_64 */
#elif defined(__i386__)
        return AUDIT_ARCH_I386;
#elif defined(__aarch64__) && defined(__AARCH64EL__)
        return AUDIT_ARCH_AARCH64;
#elif defined(__s390x__)
        return AUDIT_ARCH_S390X;
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
        return AUDIT_ARCH_PPC64LE;
#else
        return 0;
#endif
}

/* Merges `s` into the state on entry to `pc`: what holds on every path. */
static void merge(struct state *st, size_t pc, struct state s)
{
        struct state *t = &st[pc];
        if (!t->reached) {
                *t = s;
                t->reached = true;
                return;
        }
        t->arch_checked = t->arch_checked && s.arch_checked;
        t->a_is_arch = t->a_is_arch && s.a_is_arch;
        t->stored &= s.stored;
}

/* An action a filter may take before it knows the arch: one that does not run the call. */
static bool bad_arch_action(uint32_t k)
{
        switch (k & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS:
        case SECCOMP_RET_KILL_THREAD:
        case SECCOMP_RET_TRAP:
        case SECCOMP_RET_ERRNO: return true;
        default: return false;
        }
}

static int walk(const struct sock_filter *insns, size_t n, struct state *st, uint32_t native,
                char *why, size_t why_size)
{
        bool native_seen = native == 0;

        st[0].reached = true;
        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *f = &insns[pc];
                struct state s = st[pc];
                uint16_t cls = BPF_CLASS(f->code);

                if (!s.reached)
                        continue; /* dead code: never runs */
                if (cls == BPF_RET) {
                        if (!s.arch_checked &&
                            (BPF_RVAL(f->code) != BPF_K || !bad_arch_action(f->k)))
                                return fail(why, why_size,
                                            "instruction %zu returns 0x%08x before the arch is "
                                            "checked",
                                            pc, BPF_RVAL(f->code) == BPF_K ? f->k : 0);
                        continue;
                }
                if (cls == BPF_JMP) {
                        if (BPF_OP(f->code) == BPF_JA) {
                                merge(st, pc + 1 + f->k, s);
                                continue;
                        }
                        struct state t = s, e = s;
                        if (BPF_OP(f->code) == BPF_JEQ && BPF_SRC(f->code) == BPF_K &&
                            s.a_is_arch) {
                                t.arch_checked = true;
                                if (f->k == native)
                                        native_seen = true;
                        }
                        merge(st, pc + 1 + f->jt, t);
                        merge(st, pc + 1 + f->jf, e);
                        continue;
                }
                switch (f->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (f->k != DATA_ARCH_OFFSET && !s.arch_checked)
                                return fail(why, why_size,
                                            "instruction %zu loads seccomp_data at offset %u "
                                            "before the arch is checked",
                                            pc, f->k);
                        s.a_is_arch = f->k == DATA_ARCH_OFFSET;
                        break;
                case BPF_LD | BPF_MEM:
                case BPF_LDX | BPF_MEM:
                        if (!(s.stored & (1u << f->k)))
                                return fail(why, why_size,
                                            "instruction %zu reads scratch cell %u, not written "
                                            "on every path",
                                            pc, f->k);
                        s.a_is_arch = s.a_is_arch && cls == BPF_LDX;
                        break;
                case BPF_ST:
                case BPF_STX: s.stored |= (uint16_t)(1u << f->k); break;
                case BPF_LDX | BPF_W | BPF_LEN:
                case BPF_LDX | BPF_IMM:
                case BPF_MISC | BPF_TAX: break; /* X only */
                default: s.a_is_arch = false; break;
                }
                merge(st, pc + 1, s);
        }
        if (!native_seen)
                return fail(why, why_size,
                            "the filter never checks the native arch 0x%08x, which crun always "
                            "filters",
                            native);
        return 0;
}

int oci_bpf_check(const struct sock_filter *insns, size_t n, uint32_t native, char *why,
                  size_t why_size)
{
        if (n == 0 || n > BPF_MAXINSNS)
                return fail(why, why_size, "%zu instructions (the kernel takes 1 to %u)", n,
                            BPF_MAXINSNS);
        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *f = &insns[pc];
                int k = bpf_insn_check(f, pc, n);
                if (k == -ERANGE)
                        return fail(why, why_size, "instruction %zu jumps past the end", pc);
                if (k < 0)
                        return fail(why, why_size,
                                    "instruction %zu (code 0x%04x, k 0x%08x) is not one seccomp "
                                    "allows",
                                    pc, f->code, f->k);
        }
        if (BPF_CLASS(insns[n - 1].code) != BPF_RET)
                return fail(why, why_size, "the last instruction is not a RET");
        if (insns[0].code != (BPF_LD | BPF_W | BPF_ABS) || insns[0].k != DATA_ARCH_OFFSET)
                return fail(why, why_size,
                            "the first instruction does not load the arch (seccomp_data at "
                            "offset %u)",
                            DATA_ARCH_OFFSET);

        struct state *st = calloc(n, sizeof(*st));
        if (!st)
                return -ENOMEM;
        int r = walk(insns, n, st, native, why, why_size);
        free(st);
        return r;
}
