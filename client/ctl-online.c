/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "bpf.h"
#include "ctl-online.h"
#include "seccompd/client.h"
#include "seccompd/protocol.h"

/* The commands asked to seccompd over its socket: list, show, status, digest, reload, and
 * validate/compile/test/export/exec of a profile name, all through libseccompd's public API
 * (include/seccompd/client.h), which checks every answer for its shape. With --json the
 * daemon's own JSON is printed, indented. */

/* A cache miss compiles before answering; libseccomp takes well under a second even for
 * the largest profiles, so this only catches a hung daemon. */
#define CTL_HTTP_TIMEOUT_MS (30 * 1000)

#define NO_FILE_EITHER "; no file of that name either"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd *, seccompd_disconnect);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_blob *, seccompd_blob_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_profile *, seccompd_profile_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_profile_list *, seccompd_profile_list_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_source *, seccompd_source_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_status *, seccompd_status_free);

/* Reports a request that got no answer. `not_file` names the argument that was taken for a
 * profile name because no such file exists, so that a mistyped path reads as one. */
static int report_transport(const struct ctl *c, int r, const char *not_file)
{
        char pre[512] = "";
        if (not_file)
                snprintf(pre, sizeof(pre), "'%s' is not a file, and ", not_file);
        switch (-r) {
        case ENOENT:
        case ECONNREFUSED:
                return ctl_error("%scannot connect to seccompd: %s; is seccompd running? "
                                 "(socket %s)",
                                 pre, strerror(-r), c->socket_path);
        case EACCES:
        case EPERM:
                return ctl_error("%spermission denied on socket %s (root or the seccompd group)",
                                 pre, c->socket_path);
        case ETIMEDOUT:
                return ctl_error("%sseccompd did not answer within %d s (socket %s)", pre,
                                 CTL_HTTP_TIMEOUT_MS / 1000, c->socket_path);
        default:
                return ctl_error("%sFailed to talk to seccompd on '%s': %s", pre, c->socket_path,
                                 strerror(-r));
        }
}

/* Connects `*h` unless it is already. Returns 0, or the -errno after reporting it. */
static int online_connect(const struct ctl *c, const char *not_file, struct seccompd **h)
{
        int r;

        if (*h)
                return 0;
        r = seccompd_connect(c->socket_path, CTL_HTTP_TIMEOUT_MS, h);
        if (r < 0)
                report_transport(c, r, not_file);
        return r;
}

/* Reports an error answer (`r`: its errno, from the library's one status table): the
 * daemon's message (and `extra`) and its diagnostics on stderr; with json_out, the answer
 * itself on stdout. Returns CTL_EXIT_FAILED. */
static int report_answer(const struct ctl *c, const struct seccompd_answer *a, int r,
                         const char *extra, bool json_out)
{
        if (json_out)
                ctl_print_json_body(a->body, a->body_size);
        if (r == -EPERM)
                return ctl_error("permission denied (root or the seccompd group)");
        if (!a->error_message)
                return ctl_error("seccompd answered HTTP %d%s", a->status, extra ? extra : "");
        ctl_error("%s%s", a->error_message, extra ? extra : "");
        ctl_print_diagnostics(c, a->diagnostics, a->n_diagnostics, "<profile>", stderr,
                              c->quiet ? DIAG_ERROR : DIAG_NOTE);
        return CTL_EXIT_FAILED;
}

/* Reports a failed call `r` on `h`: no answer, an error answer (`extra` after the message of
 * a 404), or an answer that is not the API's. Returns CTL_EXIT_FAILED. */
static int report_failure(const struct ctl *c, struct seccompd *h, int r, const char *not_file,
                          const char *extra_404, bool json_out)
{
        const struct seccompd_answer *a = seccompd_last_answer(h);

        if (!a)
                return report_transport(c, r, not_file);
        if (a->status < 200 || a->status >= 300)
                return report_answer(c, a, r, r == -ENOENT ? extra_404 : NULL, json_out);
        return ctl_error("seccompd sent an answer that is not the API's: %s", strerror(-r));
}

/* With --json, the last answer as the daemon sent it. */
static int print_last_answer(struct seccompd *h)
{
        const struct seccompd_answer *a = seccompd_last_answer(h);
        return ctl_print_json_body(a->body, a->body_size);
}

