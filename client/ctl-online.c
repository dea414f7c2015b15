/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf.h"
#include "ctl.h"
#include "http.h"
#include "seccompd/protocol.h"

/* The commands asked to seccompd over its socket: list, show, status, digest, reload, and
 * validate/compile/test of a profile name. Every answer is checked for its shape; with
 * --json the daemon's own JSON is printed, indented. */

/* A cache miss compiles before answering; libseccomp takes well under a second even for
 * the largest profiles, so this only catches a hung daemon. */
#define CTL_HTTP_TIMEOUT_MS (30 * 1000)

static const char *jstr(const json_t *o, const char *key, const char *fallback)
{
        const char *s = json_string_value(json_object_get(o, key));
        return s ? s : fallback;
}

static long long jint(const json_t *o, const char *key)
{
        return json_integer_value(json_object_get(o, key));
}

static bool http_ok(const struct http_response *r)
{
        return r->status >= 200 && r->status < 300;
}

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

/* Sends one request. Returns 0 and the answer whatever its status, or the -errno of a
 * transport failure after reporting it. */
static int online_request(const struct ctl *c, const char *method, const char *target,
                          const char *not_file, struct http_response **ret)
{
        struct http_request req = {
                .socket_path = c->socket_path,
                .method = method,
                .target = target,
                .timeout_ms = CTL_HTTP_TIMEOUT_MS,
        };
        int r = http_request(&req, ret);
        if (r < 0)
                report_transport(c, r, not_file);
        return r;
}

/* Prints a JSON body indented (the daemon's own keys and order), or as is if it is not
 * JSON. */
static int print_json_body(const struct http_response *r)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        if (http_response_json(r, &j) < 0) {
                fwrite(r->body, 1, r->body_size, stdout);
                return CTL_EXIT_OK;
        }
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        return CTL_EXIT_OK;
}

/* Prints the API's diagnostics objects with the offline formatter (file:line:col: severity:
 * pointer: message, then the hint). */
static void print_diagnostics(const struct ctl *c, const json_t *diags, const char *fallback_file,
                              FILE *out, enum diag_severity min)
{
        size_t i;
        json_t *d;

        json_array_foreach (diags, i, d) {
                _cleanup_(diag_list_freep) struct diag_list *l = NULL;
                int sev = diag_severity_from_string(jstr(d, SECCOMPD_KEY_SEVERITY, "error"));
                long long line = jint(d, SECCOMPD_KEY_LINE), col = jint(d, SECCOMPD_KEY_COLUMN);
                if (sev < 0)
                        sev = DIAG_ERROR;
                if (diag_list_new(jstr(d, SECCOMPD_KEY_FILE, fallback_file), &l) < 0 ||
                    diag_add_at(l, (enum diag_severity)sev, line > 0 ? (unsigned)line : 0,
                                col > 0 ? (unsigned)col : 0, jstr(d, SECCOMPD_KEY_POINTER, ""),
                                jstr(d, SECCOMPD_KEY_HINT, NULL), "%s",
                                jstr(d, SECCOMPD_KEY_MESSAGE, "")) < 0)
                        continue;
                diag_list_print(l, out, min, out == stderr && c->color);
        }
}

/* Reports an answer other than 2xx: the daemon's message (and `extra`) and its diagnostics
 * on stderr; with json_out, the answer itself on stdout. Returns CTL_EXIT_FAILED. */
static int report_http_error(const struct ctl *c, const struct http_response *r, const char *extra,
                             bool json_out)
{
        _cleanup_(http_error_freep) struct http_error *e = NULL;

        if (json_out)
                print_json_body(r);
        if (r->status == 403)
                return ctl_error("permission denied (root or the seccompd group)");
        if (http_error_parse(r, &e) < 0)
                return ctl_error("seccompd answered HTTP %ld%s", r->status, extra ? extra : "");
        ctl_error("%s%s", e->message, extra ? extra : "");
        print_diagnostics(c, e->diagnostics, "<profile>", stderr,
                          c->quiet ? DIAG_ERROR : DIAG_NOTE);
        return CTL_EXIT_FAILED;
}

/* Parses a 2xx answer that must be a JSON object. */
static int answer_json(const struct http_response *r, json_t **ret)
{
        if (http_response_json(r, ret) < 0)
                return ctl_error("seccompd sent an answer that is not a JSON object");
        return 0;
}

