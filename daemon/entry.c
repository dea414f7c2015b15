/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "diag-json.h"
#include "digest.h"
#include "entry.h"
#include "seccompd/protocol.h"
#include "warm.h"

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

static void ref_inc(unsigned *n)
{
        __atomic_add_fetch(n, 1, __ATOMIC_RELAXED);
}

/* True when that was the last reference. */
static bool ref_dec(unsigned *n)
{
        return __atomic_sub_fetch(n, 1, __ATOMIC_ACQ_REL) == 0;
}

int entry_blob_new(struct cache *cache, const char *context, struct blob *blob,
                   struct diag_list *diags, struct entry_blob **ret)
{
        struct entry_blob *b = calloc(1, sizeof(*b));
        char *ctx = strdup(context);
        if (!b || !ctx) {
                free(b);
                free(ctx);
                blob_free(blob);
                diag_list_free(diags);
                return -ENOMEM;
        }
        if (cache && cache_pin(cache, blob->key) < 0)
                cache = NULL; /* only the pin is lost: the blob is served all the same */
        *b = (struct entry_blob){
                .n_ref = 1, .context = ctx, .blob = blob, .diags = diags, .pinned_in = cache};
        *ret = b;
        return 0;
}

struct entry_blob *entry_blob_ref(struct entry_blob *b)
{
        if (b)
                ref_inc(&b->n_ref);
        return b;
}

static uint64_t use_clock; /* atomic: entry_blob_touch() stamps, ever increasing */

void entry_blob_touch(struct entry_blob *b)
{
        __atomic_store_n(&b->used, __atomic_add_fetch(&use_clock, 1, __ATOMIC_RELAXED),
                         __ATOMIC_RELAXED);
}

struct entry_blob *entry_blob_unref(struct entry_blob *b)
{
        if (!b || !ref_dec(&b->n_ref))
                return NULL;
        if (b->pinned_in)
                cache_unpin(b->pinned_in, b->blob->key);
        free(b->context);
        blob_free(b->blob);
        diag_list_free(b->diags);
        free(b);
        return NULL;
}

static struct entry_source *source_unref(struct entry_source *s)
{
        if (!s || !ref_dec(&s->n_ref))
                return NULL;
        free(s->data);
        profile_free(s->profile);
        free(s->summary);
        free(s);
        return NULL;
}

