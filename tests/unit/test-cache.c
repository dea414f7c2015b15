/* SPDX-License-Identifier: Apache-2.0 */
/* The blob cache: what is stored comes back identical, with its warnings, across a restart; a
 * damaged entry is a miss and is gone; eviction respects references and LRU order; concurrent
 * stores leave only valid entries. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache-index.h"
#include "cache.h"
#include "diag-json.h"
#include "test-util.h"

/* An unknown name (skipped, counted) and a filter flag, so that every field has a value. */
static const char profile[] =
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
        " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],"
        " \"syscalls\": [{\"names\": [\"read\", \"write\", \"no_such_syscall_xyz\"],"
        " \"action\": \"SCMP_ACT_ALLOW\"}]}";

struct fixture {
        char root[64]; /* the mkdtemp directory, removed afterwards */
        char *dir;     /* root/cache: cache_open() creates it */
        struct test_build build;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-cache-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        assert_true(asprintf(&f->dir, "%s/cache", f->root) > 0);
        test_build_string(profile, NULL, 0, &f->build);
        *state = f;
        return 0;
}

static int rm_one(const char *path, _unused_ const struct stat *st, _unused_ int flag,
                  _unused_ struct FTW *ftw)
{
        return remove(path);
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        assert_int_equal(nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        test_build_done(&f->build);
        free(f->dir);
        free(f);
        return 0;
}

static char *entry_path(const struct fixture *f, const char *key, const char *suffix)
{
        char *p;
        assert_true(asprintf(&p, "%s/blobs/%s%s", f->dir, key, suffix) > 0);
        return p;
}

static bool exists(const struct fixture *f, const char *key, const char *suffix)
{
        char *p = entry_path(f, key, suffix);
        bool r = access(p, F_OK) == 0;
        free(p);
        return r;
}

static void write_file(const char *path, const void *data, size_t size)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, size), (ssize_t)size);
        close(fd);
}

/* The number of files in blobs/: temporary ones, or the others. */
static unsigned count_files(const struct fixture *f, bool temporary)
{
        char *p;
        unsigned n = 0;
        assert_true(asprintf(&p, "%s/blobs", f->dir) > 0);
        DIR *d = opendir(p);
        assert_non_null(d);
        for (struct dirent *de; (de = readdir(d));)
                if (temporary ? strncmp(de->d_name, ".tmp-", 5) == 0 : de->d_name[0] != '.')
                        n++;
        closedir(d);
        free(p);
        return n;
}

/* A blob that shares the fixture's instructions under another key. */
static struct blob blob_with_key(const struct fixture *f, unsigned i)
{
        struct blob b = *f->build.blob;
        char seed[32];
        snprintf(seed, sizeof(seed), "key %u", i);
        assert_int_equal(sha256_hex(seed, strlen(seed), b.key), 0);
        return b;
}

static struct diag_list *make_diags(void)
{
        struct diag_list *l;
        assert_int_equal(diag_list_new("profiles/web.json", &l), 0);
        assert_int_equal(diag_add_at(l, DIAG_WARNING, 3, 17, "/syscalls/0/names/2",
                                     "check the spelling", "unknown syscall '%s'",
                                     "no_such_syscall_xyz"),
                         0);
        assert_int_equal(diag_add(l, DIAG_NOTE, "", NULL, "a note with \"quotes\" and ünïcode"), 0);
        return l;
}

static void assert_blob_equal(const struct blob *a, const struct blob *b)
{
        assert_int_equal(a->n_insns, b->n_insns);
        assert_memory_equal(a->insns, b->insns, blob_size(a));
        assert_int_equal(a->optimize, b->optimize);
        assert_int_equal(a->flags, b->flags);
        assert_int_equal(a->n_rules, b->n_rules);
        assert_int_equal(a->n_skipped_names, b->n_skipped_names);
        assert_int_equal(a->foreign_byte_order, b->foreign_byte_order);
        assert_string_equal(a->key, b->key);
}

static void assert_diags_equal(const struct diag_list *a, const struct diag_list *b)
{
        assert_true(streq_ptr(a->file, b->file));
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < _DIAG_SEVERITY_MAX; i++)
                assert_int_equal(a->counts[i], b->counts[i]);
        for (size_t i = 0; i < a->n; i++) {
                assert_int_equal(a->items[i].severity, b->items[i].severity);
                assert_int_equal(a->items[i].line, b->items[i].line);
                assert_int_equal(a->items[i].column, b->items[i].column);
                assert_string_equal(a->items[i].pointer, b->items[i].pointer);
                assert_string_equal(a->items[i].message, b->items[i].message);
                assert_true(streq_ptr(a->items[i].hint, b->items[i].hint));
        }
}

static void test_cache_store_then_lookup_roundtrips(void **state)
{
        struct fixture *f = *state;
        const struct blob *orig = f->build.blob;
        struct diag_list *diags = make_diags(), *got_diags = NULL;
        struct blob *got = NULL;
        struct cache_stats st;
        struct cache *c;

        /* The fixture exercises every field. */
        assert_true(orig->n_skipped_names > 0);
        assert_true(orig->flags != 0);

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_string_equal(cache_dir(c), f->dir);
        assert_int_equal(cache_store(c, orig, diags, "sha256:d", "ctx"), 0);
        assert_int_equal(cache_lookup(c, orig->key, &got, &got_diags), 0);
        assert_blob_equal(orig, got);
        assert_diags_equal(diags, got_diags);
        assert_non_null(diag_list_find(got_diags, DIAG_WARNING, "/syscalls/0/names/2",
                                       "no_such_syscall_xyz"));
        blob_free(got);
        diag_list_free(got_diags);

        /* The .bpf is the raw filter, usable as is; the .json records the inputs. */
        char *p = entry_path(f, orig->key, ".bpf"), *data = NULL;
        size_t size;
        assert_int_equal(read_file_capped(p, 1 << 20, &data, &size), 0);
        assert_int_equal(size, blob_size(orig));
        assert_memory_equal(data, orig->insns, size);
        free(data);
        free(p);
        p = entry_path(f, orig->key, ".json");
        json_t *m = json_load_file(p, JSON_REJECT_DUPLICATES, NULL);
        assert_non_null(m);
        assert_int_equal(json_integer_value(json_object_get(m, "format")), 1);
        assert_string_equal(json_string_value(json_object_get(m, "key")), orig->key);
        assert_string_equal(json_string_value(json_object_get(m, "profile_digest")), "sha256:d");
        assert_string_equal(json_string_value(json_object_get(m, "context")), "ctx");
        assert_int_equal(json_integer_value(json_object_get(m, "size")), blob_size(orig));
        assert_true(json_integer_value(json_object_get(m, "created")) > 0);
        assert_int_equal(json_array_size(json_object_get(m, "diagnostics")), 2);
        json_decref(m);
        free(p);

        /* The diagnostics are optional both ways. */
        assert_int_equal(cache_lookup(c, orig->key, &got, NULL), 0);
        assert_blob_equal(orig, got);
        blob_free(got);
        assert_int_equal(cache_store(c, orig, NULL, NULL, NULL), 0);
        assert_int_equal(cache_lookup(c, orig->key, &got, &got_diags), 0);
        assert_int_equal(got_diags->n, 0);
        blob_free(got);
        diag_list_free(got_diags);

        cache_get_stats(c, &st);
        assert_int_equal(st.stores, 2);
        assert_int_equal(st.hits, 3);
        assert_int_equal(st.misses, 0);
        assert_int_equal(st.corrupt, 0);
        assert_int_equal(st.entries, 1);
        assert_true(st.bytes > blob_size(orig));
        assert_int_equal(st.max_bytes, CACHE_MAX_BYTES_DEFAULT);
        assert_int_equal(count_files(f, true), 0);
        cache_free(c);
        diag_list_free(diags);
}

