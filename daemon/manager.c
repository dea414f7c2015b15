/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "api.h"
#include "builder.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "recorder.h"
#include "proc-stat.h"
#include "server.h"
#include "warm.h"
#include "watcher.h"

/* One unit of work: (re)load one file of one root. run() in a pool worker reads, parses and
 * compiles; done() in the loop hands the result to the registry. */
struct load_work {
        struct pool_work work;
        struct manager *m;
        struct root *root;
        char *rel;
        bool part_of_scan;
        struct entry_load load; /* the result */
};

/* The warm path: the blob, diagnostics and summary of a file loaded before, from the cache's
 * alias of its bytes, without parsing it (warm.h). Returns 0, or -errno for the slow path. */
static int load_warm(struct manager *m, struct entry_load *l, const char *alias_key,
                     const char *file)
{
        _cleanup_free_ char *extra = NULL;
        size_t extra_size;
        int r = cache_alias_lookup(m->cache, alias_key, &l->blob, &l->compile_diags, &extra,
                                   &extra_size);
        if (r < 0)
                return r;
        r = warm_extra_parse(extra, file, &l->diags, &l->summary, &l->n_rules, &l->n_names);
        if (r >= 0)
                r = context_to_string(&m->context, &l->context);
        if (r < 0) {
                l->blob = blob_free(l->blob);
                l->compile_diags = diag_list_free(l->compile_diags);
                l->diags = diag_list_free(l->diags);
                free(TAKE_PTR(l->summary));
                free(TAKE_PTR(l->context));
        }
        return r;
}

static void load_run(struct pool_work *w)
{
        struct load_work *lw = (struct load_work *)w;
        struct manager *m = lw->m;
        struct entry_load *l = &lw->load;
        _cleanup_free_ char *file = NULL, *cs = NULL, *extra = NULL;
        size_t extra_size = 0;
        char alias_key[SHA256_HEX_SIZE];
        bool aliased = false;

        l->error = roots_read(&m->roots, lw->root, lw->rel, m->config.max_profile_size, &l->data,
                              &l->size);
        if (l->error < 0)
                return;

        l->parse = (struct profile_parse_options){
                .dialect = lw->root->config->dialect,
                .strict = m->config.strict,
                .max_size = m->config.max_profile_size,
        };
        /* Diagnostics name the file on disk, as the offline seccompctl does. */
        if (asprintf(&file, "%s/%s", lw->root->config->path, lw->rel) < 0) {
                l->error = -ENOMEM;
                return;
        }
        l->error = sha256_digest_string(l->data, l->size, l->digest, sizeof(l->digest));
        if (l->error < 0)
                return;
        if (m->cache && context_to_string(&m->context, &cs) == 0) {
                struct warm_params wp = {.parse = l->parse,
                                         .context = &m->context,
                                         .context_string = cs,
                                         .optimize = m->compile.optimize};
                aliased = warm_key(&wp, l->digest, alias_key) == 0;
        }
        if (aliased && load_warm(m, l, alias_key, file) == 0)
                return;

        l->error = diag_list_new(file, &l->diags);
        if (l->error < 0)
                return;
        int r = profile_parse(l->data, l->size, &l->parse, l->diags, &l->profile);
        if (r == -EINVAL)
                return; /* invalid: diagnostics tell why */
        if (r < 0) {
                l->error = r;
                return;
        }
        /* What a warm start needs instead of this parse, for the alias. */
        l->summary = warm_summary(l->profile);
        l->n_rules = l->profile->n_rules;
        l->n_names = profile_count_names(l->profile);
        if (aliased && l->summary)
                extra = warm_extra(l->diags, l->summary, l->n_rules, l->n_names, &extra_size);
        bool compiled;
        r = builder_build_aliased(&m->builder, l->profile, &m->context, &m->compile,
                                  extra ? alias_key : NULL, extra, extra_size, &l->blob,
                                  &l->compile_diags, &compiled);
        if (r == -EINVAL) {
                /* libseccomp or the kernel refuse it: that makes the profile invalid. */
                diag_list_extend(l->diags, l->compile_diags);
                l->profile = profile_free(l->profile);
                return;
        }
        if (r < 0) {
                l->error = r;
                return;
        }
        (void)context_to_string(&m->context, &l->context);
}

static void load_work_free(struct load_work *lw)
{
        free(lw->rel);
        entry_load_done(&lw->load);
        free(lw);
}

