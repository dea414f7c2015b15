/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "seccompd/protocol.h"

/* JSON -> struct: the answers of /v1/status, /v1/profiles and /v1/profiles/NAME, and the
 * diagnostics of profiles and error answers, checked for their shape. */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_status *, seccompd_status_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_profile *, seccompd_profile_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_profile_list *, seccompd_profile_list_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_container_list *, seccompd_container_list_free);

int api_member_string(const json_t *o, const char *key, bool required, char **ret)
{
        const json_t *v = json_object_get(o, key);

        if (!v || json_is_null(v)) {
                *ret = NULL;
                return required ? -EPROTO : 0;
        }
        if (!json_is_string(v))
                return -EPROTO;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

int api_member_uint(const json_t *o, const char *key, uint64_t max, uint64_t *ret)
{
        const json_t *v = json_object_get(o, key);

        if (!v || json_is_null(v)) {
                *ret = 0;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (uint64_t)json_integer_value(v) > max)
                return -EPROTO;
        *ret = (uint64_t)json_integer_value(v);
        return 0;
}

int api_member_unsigned(const json_t *o, const char *key, unsigned *ret)
{
        uint64_t v = 0;
        int r = api_member_uint(o, key, UINT_MAX, &v);
        *ret = (unsigned)v;
        return r;
}

/* A string member with a default for when it is absent (the API's defaults, e.g. a
 * diagnostic without a pointer is about the whole profile). */
static int string_or(const json_t *o, const char *key, const char *dflt, char **ret)
{
        int r = api_member_string(o, key, false, ret);
        if (r == 0 && !*ret && dflt) {
                *ret = strdup(dflt);
                if (!*ret)
                        return -ENOMEM;
        }
        return r;
}

void api_diagnostics_free(struct seccompd_diagnostic *d, size_t n)
{
        for (size_t i = 0; d && i < n; i++) {
                free(d[i].severity);
                free(d[i].file);
                free(d[i].pointer);
                free(d[i].message);
                free(d[i].hint);
        }
        free(d);
}

static int diagnostic_from_json(const json_t *o, struct seccompd_diagnostic *d)
{
        int r = json_is_object(o) ? 0 : -EPROTO;

        if (r == 0)
                r = string_or(o, SECCOMPD_KEY_SEVERITY, "error", &d->severity);
        if (r == 0)
                r = string_or(o, SECCOMPD_KEY_FILE, NULL, &d->file);
        if (r == 0)
                r = api_member_unsigned(o, SECCOMPD_KEY_LINE, &d->line);
        if (r == 0)
                r = api_member_unsigned(o, SECCOMPD_KEY_COLUMN, &d->column);
        if (r == 0)
                r = string_or(o, SECCOMPD_KEY_POINTER, "", &d->pointer);
        if (r == 0)
                r = string_or(o, SECCOMPD_KEY_MESSAGE, "", &d->message);
        if (r == 0)
                r = string_or(o, SECCOMPD_KEY_HINT, NULL, &d->hint);
        return r;
}

/* Allocates `n` zeroed elements of `size` (NULL for none). 0 or -ENOMEM, -EFBIG. */
static int alloc_array(size_t n, size_t size, void **ret)
{
        if (n > INT_MAX)
                return -EFBIG;
        *ret = n > 0 ? calloc(n, size) : NULL;
        return n > 0 && !*ret ? -ENOMEM : 0;
}

int api_decode_diagnostics(const json_t *a, struct seccompd_diagnostic **ret, size_t *ret_n)
{
        struct seccompd_diagnostic *d = NULL;
        size_t n = json_array_size(a);
        int r;

        if (a && !json_is_array(a))
                return -EPROTO;
        r = alloc_array(n, sizeof(*d), (void **)&d);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = diagnostic_from_json(json_array_get(a, i), &d[i]);
        if (r < 0) {
                api_diagnostics_free(d, n);
                return r;
        }
        *ret = d;
        *ret_n = n;
        return 0;
}

static int cache_from_json(const json_t *o, struct seccompd_cache_info **ret)
{
        struct seccompd_cache_info *ci;
        int r;

        if (!json_is_object(o))
                return 0;
        ci = *ret = calloc(1, sizeof(*ci));
        if (!ci)
                return -ENOMEM;
        r = api_member_string(o, SECCOMPD_KEY_CACHE_DIR, false, &ci->dir);
        const struct {
                const char *key;
                uint64_t *field;
        } counts[] = {
                {SECCOMPD_KEY_CACHE_ENTRIES, &ci->entries},
                {SECCOMPD_KEY_CACHE_BYTES, &ci->bytes},
                {SECCOMPD_KEY_CACHE_MAX_BYTES, &ci->max_bytes},
                {SECCOMPD_KEY_CACHE_HITS, &ci->hits},
                {SECCOMPD_KEY_CACHE_MISSES, &ci->misses},
                {SECCOMPD_KEY_CACHE_CORRUPT, &ci->corrupt},
                {SECCOMPD_KEY_CACHE_EVICTIONS, &ci->evictions},
        };
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(counts); i++)
                r = api_member_uint(o, counts[i].key, UINT64_MAX, counts[i].field);
        return r;
}

