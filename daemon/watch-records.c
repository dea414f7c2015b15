/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>

#include "macro.h"
#include "watch-records.h"

size_t wrecs_lower(const struct wrecs *s, int wd)
{
        size_t lo = 0, hi = s->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (s->v[mid].wd < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static bool wd_referenced(const struct wrecs *s, int wd)
{
        size_t i = wrecs_lower(s, wd);
        return i < s->n && s->v[i].wd == wd;
}

/* EINVAL means the kernel dropped the watch first (directory deleted, filesystem unmounted):
 * its IN_IGNORED is on the way. */
void wrecs_release_wd(struct wrecs *s, int wd)
{
        if (!wd_referenced(s, wd))
                (void)inotify_rm_watch(s->inotify_fd, wd);
}

void wrecs_remove_at(struct wrecs *s, size_t i)
{
        free(s->v[i].path);
        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
        s->n--;
}

int wrecs_set(struct wrecs *s, int wd, struct watched_root *r, const char *path, unsigned depth,
              bool ancestor)
{
        size_t i = wrecs_lower(s, wd);
        for (size_t j = i; j < s->n && s->v[j].wd == wd; j++) {
                struct wrec *e = &s->v[j];
                if (e->root != r || e->ancestor != ancestor)
                        continue;
                if (!streq(e->path, path)) {
                        char *p = strdup(path);
                        if (!p)
                                return -ENOMEM;
                        free(e->path);
                        e->path = p;
                        s->changed++;
                }
                e->depth = depth;
                e->stale = false;
                return 0;
        }

        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        if (s->n == s->n_alloc) {
                size_t n = s->n_alloc ? s->n_alloc * 2 : 64;
                struct wrec *a = reallocarray(s->v, n, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                s->v = a;
                s->n_alloc = n;
        }
        memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
        s->v[i] = (struct wrec){
                .wd = wd, .root = r, .path = TAKE_PTR(p), .depth = depth, .ancestor = ancestor};
        s->n++;
        s->changed++;
        return 0;
}

void wrecs_mark_stale(struct wrecs *s, const struct watched_root *r, bool ancestor)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].root == r && s->v[i].ancestor == ancestor)
                        s->v[i].stale = true;
}

void wrecs_sweep(struct wrecs *s, const struct watched_root *r, bool ancestor)
{
        for (size_t i = 0; i < s->n;) {
                struct wrec *e = &s->v[i];
                if (e->root != r || e->ancestor != ancestor || !e->stale) {
                        i++;
                        continue;
                }
                int wd = e->wd;
                wrecs_remove_at(s, i);
                wrecs_release_wd(s, wd);
                s->changed++;
        }
}

void wrecs_done(struct wrecs *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i].path);
        free(s->v);
        *s = (struct wrecs){.inotify_fd = -1};
}
