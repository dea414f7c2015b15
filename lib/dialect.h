/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "macro.h"

/* The consumers a profile is written for, and what each of them makes of it. seccompd
 * compiles one meaning of a profile; a dialect adds the diagnostics that say where its
 * consumer would read the same file differently (or refuse it). */

struct diag_list;
struct profile;

enum dialect {
        DIALECT_KUBERNETES_CONTAINERD,
        DIALECT_CRIO,
        DIALECT_MESOS,
        DIALECT_CRUN,
        DIALECT_RUNC,
        DIALECT_DOCKER,
        _DIALECT_MAX,
        _DIALECT_INVALID = -EINVAL,
};
/* moby's reading: archMap and includes/excludes (with minKernel) evaluated. seccompd itself
 * also honours containers/common's errno names; the docker dialect says where moby would not. */
#define DIALECT_DEFAULT DIALECT_DOCKER

/* The canonical name ("kubernetes-containerd", "cri-o", ...), or NULL when out of range. */
const char *dialect_to_string(enum dialect d) _pure_;
/* Also accepts "kubernetes", "containerd", "crio", "podman", "containers-common", "dcos" and
 * "moby". Returns _DIALECT_INVALID (-EINVAL) for anything else, including NULL. */
enum dialect dialect_from_string(const char *s) _pure_;

/* Adds the dialect's verdicts on an already parsed profile (called by profile_parse):
 * warnings where the consumer ignores what the profile says, errors where it refuses the
 * profile; unknown syscalls are errors when `strict` (or for Mesos), else warnings.
 * Returns 0 (whatever was added to `diags`), -EINVAL for an out-of-range dialect or -ENOMEM. */
int dialect_check(const struct profile *p, enum dialect d, bool strict, struct diag_list *diags);