static int fallback_from_json(const json_t *o, struct seccompd_fallback *f)
{
        int r = json_is_object(o) ? 0 : -EPROTO;

        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_TIME, false, &f->time);
        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_CONTAINER_ID, false, &f->container_id);
        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_BUNDLE, false, &f->bundle);
        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_COMMAND, false, &f->command);
        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_REASON, false, &f->reason);
        return r;
}

static int fallbacks_from_json(const json_t *o, struct seccompd_fallbacks **ret)
{
        const json_t *recent = json_object_get(o, SECCOMPD_KEY_RECENT);
        struct seccompd_fallbacks *fb;
        int r;

        if (!json_is_object(o))
                return 0;
        if (recent && !json_is_array(recent))
                return -EPROTO;
        fb = *ret = calloc(1, sizeof(*fb));
        if (!fb)
                return -ENOMEM;
        r = api_member_string(o, SECCOMPD_KEY_SPOOL, false, &fb->spool);
        if (r == 0)
                r = api_member_uint(o, SECCOMPD_KEY_TOTAL, UINT64_MAX, &fb->total);
        if (r == 0)
                r = api_member_uint(o, SECCOMPD_KEY_LAST_HOUR, UINT64_MAX, &fb->last_hour);
        if (r == 0)
                r = api_member_uint(o, SECCOMPD_KEY_REJECTED, UINT64_MAX, &fb->rejected);
        if (r == 0)
                r = alloc_array(json_array_size(recent), sizeof(*fb->recent), (void **)&fb->recent);
        for (size_t i = 0; r == 0 && i < json_array_size(recent); i++, fb->n_recent++)
                r = fallback_from_json(json_array_get(recent, i), &fb->recent[i]);
        return r;
}

static int root_from_json(const json_t *o, struct seccompd_root_info *ri)
{
        int r = json_is_object(o) ? 0 : -EPROTO;

        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_NAME, false, &ri->name);
        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_PATH, false, &ri->path);
        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_DIALECT, false, &ri->dialect);
        if (r == 0)
                r = api_member_unsigned(o, SECCOMPD_KEY_PROFILES, &ri->profiles);
        ri->exists = json_is_true(json_object_get(o, SECCOMPD_KEY_EXISTS));
        ri->recursive = json_is_true(json_object_get(o, SECCOMPD_KEY_RECURSIVE));
        return r;
}

static int roots_from_json(const json_t *a, struct seccompd_status *s)
{
        int r;

        if (a && !json_is_array(a))
                return -EPROTO;
        r = alloc_array(json_array_size(a), sizeof(*s->roots), (void **)&s->roots);
        for (size_t i = 0; r == 0 && i < json_array_size(a); i++, s->n_roots++)
                r = root_from_json(json_array_get(a, i), &s->roots[i]);
        return r;
}

static int counts_from_json(const json_t *counts, struct seccompd_status *s)
{
        int r = api_member_unsigned(counts, SECCOMPD_STATE_VALID, &s->valid);
        if (r == 0)
                r = api_member_unsigned(counts, SECCOMPD_STATE_INVALID, &s->invalid);
        if (r == 0)
                r = api_member_unsigned(counts, SECCOMPD_STATE_STALE, &s->stale);
        if (r == 0)
                r = api_member_unsigned(counts, SECCOMPD_STATE_MISSING, &s->missing);
        return r;
}

