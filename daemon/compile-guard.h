/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "compile.h"
#include "diag.h"

/* A deadline on compiles (issue 10, defect 2). libseccomp's rule adds grow faster than
 * linearly and cannot be interrupted: one rule of 60,000 repeated names takes 37 s, 97 rules
 * of six argument comparisons on one syscall for x86_64, x86 and x32 take 2 s. So a compile
 * runs in a child process (fork: the resolved profile is already in memory), killed with
 * SIGKILL when `timeout_ms` has passed, while the calling thread only waits on a pipe, unless
 * the profile is small: at most `inline_max_names` names and `inline_max_conditions` argument
 * comparisons (names x args). Every profile of the third-party corpus is (at most 479 names
 * and 12 comparisons); the slowest small shape found, ten rules of six comparisons on one
 * syscall for three arches, compiles in 0.08 s. Small compiles run in the calling thread, as
 * a child costs about 10 ms more.
 *
 * At most `max_children` child compiles run at once. A caller that may wait (a pool worker)
 * waits for a slot; one that may not (an HTTP thread) gets -EAGAIN at once.
 * compile_guard_cancel() kills every child and makes later compiles fail with -ECANCELED: the
 * daemon calls it first when it stops, so no thread waits for a compile. */

#define COMPILE_GUARD_INLINE_MAX_NAMES      1024
#define COMPILE_GUARD_INLINE_MAX_CONDITIONS 64
#define COMPILE_GUARD_TIMEOUT_DEFAULT_MS    10000

struct compile_guard {
        pthread_mutex_t lock;
        pthread_cond_t freed; /* a slot was freed, or cancel */
        size_t inline_max_names, inline_max_conditions;
        unsigned timeout_ms;
        unsigned max_children;
        pid_t *children; /* max_children slots, 0 when free */
        unsigned n_children;
        bool cancelled;
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
