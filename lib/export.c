/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "export.h"
#include "profile-internal.h"

/* jansson's integers are int64; values above INT64_MAX go out as a marker string that is
 * replaced by the digits after dumping. The marker carries a random nonce so that no string
 * of the profile (a syscall name, listenerMetadata) can pass for one. */
struct u64_marker {
        char prefix[48];
};

static void u64_marker_init(struct u64_marker *m)
{
        uint64_t nonce = 0;
        if (getrandom(&nonce, sizeof(nonce), GRND_NONBLOCK) != sizeof(nonce))
                nonce = (uint64_t)(uintptr_t)m ^ (uint64_t)time(NULL);
        snprintf(m->prefix, sizeof(m->prefix), "@@seccompd-u64-%016" PRIx64 ":", nonce);
}

static json_t *json_u64(const struct u64_marker *m, uint64_t v)
{
        if (v <= INT64_MAX)
                return json_integer((json_int_t)v);
        char buf[96];
        snprintf(buf, sizeof(buf), "%s%" PRIu64 "@@", m->prefix, v);
        return json_string(buf);
}

static char *unmark_u64(const struct u64_marker *m, const char *s)
{
        size_t n = strlen(s), pl = strlen(m->prefix);
        char *out = malloc(n + 1), *o = out;
        if (!out)
                return NULL;
        while (*s) {
                if (s[0] == '"' && strncmp(s + 1, m->prefix, pl) == 0) {
                        const char *d = s + 1 + pl;
                        size_t dl = strspn(d, "0123456789");
                        if (strncmp(d + dl, "@@\"", 3) == 0) {
                                memcpy(o, d, dl);
                                o += dl;
                                s = d + dl + 3;
                                continue;
                        }
                }
                *o++ = *s++;
        }
        *o = 0;
        return out;
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
        return v && json_object_set_new(obj, key, v) == 0 ? 0 : -ENOMEM;
}

int export_oci(const struct resolved *r, char **ret)
{
        const struct profile *p = r->profile;
        struct u64_marker mark;
        u64_marker_init(&mark);
        _cleanup_(json_decrefp) json_t *root = json_object();
        json_t *arches = json_array(), *rules = json_array();
        if (!root ||
            set_new(root, "defaultAction", json_string(action_to_string(r->default_action))) < 0) {
                json_decref(arches);
                json_decref(rules);
                return -ENOMEM;
        }
        if (action_has_data(r->default_action) &&
            set_new(root, "defaultErrnoRet", json_integer(r->default_data)) < 0)
                return -ENOMEM;
        if (set_new(root, "architectures", arches) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_arches; i++)
                if (json_array_append_new(arches, json_string(r->arches[i]->name)) < 0)
                        return -ENOMEM;
        if (p->flags) {
                json_t *flags = json_array();
                if (set_new(root, "flags", flags) < 0)
                        return -ENOMEM;
                for (int f = 0; f < _FILTER_FLAG_MAX; f++)
                        if (p->flags & (1U << f) &&
                            json_array_append_new(flags, json_string(filter_flag_to_string(f))) < 0)
                                return -ENOMEM;
        }
        if (p->listener_path && set_new(root, "listenerPath", json_string(p->listener_path)) < 0)
                return -ENOMEM;
        if (p->listener_metadata &&
            set_new(root, "listenerMetadata", json_string(p->listener_metadata)) < 0)
                return -ENOMEM;
        if (set_new(root, "syscalls", rules) < 0)
                return -ENOMEM;

        for (size_t i = 0; i < r->n_rules; i++) {
                const struct resolved_rule *rule = &r->rules[i];
                json_t *o = json_object(), *names = json_array();
                if (!o || json_array_append_new(rules, o) < 0 || set_new(o, "names", names) < 0)
                        return -ENOMEM;
                for (size_t k = 0; k < rule->n_names; k++)
                        if (json_array_append_new(names, json_string(rule->names[k])) < 0)
                                return -ENOMEM;
                if (set_new(o, "action", json_string(action_to_string(rule->action))) < 0)
                        return -ENOMEM;
                if (action_has_data(rule->action) &&
                    set_new(o, "errnoRet", json_integer(rule->data)) < 0)
                        return -ENOMEM;
                if (rule->n_args == 0)
                        continue;
                json_t *args = json_array();
                if (set_new(o, "args", args) < 0)
                        return -ENOMEM;
                for (size_t k = 0; k < rule->n_args; k++) {
                        const struct profile_arg *a = &rule->args[k];
                        json_t *ao = json_object();
                        if (!ao || json_array_append_new(args, ao) < 0 ||
                            set_new(ao, "index", json_integer(a->index)) < 0 ||
                            set_new(ao, "value", json_u64(&mark, a->value)) < 0 ||
                            set_new(ao, "valueTwo", json_u64(&mark, a->value_two)) < 0 ||
                            set_new(ao, "op", json_string(op_to_string(a->op))) < 0)
                                return -ENOMEM;
                }
        }
        _cleanup_free_ char *dumped = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!dumped)
                return -ENOMEM;
        char *out = unmark_u64(&mark, dumped);
        if (!out)
                return -ENOMEM;
        size_t l = strlen(out);
        char *nl = realloc(out, l + 2);
        if (!nl) {
                free(out);
                return -ENOMEM;
        }
        nl[l] = '\n';
        nl[l + 1] = 0;
        *ret = nl;
        return 0;
}