int verb_list(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_profile_list_freep) struct seccompd_profile_list *l = NULL;
        int r;

        if (argc != 0)
                return ctl_usage_error("list: no arguments expected");
        if (online_connect(c, NULL, &h) < 0)
                return CTL_EXIT_FAILED;
        r = seccompd_list_profiles(h, &l);
        if (r < 0)
                return report_failure(c, h, r, NULL, NULL, c->json);
        if (c->json)
                return print_last_answer(h);
        ctl_print_list(c, l);
        return CTL_EXIT_OK;
}

int verb_containers(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        struct seccompd_container_list *l = NULL;
        int r;

        if (argc != 0)
                return ctl_usage_error("containers: no arguments expected");
        if (online_connect(c, NULL, &h) < 0)
                return CTL_EXIT_FAILED;
        r = seccompd_list_containers(h, &l);
        if (r < 0)
                return report_failure(c, h, r, NULL, NULL, c->json);
        if (c->json)
                r = print_last_answer(h);
        else {
                ctl_print_containers(c, l);
                r = CTL_EXIT_OK;
        }
        seccompd_container_list_free(l);
        return r;
}

int verb_show(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_profile_freep) struct seccompd_profile *p = NULL;
        int r;

        if (argc != 1)
                return ctl_usage_error("show: expected one profile NAME");
        if (online_connect(c, NULL, &h) < 0)
                return CTL_EXIT_FAILED;
        r = seccompd_get_profile(h, argv[0], &p);
        if (r < 0)
                return report_failure(c, h, r, NULL, NULL, c->json);
        if (c->json)
                return print_last_answer(h);
        ctl_print_profile(c, p, argv[0]);
        return CTL_EXIT_OK;
}

int verb_reload(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        uint64_t generation;
        int r;

        if (argc != 0)
                return ctl_usage_error("reload: no arguments expected");
        if (online_connect(c, NULL, &h) < 0)
                return CTL_EXIT_FAILED;
        r = seccompd_reload(h, &generation);
        if (r < 0)
                return report_failure(c, h, r, NULL, NULL, c->json);
        if (c->json)
                return print_last_answer(h);
        if (!c->quiet)
                printf("rescan started (at generation %" PRIu64 ")\n", generation);
        return CTL_EXIT_OK;
}

/* GET /v1/status. Returns 0 and the status, or an exit code after reporting. */
static int get_status(const struct ctl *c, struct seccompd **h, struct seccompd_status **ret)
{
        int r;

        if (online_connect(c, NULL, h) < 0)
                return CTL_EXIT_FAILED;
        r = seccompd_status(*h, ret);
        if (r < 0)
                return report_failure(c, *h, r, NULL, NULL, c->json);
        return 0;
}

int verb_status(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_status_freep) struct seccompd_status *s = NULL;
        int r;

        if (argc != 0)
                return ctl_usage_error("status: no arguments expected");
        r = get_status(c, &h, &s);
        if (r != 0)
                return r;
        if (c->json)
                return print_last_answer(h);
        ctl_print_status(s);
        return CTL_EXIT_OK;
}

int verb_digest(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_status_freep) struct seccompd_status *s = NULL;
        int r;

        if (argc != 0)
                return ctl_usage_error("digest: no arguments expected");
        r = get_status(c, &h, &s);
        if (r != 0)
                return r;
        if (c->json) {
                _cleanup_(json_decrefp) json_t *o =
                        json_pack("{s:s}", SECCOMPD_KEY_NODE_DIGEST, s->node_digest);
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
        } else
                printf("%s\n", s->node_digest);
        return CTL_EXIT_OK;
}

/* Paths are checked locally; anything else is a name in the daemon's registry. Names never
 * start with "/" or ".." (DESIGN §6), so a mistyped absolute or relative path stays a file
 * and gets the offline "No such file" rather than a question to the daemon. */
