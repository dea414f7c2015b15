/* SPDX-License-Identifier: Apache-2.0 */
#include <ftw.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "bpf.h"
#include "ctl.h"
#include "export.h"
#include <jansson.h>

static json_t *diags_to_json(const struct diag_list *l)
{
        json_t *a = json_array();
        for (size_t i = 0; a && l && i < l->n; i++) {
                const struct diag *d = &l->items[i];
                json_array_append_new(a, json_pack("{s:s, s:s?, s:i, s:i, s:s, s:s, s:s?}",
                                                   "severity", diag_severity_to_string(d->severity),
                                                   "file", l->file, "line", d->line, "column",
                                                   d->column, "pointer", d->pointer, "message",
                                                   d->message, "hint", d->hint));
        }
        return a;
}

int verb_validate(struct ctl *c, int argc, char **argv)
{
        _cleanup_(json_decrefp) json_t *results = json_array();
        int ret = CTL_EXIT_OK;

        if (argc < 1)
                return ctl_usage_error("validate: which file?");
        for (int i = 0; i < argc; i++) {
                _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
                _cleanup_(profile_freep) struct profile *p = NULL;
                if (diag_list_new(argv[i], &diags) < 0)
                        return ctl_error("out of memory");
                int r = profile_load_file(argv[i], &c->parse, diags, &p);
                if (r < 0 && r != -EINVAL && diags->n == 0)
                        diag_add(diags, DIAG_ERROR, "", NULL, "%s", strerror(-r));
                if (r == 0) {
                        /* A profile is valid when it also compiles, for the context asked
                         * (by default the host's): libseccomp and the kernel have the last
                         * word (e.g. more than 4096 instructions). */
                        _cleanup_(resolved_freep) struct resolved *res = NULL;
                        _cleanup_(blob_freep) struct blob *b = NULL;
                        r = profile_resolve(p, &c->context, &res);
                        if (r == 0)
                                r = compile_resolved(res, &c->compile, diags, &b);
                        if (r < 0 && r != -EINVAL)
                                diag_add(diags, DIAG_ERROR, "", NULL, "cannot compile: %s",
                                         strerror(-r));
                        if (r < 0)
                                profile_free(TAKE_PTR(p));
                }
                diag_list_sort(diags);
                bool valid = r == 0;
                if (!valid)
                        ret = CTL_EXIT_FAILED;
                if (c->json) {
                        json_array_append_new(results,
                                              json_pack("{s:s, s:b, s:s?, s:s, s:i, s:i, s:o}",
                                                        "file", argv[i], "valid", valid, "digest",
                                                        p ? p->digest : NULL, "dialect",
                                                        dialect_to_string(c->dialect), "errors",
                                                        (int)diags->counts[DIAG_ERROR], "warnings",
                                                        (int)diags->counts[DIAG_WARNING],
                                                        "diagnostics", diags_to_json(diags)));
                        continue;
                }
                diag_list_print(diags, stderr, c->quiet ? DIAG_ERROR : DIAG_NOTE, c->color);
                if (!c->quiet)
                        printf("%s: %s (%zu errors, %zu warnings, dialect %s)\n", argv[i],
                               valid ? "valid" : "invalid", diags->counts[DIAG_ERROR],
                               diags->counts[DIAG_WARNING], dialect_to_string(c->dialect));
        }
        if (c->json) {
                json_dumpf(results, stdout, JSON_INDENT(2));
                putchar('\n');
        }
        return ret;
}

