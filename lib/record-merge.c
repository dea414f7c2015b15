/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "names.h"
#include "record.h"

/* record_merge(): works on the JSON itself, not on the parsed model, so that everything of
 * `base` the model does not keep (key order, comments, unknown keys) is written back. */

_printf_(2, 3) static int fail(char **error, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (error && vasprintf(error, fmt, ap) < 0)
                *error = NULL;
        va_end(ap);
        return -EINVAL;
}

static bool empty(const json_t *v)
{
        return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
               (json_is_object(v) && json_object_size(v) == 0);
}

static bool is_deny(const char *action)
{
        switch (action_from_string(action)) {
        case ACTION_ERRNO:
        case ACTION_KILL_THREAD:
        case ACTION_KILL_PROCESS:
        case ACTION_TRAP: return true;
        default: return false;
        }
}

static int check_arch_list(const json_t *a, const char *what, const char *key, char **error)
{
        size_t i;
        json_t *v;
        if (!json_is_array(a))
                return fail(error, "%s: \"%s\" is not an array", what, key);
        json_array_foreach (a, i, v)
                if (!json_is_string(v) || !arch_lookup(json_string_value(v)))
                        return fail(error, "%s: %s[%zu] is not an architecture", what, key, i);
        return 0;
}

/* What record_merge() relies on: a deny by default, rules with names and an action, known
 * architectures. The engine validates the result in full afterwards. */
