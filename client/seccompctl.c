/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "seccompd/protocol.h"

static void help(void)
{
        printf("seccompctl — validate, compile, test and apply seccomp profiles\n\n"
               "Usage: seccompctl [OPTIONS] COMMAND [ARGS...]\n\n"
               "Offline commands (the engine runs in-process, no daemon needed):\n"
               "  validate FILE...             check profiles; exit 1 if any is invalid\n"
               "  compile FILE [-o OUT]        compile to raw BPF (or --format base64|pfc|disasm)\n"
               "  test FILE SYSCALL [ARG...]   the action the filter takes, and which rule "
               "decided\n"
               "  export FILE --format oci|lxc resolved plain OCI JSON, or LXC seccomp v2 text\n"
               "  exec FILE -- CMD [ARG...]    install the filter and exec CMD\n"
               "  stats FILE                   instructions, paths, kernel-cacheable syscalls\n"
               "  scan DIR...                  validate and compile every *.json below DIR\n"
               "  record [-o OUT] [--format docker|oci] [--arch A,...] [--merge FILE] -- CMD "
               "[ARG...]\n"
               "                               run CMD (its children, threads, exec'd programs) "
               "and\n"
               "                               write the allowlist of the syscalls they made; "
               "exit\n"
               "                               status: CMD's. As root, CMD runs without "
               "no_new_privs\n"
               "                               (setuid programs behave as usual)\n"
               "  merge FILE FILE... [-o OUT]  the union of the profiles' allowed syscalls, in "
               "the\n"
               "                               first one's form\n\n"
               "Commands asked to seccompd (NAME is a profile name such as runtime/default):\n"
               "  list                         profiles with their state and digest\n"
               "  show NAME                    one profile: state, diagnostics, summary, blobs\n"
               "  validate NAME...             the daemon's diagnostics; exit 1 unless valid\n"
               "  compile NAME [-o OUT]        the daemon's blob (--format raw|base64|disasm)\n"
               "  test NAME SYSCALL [ARG...]   simulate the daemon's blob, and which rule decided\n"
               "  export NAME --format oci|lxc the daemon's source of NAME, exported\n"
               "  exec NAME -- CMD [ARG...]    install the daemon's blob and exec CMD\n"
               "  status                       version, readiness, roots, counts, cache\n"
               "  digest                       the node digest (equal on nodes with equal "
               "profiles)\n"
               "  reload                       rescan every root (root or the seccompd group)\n"
               "  containers                   containers started through seccompd-oci: profile,\n"
               "                               digest, blob key, started, fallback reason\n"
               "  denials [--follow]           recent seccomp denials, explained (--profile P,\n"
               "                               --container ID, --syscall NAME filter them)\n"
               "An argument of validate, compile, test, export or exec that is an existing file, "
               "or\n"
               "starts with /, ./ or ../, is a file used offline; anything else is a NAME.\n\n"
               "Options:\n"
               "  --dialect D      docker (default), kubernetes-containerd, cri-o, mesos, crun, "
               "runc\n"
               "  --strict         unknown syscalls are errors\n"
               "  --arch A         target architecture (default: the host's)\n"
               "  --caps C,...     capabilities held (default: Docker's 14; 'all', 'none', "
               "'+CAP_X')\n"
               "  --kernel X.Y     kernel version for minKernel (default: the running one)\n"
               "  --optimize 0|2   linear or binary-tree filter (default: tree above 32 rules)\n"
               "  --format F       raw, base64, pfc, disasm (compile); oci, lxc (export)\n"
               "  -o, --output F   write to F instead of stdout (atomically)\n"
               "  --max-size N     largest profile accepted, in bytes (default 1 MiB)\n"
               "  --socket PATH    seccompd's socket (default: $" SECCOMPD_SOCKET_ENV ", else\n"
               "                   " SECCOMPD_SOCKET_PATH ")\n"
               "  --json           machine-readable output (the daemon's own JSON)\n"
               "  -q, --quiet      print only errors\n"
               "  --version        print versions\n\n"
               "Exit status: 0 ok/valid, 1 invalid or failed, 2 usage error.\n");
}

