/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile-parse-value.h"

void *parser_calloc(struct parser *p, size_t n, size_t size)
{
        void *x = calloc(n, size);
        if (!x)
                p->error = -ENOMEM;
        return x;
}

char *parser_strdup(struct parser *p, const char *s)
{
        char *x = strdup(s);
        if (!x)
                p->error = -ENOMEM;
        return x;
}

int parser_member_at(struct parser *p, json_t *obj, const char *ptr, const char *key, json_t **ret,
                     char **ret_ptr)
{
        json_t *v = parser_member(obj, key);
        if (!v)
                return 0;
        char *c = parser_child(p, ptr, key);
        if (!c)
                return -ENOMEM;
        *ret = v;
        *ret_ptr = c;
        return 1;
}

int parser_required_at(struct parser *p, json_t *obj, const char *ptr, const char *key,
                       json_t **ret, char **ret_ptr)
{
        json_t *v = parser_member(obj, key);
        _cleanup_free_ char *c = parser_child(p, ptr, key);
        if (!c)
                return -ENOMEM;
        if (!v) {
                report(p, DIAG_ERROR, c, NULL, "missing required key \"%s\"", key);
                return -EINVAL;
        }
        *ret = v;
        *ret_ptr = TAKE_PTR(c);
        return 0;
}

const char *parser_suggest(const char *kind, const char *word, char *buf, size_t size)
{
        const char *const *all;
        size_t n = names_all(kind, &all);
        const char *sugg = names_closest(word, all, n);
        if (!sugg)
                return NULL;
        snprintf(buf, size, "did you mean %s?", sugg);
        return buf;
}

const char *parser_type_name(const json_t *j)
{
        switch (json_typeof(j)) {
        case JSON_OBJECT: return "an object";
        case JSON_ARRAY: return "an array";
        case JSON_STRING: return "a string";
        case JSON_INTEGER: return "an integer";
        case JSON_REAL: return "a number";
        case JSON_TRUE:
        case JSON_FALSE: return "a boolean";
        case JSON_NULL: return "null";
        }
        return "?";
}

char *parser_child(struct parser *p, const char *ptr, const char *key)
{
        char *c = json_pointer_append(ptr, key);
        if (!c)
                p->error = -ENOMEM;
        return c;
}

char *parser_child_index(struct parser *p, const char *ptr, size_t i)
{
        char *c = json_pointer_append_index(ptr, i);
        if (!c)
                p->error = -ENOMEM;
        return c;
}

void parser_check_keys(struct parser *p, json_t *obj, const char *ptr, const char *const *known,
                       size_t n_known, const char *what)
{
        const char *key;
        json_t *v;
        json_object_foreach (obj, key, v) {
                bool found = false;
                for (size_t i = 0; i < n_known && !found; i++)
                        found = streq(key, known[i]);
                if (found)
                        continue;
                _cleanup_free_ char *c = parser_child(p, ptr, key);
                if (!c)
                        return;
                const char *sugg = names_closest(key, known, n_known);
                _cleanup_free_ char *hint = NULL;
                if (sugg && asprintf(&hint, "did you mean \"%s\"?", sugg) < 0)
                        hint = NULL;
                report(p, DIAG_WARNING, c, hint, "unknown key \"%s\" in %s is ignored", key, what);
        }
}

json_t *parser_member(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        return v && !json_is_null(v) ? v : NULL;
}

/* Integers outside int64 reach us as marker strings (see jsonsrc.h): wherever a string is
 * expected they must still be reported as the integers they are. */
const char *parser_bignum(struct parser *p, json_t *v)
{
        return json_is_string(v) ? json_source_bignum(p->src, json_string_value(v)) : NULL;
}

