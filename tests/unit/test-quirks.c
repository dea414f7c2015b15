/* SPDX-License-Identifier: Apache-2.0 */
/* The repository's own test profiles (tests/profiles, one per quirk the suite relies on; see
 * its README.md) and the shipped profiles/: every one validates, compiles, agrees linear vs
 * binary tree, and exports to OCI without changing its blob (the checks corpus-profiles runs
 * on the third-party corpus). Then each quirk is shown to matter: the verdicts it decides,
 * on the architecture, capabilities and kernel it depends on, and the diagnostics it gets. */
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "bpf.h"
#include "config.h"
#include "test-util.h"

/* tests/profiles holds 12 files, profiles/ 3 (default, audit, seccompd-self): a file added without
 * a line in README.md and a case below fails here. */
#define N_TEST_PROFILES 12
#define N_SHIPPED       3

static char **repo_files(void)
{
        char **files = NULL;
        size_t n = 0;
        test_list_profiles(TEST_PROFILES_DIR, &files, &n);
        assert_int_equal(n, N_TEST_PROFILES);
        test_list_profiles(PROFILES_SOURCE_DIR, &files, &n);
        assert_int_equal(n, N_TEST_PROFILES + N_SHIPPED);
        return files;
}

static void test_quirks_every_profile_validates_and_compiles(void **state)
{
        char **files = repo_files();
        test_set_validates_and_compiles(files);
        test_strv_free(files);
}

static void test_quirks_optimized_blob_agrees_with_linear(void **state)
{
        char **files = repo_files();
        test_set_optimized_agrees_with_linear(files);
        test_strv_free(files);
}

static void test_quirks_oci_export_compiles_to_same_blob(void **state)
{
        char **files = repo_files();
        test_set_oci_export_compiles_to_same_blob(files);
        test_strv_free(files);
}

#define E(n)   (SECCOMP_RET_ERRNO | (n))
#define ALLOW  SECCOMP_RET_ALLOW
#define U64MAX UINT64_MAX
#define BIT63  (UINT64_C(1) << 63)

struct quirk_case {
        const char *file;   /* in tests/profiles */
        const char *arch;   /* the context's architecture */
        const char *sim;    /* the architecture of the call (a sub-architecture), NULL: arch */
        const char *caps;   /* NULL: Docker's default set */
        const char *kernel; /* NULL: 6.1 */
        const char *syscall;
        uint64_t args[6];
        uint32_t expect;
};

