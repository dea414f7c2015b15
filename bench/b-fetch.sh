# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 2: blob fetch over the socket vs compiling in-process (sourced by run.sh).

bench_fetch() {
        ensure_inputs
        local secs levels="1 2 8 32" cores
        secs=$(pick 3 1)
        cores=$(nproc)
        local -A d e
        local n k ks=""
        # The baseline: the engine compiling the file the daemon serves, on as many threads as
        # there are clients, up to one per core (the most an in-process compile can use).
        for n in $levels; do
                k=$((n < cores ? n : cores))
                case " $ks " in *" $k "*) ;; *) ks="$ks $k" ;; esac
        done
        for k in $ks; do
                e[$k]=$(must "$BIN/bench-fetch" engine "$T/profiles/default.json" "$k" "$secs")
        done
        local -A dcpu
        local c0 c1
        for n in $levels; do
                c0=$(daemon_cpu_ms "$MAIN_PID")
                d[$n]=$(must "$BIN/bench-fetch" daemon "$T/main.sock" runtime/default "$n" "$secs")
                c1=$(daemon_cpu_ms "$MAIN_PID")
                dcpu[$n]=$(awk -v a="$c0" -v b="$c1" -v n="$(kv "${d[$n]}" ops)" \
                        'BEGIN { printf "%.0f", (b - a) * 1000 / n }')
        done

        local bytes
        bytes=$(curl -sf --unix-socket "$T/main.sock" http://localhost/v1/bpf/runtime/default | wc -c)
        md "## 2. Blob fetch over the socket vs compiling in-process" ""
        md "Each client is a thread with its own libseccompd handle fetching \`GET /v1/bpf/runtime/default\`" \
           "(profiles/default.json: Docker's semantics, $((bytes / 8)) instructions, $bytes bytes) in a loop for $secs s; the baseline is the" \
           "same file compiled in-process with the engine (parse, resolve, compile) by 1 and by $cores" \
           "threads. Clients and daemon share the machine's $cores CPUs." ""
        md "| clients | blobs/s | p50 µs | p99 µs | daemon CPU µs per blob | blobs/s vs in-process compile | p50 vs one compile |" \
           "|---:|---:|---:|---:|---:|---:|---:|"
        local e1_p50 base
        e1_p50=$(kv "${e[1]}" p50_us)
        for n in $levels; do
                base=${e[$((n < cores ? n : cores))]}
                md "| $n | $(kv "${d[$n]}" ops_per_s) | $(kv "${d[$n]}" p50_us) | $(kv "${d[$n]}" p99_us) | ${dcpu[$n]} | $(ratio "$(kv "${d[$n]}" ops_per_s)" "$(kv "$base" ops_per_s)") | $(ratio "$(kv "${d[$n]}" p50_us)" "$e1_p50") |"
        done
        for k in $ks; do
                md "| in-process compile, $k thread(s) | $(kv "${e[$k]}" ops_per_s) | $(kv "${e[$k]}" p50_us) | $(kv "${e[$k]}" p99_us) | | 1 | $(ratio "$(kv "${e[$k]}" p50_us)" "$e1_p50") |"
        done
        md "" "Daemon CPU per blob: seccompd's user + system time over the run divided by the blobs served" \
           "(a tick is 10 ms, so it is coarse for short runs)." \
           "Throughput ratios compare with the in-process compile on min(clients, $cores) threads." \
           "Reproduce: \`sudo bench/run.sh fetch\`." ""
}