static const struct {
        const char *name;
        int (*fn)(struct ctl *c, int argc, char **argv);
} verbs[] = {
        {"validate", verb_validate_dispatch},
        {"compile", verb_compile_dispatch},
        {"test", verb_test_dispatch},
        {"export", verb_export_dispatch},
        {"exec", verb_exec_dispatch},
        {"stats", verb_stats},
        {"scan", verb_scan},
        {"list", verb_list},
        {"show", verb_show},
        {"reload", verb_reload},
        {"denials", verb_denials},
        {"status", verb_status},
        {"digest", verb_digest},
        {"containers", verb_containers},
        {"record", verb_record},
        {"merge", verb_merge},
};

enum {
        ARG_DIALECT = 0x100,
        ARG_STRICT,
        ARG_ARCH,
        ARG_CAPS,
        ARG_KERNEL,
        ARG_OPTIMIZE,
        ARG_FORMAT,
        ARG_JSON,
        ARG_VERSION,
        ARG_SOCKET,
        ARG_MAX_SIZE,
        ARG_NO_COLOR,
        ARG_FOLLOW,
        ARG_PROFILE,
        ARG_CONTAINER,
        ARG_SYSCALL,
        ARG_MERGE,
};

static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {"output", required_argument, NULL, 'o'},
        {"dialect", required_argument, NULL, ARG_DIALECT},
        {"strict", no_argument, NULL, ARG_STRICT},
        {"arch", required_argument, NULL, ARG_ARCH},
        {"caps", required_argument, NULL, ARG_CAPS},
        {"kernel", required_argument, NULL, ARG_KERNEL},
        {"optimize", required_argument, NULL, ARG_OPTIMIZE},
        {"format", required_argument, NULL, ARG_FORMAT},
        {"json", no_argument, NULL, ARG_JSON},
        {"version", no_argument, NULL, ARG_VERSION},
        {"socket", required_argument, NULL, ARG_SOCKET},
        {"max-size", required_argument, NULL, ARG_MAX_SIZE},
        {"no-color", no_argument, NULL, ARG_NO_COLOR},
        {"follow", no_argument, NULL, ARG_FOLLOW},
        {"profile", required_argument, NULL, ARG_PROFILE},
        {"container", required_argument, NULL, ARG_CONTAINER},
        {"syscall", required_argument, NULL, ARG_SYSCALL},
        {"merge", required_argument, NULL, ARG_MERGE},
        {},
};