static void test_cache_restart_finds_entries(void **state)
{
        struct fixture *f = *state;
        struct diag_list *diags = make_diags(), *got_diags = NULL;
        struct cache_stats before, after;
        struct blob *got = NULL;
        struct cache *c;

        /* The first run misses (a plain miss, not corrupt) and stores. */
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_lookup(c, f->build.blob->key, &got, &got_diags), -ENOENT);
        assert_null(got);
        assert_int_equal(cache_store(c, f->build.blob, diags, "sha256:abc", "ctx"), 0);
        cache_get_stats(c, &before);
        assert_int_equal(before.misses, 1);
        assert_int_equal(before.corrupt, 0);
        cache_free(c);

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        cache_get_stats(c, &after);
        assert_int_equal(after.entries, 1);
        assert_int_equal(after.bytes, before.bytes);
        assert_int_equal(after.hits + after.misses + after.stores, 0);
        assert_int_equal(cache_lookup(c, f->build.blob->key, &got, &got_diags), 0);
        assert_blob_equal(f->build.blob, got);
        assert_diags_equal(diags, got_diags);
        cache_get_stats(c, &after);
        assert_int_equal(after.hits, 1);
        blob_free(got);
        diag_list_free(got_diags);
        cache_free(c);
        diag_list_free(diags);
}

enum damage {
        FLIP_BPF_BYTE,
        TRUNCATE_BPF,
        GROW_BPF,
        REMOVE_BPF,
        TRUNCATE_JSON,
        EMPTY_JSON,
        GARBAGE_JSON, /* garbage[arg] */
        EDIT_JSON,    /* edits[arg] */
};

/* Metadata that is not JSON, or JSON that does not describe this entry. */
static const char *const garbage[] = {
        "garbage\n", "\x01\x02\xff\xfe", "[]", "{}", "null", "{\"format\": 1}",
};

/* Rewrites one member of the real metadata: each alone must make the entry corrupt. */
static const char *const edits[][2] = {
        {"format", "2"},
        {"key", "\"0000000000000000000000000000000000000000000000000000000000000000\""},
        {"payload_sha256", "\"0000000000000000000000000000000000000000000000000000000000000000\""},
        {"size", "8"},
        {"instructions", "1"},
        {"flags", "-1"},
        {"rules", "\"many\""},
        {"foreign_byte_order", "0"},
        {"diagnostics", "[{\"severity\": \"fatal\", \"message\": \"m\"}]"},
        {"diagnostics", "[{\"severity\": \"warning\"}]"},
        {"diagnostics", "{}"},
};

static void damage_entry(const struct fixture *f, const char *key, enum damage d, size_t arg)
{
        char *bpf = entry_path(f, key, ".bpf"), *json = entry_path(f, key, ".json");
        struct stat st;
        json_error_t e;
        json_t *m;
        int fd;
        unsigned char x;

        switch (d) {
        case FLIP_BPF_BYTE:
                fd = open(bpf, O_RDWR | O_CLOEXEC);
                assert_true(fd >= 0);
                assert_int_equal(pread(fd, &x, 1, 13), 1);
                x ^= 0x40;
                assert_int_equal(pwrite(fd, &x, 1, 13), 1);
                close(fd);
                break;
        case TRUNCATE_BPF: assert_int_equal(truncate(bpf, 8), 0); break;
        case GROW_BPF:
                assert_int_equal(stat(bpf, &st), 0);
                assert_int_equal(truncate(bpf, st.st_size + 8), 0);
                break;
        case REMOVE_BPF: assert_int_equal(unlink(bpf), 0); break;
        case TRUNCATE_JSON:
                assert_int_equal(stat(json, &st), 0);
                assert_int_equal(truncate(json, st.st_size / 2), 0);
                break;
        case EMPTY_JSON: assert_int_equal(truncate(json, 0), 0); break;
        case GARBAGE_JSON: write_file(json, garbage[arg], strlen(garbage[arg])); break;
        case EDIT_JSON:
                m = json_load_file(json, 0, &e);
                assert_non_null(m);
                assert_int_equal(
                        json_object_set_new(m, edits[arg][0],
                                            json_loads(edits[arg][1], JSON_DECODE_ANY, &e)),
                        0);
                assert_int_equal(json_dump_file(m, json, 0), 0);
                json_decref(m);
                break;
        }
        free(bpf);
        free(json);
}

/* Stores, damages the entry, and checks that the lookup is a miss counted as corrupt, that both
 * files are gone, and that the entry can be stored and found again. */
