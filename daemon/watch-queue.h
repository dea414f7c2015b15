/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "watcher.h"

/* The queue of watch events between the watcher's thread (the only producer) and the main
 * loop (the only consumer). `lock` guards the events and the eventfd's counter and is taken
 * only here. A backlog the loop does not keep up with becomes one rescan of every root. */
struct watch_queue {
        pthread_mutex_t lock;
        bool lock_initialized;
        struct watch_event *events;
        size_t n, n_alloc;
        bool collapsed; /* the queue holds one WATCH_RESCAN of every root */
        int event_fd;   /* readable while events are queued */
};

/* Returns 0 or -errno; on failure only watch_queue_done() is left to call. */
int watch_queue_init(struct watch_queue *q);
/* Frees what is still queued. Accepts a zeroed queue, and one that failed half-way. */
void watch_queue_done(struct watch_queue *q);

/* Queues an event (root and path are copied; either may be NULL). Returns false when it
 * could not even be folded into a rescan (out of memory with nothing queued): the caller
 * must resynchronise. */
bool watch_queue_push(struct watch_queue *q, enum watch_event_type type, const char *root,
                      const char *path);
/* Takes every queued event, oldest first, and clears the fd's readiness; *ret is NULL when
 * nothing is queued. */
void watch_queue_drain(struct watch_queue *q, struct watch_event **ret, size_t *ret_n);
