/* SPDX-License-Identifier: Apache-2.0 */
/* The denial pipeline without the kernel: the AUDIT_SECCOMP record parser (record texts as
 * this machine's kernel wrote them, and malformed ones), the naming of the deciding rule from
 * an audit verdict, and the ring (bound, collapsing, filters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "audit.h"
#include "denials.h"
#include "resolve.h"
#include "test-util.h"

/* Written by kernel 6.18 here (a KILL_THREAD, a LOG and an ERRNO with SECCOMP_FILTER_FLAG_LOG). */
static const char kill_record[] =
        "audit(1796244890.650:714): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=27973 "
        "comm=\"mkdir\" exe=\"/usr/bin/busybox\" sig=31 arch=c000003e syscall=83 compat=0 "
        "ip=0x47b567 code=0x0";
static const char log_record[] =
        "audit(1796244891.050:725): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=5204 "
        "comm=\"busybox\" exe=\"/usr/bin/busybox\" sig=0 arch=c000003e syscall=110 compat=0 "
        "ip=0x4a6a17 code=0x7ffc0000";
static const char errno_record[] =
        "audit(1796244891.082:727): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=5205 "
        "comm=\"busybox\" exe=\"/usr/bin/busybox\" sig=0 arch=c000003e syscall=84 compat=0 "
        "ip=0x4a6a17 code=0x50000";

static void test_parse_real(void **state)
{
        struct audit_seccomp a;
        assert_int_equal(audit_parse_seccomp(kill_record, strlen(kill_record), &a), 0);
        assert_int_equal(a.time_ms, 1796244890650ull);
        assert_int_equal(a.serial, 714);
        assert_int_equal(a.pid, 27973);
        assert_string_equal(a.comm, "mkdir");
        assert_string_equal(a.exe, "/usr/bin/busybox");
        assert_int_equal(a.arch, AUDIT_ARCH_X86_64);
        assert_int_equal(a.syscall, 83);
        assert_false(a.compat);
        assert_int_equal(a.code, SECCOMP_RET_KILL_THREAD);

        assert_int_equal(audit_parse_seccomp(log_record, strlen(log_record), &a), 0);
        assert_int_equal(a.code, SECCOMP_RET_LOG);
        assert_int_equal(a.syscall, 110);
        assert_int_equal(audit_parse_seccomp(errno_record, strlen(errno_record), &a), 0);
        assert_int_equal(a.code, SECCOMP_RET_ERRNO);

        /* A comm with a space is written in hex; an x86 call under x86_64 is compat. */
        static const char hex[] = "audit(1.5:9): pid=7 comm=6D7920636F6D6D exe=\"/x\" "
                                  "arch=40000003 syscall=39 compat=1 code=0x80000000";
        assert_int_equal(audit_parse_seccomp(hex, strlen(hex), &a), 0);
        assert_string_equal(a.comm, "my comm");
        assert_int_equal(a.arch, AUDIT_ARCH_I386);
        assert_true(a.compat);
        assert_int_equal(a.code, SECCOMP_RET_KILL_PROCESS);
        assert_int_equal(a.time_ms, 1005);

        /* Not NUL-terminated: only `len` bytes are read. */
        char buf[sizeof(kill_record) + 8];
        memcpy(buf, kill_record, strlen(kill_record));
        memcpy(buf + strlen(kill_record), "1234567", 8);
        assert_int_equal(audit_parse_seccomp(buf, strlen(kill_record), &a), 0);
        assert_int_equal(a.code, 0);
}

static void test_parse_malformed(void **state)
{
        static const char *const bad[] = {
                "",
                "audit(",
                "audit(1796244890.650:714)",
                "pid=1 arch=c000003e syscall=83 code=0x0",                    /* no header */
                "audit(x.650:714): pid=1 arch=c000003e syscall=83 code=0x0",  /* time */
                "audit(1.650:714): arch=c000003e syscall=83 code=0x0",        /* no pid */
                "audit(1.650:714): pid=1 syscall=83 code=0x0",                /* no arch */
                "audit(1.650:714): pid=1 arch=c000003e code=0x0",             /* no syscall */
                "audit(1.650:714): pid=1 arch=c000003e syscall=83",           /* no code */
                "audit(1.650:714): pid=-1 arch=c000003e syscall=83 code=0x0", /* negative */
                "audit(1.650:714): pid=1 arch=zz syscall=83 code=0x0",        /* not hex */
                "audit(1.650:714): pid=1 arch=c000003e syscall=83x code=0x0", /* junk */
                "audit(1.650:714): pid=1 arch=1c000003e syscall=83 code=0x0", /* > 32 bits */
                "audit(1.650:714): pid=1 arch=c000003e syscall=83 code=0x100000000",
                "audit(1.650:714): ppid=1 arch=c000003e syscall=83 code=0x0", /* ppid != pid */
                "audit(1.650:714): pid=99999999999 arch=c000003e syscall=83 code=0x0",
        };
        struct audit_seccomp a;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                print_message("malformed %zu: %s\n", i, bad[i]);
                assert_int_equal(audit_parse_seccomp(bad[i], strlen(bad[i]), &a), -EBADMSG);
        }
        /* Cut short: the same record without its last bytes has no code. */
        assert_int_equal(audit_parse_seccomp(kill_record, strlen(kill_record) - 9, &a), -EBADMSG);
}