/* prefix + escaped name (its '/' kept: routes are prefixes), plus the context options the
 * user gave when with_context. */
static int make_target(const struct ctl *c, const char *prefix, const char *name, bool with_context,
                       char **ret)
{
        _cleanup_free_ char *t = strdup(prefix);
        char buf[1024];
        int r;

        if (!t)
                return -ENOMEM;
        r = http_escape_append(&t, name, true);
        if (r == 0 && with_context && c->arch_set)
                r = http_query_add(&t, SECCOMPD_QUERY_ARCH, c->context.arch->short_name);
        if (r == 0 && with_context && c->caps_set) {
                size_t n = 0;
                for (int i = 0; i < CAP_COUNT; i++)
                        if (c->context.caps & (UINT64_C(1) << i))
                                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
                                                      n ? "," : "", cap_to_string(i));
                r = http_query_add(&t, SECCOMPD_QUERY_CAPS, n ? buf : "none");
        }
        if (r == 0 && with_context && c->kernel_set) {
                snprintf(buf, sizeof(buf), "%u.%u", c->context.kernel_major,
                         c->context.kernel_minor);
                r = http_query_add(&t, SECCOMPD_QUERY_KERNEL, buf);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

/* GETs a route that answers a JSON object; prints it as is with --json (*ret stays NULL and
 * CTL_EXIT_OK is returned). Returns 0 with *ret, or an exit code after reporting. */
static int get_object(const struct ctl *c, const char *target, json_t **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;

        *ret = NULL;
        if (online_request(c, "GET", target, NULL, &resp) < 0)
                return CTL_EXIT_FAILED;
        if (!http_ok(resp))
                return report_http_error(c, resp, NULL, c->json);
        if (c->json)
                return print_json_body(resp);
        if (answer_json(resp, ret) != 0)
                return CTL_EXIT_FAILED;
        return 0;
}

int verb_list(struct ctl *c, int argc, char **argv)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        size_t n_valid = 0, n_invalid = 0, n_stale = 0, n_missing = 0, i;
        int width = 4, r;
        json_t *p;

        if (argc != 0)
                return ctl_usage_error("list: no arguments expected");
        r = get_object(c, SECCOMPD_ROUTE_PROFILES, &j);
        if (!j)
                return r;
        json_t *profiles = json_object_get(j, SECCOMPD_KEY_PROFILES);
        if (!json_is_array(profiles))
                return ctl_error("seccompd's answer has no \"%s\" list", SECCOMPD_KEY_PROFILES);

        json_array_foreach (profiles, i, p) {
                int l = ctl_display_width(jstr(p, SECCOMPD_KEY_NAME, "?"));
                if (l > width)
                        width = l < 48 ? l : 48;
        }
        printf("%-*s %-8s %4s %4s %5s  %-19s  %s\n", width, "NAME", "STATE", "ERR", "WARN", "RULES",
               "DIGEST", "UPDATED");
        json_array_foreach (profiles, i, p) {
                const char *state = jstr(p, SECCOMPD_KEY_STATE, "?");
                n_valid += streq(state, SECCOMPD_STATE_VALID);
                n_invalid += streq(state, SECCOMPD_STATE_INVALID);
                n_stale += streq(state, SECCOMPD_STATE_STALE);
                n_missing += streq(state, SECCOMPD_STATE_MISSING);
                const char *name = jstr(p, SECCOMPD_KEY_NAME, "?");
                int pad = width - ctl_display_width(name);
                printf("%s%*s %-8s %4lld %4lld %5lld  %-19.19s  %s\n", name, pad > 0 ? pad : 0, "",
                       state, jint(p, SECCOMPD_KEY_ERRORS),
                       jint(p, SECCOMPD_KEY_WARNINGS), jint(p, SECCOMPD_KEY_RULES),
                       jstr(p, SECCOMPD_KEY_DIGEST, "-"), jstr(p, SECCOMPD_KEY_UPDATED, "-"));
        }
        if (!c->quiet)
                printf("\n%zu profiles, %zu valid, %zu invalid, %zu stale, %zu missing\n",
                       json_array_size(profiles), n_valid, n_invalid, n_stale, n_missing);
        return CTL_EXIT_OK;
}

static void kv(const char *key, const char *value)
{
        printf("%-15s %s\n", key, value);
}

