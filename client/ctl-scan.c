/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include <jansson.h>

/* `seccompctl scan DIR...`: validates and compiles every *.json below the directories, the
 * way the daemon does for a root, and prints one row per profile. */

struct scan_row {
        char *name;
        const char *state;
        char digest[PROFILE_DIGEST_MAX];
        size_t rules, names, insns, errors, warnings;
};

struct scan {
        struct ctl *ctl;
        struct scan_row *rows;
        size_t n, allocated;
};

static int scan_file(struct scan *s, const char *path, const char *name)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        int r;

        if (s->n == s->allocated) {
                size_t na = s->allocated ? s->allocated * 2 : 32;
                struct scan_row *rows = reallocarray(s->rows, na, sizeof(*rows));
                if (!rows)
                        return -ENOMEM;
                s->rows = rows;
                s->allocated = na;
        }
        struct scan_row *row = &s->rows[s->n];
        *row = (struct scan_row){.name = strdup(name), .state = "invalid"};
        if (!row->name)
                return -ENOMEM;
        s->n++;

        r = diag_list_new(path, &diags);
        if (r < 0)
                return r;
        r = profile_load_file(path, &s->ctl->parse, diags, &p);
        if (r == 0) {
                r = profile_resolve(p, &s->ctl->context, &res);
                if (r < 0)
                        return r;
                r = compile_resolved(res, &s->ctl->compile, diags, &b);
                if (r < 0 && r != -EINVAL)
                        return r;
        }
        diag_list_sort(diags);
        if (!s->ctl->quiet && !s->ctl->json)
                diag_list_print(diags, stderr, DIAG_ERROR, s->ctl->color);
        row->errors = diags->counts[DIAG_ERROR];
        row->warnings = diags->counts[DIAG_WARNING];
        if (p) {
                memcpy(row->digest, p->digest, sizeof(row->digest));
                row->rules = p->n_rules;
                row->names = profile_count_names(p);
        }
        if (b) {
                row->state = "valid";
                row->insns = b->n_insns;
        }
        return 0;
}

static int scan_dir(struct scan *s, const char *dir, const char *prefix, unsigned depth)
{
        struct dirent **entries = NULL;
        int n = scandir(dir, &entries, NULL, alphasort);
        int r = 0;

        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                const char *e = entries[i]->d_name;
                _cleanup_free_ char *path = NULL, *name = NULL;
                struct stat st;
                if (r < 0 || e[0] == '.' || asprintf(&path, "%s/%s", dir, e) < 0 ||
                    asprintf(&name, "%s%s%s", prefix, prefix[0] ? "/" : "", e) < 0) {
                        free(entries[i]);
                        continue;
                }
                free(entries[i]);
                if (stat(path, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode) && depth < 16)
                        r = scan_dir(s, path, name, depth + 1);
                else if (S_ISREG(st.st_mode) && strlen(name) > 5 &&
                         streq(name + strlen(name) - 5, ".json"))
                        r = scan_file(s, path, name);
        }
        free(entries);
        return r;
}

int verb_scan(struct ctl *c, int argc, char **argv)
{
        struct scan s = {.ctl = c};
        size_t invalid = 0;
        int r = 0;

        if (argc < 1)
                return ctl_usage_error("scan: which directory?");
        for (int i = 0; i < argc && r >= 0; i++) {
                const char *base = strrchr(argv[i], '/');
                _cleanup_free_ char *root = strdup(base && base[1] ? base + 1 : argv[i]);
                if (!root)
                        return ctl_error("out of memory");
                r = scan_dir(&s, argv[i], root, 0);
                if (r < 0)
                        ctl_error("Failed to scan '%s': %s", argv[i], strerror(-r));
        }
        _cleanup_(json_decrefp) json_t *arr = c->json ? json_array() : NULL;
        if (!c->json)
                printf("%-48s %-8s %5s %5s %6s %5s  %s\n", "NAME", "STATE", "RULES", "NAMES",
                       "INSNS", "WARN", "DIGEST");
        for (size_t i = 0; i < s.n; i++) {
                struct scan_row *row = &s.rows[i];
                invalid += !streq(row->state, "valid");
                if (c->json)
                        json_array_append_new(
                                arr,
                                json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "name",
                                          row->name, "state", row->state, "digest", row->digest,
                                          "rules", (int)row->rules, "names", (int)row->names,
                                          "instructions", (int)row->insns, "errors",
                                          (int)row->errors, "warnings", (int)row->warnings));
                else
                        printf("%-48s %-8s %5zu %5zu %6zu %5zu  %.19s\n", row->name, row->state,
                               row->rules, row->names, row->insns, row->warnings,
                               row->digest[0] ? row->digest : "-");
                free(row->name);
        }
        free(s.rows);
        if (c->json) {
                json_dumpf(arr, stdout, JSON_INDENT(2));
                putchar('\n');
        } else if (!c->quiet)
                printf("\n%zu profiles, %zu valid, %zu invalid\n", s.n, s.n - invalid, invalid);
        return r < 0 || invalid ? CTL_EXIT_FAILED : CTL_EXIT_OK;
}
