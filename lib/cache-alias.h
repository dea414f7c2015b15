/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "diag.h"

/* An alias of the blob cache (issue 13): blobs/<alias key>.alias names the blob entry a
 * caller's input maps to, with what the caller needs to use that blob without redoing the
 * work that found its key (for the daemon: parsing the profile file). Its text is read on
 * every warm start, once per profile, so it is lines, not JSON:
 *
 *   seccompd-alias 1 <sha256 of everything after this line>
 *   alias <its own key>
 *   key <the blob key>
 *   metadata_sha256 <of the blob's .json as it was when the alias was written>
 *   payload_sha256 <of the blob's .bpf>
 *   blob <instructions> <optimize> <flags> <rules> <skipped_names> <foreign_byte_order 0|1>
 *   diagnostics <the compile's, as one line of JSON (diag-json.h)>
 *   extra <N>
 *   <N bytes of the caller's, opaque here>
 *
 * The checksum makes a torn, truncated or damaged alias a miss; the alias's own key inside
 * makes one copied under another name a miss; the .json's and the payload's sha256 make an
 * alias whose blob entry was replaced, damaged or removed since a miss. A miss costs the
 * caller its slow path, never a wrong blob. */

#define CACHE_ALIAS_FORMAT   1
#define CACHE_ALIAS_MAX_SIZE (UINT64_C(16) << 20) /* mostly diagnostics */

struct cache_alias {
        char key[SHA256_HEX_SIZE]; /* the blob's */
        char metadata_sha256[SHA256_HEX_SIZE];
        char payload_sha256[SHA256_HEX_SIZE];
        size_t instructions;
        int optimize;
        unsigned flags;
        size_t rules, skipped_names;
        bool foreign_byte_order;
        const char *diagnostics; /* into the text: a JSON array up to its newline */
        size_t diagnostics_size;
        const char *extra; /* into the text */
        size_t extra_size;
};

/* The text of the alias `alias_key` of blob `b` (whose payload's and .json's sha256 are
 * given), or NULL when out of memory. */
char *cache_alias_format(const char *alias_key, const struct blob *b, const char *payload_sha256,
                         const char *metadata_sha256, const struct diag_list *diags,
                         const char *extra, size_t extra_size, size_t *ret_size);

/* Checks and reads the text of the alias `alias_key`, which `ret` then points into (its lines
 * end in NULs from then on). Returns
 * 0, -EBADMSG when it is not whole (checksum, format, another alias's text, a field missing
 * or out of range) or -ENOMEM. */
int cache_alias_parse(char *text, size_t size, const char *alias_key, struct cache_alias *ret);

/* Reads the line "<name> <value>\n" at *p (not past `end`): the value, its newline made a NUL
 * (the buffer is the caller's copy), *p moved to the next line; NULL when the line is not
 * there. The alias's lines, and the daemon's extra in the same form (daemon/warm.c). */
char *cache_alias_field(char **p, char *end, const char *name);

/* The compile diagnostics of `a`: a new list. Returns 0, -EBADMSG or -ENOMEM. */
int cache_alias_diagnostics(const struct cache_alias *a, struct diag_list **ret);
