/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Numbers jansson cannot hold exactly, kept exactly.
 *
 * jansson stores integers as int64 and reals as doubles: a uint64 above INT64_MAX (a seccomp
 * argument mask, an "unlimited" rlimit) would be refused or rounded. Before parsing, each such
 * literal is swapped for a marker string, "@u64:<index>:<nonce>@" (5 hex digits each), and
 * kept in a table; a parser asks the table for a marker's literal, and a text written by
 * jansson gets its literals back in place of the markers. The nonce is chosen so that it
 * occurs nowhere in the original text, so no string of the text is ever taken for a marker.
 * One implementation for the profile scanner (lib/jsonsrc.c) and the API layer's clients
 * (seccompd-oci's config.json); no dependencies. */

#include <stdbool.h>
#include <stddef.h>

#define JSON_U64_MARKER_LEN 19      /* a quoted marker: '"' "@u64:" 5 ':' 5 '@' '"' */
#define JSON_U64_MAX        0xfffff /* literals a table holds */

struct json_u64 {
        char nonce[6];   /* 5 hex digits */
        char **literals; /* n of them, as written (sign, digits, fraction, exponent) */
        size_t n;
};

/* A table for `text` (`size` bytes): a nonce that does not occur in it. */
void json_u64_init(struct json_u64 *t, const char *text, size_t size);
void json_u64_done(struct json_u64 *t);

/* Keeps `len` bytes of `literal` and writes its quoted marker into `buf` (NUL-terminated; `size`
 * bytes at least JSON_U64_MARKER_LEN + 1, and `width` + 1 when `width` is larger): padded with
 * '_' before its closing "@\"" to `width` bytes when `width` > JSON_U64_MARKER_LEN (so that
 * the text keeps its length), unpadded otherwise. Returns the marker's length, -ENOMEM, or
 * -E2BIG when the table is full. */
int json_u64_add(struct json_u64 *t, const char *literal, size_t len, size_t width, char *buf,
                 size_t size);

/* The literal of the marker `str` (a string's value, without quotes) when it is one of this
 * table's, else NULL. */
const char *json_u64_lookup(const struct json_u64 *t, const char *str);

/* A copy of `text` with each quoted marker of this table replaced by its literal: a new
 * string, its length in *ret_size (may be NULL); NULL when out of memory. */
char *json_u64_unmark(const struct json_u64 *t, const char *text, size_t *ret_size);

/* Whether the integer literal `tok` (`len` bytes, optional '-', digits) fits an int64. */
bool json_u64_fits_int64(const char *tok, size_t len);

/* A copy of `in` in which every number that is not an integer jansson holds exactly (a real,
 * or an integer beyond int64) is a marker of `t` (initialised for `in`). Strings are left
 * alone. Returns 0 and a new NUL-terminated text, or -ENOMEM, -E2BIG. */
int json_u64_protect(struct json_u64 *t, const char *in, size_t size, char **ret, size_t *ret_size);
