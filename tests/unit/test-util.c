/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf.h"
#include "config.h"
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

size_t test_corpus_list(char ***ret)
{
        char **v = NULL;
        size_t n = 0;
        walk(CORPUS_DIR, &v, &n);
        qsort(v, n, sizeof(char *), cmpstr);
        *ret = v;
        return n;
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
        struct compile_options o = { .optimize = optimize };

        if (!ctx) {
                test_context_x86_64(&c);
                ctx = &c;
        }
        *ret = (struct test_build){ 0 };
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
        *b = (struct test_build){ 0 };
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
        struct shared_result *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
                                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
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

        *ret = (struct probe_result){ 0 };
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
        { 0 },
        { 1, 1, 1, 1, 1, 1 },
        { 8, 0x20008, 0xffffffff },
        { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },
        { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX },
        { 0x10000000, 0x10000000 },             /* CLONE_NEWUSER */
        { 0x7e020000, 0x7e020000, 0x7e020000 }, /* every namespace flag */
        { 0x00020000 | 17 },                    /* CLONE_NEWNS | SIGCHLD */
        { 38, 1 },                              /* AF_ALG */
        { 39, 2 },
        { 40, 1 },                              /* AF_VSOCK */
        { 41, 0 },
        { 0x100000000ULL, 0x100000001ULL },
        { 511, 511, 511 },
        { 0x0008, 0x20000 },
        { 0x20008, 0xffffffff },
        { 2, 3, 4, 5, 6, 7 },
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
                struct bpf_sim_input in = { .nr = (uint32_t)nr, .arch = c->arch };
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
        struct agree c = { a, b, arch, label, 0 };
        assert_int_equal(bpf_foreach_syscall(arch, agree_one, &c), 0);
        return c.checked;
}
