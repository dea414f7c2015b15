/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "registry.h"

struct registry {
        pthread_rwlock_t lock;         /* guards everything below */
        struct entry_snapshot **items; /* the current snapshot of each name, sorted by name */
        size_t n, allocated;
        uint64_t generation;
        struct cache *cache; /* borrowed */
        size_t max_contexts; /* on-demand blobs kept per entry */
};

int registry_new(struct cache *cache, struct registry **ret)
{
        struct registry *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        int k = pthread_rwlock_init(&r->lock, NULL);
        if (k != 0) {
                free(r);
                return -k;
        }
        r->cache = cache;
        r->max_contexts = REGISTRY_MAX_CONTEXTS_DEFAULT;
        *ret = r;
        return 0;
}

void registry_set_max_contexts(struct registry *r, size_t n)
{
        r->max_contexts = n;
}

struct registry *registry_free(struct registry *r)
{
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n; i++)
                entry_snapshot_unref(r->items[i]);
        free(r->items);
        pthread_rwlock_destroy(&r->lock);
        free(r);
        return NULL;
}

/* Lock held. The position of `name`, or where it would go (*found false). */
static size_t find_pos(const struct registry *r, const char *name, bool *found)
{
        size_t lo = 0, hi = r->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(name, r->items[mid]->name);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        *found = false;
        return lo;
}

