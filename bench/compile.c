/* SPDX-License-Identifier: Apache-2.0 */
/* bench-compile: what a container start pays for its seccomp filter, measured in-process.
 *
 *   bench-compile crun   OCI.json  ITER [OUT.bpf]  libseccomp driven the way crun 1.8 does it
 *   bench-compile engine FILE      ITER [OPT]      seccompd's engine: parse, resolve, compile
 *   bench-compile fetch  SOCK NAME ITER            libseccompd: GET /v1/bpf/NAME, one handle
 *   bench-compile post   SOCK FILE ITER            libseccompd: connect, POST /v1/compile of
 *                                                  FILE, disconnect (what seccompd-oci does)
 *
 * Prints one line: MODE n=ITER p50_us=.. p90_us=.. p99_us=.. mean_us=.. min_us=.. insns=..
 *
 * The "crun" mode follows crun's libcrun_generate_seccomp(): seccomp_init(default action),
 * seccomp_arch_add() for each "architectures" entry, then for every name of every rule whose
 * action differs from the default, seccomp_rule_add() (no args) or seccomp_rule_add_array()
 * (one call per argument when an index repeats), no filter attribute set (so no binary tree),
 * and seccomp_export_bpf() into a file. Only that part is timed, not the JSON parse. */

#include <jansson.h>
#include <seccomp.h>
#include <sys/mman.h>

#include <seccompd/client.h>

#include "bench.h"
#include "compile.h"
#include "profile.h"
#include "resolve.h"

static uint64_t cpu_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Wall times `ns` and this thread's CPU times `cpu` of `n` iterations. */
static void report(const char *mode, uint64_t *ns, uint64_t *cpu, size_t n, size_t insns)
{
        double mean = mean_u64(ns, n);
        uint64_t p50 = percentile(ns, n, 50), p90 = percentile(ns, n, 90),
                 p99 = percentile(ns, n, 99), cpu50 = percentile(cpu, n, 50);
        printf("%s n=%zu p50_us=%.1f p90_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f "
               "cpu_p50_us=%.1f insns=%zu\n",
               mode, n, p50 / 1e3, p90 / 1e3, p99 / 1e3, mean / 1e3, ns[0] / 1e3, cpu50 / 1e3,
               insns);
}

/* ---- crun's way ------------------------------------------------------------------------ */

static uint32_t crun_action(const char *name, uint32_t errno_ret)
{
        if (strncmp(name, "SCMP_ACT_", 9) != 0)
                die("unknown action '%s'", name);
        name += 9;
        if (!strcmp(name, "ERRNO"))
                return SCMP_ACT_ERRNO(errno_ret);
        if (!strcmp(name, "TRACE"))
                return SCMP_ACT_TRACE(errno_ret);
        if (!strcmp(name, "ALLOW"))
                return SCMP_ACT_ALLOW;
        if (!strcmp(name, "KILL") || !strcmp(name, "KILL_THREAD"))
                return SCMP_ACT_KILL_THREAD;
        if (!strcmp(name, "KILL_PROCESS"))
                return SCMP_ACT_KILL_PROCESS;
        if (!strcmp(name, "TRAP"))
                return SCMP_ACT_TRAP;
        if (!strcmp(name, "LOG"))
                return SCMP_ACT_LOG;
        die("unsupported action '%s'", name);
}

