/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonsrc.h"

struct scanner {
        struct json_source *src;
        const char *p, *end;
        unsigned line, column;
        unsigned max_depth;
        struct diag_list *diags;
        char *path; /* current JSON pointer */
        size_t path_len, path_alloc;
        int error; /* -ENOMEM, recorded by whatever allocation failed */
        bool stop;
        bool indexing; /* recording locations (json_source_index), not checking */
};

/* The scanner's functions return bool, so an allocation failure is recorded here by the
 * allocating function and the caller just stops: `if (!x) return false;`. */
static void *track(struct scanner *s, void *p)
{
        if (!p)
                s->error = -ENOMEM;
        return p;
}

static void advance(struct scanner *s)
{
        unsigned char c = (unsigned char)*s->p++;
        if (c == '\n') {
                s->line++;
                s->column = 1;
        } else if ((c & 0xc0) != 0x80)
                s->column++;
}

static void skip_ws(struct scanner *s)
{
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
                advance(s);
}

static int path_push(struct scanner *s, const char *segment, size_t seglen)
{
        size_t need = s->path_len + 1 + seglen * 2 + 1;
        if (need > s->path_alloc) {
                size_t na = need * 2;
                char *np = track(s, realloc(s->path, na));
                if (!np)
                        return -ENOMEM;
                s->path = np;
                s->path_alloc = na;
        }
        char *q = s->path + s->path_len;
        *q++ = '/';
        for (size_t i = 0; i < seglen; i++) {
                if (segment[i] == '~') {
                        *q++ = '~';
                        *q++ = '0';
                } else if (segment[i] == '/') {
                        *q++ = '~';
                        *q++ = '1';
                } else
                        *q++ = segment[i];
        }
        *q = 0;
        s->path_len = (size_t)(q - s->path);
        return 0;
}

static void path_pop(struct scanner *s, size_t len)
{
        s->path_len = len;
        s->path[len] = 0;
}

static int record(struct scanner *s, unsigned line, unsigned column)
{
        struct json_source *src = s->src;
        if (!s->indexing)
                return 0;
        if (src->n_locs == src->allocated_locs) {
                size_t na = src->allocated_locs ? src->allocated_locs * 2 : 64;
                struct json_loc *l = track(s, reallocarray(src->locs, na, sizeof(*l)));
                if (!l)
                        return -ENOMEM;
                src->locs = l;
                src->allocated_locs = na;
        }
        char *ptr = track(s, strndup(s->path, s->path_len));
        if (!ptr)
                return -ENOMEM;
        src->locs[src->n_locs++] = (struct json_loc){ptr, line, column};
        return 0;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static size_t utf8_put(char *out, uint32_t cp)
{
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xc0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xe0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char)(0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
}

/* Scans the four hex digits after "\\u" (and the low half of a surrogate pair that follows a
 * high half) into the code point. Returns false on a malformed escape. */
static bool scan_unicode_escape(struct scanner *s, uint32_t *ret)
{
        uint32_t cp = 0;
        for (int i = 0; i < 4; i++) {
                if (s->p >= s->end || hexval(*s->p) < 0)
                        return false;
                cp = cp * 16 + (uint32_t)hexval(*s->p);
                advance(s);
        }
        if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 && s->p[0] == '\\' &&
            s->p[1] == 'u') {
                uint32_t lo = 0;
                bool ok = true;
                for (int i = 2; i < 6; i++)
                        if (hexval(s->p[i]) < 0)
                                ok = false;
                        else
                                lo = lo * 16 + (uint32_t)hexval(s->p[i]);
                if (ok && lo >= 0xdc00 && lo < 0xe000) {
                        for (int i = 0; i < 6; i++)
                                advance(s);
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
        }
        *ret = cp;
        return true;
}

/* Scans a string token; when `ret` is set, also decodes it (keys need their text for the
 * pointer). Returns false on a malformed string. */
static bool scan_string(struct scanner *s, char **ret, size_t *ret_len)
{
        char *buf = NULL;
        size_t n = 0;

        advance(s); /* opening quote */
        if (ret) {
                buf = track(s, malloc((size_t)(s->end - s->p) + 1));
                if (!buf)
                        return false;
        }
        while (s->p < s->end && *s->p != '"') {
                unsigned char c = (unsigned char)*s->p;
                if (c < 0x20)
                        goto fail;
                if (c != '\\') {
                        if (buf)
                                buf[n++] = (char)c;
                        advance(s);
                        continue;
                }
                advance(s);
                if (s->p >= s->end)
                        goto fail;
                char e = *s->p;
                advance(s);
                switch (e) {
                case '"':
                case '\\':
                case '/':
                        if (buf)
                                buf[n++] = e;
                        break;
                case 'b':
                        if (buf)
                                buf[n++] = '\b';
                        break;
                case 'f':
                        if (buf)
                                buf[n++] = '\f';
                        break;
                case 'n':
                        if (buf)
                                buf[n++] = '\n';
                        break;
                case 'r':
                        if (buf)
                                buf[n++] = '\r';
                        break;
                case 't':
                        if (buf)
                                buf[n++] = '\t';
                        break;
                case 'u': {
                        uint32_t cp;
                        if (!scan_unicode_escape(s, &cp))
                                goto fail;
                        if (buf)
                                n += utf8_put(buf + n, cp);
                        break;
                }
                default: goto fail;
                }
        }
        if (s->p >= s->end)
                goto fail;
        advance(s); /* closing quote */
        if (ret) {
                buf[n] = 0;
                *ret = buf;
                *ret_len = n;
        }
        return true;
fail:
        free(buf);
        return false;
}

static bool scan_number(struct scanner *s)
{
        const char *start = s->p;
        char *wstart = s->src->text + (start - s->src->text);
        bool integer = true;

        if (*s->p == '-')
                advance(s);
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
                return false;
        if (*s->p == '0' && s->p + 1 < s->end && s->p[1] >= '0' && s->p[1] <= '9')
                return false;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
                advance(s);
        if (s->p < s->end && *s->p == '.') {
                integer = false;
                advance(s);
                if (s->p >= s->end || *s->p < '0' || *s->p > '9')
                        return false;
                while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
                        advance(s);
        }
        if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
                integer = false;
                advance(s);
                if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
                        advance(s);
                if (s->p >= s->end || *s->p < '0' || *s->p > '9')
                        return false;
                while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
                        advance(s);
        }
        size_t len = (size_t)(s->p - start);
        if (s->indexing || !integer || json_u64_fits_int64(start, len))
                return true;

        /* The marker takes the literal's place at the same length, so that jansson's own
         * line:column of later syntax errors stay right. */
        if (len < JSON_U64_MARKER_LEN)
                return true; /* cannot happen for a real overflow; jansson will complain */
        _cleanup_free_ char *marker = track(s, malloc(len + 1));
        if (!marker)
                return false;
        int r = json_u64_add(&s->src->big, start, len, len, marker, len + 1);
        if (r == -E2BIG)
                return true; /* jansson will complain */
        if (r < 0) {
                s->error = r;
                return false;
        }
        memcpy(wstart, marker, len);
        return true;
}

