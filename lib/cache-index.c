/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cache-index.h"
#include "macro.h"

/* Entries and pins are found through open-addressing tables (linear probing, at most half
 * full, backward-shift deletion): a sorted array made every insert a memmove of half the
 * array, and a start of 10,000 profiles pinned (and stored) 10,000 random keys one by one,
 * which cost O(n²) (issue 13). Keys are SHA-256 in hex: any hash of them spreads well. */

static size_t key_hash(const char *key)
{
        uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
        for (const unsigned char *p = (const unsigned char *)key; *p; p++)
                h = (h ^ *p) * UINT64_C(1099511628211);
        return (size_t)h;
}

void cache_index_done(struct cache_index *idx)
{
        free(idx->entries);
        free(idx->slots);
        free(idx->pins);
        *idx = (struct cache_index){0};
}

static int entry_stamp_cmp(const void *a, const void *b)
{
        const struct cache_entry *x = a, *y = b;
        if (x->stamp != y->stamp)
                return x->stamp < y->stamp ? -1 : 1;
        return strcmp(x->key, y->key);
}

static int strptr_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The slot of `key` in the entries' table, or of the empty slot where it would go. */
static size_t slot_of(const struct cache_index *idx, const char *key)
{
        size_t mask = idx->n_slots - 1, i = key_hash(key) & mask;
        while (idx->slots[i] != 0 && !streq(idx->entries[idx->slots[i] - 1].key, key))
                i = (i + 1) & mask;
        return i;
}

struct cache_entry *cache_index_find(struct cache_index *idx, const char *key)
{
        if (idx->n_entries == 0)
                return NULL;
        size_t s = idx->slots[slot_of(idx, key)];
        return s ? &idx->entries[s - 1] : NULL;
}