static const struct quirk_case cases[] = {
        /* archMap: the sub-architectures are filtered too (the same rules: includes and
         * excludes .arches name the host's architecture, as in moby), and a host that is
         * itself a sub-architecture gets its archMap entry; subArchitectures null (riscv64)
         * is the architecture alone. */
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "getrandom", {0}, ALLOW},
        {"docker-extended.json", "x86_64", "x86", NULL, NULL, "getrandom", {0}, ALLOW},
        {"docker-extended.json", "x86_64", "x86", NULL, NULL, "read", {0}, ALLOW},
        {"docker-extended.json", "x86_64", "x86", NULL, NULL, "kexec_load", {0}, E(1)},
        {"docker-extended.json", "x86_64", "x32", NULL, NULL, "getrandom", {0}, ALLOW},
        {"docker-extended.json", "x86", NULL, NULL, NULL, "getrandom", {0}, E(1)},
        {"docker-extended.json", "x86", NULL, NULL, NULL, "read", {0}, ALLOW},
        {"docker-extended.json", "aarch64", NULL, NULL, NULL, "getrandom", {0}, ALLOW},
        {"docker-extended.json", "aarch64", "arm", NULL, NULL, "getrandom", {0}, ALLOW},
        {"docker-extended.json", "arm", NULL, NULL, NULL, "getrandom", {0}, E(1)},
        {"docker-extended.json", "riscv64", NULL, NULL, NULL, "riscv_flush_icache", {0}, ALLOW},
        {"docker-extended.json", "riscv64", NULL, NULL, NULL, "getrandom", {0}, ALLOW},
        /* includes.arches in moby's own names (amd64, x86, arm) */
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "arch_prctl", {0}, ALLOW},
        {"docker-extended.json", "x86_64", "x86", NULL, NULL, "modify_ldt", {0}, ALLOW},
        {"docker-extended.json", "aarch64", "arm", NULL, NULL, "set_tls", {0}, ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "fchmodat", {0}, ALLOW},
        {"docker-extended.json", "aarch64", "arm", NULL, NULL, "arm_sync_file_range", {0}, ALLOW},
        {"docker-extended.json", "riscv64", NULL, NULL, NULL, "kexec_load", {0}, E(1)},
        /* includes/excludes on caps */
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "unshare", {CLONE_NEWUSER}, E(1)},
        {"docker-extended.json",
         "x86_64",
         NULL,
         "default,CAP_SYS_ADMIN",
         NULL,
         "unshare",
         {CLONE_NEWUSER},
         ALLOW},
        {"docker-extended.json",
         "x86_64",
         NULL,
         NULL,
         NULL,
         "clone",
         {CLONE_NEWNS | SIGCHLD},
         E(1)},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "clone", {SIGCHLD}, ALLOW},
        {"docker-extended.json",
         "x86_64",
         NULL,
         "default,CAP_SYS_ADMIN",
         NULL,
         "clone",
         {CLONE_NEWUSER | SIGCHLD},
         ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "reboot", {0}, E(1)},
        {"docker-extended.json",
         "x86_64",
         NULL,
         "default,CAP_SYS_BOOT",
         NULL,
         "reboot",
         {0},
         ALLOW},
        /* an ERRNO rule under an ERRNO default, with another errno */
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "clone3", {0}, E(38)},
        {"docker-extended.json",
         "x86_64",
         NULL,
         "default,CAP_SYS_ADMIN",
         NULL,
         "clone3",
         {0},
         ALLOW},
        /* includes.minKernel, alone and or-ed with a capability */
        {"docker-extended.json", "x86_64", NULL, NULL, "6.1", "ptrace", {0}, ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, "4.4", "ptrace", {0}, E(1)},
        {"docker-extended.json",
         "x86_64",
         NULL,
         "default,CAP_SYS_PTRACE",
         "4.4",
         "ptrace",
         {0},
         ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "io_uring_setup", {0}, E(1)},
        /* several rules for one syscall (LT, EQ, GT) */
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "socket", {AF_INET}, ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "socket", {AF_ALG}, E(1)},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "socket", {39}, ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "socket", {AF_VSOCK}, E(1)},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "socket", {41}, ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "personality", {0xffffffff}, ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "personality", {8}, ALLOW},
        {"docker-extended.json", "x86_64", NULL, NULL, NULL, "personality", {1}, E(1)},

        /* the legacy layout: one "name" per rule, a flat architectures list, "args": null */
        {"legacy-name.json", "x86_64", NULL, NULL, NULL, "read", {0}, ALLOW},
        {"legacy-name.json", "x86_64", "x86", NULL, NULL, "read", {0}, ALLOW},
        {"legacy-name.json", "x86_64", "x32", NULL, NULL, "getcwd", {0}, ALLOW},
        {"legacy-name.json", "x86_64", NULL, NULL, NULL, "setns", {0}, E(1)},
        {"legacy-name.json", "x86_64", NULL, NULL, NULL, "chmod", {0}, ALLOW},
        {"legacy-name.json", "x86_64", NULL, NULL, NULL, "personality", {8}, ALLOW},
        {"legacy-name.json", "x86_64", NULL, NULL, NULL, "personality", {1}, E(1)},
        {"legacy-name.json", "x86_64", NULL, NULL, NULL, "clone", {SIGCHLD}, ALLOW},
        {"legacy-name.json", "x86_64", NULL, NULL, NULL, "clone", {CLONE_NEWUSER | SIGCHLD}, E(1)},

        /* one argument index twice: runc and crun make each condition a rule (OR) */
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "process_vm_writev", {1337}, E(55)},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "process_vm_writev", {2020}, E(55)},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "process_vm_writev", {7}, E(1)},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "personality", {0}, ALLOW},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "personality", {0xffffffff}, ALLOW},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "personality", {8}, E(1)},
        /* NE and NE on index 0: or-ed, so every value passes one of them */
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "unshare", {CLONE_NEWUSER}, ALLOW},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "unshare", {CLONE_NEWNS}, ALLOW},
        /* different indexes in one rule: and-ed */
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "ftruncate", {123456789, 1337}, ALLOW},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "ftruncate", {123456789, 1}, E(1)},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "dup3", {1}, ALLOW},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "dup3", {2}, E(1)},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "dup3", {3}, ALLOW},
        /* MASKED_EQ with valueTwo 0 on index 2 */
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "socket", {AF_INET, 1, 0}, ALLOW},
        {"repeated-index.json", "x86_64", NULL, NULL, NULL, "socket", {AF_INET, 1, 0x100}, E(1)},

        /* errno names beside the numbers (containers/common) */
        {"errno-names.json", "x86_64", NULL, NULL, NULL, "kexec_load", {0}, E(38)},
        {"errno-names.json", "x86_64", NULL, NULL, NULL, "mkdir", {0}, E(1)},
        {"errno-names.json", "x86_64", NULL, NULL, NULL, "socket", {AF_VSOCK}, E(22)},
        {"errno-names.json", "x86_64", NULL, NULL, NULL, "socket", {AF_INET}, E(38)},
        {"errno-names.json", "x86_64", NULL, NULL, NULL, "chroot", {0}, E(18)},
        {"errno-names.json", "x86_64", NULL, NULL, NULL, "unshare", {0}, E(1)},
        {"errno-names.json", "x86_64", NULL, "default,CAP_SYS_ADMIN", NULL, "unshare", {0}, ALLOW},
        {"errno-names.json", "x86_64", "x86", NULL, NULL, "mkdir", {0}, E(1)},

        /* every action */
        {"actions.json", "x86_64", NULL, NULL, NULL, "getppid", {0}, SECCOMP_RET_LOG},
        {"actions.json", "x86_64", NULL, NULL, NULL, "getcwd", {0}, SECCOMP_RET_TRACE | 5},
        {"actions.json", "x86_64", NULL, NULL, NULL, "uname", {0}, SECCOMP_RET_KILL_PROCESS},
        {"actions.json", "x86_64", NULL, NULL, NULL, "acct", {0}, SECCOMP_RET_KILL_THREAD},
        {"actions.json", "x86_64", NULL, NULL, NULL, "swapon", {0}, SECCOMP_RET_KILL_THREAD},
        {"actions.json", "x86_64", NULL, NULL, NULL, "syslog", {0}, SECCOMP_RET_TRAP},
        {"actions.json", "x86_64", NULL, NULL, NULL, "mkdir", {0}, E(123)},
        {"actions.json", "x86_64", NULL, NULL, NULL, "chmod", {0}, E(4094)},
        {"actions.json", "x86_64", NULL, NULL, NULL, "chroot", {0}, E(1)},
        {"actions.json", "x86_64", NULL, NULL, NULL, "personality", {1}, E(91)},
        {"actions.json", "x86_64", NULL, NULL, NULL, "personality", {8}, ALLOW},
        {"actions.json", "x86_64", "x86", NULL, NULL, "uname", {0}, SECCOMP_RET_KILL_PROCESS},

        /* NOTIFY with listenerPath and a multi-line listenerMetadata */
        {"notify.json", "x86_64", NULL, NULL, NULL, "mkdir", {0}, SECCOMP_RET_USER_NOTIF},
        {"notify.json", "x86_64", NULL, NULL, NULL, "bpf", {0}, SECCOMP_RET_USER_NOTIF},
        {"notify.json", "x86_64", NULL, NULL, NULL, "io_uring_setup", {0}, E(95)},
        {"notify.json", "x86_64", NULL, NULL, NULL, "read", {0}, ALLOW},

        /* unknown keys are ignored, unknown syscalls skipped, other arches' names kept */
        {"unknown-keys.json", "x86_64", NULL, NULL, NULL, "read", {0}, ALLOW},
        {"unknown-keys.json", "x86_64", NULL, NULL, NULL, "personality", {0}, ALLOW},
        {"unknown-keys.json", "x86_64", NULL, NULL, NULL, "personality", {1}, E(1)},
        {"unknown-keys.json", "x86_64", "x86", NULL, NULL, "_llseek", {0}, ALLOW},
        {"unknown-keys.json", "x86_64", "x86", NULL, NULL, "_newselect", {0}, ALLOW},
        {"unknown-keys.json", "x86_64", NULL, NULL, NULL, "_sysctl", {0}, ALLOW},
        {"unknown-keys.json", "x86_64", NULL, NULL, NULL, "setns", {0}, E(1)},

        /* 64-bit argument values, beyond INT64_MAX */
        {"u64.json", "x86_64", NULL, NULL, NULL, "mkdirat", {0, 0, 0755}, E(123)},
        {"u64.json", "x86_64", NULL, NULL, NULL, "mkdirat", {0, 0, U64MAX}, ALLOW},
        {"u64.json", "x86_64", NULL, NULL, NULL, "chmod", {0, U64MAX}, E(91)},
        {"u64.json", "x86_64", NULL, NULL, NULL, "chmod", {0, 0}, E(91)},
        {"u64.json", "x86_64", NULL, NULL, NULL, "getppid", {0}, ALLOW},
        {"u64.json", "x86_64", NULL, NULL, NULL, "getppid", {BIT63 - 1}, ALLOW},
        {"u64.json", "x86_64", NULL, NULL, NULL, "getppid", {BIT63}, E(77)},
        {"u64.json", "x86_64", NULL, NULL, NULL, "getppid", {U64MAX}, E(77)},
        {"u64.json", "x86_64", NULL, NULL, NULL, "personality", {0x100000000ULL}, E(78)},
        {"u64.json", "x86_64", NULL, NULL, NULL, "personality", {0}, ALLOW},
        {"u64.json", "x86_64", NULL, NULL, NULL, "socket", {0x100000002ULL}, E(79)},
        {"u64.json", "x86_64", NULL, NULL, NULL, "socket", {0x200000002ULL}, ALLOW},
        {"u64.json", "x86_64", NULL, NULL, NULL, "socket", {2}, ALLOW},
        {"u64.json", "x86_64", NULL, NULL, NULL, "setns", {BIT63 - 1}, ALLOW},
        {"u64.json", "x86_64", NULL, NULL, NULL, "setns", {BIT63}, E(80)},

        /* the Mesos way of writing a profile */
        {"mesos.json", "x86_64", NULL, NULL, NULL, "personality", {0xffffffff}, ALLOW},
        {"mesos.json", "x86_64", NULL, NULL, NULL, "clone", {CLONE_NEWUSER | SIGCHLD}, E(1)},
        {"mesos.json",
         "x86_64",
         NULL,
         "default,CAP_SYS_ADMIN",
         NULL,
         "clone",
         {CLONE_NEWUSER | SIGCHLD},
         ALLOW},
        {"mesos.json", "x86_64", "x32", NULL, NULL, "arch_prctl", {0}, ALLOW},
        {"mesos.json", "aarch64", "arm", NULL, NULL, "read", {0}, ALLOW},

        /* "syscalls": [] and no syscalls at all */
        {"allow-all.json", "x86_64", NULL, NULL, NULL, "kexec_load", {0}, ALLOW},
        {"allow-all.json", "x86_64", "x86", NULL, NULL, "kexec_load", {0}, ALLOW},
        {"deny-all.json", "x86_64", NULL, NULL, NULL, "read", {0}, E(1)},

        /* a rule with the default's own action: no effect */
        {"redundant-rule.json", "x86_64", NULL, NULL, NULL, "mkdir", {0}, E(1)},
        {"redundant-rule.json", "x86_64", NULL, NULL, NULL, "read", {0}, E(1)},
};

