/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "cache-alias.h"
#include "cache-file.h"
#include "cache-index.h"
#include "cache.h"
#include "diag-json.h"

/* The cache's public face: its lock, counters and LRU clock over the files (cache-file.c)
 * and the index of them (cache-index.c). */

#define CACHE_SEEN_BITS (UINT64_C(1) << 20) /* 128 KiB per open cache */

struct cache {
        char *dir;
        int blobs_fd;
        /* 0, or why blobs/ cannot be used (-errno): then every lookup misses and every store
         * fails with it, and the caller serves from memory. */
        int unusable;
        uint64_t max_bytes;
        bool durable; /* cache_set_durable() */
        /* Guards everything below. It is also held around the renames and removals in blobs/,
         * so that within the process the index follows the directory and an entry's two files
         * always change together. Reads and writes of file contents happen outside it. */
        pthread_mutex_t lock;
        /* The entries, and the keys in use by the caller (cache_pin), never evicted. */
        struct cache_index index;
        uint64_t last_stamp;
        uint64_t hits, misses, corrupt, stores, evictions, alias_hits; /* misses: atomic */
        /* Every key the index has held, as bits set (never cleared) before it went in: a key
         * whose bit is clear is not in the index, known without the lock, which the stores
         * of a cold start hold around their renames. A set bit may be another key's or a
         * removed one's: then the index is asked. Atomic. */
        uint64_t seen[CACHE_SEEN_BITS / 64];
};

static size_t seen_bit(const char *key)
{
        /* The key is hex digits of a SHA-256: its first ones are as good as any hash. */
        size_t v = 0;
        for (unsigned i = 0; i < 8; i++)
                v = v << 4 | (size_t)(key[i] <= '9' ? key[i] - '0' : key[i] - 'a' + 10);
        return v % CACHE_SEEN_BITS;
}

static void seen_add(struct cache *c, const char *key)
{
        size_t bit = seen_bit(key);
        __atomic_fetch_or(&c->seen[bit / 64], UINT64_C(1) << (bit % 64), __ATOMIC_RELEASE);
}

static bool seen_maybe(const struct cache *c, const char *key)
{
        size_t bit = seen_bit(key);
        return __atomic_load_n(&c->seen[bit / 64], __ATOMIC_ACQUIRE) & UINT64_C(1) << (bit % 64);
}

