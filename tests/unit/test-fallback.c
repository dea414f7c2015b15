/* SPDX-License-Identifier: Apache-2.0 */
/* seccompd-oci's fallback reports, both ends: the wrapper's journal serialisation and spool
 * writes (atomic, bounded, refused in an unsafe directory), and the daemon's reading of the
 * spool as untrusted input (the record's shape, limits, control characters; files that are
 * not records are deleted and counted, never trusted), its ring and its one-hour count. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fallback.h"
#include "log.h"
#include "macro.h"
#include "oci-fallback.h"
#include "seccompd/protocol.h"

#define NOW 1800000000LL

static int parse(const char *s, struct fallback_record *r, const char **why)
{
        *why = NULL;
        return fallback_record_parse(s, strlen(s), r, why);
}

static void test_parse_record(void **state)
{
        struct fallback_record r;
        const char *why;
        assert_int_equal(parse("{\"time\": 1800000000, \"container_id\": \"c1\", \"bundle\": "
                               "\"/b\", \"command\": \"run\", \"reason\": \"cannot reach\", "
                               "\"future\": [1]}",
                               &r, &why),
                         0);
        assert_true(r.time == NOW);
        assert_string_equal(r.container_id, "c1");
        assert_string_equal(r.bundle, "/b");
        assert_string_equal(r.command, "run");
        assert_string_equal(r.reason, "cannot reach");
        fallback_record_done(&r);

        /* bundle and command are optional; a reason's newlines become spaces. */
        assert_int_equal(
                parse("{\"time\": 1, \"container_id\": \"c\", \"reason\": \"a\\nb\"}", &r, &why),
                0);
        assert_string_equal(r.bundle, "");
        assert_string_equal(r.reason, "a b");
        fallback_record_done(&r);
}

static void test_parse_rejects(void **state)
{
        static const char *const bad[][2] = {
                {"", "not JSON"},
                {"garbage", "not JSON"},
                {"{\"time\": 1, \"container_id\": \"c\", \"reason\": \"r\"", "not JSON"},
                {"[1, 2]", "not a JSON object"},
                {"{\"container_id\": \"c\", \"reason\": \"r\"}", "\"time\""},
                {"{\"time\": \"now\", \"container_id\": \"c\", \"reason\": \"r\"}", "\"time\""},
                {"{\"time\": -5, \"container_id\": \"c\", \"reason\": \"r\"}", "\"time\""},
                {"{\"time\": 1, \"reason\": \"r\"}", "missing"},
                {"{\"time\": 1, \"container_id\": \"c\"}", "missing"},
                {"{\"time\": 1, \"container_id\": 7, \"reason\": \"r\"}", "not a string"},
                {"{\"time\": 1, \"container_id\": \"\", \"reason\": \"r\"}", "empty"},
                {"{\"time\": 1, \"container_id\": \"c\\u001b[2J\", \"reason\": \"r\"}",
                 "control character"},
                /* jansson refuses \\u0000 unless asked (JSON_ALLOW_NUL): never a record. */
                {"{\"time\": 1, \"container_id\": \"c\\u0000d\", \"reason\": \"r\"}", "not JSON"},
                {"{\"time\": 1, \"time\": 2, \"container_id\": \"c\", \"reason\": \"r\"}",
                 "not JSON"},
                {"{\"time\": 1, \"container_id\": \"c\", \"command\": "
                 "\"0123456789012345678901234567890123\", \"reason\": \"r\"}",
                 "too long"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct fallback_record r = {};
                const char *why;
                int k = parse(bad[i][0], &r, &why);
                if (k != -EBADMSG || !why || !strstr(why, bad[i][1]))
                        fail_msg("%s: got %d, %s", bad[i][0], k, why ? why : "(no reason)");
                assert_null(r.container_id);
        }
        /* Above the size limit, whatever it holds. */
        char big[SECCOMPD_FALLBACK_RECORD_MAX + 2];
        memset(big, ' ', sizeof(big));
        struct fallback_record r;
        const char *why = NULL;
        assert_int_equal(fallback_record_parse(big, sizeof(big), &r, &why), -EBADMSG);
        assert_non_null(strstr(why, "limit"));
}

static struct fallback_record record(int64_t t, const char *id)
{
        return (struct fallback_record){.time = t,
                                        .container_id = strdup(id),
                                        .bundle = strdup("/b"),
                                        .command = strdup("create"),
                                        .reason = strdup("r")};
}

static void test_ring_and_hour(void **state)
{
        struct fallbacks f;
        char id[32];
        assert_int_equal(fallbacks_init(&f, NULL), 0);
        /* Two hours old, 59 minutes old, in the future (counted as now), and 100 now. */
        struct fallback_record r = record(NOW - 7200, "old");
        fallbacks_add(&f, &r, NOW);
        r = record(NOW - 59 * 60, "recent");
        fallbacks_add(&f, &r, NOW);
        r = record(NOW + 86400, "future");
        fallbacks_add(&f, &r, NOW);
        for (int i = 0; i < 100; i++) {
                snprintf(id, sizeof(id), "c%d", i);
                r = record(NOW, id);
                fallbacks_add(&f, &r, NOW);
        }
        json_t *j = fallbacks_to_json(&f, NOW);
        assert_int_equal(json_integer_value(json_object_get(j, SECCOMPD_KEY_TOTAL)), 103);
        assert_int_equal(json_integer_value(json_object_get(j, SECCOMPD_KEY_LAST_HOUR)), 102);
        json_t *recent = json_object_get(j, SECCOMPD_KEY_RECENT);
        assert_int_equal(json_array_size(recent), FALLBACK_RECENT_MAX);
        assert_string_equal(json_string_value(json_object_get(json_array_get(recent, 0),
                                                              SECCOMPD_KEY_CONTAINER_ID)),
                            "c99");
        assert_true(json_is_null(json_object_get(j, SECCOMPD_KEY_SPOOL)));
        json_decref(j);
        /* An hour and a minute later, none of them is in the last hour. */
        j = fallbacks_to_json(&f, NOW + 3660);
        assert_int_equal(json_integer_value(json_object_get(j, SECCOMPD_KEY_LAST_HOUR)), 0);
        assert_int_equal(json_integer_value(json_object_get(j, SECCOMPD_KEY_TOTAL)), 103);
        json_decref(j);
        fallbacks_done(&f);
}

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-fallback-XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        return 0;
}

