/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "record.h"
#include "test-util.h"

static bool has_bit(const struct record_set *s, unsigned arch_index, int nr)
{
        return s->arches[arch_index].bits[nr / 64] & (UINT64_C(1) << (nr % 64));
}

static void test_record_set_add_counts_and_dedups(void **state)
{
        struct record_set s;
        record_set_init(&s);
        assert_int_equal(record_set_count(&s), 0);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 39), 1);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 39), 0);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 1023), 1);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_I386, 39), 1);
        assert_int_equal(record_set_count(&s), 3);
        assert_int_equal(s.n_arches, 2);
        assert_int_equal(s.arches[0].scmp_arch, SCMP_ARCH_X86_64);
        assert_int_equal(s.arches[1].scmp_arch, SCMP_ARCH_X86);
        assert_true(has_bit(&s, 0, 39));
        assert_true(has_bit(&s, 0, 1023));
        assert_true(has_bit(&s, 1, 39));
        assert_false(has_bit(&s, 1, 1023));
        assert_int_equal(s.n_dropped, 0);
}

static void test_record_set_add_x32(void **state)
{
        struct record_set s;
        record_set_init(&s);
        /* x32's write: the kernel reports AUDIT_ARCH_X86_64 and 0x40000001. */
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 0x40000000 | 1), 1);
        assert_int_equal(s.n_arches, 1);
        assert_int_equal(s.arches[0].scmp_arch, SCMP_ARCH_X32);
        assert_true(has_bit(&s, 0, 1));
        assert_int_equal(record_set_count(&s), 1);
        json_t *p = NULL;
        struct record_profile_options o = {.format = RECORD_FORMAT_OCI};
        assert_int_equal(record_profile(&s, &o, &p), 0);
        assert_string_equal(
                json_string_value(json_array_get(json_object_get(p, "architectures"), 0)),
                "SCMP_ARCH_X32");
        json_t *names = json_object_get(json_array_get(json_object_get(p, "syscalls"), 0), "names");
        assert_int_equal(json_array_size(names), 1);
        assert_string_equal(json_string_value(json_array_get(names, 0)), "write");
        json_decref(p);
}

static void test_record_set_add_drops(void **state)
{
        struct record_set s;
        record_set_init(&s);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, RECORD_MAX_NR), -E2BIG);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, -1), -E2BIG);
        assert_int_equal(record_set_add(&s, 0x12345, 1), -E2BIG); /* no such arch */
        assert_int_equal(s.n_dropped, 3);
        assert_int_equal(s.n_arches, 0);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 1), 1);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_I386, 1), 1);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 0x40000001), 1);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_AARCH64, 1), 1);
        /* A fifth architecture has no room. */
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_ARM, 1), -E2BIG);
        assert_int_equal(s.n_arches, RECORD_MAX_ARCHES);
        assert_int_equal(s.n_dropped, 4);
        assert_int_equal(record_set_count(&s), 4);
        json_t *p = NULL;
        record_set_init(&s);
        assert_int_equal(record_profile(&s, NULL, &p), -ENODATA);
}

static void test_record_runtime_tail(void **state)
{
        struct record_set s;
        record_set_init(&s);
        assert_int_equal(record_set_add_runtime_tail(&s), 0);
        assert_int_equal(s.n_arches, 1);
        assert_int_equal(s.arches[0].scmp_arch, seccomp_arch_native());
        int execve = seccomp_syscall_resolve_name_arch(s.arches[0].scmp_arch, "execve");
        assert_true(has_bit(&s, 0, execve));
        size_t n = record_set_count(&s);
        assert_true(n > 3);
        /* Added for every arch seen. */
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_I386, 4), 1);
        assert_int_equal(record_set_add_runtime_tail(&s), 0);
        assert_true(has_bit(&s, 1, 11)); /* x86's execve */
        assert_true(record_set_count(&s) > n + 1);
}

/* x86_64: read write getpid; x86: write exit. */
static json_t *two_arch_profile(enum record_format f, const char *const *more)
{
        struct record_set s;
        record_set_init(&s);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_I386, 4), 1);    /* write */
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_I386, 1), 1);    /* exit */
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 0), 1);  /* read */
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 1), 1);  /* write */
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 39), 1); /* getpid */
        struct record_profile_options o = {
                .format = f, .comment = "recorded by a test", .arches = more};
        json_t *p = NULL;
        assert_int_equal(record_profile(&s, &o, &p), 0);
        return p;
}

