/* SPDX-License-Identifier: Apache-2.0 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "bpf.h"
#include "macro.h"

#define LD_ABS(k)            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (k))
#define LD_IMM(k)            BPF_STMT(BPF_LD | BPF_IMM, (k))
#define LDX_IMM(k)           BPF_STMT(BPF_LDX | BPF_IMM, (k))
#define LD_LEN               BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0)
#define LDX_LEN              BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0)
#define LD_MEM(k)            BPF_STMT(BPF_LD | BPF_MEM, (k))
#define LDX_MEM(k)           BPF_STMT(BPF_LDX | BPF_MEM, (k))
#define ST(k)                BPF_STMT(BPF_ST, (k))
#define STX(k)               BPF_STMT(BPF_STX, (k))
#define ALU_K(op, k)         BPF_STMT(BPF_ALU | (op) | BPF_K, (k))
#define ALU_X(op)            BPF_STMT(BPF_ALU | (op) | BPF_X, 0)
#define NEG                  BPF_STMT(BPF_ALU | BPF_NEG, 0)
#define TAX                  BPF_STMT(BPF_MISC | BPF_TAX, 0)
#define TXA                  BPF_STMT(BPF_MISC | BPF_TXA, 0)
#define JA(k)                BPF_JUMP(BPF_JMP | BPF_JA, (k), 0, 0)
#define JMP_K(op, k, jt, jf) BPF_JUMP(BPF_JMP | (op) | BPF_K, (k), (jt), (jf))
#define JMP_X(op, jt, jf)    BPF_JUMP(BPF_JMP | (op) | BPF_X, 0, (jt), (jf))
#define RET_K(k)             BPF_STMT(BPF_RET | BPF_K, (k))
#define RET_A                BPF_STMT(BPF_RET | BPF_A, 0)
#define RET_ALLOW            RET_K(SECCOMP_RET_ALLOW)

#define OFF_NR   offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
#define OFF_IP   offsetof(struct seccomp_data, instruction_pointer)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define OFF_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define OFF_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif
#define OFF_ARG_HI(i) (OFF_ARG_LO(i) ^ 4)

#define RUN(prog, in) run_ok((prog), ELEMENTSOF(prog), (in))
#define ASSERT_RUN(prog, in, ret_, steps_)                                                         \
        do {                                                                                       \
                struct bpf_sim_result _r_ = RUN(prog, in);                                         \
                assert_int_equal(_r_.ret, (ret_));                                                 \
                assert_int_equal(_r_.steps, (steps_));                                             \
        } while (0)

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

static struct bpf_sim_result run_ok(const struct sock_filter *insns, size_t n,
                                    const struct bpf_sim_input *in)
{
        struct bpf_sim_result res = {0};

        assert_int_equal(bpf_sim_run(insns, n, in, &res), 0);
        assert_true(res.steps >= 1 && res.steps <= n);
        return res;
}

static void test_bpf_sim_ld_abs_reads_every_field(void **state _unused_)
{
        struct bpf_sim_input in = {.nr = 0x11, .arch = 0x22, .ip = 0x3333333344444444};

        for (unsigned i = 0; i < 6; i++)
                in.args[i] = ((uint64_t)(0xa0 + i) << 32) | (0xb0 + i);

        for (uint32_t k = 0; k < sizeof(struct seccomp_data); k += 4) {
                struct sock_filter prog[] = {LD_ABS(k), RET_A};
                struct bpf_sim_result res = RUN(prog, &in);
                uint32_t expected;

                if (k == OFF_NR)
                        expected = in.nr;
                else if (k == OFF_ARCH)
                        expected = in.arch;
                else if (k < offsetof(struct seccomp_data, args))
                        expected = k == OFF_ARG_LO(0) - 8 ? 0x44444444 : 0x33333333;
                else
                        expected = (k == OFF_ARG_LO((k - 16) / 8) ? 0xb0 : 0xa0) + (k - 16) / 8;

                assert_int_equal(res.ret, expected);
                assert_int_equal(res.steps, 2);
                assert_int_equal(res.reads_args, k >= OFF_IP);
                assert_false(res.const_path);
        }
}

static void test_bpf_sim_loads_stores_misc(void **state _unused_)
{
        struct bpf_sim_input in = {0};
        struct sock_filter len_a[] = {LD_LEN, TAX, LD_IMM(5), TXA, RET_A};
        struct sock_filter len_x[] = {LDX_LEN, TXA, RET_A};
        struct sock_filter imm[] = {LDX_IMM(7), LD_IMM(0x12345678), RET_A};
        struct sock_filter mem[] = {LD_IMM(7),  ST(3),      LDX_IMM(9), STX(15),        LD_IMM(0),
                                    LDX_IMM(0), LDX_MEM(3), LD_MEM(15), ALU_X(BPF_SUB), RET_A};

        ASSERT_RUN(len_a, &in, sizeof(struct seccomp_data), 5);
        ASSERT_RUN(len_x, &in, sizeof(struct seccomp_data), 3);
        ASSERT_RUN(imm, &in, 0x12345678, 3);
        assert_false(RUN(imm, &in).reads_args);
        ASSERT_RUN(mem, &in, 2, 10);
}

static void test_bpf_sim_alu_ops_and_div_by_zero(void **state _unused_)
{
        static const struct {
                uint16_t op;
                uint32_t a, operand, expected;
                bool x_only; /* the constant form is rejected by the kernel */
        } cases[] = {
                {BPF_ADD, 0xffffffff, 2, 1, false},
                {BPF_SUB, 1, 2, 0xffffffff, false},
                {BPF_MUL, 0x10000, 0x10001, 0x10000, false},
                {BPF_DIV, 100, 7, 14, false},
                {BPF_AND, 0xf0f0, 0xff00, 0xf000, false},
                {BPF_OR, 0xf0, 0x0f, 0xff, false},
                {BPF_XOR, 0xff, 0x0f, 0xf0, false},
                {BPF_LSH, 1, 31, 0x80000000, false},
                {BPF_RSH, 0x80000000, 31, 1, false},
                {BPF_LSH, 1, 33, 2, true},
                {BPF_RSH, 0x80, 36, 0x8, true},
        };
        struct bpf_sim_input in = {0};
        struct sock_filter neg[] = {LD_IMM(1), NEG, RET_A};
        /* bpf_convert_filter() makes a division by an X of 0 return 0, i.e. KILL_THREAD */
        struct sock_filter div0[] = {LDX_IMM(0), LD_IMM(100), ALU_X(BPF_DIV), RET_ALLOW};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct sock_filter k_form[] = {LD_IMM(cases[i].a),
                                               ALU_K(cases[i].op, cases[i].operand), RET_A};
                struct sock_filter x_form[] = {LDX_IMM(cases[i].operand), LD_IMM(cases[i].a),
                                               ALU_X(cases[i].op), RET_A};

                ASSERT_RUN(x_form, &in, cases[i].expected, 4);
                if (cases[i].x_only) {
                        assert_int_equal(bpf_validate(k_form, ELEMENTSOF(k_form)), -EINVAL);
                        continue;
                }
                ASSERT_RUN(k_form, &in, cases[i].expected, 3);
        }

        ASSERT_RUN(neg, &in, 0xffffffff, 3);
        ASSERT_RUN(div0, &in, SECCOMP_RET_KILL_THREAD, 3);
}

