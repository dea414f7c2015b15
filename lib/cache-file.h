/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "compile.h"
#include "diag.h"

/* The blob cache's files (the on-disk format of DESIGN §5) and their verification. In
 * blobs/, an entry is <key>.bpf (the raw BPF) and <key>.json (its metadata: format, payload
 * sha256, sizes, stats, diagnostics); the .json is renamed into place last, so an entry
 * exists exactly when its .json does. A store writes each file to a temporary
 * ".tmp-<16 hex>" first. Nothing here holds a lock or knows the index: the cache calls these
 * with its lock held where the directory must not change under it (renames, removals). All
 * functions return 0 (or what they say) or -errno. */

#define CACHE_BLOBS_DIR      "blobs"
#define CACHE_TEMP_PREFIX    ".tmp-"
#define CACHE_ALIAS_SUFFIX   ".alias"
#define CACHE_NAME_SIZE      (SHA256_HEX_SIZE + sizeof(CACHE_ALIAS_SUFFIX) - 1) /* "<key>.alias" */
#define CACHE_TEMP_NAME_SIZE (sizeof(CACHE_TEMP_PREFIX) + 16) /* ".tmp-<16 hex>", NUL */

/* What a lookup found on disk, so that a bad entry is removed only if it is still the one that
 * was judged, not one a concurrent store has just put in its place. */
struct cache_file_observed {
        bool have_json, have_bpf;
        struct stat json_st, bpf_st;
        uint64_t size; /* both files, once read */
};

/* A temporary file in blobs/, unlinked when it goes out of scope unless renamed (then its
 * name is empty). */
struct cache_temp_file {
        int dir_fd; /* borrowed */
        char name[CACHE_TEMP_NAME_SIZE];
        bool has_fd; /* fd is open: written, not yet made durable */
        int fd;
};
void cache_temp_file_unlinkp(struct cache_temp_file *t);

/* An LRU stamp (ns since the epoch) from a file time. */
uint64_t cache_file_stamp(const struct timespec *ts);

/* Reads and verifies the entry of `key`: metadata well-formed and of this key, the .bpf of the
 * recorded size and sha256, the diagnostics readable. Fills `obs` with what it found, also on
 * failure. Returns 0 with a new blob and diagnostics list, -ENOENT when there is no .json,
 * -EBADMSG when the entry is bad, other -errno as the system reports them. */
int cache_file_load(int blobs_fd, const char *key, struct cache_file_observed *obs,
                    struct blob **ret_blob, struct diag_list **ret_diags);
/* Removes the bad entry a lookup judged, if its .json is still the file that was judged.
 * Returns whether it did: otherwise the entry was replaced or removed meanwhile. */
bool cache_file_discard(int blobs_fd, const char *key, const struct cache_file_observed *obs);
/* "<key><suffix>" (".json", ".bpf", ".alias"). */
void cache_file_entry_name(char ret[CACHE_NAME_SIZE], const char *key, const char *suffix);
/* Reads the whole of `name` in `dir_fd` (at most max_size bytes, else -EBADMSG; a symlink or
 * directory is -EBADMSG too) into a new NUL-terminated buffer, in as few calls as it can (open,
 * read, close): for files whose contents the caller verifies against a checksum. */
int cache_file_read(int dir_fd, const char *name, uint64_t max_size, char **ret, size_t *ret_size);
/* Sets the times of "<key><suffix>" to `stamp`. */
int cache_file_touch_name(int blobs_fd, const char *key, const char *suffix, uint64_t stamp);
/* Sets the .json's times to `stamp`: the entry becomes the most recently used. */
int cache_file_touch(int blobs_fd, const char *key, uint64_t stamp);
/* Removes an entry's files, the .json first: from then on the entry does not exist. */
int cache_file_remove(int blobs_fd, const char *key);

/* The metadata text of `b` (what cache_file_load() verifies), or NULL when out of memory. */
char *cache_file_metadata_format(const struct blob *b, const char *payload_sha256,
                                 const struct diag_list *diags, const char *profile_digest,
                                 const char *context);
/* Writes `size` bytes to a new temporary file in `dir_fd` and, when `durable`, makes them
 * durable (else the file stays open in `t` for cache_file_close_temp()); `stamp` (unless 0)
 * becomes its mtime. The name goes to `t`, whose cleanup removes the file. */
int cache_file_write_temp(int dir_fd, const void *data, size_t size, uint64_t stamp, bool durable,
                          struct cache_temp_file *t);
/* Starts the writeback of a temporary file written with durable false, without waiting: the
 * writebacks of a group's files go to the device together, so that their fsyncs after find
 * most of their data written. */
void cache_file_start_writeback(struct cache_temp_file *t);
/* Closes a temporary file written with durable false, made durable (fsync) first when
 * `durable`. */
int cache_file_close_temp(struct cache_temp_file *t, bool durable);
/* Puts both temporary files in place as the entry of `key`, the .bpf first: the .json is what
 * makes the entry exist, and a lookup verifies one against the other whatever a crash
 * leaves. A renamed file's name is cleared in its cache_temp_file. */
int cache_file_commit(int blobs_fd, const char *key, struct cache_temp_file *bpf,
                      struct cache_temp_file *json);

/* Judges one name found in blobs/ when the cache opens: removes what a crash leaves behind
 * (temporary files, a .json without its .bpf) and returns 1 with the key, the size of both
 * files and the .json's mtime as stamp for an entry, 2 with the key, size and mtime of an
 * alias (<key>.alias, whatever its type: its lookup removes what is not one), 3 with the key
 * of a .bpf (the caller removes it unless its entry is found: a crash between the two renames
 * of a store, or the two unlinks of an eviction, leaves a .bpf alone), 0 for anything else.
 * Payloads and aliases are verified on lookup, not here. */
int cache_file_scan_one(int blobs_fd, const char *name, char ret_key[SHA256_HEX_SIZE],
                        uint64_t *ret_size, uint64_t *ret_stamp);
