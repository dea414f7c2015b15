/* SPDX-License-Identifier: Apache-2.0 */
/* bench-fetch: blobs per second and latency with N concurrent clients.
 *
 *   bench-fetch daemon SOCK NAME THREADS SECONDS  N threads, each with its own libseccompd
 *                                                 handle, fetching GET /v1/bpf/NAME in a loop
 *   bench-fetch engine FILE THREADS SECONDS       N threads compiling FILE in-process with the
 *                                                 engine (parse, resolve, compile): the baseline
 *   bench-fetch context SOCK NAME ARCH CAPS KERNEL N   one handle: GET /v1/bpf/NAME?arch=&caps=
 *                                                 &kernel= once (a new context: the daemon
 *                                                 compiles it), then N times more (served);
 *                                                 "-" leaves a member to the daemon's default
 *
 * Prints: MODE threads=N ops=.. secs=.. ops_per_s=.. p50_us=.. p99_us=.. max_us=..
 * (context: first_us=.. insns=.. served=N p50_us=.. p99_us=.. max_us=..) */

#include <pthread.h>

#include <seccompd/client.h>

#include "bench.h"
#include "compile.h"
#include "profile.h"
#include "resolve.h"

struct worker {
        pthread_t thread;
        const char *sock, *name, *path;
        const char *data; /* the profile, for the engine; borrowed */
        size_t size;
        uint64_t deadline;
        uint64_t *lat;
        size_t n, alloc;
        pthread_barrier_t *start;
};

static void record(struct worker *w, uint64_t ns)
{
        if (w->n == w->alloc) {
                w->alloc = w->alloc ? w->alloc * 2 : 4096;
                w->lat = realloc(w->lat, w->alloc * sizeof(uint64_t));
                if (!w->lat)
                        die("out of memory");
        }
        w->lat[w->n++] = ns;
}

static void *run_daemon(void *arg)
{
        struct worker *w = arg;
        struct seccompd *c = NULL;
        int r = seccompd_connect(w->sock, 10000, &c);
        if (r < 0)
                die("seccompd_connect(%s): %s", w->sock, strerror(-r));
        pthread_barrier_wait(w->start);
        for (;;) {
                struct seccompd_blob *b = NULL;
                uint64_t t0 = now_ns();
                if (t0 >= w->deadline)
                        break;
                r = seccompd_get_blob(c, w->name, NULL, &b);
                if (r < 0)
                        die("seccompd_get_blob(%s): %s", w->name, strerror(-r));
                record(w, now_ns() - t0);
                seccompd_blob_free(b);
        }
        seccompd_disconnect(c);
        return NULL;
}

static void *run_engine(void *arg)
{
        struct worker *w = arg;
        struct context ctx;
        struct compile_options o = {.optimize = -1};
        if (context_default(&ctx) < 0)
                die("context_default failed");
        pthread_barrier_wait(w->start);
        for (;;) {
                struct profile_parse_options po = {.dialect = DIALECT_DEFAULT};
                struct diag_list *diags = NULL;
                struct profile *p = NULL;
                struct resolved *res = NULL;
                struct blob *b = NULL;
                uint64_t t0 = now_ns();
                if (t0 >= w->deadline)
                        break;
                if (diag_list_new(w->path, &diags) < 0 ||
                    profile_parse(w->data, w->size, &po, diags, &p) < 0 ||
                    profile_resolve(p, &ctx, &res) < 0 || compile_resolved(res, &o, diags, &b) < 0)
                        die("the engine cannot compile '%s'", w->path);
                record(w, now_ns() - t0);
                blob_free(b);
                resolved_free(res);
                profile_free(p);
                diag_list_free(diags);
        }
        return NULL;
}

