/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "oci-fallback.h"
#include "oci-log.h"
#include "seccompd/protocol.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* `journalctl MESSAGE_ID=...` finds every fallback of every version. */
#define FALLBACK_MESSAGE_ID "2f5a3c1e9b8d4e67a0c1d2e3f4a5b6c7"
/* Values are cut here: one entry stays a small datagram, a record stays under
 * SECCOMPD_FALLBACK_RECORD_MAX with every field at its limit. */
#define VALUE_MAX 1024u

/* This is a program, not a library: one process, one container, one report. */
static struct {
        struct oci_fallback_context ctx;
        char *reason; /* the first fallback's */
        bool reported;
} state;

void oci_fallback_setup(const struct oci_fallback_context *c)
{
        state.ctx = *c;
}

void oci_fallback(const char *fmt, ...)
{
        _cleanup_free_ char *reason = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&reason, fmt, ap) < 0)
                reason = NULL;
        va_end(ap);
        oci_log_warning("falling back to crun's own seccomp compile: %s",
                        reason ? reason : "out of memory");
        if (!state.reason)
                state.reason = reason ? TAKE_PTR(reason) : strdup("out of memory");
}

const char *oci_fallback_reason(void)
{
        return state.reason;
}

size_t oci_journal_field(char *buf, size_t size, size_t len, const char *name, const char *value)
{
        size_t n = strlen(name), v = strlen(value);
        bool binary = memchr(value, '\n', v) != NULL;
        size_t need = n + 1 + (binary ? 8 : 0) + v + 1;
        if (len > size || size - len < need)
                return len;
        char *p = buf + len;
        memcpy(p, name, n);
        p += n;
        if (binary) {
                *p++ = '\n';
                uint64_t l = v;
                for (int i = 0; i < 8; i++)
                        *p++ = (char)(l >> (8 * i) & 0xff); /* little endian, whatever the host */
        } else
                *p++ = '=';
        memcpy(p, value, v);
        p += v;
        *p++ = '\n';
        return len + need;
}

static char *format(const char *fmt, ...) _printf_(1, 2);
static char *format(const char *fmt, ...)
{
        char *s;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL; /* undefined after a failure */
        va_end(ap);
        return s;
}

/* A copy cut at VALUE_MAX bytes (at a character boundary: UTF-8 continuation bytes are
 * 10xxxxxx), so the JSON record stays valid UTF-8. */
static char *cut(const char *s)
{
        size_t n = strlen(s);
        if (n <= VALUE_MAX)
                return strdup(s);
        n = VALUE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--;
        return strndup(s, n);
}

/* mkdir -p: parents 0755 (as /run/seccompd is), the spool itself 0700. */
static int make_dirs(const char *dir)
{
        int r = mkdir_parents(dir);
        if (r < 0)
                return r;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int count_entries(int dfd, unsigned *ret)
{
        int fd = dup(dfd);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        unsigned n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        *ret = n;
        return 0;
}

int oci_spool_write(const char *dir, unsigned max, const char *record, char **ret_path,
                    unsigned *ret_count)
{
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        char name[96], tmp[112];
        struct timespec ts;
        struct stat st;
        unsigned n = 0;
        int r;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 && errno == ENOENT) {
                if ((r = make_dirs(dir)) < 0)
                        return r;
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (dfd < 0)
                return -errno;
        /* Someone else's directory, or one others may write to, could hand the records to
         * anyone, or let anyone fill the spool: not used. */
        if (fstat(dfd, &st) < 0)
                return -errno;
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022))
                return -EPERM;
        if ((r = count_entries(dfd, &n)) < 0)
                return r;
        if (ret_count)
                *ret_count = n;
        if (n >= max)
                return -ENOSPC;

        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(name, sizeof(name), "%lld-%09ld-%d.json", (long long)ts.tv_sec, ts.tv_nsec,
                 (int)getpid());
        /* A dot name: the daemon skips it until it is renamed. */
        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        size_t size = strlen(record);
        const char *p = record;
        r = 0;
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        r = k < 0 ? -errno : -EIO;
                        break;
                }
                p += k;
                size -= (size_t)k;
        }
        if (r == 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r == 0 && renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dfd, tmp, 0);
                return r;
        }
        if (ret_path)
                *ret_path = format("%s/%s", dir, name);
        return 0;
}

