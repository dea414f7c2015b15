/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "compile.h"
#include "fileio.h"
#include "profile-internal.h"

static void seccomp_releasep(scmp_filter_ctx *c)
{
        if (*c)
                seccomp_release(*c);
}

void compile_work(const struct resolved *r, size_t *ret_names, size_t *ret_conditions)
{
        size_t names = 0, conditions = 0;
        for (size_t i = 0; i < r->n_rules; i++) {
                names += r->rules[i].n_names;
                conditions += r->rules[i].n_names * r->rules[i].n_args;
        }
        *ret_names = names;
        *ret_conditions = conditions;
}

bool compile_is_small(const struct resolved *r)
{
        size_t names, conditions;
        compile_work(r, &names, &conditions);
        return names <= COMPILE_SMALL_MAX_NAMES && conditions <= COMPILE_SMALL_MAX_CONDITIONS;
}

size_t compile_count_rules(const struct resolved *r)
{
        size_t n = 0;
        for (size_t i = 0; i < r->n_rules; i++)
                for (size_t k = 0; k < r->rules[i].n_names; k++)
                        n += seccomp_syscall_resolve_name(r->rules[i].names[k]) != __NR_SCMP_ERROR;
        return n;
}

int compile_optimize_level(const struct compile_options *o, size_t n_rules)
{
        int level = o ? o->optimize : -1;
        if (n_rules == 0)
                return 0;
        if (level < 0)
                return n_rules > COMPILE_OPTIMIZE_THRESHOLD ? 2 : 0;
        return level >= 2 ? 2 : 0;
}

/* seccomp_init() fails only for an action libseccomp thinks the running kernel lacks: it asks
 * seccomp() itself, so a process whose own filter denies seccomp() sees API level 1 and loses
 * LOG, KILL_PROCESS and the rest. */
static int new_filter(const struct resolved *r, struct diag_list *diags, scmp_filter_ctx *ret)
{
        scmp_filter_ctx ctx = seccomp_init(action_to_scmp(r->default_action, r->default_data));
        if (!ctx)
                return diag_fail(diag_add(diags, DIAG_ERROR, "/defaultAction", NULL,
                                          "libseccomp refuses default action %s here (API level "
                                          "%u): the running kernel lacks it, or this process may "
                                          "not call seccomp()",
                                          action_to_string(r->default_action), seccomp_api_get()));
        *ret = ctx;
        return 0;
}

