/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inotifytools/inotifytools.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "macro.h"
#include "watch-inotify.h"
#include "watch-mounts.h"
#include "watch-queue.h"
#include "watch-records.h"
#include "watcher.h"

/* One mask for every watch, ancestors of missing roots included: inotify_add_watch() on an
 * inode this instance already watches returns the same wd and replaces its mask, so two
 * masks would undo each other where roots overlap. IN_CREATE is only used to pick up new
 * subdirectories, symlinks, FIFOs and devices: a new regular file is complete at
 * IN_CLOSE_WRITE. */
#define WATCH_MASK                                                                                 \
        (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DELETE_SELF |   \
         IN_MOVE_SELF | IN_ONLYDIR)

#define ANCESTOR_STEPS_MAX 64    /* directories created in a row above a missing root */
#define DEFERRED_EVERY     512   /* events handled between two rounds of deferred work */
#define MISSING_CHECK_MS   1000  /* while a root is missing */
#define IDENTITY_CHECK_MS  10000 /* renaming an ancestor of a root gives its watch no event */

struct watched_root {
        char *name;
        char *path; /* absolute, no trailing '/' */
        bool recursive;
        bool present; /* watched; otherwise waited for through its nearest ancestor */
        dev_t dev;    /* the directory that is watched, to notice it being replaced */
        ino_t ino;
        int last_error;           /* of the last failed attempt, logged once */
        uint64_t mounts;          /* root_mounts(): mounts at, below or above it */
        bool gone, check, rescan; /* deferred work, collected while a batch is handled */
};

struct watcher {
        struct watched_root *roots;
        size_t n_roots;
        unsigned max_depth; /* levels below a root: bind mounts can make a tree endless */

        /* Used by the thread only, and by watcher_start() before the thread exists. */
        bool initialized;
        int inotify_fd;    /* libinotifytools' own: borrowed, closed by inotifytools_cleanup() */
        struct wrecs recs; /* the watched directories, by wd */
        bool overflowed;   /* events were lost: resync every root, then one WATCH_RESCAN */
        int mounts_fd;     /* /proc/self/mountinfo, or -EBADF: mounts are not followed */

        bool started;
        pthread_t thread;
        int wake_fd;
        bool stopping; /* atomic */
        bool resync;   /* atomic: watcher_resync() asked for a walk of every root */

        struct watch_queue queue; /* to the main loop */

        uint64_t n_overflows, n_events; /* atomic */
};

/* libinotifytools keeps its instance, watch table and read buffer in globals. */
static bool watcher_exists;

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *path_join(const char *dir, const char *name)
{
        char *p;
        if (asprintf(&p, "%s%s%s", dir, streq(dir, "/") ? "" : "/", name) < 0)
                return NULL;
        return p;
}

static bool is_symlink(const char *path)
{
        struct stat st;
        return lstat(path, &st) >= 0 && S_ISLNK(st.st_mode);
}

/* Complete once created, with no IN_CLOSE_WRITE to wait for: a symlink, and a FIFO, device
 * or socket (reported so that the watch lists it refused, as a scan does). */
