/* SPDX-License-Identifier: Apache-2.0 */

/*
 * libFuzzer harness for the path from profile to BPF: profile_parse(), profile_resolve() for a
 * context varied by the input, compile_resolved() (linear or binary tree), then the BPF tools
 * on the blob (bpf_validate, bpf_sim_run, bpf_disasm, optionally bpf_stats_compute) and both
 * exporters. Beyond crashes, leaks and UB it checks:
 *   - libseccomp's output passes bpf_validate() and simulates without error;
 *   - every simulated verdict is the default action, the action of some resolved rule, or
 *     KILL_THREAD (libseccomp's action for a foreign architecture);
 *   - export_oci() round-trips: its output parses, resolves for the same context and compiles
 *     to the same instructions;
 *   - export_lxc() either writes the policy or explains in an error diagnostic why not.
 *
 * Control bytes (see fuzz-util.h), each optional:
 *   c0: dialect = c0 % _DIALECT_MAX, strict = (c0 / _DIALECT_MAX) & 1
 *   c1: bit 0 optimize 2 (else 0), bits 1-2 capabilities, bits 3-4 kernel, bits 5-7 arch
 *   c2: bit 0 bpf_stats_compute(), bit 1 compile_pfc()
 */

#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>

#include "bpf.h"
#include "compile.h"
#include "export.h"
#include "fuzz-util.h"
#include "profile.h"
#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct knobs {
        struct profile_parse_options opts;
        struct compile_options copts;
        bool stats, pfc;
};

static const char *const caps_variants[] = {NULL, "none", "all", "+CAP_SYS_ADMIN,CAP_BPF"};
static const char *const kernel_variants[] = {NULL, "3.10", "5.8", "6.9.0-rc1"};
/* The native arch, others libseccomp builds (with and without archMap entries in the
 * corpus), and one it cannot build (token 0: an error diagnostic, not a crash). */
static const char *const arch_variants[] = {
        NULL, "x86", "x32", "arm64", "s390x", "mipsel64n32", "riscv64", "loong64",
};

static int context_from_knob(uint8_t c, struct context *ret)
{
        struct context ctx;
        int r = context_default(&ctx);
        if (r < 0)
                return r;
        const char *caps = caps_variants[(c >> 1) & 3];
        const char *kernel = kernel_variants[(c >> 3) & 3];
        const char *arch = arch_variants[(c >> 5) & 7];
        const char *bad = NULL;
        if (caps && (r = context_set_caps(&ctx, caps, &bad)) < 0)
                return r;
        if (kernel && (r = context_set_kernel(&ctx, kernel)) < 0)
                return r;
        if (arch && (r = context_set_arch(&ctx, arch)) < 0)
                return r;
        *ret = ctx;
        return 0;
}

static uint32_t expected_ret(enum action a, uint32_t data)
{
        /* compile.c compiles ERRNO >= 4095 with a stand-in and patches it to 4095. */
        if (a == ACTION_ERRNO && data >= PROFILE_MAX_ERRNO)
                data = PROFILE_MAX_ERRNO;
        return action_to_scmp(a, data);
}

static bool verdict_possible(const struct resolved *r, uint32_t ret)
{
        if (ret == SCMP_ACT_KILL_THREAD || ret == expected_ret(r->default_action, r->default_data))
                return true;
        for (size_t i = 0; i < r->n_rules; i++)
                if (ret == expected_ret(r->rules[i].action, r->rules[i].data))
                        return true;
        return false;
}

static void sim_one(const struct resolved *r, const struct blob *b, uint32_t arch, uint32_t nr,
                    const uint64_t args[6])
{
        struct bpf_sim_input in = {.nr = nr, .arch = arch, .ip = 0x7f0000001000};
        struct bpf_sim_result res;
        char buf[8];

        memcpy(in.args, args, sizeof(in.args));
        int k = bpf_sim_run(b->insns, b->n_insns, &in, &res);
        fuzz_check(k == 0, "bpf_sim_run(arch 0x%x, nr %u) = %d on a libseccomp blob", arch, nr, k);
        fuzz_check(res.steps >= 1 && res.steps <= b->n_insns, "%u steps in %zu instructions",
                   res.steps, b->n_insns);
        int need = bpf_action_format(res.ret, NULL, 0);
        int got = bpf_action_format(res.ret, buf, sizeof(buf));
        size_t want = (size_t)need < sizeof(buf) ? (size_t)need : sizeof(buf) - 1;
        fuzz_check(need > 0 && got == need && strlen(buf) == want,
                   "bpf_action_format(0x%08x): %d, %d, \"%s\"", res.ret, need, got, buf);
        fuzz_check(verdict_possible(r, res.ret),
                   "arch 0x%x nr %u: verdict 0x%08x is neither the default nor any rule's", arch,
                   nr, res.ret);
}

