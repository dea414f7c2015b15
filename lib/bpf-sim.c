/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "bpf.h"

#define SECCOMP_DATA_NR_OFFSET   0U
#define SECCOMP_DATA_ARCH_OFFSET 4U
#define SECCOMP_DATA_IP_OFFSET   8U

static uint32_t alu(uint16_t op, uint32_t a, uint32_t operand)
{
        switch (op) {
        case BPF_ADD: return a + operand;
        case BPF_SUB: return a - operand;
        case BPF_MUL: return a * operand;
        case BPF_DIV: return a / operand;
        case BPF_AND: return a & operand;
        case BPF_OR: return a | operand;
        case BPF_XOR: return a ^ operand;
        case BPF_LSH:
                /* The eBPF interpreter and JITs mask 32-bit shift counts with 31. */
                return a << (operand & 31);
        case BPF_RSH: return a >> (operand & 31);
        case BPF_NEG: return (uint32_t)-a;
        default: assert(!"unreachable ALU op"); return 0;
        }
}

static bool jump_taken(uint16_t op, uint32_t a, uint32_t operand)
{
        switch (op) {
        case BPF_JEQ: return a == operand;
        case BPF_JGT: return a > operand;
        case BPF_JGE: return a >= operand;
        case BPF_JSET: return (a & operand) != 0;
        default: assert(!"unreachable JMP op"); return false;
        }
}

static bool insn_is_const(const struct sock_filter *f)
{
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
                return f->k == SECCOMP_DATA_NR_OFFSET || f->k == SECCOMP_DATA_ARCH_OFFSET;
        case BPF_ALU | BPF_AND | BPF_K:
        case BPF_JMP | BPF_JA:
        case BPF_JMP | BPF_JEQ | BPF_K:
        case BPF_JMP | BPF_JGT | BPF_K:
        case BPF_JMP | BPF_JGE | BPF_K:
        case BPF_JMP | BPF_JSET | BPF_K:
        case BPF_RET | BPF_K: return true;
        default: return false;
        }
}

/* The classic BPF machine a seccomp filter runs on. */
struct machine {
        struct seccomp_data data;
        uint32_t a, x, mem[BPF_MEMWORDS];
        size_t pc;
        bool reads_args; /* a load above the syscall number and arch */
};

/* The value a BPF_LD or BPF_LDX instruction loads. */
static int load_value(struct machine *m, const struct sock_filter *f, uint32_t *ret)
{
        switch (BPF_MODE(f->code)) {
        case BPF_ABS:
                if (f->k >= SECCOMP_DATA_IP_OFFSET)
                        m->reads_args = true;
                memcpy(ret, (const uint8_t *)&m->data + f->k, sizeof(*ret));
                return 0;
        case BPF_LEN: *ret = sizeof(struct seccomp_data); return 0;
        case BPF_IMM: *ret = f->k; return 0;
        case BPF_MEM: *ret = m->mem[f->k]; return 0;
        default: return -EINVAL;
        }
}

/* Executes one (validated) instruction. Returns 0 to go on, 1 with the filter's verdict in
 * `*ret_verdict` when it returned, or -EINVAL. */
static int step(struct machine *m, const struct sock_filter *f, uint32_t *ret_verdict)
{
        switch (BPF_CLASS(f->code)) {
        case BPF_LD:
        case BPF_LDX: {
                uint32_t v;
                int r = load_value(m, f, &v);
                if (r < 0)
                        return r;
                if (BPF_CLASS(f->code) == BPF_LD)
                        m->a = v;
                else
                        m->x = v;
                m->pc++;
                return 0;
        }
        case BPF_ST:
                m->mem[f->k] = m->a;
                m->pc++;
                return 0;
        case BPF_STX:
                m->mem[f->k] = m->x;
                m->pc++;
                return 0;
        case BPF_ALU: {
                uint32_t operand = BPF_SRC(f->code) == BPF_X ? m->x : f->k;

                /* bpf_convert_filter() emits "if X == 0 return 0" before DIV X. */
                if (BPF_OP(f->code) == BPF_DIV && operand == 0) {
                        *ret_verdict = 0;
                        return 1;
                }
                m->a = alu(BPF_OP(f->code), m->a, operand);
                m->pc++;
                return 0;
        }
        case BPF_JMP:
                if (BPF_OP(f->code) == BPF_JA)
                        m->pc += 1 + (size_t)f->k;
                else if (jump_taken(BPF_OP(f->code), m->a, BPF_SRC(f->code) == BPF_X ? m->x : f->k))
                        m->pc += 1 + (size_t)f->jt;
                else
                        m->pc += 1 + (size_t)f->jf;
                return 0;
        case BPF_RET: *ret_verdict = BPF_RVAL(f->code) == BPF_A ? m->a : f->k; return 1;
        case BPF_MISC:
                if (BPF_MISCOP(f->code) == BPF_TAX)
                        m->x = m->a;
                else
                        m->a = m->x;
                m->pc++;
                return 0;
        default: return -EINVAL;
        }
}

int bpf_sim_run(const struct sock_filter *insns, size_t n, const struct bpf_sim_input *in,
                struct bpf_sim_result *ret)
{
        struct machine m = {0};
        uint32_t verdict = 0;
        bool const_path = true;
        unsigned steps = 0;
        int r;

        assert(in);
        assert(ret);

        r = bpf_validate(insns, n);
        if (r < 0)
                return r;

        m.data = (struct seccomp_data){
                .nr = (int)in->nr,
                .arch = in->arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : in->arch,
                .instruction_pointer = in->ip,
        };
        memcpy(m.data.args, in->args, sizeof(m.data.args));

        do {
                /* Validation already rules both out; kept so a bug cannot walk off the end. */
                if (m.pc >= n)
                        return -EINVAL;
                if (++steps > n)
                        return -ELOOP;
                if (!insn_is_const(&insns[m.pc]))
                        const_path = false;
                r = step(&m, &insns[m.pc], &verdict);
                if (r < 0)
                        return r;
        } while (r == 0);

        *ret = (struct bpf_sim_result){
                .ret = verdict,
                .steps = steps,
                .reads_args = m.reads_args,
                .const_path = const_path,
        };
        return 0;
}

int bpf_action_format(uint32_t ret, char *buf, size_t len)
{
        uint32_t data = ret & SECCOMP_RET_DATA;

        assert(buf || len == 0);

        switch (ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS: return snprintf(buf, len, "KILL_PROCESS");
        case SECCOMP_RET_KILL_THREAD: return snprintf(buf, len, "KILL_THREAD");
        case SECCOMP_RET_TRAP: return snprintf(buf, len, "TRAP(%u)", data);
        case SECCOMP_RET_ERRNO: return snprintf(buf, len, "ERRNO(%u)", data);
        case SECCOMP_RET_USER_NOTIF: return snprintf(buf, len, "USER_NOTIF");
        case SECCOMP_RET_TRACE: return snprintf(buf, len, "TRACE(%u)", data);
        case SECCOMP_RET_LOG: return snprintf(buf, len, "LOG");
        case SECCOMP_RET_ALLOW: return snprintf(buf, len, "ALLOW");
        default: return snprintf(buf, len, "UNKNOWN(0x%08x)", ret);
        }
}
