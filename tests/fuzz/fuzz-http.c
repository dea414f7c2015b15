/* SPDX-License-Identifier: Apache-2.0 */

/*
 * libFuzzer harness for seccompd's HTTP request path: each input is raw bytes a client sends
 * on one connection (one request, several pipelined, or garbage), and the answer is read back
 * whole and checked.
 *
 * What runs is the daemon itself, not a model of it: LLVMFuzzerInitialize builds a real
 * manager (manager_new + manager_start: roots, registry, cache, compile pool, watcher and the
 * HTTP server of daemon/server*.c over libmicrohttpd, thread per connection) over a small
 * temporary root holding profiles from tests/profiles/, an invalid one and one in a
 * subdirectory, and drives its sd-event loop until the first scan is done. Every input is then
 * written to a connection the harness owns: a connect() to the daemon's own Unix socket, so
 * libmicrohttpd parses it, server.c checks it (peer bounds, deadline, NUL and UTF-8 checks,
 * percent-decoding, query parsing, chunked and Content-Length bodies, the body limit) and
 * the router and the routes answer through the manager. The write side is then shut down
 * (the client is done), the answer read to EOF, and the loop run once more (POST /v1/reload
 * queues a rescan to it). The peer is the harness's uid (root), so the privileged paths run;
 * an input that starts with '~' is sent without it by an unprivileged peer (uid 65534: 403
 * for compile and reload, no new context compiled for it).
 * No seam inside server.c is used: connecting to the real socket runs strictly more of it
 * than MHD_add_connection would (the accept path too) at the same cost.
 *
 * Invariants (abort() when broken):
 *   - the answer is a sequence of complete HTTP/1.x responses and nothing else; a request
 *     that the harness parses as complete gets at least one answer (libmicrohttpd may close
 *     after an error, never before answering);
 *   - every status is documented: the API's (README) or one of libmicrohttpd's own
 *     parse-error statuses; never 500;
 *   - a JSON answer (Content-Type application/json) parses, and an error answer's code is
 *     the one its status stands for;
 *   - a blob answer (raw or base64) has exactly the bytes of the blob the manager holds under
 *     the key it carries, and that blob belongs to the profile asked for; a source answer has
 *     exactly the bytes of the profile file; POST /v1/compile's blob is the cached one;
 *   - a name route (profiles/NAME, bpf/NAME, source/NAME) answers 200 or 304 only for a name
 *     in the served name space (a profile's name, with or without ".json").
 * Requests are paired with their answers only while the harness's own strict parser (request
 * line, headers, Content-Length or chunked body, CRLF only) agrees with libmicrohttpd: the
 * per-name checks apply to those; the others get the per-answer checks only.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "config.h"
#include "fuzz-util.h"
#include "log.h"
#include "manager.h"
#include "seccompd/protocol.h"
#include "server-internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOT_NAME          "fz"
#define MAX_REQUESTS       64
#define ANSWER_DEADLINE_MS 20000

/* The profiles of the temporary root: file (relative), and where its text comes from
 * (a file of tests/profiles/, or literal text). */
static const struct {
        const char *rel;
        const char *from; /* in tests/profiles/ */
        const char *text; /* or this */
} files_spec[] = {
        {"allow-all.json", "allow-all.json", NULL},
        {"deny-all.json", "deny-all.json", NULL},
        {"actions.json", "actions.json", NULL},
        {"team/u64.json", "u64.json", NULL},
        {"team/a b%.json", "redundant-rule.json", NULL},
        {"typo.json", NULL,
         "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
         "\"action\": \"SCMP_ACT_ALOW\"}]}\n"},
};
#define N_FILES (sizeof(files_spec) / sizeof(files_spec[0]))

static struct manager *manager;
static char socket_path[128];
static struct {
        char name[256]; /* "fz/<rel>" */
        char *text;
        size_t size;
} served[N_FILES];

static char *read_whole(const char *path, size_t *ret_size)
{
        FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        char *buf = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&buf, &size);
        int ch;
        while (m && (ch = fgetc(f)) != EOF)
                fputc(ch, m);
        fclose(f);
        if (!m)
                return NULL;
        fclose(m);
        *ret_size = size;
        return buf;
}

static void write_file(const char *path, const char *text, size_t size)
{
        FILE *f = fopen(path, "we");
        if (!f || fwrite(text, 1, size, f) != size || fclose(f) != 0) {
                fprintf(stderr, "fuzz-http: cannot write %s: %m\n", path);
                abort();
        }
}

