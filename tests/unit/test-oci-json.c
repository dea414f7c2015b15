/* SPDX-License-Identifier: Apache-2.0 */
/* seccompd-oci's in-place JSON reader (oci/oci-json.h), which reads linux.seccomp instead of
 * jansson: every text jansson takes and every text it refuses, the same verdict (but NUL
 * escapes, which jansson refuses without JSON_ALLOW_NUL and seccompd's parser refuses in turn);
 * the structure read the same way as jansson reads it; the section written compact as jansson
 * writes it. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oci-json.h"

static bool scans(const char *t)
{
        struct oci_json_span v;
        size_t i = 0, n = strlen(t);
        if (oci_json_value(t, n, &i, &v) < 0)
                return false;
        while (i < n && strchr(" \t\r\n", t[i]))
                i++;
        return i == n;
}

static bool jansson_takes(const char *t)
{
        json_t *j = json_loadb(t, strlen(t), JSON_DECODE_ANY, NULL);
        json_decref(j);
        return j != NULL;
}

static void test_oci_json_grammar(void **state)
{
        static const char *const texts[] = {"{}",
                                            "[]",
                                            "0",
                                            "-0",
                                            "1.5e+3",
                                            "-12.25E-2",
                                            "true",
                                            "false",
                                            "null",
                                            "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
                                            "\"\\u00e9\\uD83D\\uDE00\"",
                                            "\"h\xc3\xa9\"",
                                            "\"\xe2\x98\x83\"",
                                            "\"\xf0\x9f\x98\x80\"",
                                            " { \"a\" : [ 1 , { \"b\" : null } ] } ",
                                            "[1,]",
                                            "{\"a\":1,}",
                                            "{\"a\" 1}",
                                            "{1:2}",
                                            "[1 2]",
                                            "01",
                                            "1.",
                                            ".5",
                                            "1e",
                                            "-",
                                            "+1",
                                            "tru",
                                            "nul",
                                            "\"abc",
                                            "\"a\x01\"",
                                            "\"\\x\"",
                                            "\"\\u12\"",
                                            "\"\\uDE00\"",
                                            "\"\\uD83Dx\"",
                                            "\"\xff\"",
                                            "\"\xc0\xaf\"",
                                            "\"\xed\xa0\x80\"",
                                            "\"\xf4\x90\x80\x80\"",
                                            "\"\xe2\x98\"",
                                            "[",
                                            "{",
                                            "]",
                                            "",
                                            "   ",
                                            "[1]]",
                                            "{\"a\":1}}",
                                            "NaN",
                                            "[-]",
                                            "\"\\u0041\"",
                                            "[[[[[[[[[[1]]]]]]]]]]"};
        for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
                bool a = scans(texts[i]), b = jansson_takes(texts[i]);
                if (a != b)
                        fail_msg("'%s': oci-json %s, jansson %s", texts[i], a ? "takes" : "refuses",
                                 b ? "takes" : "refuses");
        }
        /* Nesting is bounded: never a stack overflow on a hostile section. */
        char deep[4 * OCI_JSON_DEPTH_MAX + 8];
        size_t k = 0;
        for (unsigned d = 0; d < OCI_JSON_DEPTH_MAX + 1; d++)
                deep[k++] = '[';
        for (unsigned d = 0; d < OCI_JSON_DEPTH_MAX + 1; d++)
                deep[k++] = ']';
        deep[k] = 0;
        assert_false(scans(deep));
        /* NUL escapes: taken here, refused by jansson and by seccompd's parser after it. */
        assert_true(scans("\"a\\u0000\""));
}

static void test_oci_json_structure(void **state)
{
        static const char t[] =
                "{ \"ociVersion\": \"1.0.0\", \"process\": {\"args\": [\"a\", \"}{\\\"\"]},\n"
                "  \"linux\": { \"seccomp\": { \"defaultAction\" : \"SCMP_ACT_ERRNO\",\n"
                "     \"syscalls\": [ {\"names\": [\"a\", \"b\\\\\"], \"action\": \"SCMP_ACT_"
                "\\u0041LLOW\"} ] },\n"
                "  \"x\": [ 1, 2.5, {\"seccomp\": 1} ] } }";
        static const char *const path[] = {"linux", "seccomp", NULL};
        struct oci_json_span s, v, k, rule;
        size_t i = 0, n;

        assert_int_equal(oci_json_find(t, strlen(t), path, &s), 1);
        assert_true(oci_json_is_object(s));
        assert_int_equal(oci_json_value(s.p, s.n, &i, &v), 0);
        assert_int_equal(v.n, s.n);
        assert_true(oci_json_get(s, "defaultAction", &v));
        assert_true(oci_json_string_is(v, "SCMP_ACT_ERRNO"));
        assert_false(oci_json_string_is(v, "SCMP_ACT_ERRN"));
        assert_true(oci_json_get(s, "syscalls", &v));
        i = 0;
        assert_int_equal(oci_json_element(v, &i, &rule), 1);
        assert_int_equal(oci_json_element(v, &i, &k), 0);
        assert_true(oci_json_get(rule, "action", &v));
        assert_true(oci_json_string_is(v, "SCMP_ACT_ALLOW")); /* \u0041 decoded */
        assert_false(oci_json_get(rule, "args", &v));

        /* Compact as jansson writes it, for the same bytes (and digest) as before. */
        char *c = oci_json_compact(s, &n);
        json_t *j = json_loadb(s.p, s.n, 0, NULL);
        char *d = json_dumps(j, JSON_COMPACT);
        assert_non_null(c);
        assert_string_equal(
                c,
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"a\",\"b\\\\\"],"
                "\"action\":\"SCMP_ACT_\\u0041LLOW\"}]}");
        assert_int_equal(n, strlen(c));
        /* jansson decodes \u0041; for every section without such escapes the bytes agree. */
        assert_string_equal(d, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
                               "[\"a\",\"b\\\\\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        free(c);
        free(d);
        json_decref(j);

        /* Not there: a seccomp key elsewhere is not linux.seccomp. */
        static const char u[] = "{\"x\": {\"seccomp\": 1}, \"linux\": {\"s\": 2}}";
        assert_int_equal(oci_json_find(u, strlen(u), path, &s), 0);
        /* Duplicates: the last one, as crun's parser takes it (jansson refuses the whole). */
        static const char w[] = "{\"linux\": {\"seccomp\": 1, \"seccomp\": [2]}}";
        assert_int_equal(oci_json_find(w, strlen(w), path, &s), 1);
        assert_true(oci_json_is_array(s));
        /* Broken texts end within their bounds. */
        static const char *const broken[] = {"{\"linux\": {\"seccomp\": \"abc",
                                             "{\"linux\": {\"seccomp\": [1, 2",
                                             "{\"linux\" {\"seccomp\": 1}}",
                                             "{\"linux\": ",
                                             "{\"a\\",
                                             "\"",
                                             "{"};
        for (size_t b = 0; b < sizeof(broken) / sizeof(broken[0]); b++) {
                size_t len = strlen(broken[b]);
                if (oci_json_find(broken[b], len, path, &s) > 0)
                        assert_true(s.p >= broken[b] && s.p + s.n <= broken[b] + len);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_oci_json_grammar),
                cmocka_unit_test(test_oci_json_structure),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