static int grow_slots(struct cache_index *idx, size_t n)
{
        size_t *slots = calloc(n, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        free(idx->slots);
        idx->slots = slots;
        idx->n_slots = n;
        for (size_t e = 0; e < idx->n_entries; e++)
                idx->slots[slot_of(idx, idx->entries[e].key)] = e + 1;
        return 0;
}

int cache_index_reserve(struct cache_index *idx)
{
        if (idx->n_entries >= idx->allocated) {
                size_t na = idx->allocated ? idx->allocated * 2 : 64;
                struct cache_entry *e = reallocarray(idx->entries, na, sizeof(*e));
                if (!e)
                        return -ENOMEM;
                idx->entries = e;
                idx->allocated = na;
        }
        if ((idx->n_entries + 1) * 2 > idx->n_slots)
                return grow_slots(idx, idx->n_slots ? idx->n_slots * 2 : 128);
        return 0;
}

int cache_index_set(struct cache_index *idx, const char *key, bool alias, uint64_t size,
                    uint64_t stamp)
{
        struct cache_entry *e = cache_index_find(idx, key);
        if (e) {
                idx->bytes = idx->bytes - e->size + size;
                idx->n_aliases = idx->n_aliases - e->alias + alias;
                e->alias = alias;
                e->size = size;
                e->stamp = e->disk_stamp = stamp;
                e->used = true;
                return 0;
        }
        int r = cache_index_reserve(idx);
        if (r < 0)
                return r;
        e = &idx->entries[idx->n_entries++];
        memcpy(e->key, key, SHA256_HEX_SIZE);
        e->alias = alias;
        e->size = size;
        e->stamp = e->disk_stamp = stamp;
        e->used = true;
        idx->slots[slot_of(idx, key)] = idx->n_entries;
        idx->bytes += size;
        idx->n_aliases += alias;
        return 0;
}

/* Empties slot `i` of a table of `n` slots whose slot j is empty when empty(j) and wants
 * home(j): the slots after it that probed past it move back (no tombstones). */
#define BACKWARD_SHIFT(slots, n, i, empty, home)                                                   \
        do {                                                                                       \
                size_t mask_ = (n)-1, hole_ = (i), j_ = (i);                                       \
                for (;;) {                                                                         \
                        j_ = (j_ + 1) & mask_;                                                     \
                        if (empty(j_))                                                             \
                                break;                                                             \
                        size_t h_ = home(j_) & mask_;                                              \
                        /* j_ may fill the hole unless its home lies in (hole_, j_]. */            \
                        if (hole_ <= j_ ? (h_ > hole_ && h_ <= j_) : (h_ > hole_ || h_ <= j_))     \
                                continue;                                                          \
                        (slots)[hole_] = (slots)[j_];                                              \
                        hole_ = j_;                                                                \
                }                                                                                  \
                memset(&(slots)[hole_], 0, sizeof((slots)[hole_]));                                \
        } while (0)

void cache_index_remove(struct cache_index *idx, const char *key)
{
        if (idx->n_entries == 0)
                return;
        size_t s = slot_of(idx, key);
        if (idx->slots[s] == 0)
                return;
        size_t i = idx->slots[s] - 1, last = idx->n_entries - 1;
        idx->bytes -= idx->entries[i].size;
        idx->n_aliases -= idx->entries[i].alias;
#define EMPTY(j) (idx->slots[j] == 0)
#define HOME(j)  key_hash(idx->entries[idx->slots[j] - 1].key)
        BACKWARD_SHIFT(idx->slots, idx->n_slots, s, EMPTY, HOME);
#undef EMPTY
#undef HOME
        if (i != last) {
                /* The last entry takes the removed one's place. */
                idx->slots[slot_of(idx, idx->entries[last].key)] = i + 1;
                idx->entries[i] = idx->entries[last];
        }
        idx->n_entries--;
}

int cache_index_append(struct cache_index *idx, const char *key, bool alias, uint64_t size,
                       uint64_t stamp)
{
        int r = cache_index_set(idx, key, alias, size, stamp);
        if (r == 0)
                cache_index_find(idx, key)->used = false;
        return r;
}

/* The slot of `key` in the pins' table, or of the empty slot where it would go. */
static size_t pin_slot(const struct cache_index *idx, const char *key)
{
        size_t mask = idx->n_pin_slots - 1, i = key_hash(key) & mask;
        while (idx->pins[i].count != 0 && !streq(idx->pins[i].key, key))
                i = (i + 1) & mask;
        return i;
}

static struct cache_index_pin *pin_find(struct cache_index *idx, const char *key)
{
        if (idx->n_pins == 0)
                return NULL;
        struct cache_index_pin *p = &idx->pins[pin_slot(idx, key)];
        return p->count ? p : NULL;
}

static int grow_pins(struct cache_index *idx)
{
        size_t n = idx->n_pin_slots ? idx->n_pin_slots * 2 : 64;
        struct cache_index_pin *old = idx->pins, *pins = calloc(n, sizeof(*pins));
        size_t n_old = idx->n_pin_slots;
        if (!pins)
                return -ENOMEM;
        idx->pins = pins;
        idx->n_pin_slots = n;
        for (size_t i = 0; i < n_old; i++)
                if (old[i].count)
                        idx->pins[pin_slot(idx, old[i].key)] = old[i];
        free(old);
        return 0;
}

int cache_index_pin(struct cache_index *idx, const char *key)
{
        struct cache_index_pin *p = pin_find(idx, key);
        if (p) {
                p->count++;
                return 0;
        }
        if ((idx->n_pins + 1) * 2 > idx->n_pin_slots) {
                int r = grow_pins(idx);
                if (r < 0)
                        return r;
        }
        p = &idx->pins[pin_slot(idx, key)];
        memcpy(p->key, key, SHA256_HEX_SIZE);
        p->count = 1;
        idx->n_pins++;
        return 0;
}

void cache_index_unpin(struct cache_index *idx, const char *key)
{
        struct cache_index_pin *p = pin_find(idx, key);
        if (!p || --p->count > 0)
                return;
#define EMPTY(j) (idx->pins[j].count == 0)
#define HOME(j)  key_hash(idx->pins[j].key)
        BACKWARD_SHIFT(idx->pins, idx->n_pin_slots, (size_t)(p - idx->pins), EMPTY, HOME);
#undef EMPTY
#undef HOME
        idx->n_pins--;
}

int cache_index_evict(struct cache_index *idx, uint64_t max_bytes, const char *const *referenced,
                      size_t n, const char *keep,
                      int (*remove_files)(const char *key, void *userdata), void *userdata)
{
        _cleanup_free_ const char **refs = NULL;
        _cleanup_free_ struct cache_entry *order = NULL;
        size_t n_order = idx->n_entries;
        int evicted = 0;

        assert(referenced || n == 0);
        if (idx->bytes <= max_bytes || n_order == 0)
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
        memcpy(order, idx->entries, n_order * sizeof(*order));
        qsort(order, n_order, sizeof(*order), entry_stamp_cmp);

        for (size_t i = 0; i < n_order && idx->bytes > max_bytes; i++) {
                const char *key = order[i].key;
                if (keep && streq(key, keep))
                        continue;
                if (refs && bsearch(&key, refs, n, sizeof(*refs), strptr_cmp))
                        continue;
                if (pin_find(idx, key))
                        continue;
                if (remove_files(key, userdata) < 0)
                        continue;
                cache_index_remove(idx, key);
                evicted++;
        }
        return evicted;
}
