/* SPDX-License-Identifier: Apache-2.0 */
/* The architectures of a blob are the consumer's (issue 10, defect 1). crun 1.8
 * (src/libcrun/seccomp.c, libcrun_generate_seccomp), runc (libcontainer/seccomp/
 * seccomp_linux.go, InitSeccomp) and Mesos (src/linux/seccomp/seccomp.cpp) all start from
 * seccomp_init(defaultAction), which holds the native arch, then seccomp_arch_add() each
 * listed arch and never seccomp_arch_remove(): a profile whose "architectures" omits the
 * native arch still filters it, by the same rules and default action. seccompd's blob is
 * compared here with a libseccomp replay of what crun does, verdict by verdict over every
 * x86_64, x86 and x32 syscall, and proven in the kernel on the native arch. */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf.h"
#include "test-util.h"

/* What crun 1.8's libcrun_generate_seccomp() builds for an OCI section without args:
 * seccomp_init(default), seccomp_arch_add() of each listed arch (-EEXIST ignored), one
 * seccomp_rule_add() per name of each rule whose action differs from the default, then
 * seccomp_export_bpf(). */
struct replay_rule {
        const char *const *names;
        uint32_t action;
};

static struct blob *crun_replay(uint32_t def, const uint32_t *arches, size_t n_arches,
                                const struct replay_rule *rules, size_t n_rules)
{
        scmp_filter_ctx ctx = seccomp_init(def);
        assert_non_null(ctx);
        for (size_t i = 0; i < n_arches; i++) {
                int r = seccomp_arch_add(ctx, arches[i]);
                assert_true(r == 0 || r == -EEXIST);
        }
        for (size_t i = 0; i < n_rules; i++) {
                if (rules[i].action == def)
                        continue;
                for (const char *const *n = rules[i].names; *n; n++)
                        assert_int_equal(seccomp_rule_add(ctx, rules[i].action,
                                                          seccomp_syscall_resolve_name(*n), 0),
                                         0);
        }
        int fd = memfd_create("crun-replay", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(seccomp_export_bpf(ctx, fd), 0);
        seccomp_release(ctx);
        off_t size = lseek(fd, 0, SEEK_END);
        assert_true(size > 0);
        char *buf = malloc((size_t)size);
        assert_non_null(buf);
        assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
        close(fd);
        struct blob *b = NULL;
        assert_int_equal(blob_from_bytes(buf, (size_t)size, &b), 0);
        free(buf);
        return b;
}

static const char *const mkdir_names[] = {"mkdir", NULL};
static const char *const allow_names[] = {
        "read",         "write", "exit_group", "brk",        "mmap", "getpid",
        "rt_sigreturn", "close", "futex",      "arch_prctl", NULL};

struct arch_case {
        const char *label;
        const char *json;
        uint32_t def;
        uint32_t arches[3];
        size_t n_arches;
        struct replay_rule rules[2];
        size_t n_rules;
        bool native_listed;
};

static const struct arch_case cases[] = {
        {
                .label = "the issue's profile: x86 only, ALLOW, mkdir ERRNO(1)",
                .json = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
                        "[\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
                        "\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
                .def = SCMP_ACT_ALLOW,
                .arches = {SCMP_ARCH_X86},
                .n_arches = 1,
                .rules = {{mkdir_names, SCMP_ACT_ERRNO(1)}},
                .n_rules = 1,
        },
        {
                .label = "x86 and x32, an ERRNO(38) allow list",
                .json = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                        "\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":"
                        "[{\"names\":[\"read\",\"write\",\"exit_group\",\"brk\",\"mmap\","
                        "\"getpid\",\"rt_sigreturn\",\"close\",\"futex\",\"arch_prctl\"],"
                        "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"mkdir\"],\"action\":"
                        "\"SCMP_ACT_KILL_PROCESS\"}]}",
                .def = SCMP_ACT_ERRNO(38),
                .arches = {SCMP_ARCH_X86, SCMP_ARCH_X32},
                .n_arches = 2,
                .rules = {{allow_names, SCMP_ACT_ALLOW}, {mkdir_names, SCMP_ACT_KILL_PROCESS}},
                .n_rules = 2,
        },
        {
                .label = "x32 only, KILL_PROCESS default",
                .json = "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"architectures\":"
                        "[\"SCMP_ARCH_X32\"],\"syscalls\":[{\"names\":[\"read\",\"write\","
                        "\"exit_group\",\"brk\",\"mmap\",\"getpid\",\"rt_sigreturn\",\"close\","
                        "\"futex\",\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                .def = SCMP_ACT_KILL_PROCESS,
                .arches = {SCMP_ARCH_X32},
                .n_arches = 1,
                .rules = {{allow_names, SCMP_ACT_ALLOW}},
                .n_rules = 1,
        },
        {
                .label = "the native arch listed second: unchanged",
                .json = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
                        "[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":"
                        "[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
                .def = SCMP_ACT_ALLOW,
                .arches = {SCMP_ARCH_X86, SCMP_ARCH_X86_64},
                .n_arches = 2,
                .rules = {{mkdir_names, SCMP_ACT_ERRNO(1)}},
                .n_rules = 1,
                .native_listed = true,
        },
};

static const uint32_t compared_arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};