/*
 * How LXC 5.0.2 reads and builds lxc.seccomp.profile version 2 (src/lxc/seccomp.c), with
 * Debian's libseccomp 2.5.4, on an x86_64 host; every difference with seccompd's blob that
 * follows from it is named by export_lxc() before the policy is written:
 *  - Actions: kill (SCMP_ACT_KILL, i.e. KILL_THREAD), errno N, allow, trap and notify. Any
 *    other word fails the whole policy. LOG, TRACE and KILL_PROCESS are not written as their
 *    nearest action (allow; errno ENOSYS, as without a tracer; kill): the export fails with
 *    an error naming each syscall and arch, since nothing in a policy file would show it.
 *  - Sections: on an x86_64 host LXC builds one filter for x86_64, x86 and x32 and adds every
 *    rule line to all three, whatever the [x86_64]/[x86]/[x32] section it stands in (the
 *    section only skips lines for arches the host cannot run). An arch the profile does not
 *    cover is therefore filtered by the policy under LXC, while seccompd's filter kills it
 *    (libseccomp's bad-arch action).
 *  - Names: LXC skips a line whose name libseccomp cannot resolve for an arch. On x86,
 *    libseccomp resolves the socket and SysV IPC calls to multiplexed pseudo-syscalls, so LXC
 *    drops those rules there, while seccompd's filter (seccomp_rule_add, not _exact) applies
 *    them to the direct syscall and to socketcall(2)/ipc(2) with the call number.
 *  - Arguments: [index,value,op] and [index,value,SCMP_CMP_MASKED_EQ,mask], up to 6, 64-bit
 *    values in any base, through seccomp_rule_add_exact_array: the same comparisons libseccomp
 *    builds for seccompd (32-bit arches drop the high half in both).
 *  - A rule whose action equals the default is refused by libseccomp (EACCES) and fails the
 *    policy: such lines are left out.
 */
enum lxc_arch {
        LXC_ARCH_X86_64,
        LXC_ARCH_X86,
        LXC_ARCH_X32,
        _LXC_ARCH_MAX,
};
static const char *const lxc_arch_names[_LXC_ARCH_MAX] = {"x86_64", "x86", "x32"};
static const uint32_t lxc_arch_tokens[_LXC_ARCH_MAX] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86,
                                                        SCMP_ARCH_X32};

struct lxc_diff {
        const char *syscall; /* borrowed, or "*" for every syscall */
        unsigned arches;     /* 1 << enum lxc_arch */
        bool fatal;          /* LXC has no way to write it: the export fails */
        char reason[200];
};

struct lxc_diffs {
        struct lxc_diff *items;
        size_t n;
};

