#!/usr/bin/env bash
# Issue 10, defect 5: contexts per profile are bounded, and only privileged peers create new
# ones. GET /v1/bpf/NAME?caps=... with 200+ distinct contexts, first from an unprivileged
# peer (uid 65534, not in the socket group: it reaches the socket through mode 0666), then
# from root: the blobs listed on the profile stay within --max-contexts (+1, the default
# context's), the on-disk cache within --cache-max (on-demand blobs are never pinned), RSS
# roughly flat, and the default blob is served byte for byte throughout.
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
T=$(mktemp -d /tmp/seccompd-contexts.XXXXXX)
. "$(dirname "$0")/lib-bounds.sh"
need_root_tools setpriv

MAX=16 # the default of --max-contexts: not passed, so that the test runs on older daemons too
CACHE_MAX=131072 # a few dozen of these blobs: 220 contexts overflow it
mkdir -p "$T/profiles" "$T/cache"
cp "$SRC/profiles/default.json" "$T/profiles/docker.json"
chmod 0711 "$T" # mktemp -d is 0700: let the other user reach the socket
mkdir -m 0777 "$T/out" # and write what it fetched
start_daemon --root "p=$T/profiles" --cache-max "$CACHE_MAX"
chmod 0666 "$SOCK"
NAME=p/docker.json
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody_get() { # path output -> HTTP status
        nobody curl -s --max-time 20 -o "$2" -w '%{http_code}' --unix-socket "$SOCK" \
                "http://localhost$1"
}
blobs_listed() { api "/v1/profiles/$NAME" | jq '.blobs | length'; }
cache_bytes() { api /v1/status | jq .cache.bytes; }
compiles() { api /v1/status | jq .compiles; }

"$CTL" -q compile "$T/profiles/docker.json" -o "$T/local.bpf"
api "/v1/bpf/$NAME" -o "$T/before.bpf"
check "default blob equals seccompctl compile" cmp -s "$T/before.bpf" "$T/local.bpf"
check "unprivileged peer reads the default context" \
        [ "$(nobody_get "/v1/bpf/$NAME" "$T/out/nobody-default.bpf")" = 200 ]
check "... byte for byte" cmp -s "$T/out/nobody-default.bpf" "$T/local.bpf"

# 220 distinct contexts: capability sets added to the default, over 8 that the default lacks
# and the profile's rules depend on, so that each resolves to a blob of its own.
CAPS=(CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_RAWIO CAP_SYS_MODULE CAP_SYS_NICE CAP_SYS_PACCT
      CAP_SYS_PTRACE CAP_SYS_TIME)
context() { # n -> query string
        local n=$1 list="" i
        for i in 0 1 2 3 4 5 6 7; do
                (( n >> i & 1 )) && list="$list${list:+,}${CAPS[$i]}"
        done
        echo "caps=%2B$list"
}
N=220

# --- an unprivileged peer asks for new contexts: refused, nothing compiled or kept --------
c0=$(compiles)
codes=""
for n in $(seq 1 $N); do
        codes="$codes $(nobody_get "/v1/bpf/$NAME?$(context "$n")" "$T/out/nobody.out")"
done
check "unprivileged: every new context refused with 403" \
        [ "$(echo $codes | tr ' ' '\n' | sort -u)" = 403 ]
check "unprivileged: the refusal is a JSON error that says why" \
        [ "$(jq -r .error.code "$T/out/nobody.out")" = forbidden ]
grep -q "seccompd group" "$T/out/nobody.out" || ko "refusal names who may ask: $(cat "$T/out/nobody.out")"
check "unprivileged: nothing compiled" [ "$(compiles)" = "$c0" ]
check "unprivileged: one blob listed on the profile" [ "$(blobs_listed)" = 1 ]

# --- root asks for them: every one served, at most MAX kept ------------------------------
for n in $(seq 1 32); do api "/v1/bpf/$NAME?$(context "$n")" -o /dev/null; done
rss0=$(rss_kb)
bad=0
for n in $(seq 1 $N); do
        [ "$(status_of "/v1/bpf/$NAME?$(context "$n")")" = 200 ] || bad=$((bad + 1))
done
rss1=$(rss_kb)
check "root: all $N contexts served" [ "$bad" = 0 ]
listed=$(blobs_listed)
check "root: blobs listed $listed <= 1 + $MAX" [ "$listed" -le $((MAX + 1)) ]
cb=$(cache_bytes)
check "cache bytes $cb <= --cache-max $CACHE_MAX" [ "$cb" -le "$CACHE_MAX" ]
echo "RSS after the first 32 contexts ${rss0} kB, after $N more ${rss1} kB"
# Under AddressSanitizer (scripts/test's build-asan) freed memory sits in its quarantine:
# RSS says nothing there, the blob count and the cache bytes still do.
if grep -qaE '__(a|t)san_init' "$SECCOMPD"; then
        echo "RSS not checked: the daemon is built with a sanitizer"
else
        check "RSS roughly flat (+$((rss1 - rss0)) kB < 4096 kB)" [ $((rss1 - rss0)) -lt 4096 ]
fi

# An already-compiled context (the last one asked) is served to the unprivileged peer.
api "/v1/bpf/$NAME?$(context $N)" -o "$T/root-last.bpf"
check "unprivileged: a kept context is served" \
        [ "$(nobody_get "/v1/bpf/$NAME?$(context $N)" "$T/out/nobody-last.bpf")" = 200 ]
check "... byte for byte as root got it" cmp -s "$T/out/nobody-last.bpf" "$T/root-last.bpf"

# --- the good profile is still served byte for byte --------------------------------------
api "/v1/bpf/$NAME" -o "$T/after.bpf"
check "default blob unchanged, byte for byte" cmp -s "$T/after.bpf" "$T/local.bpf"
check "unprivileged default still byte for byte" \
        [ "$(nobody_get "/v1/bpf/$NAME" "$T/out/nobody-after.bpf")" = 200 ]
cmp -s "$T/out/nobody-after.bpf" "$T/local.bpf" || ko "unprivileged default blob changed"
check "daemon alive" kill -0 "$PID"
check "daemon stops cleanly" stop_daemon
finish
