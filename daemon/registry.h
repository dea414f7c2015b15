/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cache.h"
#include "compile.h"
#include "conf.h"
#include "profile.h"
#include "roots.h"

/* The registry: name -> entry. The main loop is its only writer; HTTP threads read it under
 * the read lock and add blobs for new contexts under the write lock. */

enum entry_state {
        ENTRY_VALID,
        ENTRY_INVALID,
        ENTRY_STALE,
        ENTRY_MISSING,
        _ENTRY_STATE_MAX,
};
const char *entry_state_to_string(enum entry_state s);

struct blob_slot {
        char *context; /* context_to_string() */
        struct blob *blob;
        struct diag_list *diags; /* compile diagnostics (kept by the cache too) */
        struct cache *pinned_in; /* the cache that keeps this blob pinned, or NULL */
};

struct entry {
        char *name; /* "<root>/<path relative to the root>" */
        struct root *root; /* borrowed */
        char *rel;
        enum entry_state state;
        char digest[PROFILE_DIGEST_MAX]; /* of the file as it is now */
        struct diag_list *diags;         /* of the file as it is now */
        time_t updated;
        /* The last good version: what is served (state valid or stale). */
        char *good_data;
        size_t good_size;
        char good_digest[PROFILE_DIGEST_MAX];
        struct profile *good_profile;
        struct blob_slot *blobs;
        size_t n_blobs;
};

struct registry {
        pthread_rwlock_t lock;
        struct entry **entries; /* sorted by name */
        size_t n, allocated;
        uint64_t generation;
};

int registry_init(struct registry *r);
void registry_done(struct registry *r);

/* Call with the lock held (read or write). */
struct entry *registry_find(struct registry *r, const char *name);
/* Exact name, or name + ".json" ("runtime/default"). */
struct entry *registry_lookup(struct registry *r, const char *name);
/* Write lock held. Returns the existing or a new entry (state missing). */
int registry_get_or_add(struct registry *r, struct root *root, const char *rel,
                        struct entry **ret);
/* Write lock held: the slot for `context` of the entry's good version, or NULL. */
struct blob_slot *entry_find_blob(struct entry *e, const char *context);
/* Write lock held: takes ownership of blob and diags. */
/* Adds a blob for `context`, pinned in `cache` (may be NULL) for as long as it is held. */
int entry_add_blob(struct entry *e, struct cache *cache, const char *context, struct blob *b,
                   struct diag_list *d);
void entry_drop_good(struct entry *e);

/* Read lock held: JSON of an entry (list form, or full with diagnostics and blobs). */
json_t *entry_to_json(const struct entry *e, bool full);
/* Read lock held: counts by state, and the node digest over the valid profiles. */
void registry_counts(struct registry *r, size_t counts[_ENTRY_STATE_MAX]);
/* Forgets the entries in state missing (write lock held); returns how many. A full rescan
 * (SIGHUP, POST /v1/reload) calls it first, so that names deleted long ago do not pile up. */
size_t registry_prune_missing(struct registry *r);

int registry_node_digest(struct registry *r, char ret[PROFILE_DIGEST_MAX]);