static bool complete_at_create(const char *path)
{
        struct stat st;
        return lstat(path, &st) >= 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static void push(struct watcher *w, enum watch_event_type type, const char *root, const char *path)
{
        if (!watch_queue_push(&w->queue, type, root, path))
                w->overflowed = true; /* nothing could be queued: resync after this batch */
}

/* IN_IGNORED: the kernel dropped the watch, so its records go without inotify_rm_watch(). */
static void recs_forget_wd(struct watcher *w, int wd)
{
        for (size_t i = wrecs_lower(&w->recs, wd); i < w->recs.n && w->recs.v[i].wd == wd;) {
                struct wrec *e = &w->recs.v[i];
                if (e->ancestor)
                        e->root->check = true;
                else if (e->depth == 0 && e->root->present)
                        e->root->gone = true; /* e.g. its filesystem was unmounted */
                wrecs_remove_at(&w->recs, i);
        }
}

/* ---- walking roots ---- */

static int watch_dir(struct watcher *w, struct watched_root *r, const char *path, unsigned depth)
{
        /* The root itself may be a symlink (an /etc path pointing elsewhere); below it, a
         * symlink is a file the daemon judges, never a directory to descend into. */
        uint32_t mask = WATCH_MASK | (depth > 0 ? IN_DONT_FOLLOW : 0);
        int wd = inotify_add_watch(w->inotify_fd, path, mask);
        if (wd < 0)
                return -errno;
        int k = wrecs_set(&w->recs, wd, r, path, depth, false);
        if (k < 0) {
                wrecs_release_wd(&w->recs, wd);
                return k;
        }
        return wd;
}

/* Watches directory `path` of root r and, when r is recursive, every directory below it,
 * each before it is listed so that nothing created meanwhile is missed. With `report`, every
 * file found is queued as changed: it may have landed before the watch existed. Failures
 * below `path` are logged and skipped; a failure on `path` itself is returned. */
static int walk(struct watcher *w, struct watched_root *r, const char *path, unsigned depth,
                bool report)
{
        if (depth > w->max_depth) {
                /* The daemon's scan of the root finds it too, and reports it: a walk that
                 * goes with a scan stays quiet; one of a directory that appeared says so. */
                log_debug("Not watching '%s': more than %u levels below root '%s'", path,
                          w->max_depth, r->name);
                if (report)
                        push(w, WATCH_TOO_DEEP, r->name, path);
                return 0;
        }
        int k = watch_dir(w, r, path, depth);
        if (k < 0 || !r->recursive)
                return k < 0 ? k : 0;

        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (depth > 0 ? O_NOFOLLOW : 0));
        if (fd < 0)
                return -errno;
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        if (!d) {
                k = -errno;
                close(fd);
                return k;
        }

        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue; /* ".", "..", and hidden entries, as for events */
                _cleanup_free_ char *child = path_join(path, de->d_name);
                if (!child)
                        return -ENOMEM;
                unsigned char type = de->d_type;
                if (type == DT_UNKNOWN) {
                        struct stat st;
                        if (lstat(child, &st) < 0)
                                continue;
                        type = S_ISDIR(st.st_mode)   ? DT_DIR
                               : S_ISLNK(st.st_mode) ? DT_LNK
                               : S_ISREG(st.st_mode) ? DT_REG
                                                     : DT_UNKNOWN;
                }
                if (type == DT_DIR) {
                        k = walk(w, r, child, depth + 1, report);
                        if (k < 0 && k != -ENOENT && k != -ENOTDIR)
                                log_warning_errno(k, "Failed to watch directory '%s'%s: %m", child,
                                                  k == -ENOSPC ? " (fs.inotify.max_user_watches)"
                                                               : "");
                } else if (report && (type == DT_REG || type == DT_LNK))
                        push(w, WATCH_CHANGED, r->name, child);
        }
        return 0;
}

/* (Re)builds the watches of root r from what is on disk now: directories renamed within it
 * keep their wd under their new path, those gone lose their watch. Returns 0, or -errno when
 * the root cannot be watched (it is then not present, and has no watches left). */
static int root_sync(struct watcher *w, struct watched_root *r)
{
        struct stat st;
        int k = 0;

        wrecs_mark_stale(&w->recs, r, false);
        if (stat(r->path, &st) < 0)
                k = -errno;
        else if (!S_ISDIR(st.st_mode))
                k = -ENOTDIR;
        else
                k = walk(w, r, r->path, 0, false);
        if (k < 0)
                wrecs_mark_stale(&w->recs, r, false);
        wrecs_sweep(&w->recs, r, false);

        r->present = k >= 0;
        if (k < 0)
                return k;
        r->dev = st.st_dev;
        r->ino = st.st_ino;
        return 0;
}

/* The closest existing directory above `path` (absolute). */
static char *nearest_dir(const char *path)
{
        char *p = strdup(path);
        if (!p)
                return NULL;
        for (;;) {
                char *slash = strrchr(p, '/');
                if (!slash || slash == p) {
                        strcpy(p, "/");
                        return p;
                }
                *slash = '\0';
                struct stat st;
                if (stat(p, &st) >= 0 && S_ISDIR(st.st_mode))
                        return p;
        }
}

/* For a missing root: watches it when it exists, else makes sure its nearest existing
 * ancestor is watched. Every directory created on the way down moves the ancestor watch one
 * step closer, so the loop ends when the ancestor was already watched before looking. */
