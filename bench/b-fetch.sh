# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 2: blob fetch over the socket vs compiling in-process, and blobs for other contexts
# (compiled on the first request, served after) (sourced by run.sh).

# fetch_once N [PIN]: one bench-fetch run of N clients against the main daemon, plus
# dcpu_us=, the daemon's CPU per blob; PIN (a CPU number): client and daemon on that one CPU.
fetch_once() {
        local n=$1 pin=${2:-} c0 c1 l all
        all=$(taskset -p "$MAIN_PID" | sed 's/.*: //')
        [ -z "$pin" ] || taskset -a -p "$((1 << pin))" "$MAIN_PID" >/dev/null
        c0=$(daemon_cpu_ms "$MAIN_PID")
        if [ -n "$pin" ]; then
                l=$(must taskset -c "$pin" "$BIN/bench-fetch" daemon "$T/main.sock" runtime/default \
                        "$n" "$FETCH_SECS")
        else
                l=$(must "$BIN/bench-fetch" daemon "$T/main.sock" runtime/default "$n" "$FETCH_SECS")
        fi
        c1=$(daemon_cpu_ms "$MAIN_PID")
        [ -z "$pin" ] || taskset -a -p "$all" "$MAIN_PID" >/dev/null
        printf '%s dcpu_us=%s\n' "$l" "$(awk -v a="$c0" -v b="$c1" -v n="$(kv "$l" ops)" \
                'BEGIN { printf "%.1f", (b - a) * 1000 / n }')"
}

