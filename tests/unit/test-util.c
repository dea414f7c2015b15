/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf.h"
#include "config.h"
#include "export.h"
#include "test-util.h"

static int cmpstr(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir, char ***v, size_t *n)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        assert_non_null(d);
        while ((e = readdir(d))) {
                char *path;
                if (e->d_name[0] == '.')
                        continue;
                assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
                if (e->d_type == DT_DIR) {
                        if (!streq(e->d_name, "firecracker") && !streq(e->d_name, "lxc"))
                                walk(path, v, n);
                        free(path);
                        continue;
                }
                size_t l = strlen(path);
                if (l < 5 || !streq(path + l - 5, ".json")) {
                        free(path);
                        continue;
                }
                *v = reallocarray(*v, *n + 2, sizeof(char *));
                assert_non_null(*v);
                (*v)[(*n)++] = path;
                (*v)[*n] = NULL;
        }
        closedir(d);
}

size_t test_list_profiles(const char *dir, char ***v, size_t *n)
{
        size_t first = *n;
        walk(dir, v, n);
        qsort(*v + first, *n - first, sizeof(char *), cmpstr);
        return *n;
}

const char *test_corpus_dir(int argc, char **argv)
{
        struct stat st;
        if (argc < 2 || !argv[1][0]) {
                printf("SKIP: no corpus directory given (meson option corpus_dir)\n");
                exit(77);
        }
        if (stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode)) {
                printf("SKIP: the third-party profile corpus is not at %s (it is not part of the "
                       "repository; point -Dcorpus_dir=DIR at a copy to run this test)\n",
                       argv[1]);
                exit(77);
        }
        return argv[1];
}

void test_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

void test_context_x86_64(struct context *ret)
{
        struct context c;
        assert_int_equal(context_default(&c), 0);
        assert_int_equal(context_set_arch(&c, "x86_64"), 0);
        assert_int_equal(context_set_kernel(&c, "6.1"), 0);
        assert_int_equal(context_set_caps(&c, "default", NULL), 0);
        *ret = c;
}

static void build(const char *data, size_t size, const char *name, const struct context *ctx,
                  int optimize, struct test_build *ret)
{
        struct diag_list *diags = NULL;
        struct context c;
        struct compile_options o = {.optimize = optimize};

        if (!ctx) {
                test_context_x86_64(&c);
                ctx = &c;
        }
        *ret = (struct test_build){0};
        assert_int_equal(diag_list_new(name, &diags), 0);
        int r = profile_parse(data, size, NULL, diags, &ret->profile);
        if (r < 0)
                diag_list_print(diags, stderr, DIAG_ERROR, false);
        assert_int_equal(r, 0);
        assert_int_equal(profile_resolve(ret->profile, ctx, &ret->resolved), 0);
        r = compile_resolved(ret->resolved, &o, diags, &ret->blob);
        if (r < 0)
                diag_list_print(diags, stderr, DIAG_ERROR, false);
        assert_int_equal(r, 0);
        diag_list_free(diags);
}

void test_build_file(const char *path, const struct context *ctx, int optimize,
                     struct test_build *ret)
{
        char *data = NULL;
        size_t size;
        assert_int_equal(read_file_capped(path, PROFILE_MAX_SIZE_DEFAULT, &data, &size), 0);
        build(data, size, path, ctx, optimize, ret);
        free(data);
}

void test_build_string(const char *json, const struct context *ctx, int optimize,
                       struct test_build *ret)
{
        build(json, strlen(json), "<inline>", ctx, optimize, ret);
}

void test_build_done(struct test_build *b)
{
        blob_free(b->blob);
        resolved_free(b->resolved);
        profile_free(b->profile);
        *b = (struct test_build){0};
}

struct shared_result {
        volatile int done;
        volatile long ret;
        volatile int err;
};

/* The filter may refuse exit_group and exit (and kill): a fault needs no syscall. */
static _Noreturn void die_without_syscalls(void)
{
        syscall(SYS_exit_group, 0);
        syscall(SYS_exit, 0);
        for (;;)
                __builtin_trap(); /* SIGILL: neither ASan nor the filter intercepts it */
}

