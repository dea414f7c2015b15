/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"

/* The one process-wide logging setting: set once at start, read by every thread. */
static int max_level = LOG_INFO;
static bool to_journal;

void log_setup(int level, bool force_journal)
{
        max_level = level;
        /* systemd sets JOURNAL_STREAM to the device:inode of stderr when it is the journal. */
        const char *js = getenv("JOURNAL_STREAM");
        struct stat st;
        unsigned long long dev, ino;
        to_journal = force_journal;
        if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
            (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
                to_journal = true;
}

int log_level_from_string(const char *s)
{
        static const char *const names[] = {"emerg",   "alert",  "crit", "err",
                                            "warning", "notice", "info", "debug"};
        for (int i = 0; i < (int)ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return i;
        if (streq(s, "error"))
                return LOG_ERR;
        return -EINVAL;
}

int log_max_level(void)
{
        return max_level;
}

/* The length of the UTF-8 sequence at s (1 to 4 bytes), or 0 when it is not well formed:
 * overlong forms, surrogates and code points above U+10FFFF are not (RFC 3629). */
static size_t utf8_sequence(const unsigned char *s)
{
        unsigned cp;
        size_t n;
        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return n;
}

bool utf8_is_valid(const char *s)
{
        for (size_t n; *s; s += n)
                if ((n = utf8_sequence((const unsigned char *)s)) == 0)
                        return false;
        return true;
}

size_t text_escape(char *out, size_t size, const char *in)
{
        size_t w = 0;
        if (size == 0)
                return 0;
        for (const unsigned char *p = (const unsigned char *)in; *p;) {
                size_t n = utf8_sequence(p);
                if (n == 0 || *p < 0x20 || *p == 0x7f) {
                        if (w + 4 >= size)
                                break;
                        snprintf(out + w, size - w, "\\x%02x", *p);
                        w += 4;
                        p++;
                        continue;
                }
                if (w + n >= size)
                        break;
                memcpy(out + w, p, n);
                w += n;
                p += n;
        }
        out[w] = 0;
        return w;
}

int log_fullv(int level, int error, const char *const *fields, const char *fmt, ...)
{
        if (level > max_level)
                return error;
        /* "MESSAGE=" then the message, so the journal entry needs no copy. */
        char entry[2048 + sizeof("MESSAGE=")] = "MESSAGE=";
        char *msg = entry + strlen("MESSAGE=");
        char raw[2048];
        va_list ap;
        va_start(ap, fmt);
        int saved = errno;
        if (error)
                errno = error < 0 ? -error : error;
        vsnprintf(raw, sizeof(raw), fmt, ap); /* %m sees the error */
        errno = saved;
        va_end(ap);
        /* Names and messages come from files and clients: a newline in a file name must not
         * forge a log line, nor invalid UTF-8 spoil the journal's MESSAGE. */
        text_escape(msg, sizeof(entry) - strlen("MESSAGE="), raw);

        if (to_journal) {
                struct iovec iov[16];
                char buf[16][512];
                int n = 0;
                iov[n].iov_base = entry;
                iov[n].iov_len = strlen(entry);
                n++;
                snprintf(buf[n], sizeof(buf[n]), "PRIORITY=%d", level);
                iov[n].iov_base = buf[n];
                iov[n].iov_len = strlen(buf[n]);
                n++;
                if (error) {
                        snprintf(buf[n], sizeof(buf[n]), "ERRNO=%d", error < 0 ? -error : error);
                        iov[n].iov_base = buf[n];
                        iov[n].iov_len = strlen(buf[n]);
                        n++;
                }
                for (size_t i = 0; fields && fields[i] && fields[i + 1] && n < 15; i += 2) {
                        snprintf(buf[n], sizeof(buf[n]), "%s=%s", fields[i], fields[i + 1]);
                        iov[n].iov_base = buf[n];
                        iov[n].iov_len = strlen(buf[n]);
                        n++;
                }
                sd_journal_sendv(iov, n);
        } else {
                static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
                pthread_mutex_lock(&lock);
                fprintf(stderr, "seccompd: %s\n", msg);
                pthread_mutex_unlock(&lock);
        }
        return error;
}

void rfc3339_utc(time_t t, char *buf, size_t size)
{
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
                snprintf(buf, size, "?");
}