static void test_bpf_sim_jumps(void **state _unused_)
{
        static const struct {
                uint16_t op;
                uint32_t a, operand;
                bool taken;
        } cases[] = {
                {BPF_JEQ, 5, 5, true},          {BPF_JEQ, 5, 6, false},
                {BPF_JGT, 6, 5, true},          {BPF_JGT, 5, 5, false},
                {BPF_JGE, 5, 5, true},          {BPF_JGE, 4, 5, false},
                {BPF_JSET, 6, 2, true},         {BPF_JSET, 4, 3, false},
                {BPF_JGT, 0xffffffff, 1, true}, {BPF_JGE, 1, 0x80000000, false},
        };
        struct sock_filter ja[] = {JA(2), RET_K(1), RET_K(2), RET_K(3)};
        struct bpf_sim_input in = {0};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint32_t expected = cases[i].taken ? 1 : 2;
                struct sock_filter k_form[] = {LD_IMM(cases[i].a),
                                               JMP_K(cases[i].op, cases[i].operand, 0, 1), RET_K(1),
                                               RET_K(2)};
                struct sock_filter x_form[] = {LDX_IMM(cases[i].operand), LD_IMM(cases[i].a),
                                               JMP_X(cases[i].op, 0, 1), RET_K(1), RET_K(2)};

                ASSERT_RUN(k_form, &in, expected, 3);
                ASSERT_RUN(x_form, &in, expected, 4);
        }

        ASSERT_RUN(ja, &in, 3, 2);
}

static void test_bpf_sim_reads_args_only_on_taken_path(void **state _unused_)
{
        struct sock_filter prog[] = {
                LD_ABS(OFF_NR), JMP_K(BPF_JEQ, 1, 0, 3), LD_ABS(OFF_IP), LD_ABS(OFF_ARG_HI(5)),
                RET_A,          ALU_K(BPF_AND, 0xff),    RET_ALLOW,
        };
        struct bpf_sim_input in = {.nr = 1, .args[5] = UINT64_C(0x1234567800000000)};
        struct bpf_sim_result res = RUN(prog, &in);

        assert_int_equal(res.ret, 0x12345678);
        assert_int_equal(res.steps, 5);
        assert_true(res.reads_args);
        assert_false(res.const_path);

        in.nr = 2;
        res = RUN(prog, &in);
        assert_int_equal(res.ret, SECCOMP_RET_ALLOW);
        assert_int_equal(res.steps, 4);
        assert_false(res.reads_args);
        assert_true(res.const_path);
}

static void test_bpf_sim_rejects_invalid_program(void **state _unused_)
{
        struct sock_filter prog[] = {LD_ABS(64), RET_A};
        struct bpf_sim_input in = {0};
        struct bpf_sim_result res, before;

        memset(&res, 0xaa, sizeof(res));
        before = res;
        assert_int_equal(bpf_sim_run(prog, ELEMENTSOF(prog), &in, &res), -EINVAL);
        assert_memory_equal(&res, &before, sizeof(res));
        assert_int_equal(bpf_sim_run(prog, 0, &in, &res), -EINVAL);
}

