/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "fileio.h"
#include "profile.h"
#include "resolve.h"

/* Helpers shared by the unit tests: profile listing, building blobs, running syscalls in a
 * forked child under a filter, and the checks every profile of a set must pass. */

/* Every *.json under `dir` (recursively, not firecracker/ or lxc/: not OCI profiles), sorted,
 * appended to the NULL-terminated vector *v of *n paths. Returns the new count. */
size_t test_list_profiles(const char *dir, char ***v, size_t *n);
void test_strv_free(char **v);

/* The third-party corpus given as argv[1] by meson (option corpus_dir). When it is absent,
 * prints why and exits 77 (meson: SKIP), never pass, never fail. */
const char *test_corpus_dir(int argc, char **argv);

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

/* Runs the kernel probes (tests/unit/test-util.c) under `b` and compares each outcome with
 * the simulator's verdict: a denial fails with the profile's errno, an allowed call behaves
 * as it does unfiltered, KILL kills, TRACE and NOTIFY without a tracer or listener fail with
 * ENOSYS. Fails the test on a difference; returns how many probes hit a denial. */
unsigned test_prove_blob(const char *what, const struct blob *b);

/* The checks every profile of a set passes (the corpus, and tests/profiles with profiles/):
 * it validates without error and compiles for x86_64; its binary-tree blob and its linear
 * blob agree on every x86_64 (and x86, when covered) syscall under the argument patterns;
 * its OCI export compiles to the identical blob. */
void test_set_validates_and_compiles(char **files);
void test_set_optimized_agrees_with_linear(char **files);
void test_set_oci_export_compiles_to_same_blob(char **files);

/* Whether loading filters and making privileged calls can be proven here (root). */
bool test_is_root(void);

/* Simulates both blobs for every syscall libseccomp knows on `arch` under a fixed set of
 * argument patterns (namespace flags, socket families, personality values, masks, 32- and
 * 64-bit extremes) and fails the test on the first different verdict. Returns the number of
 * syscalls compared. */
unsigned test_blobs_agree(const char *label, const struct blob *a, const struct blob *b,
                          uint32_t arch);

/* A context for `arch` ("x86_64", ...), `caps` ("default", "all", "default,CAP_X") and
 * `kernel` ("6.1"); fails the test on a bad value. */
void test_context_for(struct context *c, const char *arch, const char *caps, const char *kernel);

/* Docker's conditions (unshare/clone with namespace flags need CAP_SYS_ADMIN, socket(AF_VSOCK)
 * and AF_ALG denied, personality(0xffffffff) allowed and personality(1) denied, mount and
 * reboot with their capabilities, clone3 ENOSYS...) on the profile at `path`: in the
 * simulator, and in the real kernel (root only: the caller skips otherwise). */
void test_docker_conditions_simulated(const char *path);
void test_docker_conditions_kernel(const char *path);