static char work_dir[64];
static bool verbose;    /* FUZZ_HTTP_VERBOSE=1: each answer's status on stderr */
static bool strict_mhd; /* FUZZ_HTTP_STRICT=1: no tolerance for libmicrohttpd's known defect */
static unsigned long mhd_double_header;
static bool current_privileged; /* the peer of the input being run */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)remove(path);
        return 0;
}

/* At exit the daemon stops as it does on SIGTERM (its threads must not run on while the
 * libraries' own exit handlers tear down, e.g. OpenSSL's locks under a scan), then its
 * files go. Registered once the daemon runs, so that it runs before those handlers. */
static void stop_daemon(void)
{
        if (mhd_double_header > 0)
                fprintf(stderr,
                        "fuzz-http: %lu answer%s with libmicrohttpd's header block sent twice "
                        "(a Content-Length it cannot parse), tolerated\n",
                        mhd_double_header, mhd_double_header == 1 ? "" : "s");
        manager = manager_free(manager);
        (void)nftw(work_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void run_loop(void)
{
        while (sd_event_run(manager->event, 0) > 0)
                ;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        char dir[] = "/tmp/seccompd-fuzz-http.XXXXXX", path[512];
        struct config config;

        if (!mkdtemp(dir))
                abort();
        snprintf(work_dir, sizeof(work_dir), "%s", dir);
        verbose = getenv("FUZZ_HTTP_VERBOSE");
        strict_mhd = getenv("FUZZ_HTTP_STRICT");
        log_setup(verbose ? LOG_DEBUG : LOG_CRIT, false);
        if (config_init(&config) < 0)
                abort();
        snprintf(path, sizeof(path), "%s/root", dir);
        if (mkdir(path, 0755) < 0)
                abort();
        snprintf(path, sizeof(path), "%s/root/team", dir);
        if (mkdir(path, 0755) < 0)
                abort();
        for (size_t i = 0; i < N_FILES; i++) {
                if (files_spec[i].from) {
                        snprintf(path, sizeof(path), "%s/../profiles/%s", TEST_DATA_DIR,
                                 files_spec[i].from);
                        served[i].text = read_whole(path, &served[i].size);
                } else {
                        served[i].text = strdup(files_spec[i].text);
                        served[i].size = strlen(files_spec[i].text);
                }
                if (!served[i].text) {
                        fprintf(stderr, "fuzz-http: cannot read %s\n", path);
                        abort();
                }
                snprintf(served[i].name, sizeof(served[i].name), ROOT_NAME "/%s",
                         files_spec[i].rel);
                snprintf(path, sizeof(path), "%s/root/%s", dir, files_spec[i].rel);
                write_file(path, served[i].text, served[i].size);
        }
        snprintf(path, sizeof(path), ROOT_NAME "=%s/root:docker:recursive", dir);
        if (config_add_root(&config, path) < 0)
                abort();
        snprintf(socket_path, sizeof(socket_path), "%s/seccompd.sock", dir);
        free(config.socket_path);
        free(config.cache_dir);
        free(config.fallback_spool);
        snprintf(path, sizeof(path), "%s/cache", dir);
        config.socket_path = strdup(socket_path);
        config.cache_dir = strdup(path);
        config.fallback_spool = strdup("none");
        if (!config.socket_path || !config.cache_dir || !config.fallback_spool)
                abort();
        /* Small enough that inputs reach it: a chunked body is cut at it, a Content-Length
         * over it is refused before the body. */
        config.max_body_size = 16 * 1024;
        config.workers = 1;
        config.log_level = LOG_CRIT;
        if (manager_new(&config, &manager) < 0 || manager_start(manager, -1) < 0) {
                fprintf(stderr, "fuzz-http: the daemon did not start\n");
                abort();
        }
        uint64_t until = now_ms() + 60000;
        while (!manager_is_ready(manager)) {
                if (now_ms() > until) {
                        fprintf(stderr, "fuzz-http: the first scan did not finish\n");
                        abort();
                }
                (void)sd_event_run(manager->event, 100 * 1000);
        }
        atexit(stop_daemon);
        fprintf(stderr, "fuzz-http: daemon ready on %s\n", socket_path);
        return 0;
}

/* --- the requests, as a strict parser sees them ------------------------------------------- */

struct req {
        char method[16];
        char path[1024]; /* percent-decoded as server.c does, query cut off */
        bool head;
};

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* server.c's unescape(): %XY decoded, %00 becomes \x01. */
static void decode_path(const char *s, size_t n, char *out, size_t out_size)
{
        size_t w = 0;
        for (size_t r = 0; r < n && w + 1 < out_size; r++) {
                if (s[r] == '%' && r + 2 < n + 0 && hexval(s[r + 1]) >= 0 &&
                    hexval(s[r + 2]) >= 0) {
                        int v = hexval(s[r + 1]) * 16 + hexval(s[r + 2]);
                        out[w++] = (char)(v ? v : 1);
                        r += 2;
                } else
                        out[w++] = s[r];
        }
        out[w] = 0;
}

static const char *line_end(const char *p, const char *end)
{
        for (const char *q = p; q + 1 < end; q++) {
                if (q[0] == '\r' && q[1] == '\n')
                        return q;
                if (q[0] == '\n' || q[0] == '\r' || q[0] == 0)
                        return NULL;
        }
        return NULL;
}

/* Parses one request strictly. Returns the number of bytes it takes, 0 when the rest is not
 * a request in the strict grammar. */
static size_t parse_request(const char *p, const char *end, struct req *rq)
{
        const char *start = p, *le = line_end(p, end);
        if (!le)
                return 0;
        const char *sp1 = memchr(p, ' ', (size_t)(le - p));
        if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= sizeof(rq->method))
                return 0;
        for (const char *q = p; q < sp1; q++)
                if (*q < 'A' || *q > 'Z')
                        return 0;
        memcpy(rq->method, p, (size_t)(sp1 - p));
        rq->method[sp1 - p] = 0;
        rq->head = streq(rq->method, "HEAD");
        const char *target = sp1 + 1, *sp2 = memchr(target, ' ', (size_t)(le - target));
        if (!sp2 || sp2 == target || target[0] != '/' || (size_t)(sp2 - target) >= 1000)
                return 0;
        for (const char *q = target; q < sp2; q++)
                if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '#')
                        return 0;
        if ((size_t)(le - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.1", 8) != 0)
                return 0;
        const char *q = memchr(target, '?', (size_t)(sp2 - target));
        decode_path(target, (size_t)((q ? q : sp2) - target), rq->path, sizeof(rq->path));

        long long content_length = -1;
        bool chunked = false, host = false;
        p = le + 2;
        for (;;) {
                le = line_end(p, end);
                if (!le)
                        return 0;
                if (le == p)
                        break;
                const char *colon = memchr(p, ':', (size_t)(le - p));
                if (!colon || colon == p)
                        return 0;
                for (const char *c = p; c < colon; c++)
                        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                              (*c >= '0' && *c <= '9') || *c == '-'))
                                return 0;
                const char *v = colon + 1;
                while (v < le && *v == ' ')
                        v++;
                for (const char *c = v; c < le; c++)
                        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                                return 0;
                size_t nl = (size_t)(colon - p), vl = (size_t)(le - v);
                if (vl > 0 && v[vl - 1] == ' ')
                        return 0;
                if (nl == 4 && strncasecmp(p, "Host", 4) == 0)
                        host = true;
                else if (nl == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
                        if (content_length >= 0 || vl == 0 || vl > 6)
                                return 0;
                        content_length = 0;
                        for (size_t i = 0; i < vl; i++) {
                                if (v[i] < '0' || v[i] > '9')
                                        return 0;
                                content_length = content_length * 10 + (v[i] - '0');
                        }
                } else if (nl == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
                        if (chunked || vl != 7 || strncasecmp(v, "chunked", 7) != 0)
                                return 0;
                        chunked = true;
                } else if ((nl == 6 && strncasecmp(p, "Expect", 6) == 0) ||
                           (nl == 10 && strncasecmp(p, "Connection", 10) == 0))
                        return 0; /* answered or closed early: kept out of the pairing */
                p = le + 2;
        }
        p += 2;
        if (!host || (chunked && content_length >= 0))
                return 0;
        if (content_length > 0) {
                /* Over the body limit: answered 413 and closed, the body unread. */
                if ((size_t)content_length > manager_config(manager)->max_body_size ||
                    (size_t)(end - p) < (size_t)content_length)
                        return 0;
                p += content_length;
        } else if (chunked) {
                size_t total = 0;
                for (;;) {
                        le = line_end(p, end);
                        if (!le || le == p || le - p > 6)
                                return 0;
                        size_t n = 0;
                        for (const char *c = p; c < le; c++) {
                                int h = hexval(*c);
                                if (h < 0)
                                        return 0;
                                n = n * 16 + (size_t)h;
                        }
                        p = le + 2;
                        if (n == 0)
                                break;
                        total += n;
                        if (total > manager_config(manager)->max_body_size ||
                            (size_t)(end - p) < n + 2 || p[n] != '\r' || p[n + 1] != '\n')
                                return 0;
                        p += n + 2;
                }
                if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
                        return 0;
                p += 2;
        }
        return (size_t)(p - start);
}