/* The first fetch of a context, then n more of it, one after the other on one handle. */
static int run_context(char **argv)
{
        const char *sock = argv[2], *name = argv[3];
        struct seccompd_context ctx = {
                .arch = strcmp(argv[4], "-") ? argv[4] : NULL,
                .caps = strcmp(argv[5], "-") ? argv[5] : NULL,
                .kernel = strcmp(argv[6], "-") ? argv[6] : NULL,
        };
        long n = atol(argv[7]);
        if (n < 1 || n > 10000000)
                die("bad count");
        struct seccompd *c = NULL;
        int r = seccompd_connect(sock, 60000, &c);
        if (r < 0)
                die("seccompd_connect(%s): %s", sock, strerror(-r));
        struct seccompd_blob *b = NULL;
        uint64_t t0 = now_ns();
        r = seccompd_get_blob(c, name, &ctx, &b);
        uint64_t first = now_ns() - t0;
        if (r < 0)
                die("seccompd_get_blob(%s, %s %s %s): %s: %s", name, argv[4], argv[5], argv[6],
                    strerror(-r), seccompd_last_error(c) ? seccompd_last_error(c) : "");
        unsigned insns = b->instructions;
        char *context = strdup(b->context ? b->context : "?");
        seccompd_blob_free(b);
        uint64_t *lat = malloc((size_t)n * sizeof(uint64_t));
        if (!lat || !context)
                die("out of memory");
        for (long i = 0; i < n; i++) {
                t0 = now_ns();
                r = seccompd_get_blob(c, name, &ctx, &b);
                lat[i] = now_ns() - t0;
                if (r < 0)
                        die("seccompd_get_blob(%s): %s", name, strerror(-r));
                if (b->instructions != insns)
                        die("the blob changed between fetches");
                seccompd_blob_free(b);
        }
        seccompd_disconnect(c);
        uint64_t p50 = percentile(lat, (size_t)n, 50), p99 = percentile(lat, (size_t)n, 99);
        for (char *q = context; *q; q++)
                if (*q == ' ')
                        *q = '/'; /* one token: key=value parsers split on spaces */
        printf("context first_us=%.1f insns=%u served=%ld p50_us=%.1f p99_us=%.1f max_us=%.1f "
               "context=%s\n",
               first / 1e3, insns, n, p50 / 1e3, p99 / 1e3, lat[n - 1] / 1e3, context);
        free(lat);
        free(context);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 8 && !strcmp(argv[1], "context"))
                return run_context(argv);
        bool daemon_mode = argc == 6 && !strcmp(argv[1], "daemon");
        bool engine_mode = argc == 5 && !strcmp(argv[1], "engine");
        if (!daemon_mode && !engine_mode) {
                fprintf(stderr, "usage: bench-fetch daemon SOCK NAME THREADS SECONDS\n"
                                "       bench-fetch engine FILE THREADS SECONDS\n"
                                "       bench-fetch context SOCK NAME ARCH CAPS KERNEL N\n");
                return 2;
        }
        int nt = atoi(argv[daemon_mode ? 4 : 3]);
        double secs = atof(argv[daemon_mode ? 5 : 4]);
        if (nt < 1 || nt > 256 || secs <= 0)
                die("bad thread count or duration");

        size_t size = 0;
        char *data = engine_mode ? read_all(argv[2], &size) : NULL;
        struct worker *ws = calloc((size_t)nt, sizeof(*ws));
        pthread_barrier_t start;
        if (!ws || pthread_barrier_init(&start, NULL, (unsigned)nt + 1) != 0)
                die("out of memory");
        /* The deadline is set once every thread is connected, just before the barrier opens. */
        for (int i = 0; i < nt; i++) {
                ws[i] = (struct worker){.sock = argv[2],
                                        .name = argv[3],
                                        .path = argv[2],
                                        .data = data,
                                        .size = size,
                                        .start = &start,
                                        .deadline = UINT64_MAX};
        }
        for (int i = 0; i < nt; i++)
                if (pthread_create(&ws[i].thread, NULL, daemon_mode ? run_daemon : run_engine,
                                   &ws[i]) != 0)
                        die("pthread_create failed");
        /* Threads read their deadline only after the barrier, so writing it here is safe. */
        uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(secs * 1e9);
        for (int i = 0; i < nt; i++)
                ws[i].deadline = deadline;
        pthread_barrier_wait(&start);
        t0 = now_ns();
        for (int i = 0; i < nt; i++)
                pthread_join(ws[i].thread, NULL);
        double elapsed = (double)(now_ns() - t0) / 1e9;

        size_t total = 0;
        for (int i = 0; i < nt; i++)
                total += ws[i].n;
        uint64_t *all = malloc((total ? total : 1) * sizeof(uint64_t));
        if (!all)
                die("out of memory");
        size_t k = 0;
        for (int i = 0; i < nt; i++) {
                memcpy(all + k, ws[i].lat, ws[i].n * sizeof(uint64_t));
                k += ws[i].n;
        }
        uint64_t p50 = percentile(all, total, 50), p99 = percentile(all, total, 99);
        printf("%s threads=%d ops=%zu secs=%.2f ops_per_s=%.0f p50_us=%.1f p99_us=%.1f "
               "max_us=%.1f\n",
               daemon_mode ? "daemon" : "engine", nt, total, elapsed, (double)total / elapsed,
               p50 / 1e3, p99 / 1e3, total ? all[total - 1] / 1e3 : 0.0);
        return 0;
}
