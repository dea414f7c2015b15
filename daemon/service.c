/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "manager.h"
#include "seccompd/protocol.h"
#include "recorder.h"
#include "roots.h"
#include "service.h"
#include "watcher.h"

/* The manager's side of service.h: the only place, with manager.c, that reads struct
 * manager. Each function goes to the module that owns the state. */

const struct config *manager_config(const struct manager *m)
{
        return &m->config;
}

const struct context *manager_default_context(const struct manager *m)
{
        return &m->context;
}

bool manager_is_ready(const struct manager *m)
{
        return __atomic_load_n(&m->ready, __ATOMIC_ACQUIRE);
}

uint64_t manager_generation(struct manager *m)
{
        return registry_generation(m->registry);
}

int manager_request_reload(struct manager *m)
{
        /* sd-event objects belong to the loop: an eventfd it watches is the thread-safe
         * wake-up. Repeated requests before the loop runs add up to one rescan. */
        uint64_t one = 1;
        return write(m->reload_fd, &one, sizeof(one)) < 0 ? -errno : 0;
}

int manager_lookup(struct manager *m, const char *name, struct entry_snapshot **ret)
{
        return registry_get(m->registry, name, ret);
}

int manager_blob_for(struct manager *m, const struct entry_snapshot *s, const struct context *ctx,
                     bool privileged, struct entry_blob **ret, struct diag_list **ret_diags)
{
        _cleanup_free_ char *cs = NULL, *default_cs = NULL;
        struct blob *b = NULL;
        struct diag_list *d = NULL;
        struct entry_blob *eb;
        bool compiled;
        int r;

        assert(s->good);
        if ((r = context_to_string(ctx, &cs)) < 0 ||
            (r = context_to_string(&m->context, &default_cs)) < 0)
                return r;
        eb = entry_snapshot_find_blob(s, cs);
        if (eb) {
                entry_blob_touch(eb);
                *ret = entry_blob_ref(eb);
                return 0;
        }
        /* A new context costs a compile and memory: any reader may have the default (its
         * blob is missing only when building it failed at load), only a peer that may POST
         * /v1/compile a new one. */
        bool on_demand = !streq(cs, default_cs);
        if (on_demand && !privileged)
                return -EPERM;
        /* Compile it here, in the caller's own thread, from the snapshot's profile
         * (immutable; parsed now when the warm path left it out), so no other request waits
         * for it. */
        const struct profile *p;
        if ((r = entry_source_profile(s->good, &p)) < 0)
                return r;
        r = builder_build(&m->builder, p, ctx, &m->compile, false, &b, &d, &compiled);
        if (r < 0) {
                if (ret_diags)
                        *ret_diags = d;
                else
                        diag_list_free(d);
                return r;
        }
        /* On-demand blobs are not pinned: the cache keeps them within --cache-max. */
        if ((r = entry_blob_new(on_demand ? NULL : m->cache, cs, b, d, &eb)) < 0)
                return r;
        eb->on_demand = on_demand;
        entry_blob_touch(eb);
        (void)registry_add_blob(m->registry, s, eb); /* only the next request's time is lost */
        *ret = eb;
        return 0;
}

int manager_served_blob(struct manager *m, const char *key, struct entry_snapshot **ret,
                        const struct entry_blob **ret_blob)
{
        return registry_find_blob(m->registry, key, ret, ret_blob);
}

int manager_cached_blob(struct manager *m, const char *key, struct blob **ret)
{
        _cleanup_(diag_list_freep) struct diag_list *d = NULL;
        int r = cache_lookup(m->cache, key, ret, &d);
        return r == -EINVAL ? -EINVAL : r < 0 ? -ENOENT : 0;
}

static bool log_filter_matches(const char *name, const void *userdata)
{
        return config_log_filter_matches(userdata, name);
}

bool manager_filter_log(struct manager *m, const char *key)
{
        return m->config.n_log_filters > 0 &&
               registry_blob_served_as(m->registry, key, log_filter_matches, &m->config);
}

int manager_compile(struct manager *m, const struct profile *p, const struct context *ctx,
                    struct blob **ret_blob, struct diag_list **ret_diags, bool *ret_compiled)
{
        return builder_build(&m->builder, p, ctx, &m->compile, false, ret_blob, ret_diags,
                             ret_compiled);
}

