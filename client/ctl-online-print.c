/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ctl-online.h"
#include "seccompd/protocol.h"

static const char *str_or(const char *s, const char *fallback)
{
        return s ? s : fallback;
}

int ctl_print_json_body(const char *body, size_t size)
{
        _cleanup_(json_decrefp) json_t *j = json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(j)) {
                fwrite(body, 1, size, stdout);
                return CTL_EXIT_OK;
        }
        json_dumpf(j, stdout, JSON_INDENT(2));
        putchar('\n');
        return CTL_EXIT_OK;
}

void ctl_print_diagnostics(const struct ctl *c, const struct seccompd_diagnostic *d, size_t n,
                           const char *fallback_file, FILE *out, enum diag_severity min)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_(diag_list_freep) struct diag_list *l = NULL;
                int sev = diag_severity_from_string(d[i].severity);
                if (sev < 0)
                        sev = DIAG_ERROR;
                if (diag_list_new(str_or(d[i].file, fallback_file), &l) < 0 ||
                    diag_add_at(l, (enum diag_severity)sev, d[i].line, d[i].column, d[i].pointer,
                                d[i].hint, "%s", d[i].message) < 0)
                        continue;
                diag_list_print(l, out, min, out == stderr && c->color);
        }
}

void ctl_print_list(const struct ctl *c, const struct seccompd_profile_list *l)
{
        size_t n_valid = 0, n_invalid = 0, n_stale = 0, n_missing = 0;
        int width = 4;

        for (size_t i = 0; i < l->n; i++) {
                int w = ctl_display_width(str_or(l->profiles[i]->name, "?"));
                if (w > width)
                        width = w < 48 ? w : 48;
        }
        printf("%-*s %-8s %4s %4s %5s  %-19s  %s\n", width, "NAME", "STATE", "ERR", "WARN", "RULES",
               "DIGEST", "UPDATED");
        for (size_t i = 0; i < l->n; i++) {
                const struct seccompd_profile *p = l->profiles[i];
                const char *state = str_or(p->state, "?");
                n_valid += streq(state, SECCOMPD_STATE_VALID);
                n_invalid += streq(state, SECCOMPD_STATE_INVALID);
                n_stale += streq(state, SECCOMPD_STATE_STALE);
                n_missing += streq(state, SECCOMPD_STATE_MISSING);
                int pad = width - ctl_display_width(p->name);
                printf("%s%*s %-8s %4u %4u %5u  %-19.19s  %s\n", p->name, pad > 0 ? pad : 0, "",
                       state, p->errors, p->warnings, p->rules, str_or(p->digest, "-"),
                       str_or(p->updated, "-"));
        }
        if (!c->quiet)
                printf("\n%zu profiles, %zu valid, %zu invalid, %zu stale, %zu missing\n", l->n,
                       n_valid, n_invalid, n_stale, n_missing);
}

/* "sha256:" + 12 hex digits, or 12 hex digits of a key: as short as list's digests. */
static const char *short_hash(const char *s, char *buf, size_t size)
{
        if (!s)
                return "-";
        size_t n = strncmp(s, "sha256:", 7) == 0 ? 19 : 12;
        snprintf(buf, size, "%.*s", (int)n, s);
        return buf;
}

void ctl_print_containers(const struct ctl *c, const struct seccompd_container_list *l)
{
        int wid = 2, wprof = 7;
        size_t n_fallback = 0;

        for (size_t i = 0; i < l->n; i++) {
                const struct seccompd_container *k = &l->containers[i];
                int w = ctl_display_width(str_or(k->id, "?"));
                if (w > wid)
                        wid = w < 64 ? w : 64;
                w = ctl_display_width(str_or(k->profile, "-"));
                if (w > wprof)
                        wprof = w < 48 ? w : 48;
        }
        printf("%-*s %-*s %-19s  %-12s  %-20s  %s\n", wid, "ID", wprof, "PROFILE", "DIGEST", "KEY",
               "STARTED", "FALLBACK");
        for (size_t i = 0; i < l->n; i++) {
                const struct seccompd_container *k = &l->containers[i];
                char d[32], key[32];
                const char *prof = str_or(k->profile, "-");
                int pad_id = wid - ctl_display_width(k->id);
                int pad_prof = wprof - ctl_display_width(prof);
                /* A bundle left to crun by design did not fall back. */
                n_fallback += k->fallback && strncmp(k->fallback, "left to crun: ", 14) != 0;
                printf("%s%*s %s%*s %-19s  %-12s  %-20s  %s\n", k->id, pad_id > 0 ? pad_id : 0, "",
                       prof, pad_prof > 0 ? pad_prof : 0, "", short_hash(k->digest, d, sizeof(d)),
                       short_hash(k->key, key, sizeof(key)), str_or(k->started, "-"),
                       str_or(k->fallback, "-"));
        }
        if (!c->quiet)
                printf("\n%zu containers, %zu fell back to crun's own compile\n", l->n, n_fallback);
}

static void kv(const char *key, const char *value)
{
        printf("%-15s %s\n", key, value);
}

static void kv_uint(const char *key, uint64_t value)
{
        printf("%-15s %" PRIu64 "\n", key, value);
}

static void print_blobs(const struct seccompd_profile *p)
{
        if (p->n_blobs == 0) {
                kv("blobs:", streq(str_or(p->state, "?"), SECCOMPD_STATE_INVALID)
                                     ? "none (an invalid profile is never served)"
                                     : "none yet (compiled on first request)");
                return;
        }
        printf("blobs:\n");
        for (size_t i = 0; i < p->n_blobs; i++) {
                const struct seccompd_blob_info *b = &p->blobs[i];
                printf("  %.12s  %5u insns %6" PRIu64 " bytes  optimize %d  %s\n",
                       str_or(b->key, "?"), b->instructions, b->size, b->optimize,
                       str_or(b->context, ""));
        }
}

