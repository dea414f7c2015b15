/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "pool.h"

struct pool {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        pthread_t *threads;
        unsigned n_threads;
        unsigned n_alive;      /* threads not yet returned from worker() */
        pthread_cond_t exited; /* signalled as each one returns (CLOCK_MONOTONIC) */
        struct pool_work *queue_head, *queue_tail;
        struct pool_work *done;
        unsigned pending;
        bool stopping;
        int efd;
};

static void *worker(void *arg)
{
        struct pool *p = arg;
        for (;;) {
                pthread_mutex_lock(&p->lock);
                while (!p->queue_head && !p->stopping)
                        pthread_cond_wait(&p->cond, &p->lock);
                if (p->stopping) {
                        p->n_alive--;
                        pthread_cond_broadcast(&p->exited);
                        pthread_mutex_unlock(&p->lock);
                        return NULL;
                }
                struct pool_work *w = p->queue_head;
                p->queue_head = w->next;
                if (!p->queue_head)
                        p->queue_tail = NULL;
                pthread_mutex_unlock(&p->lock);

                w->run(w);

                pthread_mutex_lock(&p->lock);
                /* Only the first of a batch wakes the loop: the ones added before it takes
                 * the list are dispatched with it (a start of 10,000 profiles made 10,000
                 * writes and as many wake-ups of the loop). */
                bool wake = !p->done;
                w->next = p->done;
                p->done = w;
                pthread_mutex_unlock(&p->lock);
                uint64_t one = 1;
                if (wake)
                        (void)!write(p->efd, &one, sizeof(one));
        }
}

int pool_new(unsigned n_threads, struct pool **ret)
{
        if (n_threads == 0) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                n_threads = n > 0 ? (unsigned)n : 1;
        }
        struct pool *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (p->efd < 0) {
                free(p);
                return -errno;
        }
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->cond, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&p->exited, &ca);
        pthread_condattr_destroy(&ca);
        p->threads = calloc(n_threads, sizeof(pthread_t));
        if (!p->threads) {
                pool_free(p);
                return -ENOMEM;
        }
        for (unsigned i = 0; i < n_threads; i++) {
                pthread_mutex_lock(&p->lock);
                p->n_alive++;
                pthread_mutex_unlock(&p->lock);
                int r = pthread_create(&p->threads[i], NULL, worker, p);
                if (r != 0) {
                        pthread_mutex_lock(&p->lock);
                        p->n_alive--;
                        pthread_mutex_unlock(&p->lock);
                        pool_free(p);
                        return -r;
                }
                p->n_threads++;
        }
        *ret = p;
        return 0;
}

unsigned pool_stop(struct pool *p, unsigned grace_ms)
{
        if (!p || p->n_threads == 0)
                return 0;
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += grace_ms / 1000;
        deadline.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        pthread_cond_broadcast(&p->cond);
        while (p->n_alive > 0 &&
               (grace_ms == POOL_WAIT_FOREVER
                        ? pthread_cond_wait(&p->exited, &p->lock)
                        : pthread_cond_timedwait(&p->exited, &p->lock, &deadline)) != ETIMEDOUT)
                ;
        unsigned alive = p->n_alive;
        pthread_mutex_unlock(&p->lock);
        for (unsigned i = 0; i < p->n_threads; i++)
                if (alive == 0)
                        pthread_join(p->threads[i], NULL);
                else
                        pthread_detach(p->threads[i]);
        p->n_threads = 0;
        return alive;
}

struct pool *pool_free(struct pool *p)
{
        if (!p)
                return NULL;
        (void)pool_stop(p, POOL_WAIT_FOREVER);
        /* Queued work never ran and finished work was never applied: let `done` free it. */
        for (struct pool_work *w = p->queue_head, *n; w; w = n) {
                n = w->next;
                w->done(w);
        }
        p->queue_head = NULL;
        pool_dispatch_done(p);
        free(p->threads);
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        pthread_cond_destroy(&p->exited);
        close(p->efd);
        free(p);
        return NULL;
}

int pool_submit(struct pool *p, struct pool_work *w)
{
        w->next = NULL;
        pthread_mutex_lock(&p->lock);
        if (p->queue_tail)
                p->queue_tail->next = w;
        else
                p->queue_head = w;
        p->queue_tail = w;
        p->pending++;
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
        return 0;
}

void pool_kick(struct pool *p)
{
        uint64_t one = 1;
        (void)!write(p->efd, &one, sizeof(one));
}

int pool_fd(const struct pool *p)
{
        return p->efd;
}

unsigned pool_dispatch_done(struct pool *p)
{
        uint64_t v;
        (void)!read(p->efd, &v, sizeof(v));
        pthread_mutex_lock(&p->lock);
        struct pool_work *list = p->done;
        p->done = NULL;
        pthread_mutex_unlock(&p->lock);
        unsigned n = 0;
        while (list) {
                struct pool_work *next = list->next;
                list->done(list);
                list = next;
                n++;
        }
        pthread_mutex_lock(&p->lock);
        p->pending -= n <= p->pending ? n : p->pending;
        pthread_mutex_unlock(&p->lock);
        return n;
}

unsigned pool_pending(struct pool *p)
{
        pthread_mutex_lock(&p->lock);
        unsigned n = p->pending;
        pthread_mutex_unlock(&p->lock);
        return n;
}
