/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"

/* A context says for whom a Docker-extended profile is resolved: the architecture, the
 * capabilities the container holds, the kernel it runs on. It is part of every blob key. */
struct context {
        const struct arch_info *arch; /* borrowed from the static table */
        uint64_t caps;                /* bit n = capability n */
        unsigned kernel_major, kernel_minor;
};

/* The host's arch, Docker's 14 default capabilities, the running kernel. */
int context_default(struct context *ret);
/* "x86_64", "amd64", "SCMP_ARCH_X86_64". -EINVAL if unknown. */
int context_set_arch(struct context *c, const char *arch);
/* Comma-separated capability names ("CAP_SYS_ADMIN,NET_RAW"), "all", "none" or "default";
 * a leading "+" adds to the current set. -EINVAL names the first bad entry in *ret_bad. */
int context_set_caps(struct context *c, const char *list, const char **ret_bad);
/* "X.Y", each 0..255 in decimal, optionally followed by ".PATCH" and a "-" or "+" suffix as
 * in uname's "6.1.0-18-amd64"; -EINVAL for anything else ("5.10abc", "4294967296.1"). */
int context_set_kernel(struct context *c, const char *version);
/* "arch=x86_64 caps=CAP_A,CAP_B kernel=6.1": canonical, used in the blob key. */
int context_to_string(const struct context *c, char **ret);
/* The reverse of context_to_string(). 0 or -EINVAL. */
int context_from_string(const char *s, struct context *ret);

struct resolved_rule {
        char *const *names; /* borrowed from the profile rule */
        size_t n_names;
        enum action action;
        uint32_t data; /* errno or trace value */
        struct profile_arg args[PROFILE_MAX_ARG_INDEX];
        size_t n_args;
        size_t source; /* index in the profile's /syscalls */
};

struct resolved {
        const struct profile *profile; /* borrowed */
        struct context context;
        enum action default_action;
        uint32_t default_data;
        const struct arch_info *arches[32]; /* borrowed; the first is the context's arch */
        size_t n_arches;
        bool native_implied; /* "architectures" omits the context's arch, which the filter
                              * keeps anyway, as every consumer's seccomp_init() does */
        struct resolved_rule *rules;
        size_t n_rules;
        size_t n_dropped; /* rules dropped by includes/excludes */
        size_t n_skipped; /* rules equal to the default action */
};

/* Resolves `p` for `ctx`: keeps ctx->arch (the consumer's native arch) beside "architectures",
 * or picks the archMap entry of ctx->arch (with its sub-arches), drops
 * rules whose includes/excludes do not hold, skips rules equal to the default, and splits
 * rules with several conditions on one argument into one rule per condition (runc/crun). */
int profile_resolve(const struct profile *p, const struct context *ctx, struct resolved **ret);
struct resolved *resolved_free(struct resolved *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct resolved *, resolved_free);

/* Whether the conditions of `rule` hold for these argument values (64-bit comparisons, as
 * libseccomp does on 64-bit arches). */
bool resolved_rule_matches(const struct resolved_rule *rule, const uint64_t args[6]);
/* The first rule naming `syscall` whose conditions hold and whose action and data equal
 * `action`/`data`; NULL when the verdict comes from the default action. */
const struct resolved_rule *resolved_find_rule(const struct resolved *r, const char *syscall,
                                               const uint64_t args[6], enum action action,
                                               uint32_t data);

/* The action of a filter's return value (SECCOMP_RET_*), with its errno or trace value in
 * *ret_data; _ACTION_INVALID for a value no action has. */
enum action action_from_ret(uint32_t ret, uint32_t *ret_data);

/* What can be said of the rule that decided a verdict `ret` for `syscall` without the call's
 * arguments (an audit record carries none): the rules naming it whose action and data equal
 * the verdict's, and whether the default action may have decided. */
#define RULE_CANDIDATES_MAX 8
enum rule_verdict_kind {
        RULE_VERDICT_RULE,       /* exactly one rule, without argument conditions */
        RULE_VERDICT_DEFAULT,    /* no rule: the default action, which matches */
        RULE_VERDICT_CANDIDATES, /* several, or rules with argument conditions */
        RULE_VERDICT_NONE,       /* neither a rule nor the default gives this verdict */
};
struct rule_verdict {
        enum rule_verdict_kind kind;
        size_t sources[RULE_CANDIDATES_MAX]; /* /syscalls/N of the candidate rules, ascending */
        size_t n_sources;                    /* how many there are (only the first
                                              * RULE_CANDIDATES_MAX listed) */
        bool default_candidate;              /* the default action may have decided too */
};
/* `data_known`: whether ret's SECCOMP_RET_DATA is the verdict's (a filter's return value) or
 * unknown (an audit record logs the action alone: ERRNO without its errno); when unknown, rules
 * are compared by action only. */
void resolved_name_rule(const struct resolved *r, const char *syscall, uint32_t ret,
                        bool data_known, struct rule_verdict *v);
/* "/syscalls/3", "defaultAction", "/syscalls/3|/syscalls/5|defaultAction" (candidates, with
 * "|+N" when more than listed), "none". Cut at `size` - 1 bytes. */
void rule_verdict_to_string(const struct rule_verdict *v, char *buf, size_t size);
