/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc-stat.h"

int proc_start_time(pid_t pid, uint64_t *ret)
{
        char path[64], buf[1024];
        if (pid <= 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        int e = errno;
        close(fd);
        if (n <= 0)
                return n < 0 ? -e : -EIO;
        buf[n] = 0;
        /* The name (field 2) may hold spaces and parentheses: count from the last ')'. */
        char *p = strrchr(buf, ')');
        if (!p)
                return -EIO;
        p++;
        for (int field = 3; field < 22; field++) {
                while (*p == ' ')
                        p++;
                p = strchr(p, ' ');
                if (!p)
                        return -EIO;
        }
        while (*p == ' ')
                p++;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno != 0 || end == p || (*end != ' ' && *end != '\n' && *end))
                return -EIO;
        *ret = v;
        return 0;
}

int proc_pidns(pid_t pid, uint64_t *ret)
{
        char path[64];
        struct stat st;
        if (pid <= 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
        if (stat(path, &st) < 0)
                return -errno;
        *ret = (uint64_t)st.st_ino;
        return 0;
}
