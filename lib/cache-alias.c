/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache-alias.h"
#include "cache.h"
#include "diag-json.h"
#include "digest.h"

#define HEADER_PREFIX "seccompd-alias "
/* "seccompd-alias 1 <64 hex>\n" */
#define HEADER_SIZE (sizeof(HEADER_PREFIX) - 1 + 2 + SHA256_HEX_SIZE - 1 + 1)

char *cache_alias_format(const char *alias_key, const struct blob *b, const char *payload_sha256,
                         const char *metadata_sha256, const struct diag_list *diags,
                         const char *extra, size_t extra_size, size_t *ret_size)
{
        _cleanup_free_ char *d = diag_list_to_line(diags), *body = NULL, *text = NULL;
        char sha[SHA256_HEX_SIZE];
        size_t body_size;

        if (!d)
                return NULL;
        FILE *f = open_memstream(&body, &body_size);
        if (!f)
                return NULL;
        fprintf(f,
                "alias %s\nkey %s\nmetadata_sha256 %s\npayload_sha256 %s\n"
                "blob %zu %d %u %zu %zu %d\ndiagnostics %s\nextra %zu\n",
                alias_key, b->key, metadata_sha256, payload_sha256, b->n_insns, b->optimize,
                b->flags, b->n_rules, b->n_skipped_names, (int)b->foreign_byte_order, d,
                extra_size);
        fwrite(extra, 1, extra_size, f);
        if (ferror(f) | (fclose(f) != 0) || sha256_hex(body, body_size, sha) < 0)
                return NULL;
        int n = asprintf(&text, HEADER_PREFIX "%d %s\n", CACHE_ALIAS_FORMAT, sha);
        if (n < 0)
                return NULL;
        char *all = realloc(text, (size_t)n + body_size + 1);
        if (!all)
                return NULL;
        text = all;
        memcpy(text + n, body, body_size + 1);
        *ret_size = (size_t)n + body_size;
        return TAKE_PTR(text);
}

char *cache_alias_field(char **p, char *end, const char *name)
{
        size_t l = strlen(name);
        if ((size_t)(end - *p) <= l || memcmp(*p, name, l) != 0 || (*p)[l] != ' ')
                return NULL;
        char *v = *p + l + 1, *nl = memchr(v, '\n', (size_t)(end - v));
        if (!nl)
                return NULL;
        *nl = 0;
        *p = nl + 1;
        return v;
}

static int copy_hex(const char *s, char ret[SHA256_HEX_SIZE])
{
        if (!cache_key_is_valid(s))
                return -EBADMSG;
        memcpy(ret, s, SHA256_HEX_SIZE);
        return 0;
}

int cache_alias_parse(char *text, size_t size, const char *alias_key, struct cache_alias *ret)
{
        char header[HEADER_SIZE + 1], sha[SHA256_HEX_SIZE];
        struct cache_alias a = {0};
        char *p = text + HEADER_SIZE, *end = text + size, *v;
        unsigned long long insns, rules, skipped, extra_size;
        unsigned flags;
        int foreign, n = 0;

        if (size < HEADER_SIZE)
                return -EBADMSG;
        if (sha256_hex(text + HEADER_SIZE, size - HEADER_SIZE, sha) < 0)
                return -ENOMEM;
        snprintf(header, sizeof(header), HEADER_PREFIX "%d %s\n", CACHE_ALIAS_FORMAT, sha);
        if (memcmp(text, header, HEADER_SIZE) != 0)
                return -EBADMSG; /* another format, or not the text it was written with */
        if (!(v = cache_alias_field(&p, end, "alias")) || !streq(v, alias_key) ||
            !(v = cache_alias_field(&p, end, "key")) || copy_hex(v, a.key) < 0 ||
            !(v = cache_alias_field(&p, end, "metadata_sha256")) ||
            copy_hex(v, a.metadata_sha256) < 0 ||
            !(v = cache_alias_field(&p, end, "payload_sha256")) ||
            copy_hex(v, a.payload_sha256) < 0 || !(v = cache_alias_field(&p, end, "blob")) ||
            sscanf(v, "%llu %d %u %llu %llu %d%n", &insns, &a.optimize, &flags, &rules, &skipped,
                   &foreign, &n) != 6 ||
            v[n] != 0 || insns < 1 || insns > BPF_MAXINSNS || foreign < 0 || foreign > 1 ||
            !(v = cache_alias_field(&p, end, "diagnostics")) || v[0] != '[' ||
            !(a.diagnostics = v, a.diagnostics_size = strlen(v),
              v = cache_alias_field(&p, end, "extra")) ||
            sscanf(v, "%llu%n", &extra_size, &n) != 1 || v[n] != 0 ||
            extra_size != (unsigned long long)(end - p))
                return -EBADMSG;
        a.instructions = (size_t)insns;
        a.flags = flags;
        a.rules = (size_t)rules;
        a.skipped_names = (size_t)skipped;
        a.foreign_byte_order = foreign;
        a.extra = p;
        a.extra_size = (size_t)extra_size;
        *ret = a;
        return 0;
}

int cache_alias_diagnostics(const struct cache_alias *a, struct diag_list **ret)
{
        return diag_list_from_line(a->diagnostics, a->diagnostics_size, NULL, ret);
}
