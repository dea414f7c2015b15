/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag-json.h"
#include "digest.h"
#include "registry.h"
#include "seccompd/protocol.h"

static const char *const state_table[_ENTRY_STATE_MAX] = {
        [ENTRY_VALID] = SECCOMPD_STATE_VALID,
        [ENTRY_INVALID] = SECCOMPD_STATE_INVALID,
        [ENTRY_STALE] = SECCOMPD_STATE_STALE,
        [ENTRY_MISSING] = SECCOMPD_STATE_MISSING,
};

const char *entry_state_to_string(enum entry_state s)
{
        return s < _ENTRY_STATE_MAX ? state_table[s] : "?";
}

int registry_init(struct registry *r)
{
        *r = (struct registry){ 0 };
        return -pthread_rwlock_init(&r->lock, NULL);
}

static void slot_done(struct blob_slot *s)
{
        if (s->pinned_in && s->blob)
                cache_unpin(s->pinned_in, s->blob->key);
        free(s->context);
        blob_free(s->blob);
        diag_list_free(s->diags);
}

void entry_drop_good(struct entry *e)
{
        for (size_t i = 0; i < e->n_blobs; i++)
                slot_done(&e->blobs[i]);
        free(e->blobs);
        e->blobs = NULL;
        e->n_blobs = 0;
        free(e->good_data);
        e->good_data = NULL;
        e->good_size = 0;
        e->good_digest[0] = 0;
        e->good_profile = profile_free(e->good_profile);
}

static void entry_free(struct entry *e)
{
        if (!e)
                return;
        entry_drop_good(e);
        diag_list_free(e->diags);
        free(e->name);
        free(e->rel);
        free(e);
}

size_t registry_prune_missing(struct registry *r)
{
        size_t kept = 0, n = r->n;
        for (size_t i = 0; i < n; i++) {
                if (r->entries[i]->state == ENTRY_MISSING)
                        entry_free(r->entries[i]);
                else
                        r->entries[kept++] = r->entries[i];
        }
        r->n = kept;
        if (kept != n)
                r->generation++;
        return n - kept;
}

void registry_done(struct registry *r)
{
        for (size_t i = 0; i < r->n; i++)
                entry_free(r->entries[i]);
        free(r->entries);
        pthread_rwlock_destroy(&r->lock);
}

static int cmp_name(const void *key, const void *elem)
{
        return strcmp(key, (*(struct entry *const *)elem)->name);
}

struct entry *registry_find(struct registry *r, const char *name)
{
        if (r->n == 0)
                return NULL;
        struct entry **e = bsearch(name, r->entries, r->n, sizeof(*r->entries), cmp_name);
        return e ? *e : NULL;
}

struct entry *registry_lookup(struct registry *r, const char *name)
{
        struct entry *e = registry_find(r, name);
        if (e)
                return e;
        char buf[4200];
        if (snprintf(buf, sizeof(buf), "%s.json", name) >= (int)sizeof(buf))
                return NULL;
        return registry_find(r, buf);
}

