/* SPDX-License-Identifier: Apache-2.0 */
/* The shipped profiles: default.json has Docker's conditions, in the simulator and the
 * kernel; audit.json logs everything. That default.json means what moby's own file means, on
 * every syscall of x86_64 and aarch64 with their 32-bit sub-architectures, for every
 * capability set and kernel, is checked against the third-party corpus by corpus-moby. */
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <seccomp.h>
#include <setjmp.h>
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

#define SHIPPED PROFILES_SOURCE_DIR "/default.json"

static void test_profiles_audit_logs_everything(void **state)
{
        struct test_build b;
        test_build_file(PROFILES_SOURCE_DIR "/audit.json", NULL, -1, &b);
        for (int nr = 0; nr < 450; nr++) {
                struct bpf_sim_input in = {.nr = (uint32_t)nr, .arch = SCMP_ARCH_X86_64};
                struct bpf_sim_result r;
                assert_int_equal(bpf_sim_run(b.blob->insns, b.blob->n_insns, &in, &r), 0);
                assert_int_equal(r.ret, SECCOMP_RET_LOG);
        }
        test_build_done(&b);
}

static void test_profiles_docker_conditions_shipped(void **state)
{
        test_docker_conditions_simulated(SHIPPED);
}

/* The same conditions in the real kernel (test-util.c). */
static void test_profiles_docker_conditions_kernel(void **state)
{
        if (!test_is_root())
                skip();
        test_docker_conditions_kernel(SHIPPED);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_profiles_audit_logs_everything),
                cmocka_unit_test(test_profiles_docker_conditions_shipped),
                cmocka_unit_test(test_profiles_docker_conditions_kernel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
