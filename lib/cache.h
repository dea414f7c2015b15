/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "diag.h"

/* The on-disk blob cache (DESIGN §5): blobs/<key>.bpf holds the raw BPF, usable as is, and
 * blobs/<key>.json its metadata (payload sha256, sizes, stats, diagnostics). The .json is
 * renamed into place last, so an entry exists exactly when its .json does, and every lookup
 * verifies the payload against it: whatever a crash or a concurrent writer leaves behind, a
 * lookup returns a valid entry or -ENOENT.
 *
 * Every function may be called from several threads at once on the same cache. */

#define CACHE_MAX_BYTES_DEFAULT (UINT64_C(256) << 20)
#define CACHE_METADATA_FORMAT   1

struct cache;

struct cache_stats {
        uint64_t hits, misses, corrupt, stores, evictions; /* since cache_open() */
        uint64_t alias_hits;                               /* of hits: through an alias */
        uint64_t entries, bytes, max_bytes; /* bytes: both files of every entry, and aliases */
        uint64_t aliases;
};

/* Whether `key` is a blob key: exactly 64 lowercase hex digits. */
bool cache_key_is_valid(const char *key) _pure_;

/* Opens the cache in `dir`, creating it (not its parents) and dir/blobs with mode 0755. When
 * they cannot be created or opened (a read-only file system, a missing parent, not a
 * directory), the cache still opens, empty and unusable: cache_unusable() says why, every
 * lookup misses and every store fails with that error, so the caller serves from memory.
 * Removes what a crash can leave behind (temporary files, a .bpf without its .json) and scans
 * the entries for the index (sizes, and the .json's mtime as the LRU order); payloads are
 * verified on lookup, not here. Nothing is evicted: that waits for cache_evict(), which knows
 * the referenced keys. `max_bytes` 0 means CACHE_MAX_BYTES_DEFAULT. Returns 0 or -errno. */
int cache_open(const char *dir, uint64_t max_bytes, struct cache **ret);
struct cache *cache_free(struct cache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cache *, cache_free);

/* Looks up the blob of `key`. On success returns 0, a new blob with every field restored from
 * the metadata, and (when `ret_diags` is not NULL) the diagnostics stored with it: a hit keeps
 * its warnings. Their file name, lines and columns are those of the profile that was stored;
 * a profile of the same canonical content under another name or layout has the same key, so
 * callers may want to rename the list (pointers stay right). A hit makes the entry the most
 * recently used (its .json's mtime).
 * A key the index lacks (not found by cache_open()'s scan, nor stored through this handle
 * since) is a miss at once, without a look in blobs/, whose directory lock a burst of stores
 * holds most of the time: an entry another process stores there is not seen before the next
 * cache_open() (it is compiled and stored again, over the other one), and an alias likewise.
 * Returns -EINVAL for a malformed key, -ENOENT for a miss; an entry that fails verification
 * (payload hash, sizes, metadata, unreadable files) is removed, counted as corrupt and as a
 * miss, and also gives -ENOENT so that the caller rebuilds it. Other -errno (-ENOMEM,
 * -EMFILE) leave the entry alone. */
int cache_lookup(struct cache *c, const char *key, struct blob **ret_blob,
                 struct diag_list **ret_diags);

/* Stores `b` under b->key with `diags` (may be NULL), the profile digest ("sha256:...") and
 * the context string (both may be NULL), replacing an entry of the same key. Each file is
 * written to a temporary file in blobs/, fsync'd and renamed (the .bpf first, then the .json),
 * then the directory is fsync'd (no fsync at all when the cache is not durable:
 * cache_set_durable()). Evicts least recently used entries, never this one, when the
 * cache is over its bound. Returns 0, -EINVAL for a malformed key or empty blob, or -errno
 * (nothing of a failed store is left behind but, at worst, a .bpf without .json that the
 * next cache_open() removes). */
int cache_store(struct cache *c, const struct blob *b, const struct diag_list *diags,
                const char *profile_digest, const char *context);

/* An entry ready to be stored (the blob's bytes and its metadata, copied), so that a writer
 * thread can store it while the blob is already served from memory. */
struct cache_pending;
int cache_pending_new(const struct blob *b, const struct diag_list *diags,
                      const char *profile_digest, const char *context, struct cache_pending **ret);
struct cache_pending *cache_pending_free(struct cache_pending *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cache_pending *, cache_pending_free);
const char *cache_pending_key(const struct cache_pending *p);
/* Stores the n entries as cache_store() stores one, with the same guarantees, but all their
 * files are written before any is fsync'd, and the directory is fsync'd once: a group commit.
 * Evicts, when over the bound, none of the entries just stored. ret_results[i] gets 0 or the
 * -errno of items[i]. */
