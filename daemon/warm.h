/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "diag.h"
#include "digest.h"
#include "profile.h"
#include "resolve.h"

/* The warm path (issue 13): a profile file whose bytes were loaded before, under the same
 * options, is served from the cache's alias of those bytes (cache.h) without being parsed.
 *
 * The alias key is the SHA-256 of everything the outcome of a load depends on: the file's
 * bytes (through their digest), the root's dialect, --strict, the size limit, the default
 * context, the compile options, seccompd's version and build id and libseccomp's version. The
 * alias's extra holds what the registry serves of a parse: its diagnostics (locations,
 * pointers, hints, without the file name, which is the caller's) and the profile's summary
 * (default action, architectures, rule and name counts). A profile that is invalid, or whose
 * compile fails, gets no alias: it is parsed at every start. */

struct warm_params {
        struct profile_parse_options parse;
        const struct context *context;
        const char *context_string; /* context_to_string(context) */
        int optimize;               /* compile_options.optimize */
};

/* The alias key of a file whose digest ("sha256:...") is `digest`. Returns 0 or -ENOMEM. */
int warm_key(const struct warm_params *w, const char *digest, char ret[SHA256_HEX_SIZE]);

/* The summary of GET /v1/profiles/NAME ("summary") as compact JSON; NULL when out of
 * memory. */
char *warm_summary(const struct profile *p);

/* The alias's extra for a profile parsed with `diags`: lines "rules N", "names N", "summary
 * <JSON>", "diagnostics <JSON array, without the file name>". NULL when out of memory. */
char *warm_extra(const struct diag_list *diags, const char *summary, size_t n_rules, size_t n_names,
                 size_t *ret_size);
/* The inverse, with the diagnostics named `file`. Returns 0, -EBADMSG or -ENOMEM. */
int warm_extra_parse(char *extra, const char *file, struct diag_list **ret_diags,
                     char **ret_summary, size_t *ret_rules, size_t *ret_names);
