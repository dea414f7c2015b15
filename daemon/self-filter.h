/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The daemon's own seccomp filter (issue 10, deliverable 5): once the daemon is initialised
 * (roots resolved, socket bound, threads started), it compiles `path` (a profile of the
 * shipped format, profiles/seccompd-self.json) with its own engine for the host's default
 * context and loads it into every thread of the process (SECCOMP_FILTER_FLAG_TSYNC; threads
 * created later inherit it). The profile's default action must be SCMP_ACT_ERRNO: a syscall
 * the profile misses fails with that errno and is logged where it fails; it never kills the
 * daemon. Returns 0, or a negative errno after logging why (the daemon then refuses to run:
 * a daemon asked to confine itself does not run unconfined). */
int self_filter_load(const char *path);