/* seccompd's blob decides every x86_64, x86 and x32 syscall as crun's own compile does. */
static void test_arch_blob_decides_as_crun(void **state)
{
        if (seccomp_arch_native() != SCMP_ARCH_X86_64)
                skip(); /* the replay's native arch must be the context's */
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct arch_case *c = &cases[i];
                struct test_build b;
                test_build_string(c->json, NULL, -1, &b);
                struct blob *crun =
                        crun_replay(c->def, c->arches, c->n_arches, c->rules, c->n_rules);
                unsigned checked = 0;
                for (size_t a = 0; a < ELEMENTSOF(compared_arches); a++)
                        checked += test_blobs_agree(c->label, b.blob, crun, compared_arches[a]);
                assert_true(checked > 900);
                /* Few rules, so no binary tree: the very same program. */
                assert_int_equal(b.blob->n_insns, crun->n_insns);
                assert_memory_equal(b.blob->insns, crun->insns, blob_size(crun));
                assert_int_equal(b.resolved->native_implied, !c->native_listed);
                blob_free(crun);
                test_build_done(&b);
        }
}

/* The simulator's verdict on the native arch for the profile: allowed calls pass,
 * mkdir gets its rule, as under crun (whose filter holds the rule on every arch it has). */
static void test_arch_native_gets_rules_and_default(void **state)
{
        struct test_build b;
        struct bpf_sim_result res;
        test_build_string(cases[0].json, NULL, -1, &b);
        struct bpf_sim_input in = {.arch = SCMP_ARCH_X86_64, .nr = SYS_getpid};
        assert_int_equal(bpf_sim_run(b.blob->insns, b.blob->n_insns, &in, &res), 0);
        assert_int_equal(res.ret, SECCOMP_RET_ALLOW);
        in.nr = SYS_mkdir;
        assert_int_equal(bpf_sim_run(b.blob->insns, b.blob->n_insns, &in, &res), 0);
        assert_int_equal(res.ret, SECCOMP_RET_ERRNO | 1);
        test_build_done(&b);
}

/* The omission is said, on /architectures, naming the kept arch and the default action. */
static void test_arch_native_kept_is_warned(void **state)
{
        struct profile_parse_options o = {.dialect = DIALECT_CRUN};
        struct diag_list *d = NULL;
        struct profile *p = NULL;
        struct resolved *r = NULL;
        struct blob *b = NULL;
        struct context ctx;
        test_context_x86_64(&ctx);
        assert_int_equal(diag_list_new("x86-only", &d), 0);
        assert_int_equal(profile_parse(cases[0].json, strlen(cases[0].json), &o, d, &p), 0);
        assert_int_equal(profile_resolve(p, &ctx, &r), 0);
        assert_int_equal(compile_resolved(r, NULL, d, &b), 0);
        const struct diag *w = diag_list_find(d, DIAG_WARNING, "/architectures", "is kept");
        assert_non_null(w);
        assert_non_null(strstr(w->message, "SCMP_ARCH_X86_64"));
        assert_non_null(strstr(w->message, "SCMP_ACT_ALLOW"));
        assert_false(diag_list_has_errors(d));
        blob_free(b);
        resolved_free(r);
        profile_free(p);
        diag_list_free(d);

        /* Listed: nothing to say. */
        assert_int_equal(diag_list_new("listed", &d), 0);
        assert_int_equal(profile_parse(cases[3].json, strlen(cases[3].json), &o, d, &p), 0);
        assert_int_equal(profile_resolve(p, &ctx, &r), 0);
        assert_int_equal(compile_resolved(r, NULL, d, &b), 0);
        assert_null(diag_list_find(d, DIAG_WARNING, "/architectures", "is kept"));
        blob_free(b);
        resolved_free(r);
        profile_free(p);
        diag_list_free(d);
}

/* For another node's arch the kept arch is that node's: the context's, first. */
static void test_arch_context_arch_is_the_native_one(void **state)
{
        struct context ctx;
        struct test_build b;
        test_context_x86_64(&ctx);
        assert_int_equal(context_set_arch(&ctx, "aarch64"), 0);
        static const char json[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
                                   "[\"SCMP_ARCH_ARM\"],\"syscalls\":[{\"names\":[\"mkdirat\"],"
                                   "\"action\":\"SCMP_ACT_ERRNO\"}]}";
        test_build_string(json, &ctx, -1, &b);
        assert_int_equal(b.resolved->n_arches, 2);
        assert_int_equal(b.resolved->arches[0]->token, SCMP_ARCH_AARCH64);
        assert_int_equal(b.resolved->arches[1]->token, SCMP_ARCH_ARM);
        assert_true(b.resolved->native_implied);
        test_build_done(&b);
}

/* The kernel: a forked child loads seccompd's blob of the profile and makes native
 * calls. Before the fix the blob held x86 only and every x86_64 call was KILL_THREAD. */
static void test_arch_kernel_native_not_killed(void **state)
{
        struct test_build b;
        struct probe_result r;
        uint64_t args[6] = {0};
        test_build_string(cases[0].json, NULL, -1, &b);
        assert_int_equal(test_probe(b.blob, SYS_getpid, args, &r), 0);
        assert_false(r.killed);
        assert_false(r.failed);
        args[0] = (uintptr_t) "/nonexistent-seccompd-test/x";
        args[1] = 0755;
        assert_int_equal(test_probe(b.blob, SYS_mkdir, args, &r), 0);
        assert_false(r.killed);
        assert_true(r.failed);
        assert_int_equal(r.err, EPERM); /* the rule's errnoRet 1, not the natural ENOENT */
        test_build_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_arch_blob_decides_as_crun),
                cmocka_unit_test(test_arch_native_gets_rules_and_default),
                cmocka_unit_test(test_arch_native_kept_is_warned),
                cmocka_unit_test(test_arch_context_arch_is_the_native_one),
                cmocka_unit_test(test_arch_kernel_native_not_killed),
        };
        return cmocka_run_group_tests_name("arch", tests, NULL, NULL);
}
