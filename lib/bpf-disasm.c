/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>

#include "bpf.h"
#include "macro.h"

static const char *alu_name(uint16_t op)
{
        switch (op) {
        case BPF_ADD: return "add";
        case BPF_SUB: return "sub";
        case BPF_MUL: return "mul";
        case BPF_DIV: return "div";
        case BPF_OR: return "or";
        case BPF_AND: return "and";
        case BPF_LSH: return "lsh";
        case BPF_RSH: return "rsh";
        case BPF_NEG: return "neg";
        case BPF_MOD: return "mod";
        case BPF_XOR: return "xor";
        default: return NULL;
        }
}

static const char *jmp_name(uint16_t op)
{
        switch (op) {
        case BPF_JA: return "jmp";
        case BPF_JEQ: return "jeq";
        case BPF_JGT: return "jgt";
        case BPF_JGE: return "jge";
        case BPF_JSET: return "jset";
        default: return NULL;
        }
}

/* Same mnemonics as libseccomp's scmp_bpf_disasm; NULL for codes it would print as "???". */
static const char *op_name(uint16_t code)
{
        switch (BPF_CLASS(code)) {
        case BPF_LD:
                if (BPF_SIZE(code) == BPF_H && BPF_MODE(code) != BPF_IMM)
                        return "ldh";
                if (BPF_SIZE(code) == BPF_B && BPF_MODE(code) != BPF_IMM)
                        return "ldb";
                return BPF_SIZE(code) == BPF_W ? "ld" : NULL;
        case BPF_LDX: return "ldx";
        case BPF_ST: return "st";
        case BPF_STX: return "stx";
        case BPF_ALU: return alu_name(BPF_OP(code));
        case BPF_JMP: return jmp_name(BPF_OP(code));
        case BPF_RET: return "ret";
        case BPF_MISC:
                if (BPF_MISCOP(code) == BPF_TAX)
                        return "tax";
                if (BPF_MISCOP(code) == BPF_TXA)
                        return "txa";
                return NULL;
        default: return NULL;
        }
}

/* Names the 32-bit word of struct seccomp_data at @k; 64-bit fields are split by host order,
 * as the kernel lays them out. */
static int data_field_name(uint32_t k, char *buf, size_t len)
{
        static const char *const half[2] = {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                "lo",
                "hi",
#else
                "hi",
                "lo",
#endif
        };

        if (k & 3 || k >= sizeof(struct seccomp_data))
                return -EINVAL;
        if (k == offsetof(struct seccomp_data, nr))
                return snprintf(buf, len, "nr");
        if (k == offsetof(struct seccomp_data, arch))
                return snprintf(buf, len, "arch");
        if (k < offsetof(struct seccomp_data, args))
                return snprintf(buf, len, "instruction_pointer.%s", half[(k / 4) & 1]);
        return snprintf(buf, len, "args[%u].%s",
                        (unsigned)((k - offsetof(struct seccomp_data, args)) / 8),
                        half[(k / 4) & 1]);
}

static void format_load(const struct sock_filter *f, char *buf, size_t len)
{
        switch (BPF_MODE(f->code)) {
        case BPF_ABS: snprintf(buf, len, "$data[%u]", f->k); break;
        case BPF_IND: snprintf(buf, len, "$data[X + %u]", f->k); break;
        case BPF_MEM: snprintf(buf, len, "$temp[%u]", f->k); break;
        case BPF_IMM: snprintf(buf, len, "%u", f->k); break;
        case BPF_LEN: snprintf(buf, len, "len($data)"); break;
        case BPF_MSH: snprintf(buf, len, "4 * $data[%u] & 0x0f", f->k); break;
        default: buf[0] = '\0';
        }
}

static void format_args(const struct sock_filter *f, size_t line, char *buf, size_t len)
{
        uint16_t code = f->code;

        buf[0] = '\0';

        switch (BPF_CLASS(code)) {
        case BPF_LD:
        case BPF_LDX: format_load(f, buf, len); break;
        case BPF_ST:
        case BPF_STX: snprintf(buf, len, "$temp[%u]", f->k); break;
        case BPF_ALU:
                if (BPF_OP(code) == BPF_NEG)
                        break;
                if (BPF_SRC(code) == BPF_X)
                        snprintf(buf, len, "X");
                else if (BPF_OP(code) == BPF_OR || BPF_OP(code) == BPF_AND)
                        snprintf(buf, len, "0x%08x", f->k);
                else
                        snprintf(buf, len, "%u", f->k);
                break;
        case BPF_JMP:
                if (BPF_OP(code) == BPF_JA)
                        snprintf(buf, len, "%04zu", line + 1 + f->k);
                else if (BPF_SRC(code) == BPF_X)
                        snprintf(buf, len, "%-4s true:%04zu false:%04zu", "X", line + 1 + f->jt,
                                 line + 1 + f->jf);
                else
                        snprintf(buf, len, "%-4u true:%04zu false:%04zu", f->k, line + 1 + f->jt,
                                 line + 1 + f->jf);
                break;
        case BPF_RET:
                if (BPF_RVAL(code) == BPF_A)
                        snprintf(buf, len, "$acc");
                else if (BPF_RVAL(code) == BPF_K)
                        bpf_action_format(f->k, buf, len);
                break;
        }
}

int bpf_disasm(const struct sock_filter *insns, size_t n, FILE *out)
{
        assert(insns || n == 0);
        assert(out);

        if (fprintf(out, " line  OP   JT   JF   K\n=================================\n") < 0)
                return negative_errno();

        for (size_t i = 0; i < n; i++) {
                const struct sock_filter *f = &insns[i];
                const char *op = op_name(f->code);
                char args[64] = "", field[32];
                int r;

                if (op)
                        format_args(f, i, args, sizeof(args));

                r = fprintf(out, " %04zu: 0x%02x 0x%02x 0x%02x 0x%08x   %-3s", i, f->code, f->jt,
                            f->jf, f->k, op ? op : "???");
                if (r >= 0 && args[0] != '\0') {
                        if (BPF_CLASS(f->code) == BPF_LD && BPF_MODE(f->code) == BPF_ABS &&
                            data_field_name(f->k, field, sizeof(field)) >= 0)
                                r = fprintf(out, " %-14s ; %s", args, field);
                        else
                                r = fprintf(out, " %s", args);
                }
                if (r >= 0)
                        r = fputc('\n', out);
                if (r < 0)
                        return negative_errno();
        }

        if (fflush(out) != 0 || ferror(out))
                return negative_errno();

        return 0;
}
