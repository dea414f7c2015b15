#!/usr/bin/env bash
# issue 13: a warm start serves what a cold one does, byte for byte. The real daemon on the
# repository's profiles (profiles/, tests/profiles: warnings, legacy layouts, u64 values...;
# tests/data/invalid: errors) in three roots of different dialects (mesos turns many of them
# into errors and warnings), started cold (empty cache: every file parsed and compiled, the
# cache's aliases written), then warm (every valid file served through its alias, unparsed),
# then after a reload, then with its aliases damaged every way. Each time every answer of the
# API for every profile is compared with the cold start's: /v1/profiles, /v1/profiles/NAME
# (diagnostics with their locations, summary, blobs), /v1/bpf/NAME, /v1/source/NAME, the
# profile counts of /metrics and the node digest; after the warm start, blobs for another
# context (which need the profile, parsed then from the served bytes) equal the cold start's.
#   test-warm.sh SECCOMPD SECCOMPCTL SOURCE-DIR
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
T=$(mktemp -d)
SOCK=$T/seccompd.sock
PID=
cleanup() {
        [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/k/invalid" "$T/k/tests" "$T/d" "$T/m" "$T/cache"
cp "$SRC"/profiles/*.json "$T/k/"
cp "$SRC"/tests/profiles/*.json "$T/k/tests/"
cp "$SRC"/tests/data/invalid/*.json "$T/k/invalid/"
cp "$SRC"/tests/profiles/*.json "$SRC"/profiles/default.json "$T/d/"
cp "$SRC"/tests/profiles/*.json "$SRC"/profiles/default.json "$T/m/"
cp "$T/k/default.json" "$T/k/tests/same-bytes.json" # two names, one alias

start() {
        rm -f "$T/ready"
        "$SECCOMPD" --foreground --root "k=$T/k:kubernetes-containerd:recursive" \
                --root "d=$T/d:docker" --root "m=$T/m:mesos" --socket "$SOCK" \
                --cache-dir "$T/cache" --ready-file "$T/ready" --log-level info "$@" \
                >>"$T/log" 2>&1 &
        PID=$!
        until_true 60 test -e "$T/ready" || { ko "daemon ready"; tail -20 "$T/log"; }
}
stop() {
        kill -TERM "$PID"
        wait "$PID"
        PID=
}
metric() { api /metrics | awk -v k="$1" '$1 == k { print $2 }'; }

# Every answer about every profile, into directory $1. "updated" is the time of the load.
snapshot() {
        local d=$T/snap-$1 name enc
        rm -rf "$d" && mkdir -p "$d"
        api /v1/profiles | jq -S 'del(.profiles[].updated)' >"$d/list"
        api /metrics | grep '^seccompd_profiles' >"$d/metrics"
        api /v1/status | jq -S '{node_digest, profiles}' >"$d/status"
        jq -r '.profiles[].name' "$d/list" >"$d/names"
        while read -r name; do
                enc=${name//\//_}
                api "/v1/profiles/$name" | jq -S 'del(.updated)' >"$d/p-$enc"
                api "/v1/bpf/$name" -D "$d/h-$enc" -o "$d/b-$enc"
                sed -i '/^Date:/d' "$d/h-$enc"
                api "/v1/source/$name" -o "$d/s-$enc"
        done <"$d/names"
}
# Blobs for another context: compiled from the profile, which a warm start has not parsed.
contexts() {
        local d=$T/ctx-$1 name enc
        rm -rf "$d" && mkdir -p "$d"
        for name in $(jq -r '.profiles[] | select(.state == "valid") | .name' "$T/snap-cold/list"); do
                enc=${name//\//_}
                api "/v1/bpf/$name?arch=x86&caps=all&kernel=5.4" -D "$d/h-$enc" -o "$d/b-$enc"
                sed -i '/^Date:/d' "$d/h-$enc"
        done
        for name in $(jq -r '.profiles[] | select(.state == "valid") | .name' "$T/snap-cold/list"); do
                api "/v1/profiles/$name" | jq -S 'del(.updated)' >"$d/p-${name//\//_}"
        done
}
same() { # what dir-a dir-b
        if diff -r "$2" "$3" >"$T/diff"; then ok; else
                ko "$1: answers differ"
                head -30 "$T/diff" | sed 's/^/  /'
        fi
}

start
snapshot cold
N_VALID=$(jq '[.profiles[] | select(.state == "valid")] | length' "$T/snap-cold/list")
N_ALL=$(jq '.profiles | length' "$T/snap-cold/list")
echo "cold: $N_ALL profiles, $N_VALID valid; compiles $(metric seccompd_compiles_total)"
check "cold: some profiles are invalid, some have warnings" \
        [ "$(jq '[.profiles[] | select(.state == "invalid")] | length' "$T/snap-cold/list")" -gt 50 -a \
        "$(jq '[.profiles[] | select(.state == "valid" and .warnings > 0)] | length' "$T/snap-cold/list")" -gt 5 ]
check "cold: diagnostics with locations and hints" \
        [ "$(cat "$T"/snap-cold/p-* | jq -s '[.[].diagnostics[] | select(.line > 0 and .hint != null)] | length')" -gt 10 ]
# Only same-bytes.json may find the alias default.json's load has just written.
check "cold: no alias used" [ "$(metric seccompd_cache_alias_hits_total)" -le 1 ]
check "cold: an alias for each valid distinct file" [ "$(metric seccompd_cache_aliases)" -ge $((N_VALID - 1)) ]
contexts cold
stop

start
snapshot warm
echo "warm: alias hits $(metric seccompd_cache_alias_hits_total), compiles $(metric seccompd_compiles_total)"
check "warm: every valid profile through its alias" [ "$(metric seccompd_cache_alias_hits_total)" = "$N_VALID" ]
check "warm: nothing compiled" [ "$(metric seccompd_compiles_total)" = 0 ]
same "warm start" "$T/snap-cold" "$T/snap-warm"
contexts warm
same "warm start, blobs for another context (profile parsed then)" "$T/ctx-cold" "$T/ctx-warm"
stop

# Again warm, and the first parse of one profile raced by six clients, each asking for
# another context (entry_source_profile(): one parse published, the others' freed).
start
P=k/tests/docker-extended.json
pids=()
for a in x86 x32 aarch64 arm s390x riscv64; do
        api "/v1/bpf/$P?arch=$a&caps=all" -o "$T/race-$a" -w '%{http_code}\n' >"$T/race-$a.code" &
        pids+=($!)
done
wait "${pids[@]}"
raced_ok() { [ "$(cat "$T/race-$1.code")" = 200 ] && cmp -s "$T/race-$1" "$T/again-$1"; }
for a in x86 x32 aarch64 arm s390x riscv64; do
        api "/v1/bpf/$P?arch=$a&caps=all" -o "$T/again-$a"
        check "raced first parse: $a answered 200, the same blob as asked alone" raced_ok "$a"
done

# A reload loads every file again (through the aliases): the same answers.
api /v1/reload -X POST -o /dev/null
check "reload done" until_true 20 eval '[ "$(metric seccompd_cache_alias_hits_total)" -ge $((2 * N_VALID)) ]'
until_true 10 eval '[ "$(api /v1/health | jq -r .ready)" = true ]'
snapshot reload
# The reload replaced the snapshots: their context blobs are gone from the answers again.
same "after a reload" "$T/snap-cold" "$T/snap-reload"
stop

# Damaged aliases: each is a miss (the file is parsed), never a wrong answer, and is written
# again. Truncated, a flipped byte in the middle, another alias's text under this name,
# removed, a directory in its place, and a whole alias whose blob's .bpf was damaged.
mapfile -t A < <(ls "$T/cache/blobs/"*.alias)
truncate -s $(($(stat -c %s "${A[0]}") / 2)) "${A[0]}"
printf 'X' | dd of="${A[1]}" bs=1 seek=$(($(stat -c %s "${A[1]}") / 2)) conv=notrunc status=none
cp "${A[3]}" "${A[2]}"
rm -f "${A[4]}"
rm -f "${A[5]}" && mkdir "${A[5]}"
key6=$(sed -n 's/^key //p' "${A[6]}")
printf '\x01\x02' | dd of="$T/cache/blobs/$key6.bpf" bs=1 seek=8 conv=notrunc status=none
start
snapshot damaged
hits=$(metric seccompd_cache_alias_hits_total)
echo "damaged: alias hits $hits, corrupt $(metric seccompd_cache_corrupt_total), compiles $(metric seccompd_compiles_total)"
check "damaged: the damaged aliases missed (got $hits of $N_VALID hits)" \
        [ "$hits" -le $((N_VALID - 5)) -a "$hits" -ge $((N_VALID - 12)) ]
check "damaged: the damaged blob is found corrupt by the slow path" \
        [ "$(metric seccompd_cache_corrupt_total)" -ge 1 ]
same "damaged aliases" "$T/snap-cold" "$T/snap-damaged"
stop
check "damaged: the directory in an alias's place is gone" [ ! -d "${A[5]}" ]
start
snapshot again
check "after the damage: every alias written again (hits $(metric seccompd_cache_alias_hits_total))" \
        [ "$(metric seccompd_cache_alias_hits_total)" = "$N_VALID" ]
same "after the damage, warm again" "$T/snap-cold" "$T/snap-again"
stop

# Aliases no profile used by the end of the first scan are removed once the daemon is ready,
# on a pool thread (cache_sweep_aliases()). --strict changes every alias key, as an upgrade
# (another build id) or another option does: the default options' aliases are then of no
# use to this daemon.
aliases() { find "$T/cache/blobs" -name '*.alias' -printf '%f\n' | sort; }
logged() { tail -n +"$((lines + 1))" "$T/log" | grep -q "$1"; } # since $lines
aliases >"$T/aliases-default"
n_default=$(wc -l <"$T/aliases-default")
lines=$(wc -l <"$T/log")
start --strict
check "strict: the default options' $n_default aliases removed" \
        until_true 20 logged "Removed $n_default cache aliases no profile used"
echo "strict: alias hits $(metric seccompd_cache_alias_hits_total), aliases $(metric seccompd_cache_aliases) (default options: $n_default)"
check "strict: none of them is left" [ -z "$(comm -12 "$T/aliases-default" <(aliases))" ]
check "strict: its own aliases written, and counted" \
        [ "$(aliases | wc -l)" -gt 10 -a "$(aliases | wc -l)" = "$(metric seccompd_cache_aliases)" ]
aliases >"$T/aliases-strict"
stop
lines=$(wc -l <"$T/log")
start
check "default options again: every file parsed (no alias left to hit)" \
        [ "$(metric seccompd_cache_alias_hits_total)" -le 1 ]
check "default options again: the strict start's aliases removed" \
        until_true 20 logged "Removed $(wc -l <"$T/aliases-strict") cache aliases no profile used"
check "default options again: the same aliases as before" cmp -s "$T/aliases-default" <(aliases)
snapshot swept
same "after the sweeps" "$T/snap-cold" "$T/snap-swept"
stop
lines=$(wc -l <"$T/log")
start --log-level debug
check "warm after the sweeps: every valid profile through its alias" \
        [ "$(metric seccompd_cache_alias_hits_total)" = "$N_VALID" ]
check "warm: the sweep ran and found no unused alias" \
        until_true 20 logged "No unused cache alias to remove"
check "warm: no alias removed" eval '! logged "cache aliases no profile used"'
check "warm: every alias kept" cmp -s "$T/aliases-default" <(aliases)
stop

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