static void check_damage_discarded(struct fixture *f, enum damage d, size_t arg)
{
        const struct blob *b = f->build.blob;
        struct diag_list *diags = make_diags(), *got_diags = NULL;
        struct blob *got = NULL;
        struct cache_stats st;
        struct cache *c;

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_store(c, b, diags, "sha256:abc", "ctx"), 0);
        damage_entry(f, b->key, d, arg);
        assert_int_equal(cache_lookup(c, b->key, &got, &got_diags), -ENOENT);
        assert_null(got);
        assert_null(got_diags);
        cache_get_stats(c, &st);
        assert_int_equal(st.corrupt, 1);
        assert_int_equal(st.misses, 1);
        assert_int_equal(st.hits, 0);
        assert_int_equal(st.entries, 0);
        assert_int_equal(st.bytes, 0);
        assert_false(exists(f, b->key, ".bpf"));
        assert_false(exists(f, b->key, ".json"));

        /* Now a plain miss, and the caller's rebuild is stored and served. */
        assert_int_equal(cache_lookup(c, b->key, &got, NULL), -ENOENT);
        assert_int_equal(cache_store(c, b, diags, "sha256:abc", "ctx"), 0);
        assert_int_equal(cache_lookup(c, b->key, &got, &got_diags), 0);
        assert_blob_equal(b, got);
        assert_diags_equal(diags, got_diags);
        cache_get_stats(c, &st);
        assert_int_equal(st.corrupt, 1);
        assert_int_equal(st.misses, 2);
        assert_int_equal(st.entries, 1);
        blob_free(got);
        diag_list_free(got_diags);
        cache_free(c);
        diag_list_free(diags);
}

static void test_cache_flipped_byte_is_discarded(void **state)
{
        check_damage_discarded(*state, FLIP_BPF_BYTE, 0);
}

/* Sizes that disagree with the metadata, in either direction, and no .bpf at all. */
static void test_cache_truncated_grown_or_missing_bpf_is_discarded(void **state)
{
        check_damage_discarded(*state, TRUNCATE_BPF, 0);
        check_damage_discarded(*state, GROW_BPF, 0);
        check_damage_discarded(*state, REMOVE_BPF, 0);
}

static void test_cache_truncated_json_is_discarded(void **state)
{
        check_damage_discarded(*state, TRUNCATE_JSON, 0);
        check_damage_discarded(*state, EMPTY_JSON, 0);
}

static void test_cache_garbage_json_is_discarded(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(garbage); i++)
                check_damage_discarded(*state, GARBAGE_JSON, i);
        for (size_t i = 0; i < ELEMENTSOF(edits); i++)
                check_damage_discarded(*state, EDIT_JSON, i);
}

static void test_cache_bad_keys_are_refused(void **state)
{
        struct fixture *f = *state;
        static const char *const bad[] = {
                "../x",
                "",
                "abc",
                "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
                "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678",   /* 63 */
                "abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567890", /* 65 */
                "../blobs/abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
                "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678g",
        };
        struct blob *got = NULL;
        struct cache_stats st;
        struct cache *c;

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_lookup(c, NULL, &got, NULL), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct blob b = *f->build.blob;
                assert_false(cache_key_is_valid(bad[i]));
                assert_int_equal(cache_lookup(c, bad[i], &got, NULL), -EINVAL);
                assert_null(got);
                if (strlen(bad[i]) >= sizeof(b.key))
                        continue; /* would not fit in a blob */
                snprintf(b.key, sizeof(b.key), "%s", bad[i]);
                assert_int_equal(cache_store(c, &b, NULL, NULL, NULL), -EINVAL);
        }
        assert_true(cache_key_is_valid(f->build.blob->key));
        cache_get_stats(c, &st);
        assert_int_equal(st.misses + st.stores + st.entries, 0);
        cache_free(c);
}

/* A directory the cache cannot use (its parent missing; blobs/ not a directory): it opens
 * unusable, every lookup misses, every store fails with the reason, nothing is written. */
static void test_cache_unusable_directory_opens_empty(void **state)
{
        struct fixture *f = *state;
        struct blob *got = NULL;
        struct cache_stats st;
        struct cache *c;
        char *missing, *blobs;

        assert_true(asprintf(&missing, "%s/no/such/cache", f->root) > 0);
        assert_int_equal(cache_open(missing, 0, &c), 0);
        assert_int_equal(cache_unusable(c), -ENOENT);
        assert_int_equal(cache_store(c, f->build.blob, NULL, NULL, NULL), -ENOENT);
        assert_int_equal(cache_lookup(c, f->build.blob->key, &got, NULL), -ENOENT);
        assert_null(got);
        cache_get_stats(c, &st);
        assert_int_equal(st.misses, 1);
        assert_int_equal(st.stores + st.entries + st.bytes, 0);
        cache_free(c);

        assert_int_equal(mkdir(f->dir, 0755), 0);
        assert_true(asprintf(&blobs, "%s/blobs", f->dir) > 0);
        int fd = open(blobs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_unusable(c), -ENOTDIR);
        assert_int_equal(cache_store(c, f->build.blob, NULL, NULL, NULL), -ENOTDIR);
        assert_int_equal(cache_lookup(c, f->build.blob->key, &got, NULL), -ENOENT);
        assert_int_equal(cache_evict(c, NULL, 0), 0);
        cache_free(c);
        struct stat sb;
        assert_int_equal(stat(blobs, &sb), 0);
        assert_true(S_ISREG(sb.st_mode) && sb.st_size == 0); /* left alone */
        free(blobs);
        free(missing);
}

static uint64_t entry_bytes(struct fixture *f)
{
        struct cache_stats st;
        struct cache *c;
        char *scratch;
        assert_true(asprintf(&scratch, "%s/scratch", f->root) > 0);
        assert_int_equal(cache_open(scratch, 0, &c), 0);
        struct blob b = blob_with_key(f, 1000);
        assert_int_equal(cache_store(c, &b, NULL, "sha256:abc", "ctx"), 0);
        cache_get_stats(c, &st);
        cache_free(c);
        free(scratch);
        return st.bytes;
}

