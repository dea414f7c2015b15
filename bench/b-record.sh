# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 7 (issue 12): what `seccompctl record` costs: a notified syscall's round trip, and
# whole runs recorded against the same runs plain (sourced by run.sh).

# wall_ms CMD...: the wall time of one run of CMD, in ms (stdout and stderr discarded).
wall_ms() {
        local t0=$EPOCHREALTIME
        "$@" >/dev/null 2>&1 || fail "'$*' failed"
        awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
}
# median_ms N CMD...: the median wall time of N runs.
median_ms() {
        local n=$1 i
        shift
        for i in $(seq "$n"); do wall_ms "$@"; done | sort -g |
                awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                          else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench_record() {
        local ctl=$BUILD/seccompctl reps calls plain rec
        reps=$(pick 11 3)
        calls=$(pick 200000 50000)
        # bench-storm RATE SECONDS makes RATE×SECONDS getppid() calls and paces them; a rate
        # above what the path can do leaves them unpaced, and its secs= is then their cost.
        plain=$(must "$BIN/bench-storm" 100000000 "$(awk -v c="$calls" 'BEGIN { print c * 10 / 1e8 }')")
        rec=$(must "$ctl" record -q -o "$T/storm-recorded.json" -- \
                "$BIN/bench-storm" 100000000 "$(awk -v c="$calls" 'BEGIN { print c / 1e8 }')")
        local same us_plain us_rec us_same
        same=$(must taskset -c 0 "$ctl" record -q -o "$T/storm-recorded.json" -- \
                "$BIN/bench-storm" 100000000 "$(awk -v c="$calls" 'BEGIN { print c / 1e8 }')")
        us_plain=$(awk -v s="$(kv "$plain" secs)" -v c="$(kv "$plain" calls)" 'BEGIN { printf "%.3f", s * 1e6 / c }')
        us_same=$(awk -v s="$(kv "$same" secs)" -v c="$(kv "$same" calls)" 'BEGIN { printf "%.2f", s * 1e6 / c }')
        us_rec=$(awk -v s="$(kv "$rec" secs)" -v c="$(kv "$rec" calls)" 'BEGIN { printf "%.2f", s * 1e6 / c }')

        md "## 7. \`seccompctl record\` (issue 12)" ""
        md "Every syscall of a recorded run stops until seccompctl answers its notification" \
           "(SECCOMP_USER_NOTIF_FLAG_CONTINUE): a round trip through the kernel and two context" \
           "switches, answered by one thread. Per call: \`bench-storm\` calling getppid() unpaced," \
           "plain and under \`seccompctl record\`. Whole runs: the median wall time of $reps runs of" \
           "each command, plain and as \`seccompctl record -o FILE -- CMD\` (which includes" \
           "seccompctl's start, the profile's validation and compile, and its atomic write)." ""
        md "| getppid() | calls | µs per call |" "|---|---:|---:|"
        md "| plain | $(kv "$plain" calls) | $us_plain |"
        md "| recorded | $(kv "$rec" calls) | $us_rec |"
        md "| recorded, seccompctl and the caller on one CPU (\`taskset -c 0\`) | $(kv "$same" calls) | $us_same |"
        md "" "Round trip per notified call: $(awk -v a="$us_rec" -v b="$us_plain" 'BEGIN { printf "%.2f", a - b }') µs." ""

        local -a names=(
                "busybox sh: 50 fork+exec of busybox true"
                "python3 -c 'import json ...' (10k objects dumped and loaded)"
                "python3 -c 'pass' (interpreter start)"
        )
        local -a cmds=(
                "busybox sh -c 'for i in \$(busybox seq 50); do busybox true; done'"
                "/usr/bin/python3 -c 'import json; d = [{\"id\": i, \"name\": \"n%d\" % i, \"tags\": [\"a\", \"b\"]} for i in range(10000)]; s = json.dumps(d); assert json.loads(s) == d'"
                "/usr/bin/python3 -c pass"
        )
        md "| run | syscalls made | plain ms | recorded ms | ratio |" "|---|---:|---:|---:|---:|"
        local i p r n
        for i in "${!cmds[@]}"; do
                [ -x /usr/bin/python3 ] || case ${cmds[$i]} in */python3*) continue ;; esac
                p=$(median_ms "$reps" sh -c "${cmds[$i]}")
                r=$(median_ms "$reps" "$ctl" record -o "$T/rec.json" -- sh -c "${cmds[$i]}")
                n=$("$ctl" record -o "$T/rec.json" -- sh -c "${cmds[$i]}" 2>&1 >/dev/null |
                        sed -n 's/^seccompctl: recorded \([0-9]*\) calls.*/\1/p')
                md "| ${names[$i]} | $n | $p | $r | $(ratio "$r" "$p") |"
        done
        md "" "(The recorded runs go through \`sh -c\` as the plain ones do; its calls are counted.)" ""
}