/* One table drives both the unit checks and the comparison with the kernel. */
#define VCASE(group_, expected_, ...)                                                              \
        {                                                                                          \
                .group = (group_), .expected = (expected_),                                        \
                .n = ELEMENTSOF(((const struct sock_filter[]){__VA_ARGS__})),                      \
                .insns = {__VA_ARGS__},                                                            \
        }

static const struct validate_case {
        const char *group;
        int expected;
        size_t n;
        struct sock_filter insns[5];
} validate_cases[] = {
        VCASE("jump", 0, JA(1), RET_K(1), RET_K(2)),
        VCASE("jump", -EINVAL, JA(2), RET_K(1), RET_K(2)),
        VCASE("jump", -EINVAL, JA(UINT32_MAX), RET_K(1)),
        VCASE("jump", 0, JMP_K(BPF_JEQ, 0, 1, 0), RET_K(1), RET_K(2)),
        VCASE("jump", -EINVAL, JMP_K(BPF_JEQ, 0, 2, 0), RET_K(1), RET_K(2)),
        VCASE("jump", -EINVAL, JMP_X(BPF_JSET, 0, 2), RET_K(1), RET_K(2)),
        VCASE("jump", -EINVAL, JMP_X(BPF_JA, 0, 0), RET_K(1)),
        VCASE("offset", 0, LD_ABS(60), RET_A),
        VCASE("offset", -EINVAL, LD_ABS(64), RET_A),
        VCASE("offset", -EINVAL, LD_ABS(2), RET_A),
        VCASE("offset", -EINVAL, LD_ABS(0xfffff000), RET_A),
        VCASE("offset", -EINVAL, BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), RET_A),
        VCASE("offset", -EINVAL, BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET_A),
        VCASE("offset", -EINVAL, BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), RET_A),
        VCASE("ret", -EINVAL, LD_ABS(0)),
        VCASE("ret", -EINVAL, RET_ALLOW, LD_ABS(0)),
        VCASE("ret", -EINVAL, BPF_STMT(BPF_RET | BPF_X, 0)),
        VCASE("ret", 0, LD_LEN, LDX_LEN, TAX, TXA, RET_A),
        VCASE("div", 0, ALU_K(BPF_DIV, 1), RET_A),
        VCASE("div", -EINVAL, ALU_K(BPF_DIV, 0), RET_A),
        VCASE("div", 0, ALU_X(BPF_DIV), RET_A),
        /* seccomp_check_filter() has no BPF_MOD in its list, whatever the operand */
        VCASE("div", -EINVAL, ALU_K(BPF_MOD, 3), RET_A),
        VCASE("div", -EINVAL, ALU_X(BPF_MOD), RET_A),
        VCASE("bounds", 0, ALU_K(BPF_LSH, 31), RET_A),
        VCASE("bounds", -EINVAL, ALU_K(BPF_LSH, 32), RET_A),
        VCASE("bounds", -EINVAL, ALU_K(BPF_RSH, 32), RET_A),
        VCASE("bounds", 0, NEG, ALU_X(BPF_XOR), RET_A),
        VCASE("bounds", 0, ST(15), LD_MEM(15), RET_A),
        VCASE("bounds", -EINVAL, ST(16), RET_A),
        VCASE("bounds", -EINVAL, STX(16), RET_A),
        VCASE("scratch", -EINVAL, LD_MEM(0), RET_A),
        VCASE("scratch", -EINVAL, ST(1), LDX_MEM(0), RET_A),
        /* stored on one branch only, then before the branch */
        VCASE("scratch", -EINVAL, JMP_K(BPF_JEQ, 0, 0, 1), ST(0), LD_MEM(0), RET_A),
        VCASE("scratch", 0, ST(0), JMP_K(BPF_JEQ, 0, 0, 1), ST(1), LD_MEM(0), RET_A),
};

static void validate_group(const char *group)
{
        unsigned checked = 0;

        for (size_t i = 0; i < ELEMENTSOF(validate_cases); i++) {
                const struct validate_case *c = &validate_cases[i];
                int r;

                if (!streq(c->group, group))
                        continue;
                r = bpf_validate(c->insns, c->n);
                if (r != c->expected)
                        fail_msg("%s case %zu: got %d, expected %d", group, i, r, c->expected);
                checked++;
        }
        assert_true(checked > 0);
}

#define VALIDATE_GROUP_TEST(name, group)                                                           \
        static void test_bpf_validate_##name(void **state _unused_)                                \
        {                                                                                          \
                validate_group(group);                                                             \
        }

VALIDATE_GROUP_TEST(jump_out_of_range, "jump")
VALIDATE_GROUP_TEST(bad_load_offset, "offset")
VALIDATE_GROUP_TEST(no_final_ret, "ret")
VALIDATE_GROUP_TEST(div_by_zero_constant, "div")
VALIDATE_GROUP_TEST(shift_and_scratch_bounds, "bounds")
VALIDATE_GROUP_TEST(scratch_read_before_store, "scratch")

static struct sock_filter *program_of_rets(size_t n)
{
        struct sock_filter *p = calloc(n, sizeof(*p));

        assert_non_null(p);
        for (size_t i = 0; i < n; i++)
                p[i] = (struct sock_filter)RET_ALLOW;
        return p;
}

