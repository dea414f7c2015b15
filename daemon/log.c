/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
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
        static const char *const names[] = { "emerg", "alert", "crit",   "err",
                                             "warning", "notice", "info", "debug" };
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

int log_fullv(int level, int error, const char *const *fields, const char *fmt, ...)
{
        if (level > max_level)
                return error;
        /* "MESSAGE=" then the message, so the journal entry needs no copy. */
        char entry[2048 + sizeof("MESSAGE=")] = "MESSAGE=";
        char *msg = entry + strlen("MESSAGE=");
        va_list ap;
        va_start(ap, fmt);
        int saved = errno;
        if (error)
                errno = error < 0 ? -error : error;
        vsnprintf(msg, sizeof(entry) - strlen("MESSAGE="), fmt, ap); /* %m sees the error */
        errno = saved;
        va_end(ap);

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