/* --- the answers ---------------------------------------------------------------------------- */

struct answer {
        unsigned status;
        const char *body;
        size_t body_size;
        char content_type[64];
        char key[80];
        char digest[96];
        bool has_key;
};

static bool header_is(const char *line, size_t len, const char *name, const char **ret_value,
                      size_t *ret_len)
{
        size_t nl = strlen(name);
        if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
                return false;
        const char *v = line + nl + 1;
        while (v < line + len && *v == ' ')
                v++;
        *ret_value = v;
        *ret_len = (size_t)(line + len - v);
        return true;
}

static void copy_value(char *dst, size_t dst_size, const char *v, size_t l)
{
        if (l >= dst_size)
                l = dst_size - 1;
        memcpy(dst, v, l);
        dst[l] = 0;
}

/* Parses the answer at p. Returns the bytes it takes; aborts on anything that is not a
 * complete response. `head` says whether its request was HEAD (-1: unknown). */
static size_t parse_answer(const char *p, const char *end, int head, struct answer *a)
{
        const char *start = p;
        const char *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        fuzz_check(hdr_end, "incomplete answer header: %.*s", (int)(end - p > 200 ? 200 : end - p),
                   p);
        fuzz_check(end - p > 13 &&
                           (memcmp(p, "HTTP/1.1 ", 9) == 0 || memcmp(p, "HTTP/1.0 ", 9) == 0) &&
                           p[9] >= '1' && p[9] <= '5' && p[10] >= '0' && p[10] <= '9' &&
                           p[11] >= '0' && p[11] <= '9' && p[12] == ' ',
                   "not a status line: %.*s", (int)(hdr_end - p > 200 ? 200 : hdr_end - p), p);
        *a = (struct answer){
                .status = (unsigned)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'))};
        long long content_length = -1;
        bool chunked = false;
        for (const char *l = memmem(p, (size_t)(hdr_end + 2 - p), "\r\n", 2) + 2; l < hdr_end;) {
                const char *le = memmem(l, (size_t)(hdr_end + 2 - l), "\r\n", 2);
                const char *v;
                size_t vl;
                if (header_is(l, (size_t)(le - l), "Content-Length", &v, &vl)) {
                        fuzz_check(content_length < 0, "two Content-Length headers");
                        content_length = 0;
                        for (size_t i = 0; i < vl; i++) {
                                fuzz_check(v[i] >= '0' && v[i] <= '9' && i < 12,
                                           "Content-Length %.*s", (int)vl, v);
                                content_length = content_length * 10 + (v[i] - '0');
                        }
                } else if (header_is(l, (size_t)(le - l), "Transfer-Encoding", &v, &vl))
                        chunked = vl == 7 && strncasecmp(v, "chunked", 7) == 0;
                else if (header_is(l, (size_t)(le - l), "Content-Type", &v, &vl))
                        copy_value(a->content_type, sizeof(a->content_type), v, vl);
                else if (header_is(l, (size_t)(le - l), SECCOMPD_HEADER_KEY, &v, &vl)) {
                        copy_value(a->key, sizeof(a->key), v, vl);
                        a->has_key = true;
                } else if (header_is(l, (size_t)(le - l), SECCOMPD_HEADER_DIGEST, &v, &vl))
                        copy_value(a->digest, sizeof(a->digest), v, vl);
                l = le + 2;
        }
        p = hdr_end + 4;
        /* libmicrohttpd 0.9.75's own answer to a Content-Length it cannot parse (413 over 2^64,
         * 400 not a number) sends its header block twice (tests/fuzz/seed-http/cl-overflow.http):
         * fixed upstream in f1bfbe71, first released in 1.0.0; seccompd's code never runs for
         * it (RELIABILITY.md, "What libmicrohttpd answers itself").
         * Tolerated here, exactly that and counted, unless FUZZ_HTTP_STRICT=1. */
        size_t hl = (size_t)(p - start);
        if (!strict_mhd && (a->status == 413 || a->status == 400) && !a->content_type[0] &&
            (size_t)(end - p) >= hl && memcmp(p, start, hl) == 0) {
                mhd_double_header++;
                p += hl;
        }
        if (a->status < 200 || a->status == 204 || a->status == 304)
                return (size_t)(p - start);
        fuzz_check(!chunked, "chunked answer (status %u)", a->status);
        if (content_length < 0) { /* to EOF */
                a->body = p;
                a->body_size = (size_t)(end - p);
                return (size_t)(end - start);
        }
        /* HEAD: Content-Length without a body. Unknown: no body when what follows cannot be
         * it: the end, or the next answer (no body here starts so: JSON starts with '{', a
         * profile's source too, a BPF blob with a load, metrics with '#', HTML with '<'). */
        size_t rest = (size_t)(end - p);
        if (head == 1 || (head < 0 && content_length > 0 &&
                          (rest == 0 || (rest >= 7 && memcmp(p, "HTTP/1.", 7) == 0))))
                return (size_t)(p - start);
        fuzz_check(rest >= (size_t)content_length, "answer %u truncated: %zu body bytes of %lld",
                   a->status, rest, content_length);
        a->body = p;
        a->body_size = (size_t)content_length;
        return (size_t)(p + content_length - start);
}

static bool status_documented(unsigned status)
{
        /* The API's (README: routes, errors and bounds), then libmicrohttpd's own answers to
         * what it cannot parse (its HTML error pages, before any route runs). */
        static const unsigned api[] = {200, 201, 202, 304, 400, 403, 404,
                                       405, 408, 409, 413, 422, 429, 503};
        static const unsigned mhd[] = {100, 400, 413, 414, 431, 501, 505};
        for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++)
                if (api[i] == status)
                        return true;
        for (size_t i = 0; i < sizeof(mhd) / sizeof(mhd[0]); i++)
                if (mhd[i] == status)
                        return true;
        return false;
}