static char *names_of(const json_t *rule)
{
        json_t *names = json_object_get(rule, "names");
        return json_dumps(names, JSON_COMPACT);
}

static void test_record_profile_docker(void **state)
{
        const char *const more[] = {"x32", "x86", NULL};
        json_t *p = two_arch_profile(RECORD_FORMAT_DOCKER, more);
        _cleanup_free_ char *text = json_dumps(p, JSON_COMPACT);
        assert_string_equal(
                text,
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
                "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
                "\"syscalls\":[{\"names\":[\"exit\",\"getpid\",\"read\",\"write\"],"
                "\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"recorded by a test\"}]}");
        json_decref(p);
}

static void test_record_profile_oci(void **state)
{
        json_t *p = two_arch_profile(RECORD_FORMAT_OCI, NULL);
        _cleanup_free_ char *text = json_dumps(p, JSON_COMPACT);
        assert_string_equal(text, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
                                  "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
                                  "\"syscalls\":[{\"names\":[\"exit\",\"getpid\",\"read\","
                                  "\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        json_decref(p);
        struct record_set s;
        record_set_init(&s);
        assert_int_equal(record_set_add(&s, AUDIT_ARCH_X86_64, 1), 1);
        const char *const bad[] = {"vax", NULL};
        struct record_profile_options o = {.arches = bad};
        assert_int_equal(record_profile(&s, &o, &p), -EINVAL);
}

/* The profile passes strict validation in every dialect a container reads and compiles; under
 * the kernel, a recorded call succeeds and one not recorded fails with EPERM. */
static void test_record_profile_validates_and_compiles(void **state)
{
        for (int f = 0; f < 2; f++) {
                json_t *p = two_arch_profile((enum record_format)f, NULL);
                _cleanup_free_ char *text = json_dumps(p, JSON_INDENT(2));
                json_decref(p);
                const enum dialect dialects[] = {DIALECT_DOCKER, DIALECT_CRUN, DIALECT_RUNC};
                for (size_t d = 0; d < ELEMENTSOF(dialects); d++) {
                        struct diag_list *diags = NULL;
                        struct profile *prof = NULL;
                        struct profile_parse_options po = {.dialect = dialects[d], .strict = true};
                        assert_int_equal(diag_list_new("recorded", &diags), 0);
                        int r = profile_parse(text, strlen(text), &po, diags, &prof);
                        diag_list_print(diags, stderr, DIAG_WARNING, false);
                        assert_int_equal(r, 0);
                        assert_int_equal(diags->counts[DIAG_ERROR], 0);
                        assert_int_equal(diags->counts[DIAG_WARNING], 0);
                        profile_free(prof);
                        diag_list_free(diags);
                }
                struct test_build b;
                test_build_string(text, NULL, 0, &b);
                struct probe_result pr;
                uint64_t args[6] = {0};
                assert_int_equal(test_probe(b.blob, SYS_getpid, args, &pr), 0);
                assert_false(pr.killed);
                assert_false(pr.failed);
                assert_int_equal(test_probe(b.blob, SYS_getppid, args, &pr), 0);
                assert_false(pr.killed);
                assert_true(pr.failed);
                assert_int_equal(pr.err, EPERM);
                test_build_done(&b);
        }
}

static const char docker_base[] =
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
        " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
        "                \"subArchitectures\": [\"SCMP_ARCH_X32\"]}],"
        " \"syscalls\": ["
        "  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\","
        "   \"comment\": \"the basics\"},"
        "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
        "   \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}],"
        "   \"comment\": \"one persona\"},"
        "  {\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\","
        "   \"includes\": {\"arches\": [\"amd64\"]}, \"comment\": \"amd64 only\"}]}";

static json_t *parse(const char *s)
{
        json_error_t e;
        json_t *j = json_loads(s, 0, &e);
        assert_non_null(j);
        return j;
}

static void test_record_merge_keeps_docker_form(void **state)
{
        json_t *base = parse(docker_base);
        json_t *other = two_arch_profile(RECORD_FORMAT_OCI, NULL); /* exit getpid read write */
        char *error = NULL;
        assert_int_equal(record_merge(base, other, "run2.json", &error), 0);
        assert_null(error);
        /* The archMap is kept, x86 added to the native arch's entry. */
        assert_null(json_object_get(base, "architectures"));
        _cleanup_free_ char *map = json_dumps(json_object_get(base, "archMap"), JSON_COMPACT);
        assert_string_equal(map, "[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
                                 "[\"SCMP_ARCH_X32\",\"SCMP_ARCH_X86\"]}]");
        json_t *rules = json_object_get(base, "syscalls");
        assert_int_equal(json_array_size(rules), 3);
        /* The new names went into the unconditional rule, which stays sorted and keeps its
         * comment; the others are untouched. */
        json_t *r0 = json_array_get(rules, 0);
        _cleanup_free_ char *n0 = names_of(r0);
        assert_string_equal(n0, "[\"exit\",\"getpid\",\"read\",\"write\"]");
        assert_string_equal(json_string_value(json_object_get(r0, "comment")), "the basics");
        _cleanup_free_ char *n1 = names_of(json_array_get(rules, 1));
        assert_string_equal(n1, "[\"personality\"]");
        assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 2), "comment")),
                            "amd64 only");

        /* Merging the same again changes nothing. */
        _cleanup_free_ char *before = json_dumps(base, JSON_COMPACT);
        assert_int_equal(record_merge(base, other, "run2.json", &error), 0);
        _cleanup_free_ char *after = json_dumps(base, JSON_COMPACT);
        assert_string_equal(before, after);

        /* The merged profile still builds. */
        struct test_build b;
        test_build_string(after, NULL, 0, &b);
        test_build_done(&b);
        json_decref(base);
        json_decref(other);
}

