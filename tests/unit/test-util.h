/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "fileio.h"
#include "profile.h"
#include "resolve.h"

/* Helpers shared by the unit tests: corpus listing, building blobs, and running syscalls in
 * a forked child under a filter. */

/* Every *.json of the real-world corpus that is an OCI/Docker profile (not firecracker/),
 * sorted; paths are absolute. Returns the count; the vector is NULL-terminated. */
size_t test_corpus_list(char ***ret);
void test_strv_free(char **v);

/* Reads, parses (default dialect), resolves for `ctx` (NULL: x86_64, Docker's caps, kernel
 * 6.1 so results do not depend on the host) and compiles with `optimize`. Fails the test on
 * any error. */
struct test_build {
        struct profile *profile;
        struct resolved *resolved;
        struct blob *blob;
};
void test_build_file(const char *path, const struct context *ctx, int optimize,
                     struct test_build *ret);
void test_build_string(const char *json, const struct context *ctx, int optimize,
                       struct test_build *ret);
void test_build_done(struct test_build *b);
void test_context_x86_64(struct context *ret);

struct probe_result {
        bool killed;  /* died of SIGSYS */
        bool failed;  /* returned -1 */
        int err;      /* errno when failed */
        bool timeout; /* never reported back */
};

/* Runs syscall(nr, args...) in a forked child, after installing `blob` when it is not NULL,
 * and reports the outcome through shared memory (the filter may deny write and exit). */
int test_probe(const struct blob *blob, long nr, const uint64_t args[6], struct probe_result *ret);

/* Whether loading filters and making privileged calls can be proven here (root). */
bool test_is_root(void);

/* Simulates both blobs for every syscall libseccomp knows on `arch` under a fixed set of
 * argument patterns (namespace flags, socket families, personality values, masks, 32- and
 * 64-bit extremes) and fails the test on the first different verdict. Returns the number of
 * syscalls compared. */
unsigned test_blobs_agree(const char *label, const struct blob *a, const struct blob *b,
                          uint32_t arch);
