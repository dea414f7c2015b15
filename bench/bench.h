/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Small helpers shared by the benchmark programs of bench/: a monotonic clock, sample
 * statistics, whole-file reads. Header-only, so each program is one `cc` line in run.sh. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static inline void die(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("bench: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        exit(1);
}

static inline int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (0 < p <= 100) of `n` samples, sorted in place. */
static inline uint64_t percentile(uint64_t *v, size_t n, double p)
{
        if (n == 0)
                return 0;
        qsort(v, n, sizeof(*v), cmp_u64);
        size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
        if (rank < 1)
                rank = 1;
        if (rank > n)
                rank = n;
        return v[rank - 1];
}

static inline double mean_u64(const uint64_t *v, size_t n)
{
        double s = 0;
        for (size_t i = 0; i < n; i++)
                s += (double)v[i];
        return n ? s / (double)n : 0;
}

/* Reads a whole file; dies on failure (the benchmarks cannot go on without their input). */
static inline char *read_all(const char *path, size_t *ret_size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                die("cannot open '%s': %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                die("cannot stat '%s': %s", path, strerror(errno));
        char *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                die("out of memory");
        size_t got = 0;
        while (got < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        die("cannot read '%s': %s", path, k < 0 ? strerror(errno) : "short read");
                got += (size_t)k;
        }
        close(fd);
        buf[got] = 0;
        *ret_size = got;
        return buf;
}

static inline void write_all_file(const char *path, const void *data, size_t size)
{
        FILE *f = fopen(path, "we");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
                die("cannot write '%s': %s", path, strerror(errno));
}