static bool scan_value(struct scanner *s, unsigned depth);

static bool scan_container(struct scanner *s, unsigned depth, bool array)
{
        char close = array ? ']' : '}';
        size_t index = 0, saved = s->path_len;

        if (depth > s->max_depth) {
                if (s->diags)
                        diag_add_at(s->diags, DIAG_ERROR, s->line, s->column, s->path, NULL,
                                    "JSON nesting is deeper than %u levels", s->max_depth);
                s->stop = true;
                return false;
        }
        advance(s);
        skip_ws(s);
        if (s->p < s->end && *s->p == close) {
                advance(s);
                return true;
        }
        for (;;) {
                skip_ws(s);
                if (s->p >= s->end)
                        return false;
                if (array) {
                        char seg[24], *q = seg + sizeof(seg);
                        size_t v = index++;
                        do
                                *--q = (char)('0' + v % 10);
                        while ((v /= 10) > 0);
                        if (path_push(s, q, (size_t)(seg + sizeof(seg) - q)) < 0)
                                return false;
                } else {
                        _cleanup_free_ char *key = NULL;
                        size_t kl = 0;
                        if (*s->p != '"' || !scan_string(s, &key, &kl))
                                return false;
                        skip_ws(s);
                        if (s->p >= s->end || *s->p != ':')
                                return false;
                        advance(s);
                        skip_ws(s);
                        if (path_push(s, key, kl) < 0)
                                return false;
                }
                if (!scan_value(s, depth + 1))
                        return false;
                path_pop(s, saved);
                skip_ws(s);
                if (s->p >= s->end)
                        return false;
                if (*s->p == ',') {
                        advance(s);
                        continue;
                }
                if (*s->p == close) {
                        advance(s);
                        return true;
                }
                return false;
        }
}

static bool scan_literal(struct scanner *s, const char *lit)
{
        size_t l = strlen(lit);
        if ((size_t)(s->end - s->p) < l || memcmp(s->p, lit, l) != 0)
                return false;
        for (size_t i = 0; i < l; i++)
                advance(s);
        return true;
}