int entry_source_profile(struct entry_source *s, const struct profile **ret)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        struct profile *expected = __atomic_load_n(&s->profile, __ATOMIC_ACQUIRE);
        int r;

        if (expected) {
                *ret = expected;
                return 0;
        }
        if ((r = diag_list_new(NULL, &diags)) < 0)
                return r;
        r = profile_parse(s->data, s->size, &s->parse, diags, &p);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !streq(p->digest, s->digest)) {
                log_error("Failed to parse again the served version of a profile (%s): the "
                          "warm path's alias did not match it",
                          s->digest);
                return -EIO;
        }
        /* Two threads may parse at once: the first to publish wins, the other's goes. */
        if (__atomic_compare_exchange_n(&s->profile, &expected, p, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
                *ret = TAKE_PTR(p);
        else
                *ret = expected;
        return 0;
}

struct entry_snapshot *entry_snapshot_ref(struct entry_snapshot *s)
{
        if (s)
                ref_inc(&s->n_ref);
        return s;
}

/* Drops what is served: the source and its blobs. */
static void drop_served(struct entry_snapshot *s)
{
        for (size_t i = 0; i < s->n_blobs; i++)
                entry_blob_unref(s->blobs[i]);
        free(s->blobs);
        s->blobs = NULL;
        s->n_blobs = 0;
        s->good = source_unref(s->good);
}

struct entry_snapshot *entry_snapshot_unref(struct entry_snapshot *s)
{
        if (!s || !ref_dec(&s->n_ref))
                return NULL;
        drop_served(s);
        diag_list_free(s->diags);
        free(s->name);
        free(s->rel);
        free(s);
        return NULL;
}

static int snapshot_new(const char *name, const struct root *root, const char *rel,
                        struct entry_snapshot **ret)
{
        struct entry_snapshot *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct entry_snapshot){
                .n_ref = 1, .name = strdup(name), .root = root, .rel = strdup(rel)};
        if (!s->name || !s->rel) {
                entry_snapshot_unref(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

/* Makes `dst` serve what `src` serves (references, not copies), with room for `extra` more
 * blobs. */
static int share_served(struct entry_snapshot *dst, const struct entry_snapshot *src, size_t extra)
{
        if (src->n_blobs + extra > 0) {
                dst->blobs = calloc(src->n_blobs + extra, sizeof(*dst->blobs));
                if (!dst->blobs)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < src->n_blobs; i++)
                dst->blobs[i] = entry_blob_ref(src->blobs[i]);
        dst->n_blobs = src->n_blobs;
        dst->good = src->good;
        if (dst->good)
                ref_inc(&dst->good->n_ref);
        return 0;
}

struct entry_blob *entry_snapshot_find_blob(const struct entry_snapshot *s, const char *context)
{
        for (size_t i = 0; i < s->n_blobs; i++)
                if (streq(s->blobs[i]->context, context))
                        return s->blobs[i];
        return NULL;
}

static int diags_copy(const struct diag_list *src, struct diag_list **ret)
{
        _cleanup_(diag_list_freep) struct diag_list *d = NULL;
        int r;
        if (!src) {
                *ret = NULL;
                return 0;
        }
        if ((r = diag_list_new(src->file, &d)) < 0 || (r = diag_list_extend(d, src)) < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

size_t entry_snapshot_on_demand(const struct entry_snapshot *s)
{
        size_t n = 0;
        for (size_t i = 0; i < s->n_blobs; i++)
                n += s->blobs[i]->on_demand;
        return n;
}

/* The least recently used on-demand blob of n, or n->n_blobs. */
static size_t lru_on_demand(const struct entry_snapshot *n)
{
        size_t lru = n->n_blobs;
        uint64_t oldest = UINT64_MAX;
        for (size_t i = 0; i < n->n_blobs; i++) {
                uint64_t u = __atomic_load_n(&n->blobs[i]->used, __ATOMIC_RELAXED);
                if (n->blobs[i]->on_demand && u <= oldest) {
                        oldest = u;
                        lru = i;
                }
        }
        return lru;
}

int entry_snapshot_with_blob(const struct entry_snapshot *s, struct entry_blob *b,
                             size_t max_on_demand, struct entry_snapshot **ret)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *n = NULL;
        int r;
        if (b->on_demand && max_on_demand == 0)
                return -ENOSPC;
        if ((r = snapshot_new(s->name, s->root, s->rel, &n)) < 0 ||
            (r = diags_copy(s->diags, &n->diags)) < 0 || (r = share_served(n, s, 1)) < 0)
                return r;
        n->state = s->state;
        memcpy(n->digest, s->digest, sizeof(n->digest));
        n->updated = s->updated;
        /* Evicted from the snapshot, the blob lives on as long as a request holds it, and
         * in the on-disk cache (unpinned) within --cache-max. */
        for (size_t k = entry_snapshot_on_demand(n); b->on_demand && k >= max_on_demand; k--) {
                size_t i = lru_on_demand(n);
                entry_blob_unref(n->blobs[i]);
                memmove(n->blobs + i, n->blobs + i + 1, (n->n_blobs - i - 1) * sizeof(*n->blobs));
                n->n_blobs--;
        }
        n->blobs[n->n_blobs++] = entry_blob_ref(b);
        *ret = TAKE_PTR(n);
        return 0;
}

void entry_load_done(struct entry_load *l)
{
        free(l->data);
        free(l->summary);
        diag_list_free(l->diags);
        profile_free(l->profile);
        blob_free(l->blob);
        diag_list_free(l->compile_diags);
        free(l->context);
        *l = (struct entry_load){0};
}

static const char *unreadable_reason(int error)
{
        switch (error) {
        case -EXDEV: return "symlink leads out of the watched roots";
        case -EBADFD: return "not a regular file";
        case -EFBIG: return "larger than the size limit";
        case -EINVAL: return "unsafe name";
        default: return strerror(-error);
        }
}

/* The file could not be read: say why; keep serving the last good version, if any. */
static void next_unreadable(struct entry_snapshot *n, const struct entry_load *load)
{
        _cleanup_free_ char *file = NULL;
        if (!n->diags && asprintf(&file, "%s/%s", n->root->config->path, n->rel) >= 0)
                (void)diag_list_new(file, &n->diags);
        if (n->diags)
                diag_add(n->diags, DIAG_ERROR, "", NULL, "%s", unreadable_reason(load->error));
        /* Stale keeps the last good blob; under --strict it is kept but not served. */
        n->state = n->good ? ENTRY_STALE : ENTRY_INVALID;
}

/* The file was read: valid with its new blob, or stale/invalid when it is not good. */
static int next_read(struct entry_snapshot *n, struct entry_load *load, struct cache *cache)
{
        if (load->digest[0])
                memcpy(n->digest, load->digest, sizeof(n->digest));
        else
                sha256_digest_string(load->data, load->size, n->digest, sizeof(n->digest));
        if (!(load->profile || load->summary) || !load->blob) {
                n->state = n->good ? ENTRY_STALE : ENTRY_INVALID;
                return 0;
        }
        if (!load->summary) {
                load->summary = warm_summary(load->profile);
                load->n_rules = load->profile->n_rules;
                load->n_names = profile_count_names(load->profile);
        }
        struct entry_source *src = calloc(1, sizeof(*src));
        struct entry_blob **blobs = calloc(1, sizeof(*blobs));
        if (!src || !blobs || !load->summary) {
                free(src);
                free(blobs);
                return -ENOMEM;
        }
        *src = (struct entry_source){.n_ref = 1,
                                     .data = TAKE_PTR(load->data),
                                     .size = load->size,
                                     .profile = TAKE_PTR(load->profile),
                                     .parse = load->parse,
                                     .summary = TAKE_PTR(load->summary),
                                     .n_rules = load->n_rules,
                                     .n_names = load->n_names};
        memcpy(src->digest, n->digest, sizeof(src->digest));
        drop_served(n);
        n->good = src;
        n->blobs = blobs;
        /* Without its blob the version is still served: the HTTP threads build it again. */
        if (entry_blob_new(cache, load->context ? load->context : "", TAKE_PTR(load->blob),
                           TAKE_PTR(load->compile_diags), &n->blobs[0]) == 0)
                n->n_blobs = 1;
        n->state = ENTRY_VALID;
        return 0;
}

int entry_next(const struct entry_snapshot *old, const char *name, const struct root *root,
               const char *rel, struct entry_load *load, struct cache *cache, time_t now,
               struct entry_snapshot **ret)
{
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *n = NULL;
        int r;

        if ((r = snapshot_new(name, root, rel, &n)) < 0 ||
            (old && (r = share_served(n, old, 0)) < 0))
                return r;
        n->updated = now;
        n->diags = TAKE_PTR(load->diags);
        if (load->error == -ENOENT || load->error == -ENOTDIR) {
                drop_served(n);
                n->state = ENTRY_MISSING;
        } else if (load->error < 0)
                next_unreadable(n, load);
        else if ((r = next_read(n, load, cache)) < 0)
                return r;
        *ret = TAKE_PTR(n);
        return 0;
}

static json_t *blobs_json(const struct entry_snapshot *s)
{
        json_t *blobs = json_array();
        for (size_t i = 0; i < s->n_blobs; i++) {
                const struct entry_blob *b = s->blobs[i];
                json_array_append_new(blobs,
                                      json_pack("{s:s, s:s, s:i, s:i, s:i}", SECCOMPD_KEY_KEY,
                                                b->blob->key, SECCOMPD_KEY_CONTEXT, b->context,
                                                SECCOMPD_KEY_INSTRUCTIONS, (int)b->blob->n_insns,
                                                SECCOMPD_KEY_SIZE, (int)blob_size(b->blob),
                                                SECCOMPD_KEY_OPTIMIZE, b->blob->optimize));
        }
        return blobs;
}

json_t *entry_to_json(const struct entry_snapshot *s, bool full)
{
        const struct entry_source *p = s->good;
        char updated[LOG_TIME_MAX] = "";
        if (s->updated)
                rfc3339_utc(s->updated, updated, sizeof(updated));
        json_t *o = json_pack(
                "{s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:i, s:i, s:i, s:s?}", SECCOMPD_KEY_NAME,
                s->name, SECCOMPD_KEY_ROOT, s->root->config->name, SECCOMPD_KEY_PATH, s->rel,
                SECCOMPD_KEY_DIALECT, dialect_to_string(s->root->config->dialect),
                SECCOMPD_KEY_DIGEST, s->digest[0] ? s->digest : NULL, SECCOMPD_KEY_STATE,
                entry_state_to_string(s->state), SECCOMPD_KEY_ERRORS,
                s->diags ? (int)s->diags->counts[DIAG_ERROR] : 0, SECCOMPD_KEY_WARNINGS,
                s->diags ? (int)s->diags->counts[DIAG_WARNING] : 0, SECCOMPD_KEY_RULES,
                p ? (int)p->n_rules : 0, SECCOMPD_KEY_NAMES, p ? (int)p->n_names : 0,
                SECCOMPD_KEY_UPDATED, updated[0] ? updated : NULL);
        if (!o || !full)
                return o;
        json_object_set_new(o, SECCOMPD_KEY_DIAGNOSTICS,
                            s->diags ? diag_list_to_json(s->diags) : json_array());
        if (p) {
                json_object_set_new(o, SECCOMPD_KEY_SUMMARY, json_loads(p->summary, 0, NULL));
                json_object_set_new(o, SECCOMPD_KEY_SERVED_DIGEST, json_string(s->good->digest));
        }
        json_object_set_new(o, SECCOMPD_KEY_BLOBS, blobs_json(s));
        return o;
}