json_t *manager_profiles_json(struct manager *m)
{
        return registry_list_json(m->registry);
}

void manager_counts(struct manager *m, size_t counts[_ENTRY_STATE_MAX])
{
        registry_counts(m->registry, NULL, counts);
}

/* The depth limit of a recursive root, and the directories past it (manager.c). */
static void add_depth_json(struct manager *m, size_t i, json_t *o)
{
        const struct too_deep *td = &m->too_deep[i];
        json_t *list = json_array();
        pthread_mutex_lock(&m->too_deep_lock);
        for (size_t k = 0; k < td->n_listed; k++)
                json_array_append_new(list, json_string(td->rel[k]));
        size_t n = td->n_listed + td->n_more;
        pthread_mutex_unlock(&m->too_deep_lock);
        json_object_set_new(o, SECCOMPD_KEY_MAX_DEPTH, json_integer(m->config.max_depth));
        json_object_set_new(o, SECCOMPD_KEY_TOO_DEEP, list);
        json_object_set_new(o, SECCOMPD_KEY_TOO_DEEP_COUNT, json_integer((json_int_t)n));
}

json_t *manager_roots_json(struct manager *m)
{
        json_t *roots = json_array();
        for (size_t i = 0; i < m->roots.n; i++) {
                const struct root *root = &m->roots.roots[i];
                const struct root_config *rc = root->config;
                size_t counts[_ENTRY_STATE_MAX], n = 0;
                registry_counts(m->registry, root, counts);
                for (int s = 0; s < _ENTRY_STATE_MAX; s++)
                        n += s != ENTRY_MISSING ? counts[s] : 0;
                json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:i}", SECCOMPD_KEY_NAME, rc->name,
                                      SECCOMPD_KEY_PATH, rc->path, SECCOMPD_KEY_DIALECT,
                                      dialect_to_string(rc->dialect), SECCOMPD_KEY_RECURSIVE,
                                      rc->recursive, SECCOMPD_KEY_EXISTS,
                                      roots_exists(&m->roots, root), SECCOMPD_KEY_PROFILES, (int)n);
                if (o && rc->recursive)
                        add_depth_json(m, i, o);
                json_array_append_new(roots, o);
        }
        return roots;
}

int manager_node_digest(struct manager *m, char ret[PROFILE_DIGEST_MAX])
{
        return registry_node_digest(m->registry, ret);
}

const char *manager_cache_stats(struct manager *m, struct cache_stats *ret)
{
        cache_get_stats(m->cache, ret);
        return cache_dir(m->cache);
}

uint64_t manager_compiles(struct manager *m)
{
        return metrics_compiles(&m->metrics);
}

json_t *manager_fallbacks_json(struct manager *m)
{
        fallbacks_ingest(&m->fallbacks);
        return fallbacks_to_json(&m->fallbacks, time(NULL));
}

static json_t *names_for_key(const char *key, void *userdata)
{
        struct manager *m = userdata;
        return registry_names_for_key(m->registry, key);
}

json_t *manager_containers_json(struct manager *m)
{
        /* A spool record written a moment ago (the daemon was down) names its container. */
        fallbacks_ingest(&m->fallbacks);
        return containers_to_json(&m->containers, names_for_key, m);
}

int manager_container_report(struct manager *m, struct container *c)
{
        return containers_report(&m->containers, c);
}

int manager_container_forget(struct manager *m, const char *id)
{
        return containers_forget(&m->containers, id);
}

void manager_count_request(struct manager *m, const char *route, unsigned status)
{
        metrics_request(&m->metrics, route, status);
}