static bool scan_value(struct scanner *s, unsigned depth)
{
        skip_ws(s);
        if (s->p >= s->end)
                return false;
        if (record(s, s->line, s->column) < 0)
                return false;
        switch (*s->p) {
        case '{': return scan_container(s, depth, false);
        case '[': return scan_container(s, depth, true);
        case '"': return scan_string(s, NULL, NULL);
        case 't': return scan_literal(s, "true");
        case 'f': return scan_literal(s, "false");
        case 'n': return scan_literal(s, "null");
        default: return scan_number(s);
        }
}

static int loc_compare(const void *a, const void *b)
{
        return strcmp(((const struct json_loc *)a)->pointer, ((const struct json_loc *)b)->pointer);
}

/* One scan of src->text from the start. */
static int scan(struct json_source *src, bool indexing, struct diag_list *diags, bool *ret_ok,
                const char **ret_end)
{
        struct scanner s = {
                .src = src,
                .p = src->text,
                .end = src->text + src->size,
                .line = 1,
                .column = 1,
                .max_depth = src->max_depth,
                .diags = diags,
                .indexing = indexing,
        };
        s.path = calloc(1, 64);
        if (!s.path)
                return -ENOMEM;
        s.path_alloc = 64;
        bool ok = scan_value(&s, 1);
        free(s.path);
        if (s.error < 0)
                return s.error;
        if (ok)
                skip_ws(&s);
        *ret_ok = ok;
        *ret_end = s.p;
        return 0;
}

int json_source_new(const char *data, size_t size, unsigned max_depth, struct diag_list *diags,
                    struct json_source **ret)
{
        _cleanup_(json_source_freep) struct json_source *src = calloc(1, sizeof(*src));
        if (!src)
                return -ENOMEM;
        src->text = malloc(size + 1);
        if (!src->text)
                return -ENOMEM;
        memcpy(src->text, data, size);
        src->text[size] = 0;
        src->size = size;
        src->max_depth = max_depth;

        json_u64_init(&src->big, data, size);

        if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
                int r = diag_add_at(diags, DIAG_ERROR, 1, 1, "", "save the file without a BOM",
                                    "the file starts with a UTF-8 byte order mark, which JSON "
                                    "does not allow");
                if (r < 0)
                        return r;
                src->indexed = true; /* nothing to locate */
                *ret = TAKE_PTR(src);
                return 0;
        }
        bool ok;
        const char *end;
        int r = scan(src, false, diags, &ok, &end);
        if (r < 0)
                return r;
        src->complete = ok && end == src->text + size;
        *ret = TAKE_PTR(src);
        return 0;
}

int json_source_index(struct json_source *s)
{
        if (s->indexed)
                return 0;
        bool ok;
        const char *end;
        /* The markers have their literals' length: every position is the original's. */
        int r = scan(s, true, NULL, &ok, &end);
        if (r < 0)
                return r;
        if (s->n_locs > 0)
                qsort(s->locs, s->n_locs, sizeof(*s->locs), loc_compare);
        s->indexed = true;
        return 0;
}

struct json_source *json_source_free(struct json_source *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_locs; i++)
                free(s->locs[i].pointer);
        free(s->locs);
        json_u64_done(&s->big);
        free(s->text);
        free(s);
        return NULL;
}

static const struct json_loc *find_exact(const struct json_source *s, const char *pointer)
{
        struct json_loc key = {.pointer = (char *)pointer};
        if (s->n_locs == 0)
                return NULL;
        return bsearch(&key, s->locs, s->n_locs, sizeof(*s->locs), loc_compare);
}

bool json_source_locate(struct json_source *s, const char *pointer, unsigned *ret_line,
                        unsigned *ret_column)
{
        if (!s || !pointer || json_source_index(s) < 0)
                return false;
        _cleanup_free_ char *p = strdup(pointer);
        if (!p)
                return false;
        for (;;) {
                const struct json_loc *l = find_exact(s, p);
                if (l) {
                        *ret_line = l->line;
                        *ret_column = l->column;
                        return true;
                }
                char *slash = strrchr(p, '/');
                if (!slash)
                        return false;
                *slash = 0;
        }
}

void json_source_locate_diags(struct json_source *s, struct diag_list *l)
{
        for (size_t i = 0; l && i < l->n; i++) {
                struct diag *d = &l->items[i];
                if (d->line == 0)
                        json_source_locate(s, d->pointer, &d->line, &d->column);
        }
}

const char *json_source_bignum(const struct json_source *s, const char *str)
{
        return s ? json_u64_lookup(&s->big, str) : NULL;
}

char *json_source_unmark(const struct json_source *s, const char *dumped)
{
        static const struct json_u64 none;
        return json_u64_unmark(s ? &s->big : &none, dumped, NULL);
}
