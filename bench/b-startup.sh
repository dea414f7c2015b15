# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark 3: seccompd's startup with 1,000 and 10,000 profiles, cold and warm (sourced by
# run.sh).

# gen_root N: $T/roots/rN with N small distinct profiles (made once per run).
gen_root() {
        [ -d "$T/roots/r$1" ] && return
        "$SRC/bench/gen-profiles.sh" "$T/roots/r$1" "$1"
        # Written back now, not by the kernel's flusher in the middle of the first starts.
        sync -f "$T/roots/r$1"
}

# startup_spawn N KIND I CACHE [ARG...]: one start of seccompd on root rN with cache dir CACHE
# (and ARGs); prints bench-spawn's line plus compiles= and cache_hits= read from /metrics once
# ready.
startup_spawn() {
        local n=$1 kind=$2 i=$3 cache=$4 m=$T/startup-$1-$2-$3.metrics line
        shift 4
        line=$(must "$BIN/bench-spawn" "$T/s$n.ready" 600 \
                "curl -s --unix-socket '$T/s$n.sock' http://localhost/metrics >'$m'" -- \
                "$SECCOMPD" --foreground --root "k=$T/roots/r$n:kubernetes-containerd" \
                --socket "$T/s$n.sock" --cache-dir "$cache" --ready-file "$T/s$n.ready" \
                --log-level warning "$@")
        say "startup $n $kind $i: $line" >&2
        printf '%s compiles=%s cache_hits=%s alias_hits=%s valid=%s\n' "$line" \
                "$(awk '/^seccompd_compiles_total / { print $2 }' "$m")" \
                "$(awk '/^seccompd_cache_hits_total / { print $2 }' "$m")" \
                "$(awk '/^seccompd_cache_alias_hits_total / { print $2 }' "$m")" \
                "$(awk '/^seccompd_profiles\{state="valid"\} / { print $2 }' "$m")"
}

