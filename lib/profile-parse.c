/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "profile-parse-rule.h"
#include "profile-parse-value.h"

/* The top level of a profile: its keys, the architectures and the list of rules. Rules are
 * read by profile-parse-rule.c, single values by profile-parse-value.c. */

static const char *const top_keys[] = {
        "defaultAction", "defaultErrnoRet", "defaultErrno",     "architectures", "archMap",
        "flags",         "listenerPath",    "listenerMetadata", "syscalls",
};
static const char *const archmap_keys[] = {"architecture", "subArchitectures"};

/* The sub-architectures of one archMap entry; unknown names are skipped with a warning. */
static int parse_sub_arches(struct parser *p, json_t *subs, const char *sp,
                            struct profile_arch_map *m)
{
        size_t ns = json_array_size(subs), j;
        json_t *s;
        int r = 0;
        m->sub_arches = parser_calloc(p, ns ? ns : 1, sizeof(*m->sub_arches));
        if (!m->sub_arches)
                return -ENOMEM;
        json_array_foreach (subs, j, s) {
                _cleanup_free_ char *xp = parser_child_index(p, sp, j);
                int rs = xp ? parse_arch_name(p, s, xp, true, &m->sub_arches[m->n_sub_arches])
                            : -ENOMEM;
                if (rs < 0)
                        r = -EINVAL;
                else if (rs == 0)
                        m->n_sub_arches++;
        }
        return r;
}

/* One archMap entry, appended to prof->arch_map unless it has to be skipped (not an object,
 * no or an unknown architecture, subArchitectures not an array). */
static int parse_arch_map_entry(struct parser *p, json_t *e, const char *ep, struct profile *prof)
{
        if (!parser_expect_type(p, e, JSON_OBJECT, ep, "archMap entry"))
                return -EINVAL;
        parser_check_keys(p, e, ep, archmap_keys, ELEMENTSOF(archmap_keys), "archMap entry");
        struct profile_arch_map *m = &prof->arch_map[prof->n_arch_map];
        _cleanup_free_ char *ap = NULL;
        json_t *arch;
        int r = parser_required_at(p, e, ep, "architecture", &arch, &ap);
        if (r < 0)
                return r;
        r = parse_arch_name(p, arch, ap, true, &m->arch);
        if (r != 0)
                return r < 0 ? -EINVAL : 0;
        for (size_t k = 0; k < prof->n_arch_map; k++)
                if (prof->arch_map[k].arch == m->arch)
                        report(p, DIAG_WARNING, ap, NULL,
                               "architecture %s appears twice in archMap; the first entry wins",
                               m->arch->name);
        json_t *subs = parser_member(e, "subArchitectures");
        if (subs) {
                _cleanup_free_ char *sp = parser_child(p, ep, "subArchitectures");
                if (!sp || !parser_expect_type(p, subs, JSON_ARRAY, sp, "subArchitectures"))
                        return -EINVAL;
                r = parse_sub_arches(p, subs, sp, m);
                if (r == -ENOMEM)
                        return r;
        }
        prof->n_arch_map++;
        return r;
}

static int parse_arch_map(struct parser *p, json_t *v, const char *ptr, struct profile *prof)
{
        if (!parser_expect_type(p, v, JSON_ARRAY, ptr, "archMap"))
                return -EINVAL;
        size_t n = json_array_size(v), i;
        json_t *e;
        int r = 0;
        prof->arch_map = parser_calloc(p, n ? n : 1, sizeof(*prof->arch_map));
        if (!prof->arch_map)
                return -ENOMEM;
        prof->has_arch_map = true;
        json_array_foreach (v, i, e) {
                _cleanup_free_ char *ep = parser_child_index(p, ptr, i);
                if (!ep)
                        return -ENOMEM;
                if (!parser_fold(parse_arch_map_entry(p, e, ep, prof), &r))
                        return r;
        }
        return r;
}

