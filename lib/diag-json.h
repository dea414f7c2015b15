/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>

#include "diag.h"

/* Diagnostics as JSON: an array of objects with the keys severity, file, line, column,
 * pointer, message and hint (SECCOMPD_KEY_*), the form of the API's "diagnostics" and of the
 * cache metadata. */

/* Returns a new array (one object per diagnostic, in list order; "file" is l->file or null,
 * "hint" is left out when there is none), or NULL when out of memory. `l` may be NULL: an
 * empty array. */
json_t *diag_list_to_json(const struct diag_list *l);

/* The inverse: parses `array` into a new list named `file` (copied); when `file` is NULL, the
 * list takes the "file" of the first diagnostic that has one. "severity" and "message" are
 * required; "line" and "column" (0 when absent), "pointer" ("" when absent) and "hint" may be
 * left out or null. Returns 0, -EINVAL when `array` is not such an array (nothing is written
 * to `ret`), or -ENOMEM. */
int diag_list_from_json(const json_t *array, const char *file, struct diag_list **ret);

/* The list as one line of compact JSON ("[]" when `l` is NULL or empty; jansson escapes every
 * control character, so no newline is in it): the form the cache's line-oriented files keep
 * them in. NULL when out of memory. */
char *diag_list_to_line(const struct diag_list *l);

/* The inverse, on `size` bytes at `text`, the list named as diag_list_from_json() names it.
 * Returns 0, -EBADMSG when the text is not such a line, or -ENOMEM. */
int diag_list_from_line(const char *text, size_t size, const char *file, struct diag_list **ret);