static void simulate(const struct resolved *r, const struct blob *b)
{
        static const uint64_t zero[6] = {0};
        static const uint64_t ones[6] = {UINT64_MAX, UINT64_MAX, UINT64_MAX,
                                         UINT64_MAX, UINT64_MAX, UINT64_MAX};

        fuzz_check(b->n_insns >= 1 && b->n_insns <= BPF_MAXINSNS, "%zu instructions", b->n_insns);
        if (b->foreign_byte_order)
                return; /* big-endian targets: served as is, never simulated here */
        int k = bpf_validate(b->insns, b->n_insns);
        fuzz_check(k == 0, "bpf_validate() rejects libseccomp's program: %d", k);
        fuzz_check(bpf_disasm(b->insns, b->n_insns, fuzz_devnull()) == 0, "bpf_disasm failed");

        /* An architecture no filter names, then each one the filter was built for. */
        sim_one(r, b, 0x40001234, 0, zero);
        for (size_t a = 0; a < r->n_arches && a < 4; a++) {
                uint32_t token = r->arches[a]->token;
                sim_one(r, b, token, 0, zero);
                sim_one(r, b, token, 1023, ones);
                for (size_t i = 0; i < r->n_rules && i < 8; i++) {
                        const struct resolved_rule *rule = &r->rules[i];
                        if (rule->n_names == 0)
                                continue;
                        int nr = seccomp_syscall_resolve_name_arch(token, rule->names[0]);
                        if (nr < 0)
                                continue;
                        uint64_t eq[6] = {0}, above[6] = {0};
                        for (size_t j = 0; j < rule->n_args; j++) {
                                eq[rule->args[j].index] = rule->args[j].value;
                                above[rule->args[j].index] = rule->args[j].value + 1;
                        }
                        sim_one(r, b, token, (uint32_t)nr, zero);
                        sim_one(r, b, token, (uint32_t)nr, ones);
                        sim_one(r, b, token, (uint32_t)nr, eq);
                        sim_one(r, b, token, (uint32_t)nr, above);
                        (void)resolved_find_rule(r, rule->names[0], eq, rule->action, rule->data);
                }
        }
}

/* export_oci() -> parse -> resolve -> compile must give back the same instructions. */
static void check_oci_roundtrip(const struct resolved *r, const struct compile_options *copts,
                                const struct blob *b)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *r2 = NULL;
        _cleanup_(blob_freep) struct blob *b2 = NULL;
        _cleanup_free_ char *oci = NULL;
        /* The export is plain OCI for containerd, runc and Docker, not for Mesos (which
         * refuses defaultErrnoRet, for one): read it as runc would. */
        struct profile_parse_options o = {.dialect = DIALECT_RUNC};

        int k = export_oci(r, &oci);
        if (k == -ENOMEM)
                return;
        fuzz_check(k == 0 && oci, "export_oci = %d", k);
        if (diag_list_new("oci-export", &diags) < 0)
                return;
        k = profile_parse(oci, strlen(oci), &o, diags, &p);
        if (k == -ENOMEM)
                return;
        if (k < 0)
                diag_list_print(diags, stderr, DIAG_ERROR, false);
        fuzz_check(k == 0, "export_oci output does not parse (%s):\n%s", strerror(-k), oci);
        k = profile_resolve(p, &r->context, &r2);
        if (k == -ENOMEM)
                return;
        fuzz_check(k == 0, "the exported profile does not resolve: %d", k);
        fuzz_check(r2->n_rules == r->n_rules && r2->n_arches == r->n_arches &&
                           r2->default_action == r->default_action &&
                           r2->default_data == r->default_data,
                   "export changes the resolved profile: %zu/%zu rules, %zu/%zu arches", r->n_rules,
                   r2->n_rules, r->n_arches, r2->n_arches);
        k = compile_resolved(r2, copts, diags, &b2);
        if (k == -ENOMEM)
                return;
        if (k < 0)
                diag_list_print(diags, stderr, DIAG_ERROR, false);
        fuzz_check(k == 0, "the exported profile does not compile: %s:\n%s", strerror(-k), oci);
        fuzz_check(b2->n_insns == b->n_insns && memcmp(b2->insns, b->insns, blob_size(b)) == 0,
                   "the exported profile compiles differently (%zu vs %zu instructions):\n%s",
                   b->n_insns, b2->n_insns, oci);
}

