/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define METRICS_BUCKETS 10
#define METRICS_MAX_SERIES 128

/* Counters shared by the main loop, the workers and the HTTP threads. */
struct metrics {
        pthread_mutex_t lock;
        uint64_t compiles_total;
        uint64_t compile_buckets[METRICS_BUCKETS]; /* cumulative at render time */
        double compile_seconds_sum;
        uint64_t watch_events_total;
        uint64_t reloads_total;
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

/* Renders the metrics held here; the caller adds those of the registry, the cache and the
 * watcher, which keep their own counts. */
int metrics_render(struct metrics *m, FILE *out);