static const char *code_of_status(unsigned status)
{
        switch (status) {
        case 400: return SECCOMPD_ERROR_BAD_REQUEST;
        case 403: return SECCOMPD_ERROR_FORBIDDEN;
        case 404: return SECCOMPD_ERROR_NOT_FOUND;
        case 405: return SECCOMPD_ERROR_METHOD;
        case 408: return SECCOMPD_ERROR_TIMEOUT;
        case 409: return SECCOMPD_ERROR_CONFLICT;
        case 413: return SECCOMPD_ERROR_TOO_LARGE;
        case 422: return SECCOMPD_ERROR_INVALID_PROFILE;
        case 429: return SECCOMPD_ERROR_TOO_MANY;
        case 503: return SECCOMPD_ERROR_UNAVAILABLE;
        default: return NULL;
        }
}

/* The profile `name` asks for (a served name, with or without ".json"), or -1. */
static int served_index(const char *name)
{
        for (size_t i = 0; i < N_FILES; i++) {
                size_t l = strlen(served[i].name);
                if (streq(name, served[i].name) ||
                    (strlen(name) == l - 5 && strncmp(name, served[i].name, l - 5) == 0))
                        return (int)i;
        }
        return -1;
}

/* The bytes of the blob the answer carries equal those of the blob the manager holds under
 * its key; when the profile is known, that blob is one of that profile's. */