int test_probe(const struct blob *blob, long nr, const uint64_t args[6], struct probe_result *ret)
{
        struct shared_result *sh =
                mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED)
                return -errno;
        memset(sh, 0, sizeof(*sh));

        /* Orphaned grandchildren (a clone the filter allowed) come back to us to be reaped,
         * and the whole process group goes when we are done. */
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void)setpgid(0, 0);
                /* The test framework's handler must not catch a TRAP's SIGSYS here. */
                signal(SIGSYS, SIG_DFL);
                if (blob && blob_install(blob) < 0)
                        _exit(99);
                long r = syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
                int e = errno;
                if (r == 0 && (nr == SYS_clone || nr == SYS_fork || nr == SYS_vfork))
                        die_without_syscalls(); /* the grandchild of a successful clone */
                sh->ret = r;
                sh->err = e;
                __atomic_store_n(&sh->done, 1, __ATOMIC_SEQ_CST);
                die_without_syscalls();
        }

        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        int status = 0;
        bool reaped = false;
        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid) {
                        reaped = true;
                        break;
                }
                if (__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST)) {
                        usleep(1000);
                        if (waitpid(pid, &status, WNOHANG) == pid) {
                                reaped = true;
                                break;
                        }
                        kill(pid, SIGKILL);
                        break;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec > 5) {
                        kill(pid, SIGKILL);
                        break;
                }
                usleep(200);
        }
        if (!reaped)
                waitpid(pid, &status, 0);
        (void)kill(-pid, SIGKILL);
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;

        *ret = (struct probe_result){0};
        if (WIFEXITED(status) && WEXITSTATUS(status) == 99) {
                munmap(sh, sizeof(*sh));
                return -EPERM; /* could not install the filter */
        }
        if (__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST)) {
                ret->failed = sh->ret == -1;
                ret->err = ret->failed ? sh->err : 0;
        } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
                ret->killed = true;
        else
                ret->timeout = true;
        munmap(sh, sizeof(*sh));
        return 0;
}

bool test_is_root(void)
{
        return geteuid() == 0;
}

static const uint64_t patterns[][6] = {
        {0},
        {1, 1, 1, 1, 1, 1},
        {8, 0x20008, 0xffffffff},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
        {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX},
        {0x10000000, 0x10000000},             /* CLONE_NEWUSER */
        {0x7e020000, 0x7e020000, 0x7e020000}, /* every namespace flag */
        {0x00020000 | 17},                    /* CLONE_NEWNS | SIGCHLD */
        {38, 1},                              /* AF_ALG */
        {39, 2},
        {40, 1}, /* AF_VSOCK */
        {41, 0},
        {0x100000000ULL, 0x100000001ULL},
        {511, 511, 511},
        {0x0008, 0x20000},
        {0x20008, 0xffffffff},
        {2, 3, 4, 5, 6, 7},
};

struct agree {
        const struct blob *a, *b;
        uint32_t arch;
        const char *label;
        unsigned checked;
};

static int agree_one(int nr, const char *name, void *userdata)
{
        struct agree *c = userdata;
        for (size_t i = 0; i < ELEMENTSOF(patterns); i++) {
                struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = c->arch};
                struct bpf_sim_result ra, rb;
                memcpy(in.args, patterns[i], sizeof(in.args));
                assert_int_equal(bpf_sim_run(c->a->insns, c->a->n_insns, &in, &ra), 0);
                assert_int_equal(bpf_sim_run(c->b->insns, c->b->n_insns, &in, &rb), 0);
                if (ra.ret != rb.ret)
                        fail_msg("%s: %s(%d) on arch 0x%x, args pattern %zu: 0x%08x vs 0x%08x",
                                 c->label, name, nr, c->arch, i, ra.ret, rb.ret);
        }
        c->checked++;
        return 0;
}

unsigned test_blobs_agree(const char *label, const struct blob *a, const struct blob *b,
                          uint32_t arch)
{
        struct agree c = {a, b, arch, label, 0};
        assert_int_equal(bpf_foreach_syscall(arch, agree_one, &c), 0);
        return c.checked;
}

/* ---- kernel probes ---------------------------------------------------------------------- */

#define NOWHERE "/nonexistent-seccompd-test/x"

struct probe {
        const char *name;
        uint64_t args[6];
};

/* Syscalls whose natural outcome, as root, is never EPERM: a denial with the profile's errno
 * cannot be mistaken for a natural failure. Paths point nowhere so nothing changes. */
