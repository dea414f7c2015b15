/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A fallback to crun's own compile is never silent. Container managers discard the runtime's
 * stderr on success (conmon does) and containerd reads the --log file only when the runtime
 * fails, so besides the usual warning line a fallback is reported twice:
 *
 *  - to the journal, one entry with MESSAGE, PRIORITY=4, SYSLOG_IDENTIFIER=seccompd-oci,
 *    CONTAINER_ID, BUNDLE, REASON, SECCOMPD_OCI_COMMAND and SECCOMPD_OCI_SPOOL (the record's
 *    file, or why none was written). It is one datagram of journald's native protocol on
 *    /run/systemd/journal/socket, written here rather than through libsystemd, whose loading
 *    would cost every container start (BENCHMARKS.md, §1). Without journald: nothing.
 *  - to the spool seccompd ingests, one small JSON record a file (see seccompd/protocol.h),
 *    created under a temporary name (O_EXCL) and renamed into place, so the daemon never
 *    reads half a record. Bounded: when the spool already holds `spool_max` files, nothing is
 *    written and the journal entry says so. The spool directory must belong to root or to
 *    this user and be writable by nobody else; it is created (0700, parents 0755) when
 *    missing.
 *
 * Neither report can fail the container start: errors are swallowed (the journal entry, when
 * there is one, says what happened to the record). */

#include "macro.h"

struct oci_fallback_context {
        const char *container_id; /* borrowed, for the life of the process */
        const char *bundle;       /* as given; made absolute when reported */
        const char *command;      /* "create" or "run" */
        const char *spool;        /* NULL: no spool */
        unsigned spool_max;
};

/* Where oci_fallback_report() sends its report. */
void oci_fallback_setup(const struct oci_fallback_context *c);

/* Logs "falling back to crun's own seccomp compile: <reason>" as a warning and keeps the
 * reason (the first one) for the report. */
void oci_fallback(const char *fmt, ...) _printf_(1, 2);

/* The reason of the first oci_fallback(), or NULL when there was none. */
const char *oci_fallback_reason(void);

/* When oci_fallback() was called: the journal entry and the spool record, once. */
void oci_fallback_report(void);

/* The journal entry's serialisation, for the tests: appends the field `name`=`value` to
 * `buf` in the native protocol (KEY=value\n, or KEY\n + 64-bit little-endian length + value +
 * \n when the value holds a newline). Returns the new length, or `len` unchanged when it does
 * not fit in `size`. */
size_t oci_journal_field(char *buf, size_t size, size_t len, const char *name, const char *value);

/* Writes `record` into `dir` under a fresh name unless `dir` holds `max` files or more.
 * Returns 0 and the file's path in *ret_path (free it), -ENOSPC when full (*ret_count: the
 * files counted), -EPERM when the directory is not safe, or another -errno. */
int oci_spool_write(const char *dir, unsigned max, const char *record, char **ret_path,
                    unsigned *ret_count);
