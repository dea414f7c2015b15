/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inotifytools/inotifytools.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "macro.h"
#include "watch-inotify.h"

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* The inotify instances open in this process, by fd. */
static int inotify_fds(int **ret, size_t *ret_n)
{
        _cleanup_(closedirp) DIR *d = opendir("/proc/self/fd");
        if (!d)
                return negative_errno();

        _cleanup_free_ int *fds = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                char target[64];
                char *end;
                long fd = strtol(de->d_name, &end, 10);
                if (de->d_name[0] == '.' || *end || fd == dirfd(d))
                        continue;
                ssize_t l = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (l < 0)
                        continue;
                target[l] = '\0';
                if (!streq(target, "anon_inode:inotify"))
                        continue;
                int *nf = reallocarray(fds, n + 1, sizeof(*nf));
                if (!nf)
                        return -ENOMEM;
                fds = nf;
                fds[n++] = (int)fd;
        }
        *ret = TAKE_PTR(fds);
        *ret_n = n;
        return 0;
}

/* libinotifytools 3.22 keeps its inotify fd in a static variable with no getter, yet it is
 * needed: to wait on it together with the wake-up fd (the library waits with select() on it
 * alone, in whole seconds), and to add and remove watches with the plain syscalls, because
 * the library's own watch table cannot follow a changing tree: inotifytools_watch_file()
 * returns 1 rather than the wd, entries of watches the kernel dropped (IN_IGNORED) stay, so
 * inotifytools_wd_from_filename() answers a dead wd for a re-created directory, and adding
 * an inode already watched leaks an entry. Its instance is the one that appears across
 * inotifytools_initialize(). */
int watch_inotify_open(bool *ret_initialized, int *ret_fd)
{
        _cleanup_free_ int *before = NULL, *after = NULL;
        size_t n_before, n_after;
        int k, found = -EBADF;

        k = inotify_fds(&before, &n_before);
        if (k < 0)
                return k;
        if (!inotifytools_initialize())
                return inotifytools_error() > 0 ? -inotifytools_error() : -EIO;
        *ret_initialized = true;
        k = inotify_fds(&after, &n_after);
        if (k < 0)
                return k;

        for (size_t i = 0; i < n_after; i++) {
                bool seen = false;
                for (size_t j = 0; j < n_before; j++)
                        seen = seen || before[j] == after[i];
                if (seen)
                        continue;
                if (found >= 0)
                        return -EBUSY; /* another thread created one at the same moment */
                found = after[i];
        }
        if (found < 0)
                return -ENXIO;
        if (found >= FD_SETSIZE)
                return -EMFILE;
        /* inotify_init() without IN_CLOEXEC: keep it out of the programs the daemon runs. */
        if (fcntl(found, F_SETFD, FD_CLOEXEC) < 0)
                return -errno;
        *ret_fd = found;
        return 0;
}
