/* SPDX-License-Identifier: Apache-2.0 */
/* The compile deadline (daemon/compile-guard.c): a compile done in a child process gives the
 * same blob, key, statistics and diagnostics as one done in the thread; the deadline kills
 * it and says so; slots are bounded; cancel ends every child and every later compile. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile-guard.h"
#include "diag.h"
#include "test-util.h"

/* The same compile, in the thread and in a child (always_child), must agree in everything
 * the cache and the API keep. */
static void same_in_child(const char *path)
{
        struct test_build tb;
        test_build_file(path, NULL, -1, &tb);
        struct compile_guard g;
        assert_int_equal(compile_guard_init(&g, 10000, 2), 0);
        g.always_child = true;
        struct compile_options o = {.optimize = -1};
        struct diag_list *d1 = NULL, *d2 = NULL;
        struct blob *b1 = NULL, *b2 = NULL;
        assert_int_equal(diag_list_new(NULL, &d1), 0);
        assert_int_equal(diag_list_new(NULL, &d2), 0);
        int r1 = compile_resolved(tb.resolved, &o, d1, &b1);
        int r2 = compile_guarded(&g, tb.resolved, &o, true, d2, &b2);
        assert_int_equal(r1, r2);
        if (r1 == 0) {
                assert_int_equal(b1->n_insns, b2->n_insns);
                assert_memory_equal(b1->insns, b2->insns, blob_size(b1));
                assert_string_equal(b1->key, b2->key);
                assert_int_equal(b1->optimize, b2->optimize);
                assert_int_equal(b1->flags, b2->flags);
                assert_int_equal(b1->n_rules, b2->n_rules);
                assert_int_equal(b1->n_skipped_names, b2->n_skipped_names);
                assert_int_equal(b1->foreign_byte_order, b2->foreign_byte_order);
        }
        assert_int_equal(d1->n, d2->n);
        for (size_t i = 0; i < d1->n; i++) {
                assert_int_equal(d1->items[i].severity, d2->items[i].severity);
                assert_string_equal(d1->items[i].pointer, d2->items[i].pointer);
                assert_string_equal(d1->items[i].message, d2->items[i].message);
        }
        assert_int_equal(g.n_children, 0);
        blob_free(b1);
        blob_free(b2);
        diag_list_free(d1);
        diag_list_free(d2);
        compile_guard_done(&g);
        test_build_done(&tb);
}

static void child_equals_thread(void **state)
{
        char **v = NULL;
        size_t n = 0;
        test_list_profiles(TEST_PROFILES_DIR, &v, &n);
        test_list_profiles(TEST_PROFILES_DIR "/../../profiles", &v, &n);
        assert_true(n >= 10);
        for (size_t i = 0; i < n; i++)
                same_in_child(v[i]);
        test_strv_free(v);
}

/* One rule of `n` repeated names: libseccomp takes tens of seconds for 60,000. */
static char *slow_profile(unsigned n)
{
        static const char *const names[] = {"read", "write", "openat", "close", "mmap"};
        size_t size = 128 + (size_t)n * 10;
        char *s = malloc(size);
        assert_non_null(s);
        size_t k = (size_t)snprintf(s, size,
                                    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
                                    "[{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[");
        for (unsigned i = 0; i < n; i++)
                k += (size_t)snprintf(s + k, size - k, "%s\"%s\"", i ? "," : "", names[i % 5]);
        snprintf(s + k, size - k, "]}]}");
        return s;
}

/* Parsed and resolved only: compiling it is what the tests bound. */
static void resolve_only(const char *json, struct test_build *ret)
{
        struct diag_list *d = NULL;
        struct context c;
        test_context_x86_64(&c);
        *ret = (struct test_build){0};
        assert_int_equal(diag_list_new(NULL, &d), 0);
        assert_int_equal(profile_parse(json, strlen(json), NULL, d, &ret->profile), 0);
        assert_int_equal(profile_resolve(ret->profile, &c, &ret->resolved), 0);
        diag_list_free(d);
}

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deadline_kills(void **state)
{
        char *json = slow_profile(60000);
        struct test_build tb;
        resolve_only(json, &tb);
        struct compile_guard g;
        assert_int_equal(compile_guard_init(&g, 300, 1), 0);
        struct compile_options o = {.optimize = -1};
        struct diag_list *d = NULL;
        struct blob *b = NULL;
        assert_int_equal(diag_list_new(NULL, &d), 0);
        long long t0 = now_ms();
        assert_int_equal(compile_guarded(&g, tb.resolved, &o, true, d, &b), -EINVAL);
        long long ms = now_ms() - t0;
        printf("# 60,000 names, deadline 300 ms: refused after %lld ms\n", ms);
        assert_true(ms >= 300 && ms < 1500);
        assert_null(b);
        assert_int_equal(d->counts[DIAG_ERROR], 1);
        assert_non_null(strstr(d->items[0].message, "took longer than 300 ms: cancelled"));
        assert_int_equal(g.n_children, 0);
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* reaped: no child left */
        assert_int_equal(errno, ECHILD);
        diag_list_free(d);
        compile_guard_done(&g);
        test_build_done(&tb);
        free(json);
}

struct busy {
        struct compile_guard *g;
        const struct resolved *r;
        int rc;
};

static void *compile_thread(void *arg)
{
        struct busy *bz = arg;
        struct compile_options o = {.optimize = -1};
        struct diag_list *d = NULL;
        struct blob *b = NULL;
        assert_int_equal(diag_list_new(NULL, &d), 0);
        bz->rc = compile_guarded(bz->g, bz->r, &o, true, d, &b);
        blob_free(b);
        diag_list_free(d);
        return NULL;
}

static void slots_and_cancel(void **state)
{
        char *json = slow_profile(60000);
        struct test_build tb;
        resolve_only(json, &tb);
        struct compile_guard g;
        assert_int_equal(compile_guard_init(&g, 60000, 1), 0);
        struct busy bz = {.g = &g, .r = tb.resolved, .rc = 1};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, compile_thread, &bz), 0);
        while (__atomic_load_n(&g.n_children, __ATOMIC_SEQ_CST) == 0)
                usleep(1000);

        /* The one slot is busy: a caller that may not wait is refused at once. */
        struct compile_options o = {.optimize = -1};
        struct diag_list *d = NULL;
        struct blob *b = NULL;
        assert_int_equal(diag_list_new(NULL, &d), 0);
        assert_int_equal(compile_guarded(&g, tb.resolved, &o, false, d, &b), -EAGAIN);
        /* A small compile needs no slot. */
        struct test_build small;
        test_build_string("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                          "[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                          NULL, -1, &small);
        assert_int_equal(compile_guarded(&g, small.resolved, &o, false, d, &b), 0);
        b = blob_free(b);

        /* Cancel: the running compile ends at once, later ones fail. */
        long long t0 = now_ms();
        compile_guard_cancel(&g);
        assert_int_equal(pthread_join(t, NULL), 0);
        printf("# cancel to return: %lld ms\n", now_ms() - t0);
        assert_true(now_ms() - t0 < 1000);
        assert_int_equal(bz.rc, -ECANCELED);
        assert_int_equal(compile_guarded(&g, tb.resolved, &o, true, d, &b), -ECANCELED);
        assert_int_equal(d->counts[DIAG_ERROR], 0); /* a cancel is no verdict on the profile */
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
        diag_list_free(d);
        compile_guard_done(&g);
        test_build_done(&small);
        test_build_done(&tb);
        free(json);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(child_equals_thread),
                cmocka_unit_test(deadline_kills),
                cmocka_unit_test(slots_and_cancel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