/* The cache's aliases that no profile of the first scan used: an older build's, other
 * options', removed profiles' (cache_sweep_aliases()). On a pool thread once ready: after an
 * upgrade, unlinking tens of thousands of them took 1.5 s here, which READY=1 need not wait
 * for (a lookup meanwhile of one of them misses as it would anyway: its key is not this
 * daemon's). */
struct sweep_work {
        struct pool_work work;
        struct manager *m;
        int removed; /* or -errno; 0 when it did not run */
        uint64_t bytes;
};

static void sweep_run(struct pool_work *w)
{
        struct sweep_work *sw = (struct sweep_work *)w;
        sw->removed = cache_sweep_aliases(sw->m->cache, &sw->m->stopping, &sw->bytes);
}

static void sweep_done(struct pool_work *w)
{
        struct sweep_work *sw = (struct sweep_work *)w;
        if (sw->removed < 0)
                log_warning("Failed to remove the cache's unused aliases: %s",
                            strerror(-sw->removed));
        else if (sw->removed > 0)
                log_info("Removed %d cache alias%s no profile used (an older build's or other "
                         "options', or of removed profiles): %llu KiB",
                         sw->removed, sw->removed == 1 ? "" : "es",
                         (unsigned long long)(sw->bytes + 1023) / 1024);
        else
                log_debug("No unused cache alias to remove");
        free(sw);
}

static void sweep_aliases(struct manager *m)
{
        if (!m->cache)
                return;
        struct sweep_work *sw = calloc(1, sizeof(*sw));
        if (!sw) {
                log_warning("Failed to remove the cache's unused aliases: %s", strerror(ENOMEM));
                return;
        }
        *sw = (struct sweep_work){.work = {.run = sweep_run, .done = sweep_done}, .m = m};
        int r = pool_submit(m->pool, &sw->work);
        if (r < 0) {
                free(sw);
                log_warning("Failed to remove the cache's unused aliases: %s", strerror(-r));
        }
}

static void maybe_ready(struct manager *m)
{
        /* Ready once every profile of the first scan is loaded and its blob stored: a stop
         * right after READY=1 then leaves a cache that makes the next start warm. */
        if (m->ready || m->scanning > 0 || builder_stores_pending(&m->builder) > 0)
                return;
        __atomic_store_n(&m->ready, true, __ATOMIC_RELEASE);
        size_t counts[_ENTRY_STATE_MAX];
        registry_counts(m->registry, NULL, counts);
        log_info("Ready: %zu valid, %zu invalid, %zu stale profiles", counts[ENTRY_VALID],
                 counts[ENTRY_INVALID], counts[ENTRY_STALE]);
        sd_notifyf(false, "READY=1\nSTATUS=Serving %zu profiles (%zu invalid)",
                   counts[ENTRY_VALID] + counts[ENTRY_STALE], counts[ENTRY_INVALID]);
        if (m->config.ready_file) {
                FILE *f = fopen(m->config.ready_file, "we");
                if (f)
                        fclose(f);
        }
        sweep_aliases(m);
}

/* The journal line of a change: it names the first error; seccompctl show NAME has them
 * all. */
static void log_entry(const struct entry_snapshot *e)
{
        size_t errors = e->diags ? e->diags->counts[DIAG_ERROR] : 0;
        const struct diag *d = errors ? diag_list_find(e->diags, DIAG_ERROR, NULL, NULL) : NULL;
        _cleanup_free_ char *first =
                d ? api_diagnostic_format(NULL, d->line, d->column, d->pointer, d->message) : NULL;
        log_profile(e->state == ENTRY_VALID || e->state == ENTRY_MISSING ? LOG_INFO : LOG_WARNING,
                    e->root->config->name, e->name, e->digest, "Profile '%s' is %s%s%s%s", e->name,
                    entry_state_to_string(e->state), first ? ": " : "", first ? first : "",
                    errors > 1 ? " (and more: seccompctl show)" : "");
}

static void reload(struct manager *m);

static void load_done(struct pool_work *w)
{
        struct load_work *lw = (struct load_work *)w;
        struct manager *m = lw->m;
        _cleanup_(entry_snapshot_unrefp) struct entry_snapshot *e = NULL;
        enum entry_state old;

        if (lw->part_of_scan && m->scanning > 0)
                m->scanning--;
        /* -EAGAIN: changed while read: a close-write event follows; nothing half-written.
         * -ECANCELED: the daemon stops; its compile was killed, which says nothing of it. */
        if (lw->load.error != -EAGAIN && lw->load.error != -ECANCELED) {
                if (registry_apply_load(m->registry, lw->root, lw->rel, &lw->load, &old, &e) < 0)
                        log_error("Failed to record profile '%s': out of memory", lw->rel);
                else if (e->state != old || e->state != ENTRY_VALID || !lw->part_of_scan)
                        log_entry(e);
        }
        load_work_free(lw);
        maybe_ready(m);
        /* The reloads asked for while the scan ran: one rescan for all of them. */
        if (m->scanning == 0 && m->reload_pending) {
                m->reload_pending = false;
                reload(m);
        }
        metrics_scan_state(&m->metrics, m->scanning, m->reload_pending);
}

