/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cache-index.h"
#include "macro.h"

void cache_index_done(struct cache_index *idx)
{
        free(idx->entries);
        free(idx->pins);
        *idx = (struct cache_index){0};
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

static int strptr_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct cache_entry *cache_index_find(struct cache_index *idx, const char *key)
{
        if (idx->n_entries == 0)
                return NULL;
        return bsearch(key, idx->entries, idx->n_entries, sizeof(struct cache_entry), entry_cmp);
}

int cache_index_reserve(struct cache_index *idx)
{
        if (idx->n_entries < idx->allocated)
                return 0;
        size_t na = idx->allocated ? idx->allocated * 2 : 64;
        struct cache_entry *e = reallocarray(idx->entries, na, sizeof(*e));
        if (!e)
                return -ENOMEM;
        idx->entries = e;
        idx->allocated = na;
        return 0;
}

int cache_index_set(struct cache_index *idx, const char *key, uint64_t size, uint64_t stamp)
{
        struct cache_entry *e = cache_index_find(idx, key);
        if (e) {
                idx->bytes = idx->bytes - e->size + size;
                e->size = size;
                e->stamp = stamp;
                return 0;
        }
        int r = cache_index_reserve(idx);
        if (r < 0)
                return r;
        size_t lo = 0, hi = idx->n_entries;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(idx->entries[mid].key, key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        memmove(idx->entries + lo + 1, idx->entries + lo, (idx->n_entries - lo) * sizeof(*e));
        e = &idx->entries[lo];
        memcpy(e->key, key, SHA256_HEX_SIZE);
        e->size = size;
        e->stamp = stamp;
        idx->n_entries++;
        idx->bytes += size;
        return 0;
}

void cache_index_remove(struct cache_index *idx, const char *key)
{
        struct cache_entry *e = cache_index_find(idx, key);
        if (!e)
                return;
        idx->bytes -= e->size;
        size_t i = (size_t)(e - idx->entries);
        memmove(e, e + 1, (idx->n_entries - i - 1) * sizeof(*e));
        idx->n_entries--;
}

int cache_index_append(struct cache_index *idx, const char *key, uint64_t size, uint64_t stamp)
{
        int r = cache_index_reserve(idx);
        if (r < 0)
                return r;
        struct cache_entry *e = &idx->entries[idx->n_entries++];
        memcpy(e->key, key, SHA256_HEX_SIZE);
        e->size = size;
        e->stamp = stamp;
        idx->bytes += size;
        return 0;
}

void cache_index_sort(struct cache_index *idx)
{
        if (idx->n_entries > 0)
                qsort(idx->entries, idx->n_entries, sizeof(*idx->entries), entry_cmp);
}

/* Returns the pin of `key` or NULL; `ret_at` gets where it is or would be inserted. */
static struct cache_index_pin *pin_find(struct cache_index *idx, const char *key, size_t *ret_at)
{
        size_t lo = 0, hi = idx->n_pins;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int d = strcmp(key, idx->pins[mid].key);
                if (d == 0) {
                        if (ret_at)
                                *ret_at = mid;
                        return &idx->pins[mid];
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

int cache_index_pin(struct cache_index *idx, const char *key)
{
        size_t at;
        struct cache_index_pin *p = pin_find(idx, key, &at);
        if (p) {
                p->count++;
                return 0;
        }
        if (idx->n_pins == idx->allocated_pins) {
                size_t n = idx->allocated_pins ? idx->allocated_pins * 2 : 16;
                struct cache_index_pin *np = reallocarray(idx->pins, n, sizeof(*np));
                if (!np)
                        return -ENOMEM;
                idx->pins = np;
                idx->allocated_pins = n;
        }
        memmove(&idx->pins[at + 1], &idx->pins[at], (idx->n_pins - at) * sizeof(*idx->pins));
        idx->pins[at] = (struct cache_index_pin){.count = 1};
        memcpy(idx->pins[at].key, key, SHA256_HEX_SIZE);
        idx->n_pins++;
        return 0;
}

void cache_index_unpin(struct cache_index *idx, const char *key)
{
        size_t at;
        struct cache_index_pin *p = pin_find(idx, key, &at);
        if (p && --p->count == 0) {
                memmove(&idx->pins[at], &idx->pins[at + 1],
                        (idx->n_pins - at - 1) * sizeof(*idx->pins));
                idx->n_pins--;
        }
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
                if (pin_find(idx, key, NULL))
                        continue;
                if (remove_files(key, userdata) < 0)
                        continue;
                cache_index_remove(idx, key);
                evicted++;
        }
        return evicted;
}