static void test_cache_evict_keeps_referenced_and_drops_oldest(void **state)
{
        struct fixture *f = *state;
        struct blob b[5], *got = NULL;
        struct cache_stats st;
        struct cache *c;

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        for (unsigned i = 0; i < 5; i++) {
                b[i] = blob_with_key(f, i);
                assert_int_equal(cache_store(c, &b[i], NULL, "sha256:abc", "ctx"), 0);
        }
        cache_get_stats(c, &st);
        assert_int_equal(st.bytes % 5, 0);
        uint64_t one = st.bytes / 5;
        assert_int_equal(one, entry_bytes(f));
        /* Under the default bound nothing goes. */
        assert_int_equal(cache_evict(c, NULL, 0), 0);
        cache_free(c);

        /* The LRU order survives a restart: it is in the files' mtimes. */
        assert_int_equal(cache_open(f->dir, one * 5 / 2, &c), 0);
        cache_get_stats(c, &st);
        assert_int_equal(st.entries, 5);
        assert_int_equal(st.max_bytes, one * 5 / 2);
        /* A hit makes key 0 the most recently used: 1 is now the oldest, then 2, 3, 4. */
        assert_int_equal(cache_lookup(c, b[0].key, &got, NULL), 0);
        blob_free(got);
        const char *referenced[] = {b[1].key, "not a key"};
        assert_int_equal(cache_evict(c, referenced, ELEMENTSOF(referenced)), 3);
        for (unsigned i = 0; i < 5; i++) {
                bool kept = i <= 1;
                assert_int_equal(exists(f, b[i].key, ".json"), kept);
                assert_int_equal(exists(f, b[i].key, ".bpf"), kept);
        }
        cache_get_stats(c, &st);
        assert_int_equal(st.evictions, 3);
        assert_int_equal(st.entries, 2);
        assert_int_equal(st.bytes, 2 * one);
        assert_int_equal(cache_evict(c, NULL, 0), 0);
        assert_int_equal(cache_lookup(c, b[1].key, &got, NULL), 0);
        blob_free(got);
        assert_int_equal(cache_lookup(c, b[2].key, &got, NULL), -ENOENT);
        cache_free(c);

        /* Over the bound with everything referenced: nothing goes. */
        assert_int_equal(cache_open(f->dir, 1, &c), 0);
        const char *all[] = {b[0].key, b[1].key};
        assert_int_equal(cache_evict(c, all, 2), 0);
        assert_int_equal(cache_evict(c, all, 1), 1);
        assert_false(exists(f, b[1].key, ".json"));
        assert_true(exists(f, b[0].key, ".json"));
        cache_free(c);
}

/* Pinned entries (blobs the daemon serves) survive both a store over the bound and
 * cache_evict(); pins are counted, and an unpinned entry is evictable again. */
static void test_cache_pinned_entries_are_never_evicted(void **state)
{
        struct fixture *f = *state;
        uint64_t one = entry_bytes(f);
        struct blob b[4];
        struct cache *c;

        assert_int_equal(cache_open(f->dir, one * 5 / 2, &c), 0);
        b[0] = blob_with_key(f, 0);
        assert_int_equal(cache_store(c, &b[0], NULL, "sha256:abc", "ctx"), 0);
        assert_int_equal(cache_pin(c, b[0].key), 0);
        assert_int_equal(cache_pin(c, b[0].key), 0);
        assert_int_equal(cache_pin(c, "not a key"), -EINVAL);
        for (unsigned i = 1; i < 4; i++) {
                b[i] = blob_with_key(f, i);
                assert_int_equal(cache_store(c, &b[i], NULL, "sha256:abc", "ctx"), 0);
        }
        /* 0 is the oldest but pinned: 1 and then 2 went instead. */
        assert_true(exists(f, b[0].key, ".bpf"));
        assert_false(exists(f, b[1].key, ".bpf"));
        assert_false(exists(f, b[2].key, ".bpf"));
        assert_true(exists(f, b[3].key, ".bpf"));

        /* Still pinned once: a tighter bound cannot take it. */
        cache_unpin(c, b[0].key);
        cache_free(c);
        assert_int_equal(cache_open(f->dir, 1, &c), 0);
        assert_int_equal(cache_pin(c, b[0].key), 0);
        assert_int_equal(cache_evict(c, NULL, 0), 1);
        assert_true(exists(f, b[0].key, ".bpf"));
        assert_false(exists(f, b[3].key, ".bpf"));
        cache_unpin(c, b[0].key);
        cache_unpin(c, b[0].key); /* not pinned any more: nothing happens */
        assert_int_equal(cache_evict(c, NULL, 0), 1);
        assert_false(exists(f, b[0].key, ".bpf"));
        cache_free(c);
}

static void test_cache_store_evicts_to_bound(void **state)
{
        struct fixture *f = *state;
        uint64_t one = entry_bytes(f);
        struct blob b[4];
        struct cache_stats st;
        struct cache *c;

        assert_int_equal(cache_open(f->dir, one * 5 / 2, &c), 0);
        for (unsigned i = 0; i < 4; i++) {
                b[i] = blob_with_key(f, i);
                assert_int_equal(cache_store(c, &b[i], NULL, "sha256:abc", "ctx"), 0);
                cache_get_stats(c, &st);
                assert_true(st.bytes <= st.max_bytes);
        }
        assert_int_equal(st.entries, 2);
        assert_int_equal(st.evictions, 2);
        for (unsigned i = 0; i < 4; i++)
                assert_int_equal(exists(f, b[i].key, ".json"), i >= 2);
        cache_free(c);

        /* An entry larger than the bound is kept until the next store. */
        assert_int_equal(cache_open(f->dir, 1, &c), 0);
        assert_int_equal(cache_store(c, &b[0], NULL, NULL, NULL), 0);
        cache_get_stats(c, &st);
        assert_int_equal(st.entries, 1);
        assert_true(exists(f, b[0].key, ".json"));
        cache_free(c);
}

#define N_THREADS    4
#define N_ROUNDS     50
#define N_OWN_KEYS   3
#define N_EVICT_KEYS 8

/* cmocka cannot fail from another thread: workers record their failures. */
struct worker {
        struct fixture *f;
        struct cache *c;
        unsigned id;
        bool evicting; /* the cache holds 3 entries: lookups may miss */
        unsigned failures;
        char what[128];
};

static void worker_fail(struct worker *w, const char *what, int r)
{
        if (w->failures++ == 0)
                snprintf(w->what, sizeof(w->what), "%s: %d", what, r);
}

static void worker_lookup(struct worker *w, const struct blob *b, const struct diag_list *diags)
{
        struct diag_list *got_diags = NULL;
        struct blob *got = NULL;
        int r = cache_lookup(w->c, b->key, &got, &got_diags);
        if (r < 0 && !(r == -ENOENT && w->evicting))
                worker_fail(w, "lookup", r);
        if (r == 0 &&
            (got->n_insns != b->n_insns || !streq(got->key, b->key) ||
             memcmp(got->insns, b->insns, blob_size(got)) != 0 || got_diags->n != diags->n))
                worker_fail(w, "lookup: different content", 0);
        blob_free(got);
        diag_list_free(got_diags);
}

/* Without eviction: one key shared by all threads and a few of each thread's own, stored and
 * looked up again and again. With it: stores and lookups over a few more keys than fit, and
 * explicit evictions, so that entries vanish under lookups. */
