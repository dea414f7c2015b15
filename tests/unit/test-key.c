/* SPDX-License-Identifier: Apache-2.0 */
/* The blob key changes with any field, option or context, and only with those. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test-util.h"

static const char base[] =
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
        " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
        "[\"SCMP_ARCH_X86\"]}],"
        " \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
        "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
        "   \"args\": [{\"index\": 0, \"value\": 8, \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"}],"
        "   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}, \"comment\": \"c\"}]}";

static void key_of(const char *json, const struct context *ctx, int optimize,
                   char ret[SHA256_HEX_SIZE])
{
        struct test_build b;
        test_build_string(json, ctx, optimize, &b);
        memcpy(ret, b.blob->key, SHA256_HEX_SIZE);
        /* The key is what compile_blob_key computes from the same inputs. */
        char again[SHA256_HEX_SIZE];
        struct compile_options o = {.optimize = optimize};
        assert_int_equal(compile_blob_key(b.resolved, &o, again), 0);
        assert_string_equal(ret, again);
        test_build_done(&b);
}

/* Replaces the first occurrence of `from` by `to` in `base`. */
static char *edit(const char *from, const char *to)
{
        const char *at = strstr(base, from);
        char *r;
        assert_non_null(at);
        assert_true(asprintf(&r, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from)) > 0);
        return r;
}

static void test_key_changes_with_every_field(void **state)
{
        static const struct {
                const char *from, *to;
        } edits[] = {
                {"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"},
                {"\"defaultErrnoRet\": 1", "\"defaultErrnoRet\": 1, \"x-unknown\": 0"},
                {"\"defaultErrnoRet\": 1", "\"defaultErrnoRet\": 2"},
                {"\"SCMP_ARCH_X86\"]", "\"SCMP_ARCH_X32\"]"},
                {"\"read\"", "\"pread64\""},
                {"\"write\"]", "\"write\", \"close\"]"},
                {"\"value\": 8", "\"value\": 9"},
                {"\"valueTwo\": 0", "\"valueTwo\": 1"},
                {"SCMP_CMP_EQ", "SCMP_CMP_NE"},
                {"\"index\": 0", "\"index\": 1"},
                {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"},
                {"\"comment\": \"c\"", "\"comment\": \"d\""},
                {"SCMP_ACT_ALLOW\"}", "SCMP_ACT_LOG\"}"},
        };
        char k0[SHA256_HEX_SIZE], k[SHA256_HEX_SIZE];
        key_of(base, NULL, -1, k0);
        for (size_t i = 0; i < ELEMENTSOF(edits); i++) {
                char *j = edit(edits[i].from, edits[i].to);
                key_of(j, NULL, -1, k);
                if (streq(k, k0))
                        fail_msg("edit %zu (%s -> %s) kept the key", i, edits[i].from, edits[i].to);
                free(j);
        }
}

static void test_key_changes_with_options_and_context(void **state)
{
        char k0[SHA256_HEX_SIZE], k[SHA256_HEX_SIZE];
        struct context c;
        key_of(base, NULL, 0, k0);

        key_of(base, NULL, 2, k);
        assert_string_not_equal(k, k0);

        test_context_x86_64(&c);
        assert_int_equal(context_set_arch(&c, "aarch64"), 0);
        key_of(base, &c, 0, k);
        assert_string_not_equal(k, k0);

        test_context_x86_64(&c);
        assert_int_equal(context_set_caps(&c, "+CAP_SYS_ADMIN", NULL), 0);
        key_of(base, &c, 0, k);
        assert_string_not_equal(k, k0);

        test_context_x86_64(&c);
        assert_int_equal(context_set_kernel(&c, "5.4"), 0);
        key_of(base, &c, 0, k);
        assert_string_not_equal(k, k0);

        /* The same context spelled differently is the same context. */
        test_context_x86_64(&c);
        assert_int_equal(context_set_arch(&c, "SCMP_ARCH_X86_64"), 0);
        key_of(base, &c, 0, k);
        assert_string_equal(k, k0);
        assert_int_equal(context_set_arch(&c, "amd64"), 0);
        assert_int_equal(context_set_caps(&c,
                                          "CAP_AUDIT_WRITE,CAP_KILL,CAP_SYS_CHROOT,"
                                          "CAP_NET_BIND_SERVICE,CAP_SETPCAP,CAP_SETFCAP,"
                                          "CAP_NET_RAW,CAP_MKNOD,CAP_SETUID,CAP_SETGID,"
                                          "CAP_FOWNER,CAP_FSETID,CAP_DAC_OVERRIDE,CAP_CHOWN",
                                          NULL),
                         0);
        key_of(base, &c, 0, k);
        assert_string_equal(k, k0);
}

static void test_key_ignores_whitespace_and_key_order(void **state)
{
        static const char reformatted[] =
                "{\n\t\"syscalls\" : [\n"
                "\t\t{ \"action\": \"SCMP_ACT_ALLOW\", \"names\": [ \"read\", \"write\" ] },\n"
                "\t\t{ \"comment\": \"c\", \"includes\": { \"caps\": [ \"CAP_SYS_ADMIN\" ] },\n"
                "\t\t  \"args\": [ { \"op\": \"SCMP_CMP_EQ\", \"valueTwo\": 0, \"value\": 8,"
                " \"index\": 0 } ],\n"
                "\t\t  \"action\": \"SCMP_ACT_ALLOW\", \"names\": [\"personality\"] }\n\t],\n"
                "  \"archMap\":[{\"subArchitectures\":[\"SCMP_ARCH_X86\"],"
                "\"architecture\":\"SCMP_ARCH_X86_64\"}],\n"
                "  \"defaultErrnoRet\":1,   \"defaultAction\":\"SCMP_ACT_ERRNO\"\n}\n\n";
        char k0[SHA256_HEX_SIZE], k[SHA256_HEX_SIZE];
        key_of(base, NULL, -1, k0);
        key_of(reformatted, NULL, -1, k);
        assert_string_equal(k, k0);
}

static void test_key_big_integers_are_exact(void **state)
{
        /* Two values that a double (or an int64) cannot tell apart must give two keys. */
        static const char a[] =
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\":"
                " [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\":"
                " 0, \"value\": 18446744073709551614, \"op\": \"SCMP_CMP_EQ\"}]}]}";
        char *b = strdup(a);
        assert_non_null(b);
        *strstr(b, "551614") = 0;
        char *b2;
        assert_true(asprintf(&b2, "%s551615%s", b, strstr(a, "551614") + 6) > 0);
        char ka[SHA256_HEX_SIZE], kb[SHA256_HEX_SIZE];
        key_of(a, NULL, -1, ka);
        key_of(b2, NULL, -1, kb);
        assert_string_not_equal(ka, kb);
        free(b);
        free(b2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_key_changes_with_every_field),
                cmocka_unit_test(test_key_changes_with_options_and_context),
                cmocka_unit_test(test_key_ignores_whitespace_and_key_order),
                cmocka_unit_test(test_key_big_integers_are_exact),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