static void check_blob(const struct answer *a, const char *bytes, size_t size, int profile)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *e = NULL;
        _cleanup_(blob_freep) struct blob *cached = NULL;
        const struct entry_blob *eb = NULL;
        const struct blob *b = NULL;

        fuzz_check(a->has_key, "blob answer without %s", SECCOMPD_HEADER_KEY);
        if (manager_served_blob(manager, a->key, &e, &eb) == 0) {
                b = eb->blob;
                if (profile >= 0)
                        fuzz_check(streq(e->name, served[profile].name),
                                   "blob %s of '%s' served for '%s'", a->key, e->name,
                                   served[profile].name);
                fuzz_check(!a->digest[0] || streq(a->digest, e->good->digest),
                           "digest header %s, profile's %s", a->digest, e->good->digest);
        } else if (manager_cached_blob(manager, a->key, &cached) == 0)
                b = cached;
        if (!b)
                return; /* evicted since (contexts are bounded): nothing to compare */
        fuzz_check(streq(b->key, a->key), "blob key %s for %s", b->key, a->key);
        fuzz_check(size == blob_size(b) && memcmp(bytes, b->insns, size) == 0,
                   "blob %s: %zu bytes answered, %zu held, or they differ", a->key, size,
                   blob_size(b));
}

static void check_base64_blob(const struct answer *a, const char *text, size_t len, int profile)
{
        while (len > 0 && text[len - 1] == '\n')
                len--;
        long long n = base64_decoded_size(text, len);
        fuzz_check(n >= 0, "base64 blob answer does not decode");
        uint8_t *raw = malloc((size_t)n + 1);
        if (!raw)
                abort();
        base64_decode(text, len, raw, (size_t)n);
        check_blob(a, (const char *)raw, (size_t)n, profile);
        free(raw);
}