static int parse_architectures(struct parser *p, json_t *v, const char *ptr, struct profile *prof)
{
        if (!parser_expect_type(p, v, JSON_ARRAY, ptr, "architectures"))
                return -EINVAL;
        size_t n = json_array_size(v), i;
        json_t *e;
        int r = 0;
        prof->architectures = parser_calloc(p, n ? n : 1, sizeof(*prof->architectures));
        if (!prof->architectures)
                return -ENOMEM;
        json_array_foreach (v, i, e) {
                _cleanup_free_ char *ep = parser_child_index(p, ptr, i);
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
        if (!parser_expect_type(p, v, JSON_ARRAY, ptr, "flags"))
                return -EINVAL;
        size_t i;
        json_t *e;
        int r = 0;
        json_array_foreach (v, i, e) {
                _cleanup_free_ char *ep = parser_child_index(p, ptr, i);
                if (!ep || !parser_expect_type(p, e, JSON_STRING, ep, "flag")) {
                        r = -EINVAL;
                        continue;
                }
                enum filter_flag f = filter_flag_from_string(json_string_value(e));
                if (f < 0) {
                        char hint[80];
                        report(p, DIAG_ERROR, ep,
                               parser_suggest("flag", json_string_value(e), hint, sizeof(hint)),
                               "unknown flag \"%s\"", json_string_value(e));
                        r = -EINVAL;
                        continue;
                }
                prof->flags |= 1U << f;
        }
        return r;
}

static int parse_default_action(struct parser *p, json_t *root, struct profile *prof)
{
        _cleanup_free_ char *ptr = NULL;
        json_t *da;
        int r = parser_required_at(p, root, "", "defaultAction", &da, &ptr);
        if (r < 0)
                return r;
        return parse_action(p, da, ptr, &prof->default_action);
}

/* "defaultErrnoRet" and containers/common's "defaultErrno" name; the name wins. */
static int parse_default_errno(struct parser *p, json_t *root, struct profile *prof)
{
        json_t *der = parser_member(root, "defaultErrnoRet"),
               *den = parser_member(root, "defaultErrno");
        int r = 0;
        if (der) {
                if (parse_errno_number(p, der, "/defaultErrnoRet", &prof->default_errno_number) < 0)
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
        return r;
}

/* A default errno goes only with an action that carries data. Reported, not returned: the
 * caller sees it among the diagnostics. */
static void check_default_errno_action(struct parser *p, json_t *root, const struct profile *prof)
{
        if (!parser_member(root, "defaultAction") || !prof->has_default_errno ||
            action_has_data(prof->default_action))
                return;
        bool number = parser_member(root, "defaultErrnoRet") != NULL;
        report(p, DIAG_ERROR, number ? "/defaultErrnoRet" : "/defaultErrno",
               "drop it, or use SCMP_ACT_ERRNO",
               "%s is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
               number ? "defaultErrnoRet" : "defaultErrno", action_to_string(prof->default_action));
}

/* "architectures" or "archMap", not both (non-empty). */
static int parse_arches(struct parser *p, json_t *root, struct profile *prof)
{
        json_t *arches = parser_member(root, "architectures"),
               *amap = parser_member(root, "archMap");
        int r = 0;
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
        return r;
}

static int parse_top_flags(struct parser *p, json_t *root, struct profile *prof)
{
        json_t *flags = parser_member(root, "flags");
        return flags ? parse_flags(p, flags, "/flags", prof) : 0;
}

/* "listenerPath" (non-empty) and "listenerMetadata", which needs it. */
static int parse_listener(struct parser *p, json_t *root, struct profile *prof)
{
        json_t *lp = parser_member(root, "listenerPath"),
               *lm = parser_member(root, "listenerMetadata");
        int r = 0;
        if (lp) {
                if (!parser_expect_type(p, lp, JSON_STRING, "/listenerPath", "listenerPath"))
                        r = -EINVAL;
                else if (json_string_length(lp) == 0) {
                        report(p, DIAG_ERROR, "/listenerPath", NULL, "listenerPath is empty");
                        r = -EINVAL;
                } else if (!(prof->listener_path = parser_strdup(p, json_string_value(lp))))
                        return -ENOMEM;
        }
        if (lm) {
                if (!parser_expect_type(p, lm, JSON_STRING, "/listenerMetadata",
                                        "listenerMetadata"))
                        r = -EINVAL;
                else if (!lp) {
                        report(p, DIAG_ERROR, "/listenerMetadata", "set listenerPath too",
                               "listenerMetadata is set without listenerPath");
                        r = -EINVAL;
                } else if (!(prof->listener_metadata = parser_strdup(p, json_string_value(lm))))
                        return -ENOMEM;
        }
        return r;
}

static int parse_syscalls(struct parser *p, json_t *root, struct profile *prof)
{
        json_t *sys = parser_member(root, "syscalls");
        if (!sys)
                return 0;
        if (!parser_expect_type(p, sys, JSON_ARRAY, "/syscalls", "syscalls"))
                return -EINVAL;
        size_t n = json_array_size(sys), i;
        json_t *e;
        int r = 0;
        if (n > PROFILE_MAX_RULES) {
                report(p, DIAG_ERROR, "/syscalls", NULL, "too many rules (%zu > %d)", n,
                       PROFILE_MAX_RULES);
                return -EINVAL;
        }
        prof->rules = parser_calloc(p, n ? n : 1, sizeof(*prof->rules));
        if (!prof->rules)
                return -ENOMEM;
        json_array_foreach (sys, i, e) {
                _cleanup_free_ char *ep = parser_child_index(p, "/syscalls", i);
                if (!ep)
                        return -ENOMEM;
                struct profile_rule *rule = &prof->rules[prof->n_rules++];
                rule->index = i;
                if (parse_rule(p, e, ep, rule) < 0)
                        r = -EINVAL;
        }
        return r;
}

static int parse_top(struct parser *p, json_t *root, struct profile *prof)
{
        if (!json_is_object(root)) {
                report(p, DIAG_ERROR, "", NULL, "a seccomp profile must be a JSON object, not %s",
                       parser_type_name(root));
                return -EINVAL;
        }
        parser_check_keys(p, root, "", top_keys, ELEMENTSOF(top_keys), "the profile");
        int r = 0;
        if (!parser_fold(parse_default_action(p, root, prof), &r) ||
            !parser_fold(parse_default_errno(p, root, prof), &r))
                return r;
        /* Only when both read well, or the verdict would be about a value not understood. */
        if (r == 0)
                check_default_errno_action(p, root, prof);
        (void)(parser_fold(parse_arches(p, root, prof), &r) &&
               parser_fold(parse_top_flags(p, root, prof), &r) &&
               parser_fold(parse_listener(p, root, prof), &r) &&
               parser_fold(parse_syscalls(p, root, prof), &r));
        return r;
}

int profile_parse_tree(json_t *root, const struct json_source *src,
                       const struct profile_parse_options *opts, struct diag_list *diags,
                       struct profile *prof)
{
        struct parser p = {.diags = diags, .src = src, .opts = opts};
        int r = parse_top(&p, root, prof);
        return p.error < 0 ? p.error : r;
}
