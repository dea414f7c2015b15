/* SPDX-License-Identifier: Apache-2.0 */

/*
 * libFuzzer harness for the profile parser: profile_parse() under every dialect and both
 * strictness levels, the JSON source scanner on its own (locations, integer markers), and the
 * diagnostics it produces. Beyond crashes, leaks and UB it checks:
 *   - the contract of profile_parse(): 0 with a profile and no error, -EINVAL with at least
 *     one error diagnostic, never a profile on failure;
 *   - the canonical form is a fixed point: parsing it again succeeds and gives it back
 *     (it is part of the blob key, so it must not depend on layout);
 *   - json_source_unmark() undoes the scanner's integer markers.
 *
 * Control byte (see fuzz-util.h): dialect = c % _DIALECT_MAX, strict = (c / _DIALECT_MAX) & 1,
 * and one value in eight of the rest sets a size limit below the input's size.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-util.h"
#include "jsonsrc.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise_json_source(const char *text, size_t size)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(json_source_freep) struct json_source *src = NULL;
        unsigned line, column;

        if (diag_list_new(NULL, &diags) < 0)
                abort();
        if (json_source_new(text, size, PROFILE_MAX_DEPTH, diags, &src) < 0 ||
            json_source_index(src) < 0)
                abort();

        for (size_t i = 0; i < src->n_locs; i++) {
                fuzz_check(json_source_locate(src, src->locs[i].pointer, &line, &column),
                           "recorded pointer \"%s\" not found", src->locs[i].pointer);
                fuzz_check(line >= 1 && column >= 1, "\"%s\" at %u:%u", src->locs[i].pointer, line,
                           column);
        }
        /* Paths the parser asks for, present or not (the closest ancestor answers). */
        static const char *const probes[] = {
                "",
                "/defaultAction",
                "/syscalls/0",
                "/syscalls/0/args/0/value",
                "/syscalls/1/names/3",
                "/archMap/0/subArchitectures",
                "/no~1such~0key/7",
        };
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
                (void)json_source_locate(src, probes[i], &line, &column);

        /* Every marker in the rewritten text names one of the recorded literals. */
        size_t found = 0;
        for (const char *p = src->text; (p = strstr(p, "\"@u64:"));) {
                const char *q = strchr(p + 1, '"');
                if (!q)
                        break;
                _cleanup_free_ char *inner = strndup(p + 1, (size_t)(q - p - 1));
                if (!inner)
                        abort();
                const char *digits = json_source_bignum(src, inner);
                if (digits) {
                        fuzz_check(strlen(digits) == (size_t)(q - p + 1),
                                   "marker of %zu bytes for a literal of %zu", (size_t)(q - p + 1),
                                   strlen(digits));
                        found++;
                }
                p = q + 1;
        }
        fuzz_check(found <= src->big.n, "%zu markers for %zu literals", found, src->big.n);

        /* The markers keep the length of the literal they replace, so undoing them must give
         * back the input (when it has no NUL: the engine works on C strings here). */
        if (strlen(src->text) == size) {
                _cleanup_free_ char *back = json_source_unmark(src, src->text);
                if (!back)
                        abort();
                fuzz_check(strlen(back) == size && memcmp(back, text, size) == 0,
                           "unmark(rewritten) differs from the input");
        }

        /* The parser fills locations itself; here the function runs on whatever the scanner
         * reported plus unlocated entries. */
        if (diag_add(diags, DIAG_NOTE, "/syscalls/0/names", NULL, "probe") < 0 ||
            diag_add(diags, DIAG_NOTE, "/archMap", NULL, "probe") < 0)
                abort();
        json_source_locate_diags(src, diags);
        fuzz_exercise_diags(diags);
}

