# SPDX-License-Identifier: Apache-2.0
# Helpers of the integration shell suites (test-cli, test-corpus-cli, test-daemon,
# test-stress), sourced once T (a temp dir) is set; api and ready need SOCK.
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description command...
        local what=$1; shift
        if "$@"; then ok; else ko "$what"; fi
}
expect_rc() { # rc command...
        local want=$1; shift
        "$@" >"$T/out" 2>"$T/err"; local rc=$?
        [ "$rc" = "$want" ] && ok || { ko "rc $rc (want $want): $*"; sed 's/^/  /' "$T/err" | head -5; }
}
expect_out() { # fragment command...
        local frag=$1; shift
        "$@" >"$T/out" 2>&1
        grep -qF -- "$frag" "$T/out" && ok || { ko "no '$frag' in: $*"; sed 's/^/  /' "$T/out" | head -5; }
}
api() { curl -s --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
until_true() { # deadline-seconds command...: polls every 50 ms, never a fixed sleep
        local end=$((SECONDS + $1)); shift
        while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.05; done
        "$@"
}
ready() { [ "$(api /v1/health | jq -r .ready 2>/dev/null)" = true ]; }
