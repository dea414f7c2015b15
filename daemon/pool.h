/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A small pool of compile threads, sized to the cores. Work runs on a pool thread; `done`
 * then runs on the main loop (the thread that calls pool_dispatch_done, when pool_fd() is
 * readable), so results are applied where all state lives. */

struct pool;
struct pool_work {
        void (*run)(struct pool_work *w);  /* on a pool thread */
        void (*done)(struct pool_work *w); /* on the main loop; frees the work */
        struct pool_work *next;            /* owned by the pool */
};

int pool_new(unsigned n_threads, struct pool **ret);
struct pool *pool_free(struct pool *p); /* waits for running work; drops queued work (done) */
/* Stops the threads without freeing the pool: idle ones return at once; a thread still running
 * work after `grace_ms` (POOL_WAIT_FOREVER: no limit) is detached and abandoned, for a process
 * that is exiting and must not wait for a compile (issue 10, defect 2). Returns how many were
 * abandoned: when 0, pool_free() may follow (queued work is dropped there); otherwise the
 * abandoned threads still use the pool and what their work references, so none of it may be
 * freed. */
#define POOL_WAIT_FOREVER (~0U)
unsigned pool_stop(struct pool *p, unsigned grace_ms);
int pool_submit(struct pool *p, struct pool_work *w);
/* Makes the pool's fd readable, as a finished work does (any thread): the loop then runs
 * pool_dispatch_done(), with or without work done. */
void pool_kick(struct pool *p);
int pool_fd(const struct pool *p);
/* Runs `done` of every finished work item. Returns how many. */
unsigned pool_dispatch_done(struct pool *p);
/* Work submitted and not yet done. */
unsigned pool_pending(struct pool *p);
