/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cache.h"
#include "compile.h"
#include "conf.h"
#include "containers.h"
#include "denials.h"
#include "entry.h"
#include "profile.h"
#include "resolve.h"

/* What the manager offers the HTTP server, and all the server sees of the daemon: the
 * server never reads struct manager nor takes a lock of its own modules. Every function
 * here may be called from any thread, at the same time as the main loop runs. */

struct manager;

/* The configuration, fixed once the daemon runs. */
const struct config *manager_config(const struct manager *m);
/* The context of a request without query parameters: host arch, Docker's caps, kernel. */
const struct context *manager_default_context(const struct manager *m);

/* Whether the first full scan is done. */
bool manager_is_ready(const struct manager *m);
/* The registry's generation (bumped by every change). */
uint64_t manager_generation(struct manager *m);
/* Queues a full rescan of every root to the main loop (what SIGHUP does). 0 or -errno. */
int manager_request_reload(struct manager *m);

/* A reference to the current snapshot of profile `name` (or name + ".json"); -ENOENT. */
int manager_lookup(struct manager *m, const char *name, struct entry_snapshot **ret);
/* The blob of the version `s` serves (s->good not NULL) for `ctx`: the one the snapshot has,
 * or one built now in the caller's thread and added to the registry for the next request.
 * A context other than the default is built only for a `privileged` peer, and kept among
 * the profile's at most max-contexts on-demand blobs (least recently used evicted, never
 * pinned in the cache). Returns 0 with a reference to it; -EPERM when the peer is not
 * privileged and the context is not compiled yet; -EINVAL when the profile does not compile
 * for `ctx`, with the diagnostics in *ret_diags (may be NULL); -ENOMEM. */
int manager_blob_for(struct manager *m, const struct entry_snapshot *s, const struct context *ctx,
                     bool privileged, struct entry_blob **ret, struct diag_list **ret_diags);
/* The served blob with cache key `key` (a reference to its snapshot, the blob borrowed from
 * it), -ENOENT when no profile serves it. */
int manager_served_blob(struct manager *m, const char *key, struct entry_snapshot **ret,
                        const struct entry_blob **ret_blob);
/* A blob of the on-disk cache: 0, -EINVAL (malformed key), -ENOENT. */
int manager_cached_blob(struct manager *m, const char *key, struct blob **ret);
/* Builds an ad-hoc profile through the builder (one compile per key); see builder_build(). */
/* Whether a loader of blob `key` is to add SECCOMP_FILTER_FLAG_LOG: a profile serving it
 * matches a --log-filter pattern. */
bool manager_filter_log(struct manager *m, const char *key);
int manager_compile(struct manager *m, const struct profile *p, const struct context *ctx,
                    struct blob **ret_blob, struct diag_list **ret_diags, bool *ret_compiled);

/* GET /v1/profiles: every profile in list form. */
json_t *manager_profiles_json(struct manager *m);
/* Counts of profiles by state. */
void manager_counts(struct manager *m, size_t counts[_ENTRY_STATE_MAX]);
/* The roots of GET /v1/status, each with whether it exists and how many profiles it has. */
json_t *manager_roots_json(struct manager *m);
/* The node digest over the valid profiles. */
int manager_node_digest(struct manager *m, char ret[PROFILE_DIGEST_MAX]);
/* The cache's directory and counters; the number of compiles. */
const char *manager_cache_stats(struct manager *m, struct cache_stats *ret);
uint64_t manager_compiles(struct manager *m);
/* seccompd-oci's fallbacks, the spool read first so that a record written a moment ago
 * counts. */
json_t *manager_fallbacks_json(struct manager *m);

/* The container table (containers.h): GET /v1/containers after a prune, with the profile
 * names serving each blob key; a report of seccompd-oci (taken over: see
 * containers_report()); a container deleted (0 or -ENOENT). */
json_t *manager_containers_json(struct manager *m);
int manager_container_report(struct manager *m, struct container *c);
int manager_container_forget(struct manager *m, const char *id);

/* Counts one request for the metrics. */
void manager_count_request(struct manager *m, const char *route, unsigned status);
/* Writes every metric of GET /metrics (Prometheus text). Returns 0 or -errno. */
int manager_write_metrics(struct manager *m, FILE *f);

/* The denials of GET /v1/denials and their reader. */
struct denials *manager_denials(struct manager *m);
/* The attribution hook of the denials (denial_attribute_fn): which container a pid belongs
 * to, with its blob key. The one place the container table is asked. */
int manager_attribute_denial(void *userdata, pid_t pid, struct denial_attribution *ret);
/* The rule hook of the denials (denial_rule_fn): the served profile of a blob key and the
 * rule that decided, through the registry and the simulator's rule naming. */
int manager_denial_rule(void *userdata, const char *blob_key, const char *syscall, uint32_t code,
                        char *profile, size_t profile_size, char *rule, size_t rule_size,
                        int *ret_errno);

/* The recorder of containers (daemon/recorder.h). */
struct recorder *manager_recorder(struct manager *m);
/* The file and the served name of profile "ROOT/REL[.json]" to be recorded: REL below an
 * existing root's name, a plain relative name ([A-Za-z0-9._/-], no hidden component, no "..",
 * at most 1024 bytes, less deep than max-depth). Returns 0, -EINVAL with why in *ret_why, or
 * -ENOMEM. */
int manager_record_target(struct manager *m, const char *profile, char **ret_path, char **ret_name,
                          const char **ret_why);
