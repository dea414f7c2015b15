/* SPDX-License-Identifier: Apache-2.0 */

/*
 * libFuzzer harness for the classic BPF tools on arbitrary programs. fuzz-compile only ever
 * hands them what libseccomp generates; this one feeds raw instructions, so the validator's
 * rejections, the simulator's ALU and jump corners and the disassembler's "???" lines run too.
 *
 * Input: 8 bytes of simulated seccomp_data seed (nr, arch), then struct sock_filter
 * instructions in host order (a trailing partial instruction is ignored). Checks:
 *   - bpf_sim_run() fails exactly when bpf_validate() does, with -EINVAL, and never -ELOOP;
 *   - a run takes between 1 and n steps;
 *   - bpf_disasm() and bpf_action_format() cope with anything.
 */

#include <errno.h>
#include <linux/audit.h>
#include <stdint.h>
#include <string.h>

#include "bpf.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sock_filter insns[BPF_MAXINSNS + 1];
        uint32_t seed[2];
        char buf[32];

        if (size < sizeof(seed))
                return 0;
        memcpy(seed, data, sizeof(seed));
        data += sizeof(seed);
        size -= sizeof(seed);
        size_t n = size / sizeof(struct sock_filter);
        if (n > ELEMENTSOF(insns))
                n = ELEMENTSOF(insns); /* one over the limit: the validator must say no */
        memcpy(insns, data, n * sizeof(struct sock_filter));

        int valid = bpf_validate(insns, n);
        fuzz_check(valid == 0 || valid == -EINVAL, "bpf_validate = %d", valid);
        fuzz_check(valid < 0 || (n >= 1 && n <= BPF_MAXINSNS), "accepted %zu instructions", n);
        fuzz_check(bpf_disasm(insns, n, fuzz_devnull()) == 0, "bpf_disasm failed");

        const struct bpf_sim_input inputs[] = {
                {.nr = seed[0], .arch = seed[1]},
                {.nr = seed[0],
                 .arch = AUDIT_ARCH_X86_64,
                 .ip = UINT64_MAX,
                 .args = {1, 2, 3, 4, 5, 6}},
                {.nr = seed[1],
                 .arch = AUDIT_ARCH_AARCH64,
                 .args = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}},
                {.nr = 0x40000000u | (seed[0] & 0x3ff), .arch = AUDIT_ARCH_X86_64},
        };
        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                struct bpf_sim_result res;
                int r = bpf_sim_run(insns, n, &inputs[i], &res);
                fuzz_check(r == valid, "bpf_sim_run = %d but bpf_validate = %d", r, valid);
                if (r < 0)
                        continue;
                fuzz_check(res.steps >= 1 && res.steps <= n, "%u steps in %zu instructions",
                           res.steps, n);
                int need = bpf_action_format(res.ret, NULL, 0);
                int got = bpf_action_format(res.ret, buf, sizeof(buf));
                fuzz_check(need > 0 && got == need && strlen(buf) == (size_t)need,
                           "bpf_action_format(0x%08x): %d, %d, \"%s\"", res.ret, need, got, buf);
        }
        for (size_t i = 0; i < n && i < 16; i++)
                (void)bpf_action_format(insns[i].k, buf, i % 4 == 3 ? 3 : sizeof(buf));
        return 0;
}
