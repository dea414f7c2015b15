/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A JSON text read in place (RFC 8259), without building anything: a value is a span of the
 * text. seccompd-oci reads the bundle's linux.seccomp this way. jansson builds a node and an
 * allocation for each of its thousand values, and dumps them all again for the POST: 0.5 ms
 * of every container start on the benchmark machine (BENCHMARKS.md §1, issue 13).
 *
 * oci_json_value() checks the whole grammar (strings with their escapes and UTF-8, numbers,
 * literals, nesting at most OCI_JSON_DEPTH_MAX); the other functions read the structure alone,
 * for spans it accepted or texts a parser checks. */

#include <stdbool.h>
#include <stddef.h>

#define OCI_JSON_DEPTH_MAX 512

struct oci_json_span {
        const char *p; /* the value's first byte: '{', '[', '"', a digit, '-', t, f or n */
        size_t n;
};

/* The value at text[*i] (after whitespace) into *ret, *i moved past it. 0, or -EBADMSG. */
int oci_json_value(const char *text, size_t size, size_t *i, struct oci_json_span *ret);

/* The value at `path` (object keys, NULL-terminated) in `text`, read for its structure
 * alone (it is for a text whose rest a parser checks): 1 and its span, or 0 when there is none
 * (the last of duplicate keys is taken). */
int oci_json_find(const char *text, size_t size, const char *const *path,
                  struct oci_json_span *ret);

/* Iteration over an object's members (key: the string token, quotes included) or an array's
 * elements. `*i` starts at 0; each call returns 1 with the next one, 0 at the end. */
int oci_json_member(struct oci_json_span object, size_t *i, struct oci_json_span *ret_key,
                    struct oci_json_span *ret_value);
int oci_json_element(struct oci_json_span array, size_t *i, struct oci_json_span *ret);

/* The value of member `key` of `object`, the last one when there are several (as crun's
 * parser takes them); false when there is none (or `object` is not an object). */
bool oci_json_get(struct oci_json_span object, const char *key, struct oci_json_span *ret);

static inline bool oci_json_is_object(struct oci_json_span v)
{
        return v.n > 0 && v.p[0] == '{';
}
static inline bool oci_json_is_array(struct oci_json_span v)
{
        return v.n > 0 && v.p[0] == '[';
}
static inline bool oci_json_is_null(struct oci_json_span v)
{
        return v.n > 0 && v.p[0] == 'n';
}

/* Whether the string token `v` decodes to `s` (false for anything but a string). */
bool oci_json_string_is(struct oci_json_span v, const char *s);

/* `v` without its insignificant whitespace: a new string (free it), or NULL. */
char *oci_json_compact(struct oci_json_span v, size_t *ret_size);
