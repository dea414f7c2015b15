/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Watches the profile roots with libinotifytools in one thread of its own (the library keeps
 * its state in globals, so there is at most one watcher per process) and queues what it sees
 * for the main loop, which polls watcher_fd() and calls watcher_drain().
 *
 * Events say what to look at again, never what a file contains: the consumer reads the file
 * itself, and must expect repeats (a file can be reported by a directory listing and by its
 * IN_CLOSE_WRITE) and events for files that are gone again by the time it looks. */

enum watch_event_type {
        WATCH_CHANGED,   /* a file was closed after writing, moved in, or is a new symlink */
        WATCH_REMOVED,   /* a file was deleted or moved out; a directory path: all below it */
        WATCH_ROOT_GONE, /* the root directory itself was deleted or moved away */
        WATCH_ROOT_BACK, /* a missing root exists (and is watched) now: scan it */
        WATCH_RESCAN,    /* rescan this root (root NULL: every root), e.g. after an overflow */
        WATCH_TOO_DEEP,  /* a new directory deeper than the depth limit: neither watched nor
                          * walked, so what it holds is not reported */
        _WATCH_EVENT_TYPE_MAX,
};

const char *watch_event_type_to_string(enum watch_event_type t);
/* Returns the type, or -EINVAL. */
int watch_event_type_from_string(const char *s);

struct watch_event {
        enum watch_event_type type;
        char *root; /* root name; NULL: every root (WATCH_RESCAN only) */
        char *path; /* absolute path of the file or directory; NULL for root-level events */
};

struct watcher;

/* Allocates a watcher; nothing is watched or started yet. Returns 0, -EBUSY when another
 * watcher exists in this process, or -errno. */
int watcher_new(struct watcher **ret);

/* Adds a root: a name (no '/'), an absolute directory and whether subdirectories count. A
 * directory that does not exist (yet) is waited for: its nearest existing ancestor is
 * watched, and checked again every second, and WATCH_ROOT_BACK is queued once it is watched.
 * Only before watcher_start(). Returns 0, -EINVAL, -EEXIST (name taken), -EBUSY (started). */
int watcher_add_root(struct watcher *w, const char *name, const char *path, bool recursive);

/* How many directory levels below a root are watched (the root is level 0, its
 * subdirectories level 1); a directory deeper than that is left alone, and reported as
 * WATCH_TOO_DEEP when it appears while watched. Default CONFIG_MAX_DEPTH_DEFAULT (conf.h),
 * the limit the daemon's scans use too. Only before watcher_start(). Returns 0, -EINVAL
 * (0), -EBUSY (started). */
int watcher_set_max_depth(struct watcher *w, unsigned depth);

/* Creates the inotify instance (the kernel reads fs.inotify.max_queued_events now), puts the
 * watches of every existing root in place and starts the thread: whatever changes after it
 * returns is reported. Call it early, while few fds are open: libinotifytools 3.22 waits with
 * select(), so its fd must stay below FD_SETSIZE (-EMFILE otherwise). Logs which root could
 * not be watched. Returns 0 or -errno; on failure only watcher_free() is left to call. */
int watcher_start(struct watcher *w);

/* Walks every root again from what is on disk now (any thread, once started): what a
 * reload does, so that whatever the watches missed is watched again. A root whose watches
 * changed gets a WATCH_RESCAN. Mounts under, over or above a root are followed without it
 * (/proc/self/mountinfo): a change walks and rescans the root. Returns 0 or -errno. */
int watcher_resync(struct watcher *w);

/* An eventfd that is readable while events are queued: watch it for EPOLLIN. Owned by w. */
int watcher_fd(const struct watcher *w);

/* Takes every queued event, oldest first, and clears the fd's readiness. *ret is NULL when
 * nothing is queued. The caller owns the array: free it with watch_events_free(). */
int watcher_drain(struct watcher *w, struct watch_event **ret, size_t *ret_n);
void watch_events_free(struct watch_event *e, size_t n);

/* Counters for metrics, readable from any thread: IN_Q_OVERFLOW seen, raw inotify events. */
uint64_t watcher_overflows(const struct watcher *w);
uint64_t watcher_events(const struct watcher *w);

/* Stops and joins the thread (promptly: it waits on a wake-up fd too), drops the inotify
 * instance and frees everything, queued events included. Accepts NULL and a watcher that
 * failed half-way. Returns NULL. */
struct watcher *watcher_free(struct watcher *w);
