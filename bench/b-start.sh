# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 1: container start with crun and Docker's default profile (sourced by run.sh).

bench_start() {
        ensure_inputs
        ensure_crun_blob
        local runs warm n_compile n_fetch
        runs=$(pick 30 10)
        warm=$(pick 3 2)
        n_compile=$(pick 100 30)
        n_fetch=$(pick 1000 200)
        # shellcheck disable=SC2153 # CRUN is set by run.sh
        local crun="$CRUN --root $T/state --cgroup-manager=disabled run"
        local oci="SECCOMPD_OCI_RUNTIME=$CRUN SECCOMPD_OCI_CONFIG=$T/oci.conf"
        mkdir -p "$T/start"

        local cpu0 cpu1 req0 req1 out
        cpu0=$(daemon_cpu_ms "$MAIN_PID")
        req0=$(compile_requests)
        # shellcheck disable=SC2086 # $crun and $oci are word lists
        out=$(must in_ns "$BIN/bench-runner" -n "$runs" -w "$warm" -o "$T/start" -l "$T/start.log" \
                json $crun -b "$T/b-json" {} :: \
                oci $oci SECCOMPD_SOCKET="$T/main.sock" "$BUILD/oci/seccompd-oci" \
                        --root "$T/state" --cgroup-manager=disabled run -b "$T/b-json" {} :: \
                oci-down $oci SECCOMPD_SOCKET="$T/no-daemon.sock" "$BUILD/oci/seccompd-oci" \
                        --root "$T/state" --cgroup-manager=disabled run -b "$T/b-json" {} :: \
                annot $crun -b "$T/b-annot" {} :: \
                none $crun -b "$T/b-none" {})
        cpu1=$(daemon_cpu_ms "$MAIN_PID")
        req1=$(compile_requests)
        local line_json line_oci line_down line_annot line_none
        line_json=$(printf '%s\n' "$out" | grep '^json ')
        line_oci=$(printf '%s\n' "$out" | grep '^oci ')
        line_down=$(printf '%s\n' "$out" | grep '^oci-down ')
        line_annot=$(printf '%s\n' "$out" | grep '^annot ')
        line_none=$(printf '%s\n' "$out" | grep '^none ')
        local starts=$((runs + warm)) daemon_ms
        daemon_ms=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$starts" 'BEGIN { printf "%.1f", (b - a) / n }')
        # Proofs that each variant did what its row says.
        local served=$((req1 - req0)) crun_cache=no
        [ -d "$T/state/.cache/seccomp" ] && crun_cache=yes
        [ "$served" -ge "$starts" ] || fail "seccompd-oci asked the daemon $served times for $starts starts"
        jq -e '.annotations["run.oci.seccomp_bpf_data"] and (.linux.seccomp == null)' \
                "$T/b-json/config.seccompd.json" >/dev/null ||
                fail "seccompd-oci did not derive the annotated config"

        # What the wrapper's own exec costs: seccompd-oci exec'ing a no-op "runtime", vs that
        # no-op alone (both with --version, which seccompd-oci passes through).
        local ex ex_true ex_oci
        ex=$(must "$BIN/bench-runner" -n "$runs" -w "$warm" -o "$T/start" -l "$T/start.log" \
                exec-true /bin/true --version :: \
                exec-oci SECCOMPD_OCI_RUNTIME=/bin/true SECCOMPD_OCI_CONFIG="$T/oci.conf" \
                        "$BUILD/oci/seccompd-oci" --version)
        ex_true=$(printf '%s\n' "$ex" | grep '^exec-true ')
        ex_oci=$(printf '%s\n' "$ex" | grep '^exec-oci ')
        local libs # "static" when it is (meson's oci_static: ldd then says "not a dynamic executable")
        libs=$(ldd "$BUILD/oci/seccompd-oci" 2>/dev/null | grep -c '=>' || true)
        if [ "$libs" = 0 ]; then libs=static; else libs="$libs shared libraries"; fi

        # In-process: what the compile costs, and what fetching the blob costs instead.
        local c_crun c_engine c_fetch c_post
        c_crun=$(must "$BIN/bench-compile" crun "$T/moby.json" "$n_compile" "$T/crunlike.bpf")
        c_engine=$(must "$BIN/bench-compile" engine "$T/moby.json" "$n_compile")
        c_fetch=$(must "$BIN/bench-compile" fetch "$T/main.sock" runtime/default "$n_fetch")
        c_post=$(must "$BIN/bench-compile" post "$T/main.sock" "$T/moby.json" "$n_compile")
        local same_blob=no same_ctl=no
        cmp -s "$T/crunlike.bpf" "$T/crun.bpf" && same_blob=yes
        "$BUILD/seccompctl" -q compile --optimize 0 "$T/moby.json" -o "$T/linear.bpf" &&
                cmp -s "$T/linear.bpf" "$T/crun.bpf" && same_ctl=yes

        local a50
        a50=$(kv "$line_json" p50_ms)
        md "## 1. Container start (crun, busybox-static bundle, Docker's default profile)" ""
        md "$runs starts per variant after $warm warm-up rounds, the variants interleaved round by round" \
           "(the order rotates), all in one private mount namespace; the bundle's process is \`/bin/true\`." \
           "Time is fork to exit of the runtime command (\`crun run\` creates, starts, waits for and" \
           "deletes the container); CPU is user + system of that command and the children it reaped" \
           "(for (b), the daemon's own CPU is added separately below)." ""
        md "| variant | median ms | p90 ms | min ms | CPU ms (median) | median vs (a) |" \
           "|---|---:|---:|---:|---:|---:|"
        start_row "(a) crun, JSON \`linux.seccomp\` (crun compiles it)" "$line_json" "$a50"
        start_row "(b) seccompd-oci → crun, blob from seccompd (annotation)" "$line_oci" "$a50"
        start_row "(b′) seccompd-oci → crun, daemon down (falls back to (a))" "$line_down" "$a50"
        start_row "(d) crun, blob already in the bundle's annotation (no wrapper)" "$line_annot" "$a50"
        start_row "(c) crun, no seccomp" "$line_none" "$a50"
        md "" "- (b)/(d) = **$(ratio "$(kv "$line_oci" p50_ms)" "$(kv "$line_annot" p50_ms)")** (what the wrapper costs over a bundle that already holds the blob; issue 13's goal: ≤ 1.12); (b′)/(a) = **$(ratio "$(kv "$line_down" p50_ms)" "$a50")** (the fallback against crun alone; goal: ≤ 1.05)." \
           "- b/a = **$(ratio "$(kv "$line_oci" p50_ms)" "$a50")**, c/a = **$(ratio "$(kv "$line_none" p50_ms)" "$a50")**, d/a = $(ratio "$(kv "$line_annot" p50_ms)" "$a50") (medians)." \
           "- seccompd's CPU per (b) start (a cache hit of POST /v1/compile): $daemon_ms ms; POST /v1/compile answered: $served for $starts starts." \
           "- crun kept a BPF cache of its own in its state root (\`.cache/seccomp\`): $crun_cache." \
           "- The blob crun builds (from \`crun create\`) is byte-identical to bench-compile's libseccomp replay: $same_blob; to \`seccompctl compile --optimize 0\`: $same_ctl." \
           "- Decomposition: (a) − (d) = $(awk -v a="$a50" -v d="$(kv "$line_annot" p50_ms)" 'BEGIN { printf "%.1f", a - d }') ms is what crun's compile costs at start; (b) − (d) = $(awk -v b="$(kv "$line_oci" p50_ms)" -v d="$(kv "$line_annot" p50_ms)" 'BEGIN { printf "%.1f", b - d }') ms is what the wrapper adds. Of that, starting seccompd-oci itself (exec, $libs) costs $(awk -v o="$(kv "$ex_oci" p50_ms)" -v t="$(kv "$ex_true" p50_ms)" 'BEGIN { printf "%.2f", o - t }') ms: \`seccompd-oci --version\` exec'ing /bin/true takes $(kv "$ex_oci" p50_ms) ms, /bin/true alone $(kv "$ex_true" p50_ms) ms (medians, $runs runs)." ""
        md "In-process, the filter alone ($n_compile compiles, $n_fetch fetches):" "" \
           "| what | median µs | p90 µs | p99 µs | CPU µs (median) | instructions |" \
           "|---|---:|---:|---:|---:|---:|"
        compile_row "libseccomp as crun 1.8 drives it (x86_64+x86+x32, linear): crun's cost per start" "$c_crun"
        compile_row "seccompd's engine on the same section (parse, resolve, binary tree)" "$c_engine"
        compile_row "libseccompd: \`seccompd_get_blob(runtime/default)\`, handle kept" "$c_fetch"
        compile_row "libseccompd: connect + \`seccompd_compile\` (POST, cache hit) + disconnect" "$c_post"
        md "" "- get_blob / crun's compile = **$(ratio "$(kv "$c_fetch" p50_us)" "$(kv "$c_crun" p50_us)")**; connect+POST / crun's compile = **$(ratio "$(kv "$c_post" p50_us)" "$(kv "$c_crun" p50_us)")** (medians)." \
           "- Reproduce: \`sudo bench/run.sh start\`." ""
}

compile_requests() {
        curl -s --unix-socket "$T/main.sock" http://localhost/metrics |
                awk -F' ' '/^seccompd_requests_total\{route="compile",code="200"\}/ { n += $2 }
                           END { print n + 0 }'
}

start_row() { # TITLE LINE BASELINE-MEDIAN
        md "| $1 | $(kv "$2" p50_ms) | $(kv "$2" p90_ms) | $(kv "$2" min_ms) | $(kv "$2" cpu_p50_ms) | $(ratio "$(kv "$2" p50_ms)" "$3") |"
}
compile_row() { # TITLE LINE
        md "| $1 | $(kv "$2" p50_us) | $(kv "$2" p90_us) | $(kv "$2" p99_us) | $(kv "$2" cpu_p50_us) | $(kv "$2" insns) |"
}