static void root_check(struct watcher *w, struct watched_root *r)
{
        for (unsigned i = 0; i <= ANCESTOR_STEPS_MAX; i++) {
                int k = root_sync(w, r);
                if (k >= 0) {
                        r->last_error = 0;
                        wrecs_mark_stale(&w->recs, r, true);
                        wrecs_sweep(&w->recs, r, true);
                        push(w, WATCH_ROOT_BACK, r->name, NULL);
                        return;
                }
                if (k != -ENOENT && k != -ENOTDIR && k != r->last_error)
                        log_warning_errno(k, "Failed to watch root '%s' (%s), retrying: %m",
                                          r->name, r->path);
                r->last_error = k;

                _cleanup_free_ char *dir = nearest_dir(r->path);
                if (!dir)
                        return; /* the periodic check tries again */
                int wd = inotify_add_watch(w->inotify_fd, dir, WATCH_MASK);
                if (wd < 0)
                        return;
                bool known = false;
                for (size_t j = wrecs_lower(&w->recs, wd); j < w->recs.n && w->recs.v[j].wd == wd;
                     j++)
                        known = known || (w->recs.v[j].root == r && w->recs.v[j].ancestor);
                wrecs_mark_stale(&w->recs, r, true);
                if (wrecs_set(&w->recs, wd, r, dir, 0, true) < 0)
                        wrecs_release_wd(&w->recs, wd);
                wrecs_sweep(&w->recs, r, true);
                if (known)
                        return;
        }
}

static void root_gone(struct watcher *w, struct watched_root *r)
{
        wrecs_mark_stale(&w->recs, r, false);
        wrecs_sweep(&w->recs, r, false);
        r->present = false;
        push(w, WATCH_ROOT_GONE, r->name, NULL);
        root_check(w, r); /* it may be back already: a directory swapped in by rename */
}

/* ---- events ---- */

static void handle_entry(struct watcher *w, struct watched_root *r, const char *dir, unsigned depth,
                         const struct inotify_event *ev)
{
        bool isdir = ev->mask & IN_ISDIR;
        _cleanup_free_ char *path = path_join(dir, ev->name);
        if (!path) {
                w->overflowed = true;
                return;
        }

        if (ev->name[0] == '.') {
                /* Dot names are temporary files (editors, ".foo.json.swp" of atomic writers)
                 * and are never reported. But renaming a dot-named symlink or directory into
                 * place is how kubelet's AtomicWriter (ConfigMap volumes: foo.json ->
                 * ..data/foo.json) swaps every file at once, with no event on the files. */
                if ((ev->mask & IN_MOVED_TO) && (isdir || is_symlink(path)))
                        r->rescan = true;
                return;
        }

        if (isdir) {
                if (!r->recursive)
                        return;
                if (ev->mask & IN_CREATE) {
                        int k = walk(w, r, path, depth + 1, true);
                        if (k < 0 && k != -ENOENT && k != -ENOTDIR)
                                log_warning_errno(k, "Failed to watch directory '%s': %m", path);
                } else if (ev->mask & (IN_MOVED_FROM | IN_MOVED_TO))
                        r->rescan = true; /* renamed: every path below it changed */
                else if (ev->mask & IN_DELETE)
                        push(w, WATCH_REMOVED, r->name, path);
                return;
        }

        if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
                push(w, WATCH_CHANGED, r->name, path);
        else if ((ev->mask & IN_CREATE) && complete_at_create(path))
                push(w, WATCH_CHANGED, r->name, path);
        else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
                push(w, WATCH_REMOVED, r->name, path);
}

