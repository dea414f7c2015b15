/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/utsname.h>

#include "profile-internal.h"
#include "resolve.h"

int context_default(struct context *ret)
{
        struct context c = {.arch = arch_native()};
        struct utsname u;

        if (!c.arch)
                return -EOPNOTSUPP;
        for (size_t i = 0; i < ELEMENTSOF(docker_default_caps); i++)
                c.caps |= UINT64_C(1) << cap_from_string(docker_default_caps[i]);
        if (uname(&u) < 0)
                return -errno;
        if (sscanf(u.release, "%u.%u", &c.kernel_major, &c.kernel_minor) != 2)
                return -EINVAL;
        *ret = c;
        return 0;
}

int context_set_arch(struct context *c, const char *arch)
{
        const struct arch_info *a = arch_lookup(arch);
        if (!a)
                return -EINVAL;
        c->arch = a;
        return 0;
}

int context_set_caps(struct context *c, const char *list, const char **ret_bad)
{
        uint64_t caps = 0;
        bool add = list[0] == '+';
        _cleanup_free_ char *copy = strdup(list + add);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                if (streq(t, "all")) {
                        caps |= (UINT64_C(1) << CAP_COUNT) - 1;
                        continue;
                }
                if (streq(t, "none"))
                        continue;
                if (streq(t, "default")) {
                        for (size_t i = 0; i < ELEMENTSOF(docker_default_caps); i++)
                                caps |= UINT64_C(1) << cap_from_string(docker_default_caps[i]);
                        continue;
                }
                int n = cap_from_string(t);
                if (n < 0) {
                        if (ret_bad)
                                *ret_bad = list + add + (t - copy);
                        return -EINVAL;
                }
                caps |= UINT64_C(1) << n;
        }
        c->caps = add ? c->caps | caps : caps;
        return 0;
}

/* One component of a kernel version: 1 to 3 decimal digits, at most 255. sscanf's %u took
 * "4294967296" as 0 (it wraps) and stopped silently at "5.10abc". */
static const char *kernel_component(const char *s, unsigned *ret)
{
        unsigned v = 0;
        size_t n = 0;
        for (; s[n] >= '0' && s[n] <= '9'; n++) {
                if (n == 3)
                        return NULL;
                v = v * 10 + (unsigned)(s[n] - '0');
        }
        if (n == 0 || v > 255)
                return NULL;
        *ret = v;
        return s + n;
}

int context_set_kernel(struct context *c, const char *version)
{
        unsigned maj, min, patch;
        const char *p = kernel_component(version, &maj);
        if (!p || *p != '.' || !(p = kernel_component(p + 1, &min)))
                return -EINVAL;
        /* uname's form: an optional ".PATCH", then nothing or a "-" or "+" suffix. */
        if (*p == '.' && !(p = kernel_component(p + 1, &patch)))
                return -EINVAL;
        if (*p != 0 && *p != '-' && *p != '+')
                return -EINVAL;
        c->kernel_major = maj;
        c->kernel_minor = min;
        return 0;
}

/* Appends `s` at *at if it fits before `end` (which keeps room for the NUL). */
static bool append(char **at, const char *end, const char *s)
{
        size_t l = strlen(s);
        if (l > (size_t)(end - *at))
                return false;
        memcpy(*at, s, l);
        *at += l;
        return true;
}

