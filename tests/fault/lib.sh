# Shared by the fault suite (tests/fault/test-*.sh): a daemon on temporary roots, cache and
# socket, the good profiles it must keep serving byte for byte whatever a test does to it,
# and the pass/fail count. Sourced with the arguments SECCOMPD CTL SRC.
#
# Every test is bounded in time (meson's timeout is 60 s) and polls with deadlines. Each ends
# with good_served: the good profiles, fetched again, equal byte for byte the blobs that
# seccompctl compiles offline from the same files (the daemon's default context is the
# host's, which is seccompctl's default too).
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
T=$(mktemp -d /tmp/seccompd-fault.XXXXXX)
SOCK=$T/seccompd.sock
PID=
HELPERS=()
pass=0 fail=0

fault_cleanup() {
        local p
        for p in "${HELPERS[@]}"; do kill "$p" 2>/dev/null; done
        for p in "${HELPERS[@]}"; do wait "$p" 2>/dev/null; done
        [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap fault_cleanup EXIT
# meson's timeout sends SIGTERM: exit through the EXIT trap, leaving no daemon behind.
trap 'exit 143' TERM
trap 'exit 130' INT

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description command...
        local what=$1; shift
        if "$@"; then ok; else ko "$what"; fi
}
need_root() { # reason
        [ "$(id -u)" = 0 ] || { echo "SKIP: needs root: $*"; exit 77; }
}
need_cmd() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null || { echo "SKIP: '$c' is not installed"; exit 77; }
        done
}
need_cmd curl jq
api() { curl -s --max-time 10 --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
status_of() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
until_true() { # deadline-seconds command...: polls every 50 ms
        local end=$((SECONDS + $1)); shift
        while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.05; done
        "$@"
}
ready() { [ "$(api /v1/health | jq -r .ready 2>/dev/null)" = true ]; }
metric() { api /metrics | awk -v k="$1" '$1 == k { print $2 }'; }

# The good root: the repository's own profiles, and their blobs compiled offline.
GOOD=(default.json audit.json allow-all.json deny-all.json)
mkdir -p "$T/good" "$T/ref" "$T/cache"
cp "$SRC/profiles/default.json" "$SRC/profiles/audit.json" "$SRC/tests/profiles/allow-all.json" \
        "$SRC/tests/profiles/deny-all.json" "$T/good/"
for f in "${GOOD[@]}"; do
        "$CTL" -q compile "$T/good/$f" -o "$T/ref/$f.bpf" || { echo "cannot compile $f"; exit 1; }
done

start() { # extra args...: the daemon on the good root (and whatever roots the args add)
        "$SECCOMPD" --foreground --root "good=$T/good" --socket "$SOCK" --cache-dir "$T/cache" \
                --fallback-spool none "$@" >>"$T/log" 2>&1 &
        PID=$!
        until_true 20 ready || { ko "daemon ready"; tail -20 "$T/log"; }
}
stop() {
        [ -n "$PID" ] || return 0
        kill -TERM "$PID"; wait "$PID"; local rc=$?
        PID=
        return $rc
}

# Every good profile served, byte for byte.
good_served() {
        local f
        for f in "${GOOD[@]}"; do
                rm -f "$T/served.bpf"
                api "/v1/bpf/good/$f" -o "$T/served.bpf"
                check "good/$f served byte for byte" cmp -s "$T/served.bpf" "$T/ref/$f.bpf"
        done
}

finish() {
        echo "$pass passed, $fail failed"
        if [ "$fail" -gt 0 ]; then
                echo "--- daemon log (last 30 lines)"
                tail -30 "$T/log"
                exit 1
        fi
        exit 0
}
