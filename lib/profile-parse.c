/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonsrc.h"
#include "profile-internal.h"

struct parser {
        struct diag_list *diags;
        const struct json_source *src;
        const struct profile_parse_options *opts; /* borrowed */
        int error; /* -ENOMEM seen while reporting */
};

static const char *const top_keys[] = {
        "defaultAction", "defaultErrnoRet", "defaultErrno",    "architectures", "archMap",
        "flags",         "listenerPath",    "listenerMetadata", "syscalls",
};
static const char *const rule_keys[] = {
        "names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes",
};
static const char *const arg_keys[] = { "index", "value", "valueTwo", "op" };
static const char *const cond_keys[] = { "caps", "arches", "minKernel" };
static const char *const archmap_keys[] = { "architecture", "subArchitectures" };

#define report(p, sev, ptr, hint, ...)                                                             \
        do {                                                                                       \
                int _r = diag_add((p)->diags, (sev), (ptr), (hint), __VA_ARGS__);                  \
                if (_r < 0)                                                                        \
                        (p)->error = _r;                                                           \
        } while (0)

static const char *json_type_name(const json_t *j)
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

/* Child pointer helper: the result must be freed; NULL only on ENOMEM (recorded). */
static char *child(struct parser *p, const char *ptr, const char *key)
{
        char *c = json_pointer_append(ptr, key);
        if (!c)
                p->error = -ENOMEM;
        return c;
}

static char *child_index(struct parser *p, const char *ptr, size_t i)
{
        char *c = json_pointer_append_index(ptr, i);
        if (!c)
                p->error = -ENOMEM;
        return c;
}

static void check_keys(struct parser *p, json_t *obj, const char *ptr, const char *const *known,
                       size_t n_known, const char *what)
{
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                bool found = false;
                for (size_t i = 0; i < n_known && !found; i++)
                        found = streq(key, known[i]);
                if (found)
                        continue;
                _cleanup_free_ char *c = child(p, ptr, key);
                if (!c)
                        return;
                const char *sugg = names_closest(key, known, n_known);
                _cleanup_free_ char *hint = NULL;
                if (sugg && asprintf(&hint, "did you mean \"%s\"?", sugg) < 0)
                        hint = NULL;
                report(p, DIAG_WARNING, c, hint, "unknown key \"%s\" in %s is ignored", key, what);
        }
}

/* Returns the member, or NULL when absent or JSON null (null counts as absent). */
static json_t *member(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        return v && !json_is_null(v) ? v : NULL;
}

/* Integers outside int64 reach us as marker strings (see jsonsrc.h): wherever a string is
 * expected they must still be reported as the integers they are. */
static const char *bignum(struct parser *p, json_t *v)
{
        return json_is_string(v) ? json_source_bignum(p->src, json_string_value(v)) : NULL;
}

static bool expect_type(struct parser *p, json_t *v, json_type t, const char *ptr, const char *what)
{
        static const char *const tn[] = {
                [JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
                [JSON_INTEGER] = "an integer", [JSON_REAL] = "a number",
        };
        const char *digits = bignum(p, v);
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
        report(p, DIAG_ERROR, ptr, NULL, "%s must be %s, not %s", what, tn[t], json_type_name(v));
        return false;
}

static int parse_action(struct parser *p, json_t *v, const char *ptr, enum action *ret)
{
        if (!expect_type(p, v, JSON_STRING, ptr, "action"))
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
                        snprintf(hint, sizeof(hint), "actions are SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
                                                     "SCMP_ACT_KILL_PROCESS, ...");
                report(p, DIAG_ERROR, ptr, hint, "unknown action \"%s\"", s);
                return -EINVAL;
        }
        *ret = a;
        return 0;
}

static int parse_errno_number(struct parser *p, json_t *v, const char *ptr, uint32_t *ret)
{
        if (!expect_type(p, v, JSON_INTEGER, ptr, "errno"))
                return -EINVAL;
        json_int_t e = json_integer_value(v);
        if (e < 0 || e > PROFILE_MAX_RET_DATA) {
                report(p, DIAG_ERROR, ptr, "use an errno between 1 and 4094",
                       "errno %" JSON_INTEGER_FORMAT " is out of range (0..%d)", e,
                       PROFILE_MAX_RET_DATA);
                return -EINVAL;
        }
        if (e >= PROFILE_MAX_ERRNO) {
                /* moby accepts up to 16 bits (its fixture example.json uses 12345); libseccomp
                 * refuses 4095 and above, so runc and crun fail; the kernel clamps to 4095. */
                bool strict = p->opts && p->opts->strict;
                report(p, strict ? DIAG_ERROR : DIAG_WARNING, ptr, "use an errno below 4095",
                       "errno %" JSON_INTEGER_FORMAT " is not below %d: libseccomp (so runc and "
                       "crun) refuses it; seccompd compiles %d, what the kernel returns for it",
                       e, PROFILE_MAX_ERRNO, PROFILE_MAX_ERRNO);
                if (strict)
                        return -EINVAL;
        }
        *ret = (uint32_t)e;
        return 0;
}

