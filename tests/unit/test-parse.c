/* SPDX-License-Identifier: Apache-2.0 */
/* The parser: the three layouts, nulls, exact uint64 values, located diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "export.h"
#include "test-util.h"

static int parse(const char *json, enum dialect d, bool strict, struct diag_list **ret_diags,
                 struct profile **ret)
{
        struct profile_parse_options o = {.dialect = d, .strict = strict};
        assert_int_equal(diag_list_new("t.json", ret_diags), 0);
        return profile_parse(json, strlen(json), &o, *ret_diags, ret);
}

static void test_parse_legacy_name_layout(void **state)
{
        static const char json[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\":"
                                   " [\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"name\": \"read\","
                                   " \"action\": \"SCMP_ACT_ALLOW\", \"args\": null}]}";
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), 0);
        assert_int_equal(p->n_rules, 1);
        assert_true(p->rules[0].legacy_name);
        assert_string_equal(p->rules[0].names[0], "read");
        assert_int_equal(p->rules[0].n_args, 0);
        assert_int_equal(d->n, 0);
        profile_free(p);
        diag_list_free(d);

        /* containerd drops "name": the rule would match nothing there. */
        assert_int_equal(parse(json, DIALECT_KUBERNETES_CONTAINERD, false, &d, &p), 0);
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/0/name", "matches no syscall"));
        profile_free(p);
        diag_list_free(d);
}

static void test_parse_u64_whole_range(void **state)
{
        static const char json[] =
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                " \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
                "{\"index\": 0, \"value\": 18446744073709551615, \"valueTwo\": 9223372036854775808,"
                " \"op\": \"SCMP_CMP_MASKED_EQ\"},"
                "{\"index\": 1, \"value\": 9223372036854775807, \"op\": \"SCMP_CMP_EQ\"}]}]}";
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), 0);
        assert_true(p->rules[0].args[0].value == UINT64_MAX);
        assert_true(p->rules[0].args[0].value_two == UINT64_C(9223372036854775808));
        assert_true(p->rules[0].args[1].value == INT64_MAX);
        /* The canonical form keeps the digits, not a marker or a double. */
        assert_non_null(strstr(p->canonical, "18446744073709551615"));
        assert_non_null(strstr(p->canonical, "9223372036854775808"));
        assert_null(strstr(p->canonical, "@u64"));

        /* And the OCI export writes them back exactly. */
        struct context c;
        struct resolved *r;
        char *oci;
        test_context_x86_64(&c);
        assert_int_equal(profile_resolve(p, &c, &r), 0);
        assert_int_equal(export_oci(r, &oci), 0);
        assert_non_null(strstr(oci, "\"value\": 18446744073709551615"));
        free(oci);
        resolved_free(r);
        profile_free(p);
        diag_list_free(d);
}

static void test_parse_u64_out_of_range(void **state)
{
        static const char *const bad[] = {
                "18446744073709551616",   "-1", "-9223372036854775809", "1.5", "1e3", "\"8\"",
                "99999999999999999999999"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *json;
                struct diag_list *d;
                struct profile *p = NULL;
                assert_true(asprintf(&json,
                                     "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
                                     " \"syscalls\": [{\"names\": [\"read\"],\n"
                                     "   \"action\": \"SCMP_ACT_ERRNO\",\n"
                                     "   \"args\": [{\"index\": 0, \"value\": %s, \"op\": "
                                     "\"SCMP_CMP_EQ\"}]}]}",
                                     bad[i]) > 0);
                assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), -EINVAL);
                assert_null(p);
                const struct diag *x =
                        diag_list_find(d, DIAG_ERROR, "/syscalls/0/args/0/value", NULL);
                if (!x) {
                        diag_list_print(d, stderr, DIAG_NOTE, false);
                        fail_msg("no error at the value for %s", bad[i]);
                }
                assert_int_equal(x->line, 4);
                assert_int_equal(x->column, 35);
                free(json);
                diag_list_free(d);
        }
}

static void test_parse_syntax_error_location(void **state)
{
        static const struct {
                const char *json;
                unsigned line, column;
        } cases[] = {
                /* missing comma between members: jansson stops at the second key */
                {"{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n  \"syscalls\": []\n}", 3, 12},
                /* trailing comma */
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [],\n}", 3, 1},
                /* unterminated string */
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\n}", 1, 33},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct diag_list *d;
                struct profile *p = NULL;
                assert_int_equal(parse(cases[i].json, DIALECT_DOCKER, false, &d, &p), -EINVAL);
                assert_int_equal(d->n, 1);
                if (d->items[0].line != cases[i].line || d->items[0].column != cases[i].column)
                        fail_msg("case %zu: %u:%u (%s), expected %u:%u", i, d->items[0].line,
                                 d->items[0].column, d->items[0].message, cases[i].line,
                                 cases[i].column);
                assert_non_null(strstr(d->items[0].message, "invalid JSON"));
                diag_list_free(d);
        }
}

static void test_parse_locates_nested_values(void **state)
{
        static const char json[] =
                "{\n"
                "\t\"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                "\t\"syscalls\": [\n"
                "\t\t{ \"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\" },\n"
                "\t\t{ \"names\": [\"write\"],\n"
                "\t\t  \"action\": \"SCMP_ACT_DENY\" }\n"
                "\t]\n"
                "}\n";
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), -EINVAL);
        const struct diag *x =
                diag_list_find(d, DIAG_ERROR, "/syscalls/1/action", "unknown action");
        assert_non_null(x);
        assert_int_equal(x->line, 6);
        assert_int_equal(x->column, 15); /* two tabs, two spaces: columns count characters */
        assert_non_null(x->hint);
        assert_non_null(strstr(x->hint, "SCMP_ACT_"));
        diag_list_free(d);
}

