/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "compile.h"
#include "profile.h"
#include "resolve.h"

/* Exit codes of seccompctl. */
#define CTL_EXIT_OK     0
#define CTL_EXIT_FAILED 1
#define CTL_EXIT_USAGE  2

enum output_format {
        FORMAT_RAW,
        FORMAT_BASE64,
        FORMAT_PFC,
        FORMAT_OCI,
        FORMAT_LXC,
        FORMAT_DISASM,
        _FORMAT_MAX,
        _FORMAT_INVALID = -EINVAL,
};

struct ctl {
        bool json;
        bool quiet;
        bool strict;
        bool color; /* stderr is a tty */
        enum dialect dialect;
        const char *socket_path;
        const char *output;
        enum output_format format;
        bool format_set;
        struct context context;
        /* Which of --arch, --caps and --kernel were given: only those are sent to the daemon,
         * which otherwise resolves for its own host. */
        bool arch_set, caps_set, kernel_set;
        struct compile_options compile;
        struct profile_parse_options parse;
        bool dialect_set; /* --dialect was given */
        /* A profile fetched from seccompd (GET /v1/source/NAME): ctl_load_profile() of
         * `source_name` parses these bytes instead of reading a file. */
        const char *source_name;
        const char *source_data;
        size_t source_size;
        /* denials: --follow and the filters. */
        bool follow;
        const char *denial_profile, *denial_container, *denial_syscall;
        /* record and merge: --format as given (record takes docker|oci), --arch as given (a
         * list for record), --merge, and how many arguments came before "--" (-1: none). */
        const char *format_arg, *arch_arg, *merge;
        int n_before_dashdash;
};

/* Prints "seccompctl: <message>" to stderr and returns CTL_EXIT_FAILED. */
int ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, for usage errors: returns CTL_EXIT_USAGE. */
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum output_format output_format_from_string(const char *s);

/* Loads and validates a profile file, printing its diagnostics (warnings and errors) to
 * stderr unless quiet. Returns 0, -EINVAL when invalid, other -errno. */
int ctl_load_profile(const struct ctl *c, const char *path, struct profile **ret);
/* The rule of `res` behind the action `ret` took for syscall `name` with `args` (NULL: the
 * default action), and the comment of its rule in `p` (may be NULL). */
struct resolved_rule;
const struct resolved_rule *ctl_deciding_rule(const struct profile *p, const struct resolved *res,
                                              const char *name, const uint64_t args[6],
                                              uint32_t ret, const char **ret_comment);
/* "  decided by /syscalls/N (ACTION): \"comment\"" for `rule` (NULL: the default action), the
 * line `test` prints under its verdict. */
void ctl_print_decided_by(const struct resolved_rule *rule, const char *comment);
/* Load + resolve for the context + compile; prints diagnostics. */
int ctl_build(const struct ctl *c, const char *path, struct profile **ret_profile,
              struct resolved **ret_resolved, struct blob **ret_blob);

/* Installs `b` in this process (no_new_privs, then the filter) and executes `cmd` (a
 * NULL-terminated argv) under it. Returns only on failure: CTL_EXIT_FAILED after reporting. */
int ctl_exec_blob(const struct blob *b, char **cmd);

/* Writes all of `data` to `path` ("-" or NULL: stdout) atomically when it is a file. */
int ctl_write_output(const char *path, const void *data, size_t size);

int verb_validate(struct ctl *c, int argc, char **argv);
int verb_compile(struct ctl *c, int argc, char **argv);
int verb_test(struct ctl *c, int argc, char **argv);
int verb_export(struct ctl *c, int argc, char **argv);
int verb_exec(struct ctl *c, int argc, char **argv);
int verb_scan(struct ctl *c, int argc, char **argv);
int verb_stats(struct ctl *c, int argc, char **argv);

/* Commands answered by the daemon over c->socket_path (ctl-online.c). */
int verb_list(struct ctl *c, int argc, char **argv);
int verb_show(struct ctl *c, int argc, char **argv);
int verb_reload(struct ctl *c, int argc, char **argv);
int verb_status(struct ctl *c, int argc, char **argv);
int verb_denials(struct ctl *c, int argc, char **argv);
int verb_digest(struct ctl *c, int argc, char **argv);
int verb_containers(struct ctl *c, int argc, char **argv);
int verb_record(struct ctl *c, int argc, char **argv);
int verb_merge(struct ctl *c, int argc, char **argv);
/* validate, compile, test and exec of FILE|NAME: an argument that is an existing file (or a
 * path starting with "/", "./" or "../") goes to the offline verb above, anything else is a
 * profile name asked to the daemon. */
int verb_validate_dispatch(struct ctl *c, int argc, char **argv);
int verb_compile_dispatch(struct ctl *c, int argc, char **argv);
int verb_test_dispatch(struct ctl *c, int argc, char **argv);
int verb_export_dispatch(struct ctl *c, int argc, char **argv);
/* exec FILE|NAME -- CMD: the same rule; a NAME's blob is fetched from the daemon and
 * installed as served. */
int verb_exec_dispatch(struct ctl *c, int argc, char **argv);

/* The SYSCALL [ARG...] of `test` (argv[0] is the FILE or NAME, `what` says which for the usage
 * message): the syscall by name or number for the context's arch, and up to 6 arguments.
 * Returns 0 with `in` filled in and a new name, or an exit code after saying why. */
struct bpf_sim_input;
int ctl_test_input(const struct ctl *c, int argc, char **argv, const char *what,
                   struct bpf_sim_input *in, long *ret_nr, char **ret_name);

/* Columns `s` takes in a table: its UTF-8 characters (profile names may have any). */
int ctl_display_width(const char *s);

/* The disassembly of `n` instructions, written like ctl_write_output(). 0 or -errno. */
struct sock_filter;
int ctl_write_disasm(const char *path, const struct sock_filter *insns, size_t n);