static enum scmp_compare crun_op(const char *name)
{
        static const struct {
                const char *name;
                enum scmp_compare op;
        } ops[] = {
                {"SCMP_CMP_NE", SCMP_CMP_NE},
                {"SCMP_CMP_LT", SCMP_CMP_LT},
                {"SCMP_CMP_LE", SCMP_CMP_LE},
                {"SCMP_CMP_EQ", SCMP_CMP_EQ},
                {"SCMP_CMP_GE", SCMP_CMP_GE},
                {"SCMP_CMP_GT", SCMP_CMP_GT},
                {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
        };
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (!strcmp(name, ops[i].name))
                        return ops[i].op;
        die("unknown operator '%s'", name);
}

static int json_errno(json_t *o, const char *key, int dflt)
{
        json_t *v = json_object_get(o, key);
        return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* One compile as crun does it; returns the exported size in bytes, the blob in `fd`. */
static size_t crun_compile(json_t *sec, int fd)
{
        uint32_t def = crun_action(json_string_value(json_object_get(sec, "defaultAction")),
                                   (uint32_t)json_errno(sec, "defaultErrnoRet", EPERM));
        scmp_filter_ctx ctx = seccomp_init(def);
        if (!ctx)
                die("seccomp_init failed");
        size_t i, j;
        json_t *a, *rule, *name;
        json_array_foreach (json_object_get(sec, "architectures"), i, a) {
                char lower[32] = {0};
                const char *s = json_string_value(a);
                if (!strncmp(s, "SCMP_ARCH_", 10))
                        s += 10;
                for (j = 0; s[j] && j < sizeof(lower) - 1; j++)
                        lower[j] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] + 32 : s[j]);
                uint32_t token = seccomp_arch_resolve_name(lower);
                if (!token)
                        die("unknown architecture '%s'", s);
                int r = seccomp_arch_add(ctx, token);
                if (r < 0 && r != -EEXIST)
                        die("seccomp_arch_add: %s", strerror(-r));
        }
        json_array_foreach (json_object_get(sec, "syscalls"), i, rule) {
                uint32_t action = crun_action(json_string_value(json_object_get(rule, "action")),
                                              (uint32_t)json_errno(rule, "errnoRet", EPERM));
                if (action == def)
                        continue;
                json_t *args = json_object_get(rule, "args");
                struct scmp_arg_cmp cmp[6];
                unsigned count[6] = {0};
                size_t k = 0;
                bool multiple = false;
                json_t *arg;
                json_array_foreach (args, k, arg) {
                        if (k >= 6)
                                break;
                        unsigned idx = (unsigned)json_integer_value(json_object_get(arg, "index"));
                        if (idx >= 6)
                                die("bad argument index");
                        if (++count[idx] > 1)
                                multiple = true;
                        cmp[k] = (struct scmp_arg_cmp){
                                .arg = idx,
                                .op = crun_op(json_string_value(json_object_get(arg, "op"))),
                                .datum_a = (scmp_datum_t)json_integer_value(
                                        json_object_get(arg, "value")),
                                .datum_b = (scmp_datum_t)json_integer_value(
                                        json_object_get(arg, "valueTwo")),
                        };
                }
                size_t nargs = json_is_array(args)
                                       ? (json_array_size(args) < 6 ? json_array_size(args) : 6)
                                       : 0;
                json_array_foreach (json_object_get(rule, "names"), j, name) {
                        int nr = seccomp_syscall_resolve_name(json_string_value(name));
                        if (nr == __NR_SCMP_ERROR)
                                continue; /* crun warns and skips */
                        int r;
                        if (!json_is_array(args)) {
                                r = seccomp_rule_add(ctx, action, nr, 0);
                        } else if (!multiple) {
                                r = seccomp_rule_add_array(ctx, action, nr, (unsigned)nargs, cmp);
                        } else {
                                r = 0;
                                for (size_t m = 0; m < nargs && r == 0; m++)
                                        r = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[m]);
                        }
                        if (r < 0)
                                die("seccomp_rule_add(%s): %s", json_string_value(name),
                                    strerror(-r));
                }
        }
        if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                die("memfd: %s", strerror(errno));
        int r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                die("seccomp_export_bpf: %s", strerror(-r));
        seccomp_release(ctx);
        return (size_t)lseek(fd, 0, SEEK_CUR);
}

static int mode_crun(const char *path, long iter, const char *out)
{
        json_error_t jerr;
        json_t *sec = json_load_file(path, 0, &jerr);
        if (!sec)
                die("%s:%d: %s", path, jerr.line, jerr.text);
        int fd = memfd_create("bench-crun", MFD_CLOEXEC);
        if (fd < 0)
                die("memfd_create: %s", strerror(errno));
        uint64_t *ns = calloc((size_t)iter, sizeof(uint64_t)),
                 *cpu = calloc((size_t)iter, sizeof(uint64_t));
        if (!ns || !cpu)
                die("out of memory");
        size_t size = 0;
        for (long i = 0; i < iter; i++) {
                uint64_t t0 = now_ns(), c0 = cpu_ns();
                size = crun_compile(sec, fd);
                ns[i] = now_ns() - t0;
                cpu[i] = cpu_ns() - c0;
        }
        if (out) {
                char *buf = malloc(size);
                if (!buf || pread(fd, buf, size, 0) != (ssize_t)size)
                        die("cannot read the exported filter back");
                write_all_file(out, buf, size);
                free(buf);
        }
        report("crun-libseccomp", ns, cpu, (size_t)iter, size / 8);
        json_decref(sec);
        return 0;
}

/* ---- seccompd's engine ----------------------------------------------------------------- */

