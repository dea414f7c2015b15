/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The kernel's checks on a classic BPF seccomp filter, with nothing but the kernel's headers:
 * the engine (bpf-sim, bpf-stats) and seccompd-oci, which must not load libseccomp, share
 * them. Pure computation over caller-owned buffers. */

#include <linux/filter.h> /* struct sock_filter, BPF_MAXINSNS, BPF_MEMWORDS */
#include <stddef.h>

/* One instruction at `pc` of a program of `n`: 0 when seccomp_check_filter() and
 * bpf_check_classic() accept it, -ERANGE for a jump whose target lies outside the program,
 * -EINVAL for anything else they refuse (an opcode seccomp does not allow, a division by the
 * constant 0, a shift by 32 or more, a scratch cell out of range, a load outside
 * struct seccomp_data or not 4-aligned). */
int bpf_insn_check(const struct sock_filter *f, size_t pc, size_t n);

/*
 * Checks what the kernel checks when a filter is attached (bpf_check_basics_ok,
 * bpf_check_classic, check_load_and_stores, seccomp_check_filter):
 *   - 1..BPF_MAXINSNS (4096) instructions;
 *   - only the opcodes seccomp allows: LD W ABS (offset < sizeof(struct seccomp_data),
 *     4-aligned), LD/LDX W LEN, LD/LDX IMM, LD/LDX MEM, ST, STX (k < BPF_MEMWORDS),
 *     ALU ADD/SUB/MUL/DIV/AND/OR/XOR/LSH/RSH with K or X and NEG, JA, JEQ/JGT/JGE/JSET with K
 *     or X, RET K/A, MISC TAX/TXA. BPF_MOD is not in seccomp's list and is rejected;
 *   - DIV by constant 0 and LSH/RSH by a constant >= 32 are rejected;
 *   - every jump target lies inside the program;
 *   - every LD/LDX MEM reads a scratch cell stored on all paths reaching it, using the
 *     kernel's own conservative forward pass (an instruction after a RET still inherits
 *     what was stored before the RET);
 *   - the last instruction is RET K or RET A.
 * Returns 0 if the kernel would accept the program, -EINVAL otherwise.
 */
int bpf_validate(const struct sock_filter *insns, size_t n);
