/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "profile-parse-cond.h"
#include "profile-parse-rule.h"

static const char *const rule_keys[] = {
        "names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes",
};
static const char *const arg_keys[] = {"index", "value", "valueTwo", "op"};

static int parse_arg_index(struct parser *p, json_t *v, const char *ptr, struct profile_arg *a)
{
        _cleanup_free_ char *ip = NULL;
        json_t *idx;
        int r = parser_required_at(p, v, ptr, "index", &idx, &ip);
        if (r < 0)
                return r;
        if (parser_bignum(p, idx)) {
                report(p, DIAG_ERROR, ip, "syscalls have 6 arguments, numbered 0 to 5",
                       "argument index %s is out of range (0..5)", parser_bignum(p, idx));
                return -EINVAL;
        }
        if (!parser_expect_type(p, idx, JSON_INTEGER, ip, "index"))
                return -EINVAL;
        json_int_t i = json_integer_value(idx);
        if (i < 0 || i >= PROFILE_MAX_ARG_INDEX) {
                report(p, DIAG_ERROR, ip, "syscalls have 6 arguments, numbered 0 to 5",
                       "argument index %" JSON_INTEGER_FORMAT " is out of range (0..5)", i);
                return -EINVAL;
        }
        a->index = (unsigned)i;
        return 0;
}

static int parse_arg_op(struct parser *p, json_t *v, const char *ptr, struct profile_arg *a)
{
        _cleanup_free_ char *op_ptr = NULL;
        json_t *op;
        int r = parser_required_at(p, v, ptr, "op", &op, &op_ptr);
        if (r < 0)
                return r;
        if (!parser_expect_type(p, op, JSON_STRING, op_ptr, "op"))
                return -EINVAL;
        enum op o = op_from_string(json_string_value(op));
        if (o < 0) {
                char hint[80];
                report(p, DIAG_ERROR, op_ptr,
                       parser_suggest("op", json_string_value(op), hint, sizeof(hint)),
                       "unknown operator \"%s\"", json_string_value(op));
                return -EINVAL;
        }
        a->op = o;
        return 0;
}

/* "value" and "valueTwo": both optional, both uint64. */
static int parse_arg_values(struct parser *p, json_t *v, const char *ptr, struct profile_arg *a)
{
        int r = 0;
        json_t *val = parser_member(v, "value");
        if (val) {
                _cleanup_free_ char *vp = parser_child(p, ptr, "value");
                if (!vp || parse_u64(p, val, vp, "value", &a->value) < 0)
                        r = -EINVAL;
        }
        json_t *val2 = parser_member(v, "valueTwo");
        if (val2) {
                _cleanup_free_ char *vp = parser_child(p, ptr, "valueTwo");
                if (!vp || parse_u64(p, val2, vp, "valueTwo", &a->value_two) < 0)
                        r = -EINVAL;
                a->has_value_two = true;
        }
        return r;
}

static int parse_arg(struct parser *p, json_t *v, const char *ptr, struct profile_arg *a)
{
        if (!parser_expect_type(p, v, JSON_OBJECT, ptr, "argument condition"))
                return -EINVAL;
        parser_check_keys(p, v, ptr, arg_keys, ELEMENTSOF(arg_keys), "argument condition");
        int r = 0;
        (void)(parser_fold(parse_arg_index(p, v, ptr, a), &r) &&
               parser_fold(parse_arg_op(p, v, ptr, a), &r) &&
               parser_fold(parse_arg_values(p, v, ptr, a), &r));
        return r;
}

/* The legacy "name": one syscall. */
static int parse_rule_legacy_name(struct parser *p, json_t *name, const char *ptr,
                                  struct profile_rule *rule)
{
        _cleanup_free_ char *np = parser_child(p, ptr, "name");
        if (!np)
                return -ENOMEM;
        if (!parser_expect_type(p, name, JSON_STRING, np, "name") ||
            json_string_length(name) == 0) {
                if (json_is_string(name))
                        report(p, DIAG_ERROR, np, NULL, "empty syscall name");
                return -EINVAL;
        }
        rule->names = parser_calloc(p, 2, sizeof(char *));
        if (!rule->names)
                return -ENOMEM;
        rule->names[0] = parser_strdup(p, json_string_value(name));
        if (!rule->names[0])
                return -ENOMEM;
        rule->n_names = 1;
        rule->legacy_name = true;
        return 0;
}

/* "names", or the legacy "name"; exactly one of them. */
static int parse_rule_names(struct parser *p, json_t *v, const char *ptr, struct profile_rule *rule)
{
        json_t *names = parser_member(v, "names"), *name = parser_member(v, "name");
        if (names && name) {
                _cleanup_free_ char *np = parser_child(p, ptr, "name");
                report(p, DIAG_ERROR, np, "use only \"names\"",
                       "\"name\" and \"names\" are both set; moby and containers/common refuse "
                       "this");
                return -EINVAL;
        }
        if (name)
                return parse_rule_legacy_name(p, name, ptr, rule);
        if (!names) {
                _cleanup_free_ char *np = parser_child(p, ptr, "names");
                report(p, DIAG_ERROR, np, NULL, "missing required key \"names\"");
                return -EINVAL;
        }
        _cleanup_free_ char *np = parser_child(p, ptr, "names");
        if (!np || parse_string_array(p, names, np, "names", &rule->names, &rule->n_names) < 0)
                return -EINVAL;
        if (rule->n_names == 0)
                report(p, DIAG_WARNING, np, NULL, "rule names no syscall; it has no effect");
        return 0;
}