static const struct probe probes[] = {
        {"getppid", {0}},
        {"getpid", {0}},
        {"uname", {0}},
        {"mkdir", {(uintptr_t)NOWHERE, 0755}},
        {"mkdirat", {(uint64_t)-100, (uintptr_t)NOWHERE, 0755}},
        {"chmod", {(uintptr_t)NOWHERE, 0644}},
        {"personality", {0xffffffff}},
        {"personality", {0x0008}},
        {"personality", {1}},
        {"personality", {0x100000000ULL}},
        {"socket", {AF_VSOCK, SOCK_STREAM, 0}},
        {"socket", {AF_INET, SOCK_DGRAM, 0}},
        {"socket", {AF_ALG, SOCK_SEQPACKET, 0}},
        {"socket", {0x100000000ULL | AF_INET, SOCK_DGRAM, 0}},
        {"unshare", {0}},
        {"unshare", {CLONE_NEWUSER}},
        {"unshare", {CLONE_NEWNS}},
        {"clone", {CLONE_NEWNS | SIGCHLD}},
        {"clone", {SIGCHLD}},
        {"clone3", {0, 0}},
        {"mount", {(uintptr_t) "none", (uintptr_t)NOWHERE, (uintptr_t) "tmpfs", 0, 0}},
        {"umount2", {(uintptr_t)NOWHERE, 0}},
        {"reboot", {0, 0, 0, 0}},
        {"acct", {(uintptr_t)NOWHERE}},
        {"chroot", {(uintptr_t)NOWHERE}},
        {"swapon", {(uintptr_t)NOWHERE, 0}},
        {"pivot_root", {(uintptr_t)NOWHERE, (uintptr_t)NOWHERE}},
        {"setns", {(uint64_t)-1, 0}},
        {"bpf", {(uint64_t)-1, 0, 0}},
        {"settimeofday", {0, 0}},
        {"fchmodat", {(uint64_t)-100, (uintptr_t)NOWHERE, 0644, 0}},
        {"syslog", {10, 0, 0}},
        {"open_by_handle_at", {(uint64_t)-1, 0, 0}},
        {"io_uring_setup", {0, 0}},
        {"getcwd", {0, 0}},
        /* no iovec: 0 unfiltered, whether the pid exists or not */
        {"process_vm_writev", {7, 0, 0, 0, 0, 0}},
        {"process_vm_writev", {1337, 0, 0, 0, 0, 0}},
        {"process_vm_writev", {2020, 0, 0, 0, 0, 0}},
};

unsigned test_prove_blob(const char *what, const struct blob *b)
{
        unsigned denied = 0;
        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                const struct probe *p = &probes[i];
                int nr = seccomp_syscall_resolve_name(p->name);
                assert_true(nr >= 0);
                struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = SCMP_ARCH_X86_64};
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
                        ok = filtered.failed &&
                             (uint32_t)filtered.err == (sim.ret & SECCOMP_RET_DATA);
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
                case SECCOMP_RET_USER_NOTIF:
                        /* No tracer attached, no listener: the kernel fails the call with
                         * ENOSYS. */
                        ok = filtered.failed && filtered.err == ENOSYS;
                        denied++;
                        break;
                default: ok = false;
                }
                if (!ok)
                        fail_msg("%s: %s%s: simulator says %s, kernel: %s errno=%d (unfiltered: "
                                 "%s errno=%d)",
                                 what, p->name, "(...)", verdict,
                                 filtered.killed    ? "killed"
                                 : filtered.timeout ? "timeout"
                                 : filtered.failed  ? "failed"
                                                    : "ok",
                                 filtered.err, bare.failed ? "failed" : "ok", bare.err);
        }
        return denied;
}

/* ---- the checks of a profile set -------------------------------------------------------- */

void test_set_validates_and_compiles(char **files)
{
        for (size_t i = 0; files[i]; i++) {
                struct diag_list *diags = NULL;
                struct profile *p = NULL;
                assert_int_equal(diag_list_new(files[i], &diags), 0);
                int r = profile_load_file(files[i], NULL, diags, &p);
                if (r < 0 || diag_list_has_errors(diags)) {
                        diag_list_print(diags, stderr, DIAG_ERROR, false);
                        fail_msg("%s does not validate", files[i]);
                }
                profile_free(p);
                diag_list_free(diags);

                struct test_build b;
                test_build_file(files[i], NULL, -1, &b);
                assert_true(b.blob->n_insns > 0);
                assert_int_equal(bpf_validate(b.blob->insns, b.blob->n_insns), 0);
                test_build_done(&b);
        }
}