static int teardown(void **state)
{
        nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static void put(const char *dir, const char *name, const char *data, size_t size)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        fclose(f);
}

static unsigned count(const char *dir)
{
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
        FILE *p = popen(cmd, "r");
        unsigned n = 0;
        assert_int_equal(fscanf(p, "%u", &n), 1);
        pclose(p);
        return n;
}

/* The wrapper's writes: a record the daemon reads back, the bound, an unsafe directory. */
static void test_spool_roundtrip(void **state)
{
        char spool[128], *path = NULL;
        unsigned n = 0;
        snprintf(spool, sizeof(spool), "%s/run/seccompd/fallbacks", tmpdir);
        const char *rec = "{\"time\": 1800000000, \"container_id\": \"c1\", \"reason\": \"r\"}";

        /* Created on demand: parents 0755, the spool 0700. */
        assert_int_equal(oci_spool_write(spool, 3, rec, &path, &n), 0);
        assert_non_null(strstr(path, spool));
        free(path);
        struct stat st;
        assert_int_equal(stat(spool, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_int_equal(oci_spool_write(spool, 3, rec, NULL, NULL), 0);
        assert_int_equal(oci_spool_write(spool, 3, rec, NULL, NULL), 0);
        /* Three files: the bound holds. */
        assert_int_equal(oci_spool_write(spool, 3, rec, NULL, &n), -ENOSPC);
        assert_int_equal(n, 3);
        assert_int_equal(count(spool), 3);

        struct fallbacks f;
        assert_int_equal(fallbacks_init(&f, spool), 0);
        assert_int_equal(fallbacks_ingest(&f), 3);
        assert_int_equal(count(spool), 0);
        assert_int_equal(fallbacks_ingest(&f), 0);
        assert_true(f.total == 3 && f.rejected == 0);
        fallbacks_done(&f);

        /* Writable by others: the wrapper writes nothing, the daemon reads nothing. */
        assert_int_equal(chmod(spool, 0777), 0);
        assert_int_equal(oci_spool_write(spool, 3, rec, NULL, NULL), -EPERM);
        put(spool, "planted.json", rec, strlen(rec));
        assert_int_equal(fallbacks_init(&f, spool), 0);
        assert_int_equal(fallbacks_ingest(&f), 0);
        assert_int_equal(count(spool), 1);
        fallbacks_done(&f);
}

/* What is not a record is deleted and counted; a temp file at work is left alone. */
static void test_ingest_untrusted(void **state)
{
        char spool[128], path[192];
        snprintf(spool, sizeof(spool), "%s/spool", tmpdir);
        assert_int_equal(mkdir(spool, 0700), 0);
        const char *good = "{\"time\": 1800000000, \"container_id\": \"ok\", \"reason\": \"r\"}";
        char big[SECCOMPD_FALLBACK_RECORD_MAX + 100];
        memset(big, 'x', sizeof(big));

        put(spool, "good.json", good, strlen(good));
        put(spool, "garbage.json", "\x01\x02\xff garbage", 11);
        put(spool, "big.json", big, sizeof(big));
        put(spool, "empty.json", "", 0);
        put(spool, "shape.json", "{\"time\": 1}", 11);
        put(spool, ".fresh.json.tmp", good, strlen(good));
        snprintf(path, sizeof(path), "%s/link.json", spool);
        assert_int_equal(symlink("/etc/passwd", path), 0);
        snprintf(path, sizeof(path), "%s/fifo.json", spool);
        assert_int_equal(mkfifo(path, 0600), 0);
        snprintf(path, sizeof(path), "%s/dir.json", spool);
        assert_int_equal(mkdir(path, 0700), 0);
        /* A temp file left by a wrapper that died two minutes ago. */
        put(spool, ".stale.json.tmp", good, strlen(good));
        snprintf(path, sizeof(path), "%s/.stale.json.tmp", spool);
        struct timeval old[2] = {{time(NULL) - 120, 0}, {time(NULL) - 120, 0}};
        assert_int_equal(utimes(path, old), 0);

        struct fallbacks f;
        assert_int_equal(fallbacks_init(&f, spool), 0);
        assert_int_equal(fallbacks_ingest(&f), 1);
        assert_true(f.total == 1);
        assert_int_equal((int)f.rejected, 7); /* garbage, big, empty, shape, link, fifo, dir */
        assert_int_equal(count(spool), 1);    /* .fresh.json.tmp only */
        snprintf(path, sizeof(path), "%s/.fresh.json.tmp", spool);
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(access("/etc/passwd", F_OK), 0); /* the link, not its target */
        json_t *j = fallbacks_to_json(&f, time(NULL));
        assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(j, SECCOMPD_KEY_RECENT), 0),
                                    SECCOMPD_KEY_CONTAINER_ID)),
                            "ok");
        json_decref(j);
        fallbacks_done(&f);
}

static void test_journal_field(void **state)
{
        char buf[64];
        size_t len = oci_journal_field(buf, sizeof(buf), 0, "REASON", "plain");
        assert_int_equal(len, strlen("REASON=plain\n"));
        assert_memory_equal(buf, "REASON=plain\n", len);
        /* A newline: the name, a newline, the 64-bit little-endian size, the data. */
        size_t l2 = oci_journal_field(buf, sizeof(buf), len, "M", "a\nb");
        assert_int_equal(l2 - len, 1 + 1 + 8 + 3 + 1);
        assert_memory_equal(buf + len, "M\n\x03\0\0\0\0\0\0\0a\nb\n", l2 - len);
        /* What does not fit is left out, nothing is cut. */
        char small[8];
        assert_int_equal(oci_journal_field(small, sizeof(small), 0, "MESSAGE", "x"), 0);
}

int main(void)
{
        log_setup(LOG_ERR, false); /* rejections are warnings: expected here */
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_record),
                cmocka_unit_test(test_parse_rejects),
                cmocka_unit_test(test_ring_and_hour),
                cmocka_unit_test_setup_teardown(test_spool_roundtrip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ingest_untrusted, setup, teardown),
                cmocka_unit_test(test_journal_field),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
