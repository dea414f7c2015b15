/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>

#include "jsonsrc.h"
#include "profile-internal.h"

/* The profile parser's shared state and its readers of single values. Internal to the
 * profile-parse*.c modules.
 *
 * Input problems are diagnostics (`report`), never errnos. A reader returns 0 when it stored
 * a value, -EINVAL when the input was wrong (a diagnostic says why) and -ENOMEM when memory
 * ran out. Out of memory is also recorded in `parser.error` by whatever met it (the
 * allocation helpers below, `report`), because callers fold their parts' results into
 * -EINVAL to carry on and report every problem; profile_parse_tree() returns that error. So
 * an allocation failure is spelled the same everywhere: allocate through a helper, and
 * `if (!x) return -ENOMEM;`. */

struct parser {
        struct diag_list *diags;
        const struct json_source *src;
        const struct profile_parse_options *opts; /* borrowed */
        int error;                                /* -ENOMEM seen on the way */
};

/* Adds a diagnostic; a failure to add it is recorded in p->error. */
#define report(p, sev, ptr, hint, ...)                                                             \
        do {                                                                                       \
                int _r = diag_add((p)->diags, (sev), (ptr), (hint), __VA_ARGS__);                  \
                if (_r < 0)                                                                        \
                        (p)->error = _r;                                                           \
        } while (0)

/* Folds the result `k` of one part of an object into the object's result `*r`: an input error
 * is remembered as -EINVAL and parsing goes on, so that every problem is reported; -ENOMEM is
 * stored and false returned, so that the caller stops. */
static inline bool parser_fold(int k, int *r)
{
        if (k == -ENOMEM) {
                *r = k;
                return false;
        }
        if (k < 0)
                *r = -EINVAL;
        return true;
}

/* Allocation helpers: NULL (with p->error = -ENOMEM) only when memory ran out. */
void *parser_calloc(struct parser *p, size_t n, size_t size);
char *parser_strdup(struct parser *p, const char *s);
/* The JSON pointer of `ptr`'s member `key` or element `i`; the caller frees it. */
char *parser_child(struct parser *p, const char *ptr, const char *key);
char *parser_child_index(struct parser *p, const char *ptr, size_t i);

/* The member `key` of `obj` (null counts as absent) in *ret and its JSON pointer under `ptr`
 * in *ret_ptr (the caller frees it). Returns 1 with both, 0 when absent (nothing stored) or
 * -ENOMEM. */
int parser_member_at(struct parser *p, json_t *obj, const char *ptr, const char *key, json_t **ret,
                     char **ret_ptr);
/* The same for a key that must be there: returns 0 with both, -EINVAL (reported as missing,
 * nothing stored) or -ENOMEM. */
int parser_required_at(struct parser *p, json_t *obj, const char *ptr, const char *key,
                       json_t **ret, char **ret_ptr);
/* "did you mean X?" in `buf` for the name of `kind` (see names_all()) closest to `word`, or
 * NULL when none is close. */
const char *parser_suggest(const char *kind, const char *word, char *buf, size_t size);

/* "an object", "a string", ... for messages. */
const char *parser_type_name(const json_t *j);
/* Warns about every key of `obj` not in `known`, suggesting the closest known one. */
void parser_check_keys(struct parser *p, json_t *obj, const char *ptr, const char *const *known,
                       size_t n_known, const char *what);
/* The member `key`, or NULL when absent or JSON null (null counts as absent). */
json_t *parser_member(json_t *obj, const char *key);
/* The digits of an integer outside int64 (a marker string, see jsonsrc.h), or NULL. */
const char *parser_bignum(struct parser *p, json_t *v);
/* Whether `v` has type `t`; reports an error naming `what` when not. */
bool parser_expect_type(struct parser *p, json_t *v, json_type t, const char *ptr,
                        const char *what);

/* Readers of one value at `ptr`: 0 (value stored in *ret), -EINVAL or -ENOMEM. */
int parse_action(struct parser *p, json_t *v, const char *ptr, enum action *ret);
/* errnoRet: 0..65535 (SECCOMP_RET_DATA); an ERRNO of 4095 and above is refused by the
 * consumers, which the dialect check reports. */
int parse_errno_number(struct parser *p, json_t *v, const char *ptr, uint32_t *ret);
/* containers/common's errno names ("EPERM"). */
int parse_errno_name(struct parser *p, json_t *v, const char *ptr, uint32_t *ret);
/* A uint64, also above INT64_MAX. */
int parse_u64(struct parser *p, json_t *v, const char *ptr, const char *what, uint64_t *ret);
/* An array of non-empty strings into a new NULL-terminated vector of *ret_n strings. The
 * vector is handed over even when some entries were wrong (they are left out), so that the
 * caller can free it with strv_free(). */
int parse_string_array(struct parser *p, json_t *v, const char *ptr, const char *what, char ***ret,
                       size_t *ret_n);
void strv_free(char **v, size_t n);
/* A libseccomp architecture name ("SCMP_ARCH_X86_64"). Unknown names are errors, or with
 * `lenient` warnings, when the reader returns 1 and stores nothing. */
int parse_arch_name(struct parser *p, json_t *v, const char *ptr, bool lenient,
                    const struct arch_info **ret);
