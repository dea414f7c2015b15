/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "resolve.h"

/* Writes the resolved profile as plain OCI LinuxSeccomp JSON (no archMap, no includes or
 * excludes: what containerd, runc and Docker's --security-opt seccomp= take). Returns a new
 * NUL-terminated string, or -errno. */
int export_oci(const struct resolved *r, char **ret);

/* Writes the resolved profile as LXC's seccomp policy version 2 (what lxc.seccomp.profile and
 * iSulad/lcr take). LXC knows the actions kill, errno, allow, trap and notify; a profile using
 * LOG, TRACE or KILL_PROCESS cannot be expressed and is reported in `diags` (-EOPNOTSUPP). */
int export_lxc(const struct resolved *r, struct diag_list *diags, char **ret);