static void test_parse_nulls_and_empty_objects(void **state)
{
        static const char json[] =
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": null,"
                " \"archMap\": [{\"architecture\": \"SCMP_ARCH_RISCV64\", \"subArchitectures\":"
                " null}], \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\","
                " \"args\": null, \"includes\": {}, \"excludes\": {}, \"comment\": null}]}";
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), 0);
        assert_false(p->has_default_errno);
        assert_int_equal(p->arch_map[0].n_sub_arches, 0);
        assert_int_equal(d->counts[DIAG_WARNING], 0);
        profile_free(p);
        diag_list_free(d);
}

static void test_parse_unknown_key_warns_with_hint(void **state)
{
        static const char json[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sycalls\": []}";
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), 0);
        const struct diag *x = diag_list_find(d, DIAG_WARNING, "/sycalls", "unknown key");
        assert_non_null(x);
        assert_string_equal(x->hint, "did you mean \"syscalls\"?");
        profile_free(p);
        diag_list_free(d);
}

static void test_parse_errno_names_win(void **state)
{
        static const char json[] =
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"defaultErrno\":"
                " \"ENOSYS\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
                "\"SCMP_ACT_ERRNO\","
                " \"errnoRet\": 1, \"errno\": \"EINVAL\"}]}";
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(json, DIALECT_CRIO, false, &d, &p), 0);
        assert_int_equal(p->default_errno, 38);
        assert_int_equal(p->rules[0].errno_ret, 22);
        assert_int_equal(d->counts[DIAG_WARNING], 0);
        profile_free(p);
        diag_list_free(d);
        /* moby reads only the numbers, which differ here: say so. */
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), 0);
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/defaultErrno", "ignores errno names"));
        assert_non_null(diag_list_find(d, DIAG_WARNING, "/syscalls/0/errno", "ignores errno"));
        profile_free(p);
        diag_list_free(d);
}

static void test_parse_same_index_split_note(void **state)
{
        static const char json[] =
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"],"
                " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 40, \"op\":"
                " \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_EQ\"},"
                " {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}";
        struct diag_list *d;
        struct profile *p = NULL;
        struct context c;
        struct resolved *r;
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), 0);
        assert_non_null(diag_list_find(d, DIAG_NOTE, "/syscalls/0/args", "OR"));
        test_context_x86_64(&c);
        assert_int_equal(profile_resolve(p, &c, &r), 0);
        /* runc and crun: every condition becomes a rule of its own. */
        assert_int_equal(r->n_rules, 3);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(r->rules[i].n_args, 1);
        resolved_free(r);
        profile_free(p);
        diag_list_free(d);
}

static void test_parse_limits(void **state)
{
        /* 10,001 rules */
        size_t n = 10001;
        char *big = malloc(64 + n * 48), *q = big;
        q += sprintf(q, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [");
        for (size_t i = 0; i < n; i++)
                q += sprintf(q, "%s{\"names\":[\"read\"],\"action\":\"SCMP_ACT_LOG\"}",
                             i ? "," : "");
        strcpy(q, "]}");
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(big, DIALECT_DOCKER, false, &d, &p), -EINVAL);
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls", "too many rules"));
        diag_list_free(d);
        free(big);

        /* over the size limit */
        struct profile_parse_options o = {.max_size = 16};
        assert_int_equal(diag_list_new("t.json", &d), 0);
        assert_int_equal(profile_parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", 35, &o, d, &p),
                         -EINVAL);
        assert_non_null(diag_list_find(d, DIAG_ERROR, NULL, "more than the limit"));
        diag_list_free(d);
}

static void test_parse_dialect_mesos(void **state)
{
        static const char json[] =
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
                " \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 1,"
                " \"op\": \"SCMP_CMP_EQ\"}]}]}";
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(parse(json, DIALECT_DOCKER, false, &d, &p), 0);
        profile_free(p);
        diag_list_free(d);
        p = NULL;
        assert_int_equal(parse(json, DIALECT_MESOS, false, &d, &p), -EINVAL);
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/archMap", "requires"));
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/0/includes", "requires"));
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/0/excludes", "requires"));
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/0/args/0/valueTwo", "requires"));
        assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/0/action", "SCMP_ACT_LOG"));
        diag_list_free(d);
}

/* A profile written the Mesos way (tests/profiles/mesos.json) is valid in the mesos dialect;
 * corpus-profiles checks Mesos's own example. */
static void test_parse_mesos_profile_in_mesos_dialect(void **state)
{
        struct profile_parse_options o = {.dialect = DIALECT_MESOS};
        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(diag_list_new("mesos", &d), 0);
        assert_int_equal(profile_load_file(TEST_PROFILES_DIR "/mesos.json", &o, d, &p), 0);
        assert_false(diag_list_has_errors(d));
        profile_free(p);
        diag_list_free(d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_legacy_name_layout),
                cmocka_unit_test(test_parse_u64_whole_range),
                cmocka_unit_test(test_parse_u64_out_of_range),
                cmocka_unit_test(test_parse_syntax_error_location),
                cmocka_unit_test(test_parse_locates_nested_values),
                cmocka_unit_test(test_parse_nulls_and_empty_objects),
                cmocka_unit_test(test_parse_unknown_key_warns_with_hint),
                cmocka_unit_test(test_parse_errno_names_win),
                cmocka_unit_test(test_parse_same_index_split_note),
                cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_parse_dialect_mesos),
                cmocka_unit_test(test_parse_mesos_profile_in_mesos_dialect),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
