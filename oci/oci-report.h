/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* seccompd-oci tells the daemon which container it started with which blob, or that crun
 * compiled the JSON itself and why (POST /v1/containers/ID), and that a container was deleted
 * (DELETE /v1/containers/ID). A report never delays a container start by more than
 * OCI_REPORT_TIMEOUT_MS nor fails it: every error is ignored (a debug line says it). When
 * the daemon is down, the fallback's spool record (oci-fallback.h) is what it learns. */

#include <stdint.h>
#include <sys/types.h>

#define OCI_REPORT_TIMEOUT_MS 250u

struct oci_report {
        const char *id;       /* borrowed */
        const char *command;  /* "create" or "run" */
        const char *bundle;   /* absolute, may be NULL */
        const char *key;      /* the blob crun loads, NULL on fallback */
        const char *digest;   /* "sha256:..." of the linux.seccomp sent, may be NULL */
        const char *fallback; /* why crun compiles the JSON itself, NULL when it does not */
        pid_t pid;            /* the container's init, 0 when unknown */
        pid_t runtime_pid;    /* crun's pid for a foreground run, 0 when none */
};

/* The report's JSON body (free it), or NULL when `r->id` is not one seccompd takes or out of
 * memory. The start times and the pid namespace are read here. */
char *oci_report_body(const struct oci_report *r);
/* POST /v1/containers/ID with oci_report_body(). */
void oci_report_container(const char *socket_path, unsigned timeout_ms, const struct oci_report *r);
/* DELETE /v1/containers/ID. */
void oci_report_delete(const char *socket_path, unsigned timeout_ms, const char *id);

/* The init pid crun wrote to `path` (--pid-file): 0 and the pid, or -errno. */
int oci_read_pid_file(const char *path, pid_t *ret);
