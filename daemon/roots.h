/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* The profile roots: their configuration, whether each exists, where it really is (its
 * realpath, for symlink checks), and the rules for names and for reading files below them.
 *
 * The set of roots is fixed once roots_init() returns; only `exists` and `realpath` change.
 * The main loop writes them (roots_refresh()), the workers and the HTTP threads read them
 * through roots_exists() and roots_read(): `lock` guards them and is taken only here. */

struct root {
        const struct root_config *config; /* borrowed from the manager's config */
        bool exists;                      /* guarded by roots.lock */
        char *realpath;                   /* guarded by roots.lock; NULL while missing */
};

struct roots {
        pthread_rwlock_t lock;
        struct root roots[CONFIG_MAX_ROOTS];
        size_t n;
};

/* Borrows every root of `c`, which must outlive `rs`. Nothing is resolved yet: every root is
 * missing until roots_refresh(). Returns 0 or -errno. */
int roots_init(struct roots *rs, const struct config *c);
void roots_done(struct roots *rs);

/* The root called `name`, or NULL (name may be NULL). */
struct root *roots_find(struct roots *rs, const char *name);

/* Resolves the root's path again (main loop): returns whether it exists now. */
bool roots_refresh(struct roots *rs, struct root *r);
/* Whether the root existed at its last refresh; any thread. */
bool roots_exists(struct roots *rs, const struct root *r);

/* Reads `rel` below root `r` with read_in_root(), symlinks allowed into any existing root.
 * Any thread. */
int roots_read(struct roots *rs, const struct root *r, const char *rel, size_t max_size, char **ret,
               size_t *ret_size);

/* Reads `rel` below `root_path` the safe way: only regular files, at most `max_size` bytes,
 * never through a symlink that leaves every one of `roots` (realpaths), and never a file
 * that changed while it was read (-EAGAIN). Other errors: -EINVAL (unsafe name), -EXDEV
 * (leaves the roots), -EBADFD (not a regular file), -EFBIG (too big), -errno. */
int read_in_root(const char *root_path, const char *rel, const char *const *roots, size_t n_roots,
                 size_t max_size, char **ret, size_t *ret_size);

/* Whether a profile name's relative part is acceptable: not empty, not absolute, no "..",
 * no "." component, no NUL, no "//", at most 4096 bytes. */
bool name_is_safe(const char *rel);

/* Whether a profile name "<root>/<rel>" as a client sends it is well formed: well-formed
 * UTF-8, no control characters (a NUL arrives as \x01, see server.c; nor DEL) and a safe
 * relative part. A well-formed name of no root is simply not found; a malformed one is
 * refused. */
bool name_is_valid(const char *name);

/* Whether the file `rel` below root `root` has a name a client can ask for (name_is_valid()
 * of "<root>/<rel>") and the API can list (JSON strings are UTF-8). Files whose names are not
 * are never loaded: skipped with a log line, so they are neither listed, nor counted, nor in
 * the node digest. */
bool name_is_servable(const char *root, const char *rel);

/* Whether a file name (last component) is one of a profile: "*.json", not hidden. */
bool name_is_profile_file(const char *name);
