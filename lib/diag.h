/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

/* Input problems are diagnostics, not errnos: they are collected here and handed to the
 * caller, who prints or serialises them. */

enum diag_severity {
        DIAG_NOTE,
        DIAG_WARNING,
        DIAG_ERROR,
        _DIAG_SEVERITY_MAX,
};

struct diag {
        enum diag_severity severity;
        unsigned line;   /* 1-based; 0 when unknown */
        unsigned column; /* 1-based, in characters; 0 when unknown */
        char *pointer;   /* RFC 6901 JSON pointer, "" for the document */
        char *message;
        char *hint; /* may be NULL */
};

struct diag_list {
        char *file; /* name used when printing; may be NULL */
        struct diag *items;
        size_t n;
        size_t allocated;
        size_t counts[_DIAG_SEVERITY_MAX];
};

const char *diag_severity_to_string(enum diag_severity s) _pure_;
int diag_severity_from_string(const char *s) _pure_;

/* Returns a new, empty list whose diagnostics name `file` (copied; may be NULL). */
int diag_list_new(const char *file, struct diag_list **ret);
struct diag_list *diag_list_free(struct diag_list *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct diag_list *, diag_list_free);

/* Appends a diagnostic. `pointer` is copied; `hint` may be NULL. Returns 0 or -ENOMEM. */
int diag_add(struct diag_list *l, enum diag_severity severity, const char *pointer,
             const char *hint, const char *fmt, ...) _printf_(5, 6);
/* Same, with an explicit location (syntax errors, where there is no pointer yet). */
int diag_add_at(struct diag_list *l, enum diag_severity severity, unsigned line, unsigned column,
                const char *pointer, const char *hint, const char *fmt, ...) _printf_(7, 8);

/* For a function that reports an input error and fails: `return diag_fail(diag_add(...));`
 * returns -EINVAL, or the report's own -ENOMEM. */
static inline int diag_fail(int r)
{
        return r < 0 ? r : -EINVAL;
}

/* Copies every diagnostic of `src` into `dst`. */
int diag_list_extend(struct diag_list *dst, const struct diag_list *src);

static inline bool diag_list_has_errors(const struct diag_list *l)
{
        return l && l->counts[DIAG_ERROR] > 0;
}

/* Stable order: by line, column, then insertion order. */
void diag_list_sort(struct diag_list *l);

/* Prints like a compiler: "file:line:col: error: /pointer: message" and "  hint: ...".
 * `min` filters by severity; `color` adds ANSI colours. Returns 0 or -errno. */
int diag_list_print(const struct diag_list *l, FILE *out, enum diag_severity min, bool color);

/* Returns the first diagnostic of at least `min` severity whose pointer equals `pointer`
 * (or any pointer when NULL) and whose message contains `fragment` (or anything when NULL). */
const struct diag *diag_list_find(const struct diag_list *l, enum diag_severity min,
                                  const char *pointer, const char *fragment);

/* Appends `segment` to `pointer` with RFC 6901 escaping ("~" -> "~0", "/" -> "~1").
 * Returns a new string or NULL on allocation failure. */
char *json_pointer_append(const char *pointer, const char *segment);
char *json_pointer_append_index(const char *pointer, size_t index);
