/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-json.h"

static size_t skip_ws(const char *t, size_t n, size_t i)
{
        while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
                i++;
        return i;
}

static int hex4(const char *t, size_t n, size_t i, unsigned *ret)
{
        unsigned v = 0;
        if (i + 4 > n)
                return -EBADMSG;
        for (size_t k = i; k < i + 4; k++) {
                char c = t[k];
                unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                                    : 16;
                if (d == 16)
                        return -EBADMSG;
                v = v * 16 + d;
        }
        *ret = v;
        return 0;
}

/* The length of the UTF-8 sequence at t[i] (well-formed: no overlong form, no surrogate,
 * nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *t, size_t n, size_t i)
{
        unsigned char c = t[i];
        size_t len;
        uint32_t cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4, cp = c & 0x07;
        else
                return 0;
        if (i + len > n)
                return 0;
        for (size_t k = 1; k < len; k++) {
                if ((t[i + k] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (t[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

/* The string token at t[i] ('"'): the index past it, or -EBADMSG. */
static int skip_string(const char *t, size_t n, size_t i, size_t *ret)
{
        for (i++; i < n;) {
                unsigned char c = (unsigned char)t[i];
                if (c == '"') {
                        *ret = i + 1;
                        return 0;
                }
                if (c < 0x20)
                        return -EBADMSG;
                if (c != '\\') {
                        size_t l = utf8_len((const unsigned char *)t, n, i);
                        if (l == 0)
                                return -EBADMSG;
                        i += l;
                        continue;
                }
                if (i + 1 >= n)
                        return -EBADMSG;
                c = (unsigned char)t[i + 1];
                if (strchr("\"\\/bfnrt", c) && c) {
                        i += 2;
                        continue;
                }
                unsigned u, lo;
                if (c != 'u' || hex4(t, n, i + 2, &u) < 0)
                        return -EBADMSG;
                i += 6;
                if (u >= 0xdc00 && u <= 0xdfff)
                        return -EBADMSG; /* a low surrogate alone */
                if (u >= 0xd800 && u <= 0xdbff) {
                        if (i + 1 >= n || t[i] != '\\' || t[i + 1] != 'u' ||
                            hex4(t, n, i + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                                return -EBADMSG;
                        i += 6;
                }
        }
        return -EBADMSG;
}

static size_t digits(const char *t, size_t n, size_t i)
{
        while (i < n && t[i] >= '0' && t[i] <= '9')
                i++;
        return i;
}

static int skip_number(const char *t, size_t n, size_t i, size_t *ret)
{
        size_t d;
        if (t[i] == '-')
                i++;
        if (i < n && t[i] == '0')
                i++;
        else if (i < n && t[i] >= '1' && t[i] <= '9')
                i = digits(t, n, i);
        else
                return -EBADMSG;
        if (i < n && t[i] == '.') {
                d = ++i;
                if ((i = digits(t, n, i)) == d)
                        return -EBADMSG;
        }
        if (i < n && (t[i] == 'e' || t[i] == 'E')) {
                i++;
                if (i < n && (t[i] == '+' || t[i] == '-'))
                        i++;
                d = i;
                if ((i = digits(t, n, i)) == d)
                        return -EBADMSG;
        }
        *ret = i;
        return 0;
}

static int skip_value(const char *t, size_t n, size_t *i, unsigned depth);

/* An object or an array at t[*i]. */
static int skip_container(const char *t, size_t n, size_t *i, unsigned depth)
{
        bool object = t[*i] == '{';
        char close = object ? '}' : ']';
        size_t k = skip_ws(t, n, *i + 1);
        int r;

        if (depth >= OCI_JSON_DEPTH_MAX)
                return -EBADMSG;
        if (k < n && t[k] == close) {
                *i = k + 1;
                return 0;
        }
        for (;;) {
                if (object) {
                        if (k >= n || t[k] != '"' || (r = skip_string(t, n, k, &k)) < 0)
                                return -EBADMSG;
                        k = skip_ws(t, n, k);
                        if (k >= n || t[k] != ':')
                                return -EBADMSG;
                        k++;
                }
                if ((r = skip_value(t, n, &k, depth + 1)) < 0)
                        return r;
                k = skip_ws(t, n, k);
                if (k < n && t[k] == close) {
                        *i = k + 1;
                        return 0;
                }
                if (k >= n || t[k] != ',')
                        return -EBADMSG;
                k = skip_ws(t, n, k + 1);
        }
}

static int skip_value(const char *t, size_t n, size_t *i, unsigned depth)
{
        size_t k = skip_ws(t, n, *i);
        int r;

        if (k >= n)
                return -EBADMSG;
        switch (t[k]) {
        case '{':
        case '[': r = skip_container(t, n, &k, depth); break;
        case '"': r = skip_string(t, n, k, &k); break;
        case 't':
                r = n - k >= 4 && memcmp(t + k, "true", 4) == 0 ? 0 : -EBADMSG;
                k += 4;
                break;
        case 'f':
                r = n - k >= 5 && memcmp(t + k, "false", 5) == 0 ? 0 : -EBADMSG;
                k += 5;
                break;
        case 'n':
                r = n - k >= 4 && memcmp(t + k, "null", 4) == 0 ? 0 : -EBADMSG;
                k += 4;
                break;
        default: r = skip_number(t, n, k, &k); break;
        }
        if (r < 0)
                return r;
        *i = k;
        return 0;
}

/* What fast_skip() looks for inside an object or array, and inside a string. */
static const bool structural[256] = {
        ['"'] = true, ['{'] = true, ['['] = true, ['}'] = true, [']'] = true};
static const bool string_stop[256] = {['"'] = true, ['\\'] = true};

/* The end of the value at t[i] (after whitespace) read for its structure alone: strings
 * (their escapes), brackets, and anything else up to a delimiter. Correct for valid JSON, and
 * for any text it stays within `n` and ends. */
static size_t fast_skip(const char *t, size_t n, size_t i)
{
        size_t depth = 0;

        i = skip_ws(t, n, i);
        do {
                if (i >= n)
                        return n;
                char c = t[i];
                if (c == '"') {
                        /* To the quote that ends it, over escapes (a backslash and the byte
                         * after it). The strings of a config are short: a table lookup a byte
                         * beats a memchr() call each. */
                        for (i++;;) {
                                while (i < n && !string_stop[(unsigned char)t[i]])
                                        i++;
                                if (i >= n)
                                        return n;
                                if (t[i] == '"') {
                                        i++;
                                        break;
                                }
                                i += 2;
                        }
                } else if (c == '{' || c == '[') {
                        depth++;
                        i++;
                } else if (c == '}' || c == ']') {
                        if (depth > 0)
                                depth--;
                        i++;
                } else if (depth > 0) {
                        /* To the next string or bracket, a table lookup a byte. */
                        for (i++; i < n && !structural[(unsigned char)t[i]]; i++)
                                ;
                } else {
                        while (i < n && !strchr(",}] \t\r\n", t[i]))
                                i++;
                }
        } while (depth > 0);
        return i < n ? i : n;
}

int oci_json_find(const char *text, size_t size, const char *const *path, struct oci_json_span *ret)
{
        struct oci_json_span cur = {.p = text, .n = size}, k;
        size_t start = skip_ws(text, size, 0);

        /* The rest of the text stands for the root: reading its members stops at its end,
         * and a parser checks what follows it. */
        cur.p = text + start;
        cur.n = size - start;
        for (; *path; path++) {
                struct oci_json_span found = {};
                size_t i = 0;
                for (;;) {
                        struct oci_json_span v;
                        if (oci_json_member(cur, &i, &k, &v) <= 0)
                                break;
                        if (oci_json_string_is(k, *path))
                                found = v;
                }
                if (found.n == 0)
                        return 0;
                cur = found;
        }
        *ret = cur;
        return 1;
}

int oci_json_value(const char *text, size_t size, size_t *i, struct oci_json_span *ret)
{
        size_t start = skip_ws(text, size, *i), k = start;
        int r = skip_value(text, size, &k, 0);
        if (r < 0)
                return r;
        *ret = (struct oci_json_span){.p = text + start, .n = k - start};
        *i = k;
        return 0;
}

/* The next item of a container span: the key (objects) and the value. */
static int next_item(struct oci_json_span c, bool object, size_t *i, struct oci_json_span *ret_key,
                     struct oci_json_span *ret_value)
{
        size_t k = *i == 0 ? 1 : *i;
        char close = object ? '}' : ']';

        if (c.n == 0 || c.p[0] != (object ? '{' : '['))
                return 0;
        k = skip_ws(c.p, c.n, k);
        if (k < c.n && c.p[k] == ',')
                k = skip_ws(c.p, c.n, k + 1);
        if (k >= c.n || c.p[k] == close)
                return 0;
        /* Read for the structure alone: oci_json_value() checked the span, or oci_json_find()
         * leaves the check to the parser of the whole. */
        if (object) {
                size_t e = fast_skip(c.p, c.n, k);
                if (c.p[k] != '"' || e >= c.n)
                        return 0;
                *ret_key = (struct oci_json_span){.p = c.p + k, .n = e - k};
                k = skip_ws(c.p, c.n, e);
                if (k >= c.n || c.p[k] != ':')
                        return 0;
                k = skip_ws(c.p, c.n, k + 1);
        }
        size_t e = fast_skip(c.p, c.n, k);
        if (e >= c.n || e == k)
                return 0;
        *ret_value = (struct oci_json_span){.p = c.p + k, .n = e - k};
        *i = e;
        return 1;
}

int oci_json_member(struct oci_json_span object, size_t *i, struct oci_json_span *ret_key,
                    struct oci_json_span *ret_value)
{
        return next_item(object, true, i, ret_key, ret_value);
}

int oci_json_element(struct oci_json_span array, size_t *i, struct oci_json_span *ret)
{
        return next_item(array, false, i, NULL, ret);
}

bool oci_json_get(struct oci_json_span object, const char *key, struct oci_json_span *ret)
{
        struct oci_json_span k, v;
        bool found = false;
        for (size_t i = 0; oci_json_member(object, &i, &k, &v) > 0;)
                if (oci_json_string_is(k, key)) {
                        *ret = v;
                        found = true;
                }
        return found;
}

bool oci_json_string_is(struct oci_json_span v, const char *s)
{
        size_t len = strlen(s), i = 1, j = 0;

        if (v.n < 2 || v.p[0] != '"')
                return false;
        if (!memchr(v.p, '\\', v.n))
                return v.n - 2 == len && memcmp(v.p + 1, s, len) == 0;
        /* Decoded as it goes; `s` is ASCII here (keys, actions). */
        while (i < v.n - 1) {
                char c = v.p[i];
                if (c == '\\') {
                        char e = v.p[i + 1];
                        unsigned u;
                        if (e == 'u') {
                                if (hex4(v.p, v.n, i + 2, &u) < 0 || u >= 0x80)
                                        return false;
                                c = (char)u;
                                i += 6;
                        } else {
                                const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
                                const char *f = strchr(from, e);
                                if (!f || !e)
                                        return false;
                                c = to[f - from];
                                i += 2;
                        }
                } else
                        i++;
                if (j >= len || s[j++] != c)
                        return false;
        }
        return j == len;
}

char *oci_json_compact(struct oci_json_span v, size_t *ret_size)
{
        char *out = malloc(v.n + 1), *w = out;
        bool in_string = false;

        if (!out)
                return NULL;
        for (size_t i = 0; i < v.n; i++) {
                char c = v.p[i];
                if (in_string) {
                        if (c == '\\') {
                                *w++ = c;
                                c = v.p[++i];
                        } else if (c == '"')
                                in_string = false;
                } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                        continue;
                else if (c == '"')
                        in_string = true;
                *w++ = c;
        }
        *w = 0;
        *ret_size = (size_t)(w - out);
        return out;
}
