/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "seccompd/protocol.h"

/* Request targets: routes and query strings of protocol.h, escaped. */

/* Appends `s` to `*buf` (a malloc'd string, may be NULL) escaped for a URL path (keep_slash)
 * or a query value: RFC 3986 unreserved characters stay, everything else becomes %XX. */
static int escape_append(char **buf, const char *s, bool keep_slash)
{
        size_t old = *buf ? strlen(*buf) : 0;
        char *n = realloc(*buf, old + 3 * strlen(s) + 1), *p;
        if (!n)
                return -ENOMEM;
        *buf = n;
        p = n + old;
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                    (*c >= '0' && *c <= '9') || strchr("-._~", *c) || (keep_slash && *c == '/'))
                        *p++ = (char)*c;
                else
                        p += sprintf(p, "%%%02X", *c);
        }
        *p = 0;
        return 0;
}

static int strextend(char **s, const char *piece)
{
        size_t l = *s ? strlen(*s) : 0;
        char *n = realloc(*s, l + strlen(piece) + 1);
        if (!n)
                return -ENOMEM;
        strcpy(n + l, piece);
        *s = n;
        return 0;
}

int api_target_name(const char *prefix, const char *name, char **ret)
{
        char *t = strdup(prefix);
        if (!t || escape_append(&t, name, true) < 0) {
                free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

int api_target_query(char **target, const char *key, const char *value)
{
        int r = strextend(target, *target && strchr(*target, '?') ? "&" : "?");
        if (r == 0)
                r = strextend(target, key);
        if (r == 0)
                r = strextend(target, "=");
        if (r == 0)
                r = escape_append(target, value, false);
        return r;
}

int api_target_context(char **target, const struct seccompd_context *ctx)
{
        int r = 0;

        if (!ctx)
                return 0;
        if (ctx->arch)
                r = api_target_query(target, SECCOMPD_QUERY_ARCH, ctx->arch);
        if (r == 0 && ctx->caps)
                r = api_target_query(target, SECCOMPD_QUERY_CAPS, ctx->caps);
        if (r == 0 && ctx->kernel)
                r = api_target_query(target, SECCOMPD_QUERY_KERNEL, ctx->kernel);
        return r;
}

int api_target_denials(const struct seccompd_denial_filter *f, char **ret)
{
        char *t = strdup(SECCOMPD_ROUTE_DENIALS), since[32];
        int r = t ? 0 : -ENOMEM;
        if (r == 0 && f && f->profile)
                r = api_target_query(&t, SECCOMPD_QUERY_PROFILE, f->profile);
        if (r == 0 && f && f->container)
                r = api_target_query(&t, SECCOMPD_QUERY_CONTAINER, f->container);
        if (r == 0 && f && f->syscall)
                r = api_target_query(&t, SECCOMPD_QUERY_SYSCALL, f->syscall);
        if (r == 0 && f && f->since) {
                snprintf(since, sizeof(since), "%llu", (unsigned long long)f->since);
                r = api_target_query(&t, SECCOMPD_QUERY_SINCE, since);
        }
        if (r < 0) {
                free(t);
                return r;
        }
        *ret = t;
        return 0;
}