static void handle_event(struct watcher *w, const struct inotify_event *ev)
{
        __atomic_add_fetch(&w->n_events, 1, __ATOMIC_RELAXED);

        if (ev->mask & IN_Q_OVERFLOW) {
                __atomic_add_fetch(&w->n_overflows, 1, __ATOMIC_RELAXED);
                w->overflowed = true;
                return;
        }
        if (ev->mask & IN_IGNORED) {
                recs_forget_wd(w, ev->wd);
                return;
        }

        /* A new subdirectory adds records while this one is handled: work on a copy. */
        size_t first = wrecs_lower(&w->recs, ev->wd), n = 0;
        while (first + n < w->recs.n && w->recs.v[first + n].wd == ev->wd)
                n++;
        if (n == 0)
                return; /* a watch dropped a moment ago */
        struct wrec *m = calloc(n, sizeof(*m));
        if (!m) {
                w->overflowed = true;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                m[i] = w->recs.v[first + i];
                m[i].path = strdup(m[i].path);
        }

        for (size_t i = 0; i < n; i++) {
                struct watched_root *r = m[i].root;
                if (!m[i].path)
                        w->overflowed = true;
                else if (m[i].ancestor)
                        r->check = true;
                else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                        /* Below the root, the parent's IN_DELETE/IN_MOVED_FROM says it all. */
                        if (m[i].depth == 0)
                                r->gone = true;
                } else if (ev->len > 0 && ev->name[0])
                        handle_entry(w, r, m[i].path, m[i].depth, ev);
                free(m[i].path);
        }
        free(m);
}

/* Work that changes the set of watches, done between events rather than while a wd's
 * records are being walked. */
static void process_deferred(struct watcher *w)
{
        bool all = w->overflowed;
        w->overflowed = false;

        for (size_t i = 0; i < w->n_roots; i++) {
                struct watched_root *r = &w->roots[i];
                bool gone = r->gone, check = r->check, rescan = r->rescan;
                r->gone = r->check = r->rescan = false;

                if (r->present && gone)
                        root_gone(w, r);
                else if (!r->present && (check || all))
                        root_check(w, r);
                else if (r->present && (rescan || all)) {
                        if (root_sync(w, r) < 0)
                                root_gone(w, r);
                        else if (!all)
                                push(w, WATCH_RESCAN, r->name, NULL);
                }
        }
        if (all) {
                log_warning("Lost inotify events (queue overflow), rescanning every root");
                push(w, WATCH_RESCAN, NULL, NULL);
        }
}

/* Missing roots are looked for again; present ones must still be the directory watched. */
static void tick(struct watcher *w)
{
        for (size_t i = 0; i < w->n_roots; i++) {
                struct watched_root *r = &w->roots[i];
                struct stat st;
                if (!r->present)
                        root_check(w, r);
                else if (stat(r->path, &st) < 0 || st.st_dev != r->dev || st.st_ino != r->ino)
                        root_gone(w, r);
        }
}

/* ---- mounts ---- */

/* What the mount table says of root r: the mounts at, below or above its path, and its
 * realpath when that differs (a root that is a symlink). */
static uint64_t root_mounts(const struct watched_root *r, const char *table)
{
        uint64_t h = watch_mounts_fingerprint(table, r->path);
        _cleanup_free_ char *real = realpath(r->path, NULL);
        if (real && !streq(real, r->path))
                h = h * 31 + watch_mounts_fingerprint(table, real);
        return h;
}

/* The mount table changed (POLLPRI on mountinfo): inotify saw nothing of it. A root whose
 * mounts changed is walked again, so that a directory mounted over is watched (and the one
 * underneath is no longer), and rescanned. `init`: only record the fingerprints. */
static void mounts_changed(struct watcher *w, bool init)
{
        _cleanup_free_ char *table = NULL;
        if (w->mounts_fd < 0 || watch_mounts_read(w->mounts_fd, &table) < 0)
                return;
        for (size_t i = 0; i < w->n_roots; i++) {
                struct watched_root *r = &w->roots[i];
                uint64_t h = root_mounts(r, table);
                if (!init && h != r->mounts) {
                        log_info("Mounts changed at or below root '%s' (%s): walking it again",
                                 r->name, r->path);
                        if (r->present)
                                r->rescan = true;
                        else
                                r->check = true;
                }
                r->mounts = h;
        }
        if (!init)
                process_deferred(w);
}

/* watcher_resync(): every root walked again; one whose watches changed is rescanned. */
static void resync_all(struct watcher *w)
{
        for (size_t i = 0; i < w->n_roots; i++) {
                struct watched_root *r = &w->roots[i];
                uint64_t before = w->recs.changed;
                if (!r->present)
                        root_check(w, r);
                else if (root_sync(w, r) < 0)
                        root_gone(w, r);
                else if (w->recs.changed != before)
                        push(w, WATCH_RESCAN, r->name, NULL);
        }
}

