/* SPDX-License-Identifier: Apache-2.0 */
/* seccompd-oci: an OCI runtime in front of crun, for containerd (BinaryName) and CRI-O
 * (runtime_path). It takes crun's command line and hands it to crun unchanged, except for
 * `create` and `run` of a bundle whose linux.seccomp seccompd can compile: then crun gets
 * `--config <bundle>/config.seccompd.json`, a copy of the config in which the compiled blob is
 * the run.oci.seccomp_bpf_data annotation and linux.seccomp is gone, so crun loads the blob
 * instead of compiling the JSON. The original config.json is never modified.
 *
 * Whatever goes wrong (seccompd down or slow, an error answer, a config it cannot read or
 * write), crun runs with the original arguments and compiles linux.seccomp itself: the
 * container gets the same filter either way, never a weaker one. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "oci-args.h"
#include "oci-config.h"
#include "oci-fallback.h"
#include "oci-http.h"
#include "oci-log.h"
#include "oci-report.h"
#include "oci-sha256.h"
#include "seccompd/protocol.h"

#define OCI_CONF_FILE          "/etc/seccompd/seccompd-oci.conf"
#define OCI_CONF_ENV           "SECCOMPD_OCI_CONFIG"
#define OCI_RUNTIME_ENV        "SECCOMPD_OCI_RUNTIME"
#define OCI_TIMEOUT_DEFAULT_MS 2000u
#define OCI_TIMEOUT_MAX_MS     600000u
#define OCI_DERIVED_NAME       "config.seccompd.json"
#define OCI_SPOOL_MAX_MAX      100000u

struct settings {
        char *runtime; /* from the conf file, may be NULL */
        char *socket;  /* from the conf file, may be NULL */
        char *spool;   /* fallback-spool from the conf file, may be NULL; "none": no spool */
        unsigned spool_max;
        unsigned timeout_ms;
        const char *path; /* the conf file's path (static or from the environment) */
};

static void settings_done(struct settings *s)
{
        free(s->runtime);
        free(s->socket);
        free(s->spool);
}

static char *strip(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\r\n", s[n - 1]))
                s[--n] = 0;
        return s;
}

static bool parse_timeout(const char *v, unsigned *ret)
{
        char *end;
        errno = 0;
        unsigned long t = strtoul(v, &end, 10);
        if (errno != 0 || end == v || *end || t == 0 || t > OCI_TIMEOUT_MAX_MS || v[0] == '-')
                return false;
        *ret = (unsigned)t;
        return true;
}

static bool parse_count(const char *v, unsigned *ret)
{
        char *end;
        errno = 0;
        unsigned long t = strtoul(v, &end, 10);
        if (errno != 0 || end == v || *end || t > OCI_SPOOL_MAX_MAX || v[0] == '-')
                return false;
        *ret = (unsigned)t;
        return true;
}

/* `key = value` lines, `#` comment lines, keys runtime, socket, timeout-ms, fallback-spool and
 * fallback-spool-max. A missing file is no error; a line not understood is skipped with a
 * warning. */
static void settings_load(struct settings *s)
{
        const char *path = getenv(OCI_CONF_ENV);
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t alloc = 0;
        unsigned n = 0;

        s->timeout_ms = OCI_TIMEOUT_DEFAULT_MS;
        s->spool_max = SECCOMPD_FALLBACK_SPOOL_MAX;
        if (!path || !*path)
                path = OCI_CONF_FILE;
        s->path = path;
        f = fopen(path, "re");
        if (!f) {
                if (errno != ENOENT)
                        oci_log_warning("Failed to read '%s': %m", path);
                return;
        }
        while (getline(&line, &alloc, f) >= 0) {
                char *l = strip(line), *eq = strchr(l, '=');
                n++;
                if (!*l || *l == '#')
                        continue;
                if (!eq) {
                        oci_log_warning("%s:%u: expected 'key = value', ignored", path, n);
                        continue;
                }
                *eq = 0;
                char *key = strip(l), *value = strip(eq + 1);
                char **slot = streq(key, "runtime")          ? &s->runtime
                              : streq(key, "socket")         ? &s->socket
                              : streq(key, "fallback-spool") ? &s->spool
                                                             : NULL;
                if (slot && *value) {
                        free(*slot);
                        *slot = strdup(value);
                } else if (streq(key, "timeout-ms")) {
                        if (!parse_timeout(value, &s->timeout_ms))
                                oci_log_warning("%s:%u: timeout-ms must be 1..%u, ignored", path, n,
                                                OCI_TIMEOUT_MAX_MS);
                } else if (streq(key, "fallback-spool-max")) {
                        if (!parse_count(value, &s->spool_max))
                                oci_log_warning("%s:%u: fallback-spool-max must be 0..%u, "
                                                "ignored",
                                                path, n, OCI_SPOOL_MAX_MAX);
                } else
                        oci_log_warning("%s:%u: unknown or empty key '%s', ignored", path, n, key);
        }
}

