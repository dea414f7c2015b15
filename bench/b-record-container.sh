# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 8 (issue 12): a container recorded through seccompd-oci (annotation
# seccompd.record: every call of the container is a notification answered by seccompd's
# recorder thread) against the same container through seccompd-oci with no seccomp profile
# and under Docker's default profile (seccompd's blob), interleaved in one run (sourced by
# run.sh).

# rc_start BUNDLE: ms of one start through seccompd-oci (crun run: create, start, wait, delete).
rc_start() {
        local t=$EPOCHREALTIME
        in_ns env SECCOMPD_OCI_RUNTIME="$CRUN" SECCOMPD_SOCKET="$T/rec.sock" \
                SECCOMPD_OCI_CONFIG="$T/oci.conf" "$BUILD/oci/seccompd-oci" \
                --root "$T/state" --cgroup-manager=disabled run -b "$1" "bench-rec-$$" \
                </dev/null >/dev/null 2>"$T/rc.err" ||
                fail "seccompd-oci run -b $1: $(tail -3 "$T/rc.err")"
        awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
}
rc_median() { # FILE of numbers
        sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                                 else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
rc_calls() {
        curl -s --unix-socket "$T/rec.sock" http://localhost/metrics |
                awk '/^seccompd_recorded_calls_total / { print $2 }'
}

# rc_workload TAG WHAT SCRIPT: one row group: the three variants of `sh -c SCRIPT`, interleaved.
rc_workload() {
        local tag=$1 what=$2 script=$3 reps i v
        reps=$(pick 15 5)
        for v in none base rec; do
                mkdir -p "$T/rc-$tag-$v"
                jq --arg s "$script" --arg v "$v" --arg name "kubernetes/recorded/$tag" '
                        .process.args = ["/bin/sh", "-c", $s]
                        | if $v == "base" then . else del(.linux.seccomp) end
                        | if $v == "rec" then .annotations["seccompd.record"] = $name else . end
                        ' "$T/b-json/config.json" >"$T/rc-$tag-$v/config.json"
                : >"$T/rc-$tag-$v.ms"
        done
        for v in none base rec rec; do rc_start "$T/rc-$tag-$v" >/dev/null; done # warm-up
        local n0 n1 cpu0 cpu1
        n0=$(rc_calls)
        cpu0=$(daemon_cpu_ms "$REC_PID")
        for i in $(seq "$reps"); do
                for v in none base rec; do rc_start "$T/rc-$tag-$v" >>"$T/rc-$tag-$v.ms"; done
        done
        cpu1=$(daemon_cpu_ms "$REC_PID")
        n1=$(rc_calls)
        [ -s "$T/rec-root/recorded/$tag.json" ] || fail "no recorded profile was written for $tag"
        local mn mb mr per
        mn=$(rc_median "$T/rc-$tag-none.ms")
        mb=$(rc_median "$T/rc-$tag-base.ms")
        mr=$(rc_median "$T/rc-$tag-rec.ms")
        per=$(((n1 - n0) / reps))
        md "| $what: no seccomp profile | $mn | 1.00 | |"
        md "| $what: Docker's default profile (blob) | $mb | $(ratio "$mb" "$mn") | |"
        md "| $what: recorded | $mr | **$(ratio "$mr" "$mn")** | $per calls; $(awk -v a="$mr" -v b="$mn" -v n="$per" 'BEGIN { if (n > 0) printf "%.1f", (a - b) * 1000 / n; else print "n/a" }') µs each; seccompd CPU $(awk -v a="$cpu0" -v b="$cpu1" -v r="$reps" 'BEGIN { printf "%.1f", (b - a) / r }') ms per recorded start |"
}

bench_record-container() {
        ensure_inputs
        mkdir -p "$T/rec-root" "$T/rec-cache"
        ln -sf busybox "$T/rootfs/bin/seq"
        ln -sf busybox "$T/rootfs/bin/dd"
        start_daemon rec --root "kubernetes=$T/rec-root:kubernetes-containerd:recursive" \
                --cache-dir "$T/rec-cache"
        REC_PID=$DPID
        md "## 8. A container recorded through seccompd-oci (issue 12)" ""
        md "A busybox bundle started $(pick 15 5) times per variant with \`seccompd-oci run\` (crun create," \
           "start, wait, delete), the variants interleaved: with no seccomp profile, under Docker's" \
           "default profile (seccompd's blob), and recorded (annotation \`seccompd.record\`: every call" \
           "of the container waits for seccompd's recorder thread to answer it; when the container" \
           "ends the profile is merged into the last run's and written). Two workloads: one that is" \
           "nothing but syscalls, and one that forks and execs. The daemon's CPU counts its" \
           "recorder thread and the watcher validating each rewritten profile." ""
        md "| variant | median ms | vs no profile | per recorded start |" "|---|---:|---:|---|"
        rc_workload dd "dd bs=1 count=20000 (40,000 calls)" \
                'dd if=/dev/zero of=/dev/null bs=1 count=20000 2>/dev/null'
        rc_workload forks "50 fork+exec of /bin/true" 'for i in $(seq 50); do /bin/true; done'
        md "" "- The per-call figure is (recorded − no profile) / calls, reservation and write included." \
           "- Reproduce: \`sudo bench/run.sh record-container\`." ""
        stop_daemon "$REC_PID"
}