static void *worker_run(void *userdata)
{
        struct worker *w = userdata;
        struct diag_list *diags = make_diags();
        for (unsigned i = 0; i < N_ROUNDS; i++) {
                struct blob a, b;
                int r;
                if (w->evicting) {
                        a = blob_with_key(w->f, (w->id * 7 + i) % N_EVICT_KEYS);
                        b = blob_with_key(w->f, (w->id * 5 + i * 3) % N_EVICT_KEYS);
                } else {
                        a = blob_with_key(w->f, 999);
                        b = blob_with_key(w->f, w->id * 100 + i % N_OWN_KEYS);
                }
                if ((r = cache_store(w->c, &a, diags, "sha256:x", "ctx")) < 0)
                        worker_fail(w, "store", r);
                if (!w->evicting && (r = cache_store(w->c, &b, diags, "sha256:x", "ctx")) < 0)
                        worker_fail(w, "store", r);
                worker_lookup(w, &a, diags);
                worker_lookup(w, &b, diags);
                if (w->evicting && i % 10 == 0) {
                        const char *referenced[] = {b.key};
                        if ((r = cache_evict(w->c, referenced, 1)) < 0)
                                worker_fail(w, "evict", r);
                }
        }
        diag_list_free(diags);
        return NULL;
}

/* Runs the workers on a cache of `max_bytes` and checks that no lookup ever saw a bad entry,
 * that no temporary file is left, and that the index matches what a fresh scan finds. */
static void run_workers(struct fixture *f, uint64_t max_bytes, bool evicting,
                        struct cache_stats *ret)
{
        struct worker w[N_THREADS];
        pthread_t t[N_THREADS];
        struct cache_stats again;
        struct cache *c;

        assert_int_equal(cache_open(f->dir, max_bytes, &c), 0);
        for (unsigned i = 0; i < N_THREADS; i++) {
                w[i] = (struct worker){.f = f, .c = c, .id = i, .evicting = evicting};
                assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
        }
        for (unsigned i = 0; i < N_THREADS; i++) {
                assert_int_equal(pthread_join(t[i], NULL), 0);
                if (w[i].failures > 0)
                        fail_msg("worker %u: %u failures, first %s", i, w[i].failures, w[i].what);
        }
        cache_get_stats(c, ret);
        assert_int_equal(ret->corrupt, 0);
        assert_true(ret->bytes <= ret->max_bytes);
        assert_int_equal(count_files(f, true), 0);
        cache_free(c);

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        cache_get_stats(c, &again);
        assert_int_equal(again.entries, ret->entries);
        assert_int_equal(again.bytes, ret->bytes);
        cache_free(c);
}

static void test_cache_concurrent_stores_leave_valid_entries(void **state)
{
        struct fixture *f = *state;
        struct cache_stats st;
        struct cache *c;

        run_workers(f, 0, false, &st);
        assert_int_equal(st.stores, 2 * N_THREADS * N_ROUNDS);
        assert_int_equal(st.hits, 2 * N_THREADS * N_ROUNDS);
        assert_int_equal(st.entries, 1 + N_THREADS * N_OWN_KEYS);

        /* After a restart every entry is valid, and there is no other file. */
        assert_int_equal(count_files(f, false), 2 * (1 + N_THREADS * N_OWN_KEYS));
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        for (unsigned i = 0; i <= N_THREADS * N_OWN_KEYS; i++) {
                unsigned k = i == 0 ? 999 : (i - 1) / N_OWN_KEYS * 100 + (i - 1) % N_OWN_KEYS;
                struct blob b = blob_with_key(f, k), *got = NULL;
                assert_int_equal(cache_lookup(c, b.key, &got, NULL), 0);
                blob_free(got);
        }
        cache_get_stats(c, &st);
        assert_int_equal(st.corrupt, 0);
        cache_free(c);
}

static void test_cache_concurrent_evictions_never_serve_bad_entries(void **state)
{
        struct fixture *f = *state;
        struct cache_stats st;

        run_workers(f, entry_bytes(f) * 3, true, &st);
        assert_int_equal(st.stores, N_THREADS * N_ROUNDS);
        assert_true(st.evictions > 0);
        assert_true(st.misses > 0);
}

/* A store killed at any point leaves the old entry, the new one, or none: never a bad one. */
static void test_cache_killed_store_leaves_no_bad_entry(void **state)
{
        struct fixture *f = *state;
        struct diag_list *diags = make_diags();
        uint64_t bound = entry_bytes(f) * 3; /* so that evictions are killed too */
        struct cache_stats st;
        struct cache *c;

        for (unsigned round = 0; round < 20; round++) {
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        if (cache_open(f->dir, bound, &c) < 0)
                                _exit(1);
                        cache_set_durable(c, round % 2); /* half the rounds without fsync */
                        for (unsigned i = 0;; i++) {
                                struct blob b = blob_with_key(f, i % 6);
                                (void)cache_store(c, &b, diags, "sha256:x", "ctx");
                        }
                }
                usleep(2000 + round * 1500);
                assert_int_equal(kill(pid, SIGKILL), 0);
                assert_int_equal(waitpid(pid, NULL, 0), pid);

                assert_int_equal(cache_open(f->dir, 0, &c), 0);
                assert_int_equal(count_files(f, true), 0);
                for (unsigned i = 0; i < 6; i++) {
                        struct blob b = blob_with_key(f, i), *got = NULL;
                        int r = cache_lookup(c, b.key, &got, NULL);
                        assert_true(r == 0 || r == -ENOENT);
                        blob_free(got);
                }
                cache_get_stats(c, &st);
                assert_int_equal(st.corrupt, 0);
                assert_int_equal(count_files(f, false), 2 * st.entries);
                cache_free(c);
        }
        diag_list_free(diags);
}

/* Not durable: stores are found and verified as before; a key the index lacks (stored by
 * another handle on the directory since this one opened) is a plain miss until the next
 * open, and a damaged entry is still never served. */
static void test_cache_not_durable_and_index_first_misses(void **state)
{
        struct fixture *f = *state;
        struct blob one = blob_with_key(f, 1), two = blob_with_key(f, 2), *got = NULL;
        struct cache_stats st;
        struct cache *c, *other;

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_open(f->dir, 0, &other), 0);
        cache_set_durable(c, false);
        cache_set_durable(other, false);
        assert_int_equal(cache_store(c, &one, NULL, NULL, NULL), 0);
        assert_int_equal(cache_lookup(c, one.key, &got, NULL), 0);
        assert_blob_equal(&one, got);
        got = blob_free(got);
        assert_int_equal(count_files(f, true), 0);

        assert_int_equal(cache_store(other, &two, NULL, NULL, NULL), 0);
        assert_int_equal(cache_lookup(c, two.key, &got, NULL), -ENOENT);
        assert_null(got);
        cache_get_stats(c, &st);
        assert_int_equal(st.misses, 1);
        assert_int_equal(st.corrupt, 0);
        cache_free(other);
        cache_free(c);

        /* Reopened: both are there. A flipped byte in one's payload is found and removed. */
        char *p = entry_path(f, one.key, ".bpf");
        FILE *fp = fopen(p, "r+");
        assert_non_null(fp);
        assert_int_equal(fseek(fp, 3, SEEK_SET), 0);
        assert_int_equal(fputc(0xff ^ ((const unsigned char *)one.insns)[3], fp) == EOF, 0);
        assert_int_equal(fclose(fp), 0);
        free(p);
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_lookup(c, two.key, &got, NULL), 0);
        assert_blob_equal(&two, got);
        got = blob_free(got);
        assert_int_equal(cache_lookup(c, one.key, &got, NULL), -ENOENT);
        cache_get_stats(c, &st);
        assert_int_equal(st.corrupt, 1);
        assert_int_equal(st.entries, 1);
        cache_free(c);
}