static void kv_int(const char *key, long long value)
{
        printf("%-15s %lld\n", key, value);
}

static void print_blobs(const json_t *blobs, const char *state)
{
        size_t i;
        json_t *b;

        if (json_array_size(blobs) == 0) {
                kv("blobs:", streq(state, SECCOMPD_STATE_INVALID)
                                     ? "none (an invalid profile is never served)"
                                     : "none yet (compiled on first request)");
                return;
        }
        printf("blobs:\n");
        json_array_foreach (blobs, i, b)
                printf("  %.12s  %5lld insns %6lld bytes  optimize %lld  %s\n",
                       jstr(b, SECCOMPD_KEY_KEY, "?"), jint(b, SECCOMPD_KEY_INSTRUCTIONS),
                       jint(b, SECCOMPD_KEY_SIZE), jint(b, SECCOMPD_KEY_OPTIMIZE),
                       jstr(b, SECCOMPD_KEY_CONTEXT, ""));
}

int verb_show(struct ctl *c, int argc, char **argv)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_free_ char *target = NULL;
        char buf[512];
        int r;

        if (argc != 1)
                return ctl_usage_error("show: expected one profile NAME");
        if (make_target(c, SECCOMPD_ROUTE_PROFILE_PREFIX, argv[0], false, &target) < 0)
                return ctl_error("out of memory");
        r = get_object(c, target, &j);
        if (!j)
                return r;

        const char *name = jstr(j, SECCOMPD_KEY_NAME, argv[0]);
        const char *digest = jstr(j, SECCOMPD_KEY_DIGEST, "-");
        const char *served = jstr(j, SECCOMPD_KEY_SERVED_DIGEST, NULL);
        kv("name:", name);
        kv("root:", jstr(j, SECCOMPD_KEY_ROOT, "-"));
        kv("path:", jstr(j, SECCOMPD_KEY_PATH, "-"));
        kv("dialect:", jstr(j, SECCOMPD_KEY_DIALECT, "-"));
        kv("state:", jstr(j, SECCOMPD_KEY_STATE, "?"));
        kv("digest:", digest);
        if (served && !streq(served, digest))
                kv("served digest:", served);
        kv_int("errors:", jint(j, SECCOMPD_KEY_ERRORS));
        kv_int("warnings:", jint(j, SECCOMPD_KEY_WARNINGS));
        snprintf(buf, sizeof(buf), "%lld (%lld syscall names)", jint(j, SECCOMPD_KEY_RULES),
                 jint(j, SECCOMPD_KEY_NAMES));
        kv("rules:", buf);
        kv("updated:", jstr(j, SECCOMPD_KEY_UPDATED, "-"));

        json_t *summary = json_object_get(j, SECCOMPD_KEY_SUMMARY);
        if (json_is_object(summary)) {
                json_t *arches = json_object_get(summary, SECCOMPD_KEY_ARCHES), *a;
                size_t i, n = 0;
                kv("default action:", jstr(summary, SECCOMPD_KEY_DEFAULT_ACTION, "?"));
                buf[0] = 0;
                json_array_foreach (arches, i, a)
                        n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0,
                                              "%s%s", n ? ", " : "", json_string_value(a) ?: "?");
                kv("arches:", n ? buf : "(native)");
        }

        json_t *diags = json_object_get(j, SECCOMPD_KEY_DIAGNOSTICS);
        if (json_array_size(diags) > 0) {
                printf("diagnostics:\n");
                fflush(stdout);
                print_diagnostics(c, diags, name, stdout, DIAG_NOTE);
        }
        print_blobs(json_object_get(j, SECCOMPD_KEY_BLOBS), jstr(j, SECCOMPD_KEY_STATE, "?"));
        return CTL_EXIT_OK;
}

int verb_reload(struct ctl *c, int argc, char **argv)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;

        if (argc != 0)
                return ctl_usage_error("reload: no arguments expected");
        if (online_request(c, "POST", SECCOMPD_ROUTE_RELOAD, NULL, &resp) < 0)
                return CTL_EXIT_FAILED;
        if (!http_ok(resp))
                return report_http_error(c, resp, NULL, c->json);
        if (c->json)
                return print_json_body(resp);
        if (answer_json(resp, &j) != 0)
                return CTL_EXIT_FAILED;
        if (!c->quiet)
                printf("rescan started (at generation %lld)\n", jint(j, SECCOMPD_KEY_GENERATION));
        return CTL_EXIT_OK;
}