static int queue_load(struct manager *m, struct root *root, const char *rel, bool scan)
{
        struct load_work *lw = calloc(1, sizeof(*lw));
        if (!lw)
                return -ENOMEM;
        lw->rel = strdup(rel);
        if (!lw->rel) {
                free(lw);
                return -ENOMEM;
        }
        lw->m = m;
        lw->root = root;
        lw->part_of_scan = scan;
        lw->work.run = load_run;
        lw->work.done = load_done;
        if (scan)
                m->scanning++;
        return pool_submit(m->pool, &lw->work);
}

/* A file whose name cannot be served (not UTF-8, control characters: the API could neither
 * list it nor be asked for it) is never loaded; the log line escapes the name. */
static void log_skipped_name(const struct root *root, const char *rel)
{
        log_warning("Skipping '%s/%s' in root '%s': its name is not UTF-8 or has control "
                    "characters, so it could be neither listed nor fetched; rename it",
                    root->config->name, rel, root->config->name);
}

/* Records that directory `rel` of `root` is deeper than --max-depth; logs it the first time. */
static void too_deep_add(struct manager *m, const struct root *root, const char *rel)
{
        struct too_deep *td = &m->too_deep[root - m->roots.roots];
        bool known = false;
        pthread_mutex_lock(&m->too_deep_lock);
        for (size_t i = 0; i < td->n_listed && !known; i++)
                if (streq(td->rel[i], rel))
                        known = td->confirmed[i] = true;
        if (!known && td->n_listed < TOO_DEEP_LISTED && (td->rel[td->n_listed] = strdup(rel)))
                td->confirmed[td->n_listed++] = true;
        else if (!known)
                td->n_more++;
        pthread_mutex_unlock(&m->too_deep_lock);
        if (!known)
                log_warning("Not scanning nor watching '%s/%s': more than %u levels below root "
                            "'%s' (--max-depth); profiles below it are not served",
                            root->config->path, rel, m->config.max_depth, root->config->name);
}

/* Directory or file `rel` of `root` was removed while watched: the directories reported too
 * deep at or below it are gone too (a scan would not find them again). */
static void too_deep_forget(struct manager *m, const struct root *root, const char *rel)
{
        struct too_deep *td = &m->too_deep[root - m->roots.roots];
        size_t l = strlen(rel), kept = 0;
        pthread_mutex_lock(&m->too_deep_lock);
        for (size_t i = 0; i < td->n_listed; i++) {
                if (strncmp(td->rel[i], rel, l) == 0 &&
                    (td->rel[i][l] == 0 || td->rel[i][l] == '/')) {
                        free(td->rel[i]);
                        continue;
                }
                td->rel[kept] = td->rel[i];
                td->confirmed[kept++] = td->confirmed[i];
        }
        td->n_listed = kept;
        pthread_mutex_unlock(&m->too_deep_lock);
}

/* A scan of `root` starts (false: every listed directory waits to be found again) or ends
 * (true: those not found again are forgotten). */
static void too_deep_sweep(struct manager *m, const struct root *root, bool end)
{
        struct too_deep *td = &m->too_deep[root - m->roots.roots];
        pthread_mutex_lock(&m->too_deep_lock);
        size_t kept = 0;
        for (size_t i = 0; i < td->n_listed; i++) {
                if (end && !td->confirmed[i]) {
                        free(td->rel[i]);
                        continue;
                }
                td->rel[kept] = td->rel[i];
                td->confirmed[kept++] = end;
        }
        td->n_listed = kept;
        if (!end)
                td->n_more = 0;
        pthread_mutex_unlock(&m->too_deep_lock);
}

/* Lists the files of `dir` (`prefix` below the root, `depth` levels down) and, for a
 * recursive root, its subdirectories down to --max-depth: the watcher's limit too, so that
 * a restart finds what watching found. A deeper directory is reported, not entered. */
