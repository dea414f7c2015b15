/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "json-u64.h"

/* A JSON text prepared for jansson.
 *
 * jansson keeps no location for parsed values and stores integers as int64, but profiles
 * need both: diagnostics point at line:column, and `value`/`valueTwo` are uint64. One scan
 * over the text checks its nesting and replaces each integer literal outside the int64 range
 * by a string marker of the same length (so jansson's own line:column for later syntax errors
 * stay right). The parser turns markers back into exact numbers with json_source_bignum().
 * The position of every value under its JSON pointer is recorded by a second scan, only when
 * a diagnostic needs one (json_source_index(): most profiles have none, and recording cost a
 * string per value, a fifth of a warm start's parse). */

struct json_loc {
        char *pointer;
        unsigned line, column;
};

struct json_source {
        char *text; /* the rewritten copy, NUL-terminated */
        size_t size;
        struct json_loc *locs; /* sorted by pointer, once indexed */
        size_t n_locs, allocated_locs;
        bool indexed; /* locs is filled */
        unsigned max_depth;
        struct json_u64 big; /* the integer literals beyond int64 (json-u64.h) */
        bool complete;       /* the scanner understood the whole text */
};

/* Scans `data`. A nesting deeper than `max_depth` is reported as an error in `diags` and the
 * scan stops; any other syntax problem just stops the scan (complete = false) and is left to
 * jansson, which reports it with its own position. Returns 0 or -ENOMEM. */
int json_source_new(const char *data, size_t size, unsigned max_depth, struct diag_list *diags,
                    struct json_source **ret);
struct json_source *json_source_free(struct json_source *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_source *, json_source_free);

/* Fills locs (once; later calls do nothing). Returns 0 or -ENOMEM. */
int json_source_index(struct json_source *s);

/* Position of the value at `pointer`, or of its closest recorded ancestor (a missing key is
 * reported at the object that lacks it); indexes `s` first. Returns false when nothing is
 * known. */
bool json_source_locate(struct json_source *s, const char *pointer, unsigned *ret_line,
                        unsigned *ret_column);

/* Fills line:column of every diagnostic in `l` that has a pointer but no location yet. */
void json_source_locate_diags(struct json_source *s, struct diag_list *l);

/* If `str` is one of this source's integer markers, returns the literal's digits (borrowed),
 * else NULL. */
const char *json_source_bignum(const struct json_source *s, const char *str);

/* Replaces every marker in `dumped` (jansson output of this source's values) by its literal,
 * so canonical forms carry the exact number. Returns a new string or NULL (ENOMEM). */
char *json_source_unmark(const struct json_source *s, const char *dumped);
