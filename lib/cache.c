/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "fileio.h"
#include "diag-json.h"

#define BLOBS_DIR         "blobs"
#define TEMP_PREFIX       ".tmp-"
#define NAME_SIZE         (SHA256_HEX_SIZE + sizeof(".json") - 1) /* "<key>.json" and NUL */
#define TEMP_NAME_SIZE    (sizeof(TEMP_PREFIX) + 16)              /* ".tmp-<16 hex>" and NUL */
#define METADATA_MAX_SIZE (UINT64_C(64) << 20)                    /* mostly diagnostics */
#define NSEC_PER_SEC      UINT64_C(1000000000)

struct cache_entry {
        char key[SHA256_HEX_SIZE];
        uint64_t size;  /* .bpf + .json */
        uint64_t stamp; /* ns since the epoch, the .json's mtime: the LRU order */
};

struct cache_pin {
        char key[SHA256_HEX_SIZE];
        unsigned count;
};

struct cache {
        char *dir;
        int blobs_fd;
        uint64_t max_bytes;
        /* Guards everything below. It is also held around the renames and removals in blobs/,
         * so that within the process the index follows the directory and an entry's two files
         * always change together. Reads and writes of file contents happen outside it. */
        pthread_mutex_t lock;
        struct cache_entry *entries; /* sorted by key */
        size_t n_entries, allocated;
        uint64_t bytes;
        uint64_t last_stamp;
        uint64_t hits, misses, corrupt, stores, evictions;
        /* Keys in use by the caller (cache_pin), never evicted; sorted by key. */
        struct cache_pin *pins;
        size_t n_pins, allocated_pins;
};

/* What a lookup found on disk, so that a bad entry is removed only if it is still the one that
 * was judged, not one a concurrent store has just put in its place. */
struct observed {
        bool have_json, have_bpf;
        struct stat json_st, bpf_st;
        uint64_t size; /* both files, once read */
};

/* A temporary file in blobs/, unlinked when it goes out of scope unless renamed. */
struct temp_file {
        int dir_fd; /* borrowed */
        char name[TEMP_NAME_SIZE];
};

