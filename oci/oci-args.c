/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <string.h>

#include "macro.h"
#include "oci-args.h"

/* crun parses with argp in ARGP_IN_ORDER mode: options are read in order up to the first
 * operand (the command for the global options, the container ID for a command's options) or
 * a "--", and whatever follows is left alone. argp hands long options to getopt_long, so
 * "--bund=x" is "--bundle=x" and a required argument may be the next element even when it
 * starts with '-'. This scanner does the same, over the option tables of crun 1.8 (and the
 * --log-level of later versions). An option it does not know makes the command line
 * unusable: crun is then left to report it. */

struct option_def {
        const char *name;
        char short_name; /* 0: long only */
        bool has_arg;
        int id;
};

enum {
        SCAN_ERROR = -2,
        SCAN_END = -1,
        OPT_CGROUP_MANAGER,
        OPT_DEBUG,
        OPT_LOG,
        OPT_LOG_FORMAT,
        OPT_LOG_LEVEL,
        OPT_ROOT,
        OPT_ROOTLESS,
        OPT_SYSTEMD_CGROUP,
        OPT_HELP,
        OPT_USAGE,
        OPT_VERSION,
        OPT_BUNDLE,
        OPT_CONSOLE_SOCKET,
        OPT_DETACH,
        OPT_CONFIG,
        OPT_NO_NEW_KEYRING,
        OPT_NO_PIVOT,
        OPT_NO_SUBREAPER,
        OPT_PID_FILE,
        OPT_PRESERVE_FDS,
};

static const struct option_def global_options[] = {
        {"cgroup-manager", 0, true, OPT_CGROUP_MANAGER},
        {"debug", 0, false, OPT_DEBUG},
        {"log", 0, true, OPT_LOG},
        {"log-format", 0, true, OPT_LOG_FORMAT},
        {"log-level", 0, true, OPT_LOG_LEVEL},
        {"root", 0, true, OPT_ROOT},
        {"rootless", 0, true, OPT_ROOTLESS},
        {"systemd-cgroup", 0, false, OPT_SYSTEMD_CGROUP},
        {"help", '?', false, OPT_HELP},
        {"usage", 0, false, OPT_USAGE},
        {"version", 'v', false, OPT_VERSION},
        {NULL, 'V', false, OPT_VERSION},
};

/* `crun create --help` and `crun run --help`; run has --detach on top. */
static const struct option_def run_options[] = {
        {"bundle", 'b', true, OPT_BUNDLE},
        {"config", 'f', true, OPT_CONFIG},
        {"console-socket", 0, true, OPT_CONSOLE_SOCKET},
        {"no-new-keyring", 0, false, OPT_NO_NEW_KEYRING},
        {"no-pivot", 0, false, OPT_NO_PIVOT},
        {"no-subreaper", 0, false, OPT_NO_SUBREAPER},
        {"pid-file", 0, true, OPT_PID_FILE},
        {"preserve-fds", 0, true, OPT_PRESERVE_FDS},
        {"help", '?', false, OPT_HELP},
        {"usage", 0, false, OPT_USAGE},
        {"detach", 'd', false, OPT_DETACH}, /* last: run only */
};

struct scan {
        int argc;
        char *const *argv;
        const struct option_def *defs;
        size_t n_defs;
        int next;            /* index of the next element */
        const char *cluster; /* the rest of a "-abc" cluster of short options, or NULL */
        bool terminated;     /* the options ended with "--" (at next - 1) */
};

/* getopt_long's rule: an exact name wins; otherwise a prefix must name a single option. */
static const struct option_def *find_long(const struct scan *s, const char *name, size_t len)
{
        const struct option_def *found = NULL;
        bool ambiguous = false;

        for (size_t i = 0; i < s->n_defs; i++) {
                const struct option_def *d = &s->defs[i];
                if (!d->name || strncmp(d->name, name, len) != 0)
                        continue;
                if (strlen(d->name) == len)
                        return d;
                if (!found)
                        found = d;
                else if (found->id != d->id || found->has_arg != d->has_arg)
                        ambiguous = true;
        }
        return ambiguous ? NULL : found;
}

static const struct option_def *find_short(const struct scan *s, char c)
{
        for (size_t i = 0; i < s->n_defs; i++)
                if (s->defs[i].short_name == c)
                        return &s->defs[i];
        return NULL;
}

/* The id of the next option (its argument in *ret_value), SCAN_END at the first operand or
 * after "--", SCAN_ERROR for an unknown or ambiguous option or a missing argument. */