static void test_quirks_verdicts(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct quirk_case *q = &cases[i];
                char path[4096], what[256];
                struct context ctx;
                struct test_build b;
                snprintf(path, sizeof(path), "%s/%s", TEST_PROFILES_DIR, q->file);
                test_context_x86_64(&ctx);
                assert_int_equal(context_set_arch(&ctx, q->arch), 0);
                assert_int_equal(context_set_caps(&ctx, q->caps ? q->caps : "default", NULL), 0);
                assert_int_equal(context_set_kernel(&ctx, q->kernel ? q->kernel : "6.1"), 0);
                uint32_t arch = seccomp_arch_resolve_name(q->sim ? q->sim : q->arch);
                assert_true(arch != 0);
                int nr = seccomp_syscall_resolve_name_arch(arch, q->syscall);
                if (nr < 0)
                        fail_msg("%s: %s unknown on %s", q->file, q->syscall,
                                 q->sim ? q->sim : q->arch);
                snprintf(what, sizeof(what),
                         "%s: %s(0x%llx, 0x%llx, 0x%llx) on %s, caps %s, "
                         "kernel %s",
                         q->file, q->syscall, (unsigned long long)q->args[0],
                         (unsigned long long)q->args[1], (unsigned long long)q->args[2],
                         q->sim ? q->sim : q->arch, q->caps ? q->caps : "default",
                         q->kernel ? q->kernel : "6.1");
                for (int opt = 0; opt <= 2; opt += 2) {
                        struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = arch};
                        struct bpf_sim_result r;
                        test_build_file(path, &ctx, opt, &b);
                        memcpy(in.args, q->args, sizeof(in.args));
                        assert_int_equal(bpf_sim_run(b.blob->insns, b.blob->n_insns, &in, &r), 0);
                        if (r.ret != q->expect)
                                fail_msg("%s, optimize %d: 0x%08x, expected 0x%08x", what, opt,
                                         r.ret, q->expect);
                        test_build_done(&b);
                }
        }
}

