/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's registry: the entry state machine (valid, invalid, stale, missing), snapshots
 * that stay as they were while the registry moves on, blobs added for new contexts only to
 * the version they were built from, pruning, and readers running while the loop applies
 * loads. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"
#include "test-util.h"

static const char good_a[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{"
                             "\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
static const char good_b[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{"
                             "\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
static const char broken[] = "{\"defaultAction\": ";

static struct root_config root_config = {
        .name = (char *)"test", .path = (char *)"/nonexistent/test", .dialect = DIALECT_DOCKER};
static struct root root = {.config = &root_config};

/* What a worker hands over for a file that parsed and compiled. */
static void load_good(struct entry_load *l, const char *json)
{
        struct test_build b;
        test_build_string(json, NULL, -1, &b);
        *l = (struct entry_load){.data = strdup(json), .size = strlen(json)};
        l->profile = TAKE_PTR(b.profile);
        l->blob = TAKE_PTR(b.blob);
        l->context = strdup("x86_64");
        assert_int_equal(diag_list_new("test", &l->diags), 0);
        test_build_done(&b);
}

/* ... for a file that did not parse. */
static void load_bad(struct entry_load *l)
{
        *l = (struct entry_load){.data = strdup(broken), .size = strlen(broken)};
        assert_int_equal(diag_list_new("test", &l->diags), 0);
        diag_add(l->diags, DIAG_ERROR, "", NULL, "truncated");
}

/* Applies a load and returns the new state (the snapshot is dropped). */
static enum entry_state apply(struct registry *r, const char *rel, struct entry_load *l,
                              enum entry_state *ret_old)
{
        struct entry_snapshot *s = NULL;
        enum entry_state old;
        assert_int_equal(registry_apply_load(r, &root, rel, l, &old, &s), 0);
        entry_load_done(l);
        enum entry_state now = s->state;
        entry_snapshot_unref(s);
        if (ret_old)
                *ret_old = old;
        return now;
}

static void test_registry_state_machine(void **state)
{
        _cleanup_(registry_freep) struct registry *r = NULL;
        struct entry_load l;
        enum entry_state old;
        assert_int_equal(registry_new(NULL, &r), 0);

        l = (struct entry_load){.error = -EFBIG};
        assert_int_equal(apply(r, "a.json", &l, &old), ENTRY_INVALID);
        assert_int_equal(old, ENTRY_MISSING);
        load_bad(&l);
        assert_int_equal(apply(r, "a.json", &l, &old), ENTRY_INVALID);
        assert_int_equal(old, ENTRY_INVALID);
        load_good(&l, good_a);
        assert_int_equal(apply(r, "a.json", &l, NULL), ENTRY_VALID);
        load_bad(&l);
        assert_int_equal(apply(r, "a.json", &l, &old), ENTRY_STALE);
        assert_int_equal(old, ENTRY_VALID);
        l = (struct entry_load){.error = -EXDEV};
        assert_int_equal(apply(r, "a.json", &l, NULL), ENTRY_STALE);

        /* Stale serves the last good version, and says why the file is not used. */
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *s = NULL;
        assert_int_equal(registry_get(r, "test/a", &s), 0); /* ".json" may be left out */
        assert_non_null(s->good);
        assert_memory_equal(s->good->data, good_a, sizeof(good_a));
        assert_int_equal(s->n_blobs, 1);
        assert_string_equal(s->digest, "");
        assert_int_equal(s->diags->counts[DIAG_ERROR], 1);
        assert_string_equal(s->diags->items[0].message, "symlink leads out of the watched roots");

        l = (struct entry_load){.error = -ENOENT};
        assert_int_equal(apply(r, "a.json", &l, NULL), ENTRY_MISSING);
        s = entry_snapshot_unref(s);
        assert_int_equal(registry_get(r, "test/a.json", &s), 0);
        assert_null(s->good);
        assert_int_equal(s->n_blobs, 0);
        assert_int_equal(registry_get(r, "test/b.json", &s), -ENOENT);
}

static void test_registry_snapshot_is_immutable(void **state)
{
        _cleanup_(registry_freep) struct registry *r = NULL;
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *before = NULL, *after = NULL;
        struct entry_load l;
        assert_int_equal(registry_new(NULL, &r), 0);

        load_good(&l, good_a);
        apply(r, "a.json", &l, NULL);
        assert_int_equal(registry_get(r, "test/a.json", &before), 0);
        uint64_t gen = registry_generation(r);
        char digest[PROFILE_DIGEST_MAX];
        memcpy(digest, before->digest, sizeof(digest));

        load_good(&l, good_b);
        apply(r, "a.json", &l, NULL);
        assert_true(registry_generation(r) > gen);
        assert_int_equal(registry_get(r, "test/a.json", &after), 0);
        assert_ptr_not_equal(before, after);
        /* The reader's snapshot is the old version, whole. */
        assert_int_equal(before->state, ENTRY_VALID);
        assert_string_equal(before->digest, digest);
        assert_memory_equal(before->good->data, good_a, sizeof(good_a));
        assert_string_not_equal(before->blobs[0]->blob->key, after->blobs[0]->blob->key);
        assert_string_not_equal(before->digest, after->digest);
}

static void test_registry_add_blob(void **state)
{
        _cleanup_(registry_freep) struct registry *r = NULL;
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *s = NULL, *n = NULL;
        _cleanup_(entry_blob_unrefp) struct entry_blob *b = NULL;
        struct test_build tb;
        struct entry_load l;
        assert_int_equal(registry_new(NULL, &r), 0);

        load_good(&l, good_a);
        apply(r, "a.json", &l, NULL);
        assert_int_equal(registry_get(r, "test/a.json", &s), 0);
        struct context arm;
        test_context_x86_64(&arm);
        assert_int_equal(context_set_arch(&arm, "aarch64"), 0);
        test_build_string(good_a, &arm, -1, &tb);
        assert_int_equal(entry_blob_new(NULL, "aarch64", TAKE_PTR(tb.blob), NULL, &b), 0);
        test_build_done(&tb);

        assert_int_equal(registry_add_blob(r, s, b), 1);
        assert_int_equal(registry_add_blob(r, s, b), 0); /* that context has one now */
        assert_int_equal(s->n_blobs, 1);                 /* s itself does not change */
        assert_int_equal(registry_get(r, "test/a.json", &n), 0);
        assert_int_equal(n->n_blobs, 2);
        assert_ptr_equal(entry_snapshot_find_blob(n, "aarch64"), b);
        assert_ptr_equal(n->good, s->good);

        const struct entry_blob *found = NULL;
        struct entry_snapshot *owner = NULL;
        assert_int_equal(registry_find_blob(r, b->blob->key, &owner, &found), 0);
        assert_ptr_equal(found, b);
        entry_snapshot_unref(owner);

        /* A blob built from a version that has been replaced is not added to the new one. */
        n = entry_snapshot_unref(n);
        load_good(&l, good_b);
        apply(r, "a.json", &l, NULL);
        assert_int_equal(registry_add_blob(r, s, b), 0);
        assert_int_equal(registry_get(r, "test/a.json", &n), 0);
        assert_int_equal(n->n_blobs, 1);
        assert_null(entry_snapshot_find_blob(n, "aarch64"));
        assert_int_equal(registry_find_blob(r, b->blob->key, &owner, &found), -ENOENT);
}

static void test_registry_prune_and_lists(void **state)
{
        _cleanup_(registry_freep) struct registry *r = NULL;
        struct entry_load l;
        size_t counts[_ENTRY_STATE_MAX];
        char node1[PROFILE_DIGEST_MAX], node2[PROFILE_DIGEST_MAX];
        assert_int_equal(registry_new(NULL, &r), 0);

        load_good(&l, good_a);
        apply(r, "b.json", &l, NULL);
        load_good(&l, good_b);
        apply(r, "a.json", &l, NULL);
        load_bad(&l);
        apply(r, "c.json", &l, NULL);
        assert_int_equal(registry_node_digest(r, node1), 0);
        l = (struct entry_load){.error = -ENOENT};
        apply(r, "a.json", &l, NULL);
        assert_int_equal(registry_node_digest(r, node2), 0);
        assert_string_not_equal(node1, node2);

        registry_counts(r, NULL, counts);
        assert_int_equal(counts[ENTRY_VALID], 1);
        assert_int_equal(counts[ENTRY_INVALID], 1);
        assert_int_equal(counts[ENTRY_MISSING], 1);
        char **files = NULL;
        size_t n = 0;
        assert_int_equal(registry_root_files(r, &root, &files, &n), 0);
        assert_int_equal(n, 2); /* sorted, the missing one left out */
        assert_string_equal(files[0], "b.json");
        assert_string_equal(files[1], "c.json");
        for (size_t i = 0; i < n; i++)
                free(files[i]);
        free(files);

        assert_int_equal(registry_prune_missing(r), 1);
        assert_int_equal(registry_prune_missing(r), 0);
        json_t *list = registry_list_json(r);
        assert_int_equal(json_array_size(list), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")),
                            "test/b.json");
        json_decref(list);
}

struct reader {
        struct registry *r;
        int stop;
        unsigned seen, wrong; /* atomic */
};

static void *read_loop(void *userdata)
{
        struct reader *rd = userdata;
        while (!__atomic_load_n(&rd->stop, __ATOMIC_ACQUIRE)) {
                struct entry_snapshot *s = NULL;
                if (registry_get(rd->r, "test/a.json", &s) < 0)
                        continue;
                /* A snapshot's source and blob belong together, whatever happens meanwhile
                 * (cmocka's asserts are for the main thread: count, check there). */
                bool ok = s->good && s->n_blobs >= 1 &&
                          (streq(s->good->data, good_a) || streq(s->good->data, good_b)) &&
                          (s->state == ENTRY_VALID || s->state == ENTRY_STALE);
                json_decref(entry_to_json(s, true));
                entry_snapshot_unref(s);
                __atomic_add_fetch(ok ? &rd->seen : &rd->wrong, 1, __ATOMIC_RELAXED);
        }
        return NULL;
}

static void test_registry_readers_during_loads(void **state)
{
        _cleanup_(registry_freep) struct registry *r = NULL;
        struct reader rd = {0};
        struct entry_load l;
        pthread_t t[2];
        assert_int_equal(registry_new(NULL, &r), 0);
        rd.r = r;
        load_good(&l, good_a);
        apply(r, "a.json", &l, NULL);
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                assert_int_equal(pthread_create(&t[i], NULL, read_loop, &rd), 0);
        /* At least 300 loads, and on until the readers have seen 1000 snapshots. */
        for (int i = 0; i < 300 || __atomic_load_n(&rd.seen, __ATOMIC_RELAXED) < 1000; i++) {
                if (i % 3 == 2)
                        load_bad(&l);
                else
                        load_good(&l, i % 2 ? good_a : good_b);
                apply(r, "a.json", &l, NULL);
        }
        __atomic_store_n(&rd.stop, 1, __ATOMIC_RELEASE);
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                pthread_join(t[i], NULL);
        assert_int_equal(rd.wrong, 0);
        assert_true(rd.seen >= 1000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registry_state_machine),
                cmocka_unit_test(test_registry_snapshot_is_immutable),
                cmocka_unit_test(test_registry_add_blob),
                cmocka_unit_test(test_registry_prune_and_lists),
                cmocka_unit_test(test_registry_readers_during_loads),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
