/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "macro.h"
#include "watch-queue.h"

#define QUEUE_MAX 65536 /* beyond this the backlog becomes one full rescan */

static const char *const event_type_table[_WATCH_EVENT_TYPE_MAX] = {
        [WATCH_CHANGED] = "changed",     [WATCH_REMOVED] = "removed",
        [WATCH_ROOT_GONE] = "root-gone", [WATCH_ROOT_BACK] = "root-back",
        [WATCH_RESCAN] = "rescan",       [WATCH_TOO_DEEP] = "too-deep",
};

const char *watch_event_type_to_string(enum watch_event_type t)
{
        return (unsigned)t < _WATCH_EVENT_TYPE_MAX ? event_type_table[t] : NULL;
}

int watch_event_type_from_string(const char *s)
{
        for (int i = 0; s && i < _WATCH_EVENT_TYPE_MAX; i++)
                if (streq(s, event_type_table[i]))
                        return i;
        return -EINVAL;
}

static void events_clear(struct watch_event *e, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(e[i].root);
                free(e[i].path);
        }
}

void watch_events_free(struct watch_event *e, size_t n)
{
        if (!e)
                return;
        events_clear(e, n);
        free(e);
}

int watch_queue_init(struct watch_queue *q)
{
        *q = (struct watch_queue){.event_fd = -EBADF};
        int k = -pthread_mutex_init(&q->lock, NULL);
        if (k < 0)
                return k;
        q->lock_initialized = true;
        q->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        return q->event_fd < 0 ? -errno : 0;
}

void watch_queue_done(struct watch_queue *q)
{
        watch_events_free(q->events, q->n);
        q->events = NULL;
        q->n = q->n_alloc = 0;
        closep(&q->event_fd);
        q->event_fd = -EBADF;
        if (q->lock_initialized)
                pthread_mutex_destroy(&q->lock);
        q->lock_initialized = false;
}

static bool grow(struct watch_queue *q)
{
        if (q->n < q->n_alloc)
                return true;
        size_t n = q->n_alloc ? q->n_alloc * 2 : 16;
        struct watch_event *e = reallocarray(q->events, n, sizeof(*e));
        if (!e)
                return false;
        q->events = e;
        q->n_alloc = n;
        return true;
}

bool watch_queue_push(struct watch_queue *q, enum watch_event_type type, const char *root,
                      const char *path)
{
        _cleanup_free_ char *r = root ? strdup(root) : NULL;
        _cleanup_free_ char *p = path ? strdup(path) : NULL;
        bool ok = (!root || r) && (!path || p), lost = false;

        pthread_mutex_lock(&q->lock);
        if (q->collapsed) {
                /* A rescan of every root is queued already: it covers this too. */
        } else if (ok && q->n < QUEUE_MAX && grow(q)) {
                q->events[q->n++] = (struct watch_event){
                        .type = type, .root = TAKE_PTR(r), .path = TAKE_PTR(p)};
        } else if (q->n_alloc > 0) {
                /* The main loop does not keep up, or memory ran out: replace the backlog by
                 * one rescan of every root, as the kernel does with IN_Q_OVERFLOW. */
                events_clear(q->events, q->n);
                q->events[0] = (struct watch_event){.type = WATCH_RESCAN};
                q->n = 1;
                q->collapsed = true;
        } else
                lost = true;
        if (q->n > 0) {
                uint64_t one = 1;
                (void)!write(q->event_fd, &one, sizeof(one));
        }
        pthread_mutex_unlock(&q->lock);
        return !lost;
}

void watch_queue_drain(struct watch_queue *q, struct watch_event **ret, size_t *ret_n)
{
        pthread_mutex_lock(&q->lock);
        uint64_t counter;
        (void)!read(q->event_fd, &counter, sizeof(counter)); /* EAGAIN: nothing was queued */
        struct watch_event *e = TAKE_PTR(q->events);
        size_t n = q->n;
        q->n = q->n_alloc = 0;
        q->collapsed = false;
        pthread_mutex_unlock(&q->lock);

        if (n == 0) {
                free(e);
                e = NULL;
        }
        *ret = e;
        *ret_n = n;
}
