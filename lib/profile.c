/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "fileio.h"
#include "jsonsrc.h"
#include "profile-internal.h"

/* Scans the text (locations, big integers) and loads it with jansson. Syntax errors are
 * reported; returns 0, -EINVAL or -ENOMEM. */
static int load_json(const char *data, size_t size, struct diag_list *diags,
                     struct json_source **ret_src, json_t **ret_root)
{
        _cleanup_(json_source_freep) struct json_source *src = NULL;
        size_t before = diags->counts[DIAG_ERROR];
        json_error_t err;

        int r = json_source_new(data, size, PROFILE_MAX_DEPTH, diags, &src);
        if (r < 0)
                return r;
        if (diags->counts[DIAG_ERROR] > before)
                return -EINVAL;
        json_t *root = json_loadb(src->text, src->size, JSON_REJECT_DUPLICATES, &err);
        if (!root) {
                /* jansson names its own flag when it meets \u0000; say what it means. */
                bool nul = strstr(err.text, "NUL") != NULL;
                return diag_fail(diag_add_at(
                        diags, DIAG_ERROR, (unsigned)(err.line > 0 ? err.line : 1),
                        (unsigned)(err.column > 0 ? err.column : 1), "", NULL, "invalid JSON: %s",
                        nul ? "a string contains a NUL character (\\u0000)" : err.text));
        }
        *ret_src = TAKE_PTR(src);
        *ret_root = root;
        return 0;
}

/* Fills `prof` from the document and runs the checks that need the whole profile and the
 * dialect's, then gives the diagnostics this call added their line:column. Returns 0,
 * -EINVAL when there is an error among the diagnostics, other -errno on failure. */
static int read_profile(json_t *root, struct json_source *src,
                        const struct profile_parse_options *opts, struct diag_list *diags,
                        struct profile *prof)
{
        size_t before = diags->counts[DIAG_ERROR], first = diags->n;
        int r = profile_parse_tree(root, src, opts, diags, prof);
        if (r < 0 && r != -EINVAL)
                return r;
        if (r == 0 && !diag_list_has_errors(diags)) {
                r = profile_semantics_check(prof, diags);
                if (r < 0)
                        return r;
                r = dialect_check(prof, opts->dialect, opts->strict, diags);
                if (r < 0)
                        return r;
        }
        /* Locate only what this call added. */
        if (diags->n > first) {
                struct diag_list view = *diags;
                view.items += first;
                view.n -= first;
                json_source_locate_diags(src, &view);
        }
        return diags->counts[DIAG_ERROR] > before ? -EINVAL : 0;
}

/* What identifies the profile: its canonical form (part of the blob key) and the digest of
 * its bytes as written. */
static int set_identity(struct profile *prof, json_t *root, const struct json_source *src,
                        const char *data, size_t size)
{
        _cleanup_free_ char *dumped = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT);
        if (!dumped)
                return -ENOMEM;
        prof->canonical = json_source_unmark(src, dumped);
        if (!prof->canonical)
                return -ENOMEM;
        return sha256_digest_string(data, size, prof->digest, sizeof(prof->digest));
}

int profile_parse(const char *data, size_t size, const struct profile_parse_options *opts,
                  struct diag_list *diags, struct profile **ret)
{
        static const struct profile_parse_options defaults = {.dialect = DIALECT_DEFAULT};
        _cleanup_(json_source_freep) struct json_source *src = NULL;
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_(profile_freep) struct profile *prof = NULL;
        int r;

        if (!opts)
                opts = &defaults;
        size_t max = opts->max_size ? opts->max_size : PROFILE_MAX_SIZE_DEFAULT;
        if (size > max)
                return diag_fail(
                        diag_add(diags, DIAG_ERROR, "", "raise the size limit if this is intended",
                                 "profile is %zu bytes, more than the limit of %zu", size, max));
        r = load_json(data, size, diags, &src, &root);
        if (r < 0)
                return r;
        prof = calloc(1, sizeof(*prof));
        if (!prof)
                return -ENOMEM;
        r = read_profile(root, src, opts, diags, prof);
        if (r < 0)
                return r;
        r = set_identity(prof, root, src, data, size);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(prof);
        return 0;
}

struct profile *profile_free(struct profile *p)
{
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_rules; i++)
                profile_rule_done(&p->rules[i]);
        free(p->rules);
        for (size_t i = 0; i < p->n_arch_map; i++)
                free(p->arch_map[i].sub_arches);
        free(p->arch_map);
        free(p->architectures);
        free(p->listener_path);
        free(p->listener_metadata);
        free(p->canonical);
        free(p);
        return NULL;
}

size_t profile_count_names(const struct profile *p)
{
        size_t n = 0;
        for (size_t i = 0; i < p->n_rules; i++)
                n += p->rules[i].n_names;
        return n;
}

int profile_load_file(const char *path, const struct profile_parse_options *opts,
                      struct diag_list *diags, struct profile **ret)
{
        size_t max = opts && opts->max_size ? opts->max_size : PROFILE_MAX_SIZE_DEFAULT;
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r = read_file_capped(path, max, &data, &size);
        if (r == -EFBIG) {
                return diag_fail(diag_add(diags, DIAG_ERROR, "",
                                          "raise the size limit if this is intended",
                                          "profile is larger than the limit of %zu bytes", max));
        }
        if (r < 0) {
                diag_add(diags, DIAG_ERROR, "", NULL, "cannot read profile: %s", strerror(-r));
                return r;
        }
        return profile_parse(data, size, opts, diags, ret);
}