static bool any_missing(const struct watcher *w)
{
        for (size_t i = 0; i < w->n_roots; i++)
                if (!w->roots[i].present)
                        return true;
        return false;
}

static bool stopping(struct watcher *w)
{
        return __atomic_load_n(&w->stopping, __ATOMIC_ACQUIRE);
}

/* Handles every event the library has read or can read without waiting. Its buffer must be
 * empty before poll(), which only sees the kernel's queue. */
static int pump(struct watcher *w)
{
        for (unsigned n = 1; !stopping(w); n++) {
                /* A timeout of 0 polls; inotifytools_next_event(0) would block for ever. */
                struct inotify_event *ev = inotifytools_next_events(0, 1);
                if (!ev) {
                        int e = inotifytools_error();
                        process_deferred(w);
                        return e > 0 && e != EINTR ? -e : 0;
                }
                handle_event(w, ev);
                if (n % DEFERRED_EVERY == 0)
                        process_deferred(w);
        }
        return 0;
}

static void *watcher_thread(void *userdata)
{
        struct watcher *w = userdata;
        uint64_t last_tick = now_ms();
        bool failing = false;

        while (!stopping(w)) {
                int k = pump(w);
                if (k < 0 && !failing)
                        log_error_errno(k, "Failed to read inotify events, retrying: %m");
                failing = k < 0;

                uint64_t now = now_ms();
                uint64_t period = any_missing(w) ? MISSING_CHECK_MS : IDENTITY_CHECK_MS;
                if (now - last_tick >= period) {
                        tick(w);
                        last_tick = now;
                        period = any_missing(w) ? MISSING_CHECK_MS : IDENTITY_CHECK_MS;
                }

                struct pollfd p[3] = {
                        {.fd = w->wake_fd, .events = POLLIN},
                        {.fd = failing ? -1 : w->inotify_fd, .events = POLLIN},
                        {.fd = w->mounts_fd, .events = POLLPRI},
                };
                int timeout = failing ? 1000 : (int)(last_tick + period - now);
                if (poll(p, ELEMENTSOF(p), timeout) < 0 && errno != EINTR) {
                        log_error_errno(-errno, "Failed to wait for inotify events: %m");
                        break;
                }
                if (stopping(w))
                        break;
                uint64_t n;
                if (p[0].revents & POLLIN)
                        (void)!read(w->wake_fd, &n, sizeof(n));
                /* Events queued before are handled first: the walk starts from them. */
                if (__atomic_exchange_n(&w->resync, false, __ATOMIC_ACQ_REL)) {
                        (void)pump(w);
                        resync_all(w);
                }
                if (p[2].revents & (POLLPRI | POLLERR)) {
                        (void)pump(w);
                        mounts_changed(w, false);
                }
        }
        return NULL;
}

/* ---- API ---- */

int watcher_new(struct watcher **ret)
{
        if (!ret)
                return -EINVAL;
        if (__atomic_exchange_n(&watcher_exists, true, __ATOMIC_ACQ_REL))
                return -EBUSY;

        struct watcher *w = calloc(1, sizeof(*w));
        if (!w) {
                __atomic_store_n(&watcher_exists, false, __ATOMIC_RELEASE);
                return -ENOMEM;
        }
        w->inotify_fd = w->wake_fd = w->mounts_fd = -EBADF;
        w->max_depth = CONFIG_MAX_DEPTH_DEFAULT;

        int k = watch_queue_init(&w->queue);
        if (k < 0) {
                watcher_free(w);
                return k;
        }
        w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->wake_fd < 0) {
                k = -errno;
                watcher_free(w);
                return k;
        }
        *ret = w;
        return 0;
}