static void check_json(const struct answer *a, const struct req *rq)
{
        json_error_t err;
        json_t *j = json_loadb(a->body, a->body_size, 0, &err);
        fuzz_check(j, "status %u: JSON answer does not parse (%s): %.*s", a->status, err.text,
                   (int)(a->body_size > 300 ? 300 : a->body_size), a->body);
        if (a->status >= 400) {
                const char *code = json_string_value(
                        json_object_get(json_object_get(j, SECCOMPD_KEY_ERROR), SECCOMPD_KEY_CODE));
                fuzz_check(code && code_of_status(a->status) &&
                                   streq(code, code_of_status(a->status)),
                           "status %u with error code %s", a->status, code ? code : "(none)");
        }
        /* POST /v1/compile: the blob answered is the one cached under its key. */
        const char *key = json_string_value(json_object_get(j, SECCOMPD_KEY_KEY));
        const char *b64 = json_string_value(json_object_get(j, SECCOMPD_KEY_BLOB));
        if (a->status == 200 && key && b64 && (!rq || streq(rq->path, SECCOMPD_ROUTE_COMPILE))) {
                struct answer k = *a;
                copy_value(k.key, sizeof(k.key), key, strlen(key));
                k.has_key = true;
                k.digest[0] = 0;
                check_base64_blob(&k, b64, strlen(b64), -1);
        }
        /* GET /v1/profiles/NAME: that profile. */
        if (a->status == 200 && rq &&
            strncmp(rq->path, SECCOMPD_ROUTE_PROFILE_PREFIX,
                    strlen(SECCOMPD_ROUTE_PROFILE_PREFIX)) == 0) {
                int i = served_index(rq->path + strlen(SECCOMPD_ROUTE_PROFILE_PREFIX));
                const char *name = json_string_value(json_object_get(j, SECCOMPD_KEY_NAME));
                fuzz_check(i >= 0 && name && streq(name, served[i].name),
                           "%s answered with profile %s", rq->path, name ? name : "(none)");
        }
        json_decref(j);
}

static const char *const name_prefixes[] = {
        SECCOMPD_ROUTE_PROFILE_PREFIX,
        SECCOMPD_ROUTE_BPF_PREFIX,
        SECCOMPD_ROUTE_SOURCE_PREFIX,
};

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A route's success has the form the README gives it: blobs raw (or base64 with a key),
 * metrics as Prometheus text, the rest JSON; a blob fetched by key is that key's. */
static void check_route_answer(const struct answer *a, const struct req *rq)
{
        const char *ct = a->content_type;
        bool json = streq(ct, "application/json");
        bool raw = streq(ct, "application/octet-stream") && a->has_key;
        bool b64 = streq(ct, "text/plain") && a->has_key;
        bool ok;
        if (has_prefix(rq->path, SECCOMPD_ROUTE_BPF_PREFIX))
                ok = raw || b64;
        else if (has_prefix(rq->path, SECCOMPD_ROUTE_BLOB_PREFIX)) {
                ok = raw || b64;
                fuzz_check(!ok || streq(a->key, rq->path + strlen(SECCOMPD_ROUTE_BLOB_PREFIX)),
                           "%s answered with blob %s", rq->path, a->key);
        } else if (streq(rq->path, SECCOMPD_ROUTE_METRICS))
                ok = has_prefix(ct, "text/plain; version=0.0.4");
        else if (streq(rq->path, SECCOMPD_ROUTE_COMPILE))
                ok = json || raw;
        else
                ok = json;
        fuzz_check(ok, "%s %s answered %u with Content-Type '%s'%s", rq->method, rq->path,
                   a->status, ct, a->has_key ? "" : " and no blob key");
}

