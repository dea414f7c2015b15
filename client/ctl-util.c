/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf.h"
#include "ctl.h"
#include "fileio.h"

static void vreport(const char *fmt, va_list ap, bool usage) __attribute__((format(printf, 1, 0)));

static void vreport(const char *fmt, va_list ap, bool usage)
{
        fputs("seccompctl: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputs(usage ? "\nTry 'seccompctl --help'.\n" : "\n", stderr);
}

int ctl_error(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vreport(fmt, ap, false);
        va_end(ap);
        return CTL_EXIT_FAILED;
}

int ctl_usage_error(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vreport(fmt, ap, true);
        va_end(ap);
        return CTL_EXIT_USAGE;
}

enum output_format output_format_from_string(const char *s)
{
        static const char *const t[_FORMAT_MAX] = {
                [FORMAT_RAW] = "raw", [FORMAT_BASE64] = "base64", [FORMAT_PFC] = "pfc",
                [FORMAT_OCI] = "oci", [FORMAT_LXC] = "lxc",       [FORMAT_DISASM] = "disasm",
        };
        for (int i = 0; i < _FORMAT_MAX; i++)
                if (streq(s, t[i]))
                        return (enum output_format)i;
        return _FORMAT_INVALID;
}

int ctl_load_profile(const struct ctl *c, const char *path, struct profile **ret)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        int r = diag_list_new(path, &diags);
        if (r < 0)
                return r;
        if (c->source_data && c->source_name && streq(path, c->source_name))
                r = profile_parse(c->source_data, c->source_size, &c->parse, diags, ret);
        else
                r = profile_load_file(path, &c->parse, diags, ret);
        diag_list_sort(diags);
        /* Commands other than validate show errors in full and count the warnings. */
        diag_list_print(diags, stderr, DIAG_ERROR, c->color);
        if (!c->quiet && !c->json && r == 0 && diags->counts[DIAG_WARNING] > 0)
                fprintf(stderr, "%s: %zu warning%s (seccompctl validate %s shows them)\n", path,
                        diags->counts[DIAG_WARNING], diags->counts[DIAG_WARNING] == 1 ? "" : "s",
                        path);
        return r;
}

int ctl_build(const struct ctl *c, const char *path, struct profile **ret_profile,
              struct resolved **ret_resolved, struct blob **ret_blob)
{
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        int r;

        r = ctl_load_profile(c, path, &p);
        if (r < 0)
                return r;
        r = profile_resolve(p, &c->context, &res);
        if (r < 0)
                return r;
        if (ret_blob) {
                r = diag_list_new(path, &diags);
                if (r < 0)
                        return r;
                r = compile_resolved(res, &c->compile, diags, &b);
                diag_list_print(diags, stderr, DIAG_WARNING, c->color);
                if (r < 0)
                        return r;
                *ret_blob = TAKE_PTR(b);
        }
        if (ret_resolved)
                *ret_resolved = TAKE_PTR(res);
        if (ret_profile)
                *ret_profile = TAKE_PTR(p);
        return 0;
}

int ctl_write_output(const char *path, const void *data, size_t size)
{
        if (!path || streq(path, "-"))
                return write_all(STDOUT_FILENO, data, size);

        /* A device, FIFO or socket (-o /dev/null, -o /dev/stdout) is written into: renaming a
         * temporary file over it would replace the device with a regular file. */
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
                _cleanup_close_ int out = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                if (out < 0)
                        return -errno;
                return write_all(out, data, size);
        }

        return write_file_atomic(path, data, size, 0644);
}

int ctl_test_input(const struct ctl *c, int argc, char **argv, const char *what,
                   struct bpf_sim_input *in, long *ret_nr, char **ret_name)
{
        char *end, *name;

        if (argc < 2 || argc > 8)
                return ctl_usage_error("test: expected %s SYSCALL [ARG...] (at most 6 args)", what);
        if (c->context.arch->token == 0)
                return ctl_error("libseccomp cannot build filters for %s", c->context.arch->name);
        long nr = strtol(argv[1], &end, 0);
        if (*end == 0 && end != argv[1]) {
                name = seccomp_syscall_resolve_num_arch(c->context.arch->token, (int)nr);
                if (!name)
                        return ctl_error("syscall number %ld is unknown on %s", nr,
                                         c->context.arch->short_name);
        } else {
                nr = seccomp_syscall_resolve_name_arch(c->context.arch->token, argv[1]);
                if (nr < 0)
                        return ctl_error("syscall \"%s\" does not exist on %s", argv[1],
                                         c->context.arch->short_name);
                name = strdup(argv[1]);
                if (!name)
                        return ctl_error("out of memory");
        }
        for (int i = 2; i < argc; i++) {
                errno = 0;
                in->args[i - 2] = strtoull(argv[i], &end, 0);
                if (errno || *end || end == argv[i]) {
                        free(name);
                        return ctl_usage_error("test: argument \"%s\" is not a number", argv[i]);
                }
        }
        in->arch = c->context.arch->token;
        in->nr = (uint32_t)nr;
        *ret_nr = nr;
        *ret_name = name;
        return 0;
}

int ctl_display_width(const char *s)
{
        int n = 0;
        for (; *s; s++)
                n += ((unsigned char)*s & 0xC0) != 0x80; /* UTF-8: count all but continuations */
        return n;
}

int ctl_write_disasm(const char *path, const struct sock_filter *insns, size_t n)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        int r = bpf_disasm(insns, n, f);
        fclose(f);
        return r < 0 ? r : ctl_write_output(path, text, size);
}

const struct resolved_rule *ctl_deciding_rule(const struct profile *p, const struct resolved *res,
                                              const char *name, const uint64_t args[6],
                                              uint32_t ret, const char **ret_comment)
{
        uint32_t data;
        enum action a = action_from_ret(ret, &data);
        const struct resolved_rule *rule =
                (int)a >= 0 ? resolved_find_rule(res, name, args, a, data) : NULL;
        *ret_comment = NULL;
        for (size_t i = 0; rule && i < p->n_rules; i++)
                if (p->rules[i].index == rule->source)
                        *ret_comment = p->rules[i].comment;
        return rule;
}

void ctl_print_decided_by(const struct resolved_rule *rule, const char *comment)
{
        if (rule)
                printf("  decided by /syscalls/%zu (%s)%s%s%s\n", rule->source,
                       action_to_string(rule->action), comment ? ": \"" : "",
                       comment ? comment : "", comment ? "\"" : "");
        else
                printf("  decided by defaultAction\n");
}
