/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A process's identity over time, for the daemon's container table and seccompd-oci: a pid
 * alone may be reused, a pid with its start time may not. No dependencies. */

#include <stdint.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat (starttime, clock ticks since boot). Returns 0, or -errno
 * (-ENOENT: no such process, or one /proc hides from the caller; -EIO: unreadable). */
int proc_start_time(pid_t pid, uint64_t *ret);

/* The inode of /proc/PID/ns/pid (needs ptrace access to the process). 0 or -errno. */
int proc_pidns(pid_t pid, uint64_t *ret);