static int lxc_diff_add(struct lxc_diffs *d, const char *syscall, unsigned arches, bool fatal,
                        const char *reason)
{
        if (!arches)
                return 0;
        for (size_t i = 0; i < d->n; i++)
                if (strcmp(d->items[i].syscall, syscall) == 0 &&
                    strcmp(d->items[i].reason, reason) == 0) {
                        d->items[i].arches |= arches;
                        return 0;
                }
        struct lxc_diff *n = realloc(d->items, (d->n + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        d->items = n;
        n[d->n].syscall = syscall;
        n[d->n].arches = arches;
        n[d->n].fatal = fatal;
        snprintf(n[d->n].reason, sizeof(n[d->n].reason), "%s", reason);
        d->n++;
        return 0;
}

/* libseccomp's pseudo-syscall numbers of the socketcall(2) and ipc(2) multiplexers. */
static bool pnr_socketcall(int nr)
{
        return nr <= -100 && nr >= -120;
}
static bool pnr_ipc(int nr)
{
        return nr <= -200 && nr >= -224;
}

/* The action LXC gets for `a`, written to buf; *exact says whether it is the same verdict. */
static void lxc_action(enum action a, uint32_t data, char *buf, size_t len, bool *exact)
{
        *exact = true;
        switch (a) {
        case ACTION_ALLOW: snprintf(buf, len, "allow"); break;
        case ACTION_KILL_THREAD: snprintf(buf, len, "kill"); break;
        case ACTION_TRAP: snprintf(buf, len, "trap"); break;
        case ACTION_NOTIFY: snprintf(buf, len, "notify"); break;
        case ACTION_ERRNO: snprintf(buf, len, "errno %" PRIu32, data); break;
        case ACTION_LOG: /* the call proceeds; only the audit record is lost */
                snprintf(buf, len, "allow");
                *exact = false;
                break;
        case ACTION_TRACE: /* what the kernel answers when no tracer is attached */
                snprintf(buf, len, "errno %d", ENOSYS);
                *exact = false;
                break;
        case ACTION_KILL_PROCESS:
        default:
                snprintf(buf, len, "kill");
                *exact = false;
                break;
        }
}

static unsigned lxc_arches_resolving(const char *name)
{
        unsigned m = 0;
        for (int a = 0; a < _LXC_ARCH_MAX; a++)
                if (seccomp_syscall_resolve_name_arch(lxc_arch_tokens[a], name) >= 0)
                        m |= 1U << a;
        return m;
}

/* Whether x86 has a direct syscall of that name (the number bpf_foreach_syscall() names):
 * "send", "recv", "accept" or "semop" exist there only behind socketcall(2)/ipc(2). */
static bool x86_has_direct(const char *name)
{
        for (int nr = 0; nr < 1024; nr++) {
                _cleanup_free_ char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, nr);
                if (n && strcmp(n, name) == 0)
                        return true;
        }
        return false;
}

/* Whether the resolved profile has a rule without conditions for `name`: libseccomp then
 * ignores every conditional rule of that syscall, the multiplexed ones included. */
static bool has_plain_rule(const struct resolved *r, const char *name)
{
        for (size_t i = 0; i < r->n_rules; i++)
                for (size_t n = 0; r->rules[i].n_args == 0 && n < r->rules[i].n_names; n++)
                        if (strcmp(r->rules[i].names[n], name) == 0)
                                return true;
        return false;
}

static int lxc_analyse(const struct resolved *r, struct lxc_diffs *d)
{
        char act[32], why[200];
        bool exact;
        unsigned covered = 0;
        int rr;

        for (size_t i = 0; i < r->n_arches; i++)
                for (int a = 0; a < _LXC_ARCH_MAX; a++)
                        if (r->arches[i]->token == lxc_arch_tokens[a])
                                covered |= 1U << a;
        for (int a = 0; a < _LXC_ARCH_MAX; a++) {
                if (covered & (1U << a))
                        continue;
                snprintf(why, sizeof(why),
                         "the profile does not cover %s: seccompd's filter kills its syscalls, "
                         "LXC filters x86_64, x86 and x32 alike with the policy",
                         lxc_arch_names[a]);
                if ((rr = lxc_diff_add(d, "*", 1U << a, false, why)) < 0)
                        return rr;
        }
        lxc_action(r->default_action, r->default_data, act, sizeof(act), &exact);
        if (!exact) {
                snprintf(why, sizeof(why), "LXC has no default action %s (nearest: \"%s\")",
                         action_to_string(r->default_action), act);
                if ((rr = lxc_diff_add(d, "*", covered, true, why)) < 0)
                        return rr;
        }
        bool socketcall = false, ipc = false;
        for (size_t i = 0; i < r->n_rules; i++) {
                const struct resolved_rule *rule = &r->rules[i];
                lxc_action(rule->action, rule->data, act, sizeof(act), &exact);
                snprintf(why, sizeof(why), "LXC has no action %s (nearest: \"%s\")",
                         action_to_string(rule->action), act);
                for (size_t n = 0; n < rule->n_names; n++) {
                        const char *name = rule->names[n];
                        unsigned on = lxc_arches_resolving(name) & covered;
                        if (!exact && (rr = lxc_diff_add(d, name, on, true, why)) < 0)
                                return rr;
                        int x86 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name);
                        if (!(covered & (1U << LXC_ARCH_X86)) ||
                            !(pnr_socketcall(x86) || pnr_ipc(x86)))
                                continue;
                        /* The direct syscall, where x86 has one; the multiplexer below. */
                        rr = x86_has_direct(name)
                                     ? lxc_diff_add(d, name, 1U << LXC_ARCH_X86, false,
                                                    "libseccomp resolves it to a socketcall/ipc "
                                                    "pseudo-syscall on x86: LXC skips the rule "
                                                    "there, seccompd's filter applies it")
                                     : 0;
                        if (rr < 0)
                                return rr;
                        socketcall = socketcall || pnr_socketcall(x86);
                        ipc = ipc || pnr_ipc(x86);
                }
        }
        if (socketcall && !has_plain_rule(r, "socketcall") &&
            (rr = lxc_diff_add(d, "socketcall", 1U << LXC_ARCH_X86, false,
                               "seccompd's filter decides socketcall(2) by the rules of the "
                               "socket calls it multiplexes, LXC skips those rules on x86")) < 0)
                return rr;
        if (ipc && !has_plain_rule(r, "ipc") &&
            (rr = lxc_diff_add(d, "ipc", 1U << LXC_ARCH_X86, false,
                               "seccompd's filter decides ipc(2) by the rules of the SysV IPC "
                               "calls it multiplexes, LXC skips those rules on x86")) < 0)
                return rr;
        return 0;
}

