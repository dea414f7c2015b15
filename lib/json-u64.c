/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "json-u64.h"

#define MARKER_PREFIX "@u64:"

void json_u64_init(struct json_u64 *t, const char *text, size_t size)
{
        *t = (struct json_u64){0};
        for (unsigned tries = 0;; tries++) {
                uint32_t rnd = 0;
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                        rnd = (uint32_t)(uintptr_t)t ^ (uint32_t)size ^ tries * 0x9e3779b9u;
                snprintf(t->nonce, sizeof(t->nonce), "%05x", rnd & 0xfffff);
                /* 16 draws of 20 bits all in the text: only a text made to defeat this. */
                if (tries == 16 || !memmem(text, size, t->nonce, 5))
                        return;
        }
}

void json_u64_done(struct json_u64 *t)
{
        for (size_t i = 0; i < t->n; i++)
                free(t->literals[i]);
        free(t->literals);
        *t = (struct json_u64){0};
}

int json_u64_add(struct json_u64 *t, const char *literal, size_t len, size_t width, char *buf,
                 size_t size)
{
        size_t ml = width > JSON_U64_MARKER_LEN ? width : JSON_U64_MARKER_LEN;
        char **nl;

        if (t->n >= JSON_U64_MAX || size <= ml)
                return -E2BIG;
        nl = reallocarray(t->literals, t->n + 1, sizeof(char *));
        if (!nl)
                return -ENOMEM;
        t->literals = nl;
        t->literals[t->n] = strndup(literal, len);
        if (!t->literals[t->n])
                return -ENOMEM;
        int n = snprintf(buf, size, "\"" MARKER_PREFIX "%05zx:%s", t->n++, t->nonce);
        memset(buf + n, '_', ml - 2 - (size_t)n);
        memcpy(buf + ml - 2, "@\"", 3);
        return (int)ml;
}

const char *json_u64_lookup(const struct json_u64 *t, const char *str)
{
        size_t idx;
        char nonce[6];
        int consumed = 0;

        if (!t || t->n == 0 || strncmp(str, MARKER_PREFIX, strlen(MARKER_PREFIX)) != 0)
                return NULL;
        if (sscanf(str + strlen(MARKER_PREFIX), "%5zx:%5[0-9a-f]%n", &idx, nonce, &consumed) != 2)
                return NULL;
        if (strcmp(nonce, t->nonce) != 0 || idx >= t->n)
                return NULL;
        const char *rest = str + strlen(MARKER_PREFIX) + consumed;
        rest += strspn(rest, "_");
        return strcmp(rest, "@") == 0 ? t->literals[idx] : NULL;
}

