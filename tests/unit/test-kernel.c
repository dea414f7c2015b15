/* SPDX-License-Identifier: Apache-2.0 */
/* Every verdict of the simulator is proven against the real kernel: a forked child loads the
 * compiled blob and makes the syscall. Denied calls must fail with the profile's errno,
 * allowed calls must behave exactly as they do without a filter, KILL must kill. */
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
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "bpf.h"
#include "config.h"
#include "test-util.h"

#define NOWHERE "/nonexistent-seccompd-test/x"

struct probe {
        const char *name;
        uint64_t args[6];
};

/* Syscalls whose natural outcome, as root, is never EPERM: a denial with the profile's errno
 * cannot be mistaken for a natural failure. Paths point nowhere so nothing changes. */
static const struct probe probes[] = {
        { "getppid", { 0 } },
        { "getpid", { 0 } },
        { "uname", { 0 } },
        { "mkdir", { (uintptr_t)NOWHERE, 0755 } },
        { "chmod", { (uintptr_t)NOWHERE, 0644 } },
        { "personality", { 0xffffffff } },
        { "personality", { 0x0008 } },
        { "personality", { 1 } },
        { "socket", { AF_VSOCK, SOCK_STREAM, 0 } },
        { "socket", { AF_INET, SOCK_DGRAM, 0 } },
        { "socket", { AF_ALG, SOCK_SEQPACKET, 0 } },
        { "unshare", { 0 } },
        { "unshare", { CLONE_NEWUSER } },
        { "unshare", { CLONE_NEWNS } },
        { "clone", { CLONE_NEWNS | SIGCHLD } },
        { "clone", { SIGCHLD } },
        { "clone3", { 0, 0 } },
        { "mount", { (uintptr_t) "none", (uintptr_t)NOWHERE, (uintptr_t) "tmpfs", 0, 0 } },
        { "umount2", { (uintptr_t)NOWHERE, 0 } },
        { "reboot", { 0, 0, 0, 0 } },
        { "acct", { (uintptr_t)NOWHERE } },
        { "chroot", { (uintptr_t)NOWHERE } },
        { "swapon", { (uintptr_t)NOWHERE, 0 } },
        { "pivot_root", { (uintptr_t)NOWHERE, (uintptr_t)NOWHERE } },
        { "setns", { (uint64_t)-1, 0 } },
        { "bpf", { (uint64_t)-1, 0, 0 } },
        { "settimeofday", { 0, 0 } },
        { "fchmodat", { (uint64_t)-100, (uintptr_t)NOWHERE, 0644, 0 } },
        { "syslog", { 10, 0, 0 } },
        { "open_by_handle_at", { (uint64_t)-1, 0, 0 } },
        { "io_uring_setup", { 0, 0 } },
        { "getcwd", { 0, 0 } },
};

static uint32_t ret_errno(uint32_t ret)
{
        return ret & SECCOMP_RET_DATA;
}

/* Runs every probe under `b` and compares with the simulator; returns the number of probes
 * that hit a denial (so callers can check the profile was exercised). */