static int scan_dir(struct manager *m, struct root *root, const char *dir, const char *prefix,
                    unsigned depth, char ***seen, size_t *n_seen)
{
        struct dirent **list = NULL;
        int n = scandir(dir, &list, NULL, alphasort);
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                const char *name = list[i]->d_name;
                _cleanup_free_ char *path = NULL, *rel = NULL;
                struct stat st;
                /* The entry's type says whether it is a directory: an lstat() only when the
                 * file system does not tell (DT_UNKNOWN), not one per profile. */
                unsigned char type = list[i]->d_type;
                if (name[0] == '.' || asprintf(&path, "%s/%s", dir, name) < 0 ||
                    asprintf(&rel, "%s%s%s", prefix, prefix[0] ? "/" : "", name) < 0 ||
                    (type == DT_UNKNOWN && lstat(path, &st) < 0)) {
                        free(list[i]);
                        continue;
                }
                free(list[i]);
                if (type == DT_UNKNOWN)
                        type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
                if (type == DT_DIR) {
                        if (root->config->recursive && depth + 1 > m->config.max_depth)
                                too_deep_add(m, root, rel);
                        else if (root->config->recursive)
                                scan_dir(m, root, path, rel, depth + 1, seen, n_seen);
                        continue;
                }
                if (!name_is_profile_file(rel))
                        continue;
                if (!name_is_servable(root->config->name, rel)) {
                        log_skipped_name(root, rel);
                        continue;
                }
                char **ns = reallocarray(*seen, *n_seen + 1, sizeof(char *));
                if (ns) {
                        *seen = ns;
                        (*seen)[(*n_seen)++] = strdup(rel);
                }
                queue_load(m, root, rel, true);
        }
        free(list);
        return 0;
}

static int strptr_cmp(const void *a, const void *b)
{
        const char *x = *(const char *const *)a, *y = *(const char *const *)b;
        if (!x || !y)
                return !x - !y; /* a failed strdup sorts last and matches nothing */
        return strcmp(x, y);
}

/* Loads every profile of a root, and again every one the registry has that is gone now
 * (it turns missing). */
static void scan_root(struct manager *m, struct root *root)
{
        char **seen = NULL, **known = NULL;
        size_t n_seen = 0, n_known = 0;

        too_deep_sweep(m, root, false);
        if (roots_refresh(&m->roots, root))
                scan_dir(m, root, root->config->path, "", 0, &seen, &n_seen);
        too_deep_sweep(m, root, true);
        if (n_seen > 1)
                qsort(seen, n_seen, sizeof(*seen), strptr_cmp);
        if (registry_root_files(m->registry, root, &known, &n_known) == 0)
                for (size_t k = 0; k < n_known; k++) {
                        if (!seen || !bsearch(&known[k], seen, n_seen, sizeof(*seen), strptr_cmp))
                                queue_load(m, root, known[k], true); /* -ENOENT: missing */
                        free(known[k]);
                }
        free(known);
        for (size_t s = 0; s < n_seen; s++)
                free(seen[s]);
        free(seen);
}

/* Scans every root: loads every profile, marks vanished ones missing. */
static void full_scan(struct manager *m)
{
        log_debug("Scanning all roots");
        metrics_rescanned(&m->metrics);
        for (size_t i = 0; i < m->roots.n; i++)
                scan_root(m, &m->roots.roots[i]);
        metrics_scan_state(&m->metrics, m->scanning, m->reload_pending);
        maybe_ready(m);
}

static int on_pool(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;
        pool_dispatch_done(m->pool);
        maybe_ready(m); /* also kicked when the builder's writer has stored everything */
        return 0;
}

/* The builder's writer thread: nothing is left to store. */
static void stores_drained(void *userdata)
{
        struct manager *m = userdata;
        pool_kick(m->pool);
}

static int on_debounce(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        if (m->rescan_pending) {
                m->rescan_pending = false;
                full_scan(m);
        }
        for (size_t i = 0; i < m->n_pending; i++) {
                const char *root = m->pending[i], *rel = root + strlen(root) + 1;
                struct root *r = roots_find(&m->roots, root);
                if (r)
                        queue_load(m, r, rel, false);
                free(m->pending[i]);
        }
        m->n_pending = 0;
        return 0;
}