static void write_cache_metrics(struct manager *m, FILE *f)
{
        struct cache_stats cs;
        cache_get_stats(m->cache, &cs);
        fprintf(f,
                "# HELP seccompd_cache_hits_total Blobs found in the on-disk cache.\n"
                "# TYPE seccompd_cache_hits_total counter\nseccompd_cache_hits_total %llu\n"
                "# HELP seccompd_cache_misses_total Blobs not in the cache (compiled).\n"
                "# TYPE seccompd_cache_misses_total counter\nseccompd_cache_misses_total %llu\n"
                "# HELP seccompd_cache_corrupt_total Cache entries that failed verification.\n"
                "# TYPE seccompd_cache_corrupt_total counter\n"
                "seccompd_cache_corrupt_total %llu\n"
                "# HELP seccompd_cache_bytes Size of the on-disk cache.\n"
                "# TYPE seccompd_cache_bytes gauge\nseccompd_cache_bytes %llu\n"
                "# HELP seccompd_cache_alias_hits_total Of the cache hits, profile files served "
                "through the cache's alias of their bytes, without being parsed.\n"
                "# TYPE seccompd_cache_alias_hits_total counter\n"
                "seccompd_cache_alias_hits_total %llu\n"
                "# HELP seccompd_cache_aliases Aliases in the on-disk cache.\n"
                "# TYPE seccompd_cache_aliases gauge\nseccompd_cache_aliases %llu\n",
                (unsigned long long)cs.hits, (unsigned long long)cs.misses,
                (unsigned long long)cs.corrupt, (unsigned long long)cs.bytes,
                (unsigned long long)cs.alias_hits, (unsigned long long)cs.aliases);
}

int manager_write_metrics(struct manager *m, FILE *f)
{
        size_t counts[_ENTRY_STATE_MAX];
        registry_counts(m->registry, NULL, counts);
        fprintf(f, "# HELP seccompd_profiles Profiles by state.\n# TYPE seccompd_profiles gauge\n");
        for (int i = 0; i < _ENTRY_STATE_MAX; i++)
                fprintf(f, "seccompd_profiles{state=\"%s\"} %zu\n", entry_state_to_string(i),
                        counts[i]);
        metrics_render(&m->metrics, f);
        fallbacks_ingest(&m->fallbacks);
        fallbacks_render_metrics(&m->fallbacks, f, time(NULL));
        containers_render_metrics(&m->containers, f);
        write_cache_metrics(m, f);
        pthread_mutex_lock(&m->builder.guard.lock);
        unsigned children = m->builder.guard.n_children;
        pthread_mutex_unlock(&m->builder.guard.lock);
        fprintf(f,
                "# HELP seccompd_compile_timeouts_total Compiles killed at --compile-timeout.\n"
                "# TYPE seccompd_compile_timeouts_total counter\n"
                "seccompd_compile_timeouts_total %llu\n"
                "# HELP seccompd_compile_children Compiles running in a child process.\n"
                "# TYPE seccompd_compile_children gauge\nseccompd_compile_children %u\n",
                (unsigned long long)__atomic_load_n(&m->builder.guard.timeouts, __ATOMIC_RELAXED),
                children);
        denials_render_metrics(m->denials, f);
        recorder_render_metrics(m->recorder, f);
        fprintf(f,
                "# HELP seccompd_watch_overflows_total inotify queue overflows (full rescans).\n"
                "# TYPE seccompd_watch_overflows_total counter\n"
                "seccompd_watch_overflows_total %llu\n"
                "# HELP seccompd_ready Whether the first full scan is done.\n"
                "# TYPE seccompd_ready gauge\nseccompd_ready %d\n",
                (unsigned long long)(m->watcher ? watcher_overflows(m->watcher) : 0),
                manager_is_ready(m));
        return ferror(f) ? -EIO : 0;
}

struct denials *manager_denials(struct manager *m)
{
        return m->denials;
}

/* A denial's container, from the table seccompd-oci reports to: the process is a container's
 * init, or in the init's pid namespace (not the daemon's own: a container sharing the host's
 * cannot be told apart). Called from the denials reader thread. */
int manager_attribute_denial(void *userdata, pid_t pid, struct denial_attribution *ret)
{
        struct manager *m = userdata;
        _cleanup_free_ char *id = NULL, *key = NULL;
        int r = containers_attribute(&m->containers, pid, m->host_pidns, &id, &key);
        if (r <= 0)
                return r == -ENOMEM ? 0 : r;
        snprintf(ret->container_id, sizeof(ret->container_id), "%s", id);
        snprintf(ret->blob_key, sizeof(ret->blob_key), "%s", key ? key : "");
        return 1;
}

