# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 5: filter quality, seccompd's blob vs crun's, same profile (sourced by run.sh).

bench_filter() {
        ensure_inputs
        ensure_crun_blob
        local calls reps out
        calls=$(pick 1000000 200000)
        reps=$(pick 7 3)
        out=$(must "$BIN/bench-filter" "$calls" "$reps" seccompd="$T/seccompd.bpf" \
                crun="$T/crun.bpf" none)
        local s c n
        s=$(printf '%s\n' "$out" | grep '^seccompd ')
        c=$(printf '%s\n' "$out" | grep '^crun ')
        n=$(printf '%s\n' "$out" | grep '^none ')
        # The CLI's view of the same profile, as a cross-check of the table.
        local st_tree st_lin
        st_tree=$("$BUILD/seccompctl" -q --json stats "$T/moby.json")
        st_lin=$("$BUILD/seccompctl" -q --json --optimize 0 stats "$T/moby.json")

        md "## 5. Filter quality: seccompd's blob vs crun's, same profile" ""
        md "Docker's default profile exported to OCI (x86_64 + x86 + x32). *seccompd*: the blob" \
           "seccompd hands to crun (POST /v1/compile, binary tree); *crun*: the blob crun 1.8.1 builds" \
           "from the same bundle (taken from its state directory after \`crun create\`; libseccomp," \
           "no optimisation attribute, so linear). Paths are instructions executed, simulated over the" \
           "$(kv "$s" syscalls) syscalls libseccomp knows on x86_64 under 5 argument patterns;" \
           "*cacheable* counts allowed syscalls whose verdict does not depend on arguments, which" \
           "the kernel's seccomp action cache (5.11+) answers without running the filter." \
           "ns per call: the median of $reps forked children each making $calls calls through" \
           "\`syscall(2)\` with the filter loaded (SECCOMP_FILTER_FLAG_SPEC_ALLOW, as crun does)." ""
        md "| blob | instructions | max path | mean path | allowed | cacheable | getppid path | personality(0xffffffff) path | getppid ns | personality ns |" \
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        filter_row seccompd "$s"
        filter_row crun "$c"
        md "| no filter | | | | | | | | $(kv "$n" getppid_ns) | $(kv "$n" personality_ns) |"
        local sp cp np
        sp=$(kv "$s" personality_ns)
        cp=$(kv "$c" personality_ns)
        np=$(kv "$n" personality_ns)
        md "" "- mean path seccompd/crun = **$(ratio "$(kv "$s" mean_path)" "$(kv "$c" mean_path)")**, max path = **$(ratio "$(kv "$s" max_path)" "$(kv "$c" max_path)")**; cacheable share of allowed: seccompd $(kv "$s" cacheable)/$(kv "$s" allowed), crun $(kv "$c" cacheable)/$(kv "$c" allowed)." \
           "- personality(0xffffffff), which the filter must run for: seccompd $(ratio "$sp" "$np")× and crun $(ratio "$cp" "$np")× the unfiltered call; the filter's own cost seccompd/crun = **$(awk -v s="$sp" -v c="$cp" -v n="$np" 'BEGIN { if (c - n <= 0) print "n/a"; else printf "%.2f", (s - n) / (c - n) }')** ((filtered − unfiltered) ns)." \
           "- getppid (cacheable in both): seccompd $(ratio "$(kv "$s" getppid_ns)" "$(kv "$n" getppid_ns)")×, crun $(ratio "$(kv "$c" getppid_ns)" "$(kv "$n" getppid_ns)")× the unfiltered call." \
           "- \`seccompctl stats\` of the exported profile: tree $(echo "$st_tree" | jq -r '"\(.instructions) instructions, max \(.max_path), mean \(.mean_path * 10 | round / 10)"'); \`--optimize 0\` $(echo "$st_lin" | jq -r '"\(.instructions) instructions, max \(.max_path), mean \(.mean_path * 10 | round / 10)"')." \
           "- Reproduce: \`sudo bench/run.sh filter\`." ""
}

filter_row() { # LABEL LINE
        md "| $1 | $(kv "$2" insns) | $(kv "$2" max_path) | $(kv "$2" mean_path) | $(kv "$2" allowed) | $(kv "$2" cacheable) | $(kv "$2" getppid_path) | $(kv "$2" personality_path) | $(kv "$2" getppid_ns) | $(kv "$2" personality_ns) |"
}
