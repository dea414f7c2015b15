/* SPDX-License-Identifier: Apache-2.0 */
/* The shipped profiles: default.json has Docker's conditions, in the simulator and the
 * kernel; audit.json logs everything. That default.json means what moby's own file means, on
 * every syscall of x86_64 and aarch64 with their 32-bit sub-architectures, for every
 * capability set and kernel, is checked against the third-party corpus by corpus-moby. */
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "bpf.h"
#include "config.h"
#include "test-util.h"

#define SHIPPED PROFILES_SOURCE_DIR "/default.json"

static void context_for(struct context *c, const char *arch, const char *caps, const char *kernel)
{
        test_context_x86_64(c);
        assert_int_equal(context_set_arch(c, arch), 0);
        assert_int_equal(context_set_caps(c, caps, NULL), 0);
        assert_int_equal(context_set_kernel(c, kernel), 0);
}

static void test_profiles_audit_logs_everything(void **state)
{
        struct test_build b;
        test_build_file(PROFILES_SOURCE_DIR "/audit.json", NULL, -1, &b);
        for (int nr = 0; nr < 450; nr++) {
                struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = SCMP_ARCH_X86_64};
                struct bpf_sim_result r;
                assert_int_equal(bpf_sim_run(b.blob->insns, b.blob->n_insns, &in, &r), 0);
                assert_int_equal(r.ret, SECCOMP_RET_LOG);
        }
        test_build_done(&b);
}

struct verdict_case {
        const char *syscall;
        uint64_t args[6];
        const char *caps;
        uint32_t expect; /* SECCOMP_RET_* */
};

/* moby's conditions, on ours (corpus-moby checks them on moby's own file). */
static const struct verdict_case docker_cases[] = {
        {"unshare", {CLONE_NEWUSER}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"unshare", {CLONE_NEWUSER}, "default,CAP_SYS_ADMIN", SECCOMP_RET_ALLOW},
        {"clone", {CLONE_NEWUSER | SIGCHLD}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"clone", {CLONE_NEWNS | SIGCHLD}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"clone", {SIGCHLD}, "default", SECCOMP_RET_ALLOW},
        {"clone", {CLONE_NEWUSER | SIGCHLD}, "default,CAP_SYS_ADMIN", SECCOMP_RET_ALLOW},
        {"clone3", {0}, "default", SECCOMP_RET_ERRNO | ENOSYS},
        {"clone3", {0}, "default,CAP_SYS_ADMIN", SECCOMP_RET_ALLOW},
        {"socket", {AF_VSOCK, SOCK_STREAM}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"socket", {AF_VSOCK, SOCK_STREAM}, "all", SECCOMP_RET_ERRNO | EPERM},
        {"socket", {AF_INET, SOCK_STREAM}, "default", SECCOMP_RET_ALLOW},
        {"socket", {AF_ALG, SOCK_SEQPACKET}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"personality", {0xffffffff}, "default", SECCOMP_RET_ALLOW},
        {"personality", {0}, "default", SECCOMP_RET_ALLOW},
        {"personality", {8}, "default", SECCOMP_RET_ALLOW},
        {"personality", {1}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"mount", {0}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"mount", {0}, "default,CAP_SYS_ADMIN", SECCOMP_RET_ALLOW},
        {"reboot", {0}, "default", SECCOMP_RET_ERRNO | EPERM},
        {"reboot", {0}, "default,CAP_SYS_BOOT", SECCOMP_RET_ALLOW},
        {"ptrace", {0}, "default", SECCOMP_RET_ALLOW}, /* kernel >= 4.8 */
        {"mkdir", {0}, "none", SECCOMP_RET_ALLOW},
        {"kexec_load", {0}, "all", SECCOMP_RET_ERRNO | EPERM},
        {"kexec_load", {0}, "default", SECCOMP_RET_ERRNO | EPERM},
};

static void check_cases(const char *path)
{
        for (size_t i = 0; i < ELEMENTSOF(docker_cases); i++) {
                const struct verdict_case *v = &docker_cases[i];
                struct context ctx;
                struct test_build b;
                context_for(&ctx, "x86_64", v->caps, "6.1");
                test_build_file(path, &ctx, -1, &b);
                struct bpf_sim_input in = {
                        .nr = (uint32_t)seccomp_syscall_resolve_name(v->syscall),
                        .arch = SCMP_ARCH_X86_64,
                };
                struct bpf_sim_result r;
                memcpy(in.args, v->args, sizeof(in.args));
                assert_int_equal(bpf_sim_run(b.blob->insns, b.blob->n_insns, &in, &r), 0);
                if (r.ret != v->expect)
                        fail_msg("%s: %s(0x%llx) with caps %s: 0x%08x, expected 0x%08x", path,
                                 v->syscall, (unsigned long long)v->args[0], v->caps, r.ret,
                                 v->expect);
                test_build_done(&b);
        }
}

static void test_profiles_docker_conditions_shipped(void **state)
{
        check_cases(SHIPPED);
}

/* The same conditions in the real kernel: denied under the default caps, allowed with
 * CAP_SYS_ADMIN (the filter is compiled for that context; the child is root). */
static void test_profiles_docker_conditions_kernel(void **state)
{
        static const struct {
                const char *caps;
                long nr;
                uint64_t args[6];
                bool denied;
        } cases[] = {
                {"default", SYS_unshare, {CLONE_NEWUSER}, true},
                {"default,CAP_SYS_ADMIN", SYS_unshare, {CLONE_NEWUSER}, false},
                {"default", SYS_clone, {CLONE_NEWUSER | SIGCHLD}, true},
                {"default,CAP_SYS_ADMIN", SYS_clone, {CLONE_NEWUSER | SIGCHLD}, false},
                {"default", SYS_socket, {AF_VSOCK, SOCK_STREAM}, true},
                {"default", SYS_personality, {0xffffffff}, false},
                {"default", SYS_personality, {1}, true},
                {"default", SYS_mkdir, {(uintptr_t) "/nonexistent-seccompd/x", 0755}, false},
        };
        if (!test_is_root())
                skip();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct context ctx;
                struct test_build b;
                struct probe_result r;
                context_for(&ctx, "x86_64", cases[i].caps, "6.1");
                test_build_file(SHIPPED, &ctx, -1, &b);
                assert_int_equal(test_probe(b.blob, cases[i].nr, cases[i].args, &r), 0);
                if (cases[i].denied) {
                        assert_true(r.failed);
                        assert_int_equal(r.err, EPERM);
                } else
                        assert_false(r.failed && r.err == EPERM);
                assert_false(r.killed);
                test_build_done(&b);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_profiles_audit_logs_everything),
                cmocka_unit_test(test_profiles_docker_conditions_shipped),
                cmocka_unit_test(test_profiles_docker_conditions_kernel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
