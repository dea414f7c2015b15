/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The shape of a blob seccompd-oci hands to crun, checked before it is used: a classic BPF
 * seccomp filter as libseccomp emits it. Not the engine's bpf_validate() (lib/bpf-sim.c),
 * which would bring libseccomp's headers into the wrapper's build and is about what the kernel
 * accepts, not about what a seccompd blob looks like; this one is both:
 *
 *  - 1 to 4096 instructions, each of the opcodes seccomp allows (seccomp_check_filter():
 *    LD W ABS of an aligned offset inside struct seccomp_data, LD/LDX W LEN, LD/LDX IMM,
 *    LD/LDX MEM, ST, STX, ALU but MOD, JA, JEQ/JGT/JGE/JSET, RET K/A, TAX, TXA), no division
 *    by a constant 0 and no shift by 32 or more, every scratch cell stored before it is read;
 *  - every jump inside the program and the last instruction a RET: as classic BPF jumps only
 *    forward, every path ends in a RET;
 *  - the first instruction loads seccomp_data.arch (offset 4), and no path loads anything
 *    else of seccomp_data (the syscall number, the instruction pointer, an argument) before
 *    a JEQ has found the arch equal to a constant; a RET reached before that (the "bad arch"
 *    action) kills, traps or fails the call, never allows, logs, traces or notifies;
 *  - the native arch (`native`, an AUDIT_ARCH_* value; 0: not checked) is one of the arches
 *    the filter looks at, since crun (like libseccomp's seccomp_init) always filters it. */

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* Returns 0 when `insns` (`n` instructions) has that shape, else -EBADMSG with what is wrong
 * (and where) in `why`. */
int oci_bpf_check(const struct sock_filter *insns, size_t n, uint32_t native, char *why,
                  size_t why_size);

/* The AUDIT_ARCH_* value of the machine this was built for, 0 when unknown here. */
uint32_t oci_bpf_native_arch(void);