int watcher_add_root(struct watcher *w, const char *name, const char *path, bool recursive)
{
        if (!w || !name || !path)
                return -EINVAL;
        if (w->started || w->initialized)
                return -EBUSY;
        if (!name[0] || strchr(name, '/') || path[0] != '/' || strlen(path) >= PATH_MAX)
                return -EINVAL;
        for (size_t i = 0; i < w->n_roots; i++)
                if (streq(w->roots[i].name, name))
                        return -EEXIST;

        _cleanup_free_ char *n = strdup(name);
        _cleanup_free_ char *p = strdup(path);
        if (!n || !p)
                return -ENOMEM;
        for (size_t l = strlen(p); l > 1 && p[l - 1] == '/'; l--)
                p[l - 1] = '\0';

        struct watched_root *roots = reallocarray(w->roots, w->n_roots + 1, sizeof(*roots));
        if (!roots)
                return -ENOMEM;
        w->roots = roots;
        w->roots[w->n_roots++] = (struct watched_root){
                .name = TAKE_PTR(n), .path = TAKE_PTR(p), .recursive = recursive};
        return 0;
}

int watcher_set_max_depth(struct watcher *w, unsigned depth)
{
        if (!w || depth == 0)
                return -EINVAL;
        if (w->started || w->initialized)
                return -EBUSY;
        w->max_depth = depth;
        return 0;
}

int watcher_start(struct watcher *w)
{
        if (!w)
                return -EINVAL;
        if (w->started || w->initialized)
                return -EBUSY;

        int k = watch_inotify_open(&w->initialized, &w->inotify_fd);
        if (k < 0)
                return k;
        w->recs.inotify_fd = w->inotify_fd;

        for (size_t i = 0; i < w->n_roots; i++) {
                struct watched_root *r = &w->roots[i];
                k = root_sync(w, r);
                if (k == -ENOENT || k == -ENOTDIR)
                        root_check(w, r); /* wait for it; it may have appeared meanwhile */
                else if (k < 0)
                        return log_error_errno(k, "Failed to watch root '%s' (%s): %m", r->name,
                                               r->path);
        }

        w->mounts_fd = watch_mounts_open();
        if (w->mounts_fd < 0)
                log_warning_errno(w->mounts_fd, "Failed to open /proc/self/mountinfo, mounts "
                                                "under the roots are not followed: %m");
        mounts_changed(w, true);

        /* The thread takes no signal: those are the main loop's (signalfd). */
        sigset_t all, saved;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        k = -pthread_create(&w->thread, NULL, watcher_thread, w);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (k < 0)
                return k;
        (void)pthread_setname_np(w->thread, "seccompd-watch");
        w->started = true;
        return 0;
}

int watcher_resync(struct watcher *w)
{
        uint64_t one = 1;
        if (!w || !w->started)
                return -EINVAL;
        __atomic_store_n(&w->resync, true, __ATOMIC_RELEASE);
        return write(w->wake_fd, &one, sizeof(one)) < 0 ? -errno : 0;
}

int watcher_fd(const struct watcher *w)
{
        return w ? w->queue.event_fd : -EINVAL;
}

int watcher_drain(struct watcher *w, struct watch_event **ret, size_t *ret_n)
{
        if (!w || !ret || !ret_n)
                return -EINVAL;

        watch_queue_drain(&w->queue, ret, ret_n);
        return 0;
}

uint64_t watcher_overflows(const struct watcher *w)
{
        return w ? __atomic_load_n(&w->n_overflows, __ATOMIC_RELAXED) : 0;
}

uint64_t watcher_events(const struct watcher *w)
{
        return w ? __atomic_load_n(&w->n_events, __ATOMIC_RELAXED) : 0;
}

struct watcher *watcher_free(struct watcher *w)
{
        if (!w)
                return NULL;

        if (w->started) {
                uint64_t one = 1;
                __atomic_store_n(&w->stopping, true, __ATOMIC_RELEASE);
                (void)!write(w->wake_fd, &one, sizeof(one));
                pthread_join(w->thread, NULL);
        }
        if (w->initialized)
                inotifytools_cleanup(); /* closes inotify_fd, dropping every watch */

        wrecs_done(&w->recs);
        for (size_t i = 0; i < w->n_roots; i++) {
                free(w->roots[i].name);
                free(w->roots[i].path);
        }
        free(w->roots);
        watch_queue_done(&w->queue);
        closep(&w->wake_fd);
        closep(&w->mounts_fd);
        free(w);

        __atomic_store_n(&watcher_exists, false, __ATOMIC_RELEASE);
        return NULL;
}
