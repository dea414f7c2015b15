/* SPDX-License-Identifier: Apache-2.0 */
/* The container table (daemon/containers.c) and lib/proc-stat.c: a process's start time read
 * past a name holding ") " (the kernel puts the name in parentheses, unescaped); reports
 * checked; a pid with another start time taken for gone; the bound; the state file's round
 * trip. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "containers.h"
#include "macro.h"
#include "proc-stat.h"

/* A child that renames itself to `name` and waits to be killed; its pid. */
static pid_t child_named(const char *name)
{
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                prctl(PR_SET_NAME, name);
                (void)!write(p[1], "x", 1);
                for (;;)
                        pause();
        }
        char c;
        assert_int_equal(read(p[0], &c, 1), 1);
        close(p[0]);
        close(p[1]);
        return pid;
}

static void reap(pid_t pid)
{
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

static void test_proc_start_time_odd_names(void **state)
{
        uint64_t self_start, a, b;
        assert_int_equal(proc_start_time(getpid(), &self_start), 0);
        assert_true(self_start > 0);
        /* The same process, before and after a name that fools a parser counting spaces or
         * stopping at the first ')': the same start time. */
        pid_t pid = child_named("plain");
        assert_int_equal(proc_start_time(pid, &a), 0);
        kill(pid, SIGSTOP);
        reap(pid);
        pid = child_named("x) 1 2 (y) z");
        assert_int_equal(proc_start_time(pid, &b), 0);
        assert_true(b >= a && b >= self_start);
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        assert_non_null(fgets(buf, sizeof(buf), f));
        fclose(f);
        assert_non_null(strstr(buf, "(x) 1 2 (y) z)"));
        /* Field 22 by a parser that knows the name is "x) 1 2 (y) z": */
        const char *p = strstr(buf, "(y) z) ") + strlen("(y) z) ");
        unsigned long long expect = 0;
        for (int field = 3; field < 22; field++)
                p = strchr(p, ' ') + 1;
        expect = strtoull(p, NULL, 10);
        assert_int_equal(b, expect);
        reap(pid);
        assert_int_equal(proc_start_time(pid, &a), -ENOENT);
        assert_int_equal(proc_start_time(0, &a), -EINVAL);
}

static int report(struct containers *t, const char *id, const char *json)
{
        struct container c;
        const char *why;
        int r = container_parse(id, json, strlen(json), &c, &why);
        if (r < 0)
                return r;
        r = containers_report(t, &c);
        container_done(&c);
        return r;
}

#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_liveness_and_bound(void **state)
{
        struct containers t;
        char body[256];
        uint64_t start;
        containers_init(&t, 3);
        pid_t pid = child_named("live");
        assert_int_equal(proc_start_time(pid, &start), 0);

        snprintf(body, sizeof(body),
                 "{\"command\": \"create\", \"key\": \"" KEY
                 "\", \"pid\": %d, \"pid_start\": %llu}",
                 (int)pid, (unsigned long long)start);
        assert_int_equal(report(&t, "a", body), 0);
        assert_int_equal(report(&t, "b", body), 0);
        snprintf(body, sizeof(body),
                 "{\"command\": \"create\", \"key\": \"" KEY
                 "\", \"pid\": %d, \"pid_start\": %llu}",
                 (int)pid, (unsigned long long)start + 1);
        assert_int_equal(report(&t, "reused", body), 0);
        /* The pid lives, but not since then: gone. */
        assert_int_equal(containers_prune(&t), 1);
        assert_int_equal(t.n, 2);
        assert_int_equal(report(&t, "untracked", "{\"command\": \"create\", \"fallback\": \"x\"}"),
                         0);
        /* Full: the untracked one makes room; then only live ones: refused. */
        assert_int_equal(report(&t, "c", "{\"command\": \"run\", \"key\": \"" KEY "\"}"), 0);
        assert_int_equal(report(&t, "d", "{\"command\": \"run\", \"key\": \"" KEY "\"}"), 0);
        assert_int_equal(t.n, 3);
        assert_int_equal(report(&t, "a", "{\"command\": \"run\", \"key\": \"" KEY "\"}"), 1);
        assert_int_equal(report(&t, "e", "{\"command\": \"run\", \"key\": \"" KEY "\"}"), 0);
        assert_int_equal(t.n, 3);
        char *id = containers_id_by_pid(&t, pid);
        assert_string_equal(id, "b");
        free(id);
        assert_int_equal(containers_forget(&t, "b"), 0);
        assert_int_equal(containers_forget(&t, "b"), -ENOENT);
        containers_done(&t);

        /* Full of live containers: refused and counted; once their process is gone, taken. */
        containers_init(&t, 2);
        snprintf(body, sizeof(body),
                 "{\"command\": \"create\", \"key\": \"" KEY
                 "\", \"pid\": %d, \"pid_start\": %llu}",
                 (int)pid, (unsigned long long)start);
        assert_int_equal(report(&t, "l1", body), 0);
        assert_int_equal(report(&t, "l2", body), 0);
        assert_int_equal(report(&t, "l3", body), -ENOSPC);
        assert_int_equal(t.refused, 1);
        reap(pid);
        assert_int_equal(report(&t, "l3", body), 0);
        assert_int_equal(t.n, 1);
        containers_done(&t);
}

static void test_parse_refusals(void **state)
{
        struct containers t;
        containers_init(&t, 8);
        const char *bad[] = {
                "",
                "[]",
                "{\"key\": \"" KEY "\"}",
                "{\"command\": \"spool\", \"fallback\": \"x\"}",
                "{\"command\": \"create\"}",
                "{\"command\": \"create\", \"key\": \"" KEY "\", \"pid\": 2147483648}",
                "{\"command\": \"create\", \"key\": \"" KEY "\", \"started\": 1, \"x\": }",
                "{\"command\": \"create\", \"key\": \"" KEY "A\"}",
                "{\"command\": \"create\", \"key\": \"" KEY "\", \"bundle\": \"a\\nb\"}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(report(&t, "x", bad[i]), -EINVAL);
        assert_int_equal(report(&t, "", "{\"command\": \"create\", \"key\": \"" KEY "\"}"),
                         -EINVAL);
        assert_int_equal(report(&t, "a/b", "{\"command\": \"create\", \"key\": \"" KEY "\"}"),
                         -EINVAL);
        assert_int_equal(t.n, 0);
        containers_done(&t);
}

static void test_state_file_round_trip(void **state)
{
        char dir[] = "/tmp/test-containers.XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/containers.json", dir);
        struct containers t, u;
        containers_init(&t, 8);
        assert_int_equal(containers_load(&t, path), 0); /* no file yet */
        assert_int_equal(report(&t, "a",
                                "{\"command\": \"create\", \"key\": \"" KEY
                                "\", \"digest\": \"sha256:" KEY "\", \"bundle\": \"/b\"}"),
                         0);
        containers_add_fallback(&t, "s", "/b2", "spool", "daemon down", 1700000000);
        assert_int_equal(containers_save(&t), 0);
        containers_init(&u, 8);
        assert_int_equal(containers_load(&u, path), 2);
        assert_int_equal(u.n, 2);
        assert_string_equal(u.items[0].id, "a");
        assert_string_equal(u.items[0].digest, "sha256:" KEY);
        assert_int_equal(u.items[0].started, t.items[0].started);
        assert_string_equal(u.items[1].command, "spool");
        assert_string_equal(u.items[1].fallback, "daemon down");
        assert_int_equal(u.items[1].started, 1700000000);
        containers_done(&u);
        /* Past the bound of the reader: what fits, and -ENOSPC. */
        containers_init(&u, 1);
        assert_int_equal(containers_load(&u, path), -ENOSPC);
        assert_int_equal(u.n, 1);
        containers_done(&u);
        containers_done(&t);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_proc_start_time_odd_names),
                cmocka_unit_test(test_liveness_and_bound),
                cmocka_unit_test(test_parse_refusals),
                cmocka_unit_test(test_state_file_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