static bool is_local_file(const char *arg)
{
        struct stat st;
        if (arg[0] == '/' || strncmp(arg, "./", 2) == 0 || strncmp(arg, "../", 3) == 0)
                return true;
        return stat(arg, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Appends the answer (a JSON object) to `results`, with the name when `name` is set. */
static void append_answer(json_t *results, struct seccompd *h, const char *name)
{
        const struct seccompd_answer *a = seccompd_last_answer(h);
        json_t *j = json_loadb(a->body, a->body_size, JSON_REJECT_DUPLICATES, NULL);

        if (!json_is_object(j)) {
                json_decref(j);
                return;
        }
        if (name)
                json_object_set_new(j, SECCOMPD_KEY_NAME, json_string(name));
        json_array_append_new(results, j);
}

/* Validates one profile name. Returns CTL_EXIT_OK (valid), CTL_EXIT_FAILED, or -errno when
 * the daemon cannot be reached (reported). */
static int validate_name(struct ctl *c, struct seccompd **h, const char *name, json_t *results)
{
        _cleanup_(seccompd_profile_freep) struct seccompd_profile *p = NULL;
        int r = online_connect(c, name, h);

        if (r < 0)
                return r;
        r = seccompd_get_profile(*h, name, &p);
        if (r < 0 && !seccompd_last_answer(*h))
                return report_transport(c, r, name), r;
        if (r < 0) {
                if (results && seccompd_last_answer(*h)->status >= 300)
                        append_answer(results, *h, name);
                return report_failure(c, *h, r, name, NO_FILE_EITHER, false);
        }

        const char *state = p->state ? p->state : "?";
        bool valid = streq(state, SECCOMPD_STATE_VALID);
        if (results) {
                append_answer(results, *h, NULL);
                return valid ? CTL_EXIT_OK : CTL_EXIT_FAILED;
        }
        ctl_print_diagnostics(c, p->diagnostics, p->n_diagnostics, p->name, stderr,
                              c->quiet ? DIAG_ERROR : DIAG_NOTE);
        if (!c->quiet)
                printf("%s: %s (%u errors, %u warnings, dialect %s)%s\n", name, state, p->errors,
                       p->warnings, p->dialect ? p->dialect : "?",
                       streq(state, SECCOMPD_STATE_STALE)
                               ? "; seccompd still serves its last valid version"
                               : "");
        return valid ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

int verb_validate_dispatch(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(json_decrefp) json_t *results = NULL;
        int n_local = 0, ret = CTL_EXIT_OK;

        if (argc < 1)
                return ctl_usage_error("validate: which file or profile name?");
        for (int i = 0; i < argc; i++)
                n_local += is_local_file(argv[i]);
        if (n_local == argc)
                return verb_validate(c, argc, argv);
        /* The offline verb prints its own JSON array: one array cannot hold both. */
        if (c->json && n_local > 0)
                return ctl_usage_error("validate --json: give either files or profile names");
        if (c->json) {
                results = json_array();
                if (!results)
                        return ctl_error("out of memory");
        }
        for (int i = 0; i < argc; i++) {
                int r = is_local_file(argv[i]) ? verb_validate(c, 1, argv + i)
                                               : validate_name(c, &h, argv[i], results);
                if (r < 0)
                        return CTL_EXIT_FAILED; /* the daemon is unreachable: said once */
                if (r != CTL_EXIT_OK)
                        ret = CTL_EXIT_FAILED;
        }
        if (results) {
                json_dumpf(results, stdout, JSON_INDENT(2));
                putchar('\n');
        }
        return ret;
}

/* The context options the user gave, as the daemon takes them (the others are the daemon's
 * own host's). `caps` and `kernel` hold the strings. */
static void online_context(const struct ctl *c, struct seccompd_context *ctx, char caps[1024],
                           char kernel[32])
{
        size_t n = 0;

        *ctx = (struct seccompd_context){0};
        if (c->arch_set)
                ctx->arch = c->context.arch->short_name;
        if (c->caps_set) {
                caps[0] = 0;
                for (int i = 0; i < CAP_COUNT; i++)
                        if (c->context.caps & (UINT64_C(1) << i))
                                n += (size_t)snprintf(caps + n, 1024 - n, "%s%s", n ? "," : "",
                                                      cap_to_string(i));
                ctx->caps = n ? caps : "none";
        }
        if (c->kernel_set) {
                snprintf(kernel, 32, "%u.%u", c->context.kernel_major, c->context.kernel_minor);
                ctx->kernel = kernel;
        }
}

/* The blob of `name` for the context options given. Returns 0 and the blob, or an exit code
 * after reporting. */
static int fetch_blob(const struct ctl *c, struct seccompd **h, const char *name,
                      struct seccompd_blob **ret)
{
        struct seccompd_context ctx;
        char caps[1024], kernel[32];
        int r;

        if (online_connect(c, name, h) < 0)
                return CTL_EXIT_FAILED;
        online_context(c, &ctx, caps, kernel);
        r = seccompd_get_blob(*h, name, &ctx, ret);
        if (r < 0)
                return report_failure(c, *h, r, name, NO_FILE_EITHER, false);
        if (streq((*ret)->state, SECCOMPD_STATE_STALE) && !c->quiet)
                fprintf(stderr,
                        "seccompctl: warning: '%s' is stale: its file is now invalid, "
                        "this is its last valid version\n",
                        name);
        return 0;
}

/* The profile's JSON as seccompd serves it (the version its blobs come from), set up so
 * that the offline code reads it for `name` (see ctl_load_profile()), parsed in the dialect of
 * its root unless --dialect says otherwise. `*ret` keeps the bytes alive. */
static int fetch_source(struct ctl *c, struct seccompd **h, const char *name, bool quiet_errors,
                        struct seccompd_source **ret)
{
        struct seccompd_source *s;
        int r;

        if (online_connect(c, name, h) < 0)
                return CTL_EXIT_FAILED;
        r = seccompd_get_source(*h, name, &s);
        if (r < 0 && (!quiet_errors || !seccompd_last_answer(*h)))
                return report_failure(c, *h, r, name, NO_FILE_EITHER, false);
        if (r < 0)
                return CTL_EXIT_FAILED;
        if (!c->dialect_set && s->dialect) {
                int d = dialect_from_string(s->dialect);
                if (d >= 0)
                        c->parse.dialect = d;
        }
        c->source_name = name;
        c->source_data = s->data;
        c->source_size = s->size;
        *ret = s;
        return 0;
}

int verb_export_dispatch(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_source_freep) struct seccompd_source *src = NULL;
        if (argc == 1 && !is_local_file(argv[0])) {
                int r = fetch_source(c, &h, argv[0], false, &src);
                if (r != 0)
                        return r;
        }
        return verb_export(c, argc, argv);
}

/* Writes the blob in the format asked for. 0 or -errno. */
static int write_blob(const struct ctl *c, enum output_format fmt, const struct seccompd_blob *b)
{
        if (fmt == FORMAT_BASE64) {
                _cleanup_free_ char *text = base64_encode(b->data, b->size);
                if (!text)
                        return -ENOMEM;
                size_t n = strlen(text);
                text[n] = '\n'; /* written without its NUL */
                return ctl_write_output(c->output, text, n + 1);
        }
        if (fmt == FORMAT_DISASM)
                return ctl_write_disasm(c->output, (const struct sock_filter *)b->data,
                                        b->size / sizeof(struct sock_filter));
        return ctl_write_output(c->output, b->data, b->size);
}

static int compile_name(struct ctl *c, const char *name)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_blob_freep) struct seccompd_blob *b = NULL;
        enum output_format fmt = c->format_set ? c->format : FORMAT_RAW;
        int r;

        if (fmt == FORMAT_PFC)
                return ctl_usage_error("compile: --format pfc needs the profile file; seccompd "
                                       "serves BPF (raw, base64, disasm)");
        if (fmt != FORMAT_RAW && fmt != FORMAT_BASE64 && fmt != FORMAT_DISASM)
                return ctl_usage_error("compile: --format is raw, base64, pfc or disasm");
        if (fmt == FORMAT_RAW && !c->output && isatty(STDOUT_FILENO))
                return ctl_usage_error("compile: refusing to write raw BPF to a terminal; use -o "
                                       "FILE or --format base64|disasm");
        r = fetch_blob(c, &h, name, &b);
        if (r != 0)
                return r;
        r = write_blob(c, fmt, b);
        if (r < 0)
                return ctl_error("Failed to write '%s': %s", c->output ? c->output : "stdout",
                                 strerror(-r));

        if (c->json && c->output && !streq(c->output, "-")) {
                _cleanup_(json_decrefp) json_t *o =
                        json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:s}", SECCOMPD_KEY_NAME, name,
                                  SECCOMPD_KEY_KEY, b->key, SECCOMPD_KEY_DIGEST, b->digest,
                                  SECCOMPD_KEY_STATE, b->state, SECCOMPD_KEY_INSTRUCTIONS,
                                  (json_int_t)b->instructions, SECCOMPD_KEY_FILE, c->output);
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
        } else if (!c->quiet)
                fprintf(stderr, "%s: %u instructions (%zu bytes) from seccompd, key %s\n", name,
                        b->instructions, b->size, b->key);
        return CTL_EXIT_OK;
}