int context_to_string(const struct context *c, char **ret)
{
        /* Every blob request asks for it: no printf. Names of capabilities are short, and
         * CAP_COUNT of them fit. */
        char buf[2048], *at = buf, *end = buf + sizeof(buf) - 1;
        char kernel[2 * 11 + 2], *k = kernel + sizeof(kernel);
        unsigned v = c->kernel_minor;
        *--k = 0;
        do
                *--k = (char)('0' + v % 10);
        while ((v /= 10) > 0);
        *--k = '.';
        v = c->kernel_major;
        do
                *--k = (char)('0' + v % 10);
        while ((v /= 10) > 0);
        bool ok = append(&at, end, "arch=") &&
                  append(&at, end, c->arch ? c->arch->short_name : "?") &&
                  append(&at, end, " caps=");
        bool any = false;
        for (int i = 0; ok && i < CAP_COUNT; i++)
                if (c->caps & (UINT64_C(1) << i)) {
                        ok = (!any || append(&at, end, ",")) && append(&at, end, cap_to_string(i));
                        any = true;
                }
        ok = ok && (any || append(&at, end, "none")) && append(&at, end, " kernel=") &&
             append(&at, end, k);
        if (!ok)
                return -ENOMEM; /* cannot happen: the buffer holds every capability */
        *at = 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static bool holds_cap(const struct context *c, const char *name)
{
        int n = cap_from_string(name);
        return n >= 0 && (c->caps & (UINT64_C(1) << n));
}

static bool has_arch(const struct profile_cond *cond, const struct arch_info *arch)
{
        for (size_t i = 0; i < cond->n_arches; i++)
                if (arch_go_name_matches(arch, cond->arches[i]))
                        return true;
        return false;
}

static bool kernel_at_least(const struct context *c, unsigned maj, unsigned min)
{
        return c->kernel_major > maj || (c->kernel_major == maj && c->kernel_minor >= min);
}

/* moby's profiles/seccomp setupSeccomp, rule by rule. */
static bool rule_applies(const struct profile_rule *rule, const struct context *c)
{
        const struct profile_cond *ex = &rule->excludes, *in = &rule->includes;

        if (ex->n_arches && has_arch(ex, c->arch))
                return false;
        for (size_t i = 0; i < ex->n_caps; i++)
                if (holds_cap(c, ex->caps[i]))
                        return false;
        if (ex->has_min_kernel && kernel_at_least(c, ex->kernel_major, ex->kernel_minor))
                return false;
        if (in->n_arches && !has_arch(in, c->arch))
                return false;
        for (size_t i = 0; i < in->n_caps; i++)
                if (!holds_cap(c, in->caps[i]))
                        return false;
        if (in->has_min_kernel && !kernel_at_least(c, in->kernel_major, in->kernel_minor))
                return false;
        return true;
}

/* An ERRNO of 4095 and above never gets here: every dialect refuses it, as its consumer does
 * (dialect.c); libseccomp would refuse it too. */
static uint32_t action_data(enum action a, bool has, uint32_t value)
{
        return action_has_data(a) ? profile_effective_errno(has, value) : 0;
}

static void add_arch(struct resolved *r, const struct arch_info *a)
{
        for (size_t i = 0; i < r->n_arches; i++)
                if (r->arches[i] == a)
                        return;
        if (r->n_arches < ELEMENTSOF(r->arches))
                r->arches[r->n_arches++] = a;
}

/* The architectures of the filter: the context's (the node's native arch) first, then
 * "architectures" as listed, else the sub-architectures of the first archMap entry for the
 * context's arch (as moby does). Every consumer keeps the native arch whether the profile
 * lists it or not: crun (src/libcrun/seccomp.c), runc (libcontainer/seccomp/seccomp_linux.go)
 * and Mesos (src/linux/seccomp/seccomp.cpp) start from seccomp_init(), which holds the native
 * arch, and only ever seccomp_arch_add() the listed ones; none calls seccomp_arch_remove(). */
static void resolve_arches(struct resolved *r, const struct profile *p, const struct context *ctx)
{
        if (p->n_architectures) {
                add_arch(r, ctx->arch);
                r->native_implied = true;
                for (size_t i = 0; i < p->n_architectures; i++) {
                        add_arch(r, p->architectures[i]);
                        if (p->architectures[i] == ctx->arch)
                                r->native_implied = false;
                }
                return;
        }
        add_arch(r, ctx->arch);
        for (size_t i = 0; i < p->n_arch_map; i++) {
                if (p->arch_map[i].arch != ctx->arch)
                        continue;
                for (size_t k = 0; k < p->arch_map[i].n_sub_arches; k++)
                        add_arch(r, p->arch_map[i].sub_arches[k]);
                break; /* moby takes the first matching entry */
        }
}

/* Appends what `rule` becomes in `ctx` to r->rules (room for one rule per argument condition
 * was made): nothing when its conditions do not hold or it does what the default does, one
 * rule, or one per argument condition when several conditions name the same argument. */
static void resolve_rule(struct resolved *r, const struct profile_rule *rule,
                         const struct context *ctx)
{
        if (!rule_applies(rule, ctx)) {
                r->n_dropped++;
                return;
        }
        uint32_t data = action_data(rule->action, rule->has_errno, rule->errno_ret);
        if (rule->action == r->default_action && data == r->default_data) {
                r->n_skipped++;
                return;
        }
        struct resolved_rule base = {
                .names = rule->names,
                .n_names = rule->n_names,
                .action = rule->action,
                .data = data,
                .source = rule->index,
        };
        unsigned counts[PROFILE_MAX_ARG_INDEX] = {0};
        bool split = false;
        for (size_t k = 0; k < rule->n_args; k++)
                split = split || ++counts[rule->args[k].index] > 1;
        if (!split) {
                for (size_t k = 0; k < rule->n_args; k++)
                        base.args[k] = rule->args[k];
                base.n_args = rule->n_args;
                r->rules[r->n_rules++] = base;
                return;
        }
        for (size_t k = 0; k < rule->n_args; k++) {
                struct resolved_rule one = base;
                one.args[0] = rule->args[k];
                one.n_args = 1;
                r->rules[r->n_rules++] = one;
        }
}

int profile_resolve(const struct profile *p, const struct context *ctx, struct resolved **ret)
{
        _cleanup_(resolved_freep) struct resolved *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->profile = p;
        r->context = *ctx;
        r->default_action = p->default_action;
        r->default_data = action_data(p->default_action, p->has_default_errno, p->default_errno);
        resolve_arches(r, p, ctx);

        size_t cap = 0;
        for (size_t i = 0; i < p->n_rules; i++)
                cap += p->rules[i].n_args > 1 ? p->rules[i].n_args : 1;
        r->rules = calloc(cap ? cap : 1, sizeof(*r->rules));
        if (!r->rules)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_rules; i++)
                resolve_rule(r, &p->rules[i], ctx);
        *ret = TAKE_PTR(r);
        return 0;
}

