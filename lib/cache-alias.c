/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cache-alias.h"
#include "cache.h"
#include "diag-json.h"
#include "digest.h"

#define HEADER_PREFIX "seccompd-alias "
/* "seccompd-alias 1 <64 hex>\n" */
#define HEADER_SIZE (sizeof(HEADER_PREFIX) - 1 + 2 + SHA256_HEX_SIZE - 1 + 1)

void cache_alias_done(struct cache_alias *a)
{
        json_decref(a->diagnostics);
        json_decref(a->extra);
        *a = (struct cache_alias){0};
}

char *cache_alias_format(const char *alias_key, const struct blob *b, const char *payload_sha256,
                         const char *metadata_sha256, const struct diag_list *diags,
                         const json_t *extra, size_t *ret_size)
{
        _cleanup_(json_decrefp) json_t *o = json_pack(
                "{s:s, s:s, s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:I, s:b, s:o, s:O}", "alias",
                alias_key, "key", b->key, "metadata_sha256", metadata_sha256, "payload_sha256",
                payload_sha256, "size", (json_int_t)blob_size(b), "instructions",
                (json_int_t)b->n_insns, "optimize", b->optimize, "flags", (json_int_t)b->flags,
                "rules", (json_int_t)b->n_rules, "skipped_names", (json_int_t)b->n_skipped_names,
                "foreign_byte_order", (int)b->foreign_byte_order, "diagnostics",
                diag_list_to_json(diags), "extra", (json_t *)extra);
        if (!o)
                return NULL;
        _cleanup_free_ char *body = json_dumps(o, JSON_COMPACT);
        char sha[SHA256_HEX_SIZE];
        if (!body || sha256_hex(body, strlen(body), sha) < 0)
                return NULL;
        char *text = NULL;
        int n = asprintf(&text, HEADER_PREFIX "%d %s\n%s", CACHE_ALIAS_FORMAT, sha, body);
        if (n < 0)
                return NULL;
        *ret_size = (size_t)n;
        return text;
}

static int copy_hex(const char *s, char ret[SHA256_HEX_SIZE])
{
        if (!cache_key_is_valid(s))
                return -EBADMSG;
        memcpy(ret, s, SHA256_HEX_SIZE);
        return 0;
}

int cache_alias_parse(const char *text, size_t size, const char *alias_key, struct cache_alias *ret)
{
        char header[HEADER_SIZE + 1], sha[SHA256_HEX_SIZE];
        struct cache_alias a = {0};
        const char *alias, *key, *meta, *payload;
        json_int_t sz, insns, flags, rules, skipped;
        json_t *diagnostics, *extra;
        json_error_t error;

        if (size < HEADER_SIZE)
                return -EBADMSG;
        if (sha256_hex(text + HEADER_SIZE, size - HEADER_SIZE, sha) < 0)
                return -ENOMEM;
        snprintf(header, sizeof(header), HEADER_PREFIX "%d %s\n", CACHE_ALIAS_FORMAT, sha);
        if (memcmp(text, header, HEADER_SIZE) != 0)
                return -EBADMSG; /* another format, or not the text it was written with */
        _cleanup_(json_decrefp) json_t *o =
                json_loadb(text + HEADER_SIZE, size - HEADER_SIZE, JSON_REJECT_DUPLICATES, &error);
        if (!o)
                return json_error_code(&error) == json_error_out_of_memory ? -ENOMEM : -EBADMSG;
        if (json_unpack(o, "{s:s, s:s, s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:I, s:b, s:o, s:o}",
                        "alias", &alias, "key", &key, "metadata_sha256", &meta, "payload_sha256",
                        &payload, "size", &sz, "instructions", &insns, "optimize", &a.optimize,
                        "flags", &flags, "rules", &rules, "skipped_names", &skipped,
                        "foreign_byte_order", &a.foreign_byte_order, "diagnostics", &diagnostics,
                        "extra", &extra) < 0)
                return -EBADMSG;
        if (!streq(alias, alias_key) || copy_hex(key, a.key) < 0 ||
            copy_hex(meta, a.metadata_sha256) < 0 || copy_hex(payload, a.payload_sha256) < 0 ||
            insns < 1 || insns > BPF_MAXINSNS ||
            sz != insns * (json_int_t)sizeof(struct sock_filter) || flags < 0 || flags > UINT_MAX ||
            rules < 0 || skipped < 0 || !json_is_array(diagnostics) || !json_is_object(extra))
                return -EBADMSG;
        a.instructions = (size_t)insns;
        a.flags = (unsigned)flags;
        a.rules = (size_t)rules;
        a.skipped_names = (size_t)skipped;
        a.diagnostics = json_incref(diagnostics);
        a.extra = json_incref(extra);
        *ret = a;
        return 0;
}