static void check_answer(const struct answer *a, const struct req *rq)
{
        fuzz_check(a->status != 500, "500: %.*s", (int)(a->body_size > 300 ? 300 : a->body_size),
                   a->body ? a->body : "");
        fuzz_check(status_documented(a->status), "undocumented status %u", a->status);
        if (a->status == 100)
                return;

        /* An unprivileged peer never has a profile compiled, a rescan started, a container
         * reported nor a recording reserved. */
        if (rq && !current_privileged && a->status < 300)
                fuzz_check(!streq(rq->path, SECCOMPD_ROUTE_COMPILE) &&
                                   !streq(rq->path, SECCOMPD_ROUTE_RELOAD) &&
                                   (streq(rq->method, "GET") ||
                                    (strncmp(rq->path, SECCOMPD_ROUTE_RECORDING_PREFIX,
                                             strlen(SECCOMPD_ROUTE_RECORDING_PREFIX)) != 0 &&
                                     strncmp(rq->path, SECCOMPD_ROUTE_CONTAINER_PREFIX,
                                             strlen(SECCOMPD_ROUTE_CONTAINER_PREFIX)) != 0)),
                           "unprivileged %s %s answered %u", rq->method, rq->path, a->status);

        int profile = -1;
        if (rq && (a->status == 200 || a->status == 304))
                for (size_t i = 0; i < sizeof(name_prefixes) / sizeof(name_prefixes[0]); i++) {
                        size_t l = strlen(name_prefixes[i]);
                        if (strncmp(rq->path, name_prefixes[i], l) != 0)
                                continue;
                        profile = served_index(rq->path + l);
                        fuzz_check(profile >= 0, "%s %s answered %u: not a served name", rq->method,
                                   rq->path, a->status);
                        /* Its summary and diagnostics, yes; a blob or a source, never. */
                        fuzz_check(i == 0 || !streq(served[profile].name, ROOT_NAME "/typo.json"),
                                   "the invalid profile answered %u on %s", a->status, rq->path);
                }
        if (rq && a->status >= 200 && a->status < 300)
                check_route_answer(a, rq);
        if (!a->body)
                return;

        bool json = strncmp(a->content_type, "application/json", 16) == 0;
        bool source = rq && strncmp(rq->path, SECCOMPD_ROUTE_SOURCE_PREFIX,
                                    strlen(SECCOMPD_ROUTE_SOURCE_PREFIX)) == 0;
        if (a->status == 200 && source && profile >= 0)
                fuzz_check(a->body_size == served[profile].size &&
                                   memcmp(a->body, served[profile].text, a->body_size) == 0,
                           "source of %s differs from the file", rq->path);
        else if (json)
                check_json(a, rq);
        else if (a->status == 200 && streq(a->content_type, "application/octet-stream"))
                check_blob(a, a->body, a->body_size, profile);
        else if (a->status == 200 && a->has_key && streq(a->content_type, "text/plain"))
                check_base64_blob(a, a->body, a->body_size, profile);
}

/* --- one connection ------------------------------------------------------------------------- */

static int connect_daemon(void)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, socket_path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                abort();
        for (int tries = 0; connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0; tries++) {
                /* The backlog is full only while earlier connections are being torn down. */
                fuzz_check((errno == EAGAIN || errno == EINTR) && tries < 2000, "connect: %s",
                           strerror(errno));
                usleep(1000);
        }
        return fd;
}

/* An unprivileged peer: a thread of the harness whose effective uid is nobody's (raw
 * setresuid: glibc's would change every thread), its file system uid still root's so that it
 * may open the 0660 socket. SO_PEERCRED records the effective uid at connect(): the daemon
 * sees uid 65534, not root, not its own user, and no socket group is configured. */
static pthread_mutex_t peer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t peer_cond = PTHREAD_COND_INITIALIZER;
static int peer_fd = -1;
static bool peer_asked;

static void *unprivileged_peer(void *arg)
{
        if (syscall(SYS_setresuid, -1, 65534, 0) < 0) {
                fprintf(stderr, "fuzz-http: setresuid: %m\n");
                abort();
        }
        (void)syscall(SYS_setfsuid, 0);
        pthread_mutex_lock(&peer_lock);
        for (;;) {
                while (!peer_asked)
                        pthread_cond_wait(&peer_cond, &peer_lock);
                peer_fd = connect_daemon();
                peer_asked = false;
                pthread_cond_broadcast(&peer_cond);
        }
        return NULL;
}

static int connect_unprivileged(void)
{
        static pthread_t thread;
        static bool started;
        if (!started) {
                if (pthread_create(&thread, NULL, unprivileged_peer, NULL) != 0)
                        abort();
                started = true;
        }
        pthread_mutex_lock(&peer_lock);
        peer_asked = true;
        peer_fd = -1;
        pthread_cond_broadcast(&peer_cond);
        while (peer_asked)
                pthread_cond_wait(&peer_cond, &peer_lock);
        int fd = peer_fd;
        pthread_mutex_unlock(&peer_lock);
        return fd;
}

