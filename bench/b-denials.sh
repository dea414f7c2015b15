# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 6 (issue 11): blob fetch latency during a denial storm (sourced by run.sh).

bench_denials() {
        ensure_inputs
        local secs rate
        secs=$(pick 5 2)
        rate=${BENCH_STORM_RATE:-100000}
        cat >"$T/storm-log.json" <<'JSON'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["getppid"], "action": "SCMP_ACT_LOG" } ] }
JSON
        cat >"$T/storm-allow.json" <<'JSON'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["getppid"], "action": "SCMP_ACT_ALLOW" } ] }
JSON
        local reading
        reading=$(curl -s --unix-socket "$T/main.sock" http://localhost/v1/denials | jq -r .reader.reading)
        if [ "$reading" != true ]; then
                md "## 6. Blob fetch during a denial storm" "" "Not run: seccompd reads no audit records here." ""
                return 0
        fi
        # One fetching client for `secs` seconds, alone or beside a storm under PROFILE.
        fetch_beside() { # PROFILE|-
                local storm= out
                if [ "$1" != - ]; then
                        "$BUILD/seccompctl" exec "$1" -- "$BIN/bench-storm" "$rate" "$((secs + 1))" \
                                >"$T/storm.out" &
                        storm=$!
                        sleep 0.5
                fi
                out=$(must "$BIN/bench-fetch" daemon "$T/main.sock" runtime/default 1 "$secs")
                [ -n "$storm" ] && wait "$storm"
                echo "$out"
        }
        local idle allow log rss0 rss1 c0 c1 rec0 rec1 storm_rate
        idle=$(fetch_beside -)
        allow=$(fetch_beside "$T/storm-allow.json")
        rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$MAIN_PID/status")
        c0=$(daemon_cpu_ms "$MAIN_PID")
        rec0=$(curl -s --unix-socket "$T/main.sock" http://localhost/v1/denials | jq .reader.records)
        log=$(fetch_beside "$T/storm-log.json")
        storm_rate=$(kv "$(cat "$T/storm.out")" rate)
        c1=$(daemon_cpu_ms "$MAIN_PID")
        rec1=$(curl -s --unix-socket "$T/main.sock" http://localhost/v1/denials | jq .reader.records)
        rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$MAIN_PID/status")
        local lost
        lost=$(curl -s --unix-socket "$T/main.sock" http://localhost/v1/denials | jq -c '.reader | {lost, kernel_lost}')

        md "## 6. Blob fetch during a denial storm" ""
        md "One client fetches \`GET /v1/bpf/runtime/default\` in a loop for $secs s: alone; beside a" \
           "process calling getppid about $rate times a second under a filter that allows it (the" \
           "baseline: the same CPU taken from the machine, no audit record); and beside the same" \
           "process under a filter that LOGs getppid, so that every call is an audit record seccompd" \
           "reads, explains and counts ($(nproc) CPUs shared by all)." ""
        md "| run | fetches/s | p50 µs | p99 µs | p99 vs allowed storm | p99 vs idle |" "|---|---:|---:|---:|---:|---:|"
        local r
        for r in idle allow log; do
                local v=${!r}
                md "| $(case $r in idle) echo "idle" ;; allow) echo "storm, allowed" ;; log) echo "storm, LOG-denied ($storm_rate/s)" ;; esac) | $(kv "$v" ops_per_s) | $(kv "$v" p50_us) | $(kv "$v" p99_us) | $(ratio "$(kv "$v" p99_us)" "$(kv "$allow" p99_us)") | $(ratio "$(kv "$v" p99_us)" "$(kv "$idle" p99_us)") |"
        done
        md "" "During the denied storm: $((rec1 - rec0)) audit records read, lost $lost;" \
           "daemon CPU $((c1 - c0)) ms over the run; RSS $rss0 → $rss1 KiB." \
           "Reproduce: \`sudo bench/run.sh denials\` (BENCH_STORM_RATE=N for another rate)." ""
}