static void count_miss(struct cache *c)
{
        __atomic_fetch_add(&c->misses, 1, __ATOMIC_RELAXED);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

bool cache_key_is_valid(const char *key)
{
        /* A table and no early exit: random hex digits made the comparisons' branches
         * mispredict every other character, on every key of a warm start. */
        static const bool hex[256] = {
                ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
                ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1,
                ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
        };
        if (!key || strnlen(key, SHA256_HEX_SIZE) != SHA256_HEX_SIZE - 1)
                return false;
        bool ok = true;
        for (size_t i = 0; i < SHA256_HEX_SIZE - 1; i++)
                ok &= hex[(unsigned char)key[i]];
        return ok;
}

/* A default mutex fails only when misused. */
static void cache_lock(struct cache *c)
{
        (void)pthread_mutex_lock(&c->lock);
}

static void cache_unlock(struct cache *c)
{
        (void)pthread_mutex_unlock(&c->lock);
}

/* Strictly increasing, so that the LRU order is total even when the clock or the file system's
 * timestamps are coarse; it is written to the .json's mtime and so survives a restart. */
static uint64_t next_stamp_locked(struct cache *c)
{
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t s = cache_file_stamp(&ts);
        if (s <= c->last_stamp)
                s = c->last_stamp + 1;
        c->last_stamp = s;
        return s;
}

/* Failures that say nothing about the entry. */
static bool is_transient(int r)
{
        return r == -ENOMEM || r == -EMFILE || r == -ENFILE;
}

int cache_lookup(struct cache *c, const char *key, struct blob **ret_blob,
                 struct diag_list **ret_diags)
{
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        struct cache_file_observed obs = {0};

        assert(c);
        assert(ret_blob);
        if (!cache_key_is_valid(key))
                return -EINVAL;
        /* The index knows every entry of this cache's directory (its scan at open and every
         * store since): a key it lacks is a miss without a lookup in blobs/, whose directory
         * lock the stores of a cold start hold most of the time. */
        if (c->unusable < 0 || !seen_maybe(c, key)) {
                count_miss(c);
                return -ENOENT;
        }
        cache_lock(c);
        const struct cache_entry *known = cache_index_find(&c->index, key);
        bool listed = known && !known->alias;
        cache_unlock(c);
        if (!listed) {
                count_miss(c);
                return -ENOENT;
        }
        int r = cache_file_load(c->blobs_fd, key, &obs, &b, &diags);
        if (is_transient(r))
                return r;

        cache_lock(c);
        if (r < 0) {
                if ((r != -ENOENT || obs.have_json) && cache_file_discard(c->blobs_fd, key, &obs)) {
                        cache_index_remove(&c->index, key);
                        c->corrupt++;
                }
                count_miss(c);
                cache_unlock(c);
                return -ENOENT;
        }
        /* Touch under the lock: if the entry was evicted since it was read, the blob read is
         * still good, but the index must not get it back. */
        uint64_t stamp = next_stamp_locked(c);
        if (cache_file_touch(c->blobs_fd, key, stamp) == 0)
                (void)cache_index_set(&c->index, key, false, obs.size, stamp); /* best effort */
        c->hits++;
        cache_unlock(c);

        *ret_blob = TAKE_PTR(b);
        if (ret_diags)
                *ret_diags = TAKE_PTR(diags);
        return 0;
}

int cache_pin(struct cache *c, const char *key)
{
        if (!cache_key_is_valid(key))
                return -EINVAL;
        cache_lock(c);
        int r = cache_index_pin(&c->index, key);
        cache_unlock(c);
        return r;
}

void cache_unpin(struct cache *c, const char *key)
{
        cache_lock(c);
        cache_index_unpin(&c->index, key);
        cache_unlock(c);
}

static int remove_files(const char *key, void *userdata)
{
        struct cache *c = userdata;
        const struct cache_entry *e = cache_index_find(&c->index, key);
        if (e && e->alias) {
                char name[CACHE_NAME_SIZE];
                cache_file_entry_name(name, key, CACHE_ALIAS_SUFFIX);
                return unlinkat(c->blobs_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        }
        return cache_file_remove(c->blobs_fd, key);
}

static int evict_locked(struct cache *c, const char *const *referenced, size_t n, const char *keep)
{
        int r = cache_index_evict(&c->index, c->max_bytes, referenced, n, keep, remove_files, c);
        if (r > 0)
                c->evictions += (uint64_t)r;
        return r;
}

int cache_evict(struct cache *c, const char *const *referenced, size_t n)
{
        assert(c);
        cache_lock(c);
        int r = evict_locked(c, referenced, n, NULL);
        cache_unlock(c);
        return r;
}

/* Puts the entry in place and in the index: room in the index is made first, so that once the
 * files are renamed, the index follows. */
static int commit_locked(struct cache *c, const char *key, struct cache_temp_file *bpf,
                         struct cache_temp_file *json, uint64_t size, uint64_t stamp)
{
        int r = cache_index_reserve(&c->index);
        if (r < 0)
                return r;
        r = cache_file_commit(c->blobs_fd, key, bpf, json);
        if (r < 0)
                return r;
        seen_add(c, key);
        r = cache_index_set(&c->index, key, false, size, stamp);
        assert(r == 0);
        c->stores++;
        return 0;
}

struct cache_pending {
        char key[SHA256_HEX_SIZE];
        void *bytes;
        size_t size;
        char *text; /* the metadata */
        size_t text_size;
        char payload_sha256[SHA256_HEX_SIZE];
        struct blob facts;               /* the blob's fields, without insns */
        struct diag_list *diags;         /* a copy, for an alias */
        char alias_key[SHA256_HEX_SIZE]; /* "" or an alias to write once the entry is */
        char *alias_extra;
        size_t alias_extra_size;
};

struct cache_pending *cache_pending_free(struct cache_pending *p)
{
        if (p) {
                free(p->bytes);
                free(p->text);
                diag_list_free(p->diags);
                free(p->alias_extra);
                free(p);
        }
        return NULL;
}

const char *cache_pending_key(const struct cache_pending *p)
{
        return p->key;
}

int cache_pending_new(const struct blob *b, const struct diag_list *diags,
                      const char *profile_digest, const char *context, struct cache_pending **ret)
{
        _cleanup_(cache_pending_freep) struct cache_pending *p = NULL;
        char sha[SHA256_HEX_SIZE];

        assert(b);
        if (!cache_key_is_valid(b->key) || b->n_insns == 0 || !b->insns)
                return -EINVAL;
        int r = sha256_hex(b->insns, blob_size(b), sha);
        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        memcpy(p->key, b->key, SHA256_HEX_SIZE);
        p->size = blob_size(b);
        p->bytes = malloc(p->size);
        p->text = cache_file_metadata_format(b, sha, diags, profile_digest, context);
        if (!p->bytes || !p->text)
                return -ENOMEM;
        memcpy(p->bytes, b->insns, p->size);
        p->text_size = strlen(p->text);
        memcpy(p->payload_sha256, sha, SHA256_HEX_SIZE);
        p->facts = *b;
        p->facts.insns = NULL;
        if (diags && diags->n > 0 &&
            ((r = diag_list_new(diags->file, &p->diags)) < 0 ||
             (r = diag_list_extend(p->diags, diags)) < 0))
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

static int alias_write(struct cache *c, const char *alias_key, const struct blob *facts,
                       const char *payload_sha256, const char *metadata_sha256,
                       const struct diag_list *diags, const char *extra, size_t extra_size);

void cache_store_pending(struct cache *c, struct cache_pending *const *items, size_t n,
                         int *ret_results)
{
        _cleanup_free_ struct cache_temp_file *temps = NULL;
        _cleanup_free_ uint64_t *stamps = NULL;
        _cleanup_free_ const char **stored = NULL;
        size_t n_stored = 0;

        assert(c);
        assert(items || n == 0);
        for (size_t i = 0; i < n; i++)
                ret_results[i] = c->unusable;
        if (c->unusable < 0 || n == 0)
                return;
        temps = calloc(2 * n, sizeof(*temps));
        stamps = calloc(n, sizeof(*stamps));
        stored = calloc(n, sizeof(*stored));
        if (!temps || !stamps || !stored) {
                for (size_t i = 0; i < n; i++)
                        ret_results[i] = -ENOMEM;
                return;
        }
        for (size_t i = 0; i < 2 * n; i++)
                temps[i].dir_fd = c->blobs_fd;

        /* Every temp file written first, made durable after (when the cache is): their
         * writebacks start together and their fsyncs share the file system's commits, where
         * one store at a time paid three of its own. */
        cache_lock(c);
        for (size_t i = 0; i < n; i++)
                stamps[i] = next_stamp_locked(c);
        cache_unlock(c);
        for (size_t i = 0; i < n; i++) {
                int r = cache_file_write_temp(c->blobs_fd, items[i]->bytes, items[i]->size, 0,
                                              false, &temps[2 * i]);
                if (r >= 0)
                        r = cache_file_write_temp(c->blobs_fd, items[i]->text, items[i]->text_size,
                                                  stamps[i], false, &temps[2 * i + 1]);
                ret_results[i] = r;
        }
        for (size_t i = 0; c->durable && i < 2 * n; i++)
                cache_file_start_writeback(&temps[i]);
        for (size_t i = 0; i < n; i++) {
                int r = ret_results[i];
                if (r >= 0)
                        r = cache_file_close_temp(&temps[2 * i], c->durable);
                if (r >= 0)
                        r = cache_file_close_temp(&temps[2 * i + 1], c->durable);
                ret_results[i] = r;
        }

        /* The lock is taken for each entry's renames, not for the group's: lookups (misses
         * too, which consult the index) wait for one entry's renames at most. */
        for (size_t i = 0; i < n; i++)
                if (ret_results[i] >= 0) {
                        cache_lock(c);
                        ret_results[i] =
                                commit_locked(c, items[i]->key, &temps[2 * i], &temps[2 * i + 1],
                                              items[i]->size + items[i]->text_size, stamps[i]);
                        cache_unlock(c);
                        if (ret_results[i] >= 0)
                                stored[n_stored++] = items[i]->key;
                }
        for (size_t i = 0; i < 2 * n; i++)
                cache_temp_file_unlinkp(&temps[i]); /* what was not renamed into place */

        /* One fsync for all the renames: if a crash keeps a .json and loses its .bpf,
         * verification turns the entry into a miss. */
        if (n_stored > 0 && c->durable && fsync(c->blobs_fd) < 0) {
                int r = -errno;
                for (size_t i = 0; i < n; i++)
                        if (ret_results[i] >= 0)
                                ret_results[i] = r;
        }
        if (n_stored > 0) {
                cache_lock(c);
                (void)evict_locked(c, stored, n_stored, NULL); /* -ENOMEM: evict next time */
                cache_unlock(c);
        }
        /* Aliases go after their entries, which they name. Best effort: a lost alias costs
         * its caller the slow path once. */
        for (size_t i = 0; i < n; i++) {
                char meta[SHA256_HEX_SIZE];
                const struct cache_pending *p = items[i];
                if (ret_results[i] < 0 || !p->alias_key[0] ||
                    sha256_hex(p->text, p->text_size, meta) < 0)
                        continue;
                (void)alias_write(c, p->alias_key, &p->facts, p->payload_sha256, meta, p->diags,
                                  p->alias_extra, p->alias_extra_size);
        }
}

int cache_pending_set_alias(struct cache_pending *p, const char *alias_key, const char *extra,
                            size_t extra_size)
{
        if (!cache_key_is_valid(alias_key))
                return -EINVAL;
        char *copy = malloc(extra_size + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, extra, extra_size);
        copy[extra_size] = 0;
        memcpy(p->alias_key, alias_key, SHA256_HEX_SIZE);
        free(p->alias_extra);
        p->alias_extra = copy;
        p->alias_extra_size = extra_size;
        return 0;
}

/* Puts the alias text in place: written and renamed, not fsync'd. Its checksum makes whatever
 * a crash leaves of it a miss, and a lost alias costs one parse. */
static int alias_write(struct cache *c, const char *alias_key, const struct blob *facts,
                       const char *payload_sha256, const char *metadata_sha256,
                       const struct diag_list *diags, const char *extra, size_t extra_size)
{
        struct cache_temp_file t = {.dir_fd = c->blobs_fd};
        char name[CACHE_NAME_SIZE];
        size_t size;
        _cleanup_free_ char *text = cache_alias_format(
                alias_key, facts, payload_sha256, metadata_sha256, diags, extra, extra_size, &size);
        if (!text)
                return -ENOMEM;
        cache_lock(c);
        uint64_t stamp = next_stamp_locked(c);
        cache_unlock(c);
        /* Its mtime is left as written (now): the index has the exact stamp, and the next
         * start's LRU order needs no better than the file system's clock. */
        int r = cache_file_write_temp(c->blobs_fd, text, size, 0, false, &t);
        if (r >= 0 && t.has_fd) {
                t.has_fd = false;
                if (close(t.fd) < 0)
                        r = -errno;
        }
        if (r >= 0) {
                cache_file_entry_name(name, alias_key, CACHE_ALIAS_SUFFIX);
                cache_lock(c);
                r = cache_index_reserve(&c->index);
                if (r >= 0 && renameat(c->blobs_fd, t.name, c->blobs_fd, name) < 0)
                        r = -errno;
                if (r >= 0) {
                        t.name[0] = 0;
                        seen_add(c, alias_key);
                        r = cache_index_set(&c->index, alias_key, true, size, stamp);
                        assert(r == 0);
                        (void)evict_locked(c, NULL, 0, alias_key);
                }
                cache_unlock(c);
        }
        cache_temp_file_unlinkp(&t);
        return r;
}

/* The sha256 of the text of `key`'s .json as it is now. */
static int metadata_sha(struct cache *c, const char *key, char ret[SHA256_HEX_SIZE])
{
        _cleanup_free_ char *text = NULL;
        char name[CACHE_NAME_SIZE];
        size_t size;
        cache_file_entry_name(name, key, ".json");
        int r = cache_file_read(c->blobs_fd, name, CACHE_ALIAS_MAX_SIZE << 2, &text, &size);
        if (r < 0)
                return r;
        return sha256_hex(text, size, ret);
}

int cache_alias_store(struct cache *c, const char *alias_key, const struct blob *b,
                      const struct diag_list *diags, const char *extra, size_t extra_size)
{
        char payload[SHA256_HEX_SIZE], meta[SHA256_HEX_SIZE];
        int r;

        assert(c);
        assert(b);
        if (!cache_key_is_valid(alias_key) || !cache_key_is_valid(b->key) || b->n_insns == 0)
                return -EINVAL;
        if (c->unusable < 0)
                return c->unusable;
        if ((r = sha256_hex(b->insns, blob_size(b), payload)) < 0 ||
            (r = metadata_sha(c, b->key, meta)) < 0)
                return r;
        return alias_write(c, alias_key, b, payload, meta, diags, extra, extra_size);
}

/* Removes a damaged alias. Should a concurrent store have just replaced it with a good one,
 * that one goes too: it costs one slow path, never a wrong answer. */
static void alias_discard(struct cache *c, const char *alias_key)
{
        char name[CACHE_NAME_SIZE];
        cache_file_entry_name(name, alias_key, CACHE_ALIAS_SUFFIX);
        cache_lock(c);
        /* An empty directory in its place (a damaged cache) goes too, or no alias could
         * ever be stored there again. */
        if (unlinkat(c->blobs_fd, name, 0) == 0 || errno == ENOENT ||
            (errno == EISDIR && unlinkat(c->blobs_fd, name, AT_REMOVEDIR) == 0))
                cache_index_remove(&c->index, alias_key);
        cache_unlock(c);
}

/* Makes entry `key` the most recently used: in the index always, on disk only when the
 * stamp there is older than CACHE_TOUCH_INTERVAL, so that a warm start writes nothing. */
static void touch_locked(struct cache *c, const char *key, const char *suffix, uint64_t stamp)
{
        struct cache_entry *e = cache_index_find(&c->index, key);
        if (!e)
                return;
        e->stamp = stamp;
        e->used = true;
        if (stamp - e->disk_stamp > CACHE_TOUCH_INTERVAL &&
            cache_file_touch_name(c->blobs_fd, key, suffix, stamp) == 0)
                e->disk_stamp = stamp;
}

int cache_sweep_aliases(struct cache *c, const bool *cancel, uint64_t *ret_bytes)
{
        _cleanup_free_ char(*keys)[SHA256_HEX_SIZE] = NULL;
        size_t n = 0, removed = 0;
        uint64_t bytes = 0;

        assert(c);
        if (ret_bytes)
                *ret_bytes = 0;
        if (c->unusable < 0)
                return 0;
        /* The keys first: removing entries moves others in the index's array. */
        cache_lock(c);
        if (c->index.n_aliases > 0)
                keys = malloc(c->index.n_aliases * sizeof(*keys));
        if (!keys && c->index.n_aliases > 0) {
                cache_unlock(c);
                return -ENOMEM;
        }
        for (size_t i = 0; i < c->index.n_entries && n < c->index.n_aliases; i++) {
                const struct cache_entry *e = &c->index.entries[i];
                if (e->alias && !e->used)
                        memcpy(keys[n++], e->key, SHA256_HEX_SIZE);
        }
        cache_unlock(c);
        /* One at a time under the lock: a lookup or a store of one of them meanwhile keeps
         * it. */
        for (size_t i = 0; i < n && !(cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED)); i++) {
                char name[CACHE_NAME_SIZE];
                cache_file_entry_name(name, keys[i], CACHE_ALIAS_SUFFIX);
                cache_lock(c);
                const struct cache_entry *e = cache_index_find(&c->index, keys[i]);
                if (e && e->alias && !e->used &&
                    (unlinkat(c->blobs_fd, name, 0) == 0 || errno == ENOENT)) {
                        bytes += e->size;
                        removed++;
                        cache_index_remove(&c->index, keys[i]);
                }
                cache_unlock(c);
        }
        if (ret_bytes)
                *ret_bytes = bytes;
        return removed > INT_MAX ? INT_MAX : (int)removed;
}

int cache_alias_lookup(struct cache *c, const char *alias_key, struct blob **ret_blob,
                       struct diag_list **ret_diags, char **ret_extra, size_t *ret_extra_size)
{
        _cleanup_free_ char *text = NULL, *meta = NULL, *payload = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        struct cache_alias a = {0};
        char name[CACHE_NAME_SIZE], sha[SHA256_HEX_SIZE];
        size_t size;
        int r;

        assert(c);
        if (!cache_key_is_valid(alias_key))
                return -EINVAL;
        if (c->unusable < 0 || !seen_maybe(c, alias_key))
                return -ENOENT;
        cache_lock(c);
        const struct cache_entry *known = cache_index_find(&c->index, alias_key);
        bool is_alias = known && known->alias;
        cache_unlock(c);
        if (!is_alias)
                return -ENOENT; /* not one of this cache's aliases: see cache_lookup() */
        cache_file_entry_name(name, alias_key, CACHE_ALIAS_SUFFIX);
        r = cache_file_read(c->blobs_fd, name, CACHE_ALIAS_MAX_SIZE, &text, &size);
        if (r == -ENOENT || is_transient(r))
                return r;
        if (r >= 0)
                r = cache_alias_parse(text, size, alias_key, &a);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                alias_discard(c, alias_key);
                return -ENOENT;
        }

        /* The blob entry must be the one the alias was made with: in the index, its .json
         * unchanged and its payload of the recorded sha256. Anything else is a miss, which
         * the caller's cache_lookup() judges. */
        cache_lock(c);
        const struct cache_entry *e = cache_index_find(&c->index, a.key);
        bool listed = e && !e->alias;
        cache_unlock(c);
        r = -ENOENT;
        if (!listed)
                goto miss;
        cache_file_entry_name(name, a.key, ".json");
        r = cache_file_read(c->blobs_fd, name, CACHE_ALIAS_MAX_SIZE << 2, &meta, &size);
        if (r >= 0)
                r = sha256_hex(meta, size, sha);
        if (r < 0 || !streq(sha, a.metadata_sha256))
                goto miss;
        cache_file_entry_name(name, a.key, ".bpf");
        r = cache_file_read(c->blobs_fd, name, a.instructions * sizeof(struct sock_filter),
                            &payload, &size);
        if (r >= 0 && size != a.instructions * sizeof(struct sock_filter))
                r = -EBADMSG;
        if (r >= 0)
                r = sha256_hex(payload, size, sha);
        if (r < 0 || !streq(sha, a.payload_sha256))
                goto miss;
        if ((r = blob_from_bytes(payload, size, &b)) < 0 ||
            (r = cache_alias_diagnostics(&a, &diags)) < 0)
                goto miss;
        b->optimize = a.optimize;
        b->flags = a.flags;
        b->n_rules = a.rules;
        b->n_skipped_names = a.skipped_names;
        b->foreign_byte_order = a.foreign_byte_order;
        memcpy(b->key, a.key, SHA256_HEX_SIZE);

        cache_lock(c);
        uint64_t stamp = next_stamp_locked(c);
        touch_locked(c, a.key, ".json", stamp);
        touch_locked(c, alias_key, CACHE_ALIAS_SUFFIX, stamp);
        c->hits++;
        c->alias_hits++;
        cache_unlock(c);
        *ret_blob = TAKE_PTR(b);
        if (ret_diags)
                *ret_diags = TAKE_PTR(diags);
        /* The extra moves to the front of the file's buffer, which the caller gets. */
        memmove(text, a.extra, a.extra_size);
        text[a.extra_size] = 0;
        *ret_extra = TAKE_PTR(text);
        *ret_extra_size = a.extra_size;
        return 0;
miss:
        return is_transient(r) ? r : -ENOENT;
}

int cache_store(struct cache *c, const struct blob *b, const struct diag_list *diags,
                const char *profile_digest, const char *context)
{
        _cleanup_(cache_pending_freep) struct cache_pending *p = NULL;
        int r;

        assert(c);
        assert(b);
        if (!cache_key_is_valid(b->key) || b->n_insns == 0 || !b->insns)
                return -EINVAL;
        if (c->unusable < 0)
                return c->unusable;
        r = cache_pending_new(b, diags, profile_digest, context, &p);
        if (r < 0)
                return r;
        cache_store_pending(c, &p, 1, &r);
        return r;
}

/* A .bpf seen by the scan (kind 3), judged once the whole directory is listed. */
struct scan_bpfs {
        char (*keys)[SHA256_HEX_SIZE];
        size_t n, allocated;
};

static void scan_bpfs_done(struct scan_bpfs *b)
{
        free(b->keys);
}

static int scan_one(struct cache *c, const char *name, struct scan_bpfs *bpfs)
{
        char key[SHA256_HEX_SIZE];
        uint64_t size, stamp;
        int kind = cache_file_scan_one(c->blobs_fd, name, key, &size, &stamp);
        if (kind <= 0)
                return 0;
        if (kind == 3) {
                if (bpfs->n == bpfs->allocated) {
                        size_t n = bpfs->allocated ? bpfs->allocated * 2 : 256;
                        void *k = realloc(bpfs->keys, n * sizeof(*bpfs->keys));
                        if (!k)
                                return -ENOMEM;
                        bpfs->keys = k;
                        bpfs->allocated = n;
                }
                memcpy(bpfs->keys[bpfs->n++], key, SHA256_HEX_SIZE);
                return 0;
        }
        seen_add(c, key);
        int r = cache_index_append(&c->index, key, kind == 2, size, stamp);
        if (r < 0)
                return r;
        if (stamp > c->last_stamp)
                c->last_stamp = stamp;
        return 0;
}

static int cache_scan(struct cache *c)
{
        _cleanup_(scan_bpfs_done) struct scan_bpfs bpfs = {0};
        int fd = openat(c->blobs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return -errno;
                        break;
                }
                int r = scan_one(c, de->d_name, &bpfs);
                if (r < 0)
                        return r;
        }
        /* A .bpf whose .json was not listed, or was no entry, is what a crash between the
         * two renames of a store (or the two unlinks of an eviction) leaves. */
        for (size_t i = 0; i < bpfs.n; i++) {
                const struct cache_entry *e = cache_index_find(&c->index, bpfs.keys[i]);
                if (!e || e->alias) {
                        char name[CACHE_NAME_SIZE];
                        cache_file_entry_name(name, bpfs.keys[i], ".bpf");
                        (void)unlinkat(c->blobs_fd, name, 0);
                }
        }
        return 0;
}