static int scan_next(struct scan *s, const char **ret_value)
{
        const struct option_def *d;

        if (s->cluster && *s->cluster) {
                d = find_short(s, *s->cluster++);
                if (!d)
                        return SCAN_ERROR;
                if (d->has_arg) {
                        if (*s->cluster)
                                *ret_value = s->cluster;
                        else if (s->next < s->argc)
                                *ret_value = s->argv[s->next++];
                        else
                                return SCAN_ERROR;
                        s->cluster = NULL;
                }
                return d->id;
        }
        s->cluster = NULL;
        if (s->next >= s->argc)
                return SCAN_END;

        const char *a = s->argv[s->next];
        if (streq(a, "--")) {
                s->next++;
                s->terminated = true;
                return SCAN_END;
        }
        if (a[0] != '-' || a[1] == 0)
                return SCAN_END;
        s->next++;
        if (a[1] != '-') {
                s->cluster = a + 1;
                return scan_next(s, ret_value);
        }

        const char *name = a + 2, *eq = strchr(name, '=');
        d = find_long(s, name, eq ? (size_t)(eq - name) : strlen(name));
        if (!d)
                return SCAN_ERROR;
        if (d->has_arg) {
                if (eq)
                        *ret_value = eq + 1;
                else if (s->next < s->argc)
                        *ret_value = s->argv[s->next++];
                else
                        return SCAN_ERROR;
        } else if (eq)
                return SCAN_ERROR;
        return d->id;
}

static void parse_run_options(int argc, char *const *argv, int cmd, bool run, struct oci_args *a)
{
        struct scan s = {
                .argc = argc - cmd,
                .argv = argv + cmd,
                .defs = run_options,
                .n_defs = ELEMENTSOF(run_options) - (run ? 0 : 1),
                .next = 1,
        };

        for (;;) {
                const char *v = NULL;
                int id = scan_next(&s, &v);
                if (id == SCAN_END)
                        break;
                if (id == SCAN_ERROR) {
                        a->why = "an option of the command is unknown to seccompd-oci";
                        return;
                }
                if (id == OPT_BUNDLE)
                        a->bundle = v;
                else if (id == OPT_CONFIG)
                        a->config = v;
                else if (id == OPT_PID_FILE)
                        a->pid_file = v;
                else if (id == OPT_DETACH)
                        a->detach = true;
                else if (id == OPT_HELP || id == OPT_USAGE) {
                        a->why = "--help or --usage";
                        return;
                }
        }
        if (s.argc - s.next != 1) {
                a->why = "the command does not have exactly one operand";
                return;
        }
        a->insert_at = cmd + (s.terminated ? s.next - 1 : s.next);
        a->id = argv[argc - 1];
        a->usable = true;
}

void oci_args_parse(int argc, char *const *argv, struct oci_args *ret)
{
        struct oci_args a = {.command = OCI_COMMAND_NONE, .insert_at = -1};
        struct scan s = {
                .argc = argc,
                .argv = argv,
                .defs = global_options,
                .n_defs = ELEMENTSOF(global_options),
                .next = 1,
        };
        bool informational = false;

        for (;;) {
                const char *v = NULL;
                int id = scan_next(&s, &v);
                if (id == SCAN_END)
                        break;
                if (id == SCAN_ERROR) {
                        a.why = "a global option is unknown to seccompd-oci";
                        *ret = a;
                        return;
                }
                switch (id) {
                case OPT_LOG: a.log = v; break;
                case OPT_LOG_FORMAT: a.log_format = v; break;
                case OPT_DEBUG: a.debug = true; break;
                case OPT_LOG_LEVEL: a.debug = streq(v, "debug"); break;
                case OPT_HELP:
                case OPT_USAGE:
                case OPT_VERSION: informational = true; break;
                default: break;
                }
        }
        if (s.next >= argc) {
                a.why = "no command";
                *ret = a;
                return;
        }

        const char *cmd = argv[s.next];
        if (streq(cmd, "create") || streq(cmd, "run")) {
                bool run = streq(cmd, "run");
                a.command = run ? OCI_COMMAND_RUN : OCI_COMMAND_CREATE;
                if (informational)
                        a.why = "--help, --usage or --version";
                else
                        parse_run_options(argc, argv, s.next, run, &a);
        } else if (streq(cmd, "delete")) {
                /* crun delete [-f|--force] [--regex=RE] ID: the last element, when it is not
                 * an option, is the container (with --regex it is a pattern: not reported). */
                a.command = OCI_COMMAND_DELETE;
                bool regex = false;
                for (int i = s.next + 1; i < argc; i++)
                        if (strncmp(argv[i], "-r", 2) == 0 || strncmp(argv[i], "--r", 3) == 0)
                                regex = true;
                if (!informational && !regex && argc - 1 > s.next && argv[argc - 1][0] != '-')
                        a.id = argv[argc - 1];
        } else
                a.command = OCI_COMMAND_OTHER;
        *ret = a;
}