static void lxc_arch_list(unsigned arches, char *buf, size_t len)
{
        buf[0] = 0;
        for (int a = 0; a < _LXC_ARCH_MAX; a++)
                if (arches & (1U << a))
                        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
                                 lxc_arch_names[a]);
}

/* What the v2 text cannot carry is said, not silently dropped. */
static int lxc_warn_dropped(const struct resolved *r, struct diag_list *diags)
{
        if (r->profile->flags &&
            diag_add(diags, DIAG_WARNING, "/flags", "LXC sets no seccomp filter flags",
                     "flags are not part of the LXC policy and are dropped") < 0)
                return -ENOMEM;
        if (r->profile->listener_path &&
            diag_add(diags, DIAG_WARNING, "/listenerPath",
                     "point lxc.seccomp.notify.proxy at the listener instead",
                     "listenerPath is not part of the LXC policy and is dropped") < 0)
                return -ENOMEM;
        return 0;
}

/* One warning per syscall and reason, in a fixed form that scripts can read:
 * "LXC decides NAME on ARCH[,ARCH...] otherwise: REASON" ("*": every syscall); an error where
 * LXC would refuse the whole policy. Returns 0, -EOPNOTSUPP (an error was added), -ENOMEM. */
static int lxc_name_diffs(const struct lxc_diffs *d, struct diag_list *diags)
{
        char arches[32];
        bool fatal = false;
        for (size_t i = 0; i < d->n; i++) {
                lxc_arch_list(d->items[i].arches, arches, sizeof(arches));
                fatal = fatal || d->items[i].fatal;
                if (diag_add(diags, d->items[i].fatal ? DIAG_ERROR : DIAG_WARNING, "",
                             d->items[i].fatal ? "LXC knows kill, errno, allow, trap, notify"
                                               : NULL,
                             "LXC decides %s on %s otherwise: %s", d->items[i].syscall, arches,
                             d->items[i].reason) < 0)
                        return -ENOMEM;
        }
        return fatal ? -EOPNOTSUPP : 0;
}

