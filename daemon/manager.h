/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "builder.h"
#include "cache.h"
#include "conf.h"
#include "containers.h"
#include "denials.h"
#include "fallback.h"
#include "macro.h"
#include "metrics.h"
#include "pool.h"
#include "registry.h"
#include "resolve.h"
#include "roots.h"
#include "service.h"

struct server;
struct watcher;

/* The directories of one root deeper than --max-depth: neither scanned nor watched, so
 * their profiles are not served; reported in GET /v1/status rather than dropped silently. */
#define TOO_DEEP_LISTED 16
struct too_deep {
        char *rel[TOO_DEEP_LISTED]; /* relative to the root */
        bool confirmed[TOO_DEEP_LISTED];
        size_t n_listed;
        size_t n_more; /* found beyond the listed ones */
};

/* The one object that owns the daemon: the sd-event loop, roots, registry, cache, compile
 * pool, watcher and HTTP server. manager_free() copes with a half-built manager. Only
 * manager.c and service.c (its interface for the HTTP server) read these fields; each
 * module guards its own state, so no lock is taken here. Everything not marked otherwise
 * belongs to the main loop's thread. */
struct manager {
        struct config config; /* fixed once manager_new() returns: any thread reads it */
        sd_event *event;
        struct roots roots;
        struct registry *registry;
        struct metrics metrics;
        struct cache *cache;
        struct builder builder; /* compiles through the cache, one per key at a time */
        struct pool *pool;
        struct watcher *watcher;
        struct server *server;
        struct context context; /* the default: host arch, Docker's caps, running kernel */
        struct compile_options compile;
        struct fallbacks fallbacks;   /* seccompd-oci's, from the spool */
        struct containers containers; /* started through seccompd-oci */
        bool containers_save_warned;
        struct denials *denials;   /* the seccomp audit reader and its ring (own lock) */
        uint64_t host_pidns;       /* the daemon's pid namespace inode (0: unknown) */
        struct recorder *recorder; /* containers recorded through seccompd-oci (own lock) */

        sd_event_source *pool_source, *watch_source, *debounce_timer, *watchdog_timer,
                *fallback_source, *reload_source, *containers_timer, *containers_save_timer;
        int reload_fd;  /* eventfd: manager_request_reload() from any thread wakes the loop */
        char **pending; /* "root\0rel" paths waiting for the debounce timer */
        size_t n_pending, allocated_pending;
        bool rescan_pending;
        bool reload_pending; /* a reload asked for while a scan runs: one rescan after it */

        pthread_mutex_t too_deep_lock; /* guards too_deep: the loop writes, HTTP threads read */
        struct too_deep too_deep[CONFIG_MAX_ROOTS]; /* by root index */

        bool ready;        /* the first full scan is done: written by the loop, read by HTTP threads
                            * through manager_is_ready() only (atomic) */
        unsigned scanning; /* jobs of the current scan still running */
        bool stopping;     /* manager_free() began: the alias sweep ends early (atomic) */
};

int manager_new(struct config *config, struct manager **ret); /* takes over *config */
struct manager *manager_free(struct manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct manager *, manager_free);
int manager_start(struct manager *m, int listen_fd); /* listen_fd < 0: bind the socket */
int manager_run(struct manager *m);
