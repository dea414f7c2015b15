/* SPDX-License-Identifier: Apache-2.0 */
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "profile-internal.h"

/* What each consumer does with a profile, as read from its sources:
 * - containerd (CRI, Kubernetes Localhost profiles), runc and crun unmarshal the OCI
 *   LinuxSeccomp struct: archMap, includes/excludes, "name" and errno names are dropped.
 * - moby evaluates archMap and includes/excludes, but knows no errno names.
 * - containers/common (CRI-O, Podman) evaluates everything except minKernel.
 * - Mesos requires archMap and every rule's includes/excludes/args, every arg's valueTwo,
 *   and knows no errnoRet, minKernel, LOG, KILL_PROCESS or NOTIFY; unknown syscalls fail.
 * - An ERRNO of 4095 or more: libseccomp 2.5 refuses it (seccomp_init() returns NULL,
 *   seccomp_rule_add() -EINVAL; the kernel would clamp it, but no consumer gets that far):
 *   crun 1.8 (src/libcrun/seccomp.c: "error seccomp_init", "seccomp_rule_add"), runc
 *   (libcontainer/seccomp/seccomp_linux.go: NewFilter, AddRule errors), and so moby,
 *   containerd and CRI-O/Podman, which hand the section to runc or crun, refuse the whole
 *   profile. None clamps. TRACE takes any 16-bit value. */

/* How a consumer reads a profile. The checks below ask these questions, never the dialect's
 * name. */
struct dialect_policy {
        const char *name;
        bool oci_struct_only;    /* archMap, includes/excludes and "name" are dropped */
        bool reads_errno_names;  /* containers/common's "errno"/"defaultErrno" */
        bool ignores_min_kernel; /* evaluates includes/excludes, but not minKernel */
        bool requires_every_key; /* Mesos: archMap, includes/excludes/args, valueTwo; no
                                  * errnoRet, minKernel, LOG, KILL_PROCESS or NOTIFY */
        bool unknown_syscall_fatal;
        /* Who fails to start a container on an ERRNO of 4095 or more; NULL when not checked
         * here (Mesos refuses any errnoRet, see check_rule_mesos). */
        const char *large_errno_refused_by;
};

static const struct dialect_policy policy_table[_DIALECT_MAX] = {
        [DIALECT_KUBERNETES_CONTAINERD] = {.name = "kubernetes-containerd",
                                           .oci_struct_only = true,
                                           .large_errno_refused_by = "containerd's runc"},
        [DIALECT_CRIO] = {.name = "cri-o",
                          .reads_errno_names = true,
                          .ignores_min_kernel = true,
                          .large_errno_refused_by = "CRI-O's and Podman's crun or runc"},
        [DIALECT_MESOS] = {.name = "mesos",
                           .reads_errno_names = true, /* refuses them: checked on its own */
                           .requires_every_key = true,
                           .unknown_syscall_fatal = true},
        [DIALECT_CRUN] = {.name = "crun",
                          .oci_struct_only = true,
                          .large_errno_refused_by = "crun"},
        [DIALECT_RUNC] = {.name = "runc",
                          .oci_struct_only = true,
                          .large_errno_refused_by = "runc"},
        [DIALECT_DOCKER] = {.name = "docker", .large_errno_refused_by = "moby's runc (or crun)"},
};

const char *dialect_to_string(enum dialect d)
{
        return d >= 0 && d < _DIALECT_MAX ? policy_table[d].name : NULL;
}

enum dialect dialect_from_string(const char *s)
{
        if (!s)
                return _DIALECT_INVALID;
        for (size_t i = 0; i < _DIALECT_MAX; i++)
                if (streq(s, policy_table[i].name))
                        return (enum dialect)i;
        if (streq(s, "kubernetes") || streq(s, "containerd"))
                return DIALECT_KUBERNETES_CONTAINERD;
        if (streq(s, "crio") || streq(s, "podman") || streq(s, "containers-common"))
                return DIALECT_CRIO;
        if (streq(s, "dcos") || streq(s, "moby"))
                return streq(s, "dcos") ? DIALECT_MESOS : DIALECT_DOCKER;
        return _DIALECT_INVALID;
}

#define MISSING_KEY "%s requires the key \"%s\" in every rule"