/* The errno the blob returned for an ERRNO denial: the one every rule (and the default action)
 * that can have decided returns; -1 when they differ, or there are more than listed. */
static int denial_errno(const struct resolved *res, const struct rule_verdict *v, uint32_t code)
{
        long e = -1;
        bool differ = false;
        if ((code & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ERRNO ||
            v->n_sources > RULE_CANDIDATES_MAX || v->kind == RULE_VERDICT_NONE)
                return -1;
        if (v->kind == RULE_VERDICT_DEFAULT || v->default_candidate)
                e = res->default_action == ACTION_ERRNO ? (long)res->default_data : -1;
        for (size_t k = 0; k < v->n_sources; k++)
                for (size_t i = 0; i < res->n_rules; i++)
                        if (res->rules[i].source == v->sources[k] &&
                            res->rules[i].action == ACTION_ERRNO) {
                                differ = differ || (e >= 0 && e != (long)res->rules[i].data);
                                e = (long)res->rules[i].data;
                        }
        return differ ? -1 : (int)e;
}

int manager_denial_rule(void *userdata, const char *blob_key, const char *syscall, uint32_t code,
                        char *profile, size_t profile_size, char *rule, size_t rule_size,
                        int *ret_errno)
{
        struct manager *m = userdata;
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *s = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        const struct entry_blob *eb;
        struct context ctx;
        struct rule_verdict v;

        if (registry_find_blob(m->registry, blob_key, &s, &eb) < 0 || !s->good)
                return -ENOENT;
        snprintf(profile, profile_size, "%s", s->name);
        const struct profile *p;
        if (context_from_string(eb->context, &ctx) < 0 || entry_source_profile(s->good, &p) < 0 ||
            profile_resolve(p, &ctx, &res) < 0) {
                snprintf(rule, rule_size, "unknown: cannot resolve for %s", eb->context);
                return 0;
        }
        resolved_name_rule(res, syscall, code, false, &v); /* audit logs no errno */
        rule_verdict_to_string(&v, rule, rule_size);
        *ret_errno = denial_errno(res, &v, code);
        return 0;
}

struct recorder *manager_recorder(struct manager *m)
{
        return m->recorder;
}

/* "ROOT/REL[.json]": the root, its file below (with .json), and the name it is served as. */
int manager_record_target(struct manager *m, const char *profile, char **ret_path, char **ret_name,
                          const char **ret_why)
{
        const char *slash = strchr(profile, '/');
        if (!slash || slash == profile) {
                *ret_why = "the profile to record is ROOT/NAME, such as kubernetes/recorded/web";
                return -EINVAL;
        }
        _cleanup_free_ char *root_name = strndup(profile, (size_t)(slash - profile));
        if (!root_name)
                return -ENOMEM;
        const struct root *root = roots_find(&m->roots, root_name);
        if (!root) {
                *ret_why = "the profile to record is not in any root of seccompd";
                return -EINVAL;
        }
        const char *rel = slash + 1;
        size_t l = strlen(rel);
        bool has_ext = l > 5 && streq(rel + l - 5, ".json");
        size_t depth = 0;
        for (const char *p = rel; *p; p++) {
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/",
                            *p)) {
                        *ret_why = "the profile to record may hold letters, digits, '.', '_', "
                                   "'-' and '/' only";
                        return -EINVAL;
                }
                depth += *p == '/';
        }
        if (!name_is_safe(rel) || rel[0] == '.' || strstr(rel, "/.") || rel[l - 1] == '/' ||
            l > 1024) {
                *ret_why = "the profile to record must be a plain relative name below its root "
                           "(no '..', no hidden file, at most 1024 bytes)";
                return -EINVAL;
        }
        if (depth >= m->config.max_depth) {
                *ret_why = "the profile to record is deeper than max-depth";
                return -EINVAL;
        }
        if (asprintf(ret_path, "%s/%s%s", root->config->path, rel, has_ext ? "" : ".json") < 0)
                return -ENOMEM;
        if (asprintf(ret_name, "%s/%s%s", root_name, rel, has_ext ? "" : ".json") < 0) {
                free(*ret_path);
                return -ENOMEM;
        }
        return 0;
}