static void test_record_merge_new_rule(void **state)
{
        /* No unconditional ALLOW rule in base: a new one, with a comment since base has
         * comments; what base already allows unconditionally is not repeated. */
        json_t *base = parse("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"architectures\": "
                             "[\"SCMP_ARCH_X86_64\"], \"syscalls\": ["
                             "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", "
                             "\"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}, \"comment\": \"c\"},"
                             "{\"names\": [\"uname\"], \"action\": \"SCMP_ACT_ALLOW\", "
                             "\"includes\": {\"arches\": [\"amd64\"]}}]}");
        json_t *other =
                parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
                      "{\"names\": [\"uname\", \"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                      "{\"name\": \"read\", \"action\": \"SCMP_ACT_ALLOW\","
                      " \"includes\": {\"arches\": [\"x86_64\"]}},"
                      "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
        char *error = NULL;
        assert_int_equal(record_merge(base, other, "b.json", &error), 0);
        json_t *rules = json_object_get(base, "syscalls");
        assert_int_equal(json_array_size(rules), 3);
        json_t *added = json_array_get(rules, 2);
        _cleanup_free_ char *n = names_of(added);
        assert_string_equal(n, "[\"getpid\",\"uname\"]");
        assert_string_equal(json_string_value(json_object_get(added, "comment")),
                            "merged from b.json");
        /* "read" for amd64 joins base's amd64 rule ("x86_64" names the same arch). */
        _cleanup_free_ char *n1 = names_of(json_array_get(rules, 1));
        assert_string_equal(n1, "[\"read\",\"uname\"]");
        assert_string_equal(json_string_value(json_object_get(base, "defaultAction")),
                            "SCMP_ACT_KILL_PROCESS");
        json_decref(base);
        json_decref(other);
}

static void merge_fails(const char *base_text, const char *other_text, const char *fragment)
{
        json_t *base = parse(base_text), *other = parse(other_text);
        _cleanup_free_ char *before = json_dumps(base, JSON_COMPACT);
        char *error = NULL;
        assert_int_equal(record_merge(base, other, "x.json", &error), -EINVAL);
        assert_non_null(error);
        if (!strstr(error, fragment))
                fail_msg("\"%s\" does not say \"%s\"", error, fragment);
        free(error);
        _cleanup_free_ char *after = json_dumps(base, JSON_COMPACT);
        assert_string_equal(before, after);
        json_decref(base);
        json_decref(other);
}

static void test_record_merge_invalid(void **state)
{
        const char *ok = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}";
        merge_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", ok, "not a deny");
        merge_fails(ok, "{\"defaultAction\": \"SCMP_ACT_LOG\"}", "x.json: defaultAction");
        merge_fails(ok, "[1]", "not a JSON object");
        merge_fails("{}", ok, "no \"defaultAction\"");
        merge_fails(ok, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
                    "not an array");
        merge_fails(ok,
                    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [1], "
                    "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                    "names[0] is not a string");
        merge_fails(ok, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"vax\"]}",
                    "architectures[0] is not an architecture");
}

static void test_record_write_profile(void **state)
{
        char dir[] = "/tmp/test-record-XXXXXX";
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *path = NULL;
        assert_true(asprintf(&path, "%s/p.json", dir) > 0);
        json_t *p = two_arch_profile(RECORD_FORMAT_DOCKER, NULL);
        assert_int_equal(record_write_profile(path, p), 0);
        char *data = NULL;
        size_t size = 0;
        assert_int_equal(read_file_capped(path, 1 << 20, &data, &size), 0);
        assert_true(size > 2 && data[size - 1] == '\n');
        json_error_t e;
        json_t *back = json_loads(data, 0, &e);
        assert_true(json_equal(back, p));
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        /* No directory there: nothing written, the error passed back. */
        _cleanup_free_ char *bad = NULL;
        assert_true(asprintf(&bad, "%s/missing/p.json", dir) > 0);
        assert_int_equal(record_write_profile(bad, p), -ENOENT);
        json_decref(back);
        json_decref(p);
        free(data);
        unlink(path);
        assert_int_equal(rmdir(dir), 0); /* no temporary file left */
}

/* record_notify_one() against the kernel: a child loads record_filter_insns with a listener,
 * which the parent takes with pidfd_getfd() (the child publishes its number by a store to
 * shared memory: no syscall); the parent answers until the filter has no task left. */
static void test_record_notify_one_kernel(void **state)
{
        _Atomic int *shared =
                mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        assert_true(shared != MAP_FAILED);
        atomic_store(shared, -1);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct sock_fprog prog = {.len = 1,
                                          .filter = (struct sock_filter *)record_filter_insns};
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(90);
                long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
                if (fd < 0)
                        _exit(91);
                atomic_store(shared, (int)fd);
                (void)getppid();
                (void)syscall(SYS_uname, NULL); /* EFAULT: CONTINUE runs the real call */
                _exit(getpid() > 0 ? 7 : 8);
        }
        int fd;
        while ((fd = atomic_load(shared)) < 0) {
                int st;
                assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
        }
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        assert_true(pidfd >= 0);
        int listener = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        assert_true(listener >= 0);
        close(pidfd);

        struct record_set s;
        record_set_init(&s);
        for (;;) {
                struct pollfd p = {.fd = listener, .events = POLLIN};
                assert_true(poll(&p, 1, 10000) == 1);
                if (p.revents & POLLIN) {
                        int r = record_notify_one(listener, &s);
                        assert_true(r == 0 || r == -ENOENT);
                } else if (p.revents & POLLHUP)
                        break;
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 7);
        assert_int_equal(s.n_arches, 1);
        assert_int_equal(s.arches[0].scmp_arch, SCMP_ARCH_X86_64);
        const int expect[] = {SYS_getppid, SYS_uname, SYS_getpid, SYS_exit_group};
        for (size_t i = 0; i < ELEMENTSOF(expect); i++)
                if (!has_bit(&s, 0, expect[i]))
                        fail_msg("syscall %d not recorded", expect[i]);
        assert_true(s.n_calls >= ELEMENTSOF(expect));
        assert_false(has_bit(&s, 0, SYS_getuid));
        close(listener);
        munmap(shared, sizeof(int));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_record_set_add_counts_and_dedups),
                cmocka_unit_test(test_record_set_add_x32),
                cmocka_unit_test(test_record_set_add_drops),
                cmocka_unit_test(test_record_runtime_tail),
                cmocka_unit_test(test_record_profile_docker),
                cmocka_unit_test(test_record_profile_oci),
                cmocka_unit_test(test_record_profile_validates_and_compiles),
                cmocka_unit_test(test_record_merge_keeps_docker_form),
                cmocka_unit_test(test_record_merge_new_rule),
                cmocka_unit_test(test_record_merge_invalid),
                cmocka_unit_test(test_record_write_profile),
                cmocka_unit_test(test_record_notify_one_kernel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
