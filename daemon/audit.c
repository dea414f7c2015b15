/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "audit.h"
#include "macro.h"

/* The value of `key=` in the record's fields (after the header), its length in *ret_len;
 * NULL when absent. Keys are matched whole: "pid=" never matches "ppid=". */
static const char *field(const char *s, size_t len, const char *key, size_t *ret_len)
{
        size_t kl = strlen(key);
        for (size_t i = 0; i + kl < len; i++) {
                if ((i > 0 && s[i - 1] != ' ') || memcmp(s + i, key, kl) != 0 || s[i + kl] != '=')
                        continue;
                const char *v = s + i + kl + 1;
                size_t n = 0, rest = len - (i + kl + 1);
                if (rest > 0 && v[0] == '"') {
                        const char *q = memchr(v + 1, '"', rest - 1);
                        if (!q)
                                return NULL;
                        n = (size_t)(q - v) + 1;
                } else
                        while (n < rest && v[n] != ' ' && v[n] != '\n')
                                n++;
                *ret_len = n;
                return v;
        }
        return NULL;
}

static int field_uint(const char *s, size_t len, const char *key, int base, uint64_t max,
                      uint64_t *ret)
{
        size_t n;
        const char *v = field(s, len, key, &n);
        char buf[32], *end;
        if (!v || n == 0 || n >= sizeof(buf))
                return -EBADMSG;
        memcpy(buf, v, n);
        buf[n] = 0;
        if (buf[0] == '-' || buf[0] == '+')
                return -EBADMSG;
        errno = 0;
        unsigned long long x = strtoull(buf, &end, base);
        if (errno || *end || x > max)
                return -EBADMSG;
        *ret = x;
        return 0;
}

/* A string field: "quoted", or hex (what the kernel writes for a value with spaces, quotes or
 * control characters), or "(null)". Control characters are kept out. */
static void field_string(const char *s, size_t len, const char *key, char *out, size_t size)
{
        size_t n, w = 0;
        const char *v = field(s, len, key, &n);
        out[0] = 0;
        if (!v || n == 0)
                return;
        if (v[0] == '"') {
                for (size_t i = 1; i + 1 < n && w + 1 < size; i++)
                        out[w++] = (unsigned char)v[i] < 0x20 ? '?' : v[i];
        } else if (n % 2 == 0 && strspn(v, "0123456789ABCDEFabcdef") >= n) {
                for (size_t i = 0; i + 1 < n && w + 1 < size; i += 2) {
                        unsigned x;
                        char h[3] = {v[i], v[i + 1], 0};
                        sscanf(h, "%x", &x);
                        out[w++] = x < 0x20 || x == 0x7f ? '?' : (char)x;
                }
        } else
                for (size_t i = 0; i < n && w + 1 < size; i++)
                        out[w++] = (unsigned char)v[i] < 0x20 ? '?' : v[i];
        out[w] = 0;
}

int audit_parse_seccomp(const char *text, size_t len, struct audit_seccomp *ret)
{
        struct audit_seccomp a = {0};
        unsigned long long sec;
        unsigned ms;
        unsigned long long serial;
        int consumed = 0;
        char head[64];
        uint64_t v;

        /* The header: "audit(SECONDS.MILLIS:SERIAL): " */
        size_t hl = len < sizeof(head) - 1 ? len : sizeof(head) - 1;
        memcpy(head, text, hl);
        head[hl] = 0;
        if (sscanf(head, "audit(%llu.%3u:%llu): %n", &sec, &ms, &serial, &consumed) != 3 ||
            consumed == 0 || strncmp(head, "audit(", 6) != 0 || ms > 999)
                return -EBADMSG;
        a.time_ms = (uint64_t)sec * 1000 + ms;
        a.serial = serial;
        const char *f = text + consumed;
        size_t fl = len - (size_t)consumed;

        if (field_uint(f, fl, "pid", 10, INT32_MAX, &v) < 0)
                return -EBADMSG;
        a.pid = (pid_t)v;
        if (field_uint(f, fl, "arch", 16, UINT32_MAX, &v) < 0)
                return -EBADMSG;
        a.arch = (uint32_t)v;
        if (field_uint(f, fl, "syscall", 10, INT32_MAX, &v) < 0)
                return -EBADMSG;
        a.syscall = (int)v;
        if (field_uint(f, fl, "code", 0, UINT32_MAX, &v) < 0)
                return -EBADMSG;
        a.code = (uint32_t)v;
        if (field_uint(f, fl, "compat", 10, 1, &v) == 0)
                a.compat = v;
        field_string(f, fl, "comm", a.comm, sizeof(a.comm));
        field_string(f, fl, "exe", a.exe, sizeof(a.exe));
        *ret = a;
        return 0;
}

int audit_open(unsigned timeout_ms)
{
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = AUDIT_NLGRP_READLOG};
        struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
        int size = 8 * 1024 * 1024;
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        if (fd < 0)
                return -errno;
        /* Room for a burst: beyond it the kernel drops and recv() says ENOBUFS (counted). */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int audit_receive(int fd, char *buf, size_t size, const char **ret_text, size_t *ret_len)
{
        struct sockaddr_nl from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
        /* Only the kernel (port 0) speaks for the audit subsystem. */
        if (from.nl_pid != 0 || (size_t)n < NLMSG_HDRLEN)
                return -EBADMSG;
        const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
        /* The kernel's audit messages put the payload's length, not the whole message's, in
         * nlmsg_len: the datagram's length is the truth. */
        *ret_text = buf + NLMSG_HDRLEN;
        *ret_len = (size_t)n - NLMSG_HDRLEN;
        if (h->nlmsg_type == AUDIT_GET || h->nlmsg_type == NLMSG_ERROR)
                return h->nlmsg_type; /* binary */
        while (*ret_len > 0 &&
               ((*ret_text)[*ret_len - 1] == 0 || (*ret_text)[*ret_len - 1] == '\n'))
                (*ret_len)--;
        return h->nlmsg_type;
}

int audit_request_status(int fd)
{
        struct nlmsghdr h = {
                .nlmsg_len = NLMSG_LENGTH(0),
                .nlmsg_type = AUDIT_GET,
                .nlmsg_flags = NLM_F_REQUEST,
        };
        struct sockaddr_nl to = {.nl_family = AF_NETLINK};
        return sendto(fd, &h, h.nlmsg_len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0
                       ? -errno
                       : 0;
}

int audit_status_lost(const char *payload, size_t len, uint64_t *ret)
{
        struct audit_status st;
        if (len < offsetof(struct audit_status, lost) + sizeof(st.lost))
                return -EBADMSG;
        memcpy(&st, payload, len < sizeof(st) ? len : sizeof(st));
        *ret = st.lost;
        return 0;
}