/* Whether `path` names this very program (a runtime setting that points back at the wrapper
 * would exec it forever). */
static bool is_self(const char *path)
{
        struct stat a, b;
        return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

static bool usable_runtime(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0 &&
               !is_self(path);
}

/* `name` as is when it has a '/', else the first usable one in $PATH. */
static char *lookup(const char *name)
{
        if (strchr(name, '/'))
                return usable_runtime(name) ? strdup(name) : NULL;

        const char *path = getenv("PATH");
        _cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
        char *save = NULL;
        if (!copy)
                return NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *candidate;
                if (asprintf(&candidate, "%s/%s", *dir ? dir : ".", name) < 0)
                        return NULL;
                if (usable_runtime(candidate))
                        return candidate;
                free(candidate);
        }
        return NULL;
}

/* $SECCOMPD_OCI_RUNTIME, else the conf file's runtime, else crun in $PATH; never this
 * program. A runtime that is set but unusable is an error, not a reason to run another. */
static char *find_runtime(const struct settings *s)
{
        const char *env = getenv(OCI_RUNTIME_ENV);
        const char *name = "crun", *origin = NULL;
        _cleanup_free_ char *conf = NULL;

        if (env && *env) {
                name = env;
                origin = "$" OCI_RUNTIME_ENV;
        } else if (s->runtime) {
                name = s->runtime;
                if (asprintf(&conf, "runtime in %s", s->path) < 0)
                        conf = NULL;
                origin = conf ? conf : "runtime";
        }

        char *p = lookup(name);
        if (!p && origin)
                oci_log_error("Failed to find crun: %s '%s' is not an executable (other than "
                              "seccompd-oci)",
                              origin, name);
        else if (!p)
                oci_log_error("Failed to find crun: set $%s, or runtime in %s, or put crun in "
                              "$PATH",
                              OCI_RUNTIME_ENV, s->path);
        return p;
}

static const char *socket_path(const struct settings *s)
{
        const char *env = getenv(SECCOMPD_SOCKET_ENV);
        if (env && *env)
                return env;
        return s->socket ? s->socket : SECCOMPD_SOCKET_PATH;
}

/* fallback-spool, else "fallbacks" next to the socket (with the default socket:
 * /run/seccompd/fallbacks), which is where seccompd looks by default. NULL: none. */
static char *spool_path(const struct settings *s)
{
        if (s->spool)
                return streq(s->spool, "none") ? NULL : strdup(s->spool);
        const char *sock = socket_path(s);
        const char *slash = strrchr(sock, '/');
        char *p;
        if (!slash)
                return strdup(SECCOMPD_FALLBACK_SPOOL_NAME);
        if (asprintf(&p, "%.*s/%s", (int)(slash - sock), sock, SECCOMPD_FALLBACK_SPOOL_NAME) < 0)
                return NULL;
        return p;
}

/* The config crun would read: "config.json" (crun's default, also when given explicitly)
 * is in the bundle, any other relative path is relative to the current directory, which is
 * what crun does (it makes the path absolute before changing to the bundle). */
static char *config_path(const struct oci_args *a)
{
        char *p;
        if (!a->config || streq(a->config, "config.json")) {
                if (asprintf(&p, "%s/config.json", a->bundle ? a->bundle : ".") < 0)
                        return NULL;
                return p;
        }
        return strdup(a->config);
}

/* Asks seccompd for the blob of `section`. Logs why when it cannot. */
static int fetch_blob(const char *sock, unsigned timeout_ms, const char *section, size_t size,
                      const char *digest, const char *report_id, const char *report,
                      struct oci_compiled *ret)
{
        _cleanup_free_ char *detail = NULL;
        int r = oci_compile(sock, timeout_ms, section, size, digest, report_id, report, ret,
                            &detail);
        if (r == -EPROTO && detail)
                oci_fallback("refused seccompd's answer from '%s': %s", sock, detail);
        else if (r < 0 && !detail)
                oci_fallback("cannot reach seccompd at '%s': %s", sock,
                             r == -EPROTO ? "not seccompd's API" : strerror(-r));
        else if (r < 0)
                oci_fallback("seccompd did not compile linux.seccomp: %s: %s", strerror(-r),
                             detail);
        return r;
}