static int parse_errno_name(struct parser *p, json_t *v, const char *ptr, uint32_t *ret)
{
        if (!expect_type(p, v, JSON_STRING, ptr, "errno name"))
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

static int parse_u64(struct parser *p, json_t *v, const char *ptr, const char *what, uint64_t *ret)
{
        if (json_is_integer(v)) {
                json_int_t i = json_integer_value(v);
                if (i < 0) {
                        report(p, DIAG_ERROR, ptr, NULL, "%s %" JSON_INTEGER_FORMAT
                               " is negative; it must be between 0 and 18446744073709551615",
                               what, i);
                        return -EINVAL;
                }
                *ret = (uint64_t)i;
                return 0;
        }
        const char *digits = json_is_string(v) ? json_source_bignum(p->src, json_string_value(v))
                                               : NULL;
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
        report(p, DIAG_ERROR, ptr, NULL, "%s must be an integer, not %s", what, json_type_name(v));
        return -EINVAL;
}

/* Reads an array of non-empty strings into a NULL-terminated vector. */
static int parse_string_array(struct parser *p, json_t *v, const char *ptr, const char *what,
                              char ***ret, size_t *ret_n)
{
        if (!expect_type(p, v, JSON_ARRAY, ptr, what))
                return -EINVAL;
        size_t n = json_array_size(v), k = 0, i;
        char **out = calloc(n + 1, sizeof(char *));
        json_t *e;
        int r = 0;
        if (!out) {
                p->error = -ENOMEM;
                return -ENOMEM;
        }
        json_array_foreach(v, i, e) {
                _cleanup_free_ char *c = child_index(p, ptr, i);
                if (!c)
                        break;
                if (!json_is_string(e) || bignum(p, e)) {
                        report(p, DIAG_ERROR, c, NULL, "%s entries must be strings, not %s", what,
                               bignum(p, e) ? "an integer" : json_type_name(e));
                        r = -EINVAL;
                        continue;
                }
                if (json_string_length(e) == 0) {
                        report(p, DIAG_ERROR, c, NULL, "empty string in %s", what);
                        r = -EINVAL;
                        continue;
                }
                out[k] = strdup(json_string_value(e));
                if (!out[k]) {
                        p->error = -ENOMEM;
                        break;
                }
                k++;
        }
        *ret = out;
        *ret_n = k;
        return r;
}

static void strv_free(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

/* moby's KernelVersion: "major.minor", each parsed by ParseUint(s, 10, 8), not "0.0". */
static bool parse_kernel_part(const char *s, size_t len, unsigned *ret)
{
        unsigned v = 0;
        if (len == 0 || len > 3)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *ret = v;
        return v <= 255;
}

static int parse_min_kernel(struct parser *p, json_t *v, const char *ptr, struct profile_cond *c)
{
        if (!expect_type(p, v, JSON_STRING, ptr, "minKernel"))
                return -EINVAL;
        const char *s = json_string_value(v), *dot = strchr(s, '.');
        unsigned maj = 0, min = 0;
        bool ok = dot && parse_kernel_part(s, (size_t)(dot - s), &maj) &&
                  parse_kernel_part(dot + 1, strlen(dot + 1), &min);
        if (!ok) {
                report(p, DIAG_ERROR, ptr, "write it as \"major.minor\", e.g. \"4.8\"",
                       "invalid minKernel \"%s\": must be \"X.Y\" with numbers 0..255", s);
                return -EINVAL;
        }
        if (maj == 0 && min == 0) {
                report(p, DIAG_ERROR, ptr, "drop the condition to apply it on every kernel",
                       "invalid minKernel \"0.0\": must be greater than 0.0");
                return -EINVAL;
        }
        c->has_min_kernel = true;
        c->kernel_major = maj;
        c->kernel_minor = min;
        return 0;
}

static int parse_cond(struct parser *p, json_t *rule, const char *key, const char *rptr,
                      struct profile_cond *c)
{
        json_t *raw = json_object_get(rule, key);
        c->key_present = raw != NULL;
        json_t *v = member(rule, key);
        if (!v)
                return 0;
        _cleanup_free_ char *ptr = child(p, rptr, key);
        if (!ptr)
                return -ENOMEM;
        if (!expect_type(p, v, JSON_OBJECT, ptr, key))
                return -EINVAL;
        check_keys(p, v, ptr, cond_keys, ELEMENTSOF(cond_keys), key);

        int r = 0;
        json_t *caps = member(v, "caps");
        if (caps) {
                _cleanup_free_ char *cp = child(p, ptr, "caps");
                if (!cp)
                        return -ENOMEM;
                if (parse_string_array(p, caps, cp, "caps", &c->caps, &c->n_caps) < 0)
                        r = -EINVAL;
                for (size_t i = 0; i < c->n_caps; i++) {
                        if (cap_from_string(c->caps[i]) >= 0 && strncmp(c->caps[i], "CAP_", 4) == 0)
                                continue;
                        _cleanup_free_ char *ep = child_index(p, cp, i);
                        const char *const *all;
                        size_t n = names_all("cap", &all);
                        const char *sugg = names_closest(c->caps[i], all, n);
                        int cap = cap_from_string(c->caps[i]);
                        char hint[80] = "";
                        if (cap >= 0 || sugg)
                                snprintf(hint, sizeof(hint), "did you mean %s?",
                                         cap >= 0 ? cap_to_string(cap) : sugg);
                        report(p, DIAG_WARNING, ep, hint[0] ? hint : NULL,
                               "unknown capability \"%s\": no process holds it, so the rule "
                               "compares as if it were missing",
                               c->caps[i]);
                }
        }
        json_t *arches = member(v, "arches");
        if (arches) {
                _cleanup_free_ char *ap = child(p, ptr, "arches");
                if (!ap)
                        return -ENOMEM;
                if (parse_string_array(p, arches, ap, "arches", &c->arches, &c->n_arches) < 0)
                        r = -EINVAL;
                for (size_t i = 0; i < c->n_arches; i++) {
                        if (arch_go_name_known(c->arches[i]))
                                continue;
                        _cleanup_free_ char *ep = child_index(p, ap, i);
                        const struct arch_info *a = arch_lookup(c->arches[i]);
                        char hint[80] = "";
                        if (a)
                                snprintf(hint, sizeof(hint), "write \"%s\"", a->go_name);
                        report(p, DIAG_WARNING, ep, hint[0] ? hint : NULL,
                               "unknown architecture \"%s\" in %s.arches (moby names such as "
                               "\"amd64\" are expected)",
                               c->arches[i], key);
                }
        }
        json_t *mk = member(v, "minKernel");
        if (mk) {
                _cleanup_free_ char *mp = child(p, ptr, "minKernel");
                if (!mp)
                        return -ENOMEM;
                if (parse_min_kernel(p, mk, mp, c) < 0)
                        r = -EINVAL;
        }
        return r;
}

/* Unknown names are errors in "architectures" (runc refuses them) but only warnings in an
 * archMap entry, which matters only on nodes of that architecture (iSulad's default lists
 * "SCMP_ARCH_RISCV" under riscv64). Returns 1 when the name was skipped with a warning. */
static int parse_arch_name(struct parser *p, json_t *v, const char *ptr, bool lenient,
                           const struct arch_info **ret)
{
        if (!expect_type(p, v, JSON_STRING, ptr, "architecture"))
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

static int parse_arg(struct parser *p, json_t *v, const char *ptr, struct profile_arg *a)
{
        if (!expect_type(p, v, JSON_OBJECT, ptr, "argument condition"))
                return -EINVAL;
        check_keys(p, v, ptr, arg_keys, ELEMENTSOF(arg_keys), "argument condition");
        int r = 0;

        json_t *idx = member(v, "index");
        _cleanup_free_ char *ip = child(p, ptr, "index");
        if (!ip)
                return -ENOMEM;
        if (!idx) {
                report(p, DIAG_ERROR, ip, NULL, "missing required key \"index\"");
                r = -EINVAL;
        } else if (bignum(p, idx)) {
                report(p, DIAG_ERROR, ip, "syscalls have 6 arguments, numbered 0 to 5",
                       "argument index %s is out of range (0..5)", bignum(p, idx));
                r = -EINVAL;
        } else if (expect_type(p, idx, JSON_INTEGER, ip, "index")) {
                json_int_t i = json_integer_value(idx);
                if (i < 0 || i >= PROFILE_MAX_ARG_INDEX) {
                        report(p, DIAG_ERROR, ip, "syscalls have 6 arguments, numbered 0 to 5",
                               "argument index %" JSON_INTEGER_FORMAT " is out of range (0..5)",
                               i);
                        r = -EINVAL;
                } else
                        a->index = (unsigned)i;
        } else
                r = -EINVAL;

        json_t *op = member(v, "op");
        _cleanup_free_ char *op_ptr = child(p, ptr, "op");
        if (!op_ptr)
                return -ENOMEM;
        if (!op) {
                report(p, DIAG_ERROR, op_ptr, NULL, "missing required key \"op\"");
                r = -EINVAL;
        } else if (expect_type(p, op, JSON_STRING, op_ptr, "op")) {
                enum op o = op_from_string(json_string_value(op));
                if (o < 0) {
                        const char *const *all;
                        size_t n = names_all("op", &all);
                        const char *sugg = names_closest(json_string_value(op), all, n);
                        char hint[80] = "";
                        if (sugg)
                                snprintf(hint, sizeof(hint), "did you mean %s?", sugg);
                        report(p, DIAG_ERROR, op_ptr, hint[0] ? hint : NULL,
                               "unknown operator \"%s\"", json_string_value(op));
                        r = -EINVAL;
                } else
                        a->op = o;
        } else
                r = -EINVAL;

        json_t *val = member(v, "value");
        if (val) {
                _cleanup_free_ char *vp = child(p, ptr, "value");
                if (!vp || parse_u64(p, val, vp, "value", &a->value) < 0)
                        r = -EINVAL;
        }
        json_t *val2 = member(v, "valueTwo");
        if (val2) {
                _cleanup_free_ char *vp = child(p, ptr, "valueTwo");
                if (!vp || parse_u64(p, val2, vp, "valueTwo", &a->value_two) < 0)
                        r = -EINVAL;
                a->has_value_two = true;
        }
        return r;
}

void profile_rule_done(struct profile_rule *r)
{
        strv_free(r->names, r->n_names);
        free(r->args);
        strv_free(r->includes.caps, r->includes.n_caps);
        strv_free(r->includes.arches, r->includes.n_arches);
        strv_free(r->excludes.caps, r->excludes.n_caps);
        strv_free(r->excludes.arches, r->excludes.n_arches);
        free(r->comment);
}

static int parse_rule(struct parser *p, json_t *v, const char *ptr, struct profile_rule *rule)
{
        if (!expect_type(p, v, JSON_OBJECT, ptr, "syscall rule"))
                return -EINVAL;
        check_keys(p, v, ptr, rule_keys, ELEMENTSOF(rule_keys), "syscall rule");
        int r = 0;

        json_t *names = member(v, "names"), *name = member(v, "name");
        if (names && name) {
                _cleanup_free_ char *np = child(p, ptr, "name");
                report(p, DIAG_ERROR, np, "use only \"names\"",
                       "\"name\" and \"names\" are both set; moby and containers/common refuse "
                       "this");
                r = -EINVAL;
        } else if (names) {
                _cleanup_free_ char *np = child(p, ptr, "names");
                if (!np || parse_string_array(p, names, np, "names", &rule->names,
                                              &rule->n_names) < 0)
                        r = -EINVAL;
                else if (rule->n_names == 0)
                        report(p, DIAG_WARNING, np, NULL, "rule names no syscall; it has no effect");
        } else if (name) {
                _cleanup_free_ char *np = child(p, ptr, "name");
                if (!np)
                        return -ENOMEM;
                if (!expect_type(p, name, JSON_STRING, np, "name") ||
                    json_string_length(name) == 0) {
                        if (json_is_string(name))
                                report(p, DIAG_ERROR, np, NULL, "empty syscall name");
                        r = -EINVAL;
                } else {
                        rule->names = calloc(2, sizeof(char *));
                        if (!rule->names || !(rule->names[0] = strdup(json_string_value(name)))) {
                                p->error = -ENOMEM;
                                return -ENOMEM;
                        }
                        rule->n_names = 1;
                        rule->legacy_name = true;
                }
        } else {
                _cleanup_free_ char *np = child(p, ptr, "names");
                report(p, DIAG_ERROR, np, NULL, "missing required key \"names\"");
                r = -EINVAL;
        }

        json_t *action = member(v, "action");
        _cleanup_free_ char *ap = child(p, ptr, "action");
        if (!ap)
                return -ENOMEM;
        if (!action) {
                report(p, DIAG_ERROR, ap, NULL, "missing required key \"action\"");
                r = -EINVAL;
        } else if (parse_action(p, action, ap, &rule->action) < 0)
                r = -EINVAL;

        json_t *en = member(v, "errnoRet"), *ename = member(v, "errno");
        if (en) {
                _cleanup_free_ char *ep = child(p, ptr, "errnoRet");
                if (!ep || parse_errno_number(p, en, ep, &rule->errno_number) < 0)
                        r = -EINVAL;
                rule->has_errno = rule->has_errno_number = true;
                rule->errno_ret = rule->errno_number;
        }
        if (ename) {
                _cleanup_free_ char *ep = child(p, ptr, "errno");
                if (!ep || parse_errno_name(p, ename, ep, &rule->errno_ret) < 0)
                        r = -EINVAL;
                rule->has_errno = true;
                rule->errno_from_name = true;
        }
        if (action && r == 0 && rule->has_errno && !action_has_data(rule->action)) {
                _cleanup_free_ char *ep = child(p, ptr, en ? "errnoRet" : "errno");
                report(p, DIAG_ERROR, ep, "drop it, or use SCMP_ACT_ERRNO",
                       "%s is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
                       en ? "errnoRet" : "errno", action_to_string(rule->action));
                r = -EINVAL;
        }

        json_t *args = member(v, "args");
        rule->args_key_present = json_object_get(v, "args") != NULL;
        if (args) {
                _cleanup_free_ char *argp = child(p, ptr, "args");
                if (!argp)
                        return -ENOMEM;
                if (!expect_type(p, args, JSON_ARRAY, argp, "args"))
                        r = -EINVAL;
                else {
                        size_t n = json_array_size(args), i;
                        json_t *e;
                        rule->args = calloc(n ? n : 1, sizeof(*rule->args));
                        if (!rule->args) {
                                p->error = -ENOMEM;
                                return -ENOMEM;
                        }
                        json_array_foreach(args, i, e) {
                                _cleanup_free_ char *ep = child_index(p, argp, i);
                                if (!ep || parse_arg(p, e, ep, &rule->args[i]) < 0)
                                        r = -EINVAL;
                        }
                        rule->n_args = n;
                }
        }

        json_t *comment = member(v, "comment");
        if (comment) {
                _cleanup_free_ char *cp = child(p, ptr, "comment");
                if (!cp || !expect_type(p, comment, JSON_STRING, cp, "comment"))
                        r = -EINVAL;
                else if (!(rule->comment = strdup(json_string_value(comment)))) {
                        p->error = -ENOMEM;
                        return -ENOMEM;
                }
        }
        if (parse_cond(p, v, "includes", ptr, &rule->includes) < 0)
                r = -EINVAL;
        if (parse_cond(p, v, "excludes", ptr, &rule->excludes) < 0)
                r = -EINVAL;
        return r;
}

static int parse_arch_map(struct parser *p, json_t *v, const char *ptr, struct profile *prof)
{
        if (!expect_type(p, v, JSON_ARRAY, ptr, "archMap"))
                return -EINVAL;
        size_t n = json_array_size(v), i;
        json_t *e;
        int r = 0;
        prof->arch_map = calloc(n ? n : 1, sizeof(*prof->arch_map));
        if (!prof->arch_map)
                return (p->error = -ENOMEM);
        prof->has_arch_map = true;
        json_array_foreach(v, i, e) {
                _cleanup_free_ char *ep = child_index(p, ptr, i);
                if (!ep)
                        return -ENOMEM;
                if (!expect_type(p, e, JSON_OBJECT, ep, "archMap entry")) {
                        r = -EINVAL;
                        continue;
                }
                check_keys(p, e, ep, archmap_keys, ELEMENTSOF(archmap_keys), "archMap entry");
                struct profile_arch_map *m = &prof->arch_map[prof->n_arch_map];
                _cleanup_free_ char *ap = child(p, ep, "architecture");
                json_t *arch = member(e, "architecture");
                if (!arch) {
                        report(p, DIAG_ERROR, ap, NULL, "missing required key \"architecture\"");
                        r = -EINVAL;
                        continue;
                }
                int ra = parse_arch_name(p, arch, ap, true, &m->arch);
                if (ra != 0) {
                        if (ra < 0)
                                r = -EINVAL;
                        continue;
                }
                for (size_t k = 0; k < prof->n_arch_map; k++)
                        if (prof->arch_map[k].arch == m->arch)
                                report(p, DIAG_WARNING, ap, NULL,
                                       "architecture %s appears twice in archMap; the first entry "
                                       "wins",
                                       m->arch->name);
                json_t *subs = member(e, "subArchitectures");
                if (subs) {
                        _cleanup_free_ char *sp = child(p, ep, "subArchitectures");
                        if (!sp || !expect_type(p, subs, JSON_ARRAY, sp, "subArchitectures")) {
                                r = -EINVAL;
                                continue;
                        }
                        size_t ns = json_array_size(subs), j;
                        json_t *s;
                        m->sub_arches = calloc(ns ? ns : 1, sizeof(*m->sub_arches));
                        if (!m->sub_arches)
                                return (p->error = -ENOMEM);
                        json_array_foreach(subs, j, s) {
                                _cleanup_free_ char *xp = child_index(p, sp, j);
                                int rs = xp ? parse_arch_name(p, s, xp, true,
                                                              &m->sub_arches[m->n_sub_arches])
                                            : -ENOMEM;
                                if (rs < 0)
                                        r = -EINVAL;
                                else if (rs == 0)
                                        m->n_sub_arches++;
                        }
                }
                prof->n_arch_map++;
        }
        return r;
}

static int parse_architectures(struct parser *p, json_t *v, const char *ptr, struct profile *prof)
{
        if (!expect_type(p, v, JSON_ARRAY, ptr, "architectures"))
                return -EINVAL;
        size_t n = json_array_size(v), i;
        json_t *e;
        int r = 0;
        prof->architectures = calloc(n ? n : 1, sizeof(*prof->architectures));
        if (!prof->architectures)
                return (p->error = -ENOMEM);
        json_array_foreach(v, i, e) {
                _cleanup_free_ char *ep = child_index(p, ptr, i);
                const struct arch_info *a;
                if (!ep || parse_arch_name(p, e, ep, false, &a) < 0) {
                        r = -EINVAL;
                        continue;
                }
                bool dup = false;
                for (size_t k = 0; k < prof->n_architectures; k++)
                        dup = dup || prof->architectures[k] == a;
                if (dup) {
                        report(p, DIAG_WARNING, ep, NULL, "architecture %s is listed twice",
                               a->name);
                        continue;
                }
                prof->architectures[prof->n_architectures++] = a;
        }
        return r;
}

static int parse_flags(struct parser *p, json_t *v, const char *ptr, struct profile *prof)
{
        if (!expect_type(p, v, JSON_ARRAY, ptr, "flags"))
                return -EINVAL;
        size_t i;
        json_t *e;
        int r = 0;
        json_array_foreach(v, i, e) {
                _cleanup_free_ char *ep = child_index(p, ptr, i);
                if (!ep || !expect_type(p, e, JSON_STRING, ep, "flag")) {
                        r = -EINVAL;
                        continue;
                }
                enum filter_flag f = filter_flag_from_string(json_string_value(e));
                if (f < 0) {
                        const char *const *all;
                        size_t n = names_all("flag", &all);
                        const char *sugg = names_closest(json_string_value(e), all, n);
                        char hint[80] = "";
                        if (sugg)
                                snprintf(hint, sizeof(hint), "did you mean %s?", sugg);
                        report(p, DIAG_ERROR, ep, hint[0] ? hint : NULL, "unknown flag \"%s\"",
                               json_string_value(e));
                        r = -EINVAL;
                        continue;
                }
                prof->flags |= 1U << f;
        }
        return r;
}

static int parse_top(struct parser *p, json_t *root, struct profile *prof)
{
        int r = 0;

        if (!json_is_object(root)) {
                report(p, DIAG_ERROR, "", NULL, "a seccomp profile must be a JSON object, not %s",
                       json_type_name(root));
                return -EINVAL;
        }
        check_keys(p, root, "", top_keys, ELEMENTSOF(top_keys), "the profile");

        json_t *da = member(root, "defaultAction");
        if (!da) {
                report(p, DIAG_ERROR, "/defaultAction", NULL,
                       "missing required key \"defaultAction\"");
                r = -EINVAL;
        } else if (parse_action(p, da, "/defaultAction", &prof->default_action) < 0)
                r = -EINVAL;

        json_t *der = member(root, "defaultErrnoRet"), *den = member(root, "defaultErrno");
        if (der) {
                if (parse_errno_number(p, der, "/defaultErrnoRet", &prof->default_errno_number) <
                    0)
                        r = -EINVAL;
                prof->has_default_errno = prof->has_default_errno_number = true;
                prof->default_errno = prof->default_errno_number;
        }
        if (den) {
                if (parse_errno_name(p, den, "/defaultErrno", &prof->default_errno) < 0)
                        r = -EINVAL;
                prof->has_default_errno = true;
                prof->default_errno_from_name = true;
        }
        if (da && r == 0 && prof->has_default_errno && !action_has_data(prof->default_action))
                report(p, DIAG_ERROR, der ? "/defaultErrnoRet" : "/defaultErrno",
                       "drop it, or use SCMP_ACT_ERRNO",
                       "%s is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
                       der ? "defaultErrnoRet" : "defaultErrno",
                       action_to_string(prof->default_action));

        json_t *arches = member(root, "architectures"), *amap = member(root, "archMap");
        if (arches && amap && json_array_size(arches) > 0 && json_array_size(amap) > 0) {
                report(p, DIAG_ERROR, "/archMap", "keep one of them",
                       "\"architectures\" and \"archMap\" are both set; moby and "
                       "containers/common refuse this");
                r = -EINVAL;
        }
        if (arches && parse_architectures(p, arches, "/architectures", prof) < 0)
                r = -EINVAL;
        if (amap && parse_arch_map(p, amap, "/archMap", prof) < 0)
                r = -EINVAL;
        json_t *flags = member(root, "flags");
        if (flags && parse_flags(p, flags, "/flags", prof) < 0)
                r = -EINVAL;

        json_t *lp = member(root, "listenerPath"), *lm = member(root, "listenerMetadata");
        if (lp) {
                if (!expect_type(p, lp, JSON_STRING, "/listenerPath", "listenerPath"))
                        r = -EINVAL;
                else if (json_string_length(lp) == 0) {
                        report(p, DIAG_ERROR, "/listenerPath", NULL, "listenerPath is empty");
                        r = -EINVAL;
                } else if (!(prof->listener_path = strdup(json_string_value(lp))))
                        return (p->error = -ENOMEM);
        }
        if (lm) {
                if (!expect_type(p, lm, JSON_STRING, "/listenerMetadata", "listenerMetadata"))
                        r = -EINVAL;
                else if (!lp) {
                        report(p, DIAG_ERROR, "/listenerMetadata", "set listenerPath too",
                               "listenerMetadata is set without listenerPath");
                        r = -EINVAL;
                } else if (!(prof->listener_metadata = strdup(json_string_value(lm))))
                        return (p->error = -ENOMEM);
        }

        json_t *sys = member(root, "syscalls");
        if (sys && expect_type(p, sys, JSON_ARRAY, "/syscalls", "syscalls")) {
                size_t n = json_array_size(sys), i;
                json_t *e;
                if (n > PROFILE_MAX_RULES) {
                        report(p, DIAG_ERROR, "/syscalls", NULL, "too many rules (%zu > %d)", n,
                               PROFILE_MAX_RULES);
                        return -EINVAL;
                }
                prof->rules = calloc(n ? n : 1, sizeof(*prof->rules));
                if (!prof->rules)
                        return (p->error = -ENOMEM);
                json_array_foreach(sys, i, e) {
                        _cleanup_free_ char *ep = child_index(p, "/syscalls", i);
                        if (!ep)
                                return -ENOMEM;
                        struct profile_rule *rule = &prof->rules[prof->n_rules++];
                        rule->index = i;
                        if (parse_rule(p, e, ep, rule) < 0)
                                r = -EINVAL;
                }
        } else if (sys)
                r = -EINVAL;
        return r;
}

int profile_parse_tree(json_t *root, const struct json_source *src,
                       const struct profile_parse_options *opts, struct diag_list *diags,
                       struct profile *prof)
{
        struct parser p = { .diags = diags, .src = src, .opts = opts };
        int r = parse_top(&p, root, prof);
        return p.error < 0 ? p.error : r;
}
