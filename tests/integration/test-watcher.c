/* SPDX-License-Identifier: Apache-2.0 */
/* The watcher against real inotify on temporary directories. Nothing here sleeps: every
 * wait polls watcher_fd() until a deadline, and "nothing was reported" is proven with a
 * barrier file written afterwards, since one inotify queue keeps the order of events. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "macro.h"
#include "watcher.h"

#define DEADLINE_MS   10000
#define QUEUED_EVENTS "/proc/sys/fs/inotify/max_queued_events"

struct fixture {
        char tmp[64];
        char root[PATH_MAX];
        struct watcher *w;
        struct watch_event *ev; /* everything drained so far */
        size_t n_ev;
        unsigned barriers;
};

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *pathf(struct fixture *f, const char *fmt, ...) _printf_(2, 3);
static char *pathf(struct fixture *f, const char *fmt, ...)
{
        static char buf[64][PATH_MAX]; /* a ring: each test holds a few at once */
        static unsigned next;
        char *b = buf[next++ % ELEMENTSOF(buf)];
        va_list ap;
        va_start(ap, fmt);
        assert_true(vsnprintf(b, PATH_MAX, fmt, ap) < PATH_MAX);
        va_end(ap);
        return b;
}

static void write_file(const char *path, const char *content)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        assert_int_equal(close(fd), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void collect(struct fixture *f, int timeout_ms)
{
        struct pollfd p = {.fd = watcher_fd(f->w), .events = POLLIN};
        int k = poll(&p, 1, timeout_ms);
        assert_true(k >= 0 || errno == EINTR);
        if (k <= 0)
                return;

        struct watch_event *e;
        size_t n;
        assert_int_equal(watcher_drain(f->w, &e, &n), 0);
        if (n == 0)
                return;
        f->ev = reallocarray(f->ev, f->n_ev + n, sizeof(*f->ev));
        assert_non_null(f->ev);
        memcpy(f->ev + f->n_ev, e, n * sizeof(*e));
        f->n_ev += n;
        free(e); /* the strings moved over */
}

static void forget(struct fixture *f)
{
        watch_events_free(f->ev, f->n_ev);
        f->ev = NULL;
        f->n_ev = 0;
}

static size_t count(const struct fixture *f, enum watch_event_type t, const char *root,
                    const char *path)
{
        size_t n = 0;
        for (size_t i = 0; i < f->n_ev; i++)
                n += f->ev[i].type == t && streq_ptr(f->ev[i].root, root) &&
                     streq_ptr(f->ev[i].path, path);
        return n;
}

/* Polls until the event was seen, or fails the test at the deadline. */
static void wait_for(struct fixture *f, enum watch_event_type t, const char *root, const char *path)
{
        uint64_t deadline = now_ms() + DEADLINE_MS;
        while (count(f, t, root, path) == 0) {
                uint64_t now = now_ms();
                if (now >= deadline) {
                        for (size_t i = 0; i < f->n_ev; i++)
                                print_message("seen: %s %s %s\n",
                                              watch_event_type_to_string(f->ev[i].type),
                                              f->ev[i].root ?: "(all)", f->ev[i].path ?: "-");
                        fail_msg("no %s event for root %s path %s within %d ms",
                                 watch_event_type_to_string(t), root ?: "(all)", path ?: "-",
                                 DEADLINE_MS);
                }
                collect(f, (int)(deadline - now));
        }
}

/* Once the watcher reported a file written now, it has handled every earlier event. */
static void barrier(struct fixture *f, const char *dir)
{
        char *p = pathf(f, "%s/barrier-%u", dir, f->barriers++);
        write_file(p, "{}");
        wait_for(f, WATCH_CHANGED, "test", p);
}

static void start(struct fixture *f, const char *path, bool recursive)
{
        assert_int_equal(watcher_new(&f->w), 0);
        assert_int_equal(watcher_add_root(f->w, "test", path, recursive), 0);
        assert_int_equal(watcher_start(f->w), 0);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->tmp, "/tmp/test-watcher.XXXXXX");
        assert_non_null(mkdtemp(f->tmp));
        snprintf(f->root, sizeof(f->root), "%s/root", f->tmp);
        assert_int_equal(mkdir(f->root, 0755), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        watcher_free(f->w);
        forget(f);
        nftw(f->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static void test_watcher_new_is_exclusive(void **state)
{
        struct fixture *f = *state;
        struct watcher *other = NULL;

        assert_int_equal(watcher_new(&f->w), 0);
        assert_int_equal(watcher_new(&other), -EBUSY);
        assert_null(other);
        f->w = watcher_free(f->w);
        assert_int_equal(watcher_new(&f->w), 0);
}

static void test_watcher_add_root_checks(void **state)
{
        struct fixture *f = *state;
        struct watch_event *e = (void *)1;
        size_t n = 1;

        assert_int_equal(watcher_new(&f->w), 0);
        assert_int_equal(watcher_add_root(f->w, "rel", "relative/dir", true), -EINVAL);
        assert_int_equal(watcher_add_root(f->w, "a/b", f->root, true), -EINVAL);
        assert_int_equal(watcher_add_root(f->w, "", f->root, true), -EINVAL);
        assert_int_equal(watcher_add_root(f->w, "test", f->root, true), 0);
        assert_int_equal(watcher_add_root(f->w, "test", f->tmp, false), -EEXIST);
        assert_int_equal(watcher_start(f->w), 0);
        assert_int_equal(watcher_start(f->w), -EBUSY);
        assert_int_equal(watcher_add_root(f->w, "late", f->tmp, false), -EBUSY);

        assert_int_equal(watcher_drain(f->w, &e, &n), 0);
        assert_null(e);
        assert_int_equal(n, 0);
        assert_string_equal(watch_event_type_to_string(WATCH_ROOT_BACK), "root-back");
        assert_int_equal(watch_event_type_from_string("rescan"), WATCH_RESCAN);
        assert_int_equal(watch_event_type_from_string("nope"), -EINVAL);
}

static void test_watcher_free_is_prompt(void **state)
{
        struct fixture *f = *state;

        start(f, f->root, true);
        barrier(f, f->root); /* the thread is running, then idle in poll() */
        uint64_t t0 = now_ms();
        f->w = watcher_free(f->w);
        assert_true(now_ms() - t0 < 500);
}

static void test_watcher_changed_on_close_only(void **state)
{
        struct fixture *f = *state;
        char *p = pathf(f, "%s/new.json", f->root);

        start(f, f->root, true);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "{\"defaultAc", 11), 11);
        barrier(f, f->root); /* IN_CREATE of new.json was handled by now */
        assert_int_equal(count(f, WATCH_CHANGED, "test", p), 0);

        assert_int_equal(write(fd, "tion\":\"SCMP_ACT_ERRNO\"}", 23), 23);
        assert_int_equal(close(fd), 0);
        wait_for(f, WATCH_CHANGED, "test", p);
        barrier(f, f->root);
        assert_int_equal(count(f, WATCH_CHANGED, "test", p), 1);
        assert_true(watcher_events(f->w) >= 4);
        assert_int_equal(watcher_overflows(f->w), 0);
}

static void test_watcher_rename_in_and_out(void **state)
{
        struct fixture *f = *state;
        char *outside = pathf(f, "%s/outside.json", f->tmp);
        char *inside = pathf(f, "%s/moved.json", f->root);

        start(f, f->root, true);
        write_file(outside, "{}");
        assert_int_equal(rename(outside, inside), 0);
        wait_for(f, WATCH_CHANGED, "test", inside);

        assert_int_equal(rename(inside, outside), 0);
        wait_for(f, WATCH_REMOVED, "test", inside);
}

static void test_watcher_atomic_replace_reports_final_name(void **state)
{
        struct fixture *f = *state;
        char *final = pathf(f, "%s/foo.json", f->root);
        char *temp = pathf(f, "%s/.foo.json.swp", f->root);

        write_file(final, "{}");
        start(f, f->root, true);
        write_file(temp, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
        assert_int_equal(rename(temp, final), 0);
        wait_for(f, WATCH_CHANGED, "test", final);
        barrier(f, f->root);

        assert_int_equal(count(f, WATCH_CHANGED, "test", final), 1);
        for (size_t i = 0; i < f->n_ev; i++)
                assert_null(f->ev[i].path ? strstr(f->ev[i].path, "/.foo") : NULL);
        assert_int_equal(count(f, WATCH_REMOVED, "test", final), 0);
}

static void test_watcher_delete_removed(void **state)
{
        struct fixture *f = *state;
        char *p = pathf(f, "%s/gone.json", f->root);

        write_file(p, "{}");
        start(f, f->root, true);
        assert_int_equal(unlink(p), 0);
        wait_for(f, WATCH_REMOVED, "test", p);
        assert_int_equal(count(f, WATCH_CHANGED, "test", p), 0);
}

static void test_watcher_new_subdir_files_reported(void **state)
{
        struct fixture *f = *state;
        char *sub = pathf(f, "%s/sub", f->root);
        char *file = pathf(f, "%s/sub/p.json", f->root);

        start(f, f->root, true);
        /* The file lands in the same instant: likely before the new directory is watched. */
        assert_int_equal(mkdir(sub, 0755), 0);
        write_file(file, "{}");
        wait_for(f, WATCH_CHANGED, "test", file);

        /* Several levels at once, and a file later, once the watches exist. */
        assert_int_equal(mkdir(pathf(f, "%s/a", f->root), 0755), 0);
        assert_int_equal(mkdir(pathf(f, "%s/a/b", f->root), 0755), 0);
        write_file(pathf(f, "%s/a/b/q.json", f->root), "{}");
        wait_for(f, WATCH_CHANGED, "test", pathf(f, "%s/a/b/q.json", f->root));
        barrier(f, sub);
        write_file(pathf(f, "%s/a/b/later.json", f->root), "{}");
        wait_for(f, WATCH_CHANGED, "test", pathf(f, "%s/a/b/later.json", f->root));
}

static void test_watcher_symlink_reported(void **state)
{
        struct fixture *f = *state;
        char *link = pathf(f, "%s/link.json", f->root);

        start(f, f->root, true);
        assert_int_equal(symlink("/nonexistent/target.json", link), 0);
        wait_for(f, WATCH_CHANGED, "test", link);
        assert_int_equal(unlink(link), 0);
        wait_for(f, WATCH_REMOVED, "test", link);
}

static void test_watcher_dir_rename_rescans(void **state)
{
        struct fixture *f = *state;
        char *from = pathf(f, "%s/sub", f->root);
        char *to = pathf(f, "%s/renamed", f->root);

        assert_int_equal(mkdir(from, 0755), 0);
        start(f, f->root, true);
        assert_int_equal(rename(from, to), 0);
        wait_for(f, WATCH_RESCAN, "test", NULL);

        /* The directory keeps its watch, under its new name. */
        char *p = pathf(f, "%s/after.json", to);
        write_file(p, "{}");
        wait_for(f, WATCH_CHANGED, "test", p);
        assert_int_equal(count(f, WATCH_CHANGED, "test", pathf(f, "%s/after.json", from)), 0);
}

static void test_watcher_root_gone_and_back(void **state)
{
        struct fixture *f = *state;
        char *p = pathf(f, "%s/x.json", f->root);

        write_file(p, "{}");
        start(f, f->root, true);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(rmdir(f->root), 0);
        wait_for(f, WATCH_ROOT_GONE, "test", NULL);

        assert_int_equal(mkdir(f->root, 0755), 0);
        wait_for(f, WATCH_ROOT_BACK, "test", NULL);
        write_file(p, "{}");
        wait_for(f, WATCH_CHANGED, "test", p);

        /* Moved away and another directory moved in: gone, then back. */
        forget(f);
        char *aside = pathf(f, "%s/aside", f->tmp);
        char *fresh = pathf(f, "%s/fresh", f->tmp);
        assert_int_equal(mkdir(fresh, 0755), 0);
        assert_int_equal(rename(f->root, aside), 0);
        assert_int_equal(rename(fresh, f->root), 0);
        wait_for(f, WATCH_ROOT_GONE, "test", NULL);
        wait_for(f, WATCH_ROOT_BACK, "test", NULL);
        write_file(p, "{}");
        wait_for(f, WATCH_CHANGED, "test", p);
        /* The old directory is no longer watched. */
        write_file(pathf(f, "%s/old.json", aside), "{}");
        barrier(f, f->root);
        assert_int_equal(count(f, WATCH_CHANGED, "test", pathf(f, "%s/old.json", aside)), 0);
}

static void test_watcher_root_missing_at_start(void **state)
{
        struct fixture *f = *state;
        char *root = pathf(f, "%s/a/b/c", f->tmp);

        start(f, root, true);
        assert_int_equal(mkdir(pathf(f, "%s/a", f->tmp), 0755), 0);
        assert_int_equal(mkdir(pathf(f, "%s/a/b", f->tmp), 0755), 0);
        assert_int_equal(mkdir(root, 0755), 0);
        wait_for(f, WATCH_ROOT_BACK, "test", NULL);
        assert_int_equal(count(f, WATCH_ROOT_GONE, "test", NULL), 0);

        char *p = pathf(f, "%s/a/b/c/p.json", f->tmp);
        write_file(p, "{}");
        wait_for(f, WATCH_CHANGED, "test", p);
}

static void test_watcher_non_recursive_ignores_subdirs(void **state)
{
        struct fixture *f = *state;
        char *deep = pathf(f, "%s/sub/deep.json", f->root);

        assert_int_equal(mkdir(pathf(f, "%s/sub", f->root), 0755), 0);
        start(f, f->root, false);
        write_file(deep, "{}");
        assert_int_equal(mkdir(pathf(f, "%s/new", f->root), 0755), 0);
        write_file(pathf(f, "%s/new/x.json", f->root), "{}");
        barrier(f, f->root);
        assert_int_equal(count(f, WATCH_CHANGED, "test", deep), 0);
        assert_int_equal(count(f, WATCH_CHANGED, "test", pathf(f, "%s/new/x.json", f->root)), 0);
        assert_int_equal(count(f, WATCH_RESCAN, "test", NULL), 0);
}

/* A root inside a recursive root, created late: both report its files under their names. */
static void test_watcher_overlapping_roots(void **state)
{
        struct fixture *f = *state;
        char *inner = pathf(f, "%s/inner", f->root);
        char *p = pathf(f, "%s/inner/p.json", f->root);

        assert_int_equal(watcher_new(&f->w), 0);
        assert_int_equal(watcher_add_root(f->w, "test", f->root, true), 0);
        assert_int_equal(watcher_add_root(f->w, "inner", inner, false), 0);
        assert_int_equal(watcher_start(f->w), 0);

        assert_int_equal(mkdir(inner, 0755), 0);
        wait_for(f, WATCH_ROOT_BACK, "inner", NULL);
        write_file(p, "{}");
        wait_for(f, WATCH_CHANGED, "inner", p);
        wait_for(f, WATCH_CHANGED, "test", p);

        assert_int_equal(unlink(p), 0);
        wait_for(f, WATCH_REMOVED, "inner", p);
        wait_for(f, WATCH_REMOVED, "test", p);
        assert_int_equal(rmdir(inner), 0);
        wait_for(f, WATCH_ROOT_GONE, "inner", NULL);
        barrier(f, f->root);
}

/* kubelet's AtomicWriter (ConfigMap volumes): foo.json -> ..data/foo.json, and an update
 * renames a new ..data symlink into place, which no event on foo.json reveals. */
static void test_watcher_configmap_swap_rescans(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(mkdir(pathf(f, "%s/..v1", f->root), 0755), 0);
        write_file(pathf(f, "%s/..v1/foo.json", f->root), "{}");
        assert_int_equal(symlink("..v1", pathf(f, "%s/..data", f->root)), 0);
        assert_int_equal(symlink("..data/foo.json", pathf(f, "%s/foo.json", f->root)), 0);
        start(f, f->root, true);

        assert_int_equal(mkdir(pathf(f, "%s/..v2", f->root), 0755), 0);
        write_file(pathf(f, "%s/..v2/foo.json", f->root), "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
        assert_int_equal(symlink("..v2", pathf(f, "%s/..data_tmp", f->root)), 0);
        assert_int_equal(rename(pathf(f, "%s/..data_tmp", f->root), pathf(f, "%s/..data", f->root)),
                         0);
        wait_for(f, WATCH_RESCAN, "test", NULL);
        for (size_t i = 0; i < f->n_ev; i++)
                assert_null(f->ev[i].path ? strstr(f->ev[i].path, "/..") : NULL);
}

static int read_int(const char *path, long *ret)
{
        _cleanup_fclose_ FILE *fp = fopen(path, "re");
        return fp && fscanf(fp, "%ld", ret) == 1 ? 0 : -1;
}

static int write_int(const char *path, long v)
{
        _cleanup_fclose_ FILE *fp = fopen(path, "we");
        if (!fp || fprintf(fp, "%ld\n", v) < 0)
                return -1;
        return fflush(fp) == 0 ? 0 : -1;
}

static void test_watcher_overflow_rescans_everything(void **state)
{
        struct fixture *f = *state;
        long saved;

        if (geteuid() != 0) {
                print_message("skipped: lowering %s needs root\n", QUEUED_EVENTS);
                skip();
        }
        if (read_int(QUEUED_EVENTS, &saved) < 0 || write_int(QUEUED_EVENTS, 16) < 0) {
                print_message("skipped: %s is not writable here\n", QUEUED_EVENTS);
                skip();
        }
        /* The kernel sizes the queue when the instance is created, in watcher_start(). */
        assert_int_equal(watcher_new(&f->w), 0);
        assert_int_equal(watcher_add_root(f->w, "test", f->root, true), 0);
        int k = watcher_start(f->w);
        assert_int_equal(write_int(QUEUED_EVENTS, saved), 0);
        assert_int_equal(k, 0);

        /* Two events per file, distinct names so that the kernel merges none; the thread
         * reads concurrently, so write rounds until the 16 slots overflowed once. */
        uint64_t deadline = now_ms() + DEADLINE_MS;
        for (unsigned round = 0; watcher_overflows(f->w) == 0; round++) {
                assert_true(now_ms() < deadline);
                for (unsigned i = 0; i < 256; i++)
                        write_file(pathf(f, "%s/f-%u-%u", f->root, round, i), "{}");
        }
        wait_for(f, WATCH_RESCAN, NULL, NULL);
        assert_true(watcher_overflows(f->w) >= 1);

        /* The watches survived the resync. With 16 slots the tail of the burst can overflow
         * the queue again and take this file's events with it: each new rescan of
         * everything earns another try. */
        for (unsigned attempt = 0;; attempt++) {
                size_t rescans = count(f, WATCH_RESCAN, NULL, NULL);
                char *p = pathf(f, "%s/after-%u", f->root, attempt);
                write_file(p, "{}");
                while (count(f, WATCH_CHANGED, "test", p) == 0 &&
                       count(f, WATCH_RESCAN, NULL, NULL) == rescans) {
                        uint64_t now = now_ms();
                        assert_true(now < deadline + DEADLINE_MS);
                        collect(f, (int)(deadline + DEADLINE_MS - now));
                }
                if (count(f, WATCH_CHANGED, "test", p) > 0)
                        break;
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_watcher_new_is_exclusive),
                T(test_watcher_add_root_checks),
                T(test_watcher_free_is_prompt),
                T(test_watcher_changed_on_close_only),
                T(test_watcher_rename_in_and_out),
                T(test_watcher_atomic_replace_reports_final_name),
                T(test_watcher_delete_removed),
                T(test_watcher_new_subdir_files_reported),
                T(test_watcher_symlink_reported),
                T(test_watcher_dir_rename_rescans),
                T(test_watcher_root_gone_and_back),
                T(test_watcher_root_missing_at_start),
                T(test_watcher_non_recursive_ignores_subdirs),
                T(test_watcher_overlapping_roots),
                T(test_watcher_configmap_swap_rescans),
                T(test_watcher_overflow_rescans_everything),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