static void check_lxc(const struct resolved *r)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_free_ char *lxc = NULL;

        if (diag_list_new("lxc-export", &diags) < 0)
                return;
        int k = export_lxc(r, diags, &lxc);
        if (k == -ENOMEM)
                return;
        if (k == 0) {
                fuzz_check(lxc && strncmp(lxc, "2\n", 2) == 0, "LXC policy does not start with 2");
                fuzz_check(!diag_list_has_errors(diags), "export_lxc succeeded with errors");
        } else
                fuzz_check(k == -EOPNOTSUPP && diag_list_has_errors(diags),
                           "export_lxc = %d without an error diagnostic", k);
        fuzz_check(k < 0 || lxc, "no output");
        fuzz_check(k == 0 || !lxc, "output written on failure");
        fuzz_exercise_diags(diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(diag_list_freep) struct diag_list *diags = NULL;
        _cleanup_(profile_freep) struct profile *p = NULL;
        _cleanup_(resolved_freep) struct resolved *r = NULL;
        _cleanup_(blob_freep) struct blob *b = NULL;
        struct knobs kn = {.opts.dialect = DIALECT_DEFAULT};
        struct context ctx;
        uint8_t ctl[3] = {0};
        int k;

        size_t n_ctl = fuzz_take_control(&data, &size, ctl, 3);
        if (n_ctl > 0) {
                kn.opts.dialect = (enum dialect)(ctl[0] % _DIALECT_MAX);
                kn.opts.strict = (ctl[0] / _DIALECT_MAX) & 1;
        }
        kn.copts.optimize = ctl[1] & 1 ? 2 : 0;
        kn.stats = ctl[2] & 1;
        kn.pfc = ctl[2] & 2;

        if (diag_list_new("fuzz.json", &diags) < 0)
                return 0;
        k = profile_parse((const char *)data, size, &kn.opts, diags, &p);
        if (k < 0)
                return 0; /* fuzz-parse checks this part */

        k = context_from_knob(ctl[1], &ctx);
        fuzz_check(k == 0, "context: %d", k);
        k = profile_resolve(p, &ctx, &r);
        if (k == -ENOMEM)
                return 0;
        fuzz_check(k == 0 && r, "profile_resolve = %d", k);
        fuzz_check(r->n_arches >= 1 && r->n_arches <= 32, "%zu arches", r->n_arches);
        fuzz_check(r->n_dropped + r->n_skipped <= p->n_rules, "dropped %zu skipped %zu of %zu",
                   r->n_dropped, r->n_skipped, p->n_rules);

        check_lxc(r);

        if (kn.pfc) {
                _cleanup_(diag_list_freep) struct diag_list *pd = NULL;
                _cleanup_free_ char *pfc = NULL;
                if (diag_list_new("pfc", &pd) < 0)
                        return 0;
                k = compile_pfc(r, &kn.copts, pd, &pfc);
                fuzz_check(k == 0 || k == -EINVAL || k == -ENOMEM, "compile_pfc = %d", k);
                fuzz_check(k != -EINVAL || diag_list_has_errors(pd), "-EINVAL without an error");
        }

        /* libseccomp's own time is unbounded beyond this (compile.h); the daemon compiles such
         * profiles in a child process under a deadline (fault-compile-deadline). */
        if (!compile_is_small(r))
                return 0;
        k = compile_resolved(r, &kn.copts, diags, &b);
        if (k == -ENOMEM)
                return 0;
        fuzz_exercise_diags(diags);
        if (k == -EINVAL) {
                fuzz_check(diag_list_has_errors(diags), "compile -EINVAL without an error");
                return 0;
        }
        fuzz_check(k == 0 && b, "compile_resolved = %d (%s)", k, strerror(-k));
        fuzz_check(b->optimize == compile_optimize_level(&kn.copts, compile_count_rules(r)),
                   "optimize %d", b->optimize);
        fuzz_check(strlen(b->key) == SHA256_HEX_SIZE - 1, "key \"%s\"", b->key);

        simulate(r, b);
        if (kn.stats) {
                struct bpf_stats st;
                k = bpf_stats_compute(b->insns, b->n_insns, r->arches[0]->token, &st);
                fuzz_check(k == 0 || k == -EINVAL, "bpf_stats_compute = %d", k);
                if (k == 0)
                        fuzz_check(st.insns == b->n_insns && st.allowed <= st.syscalls &&
                                           st.cacheable <= st.allowed && st.max_path <= b->n_insns,
                                   "stats: insns %zu syscalls %u allowed %u cacheable %u "
                                   "max_path %u",
                                   st.insns, st.syscalls, st.allowed, st.cacheable, st.max_path);
        }
        check_oci_roundtrip(r, &kn.copts, b);
        return 0;
}