struct checker {
        const struct profile *p;
        enum dialect d;
        const struct dialect_policy *policy; /* borrowed from policy_table */
        bool strict;
        struct diag_list *diags;
};

static bool syscall_known(const char *name)
{
        /* libseccomp 2.5's table knows every name on every arch (with pseudo numbers where an
         * arch lacks it), so the native lookup tells whether the name exists at all. */
        return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

static int addf(struct checker *c, enum diag_severity sev, size_t index, const char *suffix,
                const char *hint, const char *fmt, ...) _printf_(6, 7);

static int addf(struct checker *c, enum diag_severity sev, size_t index, const char *suffix,
                const char *hint, const char *fmt, ...)
{
        _cleanup_free_ char *ptr = NULL, *msg = NULL;
        va_list ap;
        int r;

        if (index == SIZE_MAX)
                ptr = strdup(suffix);
        else if (asprintf(&ptr, "/syscalls/%zu%s", index, suffix) < 0)
                ptr = NULL;
        if (!ptr)
                return -ENOMEM;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return diag_add(c->diags, sev, ptr, hint, "%s", msg);
}

static int check_errno_names(struct checker *c)
{
        const struct profile *p = c->p;
        int r = 0;
        if (c->policy->reads_errno_names)
                return 0;
        if (p->default_errno_from_name &&
            (!p->has_default_errno_number || p->default_errno_number != p->default_errno))
                r = addf(c, DIAG_WARNING, SIZE_MAX, "/defaultErrno", NULL,
                         "%s ignores errno names: it returns %u (defaultErrnoRet or EPERM), not %u",
                         dialect_to_string(c->d),
                         p->has_default_errno_number ? p->default_errno_number : EPERM,
                         p->default_errno);
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++) {
                const struct profile_rule *rule = &p->rules[i];
                if (rule->errno_from_name &&
                    (!rule->has_errno_number || rule->errno_number != rule->errno_ret))
                        r = addf(
                                c, DIAG_WARNING, rule->index, "/errno", NULL,
                                "%s ignores errno names: it returns %u (errnoRet or EPERM), not %u",
                                dialect_to_string(c->d),
                                rule->has_errno_number ? rule->errno_number : EPERM,
                                rule->errno_ret);
        }
        return r;
}

static int refuse_large_errno(struct checker *c, size_t index, const char *suffix, uint32_t e)
{
        return addf(c, DIAG_ERROR, index, suffix,
                    "use an errno below 4095 (the kernel returns at most 4095 anyway)",
                    "errno %u is not below %d: libseccomp refuses SCMP_ACT_ERRNO(%u), so %s "
                    "refuses the whole profile and no container starts with it",
                    e, PROFILE_MAX_ERRNO, e, c->policy->large_errno_refused_by);
}

/* Whether a libseccomp rule is added for `rule` at all: crun and runc (and seccompd) skip a
 * rule whose action equals the default one and every name libseccomp does not know. */
static bool consumer_adds_rule(const struct checker *c, const struct profile_rule *rule, uint32_t e,
                               uint32_t def)
{
        if (c->p->default_action == ACTION_ERRNO && e == def)
                return false;
        for (size_t k = 0; k < rule->n_names; k++)
                if (syscall_known(rule->names[k]))
                        return true;
        return false;
}

/* ERRNO of 4095 or more, with the errno the consumer reads: containers/common's name wins,
 * the others read errnoRet alone. */
static int check_errno_range(struct checker *c)
{
        const struct profile *p = c->p;
        bool names = c->policy->reads_errno_names;
        int r = 0;
        if (!c->policy->large_errno_refused_by)
                return 0;
        uint32_t def = names ? profile_effective_errno(p->has_default_errno, p->default_errno)
                             : profile_effective_errno(p->has_default_errno_number,
                                                       p->default_errno_number);
        if (p->default_action == ACTION_ERRNO && def >= PROFILE_MAX_ERRNO)
                r = refuse_large_errno(c, SIZE_MAX, "/defaultErrnoRet", def);
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++) {
                const struct profile_rule *rule = &p->rules[i];
                uint32_t e =
                        names ? profile_effective_errno(rule->has_errno, rule->errno_ret)
                              : profile_effective_errno(rule->has_errno_number, rule->errno_number);
                if (rule->action == ACTION_ERRNO && e >= PROFILE_MAX_ERRNO &&
                    consumer_adds_rule(c, rule, e, def))
                        r = refuse_large_errno(c, rule->index, "/errnoRet", e);
        }
        return r;
}