int api_decode_status(const json_t *j, struct seccompd_status **ret)
{
        _cleanup_(seccompd_status_freep) struct seccompd_status *s = NULL;
        const json_t *ready = json_object_get(j, SECCOMPD_KEY_READY);
        const json_t *counts = json_object_get(j, SECCOMPD_KEY_COUNTS);
        int r;

        if (!json_is_boolean(ready) || !json_is_object(counts))
                return -EPROTO;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ready = json_is_true(ready);
        r = api_member_string(j, SECCOMPD_KEY_VERSION, true, &s->version);
        if (r == 0)
                r = api_member_string(j, SECCOMPD_KEY_LIBSECCOMP, false, &s->libseccomp);
        if (r == 0)
                r = api_member_string(j, SECCOMPD_KEY_NODE_DIGEST, true, &s->node_digest);
        if (r == 0)
                r = api_member_uint(j, SECCOMPD_KEY_GENERATION, UINT64_MAX, &s->generation);
        if (r == 0)
                r = api_member_uint(j, SECCOMPD_KEY_COMPILES, UINT64_MAX, &s->compiles);
        if (r == 0)
                r = counts_from_json(counts, s);
        if (r == 0)
                r = cache_from_json(json_object_get(j, SECCOMPD_KEY_CACHE), &s->cache);
        if (r == 0)
                r = fallbacks_from_json(json_object_get(j, SECCOMPD_KEY_FALLBACKS), &s->fallbacks);
        if (r == 0)
                r = roots_from_json(json_object_get(j, SECCOMPD_KEY_ROOTS), s);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

static int summary_from_json(const json_t *o, struct seccompd_profile *p)
{
        const json_t *arches = json_object_get(o, SECCOMPD_KEY_ARCHES);
        int r;

        if (!json_is_object(o))
                return 0;
        if (arches && !json_is_array(arches))
                return -EPROTO;
        p->has_summary = 1;
        r = api_member_string(o, SECCOMPD_KEY_DEFAULT_ACTION, false, &p->default_action);
        if (r == 0)
                r = alloc_array(json_array_size(arches), sizeof(char *), (void **)&p->arches);
        for (size_t i = 0; r == 0 && i < json_array_size(arches); i++, p->n_arches++) {
                const char *a = json_string_value(json_array_get(arches, i));
                if (a && !(p->arches[i] = strdup(a)))
                        r = -ENOMEM;
        }
        return r;
}

static int blob_info_from_json(const json_t *o, struct seccompd_blob_info *b)
{
        uint64_t optimize = 0;
        int r = json_is_object(o) ? 0 : -EPROTO;

        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_KEY, false, &b->key);
        if (r == 0)
                r = api_member_string(o, SECCOMPD_KEY_CONTEXT, false, &b->context);
        if (r == 0)
                r = api_member_unsigned(o, SECCOMPD_KEY_INSTRUCTIONS, &b->instructions);
        if (r == 0)
                r = api_member_uint(o, SECCOMPD_KEY_SIZE, UINT64_MAX, &b->size);
        if (r == 0)
                r = api_member_uint(o, SECCOMPD_KEY_OPTIMIZE, INT_MAX, &optimize);
        b->optimize = (int)optimize;
        return r;
}

static int blobs_from_json(const json_t *a, struct seccompd_profile *p)
{
        int r;

        if (a && !json_is_array(a))
                return -EPROTO;
        r = alloc_array(json_array_size(a), sizeof(*p->blobs), (void **)&p->blobs);
        for (size_t i = 0; r == 0 && i < json_array_size(a); i++, p->n_blobs++)
                r = blob_info_from_json(json_array_get(a, i), &p->blobs[i]);
        return r;
}