struct resolved *resolved_free(struct resolved *r)
{
        if (!r)
                return NULL;
        free(r->rules);
        free(r);
        return NULL;
}

static bool arg_matches(const struct profile_arg *a, uint64_t v)
{
        switch (a->op) {
        case OP_NE: return v != a->value;
        case OP_LT: return v < a->value;
        case OP_LE: return v <= a->value;
        case OP_EQ: return v == a->value;
        case OP_GE: return v >= a->value;
        case OP_GT: return v > a->value;
        case OP_MASKED_EQ: return (v & a->value) == a->value_two;
        default: return false;
        }
}

bool resolved_rule_matches(const struct resolved_rule *rule, const uint64_t args[6])
{
        for (size_t k = 0; k < rule->n_args; k++)
                if (!arg_matches(&rule->args[k], args[rule->args[k].index]))
                        return false;
        return true;
}

const struct resolved_rule *resolved_find_rule(const struct resolved *r, const char *syscall,
                                               const uint64_t args[6], enum action action,
                                               uint32_t data)
{
        for (size_t i = 0; i < r->n_rules; i++) {
                const struct resolved_rule *rule = &r->rules[i];
                if (rule->action != action || (action_has_data(action) && rule->data != data))
                        continue;
                bool named = false;
                for (size_t k = 0; k < rule->n_names && !named; k++)
                        named = streq(rule->names[k], syscall);
                if (named && resolved_rule_matches(rule, args))
                        return rule;
        }
        return NULL;
}

int context_from_string(const char *s, struct context *ret)
{
        char arch[64], caps[1024], kernel[32];
        struct context c = {0};
        const char *bad;

        if (sscanf(s, "arch=%63s caps=%1023s kernel=%31s", arch, caps, kernel) != 3 ||
            context_set_arch(&c, arch) < 0 || context_set_kernel(&c, kernel) < 0)
                return -EINVAL;
        c.caps = 0;
        if (context_set_caps(&c, caps, &bad) < 0)
                return -EINVAL;
        *ret = c;
        return 0;
}

