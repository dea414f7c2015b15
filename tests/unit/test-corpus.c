/* SPDX-License-Identifier: Apache-2.0 */
/* The third-party corpus (../shared/corpus, outside the repository; meson option corpus_dir):
 *   test-corpus DIR profiles  every profile but moby's example.json (invalid:
 *                             errnoRet 12345) validates, compiles, keeps its meaning through the
 *                             binary-tree optimisation and through an OCI export; Mesos's
 *                             profile is valid in the mesos dialect;
 *   test-corpus DIR kernel    18 corpus profiles proven against the kernel (root);
 *   test-corpus DIR moby      profiles/default.json means what moby's default means, and
 *                             moby's own file has Docker's conditions (simulator and kernel).
 * Without the corpus each prints why and exits 77 (meson: SKIP). The same checks on the
 * repository's own profiles run in test-quirks, test-kernel and test-profiles. */
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "bpf.h"
#include "config.h"
#include "test-util.h"

static const char *corpus;
static char moby[4096];
#define SHIPPED PROFILES_SOURCE_DIR "/default.json"

/* ---- profiles --------------------------------------------------------------------------- */

/* moby's parser fixture: errnoRet 12345, which libseccomp refuses, so runc (and crun) refuse
 * the profile and every dialect calls it invalid (test_corpus_moby_example_is_invalid). */
#define MOBY_EXAMPLE "moby/fixtures/example.json"

static char **corpus_files(void)
{
        char **files = NULL;
        size_t n = 0, kept = 0;
        test_list_profiles(corpus, &files, &n);
        /* 46 files: 39 OCI/Docker JSON profiles, 3 Firecracker, 4 LXC. */
        assert_int_equal(n, 39);
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(files[i]);
                if (len >= strlen(MOBY_EXAMPLE) &&
                    streq(files[i] + len - strlen(MOBY_EXAMPLE), MOBY_EXAMPLE))
                        free(files[i]);
                else
                        files[kept++] = files[i];
        }
        files[kept] = NULL;
        assert_int_equal(kept, 38);
        return files;
}

static void test_corpus_moby_example_is_invalid(void **state)
{
        static const enum dialect dialects[] = {DIALECT_DOCKER, DIALECT_CRIO,
                                                DIALECT_KUBERNETES_CONTAINERD, DIALECT_RUNC,
                                                DIALECT_CRUN};
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", corpus, MOBY_EXAMPLE);
        for (size_t i = 0; i < ELEMENTSOF(dialects); i++) {
                struct profile_parse_options o = {.dialect = dialects[i]};
                struct diag_list *d;
                struct profile *p = NULL;
                assert_int_equal(diag_list_new(MOBY_EXAMPLE, &d), 0);
                assert_int_equal(profile_load_file(path, &o, d, &p), -EINVAL);
                assert_non_null(diag_list_find(d, DIAG_ERROR, "/syscalls/3/errnoRet",
                                               "errno 12345 is not below 4095"));
                diag_list_free(d);
        }
}

static void test_corpus_every_profile_validates_and_compiles(void **state)
{
        char **files = corpus_files();
        test_set_validates_and_compiles(files);
        test_strv_free(files);
}

static void test_corpus_optimized_blob_agrees_with_linear(void **state)
{
        char **files = corpus_files();
        test_set_optimized_agrees_with_linear(files);
        test_strv_free(files);
}

static void test_corpus_oci_export_compiles_to_same_blob(void **state)
{
        char **files = corpus_files();
        test_set_oci_export_compiles_to_same_blob(files);
        test_strv_free(files);
}

static void test_corpus_mesos_profile_in_mesos_dialect(void **state)
{
        struct profile_parse_options o = {.dialect = DIALECT_MESOS};
        struct diag_list *d;
        struct profile *p = NULL;
        char path[4096];
        snprintf(path, sizeof(path), "%s/mesos/seccomp_default.json", corpus);
        assert_int_equal(diag_list_new("mesos", &d), 0);
        assert_int_equal(profile_load_file(path, &o, d, &p), 0);
        assert_false(diag_list_has_errors(d));
        profile_free(p);
        diag_list_free(d);
}

/* ---- kernel ------------------------------------------------------------------------------ */

static const char *const proven_corpus[] = {
        "moby/default.json",
        "moby/default-moby-moby-pre-split.json",
        "moby/fixtures/default-old-format.json",
        "containers-common/seccomp.json",
        "mesos/seccomp_default.json",
        "isulad/seccomp_default.json",
        "apptainer/default.json",
        "youki/default_x86_64.json",
        "titus/image-building.json",
        "jessfraz/chrome.json",
        "docker-labs/default.json",
        "docker-labs/deny.json",
        "runc/seccomp_syscall_test1.json",
        "runc/seccomp_syscall_test2.json",
        "kubernetes-website/fine-grained.json",
        "kubernetes-website/audit.json",
        "apptainer/e2e-seccomp-profile.json",
        "spo/security-profiles-operator.json",
};

