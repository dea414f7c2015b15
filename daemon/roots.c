/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "roots.h"

int roots_init(struct roots *rs, const struct config *c)
{
        *rs = (struct roots){.n = c->n_roots};
        for (size_t i = 0; i < rs->n; i++)
                rs->roots[i].config = &c->roots[i];
        return -pthread_rwlock_init(&rs->lock, NULL);
}

void roots_done(struct roots *rs)
{
        for (size_t i = 0; i < rs->n; i++)
                free(rs->roots[i].realpath);
        pthread_rwlock_destroy(&rs->lock);
}

struct root *roots_find(struct roots *rs, const char *name)
{
        for (size_t i = 0; name && i < rs->n; i++)
                if (streq(rs->roots[i].config->name, name))
                        return &rs->roots[i];
        return NULL;
}

bool roots_refresh(struct roots *rs, struct root *r)
{
        char *real = realpath(r->config->path, NULL);
        pthread_rwlock_wrlock(&rs->lock);
        free(r->realpath);
        r->realpath = real;
        r->exists = real != NULL;
        pthread_rwlock_unlock(&rs->lock);
        return real != NULL;
}

bool roots_exists(struct roots *rs, const struct root *r)
{
        pthread_rwlock_rdlock(&rs->lock);
        bool exists = r->exists;
        pthread_rwlock_unlock(&rs->lock);
        return exists;
}

int roots_read(struct roots *rs, const struct root *r, const char *rel, size_t max_size, char **ret,
               size_t *ret_size)
{
        const char *paths[CONFIG_MAX_ROOTS];
        size_t n = 0;

        pthread_rwlock_rdlock(&rs->lock);
        for (size_t i = 0; i < rs->n; i++)
                if (rs->roots[i].realpath)
                        paths[n++] = rs->roots[i].realpath;
        int k = read_in_root(r->config->path, rel, paths, n, max_size, ret, ret_size);
        pthread_rwlock_unlock(&rs->lock);
        return k;
}

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

bool name_is_valid(const char *name)
{
        for (const char *p = name; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return false;
        if (!utf8_is_valid(name))
                return false;
        const char *slash = strchr(name, '/');
        if (slash == name)
                return false;
        return name_is_safe(slash ? slash + 1 : name);
}

bool name_is_servable(const char *root, const char *rel)
{
        _cleanup_free_ char *name = NULL;
        return asprintf(&name, "%s/%s", root, rel) >= 0 && name_is_valid(name);
}

bool name_is_profile_file(const char *name)
{
        size_t l = strlen(name);
        return name[0] != '.' && l > 5 && streq(name + l - 5, ".json");
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

/* Opens `rel` below `root_path`: a symlink only when its target stays inside `roots`, and
 * only when the fd really is inside them (directories on the way may be symlinks too). */
static int open_in_root(const char *root_path, const char *rel, const char *const *roots,
                        size_t n_roots)
{
        _cleanup_free_ char *path = NULL, *target = NULL;
        char real[PATH_MAX + 1], proc[64];

        if (asprintf(&path, "%s/%s", root_path, rel) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd =
                open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 && errno == ELOOP) {
                target = realpath(path, NULL);
                if (!target)
                        return -errno;
                if (!inside(target, roots, n_roots))
                        return -EXDEV;
                fd = open(target, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        }
        if (fd < 0)
                return -errno;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        ssize_t l = readlink(proc, real, PATH_MAX);
        if (l < 0)
                return -errno;
        real[l] = 0;
        if (!inside(real, roots, n_roots))
                return -EXDEV;
        return TAKE_FD(fd);
}

int read_in_root(const char *root_path, const char *rel, const char *const *roots, size_t n_roots,
                 size_t max_size, char **ret, size_t *ret_size)
{
        if (!name_is_safe(rel))
                return -EINVAL;
        _cleanup_close_ int fd = open_in_root(root_path, rel, roots, n_roots);
        if (fd < 0)
                return fd;

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