static void temp_file_unlinkp(struct temp_file *t)
{
        if (t->name[0])
                (void)unlinkat(t->dir_fd, t->name, 0);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

bool cache_key_is_valid(const char *key)
{
        if (!key)
                return false;
        for (size_t i = 0; i < SHA256_HEX_SIZE - 1; i++)
                if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
                        return false; /* also stops at a short key's NUL */
        return key[SHA256_HEX_SIZE - 1] == 0;
}

static void entry_name(char ret[NAME_SIZE], const char *key, const char *suffix)
{
        snprintf(ret, NAME_SIZE, "%s%s", key, suffix);
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

static uint64_t timespec_to_stamp(const struct timespec *ts)
{
        return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static void stamp_to_times(uint64_t stamp, struct timespec ret[2])
{
        ret[0] = (struct timespec){ .tv_sec = (time_t)(stamp / NSEC_PER_SEC),
                                    .tv_nsec = (long)(stamp % NSEC_PER_SEC) };
        ret[1] = ret[0];
}

/* Strictly increasing, so that the LRU order is total even when the clock or the file system's
 * timestamps are coarse; it is written to the .json's mtime and so survives a restart. */
static uint64_t next_stamp_locked(struct cache *c)
{
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t s = timespec_to_stamp(&ts);
        if (s <= c->last_stamp)
                s = c->last_stamp + 1;
        c->last_stamp = s;
        return s;
}

/* Compares entries, or a key with an entry: an entry starts with its key. */
static int entry_cmp(const void *a, const void *b)
{
        return strcmp(a, b);
}

static int entry_stamp_cmp(const void *a, const void *b)
{
        const struct cache_entry *x = a, *y = b;
        if (x->stamp != y->stamp)
                return x->stamp < y->stamp ? -1 : 1;
        return strcmp(x->key, y->key);
}

static struct cache_entry *entry_find(struct cache *c, const char *key)
{
        if (c->n_entries == 0)
                return NULL;
        return bsearch(key, c->entries, c->n_entries, sizeof(struct cache_entry), entry_cmp);
}

/* Makes room for one more entry, so that entry_set() cannot fail once files were renamed. */
static int entry_reserve(struct cache *c)
{
        if (c->n_entries < c->allocated)
                return 0;
        size_t na = c->allocated ? c->allocated * 2 : 64;
        struct cache_entry *e = reallocarray(c->entries, na, sizeof(*e));
        if (!e)
                return -ENOMEM;
        c->entries = e;
        c->allocated = na;
        return 0;
}

static int entry_set(struct cache *c, const char *key, uint64_t size, uint64_t stamp)
{
        struct cache_entry *e = entry_find(c, key);
        if (e) {
                c->bytes = c->bytes - e->size + size;
                e->size = size;
                e->stamp = stamp;
                return 0;
        }
        int r = entry_reserve(c);
        if (r < 0)
                return r;
        size_t lo = 0, hi = c->n_entries;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(c->entries[mid].key, key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        memmove(c->entries + lo + 1, c->entries + lo, (c->n_entries - lo) * sizeof(*e));
        e = &c->entries[lo];
        memcpy(e->key, key, SHA256_HEX_SIZE);
        e->size = size;
        e->stamp = stamp;
        c->n_entries++;
        c->bytes += size;
        return 0;
}

static void entry_remove(struct cache *c, const char *key)
{
        struct cache_entry *e = entry_find(c, key);
        if (!e)
                return;
        c->bytes -= e->size;
        size_t i = (size_t)(e - c->entries);
        memmove(e, e + 1, (c->n_entries - i - 1) * sizeof(*e));
        c->n_entries--;
}

/* Reads a file of `size` bytes; -EFBIG when it holds more. */
static int read_fd(int fd, size_t size, char **ret)
{
        _cleanup_free_ char *buf = malloc(size + 2);
        if (!buf)
                return -ENOMEM;
        ssize_t k = read_at_most(fd, buf, size + 1);
        if (k < 0)
                return (int)k;
        size_t n = (size_t)k;
        if (n != size)
                return n > size ? -EFBIG : -EBADMSG; /* changed since it was stat'ed */
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Writes `size` bytes to a new temporary file in `dir_fd` and makes them durable; `stamp`
 * (unless 0) becomes its mtime. The name goes to `t`, whose cleanup removes the file. */
static int write_temp(int dir_fd, const void *data, size_t size, uint64_t stamp,
                      struct temp_file *t)
{
        _cleanup_close_ int fd = -EBADF;
        for (unsigned attempt = 0; fd < 0; attempt++) {
                uint64_t rnd;
                if (attempt >= 64)
                        return -EEXIST;
                /* Without entropy yet (early boot), O_EXCL still makes the name unique. */
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                        rnd = ((uint64_t)getpid() << 40) ^ ((uintptr_t)t << 8) ^ attempt;
                snprintf(t->name, sizeof(t->name), TEMP_PREFIX "%016" PRIx64, rnd);
                fd = openat(dir_fd, t->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                            0644);
                if (fd < 0) {
                        int r = -errno;
                        t->name[0] = 0;
                        if (r != -EEXIST)
                                return r;
                }
        }
        int r = write_all(fd, data, size);
        if (r < 0)
                return r;
        if (stamp > 0) {
                struct timespec times[2];
                stamp_to_times(stamp, times);
                if (futimens(fd, times) < 0)
                        return -errno;
        }
        if (fsync(fd) < 0)
                return -errno;
        if (close(TAKE_FD(fd)) < 0)
                return -errno;
        return 0;
}

static char *metadata_format(const struct blob *b, const char *payload_sha256,
                             const struct diag_list *diags, const char *profile_digest,
                             const char *context)
{
        _cleanup_(json_decrefp) json_t *m = json_pack(
                "{s:i, s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:I, s:b, s:s?, s:s?, s:I, s:o}",
                "format", CACHE_METADATA_FORMAT, "key", b->key, "payload_sha256", payload_sha256,
                "size", (json_int_t)blob_size(b), "instructions", (json_int_t)b->n_insns,
                "optimize", b->optimize, "flags", (json_int_t)b->flags, "rules",
                (json_int_t)b->n_rules, "skipped_names", (json_int_t)b->n_skipped_names,
                "foreign_byte_order", (int)b->foreign_byte_order, "profile_digest", profile_digest,
                "context", context, "created", (json_int_t)time(NULL), "diagnostics",
                diag_list_to_json(diags));
        if (!m)
                return NULL;
        return json_dumps(m, JSON_INDENT(2));
}

struct metadata {
        int format, optimize, foreign_byte_order;
        const char *key, *payload_sha256;
        json_int_t size, instructions, flags, rules, skipped_names;
        json_t *diagnostics; /* borrowed from the document */
};

static int metadata_parse(json_t *root, const char *key, struct metadata *ret)
{
        struct metadata m = { 0 };
        if (json_unpack(root, "{s:i, s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:I, s:b, s:o}", "format",
                        &m.format, "key", &m.key, "payload_sha256", &m.payload_sha256, "size",
                        &m.size, "instructions", &m.instructions, "optimize", &m.optimize, "flags",
                        &m.flags, "rules", &m.rules, "skipped_names", &m.skipped_names,
                        "foreign_byte_order", &m.foreign_byte_order, "diagnostics",
                        &m.diagnostics) < 0)
                return -EBADMSG;
        if (m.format != CACHE_METADATA_FORMAT || !streq(m.key, key) ||
            !cache_key_is_valid(m.payload_sha256) || m.instructions < 1 ||
            m.instructions > BPF_MAXINSNS ||
            m.size != m.instructions * (json_int_t)sizeof(struct sock_filter) || m.flags < 0 ||
            m.flags > UINT_MAX || m.rules < 0 || m.skipped_names < 0 ||
            !json_is_array(m.diagnostics))
                return -EBADMSG;
        *ret = m;
        return 0;
}

/* Opens a file of an entry. A file that is there but cannot be opened is still identified
 * (`ret_st`, `*ret_identified`), so that it can be discarded. */
static int open_member(int dir_fd, const char *name, struct stat *ret_st, bool *ret_identified)
{
        int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                int r = -errno;
                if (r != -ENOENT && fstatat(dir_fd, name, ret_st, AT_SYMLINK_NOFOLLOW) == 0)
                        *ret_identified = true;
                return r;
        }
        if (fstat(fd, ret_st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_identified = true;
        return fd;
}

/* Reads and verifies an entry. -EBADMSG when its content is bad, -ENOENT when it does not
 * exist (no .json), other -errno as the system reports them. */
static int load_entry(struct cache *c, const char *key, struct observed *obs,
                      struct blob **ret_blob, struct diag_list **ret_diags)
{
        _cleanup_close_ int json_fd = -EBADF, bpf_fd = -EBADF;
        _cleanup_free_ char *text = NULL, *payload = NULL;
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        char name[NAME_SIZE], sha[SHA256_HEX_SIZE];
        size_t text_size, payload_size;
        struct metadata m;
        json_error_t error;
        int r;

        entry_name(name, key, ".json");
        json_fd = open_member(c->blobs_fd, name, &obs->json_st, &obs->have_json);
        if (json_fd < 0)
                return json_fd;
        if (!S_ISREG(obs->json_st.st_mode) || (uint64_t)obs->json_st.st_size > METADATA_MAX_SIZE)
                return -EBADMSG;
        text_size = (size_t)obs->json_st.st_size;
        r = read_fd(json_fd, text_size, &text);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        root = json_loadb(text, text_size, JSON_REJECT_DUPLICATES, &error);
        if (!root)
                return json_error_code(&error) == json_error_out_of_memory ? -ENOMEM : -EBADMSG;
        r = metadata_parse(root, key, &m);
        if (r < 0)
                return r;

        entry_name(name, key, ".bpf");
        bpf_fd = open_member(c->blobs_fd, name, &obs->bpf_st, &obs->have_bpf);
        if (bpf_fd == -ENOENT)
                return -EBADMSG; /* a .json without its .bpf */
        if (bpf_fd < 0)
                return bpf_fd;
        if (!S_ISREG(obs->bpf_st.st_mode) || obs->bpf_st.st_size != m.size)
                return -EBADMSG;
        payload_size = (size_t)m.size;
        r = read_fd(bpf_fd, payload_size, &payload);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        r = sha256_hex(payload, payload_size, sha);
        if (r < 0)
                return r;
        if (!streq(sha, m.payload_sha256))
                return -EBADMSG;

        r = blob_from_bytes(payload, payload_size, &b);
        if (r < 0)
                return r == -EINVAL ? -EBADMSG : r;
        b->optimize = m.optimize;
        b->flags = (unsigned)m.flags;
        b->n_rules = (size_t)m.rules;
        b->n_skipped_names = (size_t)m.skipped_names;
        b->foreign_byte_order = m.foreign_byte_order;
        memcpy(b->key, key, SHA256_HEX_SIZE);
        /* Parsed even when not asked for, so that whether an entry is corrupt does not
         * depend on the caller. NULL: the list keeps the file name it was stored with. */
        r = diag_list_from_json(m.diagnostics, NULL, &diags);
        if (r < 0)
                return r == -EINVAL ? -EBADMSG : r;
        obs->size = text_size + payload_size;
        *ret_blob = TAKE_PTR(b);
        *ret_diags = TAKE_PTR(diags);
        return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool still_there(int dir_fd, const char *name, const struct stat *seen)
{
        struct stat st;
        return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&st, seen);
}

/* Removes the bad entry a lookup judged, if its .json is still the file that was judged.
 * Returns whether it did: otherwise the entry was replaced or removed meanwhile. */
static bool discard_locked(struct cache *c, const char *key, const struct observed *obs)
{
        char json_name[NAME_SIZE], bpf_name[NAME_SIZE];
        entry_name(json_name, key, ".json");
        entry_name(bpf_name, key, ".bpf");
        if (!obs->have_json || !still_there(c->blobs_fd, json_name, &obs->json_st))
                return false;
        (void)unlinkat(c->blobs_fd, json_name, 0);
        /* The .bpf goes too, unless it was read and has been replaced since: within the
         * process both files change together under the lock, so an unchanged .json means
         * the .bpf is the one that came with it. */
        if (!obs->have_bpf || still_there(c->blobs_fd, bpf_name, &obs->bpf_st))
                (void)unlinkat(c->blobs_fd, bpf_name, 0);
        entry_remove(c, key);
        return true;
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
        struct observed obs = { 0 };

        assert(c);
        assert(ret_blob);
        if (!cache_key_is_valid(key))
                return -EINVAL;
        int r = load_entry(c, key, &obs, &b, &diags);
        if (is_transient(r))
                return r;

        cache_lock(c);
        if (r < 0) {
                if ((r != -ENOENT || obs.have_json) && discard_locked(c, key, &obs))
                        c->corrupt++;
                c->misses++;
                cache_unlock(c);
                return -ENOENT;
        }
        /* Touch under the lock: if the entry was evicted since it was read, the blob read is
         * still good, but the index must not get it back. */
        char name[NAME_SIZE];
        struct timespec times[2];
        uint64_t stamp = next_stamp_locked(c);
        entry_name(name, key, ".json");
        stamp_to_times(stamp, times);
        if (utimensat(c->blobs_fd, name, times, AT_SYMLINK_NOFOLLOW) == 0)
                (void)entry_set(c, key, obs.size, stamp); /* the index is best effort */
        c->hits++;
        cache_unlock(c);

        *ret_blob = TAKE_PTR(b);
        if (ret_diags)
                *ret_diags = TAKE_PTR(diags);
        return 0;
}

/* Removes an entry's files, the .json first: from then on the entry does not exist. */
static int remove_entry_files(int dir_fd, const char *key)
{
        char name[NAME_SIZE];
        entry_name(name, key, ".json");
        if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        entry_name(name, key, ".bpf");
        (void)unlinkat(dir_fd, name, 0); /* an orphan .bpf goes at the next cache_open() */
        return 0;
}

static int strptr_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Returns the pin of `key` or NULL; `ret_at` gets where it is or would be inserted. */
static struct cache_pin *pin_find(struct cache *c, const char *key, size_t *ret_at)
{
        size_t lo = 0, hi = c->n_pins;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int d = strcmp(key, c->pins[mid].key);
                if (d == 0) {
                        if (ret_at)
                                *ret_at = mid;
                        return &c->pins[mid];
                }
                if (d < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        if (ret_at)
                *ret_at = lo;
        return NULL;
}

int cache_pin(struct cache *c, const char *key)
{
        if (!cache_key_is_valid(key))
                return -EINVAL;
        cache_lock(c);
        size_t at;
        struct cache_pin *p = pin_find(c, key, &at);
        if (p) {
                p->count++;
                cache_unlock(c);
                return 0;
        }
        if (c->n_pins == c->allocated_pins) {
                size_t n = c->allocated_pins ? c->allocated_pins * 2 : 16;
                struct cache_pin *np = reallocarray(c->pins, n, sizeof(*np));
                if (!np) {
                        cache_unlock(c);
                        return -ENOMEM;
                }
                c->pins = np;
                c->allocated_pins = n;
        }
        memmove(&c->pins[at + 1], &c->pins[at], (c->n_pins - at) * sizeof(*c->pins));
        c->pins[at] = (struct cache_pin){ .count = 1 };
        memcpy(c->pins[at].key, key, SHA256_HEX_SIZE);
        c->n_pins++;
        cache_unlock(c);
        return 0;
}

void cache_unpin(struct cache *c, const char *key)
{
        cache_lock(c);
        size_t at;
        struct cache_pin *p = pin_find(c, key, &at);
        if (p && --p->count == 0) {
                memmove(&c->pins[at], &c->pins[at + 1], (c->n_pins - at - 1) * sizeof(*c->pins));
                c->n_pins--;
        }
        cache_unlock(c);
}

static int evict_locked(struct cache *c, const char *const *referenced, size_t n, const char *keep)
{
        _cleanup_free_ const char **refs = NULL;
        _cleanup_free_ struct cache_entry *order = NULL;
        size_t n_order = c->n_entries;
        int evicted = 0;

        assert(referenced || n == 0);
        if (c->bytes <= c->max_bytes || n_order == 0)
                return 0;
        if (n > 0) {
                refs = reallocarray(NULL, n, sizeof(*refs));
                if (!refs)
                        return -ENOMEM;
                memcpy(refs, referenced, n * sizeof(*refs));
                qsort(refs, n, sizeof(*refs), strptr_cmp);
        }
        order = reallocarray(NULL, n_order, sizeof(*order));
        if (!order)
                return -ENOMEM;
        memcpy(order, c->entries, n_order * sizeof(*order));
        qsort(order, n_order, sizeof(*order), entry_stamp_cmp);

        for (size_t i = 0; i < n_order && c->bytes > c->max_bytes; i++) {
                const char *key = order[i].key;
                if (keep && streq(key, keep))
                        continue;
                if (refs && bsearch(&key, refs, n, sizeof(*refs), strptr_cmp))
                        continue;
                if (pin_find(c, key, NULL))
                        continue;
                if (remove_entry_files(c->blobs_fd, key) < 0)
                        continue;
                entry_remove(c, key);
                c->evictions++;
                evicted++;
        }
        return evicted;
}

int cache_evict(struct cache *c, const char *const *referenced, size_t n)
{
        assert(c);
        cache_lock(c);
        int r = evict_locked(c, referenced, n, NULL);
        cache_unlock(c);
        return r;
}

/* Puts both temporary files in place, the .bpf first: the .json is what makes the entry
 * exist, and a lookup verifies one against the other whatever a crash leaves. */
static int commit_locked(struct cache *c, const char *key, struct temp_file *bpf,
                         struct temp_file *json, uint64_t size, uint64_t stamp)
{
        char name[NAME_SIZE];
        int r = entry_reserve(c);
        if (r < 0)
                return r;
        entry_name(name, key, ".bpf");
        if (renameat(c->blobs_fd, bpf->name, c->blobs_fd, name) < 0)
                return -errno;
        bpf->name[0] = 0;
        entry_name(name, key, ".json");
        if (renameat(c->blobs_fd, json->name, c->blobs_fd, name) < 0)
                return -errno;
        json->name[0] = 0;
        r = entry_set(c, key, size, stamp);
        assert(r == 0);
        c->stores++;
        return 0;
}

int cache_store(struct cache *c, const struct blob *b, const struct diag_list *diags,
                const char *profile_digest, const char *context)
{
        _cleanup_(temp_file_unlinkp) struct temp_file bpf = {.dir_fd = c->blobs_fd};
        _cleanup_(temp_file_unlinkp) struct temp_file json = {.dir_fd = c->blobs_fd};
        _cleanup_free_ char *text = NULL;
        char sha[SHA256_HEX_SIZE];
        uint64_t stamp;
        int r;

        assert(c);
        assert(b);
        if (!cache_key_is_valid(b->key) || b->n_insns == 0 || !b->insns)
                return -EINVAL;
        r = sha256_hex(b->insns, blob_size(b), sha);
        if (r < 0)
                return r;
        text = metadata_format(b, sha, diags, profile_digest, context);
        if (!text)
                return -ENOMEM;
        size_t text_size = strlen(text);

        cache_lock(c);
        stamp = next_stamp_locked(c);
        cache_unlock(c);

        r = write_temp(c->blobs_fd, b->insns, blob_size(b), 0, &bpf);
        if (r < 0)
                return r;
        r = write_temp(c->blobs_fd, text, text_size, stamp, &json);
        if (r < 0)
                return r;

        cache_lock(c);
        r = commit_locked(c, b->key, &bpf, &json, blob_size(b) + text_size, stamp);
        cache_unlock(c);
        if (r < 0)
                return r;

        /* One fsync for both renames: if a crash keeps the .json's and loses the .bpf's,
         * verification turns the entry into a miss. */
        if (fsync(c->blobs_fd) < 0)
                return -errno;

        cache_lock(c);
        (void)evict_locked(c, NULL, 0, b->key); /* -ENOMEM: evict next time */
        cache_unlock(c);
        return 0;
}

/* The key of "<key><suffix>", or false. */
static bool parse_entry_name(const char *name, const char *suffix, char ret[SHA256_HEX_SIZE])
{
        if (strlen(name) != SHA256_HEX_SIZE - 1 + strlen(suffix) ||
            !streq(name + SHA256_HEX_SIZE - 1, suffix))
                return false;
        memcpy(ret, name, SHA256_HEX_SIZE - 1);
        ret[SHA256_HEX_SIZE - 1] = 0;
        return cache_key_is_valid(ret);
}

static int scan_one(struct cache *c, const char *name)
{
        char key[SHA256_HEX_SIZE], other[NAME_SIZE];
        struct stat json_st, bpf_st;

        if (strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
                /* A store that crashed before its rename. */
                (void)unlinkat(c->blobs_fd, name, 0);
                return 0;
        }
        if (parse_entry_name(name, ".bpf", key)) {
                /* A crash between the two renames of a store, or the two unlinks of an
                 * eviction. */
                entry_name(other, key, ".json");
                if (fstatat(c->blobs_fd, other, &json_st, AT_SYMLINK_NOFOLLOW) < 0 &&
                    errno == ENOENT)
                        (void)unlinkat(c->blobs_fd, name, 0);
                return 0;
        }
        if (!parse_entry_name(name, ".json", key))
                return 0; /* not ours */
        if (fstatat(c->blobs_fd, name, &json_st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(json_st.st_mode))
                return 0; /* the lookup decides */
        entry_name(other, key, ".bpf");
        if (fstatat(c->blobs_fd, other, &bpf_st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        (void)unlinkat(c->blobs_fd, name, 0); /* cannot come from a crash */
                return 0;
        }
        int r = entry_reserve(c);
        if (r < 0)
                return r;
        struct cache_entry *e = &c->entries[c->n_entries++];
        memcpy(e->key, key, SHA256_HEX_SIZE);
        e->size = (uint64_t)json_st.st_size + (uint64_t)bpf_st.st_size;
        e->stamp = timespec_to_stamp(&json_st.st_mtim);
        c->bytes += e->size;
        if (e->stamp > c->last_stamp)
                c->last_stamp = e->stamp;
        return 0;
}

static int cache_scan(struct cache *c)
{
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
                int r = scan_one(c, de->d_name);
                if (r < 0)
                        return r;
        }
        if (c->n_entries > 0)
                qsort(c->entries, c->n_entries, sizeof(*c->entries), entry_cmp);
        return 0;
}

int cache_open(const char *dir, uint64_t max_bytes, struct cache **ret)
{
        _cleanup_(cache_freep) struct cache *c = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
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
        c->dir = strdup(dir);
        if (!c->dir)
                return -ENOMEM;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        if (mkdirat(dir_fd, BLOBS_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        c->blobs_fd = openat(dir_fd, BLOBS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (c->blobs_fd < 0)
                return -errno;
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
        free(c->entries);
        free(c->pins);
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
                .misses = c->misses,
                .corrupt = c->corrupt,
                .stores = c->stores,
                .evictions = c->evictions,
                .entries = c->n_entries,
                .bytes = c->bytes,
                .max_bytes = c->max_bytes,
        };
        cache_unlock(c);
}

const char *cache_dir(const struct cache *c)
{
        assert(c);
        return c->dir;
}