static void print_summary(const struct seccompd_profile *p)
{
        char buf[512] = "";
        size_t n = 0;

        kv("default action:", str_or(p->default_action, "?"));
        for (size_t i = 0; i < p->n_arches; i++)
                n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s",
                                      n ? ", " : "", str_or(p->arches[i], "?"));
        kv("arches:", n ? buf : "(native)");
}

void ctl_print_profile(const struct ctl *c, const struct seccompd_profile *p, const char *name)
{
        const char *digest = str_or(p->digest, "-");
        char buf[512];

        name = str_or(p->name, name);
        kv("name:", name);
        kv("root:", str_or(p->root, "-"));
        kv("path:", str_or(p->path, "-"));
        kv("dialect:", str_or(p->dialect, "-"));
        kv("state:", str_or(p->state, "?"));
        kv("digest:", digest);
        if (p->served_digest && !streq(p->served_digest, digest))
                kv("served digest:", p->served_digest);
        kv_uint("errors:", p->errors);
        kv_uint("warnings:", p->warnings);
        snprintf(buf, sizeof(buf), "%u (%u syscall names)", p->rules, p->names);
        kv("rules:", buf);
        kv("updated:", str_or(p->updated, "-"));
        if (p->has_summary)
                print_summary(p);
        if (p->n_diagnostics > 0) {
                printf("diagnostics:\n");
                fflush(stdout);
                ctl_print_diagnostics(c, p->diagnostics, p->n_diagnostics, name, stdout, DIAG_NOTE);
        }
        print_blobs(p);
}

static void format_bytes(uint64_t n, char *buf, size_t size)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = (double)n;
        size_t u = 0;
        while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%" PRIu64 " B", n);
        else
                snprintf(buf, size, "%.1f %s", v, units[u]);
}

#define STATUS_FALLBACKS_SHOWN 10

/* seccompd-oci's fallbacks: the count, then the most recent ones, newest first. */
static void print_fallbacks(const struct seccompd_fallbacks *fb)
{
        char buf[512];

        if (!fb)
                return;
        if (!fb->spool) {
                kv("fallbacks:", "not counted (no spool)");
                return;
        }
        snprintf(buf, sizeof(buf),
                 "%" PRIu64 " in the last hour, %" PRIu64 " since seccompd started%s",
                 fb->last_hour, fb->total, fb->rejected > 0 ? "," : "");
        if (fb->rejected > 0)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
                         " %" PRIu64 " records rejected", fb->rejected);
        kv("fallbacks:", buf);
        kv("", fb->spool);
        for (size_t i = 0; i < fb->n_recent; i++) {
                const struct seccompd_fallback *r = &fb->recent[i];
                if (i == STATUS_FALLBACKS_SHOWN) {
                        printf("  (%zu more: seccompctl status --json)\n", fb->n_recent - i);
                        break;
                }
                printf("  %s  %s  %s\n", str_or(r->time, "?"), str_or(r->container_id, "?"),
                       str_or(r->reason, "?"));
        }
}

static void print_roots(const struct seccompd_status *s)
{
        int wn = 4, wp = 4;

        for (size_t i = 0; i < s->n_roots; i++) {
                int ln = (int)strlen(str_or(s->roots[i].name, "?"));
                int lp = (int)strlen(str_or(s->roots[i].path, "?"));
                wn = ln > wn ? ln : wn;
                wp = lp > wp ? (lp < 60 ? lp : 60) : wp;
        }
        printf("roots:\n");
        for (size_t i = 0; i < s->n_roots; i++) {
                const struct seccompd_root_info *r = &s->roots[i];
                printf("  %-*s  %-*s  %-22s", wn, str_or(r->name, "?"), wp, str_or(r->path, "?"),
                       str_or(r->dialect, "?"));
                if (r->exists)
                        printf(" %u profiles", r->profiles);
                else
                        printf(" not there yet (waited for)");
                if (r->recursive)
                        printf(", recursive");
                putchar('\n');
        }
}

static void print_cache(const struct seccompd_cache_info *ci)
{
        char buf[512], bytes[32], max[32];

        if (!ci)
                return;
        format_bytes(ci->bytes, bytes, sizeof(bytes));
        format_bytes(ci->max_bytes, max, sizeof(max));
        snprintf(buf, sizeof(buf), "%s: %" PRIu64 " entries, %s of %s", str_or(ci->dir, "-"),
                 ci->entries, bytes, max);
        kv("cache:", buf);
        snprintf(buf, sizeof(buf),
                 "%" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64 " corrupt, %" PRIu64 " evictions",
                 ci->hits, ci->misses, ci->corrupt, ci->evictions);
        kv("", buf);
}

void ctl_print_status(const struct seccompd_status *s)
{
        char buf[512];

        printf("seccompd %s (libseccomp %s)\n", str_or(s->version, "?"),
               str_or(s->libseccomp, "?"));
        snprintf(buf, sizeof(buf), "%s, generation %" PRIu64,
                 s->ready ? "yes" : "no (first scan in progress)", s->generation);
        kv("ready:", buf);
        kv("node digest:", str_or(s->node_digest, "-"));
        snprintf(buf, sizeof(buf), "%u: %u valid, %u invalid, %u stale, %u missing",
                 s->valid + s->invalid + s->stale + s->missing, s->valid, s->invalid, s->stale,
                 s->missing);
        kv("profiles:", buf);
        kv_uint("compiles:", s->compiles);
        print_cache(s->cache);
        print_fallbacks(s->fallbacks);
        print_roots(s);
}