static void format_bytes(long long n, char *buf, size_t size)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = (double)n;
        size_t u = 0;
        while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%lld B", n);
        else
                snprintf(buf, size, "%.1f %s", v, units[u]);
}

#define STATUS_FALLBACKS_SHOWN 10

/* seccompd-oci's fallbacks: the count, then the most recent ones, newest first. */
static void print_fallbacks(const json_t *fb)
{
        char buf[512];
        size_t i, n;
        json_t *r, *recent;

        if (!json_is_object(fb))
                return;
        if (json_is_null(json_object_get(fb, SECCOMPD_KEY_SPOOL))) {
                kv("fallbacks:", "not counted (no spool)");
                return;
        }
        snprintf(buf, sizeof(buf), "%lld in the last hour, %lld since seccompd started%s",
                 jint(fb, SECCOMPD_KEY_LAST_HOUR), jint(fb, SECCOMPD_KEY_TOTAL),
                 jint(fb, SECCOMPD_KEY_REJECTED) > 0 ? "," : "");
        if (jint(fb, SECCOMPD_KEY_REJECTED) > 0)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %lld records rejected",
                         jint(fb, SECCOMPD_KEY_REJECTED));
        kv("fallbacks:", buf);
        kv("", jstr(fb, SECCOMPD_KEY_SPOOL, "-"));
        recent = json_object_get(fb, SECCOMPD_KEY_RECENT);
        n = json_array_size(recent);
        json_array_foreach (recent, i, r) {
                if (i == STATUS_FALLBACKS_SHOWN) {
                        printf("  (%zu more: seccompctl status --json)\n", n - i);
                        break;
                }
                printf("  %s  %s  %s\n", jstr(r, SECCOMPD_KEY_TIME, "?"),
                       jstr(r, SECCOMPD_KEY_CONTAINER_ID, "?"), jstr(r, SECCOMPD_KEY_REASON, "?"));
        }
}

static void print_roots(const json_t *roots)
{
        size_t i;
        json_t *r;
        int wn = 4, wp = 4;

        json_array_foreach (roots, i, r) {
                int ln = (int)strlen(jstr(r, SECCOMPD_KEY_NAME, "?"));
                int lp = (int)strlen(jstr(r, SECCOMPD_KEY_PATH, "?"));
                wn = ln > wn ? ln : wn;
                wp = lp > wp ? (lp < 60 ? lp : 60) : wp;
        }
        printf("roots:\n");
        json_array_foreach (roots, i, r) {
                bool exists = json_is_true(json_object_get(r, SECCOMPD_KEY_EXISTS));
                printf("  %-*s  %-*s  %-22s", wn, jstr(r, SECCOMPD_KEY_NAME, "?"), wp,
                       jstr(r, SECCOMPD_KEY_PATH, "?"), jstr(r, SECCOMPD_KEY_DIALECT, "?"));
                if (exists)
                        printf(" %lld profiles", jint(r, SECCOMPD_KEY_PROFILES));
                else
                        printf(" not there yet (waited for)");
                if (json_is_true(json_object_get(r, SECCOMPD_KEY_RECURSIVE)))
                        printf(", recursive");
                putchar('\n');
        }
}

