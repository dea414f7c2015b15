/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "diag.h"

/* An alias of the blob cache (issue 13): blobs/<alias key>.alias names the blob entry a
 * caller's input maps to, with everything the caller needs to use that blob without
 * redoing the work that found its key (for the daemon: parsing the profile file). The text
 * is one line "seccompd-alias <format> <sha256 of the rest>\n" and a JSON object:
 *
 *   {"alias": <its own key>, "key": <the blob key>, "metadata_sha256": <of the blob's .json>,
 *    "payload_sha256", "size", "instructions", "optimize", "flags", "rules", "skipped_names",
 *    "foreign_byte_order" (as in the .json), "diagnostics": <the compile's>, "extra": <the
 *    caller's object>}
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
        json_t *diagnostics; /* owned: the compile's, as diag_list_to_json() wrote them */
        json_t *extra;       /* owned */
};
void cache_alias_done(struct cache_alias *a);

/* The text of the alias `alias_key` of blob `b` (whose payload's and .json's sha256 are
 * given), or NULL when out of memory. */
char *cache_alias_format(const char *alias_key, const struct blob *b, const char *payload_sha256,
                         const char *metadata_sha256, const struct diag_list *diags,
                         const json_t *extra, size_t *ret_size);

/* Checks and reads the text of the alias `alias_key`. Returns 0, -EBADMSG when it is not
 * whole (checksum, format, another alias's text, a field missing or out of range) or
 * -ENOMEM. */
int cache_alias_parse(const char *text, size_t size, const char *alias_key,
                      struct cache_alias *ret);
