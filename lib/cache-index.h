/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/* The blob cache's view of its directory: one entry per key with the size of its two files
 * and its LRU stamp, the pinned keys, and the eviction policy over them. It touches no file:
 * eviction asks the caller to remove an entry's files. Not thread-safe: the cache calls it
 * under its lock. */

struct cache_entry {
        char key[SHA256_HEX_SIZE]; /* first, so that a key compares with an entry */
        bool alias;                /* <key>.alias (cache.h), not a blob's .bpf + .json */
        uint64_t size;             /* .bpf + .json, or the .alias */
        uint64_t stamp;            /* ns since the epoch: the LRU order */
        uint64_t disk_stamp;       /* the stamp on disk (the .json's or .alias's mtime) */
        bool used;                 /* set, looked up or touched since the scan found it */
};

struct cache_index_pin {
        char key[SHA256_HEX_SIZE];
        unsigned count;
};

struct cache_index {
        struct cache_entry *entries; /* in no order */
        size_t n_entries, allocated;
        size_t *slots;                /* hash table: 1 + the index of an entry, or 0 (empty) */
        size_t n_slots;               /* a power of two, at least twice n_entries */
        size_t n_aliases;             /* entries that are aliases */
        uint64_t bytes;               /* the sizes of all entries */
        struct cache_index_pin *pins; /* hash table: count 0 is an empty slot */
        size_t n_pins, n_pin_slots;   /* n_pin_slots: a power of two, at least 2 × n_pins */
};

/* Frees what the index holds (not `idx` itself). */
void cache_index_done(struct cache_index *idx);

/* The entry of `key`, or NULL. */
struct cache_entry *cache_index_find(struct cache_index *idx, const char *key);
/* Makes room for one more entry, so that cache_index_set() cannot fail after it (the cache
 * calls this before renaming files into place). Returns 0 or -ENOMEM. All operations take
 * constant time on average, but eviction, which sorts by stamp. */
int cache_index_reserve(struct cache_index *idx);
/* Adds or updates the entry of `key` (an alias when `alias`), written to disk with `stamp`;
 * it is `used`. Returns 0 or -ENOMEM. */
int cache_index_set(struct cache_index *idx, const char *key, bool alias, uint64_t size,
                    uint64_t stamp);
/* Removes the entry of `key`, if any. */
void cache_index_remove(struct cache_index *idx, const char *key);
/* Adds an entry found by a scan of the directory (which holds each key once), not `used`.
 * Returns 0 or -ENOMEM. */
int cache_index_append(struct cache_index *idx, const char *key, bool alias, uint64_t size,
                       uint64_t stamp);

/* Counted pins: a pinned key is never evicted. cache_index_pin returns 0 or -ENOMEM;
 * unpinning a key not pinned does nothing. */
int cache_index_pin(struct cache_index *idx, const char *key);
void cache_index_unpin(struct cache_index *idx, const char *key);

/* Evicts least recently used entries until the index holds at most `max_bytes`, skipping
 * `keep` (may be NULL), the `n` keys of `referenced` (may be NULL when n is 0) and pinned
 * keys. An entry goes from the index only when `remove_files(key, userdata)` succeeded.
 * Returns the number of entries evicted or -ENOMEM. */
int cache_index_evict(struct cache_index *idx, uint64_t max_bytes, const char *const *referenced,
                      size_t n, const char *keep,
                      int (*remove_files)(const char *key, void *userdata), void *userdata);
