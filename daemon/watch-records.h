/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The watcher's table of watched directories: which inotify watch (wd) stands for which
 * directory of which root. Several records share a wd where roots overlap, or where one
 * directory is the ancestor several missing roots wait behind; a kernel watch is dropped
 * once no record needs it. Used by the watcher's thread only (and by watcher_start() before
 * the thread exists): no lock. */

struct watched_root; /* the watcher's (watcher.c) */

struct wrec {
        int wd;
        struct watched_root *root; /* borrowed: the watcher's roots never move once started */
        char *path;
        unsigned depth; /* 0: the root itself */
        bool ancestor;  /* only watched to see a missing root appear */
        bool stale;     /* not confirmed by the walk in progress */
};

struct wrecs {
        struct wrec *v; /* sorted by wd */
        size_t n, n_alloc;
        uint64_t changed; /* records added, moved or dropped: a walk changed something */
        int inotify_fd;   /* borrowed: where kernel watches are dropped */
};

/* The index of the first record of `wd` (or where it would go). */
size_t wrecs_lower(const struct wrecs *s, int wd);
/* Records that `wd` is `path` of root r, or updates the record that already says so.
 * Returns 0 or -ENOMEM. */
int wrecs_set(struct wrecs *s, int wd, struct watched_root *r, const char *path, unsigned depth,
              bool ancestor);
/* Removes record i (its kernel watch stays: see wrecs_release_wd()). */
void wrecs_remove_at(struct wrecs *s, size_t i);
/* Drops the kernel watch `wd` once no record needs it. */
void wrecs_release_wd(struct wrecs *s, int wd);
/* A walk of root r starts: its records (ancestors or not) are stale until confirmed ... */
void wrecs_mark_stale(struct wrecs *s, const struct watched_root *r, bool ancestor);
/* ... and when it ends, the ones still stale go, with the kernel watches no one needs. */
void wrecs_sweep(struct wrecs *s, const struct watched_root *r, bool ancestor);
/* Frees every record (the kernel watches go with the inotify instance). */
void wrecs_done(struct wrecs *s);
