#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Concurrent load on the real daemon: clients fetch blobs (the default context and others),
# list, read status and metrics while files are created, rewritten, renamed and deleted and
# reloads are asked for. Bounded: STRESS_SECONDS (default 8) of churn, then it stops.
# What must hold: every blob of a profile that never changed is the same bytes on every
# fetch; no request fails but with a documented answer; the daemon ends in the state on
# disk; it exits 0 on SIGTERM with no sanitizer report (it runs under ASan/UBSan and
# ThreadSanitizer in scripts/test).
#   test-stress.sh SECCOMPD SECCOMPCTL SOURCE-DIR
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
SECONDS_OF_CHURN=${STRESS_SECONDS:-8}
CLIENTS=${STRESS_CLIENTS:-6}
T=$(mktemp -d)
SOCK=$T/seccompd.sock
PID=
cleanup() {
        jobs -p | xargs -r kill 2>/dev/null
        [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/root/stable" "$T/root/churn" "$T/cache" "$T/ref"
cp "$SRC/profiles/default.json" "$T/root/stable/default.json"
cp "$SRC/profiles/audit.json" "$T/root/stable/audit.json"
"$SECCOMPD" --foreground --root "r=$T/root:kubernetes:recursive" --socket "$SOCK" \
        --cache-dir "$T/cache" >"$T/log" 2>&1 &
PID=$!
until_true 30 ready || { echo "FAIL: daemon not ready"; cat "$T/log"; exit 1; }

# The reference bytes of the stable profiles, for every context the clients ask for.
CONTEXTS=("" "?arch=x86" "?caps=all" "?kernel=5.4")
n=0
for name in stable/default.json stable/audit.json; do
        for ctx in "${CONTEXTS[@]}"; do
                api "/v1/bpf/r/$name$ctx" -o "$T/ref/$n.bpf"
                check "reference blob $name$ctx" [ -s "$T/ref/$n.bpf" ]
                n=$((n + 1))
        done
done

client() { # ID: fetches until $T/stop exists; writes "bad" lines to $T/client-ID
        local id=$1 i=0 k name ctx code
        while [ ! -e "$T/stop" ]; do
                k=0
                for name in stable/default.json stable/audit.json; do
                        for ctx in "${CONTEXTS[@]}"; do
                                code=$(curl -s -o "$T/got-$id" -w '%{http_code}' \
                                        --unix-socket "$SOCK" "http://localhost/v1/bpf/r/$name$ctx")
                                if [ "$code" != 200 ] || ! cmp -s "$T/got-$id" "$T/ref/$k.bpf"; then
                                        echo "$name$ctx: $code" >>"$T/client-$id"
                                fi
                                k=$((k + 1))
                        done
                done
                # Churned names come and go: any of 200, 404, 409 is an answer, 5xx is not.
                code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
                        "http://localhost/v1/bpf/r/churn/p$((i % 5)).json?arch=x86")
                case $code in 200 | 404 | 409) ;; *) echo "churn p$((i % 5)): $code" >>"$T/client-$id" ;; esac
                for route in /v1/profiles /v1/status /metrics; do
                        code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
                                "http://localhost$route")
                        [ "$code" = 200 ] || echo "$route: $code" >>"$T/client-$id"
                done
                i=$((i + 1))
        done
        echo "$i" >"$T/rounds-$id"
}
churn() { # writes, rewrites, renames and deletes profiles under churn/, asks for reloads
        local i=0
        while [ ! -e "$T/stop" ]; do
                local f=$T/root/churn/p$((i % 5)).json
                case $((i % 6)) in
                0) cp "$SRC/profiles/default.json" "$f" ;;
                1) printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":%d}]}\n' $((i % 100 + 1)) >"$f" ;;
                2) echo '{"defaultAction":' >"$f" ;; # invalid
                3) mv "$f" "$T/root/churn/moved-$i.json" 2>/dev/null ;;
                4) rm -f "$T/root/churn/moved-$((i - 1)).json" "$f" ;;
                5) api /v1/reload -X POST >/dev/null ;;
                esac
                i=$((i + 1))
                sleep 0.01
        done
}

for c in $(seq 1 "$CLIENTS"); do client "$c" & done
churn &
sleep "$SECONDS_OF_CHURN"
touch "$T/stop"
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null

rounds=0
for c in $(seq 1 "$CLIENTS"); do rounds=$((rounds + $(cat "$T/rounds-$c" 2>/dev/null || echo 0))); done
echo "# $CLIENTS clients made $rounds rounds of $(( ${#CONTEXTS[@]} * 2 + 4 )) requests in ${SECONDS_OF_CHURN}s"
check "clients made requests" [ "$rounds" -gt 0 ]
bad=$(cat "$T"/client-* 2>/dev/null | sort | uniq -c | head -10)
check "every stable blob the same bytes, every answer documented${bad:+: $bad}" [ -z "$bad" ]

# The final state is the one on disk.
settled() {
        local want have
        want=$(cd "$T/root" && find . -name '*.json' | sed 's|^\./|r/|' | sort)
        have=$(api /v1/profiles | jq -r '.profiles[] | select(.state != "missing") | .name' | sort)
        [ "$want" = "$have" ]
}
check "registry settles on what is on disk" until_true 10 settled
check "daemon still serves" cmp -s <(api /v1/bpf/r/stable/default.json) "$T/ref/0.bpf"

kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
check "SIGTERM exits 0 (rc=$rc)" [ "$rc" = 0 ]
not_in_log() { ! grep -qE 'ThreadSanitizer|AddressSanitizer|LeakSanitizer|runtime error:' "$T/log"; }
check "no sanitizer report in the daemon's log" not_in_log
grep -E -A20 'ThreadSanitizer|AddressSanitizer|runtime error:' "$T/log" | head -60

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
