/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel's seccomp audit records (AUDIT_SECCOMP, type 1326), read from the audit
 * multicast group (AUDIT_NLGRP_READLOG: needs CAP_AUDIT_READ; works with or without auditd). */

#define AUDIT_TYPE_SECCOMP 1326

struct audit_seccomp {
        uint64_t time_ms; /* the record's time, ms since the epoch */
        uint64_t serial;
        pid_t pid;
        char comm[64]; /* as the kernel logged it, decoded when hex */
        char exe[256];
        uint32_t arch; /* AUDIT_ARCH_* (= SCMP_ARCH_*) */
        int syscall;
        bool compat;
        uint32_t code; /* the filter's return value: SECCOMP_RET_* | data */
};

/* Parses the text of one AUDIT_SECCOMP record ("audit(1796244890.650:714): auid=... pid=27973
 * comm=\"mkdir\" exe=\"/usr/bin/busybox\" sig=31 arch=c000003e syscall=83 compat=0
 * ip=0x47b567 code=0x0"), `len` bytes, not necessarily NUL-terminated. Returns 0 or -EBADMSG
 * when the header, pid, arch, syscall or code is missing or malformed. */
int audit_parse_seccomp(const char *text, size_t len, struct audit_seccomp *ret);

/* Opens a NETLINK_AUDIT socket bound to the read-log multicast group, with a receive timeout
 * of `timeout_ms` and a large receive buffer. Returns the fd or -errno (-EPERM without
 * CAP_AUDIT_READ, -EPROTONOSUPPORT without audit in the kernel). */
int audit_open(unsigned timeout_ms);

/* Receives one datagram from `fd` into buf. Returns the type of the record with its text in
 * *ret_text / *ret_len (pointing into buf), 0 on timeout, -ENOBUFS when the socket's buffer
 * overran (records lost), other -errno. */
int audit_receive(int fd, char *buf, size_t size, const char **ret_text, size_t *ret_len);

/* Asks the kernel for its audit status (AUDIT_GET); the answer comes through audit_receive()
 * as type AUDIT_GET (1000). Needs CAP_AUDIT_CONTROL; without it the kernel answers an
 * error (type NLMSG_ERROR). 0 or -errno. */
int audit_request_status(int fd);
/* The kernel's count of audit records lost since boot (all of them, not only seccomp's:
 * the backlog overran or the rate limit hit), from the payload of an AUDIT_GET answer. */
int audit_status_lost(const char *payload, size_t len, uint64_t *ret);