static int check_rule_oci_only(struct checker *c, const struct profile_rule *rule)
{
        bool looser = rule->action == ACTION_ALLOW || rule->action == ACTION_LOG;
        int r = 0;
        if (rule->legacy_name)
                r = addf(c, DIAG_WARNING, rule->index, "/name", "write \"names\": [...]",
                         "%s does not know the legacy \"name\" key: this rule matches no syscall%s",
                         dialect_to_string(c->d), "");
        if (r >= 0 &&
            (rule->includes.n_caps || rule->includes.n_arches || rule->includes.has_min_kernel))
                r = addf(c, DIAG_WARNING, rule->index, "/includes",
                         "resolve it first: seccompctl export --format oci",
                         "%s ignores includes: the rule applies unconditionally, which makes the "
                         "profile %s",
                         dialect_to_string(c->d), looser ? "more permissive" : "stricter");
        if (r >= 0 &&
            (rule->excludes.n_caps || rule->excludes.n_arches || rule->excludes.has_min_kernel))
                r = addf(c, DIAG_WARNING, rule->index, "/excludes",
                         "resolve it first: seccompctl export --format oci",
                         "%s ignores excludes: the rule applies unconditionally, which makes the "
                         "profile %s",
                         dialect_to_string(c->d), looser ? "more permissive" : "stricter");
        return r;
}

static int check_rule_mesos(struct checker *c, const struct profile_rule *rule)
{
        int r = 0;
        if (rule->legacy_name)
                r = addf(c, DIAG_ERROR, rule->index, "/name", "write \"names\": [...]",
                         "%s does not accept the legacy \"name\" key%s", dialect_to_string(c->d),
                         "");
        if (r >= 0 && !rule->includes.key_present)
                r = addf(c, DIAG_ERROR, rule->index, "/includes", "add \"includes\": {}",
                         MISSING_KEY, dialect_to_string(c->d), "includes");
        if (r >= 0 && !rule->excludes.key_present)
                r = addf(c, DIAG_ERROR, rule->index, "/excludes", "add \"excludes\": {}",
                         MISSING_KEY, dialect_to_string(c->d), "excludes");
        if (r >= 0 && !rule->args_key_present)
                r = addf(c, DIAG_ERROR, rule->index, "/args", "add \"args\": []", MISSING_KEY,
                         dialect_to_string(c->d), "args");
        for (size_t k = 0; r >= 0 && k < rule->n_args; k++)
                if (!rule->args[k].has_value_two) {
                        char suffix[48];
                        snprintf(suffix, sizeof(suffix), "/args/%zu/valueTwo", k);
                        r = addf(c, DIAG_ERROR, rule->index, suffix, "add \"valueTwo\": 0",
                                 "%s requires \"%s\" in every argument condition",
                                 dialect_to_string(c->d), "valueTwo");
                }
        if (r >= 0 && rule->has_errno)
                r = addf(c, DIAG_ERROR, rule->index, rule->errno_from_name ? "/errno" : "/errnoRet",
                         "drop it; Mesos returns EPERM", "%s does not support \"%s\"",
                         dialect_to_string(c->d), rule->errno_from_name ? "errno" : "errnoRet");
        if (r >= 0 && (rule->includes.has_min_kernel || rule->excludes.has_min_kernel))
                r = addf(c, DIAG_ERROR, rule->index,
                         rule->includes.has_min_kernel ? "/includes/minKernel"
                                                       : "/excludes/minKernel",
                         NULL, "%s does not support \"%s\"", dialect_to_string(c->d), "minKernel");
        if (r >= 0 && (rule->action == ACTION_LOG || rule->action == ACTION_KILL_PROCESS ||
                       rule->action == ACTION_NOTIFY))
                r = addf(c, DIAG_ERROR, rule->index, "/action", NULL,
                         "%s does not support the action %s", dialect_to_string(c->d),
                         action_to_string(rule->action));
        return r;
}