/* Every file of tests/profiles decides some case above. */
static void test_quirks_every_file_has_cases(void **state)
{
        char **files = NULL;
        size_t n = 0;
        test_list_profiles(TEST_PROFILES_DIR, &files, &n);
        for (size_t i = 0; i < n; i++) {
                const char *base = strrchr(files[i], '/') + 1;
                bool found = false;
                for (size_t k = 0; k < ELEMENTSOF(cases) && !found; k++)
                        found = streq(cases[k].file, base);
                if (!found)
                        fail_msg("%s has no verdict case in test-quirks.c", files[i]);
        }
        test_strv_free(files);
}

static struct diag_list *load(const char *file, enum dialect d, bool strict, int expect_r)
{
        struct profile_parse_options o = {.dialect = d, .strict = strict};
        struct diag_list *diags;
        struct profile *p = NULL;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", TEST_PROFILES_DIR, file);
        assert_int_equal(diag_list_new(file, &diags), 0);
        int r = profile_load_file(path, &o, diags, &p);
        if (r != expect_r) {
                diag_list_print(diags, stderr, DIAG_NOTE, false);
                fail_msg("%s: %d, expected %d", file, r, expect_r);
        }
        profile_free(p);
        return diags;
}

static void test_quirks_diagnostics(void **state)
{
        struct diag_list *d;

        /* clean files are clean */
        static const char *const clean[] = {
                "docker-extended.json", "legacy-name.json", "repeated-index.json", "u64.json",
                "mesos.json",           "notify.json",      "allow-all.json",      "deny-all.json"};
        for (size_t i = 0; i < ELEMENTSOF(clean); i++) {
                d = load(clean[i], DIALECT_DOCKER, true, 0);
                if (d->counts[DIAG_WARNING] || diag_list_has_errors(d)) {
                        diag_list_print(d, stderr, DIAG_WARNING, false);
                        fail_msg("%s is not clean", clean[i]);
                }
                diag_list_free(d);
        }

        /* unknown keys: warned and ignored; unknown syscalls: skipped, errors when strict */
        d = load("unknown-keys.json", DIALECT_DOCKER, false, 0);
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/x-generator", "unknown key"));
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/0/case", "unknown key"));
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/1/case", "unknown key"));
        assert_non_null(
                diag_list_find(d, DIAG_WARNING, "/syscalls/2/args/0/x-note", "unknown key"));
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/0/names/18", "unknown syscall"));
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/0/names/19", "unknown syscall"));
        assert_false(diag_list_has_errors(d));
        diag_list_free(d);
        d = load("unknown-keys.json", DIALECT_DOCKER, true, -EINVAL);
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/0/names/18", "unknown syscall"));
        diag_list_free(d);

        /* errno names: CRI-O reads them, moby reads the numbers and is told the difference */
        d = load("errno-names.json", DIALECT_CRIO, false, 0);
        assert_int_equal(d->counts[DIAG_WARNING], 0);
        diag_list_free(d);
        d = load("errno-names.json", DIALECT_DOCKER, false, 0);
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/3/errno", "ignores errno"));
        assert_int_equal(d->counts[DIAG_WARNING], 1);
        diag_list_free(d);

        /* the legacy "name": containerd drops it */
        d = load("legacy-name.json", DIALECT_KUBERNETES_CONTAINERD, false, 0);
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/0/name", "matches no syscall"));
        diag_list_free(d);

        /* Mesos: mesos.json is valid there, the Docker-extended and legacy files are not */
        d = load("mesos.json", DIALECT_MESOS, false, 0);
        assert_false(diag_list_has_errors(d));
        diag_list_free(d);
        d = load("legacy-name.json", DIALECT_MESOS, false, -EINVAL);
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/archMap", "requires"));
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/0/name", "legacy"));
        diag_list_free(d);
        d = load("docker-extended.json", DIALECT_MESOS, false, -EINVAL);
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/defaultErrnoRet", "mesos"));
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/9/errnoRet", "mesos"));
        diag_list_free(d);

        /* errnoRet 4094, the largest accepted: nothing to say; a redundant rule: warned */
        d = load("actions.json", DIALECT_DOCKER, false, 0);
        assert_null(diag_list_find(d, DIAG_NOTE, "/syscalls/7/errnoRet", ""));
        diag_list_free(d);
        d = load("redundant-rule.json", DIALECT_DOCKER, false, 0);
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/0/action", "same action"));
        diag_list_free(d);
}