static int profile_strings(const json_t *j, struct seccompd_profile *p)
{
        const struct {
                const char *key;
                char **field;
        } strings[] = {
                {SECCOMPD_KEY_ROOT, &p->root},
                {SECCOMPD_KEY_PATH, &p->path},
                {SECCOMPD_KEY_DIALECT, &p->dialect},
                {SECCOMPD_KEY_STATE, &p->state},
                {SECCOMPD_KEY_DIGEST, &p->digest},
                {SECCOMPD_KEY_SERVED_DIGEST, &p->served_digest},
                {SECCOMPD_KEY_UPDATED, &p->updated},
        };
        int r = api_member_string(j, SECCOMPD_KEY_NAME, true, &p->name);

        for (size_t i = 0; r == 0 && i < ELEMENTSOF(strings); i++)
                r = api_member_string(j, strings[i].key, false, strings[i].field);
        return r;
}

int api_decode_profile(const json_t *j, struct seccompd_profile **ret)
{
        _cleanup_(seccompd_profile_freep) struct seccompd_profile *p = NULL;
        int r;

        if (!json_is_object(j))
                return -EPROTO;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = profile_strings(j, p);
        if (r == 0)
                r = api_member_unsigned(j, SECCOMPD_KEY_ERRORS, &p->errors);
        if (r == 0)
                r = api_member_unsigned(j, SECCOMPD_KEY_WARNINGS, &p->warnings);
        if (r == 0)
                r = api_member_unsigned(j, SECCOMPD_KEY_RULES, &p->rules);
        if (r == 0)
                r = api_member_unsigned(j, SECCOMPD_KEY_NAMES, &p->names);
        if (r == 0)
                r = summary_from_json(json_object_get(j, SECCOMPD_KEY_SUMMARY), p);
        if (r == 0)
                r = api_decode_diagnostics(json_object_get(j, SECCOMPD_KEY_DIAGNOSTICS),
                                           &p->diagnostics, &p->n_diagnostics);
        if (r == 0)
                r = blobs_from_json(json_object_get(j, SECCOMPD_KEY_BLOBS), p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int api_decode_profiles(const json_t *j, struct seccompd_profile_list **ret)
{
        _cleanup_(seccompd_profile_list_freep) struct seccompd_profile_list *l = NULL;
        const json_t *list = json_object_get(j, SECCOMPD_KEY_PROFILES);
        int r;

        if (!json_is_array(list))
                return -EPROTO;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        r = alloc_array(json_array_size(list), sizeof(*l->profiles), (void **)&l->profiles);
        for (size_t i = 0; r == 0 && i < json_array_size(list); i++, l->n++)
                r = api_decode_profile(json_array_get(list, i), &l->profiles[i]);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static int container_from_json(const json_t *o, struct seccompd_container *c)
{
        const json_t *names = json_object_get(o, SECCOMPD_KEY_PROFILES);
        uint64_t pid = 0;
        int r = json_is_object(o) && (!names || json_is_array(names)) ? 0 : -EPROTO;
        const struct {
                const char *key;
                bool required;
                char **field;
        } strings[] = {
                {SECCOMPD_KEY_ID, true, &c->id},
                {SECCOMPD_KEY_BUNDLE, false, &c->bundle},
                {SECCOMPD_KEY_PROFILE, false, &c->profile},
                {SECCOMPD_KEY_DIGEST, false, &c->digest},
                {SECCOMPD_KEY_KEY, false, &c->key},
                {SECCOMPD_KEY_FALLBACK, false, &c->fallback},
                {SECCOMPD_KEY_STARTED, false, &c->started},
                {SECCOMPD_KEY_COMMAND, false, &c->command},
        };
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(strings); i++)
                r = api_member_string(o, strings[i].key, strings[i].required, strings[i].field);
        if (r == 0)
                r = api_member_uint(o, SECCOMPD_KEY_PID, INT32_MAX, &pid);
        c->pid = (int64_t)pid;
        if (r == 0)
                r = api_member_uint(o, SECCOMPD_KEY_PIDNS, UINT64_MAX, &c->pidns);
        if (r == 0)
                r = alloc_array(json_array_size(names), sizeof(*c->profiles),
                                (void **)&c->profiles);
        for (size_t i = 0; r == 0 && i < json_array_size(names); i++) {
                const char *n = json_string_value(json_array_get(names, i));
                if (!n)
                        return -EPROTO;
                c->profiles[i] = strdup(n);
                if (!c->profiles[i])
                        return -ENOMEM;
                c->n_profiles++;
        }
        return r;
}

int api_decode_containers(const json_t *j, struct seccompd_container_list **ret)
{
        _cleanup_(seccompd_container_list_freep) struct seccompd_container_list *l = NULL;
        const json_t *list = json_object_get(j, SECCOMPD_KEY_CONTAINERS);
        int r;

        if (!json_is_array(list))
                return -EPROTO;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        r = api_member_uint(j, SECCOMPD_KEY_MAX, UINT64_MAX, &l->max);
        if (r == 0)
                r = api_member_uint(j, SECCOMPD_KEY_REFUSED, UINT64_MAX, &l->refused);
        if (r == 0)
                r = alloc_array(json_array_size(list), sizeof(*l->containers),
                                (void **)&l->containers);
        for (size_t i = 0; r == 0 && i < json_array_size(list); i++, l->n++)
                r = container_from_json(json_array_get(list, i), &l->containers[i]);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccompd_denials *, seccompd_denials_free);

static int denial_from_json(const json_t *o, struct seccompd_denial *d)
{
        const json_t *pid = json_object_get(o, "pid"), *nr = json_object_get(o, "syscall_nr");
        int r;

        if (!json_is_object(o) || !json_is_integer(pid) || !json_is_integer(nr))
                return -EPROTO;
        d->pid = (int)json_integer_value(pid);
        d->syscall_nr = (int)json_integer_value(nr);
        const json_t *en = json_object_get(o, "errno");
        if (en && !json_is_null(en) &&
            (!json_is_integer(en) || json_integer_value(en) < 0 || json_integer_value(en) > 65535))
                return -EPROTO;
        d->errnum = json_is_integer(en) ? (int)json_integer_value(en) : -1;
        r = api_member_uint(o, "seq", UINT64_MAX, &d->seq);
        if (r == 0)
                r = api_member_uint(o, "count", UINT64_MAX, &d->count);
        struct {
                const char *key;
                bool required;
                char **to;
        } strings[] = {
                {"time", true, &d->time},          {"last", false, &d->last},
                {"comm", false, &d->comm},         {"exe", false, &d->exe},
                {"arch", false, &d->arch},         {"syscall", true, &d->syscall},
                {"action", true, &d->action},      {"container", false, &d->container},
                {"blob_key", false, &d->blob_key}, {"profile", false, &d->profile},
                {"rule", false, &d->rule},         {"unattributed", false, &d->unattributed},
        };
        for (size_t i = 0; r == 0 && i < sizeof(strings) / sizeof(strings[0]); i++)
                r = api_member_string(o, strings[i].key, strings[i].required, strings[i].to);
        return r;
}

int api_decode_denials(const json_t *j, struct seccompd_denials **ret)
{
        _cleanup_(seccompd_denials_freep) struct seccompd_denials *d = NULL;
        const json_t *list = json_object_get(j, SECCOMPD_KEY_DENIALS);
        const json_t *reader = json_object_get(j, "reader");
        int r;

        if (!json_is_array(list))
                return -EPROTO;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        if (json_array_size(list) > 0 &&
            !(d->denials = calloc(json_array_size(list), sizeof(*d->denials))))
                return -ENOMEM;
        for (size_t i = 0; i < json_array_size(list); i++) {
                d->n = i + 1;
                if ((r = denial_from_json(json_array_get(list, i), &d->denials[i])) < 0)
                        return r;
        }
        r = api_member_uint(j, SECCOMPD_KEY_LAST, UINT64_MAX, &d->last);
        if (r == 0 && json_is_object(reader)) {
                d->reading = json_is_true(json_object_get(reader, "reading"));
                r = api_member_string(reader, "reason", false, &d->reason);
                if (r == 0)
                        r = api_member_uint(reader, "records", UINT64_MAX, &d->records);
                if (r == 0)
                        r = api_member_uint(reader, "lost", UINT64_MAX, &d->lost);
                if (r == 0)
                        r = api_member_uint(reader, "unattributed", UINT64_MAX, &d->unattributed);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}