/* The version, the policy type with the default action, where it comes from, and the same
 * names of what LXC decides otherwise, for whoever reads the file later. */
static void lxc_write_header(FILE *f, const struct resolved *r, const char *ctx, const char *def,
                             const struct lxc_diffs *d)
{
        char arches[32];
        fprintf(f, "2\n");
        if (r->default_action == ACTION_ALLOW)
                fprintf(f, "denylist\n");
        else
                fprintf(f, "allowlist %s\n", def);
        fprintf(f, "# seccompctl export --format lxc: %s %s\n", r->profile->digest, ctx);
        for (size_t i = 0; i < d->n; i++) {
                lxc_arch_list(d->items[i].arches, arches, sizeof(arches));
                fprintf(f, "# LXC decides %s on %s otherwise: %s\n", d->items[i].syscall, arches,
                        d->items[i].reason);
        }
}

/* One line per syscall name of every rule: "name action [index,value,op(,mask)]...". */
static void lxc_write_rules(FILE *f, const struct resolved *r, const char *def)
{
        char act[32];
        bool exact;
        for (size_t i = 0; i < r->n_rules; i++) {
                const struct resolved_rule *rule = &r->rules[i];
                lxc_action(rule->action, rule->data, act, sizeof(act), &exact);
                /* libseccomp refuses a rule with the default action (EACCES), and LXC then
                 * refuses the whole policy. */
                if (strcmp(act, def) == 0)
                        continue;
                for (size_t n = 0; n < rule->n_names; n++) {
                        fprintf(f, "%s %s", rule->names[n], act);
                        for (size_t k = 0; k < rule->n_args; k++) {
                                const struct profile_arg *x = &rule->args[k];
                                /* LXC takes [index,value,op,mask] and compares
                                 * (arg & mask) == value for SCMP_CMP_MASKED_EQ. */
                                if (x->op == OP_MASKED_EQ)
                                        fprintf(f, " [%u,0x%" PRIx64 ",%s,0x%" PRIx64 "]", x->index,
                                                x->value_two, op_to_string(x->op), x->value);
                                else
                                        fprintf(f, " [%u,0x%" PRIx64 ",%s]", x->index, x->value,
                                                op_to_string(x->op));
                        }
                        fputc('\n', f);
                }
        }
}

int export_lxc(const struct resolved *r, struct diag_list *diags, char **ret)
{
        _cleanup_free_ char *buf = NULL, *ctx = NULL;
        struct lxc_diffs d = {0};
        size_t size = 0;
        char def[32];
        bool exact;
        int rr;

        rr = context_to_string(&r->context, &ctx);
        if (rr < 0)
                return rr;
        _cleanup_fclose_ FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        rr = lxc_warn_dropped(r, diags);
        if (rr < 0)
                return rr;
        if (r->context.arch->token != SCMP_ARCH_X86_64) {
                if (diag_add(diags, DIAG_WARNING, "", NULL,
                             "where LXC decides otherwise is only worked out for an x86_64 "
                             "host, not %s",
                             r->context.arch->short_name) < 0)
                        return -ENOMEM;
        } else if ((rr = lxc_analyse(r, &d)) < 0) {
                free(d.items);
                return rr;
        }
        rr = lxc_name_diffs(&d, diags);
        if (rr < 0) {
                free(d.items);
                return rr;
        }

        lxc_action(r->default_action, r->default_data, def, sizeof(def), &exact);
        lxc_write_header(f, r, ctx, def, &d);
        free(d.items);
        for (size_t a = 0; a < r->n_arches; a++) {
                fprintf(f, "[%s]\n",
                        r->arches[a]->token == SCMP_ARCH_AARCH64 ? "arm64"
                                                                 : r->arches[a]->short_name);
                lxc_write_rules(f, r, def);
        }
        if (fflush(f) != 0 || ferror(f))
                return -ENOMEM;
        fclose(TAKE_PTR(f));
        *ret = TAKE_PTR(buf);
        return 0;
}
