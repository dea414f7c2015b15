/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define METRICS_BUCKETS    10
#define METRICS_MAX_SERIES 128

/* Counters shared by the main loop, the workers and the HTTP threads. */
struct metrics {
        pthread_mutex_t lock;
        uint64_t compiles_total;
        uint64_t compile_buckets[METRICS_BUCKETS]; /* cumulative at render time */
        double compile_seconds_sum;
        uint64_t watch_events_total;
        uint64_t reloads_total;         /* reload rescans run */
        uint64_t reload_requests_total; /* SIGHUP and POST /v1/reload received */
        uint64_t rescans_total;         /* full scans of every root, whatever the cause */
        unsigned scan_loads;            /* loads of a scan still running (gauge) */
        bool reload_queued;             /* a coalesced reload waits for the scan (gauge) */
        struct {
                char route[32];
                unsigned code;
                uint64_t count;
        } requests[METRICS_MAX_SERIES];
        size_t n_requests;
};

int metrics_init(struct metrics *m);
void metrics_done(struct metrics *m);
void metrics_compiled(struct metrics *m, double seconds);
void metrics_request(struct metrics *m, const char *route, unsigned code);
uint64_t metrics_compiles(struct metrics *m);
void metrics_watch_events(struct metrics *m, uint64_t n);
void metrics_reloaded(struct metrics *m);
void metrics_reload_requested(struct metrics *m);
void metrics_rescanned(struct metrics *m);
void metrics_scan_state(struct metrics *m, unsigned loads, bool reload_queued);

/* Renders the metrics held here; the caller adds those of the registry, the cache and the
 * watcher, which keep their own counts. */
int metrics_render(struct metrics *m, FILE *out);
