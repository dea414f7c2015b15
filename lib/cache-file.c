/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "cache-file.h"
#include "cache.h"
#include "diag-json.h"
#include "fileio.h"

#define METADATA_MAX_SIZE (UINT64_C(64) << 20) /* mostly diagnostics */
#define NSEC_PER_SEC      UINT64_C(1000000000)

void cache_temp_file_unlinkp(struct cache_temp_file *t)
{
        if (t->has_fd)
                close(t->fd);
        t->has_fd = false;
        if (t->name[0])
                (void)unlinkat(t->dir_fd, t->name, 0);
}

void cache_file_start_writeback(struct cache_temp_file *t)
{
        /* Only a hint: fsync() still decides. Where it fails (not Linux's, a file system
         * without it), the fsync does all the work as before. */
        if (t->has_fd)
                (void)sync_file_range(t->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

int cache_file_close_temp(struct cache_temp_file *t, bool durable)
{
        if (!t->has_fd)
                return 0;
        int r = durable && fsync(t->fd) < 0 ? -errno : 0;
        t->has_fd = false;
        if (close(t->fd) < 0 && r == 0)
                r = -errno;
        return r;
}

void cache_file_entry_name(char ret[CACHE_NAME_SIZE], const char *key, const char *suffix)
{
        snprintf(ret, CACHE_NAME_SIZE, "%s%s", key, suffix);
}

static void entry_name(char ret[CACHE_NAME_SIZE], const char *key, const char *suffix)
{
        snprintf(ret, CACHE_NAME_SIZE, "%s%s", key, suffix);
}

uint64_t cache_file_stamp(const struct timespec *ts)
{
        return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static void stamp_to_times(uint64_t stamp, struct timespec ret[2])
{
        ret[0] = (struct timespec){.tv_sec = (time_t)(stamp / NSEC_PER_SEC),
                                   .tv_nsec = (long)(stamp % NSEC_PER_SEC)};
        ret[1] = ret[0];
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

int cache_file_write_temp(int dir_fd, const void *data, size_t size, uint64_t stamp, bool durable,
                          struct cache_temp_file *t)
{
        _cleanup_close_ int fd = -EBADF;
        for (unsigned attempt = 0; fd < 0; attempt++) {
                uint64_t rnd;
                if (attempt >= 64)
                        return -EEXIST;
                /* Without entropy yet (early boot), O_EXCL still makes the name unique. */
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                        rnd = ((uint64_t)getpid() << 40) ^ ((uintptr_t)t << 8) ^ attempt;
                snprintf(t->name, sizeof(t->name), CACHE_TEMP_PREFIX "%016" PRIx64, rnd);
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
        if (!durable) {
                t->fd = TAKE_FD(fd);
                t->has_fd = true;
                return 0;
        }
        if (fsync(fd) < 0)
                return -errno;
        if (close(TAKE_FD(fd)) < 0)
                return -errno;
        return 0;
}

char *cache_file_metadata_format(const struct blob *b, const char *payload_sha256,
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
        struct metadata m = {0};
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

/* Reads and checks the .json of `key` into `m`, whose strings point into `*ret_root`. */
static int load_metadata(int blobs_fd, const char *key, struct cache_file_observed *obs,
                         json_t **ret_root, struct metadata *m, size_t *ret_size)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        _cleanup_(json_decrefp) json_t *root = NULL;
        char name[CACHE_NAME_SIZE];
        json_error_t error;

        entry_name(name, key, ".json");
        fd = open_member(blobs_fd, name, &obs->json_st, &obs->have_json);
        if (fd < 0)
                return fd;
        if (!S_ISREG(obs->json_st.st_mode) || (uint64_t)obs->json_st.st_size > METADATA_MAX_SIZE)
                return -EBADMSG;
        size_t size = (size_t)obs->json_st.st_size;
        int r = read_fd(fd, size, &text);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &error);
        if (!root)
                return json_error_code(&error) == json_error_out_of_memory ? -ENOMEM : -EBADMSG;
        r = metadata_parse(root, key, m);
        if (r < 0)
                return r;
        *ret_root = TAKE_PTR(root);
        *ret_size = size;
        return 0;
}

/* Reads the .bpf of `key` and checks it against the metadata's size and sha256. */
static int load_payload(int blobs_fd, const char *key, const struct metadata *m,
                        struct cache_file_observed *obs, char **ret)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *payload = NULL;
        char name[CACHE_NAME_SIZE], sha[SHA256_HEX_SIZE];

        entry_name(name, key, ".bpf");
        fd = open_member(blobs_fd, name, &obs->bpf_st, &obs->have_bpf);
        if (fd == -ENOENT)
                return -EBADMSG; /* a .json without its .bpf */
        if (fd < 0)
                return fd;
        if (!S_ISREG(obs->bpf_st.st_mode) || obs->bpf_st.st_size != m->size)
                return -EBADMSG;
        int r = read_fd(fd, (size_t)m->size, &payload);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        r = sha256_hex(payload, (size_t)m->size, sha);
        if (r < 0)
                return r;
        if (!streq(sha, m->payload_sha256))
                return -EBADMSG;
        *ret = TAKE_PTR(payload);
        return 0;
}

int cache_file_load(int blobs_fd, const char *key, struct cache_file_observed *obs,
                    struct blob **ret_blob, struct diag_list **ret_diags)
{
        _cleanup_free_ char *payload = NULL;
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        size_t text_size = 0;
        struct metadata m = {0};

        int r = load_metadata(blobs_fd, key, obs, &root, &m, &text_size);
        if (r < 0)
                return r;
        r = load_payload(blobs_fd, key, &m, obs, &payload);
        if (r < 0)
                return r;
        r = blob_from_bytes(payload, (size_t)m.size, &b);
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
        obs->size = text_size + (size_t)m.size;
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

bool cache_file_discard(int blobs_fd, const char *key, const struct cache_file_observed *obs)
{
        char json_name[CACHE_NAME_SIZE], bpf_name[CACHE_NAME_SIZE];
        entry_name(json_name, key, ".json");
        entry_name(bpf_name, key, ".bpf");
        if (!obs->have_json || !still_there(blobs_fd, json_name, &obs->json_st))
                return false;
        (void)unlinkat(blobs_fd, json_name, 0);
        /* The .bpf goes too, unless it was read and has been replaced since: within the
         * process both files change together under the cache's lock, so an unchanged .json
         * means the .bpf is the one that came with it. */
        if (!obs->have_bpf || still_there(blobs_fd, bpf_name, &obs->bpf_st))
                (void)unlinkat(blobs_fd, bpf_name, 0);
        return true;
}

int cache_file_read(int dir_fd, const char *name, uint64_t max_size, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd =
                openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno == ELOOP ? -EBADMSG : -errno;
        /* Whatever the callers read is verified against a checksum. */
        int r = read_fd_capped(fd, 4096, max_size > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)max_size,
                               ret, ret_size);
        return r == -EISDIR || r == -EAGAIN || r == -EFBIG ? -EBADMSG : r;
}

int cache_file_touch_name(int blobs_fd, const char *key, const char *suffix, uint64_t stamp)
{
        char name[CACHE_NAME_SIZE];
        struct timespec times[2];
        entry_name(name, key, suffix);
        stamp_to_times(stamp, times);
        if (utimensat(blobs_fd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

int cache_file_touch(int blobs_fd, const char *key, uint64_t stamp)
{
        char name[CACHE_NAME_SIZE];
        struct timespec times[2];
        entry_name(name, key, ".json");
        stamp_to_times(stamp, times);
        if (utimensat(blobs_fd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

int cache_file_remove(int blobs_fd, const char *key)
{
        char name[CACHE_NAME_SIZE];
        entry_name(name, key, ".json");
        if (unlinkat(blobs_fd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        entry_name(name, key, ".bpf");
        (void)unlinkat(blobs_fd, name, 0); /* an orphan .bpf goes at the next cache_open() */
        return 0;
}

/* Renames a temp file into place; an empty directory in the way (a damaged cache) is removed
 * first, or the entry could never be stored again. */
static int rename_into_place(int blobs_fd, const char *temp, const char *name)
{
        if (renameat(blobs_fd, temp, blobs_fd, name) >= 0)
                return 0;
        if (errno != EISDIR || unlinkat(blobs_fd, name, AT_REMOVEDIR) < 0 ||
            renameat(blobs_fd, temp, blobs_fd, name) < 0)
                return -errno;
        return 0;
}

int cache_file_commit(int blobs_fd, const char *key, struct cache_temp_file *bpf,
                      struct cache_temp_file *json)
{
        char name[CACHE_NAME_SIZE];
        int r;
        entry_name(name, key, ".bpf");
        if ((r = rename_into_place(blobs_fd, bpf->name, name)) < 0)
                return r;
        bpf->name[0] = 0;
        entry_name(name, key, ".json");
        if ((r = rename_into_place(blobs_fd, json->name, name)) < 0)
                return r;
        json->name[0] = 0;
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

int cache_file_scan_one(int blobs_fd, const char *name, char ret_key[SHA256_HEX_SIZE],
                        uint64_t *ret_size, uint64_t *ret_stamp)
{
        char key[SHA256_HEX_SIZE], other[CACHE_NAME_SIZE];
        struct stat json_st, bpf_st;

        if (parse_entry_name(name, CACHE_ALIAS_SUFFIX, key)) {
                if (fstatat(blobs_fd, name, &json_st, AT_SYMLINK_NOFOLLOW) < 0)
                        return 0;
                /* Not a regular file: listed all the same, so that its lookup (which a key
                 * missing from the index never reaches) finds it damaged and removes it. */
                memcpy(ret_key, key, SHA256_HEX_SIZE);
                *ret_size = (uint64_t)json_st.st_size;
                *ret_stamp = cache_file_stamp(&json_st.st_mtim);
                return 2;
        }

        if (strncmp(name, CACHE_TEMP_PREFIX, strlen(CACHE_TEMP_PREFIX)) == 0) {
                /* A store that crashed before its rename. */
                (void)unlinkat(blobs_fd, name, 0);
                return 0;
        }
        if (parse_entry_name(name, ".bpf", key)) {
                /* Judged by the caller once the whole directory is listed: no look here for
                 * its .json, which the listing has (or has not) anyway. */
                memcpy(ret_key, key, SHA256_HEX_SIZE);
                return 3;
        }
        if (!parse_entry_name(name, ".json", key))
                return 0; /* not ours */
        if (fstatat(blobs_fd, name, &json_st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(json_st.st_mode))
                return 0; /* not an entry, and never one: a store cannot rename onto it */
        entry_name(other, key, ".bpf");
        if (fstatat(blobs_fd, other, &bpf_st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        (void)unlinkat(blobs_fd, name, 0); /* cannot come from a crash */
                return 0;
        }
        memcpy(ret_key, key, SHA256_HEX_SIZE);
        *ret_size = (uint64_t)json_st.st_size + (uint64_t)bpf_st.st_size;
        *ret_stamp = cache_file_stamp(&json_st.st_mtim);
        return 1;
}
