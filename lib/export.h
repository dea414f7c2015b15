/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "resolve.h"

/* Writes the resolved profile as plain OCI LinuxSeccomp JSON (no archMap, no includes or
 * excludes: what containerd, runc and Docker's --security-opt seccomp= take). Returns a new
 * NUL-terminated string, or -errno. */
int export_oci(const struct resolved *r, char **ret);

/* Writes the resolved profile as LXC's seccomp policy version 2 (what lxc.seccomp.profile and
 * iSulad/lcr take). LXC knows the actions kill, errno, allow, trap and notify; a profile using
 * LOG, TRACE or KILL_PROCESS cannot be expressed and is reported in `diags` (-EOPNOTSUPP).
 * For an x86_64 context, every syscall and arch that LXC 5.0.2 (with libseccomp 2.5.4) will
 * decide otherwise than seccompd's blob is named first, one diagnostic each, in the form
 * "LXC decides NAME on ARCH[,ARCH...] otherwise: REASON" (NAME "*": every syscall of those
 * arches; ARCH x86_64, x86 or x32): warnings, or errors for what makes the export fail. The
 * policy repeats the warnings as comments after its header. */
int export_lxc(const struct resolved *r, struct diag_list *diags, char **ret);
