/* SPDX-License-Identifier: Apache-2.0 */
/* The real-world corpus: every profile validates, compiles, keeps its meaning through the
 * binary-tree optimisation and through an OCI export. */
#include <linux/seccomp.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bpf.h"
#include "export.h"
#include "test-util.h"

static void test_corpus_every_profile_validates_and_compiles(void **state)
{
        char **files = NULL;
        size_t n = test_corpus_list(&files);
        /* 46 files: 39 OCI/Docker JSON profiles, 3 Firecracker, 4 LXC. */
        assert_int_equal(n, 39);
        for (size_t i = 0; i < n; i++) {
                struct diag_list *diags = NULL;
                struct profile *p = NULL;
                assert_int_equal(diag_list_new(files[i], &diags), 0);
                int r = profile_load_file(files[i], NULL, diags, &p);
                if (r < 0 || diag_list_has_errors(diags)) {
                        diag_list_print(diags, stderr, DIAG_ERROR, false);
                        fail_msg("%s does not validate", files[i]);
                }
                profile_free(p);
                diag_list_free(diags);

                struct test_build b;
                test_build_file(files[i], NULL, -1, &b);
                assert_true(b.blob->n_insns > 0);
                assert_int_equal(bpf_validate(b.blob->insns, b.blob->n_insns), 0);
                test_build_done(&b);
        }
        test_strv_free(files);
}

static void test_corpus_optimized_blob_agrees_with_linear(void **state)
{
        char **files = NULL;
        size_t n = test_corpus_list(&files);
        for (size_t i = 0; i < n; i++) {
                struct test_build lin, tree;
                test_build_file(files[i], NULL, 0, &lin);
                test_build_file(files[i], NULL, 2, &tree);
                assert_int_equal(lin.blob->optimize, 0);
                assert_int_equal(tree.blob->optimize, compile_count_rules(tree.resolved) ? 2 : 0);
                /* Only rule-bearing profiles differ in shape. */
                if (compile_count_rules(tree.resolved) > 3)
                        assert_memory_not_equal(lin.blob->insns, tree.blob->insns,
                                                lin.blob->n_insns < tree.blob->n_insns
                                                        ? blob_size(lin.blob)
                                                        : blob_size(tree.blob));
                unsigned checked = test_blobs_agree(files[i], lin.blob, tree.blob,
                                                    SCMP_ARCH_X86_64);
                assert_true(checked > 300);
                /* The 32-bit sub-architecture when the profile covers it. */
                for (size_t k = 0; k < lin.resolved->n_arches; k++)
                        if (lin.resolved->arches[k]->token == SCMP_ARCH_X86)
                                test_blobs_agree(files[i], lin.blob, tree.blob, SCMP_ARCH_X86);
                test_build_done(&lin);
                test_build_done(&tree);
        }
        test_strv_free(files);
}

/* `seccompctl export --format oci` must mean the same as the original: compiled again, the
 * blob is byte for byte the one of the original profile. */
static void test_corpus_oci_export_compiles_to_same_blob(void **state)
{
        char **files = NULL;
        size_t n = test_corpus_list(&files);
        unsigned same = 0;
        for (size_t i = 0; i < n; i++) {
                struct test_build orig, again;
                char *oci = NULL;
                test_build_file(files[i], NULL, 0, &orig);
                assert_int_equal(export_oci(orig.resolved, &oci), 0);
                test_build_string(oci, NULL, 0, &again);
                assert_int_equal(again.profile->n_arch_map, 0);
                if (orig.blob->n_insns != again.blob->n_insns ||
                    memcmp(orig.blob->insns, again.blob->insns, blob_size(orig.blob)) != 0)
                        fail_msg("%s: exported OCI compiles to a different blob", files[i]);
                same++;
                free(oci);
                test_build_done(&orig);
                test_build_done(&again);
        }
        assert_int_equal(same, n);
        test_strv_free(files);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_corpus_every_profile_validates_and_compiles),
                cmocka_unit_test(test_corpus_optimized_blob_agrees_with_linear),
                cmocka_unit_test(test_corpus_oci_export_compiles_to_same_blob),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
