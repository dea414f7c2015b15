/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the libFuzzer harnesses. Nothing here is part of the engine. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/*
 * Control bytes. The harnesses need a few knobs (dialect, strict, optimisation level, ...) but
 * the seed corpus must stay plain JSON files, byte for byte as upstream wrote them. So: the
 * leading bytes that cannot start a JSON text (anything but whitespace, '{' and '[') are
 * control bytes, at most `max` of them; the rest is the document. A seed such as "{...}" runs
 * with every knob at its default, and one inserted byte in front of it (a mutation libFuzzer
 * makes all the time) selects another combination while the document stays intact.
 * Returns how many control bytes were taken; ctl[i] is meaningful only for i < that count.
 */
static inline size_t fuzz_take_control(const uint8_t **data, size_t *size, uint8_t *ctl, size_t max)
{
        size_t n = 0;
        while (n < max && n < *size && !memchr(" \t\r\n{[", (*data)[n], 6)) {
                ctl[n] = (*data)[n];
                n++;
        }
        *data += n;
        *size -= n;
        return n;
}

/* A stream that swallows output but still goes through stdio, opened once and kept for the
 * life of the process (reachable, so LeakSanitizer does not count it). */
static inline FILE *fuzz_devnull(void)
{
        static FILE *f = NULL;
        if (!f) {
                f = fopen("/dev/null", "we");
                if (!f)
                        abort();
        }
        return f;
}

/* A broken invariant is a finding: print why and abort, so libFuzzer saves the input. */
#define fuzz_check(cond, ...)                                                                      \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ", __FILE__,          \
                                __LINE__, #cond);                                                  \
                        fprintf(stderr, __VA_ARGS__);                                              \
                        fputc('\n', stderr);                                                       \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* Structural checks on a diagnostic list the engine filled, then the printing and lookup
 * paths (diagnostics are what users see for bad input, so they get fuzzed too). */
static inline void fuzz_exercise_diags(struct diag_list *l)
{
        size_t counts[_DIAG_SEVERITY_MAX] = {0};

        fuzz_check(l->n <= l->allocated, "n=%zu allocated=%zu", l->n, l->allocated);
        for (size_t i = 0; i < l->n; i++) {
                const struct diag *d = &l->items[i];
                fuzz_check(d->severity >= 0 && d->severity < _DIAG_SEVERITY_MAX, "severity %d",
                           (int)d->severity);
                fuzz_check(d->message, "diagnostic %zu has no message", i);
                fuzz_check(!d->pointer || d->pointer[0] == 0 || d->pointer[0] == '/',
                           "diagnostic %zu has pointer \"%s\"", i, d->pointer);
                counts[d->severity]++;
        }
        for (int s = 0; s < _DIAG_SEVERITY_MAX; s++)
                fuzz_check(counts[s] == l->counts[s], "severity %d: %zu items, counts says %zu", s,
                           counts[s], l->counts[s]);

        fuzz_check(diag_list_has_errors(l) == !!diag_list_find(l, DIAG_ERROR, NULL, NULL),
                   "diag_list_find disagrees with counts");
        diag_list_sort(l);
        for (size_t i = 1; i < l->n; i++) {
                /* Unlocated diagnostics (line 0) go last. */
                const struct diag *a = &l->items[i - 1], *b = &l->items[i];
                unsigned la = a->line ? a->line : UINT32_MAX, lb = b->line ? b->line : UINT32_MAX;
                fuzz_check(la < lb || (la == lb && a->column <= b->column),
                           "not sorted at %zu: %u:%u after %u:%u", i, b->line, b->column, a->line,
                           a->column);
        }
        fuzz_check(diag_list_print(l, fuzz_devnull(), DIAG_NOTE, false) == 0, "print failed");
        fuzz_check(diag_list_print(l, fuzz_devnull(), DIAG_WARNING, true) == 0, "print failed");
        if (l->n > 0)
                (void)diag_list_find(l, DIAG_NOTE, l->items[0].pointer, "e");
}