/* Applies one option. Returns -1 to go on, or the exit code to stop with. */
static int apply_option(struct ctl *c, int opt, const char *arg)
{
        const char *bad = NULL;

        switch (opt) {
        case 'h': help(); return CTL_EXIT_OK;
        case 'q': c->quiet = true; return -1;
        case 'o': c->output = arg; return -1;
        case ARG_DIALECT:
                c->dialect = dialect_from_string(arg);
                if (c->dialect < 0)
                        return ctl_usage_error("unknown dialect \"%s\"", arg);
                c->dialect_set = true;
                return -1;
        case ARG_STRICT: c->strict = true; return -1;
        case ARG_ARCH:
                c->arch_arg = arg;
                if (strchr(arg, ',')) /* a list: record's only, checked there */
                        return -1;
                if (context_set_arch(&c->context, arg) < 0)
                        return ctl_usage_error("unknown architecture \"%s\"", arg);
                c->arch_set = true;
                return -1;
        case ARG_CAPS:
                if (context_set_caps(&c->context, arg, &bad) < 0)
                        return ctl_usage_error("unknown capability in \"%s\"", bad);
                c->caps_set = true;
                return -1;
        case ARG_KERNEL:
                if (context_set_kernel(&c->context, arg) < 0)
                        return ctl_usage_error("kernel version \"%s\" is not X.Y", arg);
                c->kernel_set = true;
                return -1;
        case ARG_OPTIMIZE:
                if (streq(arg, "0"))
                        c->compile.optimize = 0;
                else if (streq(arg, "2"))
                        c->compile.optimize = 2;
                else
                        return ctl_usage_error("--optimize takes 0 or 2");
                return -1;
        case ARG_FORMAT:
                c->format_arg = arg;
                c->format = output_format_from_string(arg);
                if (c->format < 0 && streq(arg, "docker")) /* record's only, checked there */
                        return -1;
                if (c->format < 0)
                        return ctl_usage_error("unknown format \"%s\"", arg);
                c->format_set = true;
                return -1;
        case ARG_JSON: c->json = true; return -1;
        case ARG_VERSION: {
                const struct scmp_version *v = seccomp_version();
                printf("seccompctl %s (libseccomp %u.%u.%u)\n", PACKAGE_VERSION, v->major, v->minor,
                       v->micro);
                return CTL_EXIT_OK;
        }
        case ARG_SOCKET: c->socket_path = arg; return -1;
        case ARG_MAX_SIZE: {
                char *end;
                unsigned long long n = strtoull(arg, &end, 10);
                if (*end || n == 0)
                        return ctl_usage_error("--max-size takes a byte count");
                c->parse.max_size = (size_t)n;
                return -1;
        }
        case ARG_NO_COLOR: c->color = false; return -1;
        case ARG_FOLLOW: c->follow = true; return -1;
        case ARG_PROFILE: c->denial_profile = arg; return -1;
        case ARG_CONTAINER: c->denial_container = arg; return -1;
        case ARG_SYSCALL: c->denial_syscall = arg; return -1;
        case ARG_MERGE: c->merge = arg; return -1;
        default: return CTL_EXIT_USAGE;
        }
}

int main(int argc, char **argv)
{
        struct ctl c = {
                .dialect = DIALECT_DEFAULT,
                .color = isatty(STDERR_FILENO) && !getenv("NO_COLOR"),
                .compile = {.optimize = -1},
                .n_before_dashdash = -1,
        };
        _cleanup_free_ char **rest = NULL;
        const char *verb = NULL;
        int opt, r, n_rest = 0;

        r = context_default(&c.context);
        if (r < 0)
                return ctl_error("Failed to determine the host context: %s", strerror(-r));
        rest = calloc((size_t)argc + 1, sizeof(char *));
        if (!rest)
                return ctl_error("out of memory");

        /* Options may come before and after the verb; everything after "--" belongs to the
         * verb (exec's command line). "+" stops getopt at each non-option instead of
         * reordering argv. */
        while (optind < argc) {
                if (streq(argv[optind], "--")) {
                        c.n_before_dashdash = n_rest;
                        for (int i = optind + 1; i < argc; i++)
                                rest[n_rest++] = argv[i];
                        break;
                }
                opt = getopt_long(argc, argv, "+hqo:", options, NULL);
                if (opt < 0) {
                        if (!verb)
                                verb = argv[optind];
                        else
                                rest[n_rest++] = argv[optind];
                        optind++;
                        continue;
                }
                r = apply_option(&c, opt, optarg);
                if (r >= 0)
                        return r;
        }
        if (!verb) {
                help();
                return CTL_EXIT_USAGE;
        }
        if (!c.socket_path) {
                const char *e = getenv(SECCOMPD_SOCKET_ENV);
                c.socket_path = e && e[0] ? e : SECCOMPD_SOCKET_PATH;
        }
        c.parse.dialect = c.dialect;
        c.parse.strict = c.strict;
        bool recording = streq(verb, "record") || streq(verb, "merge");
        if (!recording && c.arch_arg && strchr(c.arch_arg, ','))
                return ctl_usage_error("unknown architecture \"%s\"", c.arch_arg);
        if (!recording && c.format_arg && streq(c.format_arg, "docker"))
                return ctl_usage_error("unknown format \"%s\"", c.format_arg);
        if (!streq(verb, "record") && c.merge)
                return ctl_usage_error("--merge is an option of record");

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verb, verbs[i].name))
                        return verbs[i].fn(&c, n_rest, rest);
        return ctl_usage_error("unknown command \"%s\"", verb);
}