static void test_bpf_validate_too_long(void **state _unused_)
{
        _cleanup_free_ struct sock_filter *prog = program_of_rets(BPF_MAXINSNS + 1);

        assert_int_equal(bpf_validate(prog, BPF_MAXINSNS), 0);
        assert_int_equal(bpf_validate(prog, BPF_MAXINSNS + 1), -EINVAL);
        assert_int_equal(bpf_validate(NULL, 0), -EINVAL);
}

/* Runs in a forked child so denied or killing filters cannot hurt the test runner; results
 * come back through MAP_SHARED memory because the filter may deny write(). */
struct kernel_outcome {
        int install_errno; /* -1 until seccomp() returned */
        long ret;
        int err;
        int sig;
};

static void kernel_run(const struct sock_filter *insns, size_t n, long nr, const uint64_t *args,
                       struct kernel_outcome *ret)
{
        struct kernel_outcome *shared;
        int status;
        pid_t pid;

        shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
                      0);
        assert_true(shared != MAP_FAILED);
        *shared = (struct kernel_outcome){.install_errno = -1};

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct sock_fprog prog = {.len = n, .filter = (struct sock_filter *)insns};

                /* cmocka catches SIGSYS; a TRAP verdict must kill like the KILL ones. */
                signal(SIGSYS, SIG_DFL);
                (void)setrlimit(RLIMIT_CORE, &(struct rlimit){0});
                (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
                        shared->install_errno = errno;
                        _exit(0);
                }
                shared->install_errno = 0;
                if (nr >= 0) {
                        errno = 0;
                        shared->ret =
                                syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
                        shared->err = errno;
                }
                _exit(0);
        }

        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status))
                shared->sig = WTERMSIG(status);
        *ret = *shared;
        assert_int_equal(munmap(shared, sizeof(*shared)), 0);
}

static void kernel_require_seccomp(void)
{
        struct sock_filter prog[] = {RET_ALLOW};
        struct kernel_outcome k;

        kernel_run(prog, ELEMENTSOF(prog), -1, NULL, &k);
        if (k.install_errno != 0) {
                print_message("seccomp filters unavailable: %s\n", strerror(k.install_errno));
                skip();
        }
}

/* Calls getppid() with @args under the filter, in the kernel and in the simulator. */
static void assert_kernel_agrees(const struct sock_filter *insns, size_t n, const uint64_t *args)
{
        struct bpf_sim_input in = {.nr = SYS_getppid, .arch = seccomp_arch_native()};
        struct bpf_sim_result res;
        struct kernel_outcome k;
        uint32_t data;

        memcpy(in.args, args, sizeof(in.args));
        res = run_ok(insns, n, &in);
        data = res.ret & SECCOMP_RET_DATA;

        kernel_run(insns, n, SYS_getppid, args, &k);
        assert_int_equal(k.install_errno, 0);

        switch (res.ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_ALLOW:
                assert_int_equal(k.sig, 0);
                assert_int_equal(k.ret, getpid());
                break;
        case SECCOMP_RET_ERRNO:
                /* the kernel returns -data, clamped to MAX_ERRNO: ERRNO(0) reads as success */
                assert_int_equal(k.sig, 0);
                assert_int_equal(k.ret, data == 0 ? 0 : -1);
                if (data != 0)
                        assert_int_equal(k.err, data > 4095 ? 4095 : data);
                break;
        case SECCOMP_RET_KILL_PROCESS:
        case SECCOMP_RET_KILL_THREAD:
        case SECCOMP_RET_TRAP: assert_int_equal(k.sig, SIGSYS); break;
        default: fail_msg("no kernel expectation for verdict 0x%08x", res.ret);
        }
}

static void test_bpf_validate_matches_kernel(void **state _unused_)
{
        _cleanup_free_ struct sock_filter *big = program_of_rets(BPF_MAXINSNS + 1);
        struct kernel_outcome k;

        kernel_require_seccomp();

        for (size_t i = 0; i < ELEMENTSOF(validate_cases); i++) {
                const struct validate_case *c = &validate_cases[i];

                kernel_run(c->insns, c->n, -1, NULL, &k);
                if (c->expected != -k.install_errno)
                        fail_msg("%s case %zu: expected %d, kernel %d", c->group, i, c->expected,
                                 -k.install_errno);
        }

        for (size_t n = BPF_MAXINSNS; n <= BPF_MAXINSNS + 1; n++) {
                kernel_run(big, n, -1, NULL, &k);
                assert_int_equal(bpf_validate(big, n), -k.install_errno);
        }
}

