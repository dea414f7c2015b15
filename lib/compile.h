/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "resolve.h"

/* 2: the native arch is kept beside "architectures" (issue 10): blobs of format 1 differ. */
#define CACHE_FORMAT_VERSION 2
/* runc enables the binary tree above this many rules. */
#define COMPILE_OPTIMIZE_THRESHOLD 32

struct compile_options {
        int optimize; /* -1: automatic (binary tree above 32 rules), 0: linear, 2: binary tree */
};

struct blob {
        struct sock_filter *insns; /* raw, in the byte order of the target: what seccomp(2)
                                    * and crun take on that node */
        bool foreign_byte_order;   /* built for an arch whose byte order differs from ours:
                                    * serve it, but do not load or simulate it here */
        size_t n_insns;
        int optimize;              /* the level actually used */
        unsigned flags;            /* the profile's SECCOMP_FILTER_FLAG_* (1 << filter_flag) */
        size_t n_rules;            /* libseccomp rules added */
        size_t n_skipped_names;    /* unknown syscalls skipped */
        char key[SHA256_HEX_SIZE]; /* blob key (DESIGN §5) */
};

static inline size_t blob_size(const struct blob *b)
{
        return b->n_insns * sizeof(struct sock_filter);
}

/* libseccomp's work grows faster than linearly with names and argument comparisons, and
 * cannot be interrupted (one rule of 60,000 repeated names: 37 s; 200 rules of six
 * comparisons on one syscall for three arches: over 20 s). A profile within these bounds is
 * "small": every profile of the third-party corpus is (at most 479 names, 12 comparisons), and
 * the slowest small shape found compiles in 0.08 s. The daemon compiles the others in a child
 * process under a deadline (daemon/compile-guard.h). */
#define COMPILE_SMALL_MAX_NAMES      1024
#define COMPILE_SMALL_MAX_CONDITIONS 64
/* Names, and argument comparisons (names x args), over the rules of `r`. */
void compile_work(const struct resolved *r, size_t *ret_names, size_t *ret_conditions);
bool compile_is_small(const struct resolved *r);

/* The libseccomp rules a resolved profile makes: one per known syscall name of each rule. */
size_t compile_count_rules(const struct resolved *r);

/* Effective optimisation level for `n_rules` libseccomp rules (runc's threshold). libseccomp 2.5.x
 * builds a broken binary tree for a filter without rules, so that case always stays linear. */
int compile_optimize_level(const struct compile_options *o, size_t n_rules);

/* Compiles `r` with libseccomp into raw BPF (exported through a memfd: 2.5.4 has no
 * seccomp_export_bpf_mem). Problems libseccomp reports are errors in `diags` and return
 * -EINVAL; other -errno on failure. */
int compile_resolved(const struct resolved *r, const struct compile_options *o,
                     struct diag_list *diags, struct blob **ret);
/* The same filter as libseccomp's pseudo filter code (text, NUL-terminated). */
int compile_pfc(const struct resolved *r, const struct compile_options *o, struct diag_list *diags,
                char **ret);

/* The blob key: SHA-256 over a length-prefixed encoding of the cache format version,
 * libseccomp's runtime version, the options, the context and the canonical profile. */
int compile_blob_key(const struct resolved *r, const struct compile_options *o,
                     char ret[SHA256_HEX_SIZE]);

struct blob *blob_free(struct blob *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct blob *, blob_free);
/* Takes a copy of `size` bytes of raw BPF (a multiple of 8). */
int blob_from_bytes(const void *data, size_t size, struct blob **ret);

/* Installs the blob in the calling thread (seccomp(SECCOMP_SET_MODE_FILTER)), setting
 * no_new_privs first so that no privilege is needed. -EPROTOTYPE for a foreign byte order. */
int blob_install(const struct blob *b);
