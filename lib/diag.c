/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static const char *const severity_table[_DIAG_SEVERITY_MAX] = {
        [DIAG_NOTE] = "note",
        [DIAG_WARNING] = "warning",
        [DIAG_ERROR] = "error",
};

const char *diag_severity_to_string(enum diag_severity s)
{
        return s < _DIAG_SEVERITY_MAX ? severity_table[s] : NULL;
}

int diag_severity_from_string(const char *s)
{
        for (size_t i = 0; i < _DIAG_SEVERITY_MAX; i++)
                if (streq(s, severity_table[i]))
                        return (int)i;
        return -EINVAL;
}

int diag_list_new(const char *file, struct diag_list **ret)
{
        struct diag_list *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        if (file) {
                l->file = strdup(file);
                if (!l->file) {
                        free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

struct diag_list *diag_list_free(struct diag_list *l)
{
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].pointer);
                free(l->items[i].message);
                free(l->items[i].hint);
        }
        free(l->items);
        free(l->file);
        free(l);
        return NULL;
}

static int diag_push(struct diag_list *l, enum diag_severity severity, unsigned line,
                     unsigned column, const char *pointer, const char *hint, char *message)
{
        if (l->n == l->allocated) {
                size_t na = l->allocated ? l->allocated * 2 : 8;
                struct diag *items = reallocarray(l->items, na, sizeof(*items));
                if (!items) {
                        free(message);
                        return -ENOMEM;
                }
                l->items = items;
                l->allocated = na;
        }
        struct diag *d = &l->items[l->n];
        *d = (struct diag){
                .severity = severity,
                .line = line,
                .column = column,
                .pointer = strdup(pointer ? pointer : ""),
                .message = message,
                .hint = hint ? strdup(hint) : NULL,
        };
        if (!d->pointer || (hint && !d->hint)) {
                free(d->pointer);
                free(d->hint);
                free(message);
                return -ENOMEM;
        }
        l->n++;
        l->counts[severity]++;
        return 0;
}

static int diag_vadd(struct diag_list *l, enum diag_severity severity, unsigned line,
                     unsigned column, const char *pointer, const char *hint, const char *fmt,
                     va_list ap) _printf_(7, 0);

static int diag_vadd(struct diag_list *l, enum diag_severity severity, unsigned line,
                     unsigned column, const char *pointer, const char *hint, const char *fmt,
                     va_list ap)
{
        char *m;
        if (vasprintf(&m, fmt, ap) < 0)
                return -ENOMEM;
        return diag_push(l, severity, line, column, pointer, hint, m);
}

int diag_add(struct diag_list *l, enum diag_severity severity, const char *pointer,
             const char *hint, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = diag_vadd(l, severity, 0, 0, pointer, hint, fmt, ap);
        va_end(ap);
        return r;
}

int diag_add_at(struct diag_list *l, enum diag_severity severity, unsigned line, unsigned column,
                const char *pointer, const char *hint, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = diag_vadd(l, severity, line, column, pointer, hint, fmt, ap);
        va_end(ap);
        return r;
}

int diag_list_extend(struct diag_list *dst, const struct diag_list *src)
{
        for (size_t i = 0; src && i < src->n; i++) {
                const struct diag *d = &src->items[i];
                char *m = strdup(d->message);
                if (!m)
                        return -ENOMEM;
                int r = diag_push(dst, d->severity, d->line, d->column, d->pointer, d->hint, m);
                if (r < 0)
                        return r;
        }
        return 0;
}

void diag_list_sort(struct diag_list *l)
{
        /* Insertion sort: stable, and lists are short. Unlocated diagnostics go last. */
        if (!l || l->n < 2)
                return;
        for (size_t i = 1; i < l->n; i++) {
                struct diag t = l->items[i];
                size_t j = i;
                while (j > 0) {
                        unsigned lj = l->items[j - 1].line ? l->items[j - 1].line : UINT32_MAX;
                        unsigned lt = t.line ? t.line : UINT32_MAX;
                        if (lj < lt || (lj == lt && l->items[j - 1].column <= t.column))
                                break;
                        l->items[j] = l->items[j - 1];
                        j--;
                }
                l->items[j] = t;
        }
}

int diag_list_print(const struct diag_list *l, FILE *out, enum diag_severity min, bool color)
{
        static const char *const colors[_DIAG_SEVERITY_MAX] = {
                [DIAG_NOTE] = "\033[1;36m",
                [DIAG_WARNING] = "\033[1;35m",
                [DIAG_ERROR] = "\033[1;31m",
        };

        for (size_t i = 0; l && i < l->n; i++) {
                const struct diag *d = &l->items[i];
                if (d->severity < min)
                        continue;
                fputs(l->file ? l->file : "<input>", out);
                if (d->line > 0)
                        fprintf(out, ":%u:%u", d->line, d->column);
                fprintf(out, ": %s%s:%s ", color ? colors[d->severity] : "",
                        diag_severity_to_string(d->severity), color ? "\033[0m" : "");
                if (d->pointer[0])
                        fprintf(out, "%s: ", d->pointer);
                fprintf(out, "%s\n", d->message);
                if (d->hint)
                        fprintf(out, "  hint: %s\n", d->hint);
        }
        return ferror(out) ? -EIO : 0;
}

const struct diag *diag_list_find(const struct diag_list *l, enum diag_severity min,
                                  const char *pointer, const char *fragment)
{
        for (size_t i = 0; l && i < l->n; i++) {
                const struct diag *d = &l->items[i];
                if (d->severity < min)
                        continue;
                if (pointer && !streq(pointer, d->pointer))
                        continue;
                if (fragment && !strstr(d->message, fragment))
                        continue;
                return d;
        }
        return NULL;
}

char *json_pointer_append(const char *pointer, const char *segment)
{
        size_t lp = strlen(pointer), extra = 0;
        for (const char *s = segment; *s; s++)
                extra += (*s == '~' || *s == '/');
        char *r = malloc(lp + 1 + strlen(segment) + extra + 1), *p;
        if (!r)
                return NULL;
        p = mempcpy(r, pointer, lp);
        *p++ = '/';
        for (const char *s = segment; *s; s++) {
                if (*s == '~') {
                        *p++ = '~';
                        *p++ = '0';
                } else if (*s == '/') {
                        *p++ = '~';
                        *p++ = '1';
                } else
                        *p++ = *s;
        }
        *p = 0;
        return r;
}

char *json_pointer_append_index(const char *pointer, size_t index)
{
        /* Called for every element of every array a profile has: no printf. */
        char digits[24], *q = digits + sizeof(digits);
        do
                *--q = (char)('0' + index % 10);
        while ((index /= 10) > 0);
        size_t pl = strlen(pointer), dl = (size_t)(digits + sizeof(digits) - q);
        char *r = malloc(pl + 1 + dl + 1);
        if (!r)
                return NULL;
        memcpy(r, pointer, pl);
        r[pl] = '/';
        memcpy(r + pl + 1, q, dl);
        r[pl + 1 + dl] = 0;
        return r;
}