static void arm_debounce(struct manager *m)
{
        uint64_t now;
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        int enabled = SD_EVENT_OFF;
        sd_event_source_get_enabled(m->debounce_timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return; /* a burst is being collected */
        sd_event_source_set_time(m->debounce_timer, now + (uint64_t)m->config.debounce_ms * 1000);
        sd_event_source_set_enabled(m->debounce_timer, SD_EVENT_ONESHOT);
}

static void add_pending(struct manager *m, struct root *root, const char *path)
{
        size_t l = strlen(root->config->path);
        if (strncmp(path, root->config->path, l) != 0 || path[l] != '/')
                return;
        const char *rel = path + l + 1;
        if (!name_is_profile_file(strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel))
                return;
        if (!name_is_servable(root->config->name, rel)) {
                log_skipped_name(root, rel);
                return;
        }
        size_t rl = strlen(root->config->name);
        char *item = malloc(rl + 1 + strlen(rel) + 1);
        if (!item)
                return;
        memcpy(item, root->config->name, rl + 1);
        strcpy(item + rl + 1, rel);
        for (size_t i = 0; i < m->n_pending; i++) {
                const char *pr = m->pending[i];
                if (streq(pr, item) && streq(pr + strlen(pr) + 1, rel)) {
                        free(item);
                        return; /* debounced */
                }
        }
        if (m->n_pending == m->allocated_pending) {
                size_t na = m->allocated_pending ? m->allocated_pending * 2 : 32;
                char **np = reallocarray(m->pending, na, sizeof(char *));
                if (!np) {
                        free(item);
                        return;
                }
                m->pending = np;
                m->allocated_pending = na;
        }
        m->pending[m->n_pending++] = item;
}

static int on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;
        struct watch_event *ev = NULL;
        size_t n = 0;
        if (watcher_drain(m->watcher, &ev, &n) < 0)
                return 0;
        metrics_watch_events(&m->metrics, n);
        for (size_t i = 0; i < n; i++) {
                struct root *root = roots_find(&m->roots, ev[i].root);
                switch (ev[i].type) {
                case WATCH_CHANGED:
                case WATCH_REMOVED:
                        if (root && ev[i].path)
                                add_pending(m, root, ev[i].path);
                        if (root && ev[i].path && ev[i].type == WATCH_REMOVED) {
                                size_t l = strlen(root->config->path);
                                if (strncmp(ev[i].path, root->config->path, l) == 0 &&
                                    ev[i].path[l] == '/')
                                        too_deep_forget(m, root, ev[i].path + l + 1);
                        }
                        break;
                case WATCH_TOO_DEEP: {
                        size_t l = root && ev[i].path ? strlen(root->config->path) : 0;
                        if (l && strncmp(ev[i].path, root->config->path, l) == 0 &&
                            ev[i].path[l] == '/')
                                too_deep_add(m, root, ev[i].path + l + 1);
                        break;
                }
                case WATCH_ROOT_GONE:
                        log_warning("Root '%s' (%s) was removed; its profiles are missing "
                                    "until it comes back",
                                    ev[i].root, root ? root->config->path : "?");
                        m->rescan_pending = true;
                        break;
                case WATCH_ROOT_BACK:
                        log_info("Root '%s' exists now", ev[i].root);
                        m->rescan_pending = true;
                        break;
                default: m->rescan_pending = true; break;
                }
        }
        watch_events_free(ev, n);
        arm_debounce(m);
        return 0;
}

/* A full rescan (SIGHUP, POST /v1/reload): names gone long ago are forgotten first. */
static void reload(struct manager *m)
{
        /* Coalesced: while a scan's loads are still running, any number of requests make one
         * rescan once it is done (load_done()), never one each: a SIGHUP storm costs at most
         * one more scan. */
        if (m->scanning > 0) {
                if (!m->reload_pending)
                        log_info("Reload requested while a scan runs: one rescan follows it");
                m->reload_pending = true;
                metrics_scan_state(&m->metrics, m->scanning, true);
                return;
        }
        sd_notify(false, "RELOADING=1\nSTATUS=Reloading");
        log_info("Reloading: full rescan");
        metrics_reloaded(&m->metrics);
        if (m->watcher)
                (void)watcher_resync(m->watcher); /* re-watch what the watches missed */
        size_t pruned = registry_prune_missing(m->registry);
        if (pruned > 0)
                log_info("Forgot %zu missing profile%s", pruned, pruned == 1 ? "" : "s");
        full_scan(m);
        sd_notify(false, "READY=1\nSTATUS=Serving");
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        metrics_reload_requested(&m->metrics);
        reload(m);
        return 0;
}

/* manager_request_reload() (service.c) wrote the eventfd: any number of requests since the
 * last wake-up make one rescan. */
static int on_reload_request(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;
        uint64_t n;
        if (read(fd, &n, sizeof(n)) == sizeof(n)) {
                metrics_reload_requested(&m->metrics);
                reload(m);
        }
        return 0;
}

static int on_fallback(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;
        fallbacks_on_event(&m->fallbacks);
        return 0;
}

