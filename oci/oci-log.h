/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* seccompd-oci's few log lines, where crun would put its own.
 *
 * crun writes its warnings to the --log file when one is given (containerd and CRI-O always
 * give one, and read it back when the runtime fails), and to stderr otherwise. seccompd-oci
 * does the same, in crun's --log-format ("text": the bare line; "json": {"msg", "level",
 * "time"}). It keeps off stderr when there is a log file on purpose: containerd hands
 * `create` the container's own stdio, so a line there would land in the container's log.
 *
 * Warnings (a fallback to crun's own compile, and why) are always written. Debug lines
 * (the blob was used, a profile passed through by design) only with crun's --debug (or
 * --log-level=debug), or with SECCOMPD_OCI_DEBUG=1, which also copies every line to stderr. */

#include <stdbool.h>

#include "macro.h"

#define OCI_DEBUG_ENV "SECCOMPD_OCI_DEBUG"

/* `log` and `format` as crun's --log and --log-format (NULL when not given); borrowed for
 * the life of the process. `debug`: crun's --debug. */
void oci_log_setup(const char *log, const char *format, bool debug);

/* An error (crun cannot be executed): to the log file and, as crun does with its errors, to
 * stderr as well. */
void oci_log_error(const char *fmt, ...) _printf_(1, 2);
void oci_log_warning(const char *fmt, ...) _printf_(1, 2);
void oci_log_debug(const char *fmt, ...) _printf_(1, 2);