int verb_status(struct ctl *c, int argc, char **argv)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        char buf[512], bytes[32], max[32];
        int r;

        if (argc != 0)
                return ctl_usage_error("status: no arguments expected");
        r = get_object(c, SECCOMPD_ROUTE_STATUS, &j);
        if (!j)
                return r;

        printf("seccompd %s (libseccomp %s)\n", jstr(j, SECCOMPD_KEY_VERSION, "?"),
               jstr(j, SECCOMPD_KEY_LIBSECCOMP, "?"));
        snprintf(buf, sizeof(buf), "%s, generation %lld",
                 json_is_true(json_object_get(j, SECCOMPD_KEY_READY))
                         ? "yes"
                         : "no (first scan in progress)",
                 jint(j, SECCOMPD_KEY_GENERATION));
        kv("ready:", buf);
        kv("node digest:", jstr(j, SECCOMPD_KEY_NODE_DIGEST, "-"));

        json_t *counts = json_object_get(j, SECCOMPD_KEY_COUNTS);
        long long valid = jint(counts, SECCOMPD_STATE_VALID),
                  invalid = jint(counts, SECCOMPD_STATE_INVALID),
                  stale = jint(counts, SECCOMPD_STATE_STALE),
                  missing = jint(counts, SECCOMPD_STATE_MISSING);
        snprintf(buf, sizeof(buf), "%lld: %lld valid, %lld invalid, %lld stale, %lld missing",
                 valid + invalid + stale + missing, valid, invalid, stale, missing);
        kv("profiles:", buf);
        kv_int("compiles:", jint(j, SECCOMPD_KEY_COMPILES));

        json_t *cache = json_object_get(j, SECCOMPD_KEY_CACHE);
        if (json_is_object(cache)) {
                format_bytes(jint(cache, SECCOMPD_KEY_CACHE_BYTES), bytes, sizeof(bytes));
                format_bytes(jint(cache, SECCOMPD_KEY_CACHE_MAX_BYTES), max, sizeof(max));
                snprintf(buf, sizeof(buf), "%s: %lld entries, %s of %s",
                         jstr(cache, SECCOMPD_KEY_CACHE_DIR, "-"),
                         jint(cache, SECCOMPD_KEY_CACHE_ENTRIES), bytes, max);
                kv("cache:", buf);
                snprintf(buf, sizeof(buf), "%lld hits, %lld misses, %lld corrupt, %lld evictions",
                         jint(cache, SECCOMPD_KEY_CACHE_HITS),
                         jint(cache, SECCOMPD_KEY_CACHE_MISSES),
                         jint(cache, SECCOMPD_KEY_CACHE_CORRUPT),
                         jint(cache, SECCOMPD_KEY_CACHE_EVICTIONS));
                kv("", buf);
        }
        print_fallbacks(json_object_get(j, SECCOMPD_KEY_FALLBACKS));
        print_roots(json_object_get(j, SECCOMPD_KEY_ROOTS));
        return CTL_EXIT_OK;
}

int verb_digest(struct ctl *c, int argc, char **argv)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;

        if (argc != 0)
                return ctl_usage_error("digest: no arguments expected");
        if (online_request(c, "GET", SECCOMPD_ROUTE_STATUS, NULL, &resp) < 0)
                return CTL_EXIT_FAILED;
        if (!http_ok(resp))
                return report_http_error(c, resp, NULL, c->json);
        if (answer_json(resp, &j) != 0)
                return CTL_EXIT_FAILED;
        const char *digest = jstr(j, SECCOMPD_KEY_NODE_DIGEST, NULL);
        if (!digest)
                return ctl_error("seccompd's status has no \"%s\"", SECCOMPD_KEY_NODE_DIGEST);
        if (c->json) {
                _cleanup_(json_decrefp) json_t *o =
                        json_pack("{s:s}", SECCOMPD_KEY_NODE_DIGEST, digest);
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
        } else
                printf("%s\n", digest);
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

/* Validates one profile name. Returns CTL_EXIT_OK (valid), CTL_EXIT_FAILED, or -errno when
 * the daemon cannot be reached (reported). */
static int validate_name(struct ctl *c, const char *name, json_t *results)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_free_ char *target = NULL;
        int r;

        if (make_target(c, SECCOMPD_ROUTE_PROFILE_PREFIX, name, false, &target) < 0)
                return ctl_error("out of memory");
        r = online_request(c, "GET", target, name, &resp);
        if (r < 0)
                return r;
        if (!http_ok(resp)) {
                if (results && http_response_json(resp, &j) == 0) {
                        json_object_set_new(j, SECCOMPD_KEY_NAME, json_string(name));
                        json_array_append(results, j);
                }
                return report_http_error(
                        c, resp, resp->status == 404 ? "; no file of that name either" : NULL,
                        false);
        }
        if (answer_json(resp, &j) != 0)
                return CTL_EXIT_FAILED;

        const char *state = jstr(j, SECCOMPD_KEY_STATE, "?");
        bool valid = streq(state, SECCOMPD_STATE_VALID);
        if (results) {
                json_array_append(results, j);
                return valid ? CTL_EXIT_OK : CTL_EXIT_FAILED;
        }
        print_diagnostics(c, json_object_get(j, SECCOMPD_KEY_DIAGNOSTICS),
                          jstr(j, SECCOMPD_KEY_NAME, name), stderr,
                          c->quiet ? DIAG_ERROR : DIAG_NOTE);
        if (!c->quiet)
                printf("%s: %s (%lld errors, %lld warnings, dialect %s)%s\n", name, state,
                       jint(j, SECCOMPD_KEY_ERRORS), jint(j, SECCOMPD_KEY_WARNINGS),
                       jstr(j, SECCOMPD_KEY_DIALECT, "?"),
                       streq(state, SECCOMPD_STATE_STALE)
                               ? "; seccompd still serves its last valid version"
                               : "");
        return valid ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