static const char profile[] =
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": ["
        /* 0 */ "{\"names\": [\"read\", \"write\", \"getppid\"], \"action\": \"SCMP_ACT_ALLOW\"},"
        /* 1 */ "{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_KILL\"},"
        /* 2 */ "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_LOG\"},"
        /* 3 */ "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
        "[{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
        /* 4 */ "{\"names\": [\"rmdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
        /* 5 */ "{\"names\": [\"rmdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, "
        "\"args\": [{\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
        /* 6 */ "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_KILL\", \"args\": "
        "[{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}]},"
        /* 7 */ "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_KILL\", \"args\": "
        "[{\"index\": 0, \"value\": 17, \"op\": \"SCMP_CMP_EQ\"}]}"
        "]}";

static const char *named(const struct resolved *r, const char *syscall, uint32_t ret,
                         bool data_known)
{
        static char buf[256];
        struct rule_verdict v;
        resolved_name_rule(r, syscall, ret, data_known, &v);
        rule_verdict_to_string(&v, buf, sizeof(buf));
        return buf;
}

static void test_rule_naming(void **state)
{
        struct test_build b;
        test_build_string(profile, NULL, -1, &b);
        const struct resolved *r = b.resolved;

        /* One rule without conditions. */
        assert_string_equal(named(r, "mkdir", SECCOMP_RET_KILL_THREAD, false), "/syscalls/1");
        assert_string_equal(named(r, "mkdirat", SECCOMP_RET_KILL_THREAD, false), "/syscalls/1");
        assert_string_equal(named(r, "getpid", SECCOMP_RET_LOG, false), "/syscalls/2");
        /* No rule: the default, which matches (ERRNO: the audit record has no errno). */
        assert_string_equal(named(r, "chroot", SECCOMP_RET_ERRNO, false), "defaultAction");
        assert_string_equal(named(r, "chroot", SECCOMP_RET_ERRNO | 1, true), "defaultAction");
        /* A verdict nothing in the profile gives: said, never guessed. */
        assert_string_equal(named(r, "chroot", SECCOMP_RET_KILL_THREAD, false), "none");
        assert_string_equal(named(r, "chroot", SECCOMP_RET_ERRNO | 5, true), "none");
        assert_string_equal(named(r, "mkdir", SECCOMP_RET_ERRNO, false), "none");
        /* An allowed-with-condition call denied: only the default can have decided. */
        assert_string_equal(named(r, "personality", SECCOMP_RET_ERRNO, false), "defaultAction");
        /* Several rules of the same verdict, one with an argument condition: candidates,
         * and not the default (rule 4 has no condition: it always decides first). */
        assert_string_equal(named(r, "rmdir", SECCOMP_RET_ERRNO, false), "/syscalls/4|/syscalls/5");
        /* Both with conditions: either, or the default when neither holds... which is ERRNO,
         * not KILL: so the candidates alone. */
        assert_string_equal(named(r, "socket", SECCOMP_RET_KILL_THREAD, false),
                            "/syscalls/6|/syscalls/7");
        assert_string_equal(named(r, "socket", SECCOMP_RET_ERRNO, false), "defaultAction");
        /* With the errno known (a filter's return value), a different errno is not rule 4. */
        assert_string_equal(named(r, "rmdir", SECCOMP_RET_ERRNO | 13, true),
                            "/syscalls/4|/syscalls/5");
        assert_string_equal(named(r, "rmdir", SECCOMP_RET_ERRNO | 1, true), "none");

        /* The same rule found by ctl_deciding_rule()'s action_from_ret(). */
        uint32_t data;
        assert_int_equal(action_from_ret(SECCOMP_RET_ERRNO | 13, &data), ACTION_ERRNO);
        assert_int_equal(data, 13);
        assert_int_equal(action_from_ret(SECCOMP_RET_KILL_PROCESS, &data), ACTION_KILL_PROCESS);
        assert_int_equal(action_from_ret(SECCOMP_RET_USER_NOTIF, &data), ACTION_NOTIFY);
        test_build_done(&b);
}

static void test_context_round_trip(void **state)
{
        struct context c, back;
        _cleanup_free_ char *s = NULL, *t = NULL;
        test_context_x86_64(&c);
        assert_int_equal(context_to_string(&c, &s), 0);
        assert_int_equal(context_from_string(s, &back), 0);
        assert_int_equal(context_to_string(&back, &t), 0);
        assert_string_equal(s, t);
        assert_int_equal(context_from_string("arch=nope caps=none kernel=6.1", &back), -EINVAL);
        assert_int_equal(context_from_string("arch=x86_64 caps=CAP_NOPE kernel=6.1", &back),
                         -EINVAL);
}

