# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark: container start under real Podman, through seccompd-oci and through crun alone
# (sourced by run.sh; the work is bench/podman-start.sh's, which can also run by itself).

bench_podman() {
        local rounds out rc=0
        rounds=$(pick 60 15)
        md "## Container start under Podman (\`bench/podman-start.sh\`)" ""
        out=$("$SRC/bench/podman-start.sh" "$SECCOMPD" "$BUILD/seccompctl" \
                "$BUILD/oci/seccompd-oci" "$rounds" 2>&1) || rc=$?
        if [ "$rc" = 77 ]; then
                md "Skipped: $(printf '%s\n' "$out" | tail -1)" ""
                return 0
        fi
        [ "$rc" = 0 ] || fail "podman-start.sh failed ($rc): $(printf '%s\n' "$out" | tail -5)"
        local crun oci none ratios
        crun=$(printf '%s\n' "$out" | sed -n 's/^crun  *//p')
        oci=$(printf '%s\n' "$out" | sed -n 's/^oci  *//p')
        none=$(printf '%s\n' "$out" | sed -n 's/^none  *//p')
        ratios=$(printf '%s\n' "$out" | grep '^oci/crun')
        md "\`podman run --rm\` of a busybox image running \`true\` with Docker's default profile," \
           "rootful, conmon, vfs storage, $rounds rounds after 2 warm-up rounds, the variants" \
           "interleaved. Podman writes a new bundle for every container, so no variant holds the" \
           "blob beforehand; \"no seccomp\" bounds the start from below." "" \
           "| variant | median, p10, p90 |" "|---|---|" \
           "| \`--runtime crun\` (crun compiles the profile) | $crun |" \
           "| \`--runtime seccompd\` (seccompd-oci, seccompd up) | $oci |" \
           "| \`--security-opt seccomp=unconfined\` (no seccomp) | $none |" "" \
           "- $ratios." \
           "- $(printf '%s\n' "$out" | grep '^# seccompd answered' | sed 's/^# //')." ""
}
