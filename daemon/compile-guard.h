/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compile.h"
#include "diag.h"

/* A deadline on compiles (issue 10, defect 2). A profile that is not small (compile.h:
 * over 1,024 names or 64 argument comparisons) is compiled in a child process (fork: the
 * resolved profile is already in memory), killed with SIGKILL when `timeout_ms` has passed,
 * while the calling thread only waits on a pipe. Small ones run in the calling thread, as a
 * child costs about 10 ms more.
 *
 * At most `max_children` child compiles run at once. A caller that may wait (a pool worker)
 * waits for a slot; one that may not (an HTTP thread) gets -EAGAIN at once.
 * compile_guard_cancel() kills every child and makes later compiles fail with -ECANCELED: the
 * daemon calls it first when it stops, so no thread waits for a compile. */

#define COMPILE_GUARD_TIMEOUT_DEFAULT_MS 10000

struct compile_guard {
        pthread_mutex_t lock;
        pthread_cond_t freed; /* a slot was freed, or cancel */
        bool always_child;    /* tests: small compiles too */
        unsigned timeout_ms;
        unsigned max_children;
        pid_t *children; /* max_children slots, 0 when free */
        unsigned n_children;
        bool cancelled;
        uint64_t timeouts; /* compiles killed at the deadline (atomic) */
};

/* max_children 0: one per online core. timeout_ms 0: COMPILE_GUARD_TIMEOUT_DEFAULT_MS. */
int compile_guard_init(struct compile_guard *g, unsigned timeout_ms, unsigned max_children);
void compile_guard_done(struct compile_guard *g);
void compile_guard_cancel(struct compile_guard *g);

/* As compile_resolved(), under the guard. Beside its errors: -EINVAL with an error
 * diagnostic when the deadline passed (the profile is refused: it costs more than the bound),
 * -EAGAIN when `may_wait` is false and every child slot is busy, -ECANCELED after
 * compile_guard_cancel(), -EIO when the child died otherwise. */
int compile_guarded(struct compile_guard *g, const struct resolved *r,
                    const struct compile_options *o, bool may_wait, struct diag_list *diags,
                    struct blob **ret);