int verb_validate_dispatch(struct ctl *c, int argc, char **argv)
{
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
                                               : validate_name(c, argv[i], results);
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

/* GETs the blob of `name` for the context options given. Returns 0 and the answer (200), or
 * an exit code after reporting. */
static int fetch_blob(const struct ctl *c, const char *name, bool base64,
                      struct http_response **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_free_ char *target = NULL;

        if (make_target(c, SECCOMPD_ROUTE_BPF_PREFIX, name, true, &target) < 0 ||
            (base64 && http_query_add(&target, SECCOMPD_QUERY_ENCODING, "base64") < 0))
                return ctl_error("out of memory");
        if (online_request(c, "GET", target, name, &resp) < 0)
                return CTL_EXIT_FAILED;
        if (resp->status != 200)
                return report_http_error(
                        c, resp, resp->status == 404 ? "; no file of that name either" : NULL,
                        false);
        if (!base64 && (resp->body_size == 0 || resp->body_size % sizeof(struct sock_filter)))
                return ctl_error("seccompd sent %zu bytes for '%s': not whole BPF instructions",
                                 resp->body_size, name);
        if (resp->state && streq(resp->state, SECCOMPD_STATE_STALE) && !c->quiet)
                fprintf(stderr,
                        "seccompctl: warning: '%s' is stale: its file is now invalid, "
                        "this is its last valid version\n",
                        name);
        *ret = TAKE_PTR(resp);
        return 0;
}

/* The profile's JSON as seccompd serves it (the version its blobs come from), set up so
 * that the offline code reads it for `name` (see ctl_load_profile()), parsed in the dialect of
 * its root unless --dialect says otherwise. `*ret` keeps the bytes alive. */
static int fetch_source(struct ctl *c, const char *name, bool quiet_errors,
                        struct http_response **ret)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        _cleanup_free_ char *target = NULL;

        if (make_target(c, SECCOMPD_ROUTE_SOURCE_PREFIX, name, false, &target) < 0)
                return ctl_error("out of memory");
        if (online_request(c, "GET", target, name, &resp) < 0)
                return CTL_EXIT_FAILED;
        if (resp->status != 200)
                return quiet_errors ? CTL_EXIT_FAILED
                                    : report_http_error(c, resp,
                                                        resp->status == 404
                                                                ? "; no file of that name either"
                                                                : NULL,
                                                        false);
        if (!c->dialect_set && resp->dialect) {
                int d = dialect_from_string(resp->dialect);
                if (d >= 0)
                        c->parse.dialect = d;
        }
        c->source_name = name;
        c->source_data = resp->body;
        c->source_size = resp->body_size;
        *ret = TAKE_PTR(resp);
        return 0;
}

int verb_export_dispatch(struct ctl *c, int argc, char **argv)
{
        _cleanup_(http_response_freep) struct http_response *src = NULL;
        if (argc == 1 && !is_local_file(argv[0])) {
                int r = fetch_source(c, argv[0], false, &src);
                if (r != 0)
                        return r;
        }
        return verb_export(c, argc, argv);
}

static const char *blob_key(const struct http_response *r)
{
        return r->key ? r->key : r->etag ? r->etag : "?";
}

