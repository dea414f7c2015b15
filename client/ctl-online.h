/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The printing of seccompctl's online commands (ctl-online-print.c): what libseccompd returns,
 * as the tables and key: value lines the commands show. */

#include <stdio.h>

#include "ctl.h"
#include "diag.h"
#include "seccompd/client.h"

/* The body of an answer, indented with the daemon's own keys and order, or as is when it is
 * not a JSON object. Returns CTL_EXIT_OK. */
int ctl_print_json_body(const char *body, size_t size);

/* The daemon's diagnostics with the offline formatter (file:line:col: severity: pointer:
 * message, then the hint), `fallback_file` for those without a file. */
void ctl_print_diagnostics(const struct ctl *c, const struct seccompd_diagnostic *d, size_t n,
                           const char *fallback_file, FILE *out, enum diag_severity min);

void ctl_print_list(const struct ctl *c, const struct seccompd_profile_list *l);
void ctl_print_profile(const struct ctl *c, const struct seccompd_profile *p, const char *name);
void ctl_print_status(const struct seccompd_status *s);
void ctl_print_containers(const struct ctl *c, const struct seccompd_container_list *l);
