/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "profile-parse-cond.h"

static const char *const cond_keys[] = {"caps", "arches", "minKernel"};

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
        if (!parser_expect_type(p, v, JSON_STRING, ptr, "minKernel"))
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

/* Checks one name of a list; `ptr` is the list's pointer, `key` the condition's name. */
typedef void (*name_check_fn)(struct parser *p, const char *ptr, size_t i, const char *name,
                              const char *key);

/* Unknown capability names are kept (they compare as missing) but warned about. */
static void warn_unknown_cap(struct parser *p, const char *caps_ptr, size_t i, const char *name,
                             const char *key)
{
        if (cap_from_string(name) >= 0 && strncmp(name, "CAP_", 4) == 0)
                return;
        _cleanup_free_ char *ep = parser_child_index(p, caps_ptr, i);
        const char *const *all;
        size_t n = names_all("cap", &all);
        const char *sugg = names_closest(name, all, n);
        int cap = cap_from_string(name);
        char hint[80] = "";
        if (cap >= 0 || sugg)
                snprintf(hint, sizeof(hint), "did you mean %s?",
                         cap >= 0 ? cap_to_string(cap) : sugg);
        report(p, DIAG_WARNING, ep, hint[0] ? hint : NULL,
               "unknown capability \"%s\": no process holds it, so the rule "
               "compares as if it were missing",
               name);
}

/* includes/excludes name architectures as moby does ("amd64"); others are warned about. */
static void warn_unknown_arch(struct parser *p, const char *arches_ptr, size_t i, const char *name,
                              const char *key)
{
        if (arch_go_name_known(name))
                return;
        _cleanup_free_ char *ep = parser_child_index(p, arches_ptr, i);
        const struct arch_info *a = arch_lookup(name);
        char hint[80] = "";
        if (a)
                snprintf(hint, sizeof(hint), "write \"%s\"", a->go_name);
        report(p, DIAG_WARNING, ep, hint[0] ? hint : NULL,
               "unknown architecture \"%s\" in %s.arches (moby names such as "
               "\"amd64\" are expected)",
               name, key);
}

/* The list `list` ("caps", "arches") of a condition into `*ret` and `*ret_n`, each name
 * checked. */
static int parse_cond_names(struct parser *p, json_t *cond, const char *ptr, const char *list,
                            const char *key, name_check_fn check, char ***ret, size_t *ret_n)
{
        _cleanup_free_ char *lp = NULL;
        json_t *v;
        int r = parser_member_at(p, cond, ptr, list, &v, &lp);
        if (r <= 0)
                return r;
        r = parse_string_array(p, v, lp, list, ret, ret_n) < 0 ? -EINVAL : 0;
        for (size_t i = 0; i < *ret_n; i++)
                check(p, lp, i, (*ret)[i], key);
        return r;
}

static int parse_cond_min_kernel(struct parser *p, json_t *cond, const char *ptr,
                                 struct profile_cond *c)
{
        _cleanup_free_ char *mp = NULL;
        json_t *mk;
        int r = parser_member_at(p, cond, ptr, "minKernel", &mk, &mp);
        if (r <= 0)
                return r;
        return parse_min_kernel(p, mk, mp, c);
}

int parse_cond(struct parser *p, json_t *rule, const char *key, const char *rptr,
               struct profile_cond *c)
{
        _cleanup_free_ char *ptr = NULL;
        json_t *v;
        c->key_present = json_object_get(rule, key) != NULL;
        int r = parser_member_at(p, rule, rptr, key, &v, &ptr);
        if (r <= 0)
                return r;
        if (!parser_expect_type(p, v, JSON_OBJECT, ptr, key))
                return -EINVAL;
        parser_check_keys(p, v, ptr, cond_keys, ELEMENTSOF(cond_keys), key);

        r = 0;
        (void)(parser_fold(parse_cond_names(p, v, ptr, "caps", key, warn_unknown_cap, &c->caps,
                                            &c->n_caps),
                           &r) &&
               parser_fold(parse_cond_names(p, v, ptr, "arches", key, warn_unknown_arch, &c->arches,
                                            &c->n_arches),
                           &r) &&
               parser_fold(parse_cond_min_kernel(p, v, ptr, c), &r));
        return r;
}