/* What a create/run did with linux.seccomp, for the daemon's container table. */
struct outcome {
        char *bundle;                        /* absolute */
        char *key;                           /* the blob crun loads; NULL otherwise */
        char digest[OCI_SHA256_DIGEST_SIZE]; /* of the section sent; "" when none */
        char *left;                          /* why the bundle was left to crun by design */
        bool reported;                       /* the daemon recorded it with the compile */
};

static void outcome_done(struct outcome *o)
{
        free(o->bundle);
        free(o->key);
        free(o->left);
}

/* The bundle asks to be recorded (annotation seccompd.record): the daemon reserves the
 * recording, and the derived config has crun load the notify filter and send its listener to
 * the daemon. Nothing falls back here: a container that asked to be recorded and cannot be is
 * not started (-ECANCELED, said why), rather than run under a filter nobody chose. */
static int derive_recording(const struct oci_args *a, const struct settings *s,
                            struct oci_config *cfg, const char *profile, const char *bundle,
                            char *derived, char **ret, struct outcome *res)
{
        _cleanup_(oci_recording_done) struct oci_recording rec = {};
        _cleanup_free_ char *detail = NULL, *out = NULL;
        const char *sock = socket_path(s);

        if (oci_config_annotation(cfg, OCI_ANNOTATION_PLUGINS)) {
                oci_log_error("Cannot record container '%s': its seccomp notifications go to "
                              "crun's plugins (" OCI_ANNOTATION_PLUGINS ")",
                              a->id);
                return -ECANCELED;
        }
        int r = oci_record(sock, s->timeout_ms, a->id, profile, &rec, &detail);
        if (r < 0) {
                if (detail)
                        oci_log_error("Cannot record container '%s' into '%s': %s", a->id, profile,
                                      detail);
                else
                        oci_log_error("Cannot record container '%s' into '%s': cannot reach "
                                      "seccompd at '%s': %s",
                                      a->id, profile, sock, strerror(-r));
                return -ECANCELED;
        }
        r = oci_config_derive(cfg, rec.blob_b64, false, rec.receiver, &out);
        if (r == 0)
                r = oci_write_atomic(bundle, OCI_DERIVED_NAME, out, strlen(out));
        if (r < 0) {
                oci_log_error("Cannot record container '%s': cannot write '%s': %s", a->id, derived,
                              strerror(-r));
                return -ECANCELED;
        }
        oci_log_debug("recording container '%s' into '%s' (%s): crun sends the listener to '%s'",
                      a->id, rec.profile, rec.path, rec.receiver);
        if (asprintf(&res->left, "recorded into %s", rec.profile) < 0)
                res->left = NULL;
        *ret = derived;
        return 1;
}

/* For create/run: writes the derived config when it can be had. Returns 1 and its path in
 * *ret; 0 when the bundle is left to crun by design; -errno on failure. The reason for the
 * last two is logged here. What it found goes to *res (for the report). `report`: the report
 * to send with the compile when it goes before crun runs (NULL otherwise), completed here
 * with the bundle and the digest; res->reported says whether the daemon took it. */
static int derive_config(const struct oci_args *a, const struct settings *s,
                         struct oci_report *report, char **ret, struct outcome *res)
{
        _cleanup_(oci_config_freep) struct oci_config *cfg = NULL;
        _cleanup_(oci_compiled_done) struct oci_compiled blob = {};
        _cleanup_free_ char *path = NULL, *bundle = NULL, *error = NULL, *why_buf = NULL,
                            *section = NULL, *derived = NULL, *out = NULL;
        const char *why;
        struct stat st, dst;
        size_t size;
        int r;

        path = config_path(a);
        bundle = realpath(a->bundle ? a->bundle : ".", NULL);
        res->bundle = bundle ? strdup(bundle) : NULL;
        if (!path || !bundle) {
                r = -errno;
                oci_fallback("cannot resolve the bundle '%s': %m", a->bundle ? a->bundle : ".");
                return r;
        }
        r = oci_config_load(path, &cfg, &st, &error);
        if (r < 0) {
                oci_fallback("cannot %s '%s': %s", r == -EBADMSG ? "parse" : "read", path,
                             error ? error : strerror(-r));
                return r;
        }

        const char *record = oci_config_annotation(cfg, SECCOMPD_ANNOTATION_RECORD);
        if (record) {
                if (asprintf(&derived, "%s/%s", bundle, OCI_DERIVED_NAME) < 0)
                        return -ENOMEM;
                r = derive_recording(a, s, cfg, record, bundle, derived, ret, res);
                if (r > 0)
                        derived = NULL; /* now *ret */
                return r;
        }

