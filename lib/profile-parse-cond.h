/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "profile-parse-value.h"

/* A rule's "includes" or "excludes" condition (moby's caps, arches, minKernel). Internal to
 * the profile parser. */

/* Reads the condition `key` of the rule object `rule` (at `rptr`) into `c`, recording in
 * c->key_present whether the key was written at all (even as {} or null). Unknown
 * capabilities and architecture names are warnings: they only make the condition false.
 * Returns 0, -EINVAL (reported) or -ENOMEM (also in p->error). */
int parse_cond(struct parser *p, json_t *rule, const char *key, const char *rptr,
               struct profile_cond *c);
