/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The mount table, for the watcher: inotify sees nothing of a mount, yet a bind mount over
 * a directory (or a file) of a root replaces what is there. The kernel flags a change of
 * the mount table on /proc/self/mountinfo with POLLPRI (and POLLERR) for as long as the
 * table was not polled since: poll the fd with POLLPRI, then compare fingerprints. */

/* Opens /proc/self/mountinfo. Returns the fd or -errno. */
int watch_mounts_open(void);

/* Reads the whole table from `fd` (from its start). Returns 0 with a NUL-terminated copy in
 * *ret (the caller frees it), or -errno. */
int watch_mounts_read(int fd, char **ret);

/* A fingerprint of the mounts of `table` whose mount point is `path` (absolute, no trailing
 * '/'), below it or above it: what a mount or unmount there changes. */
uint64_t watch_mounts_fingerprint(const char *table, const char *path);