static int parse_rule_action(struct parser *p, json_t *v, const char *ptr,
                             struct profile_rule *rule)
{
        _cleanup_free_ char *ap = NULL;
        json_t *action;
        int r = parser_required_at(p, v, ptr, "action", &action, &ap);
        if (r < 0)
                return r;
        return parse_action(p, action, ap, &rule->action);
}

/* "errnoRet" and containers/common's "errno" name; the name wins when both are set. */
static int parse_rule_errno(struct parser *p, json_t *v, const char *ptr, struct profile_rule *rule)
{
        json_t *en = parser_member(v, "errnoRet"), *ename = parser_member(v, "errno");
        int r = 0;
        if (en) {
                _cleanup_free_ char *ep = parser_child(p, ptr, "errnoRet");
                if (!ep || parse_errno_number(p, en, ep, &rule->errno_number) < 0)
                        r = -EINVAL;
                rule->has_errno = rule->has_errno_number = true;
                rule->errno_ret = rule->errno_number;
        }
        if (ename) {
                _cleanup_free_ char *ep = parser_child(p, ptr, "errno");
                if (!ep || parse_errno_name(p, ename, ep, &rule->errno_ret) < 0)
                        r = -EINVAL;
                rule->has_errno = true;
                rule->errno_from_name = true;
        }
        return r;
}

/* An errno goes only with an action that carries data; checked once both were read. */
static int check_rule_errno_action(struct parser *p, json_t *v, const char *ptr,
                                   const struct profile_rule *rule)
{
        if (!parser_member(v, "action") || !rule->has_errno || action_has_data(rule->action))
                return 0;
        bool number = parser_member(v, "errnoRet") != NULL;
        _cleanup_free_ char *ep = parser_child(p, ptr, number ? "errnoRet" : "errno");
        report(p, DIAG_ERROR, ep, "drop it, or use SCMP_ACT_ERRNO",
               "%s is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
               number ? "errnoRet" : "errno", action_to_string(rule->action));
        return -EINVAL;
}

static int parse_rule_args(struct parser *p, json_t *v, const char *ptr, struct profile_rule *rule)
{
        _cleanup_free_ char *argp = NULL;
        json_t *args;
        rule->args_key_present = json_object_get(v, "args") != NULL;
        int r = parser_member_at(p, v, ptr, "args", &args, &argp);
        if (r <= 0)
                return r;
        if (!parser_expect_type(p, args, JSON_ARRAY, argp, "args"))
                return -EINVAL;
        size_t n = json_array_size(args), i;
        json_t *e;
        r = 0;
        rule->args = parser_calloc(p, n ? n : 1, sizeof(*rule->args));
        if (!rule->args)
                return -ENOMEM;
        json_array_foreach (args, i, e) {
                _cleanup_free_ char *ep = parser_child_index(p, argp, i);
                if (!ep || parse_arg(p, e, ep, &rule->args[i]) < 0)
                        r = -EINVAL;
        }
        rule->n_args = n;
        return r;
}

static int parse_rule_comment(struct parser *p, json_t *v, const char *ptr,
                              struct profile_rule *rule)
{
        _cleanup_free_ char *cp = NULL;
        json_t *comment;
        int r = parser_member_at(p, v, ptr, "comment", &comment, &cp);
        if (r <= 0)
                return r;
        if (!parser_expect_type(p, comment, JSON_STRING, cp, "comment"))
                return -EINVAL;
        rule->comment = parser_strdup(p, json_string_value(comment));
        if (!rule->comment)
                return -ENOMEM;
        return 0;
}

int parse_rule(struct parser *p, json_t *v, const char *ptr, struct profile_rule *rule)
{
        if (!parser_expect_type(p, v, JSON_OBJECT, ptr, "syscall rule"))
                return -EINVAL;
        parser_check_keys(p, v, ptr, rule_keys, ELEMENTSOF(rule_keys), "syscall rule");
        int r = 0;
        if (!parser_fold(parse_rule_names(p, v, ptr, rule), &r) ||
            !parser_fold(parse_rule_action(p, v, ptr, rule), &r) ||
            !parser_fold(parse_rule_errno(p, v, ptr, rule), &r))
                return r;
        /* Only when both read well, or the verdict would be about a value not understood. */
        if (r == 0)
                r = check_rule_errno_action(p, v, ptr, rule);
        (void)(parser_fold(parse_rule_args(p, v, ptr, rule), &r) &&
               parser_fold(parse_rule_comment(p, v, ptr, rule), &r) &&
               parser_fold(parse_cond(p, v, "includes", ptr, &rule->includes), &r) &&
               parser_fold(parse_cond(p, v, "excludes", ptr, &rule->excludes), &r));
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