int verb_compile(struct ctl *c, int argc, char **argv)
{
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        int r;

        if (argc != 1)
                return ctl_usage_error("compile: expected one FILE");
        enum output_format fmt = c->format_set ? c->format : FORMAT_RAW;
        if (fmt != FORMAT_RAW && fmt != FORMAT_BASE64 && fmt != FORMAT_PFC && fmt != FORMAT_DISASM)
                return ctl_usage_error("compile: --format is raw, base64, pfc or disasm");
        if (fmt == FORMAT_RAW && !c->output && isatty(STDOUT_FILENO))
                return ctl_usage_error("compile: refusing to write raw BPF to a terminal; use -o "
                                       "FILE or --format base64|pfc|disasm");

        r = ctl_build(c, argv[0], &p, &res, fmt == FORMAT_PFC ? NULL : &b);
        if (r < 0)
                return r == -EINVAL
                               ? CTL_EXIT_FAILED
                               : ctl_error("Failed to compile '%s': %s", argv[0], strerror(-r));
        if (fmt == FORMAT_PFC) {
                _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
                _cleanup_free_ char *pfc = NULL;
                if (diag_list_new(argv[0], &diags) < 0)
                        return ctl_error("out of memory");
                r = compile_pfc(res, &c->compile, diags, &pfc);
                diag_list_print(diags, stderr, DIAG_WARNING, c->color);
                if (r < 0)
                        return ctl_error("Failed to compile '%s': %s", argv[0], strerror(-r));
                r = ctl_write_output(c->output, pfc, strlen(pfc));
        } else if (fmt == FORMAT_BASE64) {
                _cleanup_free_ char *b64 = base64_encode(b->insns, blob_size(b));
                if (!b64)
                        return ctl_error("out of memory");
                size_t l = strlen(b64);
                b64[l] = '\n';
                r = ctl_write_output(c->output, b64, l + 1);
        } else if (fmt == FORMAT_DISASM)
                r = ctl_write_disasm(c->output, b->insns, b->n_insns);
        else
                r = ctl_write_output(c->output, b->insns, blob_size(b));
        if (r < 0)
                return ctl_error("Failed to write '%s': %s", c->output ? c->output : "stdout",
                                 strerror(-r));
        if (!c->quiet && b)
                fprintf(stderr, "%s: %zu instructions (%zu bytes), %zu libseccomp rules, key %s\n",
                        argv[0], b->n_insns, blob_size(b), b->n_rules, b->key);
        return CTL_EXIT_OK;
}

static int refuse_foreign(const struct ctl *c)
{
        return ctl_error("%s filters are in the other byte order; they cannot be simulated here",
                         c->context.arch->short_name);
}

int verb_test(struct ctl *c, int argc, char **argv)
{
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        struct bpf_sim_input in = {.arch = c->context.arch->token};
        struct bpf_sim_result out;
        _cleanup_free_ char *name = NULL;
        long nr = 0;
        int r;

        r = ctl_test_input(c, argc, argv, "FILE", &in, &nr, &name);
        if (r != 0)
                return r;

        r = ctl_build(c, argv[0], &p, &res, &b);
        if (r < 0)
                return r == -EINVAL
                               ? CTL_EXIT_FAILED
                               : ctl_error("Failed to compile '%s': %s", argv[0], strerror(-r));
        if (b->foreign_byte_order)
                return refuse_foreign(c);
        r = bpf_sim_run(b->insns, b->n_insns, &in, &out);
        if (r < 0)
                return ctl_error("Failed to simulate the filter: %s", strerror(-r));

        char verdict[64];
        bpf_action_format(out.ret, verdict, sizeof(verdict));
        const char *comment;
        const struct resolved_rule *rule =
                ctl_deciding_rule(p, res, name, in.args, out.ret, &comment);

        if (c->json) {
                char ptr[32];
                snprintf(ptr, sizeof(ptr), "/syscalls/%zu", rule ? rule->source : 0);
                _cleanup_(json_decrefp) json_t *o =
                        json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:s?, s:s?}", "syscall", name,
                                  "nr", (int)nr, "arch", c->context.arch->short_name, "action",
                                  verdict, "instructions", (int)out.steps, "decided_by",
                                  rule ? "rule" : "defaultAction", "rule", rule ? ptr : NULL,
                                  "comment", comment);
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
                return CTL_EXIT_OK;
        }
        printf("%s\n", verdict);
        if (!c->quiet) {
                ctl_print_decided_by(rule, comment);
                printf("  %s(%ld) on %s, %u BPF instructions executed\n", name, nr,
                       c->context.arch->short_name, out.steps);
        }
        return CTL_EXIT_OK;
}