/* An ERRNO of 4095 and above: libseccomp refuses the action, so crun, runc and every consumer
 * handing the section to them refuse the whole profile; each dialect calls it invalid. */
static void test_quirks_large_errno_refused_as_consumers_do(void **state)
{
        static const enum dialect dialects[] = {DIALECT_DOCKER, DIALECT_CRIO,
                                                DIALECT_KUBERNETES_CONTAINERD, DIALECT_RUNC,
                                                DIALECT_CRUN};
        static const struct {
                const char *json, *pointer; /* NULL: valid, as the consumers take it */
        } errnos[] = {
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 4095}]}",
                 "/syscalls/0/errnoRet"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 65535, "
                 "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                 "/defaultErrnoRet"},
                /* TRACE data is 16 bits for libseccomp and the consumers */
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"mkdir\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5000}]}",
                 NULL},
                /* no rule is added for a name libseccomp does not know: nothing is refused */
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"no_such_syscall\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000}]}",
                 NULL},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 4094}]}",
                 NULL},
        };
        for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
                for (size_t k = 0; k < ELEMENTSOF(dialects); k++) {
                        struct profile_parse_options o = {.dialect = dialects[k]};
                        struct diag_list *d;
                        struct profile *p = NULL;
                        assert_int_equal(diag_list_new("errno", &d), 0);
                        int r = profile_parse(errnos[i].json, strlen(errnos[i].json), &o, d, &p);
                        if (errnos[i].pointer) {
                                assert_int_equal(r, -EINVAL);
                                assert_non_null(diag_list_find(d, DIAG_ERROR, errnos[i].pointer,
                                                               "is not below 4095"));
                        } else {
                                if (r != 0)
                                        diag_list_print(d, stderr, DIAG_NOTE, false);
                                assert_int_equal(r, 0);
                        }
                        profile_free(p);
                        diag_list_free(d);
                }

        /* containers/common's errno name wins over errnoRet: CRI-O takes EPERM, runc 5000. */
        static const char named[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                                    "[{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", "
                                    "\"errno\": \"EPERM\", \"errnoRet\": 5000}]}";
        for (size_t k = 0; k < ELEMENTSOF(dialects); k++) {
                struct profile_parse_options o = {.dialect = dialects[k]};
                struct diag_list *d;
                struct profile *p = NULL;
                assert_int_equal(diag_list_new("named", &d), 0);
                int r = profile_parse(named, strlen(named), &o, d, &p);
                assert_int_equal(r, dialects[k] == DIALECT_CRIO ? 0 : -EINVAL);
                profile_free(p);
                diag_list_free(d);
        }

        /* What the consumers call: libseccomp 2.5 refuses the action outright. */
        assert_null(seccomp_init(SCMP_ACT_ERRNO(4095)));
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        assert_non_null(ctx);
        assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(4095), SCMP_SYS(mkdir), 0), -EINVAL);
        assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(4094), SCMP_SYS(mkdir), 0), 0);
        seccomp_release(ctx);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quirks_every_profile_validates_and_compiles),
                cmocka_unit_test(test_quirks_optimized_blob_agrees_with_linear),
                cmocka_unit_test(test_quirks_oci_export_compiles_to_same_blob),
                cmocka_unit_test(test_quirks_verdicts),
                cmocka_unit_test(test_quirks_every_file_has_cases),
                cmocka_unit_test(test_quirks_diagnostics),
                cmocka_unit_test(test_quirks_large_errno_refused_as_consumers_do),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