static int compile_name(struct ctl *c, const char *name)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
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
        r = fetch_blob(c, name, fmt == FORMAT_BASE64, &resp);
        if (r != 0)
                return r;

        if (fmt == FORMAT_BASE64) {
                while (resp->body_size > 0 && strchr(" \t\r\n", resp->body[resp->body_size - 1]))
                        resp->body_size--;
                resp->body[resp->body_size] = '\n'; /* the NUL after the body has room */
                r = ctl_write_output(c->output, resp->body, resp->body_size + 1);
        } else if (fmt == FORMAT_DISASM)
                r = ctl_write_disasm(c->output, (const struct sock_filter *)resp->body,
                                     resp->body_size / sizeof(struct sock_filter));
        else
                r = ctl_write_output(c->output, resp->body, resp->body_size);
        if (r < 0)
                return ctl_error("Failed to write '%s': %s", c->output ? c->output : "stdout",
                                 strerror(-r));

        long long insns = resp->instructions ? atoll(resp->instructions)
                          : fmt == FORMAT_BASE64
                                  ? -1
                                  : (long long)(resp->body_size / sizeof(struct sock_filter));
        if (c->json && c->output && !streq(c->output, "-")) {
                _cleanup_(json_decrefp) json_t *o = json_pack(
                        "{s:s, s:s, s:s?, s:s?, s:I, s:s}", SECCOMPD_KEY_NAME, name,
                        SECCOMPD_KEY_KEY, blob_key(resp), SECCOMPD_KEY_DIGEST, resp->digest,
                        SECCOMPD_KEY_STATE, resp->state, SECCOMPD_KEY_INSTRUCTIONS,
                        (json_int_t)insns, SECCOMPD_KEY_FILE, c->output);
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
        } else if (!c->quiet && insns >= 0)
                fprintf(stderr, "%s: %lld instructions (%lld bytes) from seccompd, key %s\n", name,
                        insns, insns * (long long)sizeof(struct sock_filter), blob_key(resp));
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
static void print_deciding_rule(struct ctl *c, const char *profile, const char *syscall,
                                const struct bpf_sim_input *in, uint32_t ret)
{
        _cleanup_(http_response_freep) struct http_response *src = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        const char *comment;
        bool quiet = c->quiet;

        c->quiet = true; /* the source's warnings were the daemon's to report */
        if (fetch_source(c, profile, true, &src) != 0 || ctl_build(c, profile, &p, &res, NULL) < 0) {
                c->quiet = quiet;
                return;
        }
        c->quiet = quiet;
        const struct resolved_rule *rule = ctl_deciding_rule(p, res, syscall, in->args, ret, &comment);
        if (rule)
                printf("  decided by /syscalls/%zu (%s)%s%s%s\n", rule->source,
                       action_to_string(rule->action), comment ? ": \"" : "", comment ? comment : "",
                       comment ? "\"" : "");
        else
                printf("  decided by defaultAction\n");
}

static int test_name(struct ctl *c, int argc, char **argv)
{
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
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

        r = fetch_blob(c, argv[0], false, &resp);
        if (r != 0)
                return r;
        r = bpf_sim_run((const struct sock_filter *)resp->body,
                        resp->body_size / sizeof(struct sock_filter), &in, &out);
        if (r < 0)
                return ctl_error("Failed to simulate the blob seccompd sent for '%s': %s", argv[0],
                                 strerror(-r));
        bpf_action_format(out.ret, verdict, sizeof(verdict));

        if (c->json) {
                _cleanup_(json_decrefp) json_t *o = json_pack(
                        "{s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:s}", "profile", argv[0], "syscall",
                        name, "nr", (int)nr, "arch", c->context.arch->short_name, "action", verdict,
                        "instructions", (int)out.steps, "decided_by", "daemon blob",
                        SECCOMPD_KEY_KEY, blob_key(resp));
                json_dumpf(o, stdout, JSON_INDENT(2));
                putchar('\n');
                return CTL_EXIT_OK;
        }
        printf("%s\n", verdict);
        if (!c->quiet) {
                print_deciding_rule(c, argv[0], name, &in, out.ret);
                printf("  blob: seccompd's, key %s\n", blob_key(resp));
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
        _cleanup_(http_response_freep) struct http_response *resp = NULL;
        int r = fetch_blob(c, argv[0], false, &resp);
        if (r != 0)
                return r;
        /* The served bytes as they are. The API carries no filter flags (TSYNC, LOG,
         * SPEC_ALLOW): the filter is installed without them. (crun, given a blob through
         * run.oci.seccomp_bpf_data, takes its flags from linux.seccomp, which is why
         * seccompd-oci hands over only sections without flags or with SPEC_ALLOW alone.) */
        const struct blob b = {
                .insns = (struct sock_filter *)resp->body,
                .n_insns = resp->body_size / sizeof(struct sock_filter),
        };
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