/* Containers whose process is gone are forgotten every CONTAINERS_PRUNE_USEC, besides on
 * every list: a container killed without `delete` (its manager died) leaves the table. */
#define CONTAINERS_PRUNE_USEC (30ULL * 1000 * 1000)
static int on_containers_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        size_t n = containers_prune(&m->containers);
        if (n > 0)
                log_debug("Forgot %zu container%s whose process is gone", n, n == 1 ? "" : "s");
        sd_event_source_set_time(s, usec + CONTAINERS_PRUNE_USEC);
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* The table is written to its state file at most once a second, when it changed: a report
 * costs the container start no disk write, and a restart loses a second at most. */
#define CONTAINERS_SAVE_USEC (1000ULL * 1000)
static int on_containers_save(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        int r = containers_save(&m->containers);
        /* Like the fallback spool, the directory is not created here: without it, the table
         * is not kept. Any other failure is said once. */
        if (r == -ENOENT)
                log_debug("Not saving the container table: %s", strerror(-r));
        else if (r < 0 && !m->containers_save_warned) {
                m->containers_save_warned = true;
                log_warning_errno(r, "Failed to save the container table: %m");
        }
        sd_event_source_set_time(s, usec + CONTAINERS_SAVE_USEC);
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* A fallback record of the spool: the container is known, with its reason, even when the
 * daemon was down when it started. */
static void on_fallback_record(const struct fallback_record *r, void *userdata)
{
        struct manager *m = userdata;
        containers_add_fallback(&m->containers, r->container_id, r->bundle, "spool", r->reason,
                                r->time);
}

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        uint64_t interval = 0;
        sd_notify(false, "WATCHDOG=1");
        if (sd_watchdog_enabled(false, &interval) > 0)
                sd_event_source_set_time(s, usec + interval / 2);
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        (void)m;
        return 0;
}