static void test_bpf_sim_matches_kernel_on_alu_edges(void **state _unused_)
{
        /* getppid: when args[2] is odd, ERRNO(((-(args[2] * args[3]) >> 22) ^ args[3]) | 1)
         * through X and scratch memory; otherwise ERRNO(100 / args[0] + (1 << args[1])),
         * where division by 0 makes the program return 0 (KILL_THREAD) and the shift count is
         * masked to 5 bits. */
        struct sock_filter prog[] = {
                LD_ABS(OFF_NR),
                JMP_K(BPF_JEQ, SYS_getppid, 1, 0),
                RET_ALLOW,
                /* 3 */ LD_ABS(OFF_ARG_LO(2)),
                JMP_K(BPF_JSET, 1, 0, 11),
                /* 5 */ LD_ABS(OFF_ARG_LO(3)),
                TAX,
                LD_ABS(OFF_ARG_LO(2)),
                ALU_X(BPF_MUL),
                NEG,
                /* 10 */ ALU_K(BPF_RSH, 22),
                STX(1),
                LDX_MEM(1),
                ALU_X(BPF_XOR),
                /* 14 */ ALU_K(BPF_OR, SECCOMP_RET_ERRNO | 1),
                RET_A,
                /* 16 */ LD_ABS(OFF_ARG_LO(0)),
                TAX,
                LD_IMM(100),
                ALU_X(BPF_DIV),
                ST(0),
                /* 21 */ LD_ABS(OFF_ARG_LO(1)),
                TAX,
                LD_IMM(1),
                ALU_X(BPF_LSH),
                LDX_MEM(0),
                /* 26 */ ALU_X(BPF_ADD),
                ALU_K(BPF_ADD, SECCOMP_RET_ERRNO),
                RET_A,
        };
        static const uint64_t cases[][6] = {
                {7, 3},  /* 14 + 8 */
                {7, 33}, /* 14 + 2: shift count masked */
                {0, 1},  /* division by zero: KILL_THREAD */
                {3, 0, 0x12345, 0xfedc},
                {3, 0, 0xffffffff, 0x7},
        };

        assert_int_equal(bpf_validate(prog, ELEMENTSOF(prog)), 0);
        kernel_require_seccomp();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_kernel_agrees(prog, ELEMENTSOF(prog), cases[i]);
}

static void filter_export(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n)
{
        _cleanup_close_ int fd = memfd_create("bpf", MFD_CLOEXEC);
        _cleanup_free_ struct sock_filter *insns = NULL;
        off_t size;

        assert_true(fd >= 0);
        assert_int_equal(seccomp_export_bpf(ctx, fd), 0);
        size = lseek(fd, 0, SEEK_END);
        assert_true(size > 0 && size % sizeof(struct sock_filter) == 0);

        insns = malloc(size);
        assert_non_null(insns);
        assert_int_equal(pread(fd, insns, size, 0), size);

        *ret_n = size / sizeof(struct sock_filter);
        *ret = TAKE_PTR(insns);
}

#define RULE(ctx, action, sys, ...)                                                                \
        assert_int_equal(seccomp_rule_add((ctx), (action), SCMP_SYS(sys), __VA_ARGS__), 0)

/* Default ALLOW, for the native arch and @extra_arch. */
static void filter_build(uint32_t extra_arch, struct sock_filter **ret, size_t *ret_n)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        assert_non_null(ctx);
        r = seccomp_arch_add(ctx, extra_arch);
        assert_true(r == 0 || r == -EEXIST);

        RULE(ctx, SCMP_ACT_ERRNO(77), getppid, 1, SCMP_A0(SCMP_CMP_EQ, 0x1234));
        RULE(ctx, SCMP_ACT_ERRNO(78), getppid, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf0, 0x30));
        RULE(ctx, SCMP_ACT_KILL_PROCESS, getppid, 1,
             SCMP_A2(SCMP_CMP_EQ, UINT64_C(0xdead00000000beef)));
        RULE(ctx, SCMP_ACT_ERRNO(13), personality, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xff00, 0x1200));
        RULE(ctx, SCMP_ACT_ERRNO(5), lseek, 1, SCMP_A1(SCMP_CMP_EQ, UINT64_C(0x100000002)));
        RULE(ctx, SCMP_ACT_ERRNO(9), dup, 1, SCMP_A0(SCMP_CMP_GT, UINT64_C(0xffffffff)));
        RULE(ctx, SCMP_ACT_TRAP, acct, 0);
        RULE(ctx, SCMP_ACT_LOG, sync, 0);
        filter_export(ctx, ret, ret_n);
}

/* What filter_build()'s rules say, per arch. libseccomp 2.5.4 compares only the low word of
 * arguments and data on 32-bit arches, whose registers have no high word. */
static void check_verdicts(uint32_t arch, bool is_32bit)
{
#define E(n)  (SECCOMP_RET_ERRNO | (n))
#define OK    SECCOMP_RET_ALLOW
#define KILLP SECCOMP_RET_KILL_PROCESS
        static const struct {
                const char *syscall;
                uint64_t args[3];
                uint32_t on_64bit, on_32bit;
        } cases[] = {
                {"getppid", {0x1234}, E(77), E(77)},
                {"getppid", {0x1235}, OK, OK},
                {"getppid", {UINT64_C(0x100001234)}, OK, E(77)},
                {"getppid", {0, 0x1f3a}, E(78), E(78)},
                {"getppid", {0, 0x1f4a}, OK, OK},
                /* the mask is 64-bit: bits outside it, high word included, do not matter */
                {"getppid", {0, UINT64_C(0xffffffff00000030)}, E(78), E(78)},
                {"getppid", {0, 0, UINT64_C(0xdead00000000beef)}, KILLP, KILLP},
                {"getppid", {0, 0, 0xbeef}, OK, KILLP},
                {"personality", {0x12ab}, E(13), E(13)},
                {"personality", {0x13ab}, OK, OK},
                {"lseek", {0, UINT64_C(0x100000002)}, E(5), E(5)},
                {"lseek", {0, 2}, OK, E(5)},
                {"lseek", {0, UINT64_C(0x200000002)}, OK, E(5)},
                {"dup", {UINT64_C(0x100000000)}, E(9), OK},
                {"dup", {0xffffffff}, OK, OK},
                {"acct", {0}, SECCOMP_RET_TRAP, SECCOMP_RET_TRAP},
                {"sync", {0}, SECCOMP_RET_LOG, SECCOMP_RET_LOG},
                {"read", {0}, OK, OK},
        };
#undef E
#undef OK
#undef KILLP
        _cleanup_free_ struct sock_filter *f = NULL;
        size_t n;

        filter_build(arch, &f, &n);
        assert_int_equal(bpf_validate(f, n), 0);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct bpf_sim_input in = {.arch = arch};
                int nr = seccomp_syscall_resolve_name_arch(arch, cases[i].syscall);
                uint32_t expected = is_32bit ? cases[i].on_32bit : cases[i].on_64bit;
                struct bpf_sim_result res;

                assert_true(nr >= 0);
                in.nr = (uint32_t)nr;
                memcpy(in.args, cases[i].args, sizeof(cases[i].args));
                res = run_ok(f, n, &in);
                if (res.ret != expected)
                        fail_msg("case %zu (%s): got 0x%08x, expected 0x%08x", i, cases[i].syscall,
                                 res.ret, expected);
        }
}