/* A growing string. */
struct buf {
        char *p;
        size_t len, alloc;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
        if (b->len + n + 1 > b->alloc) {
                size_t na = (b->len + n + 1) * 2;
                char *np = realloc(b->p, na);
                if (!np)
                        return -ENOMEM;
                b->p = np;
                b->alloc = na;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = 0;
        return 0;
}

/* The literal of the quoted marker at `p` ('"'), and in *ret_end what follows it; NULL when
 * it is not one of the table's. -ENOMEM in *ret_error. */
static const char *marker_at(const struct json_u64 *t, const char *p, const char **ret_end,
                             int *ret_error)
{
        const char *q = strchr(p + 1, '"');
        char *inner;

        if (!q)
                return NULL;
        inner = strndup(p + 1, (size_t)(q - p - 1));
        if (!inner) {
                *ret_error = -ENOMEM;
                return NULL;
        }
        const char *literal = json_u64_lookup(t, inner);
        free(inner);
        *ret_end = q + 1;
        return literal;
}

char *json_u64_unmark(const struct json_u64 *t, const char *text, size_t *ret_size)
{
        struct buf out = {0};
        const char *p = text;

        for (;;) {
                const char *m = t->n > 0 ? strstr(p, "\"" MARKER_PREFIX) : NULL, *end;
                int error = 0;
                const char *literal = m ? marker_at(t, m, &end, &error) : NULL;
                size_t keep = m ? (size_t)(m - p) + (literal ? 0 : 1) : strlen(p);

                if (error < 0 || buf_add(&out, p, keep) < 0 ||
                    (literal && buf_add(&out, literal, strlen(literal)) < 0)) {
                        free(out.p);
                        return NULL;
                }
                if (!m)
                        break;
                p = literal ? end : m + 1;
        }
        if (!out.p && buf_add(&out, "", 0) < 0)
                return NULL;
        if (ret_size)
                *ret_size = out.len;
        return out.p;
}

bool json_u64_fits_int64(const char *tok, size_t len)
{
        static const char max_pos[] = "9223372036854775807", max_neg[] = "9223372036854775808";
        bool neg = len > 0 && tok[0] == '-';
        const char *d = tok + neg;
        size_t dl = len - neg;
        if (dl != 19)
                return dl < 19;
        return memcmp(d, neg ? max_neg : max_pos, 19) <= 0;
}

static size_t digits(const char *s, size_t i, size_t n)
{
        while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        return i;
}

/* JSON's number grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, over all `n` bytes;
 * *ret_integer: no fraction nor exponent. Anything else is left for jansson to refuse. */
static bool is_json_number(const char *s, size_t n, bool *ret_integer)
{
        size_t i = s[0] == '-', d = i;

        i = i < n && s[i] == '0' ? i + 1 : digits(s, i, n);
        if (i == d)
                return false;
        *ret_integer = i == n;
        if (i < n && s[i] == '.') {
                d = ++i;
                if ((i = digits(s, i, n)) == d)
                        return false;
        }
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                i++;
                if (i < n && (s[i] == '+' || s[i] == '-'))
                        i++;
                d = i;
                if ((i = digits(s, i, n)) == d)
                        return false;
        }
        return i == n;
}

/* The end of the string or number token at in[i] (or of the one byte there), and in
 * *ret_mark whether it is a number jansson cannot hold exactly (a real, or an integer beyond
 * int64). */
static size_t token_end(const char *in, size_t size, size_t i, bool *ret_mark)
{
        size_t k = i;
        bool integer;

        *ret_mark = false;
        if (in[k] == '"') {
                for (k++; k < size && in[k] != '"'; k++)
                        if (in[k] == '\\' && k + 1 < size)
                                k++;
                return k < size ? k + 1 : k;
        }
        if (in[k] == '-' || (in[k] >= '0' && in[k] <= '9')) {
                while (k < size && in[k] && strchr("0123456789+-.eE", in[k]))
                        k++;
                *ret_mark = is_json_number(in + i, k - i, &integer) &&
                            (!integer || !json_u64_fits_int64(in + i, k - i));
                return k;
        }
        return k + 1;
}

/* Copies what lies between the numbers to mark in one piece: byte by byte, the copy cost
 * seccompd-oci a tenth of a millisecond for a 17 KB config.json. */
int json_u64_protect(struct json_u64 *t, const char *in, size_t size, char **ret, size_t *ret_size)
{
        struct buf out = {0};
        size_t copied = 0; /* in[copied, i) is still to be copied */
        int r = buf_add(&out, "", 0);

        for (size_t i = 0; r == 0 && i < size;) {
                bool mark;
                size_t k = token_end(in, size, i, &mark);
                if (mark) {
                        char marker[JSON_U64_MARKER_LEN + 1];
                        int m = json_u64_add(t, in + i, k - i, 0, marker, sizeof(marker));
                        r = m < 0 ? m : buf_add(&out, in + copied, i - copied);
                        if (r == 0)
                                r = buf_add(&out, marker, (size_t)m);
                        copied = k;
                }
                i = k;
        }
        if (r == 0)
                r = buf_add(&out, in + copied, size - copied);
        if (r < 0) {
                free(out.p);
                return r;
        }
        *ret = out.p;
        *ret_size = out.len;
        return 0;
}
