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

/* The repository's own profiles, every one of them: tests/profiles (one per quirk the suite
 * relies on) and the shipped profiles/. The third-party corpus is proven by corpus-kernel. */
static void test_kernel_repo_profiles_match_simulator(void **state)
{
        char **files = NULL;
        size_t n = 0;
        if (!test_is_root())
                skip();
        test_list_profiles(TEST_PROFILES_DIR, &files, &n);
        test_list_profiles(PROFILES_SOURCE_DIR, &files, &n);
        assert_true(n >= 14);
        unsigned total_denied = 0;
        for (size_t i = 0; i < n; i++) {
                struct test_build b;
                for (int opt = 0; opt <= 2; opt += 2) {
                        test_build_file(files[i], NULL, opt, &b);
                        total_denied += test_prove_blob(files[i], b.blob);
                        test_build_done(&b);
                }
        }
        /* The probes must hit denials, or the comparison proves nothing. */
        assert_true(total_denied > 100);
        test_strv_free(files);
}

/* Unusual errnos make a hit impossible to confuse with a natural failure: these run without
 * privileges too (no_new_privs is enough to load a filter). */
static void test_kernel_unusual_errnos(void **state)
{
        static const char json[] =
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 77},"
                "{\"names\": [\"mkdir\", \"chmod\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
                "91},"
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
                unsigned denied = test_prove_blob("unusual-errnos", b.blob);
                /* getppid, mkdir, chmod, personality(8), socket(40), socket(38), uname, getcwd */
                assert_int_equal(denied, 8);
                test_build_done(&b);
        }
}

/* 4094 is the largest errno libseccomp, so every consumer, accepts (4095 and above make the
 * profile invalid, test-quirks): it reaches the process unchanged. */
static void test_kernel_largest_errno(void **state)
{
        static const char json[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                                   "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\","
                                   " \"errnoRet\": 4094}]}";
        struct test_build b;
        struct probe_result r;
        uint64_t args[6] = {0};
        test_build_string(json, NULL, 0, &b);
        assert_int_equal(test_probe(b.blob, SYS_getppid, args, &r), 0);
        assert_true(r.failed);
        assert_int_equal(r.err, 4094);
        test_build_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kernel_unusual_errnos),
                cmocka_unit_test(test_kernel_largest_errno),
                cmocka_unit_test(test_kernel_repo_profiles_match_simulator),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