static void test_cache_stale_temp_files_removed_on_open(void **state)
{
        struct fixture *f = *state;
        struct blob kept = blob_with_key(f, 1), orphan_bpf = blob_with_key(f, 2),
                    orphan_json = blob_with_key(f, 3), *got = NULL;
        struct cache_stats st;
        struct cache *c;
        char *p;

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_store(c, &kept, NULL, NULL, NULL), 0);
        assert_int_equal(cache_store(c, &orphan_bpf, NULL, NULL, NULL), 0);
        assert_int_equal(cache_store(c, &orphan_json, NULL, NULL, NULL), 0);
        cache_free(c);

        /* What a crash leaves: temporary files, a .bpf renamed without its .json; and a .json
         * without .bpf, which only damage makes. Other files are not ours. */
        static const char *const temps[] = {".tmp-0123456789abcdef", ".tmp-x"};
        for (size_t i = 0; i < ELEMENTSOF(temps); i++) {
                assert_true(asprintf(&p, "%s/blobs/%s", f->dir, temps[i]) > 0);
                write_file(p, "partial", 7);
                free(p);
        }
        damage_entry(f, orphan_json.key, REMOVE_BPF, 0);
        p = entry_path(f, orphan_bpf.key, ".json");
        assert_int_equal(unlink(p), 0);
        free(p);
        assert_true(asprintf(&p, "%s/blobs/README", f->dir) > 0);
        write_file(p, "x", 1);
        assert_int_equal(count_files(f, true), 2);

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(count_files(f, true), 0);
        assert_false(exists(f, orphan_bpf.key, ".bpf"));
        assert_false(exists(f, orphan_json.key, ".json"));
        assert_true(exists(f, kept.key, ".bpf"));
        assert_int_equal(access(p, F_OK), 0);
        free(p);
        cache_get_stats(c, &st);
        assert_int_equal(st.entries, 1);
        assert_int_equal(cache_lookup(c, kept.key, &got, NULL), 0);
        blob_free(got);
        cache_free(c);
}

static void test_cache_diagnostics_json_roundtrip(_unused_ void **state)
{
        struct diag_list *l = make_diags(), *back = NULL;
        json_t *j = diag_list_to_json(l);
        assert_non_null(j);
        assert_int_equal(json_array_size(j), 2);
        json_t *w = json_array_get(j, 0), *n = json_array_get(j, 1);
        assert_string_equal(json_string_value(json_object_get(w, "severity")), "warning");
        assert_string_equal(json_string_value(json_object_get(w, "file")), "profiles/web.json");
        assert_int_equal(json_integer_value(json_object_get(w, "line")), 3);
        assert_int_equal(json_integer_value(json_object_get(w, "column")), 17);
        assert_string_equal(json_string_value(json_object_get(w, "hint")), "check the spelling");
        assert_null(json_object_get(n, "hint"));

        assert_int_equal(diag_list_from_json(j, NULL, &back), 0);
        assert_diags_equal(l, back);
        diag_list_free(back);
        assert_int_equal(diag_list_from_json(j, "other.json", &back), 0);
        assert_string_equal(back->file, "other.json");
        diag_list_free(back);
        json_decref(j);

        /* Without a file name, and empty. */
        free(l->file);
        l->file = NULL;
        j = diag_list_to_json(l);
        assert_true(json_is_null(json_object_get(json_array_get(j, 0), "file")));
        assert_int_equal(diag_list_from_json(j, NULL, &back), 0);
        assert_diags_equal(l, back);
        diag_list_free(back);
        json_decref(j);
        j = diag_list_to_json(NULL);
        assert_int_equal(json_array_size(j), 0);
        json_decref(j);
        diag_list_free(l);

        static const char *const malformed[] = {
                "{}",
                "[1]",
                "[{\"message\": \"m\"}]",
                "[{\"severity\": \"warning\"}]",
                "[{\"severity\": \"bad\", \"message\": \"m\"}]",
                "[{\"severity\": \"warning\", \"message\": 1}]",
                "[{\"severity\": \"warning\", \"message\": \"m\", \"line\": -1}]",
                "[{\"severity\": \"warning\", \"message\": \"m\", \"column\": \"1\"}]",
                "[{\"severity\": \"warning\", \"message\": \"m\", \"hint\": 2}]",
                "[{\"severity\": \"warning\", \"message\": \"m\", \"file\": []}]",
                "[{\"severity\": \"warning\", \"message\": \"m\", \"line\": 5000000000}]",
        };
        for (size_t i = 0; i < ELEMENTSOF(malformed); i++) {
                json_error_t e;
                back = NULL;
                j = json_loads(malformed[i], 0, &e);
                assert_non_null(j);
                assert_int_equal(diag_list_from_json(j, NULL, &back), -EINVAL);
                assert_null(back);
                json_decref(j);
        }
}

/* The index against a plain model, through many inserts, updates, removals, pins and
 * unpins of keys that collide in the low bits of any hash (so that probing and the
 * backward shift of removals run), and one eviction that must skip every pinned key. */
static int evict_ok(_unused_ const char *key, _unused_ void *userdata)
{
        return 0;
}