/* Write lock held: puts `s` (the registry's reference) at `pos`, replacing or inserting. */
static int publish(struct registry *r, size_t pos, bool replace, struct entry_snapshot *s)
{
        if (replace) {
                entry_snapshot_unref(r->items[pos]);
                r->items[pos] = s;
                return 0;
        }
        if (r->n == r->allocated) {
                size_t na = r->allocated ? r->allocated * 2 : 64;
                struct entry_snapshot **n = reallocarray(r->items, na, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                r->items = n;
                r->allocated = na;
        }
        memmove(r->items + pos + 1, r->items + pos, (r->n - pos) * sizeof(*r->items));
        r->items[pos] = s;
        r->n++;
        return 0;
}

int registry_apply_load(struct registry *r, const struct root *root, const char *rel,
                        struct entry_load *load, enum entry_state *ret_old,
                        struct entry_snapshot **ret)
{
        _cleanup_free_ char *name = NULL;
        struct entry_snapshot *s = NULL;
        bool found;
        int k;

        if (asprintf(&name, "%s/%s", root->config->name, rel) < 0)
                return -ENOMEM;
        pthread_rwlock_wrlock(&r->lock);
        size_t pos = find_pos(r, name, &found);
        const struct entry_snapshot *old = found ? r->items[pos] : NULL;
        enum entry_state old_state = old ? old->state : ENTRY_MISSING;
        k = entry_next(old, name, root, rel, load, r->cache, time(NULL), &s);
        if (k >= 0 && (k = publish(r, pos, found, s)) < 0)
                s = entry_snapshot_unref(s);
        if (k >= 0) {
                r->generation++;
                entry_snapshot_ref(s);
        }
        pthread_rwlock_unlock(&r->lock);
        if (k < 0)
                return k;
        *ret_old = old_state;
        *ret = s;
        return 0;
}

size_t registry_prune_missing(struct registry *r)
{
        pthread_rwlock_wrlock(&r->lock);
        size_t kept = 0, n = r->n;
        for (size_t i = 0; i < n; i++) {
                if (r->items[i]->state == ENTRY_MISSING)
                        entry_snapshot_unref(r->items[i]);
                else
                        r->items[kept++] = r->items[i];
        }
        r->n = kept;
        if (kept != n)
                r->generation++;
        pthread_rwlock_unlock(&r->lock);
        return n - kept;
}

static int strptr_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int registry_root_files(struct registry *r, const struct root *root, char ***ret, size_t *ret_n)
{
        char **files = NULL;
        size_t n = 0;
        int k = 0;

        pthread_rwlock_rdlock(&r->lock);
        if (r->n > 0 && !(files = calloc(r->n, sizeof(*files))))
                k = -ENOMEM;
        for (size_t i = 0; k == 0 && i < r->n; i++) {
                const struct entry_snapshot *s = r->items[i];
                if (s->root != root || s->state == ENTRY_MISSING)
                        continue;
                if (!(files[n++] = strdup(s->rel)))
                        k = -ENOMEM;
        }
        pthread_rwlock_unlock(&r->lock);
        if (k < 0) {
                for (size_t i = 0; i < n; i++)
                        free(files[i]);
                free(files);
                return k;
        }
        if (n > 1)
                qsort(files, n, sizeof(*files), strptr_cmp);
        *ret = files;
        *ret_n = n;
        return 0;
}

/* Lock held. */
static struct entry_snapshot *lookup(struct registry *r, const char *name)
{
        bool found;
        size_t pos = find_pos(r, name, &found);
        if (found)
                return r->items[pos];
        char buf[4200];
        if (snprintf(buf, sizeof(buf), "%s.json", name) >= (int)sizeof(buf))
                return NULL;
        pos = find_pos(r, buf, &found);
        return found ? r->items[pos] : NULL;
}

int registry_get(struct registry *r, const char *name, struct entry_snapshot **ret)
{
        pthread_rwlock_rdlock(&r->lock);
        struct entry_snapshot *s = entry_snapshot_ref(lookup(r, name));
        pthread_rwlock_unlock(&r->lock);
        if (!s)
                return -ENOENT;
        *ret = s;
        return 0;
}

int registry_add_blob(struct registry *r, const struct entry_snapshot *s, struct entry_blob *b)
{
        struct entry_snapshot *n = NULL;
        bool found;
        int k = 0;

        pthread_rwlock_wrlock(&r->lock);
        size_t pos = find_pos(r, s->name, &found);
        const struct entry_snapshot *cur = found ? r->items[pos] : NULL;
        /* The same served version (a reload may have replaced it meanwhile), not there yet. */
        if (cur && cur->good && s->good && streq(cur->good->digest, s->good->digest) &&
            !entry_snapshot_find_blob(cur, b->context) &&
            (k = entry_snapshot_with_blob(cur, b, r->max_contexts, &n)) == 0) {
                publish(r, pos, true, n);
                k = 1;
        }
        pthread_rwlock_unlock(&r->lock);
        return k == -ENOSPC ? 0 : k;
}

bool registry_blob_served_as(struct registry *r, const char *key,
                             bool (*match)(const char *name, const void *userdata),
                             const void *userdata)
{
        bool found = false;
        pthread_rwlock_rdlock(&r->lock);
        for (size_t i = 0; i < r->n && !found; i++) {
                const struct entry_snapshot *s = r->items[i];
                for (size_t k = 0; k < s->n_blobs && !found; k++)
                        found = streq(s->blobs[k]->blob->key, key) && match(s->name, userdata);
        }
        pthread_rwlock_unlock(&r->lock);
        return found;
}

int registry_find_blob(struct registry *r, const char *key, struct entry_snapshot **ret,
                       const struct entry_blob **ret_blob)
{
        pthread_rwlock_rdlock(&r->lock);
        for (size_t i = 0; i < r->n; i++) {
                struct entry_snapshot *s = r->items[i];
                for (size_t k = 0; k < s->n_blobs; k++)
                        if (streq(s->blobs[k]->blob->key, key)) {
                                *ret = entry_snapshot_ref(s);
                                *ret_blob = s->blobs[k];
                                pthread_rwlock_unlock(&r->lock);
                                return 0;
                        }
        }
        pthread_rwlock_unlock(&r->lock);
        return -ENOENT;
}

json_t *registry_names_for_key(struct registry *r, const char *key)
{
        json_t *names = json_array();
        if (!names)
                return NULL;
        pthread_rwlock_rdlock(&r->lock);
        for (size_t i = 0; i < r->n; i++) {
                const struct entry_snapshot *s = r->items[i];
                if (!s->good || s->state == ENTRY_MISSING)
                        continue;
                for (size_t k = 0; k < s->n_blobs; k++)
                        if (streq(s->blobs[k]->blob->key, key)) {
                                json_array_append_new(names, json_string(s->name));
                                break;
                        }
        }
        pthread_rwlock_unlock(&r->lock);
        return names;
}

json_t *registry_list_json(struct registry *r)
{
        json_t *list = json_array();
        pthread_rwlock_rdlock(&r->lock);
        for (size_t i = 0; i < r->n; i++)
                json_array_append_new(list, entry_to_json(r->items[i], false));
        pthread_rwlock_unlock(&r->lock);
        return list;
}

void registry_counts(struct registry *r, const struct root *root, size_t counts[_ENTRY_STATE_MAX])
{
        memset(counts, 0, sizeof(size_t) * _ENTRY_STATE_MAX);
        pthread_rwlock_rdlock(&r->lock);
        for (size_t i = 0; i < r->n; i++)
                if (!root || r->items[i]->root == root)
                        counts[r->items[i]->state]++;
        pthread_rwlock_unlock(&r->lock);
}

uint64_t registry_generation(struct registry *r)
{
        pthread_rwlock_rdlock(&r->lock);
        uint64_t g = r->generation;
        pthread_rwlock_unlock(&r->lock);
        return g;
}

/* Lock held. */
static int hash_valid(struct registry *r, struct keyhash *k)
{
        int rr;
        for (size_t i = 0; i < r->n; i++) {
                const struct entry_snapshot *s = r->items[i];
                if (s->state != ENTRY_VALID)
                        continue;
                if ((rr = keyhash_field_str(k, "name", s->name)) < 0 ||
                    (rr = keyhash_field_str(k, "digest", s->digest)) < 0)
                        return rr;
        }
        return 0;
}

int registry_node_digest(struct registry *r, char ret[PROFILE_DIGEST_MAX])
{
        /* SHA-256 over the sorted (name, digest) pairs of valid profiles: equal digests on
         * two nodes mean identical profile sets. Entries are kept sorted by name. */
        struct keyhash *k = NULL;
        char hex[SHA256_HEX_SIZE];
        int rr = keyhash_new(&k);
        if (rr < 0)
                return rr;
        pthread_rwlock_rdlock(&r->lock);
        rr = hash_valid(r, k);
        pthread_rwlock_unlock(&r->lock);
        if (rr < 0) {
                keyhash_free(k);
                return rr;
        }
        rr = keyhash_finish(k, hex);
        if (rr < 0)
                return rr;
        snprintf(ret, PROFILE_DIGEST_MAX, "sha256:%s", hex);
        return 0;
}
