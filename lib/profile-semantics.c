/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "profile-internal.h"

static char *rule_ptr(size_t index, const char *suffix)
{
        char *s;
        if (asprintf(&s, "/syscalls/%zu%s", index, suffix) < 0)
                return NULL;
        return s;
}

/* A NOTIFY rule needs a listener, and must not catch write(2). */
static int check_notify_rule(const struct profile *p, const struct profile_rule *rule,
                             const char *ap, struct diag_list *diags)
{
        int r;
        if (!p->listener_path) {
                r = diag_add(diags, DIAG_ERROR, ap, "set \"listenerPath\"",
                             "SCMP_ACT_NOTIFY needs a listenerPath to send the "
                             "notification fd to");
                if (r < 0)
                        return r;
        }
        for (size_t k = 0; k < rule->n_names; k++) {
                if (!streq(rule->names[k], "write"))
                        continue;
                _cleanup_free_ char *np =
                        rule_ptr(rule->index, rule->legacy_name ? "/name" : "/names");
                _cleanup_free_ char *npi = NULL;
                if (np && !rule->legacy_name)
                        npi = json_pointer_append_index(np, k);
                r = diag_add(diags, DIAG_ERROR, npi ? npi : np, NULL,
                             "SCMP_ACT_NOTIFY on \"write\" can deadlock the "
                             "runtime that sends the listener fd; runc and youki "
                             "refuse it");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A rule that does what the default does is skipped. */
static int check_rule_like_default(const struct profile *p, const struct profile_rule *rule,
                                   const char *ap, struct diag_list *diags)
{
        uint32_t def_errno = profile_effective_errno(p->has_default_errno, p->default_errno);
        if (rule->action != p->default_action ||
            (action_has_data(rule->action) &&
             profile_effective_errno(rule->has_errno, rule->errno_ret) != def_errno))
                return 0;
        return diag_add(diags, DIAG_WARNING, ap, "remove the rule; it has no effect",
                        "rule has the same action as defaultAction and is skipped "
                        "(runc and crun skip it, libseccomp refuses it)");
}

/* Several conditions on one argument make one rule each (OR); noted once per rule. */
static int check_arg_conditions(const struct profile_rule *rule, struct diag_list *diags)
{
        unsigned counts[PROFILE_MAX_ARG_INDEX] = {0};
        for (size_t k = 0; k < rule->n_args; k++)
                counts[rule->args[k].index]++;
        for (unsigned idx = 0; idx < PROFILE_MAX_ARG_INDEX; idx++) {
                if (counts[idx] < 2)
                        continue;
                _cleanup_free_ char *argp = rule_ptr(rule->index, "/args");
                return diag_add(diags, DIAG_NOTE, argp, NULL,
                                "%u conditions on argument %u: every condition of this rule "
                                "becomes a rule of its own (OR), as runc and crun do",
                                counts[idx], idx);
        }
        return 0;
}

int profile_semantics_check(const struct profile *p, struct diag_list *diags)
{
        bool any_notify = false;
        int r;

        if (p->default_action == ACTION_NOTIFY) {
                r = diag_add(diags, DIAG_ERROR, "/defaultAction",
                             "use SCMP_ACT_NOTIFY on individual rules",
                             "SCMP_ACT_NOTIFY cannot be the default action (the listener would "
                             "have to answer every syscall, including its own)");
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_rules; i++) {
                const struct profile_rule *rule = &p->rules[i];
                _cleanup_free_ char *ap = rule_ptr(rule->index, "/action");
                if (!ap)
                        return -ENOMEM;
                if (rule->action == ACTION_NOTIFY) {
                        any_notify = true;
                        r = check_notify_rule(p, rule, ap, diags);
                        if (r < 0)
                                return r;
                }
                r = check_rule_like_default(p, rule, ap, diags);
                if (r < 0)
                        return r;
                r = check_arg_conditions(rule, diags);
                if (r < 0)
                        return r;
        }
        if (p->listener_path && !any_notify) {
                r = diag_add(diags, DIAG_WARNING, "/listenerPath", NULL,
                             "listenerPath is set but no rule uses SCMP_ACT_NOTIFY");
                if (r < 0)
                        return r;
        }
        return 0;
}
