/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "metrics.h"

static const double bucket_bounds[METRICS_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.25,  1.0};

int metrics_init(struct metrics *m)
{
        *m = (struct metrics){0};
        return -pthread_mutex_init(&m->lock, NULL);
}

void metrics_done(struct metrics *m)
{
        pthread_mutex_destroy(&m->lock);
}

void metrics_compiled(struct metrics *m, double seconds)
{
        pthread_mutex_lock(&m->lock);
        m->compiles_total++;
        m->compile_seconds_sum += seconds;
        for (size_t i = 0; i < METRICS_BUCKETS; i++)
                if (seconds <= bucket_bounds[i]) {
                        m->compile_buckets[i]++;
                        break;
                }
        pthread_mutex_unlock(&m->lock);
}

uint64_t metrics_compiles(struct metrics *m)
{
        pthread_mutex_lock(&m->lock);
        uint64_t n = m->compiles_total;
        pthread_mutex_unlock(&m->lock);
        return n;
}

void metrics_watch_events(struct metrics *m, uint64_t n)
{
        pthread_mutex_lock(&m->lock);
        m->watch_events_total += n;
        pthread_mutex_unlock(&m->lock);
}

void metrics_reloaded(struct metrics *m)
{
        pthread_mutex_lock(&m->lock);
        m->reloads_total++;
        pthread_mutex_unlock(&m->lock);
}

void metrics_reload_requested(struct metrics *m)
{
        pthread_mutex_lock(&m->lock);
        m->reload_requests_total++;
        pthread_mutex_unlock(&m->lock);
}

void metrics_rescanned(struct metrics *m)
{
        pthread_mutex_lock(&m->lock);
        m->rescans_total++;
        pthread_mutex_unlock(&m->lock);
}

void metrics_scan_state(struct metrics *m, unsigned loads, bool reload_queued)
{
        pthread_mutex_lock(&m->lock);
        m->scan_loads = loads;
        m->reload_queued = reload_queued;
        pthread_mutex_unlock(&m->lock);
}

void metrics_request(struct metrics *m, const char *route, unsigned code)
{
        pthread_mutex_lock(&m->lock);
        size_t i;
        for (i = 0; i < m->n_requests; i++)
                if (m->requests[i].code == code && streq(m->requests[i].route, route))
                        break;
        if (i == m->n_requests && i < METRICS_MAX_SERIES) {
                snprintf(m->requests[i].route, sizeof(m->requests[i].route), "%s", route);
                m->requests[i].code = code;
                m->n_requests++;
        }
        if (i < m->n_requests)
                m->requests[i].count++;
        pthread_mutex_unlock(&m->lock);
}

int metrics_render(struct metrics *m, FILE *out)
{
        pthread_mutex_lock(&m->lock);
        fprintf(out,
                "# HELP seccompd_compiles_total Profiles compiled with libseccomp.\n"
                "# TYPE seccompd_compiles_total counter\n"
                "seccompd_compiles_total %llu\n",
                (unsigned long long)m->compiles_total);
        fprintf(out, "# HELP seccompd_compile_seconds Time to compile one profile.\n"
                     "# TYPE seccompd_compile_seconds histogram\n");
        uint64_t cum = 0;
        for (size_t i = 0; i < METRICS_BUCKETS; i++) {
                cum += m->compile_buckets[i];
                fprintf(out, "seccompd_compile_seconds_bucket{le=\"%g\"} %llu\n", bucket_bounds[i],
                        (unsigned long long)cum);
        }
        fprintf(out,
                "seccompd_compile_seconds_bucket{le=\"+Inf\"} %llu\n"
                "seccompd_compile_seconds_sum %.6f\n"
                "seccompd_compile_seconds_count %llu\n",
                (unsigned long long)m->compiles_total, m->compile_seconds_sum,
                (unsigned long long)m->compiles_total);
        fprintf(out,
                "# HELP seccompd_watch_events_total inotify events handled.\n"
                "# TYPE seccompd_watch_events_total counter\n"
                "seccompd_watch_events_total %llu\n",
                (unsigned long long)m->watch_events_total);
        fprintf(out,
                "# HELP seccompd_reloads_total Full rescans (SIGHUP, POST /v1/reload).\n"
                "# TYPE seccompd_reloads_total counter\n"
                "seccompd_reloads_total %llu\n",
                (unsigned long long)m->reloads_total);
        fprintf(out,
                "# HELP seccompd_reload_requests_total Reloads asked for (SIGHUP, POST "
                "/v1/reload); those made while a scan runs are coalesced into one rescan.\n"
                "# TYPE seccompd_reload_requests_total counter\n"
                "seccompd_reload_requests_total %llu\n"
                "# HELP seccompd_rescans_total Full scans of every root (start, reloads, "
                "overflows, roots coming back).\n"
                "# TYPE seccompd_rescans_total counter\n"
                "seccompd_rescans_total %llu\n",
                (unsigned long long)m->reload_requests_total, (unsigned long long)m->rescans_total);
        fprintf(out,
                "# HELP seccompd_scan_loads Profile loads of a scan still running.\n"
                "# TYPE seccompd_scan_loads gauge\n"
                "seccompd_scan_loads %u\n"
                "# HELP seccompd_reload_queued 1 while a coalesced reload waits for the scan.\n"
                "# TYPE seccompd_reload_queued gauge\n"
                "seccompd_reload_queued %d\n",
                m->scan_loads, m->reload_queued ? 1 : 0);
        fprintf(out, "# HELP seccompd_requests_total API requests by route and status.\n"
                     "# TYPE seccompd_requests_total counter\n");
        for (size_t i = 0; i < m->n_requests; i++)
                fprintf(out, "seccompd_requests_total{route=\"%s\",code=\"%u\"} %llu\n",
                        m->requests[i].route, m->requests[i].code,
                        (unsigned long long)m->requests[i].count);
        pthread_mutex_unlock(&m->lock);
        return ferror(out) ? -EIO : 0;
}