/* Creates dir and dir/blobs when missing; returns an fd of dir/blobs or -errno. */
static int open_blobs(const char *dir)
{
        _cleanup_close_ int dir_fd = -EBADF;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        if (mkdirat(dir_fd, CACHE_BLOBS_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        int fd = openat(dir_fd, CACHE_BLOBS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

int cache_open(const char *dir, uint64_t max_bytes, struct cache **ret)
{
        _cleanup_(cache_freep) struct cache *c = NULL;
        int r;

        assert(dir);
        assert(ret);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->blobs_fd = -EBADF;
        r = pthread_mutex_init(&c->lock, NULL);
        if (r != 0) {
                free(TAKE_PTR(c));
                return -r;
        }
        c->max_bytes = max_bytes ? max_bytes : CACHE_MAX_BYTES_DEFAULT;
        c->durable = true;
        c->dir = strdup(dir);
        if (!c->dir)
                return -ENOMEM;

        r = open_blobs(dir);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                c->unusable = r; /* read-only, missing parent, not a directory...: no cache */
                *ret = TAKE_PTR(c);
                return 0;
        }
        c->blobs_fd = r;
        r = cache_scan(c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

struct cache *cache_free(struct cache *c)
{
        if (!c)
                return NULL;
        if (c->blobs_fd >= 0)
                close(c->blobs_fd);
        pthread_mutex_destroy(&c->lock);
        cache_index_done(&c->index);
        free(c->dir);
        free(c);
        return NULL;
}

void cache_get_stats(struct cache *c, struct cache_stats *ret)
{
        assert(c);
        assert(ret);
        cache_lock(c);
        *ret = (struct cache_stats){
                .hits = c->hits,
                .misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED),
                .corrupt = c->corrupt,
                .stores = c->stores,
                .evictions = c->evictions,
                .alias_hits = c->alias_hits,
                .entries = c->index.n_entries - c->index.n_aliases,
                .aliases = c->index.n_aliases,
                .bytes = c->index.bytes,
                .max_bytes = c->max_bytes,
        };
        cache_unlock(c);
}

void cache_set_durable(struct cache *c, bool durable)
{
        assert(c);
        c->durable = durable;
}

int cache_unusable(const struct cache *c)
{
        assert(c);
        return c->unusable;
}

const char *cache_dir(const struct cache *c)
{
        assert(c);
        return c->dir;
}