static int check_profile(const json_t *p, const char *what, char **error)
{
        if (!json_is_object(p))
                return fail(error, "%s: not a JSON object", what);
        const char *def = json_string_value(json_object_get(p, "defaultAction"));
        if (!def)
                return fail(error, "%s: no \"defaultAction\"", what);
        if (!is_deny(def))
                return fail(error,
                            "%s: defaultAction %s is not a deny: an allowlist is merged only "
                            "into an allowlist",
                            what, def);
        json_t *a = json_object_get(p, "architectures");
        if (a && !json_is_null(a) && check_arch_list(a, what, "architectures", error) < 0)
                return -EINVAL;
        json_t *m = json_object_get(p, "archMap"), *e;
        size_t i;
        if (m && !json_is_null(m)) {
                if (!json_is_array(m))
                        return fail(error, "%s: \"archMap\" is not an array", what);
                json_array_foreach (m, i, e) {
                        json_t *sub = json_object_get(e, "subArchitectures");
                        if (!arch_lookup(json_string_value(json_object_get(e, "architecture"))))
                                return fail(error, "%s: archMap[%zu] has no known architecture",
                                            what, i);
                        if (sub && !json_is_null(sub) &&
                            check_arch_list(sub, what, "subArchitectures", error) < 0)
                                return -EINVAL;
                }
        }
        json_t *rules = json_object_get(p, "syscalls"), *rule;
        if (!rules || json_is_null(rules))
                return 0;
        if (!json_is_array(rules))
                return fail(error, "%s: \"syscalls\" is not an array", what);
        json_array_foreach (rules, i, rule) {
                if (!json_is_object(rule))
                        return fail(error, "%s: syscalls[%zu] is not an object", what, i);
                if (!json_is_string(json_object_get(rule, "action")))
                        return fail(error, "%s: syscalls[%zu] has no action", what, i);
                json_t *names = json_object_get(rule, "names"), *n;
                size_t k;
                if (names && !json_is_null(names)) {
                        if (!json_is_array(names))
                                return fail(error, "%s: syscalls[%zu].names is not an array", what,
                                            i);
                        json_array_foreach (names, k, n)
                                if (!json_is_string(n))
                                        return fail(error,
                                                    "%s: syscalls[%zu].names[%zu] is not a string",
                                                    what, i, k);
                }
                json_t *name = json_object_get(rule, "name");
                if (name && !json_is_null(name) && !json_is_string(name))
                        return fail(error, "%s: syscalls[%zu].name is not a string", what, i);
        }
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The architectures an unconditional ALLOW rule is for, as a key ("" for all, else the
 * sorted moby names of includes.arches joined by ","); NULL when the rule is not an
 * unconditional ALLOW (arguments, excludes, capabilities or a minimum kernel, or another
 * action). */
static char *allow_scope(const json_t *rule)
{
        if (action_from_string(json_string_value(json_object_get(rule, "action"))) !=
                    ACTION_ALLOW ||
            !empty(json_object_get(rule, "args")) || !empty(json_object_get(rule, "excludes")))
                return NULL;
        json_t *in = json_object_get(rule, "includes");
        if (in && !json_is_null(in) && !json_is_object(in))
                return NULL;
        const char *key;
        json_t *v;
        json_object_foreach (in, key, v)
                if (!streq(key, "arches") && !empty(v))
                        return NULL;
        json_t *arches = json_object_get(in, "arches");
        size_t n = json_is_array(arches) ? json_array_size(arches) : 0;
        if (arches && !json_is_null(arches) && !json_is_array(arches))
                return NULL;
        const char **v2 = calloc(n ? n : 1, sizeof(char *));
        if (!v2)
                return NULL;
        size_t len = 1;
        for (size_t i = 0; i < n; i++) {
                const char *s = json_string_value(json_array_get(arches, i));
                const struct arch_info *a = arch_lookup(s);
                v2[i] = a ? a->go_name : (s ? s : "");
                len += strlen(v2[i]) + 1;
        }
        qsort(v2, n, sizeof(char *), cmp_str);
        char *out = malloc(len);
        if (out) {
                out[0] = 0;
                for (size_t i = 0; i < n; i++) {
                        if (i > 0)
                                strcat(out, ",");
                        strcat(out, v2[i]);
                }
        }
        free(v2);
        return out;
}

/* Calls `fn` for each name of `rule` ("names", and the legacy "name"). */
static int foreach_name(const json_t *rule, int (*fn)(const char *name, void *u), void *u)
{
        json_t *names = json_object_get(rule, "names"), *n;
        size_t k;
        int r;
        json_array_foreach (names, k, n)
                if ((r = fn(json_string_value(n), u)) < 0)
                        return r;
        const char *one = json_string_value(json_object_get(rule, "name"));
        return one ? fn(one, u) : 0;
}

static int mark(const char *name, void *u)
{
        return json_object_set_new(u, name, json_true()) < 0 ? -ENOMEM : 0;
}

/* scope key -> {name: true}: what `p` allows unconditionally. */
static int allowed_by_scope(const json_t *p, json_t **ret)
{
        json_t *out = json_object(), *rule;
        size_t i;
        if (!out)
                return -ENOMEM;
        json_array_foreach (json_object_get(p, "syscalls"), i, rule) {
                _cleanup_free_ char *scope = allow_scope(rule);
                if (!scope)
                        continue;
                json_t *set = json_object_get(out, scope);
                if (!set && json_object_set_new(out, scope, set = json_object()) < 0) {
                        json_decref(out);
                        return -ENOMEM;
                }
                if (foreach_name(rule, mark, set) < 0) {
                        json_decref(out);
                        return -ENOMEM;
                }
        }
        *ret = out;
        return 0;
}

static bool sorted(const json_t *names)
{
        for (size_t k = 1; k < json_array_size(names); k++) {
                const char *a = json_string_value(json_array_get(names, k - 1)),
                           *b = json_string_value(json_array_get(names, k));
                if (!a || !b || strcmp(a, b) > 0)
                        return false;
        }
        return true;
}

static int sort_names(json_t *names)
{
        size_t n = json_array_size(names);
        const char **v = calloc(n ? n : 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                v[k] = json_string_value(json_array_get(names, k));
        qsort(v, n, sizeof(char *), cmp_str);
        json_t *copy = json_array();
        int r = copy ? 0 : -ENOMEM;
        for (size_t k = 0; r == 0 && k < n; k++)
                if (json_array_append_new(copy, json_string(v[k])) < 0)
                        r = -ENOMEM;
        free(v);
        if (r == 0 && (json_array_clear(names) < 0 || json_array_extend(names, copy) < 0))
                r = -ENOMEM;
        json_decref(copy);
        return r;
}

static bool has_comments(const json_t *p)
{
        json_t *rule;
        size_t i;
        json_array_foreach (json_object_get(p, "syscalls"), i, rule)
                if (json_object_get(rule, "comment"))
                        return true;
        return json_object_get(p, "comment") != NULL;
}

/* Adds `add` (names not in base yet) to base's first unconditional ALLOW rule of the same
 * scope, or to a new rule at the end. `like` is a rule of `other` with that scope, whose
 * includes are copied into a new rule. */
static int add_names(json_t *base, const char *scope, json_t *add, const json_t *like,
                     const char *other_name)
{
        json_t *rules = json_object_get(base, "syscalls"), *rule;
        size_t i;
        json_array_foreach (rules, i, rule) {
                _cleanup_free_ char *s = allow_scope(rule);
                json_t *names = json_object_get(rule, "names");
                if (!s || !streq(s, scope) || !json_is_array(names))
                        continue;
                bool was_sorted = sorted(names);
                if (json_array_extend(names, add) < 0)
                        return -ENOMEM;
                return was_sorted ? sort_names(names) : 0;
        }
        if (!rules || json_is_null(rules)) {
                if (json_object_set_new(base, "syscalls", rules = json_array()) < 0)
                        return -ENOMEM;
        }
        json_t *n = json_object();
        if (!n || json_array_append_new(rules, n) < 0)
                return -ENOMEM;
        json_t *names = json_copy(add);
        if (!names || json_object_set_new(n, "names", names) < 0 || sort_names(names) < 0 ||
            json_object_set_new(n, "action", json_string("SCMP_ACT_ALLOW")) < 0)
                return -ENOMEM;
        json_t *in = json_object_get(like, "includes");
        if (*scope && json_object_set_new(n, "includes", json_deep_copy(in)) < 0)
                return -ENOMEM;
        if (has_comments(base)) {
                _cleanup_free_ char *c = NULL;
                if (asprintf(&c, "merged from %s", other_name ? other_name : "another profile") <
                            0 ||
                    json_object_set_new(n, "comment", json_string(c)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Whether base's archMap or architectures name `a`. */
static bool base_has_arch(const json_t *base, const struct arch_info *a)
{
        json_t *v, *e;
        size_t i, k;
        json_array_foreach (json_object_get(base, "architectures"), i, v)
                if (arch_lookup(json_string_value(v)) == a)
                        return true;
        json_array_foreach (json_object_get(base, "archMap"), i, e) {
                if (arch_lookup(json_string_value(json_object_get(e, "architecture"))) == a)
                        return true;
                json_array_foreach (json_object_get(e, "subArchitectures"), k, v)
                        if (arch_lookup(json_string_value(v)) == a)
                                return true;
        }
        return false;
}

/* Every architecture of `other` becomes one of base: appended to "architectures", or, in an
 * archMap, a sub-architecture of the native arch's entry (or an entry of its own). */
static int merge_arches(json_t *base, const json_t *other)
{
        json_t *list = json_array(), *v, *e;
        size_t i, k;
        if (!list)
                return -ENOMEM;
        json_array_foreach (json_object_get(other, "architectures"), i, v)
                json_array_append(list, v);
        json_array_foreach (json_object_get(other, "archMap"), i, e) {
                json_array_append(list, json_object_get(e, "architecture"));
                json_array_foreach (json_object_get(e, "subArchitectures"), k, v)
                        json_array_append(list, v);
        }
        int r = 0;
        json_t *map = json_object_get(base, "archMap");
        const struct arch_info *native = arch_native();
        json_array_foreach (list, i, v) {
                const struct arch_info *a = arch_lookup(json_string_value(v));
                if (!a || base_has_arch(base, a))
                        continue;
                if (json_is_array(map) && json_array_size(map) > 0) {
                        json_t *entry = NULL;
                        json_array_foreach (map, k, e)
                                if (arch_lookup(json_string_value(
                                            json_object_get(e, "architecture"))) == native)
                                        entry = e;
                        if (entry && a != native) {
                                json_t *sub = json_object_get(entry, "subArchitectures");
                                if (!json_is_array(sub) &&
                                    json_object_set_new(entry, "subArchitectures",
                                                        sub = json_array()) < 0)
                                        r = -ENOMEM;
                                if (r == 0 && json_array_append_new(sub, json_string(a->name)) < 0)
                                        r = -ENOMEM;
                        } else {
                                json_t *n = json_pack("{s:s, s:[]}", "architecture", a->name,
                                                      "subArchitectures");
                                if (!n || json_array_append_new(map, n) < 0)
                                        r = -ENOMEM;
                        }
                } else {
                        json_t *arches = json_object_get(base, "architectures");
                        if (!json_is_array(arches) &&
                            json_object_set_new(base, "architectures", arches = json_array()) < 0)
                                r = -ENOMEM;
                        if (r == 0 && json_array_append_new(arches, json_string(a->name)) < 0)
                                r = -ENOMEM;
                }
                if (r < 0)
                        break;
        }
        json_decref(list);
        return r;
}

struct collect {
        json_t *have_all, *have_scope, *add;
};

static int collect_new(const char *name, void *u)
{
        struct collect *c = u;
        if (json_object_get(c->have_all, name) || json_object_get(c->have_scope, name))
                return 0;
        if (json_object_set_new(c->have_scope, name, json_true()) < 0 ||
            json_array_append_new(c->add, json_string(name)) < 0)
                return -ENOMEM;
        return 0;
}

int record_merge(json_t *base, const json_t *other, const char *other_name, char **error)
{
        if (error)
                *error = NULL;
        if (check_profile(base, "the base profile", error) < 0)
                return -EINVAL;
        if (check_profile(other, other_name ? other_name : "the other profile", error) < 0)
                return -EINVAL;

        json_t *have = NULL;
        int r = allowed_by_scope(base, &have);
        if (r < 0)
                return r;
        if (!json_object_get(have, "") && json_object_set_new(have, "", json_object()) < 0) {
                json_decref(have);
                return -ENOMEM;
        }
        json_t *rule;
        size_t i;
        json_array_foreach (json_object_get(other, "syscalls"), i, rule) {
                _cleanup_free_ char *scope = allow_scope(rule);
                if (!scope)
                        continue;
                json_t *set = json_object_get(have, scope);
                if (!set && json_object_set_new(have, scope, set = json_object()) < 0) {
                        r = -ENOMEM;
                        break;
                }
                struct collect c = {json_object_get(have, ""), set, json_array()};
                if (!c.add) {
                        r = -ENOMEM;
                        break;
                }
                r = foreach_name(rule, collect_new, &c);
                if (r == 0 && json_array_size(c.add) > 0)
                        r = add_names(base, scope, c.add, rule, other_name);
                json_decref(c.add);
                if (r < 0)
                        break;
        }
        json_decref(have);
        if (r == 0)
                r = merge_arches(base, other);
        if (r == -ENOMEM)
                return fail(error, "out of memory");
        return r;
}