int verb_compile_dispatch(struct ctl *c, int argc, char **argv)
{
        if (argc == 1 && !is_local_file(argv[0]))
                return compile_name(c, argv[0]);
        return verb_compile(c, argc, argv);
}

/* Which rule of the served profile decided, from its source resolved for the same context:
 * "  decided by /syscalls/N (ACTION): comment". Says nothing when the source cannot be had. */
static void print_deciding_rule(struct ctl *c, struct seccompd **h, const char *profile,
                                const char *syscall, const struct bpf_sim_input *in, uint32_t ret)
{
        _cleanup_(seccompd_source_freep) struct seccompd_source *src = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        const char *comment;
        bool quiet = c->quiet;

        c->quiet = true; /* the source's warnings were the daemon's to report */
        if (fetch_source(c, h, profile, true, &src) != 0 ||
            ctl_build(c, profile, &p, &res, NULL) < 0) {
                c->quiet = quiet;
                return;
        }
        c->quiet = quiet;
        const struct resolved_rule *rule =
                ctl_deciding_rule(p, res, syscall, in->args, ret, &comment);
        ctl_print_decided_by(rule, comment);
}

static int test_name(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_blob_freep) struct seccompd_blob *b = NULL;
        _cleanup_free_ char *name = NULL;
        struct bpf_sim_input in = {.arch = c->context.arch->token};
        struct bpf_sim_result out;
        char verdict[64];
        long nr = 0;
        int r;

        r = ctl_test_input(c, argc, argv, "NAME", &in, &nr, &name);
        if (r != 0)
                return r;
        if (c->context.arch->big_endian != arch_native()->big_endian)
                return ctl_error("%s filters are in the other byte order; they cannot be "
                                 "simulated here",
                                 c->context.arch->short_name);

        r = fetch_blob(c, &h, argv[0], &b);
        if (r != 0)
                return r;
        r = bpf_sim_run((const struct sock_filter *)b->data, b->instructions, &in, &out);
        if (r < 0)
                return ctl_error("Failed to simulate the blob seccompd sent for '%s': %s", argv[0],
                                 strerror(-r));
        bpf_action_format(out.ret, verdict, sizeof(verdict));

        if (c->json) {
                _cleanup_(json_decrefp) json_t *o = json_pack(
                        "{s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:s}", "profile", argv[0], "syscall",
                        name, "nr", (int)nr, "arch", c->context.arch->short_name, "action", verdict,
                        "instructions", (int)out.steps, "decided_by", "daemon blob",
                        SECCOMPD_KEY_KEY, b->key);
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
                return CTL_EXIT_OK;
        }
        printf("%s\n", verdict);
        if (!c->quiet) {
                print_deciding_rule(c, &h, argv[0], name, &in, out.ret);
                printf("  blob: seccompd's, key %s\n", b->key);
                printf("  %s(%ld) on %s, %u BPF instructions executed\n", name, nr,
                       c->context.arch->short_name, out.steps);
        }
        return CTL_EXIT_OK;
}