static int mode_engine(const char *path, long iter, int optimize)
{
        size_t size;
        char *data = read_all(path, &size);
        struct context ctx;
        if (context_default(&ctx) < 0)
                die("context_default failed");
        struct compile_options o = {.optimize = optimize};
        uint64_t *ns = calloc((size_t)iter, sizeof(uint64_t)),
                 *cpu = calloc((size_t)iter, sizeof(uint64_t));
        if (!ns || !cpu)
                die("out of memory");
        size_t insns = 0;
        for (long i = 0; i < iter; i++) {
                struct profile_parse_options po = {.dialect = DIALECT_DEFAULT};
                struct diag_list *diags = NULL;
                struct profile *p = NULL;
                struct resolved *res = NULL;
                struct blob *b = NULL;
                uint64_t t0 = now_ns(), c0 = cpu_ns();
                if (diag_list_new(path, &diags) < 0 ||
                    profile_parse(data, size, &po, diags, &p) < 0 ||
                    profile_resolve(p, &ctx, &res) < 0 || compile_resolved(res, &o, diags, &b) < 0)
                        die("the engine cannot compile '%s'", path);
                ns[i] = now_ns() - t0;
                cpu[i] = cpu_ns() - c0;
                insns = b->n_insns;
                blob_free(b);
                resolved_free(res);
                profile_free(p);
                diag_list_free(diags);
        }
        report(optimize == 0 ? "engine-linear" : "engine", ns, cpu, (size_t)iter, insns);
        free(data);
        return 0;
}

/* ---- through the daemon ---------------------------------------------------------------- */

static int mode_fetch(const char *sock, const char *name, long iter)
{
        struct seccompd *c = NULL;
        int r = seccompd_connect(sock, 0, &c);
        if (r < 0)
                die("seccompd_connect(%s): %s", sock, strerror(-r));
        uint64_t *ns = calloc((size_t)iter, sizeof(uint64_t)),
                 *cpu = calloc((size_t)iter, sizeof(uint64_t));
        if (!ns || !cpu)
                die("out of memory");
        size_t insns = 0;
        for (long i = 0; i < iter; i++) {
                struct seccompd_blob *b = NULL;
                uint64_t t0 = now_ns(), c0 = cpu_ns();
                r = seccompd_get_blob(c, name, NULL, &b);
                ns[i] = now_ns() - t0;
                cpu[i] = cpu_ns() - c0;
                if (r < 0)
                        die("seccompd_get_blob(%s): %s", name, strerror(-r));
                insns = b->instructions;
                seccompd_blob_free(b);
        }
        seccompd_disconnect(c);
        report("daemon-get-blob", ns, cpu, (size_t)iter, insns);
        return 0;
}

static int mode_post(const char *sock, const char *path, long iter)
{
        size_t size;
        char *data = read_all(path, &size);
        uint64_t *ns = calloc((size_t)iter, sizeof(uint64_t)),
                 *cpu = calloc((size_t)iter, sizeof(uint64_t));
        if (!ns || !cpu)
                die("out of memory");
        size_t insns = 0;
        for (long i = 0; i < iter; i++) {
                struct seccompd *c = NULL;
                struct seccompd_blob *b = NULL;
                uint64_t t0 = now_ns(), c0 = cpu_ns();
                int r = seccompd_connect(sock, 0, &c);
                if (r >= 0)
                        r = seccompd_compile(c, data, size, NULL, &b);
                seccompd_disconnect(c);
                ns[i] = now_ns() - t0;
                cpu[i] = cpu_ns() - c0;
                if (r < 0)
                        die("seccompd_compile(%s): %s", path, strerror(-r));
                insns = b->instructions;
                seccompd_blob_free(b);
        }
        report("daemon-connect-post-compile", ns, cpu, (size_t)iter, insns);
        free(data);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc >= 4 && !strcmp(argv[1], "crun"))
                return mode_crun(argv[2], strtol(argv[3], NULL, 10), argc > 4 ? argv[4] : NULL);
        if (argc >= 4 && !strcmp(argv[1], "engine"))
                return mode_engine(argv[2], strtol(argv[3], NULL, 10),
                                   argc > 4 ? atoi(argv[4]) : -1);
        if (argc == 5 && !strcmp(argv[1], "fetch"))
                return mode_fetch(argv[2], argv[3], strtol(argv[4], NULL, 10));
        if (argc == 5 && !strcmp(argv[1], "post"))
                return mode_post(argv[2], argv[3], strtol(argv[4], NULL, 10));
        fprintf(stderr, "usage: bench-compile crun OCI.json ITER [OUT.bpf]\n"
                        "       bench-compile engine FILE ITER [OPTIMIZE]\n"
                        "       bench-compile fetch SOCK NAME ITER\n"
                        "       bench-compile post SOCK FILE ITER\n");
        return 2;
}