void test_set_optimized_agrees_with_linear(char **files)
{
        for (size_t i = 0; files[i]; i++) {
                struct test_build lin, tree;
                test_build_file(files[i], NULL, 0, &lin);
                test_build_file(files[i], NULL, 2, &tree);
                assert_int_equal(lin.blob->optimize, 0);
                assert_int_equal(tree.blob->optimize, compile_count_rules(tree.resolved) ? 2 : 0);
                /* Only rule-bearing profiles differ in shape. */
                if (compile_count_rules(tree.resolved) > 3)
                        assert_memory_not_equal(lin.blob->insns, tree.blob->insns,
                                                lin.blob->n_insns < tree.blob->n_insns
                                                        ? blob_size(lin.blob)
                                                        : blob_size(tree.blob));
                unsigned checked =
                        test_blobs_agree(files[i], lin.blob, tree.blob, SCMP_ARCH_X86_64);
                assert_true(checked > 300);
                /* The 32-bit sub-architecture when the profile covers it. */
                for (size_t k = 0; k < lin.resolved->n_arches; k++)
                        if (lin.resolved->arches[k]->token == SCMP_ARCH_X86)
                                test_blobs_agree(files[i], lin.blob, tree.blob, SCMP_ARCH_X86);
                test_build_done(&lin);
                test_build_done(&tree);
        }
}

/* `seccompctl export --format oci` must mean the same as the original: compiled again, the
 * blob is byte for byte the one of the original profile. */
void test_set_oci_export_compiles_to_same_blob(char **files)
{
        for (size_t i = 0; files[i]; i++) {
                struct test_build orig, again;
                char *oci = NULL;
                test_build_file(files[i], NULL, 0, &orig);
                assert_int_equal(export_oci(orig.resolved, &oci), 0);
                test_build_string(oci, NULL, 0, &again);
                assert_int_equal(again.profile->n_arch_map, 0);
                if (orig.blob->n_insns != again.blob->n_insns ||
                    memcmp(orig.blob->insns, again.blob->insns, blob_size(orig.blob)) != 0)
                        fail_msg("%s: exported OCI compiles to a different blob", files[i]);
                free(oci);
                test_build_done(&orig);
                test_build_done(&again);
        }
}

void test_context_for(struct context *c, const char *arch, const char *caps, const char *kernel)
{
        test_context_x86_64(c);
        assert_int_equal(context_set_arch(c, arch), 0);
        assert_int_equal(context_set_caps(c, caps, NULL), 0);
        assert_int_equal(context_set_kernel(c, kernel), 0);
}

/* Docker's conditions as moby's default profile states them. */
static const struct {
        const char *syscall;
        uint64_t args[6];
        const char *caps;
        uint32_t expect; /* SECCOMP_RET_* */
} docker_cases[] = {
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

void test_docker_conditions_simulated(const char *path)
{
        for (size_t i = 0; i < ELEMENTSOF(docker_cases); i++) {
                struct context ctx;
                struct test_build b;
                test_context_for(&ctx, "x86_64", docker_cases[i].caps, "6.1");
                test_build_file(path, &ctx, -1, &b);
                struct bpf_sim_input in = {
                        .nr = (uint32_t)seccomp_syscall_resolve_name(docker_cases[i].syscall),
                        .arch = SCMP_ARCH_X86_64,
                };
                struct bpf_sim_result r;
                memcpy(in.args, docker_cases[i].args, sizeof(in.args));
                assert_int_equal(bpf_sim_run(b.blob->insns, b.blob->n_insns, &in, &r), 0);
                if (r.ret != docker_cases[i].expect)
                        fail_msg("%s: %s(0x%llx) with caps %s: 0x%08x, expected 0x%08x", path,
                                 docker_cases[i].syscall,
                                 (unsigned long long)docker_cases[i].args[0], docker_cases[i].caps,
                                 r.ret, docker_cases[i].expect);
                test_build_done(&b);
        }
}

void test_docker_conditions_kernel(const char *path)
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
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct context ctx;
                struct test_build b;
                struct probe_result r;
                test_context_for(&ctx, "x86_64", cases[i].caps, "6.1");
                test_build_file(path, &ctx, -1, &b);
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