static void check_canonical(const struct profile *p, const struct profile_parse_options *opts)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(profile_freep) struct profile *again = NULL;
        struct profile_parse_options o = *opts;

        if (diag_list_new("canonical", &diags) < 0)
                abort();
        size_t len = strlen(p->canonical);
        if (o.max_size && len > o.max_size)
                o.max_size = len;
        int r = profile_parse(p->canonical, len, &o, diags, &again);
        if (r == -ENOMEM)
                return;
        if (r < 0)
                diag_list_print(diags, stderr, DIAG_ERROR, false);
        fuzz_check(r == 0, "the canonical form does not parse (%s): %s", strerror(-r),
                   p->canonical);
        fuzz_check(streq(again->canonical, p->canonical),
                   "canonical form is not a fixed point:\n  %s\n  %s", p->canonical,
                   again->canonical);
        fuzz_check(again->n_rules == p->n_rules && again->default_action == p->default_action &&
                           profile_count_names(again) == profile_count_names(p),
                   "canonical form parses to a different profile");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct profile_parse_options opts = {.dialect = DIALECT_DEFAULT};
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        uint8_t ctl[1];

        if (fuzz_take_control(&data, &size, ctl, 1) > 0) {
                opts.dialect = (enum dialect)(ctl[0] % _DIALECT_MAX);
                opts.strict = (ctl[0] / _DIALECT_MAX) & 1;
                if ((ctl[0] / (2 * _DIALECT_MAX)) % 8 == 7 && size > 1)
                        opts.max_size = size / 2;
        }
        const char *text = (const char *)data;

        if (diag_list_new("fuzz.json", &diags) < 0)
                return 0;
        int r = profile_parse(text, size, &opts, diags, &p);
        fuzz_check(r <= 0, "positive return %d", r);
        if (r == -ENOMEM)
                return 0;
        fuzz_check((r == 0) == !!p, "r=%d but profile %p", r, (void *)p);
        if (r == 0)
                fuzz_check(!diag_list_has_errors(diags), "success with error diagnostics");
        else
                fuzz_check(r == -EINVAL && diag_list_has_errors(diags),
                           "failure %d (%s) without an error diagnostic", r, strerror(-r));
        fuzz_exercise_diags(diags);

        if (p) {
                fuzz_check(p->canonical, "no canonical form");
                fuzz_check(strncmp(p->digest, "sha256:", 7) == 0 && strlen(p->digest) == 7 + 64,
                           "digest \"%s\"", p->digest);
                fuzz_check(p->default_action >= 0 && p->default_action < _ACTION_MAX,
                           "default action %d", (int)p->default_action);
                for (size_t i = 0; i < p->n_rules; i++) {
                        const struct profile_rule *rule = &p->rules[i];
                        fuzz_check(rule->action >= 0 && rule->action < _ACTION_MAX,
                                   "rule %zu action %d", i, (int)rule->action);
                        for (size_t k = 0; k < rule->n_args; k++)
                                fuzz_check(rule->args[k].index < PROFILE_MAX_ARG_INDEX &&
                                                   rule->args[k].op >= 0 &&
                                                   rule->args[k].op < _OP_MAX,
                                           "rule %zu arg %zu: index %u op %d", i, k,
                                           rule->args[k].index, (int)rule->args[k].op);
                }
                (void)profile_count_names(p);
                check_canonical(p, &opts);

                /* The other dialects' verdicts on the same profile (each one's own paths). */
                for (int d = 0; d < _DIALECT_MAX; d++) {
                        _cleanup_(diag_list_freep) struct diag_list *dd = NULL;
                        if (diag_list_new(dialect_to_string((enum dialect)d), &dd) < 0)
                                return 0;
                        r = dialect_check(p, (enum dialect)d, !opts.strict, dd);
                        fuzz_check(r == 0 || r == -ENOMEM, "dialect_check(%s) = %d",
                                   dialect_to_string((enum dialect)d), r);
                        fuzz_exercise_diags(dd);
                }
        }

        exercise_json_source(text, size);
        return 0;
}