static void test_cache_index_matches_model(_unused_ void **state)
{
        enum { N = 3000 };
        static char keys[N][SHA256_HEX_SIZE];
        static uint64_t size[N]; /* 0: not in the index */
        static unsigned pins[N];
        struct cache_index idx = {0};
        uint64_t bytes = 0, rnd = 42;

        for (size_t i = 0; i < N; i++)
                snprintf(keys[i], sizeof(keys[i]), "%064zx", i * 7919);
        for (unsigned step = 0; step < 60000; step++) {
                rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t k = (size_t)(rnd >> 33) % N;
                switch ((rnd >> 20) % 5) {
                case 0:
                case 1:
                        assert_int_equal(cache_index_set(&idx, keys[k], false, k + 1, step), 0);
                        bytes += k + 1 - size[k];
                        size[k] = k + 1;
                        break;
                case 2:
                        cache_index_remove(&idx, keys[k]);
                        bytes -= size[k];
                        size[k] = 0;
                        break;
                case 3:
                        assert_int_equal(cache_index_pin(&idx, keys[k]), 0);
                        pins[k]++;
                        break;
                default: cache_index_unpin(&idx, keys[k]); pins[k] -= pins[k] > 0;
                }
        }
        size_t n = 0, n_pins = 0;
        for (size_t i = 0; i < N; i++) {
                struct cache_entry *e = cache_index_find(&idx, keys[i]);
                if (size[i]) {
                        assert_non_null(e);
                        assert_string_equal(e->key, keys[i]);
                        assert_int_equal(e->size, size[i]);
                        n++;
                } else
                        assert_null(e);
                n_pins += pins[i] > 0;
        }
        assert_int_equal(idx.n_entries, n);
        assert_int_equal(idx.n_pins, n_pins);
        assert_int_equal(idx.bytes, bytes);
        /* Evict everything evictable: exactly the pinned entries stay. */
        assert_true(cache_index_evict(&idx, 0, NULL, 0, NULL, evict_ok, NULL) >= 0);
        for (size_t i = 0; i < N; i++)
                if (size[i] && pins[i])
                        assert_non_null(cache_index_find(&idx, keys[i]));
                else
                        assert_null(cache_index_find(&idx, keys[i]));
        cache_index_done(&idx);
}

/* --- Aliases (issue 13) --- */

static const char alias_extra[] = "rules 1\nnames 3\nsummary {}\ndiagnostics []\n";

static char *alias_key(unsigned i)
{
        char seed[32], *k = malloc(SHA256_HEX_SIZE);
        assert_non_null(k);
        snprintf(seed, sizeof(seed), "alias %u", i);
        assert_int_equal(sha256_hex(seed, strlen(seed), k), 0);
        return k;
}

static void test_cache_alias_roundtrips_and_restarts(void **state)
{
        struct fixture *f = *state;
        struct diag_list *diags = make_diags(), *got_diags = NULL;
        struct blob *got = NULL;
        char *extra = NULL, *a = alias_key(0), *a2 = alias_key(1);
        size_t extra_size = 0;
        struct cache_stats st;
        struct cache *c;

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        /* An alias names a blob in the cache: none for a blob that is not there. */
        assert_int_equal(
                cache_alias_store(c, a, f->build.blob, diags, alias_extra, strlen(alias_extra)),
                -ENOENT);
        assert_int_equal(cache_alias_lookup(c, a, &got, &got_diags, &extra, &extra_size), -ENOENT);
        assert_int_equal(cache_store(c, f->build.blob, diags, "sha256:abc", "ctx"), 0);
        assert_int_equal(
                cache_alias_store(c, a, f->build.blob, diags, alias_extra, strlen(alias_extra)), 0);
        cache_free(c);

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        cache_get_stats(c, &st);
        assert_int_equal(st.entries, 1);
        assert_int_equal(st.aliases, 1);
        assert_int_equal(cache_alias_lookup(c, a2, &got, &got_diags, &extra, &extra_size), -ENOENT);
        assert_int_equal(cache_alias_lookup(c, a, &got, &got_diags, &extra, &extra_size), 0);
        assert_blob_equal(got, f->build.blob);
        assert_int_equal(got_diags->n, diags->n);
        assert_int_equal(extra_size, strlen(alias_extra));
        assert_string_equal(extra, alias_extra);
        cache_get_stats(c, &st);
        assert_int_equal(st.hits, 1);
        assert_int_equal(st.alias_hits, 1);
        assert_int_equal(st.misses, 0); /* an alias miss is the caller's to count */
        blob_free(got);
        diag_list_free(got_diags);
        free(extra);
        cache_free(c);
        diag_list_free(diags);
        free(a);
        free(a2);
}

/* Each damage to an alias, or to the blob it names, is a miss: never another blob. */
static void test_cache_alias_damage_is_a_miss(void **state)
{
        struct fixture *f = *state;
        char *a = alias_key(0), *path = entry_path(f, a, ".alias"), *text = NULL;
        char *json = entry_path(f, f->build.blob->key, ".json");
        char *bpf = entry_path(f, f->build.blob->key, ".bpf");
        size_t size, extra_size;
        struct blob *got = NULL;
        char *extra = NULL;
        struct cache *c;

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_store(c, f->build.blob, NULL, NULL, NULL), 0);
        assert_int_equal(
                cache_alias_store(c, a, f->build.blob, NULL, alias_extra, strlen(alias_extra)), 0);
        assert_int_equal(read_file_capped(path, 1 << 20, &text, &size), 0);
        cache_free(c);

        /* Every byte of the alias flipped in turn, then cut at every length. */
        for (size_t i = 0; i < 2 * size; i++) {
                char *t = malloc(size);
                assert_non_null(t);
                memcpy(t, text, size);
                if (i < size)
                        t[i] ^= 0x20;
                write_file(path, t, i < size ? size : i - size);
                free(t);
                assert_int_equal(cache_open(f->dir, 0, &c), 0);
                assert_int_equal(cache_alias_lookup(c, a, &got, NULL, &extra, &extra_size),
                                 -ENOENT);
                assert_false(exists(f, a, ".alias")); /* removed */
                cache_free(c);
        }
        /* The whole alias under another alias's name. */
        char *other = alias_key(7), *other_path = entry_path(f, other, ".alias");
        write_file(other_path, text, size);
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_alias_lookup(c, other, &got, NULL, &extra, &extra_size), -ENOENT);
        cache_free(c);

        /* Whole, but the blob's .json rewritten (same entry, stored again), or its .bpf
         * damaged: a miss, and the blob entry is left to cache_lookup() to judge. */
        write_file(path, text, size);
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_alias_lookup(c, a, &got, NULL, &extra, &extra_size), 0);
        blob_free(got);
        free(extra);
        assert_int_equal(cache_store(c, f->build.blob, NULL, "sha256:other", NULL), 0);
        assert_int_equal(cache_alias_lookup(c, a, &got, NULL, &extra, &extra_size), -ENOENT);
        cache_free(c);
        write_file(path, text, size);
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(
                cache_alias_store(c, a, f->build.blob, NULL, alias_extra, strlen(alias_extra)), 0);
        char *b = NULL;
        size_t bs;
        assert_int_equal(read_file_capped(bpf, 1 << 20, &b, &bs), 0);
        b[bs / 2] ^= 1;
        write_file(bpf, b, bs);
        assert_int_equal(cache_alias_lookup(c, a, &got, NULL, &extra, &extra_size), -ENOENT);
        assert_true(exists(f, f->build.blob->key, ".bpf")); /* not judged here */
        struct blob *lb = NULL;
        assert_int_equal(cache_lookup(c, f->build.blob->key, &lb, NULL), -ENOENT); /* there */
        cache_free(c);
        free(b);
        free(other);
        free(other_path);
        free(text);
        free(path);
        free(json);
        free(bpf);
        free(a);
}

