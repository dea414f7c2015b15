/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "entry.h"
#include "profile.h"
#include "roots.h"

/* The registry: profile name -> the entry's current snapshot (entry.h). It owns its lock,
 * which no code outside registry.c takes: every function here is atomic on its own. The
 * main loop is the only one to apply loads and prune; any thread looks up, lists, counts
 * and adds a blob for a new context. What a lookup returns is a reference to an immutable
 * snapshot, valid without any lock until the caller drops it. */

struct registry;

/* `cache` (borrowed, may be NULL) pins the blobs the registry serves. */
int registry_new(struct cache *cache, struct registry **ret);
/* At most how many on-demand blobs (entry_blob.on_demand) each entry keeps; default
 * REGISTRY_MAX_CONTEXTS_DEFAULT. Before any thread uses the registry. */
#define REGISTRY_MAX_CONTEXTS_DEFAULT 16
void registry_set_max_contexts(struct registry *r, size_t n);
/* Drops the registry's references; snapshots still held elsewhere live on. */
struct registry *registry_free(struct registry *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct registry *, registry_free);

/* --- The main loop --- */

/* Applies what a worker found for `rel` of `root` (the state machine: entry_next()), and
 * publishes the result. Returns 0 with the state before (ENTRY_MISSING for a new name) and
 * a reference to the new snapshot, or -ENOMEM (the entry is unchanged). */
int registry_apply_load(struct registry *r, const struct root *root, const char *rel,
                        struct entry_load *load, enum entry_state *ret_old,
                        struct entry_snapshot **ret);
/* Forgets the entries in state missing; returns how many. A full rescan (reload) calls it
 * first, so that names deleted long ago do not pile up. */
size_t registry_prune_missing(struct registry *r);
/* The relative paths of the entries of `root` that are not missing, sorted. The caller
 * frees each and the array. Returns 0 or -ENOMEM. */
int registry_root_files(struct registry *r, const struct root *root, char ***ret, size_t *ret_n);

/* --- Any thread --- */

/* The snapshot of `name` exactly, or of name + ".json" ("runtime/default"). Returns 0 or
 * -ENOENT. */
int registry_get(struct registry *r, const char *name, struct entry_snapshot **ret);
/* Adds blob `b` (a reference is taken) to the entry `s` came from, if it still serves the
 * version `s` serves and has no blob for that context yet; an on-demand blob replaces the
 * entry's least recently used one when it has max-contexts of them already. Returns 1 when
 * added, 0 when not needed any more (or max-contexts is 0), -ENOMEM. */
int registry_add_blob(struct registry *r, const struct entry_snapshot *s, struct entry_blob *b);
/* The blob with cache key `key` among the served ones: a reference to its snapshot and the
 * blob (borrowed from it). Returns 0 or -ENOENT. */
/* Whether some profile serving blob `key` has a name for which `match` is true. */
bool registry_blob_served_as(struct registry *r, const char *key,
                             bool (*match)(const char *name, const void *userdata),
                             const void *userdata);
int registry_find_blob(struct registry *r, const char *key, struct entry_snapshot **ret,
                       const struct entry_blob **ret_blob);

/* The names of the served profiles (valid or stale) that have a blob with cache key `key`,
 * in the registry's order (by name), as a JSON array; NULL on ENOMEM. */
json_t *registry_names_for_key(struct registry *r, const char *key);
/* The list of GET /v1/profiles: every entry in list form, by name. */
json_t *registry_list_json(struct registry *r);
/* Counts by state, of every entry (root NULL) or of one root's. */
void registry_counts(struct registry *r, const struct root *root, size_t counts[_ENTRY_STATE_MAX]);
/* SHA-256 over the sorted (name, digest) pairs of the valid profiles. */
int registry_node_digest(struct registry *r, char ret[PROFILE_DIGEST_MAX]);
/* Bumped by every load applied and every prune that forgot something. */
uint64_t registry_generation(struct registry *r);