int verb_test_dispatch(struct ctl *c, int argc, char **argv)
{
        if (argc >= 1 && !is_local_file(argv[0]))
                return test_name(c, argc, argv);
        return verb_test(c, argc, argv);
}

static int exec_name(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        _cleanup_(seccompd_blob_freep) struct seccompd_blob *sb = NULL;
        int r = fetch_blob(c, &h, argv[0], &sb);
        if (r != 0)
                return r;
        /* The served bytes as they are. The API carries no filter flags (TSYNC, LOG,
         * SPEC_ALLOW): the filter is installed without them. (crun, given a blob through
         * run.oci.seccomp_bpf_data, takes its flags from linux.seccomp, which is why
         * seccompd-oci hands over only sections without flags or with SPEC_ALLOW alone.) */
        const struct blob b = {
                .insns = (struct sock_filter *)sb->data,
                .n_insns = sb->instructions,
        };
        seccompd_disconnect(TAKE_PTR(h)); /* not inherited by the command */
        return ctl_exec_blob(&b, argv + 1);
}

int verb_exec_dispatch(struct ctl *c, int argc, char **argv)
{
        if (argc < 2)
                return ctl_usage_error("exec: expected FILE|NAME -- COMMAND [ARG...]");
        if (!is_local_file(argv[0]))
                return exec_name(c, argc, argv);
        return verb_exec(c, argc, argv);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_denials *, seccompd_denials_free);