/* Aliases count in the bound and are evicted like entries, least recently used first. */
static void test_cache_aliases_are_bounded(void **state)
{
        struct fixture *f = *state;
        struct cache_stats st;
        struct cache *c;
        uint64_t one = entry_bytes(f);

        assert_int_equal(cache_open(f->dir, one * 3, &c), 0);
        assert_int_equal(cache_store(c, f->build.blob, NULL, NULL, NULL), 0);
        assert_int_equal(cache_pin(c, f->build.blob->key), 0);
        for (unsigned i = 0; i < 200; i++) {
                char *a = alias_key(i);
                assert_int_equal(cache_alias_store(c, a, f->build.blob, NULL, alias_extra,
                                                   strlen(alias_extra)),
                                 0);
                cache_get_stats(c, &st);
                assert_true(st.bytes <= st.max_bytes);
                free(a);
        }
        assert_true(st.aliases > 0 && st.aliases < 200);
        assert_int_equal(st.entries, 1); /* pinned */
        assert_int_equal(st.evictions, 200 - st.aliases);
        char *last = alias_key(199), *first = alias_key(0);
        assert_true(exists(f, last, ".alias"));
        assert_false(exists(f, first, ".alias"));
        free(last);
        free(first);
        assert_int_equal(count_files(f, false), 2 + st.aliases);
        cache_free(c);
}

/* The aliases no lookup named since the open go, the others stay; blob entries are not
 * aliases. */
static void test_cache_unused_aliases_are_swept(void **state)
{
        struct fixture *f = *state;
        struct blob *got = NULL;
        struct diag_list *got_diags = NULL;
        char *extra = NULL, *k[4];
        size_t extra_size = 0;
        struct cache_stats st;
        struct cache *c;
        uint64_t bytes = 1;

        for (unsigned i = 0; i < 4; i++)
                k[i] = alias_key(i);
        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        assert_int_equal(cache_sweep_aliases(c, NULL, &bytes), 0); /* an empty cache */
        assert_int_equal(bytes, 0);
        assert_int_equal(cache_store(c, f->build.blob, NULL, NULL, NULL), 0);
        for (unsigned i = 0; i < 3; i++)
                assert_int_equal(cache_alias_store(c, k[i], f->build.blob, NULL, alias_extra,
                                                   strlen(alias_extra)),
                                 0);
        /* Stored since the open: used. */
        assert_int_equal(cache_sweep_aliases(c, NULL, NULL), 0);
        cache_free(c);

        assert_int_equal(cache_open(f->dir, 0, &c), 0);
        cache_get_stats(c, &st);
        assert_int_equal(st.aliases, 3);
        uint64_t before = st.bytes;
        assert_int_equal(cache_alias_lookup(c, k[0], &got, &got_diags, &extra, &extra_size), 0);
        assert_int_equal(
                cache_alias_store(c, k[3], f->build.blob, NULL, alias_extra, strlen(alias_extra)),
                0);
        cache_get_stats(c, &st);
        uint64_t with_new = st.bytes;
        /* k[1] and k[2]: neither looked up nor stored since the open. */
        assert_int_equal(cache_sweep_aliases(c, NULL, &bytes), 2);
        cache_get_stats(c, &st);
        assert_int_equal(st.aliases, 2);
        assert_int_equal(st.entries, 1);
        assert_true(bytes > 0);
        assert_int_equal(st.bytes, with_new - bytes);
        assert_int_equal(with_new - before, bytes / 2); /* all four aliases are the same size */
        assert_true(exists(f, k[0], ".alias"));
        assert_false(exists(f, k[1], ".alias"));
        assert_false(exists(f, k[2], ".alias"));
        assert_true(exists(f, k[3], ".alias"));
        assert_true(exists(f, f->build.blob->key, ".bpf"));
        assert_int_equal(count_files(f, false), 2 + 2);
        assert_int_equal(cache_sweep_aliases(c, NULL, &bytes), 0);
        assert_int_equal(bytes, 0);
        blob_free(got);
        diag_list_free(got_diags);
        free(extra);
        got = NULL;
        got_diags = NULL;
        extra = NULL;
        assert_int_equal(cache_alias_lookup(c, k[1], &got, &got_diags, &extra, &extra_size),
                         -ENOENT);
        assert_int_equal(cache_alias_lookup(c, k[3], &got, &got_diags, &extra, &extra_size), 0);
        blob_free(got);
        diag_list_free(got_diags);
        free(extra);
        cache_free(c);
        for (unsigned i = 0; i < 4; i++)
                free(k[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_cache_store_then_lookup_roundtrips),
                T(test_cache_restart_finds_entries),
                T(test_cache_flipped_byte_is_discarded),
                T(test_cache_truncated_grown_or_missing_bpf_is_discarded),
                T(test_cache_truncated_json_is_discarded),
                T(test_cache_garbage_json_is_discarded),
                T(test_cache_bad_keys_are_refused),
                T(test_cache_unusable_directory_opens_empty),
                T(test_cache_evict_keeps_referenced_and_drops_oldest),
                T(test_cache_store_evicts_to_bound),
                T(test_cache_pinned_entries_are_never_evicted),
                T(test_cache_concurrent_stores_leave_valid_entries),
                T(test_cache_concurrent_evictions_never_serve_bad_entries),
                T(test_cache_killed_store_leaves_no_bad_entry),
                T(test_cache_stale_temp_files_removed_on_open),
                T(test_cache_not_durable_and_index_first_misses),
                T(test_cache_alias_roundtrips_and_restarts),
                T(test_cache_alias_damage_is_a_miss),
                T(test_cache_aliases_are_bounded),
                T(test_cache_unused_aliases_are_swept),
                cmocka_unit_test(test_cache_diagnostics_json_roundtrip),
                cmocka_unit_test(test_cache_index_matches_model),
#undef T
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