int verb_export(struct ctl *c, int argc, char **argv)
{
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        if (argc != 1)
                return ctl_usage_error("export: expected one FILE or NAME");
        if (!c->format_set || (c->format != FORMAT_OCI && c->format != FORMAT_LXC))
                return ctl_usage_error("export: --format oci or --format lxc is required");
        r = ctl_build(c, argv[0], &p, &res, NULL);
        if (r < 0)
                return r == -EINVAL ? CTL_EXIT_FAILED
                                    : ctl_error("Failed to load '%s': %s", argv[0], strerror(-r));
        if (c->format == FORMAT_OCI)
                r = export_oci(res, &text);
        else {
                _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
                if (diag_list_new(argv[0], &diags) < 0)
                        return ctl_error("out of memory");
                r = export_lxc(res, diags, &text);
                diag_list_print(diags, stderr, DIAG_WARNING, c->color);
        }
        if (r < 0)
                return r == -EOPNOTSUPP
                               ? CTL_EXIT_FAILED
                               : ctl_error("Failed to export '%s': %s", argv[0], strerror(-r));
        r = ctl_write_output(c->output, text, strlen(text));
        if (r < 0)
                return ctl_error("Failed to write output: %s", strerror(-r));
        return CTL_EXIT_OK;
}

int ctl_exec_blob(const struct blob *b, char **cmd)
{
        int r = blob_install(b);
        if (r < 0)
                return ctl_error("Failed to install the filter: %s", strerror(-r));
        execvp(cmd[0], cmd);
        /* The filter may be what refused the exec: say so plainly. */
        return ctl_error("Failed to execute '%s' under the filter: %m", cmd[0]);
}

int verb_exec(struct ctl *c, int argc, char **argv)
{
        _cleanup_(blob_freep) struct blob *b = NULL;
        int r;

        if (argc < 2)
                return ctl_usage_error("exec: expected FILE -- COMMAND [ARG...]");
        r = ctl_build(c, argv[0], NULL, NULL, &b);
        if (r < 0)
                return r == -EINVAL
                               ? CTL_EXIT_FAILED
                               : ctl_error("Failed to compile '%s': %s", argv[0], strerror(-r));
        return ctl_exec_blob(b, argv + 1);
}

int verb_stats(struct ctl *c, int argc, char **argv)
{
        _cleanup_(blob_freep) struct blob *b = NULL;
        struct bpf_stats st;
        int r;

        if (argc != 1)
                return ctl_usage_error("stats: expected one FILE");
        r = ctl_build(c, argv[0], NULL, NULL, &b);
        if (r < 0)
                return r == -EINVAL
                               ? CTL_EXIT_FAILED
                               : ctl_error("Failed to compile '%s': %s", argv[0], strerror(-r));
        if (b->foreign_byte_order)
                return refuse_foreign(c);
        r = bpf_stats_compute(b->insns, b->n_insns, c->context.arch->token, &st);
        if (r < 0)
                return ctl_error("Failed to compute stats: %s", strerror(-r));
        if (c->json) {
                _cleanup_(json_decrefp) json_t *o = json_pack(
                        "{s:s, s:s, s:i, s:i, s:i, s:f, s:i, s:i, s:i, s:i}", "file", argv[0],
                        "arch", c->context.arch->short_name, "optimize", b->optimize,
                        "instructions", (int)st.insns, "max_path", (int)st.max_path, "mean_path",
                        st.mean_path, "syscalls", (int)st.syscalls, "allowed", (int)st.allowed,
                        "cacheable", (int)st.cacheable, "arg_dependent", (int)st.arg_dependent);
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
                return CTL_EXIT_OK;
        }
        printf("%-14s %zu (optimize %d)\n", "instructions", st.insns, b->optimize);
        printf("%-14s %u\n%-14s %.1f\n", "max path", st.max_path, "mean path", st.mean_path);
        printf("%-14s %u of %u syscalls on %s\n", "allowed", st.allowed, st.syscalls,
               c->context.arch->short_name);
        printf("%-14s %u (verdict does not depend on arguments)\n", "cacheable", st.cacheable);
        return CTL_EXIT_OK;
}