static void test_bpf_sim_libseccomp_x86_64_verdicts(void **state _unused_)
{
        check_verdicts(SCMP_ARCH_X86_64, false);
}

static void test_bpf_sim_libseccomp_x86_verdicts(void **state _unused_)
{
        check_verdicts(SCMP_ARCH_X86, true);
}

static void test_bpf_sim_libseccomp_bad_arch_kills(void **state _unused_)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        _cleanup_free_ struct sock_filter *f = NULL;
        struct bpf_sim_input in = {.arch = SCMP_ARCH_AARCH64};
        uint32_t badarch;
        size_t n;

        assert_non_null(ctx);
        assert_int_equal(seccomp_attr_get(ctx, SCMP_FLTATR_ACT_BADARCH, &badarch), 0);
        assert_int_equal(badarch, SCMP_ACT_KILL);

        filter_build(SCMP_ARCH_X86_64, &f, &n);
        if (seccomp_arch_native() == SCMP_ARCH_AARCH64)
                in.arch = SCMP_ARCH_S390X;
        assert_int_equal(run_ok(f, n, &in).ret, SECCOMP_RET_KILL_THREAD);

        /* an x32 number in an x86_64 filter without x32 takes the bad-arch action too */
        in = (struct bpf_sim_input){.nr = 0x40000000 | 39, .arch = SCMP_ARCH_X86_64};
        assert_int_equal(run_ok(f, n, &in).ret, SECCOMP_RET_KILL_THREAD);
}

static void test_bpf_sim_matches_kernel_on_libseccomp_filter(void **state _unused_)
{
        static const uint64_t cases[][6] = {
                {0x1234},
                {0x1235},
                {UINT64_C(0x100001234)},
                {0, 0x1f3a},
                {0, UINT64_C(0xffffffff00000030)},
                {0, 0, UINT64_C(0xdead00000000beef)},
                {0, 0, 0xbeef},
        };
        _cleanup_free_ struct sock_filter *f = NULL;
        size_t n;

        kernel_require_seccomp();
        filter_build(seccomp_arch_native(), &f, &n);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_kernel_agrees(f, n, cases[i]);
}

static void test_bpf_action_format_names(void **state _unused_)
{
        static const struct {
                uint32_t ret;
                const char *text;
        } cases[] = {
                {SECCOMP_RET_KILL_PROCESS, "KILL_PROCESS"},
                {SECCOMP_RET_KILL_THREAD, "KILL_THREAD"},
                {SECCOMP_RET_TRAP | 42, "TRAP(42)"},
                {SECCOMP_RET_ERRNO | 1, "ERRNO(1)"},
                {SECCOMP_RET_ERRNO | 0xffff, "ERRNO(65535)"},
                {SECCOMP_RET_USER_NOTIF, "USER_NOTIF"},
                {SECCOMP_RET_TRACE | 7, "TRACE(7)"},
                {SECCOMP_RET_LOG, "LOG"},
                {SECCOMP_RET_ALLOW, "ALLOW"},
                {0x00040001, "UNKNOWN(0x00040001)"},
                {0xffff0000, "UNKNOWN(0xffff0000)"},
        };
        char buf[32], small[4];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(bpf_action_format(cases[i].ret, buf, sizeof(buf)),
                                 strlen(cases[i].text));
                assert_string_equal(buf, cases[i].text);
        }

        assert_int_equal(bpf_action_format(SECCOMP_RET_ERRNO | 1, small, sizeof(small)), 8);
        assert_string_equal(small, "ERR");
        assert_int_equal(bpf_action_format(SECCOMP_RET_ALLOW, NULL, 0), 5);
}

static char *disasm_to_string(const struct sock_filter *insns, size_t n)
{
        _cleanup_fclose_ FILE *f = NULL;
        char *text = NULL;
        size_t size = 0;

        f = open_memstream(&text, &size);
        assert_non_null(f);
        assert_int_equal(bpf_disasm(insns, n, f), 0);
        assert_int_equal(fclose(TAKE_PTR(f)), 0);
        return text;
}

