/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>

#include <jansson.h>
#include "jsonsrc.h"
#include "profile.h"

/* Shared by the profile modules; not part of the engine's interface. */

/* Fills `prof` from the parsed document. Returns 0, -EINVAL (errors are in `diags`) or
 * -ENOMEM. */
int profile_parse_tree(json_t *root, const struct json_source *src,
                       const struct profile_parse_options *opts, struct diag_list *diags,
                       struct profile *prof);
void profile_rule_done(struct profile_rule *r);

/* Checks that need the whole profile: NOTIFY rules, rules equal to the default, conditions
 * sharing an argument index. */
int profile_semantics_check(const struct profile *p, struct diag_list *diags);

/* The errno a rule or the default returns: runc and crun use EPERM when none is given. */
static inline uint32_t profile_effective_errno(bool has, uint32_t value)
{
        return has ? value : EPERM;
}