# med KEY LINE...: the median of KEY; range KEY LINE...: "min–max".
med() {
        local key=$1 l
        shift
        for l in "$@"; do kv "$l" "$key"; done | sort -g |
                awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                          else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
range() {
        local key=$1 l
        shift
        for l in "$@"; do kv "$l" "$key"; done | sort -g | sed -n '1p;$p' | paste -sd' ' |
                awk '{ printf "%s–%s", $1, ($2 == "" ? $1 : $2) }'
}

compiles_now() {
        curl -sf --unix-socket "$T/main.sock" http://localhost/metrics |
                awk '/^seccompd_compiles_total / { print $2 }'
}

bench_fetch() {
        ensure_inputs
        local levels="1 2 8 32" cores rounds
        FETCH_SECS=$(pick 2 1)
        rounds=$(pick 3 1)
        cores=$(nproc)
        local -A e
        local n k ks="" r
        # The baseline: the engine compiling the file the daemon serves, on as many threads as
        # there are clients, up to one per core (the most an in-process compile can use).
        for n in $levels; do
                k=$((n < cores ? n : cores))
                case " $ks " in *" $k "*) ;; *) ks="$ks $k" ;; esac
        done
        for k in $ks; do
                e[$k]=$(must "$BIN/bench-fetch" engine "$T/profiles/default.json" "$k" "$FETCH_SECS")
        done
        # Each level runs once per round, the levels in a rotating order, and the row is the
        # median of the rounds: one 1-client run alone moved by 8× from run to run (the VM's
        # idle vCPU, BENCHMARKS.md §2). The last variant: the client and every thread of the
        # daemon on CPU 0, where a wake-up never crosses CPUs.
        # Beside each run, the floor (bench/floor.c): a bare server thread answering each
        # request with as many bytes over a Unix socket, to the same number of clients; what
        # any server pays here for the wake-ups and the copies.
        local -A d f
        local -a order
        local bytes
        bytes=$(curl -sf --unix-socket "$T/main.sock" http://localhost/v1/bpf/runtime/default | wc -c)
        read -r -a order <<<"$levels pinned"
        for r in $(seq "$rounds"); do
                local i v
                for i in "${!order[@]}"; do
                        v=${order[$(((i + r) % ${#order[@]}))]}
                        if [ "$v" = pinned ]; then
                                d[$v]+="$(fetch_once 1 0)"$'\n'
                                f[$v]+="$(must taskset -c 0 "$BIN/bench-floor" 1 "$bytes" "$FETCH_SECS")"$'\n'
                        else
                                d[$v]+="$(fetch_once "$v")"$'\n'
                                f[$v]+="$(must "$BIN/bench-floor" "$v" "$bytes" "$FETCH_SECS")"$'\n'
                        fi
                done
        done

        md "## 2. Blob fetch over the socket vs compiling in-process" ""
        md "Each client is a thread with its own libseccompd handle fetching \`GET /v1/bpf/runtime/default\`" \
           "(profiles/default.json: Docker's semantics, $((bytes / 8)) instructions, $bytes bytes) in a loop for $FETCH_SECS s;" \
           "each row is the median of $rounds such runs, the levels interleaved round by round. The baseline is the" \
           "same file compiled in-process with the engine (parse, resolve, compile) by 1 and by $cores" \
           "threads. Clients and daemon share the machine's $cores CPUs; in the last daemon row the" \
           "client and the daemon are both held on CPU 0 (\`taskset\`)." ""
        md "| clients | blobs/s | p50 µs | p50 µs, each run | p99 µs | daemon CPU µs per blob | each run | floor CPU µs per answer | daemon / floor | blobs/s vs in-process compile | p50 vs one compile |" \
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        local e1_p50 base lines flines label
        e1_p50=$(kv "${e[1]}" p50_us)
        for v in "${order[@]}"; do
                mapfile -t lines < <(printf '%s' "${d[$v]}")
                mapfile -t flines < <(printf '%s' "${f[$v]}")
                n=$v label=$v
                [ "$v" != pinned ] || { n=1 label="1, on one CPU with the daemon"; }
                base=${e[$((n < cores ? n : cores))]}
                md "| $label | $(med ops_per_s "${lines[@]}") | $(med p50_us "${lines[@]}") | $(range p50_us "${lines[@]}") | $(med p99_us "${lines[@]}") | $(med dcpu_us "${lines[@]}") | $(range dcpu_us "${lines[@]}") | $(med cpu_us "${flines[@]}") | $(ratio "$(med dcpu_us "${lines[@]}")" "$(med cpu_us "${flines[@]}")") | $(ratio "$(med ops_per_s "${lines[@]}")" "$(kv "$base" ops_per_s)") | $(ratio "$(med p50_us "${lines[@]}")" "$e1_p50") |"
        done
        for k in $ks; do
                md "| in-process compile, $k thread(s) | $(kv "${e[$k]}" ops_per_s) | $(kv "${e[$k]}" p50_us) | | $(kv "${e[$k]}" p99_us) | | | | | 1 | $(ratio "$(kv "${e[$k]}" p50_us)" "$e1_p50") |"
        done
        md "" "Daemon CPU per blob: seccompd's user + system time over the run divided by the blobs served" \
           "(a tick is 10 ms, so it is coarse for short runs). Floor: \`bench-floor\` (bench/floor.c)," \
           "not seccompd: one server thread in \`epoll_wait\` answering each request of as many clients" \
           "with $bytes bytes over a \`SOCK_SEQPACKET\` Unix socket, no parsing nor lookup; its thread's" \
           "CPU per answer is what the wake-ups and the copies cost any server on this machine, run" \
           "beside each daemon run (the median of the $rounds)." \
           "Throughput ratios compare with the in-process compile on min(clients, $cores) threads." \
           "Reproduce: \`sudo bench/run.sh fetch\`." ""
        bench_contexts
}

# Part of benchmark 2 (issue 13): a blob for a context other than the daemon's default. The
# first GET of a context makes the daemon compile it in the request's thread (a privileged
# peer: root); the next ones are served from the profile's snapshot like the default's.
bench_contexts() {
        local n_served c0 c1 l label
        n_served=$(pick 2000 500)
        md "## 2b. Blobs for other contexts (\`?arch=&caps=&kernel=\`)" ""
        md "One libseccompd handle asks for \`runtime/default\` (profiles/default.json) in a context the" \
           "daemon has not built yet: the first request compiles it (in the request's thread, then" \
           "kept with the profile, at most \`--max-contexts\` per profile), the next $n_served are served." \
           "The first row is the daemon's default context, already built at load: its \"first\" request" \
           "is served too. *compiles* is the daemon's \`seccompd_compiles_total\` across the first" \
           "request (0: the blob came from the on-disk cache)." ""
        md "| context | instructions | first request ms | compiles | served p50 µs | served p99 µs | served p50 vs default's |" \
           "|---|---:|---:|---:|---:|---:|---:|"
        local def_p50=""
        local spec
        for spec in "- - -" "aarch64 - -" "s390x - -" "x86 - -" "x86_64 all -" "x86_64 none 4.14"; do
                # shellcheck disable=SC2086 # three words
                set -- $spec
                c0=$(compiles_now)
                l=$(must "$BIN/bench-fetch" context "$T/main.sock" runtime/default "$1" "$2" "$3" \
                        "$n_served")
                c1=$(compiles_now)
                if [ "$spec" = "- - -" ]; then
                        label="default (x86_64, Docker's caps, running kernel)"
                        def_p50=$(kv "$l" p50_us)
                else
                        label="arch=$1 caps=$2 kernel=$3"
                fi
                md "| $label | $(kv "$l" insns) | $(awk -v v="$(kv "$l" first_us)" 'BEGIN { printf "%.2f", v / 1000 }') | $((c1 - c0)) | $(kv "$l" p50_us) | $(kv "$l" p99_us) | $(ratio "$(kv "$l" p50_us)" "$def_p50") |"
        done
        md "" "- \"-\": the daemon's default for that member. Reproduce: \`sudo bench/run.sh fetch\`." ""
}
