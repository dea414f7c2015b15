#!/usr/bin/env bash
# issue 10, faults that held: hostile files in a root. A symlink out of every root (to a valid
# profile outside) is never served, also after its target changes and after a reload; a FIFO
# named x.json never blocks the daemon; a device node named y.json is refused, not read; a
# 200 MB sparse file is refused for its size without being read (RSS and read bytes stay
# small); a half-written profile is never served with the wrong content, and is served right
# once finished. Each shows its state and diagnostic; the good profiles are served byte for
# byte throughout.
. "$(dirname "$0")/lib.sh"
need_root "mknod of a device node"

H=$T/hostile
OUT=$T/outside
mkdir -p "$H" "$OUT"
cp "$SRC/profiles/audit.json" "$OUT/leak.json"
cp "$SRC/profiles/audit.json" "$H/a.json"
ln -s "$OUT/leak.json" "$H/out.json"
mkfifo "$H/x.json"
mknod "$H/y.json" c 1 3
truncate -s 200M "$H/big.json"

start --root "h=$H"
state() { api "/v1/profiles/h/$1" | jq -r .state; }
diag() { api "/v1/profiles/h/$1" | jq -r '.diagnostics[0].message'; }
refused() { # name message: invalid, with this diagnostic, and its blob answered 409
        check "$1 is invalid (got $(state "$1"))" [ "$(state "$1")" = invalid ]
        check "$1: '$2' (got '$(diag "$1")')" [ "$(diag "$1")" = "$2" ]
        local code; code=$(status_of "/v1/bpf/h/$1")
        check "$1 not served (got $code)" [ "$code" = 409 ]
}
refused out.json "symlink leads out of the watched roots"
refused x.json "not a regular file"
refused y.json "not a regular file"
refused big.json "larger than the size limit"
check "a.json valid beside them" [ "$(state a.json)" = valid ]
good_served

# The symlink stays refused when its target changes and after a reload.
rchar() { awk '$1 == "rchar:" { print $2 }' "/proc/$PID/io"; }
echo '{"defaultAction":"SCMP_ACT_ALLOW"}' >"$OUT/leak.json"
kill -HUP "$PID"
sleep 1
check "the symlink out stays refused after a reload" [ "$(state out.json)" = invalid ]
check "the symlink out still answers 409" [ "$(status_of /v1/bpf/h/out.json)" = 409 ]

# A FIFO and a device arriving while the daemon watches: health answers within 1 s.
mkfifo "$H/x2.json"
mknod "$H/y2.json" c 1 3
t0=$(date +%s%N)
code=$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/health)
ms=$((($(date +%s%N) - t0) / 1000000))
echo "health with a new FIFO in the root: $code in $ms ms"
check "health answers within 1 s beside a new FIFO (got $code in $ms ms)" [ "$code" = 200 ]
check "the new FIFO is refused" until_true 5 eval '[ "$(state x2.json)" = invalid ]'
check "the new device is refused" until_true 5 eval '[ "$(state y2.json)" = invalid ]'
check "the new FIFO: not a regular file" [ "$(diag x2.json)" = "not a regular file" ]

# A 200 MB sparse file arriving while watched: refused by size, not read.
r0=$(rchar)
truncate -s 200M "$H/big2.json"
check "the new 200 MB file is refused" until_true 5 eval '[ "$(state big2.json)" = invalid ]'
check "big2.json: larger than the size limit" [ "$(diag big2.json)" = "larger than the size limit" ]
read_kb=$((($(rchar) - r0) / 1024))
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")
echo "200 MB file: $read_kb KiB read by the daemon meanwhile, RSS $rss KiB"
check "the 200 MB file is not read (read $read_kb KiB)" [ "$read_kb" -lt 4096 ]
check "RSS stays small (got $rss KiB)" [ "$rss" -lt 65536 ]

# A half-written profile: the first half sits past the debounce, never served as valid.
size=$(stat -c %s "$SRC/profiles/default.json")
half=$((size / 2))
head -c "$half" "$SRC/profiles/default.json" >"$H/half.json"
sleep 1
check "the half-written file is not valid (got $(state half.json))" [ "$(state half.json)" = invalid ]
check "the half-written file is not served" [ "$(status_of /v1/bpf/h/half.json)" = 409 ]
tail -c +"$((half + 1))" "$SRC/profiles/default.json" >>"$H/half.json"
check "the finished file becomes valid" until_true 10 eval '[ "$(state half.json)" = valid ]'
api /v1/bpf/h/half.json -o "$T/half.bpf"
check "the finished file is served byte for byte as default.json" cmp -s "$T/half.bpf" "$T/ref/default.json.bpf"
check "the finished file's digest is the whole file's" \
        [ "$(api /v1/profiles/h/half.json | jq -r .digest)" = "sha256:$(sha256sum "$SRC/profiles/default.json" | cut -d' ' -f1)" ]

# Nothing lost, nothing gained: the same list after a restart.
before=$(api /v1/profiles | jq -c '[.profiles[] | {name, state, digest}]')
stop
start --root "h=$H"
check "the same states after a restart" [ "$(api /v1/profiles | jq -c '[.profiles[] | {name, state, digest}]')" = "$before" ]
check "the symlink out still refused after a restart" [ "$(status_of /v1/bpf/h/out.json)" = 409 ]
good_served
finish