static struct audit_seccomp record(pid_t pid, int nr, uint32_t code, uint64_t ms)
{
        return (struct audit_seccomp){
                .time_ms = ms, .pid = pid, .arch = AUDIT_ARCH_X86_64, .syscall = nr, .code = code};
}

static int attribute_even(void *userdata, pid_t pid, struct denial_attribution *ret)
{
        if (pid % 2)
                return -ESRCH;
        snprintf(ret->container_id, sizeof(ret->container_id), "c%d", (int)pid);
        snprintf(ret->blob_key, sizeof(ret->blob_key), "%064d", 7);
        return 1;
}

static int rule_of(void *userdata, const char *key, const char *syscall, uint32_t code,
                   char *profile_name, size_t ps, char *rule, size_t rs, int *ret_errno)
{
        (*(unsigned *)userdata)++;
        snprintf(profile_name, ps, "t/p.json");
        snprintf(rule, rs, "/syscalls/1");
        *ret_errno = -1;
        return 0;
}

static void test_ring(void **state)
{
        struct denials *d;
        unsigned rule_calls = 0;
        assert_int_equal(denials_new(&d), 0);
        denials_set_hooks(d, attribute_even, rule_of, &rule_calls);

        /* 10,000 identical denials within a second: one entry, counted. */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (unsigned i = 0; i < 10000; i++) {
                struct audit_seccomp a = record(2, 83, SECCOMP_RET_KILL_THREAD, 1000 + i / 20);
                denials_add(d, &a, 0);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        print_message("per record, collapsed: %.0f ns\n",
                      ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 10000);
        uint64_t last;
        json_t *j = denials_to_json(d, &(struct denial_filter){0}, &last);
        assert_int_equal(json_array_size(j), 1);
        json_t *e = json_array_get(j, 0);
        assert_int_equal(json_integer_value(json_object_get(e, "count")), 10000);
        assert_string_equal(json_string_value(json_object_get(e, "syscall")), "mkdir");
        assert_string_equal(json_string_value(json_object_get(e, "action")), "KILL_THREAD");
        assert_string_equal(json_string_value(json_object_get(e, "container")), "c2");
        assert_string_equal(json_string_value(json_object_get(e, "profile")), "t/p.json");
        assert_string_equal(json_string_value(json_object_get(e, "rule")), "/syscalls/1");
        assert_true(json_is_null(json_object_get(e, "unattributed")));
        json_decref(j);
        assert_int_equal(rule_calls, 1);

        /* A second later: a new entry. The rule is cached per (key, arch, syscall, code). */
        struct audit_seccomp a = record(2, 83, SECCOMP_RET_KILL_THREAD, 2100);
        denials_add(d, &a, 0);
        assert_int_equal(rule_calls, 1);

        /* 3,000 distinct ones: the ring keeps the newest DENIALS_RING. (Each new entry
         * looks at /proc/PID: that is most of its cost.) */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (unsigned i = 0; i < 3000; i++) {
                a = record((pid_t)(1001 + 2 * i), 84, SECCOMP_RET_ERRNO, 3000);
                denials_add(d, &a, 0);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        print_message("per record, new entry: %.0f ns\n",
                      ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 3000);
        j = denials_to_json(d, &(struct denial_filter){0}, &last);
        assert_int_equal(json_array_size(j), DENIALS_RING);
        assert_int_equal(last, 3002);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "seq")),
                         3002 - DENIALS_RING + 1);
        e = json_array_get(j, DENIALS_RING - 1);
        assert_string_equal(json_string_value(json_object_get(e, "unattributed")),
                            "process gone before it could be identified");
        assert_string_equal(json_string_value(json_object_get(e, "action")), "ERRNO");
        assert_string_equal(json_string_value(json_object_get(e, "syscall")), "rmdir");
        json_decref(j);

        /* Filters: syscall, container, since. */
        j = denials_to_json(d, &(struct denial_filter){.syscall = "mkdir"}, &last);
        assert_int_equal(json_array_size(j), 0); /* dropped from the ring */
        json_decref(j);
        j = denials_to_json(d, &(struct denial_filter){.since = 3000}, &last);
        assert_int_equal(json_array_size(j), 2);
        json_decref(j);

        struct denials_stats st;
        denials_stats(d, &st);
        assert_int_equal(st.records, 10000 + 1 + 3000);
        assert_int_equal(st.unattributed, 3000);

        /* The series stay bounded: 3,000 distinct syscalls of one profile. */
        for (int nr = 0; nr < 3000; nr++) {
                a = record(4, nr % 450, SECCOMP_RET_LOG, 5000 + (uint64_t)nr * 2000);
                denials_add(d, &a, 0);
        }
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        denials_render_metrics(d, f);
        fclose(f);
        unsigned series = 0;
        for (char *p = text; (p = strstr(p, "\nseccompd_denials_total{")); p++)
                series++;
        assert_true(series <= DENIALS_SERIES);
        assert_non_null(strstr(text, "syscall=\"other\""));
        free(text);
        denials_free(d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_real),  cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_rule_naming), cmocka_unit_test(test_context_round_trip),
                cmocka_unit_test(test_ring),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
