/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "oci-log.h"

/* This is a program, not a library: one process, one log setup. */
static struct {
        const char *file; /* the --log file, NULL when none (or not a file) */
        bool json;
        bool debug;
        bool to_stderr; /* SECCOMPD_OCI_DEBUG=1 */
} logger;

void oci_log_setup(const char *log, const char *format, bool debug)
{
        const char *e = getenv(OCI_DEBUG_ENV);

        logger.to_stderr = e && streq(e, "1");
        logger.debug = debug || logger.to_stderr;
        logger.json = format && streq(format, "json");
        /* crun's --log: "file:PATH", or "PATH" when there is no ':' at all; "syslog:" and
         * "journald:" are not files, anything else is an error crun reports itself. */
        logger.file = NULL;
        if (log && !strchr(log, ':'))
                logger.file = log;
        else if (log && strncmp(log, "file:", 5) == 0 && log[5])
                logger.file = log + 5;
}

static void write_line(int fd, const char *line)
{
        /* One write(2) of a whole line: appends from crun and others never interleave. */
        size_t n = strlen(line);
        while (n > 0) {
                ssize_t w = write(fd, line, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                line += w;
                n -= (size_t)w;
        }
}

/* crun's JSON log line: {"msg": ..., "level": ..., "time": "2023-05-01T10:00:00.123456Z"}. */
static char *json_line(const char *level, const char *msg)
{
        struct timeval tv;
        struct tm tm;
        char stamp[64];

        gettimeofday(&tv, NULL);
        gmtime_r(&tv.tv_sec, &tm);
        size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(stamp + n, sizeof(stamp) - n, ".%06ldZ", (long)tv.tv_usec);

        json_t *o = json_pack("{s:s, s:s, s:s}", "msg", msg, "level", level, "time", stamp);
        if (!o)
                return NULL;
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (!s)
                return NULL;
        char *line;
        if (asprintf(&line, "%s\n", s) < 0)
                line = NULL;
        free(s);
        return line;
}

static void vlog(const char *level, bool to_stderr, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

static void vlog(const char *level, bool to_stderr, const char *fmt, va_list ap)
{
        int saved_errno = errno;
        _cleanup_free_ char *body = NULL, *msg = NULL, *text = NULL;

        /* On failure the *asprintf() leave their pointer undefined: reset it for the cleanup. */
        if (vasprintf(&body, fmt, ap) < 0)
                body = NULL;
        else if (asprintf(&msg, "seccompd-oci: %s", body) < 0)
                msg = NULL;
        else if (asprintf(&text, "%s\n", msg) < 0)
                text = NULL;
        if (!text)
                return;

        if (logger.file) {
                int fd = open(logger.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
                              0666);
                if (fd >= 0) {
                        _cleanup_free_ char *j = logger.json ? json_line(level, msg) : NULL;
                        write_line(fd, j ? j : text);
                        close(fd);
                }
        }
        if (!logger.file || logger.to_stderr || to_stderr)
                write_line(STDERR_FILENO, text);
        errno = saved_errno;
}

void oci_log_error(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vlog("error", true, fmt, ap);
        va_end(ap);
}

void oci_log_warning(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vlog("warning", false, fmt, ap);
        va_end(ap);
}

void oci_log_debug(const char *fmt, ...)
{
        va_list ap;
        if (!logger.debug)
                return;
        va_start(ap, fmt);
        vlog("debug", false, fmt, ap);
        va_end(ap);
}