/* Writes the input, shuts the write side down, reads the answer to EOF. */
static char *exchange(const uint8_t *data, size_t size, bool privileged, size_t *ret_len)
{
        int fd = privileged ? connect_daemon() : connect_unprivileged();
        size_t sent = 0, len = 0, cap = 4096;
        char *buf = malloc(cap);
        bool wr_done = false;
        uint64_t deadline = now_ms() + ANSWER_DEADLINE_MS;
        if (!buf)
                abort();
        if (size == 0) {
                shutdown(fd, SHUT_WR);
                wr_done = true;
        }
        for (;;) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN | (wr_done ? 0 : POLLOUT)};
                uint64_t now = now_ms();
                fuzz_check(now < deadline, "no end of answer after %d ms (%zu of %zu bytes sent)",
                           ANSWER_DEADLINE_MS, sent, size);
                if (poll(&pfd, 1, (int)(deadline - now)) < 0) {
                        if (errno == EINTR)
                                continue;
                        abort();
                }
                if (!wr_done && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
                        ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
                        if (n > 0)
                                sent += (size_t)n;
                        else if (n < 0 && errno != EAGAIN && errno != EINTR)
                                wr_done = true; /* the daemon closed: read what it said */
                        if (sent == size) {
                                shutdown(fd, SHUT_WR);
                                wr_done = true;
                        }
                }
                if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
                        if (cap - len < 4096) {
                                cap *= 2;
                                char *nb = realloc(buf, cap);
                                if (!nb)
                                        abort();
                                buf = nb;
                        }
                        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
                        if (n == 0)
                                break;
                        if (n < 0 && errno == ECONNRESET)
                                break;
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                abort();
                        if (n > 0)
                                len += (size_t)n;
                }
        }
        close(fd);
        buf[len] = 0;
        *ret_len = len;
        return buf;
}

/* The connection's thread is done with it (libmicrohttpd notified it closed): what it
 * allocated for the request is freed before the next input, so that libFuzzer's per-input
 * leak check sees this input's allocations only. */
static void wait_connections_closed(void)
{
        struct server *s = manager->server;
        for (int i = 0; i < 5000; i++) {
                pthread_mutex_lock(&s->conns_lock);
                bool open = s->conns != NULL;
                pthread_mutex_unlock(&s->conns_lock);
                if (!open)
                        return;
                usleep(200);
        }
        fuzz_check(false, "a connection is still open 1 s after its client closed it");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct req reqs[MAX_REQUESTS];
        size_t n_reqs = 0, off = 0;
        const char *text = (const char *)data;

        /* A leading '~': the same bytes from an unprivileged peer. */
        bool privileged = !(size > 0 && data[0] == '~');
        current_privileged = privileged;
        if (!privileged) {
                data++;
                size--;
                text++;
        }

        /* How much of the input pairs with answers, request by request. */
        while (n_reqs < MAX_REQUESTS && off < size) {
                size_t took = parse_request(text + off, text + size, &reqs[n_reqs]);
                if (took == 0)
                        break;
                off += took;
                n_reqs++;
        }

        size_t len;
        char *answer = exchange(data, size, privileged, &len);
        const char *p = answer, *end = answer + len;
        /* Only an input that holds "HEAD" can have an answer without its body. */
        int head_unknown = memmem(data, size, "HEAD", 4) ? -1 : 0;
        size_t n_answers = 0, n_final = 0;
        while (p < end) {
                struct answer a;
                const struct req *rq = n_final < n_reqs ? &reqs[n_final] : NULL;
                p += parse_answer(p, end, rq ? rq->head : head_unknown, &a);
                if (verbose)
                        fprintf(stderr, "fuzz-http: %s %s -> %u %s (%zu body bytes)\n",
                                rq ? rq->method : "?", rq ? rq->path : "?", a.status,
                                a.content_type, a.body_size);
                check_answer(&a, rq);
                n_answers++;
                if (a.status >= 200)
                        n_final++;
        }
        fuzz_check(n_reqs == 0 || n_final >= 1,
                   "%zu complete request%s, no answer (%zu bytes back)", n_reqs,
                   n_reqs == 1 ? "" : "s", len);
        free(answer);
        wait_connections_closed();
        run_loop();
        return 0;
}
