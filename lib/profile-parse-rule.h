/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "profile-parse-value.h"

/* One entry of "syscalls": names, action, errno, argument conditions, comment and the
 * includes/excludes conditions. Internal to the profile parser. */

/* Reads the rule object `v` at `ptr` into `rule` (zeroed by the caller, whose index is
 * already set). Every problem is reported, not only the first. Whatever was read is kept in
 * `rule` even on failure, for profile_rule_done() to free. Returns 0, -EINVAL (reported) or
 * -ENOMEM (also in p->error). */
int parse_rule(struct parser *p, json_t *v, const char *ptr, struct profile_rule *rule);