/* One datagram, never waited for: a journald that is slow or gone costs nothing. */
static void journal_send(const char *data, size_t size)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET};
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        (void)sendto(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa,
                     sizeof(sa));
}

void oci_fallback_report(void)
{
        const struct oci_fallback_context *c = &state.ctx;
        _cleanup_free_ char *bundle = NULL, *id = NULL, *reason = NULL, *path = NULL, *spool = NULL,
                            *msg = NULL, *record = NULL;
        static char entry[8192];
        unsigned n = 0;
        int r = -ENOENT;

        if (!state.reason || state.reported)
                return;
        state.reported = true;

        bundle = realpath(c->bundle ? c->bundle : ".", NULL);
        if (!bundle)
                bundle = strdup(c->bundle ? c->bundle : ".");
        id = cut(c->container_id ? c->container_id : "");
        reason = cut(state.reason);
        char *b = bundle ? cut(bundle) : NULL;
        free(bundle);
        bundle = b;
        if (!bundle || !id || !reason)
                return;

        if (c->spool) {
                json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}", SECCOMPD_KEY_TIME,
                                      (json_int_t)time(NULL), SECCOMPD_KEY_CONTAINER_ID, id,
                                      SECCOMPD_KEY_BUNDLE, bundle, SECCOMPD_KEY_COMMAND,
                                      c->command ? c->command : "", SECCOMPD_KEY_REASON, reason);
                record = o ? json_dumps(o, JSON_COMPACT) : NULL;
                json_decref(o);
                r = record ? oci_spool_write(c->spool, c->spool_max, record, &path, &n) : -ENOMEM;
        }
        if (r == 0)
                spool = path ? strdup(path) : strdup("written");
        else if (!c->spool)
                spool = strdup("no spool configured");
        else if (r == -ENOSPC)
                spool = format("not written: the spool '%s' already holds %u files (at most %u)",
                               c->spool, n, c->spool_max);
        else if (r == -EPERM)
                spool = format("not written: the spool '%s' is not owned by root (or this "
                               "user) or is writable by others",
                               c->spool);
        else
                spool = format("not written to the spool '%s': %s", c->spool, strerror(-r));
        if (r < 0 && c->spool && spool)
                oci_log_warning("%s", spool);

        msg = format("Container %s fell back to crun's own seccomp compile: %s%s%s%s", id, reason,
                     r < 0 && c->spool ? " (seccompd will not count it: " : "",
                     r < 0 && c->spool && spool ? spool : "", r < 0 && c->spool ? ")" : "");
        if (!msg)
                return;
        size_t len = 0;
        len = oci_journal_field(entry, sizeof(entry), len, "MESSAGE", msg);
        len = oci_journal_field(entry, sizeof(entry), len, "MESSAGE_ID", FALLBACK_MESSAGE_ID);
        len = oci_journal_field(entry, sizeof(entry), len, "PRIORITY", "4");
        len = oci_journal_field(entry, sizeof(entry), len, "SYSLOG_IDENTIFIER", "seccompd-oci");
        len = oci_journal_field(entry, sizeof(entry), len, "CONTAINER_ID", id);
        len = oci_journal_field(entry, sizeof(entry), len, "BUNDLE", bundle);
        len = oci_journal_field(entry, sizeof(entry), len, "REASON", reason);
        len = oci_journal_field(entry, sizeof(entry), len, "SECCOMPD_OCI_COMMAND",
                                c->command ? c->command : "");
        if (spool)
                len = oci_journal_field(entry, sizeof(entry), len, "SECCOMPD_OCI_SPOOL", spool);
        journal_send(entry, len);
}
