/* SPDX-License-Identifier: Apache-2.0 */
/* Data-driven: every file of tests/data/invalid must produce the error its line in EXPECTED
 * names (dialect, strictness, line:column, JSON pointer, message fragment). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "test-util.h"

#define INVALID_DIR TEST_DATA_DIR "/invalid"

static bool check_line(char *line, unsigned *count)
{
        char *fields[6] = {NULL};
        size_t n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, "\t", &save); t && n < 6; t = strtok_r(NULL, "\t", &save))
                fields[n++] = t;
        if (n != 6)
                fail_msg("EXPECTED: malformed line for %s", n ? fields[0] : "?");

        const char *file = fields[0], *pointer = fields[4], *fragment = fields[5];
        unsigned line_no, column;
        assert_int_equal(sscanf(fields[3], "%u:%u", &line_no, &column), 2);
        if (streq(pointer, "-") || streq(pointer, "(root)"))
                pointer = "";

        struct profile_parse_options o = {
                .dialect = dialect_from_string(fields[1]),
                .strict = streq(fields[2], "1"),
        };
        assert_true(o.dialect >= 0);
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", INVALID_DIR, file);

        struct diag_list *d;
        struct profile *p = NULL;
        assert_int_equal(diag_list_new(file, &d), 0);
        int r = profile_load_file(path, &o, d, &p);
        if (r != -EINVAL) {
                diag_list_print(d, stderr, DIAG_NOTE, false);
                print_error("%s: expected invalid, got %d\n", file, r);
                profile_free(p);
                diag_list_free(d);
                return false;
        }
        bool found = false;
        for (size_t i = 0; i < d->n && !found; i++) {
                const struct diag *x = &d->items[i];
                found = x->severity == DIAG_ERROR && streq(x->pointer, pointer) &&
                        strstr(x->message, fragment) && x->line == line_no && x->column == column;
        }
        if (!found) {
                diag_list_print(d, stderr, DIAG_NOTE, false);
                print_error("%s: no error at %u:%u %s containing \"%s\"\n", file, line_no, column,
                            pointer, fragment);
                diag_list_free(d);
                return false;
        }
        /* Outside its dialect/strictness an error that is specific to them must vanish. */
        if (o.strict || o.dialect != DIALECT_DEFAULT) {
                struct diag_list *d2;
                struct profile_parse_options plain = {.dialect = DIALECT_DEFAULT};
                assert_int_equal(diag_list_new(file, &d2), 0);
                r = profile_load_file(path, &plain, d2, &p);
                if (r != 0) {
                        print_error("%s: should be valid outside dialect %s%s\n", file, fields[1],
                                    o.strict ? " --strict" : "");
                        diag_list_free(d2);
                        diag_list_free(d);
                        return false;
                }
                profile_free(TAKE_PTR(p));
                diag_list_free(d2);
        }
        diag_list_free(d);
        (*count)++;
        return true;
}

static void test_invalid_each_file_gives_its_error(void **state)
{
        FILE *f = fopen(INVALID_DIR "/EXPECTED", "re");
        char *line = NULL;
        size_t cap = 0;
        unsigned count = 0, failed = 0;
        assert_non_null(f);
        while (getline(&line, &cap, f) > 0) {
                line[strcspn(line, "\n")] = 0;
                if (!line[0] || line[0] == '#')
                        continue;
                failed += !check_line(line, &count);
        }
        free(line);
        fclose(f);
        if (failed)
                fail_msg("%u of %u invalid profiles did not give their error", failed,
                         count + failed);
        assert_true(count >= 40);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_invalid_each_file_gives_its_error),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
