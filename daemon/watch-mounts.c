/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "watch-mounts.h"

int watch_mounts_open(void)
{
        int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int watch_mounts_read(int fd, char **ret)
{
        size_t size = 0, allocated = 16384;
        _cleanup_free_ char *buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        for (;;) {
                if (allocated - size < 4096) {
                        char *n = realloc(buf, allocated * 2);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        allocated *= 2;
                }
                ssize_t l = read(fd, buf + size, allocated - size - 1);
                if (l < 0 && errno == EINTR)
                        continue;
                if (l < 0)
                        return -errno;
                if (l == 0)
                        break;
                size += (size_t)l;
        }
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Undoes mountinfo's octal escapes (space, tab, newline, backslash) of the field at `s`,
 * `n` bytes, into `out` (at least n + 1 bytes). */
static void unescape(const char *s, size_t n, char *out)
{
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
                    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                          (s[i + 3] - '0'));
                        i += 3;
                } else
                        out[o++] = s[i];
        }
        out[o] = '\0';
}

/* Whether `a` is `b`, or one is a directory above the other. */
static bool related(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), l = la < lb ? la : lb;
        if (strncmp(a, b, l) != 0)
                return false;
        if (la == lb)
                return true;
        const char *longer = la > lb ? a : b;
        return longer[l] == '/' || l == 1; /* l == 1: "/" is above everything */
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

uint64_t watch_mounts_fingerprint(const char *table, const char *path)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325);
        for (const char *line = table; *line;) {
                const char *end = strchrnul(line, '\n');
                /* "ID PARENT MAJ:MIN ROOT MOUNT-POINT ...": the fifth field. */
                const char *f = line;
                for (int i = 0; i < 4 && f < end; i++) {
                        const char *sp = memchr(f, ' ', (size_t)(end - f));
                        f = sp ? sp + 1 : end;
                }
                const char *fe = memchr(f, ' ', (size_t)(end - f));
                size_t n = (size_t)((fe ? fe : end) - f);
                char *mp = n > 0 ? malloc(n + 1) : NULL;
                if (mp) {
                        unescape(f, n, mp);
                        if (related(mp, path))
                                h = fnv1a(fnv1a(h, line, (size_t)(end - line)), "\n", 1);
                        free(mp);
                }
                line = *end ? end + 1 : end;
        }
        return h;
}