static void test_kernel_corpus_profiles_match_simulator(void **state)
{
        unsigned total_denied = 0;
        for (size_t i = 0; i < ELEMENTSOF(proven_corpus); i++) {
                char path[4096];
                struct test_build b;
                snprintf(path, sizeof(path), "%s/%s", corpus, proven_corpus[i]);
                for (int opt = 0; opt <= 2; opt += 2) {
                        test_build_file(path, NULL, opt, &b);
                        total_denied += test_prove_blob(proven_corpus[i], b.blob);
                        test_build_done(&b);
                }
        }
        /* The probes must hit denials, or the comparison proves nothing. */
        assert_true(total_denied > 100);
}

/* ---- moby's default and ours -------------------------------------------------------------- */

static void test_profiles_default_means_mobys_default(void **state)
{
        static const char *const arches[] = {"x86_64", "aarch64"};
        static const char *const caps[] = {"default", "all", "none", "default,CAP_SYS_ADMIN",
                                           "default,CAP_SYS_PTRACE,CAP_SYS_NICE"};
        static const char *const kernels[] = {"6.1", "4.4"};
        unsigned compared = 0;

        for (size_t a = 0; a < ELEMENTSOF(arches); a++)
                for (size_t c = 0; c < ELEMENTSOF(caps); c++)
                        for (size_t k = 0; k < ELEMENTSOF(kernels); k++) {
                                struct context ctx;
                                struct test_build mb, ours;
                                char label[128];
                                test_context_for(&ctx, arches[a], caps[c], kernels[k]);
                                test_build_file(moby, &ctx, 0, &mb);
                                test_build_file(SHIPPED, &ctx, 0, &ours);
                                assert_int_equal(mb.resolved->n_arches, ours.resolved->n_arches);
                                for (size_t i = 0; i < mb.resolved->n_arches; i++) {
                                        snprintf(label, sizeof(label), "%s caps=%s kernel=%s",
                                                 mb.resolved->arches[i]->short_name, caps[c],
                                                 kernels[k]);
                                        assert_ptr_equal(mb.resolved->arches[i],
                                                         ours.resolved->arches[i]);
                                        compared += test_blobs_agree(label, mb.blob, ours.blob,
                                                                     mb.resolved->arches[i]->token);
                                }
                                test_build_done(&mb);
                                test_build_done(&ours);
                        }
        /* (x86_64 + x86 + x32 and aarch64 + arm) x 5 cap sets x 2 kernels, each arch with
         * hundreds of syscalls. */
        assert_true(compared > 5 * 5 * 2 * 250);
}

/* moby's conditions, on moby's own file (test-profiles checks them on ours). */
static void test_profiles_docker_conditions_moby(void **state)
{
        test_docker_conditions_simulated(moby);
}

/* The same conditions in the real kernel, on moby's file. */
static void test_profiles_docker_conditions_moby_kernel(void **state)
{
        if (!test_is_root())
                skip();
        test_docker_conditions_kernel(moby);
}

int main(int argc, char **argv)
{
        const struct CMUnitTest profiles[] = {
                cmocka_unit_test(test_corpus_every_profile_validates_and_compiles),
                cmocka_unit_test(test_corpus_optimized_blob_agrees_with_linear),
                cmocka_unit_test(test_corpus_oci_export_compiles_to_same_blob),
                cmocka_unit_test(test_corpus_mesos_profile_in_mesos_dialect),
                cmocka_unit_test(test_corpus_moby_example_is_invalid),
        };
        const struct CMUnitTest kernel[] = {
                cmocka_unit_test(test_kernel_corpus_profiles_match_simulator),
        };
        const struct CMUnitTest mobys[] = {
                cmocka_unit_test(test_profiles_default_means_mobys_default),
                cmocka_unit_test(test_profiles_docker_conditions_moby),
                cmocka_unit_test(test_profiles_docker_conditions_moby_kernel),
        };
        const char *group = argc > 2 ? argv[2] : "";

        corpus = test_corpus_dir(argc, argv);
        snprintf(moby, sizeof(moby), "%s/moby/default.json", corpus);
        if (streq(group, "profiles"))
                return cmocka_run_group_tests_name("corpus-profiles", profiles, NULL, NULL);
        if (streq(group, "kernel")) {
                if (!test_is_root()) {
                        printf("SKIP: proving filters in the kernel needs root\n");
                        return 77;
                }
                return cmocka_run_group_tests_name("corpus-kernel", kernel, NULL, NULL);
        }
        if (streq(group, "moby"))
                return cmocka_run_group_tests_name("corpus-moby", mobys, NULL, NULL);
        fprintf(stderr, "usage: test-corpus CORPUS-DIR profiles|kernel|moby\n");
        return 2;
}