static void test_bpf_disasm_hand_program(void **state _unused_)
{
        struct sock_filter prog[] = {
                LD_ABS(OFF_ARCH),
                JMP_K(BPF_JEQ, AUDIT_ARCH_X86_64, 0, 6),
                LD_ABS(OFF_ARG_HI(1)),
                ALU_K(BPF_AND, 0xff00),
                ST(2),
                JMP_X(BPF_JSET, 1, 0),
                RET_K(SECCOMP_RET_ERRNO | 1),
                RET_ALLOW,
                RET_A,
                ALU_K(BPF_MOD, 3),
        };
        _cleanup_free_ char *text = disasm_to_string(prog, ELEMENTSOF(prog));
        char expected[1024];

        snprintf(expected, sizeof(expected),
                 " line  OP   JT   JF   K\n"
                 "=================================\n"
                 " 0000: 0x20 0x00 0x00 0x00000004   ld  $data[4]       ; arch\n"
                 " 0001: 0x15 0x00 0x06 0xc000003e   jeq 3221225534 true:0002 false:0008\n"
                 " 0002: 0x20 0x00 0x00 0x%08zx   ld  $data[%zu]      ; args[1].hi\n"
                 " 0003: 0x54 0x00 0x00 0x0000ff00   and 0x0000ff00\n"
                 " 0004: 0x02 0x00 0x00 0x00000002   st  $temp[2]\n"
                 " 0005: 0x4d 0x01 0x00 0x00000000   jset X    true:0007 false:0006\n"
                 " 0006: 0x06 0x00 0x00 0x00050001   ret ERRNO(1)\n"
                 " 0007: 0x06 0x00 0x00 0x7fff0000   ret ALLOW\n"
                 " 0008: 0x16 0x00 0x00 0x00000000   ret $acc\n"
                 " 0009: 0x94 0x00 0x00 0x00000003   mod 3\n",
                 OFF_ARG_HI(1), OFF_ARG_HI(1));
        assert_string_equal(text, expected);
}

static void test_bpf_disasm_libseccomp_filter(void **state _unused_)
{
        _cleanup_free_ struct sock_filter *f = NULL;
        _cleanup_free_ char *text = NULL;
        size_t n;

        filter_build(SCMP_ARCH_X86_64, &f, &n);
        text = disasm_to_string(f, n);

        assert_non_null(strstr(text, " 0000: 0x20 0x00 0x00 0x00000004   ld  $data[4]"));
        assert_non_null(strstr(text, "jeq 3221225534 true:0002 false:"));
        assert_non_null(strstr(text, "   ret ALLOW\n"));
        assert_non_null(strstr(text, "   ret ERRNO(77)\n"));
        assert_non_null(strstr(text, "   ret KILL_PROCESS\n"));
        assert_non_null(strstr(text, "   ret TRAP(0)\n"));
}

static void test_bpf_disasm_write_failure(void **state _unused_)
{
        struct sock_filter prog[] = {RET_ALLOW};
        _cleanup_fclose_ FILE *f = fopen("/dev/full", "we");

        if (!f)
                skip();
        assert_int_equal(bpf_disasm(prog, ELEMENTSOF(prog), f), -ENOSPC);
}

struct syscall_walk {
        const struct sock_filter *insns; /* borrowed */
        size_t n;
        uint32_t arch;
        unsigned count, allowed_arg_dependent, stop_after;
        int read_nr;
};

static int syscall_walk_one(int nr, const char *name, void *userdata)
{
        struct syscall_walk *w = userdata;

        w->count++;
        if (streq(name, "read"))
                w->read_nr = nr;
        if (w->insns) {
                struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = w->arch};
                struct bpf_sim_result res = run_ok(w->insns, w->n, &in);

                if ((res.ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW && res.reads_args)
                        w->allowed_arg_dependent++;
        }
        return w->stop_after != 0 && w->count == w->stop_after ? 42 : 0;
}

static void test_bpf_foreach_syscall_numbers(void **state _unused_)
{
        struct syscall_walk w = {.read_nr = -1};

        assert_int_equal(bpf_foreach_syscall(SCMP_ARCH_X86_64, syscall_walk_one, &w), 0);
        assert_int_equal(w.read_nr, 0);
        assert_true(w.count > 300);

        w = (struct syscall_walk){.read_nr = -1};
        assert_int_equal(bpf_foreach_syscall(SCMP_ARCH_X32, syscall_walk_one, &w), 0);
        assert_int_equal(w.read_nr, 0x40000000);
        assert_true(w.count > 300);

        w = (struct syscall_walk){.read_nr = -1};
        assert_int_equal(bpf_foreach_syscall(SCMP_ARCH_MIPS, syscall_walk_one, &w), 0);
        assert_int_equal(w.read_nr, 4003);

        w = (struct syscall_walk){.stop_after = 3};
        assert_int_equal(bpf_foreach_syscall(SCMP_ARCH_X86, syscall_walk_one, &w), 42);
        assert_int_equal(w.count, 3);

        assert_int_equal(bpf_foreach_syscall(0x1234, syscall_walk_one, &w), -EINVAL);
}