void cache_store_pending(struct cache *c, struct cache_pending *const *items, size_t n,
                         int *ret_results);

/* Aliases (cache-alias.h): blobs/<alias key>.alias, an index into the cache by another key
 * (the daemon's: the profile file's bytes and what its parse depends on), with what the
 * caller needs to use the blob without redoing the work that found its key (`extra`: bytes
 * the cache does not read). Aliases count in the cache's bytes and are evicted like entries, least
 * recently used first (a served blob is pinned, its alias is not).
 *
 * cache_pending_set_alias() writes the alias (`extra` is copied) after the
 * pending entry is stored, cache_alias_store() for a blob already in the cache (it names the
 * .json that is there now). Neither is fsync'd: see cache-alias.h. Return 0 or -errno.
 *
 * cache_alias_lookup() returns the blob the alias names, as cache_lookup() would, with its
 * compile diagnostics and the alias's `extra` (a new buffer, NUL-terminated), and counts a hit; it
 * never judges the blob entry: any doubt about it (gone, its .json changed, its payload not the
 * recorded one) is -ENOENT, and the caller's slow path (cache_lookup()) judges it. A damaged
 * alias is removed. The LRU stamp on disk is written only when older than
 * CACHE_TOUCH_INTERVAL (the index has the exact order), so that a warm start writes nothing.
 * -ENOENT: a miss; -ENOMEM, -EMFILE, -ENFILE. */
#define CACHE_TOUCH_INTERVAL (UINT64_C(600) * 1000000000) /* ns: 10 minutes */
int cache_pending_set_alias(struct cache_pending *p, const char *alias_key, const char *extra,
                            size_t extra_size);
int cache_alias_store(struct cache *c, const char *alias_key, const struct blob *b,
                      const struct diag_list *diags, const char *extra, size_t extra_size);
int cache_alias_lookup(struct cache *c, const char *alias_key, struct blob **ret_blob,
                       struct diag_list **ret_diags, char **ret_extra, size_t *ret_extra_size);

/* Removes every alias that was neither stored, looked up nor touched since the cache was
 * opened, and returns how many (their bytes in *ret_bytes, may be NULL); an alias that cannot
 * be removed stays (a read-only cache). An alias's key holds what its owner's outcome depends
 * on (for the daemon: its build, options and context), so an upgrade, another option or a
 * removed profile leaves aliases no lookup will ever name: the daemon calls this once, when
 * the first scan of its roots has loaded every profile (each through its alias, or storing a
 * new one), so that they are not left to the LRU. A profile that was not loaded then (a root
 * absent at start) loses only its alias: one parse when it is. It stops early once *cancel
 * (may be NULL; read atomically) is true. Returns -errno only for out of memory. */
int cache_sweep_aliases(struct cache *c, const bool *cancel, uint64_t *ret_bytes);

/* Pins `key` (counted): a pinned entry is never evicted, by cache_evict() or by a store,
 * though it may still be replaced by a store of the same key or removed when found corrupt.
 * The daemon pins the blobs its registry serves, so a restart finds them. cache_pin returns
 * 0, -EINVAL for a malformed key or -ENOMEM; unpinning a key not pinned does nothing. */
int cache_pin(struct cache *c, const char *key);
void cache_unpin(struct cache *c, const char *key);

/* Evicts least recently used entries whose key is not one of the `n` keys of `referenced`
 * (may be NULL when n is 0) until the cache holds at most max_bytes. Returns the number of
 * entries evicted or -ENOMEM. */
int cache_evict(struct cache *c, const char *const *referenced, size_t n);

void cache_get_stats(struct cache *c, struct cache_stats *ret);
/* Whether stores wait for the disk (fsync), true from cache_open(). Set before any store.
 * Not durable, a store is written and renamed into place, and the kernel writes it back in
 * its own time: a process killed at any point loses nothing stored, as before; a machine
 * that loses power may lose the entries stored in the seconds before (the kernel's
 * writeback delay, 30 s by default) or keep them torn, and a torn entry is never served:
 * every lookup verifies the metadata and the payload's sha256, and removes what fails. A
 * lost entry is compiled again when next asked for. */
void cache_set_durable(struct cache *c, bool durable);

/* 0, or the -errno for which cache_open() could not use the directory. */
int cache_unusable(const struct cache *c) _pure_;
/* The directory given to cache_open(). */
const char *cache_dir(const struct cache *c);