int registry_get_or_add(struct registry *r, struct root *root, const char *rel,
                        struct entry **ret)
{
        _cleanup_free_ char *name = NULL;
        if (asprintf(&name, "%s/%s", root->config->name, rel) < 0)
                return -ENOMEM;
        struct entry *e = registry_find(r, name);
        if (e) {
                *ret = e;
                return 0;
        }
        if (r->n == r->allocated) {
                size_t na = r->allocated ? r->allocated * 2 : 64;
                struct entry **n = reallocarray(r->entries, na, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                r->entries = n;
                r->allocated = na;
        }
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->rel = strdup(rel);
        if (!e->rel) {
                free(e);
                return -ENOMEM;
        }
        e->name = TAKE_PTR(name);
        e->root = root;
        e->state = ENTRY_MISSING;
        size_t pos = 0;
        while (pos < r->n && strcmp(r->entries[pos]->name, e->name) < 0)
                pos++;
        memmove(r->entries + pos + 1, r->entries + pos, (r->n - pos) * sizeof(*r->entries));
        r->entries[pos] = e;
        r->n++;
        *ret = e;
        return 0;
}

struct blob_slot *entry_find_blob(struct entry *e, const char *context)
{
        for (size_t i = 0; i < e->n_blobs; i++)
                if (streq(e->blobs[i].context, context))
                        return &e->blobs[i];
        return NULL;
}

int entry_add_blob(struct entry *e, struct cache *cache, const char *context, struct blob *b,
                   struct diag_list *d)
{
        struct blob_slot *n = reallocarray(e->blobs, e->n_blobs + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        e->blobs = n;
        char *ctx = strdup(context);
        if (!ctx)
                return -ENOMEM;
        if (cache && cache_pin(cache, b->key) < 0)
                cache = NULL; /* only the pin is lost: the blob is served all the same */
        e->blobs[e->n_blobs++] = (struct blob_slot){ ctx, b, d, cache };
        return 0;
}

static json_t *summary_json(const struct profile *p)
{
        json_t *arches = json_array();
        for (size_t i = 0; i < p->n_architectures; i++)
                json_array_append_new(arches, json_string(p->architectures[i]->name));
        for (size_t i = 0; i < p->n_arch_map; i++)
                json_array_append_new(arches, json_string(p->arch_map[i].arch->name));
        return json_pack("{s:s, s:o, s:i, s:i}", SECCOMPD_KEY_DEFAULT_ACTION,
                         action_to_string(p->default_action), SECCOMPD_KEY_ARCHES, arches, SECCOMPD_KEY_RULES,
                         (int)p->n_rules, SECCOMPD_KEY_NAMES, (int)profile_count_names(p));
}

json_t *entry_to_json(const struct entry *e, bool full)
{
        char updated[32] = "";
        struct tm tm;
        if (e->updated && gmtime_r(&e->updated, &tm))
                strftime(updated, sizeof(updated), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_t *o = json_pack(
                "{s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:i, s:i, s:i, s:s?}", SECCOMPD_KEY_NAME,
                e->name, SECCOMPD_KEY_ROOT, e->root->config->name, SECCOMPD_KEY_PATH, e->rel,
                SECCOMPD_KEY_DIALECT, dialect_to_string(e->root->config->dialect),
                SECCOMPD_KEY_DIGEST, e->digest[0] ? e->digest : NULL, SECCOMPD_KEY_STATE,
                entry_state_to_string(e->state), SECCOMPD_KEY_ERRORS,
                e->diags ? (int)e->diags->counts[DIAG_ERROR] : 0, SECCOMPD_KEY_WARNINGS,
                e->diags ? (int)e->diags->counts[DIAG_WARNING] : 0, SECCOMPD_KEY_RULES,
                e->good_profile ? (int)e->good_profile->n_rules : 0, SECCOMPD_KEY_NAMES,
                e->good_profile ? (int)profile_count_names(e->good_profile) : 0, SECCOMPD_KEY_UPDATED, updated[0] ? updated : NULL);
        if (!o || !full)
                return o;
        json_object_set_new(o, SECCOMPD_KEY_DIAGNOSTICS,
                            e->diags ? diag_list_to_json(e->diags) : json_array());
        if (e->good_profile) {
                json_object_set_new(o, SECCOMPD_KEY_SUMMARY, summary_json(e->good_profile));
                json_object_set_new(o, SECCOMPD_KEY_SERVED_DIGEST, json_string(e->good_digest));
        }
        json_t *blobs = json_array();
        for (size_t i = 0; i < e->n_blobs; i++) {
                const struct blob_slot *s = &e->blobs[i];
                json_array_append_new(
                        blobs, json_pack("{s:s, s:s, s:i, s:i, s:i}", SECCOMPD_KEY_KEY,
                                         s->blob->key, SECCOMPD_KEY_CONTEXT, s->context,
                                         SECCOMPD_KEY_INSTRUCTIONS, (int)s->blob->n_insns,
                                         SECCOMPD_KEY_SIZE, (int)blob_size(s->blob),
                                         SECCOMPD_KEY_OPTIMIZE, s->blob->optimize));
        }
        json_object_set_new(o, SECCOMPD_KEY_BLOBS, blobs);
        return o;
}

void registry_counts(struct registry *r, size_t counts[_ENTRY_STATE_MAX])
{
        memset(counts, 0, sizeof(size_t) * _ENTRY_STATE_MAX);
        for (size_t i = 0; i < r->n; i++)
                counts[r->entries[i]->state]++;
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
        for (size_t i = 0; i < r->n; i++) {
                const struct entry *e = r->entries[i];
                if (e->state != ENTRY_VALID)
                        continue;
                if ((rr = keyhash_field_str(k, "name", e->name)) < 0 ||
                    (rr = keyhash_field_str(k, "digest", e->digest)) < 0) {
                        keyhash_free(k);
                        return rr;
                }
        }
        rr = keyhash_finish(k, hex);
        if (rr < 0)
                return rr;
        snprintf(ret, PROFILE_DIGEST_MAX, "sha256:%s", hex);
        return 0;
}