static unsigned prove_blob(const char *what, const struct blob *b)
{
        unsigned denied = 0;
        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                const struct probe *p = &probes[i];
                int nr = seccomp_syscall_resolve_name(p->name);
                assert_true(nr >= 0);
                struct bpf_sim_input in = { .nr = (uint32_t)nr, .arch = SCMP_ARCH_X86_64 };
                memcpy(in.args, p->args, sizeof(in.args));
                struct bpf_sim_result sim;
                assert_int_equal(bpf_sim_run(b->insns, b->n_insns, &in, &sim), 0);

                struct probe_result bare, filtered;
                assert_int_equal(test_probe(NULL, nr, p->args, &bare), 0);
                assert_int_equal(test_probe(b, nr, p->args, &filtered), 0);

                char verdict[64];
                bpf_action_format(sim.ret, verdict, sizeof(verdict));
                uint32_t action = sim.ret & SECCOMP_RET_ACTION_FULL;
                bool ok;
                switch (action) {
                case SECCOMP_RET_ERRNO:
                        ok = filtered.failed && (uint32_t)filtered.err == ret_errno(sim.ret);
                        denied++;
                        break;
                case SECCOMP_RET_ALLOW:
                case SECCOMP_RET_LOG:
                        ok = !filtered.killed && filtered.failed == bare.failed &&
                             filtered.err == bare.err;
                        break;
                case SECCOMP_RET_KILL_THREAD:
                case SECCOMP_RET_KILL_PROCESS:
                case SECCOMP_RET_TRAP:
                        ok = filtered.killed;
                        denied++;
                        break;
                case SECCOMP_RET_TRACE:
                        /* No tracer attached: the kernel fails the call with ENOSYS. */
                        ok = filtered.failed && filtered.err == ENOSYS;
                        denied++;
                        break;
                default:
                        ok = false;
                }
                if (!ok)
                        fail_msg("%s: %s%s: simulator says %s, kernel: %s errno=%d (unfiltered: "
                                 "%s errno=%d)",
                                 what, p->name, "(...)", verdict,
                                 filtered.killed ? "killed"
                                 : filtered.timeout ? "timeout"
                                 : filtered.failed  ? "failed"
                                                    : "ok",
                                 filtered.err, bare.failed ? "failed" : "ok", bare.err);
        }
        return denied;
}

static const char *const proven_corpus[] = {
        "moby/default.json",
        "moby/default-moby-moby-pre-split.json",
        "moby/fixtures/default-old-format.json",
        "moby/fixtures/example.json",
        "containers-common/seccomp.json",
        "mesos/seccomp_default.json",
        "isulad/seccomp_default.json",
        "apptainer/default.json",
        "youki/default_x86_64.json",
        "titus/image-building.json",
        "jessfraz/chrome.json",
        "docker-labs/default.json",
        "docker-labs/deny.json",
        "runc/seccomp_syscall_test1.json",
        "runc/seccomp_syscall_test2.json",
        "kubernetes-website/fine-grained.json",
        "kubernetes-website/audit.json",
        "apptainer/e2e-seccomp-profile.json",
        "spo/security-profiles-operator.json",
};

static void test_kernel_corpus_profiles_match_simulator(void **state)
{
        if (!test_is_root())
                skip();
        unsigned total_denied = 0;
        for (size_t i = 0; i < ELEMENTSOF(proven_corpus); i++) {
                char path[512];
                struct test_build b;
                snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, proven_corpus[i]);
                for (int opt = 0; opt <= 2; opt += 2) {
                        test_build_file(path, NULL, opt, &b);
                        total_denied += prove_blob(proven_corpus[i], b.blob);
                        test_build_done(&b);
                }
        }
        /* The probes must hit denials, or the comparison proves nothing. */
        assert_true(total_denied > 100);
}

/* Unusual errnos make a hit impossible to confuse with a natural failure: these run without
 * privileges too (no_new_privs is enough to load a filter). */
static void test_kernel_unusual_errnos(void **state)
{
        static const char json[] =
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 77},"
                "{\"names\": [\"mkdir\", \"chmod\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 91},"
                "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 123,"
                " \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
                "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 4000,"
                " \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_EQ\"},"
                "            {\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_EQ\"}]},"
                "{\"names\": [\"uname\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
                "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5}"
                "]}";
        struct test_build b;
        for (int opt = 0; opt <= 2; opt += 2) {
                test_build_string(json, NULL, opt, &b);
                unsigned denied = prove_blob("unusual-errnos", b.blob);
                /* getppid, mkdir, chmod, personality(8), socket(40), socket(38), uname, getcwd */
                assert_int_equal(denied, 8);
                test_build_done(&b);
        }
}

static void test_kernel_large_errno_clamped(void **state)
{
        static const char json[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                                   "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\","
                                   " \"errnoRet\": 12345}]}";
        struct test_build b;
        struct probe_result r;
        uint64_t args[6] = { 0 };
        test_build_string(json, NULL, 0, &b);
        assert_int_equal(test_probe(b.blob, SYS_getppid, args, &r), 0);
        assert_true(r.failed);
        assert_int_equal(r.err, 4095);
        test_build_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kernel_unusual_errnos),
                cmocka_unit_test(test_kernel_large_errno_clamped),
                cmocka_unit_test(test_kernel_corpus_profiles_match_simulator),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