int manager_new(struct config *config, struct manager **ret)
{
        /* The signals the loop handles are blocked before any thread starts (the pool here,
         * then the watcher and the HTTP server), so every thread inherits the mask and a
         * process-directed SIGHUP or SIGTERM can only reach the loop's signalfd. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        pthread_sigmask(SIG_BLOCK, &mask, NULL);

        _cleanup_(manager_freep) struct manager *m = calloc(1, sizeof(*m));
        _cleanup_free_ char *spool = NULL;
        int r;
        if (!m)
                return -ENOMEM;
        m->fallbacks = (struct fallbacks){.inotify_fd = -1, .wd = -1}; /* for manager_free */
        containers_init(&m->containers, config->max_containers);
        m->reload_fd = -EBADF;
        pthread_mutex_init(&m->too_deep_lock, NULL);
        m->config = *config;
        *config = (struct config){0};
        m->compile.optimize = -1;
        if ((r = builder_init(&m->builder, NULL, &m->metrics, m->config.compile_timeout * 1000U,
                              m->config.workers)) < 0 ||
            (r = metrics_init(&m->metrics)) < 0 || (r = context_default(&m->context)) < 0 ||
            (r = config_fallback_spool(&m->config, &spool)) < 0 ||
            (r = fallbacks_init(&m->fallbacks, spool)) < 0 ||
            (r = roots_init(&m->roots, &m->config)) < 0)
                return r;
        m->fallbacks.on_record = on_fallback_record;
        m->fallbacks.on_record_userdata = m;
        m->reload_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->reload_fd < 0)
                return log_error_errno(-errno, "Failed to create the reload eventfd: %m");
        r = cache_open(m->config.cache_dir, m->config.cache_max_bytes, &m->cache);
        if (r < 0)
                return log_error_errno(r, "Failed to open the cache '%s': %m", m->config.cache_dir);
        if ((r = cache_unusable(m->cache)) < 0)
                log_warning_errno(
                        r,
                        "Cannot use the cache directory '%s' (%m): every blob is compiled "
                        "and served from memory, none is stored",
                        m->config.cache_dir);
        cache_set_durable(m->cache, m->config.cache_sync);
        m->builder.cache = m->cache;
        if ((r = registry_new(m->cache, &m->registry)) < 0)
                return r;
        registry_set_max_contexts(m->registry, m->config.max_contexts);
        r = pool_new(m->config.workers, &m->pool);
        if (r < 0)
                return log_error_errno(r, "Failed to start compile workers: %m");
        builder_set_drained(&m->builder, stores_drained, m);
        /* The audit socket is opened here, before the self filter refuses AF_NETLINK. */
        if ((r = denials_new(&m->denials)) < 0)
                return r;
        denials_open(m->denials);
        /* The daemon's own pid namespace: a container in it cannot be told from the host. */
        if (proc_pidns(getpid(), &m->host_pidns) < 0)
                m->host_pidns = 0;
        denials_set_hooks(m->denials, manager_attribute_denial, manager_denial_rule, m);
        /* The record socket is bound here too, before the self filter. */
        {
                _cleanup_free_ char *rs = NULL;
                if ((r = config_record_socket(&m->config, &rs)) < 0 ||
                    (r = recorder_new(rs, m->config.max_recordings, &m->recorder)) < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

/* How long stopping waits for running compiles before it abandons them. */
#define MANAGER_STOP_GRACE_MS 500
static struct manager *manager_abandoned;

struct manager *manager_free(struct manager *m)
{
        if (!m)
                return NULL;
        /* Compiles in child processes end now: neither the HTTP threads (server_free waits for
         * them) nor the pool wait for one. */
        builder_cancel(&m->builder);
        __atomic_store_n(&m->stopping, true, __ATOMIC_RELAXED); /* the alias sweep */
        denials_stop(m->denials); /* followers end their streams: the server can stop */
        recorder_stop(m->recorder);
        m->server = server_free(m->server);
        m->watcher = watcher_free(m->watcher);
        m->reload_pending = false; /* the last loads done in pool_free() must not start one */
        /* Stopping never waits for a compile (issue 10, defect 2: one can take minutes). A
         * compile still running after the grace is abandoned with everything it uses (the
         * builder, the cache, its profile): the process exits under it. The cache cannot be
         * torn by that: an entry is a temp file renamed into place once complete. */
        builder_set_drained(&m->builder, NULL, NULL); /* the pool goes before the builder */
        unsigned abandoned = pool_stop(m->pool, MANAGER_STOP_GRACE_MS);
        if (abandoned > 0) {
                log_notice("Stopping with %u compile%s still running: not waiting for %s",
                           abandoned, abandoned == 1 ? "" : "s", abandoned == 1 ? "it" : "them");
                manager_abandoned = m; /* still reachable: not a leak, merely not freed */
                return NULL;
        }
        m->pool = pool_free(m->pool);
        sd_event_source_unref(m->pool_source);
        sd_event_source_unref(m->watch_source);
        sd_event_source_unref(m->debounce_timer);
        sd_event_source_unref(m->watchdog_timer);
        sd_event_source_unref(m->fallback_source);
        sd_event_source_unref(m->reload_source);
        sd_event_source_unref(m->containers_timer);
        sd_event_source_unref(m->containers_save_timer);
        sd_event_unref(m->event);
        closep(&m->reload_fd);
        for (size_t i = 0; i < m->n_pending; i++)
                free(m->pending[i]);
        free(m->pending);
        builder_done(&m->builder);
        m->denials = denials_free(m->denials);
        m->recorder = recorder_free(m->recorder);
        registry_free(m->registry); /* unpins its blobs: before the cache goes */
        cache_free(m->cache);
        metrics_done(&m->metrics);
        fallbacks_done(&m->fallbacks);
        int rs = containers_save(&m->containers);
        if (rs < 0 && rs != -ENOENT)
                log_warning_errno(rs, "Failed to save the container table at exit: %m");
        containers_done(&m->containers);
        for (size_t i = 0; i < CONFIG_MAX_ROOTS; i++)
                for (size_t k = 0; k < m->too_deep[i].n_listed; k++)
                        free(m->too_deep[i].rel[k]);
        pthread_mutex_destroy(&m->too_deep_lock);
        roots_done(&m->roots);
        config_done(&m->config);
        free(m);
        return NULL;
}

/* The loop's own sources: signals, the pool, reload requests, the debounce and watchdog
 * timers. */
static int add_sources(struct manager *m)
{
        int r;
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m)) < 0)
                return log_error_errno(r, "Failed to watch signals: %m");
        if ((r = sd_event_add_io(m->event, &m->pool_source, pool_fd(m->pool), EPOLLIN, on_pool,
                                 m)) < 0)
                return log_error_errno(r, "Failed to watch the compile pool: %m");
        if ((r = sd_event_add_io(m->event, &m->reload_source, m->reload_fd, EPOLLIN,
                                 on_reload_request, m)) < 0)
                return log_error_errno(r, "Failed to watch reload requests: %m");
        /* Accuracy 1 ms: sd-event's default (0 means 250 ms) would add up to a quarter of a
         * second to every reaction on top of the debounce (BENCHMARKS.md, §4). */
        if ((r = sd_event_add_time(m->event, &m->debounce_timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                   on_debounce, m)) < 0)
                return log_error_errno(r, "Failed to create the debounce timer: %m");
        sd_event_source_set_enabled(m->debounce_timer, SD_EVENT_OFF);
        uint64_t now0;
        sd_event_now(m->event, CLOCK_MONOTONIC, &now0);
        if ((r = sd_event_add_time(m->event, &m->containers_timer, CLOCK_MONOTONIC,
                                   now0 + CONTAINERS_PRUNE_USEC, 1000 * 1000, on_containers_timer,
                                   m)) < 0)
                return log_error_errno(r, "Failed to create the containers timer: %m");
        if ((r = sd_event_add_time(m->event, &m->containers_save_timer, CLOCK_MONOTONIC,
                                   now0 + CONTAINERS_SAVE_USEC, 100 * 1000, on_containers_save,
                                   m)) < 0)
                return log_error_errno(r, "Failed to create the containers save timer: %m");
        uint64_t interval = 0;
        if (sd_watchdog_enabled(false, &interval) > 0) {
                uint64_t now;
                sd_event_now(m->event, CLOCK_MONOTONIC, &now);
                sd_event_add_time(m->event, &m->watchdog_timer, CLOCK_MONOTONIC, now + interval / 2,
                                  0, on_watchdog, m);
        }
        return 0;
}

