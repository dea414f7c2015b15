#!/usr/bin/env bash
# issue 10, faults that held: kill -9 during a cold start of 2,000 profiles, then a restart:
# nothing lost, no corrupt entry served, no temp file left; two daemons on one cache dir
# (two sockets) at once: both serve every blob right.
. "$(dirname "$0")/lib.sh"

G=$T/gen
sh "$SRC/bench/gen-profiles.sh" "$G" 2000 || { echo "gen-profiles failed"; exit 1; }
SAMPLE=(00000 00001 00999 01500 01999)
for i in "${SAMPLE[@]}"; do "$CTL" -q compile "$G/p$i.json" -o "$T/p$i.bpf"; done
gen_served() { # what [socket]
        local i s=${2:-$SOCK}
        for i in "${SAMPLE[@]}"; do
                rm -f "$T/served.bpf"
                curl -s --max-time 10 --unix-socket "$s" "http://localhost/v1/bpf/gen/p$i.json" -o "$T/served.bpf"
                check "$1: gen/p$i.json byte for byte" cmp -s "$T/served.bpf" "$T/p$i.bpf"
        done
}
entries() { find "$T/cache/blobs" -name '*.bpf' | wc -l; }

# kill -9 once the cold start has stored some entries, not all.
"$SECCOMPD" --foreground --root "good=$T/good" --root "gen=$G" --socket "$SOCK" \
        --cache-dir "$T/cache" --fallback-spool none >>"$T/log" 2>&1 &
PID=$!
until_true 30 eval '[ "$(entries)" -ge 300 ]'
kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=
n=$(entries)
echo "killed with $n entries stored of 2,004"
check "killed during the cold start ($n entries)" [ "$n" -ge 300 ] && [ "$n" -lt 2004 ]
rm -f "$SOCK"
start --root "gen=$G"
check "restart: 2,004 valid" [ "$(api /v1/status | jq .counts.valid)" = 2004 ]
c=$(api /v1/status | jq .cache.corrupt) hits=$(api /v1/status | jq .cache.hits)
echo "restart: $hits cache hits, $c corrupt, $(api /v1/status | jq .compiles) compiles"
check "restart: the entries stored before the kill are used (hits $hits)" [ "$hits" -ge $((n - 8)) ]
good_served
gen_served "after kill -9"
stop
check "no temp file left" [ -z "$(find "$T/cache" -name '.*' -type f)" ]
check "every entry whole (.bpf and .json pairs)" \
        [ "$(find "$T/cache/blobs" -name '*.bpf' | wc -l)" = "$(find "$T/cache/blobs" -name '*.json' | wc -l)" ]

# Two daemons on one cache dir, two sockets, one of them starting cold on half the cache.
find "$T/cache/blobs" -name '*.bpf' | head -1000 | while read -r f; do rm -f "$f" "${f%.bpf}.json"; done
SOCK2=$T/second.sock
"$SECCOMPD" --foreground --root "good=$T/good" --root "gen=$G" --socket "$SOCK2" \
        --cache-dir "$T/cache" --fallback-spool none >>"$T/log2" 2>&1 &
PID2=$!
HELPERS+=("$PID2")
start --root "gen=$G"
check "the second daemon ready" until_true 30 eval \
        '[ "$(curl -s --unix-socket "$SOCK2" http://localhost/v1/health | jq -r .ready)" = true ]'
check "first: 2,004 valid" [ "$(api /v1/status | jq .counts.valid)" = 2004 ]
check "second: 2,004 valid" [ "$(curl -s --unix-socket "$SOCK2" http://localhost/v1/status | jq .counts.valid)" = 2004 ]
good_served
gen_served first
gen_served second "$SOCK2"
for f in "${GOOD[@]}"; do
        curl -s --unix-socket "$SOCK2" "http://localhost/v1/bpf/good/$f" -o "$T/served.bpf"
        check "second: good/$f byte for byte" cmp -s "$T/served.bpf" "$T/ref/$f.bpf"
done
check "first: no corrupt entry" [ "$(api /v1/status | jq .cache.corrupt)" = 0 ]
check "second: no corrupt entry" [ "$(curl -s --unix-socket "$SOCK2" http://localhost/v1/status | jq .cache.corrupt)" = 0 ]
kill -TERM "$PID2"; wait "$PID2"
stop
start --root "gen=$G"
check "afterwards: no corrupt entry" [ "$(api /v1/status | jq .cache.corrupt)" = 0 ]
gen_served afterwards
good_served
finish