enum action action_from_ret(uint32_t ret, uint32_t *ret_data)
{
        *ret_data = ret & SECCOMP_RET_DATA;
        switch (ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS: return ACTION_KILL_PROCESS;
        case SECCOMP_RET_KILL_THREAD: return ACTION_KILL_THREAD;
        case SECCOMP_RET_TRAP: return ACTION_TRAP;
        case SECCOMP_RET_ERRNO: return ACTION_ERRNO;
        case SECCOMP_RET_USER_NOTIF: return ACTION_NOTIFY;
        case SECCOMP_RET_TRACE: return ACTION_TRACE;
        case SECCOMP_RET_LOG: return ACTION_LOG;
        case SECCOMP_RET_ALLOW: return ACTION_ALLOW;
        default: return _ACTION_INVALID;
        }
}

static bool rule_names(const struct resolved_rule *rule, const char *syscall)
{
        for (size_t k = 0; k < rule->n_names; k++)
                if (streq(rule->names[k], syscall))
                        return true;
        return false;
}

void resolved_name_rule(const struct resolved *r, const char *syscall, uint32_t ret,
                        bool data_known, struct rule_verdict *v)
{
        uint32_t data;
        enum action a = action_from_ret(ret, &data);
        bool conditional = false, unconditional = false;

        *v = (struct rule_verdict){0};
        for (size_t i = 0; i < r->n_rules; i++) {
                const struct resolved_rule *rule = &r->rules[i];
                if (!rule_names(rule, syscall))
                        continue;
                bool same = (int)a >= 0 && rule->action == a &&
                            (!data_known || !action_has_data(a) || rule->data == data);
                /* A rule for every call of it: the default never decides. */
                unconditional |= rule->n_args == 0;
                if (!same)
                        continue;
                conditional |= rule->n_args > 0;
                /* Rules split per condition share their source: name each source once. */
                bool listed = false;
                for (size_t k = 0; k < v->n_sources && k < RULE_CANDIDATES_MAX; k++)
                        listed |= v->sources[k] == rule->source;
                if (listed)
                        continue;
                if (v->n_sources < RULE_CANDIDATES_MAX) {
                        size_t k = v->n_sources;
                        while (k > 0 && v->sources[k - 1] > rule->source) {
                                v->sources[k] = v->sources[k - 1];
                                k--;
                        }
                        v->sources[k] = rule->source;
                }
                v->n_sources++;
        }
        bool default_same = (int)a >= 0 && r->default_action == a &&
                            (!data_known || !action_has_data(a) || r->default_data == data);
        /* The default decides when no rule does: only possible when every rule naming the
         * call has argument conditions. */
        v->default_candidate = default_same && !unconditional;
        if (v->n_sources == 1 && !conditional)
                v->kind = RULE_VERDICT_RULE;
        else if (v->n_sources == 0)
                v->kind = v->default_candidate ? RULE_VERDICT_DEFAULT : RULE_VERDICT_NONE;
        else
                v->kind = RULE_VERDICT_CANDIDATES;
}

void rule_verdict_to_string(const struct rule_verdict *v, char *buf, size_t size)
{
        size_t n = 0;
        if (size == 0)
                return;
        buf[0] = 0;
        switch (v->kind) {
        case RULE_VERDICT_RULE: snprintf(buf, size, "/syscalls/%zu", v->sources[0]); return;
        case RULE_VERDICT_DEFAULT: snprintf(buf, size, "defaultAction"); return;
        case RULE_VERDICT_NONE: snprintf(buf, size, "none"); return;
        default: break;
        }
        for (size_t k = 0; k < v->n_sources && k < RULE_CANDIDATES_MAX && n < size; k++)
                n += (size_t)snprintf(buf + n, size - n, "%s/syscalls/%zu", k ? "|" : "",
                                      v->sources[k]);
        if (v->n_sources > RULE_CANDIDATES_MAX && n < size)
                n += (size_t)snprintf(buf + n, size - n, "|+%zu",
                                      v->n_sources - RULE_CANDIDATES_MAX);
        if (v->default_candidate && n < size)
                snprintf(buf + n, size - n, "|defaultAction");
}