/* The watcher on every root (and the roots' realpaths), and its source in the loop. */
static int start_watcher(struct manager *m)
{
        int r;
        if ((r = watcher_new(&m->watcher)) < 0)
                return log_error_errno(r, "Failed to set up inotify: %m");
        if ((r = watcher_set_max_depth(m->watcher, m->config.max_depth)) < 0)
                return log_error_errno(r, "Failed to set the watch depth: %m");
        for (size_t i = 0; i < m->roots.n; i++) {
                const struct root_config *rc = m->roots.roots[i].config;
                if ((r = watcher_add_root(m->watcher, rc->name, rc->path, rc->recursive)) < 0)
                        return log_error_errno(r, "Failed to watch root '%s' (%s): %m", rc->name,
                                               rc->path);
                if (!roots_refresh(&m->roots, &m->roots.roots[i]))
                        log_notice("Root '%s' (%s) does not exist yet; waiting for it", rc->name,
                                   rc->path);
        }
        if ((r = watcher_start(m->watcher)) < 0)
                return log_error_errno(r, "Failed to start the watcher: %m");
        if ((r = sd_event_add_io(m->event, &m->watch_source, watcher_fd(m->watcher), EPOLLIN,
                                 on_watch, m)) < 0)
                return log_error_errno(r, "Failed to watch the watcher: %m");
        return 0;
}

int manager_start(struct manager *m, int listen_fd)
{
        int r;

        if ((r = sd_event_default(&m->event)) < 0)
                return log_error_errno(r, "Failed to create the event loop: %m");
        if ((r = add_sources(m)) < 0 || (r = start_watcher(m)) < 0)
                return r;
        if (fallbacks_fd(&m->fallbacks) >= 0 &&
            (r = sd_event_add_io(m->event, &m->fallback_source, fallbacks_fd(&m->fallbacks),
                                 EPOLLIN, on_fallback, m)) < 0)
                return log_error_errno(r, "Failed to watch the fallback spool: %m");
        {
                _cleanup_free_ char *state = NULL;
                if ((r = config_containers_file(&m->config, &state)) < 0)
                        return log_error_errno(r, "Failed to name the container table: %m");
                r = containers_load(&m->containers, state);
                if (r < 0)
                        log_warning_errno(r, "Failed to read the container table '%s': %m", state);
                else if (r > 0)
                        log_info("Container table: %d container%s from '%s', %zu gone since", r,
                                 r == 1 ? "" : "s", state, containers_prune(&m->containers));
                if (m->containers.n_bad_loaded > 0)
                        log_warning("Container table '%s': %zu malformed entries skipped", state,
                                    m->containers.n_bad_loaded);
        }
        fallbacks_ingest(&m->fallbacks);

        r = server_new(m, listen_fd, &m->server);
        if (r < 0)
                return r;
        if ((r = denials_start(m->denials)) < 0 || (r = recorder_start(m->recorder)) < 0)
                return r;
        sd_notify(false, "STATUS=Scanning profiles");
        full_scan(m);
        return 0;
}

int manager_run(struct manager *m)
{
        int r = sd_event_loop(m->event);
        sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        log_info("Stopping");
        return r;
}
