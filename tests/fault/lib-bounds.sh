# Shared by tests/fault/test-{contexts,depth,bindmount}.sh (sourced, not run): a real daemon
# on a temporary root, cache and socket, polled with deadlines, never fixed sleeps.
# Each test sets SECCOMPD, SRC and T before sourcing, and calls start_daemon ARGS...

PID=
pass=0 fail=0
SOCK=$T/seccompd.sock

cleanup() {
        [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
# meson's timeout sends SIGTERM: exit through the EXIT trap, leaving no daemon behind.
trap 'exit 143' TERM
trap 'exit 130' INT

skip() { echo "SKIP: $*"; exit 77; }
need_root_tools() { # tools...
        [ "$(id -u)" = 0 ] || skip "needs root"
        for t in curl jq "$@"; do
                command -v "$t" >/dev/null || skip "needs $t"
        done
}

ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { # description command...
        local what=$1; shift
        if "$@"; then ok "$what"; else ko "$what"; fi
}
api() { curl -s --max-time 20 --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
status_of() { curl -s --max-time 20 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
until_true() { # deadline-seconds command...: polls every 50 ms
        local end=$((SECONDS + $1)); shift
        while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.05; done
        "$@"
}
ready() { [ "$(api /v1/health | jq -r .ready 2>/dev/null)" = true ]; }
state_of() { api "/v1/profiles/$1" | jq -r '.state // "absent"'; }
state_is() { [ "$(state_of "$1")" = "$2" ]; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }

start_daemon() { # args...
        "$SECCOMPD" --foreground --socket "$SOCK" --cache-dir "$T/cache" --workers 2 \
                --fallback-spool none "$@" >>"$T/log" 2>&1 &
        PID=$!
        if ! until_true 30 ready; then
                ko "daemon ready"
                tail -20 "$T/log"
                exit 1
        fi
}
stop_daemon() {
        kill -TERM "$PID"
        wait "$PID"
        local rc=$?
        PID=
        return $rc
}

finish() {
        echo "$pass passed, $fail failed"
        [ "$fail" = 0 ] || { [ -n "${KEEP_TMP:-}" ] || tail -30 "$T/log"; exit 1; }
        exit 0
}