static const char *or_dash(const char *s)
{
        return s && s[0] ? s : "-";
}

/* The RULE column of an unattributed denial: why, in short (--json has the whole reason). */
static const char *unattributed_short(const char *reason)
{
        return strncmp(reason, "process gone", 12) == 0 ? "process gone" : reason;
}

/* A container id as `docker ps` and `crictl ps` show it: 64 hex digits cut to 12 (--json has
 * them all); any other id whole. */
static int container_width(const char *id)
{
        size_t n = strlen(id);
        return n == 64 && strspn(id, "0123456789abcdef") == 64 ? 12 : (int)n;
}

static void print_denial_row(const struct seccompd_denial *e)
{
        /* "2026-12-02T21:01:26.230Z" → "21:01:26.230": the date is in --json. */
        const char *t = e->time && strlen(e->time) > 11 ? e->time + 11 : or_dash(e->time);
        const char *id = e->container ? e->container : "unattributed";
        char action[32];
        if (e->errnum >= 0)
                snprintf(action, sizeof(action), "%s(%d)", e->action, e->errnum);
        else
                snprintf(action, sizeof(action), "%s", e->action);
        printf("%-12.12s %-21.*s %-28s %-16s %-12s %-24s %" PRIu64 "\n", t, container_width(id), id,
               or_dash(e->profile), e->syscall, action,
               e->unattributed ? unattributed_short(e->unattributed) : or_dash(e->rule), e->count);
}

static json_t *denial_json(const struct seccompd_denial *e)
{
        json_t *j =
                json_pack("{s:I, s:s?, s:I, s:i, s:s?, s:s?, s:s?, s:i, s:s, s:s, s:s?, s:s?, "
                          "s:s?, s:s?, s:s?}",
                          "seq", (json_int_t)e->seq, "time", e->time, "count", (json_int_t)e->count,
                          "pid", e->pid, "comm", e->comm, "exe", e->exe, "arch", e->arch,
                          "syscall_nr", e->syscall_nr, "syscall", e->syscall, "action", e->action,
                          "container", e->container, "blob_key", e->blob_key, "profile", e->profile,
                          "rule", e->rule, "unattributed", e->unattributed);
        if (j)
                json_object_set_new(j, "errno",
                                    e->errnum >= 0 ? json_integer(e->errnum) : json_null());
        return j;
}

int verb_denials(struct ctl *c, int argc, char **argv)
{
        _cleanup_(seccompd_disconnectp) struct seccompd *h = NULL;
        struct seccompd_denial_filter f = {
                .profile = c->denial_profile,
                .container = c->denial_container,
                .syscall = c->denial_syscall,
        };
        bool header = false;
        int r;

        if (argc != 0)
                return ctl_usage_error("denials: no arguments expected (--profile P, "
                                       "--container ID, --syscall NAME, --follow)");
        if (online_connect(c, NULL, &h) < 0)
                return CTL_EXIT_FAILED;
        for (;;) {
                _cleanup_(seccompd_denials_freep) struct seccompd_denials *d = NULL;
                r = seccompd_get_denials(h, &f, &d);
                if (r < 0)
                        return report_failure(c, h, r, NULL, NULL, c->json);
                if (c->json && !c->follow)
                        return print_last_answer(h);
                if (!header && !c->json) {
                        if (!d->reading && !c->quiet)
                                fprintf(stderr, "seccompctl: seccompd reads no denials: %s\n",
                                        d->reason ? d->reason : "unknown reason");
                        printf("%-12s %-21s %-28s %-16s %-12s %-24s %s\n", "TIME", "CONTAINER",
                               "PROFILE", "SYSCALL", "ACTION", "RULE", "COUNT");
                        header = true;
                }
                for (size_t i = 0; i < d->n; i++) {
                        if (c->json) {
                                _cleanup_(json_decrefp) json_t *j = denial_json(&d->denials[i]);
                                json_dumpf(j, stdout, JSON_COMPACT);
                                putchar('\n');
                        } else
                                print_denial_row(&d->denials[i]);
                }
                if (!c->follow)
                        return CTL_EXIT_OK;
                fflush(stdout);
                /* Polled: the next ones are those past the newest the daemon had. */
                f.since = d->last;
                usleep(250 * 1000);
        }
}
