/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "dialect.h"
#include "names.h"

/* The profile model: one parser for the three JSON layouts (OCI LinuxSeccomp,
 * Docker-extended, legacy Docker with per-rule "name"). */

#define PROFILE_MAX_SIZE_DEFAULT (1024 * 1024)
#define PROFILE_MAX_DEPTH        32
#define PROFILE_MAX_RULES        10000
#define PROFILE_MAX_ERRNO        4095   /* the kernel clamps SECCOMP_RET_ERRNO data to MAX_ERRNO */
#define PROFILE_MAX_RET_DATA     0xffff /* what fits in SECCOMP_RET_DATA */
#define PROFILE_MAX_ARG_INDEX    6
#define PROFILE_DIGEST_MAX       sizeof("sha256:") + 64

struct profile_arg {
        unsigned index;
        uint64_t value;
        uint64_t value_two;
        enum op op;
        bool has_value_two;
};

struct profile_cond {
        char **caps;
        size_t n_caps;
        char **arches; /* moby-style names: amd64, arm64, x32 ... */
        size_t n_arches;
        bool has_min_kernel;
        unsigned kernel_major, kernel_minor;
        bool key_present; /* the key was written, even as {} or null */
};

struct profile_rule {
        char **names;
        size_t n_names;
        enum action action;
        bool has_errno;
        uint32_t errno_ret; /* containers/common's "errno" name wins over "errnoRet" */
        bool errno_from_name;
        bool has_errno_number; /* "errnoRet" as written, for consumers that ignore names */
        uint32_t errno_number;
        struct profile_arg *args;
        size_t n_args;
        struct profile_cond includes, excludes;
        char *comment;
        size_t index;     /* position in /syscalls */
        bool legacy_name; /* written as "name" */
        bool args_key_present;
};

struct profile_arch_map {
        const struct arch_info *arch;        /* borrowed from the static table */
        const struct arch_info **sub_arches; /* entries borrowed */
        size_t n_sub_arches;
};

struct profile {
        enum action default_action;
        bool has_default_errno;
        uint32_t default_errno;
        bool default_errno_from_name;
        bool has_default_errno_number;
        uint32_t default_errno_number;
        const struct arch_info **architectures; /* entries borrowed */
        size_t n_architectures;
        struct profile_arch_map *arch_map;
        size_t n_arch_map;
        bool has_arch_map;
        unsigned flags; /* 1 << enum filter_flag */
        char *listener_path;
        char *listener_metadata;
        struct profile_rule *rules;
        size_t n_rules;
        char *canonical; /* sorted keys, compact, exact integers: part of the blob key */
        char digest[PROFILE_DIGEST_MAX]; /* "sha256:<hex of the raw bytes>" */
};

struct profile_parse_options {
        enum dialect dialect;
        bool strict;     /* unknown syscalls are errors */
        size_t max_size; /* 0: PROFILE_MAX_SIZE_DEFAULT */
};

/* Parses and validates `size` bytes. Diagnostics (with line:column) are appended to `diags`.
 * Returns 0 and a new profile when there is no error, -EINVAL when the input has errors (see
 * `diags`), other -errno on failure. Warnings never fail. */
int profile_parse(const char *data, size_t size, const struct profile_parse_options *opts,
                  struct diag_list *diags, struct profile **ret);

/* Reads `path` (regular files only, capped at max_size) and parses it. -EFBIG is reported as
 * a diagnostic too. */
int profile_load_file(const char *path, const struct profile_parse_options *opts,
                      struct diag_list *diags, struct profile **ret);

struct profile *profile_free(struct profile *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct profile *, profile_free);

/* Total syscall names over all rules. */
size_t profile_count_names(const struct profile *p);
