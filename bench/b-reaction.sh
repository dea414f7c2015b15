# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 4: a profile file written → its new digest and blob served, with 1,000 profiles
# present, against the same with a root holding that one file only (sourced by run.sh).

bench_reaction() {
        local changes
        changes=$(pick 50 15)
        [ -d "$T/roots/r1000" ] || "$SRC/bench/gen-profiles.sh" "$T/roots/r1000" 1000
        mkdir -p "$T/roots/r1"

        local big_rename big_write small_rename
        start_daemon react1000 --root "k=$T/roots/r1000:kubernetes-containerd" \
                --cache-dir "$T/cache-react1000"
        local pid=$DPID
        big_rename=$(must "$BIN/bench-react" "$T/react1000.sock" "$T/roots/r1000" k bench-react.json \
                "$changes" rename)
        big_write=$(must "$BIN/bench-react" "$T/react1000.sock" "$T/roots/r1000" k bench-react.json \
                "$changes" write)
        stop_daemon "$pid"
        start_daemon react1 --root "k=$T/roots/r1:kubernetes-containerd" --cache-dir "$T/cache-react1"
        pid=$DPID
        small_rename=$(must "$BIN/bench-react" "$T/react1.sock" "$T/roots/r1" k bench-react.json \
                "$changes" rename)
        stop_daemon "$pid"

        md "## 4. Reaction: file written → new profile and blob served" ""
        md "$changes successive versions of one profile (each with its own errno, so its own digest and" \
           "blob) are written into a watched root, each after a pseudo-random pause of 0-249 ms (so the" \
           "writes are not in step with the daemon's timers); after each, \`GET /v1/profiles/k/bench-react.json\` is" \
           "polled every millisecond until it shows the new sha256, then \`GET /v1/bpf/k/bench-react.json\`" \
           "until its \`Seccompd-Profile-Digest\` header does. The clock starts when \`rename(2)\` or" \
           "\`close(2)\` returns. The baseline is the same with a root holding only that file." ""
        md "| root | write | profile p50 ms | p99 ms | max ms | blob p50 ms | p99 ms | max ms | p50 vs baseline |" \
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"
        local base
        base=$(kv "$small_rename" profile_p50_ms)
        react_row "1,000 profiles" "temp file + rename" "$big_rename" "$base"
        react_row "1,000 profiles" "in place (truncate, write, close)" "$big_write" "$base"
        react_row "1 profile (baseline)" "temp file + rename" "$small_rename" "$base"
        md "" "- with 1,000 profiles / baseline (p50, rename) = **$(ratio "$(kv "$big_rename" profile_p50_ms)" "$base")**." \
           "- seccompd debounces events for 100 ms (daemon/conf.c \`debounce_ms\`) before it reads the file." \
           "- Reproduce: \`sudo bench/run.sh reaction\`." ""
}

react_row() { # ROOT WRITE LINE BASE
        md "| $1 | $2 | $(kv "$3" profile_p50_ms) | $(kv "$3" profile_p99_ms) | $(kv "$3" profile_max_ms) | $(kv "$3" bpf_p50_ms) | $(kv "$3" bpf_p99_ms) | $(kv "$3" bpf_max_ms) | $(ratio "$(kv "$3" profile_p50_ms)" "$4") |"
}
