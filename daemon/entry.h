/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cache.h"
#include "compile.h"
#include "diag.h"
#include "macro.h"
#include "profile.h"
#include "roots.h"

/* One profile of the registry as it is at one moment: an immutable, refcounted snapshot.
 * The registry publishes a new snapshot for every change (a load, a blob for a new context)
 * and drops its reference to the old one; a reader keeps the snapshot it got for as long as
 * it needs, without any lock. Reference counts are atomic: any thread may ref and unref. */

enum entry_state {
        ENTRY_VALID,   /* the file is good: it is served */
        ENTRY_INVALID, /* the file is bad and there is no good version: nothing is served */
        ENTRY_STALE,   /* the file is bad or unreadable: the last good version is served */
        ENTRY_MISSING, /* the file is gone: nothing is served */
        _ENTRY_STATE_MAX,
};
const char *entry_state_to_string(enum entry_state s);

/* A blob of the served version for one context. */
struct entry_blob {
        unsigned n_ref;
        char *context; /* context_to_string() */
        struct blob *blob;
        struct diag_list *diags; /* compile diagnostics (kept by the cache too) */
        struct cache *pinned_in; /* the cache that keeps this blob pinned, or NULL */
        bool on_demand;          /* built for a request's context, not the default: one of the
                                  * at most max-contexts kept per profile, never pinned */
        uint64_t used;           /* atomic: entry_blob_touch() stamp, for the LRU of those */
};

/* Takes blob and diags (also on failure); pins the blob in `cache` (may be NULL) for as long
 * as the slot lives. Returns 0 or -ENOMEM. */
int entry_blob_new(struct cache *cache, const char *context, struct blob *blob,
                   struct diag_list *diags, struct entry_blob **ret);
struct entry_blob *entry_blob_ref(struct entry_blob *b);
/* Marks b as just used (any thread): the least recently used on-demand blob goes first. */
void entry_blob_touch(struct entry_blob *b);
struct entry_blob *entry_blob_unref(struct entry_blob *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct entry_blob *, entry_blob_unref);

/* The version that is served (state valid or stale): the file's bytes, its summary and its
 * profile. A version loaded through the warm path (warm.h) has no profile until something
 * needs it (a blob for another context, the denials' rule names): entry_source_profile()
 * parses `data` then, once. */
struct entry_source {
        unsigned n_ref;
        char *data; /* NUL-terminated */
        size_t size;
        char digest[PROFILE_DIGEST_MAX];
        struct profile *profile;            /* atomic: NULL until parsed; then fixed */
        struct profile_parse_options parse; /* how `data` was (or is to be) parsed */
        char *summary; /* GET /v1/profiles/NAME's "summary", compact JSON (warm_summary()) */
        size_t n_rules, n_names;
};

/* The profile of `s` (borrowed from it), parsed from its data now if it was not yet; any
 * thread. Returns 0, -ENOMEM, or -EIO when the data no longer parse as they did at load
 * (which cannot happen: same bytes, same options, same binary). */
int entry_source_profile(struct entry_source *s, const struct profile **ret);

struct entry_snapshot {
        unsigned n_ref;
        char *name;              /* "<root>/<path relative to the root>" */
        const struct root *root; /* borrowed: the roots outlive every snapshot */
        char *rel;
        enum entry_state state;
        char digest[PROFILE_DIGEST_MAX]; /* of the file as it is now; "" when unreadable */
        struct diag_list *diags;         /* of the file as it is now; may be NULL */
        time_t updated;
        struct entry_source *good; /* what is served; NULL unless valid or stale */
        struct entry_blob **blobs; /* of `good`, one per context */
        size_t n_blobs;
};

struct entry_snapshot *entry_snapshot_ref(struct entry_snapshot *s);
struct entry_snapshot *entry_snapshot_unref(struct entry_snapshot *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct entry_snapshot *, entry_snapshot_unref);

/* The blob for `context` (borrowed from s), or NULL. */
struct entry_blob *entry_snapshot_find_blob(const struct entry_snapshot *s, const char *context);

/* How many of s's blobs are on demand. */
size_t entry_snapshot_on_demand(const struct entry_snapshot *s);

/* A copy of s with one more blob (a reference to b is taken). When b is on demand and s
 * already has `max_on_demand` of those, the least recently used ones are left out of the
 * copy, so that it has at most that many. Returns 0, -ENOSPC (b is on demand and
 * max_on_demand is 0: nothing to do) or -ENOMEM. */
int entry_snapshot_with_blob(const struct entry_snapshot *s, struct entry_blob *b,
                             size_t max_on_demand, struct entry_snapshot **ret);

/* What a worker found when it (re)loaded the file. entry_next() takes what it keeps and
 * leaves NULL behind; entry_load_done() frees the rest. */
struct entry_load {
        int error;  /* 0, or why the file could not be read (-errno) */
        char *data; /* the file, NUL-terminated */
        size_t size;
        char digest[PROFILE_DIGEST_MAX]; /* of data; "" when not computed yet */
        struct profile_parse_options parse;
        /* Through the warm path: no profile, but its summary and counts. Else computed from
         * the profile. */
        char *summary;
        size_t n_rules, n_names;
        struct diag_list *diags; /* of parsing (and of a refused compile) */
        struct profile *profile; /* NULL: the file is invalid */
        struct blob *blob;       /* for `context`: with the profile, or NULL */
        struct diag_list *compile_diags;
        char *context;
};
void entry_load_done(struct entry_load *l);

/* The state machine: the snapshot that follows `old` (NULL: a new name, as if missing)
 * after `load` of the file `rel` of `root`. Gone (-ENOENT, -ENOTDIR): missing, nothing kept.
 * Unreadable: stale when a good version exists, else invalid, with a diagnostic saying why.
 * Read: valid with the new blob when it parsed and compiled; else stale or invalid. The new
 * blob is pinned in `cache` (may be NULL). `name` is the registry's name for it. */
int entry_next(const struct entry_snapshot *old, const char *name, const struct root *root,
               const char *rel, struct entry_load *load, struct cache *cache, time_t now,
               struct entry_snapshot **ret);

/* JSON of a snapshot (list form, or full with diagnostics and blobs). */
json_t *entry_to_json(const struct entry_snapshot *s, bool full);
