/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "fileio.h"
#include "macro.h"

bool name_is_safe(const char *rel)
{
        size_t l = strlen(rel);
        if (l == 0 || l > 4096 || rel[0] == '/' || strstr(rel, "//"))
                return false;
        for (const char *s = rel; *s;) {
                size_t n = strcspn(s, "/");
                if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                s += n;
                if (*s == '/')
                        s++;
        }
        return true;
}

static bool inside(const char *real, const char *const *roots, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(roots[i]);
                if (strncmp(real, roots[i], l) == 0 && (real[l] == '/' || real[l] == 0))
                        return true;
        }
        return false;
}

int read_in_root(const char *root_path, const char *rel, const char *const *roots, size_t n_roots,
                 size_t max_size, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *path = NULL, *target = NULL;
        char real[PATH_MAX + 1];

        if (!name_is_safe(rel))
                return -EINVAL;
        if (asprintf(&path, "%s/%s", root_path, rel) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
                                                    O_NOCTTY);
        if (fd < 0 && errno == ELOOP) {
                /* A symlink: followed only when its target stays inside a watched root. */
                target = realpath(path, NULL);
                if (!target)
                        return -errno;
                if (!inside(target, roots, n_roots))
                        return -EXDEV;
                fd = open(target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        }
        if (fd < 0)
                return -errno;

        /* Directories on the way may be symlinks too: check where the fd really is. */
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        ssize_t l = readlink(proc, real, PATH_MAX);
        if (l < 0)
                return -errno;
        real[l] = 0;
        if (!inside(real, roots, n_roots))
                return -EXDEV;

        struct stat before, after;
        if (fstat(fd, &before) < 0)
                return -errno;
        if (!S_ISREG(before.st_mode))
                return -EBADFD;
        if ((size_t)before.st_size > max_size)
                return -EFBIG;
        _cleanup_free_ char *buf = malloc((size_t)before.st_size + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t k = read_at_most(fd, buf, (size_t)before.st_size);
        if (k < 0)
                return (int)k;
        size_t n = (size_t)k;
        if (fstat(fd, &after) < 0)
                return -errno;
        /* Half-written files are never served: if it moved under us, try again later. */
        if (n != (size_t)before.st_size || after.st_size != before.st_size ||
            after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
            after.st_mtim.tv_nsec != before.st_mtim.tv_nsec)
                return -EAGAIN;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

void builder_init(struct builder *b, struct cache *cache, struct metrics *metrics)
{
        *b = (struct builder){ .cache = cache, .metrics = metrics };
        pthread_mutex_init(&b->lock, NULL);
        pthread_cond_init(&b->landed, NULL);
}

void builder_done(struct builder *b)
{
        pthread_mutex_destroy(&b->lock);
        pthread_cond_destroy(&b->landed);
        free(b->flying);
        b->flying = NULL;
}

static ssize_t flying_index(const struct builder *b, const char *key)
{
        for (size_t i = 0; i < b->n_flying; i++)
                if (streq(b->flying[i], key))
                        return (ssize_t)i;
        return -1;
}

/* Returns 0 with the blob from the cache, 1 once this thread owns the compile of `key`. */
static int claim_or_lookup(struct builder *b, const char *key, struct blob **ret_blob,
                           struct diag_list **ret_diags)
{
        for (;;) {
                if (b->cache && cache_lookup(b->cache, key, ret_blob, ret_diags) == 0)
                        return 0;
                pthread_mutex_lock(&b->lock);
                if (flying_index(b, key) < 0) {
                        if (b->n_flying == b->allocated_flying) {
                                size_t n = b->allocated_flying ? b->allocated_flying * 2 : 8;
                                void *f = realloc(b->flying, n * sizeof(*b->flying));
                                if (!f) {
                                        /* Compile without the claim: only sharing is lost. */
                                        pthread_mutex_unlock(&b->lock);
                                        return 2;
                                }
                                b->flying = f;
                                b->allocated_flying = n;
                        }
                        memcpy(b->flying[b->n_flying++], key, SHA256_HEX_SIZE);
                        pthread_mutex_unlock(&b->lock);
                        return 1;
                }
                while (flying_index(b, key) >= 0)
                        pthread_cond_wait(&b->landed, &b->lock);
                pthread_mutex_unlock(&b->lock);
                if (!b->cache)
                        continue; /* nothing to share through: claim it next time round */
        }
}

static void release(struct builder *b, const char *key)
{
        pthread_mutex_lock(&b->lock);
        ssize_t i = flying_index(b, key);
        if (i >= 0)
                memmove(b->flying[i], b->flying[i + 1],
                        (b->n_flying - (size_t)i - 1) * sizeof(*b->flying));
        if (i >= 0)
                b->n_flying--;
        pthread_cond_broadcast(&b->landed);
        pthread_mutex_unlock(&b->lock);
}

int build_blob(struct builder *bd, const struct profile *p, const struct context *ctx,
               const struct compile_options *o, struct blob **ret_blob,
               struct diag_list **ret_diags, bool *ret_compiled)
{
        _cleanup_(resolved_freep) struct resolved *res = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        char key[SHA256_HEX_SIZE];
        int r;

        r = profile_resolve(p, ctx, &res);
        if (r < 0)
                return r;
        r = compile_blob_key(res, o, key);
        if (r < 0)
                return r;
        r = claim_or_lookup(bd, key, &b, &diags);
        if (r == 0) {
                *ret_blob = TAKE_PTR(b);
                *ret_diags = TAKE_PTR(diags);
                *ret_compiled = false;
                return 0;
        }
        bool claimed = r == 1;

        r = diag_list_new(NULL, &diags);
        if (r >= 0) {
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                r = compile_resolved(res, o, diags, &b);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                if (r >= 0 && bd->metrics)
                        metrics_compiled(bd->metrics,
                                         (double)(t1.tv_sec - t0.tv_sec) +
                                                 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
                if (r >= 0 && bd->cache) {
                        _cleanup_free_ char *cs = NULL;
                        if (context_to_string(ctx, &cs) == 0)
                                (void)cache_store(bd->cache, b, diags, p->digest, cs);
                }
        }
        if (claimed)
                release(bd, key);
        if (r < 0) {
                if (r == -EINVAL)
                        *ret_diags = TAKE_PTR(diags);
                return r;
        }
        *ret_blob = TAKE_PTR(b);
        *ret_diags = TAKE_PTR(diags);
        *ret_compiled = true;
        return 0;
}
