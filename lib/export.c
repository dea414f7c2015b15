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
        if (!root || set_new(root, "defaultAction",
                             json_string(action_to_string(r->default_action))) < 0) {
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

static int lxc_action(struct diag_list *diags, enum action a, uint32_t data, const char *ptr,
                      char *buf, size_t len)
{
        switch (a) {
        case ACTION_ALLOW:
                snprintf(buf, len, "allow");
                return 0;
        case ACTION_KILL_THREAD:
                snprintf(buf, len, "kill");
                return 0;
        case ACTION_TRAP:
                snprintf(buf, len, "trap");
                return 0;
        case ACTION_NOTIFY:
                snprintf(buf, len, "notify");
                return 0;
        case ACTION_ERRNO:
                snprintf(buf, len, "errno %" PRIu32, data);
                return 0;
        default:
                if (diag_add(diags, DIAG_ERROR, ptr, "LXC knows kill, errno, allow, trap, notify",
                             "%s cannot be written in LXC's seccomp format",
                             action_to_string(a)) < 0)
                        return -ENOMEM;
                return -EOPNOTSUPP;
        }
}

int export_lxc(const struct resolved *r, struct diag_list *diags, char **ret)
{
        _cleanup_free_ char *buf = NULL, *ctx = NULL;
        size_t size = 0;
        char act[32];
        int rr;

        rr = context_to_string(&r->context, &ctx);
        if (rr < 0)
                return rr;
        _cleanup_fclose_ FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        /* What the v2 text cannot carry is said, not silently dropped. */
        if (r->profile->flags &&
            diag_add(diags, DIAG_WARNING, "/flags", "LXC sets no seccomp filter flags",
                     "flags are not part of the LXC policy and are dropped") < 0)
                return -ENOMEM;
        if (r->profile->listener_path &&
            diag_add(diags, DIAG_WARNING, "/listenerPath",
                     "point lxc.seccomp.notify.proxy at the listener instead",
                     "listenerPath is not part of the LXC policy and is dropped") < 0)
                return -ENOMEM;
        fprintf(f, "2\n");
        if (r->default_action == ACTION_ALLOW)
                fprintf(f, "denylist\n");
        else {
                rr = lxc_action(diags, r->default_action, r->default_data, "/defaultAction", act,
                                sizeof(act));
                if (rr < 0)
                        return rr;
                fprintf(f, "allowlist %s\n", act);
        }
        fprintf(f, "# seccompctl export --format lxc: %s %s\n",
                r->profile->digest, ctx);
        for (size_t a = 0; a < r->n_arches; a++) {
                fprintf(f, "[%s]\n", r->arches[a]->token == SCMP_ARCH_AARCH64 ? "arm64" : r->arches[a]->short_name);
                for (size_t i = 0; i < r->n_rules; i++) {
                        const struct resolved_rule *rule = &r->rules[i];
                        char ptr[48];
                        snprintf(ptr, sizeof(ptr), "/syscalls/%zu/action", rule->source);
                        rr = lxc_action(diags, rule->action, rule->data, ptr, act, sizeof(act));
                        if (rr < 0)
                                return rr;
                        for (size_t n = 0; n < rule->n_names; n++) {
                                fprintf(f, "%s %s", rule->names[n], act);
                                for (size_t k = 0; k < rule->n_args; k++) {
                                        const struct profile_arg *x = &rule->args[k];
                                        /* LXC takes [index,value,op,mask] and compares
                                         * (arg & mask) == value for SCMP_CMP_MASKED_EQ. */
                                        if (x->op == OP_MASKED_EQ)
                                                fprintf(f, " [%u,0x%" PRIx64 ",%s,0x%" PRIx64 "]",
                                                        x->index, x->value_two, op_to_string(x->op),
                                                        x->value);
                                        else
                                                fprintf(f, " [%u,0x%" PRIx64 ",%s]", x->index,
                                                        x->value, op_to_string(x->op));
                                }
                                fputc('\n', f);
                        }
                }
        }
        if (fflush(f) != 0 || ferror(f))
                return -ENOMEM;
        fclose(TAKE_PTR(f));
        *ret = TAKE_PTR(buf);
        return 0;
}