# median_of KEY LINE...: the median of KEY over the lines.
median_of() {
        local key=$1
        shift
        local l
        for l in "$@"; do kv "$l" "$key"; done | sort -g |
                awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                          else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# startup_fs: where the caches go (sets STARTUP_FS, unmounted by run.sh's cleanup). A new ext4 file system (with its journal, mkfs.ext4's
# defaults, as on a node) on a loop device in $T when mkfs.ext4 and mount -o loop work, else
# $T itself. This machine's own / is ext4 without a journal, where creating a file skips the
# inodes deleted in the last 1 to 6 minutes (ext4's recently_deleted()): a cold start run
# after the cleanup of a previous run took 5 to 10 times as long (2.1 to 2.8 s for 1,000
# profiles instead of 0.23), which measured that run's deletes, not seccompd.
STARTUP_FS=
startup_fs() {
        local img=$T/startup-fs.img
        if command -v mkfs.ext4 >/dev/null && truncate -s 8G "$img" &&
                mkfs.ext4 -q -F "$img" >/dev/null 2>&1 && mkdir -p "$T/startup-fs" &&
                mount -o loop "$img" "$T/startup-fs" 2>/dev/null; then
                STARTUP_FS=$T/startup-fs
        else
                rm -f "$img"
        fi
}

bench_startup() {
        local n i reps_cold reps_warm where fs_note
        local -A cold warm
        startup_fs
        where=${STARTUP_FS:-$T}
        if [ -n "$STARTUP_FS" ]; then
                fs_note="a new ext4 file system with its journal (mkfs.ext4's defaults) on a loop device, made for this benchmark"
        else
                fs_note="the temp dir's file system ($(df -PT "$T" | awk 'NR == 2 { print $2 }'); no loop device here)"
        fi
        md "## 3. Startup with 1,000 and 10,000 profiles" ""
        md "N small distinct OCI profiles (\`bench/gen-profiles.sh\`: 24 to 38 allowed syscalls, each its" \
           "own errno) in one root. Time from exec of seccompd to its \`--ready-file\` (written when the" \
           "first full scan is done, with READY=1), by inotify. Cold: empty cache directory, so every" \
           "profile is compiled and stored (not fsync'd: the default; \`--cache-sync\` row below); warm: the" \
           "same start again with that cache. Each cold start has a new cache directory, on $fs_note." \
           "Unparsed: profiles served through the cache's alias of their bytes (the warm path)." \
           "The profiles themselves are in the page cache in both cases. Memory: VmHWM of seccompd" \
           "when ready; CPU: its user + system time until ready." ""
        md "| profiles | start | runs | ready s (median) | CPU s | VmHWM MiB | compiles | cache hits | unparsed |" \
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
        for n in 1000 10000; do
                gen_root "$n"
                if [ "$n" = 1000 ]; then
                        reps_cold=$(pick 3 1)
                        reps_warm=$(pick 3 1)
                else
                        reps_cold=1
                        reps_warm=$(pick 2 1)
                fi
                local -a cl=() wl=()
                # A new cache directory for each cold start, the last one's for the warm starts:
                # creating thousands of files right after deleting as many in one directory
                # makes ext4 scan past the recently deleted inodes (recently_deleted(), 5 to
                # 30 s), which doubled the CPU of a cold start run after the previous one's
                # `rm -rf`. A node's cold start does not follow such a delete.
                local cache=
                for i in $(seq "$reps_cold"); do
                        cache=$where/cache-$n-cold$i
                        cl+=("$(startup_spawn "$n" cold "$i" "$cache")")
                done
                for i in $(seq "$reps_warm"); do
                        wl+=("$(startup_spawn "$n" warm "$i" "$cache")")
                done
                local l
                for l in "${cl[@]}" "${wl[@]}"; do
                        [ "$(kv "$l" valid)" = "$n" ] || fail "startup: $n profiles, but: $l"
                done
                cold[$n]=$(median_of ready_ms "${cl[@]}")
                warm[$n]=$(median_of ready_ms "${wl[@]}")
                startup_row "$n" cold "${#cl[@]}" "${cold[$n]}" "${cl[@]}"
                startup_row "$n" warm "${#wl[@]}" "${warm[$n]}" "${wl[@]}"
                md_cache[$n]=$(du -sk "$cache" | cut -f1)
                cold_par[$n]=$(median_of cpu_ms "${cl[@]}")
                if [ "$n" = 1000 ]; then # the same cold start, every store fsync'd
                        local -a sl=()
                        for i in $(seq "$reps_cold"); do
                                sl+=("$(startup_spawn "$n" sync "$i" "$where/cache-$n-sync$i" --cache-sync)")
                        done
                        sync_ms=$(median_of ready_ms "${sl[@]}")
                        startup_row "$n" "cold, \`--cache-sync\`" "${#sl[@]}" "$sync_ms" "${sl[@]}"
                fi
        done
        md ""
        for n in 1000 10000; do
                md "- $n profiles: warm/cold = **$(ratio "${warm[$n]}" "${cold[$n]}")** ($(awk -v w="${warm[$n]}" -v c="${cold[$n]}" 'BEGIN { printf "%.0f", c / w }')× faster); cache on disk $(awk -v k="${md_cache[$n]}" 'BEGIN { printf "%.1f MiB", k / 1024 }')."
        done
        md "- 10,000 vs 1,000 profiles: cold $(ratio "${cold[10000]}" "${cold[1000]}")×, warm $(ratio "${warm[10000]}" "${warm[1000]}")× the time." \
           "- Cold start, CPU / wall (both cores busy: 2; issue 13's goal: ≥ 1.6): **$(ratio "${cold_par[1000]}" "${cold[1000]}")** (1,000), **$(ratio "${cold_par[10000]}" "${cold[10000]}")** (10,000); with \`--cache-sync\`, 1,000 cold take $(ratio "$sync_ms" "${cold[1000]}")× the time of the default." \
           "- Reproduce: \`sudo bench/run.sh startup\`." ""
}
declare -A md_cache cold_par
sync_ms=

startup_row() { # N KIND RUNS MEDIAN LINE...
        local n=$1 kind=$2 runs=$3 med=$4
        shift 4
        local cpu hwm
        cpu=$(median_of cpu_ms "$@")
        hwm=$(median_of hwm_kib "$@")
        md "| $n | $kind | $runs | $(awk -v v="$med" 'BEGIN { printf "%.2f", v / 1000 }') | $(awk -v v="$cpu" 'BEGIN { printf "%.2f", v / 1000 }') | $(awk -v v="$hwm" 'BEGIN { printf "%.1f", v / 1024 }') | $(kv "$1" compiles) | $(kv "$1" cache_hits) | $(kv "$1" alias_hits) |"
}