        enum oci_verdict v = oci_config_verdict(cfg, &why, &why_buf);
        if (v != OCI_VERDICT_COMPILE)
                res->left = strdup(why);
        switch (v) {
        case OCI_VERDICT_COMPILE: break;
        case OCI_VERDICT_PASS_WARN:
                oci_log_warning("leaving linux.seccomp to crun: %s", why);
                return 0;
        default: oci_log_debug("leaving the bundle to crun: %s", why); return 0;
        }

        if (asprintf(&derived, "%s/%s", bundle, OCI_DERIVED_NAME) < 0) {
                derived = NULL;
                return -ENOMEM;
        }
        if (stat(derived, &dst) == 0 && dst.st_dev == st.st_dev && dst.st_ino == st.st_ino) {
                oci_log_warning("leaving linux.seccomp to crun: the config is '%s' itself",
                                derived);
                res->left = strdup("the config is seccompd-oci's derived config itself");
                return 0;
        }

        r = oci_config_section(cfg, &section, &size);
        if (r < 0) {
                oci_fallback("%s", strerror(-r));
                return r;
        }
        const char *sock = socket_path(s);
        /* oci_compile() takes only blobs the kernel can load: 1 to 4096 instructions. */
        oci_sha256_digest(section, size, res->digest);
        _cleanup_free_ char *report_body = NULL;
        if (report) {
                report->bundle = res->bundle;
                report->digest = res->digest;
                report_body = oci_report_body(report);
        }
        r = fetch_blob(sock, s->timeout_ms, section, size, res->digest, a->id, report_body, &blob);
        if (r < 0)
                return r;

        r = oci_config_derive(cfg, blob.blob_b64, blob.filter_log, NULL, &out);
        if (r < 0) {
                oci_fallback("cannot derive a config from '%s': %s", path,
                             r == -EINVAL ? "linux or annotations is not an object" : strerror(-r));
                return r;
        }
        r = oci_write_atomic(bundle, OCI_DERIVED_NAME, out, strlen(out));
        if (r < 0) {
                oci_fallback("cannot write '%s': %s", derived, strerror(-r));
                return r;
        }
        oci_log_debug("crun loads seccompd's blob %s (%u instructions) through %s in '%s'",
                      blob.key, blob.instructions, OCI_ANNOTATION_BPF, derived);
        res->key = TAKE_PTR(blob.key);
        res->reported = blob.reported;
        *ret = TAKE_PTR(derived);
        return 1;
}

/* argv for crun: argv[0] is crun's own path (crun picks its krun handler when called as krun),
 * plus "--config=<derived>" at `insert_at` when `derived` is not NULL. NULL when out of
 * memory (the caller then runs argv as it is). The option's string goes to *ret_opt (free it
 * once crun has run). */
static char **runtime_args(const char *runtime, int argc, char **argv, const char *derived,
                           int insert_at, char **ret_opt)
{
        argv[0] = (char *)runtime;
        if (!derived)
                return NULL;
        char **args = calloc((size_t)argc + 3, sizeof(char *));
        char *opt;
        if (!args || asprintf(&opt, "--config=%s", derived) < 0) {
                free(args);
                oci_fallback("out of memory");
                oci_fallback_report();
                return NULL;
        }
        int n = 0;
        for (int i = 0; i < argc; i++) {
                if (i == insert_at)
                        args[n++] = opt;
                args[n++] = argv[i];
        }
        args[n] = NULL;
        *ret_opt = opt;
        return args;
}

/* Executes crun. Returns only on failure, with the exit status to use. */
static int exec_runtime(const char *runtime, char **args)
{
        execv(runtime, args);
        int e = errno;
        oci_log_error("Failed to execute '%s': %s", runtime, strerror(e));
        return e == ENOENT ? 127 : 126;
}

static volatile pid_t forward_to;

static void forward_signal(int sig)
{
        if (forward_to > 0)
                (void)kill(forward_to, sig);
}

/* Runs crun as a child and waits for it: for `create` with --pid-file, so that the report can
 * carry the init pid crun wrote there, and for `delete`, reported only once crun did it. The
 * signals a caller may send the runtime are passed on to crun. Returns crun's exit status; a crun
 * killed by a signal kills this process with it. */