bool parser_expect_type(struct parser *p, json_t *v, json_type t, const char *ptr, const char *what)
{
        static const char *const tn[] = {
                [JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
                [JSON_STRING] = "a string",  [JSON_INTEGER] = "an integer",
                [JSON_REAL] = "a number",
        };
        const char *digits = parser_bignum(p, v);
        if (digits) {
                if (t == JSON_INTEGER)
                        report(p, DIAG_ERROR, ptr, NULL, "%s %s is out of range", what, digits);
                else
                        report(p, DIAG_ERROR, ptr, NULL, "%s must be %s, not an integer", what,
                               tn[t]);
                return false;
        }
        if (json_typeof(v) == t)
                return true;
        report(p, DIAG_ERROR, ptr, NULL, "%s must be %s, not %s", what, tn[t], parser_type_name(v));
        return false;
}

int parse_action(struct parser *p, json_t *v, const char *ptr, enum action *ret)
{
        if (!parser_expect_type(p, v, JSON_STRING, ptr, "action"))
                return -EINVAL;
        const char *s = json_string_value(v);
        enum action a = action_from_string(s);
        if (a < 0) {
                const char *const *all;
                size_t n = names_all("action", &all);
                const char *sugg = names_closest(s, all, n);
                char hint[96];
                /* Denials are spelled many ways; the usual intent is an errno. */
                if (strstr(s, "DENY") || strstr(s, "REJECT") || strstr(s, "BLOCK") ||
                    strstr(s, "DROP"))
                        sugg = "SCMP_ACT_ERRNO";
                if (sugg)
                        snprintf(hint, sizeof(hint), "did you mean %s?", sugg);
                else
                        snprintf(hint, sizeof(hint),
                                 "actions are SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
                                 "SCMP_ACT_KILL_PROCESS, ...");
                report(p, DIAG_ERROR, ptr, hint, "unknown action \"%s\"", s);
                return -EINVAL;
        }
        *ret = a;
        return 0;
}

int parse_errno_number(struct parser *p, json_t *v, const char *ptr, uint32_t *ret)
{
        if (!parser_expect_type(p, v, JSON_INTEGER, ptr, "errno"))
                return -EINVAL;
        json_int_t e = json_integer_value(v);
        if (e < 0 || e > PROFILE_MAX_RET_DATA) {
                report(p, DIAG_ERROR, ptr, "use an errno between 1 and 4094",
                       "errno %" JSON_INTEGER_FORMAT " is out of range (0..%d)", e,
                       PROFILE_MAX_RET_DATA);
                return -EINVAL;
        }
        /* 4095 and above fits the 16 bits of SECCOMP_RET_DATA, and is fine for TRACE; for ERRNO
         * the dialect check says what its consumer does (dialect.c, check_errno_range). */
        *ret = (uint32_t)e;
        return 0;
}

int parse_errno_name(struct parser *p, json_t *v, const char *ptr, uint32_t *ret)
{
        if (!parser_expect_type(p, v, JSON_STRING, ptr, "errno name"))
                return -EINVAL;
        int e = errno_from_name(json_string_value(v));
        if (e < 0) {
                report(p, DIAG_ERROR, ptr, "use a name such as \"EPERM\" or \"ENOSYS\"",
                       "unknown errno name \"%s\"", json_string_value(v));
                return -EINVAL;
        }
        *ret = (uint32_t)e;
        return 0;
}

int parse_u64(struct parser *p, json_t *v, const char *ptr, const char *what, uint64_t *ret)
{
        if (json_is_integer(v)) {
                json_int_t i = json_integer_value(v);
                if (i < 0) {
                        report(p, DIAG_ERROR, ptr, NULL,
                               "%s %" JSON_INTEGER_FORMAT
                               " is negative; it must be between 0 and 18446744073709551615",
                               what, i);
                        return -EINVAL;
                }
                *ret = (uint64_t)i;
                return 0;
        }
        const char *digits = parser_bignum(p, v);
        if (digits) {
                errno = 0;
                char *end;
                unsigned long long u = digits[0] == '-' ? 0 : strtoull(digits, &end, 10);
                if (digits[0] == '-' || errno == ERANGE || *end) {
                        report(p, DIAG_ERROR, ptr, NULL,
                               "%s %s is out of range; it must be between 0 and "
                               "18446744073709551615",
                               what, digits);
                        return -EINVAL;
                }
                *ret = u;
                return 0;
        }
        if (json_is_real(v)) {
                report(p, DIAG_ERROR, ptr, NULL, "%s must be an integer, not %g", what,
                       json_real_value(v));
                return -EINVAL;
        }
        report(p, DIAG_ERROR, ptr, NULL, "%s must be an integer, not %s", what,
               parser_type_name(v));
        return -EINVAL;
}

int parse_string_array(struct parser *p, json_t *v, const char *ptr, const char *what, char ***ret,
                       size_t *ret_n)
{
        if (!parser_expect_type(p, v, JSON_ARRAY, ptr, what))
                return -EINVAL;
        size_t n = json_array_size(v), k = 0, i;
        char **out = parser_calloc(p, n + 1, sizeof(char *));
        json_t *e;
        int r = 0;
        if (!out)
                return -ENOMEM;
        json_array_foreach (v, i, e) {
                _cleanup_free_ char *c = parser_child_index(p, ptr, i);
                if (!c)
                        break;
                if (!json_is_string(e) || parser_bignum(p, e)) {
                        report(p, DIAG_ERROR, c, NULL, "%s entries must be strings, not %s", what,
                               parser_bignum(p, e) ? "an integer" : parser_type_name(e));
                        r = -EINVAL;
                        continue;
                }
                if (json_string_length(e) == 0) {
                        report(p, DIAG_ERROR, c, NULL, "empty string in %s", what);
                        r = -EINVAL;
                        continue;
                }
                out[k] = parser_strdup(p, json_string_value(e));
                if (!out[k])
                        break;
                k++;
        }
        *ret = out;
        *ret_n = k;
        return r;
}

void strv_free(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

/* Unknown names are errors in "architectures" (runc refuses them) but only warnings in an
 * archMap entry, which matters only on nodes of that architecture (iSulad's default lists
 * "SCMP_ARCH_RISCV" under riscv64). Returns 1 when the name was skipped with a warning. */
int parse_arch_name(struct parser *p, json_t *v, const char *ptr, bool lenient,
                    const struct arch_info **ret)
{
        if (!parser_expect_type(p, v, JSON_STRING, ptr, "architecture"))
                return -EINVAL;
        const char *s = json_string_value(v);
        const struct arch_info *a = arch_lookup(s);
        if (!a || !streq(a->name, s)) {
                char hint[80] = "";
                const char *const *all;
                size_t n = names_all("arch", &all);
                const char *sugg = a ? a->name : names_closest(s, all, n);
                if (sugg)
                        snprintf(hint, sizeof(hint), "did you mean %s?", sugg);
                report(p, lenient ? DIAG_WARNING : DIAG_ERROR, ptr, hint[0] ? hint : NULL,
                       "unknown architecture \"%s\"%s", s,
                       lenient ? "; skipped (runc refuses it on nodes that select this entry)"
                               : "");
                return lenient ? 1 : -EINVAL;
        }
        *ret = a;
        return 0;
}
