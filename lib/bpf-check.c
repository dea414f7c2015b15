/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>

#include "bpf-check.h"

/* Kernel semantics are those of bpf_check_classic() and seccomp_check_filter(); the latter
 * whitelists codes, so a code missing from this switch is rejected whatever its operands. */
int bpf_insn_check(const struct sock_filter *f, size_t pc, size_t n)
{
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
                if (f->k >= sizeof(struct seccomp_data) || (f->k & 3) != 0)
                        return -EINVAL;
                return 0;
        case BPF_ALU | BPF_DIV | BPF_K: return f->k == 0 ? -EINVAL : 0;
        case BPF_ALU | BPF_LSH | BPF_K:
        case BPF_ALU | BPF_RSH | BPF_K: return f->k >= 32 ? -EINVAL : 0;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
        case BPF_ST:
        case BPF_STX: return f->k >= BPF_MEMWORDS ? -EINVAL : 0;
        case BPF_JMP | BPF_JA: return f->k >= n - pc - 1 ? -ERANGE : 0;
        case BPF_JMP | BPF_JEQ | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_X:
        case BPF_JMP | BPF_JGT | BPF_K:
        case BPF_JMP | BPF_JGT | BPF_X:
        case BPF_JMP | BPF_JGE | BPF_K:
        case BPF_JMP | BPF_JGE | BPF_X:
        case BPF_JMP | BPF_JSET | BPF_K:
        case BPF_JMP | BPF_JSET | BPF_X:
                if (pc + f->jt + 1 >= n || pc + f->jf + 1 >= n)
                        return -ERANGE;
                return 0;
        case BPF_LD | BPF_W | BPF_LEN:
        case BPF_LDX | BPF_W | BPF_LEN:
        case BPF_LD | BPF_IMM:
        case BPF_LDX | BPF_IMM:
        case BPF_RET | BPF_K:
        case BPF_RET | BPF_A:
        case BPF_ALU | BPF_ADD | BPF_K:
        case BPF_ALU | BPF_ADD | BPF_X:
        case BPF_ALU | BPF_SUB | BPF_K:
        case BPF_ALU | BPF_SUB | BPF_X:
        case BPF_ALU | BPF_MUL | BPF_K:
        case BPF_ALU | BPF_MUL | BPF_X:
        case BPF_ALU | BPF_DIV | BPF_X:
        case BPF_ALU | BPF_AND | BPF_K:
        case BPF_ALU | BPF_AND | BPF_X:
        case BPF_ALU | BPF_OR | BPF_K:
        case BPF_ALU | BPF_OR | BPF_X:
        case BPF_ALU | BPF_XOR | BPF_K:
        case BPF_ALU | BPF_XOR | BPF_X:
        case BPF_ALU | BPF_LSH | BPF_X:
        case BPF_ALU | BPF_RSH | BPF_X:
        case BPF_ALU | BPF_NEG:
        case BPF_MISC | BPF_TAX:
        case BPF_MISC | BPF_TXA: return 0;
        default: return -EINVAL;
        }
}

/* Replays the kernel's check_load_and_stores(): one bit per scratch cell, jump targets get
 * the cells valid at every jump into them. Targets were range-checked by bpf_insn_check(). */
static int check_load_and_stores(const struct sock_filter *insns, size_t n)
{
        uint16_t masks[BPF_MAXINSNS];
        uint16_t memvalid = 0;

        memset(masks, 0xff, n * sizeof(masks[0]));

        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *f = &insns[pc];

                memvalid &= masks[pc];

                switch (f->code) {
                case BPF_ST:
                case BPF_STX: memvalid |= (uint16_t)(1U << f->k); break;
                case BPF_LD | BPF_MEM:
                case BPF_LDX | BPF_MEM:
                        if (!(memvalid & (1U << f->k)))
                                return -EINVAL;
                        break;
                case BPF_JMP | BPF_JA:
                        masks[pc + 1 + f->k] &= memvalid;
                        memvalid = UINT16_MAX;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                case BPF_JMP | BPF_JEQ | BPF_X:
                case BPF_JMP | BPF_JGT | BPF_K:
                case BPF_JMP | BPF_JGT | BPF_X:
                case BPF_JMP | BPF_JGE | BPF_K:
                case BPF_JMP | BPF_JGE | BPF_X:
                case BPF_JMP | BPF_JSET | BPF_K:
                case BPF_JMP | BPF_JSET | BPF_X:
                        masks[pc + 1 + f->jt] &= memvalid;
                        masks[pc + 1 + f->jf] &= memvalid;
                        memvalid = UINT16_MAX;
                        break;
                }
        }

        return 0;
}

int bpf_validate(const struct sock_filter *insns, size_t n)
{
        int r;

        if (n == 0 || n > BPF_MAXINSNS)
                return -EINVAL;
        assert(insns);

        for (size_t pc = 0; pc < n; pc++) {
                r = bpf_insn_check(&insns[pc], pc, n);
                if (r < 0)
                        return -EINVAL;
        }

        if (insns[n - 1].code != (BPF_RET | BPF_K) && insns[n - 1].code != (BPF_RET | BPF_A))
                return -EINVAL;

        return check_load_and_stores(insns, n);
}