static int run_runtime(const char *runtime, char **args, pid_t *ret_child)
{
        static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
        sigset_t all, old;
        int status;

        /* Blocked across fork(): a signal arriving before the handlers are in place is
         * forwarded once they are. */
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        pid_t pid = fork();
        if (pid < 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                oci_log_warning("Failed to fork: %m; running crun without reporting the init pid");
                return exec_runtime(runtime, args);
        }
        if (pid == 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                execv(runtime, args);
                oci_log_error("Failed to execute '%s': %m", runtime);
                _exit(errno == ENOENT ? 127 : 126);
        }
        forward_to = pid;
        for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
                (void)sigaction(
                        forwarded[i],
                        &(struct sigaction){.sa_handler = forward_signal, .sa_flags = SA_RESTART},
                        NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 1;
        *ret_child = pid;
        if (WIFSIGNALED(status)) {
                signal(WTERMSIG(status), SIG_DFL);
                raise(WTERMSIG(status));
                return 128 + WTERMSIG(status);
        }
        return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
        _cleanup_(settings_done) struct settings s = {};
        _cleanup_(outcome_done) struct outcome o = {};
        _cleanup_free_ char *runtime = NULL, *derived = NULL, *spool = NULL, *opt = NULL;
        _cleanup_free_ char **args = NULL;
        struct oci_args a;

        oci_args_parse(argc, argv, &a);
        oci_log_setup(a.log, a.log_format, a.debug);
        settings_load(&s);

        runtime = find_runtime(&s);
        if (!runtime)
                return 127;

        if (a.command == OCI_COMMAND_DELETE && a.id) {
                /* Reported once crun has deleted it: `delete` of a running container without
                 * --force fails, and the container is still there. */
                pid_t child = 0;
                argv[0] = runtime;
                int status = run_runtime(runtime, argv, &child);
                if (status == 0 && child > 0)
                        oci_report_delete(socket_path(&s), s.timeout_ms, a.id);
                return status;
        }
        if (!a.usable) {
                if (a.why)
                        oci_log_debug("passing the command line through: %s", a.why);
                argv[0] = runtime;
                return exec_runtime(runtime, argv);
        }

        const char *command = a.command == OCI_COMMAND_RUN ? "run" : "create";
        spool = spool_path(&s);
        oci_fallback_setup(&(struct oci_fallback_context){
                .container_id = a.id,
                .bundle = a.bundle,
                .command = command,
                .spool = spool,
                .spool_max = s.spool_max,
        });
        /* The init pid is known once crun create (or run --detach) has returned, from its
         * --pid-file: then crun runs as a child and the report follows it. Otherwise the
         * report goes before crun runs, with the compile (one round trip), or on its own; for
         * a foreground run, which lasts as long as the container, with crun's pid (this
         * process's, after exec) to tell when it is gone. */
        bool after = a.pid_file && (a.command == OCI_COMMAND_CREATE || a.detach);
        struct oci_report early = {
                .id = a.id,
                .command = command,
                .runtime_pid = a.command == OCI_COMMAND_RUN && !a.detach ? getpid() : 0,
        };
        int d = derive_config(&a, &s, after ? NULL : &early, &derived, &o);
        if (d == -ECANCELED)
                return 1; /* a recording that cannot be: not started (said why) */
        if (d < 0)
                oci_fallback_report();
        args = runtime_args(runtime, argc, argv, derived, a.insert_at, &opt);

        struct oci_report report = {
                .id = a.id,
                .command = command,
                .bundle = o.bundle,
                .key = derived ? o.key : NULL,
                .digest = o.digest[0] ? o.digest : NULL,
                .fallback = derived                 ? (o.key ? NULL : o.left)
                            : oci_fallback_reason() ? oci_fallback_reason()
                                                    : o.left,
        };
        /* A bundle left to crun by design is no fallback, but the table says why it has no
         * blob of seccompd's. */
        _cleanup_free_ char *left = NULL;
        if (!derived && !oci_fallback_reason() && o.left) {
                if (asprintf(&left, "left to crun: %s", o.left) < 0)
                        left = NULL;
                report.fallback = left ? left : o.left;
        }
        if (!report.key && !report.fallback)
                report.fallback = "out of memory";
        if (!after) {
                report.runtime_pid = early.runtime_pid;
                /* Sent with the compile, and the blob is what crun gets: nothing to add. */
                if (!(derived && o.reported))
                        oci_report_container(socket_path(&s), s.timeout_ms, &report);
                return exec_runtime(runtime, args ? args : argv);
        }
        pid_t child = 0;
        int status = run_runtime(runtime, args ? args : argv, &child);
        if (status == 0 && child > 0) {
                int r = oci_read_pid_file(a.pid_file, &report.pid);
                if (r < 0)
                        oci_log_debug("cannot read the init pid from '%s': %s", a.pid_file,
                                      strerror(-r));
                oci_report_container(socket_path(&s), s.timeout_ms, &report);
        }
        return status;
}