static int check_profile_level(struct checker *c)
{
        const struct profile *p = c->p;
        int r = 0;
        if (c->policy->oci_struct_only) {
                if (p->has_arch_map)
                        r = addf(c, DIAG_WARNING, SIZE_MAX, "/archMap",
                                 "resolve it first: seccompctl export --format oci",
                                 "%s ignores archMap%s: the filter covers the native architecture "
                                 "only",
                                 dialect_to_string(c->d), "");
        } else if (c->policy->requires_every_key) {
                if (!p->has_arch_map)
                        r = addf(c, DIAG_ERROR, SIZE_MAX, "/archMap", "add \"archMap\": [...]",
                                 "%s requires \"%s\"", dialect_to_string(c->d), "archMap");
                if (r >= 0 && p->has_default_errno)
                        r = addf(c, DIAG_ERROR, SIZE_MAX,
                                 p->default_errno_from_name ? "/defaultErrno" : "/defaultErrnoRet",
                                 "drop it; Mesos returns EPERM", "%s does not support \"%s\"",
                                 dialect_to_string(c->d),
                                 p->default_errno_from_name ? "defaultErrno" : "defaultErrnoRet");
                if (r >= 0 &&
                    (p->default_action == ACTION_LOG || p->default_action == ACTION_KILL_PROCESS))
                        r = addf(c, DIAG_ERROR, SIZE_MAX, "/defaultAction", NULL,
                                 "%s does not support the action %s", dialect_to_string(c->d),
                                 action_to_string(p->default_action));
                if (r >= 0 && p->listener_path)
                        r = addf(c, DIAG_ERROR, SIZE_MAX, "/listenerPath", NULL,
                                 "%s does not support \"%s\"", dialect_to_string(c->d),
                                 "listenerPath");
        }
        return r;
}

static int check_rule(struct checker *c, const struct profile_rule *rule)
{
        if (c->policy->oci_struct_only)
                return check_rule_oci_only(c, rule);
        if (c->policy->requires_every_key)
                return check_rule_mesos(c, rule);
        if (c->policy->ignores_min_kernel &&
            (rule->includes.has_min_kernel || rule->excludes.has_min_kernel))
                return addf(c, DIAG_WARNING, rule->index,
                            rule->includes.has_min_kernel ? "/includes/minKernel"
                                                          : "/excludes/minKernel",
                            NULL, "%s ignores minKernel%s: the rule is applied on every kernel",
                            dialect_to_string(c->d), "");
        return 0;
}

static int check_unknown_names(struct checker *c, const struct profile_rule *rule)
{
        bool fatal = c->strict || c->policy->unknown_syscall_fatal;
        int r = 0;
        for (size_t k = 0; r >= 0 && k < rule->n_names; k++) {
                if (syscall_known(rule->names[k]))
                        continue;
                _cleanup_free_ char *ptr = NULL;
                if (rule->legacy_name)
                        r = asprintf(&ptr, "/syscalls/%zu/name", rule->index);
                else
                        r = asprintf(&ptr, "/syscalls/%zu/names/%zu", rule->index, k);
                if (r < 0)
                        return -ENOMEM;
                r = diag_add(c->diags, fatal ? DIAG_ERROR : DIAG_WARNING, ptr,
                             fatal ? NULL : "runc and crun skip it too",
                             "unknown syscall \"%s\" (libseccomp %u.%u.%u does not know it)%s",
                             rule->names[k], seccomp_version()->major, seccomp_version()->minor,
                             seccomp_version()->micro, fatal ? "" : "; skipped");
        }
        return r;
}

int dialect_check(const struct profile *p, enum dialect d, bool strict, struct diag_list *diags)
{
        int r;

        if (d < 0 || d >= _DIALECT_MAX)
                return -EINVAL;
        struct checker c = {
                .p = p, .d = d, .policy = &policy_table[d], .strict = strict, .diags = diags};
        r = check_profile_level(&c);
        if (r >= 0)
                r = check_errno_names(&c);
        if (r >= 0)
                r = check_errno_range(&c);
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++) {
                r = check_rule(&c, &p->rules[i]);
                if (r >= 0)
                        r = check_unknown_names(&c, &p->rules[i]);
        }
        return r < 0 ? r : 0;
}