static void test_bpf_stats_compute_arg_conditional_rule(void **state _unused_)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        _cleanup_free_ struct sock_filter *f = NULL;
        const uint32_t archs[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
        size_t n;
        int r;

        assert_non_null(ctx);
        for (size_t i = 0; i < ELEMENTSOF(archs); i++) {
                r = seccomp_arch_add(ctx, archs[i]);
                assert_true(r == 0 || r == -EEXIST);
        }
        RULE(ctx, SCMP_ACT_ERRNO(77), getppid, 1, SCMP_A0(SCMP_CMP_EQ, 0x1234));
        RULE(ctx, SCMP_ACT_ERRNO(1), acct, 0);
        filter_export(ctx, &f, &n);

        for (size_t i = 0; i < ELEMENTSOF(archs); i++) {
                struct syscall_walk w = {.insns = f, .n = n, .arch = archs[i]};
                struct bpf_stats st;

                assert_int_equal(bpf_stats_compute(f, n, archs[i], &st), 0);
                assert_int_equal(bpf_foreach_syscall(archs[i], syscall_walk_one, &w), 0);

                assert_int_equal(st.insns, n);
                assert_int_equal(st.syscalls, w.count);
                assert_int_equal(st.allowed, w.count - 1);
                assert_true(st.arg_dependent >= 1);
                assert_int_equal(w.allowed_arg_dependent, 1);
                if (archs[i] == SCMP_ARCH_X32)
                        assert_int_equal(st.cacheable, 0);
                else
                        assert_int_equal(st.cacheable, st.allowed - w.allowed_arg_dependent);
                assert_true(st.max_path <= n);
                assert_true(st.mean_path > 0 && st.mean_path <= st.max_path);
        }
}

static void test_bpf_stats_compute_cache_needs_const_path(void **state _unused_)
{
        /* nr 0 is allowed after a TAX, nr 1 with data bits: seccomp_is_const_allow() caches
         * neither, though both are ALLOW. */
        struct sock_filter prog[] = {
                LD_ABS(OFF_NR),          JMP_K(BPF_JEQ, 0, 0, 2),      TAX,       RET_ALLOW,
                JMP_K(BPF_JEQ, 1, 0, 1), RET_K(SECCOMP_RET_ALLOW | 5), RET_ALLOW,
        };
        struct bpf_stats st;

        assert_int_equal(bpf_stats_compute(prog, ELEMENTSOF(prog), SCMP_ARCH_X86_64, &st), 0);
        assert_int_equal(st.allowed, st.syscalls);
        assert_int_equal(st.cacheable, st.syscalls - 2);
        assert_int_equal(st.arg_dependent, 0);
        assert_int_equal(st.max_path, 4);
}

static void test_bpf_stats_compute_rejects_bad_input(void **state _unused_)
{
        struct sock_filter bad[] = {LD_ABS(0)};
        struct sock_filter good[] = {RET_ALLOW};
        struct bpf_stats st;

        assert_int_equal(bpf_stats_compute(bad, ELEMENTSOF(bad), SCMP_ARCH_X86_64, &st), -EINVAL);
        assert_int_equal(bpf_stats_compute(good, ELEMENTSOF(good), 0x1234, &st), -EINVAL);
        assert_int_equal(bpf_stats_compute(good, ELEMENTSOF(good), 0, &st), 0);
        assert_int_equal(st.cacheable, st.syscalls);
        assert_int_equal(st.max_path, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bpf_sim_ld_abs_reads_every_field),
                cmocka_unit_test(test_bpf_sim_loads_stores_misc),
                cmocka_unit_test(test_bpf_sim_alu_ops_and_div_by_zero),
                cmocka_unit_test(test_bpf_sim_jumps),
                cmocka_unit_test(test_bpf_sim_reads_args_only_on_taken_path),
                cmocka_unit_test(test_bpf_sim_rejects_invalid_program),
                cmocka_unit_test(test_bpf_validate_jump_out_of_range),
                cmocka_unit_test(test_bpf_validate_bad_load_offset),
                cmocka_unit_test(test_bpf_validate_no_final_ret),
                cmocka_unit_test(test_bpf_validate_div_by_zero_constant),
                cmocka_unit_test(test_bpf_validate_too_long),
                cmocka_unit_test(test_bpf_validate_shift_and_scratch_bounds),
                cmocka_unit_test(test_bpf_validate_scratch_read_before_store),
                cmocka_unit_test(test_bpf_validate_matches_kernel),
                cmocka_unit_test(test_bpf_sim_matches_kernel_on_alu_edges),
                cmocka_unit_test(test_bpf_sim_libseccomp_x86_64_verdicts),
                cmocka_unit_test(test_bpf_sim_libseccomp_x86_verdicts),
                cmocka_unit_test(test_bpf_sim_libseccomp_bad_arch_kills),
                cmocka_unit_test(test_bpf_sim_matches_kernel_on_libseccomp_filter),
                cmocka_unit_test(test_bpf_action_format_names),
                cmocka_unit_test(test_bpf_disasm_hand_program),
                cmocka_unit_test(test_bpf_disasm_libseccomp_filter),
                cmocka_unit_test(test_bpf_disasm_write_failure),
                cmocka_unit_test(test_bpf_foreach_syscall_numbers),
                cmocka_unit_test(test_bpf_stats_compute_arg_conditional_rule),
                cmocka_unit_test(test_bpf_stats_compute_cache_needs_const_path),
                cmocka_unit_test(test_bpf_stats_compute_rejects_bad_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