/* The filter attributes: no_new_privs off, the profile's flags, the optimisation level. */
static int set_attributes(scmp_filter_ctx ctx, const struct resolved *r,
                          const struct compile_options *o, struct diag_list *diags)
{
        const struct profile *p = r->profile;
        int rr;

        /* Runtimes set no_new_privs themselves (or run privileged); the blob must not. */
        rr = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (rr < 0)
                return rr;
        if (p->flags & (1U << FILTER_FLAG_TSYNC) &&
            (rr = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
                return rr;
        if (p->flags & (1U << FILTER_FLAG_LOG) &&
            (rr = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1)) < 0)
                return diag_fail(diag_add(diags, DIAG_ERROR, "/flags", NULL,
                                          "SECCOMP_FILTER_FLAG_LOG is not supported here: %s",
                                          strerror(-rr)));
        if (p->flags & (1U << FILTER_FLAG_SPEC_ALLOW) &&
            (rr = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1)) < 0)
                return diag_fail(diag_add(
                        diags, DIAG_ERROR, "/flags", NULL,
                        "SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported here: %s", strerror(-rr)));
        int level = compile_optimize_level(o, compile_count_rules(r));
        if (level == 2 && (rr = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
                return rr;
        return 0;
}

/* The target architectures, replacing the host's native one unless it is one of them (the
 * context's arch, always r->arches[0], is the native arch of the node the blob is for). */
static int add_arches(scmp_filter_ctx ctx, const struct resolved *r, struct diag_list *diags)
{
        uint32_t native = seccomp_arch_native();
        bool want_native = false;
        int rr;

        for (size_t i = 0; i < r->n_arches; i++) {
                const struct arch_info *a = r->arches[i];
                if (a->token == 0)
                        return diag_fail(diag_add(diags, DIAG_ERROR, "", NULL,
                                                  "libseccomp %u.%u.%u cannot build filters for %s",
                                                  seccomp_version()->major,
                                                  seccomp_version()->minor,
                                                  seccomp_version()->micro, a->name));
                want_native = want_native || a->token == native;
        }
        /* The native arch goes first when unwanted: libseccomp refuses (-EDOM) to hold
         * architectures of different byte order in one filter. */
        if (!want_native && (rr = seccomp_arch_remove(ctx, native)) < 0)
                return rr;
        for (size_t i = 0; i < r->n_arches; i++) {
                const struct arch_info *a = r->arches[i];
                if (a->token == native)
                        continue;
                rr = seccomp_arch_add(ctx, a->token);
                if (rr == -EDOM)
                        return diag_fail(diag_add(diags, DIAG_ERROR, "",
                                                  "compile one filter per byte order",
                                                  "%s cannot share a filter with %s: their byte "
                                                  "orders differ",
                                                  a->name, r->arches[0]->name));
                if (rr < 0 && rr != -EEXIST)
                        return rr;
        }
        return 0;
}

/* "architectures" without the node's own arch: the consumers keep it (see resolve_arches()),
 * so the filter decides its syscalls too, by the same rules and defaultAction. */
static int warn_native_implied(const struct resolved *r, struct diag_list *diags)
{
        if (!r->native_implied)
                return 0;
        const char *native = r->context.arch->name;
        char def[48];
        if (action_has_data(r->default_action))
                snprintf(def, sizeof(def), "%s(%u)", action_to_string(r->default_action),
                         r->default_data);
        else
                snprintf(def, sizeof(def), "%s", action_to_string(r->default_action));
        return diag_add(diags, DIAG_WARNING, "/architectures", "list it to say so",
                        "%s, the native architecture, is not listed but is kept: crun, runc and "
                        "Mesos start from libseccomp's seccomp_init(), which holds it, and never "
                        "remove it, so %s syscalls get this profile's rules and its default "
                        "action %s, as the runtime gives them",
                        native, r->context.arch->short_name, def);
}

/* One libseccomp rule per known syscall name of `rule`; unknown names are counted in
 * `*skipped` (the validator reported them). */
static int add_rule(scmp_filter_ctx ctx, const struct resolved_rule *rule, struct diag_list *diags,
                    size_t *added, size_t *skipped)
{
        struct scmp_arg_cmp cmp[PROFILE_MAX_ARG_INDEX];
        for (size_t k = 0; k < rule->n_args; k++) {
                const struct profile_arg *a = &rule->args[k];
                cmp[k] = (struct scmp_arg_cmp){
                        .arg = a->index,
                        .op = (enum scmp_compare)op_to_scmp(a->op),
                        .datum_a = a->value,
                        .datum_b = a->op == OP_MASKED_EQ ? a->value_two : 0,
                };
        }
        uint32_t act = action_to_scmp(rule->action, rule->data);
        for (size_t n = 0; n < rule->n_names; n++) {
                int nr = seccomp_syscall_resolve_name(rule->names[n]);
                if (nr == __NR_SCMP_ERROR) {
                        (*skipped)++;
                        continue;
                }
                int rr = seccomp_rule_add_array(ctx, act, nr, (unsigned)rule->n_args, cmp);
                if (rr < 0) {
                        _cleanup_free_ char *ptr = NULL;
                        if (asprintf(&ptr, "/syscalls/%zu", rule->source) < 0)
                                return -ENOMEM;
                        return diag_fail(diag_add(diags, DIAG_ERROR, ptr, NULL,
                                                  "libseccomp refused the rule for \"%s\": %s",
                                                  rule->names[n], strerror(-rr)));
                }
                (*added)++;
        }
        return 0;
}

static int build(const struct resolved *r, const struct compile_options *o, struct diag_list *diags,
                 scmp_filter_ctx *ret_ctx, size_t *ret_rules, size_t *ret_skipped)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        size_t added = 0, skipped = 0;

        int rr = new_filter(r, diags, &ctx);
        if (rr < 0)
                return rr;
        rr = set_attributes(ctx, r, o, diags);
        if (rr < 0)
                return rr;
        rr = add_arches(ctx, r, diags);
        if (rr < 0)
                return rr;
        rr = warn_native_implied(r, diags);
        if (rr < 0)
                return rr;
        for (size_t i = 0; i < r->n_rules; i++) {
                rr = add_rule(ctx, &r->rules[i], diags, &added, &skipped);
                if (rr < 0)
                        return rr;
        }
        *ret_ctx = TAKE_PTR(ctx);
        *ret_rules = added;
        *ret_skipped = skipped;
        return 0;
}

/* Reads back what libseccomp exported to `fd`, from the start. */
static int read_memfd(int fd, char **ret, size_t *ret_size)
{
        off_t end = lseek(fd, 0, SEEK_END);
        if (end < 0 || lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        _cleanup_free_ char *buf = malloc((size_t)end + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t k = read_at_most(fd, buf, (size_t)end);
        if (k < 0)
                return (int)k;
        if ((size_t)k != (size_t)end)
                return -EIO;
        buf[k] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = (size_t)k;
        return 0;
}

/* Builds the filter and exports it with `exporter` (seccomp_export_bpf or _pfc) through a
 * memfd: libseccomp 2.5.4 has no export to memory. */
static int build_and_export(const struct resolved *r, const struct compile_options *o,
                            struct diag_list *diags, int (*exporter)(const scmp_filter_ctx, int),
                            char **ret, size_t *ret_size, size_t *ret_added, size_t *ret_skipped)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int rr = build(r, o, diags, &ctx, ret_added, ret_skipped);
        if (rr < 0)
                return rr;
        _cleanup_close_ int fd = memfd_create("seccompd-export", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        rr = exporter(ctx, fd);
        if (rr < 0)
                return rr;
        return read_memfd(fd, ret, ret_size);
}

int compile_resolved(const struct resolved *r, const struct compile_options *o,
                     struct diag_list *diags, struct blob **ret)
{
        _cleanup_free_ char *data = NULL;
        size_t size, added, skipped;
        int rr = build_and_export(r, o, diags, seccomp_export_bpf, &data, &size, &added, &skipped);
        if (rr < 0)
                return rr;

        if (size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
                int level = compile_optimize_level(o, compile_count_rules(r));
                return diag_fail(diag_add(diags, DIAG_ERROR, "",
                                          level == 2 ? NULL : "try --optimize 2",
                                          "the filter has %zu instructions; the kernel accepts at "
                                          "most %d",
                                          size / sizeof(struct sock_filter), BPF_MAXINSNS));
        }
        _cleanup_(blob_freep) struct blob *b = NULL;
        rr = blob_from_bytes(data, size, &b);
        if (rr < 0)
                return rr;
        b->foreign_byte_order = r->n_arches > 0 && r->arches[0]->big_endian !=
                                                           (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
        b->optimize = compile_optimize_level(o, compile_count_rules(r));
        b->flags = r->profile->flags;
        b->n_rules = added;
        b->n_skipped_names = skipped;
        rr = compile_blob_key(r, o, b->key);
        if (rr < 0)
                return rr;
        *ret = TAKE_PTR(b);
        return 0;
}

int compile_pfc(const struct resolved *r, const struct compile_options *o, struct diag_list *diags,
                char **ret)
{
        _cleanup_free_ char *text = NULL;
        size_t size, added, skipped;
        int rr = build_and_export(r, o, diags, seccomp_export_pfc, &text, &size, &added, &skipped);
        if (rr < 0)
                return rr;
        *ret = TAKE_PTR(text);
        return 0;
}

int compile_blob_key(const struct resolved *res, const struct compile_options *o,
                     char ret[SHA256_HEX_SIZE])
{
        const struct profile *p = res->profile;
        const struct context *ctx = &res->context;
        size_t n_rules = compile_count_rules(res);
        const struct scmp_version *v = seccomp_version();
        struct keyhash *k = NULL;
        _cleanup_free_ char *cs = NULL;
        char lib[32];
        int r;

        r = context_to_string(ctx, &cs);
        if (r < 0)
                return r;
        snprintf(lib, sizeof(lib), "%u.%u.%u", v->major, v->minor, v->micro);
        r = keyhash_new(&k);
        if (r < 0)
                return r;
        if ((r = keyhash_field_u64(k, "format", CACHE_FORMAT_VERSION)) < 0 ||
            (r = keyhash_field_str(k, "libseccomp", lib)) < 0 ||
            (r = keyhash_field_u64(k, "optimize", (uint64_t)compile_optimize_level(o, n_rules))) <
                    0 ||
            (r = keyhash_field_str(k, "context", cs)) < 0 ||
            (r = keyhash_field_str(k, "profile", p->canonical)) < 0) {
                keyhash_free(k);
                return r;
        }
        return keyhash_finish(k, ret);
}

struct blob *blob_free(struct blob *b)
{
        if (!b)
                return NULL;
        free(b->insns);
        free(b);
        return NULL;
}

int blob_from_bytes(const void *data, size_t size, struct blob **ret)
{
        if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
            size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EINVAL;
        struct blob *b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->insns = malloc(size);
        if (!b->insns) {
                free(b);
                return -ENOMEM;
        }
        memcpy(b->insns, data, size);
        b->n_insns = size / sizeof(struct sock_filter);
        *ret = b;
        return 0;
}

int blob_install(const struct blob *b)
{
        if (b->foreign_byte_order)
                return -EPROTOTYPE;
        struct sock_fprog prog = {
                .len = (unsigned short)b->n_insns,
                .filter = b->insns,
        };
        unsigned flags = 0;
        if (b->flags & (1U << FILTER_FLAG_TSYNC))
                flags |= SECCOMP_FILTER_FLAG_TSYNC;
        if (b->flags & (1U << FILTER_FLAG_LOG))
                flags |= SECCOMP_FILTER_FLAG_LOG;
        if (b->flags & (1U << FILTER_FLAG_SPEC_ALLOW))
                flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
                return -errno;
        return 0;
}
