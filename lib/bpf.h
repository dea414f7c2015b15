/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Classic BPF as seccomp uses it: validation with the kernel's rules, a simulator, a
 * disassembler and per-architecture statistics. Everything here is pure computation over
 * caller-owned buffers: no globals, no logging, safe to call from any thread.
 */

#include <linux/filter.h> /* struct sock_filter, BPF_MAXINSNS, BPF_MEMWORDS */

#include "bpf-check.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Input of one simulated system call, as the kernel fills struct seccomp_data. */
struct bpf_sim_input {
        uint32_t nr;   /* as the kernel sees it: x32 carries 0x40000000, MIPS its base */
        uint32_t arch; /* AUDIT_ARCH_* (== SCMP_ARCH_* token, SCMP_ARCH_X32 see below) */
        uint64_t ip;   /* instruction_pointer */
        uint64_t args[6];
};

struct bpf_sim_result {
        uint32_t ret;    /* raw SECCOMP_RET_* value returned by the program */
        unsigned steps;  /* instructions executed, including the final RET */
        bool reads_args; /* the path loaded args[] or instruction_pointer */
        /* Every instruction on the path is one the kernel's seccomp_is_const_allow() (5.11+)
         * can evaluate: LD W ABS of nr or arch, ALU AND K, JA, JEQ/JGT/JGE/JSET K, RET K.
         * With ret == SECCOMP_RET_ALLOW exactly, the kernel's action cache may skip the
         * filter for this (arch, nr). */
        bool const_path;
};

/* bpf_validate(), bpf_insn_check(): bpf-check.h (no libseccomp, shared with seccompd-oci). */

/*
 * Runs the program on the seccomp_data built from @in, laid out as the kernel does (nr at 0,
 * arch at 4, instruction_pointer at 8, args[i] at 16 + 8 * i, 64-bit fields in host order,
 * so on little-endian hosts the low half of args[i] is at 16 + 8 * i).
 * A and X start at 0. ALU works on 32 bits; shifts by X use X & 31 and division by an X of 0
 * makes the program return 0 (SECCOMP_RET_KILL_THREAD), as the kernel's cBPF-to-eBPF
 * conversion does.
 * SCMP_ARCH_X32 (0x4000003e) is a libseccomp-only token: the kernel reports x32 syscalls as
 * AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT in nr, so that is what the program sees.
 * The program is validated first (see bpf_validate()).
 * Returns 0 and fills *ret, -EINVAL for an invalid program, -ELOOP if the step guard trips
 * (cannot happen for a valid program: classic BPF only jumps forward).
 */
int bpf_sim_run(const struct sock_filter *insns, size_t n, const struct bpf_sim_input *in,
                struct bpf_sim_result *ret);

/*
 * Formats a SECCOMP_RET_* value: "KILL_PROCESS", "KILL_THREAD", "TRAP(data)", "ERRNO(data)",
 * "USER_NOTIF", "TRACE(data)", "LOG", "ALLOW" or "UNKNOWN(0x%08x)". Data is decimal and only
 * shown for the actions that carry it. @buf may be NULL when @len is 0.
 * Returns the length the full string needs, like snprintf(); @buf is always NUL-terminated
 * when @len > 0.
 */
int bpf_action_format(uint32_t ret, char *buf, size_t len);

/*
 * Writes a listing in the format of libseccomp's tools/scmp_bpf_disasm: a header
 * (" line  OP   JT   JF   K" and a rule), then one line per instruction, e.g.
 *   " 0000: 0x20 0x00 0x00 0x00000004   ld  $data[4]       ; arch"
 *   " 0001: 0x15 0x00 0x08 0xc000003e   jeq 3221225534 true:0002 false:0010"
 *   " 0009: 0x06 0x00 0x00 0x7fff0000   ret ALLOW"
 * Loads from seccomp_data are annotated with the field name; RET K uses
 * bpf_action_format(); operands from X print as "X"; opcodes outside the seccomp subset
 * print as "???". The program is not validated, so invalid programs can be inspected.
 * Returns 0, or -errno if writing to @out failed (checked with fflush()).
 */
int bpf_disasm(const struct sock_filter *insns, size_t n, FILE *out);

struct bpf_stats {
        size_t insns;           /* program length */
        unsigned syscalls;      /* syscall numbers examined (those libseccomp knows for the arch) */
        unsigned max_path;      /* longest path in instructions over all syscalls and patterns */
        double mean_path;       /* mean path over all patterns and syscalls */
        unsigned allowed;       /* syscalls whose verdict is ALLOW for the all-zero args pattern */
        unsigned cacheable;     /* syscalls the kernel's seccomp action cache could cache */
        unsigned arg_dependent; /* syscalls whose path reads args or ip */
};

/*
 * Simulates the program for every syscall bpf_foreach_syscall() yields for @arch_token
 * (SCMP_ARCH_*, 0 for the native arch) under fixed argument patterns: all zero, all
 * 0xffffffffffffffff, all 0x7fffffff, 1..6, and a mix with high bits set.
 * "allowed" counts verdicts whose action is SECCOMP_RET_ALLOW for the all-zero pattern.
 * "cacheable" replays seccomp_cache_prepare_bitmap() for this single filter: the path is
 * const_path and returns exactly SECCOMP_RET_ALLOW. The kernel only caches its native and
 * compat architectures (on x86_64: X86_64 and X86), which is not modelled here, except that
 * x32 is never cacheable: its numbers carry bit 30, beyond the cache's bitmap.
 * "arg_dependent" counts syscalls whose path reads args or ip for some pattern; a path
 * that reads neither is the same for all patterns, so
 * cacheable <= allowed - (allowed and arg_dependent).
 * Returns 0 and fills *ret, -EINVAL for an invalid program or unknown architecture.
 */
int bpf_stats_compute(const struct sock_filter *insns, size_t n, uint32_t arch_token,
                      struct bpf_stats *ret);

/*
 * Calls @fn for every syscall number in [0, 1024) that
 * seccomp_syscall_resolve_num_arch(@arch_token, nr) names, in increasing order. @fn receives
 * the number the kernel puts in seccomp_data.nr: libseccomp 2.5.4 resolves x32 and MIPS
 * tables by their bare index but hands out numbers with __X32_SYSCALL_BIT (0x40000000) or
 * the MIPS ABI base (4000, 5000, 6000) added, so the same offset is added here. @name is
 * borrowed for the duration of the call. @arch_token 0 means the native arch. ARM's private
 * syscalls (0xf0000+) are outside the range and not visited.
 * Returns 0, the first non-zero value @fn returns, or -EINVAL for an unknown architecture.
 */
int bpf_foreach_syscall(uint32_t arch_token, int (*fn)(int nr, const char *name, void *userdata),
                        void *userdata);
