#!/usr/bin/env bash
# issue 10, faults that held: a cache the daemon cannot write. Read-only (a read-only bind
# mount: chmod does not stop root) and full (a 200 KiB tmpfs), each in a private mount
# namespace around the daemon: every profile is still served byte for byte (from memory),
# the log says once that blobs cannot be stored, and the cache holds no torn entry. A read-only
# cache directory without blobs/ (a fresh node whose cache volume is read-only) is the same:
# the daemon starts, says so once, and serves everything from memory.
. "$(dirname "$0")/lib.sh"
need_root "mount namespaces"
need_cmd unshare

G=$T/gen
sh "$SRC/bench/gen-profiles.sh" "$G" 300 || { echo "gen-profiles failed"; exit 1; }
for i in 00000 00150 00299; do "$CTL" -q compile "$G/p$i.json" -o "$T/p$i.bpf"; done
start_ns() { # mount-commands [cache-dir]: the daemon in a private mount namespace after them
        unshare -m sh -c "mount --make-rprivate / && $1 && exec \"\$0\" \"\$@\"" "$SECCOMPD" \
                --foreground --root "good=$T/good" --root "gen=$G" --socket "$SOCK" \
                --cache-dir "${2:-$T/cache}" --fallback-spool none >>"$T/log" 2>&1 &
        PID=$!
        until_true 30 ready || { ko "daemon ready"; tail -20 "$T/log"; }
}
gen_served() {
        local i
        for i in 00000 00150 00299; do
                rm -f "$T/served.bpf"
                api "/v1/bpf/gen/p$i.json" -o "$T/served.bpf"
                check "$1: gen/p$i.json byte for byte" cmp -s "$T/served.bpf" "$T/p$i.bpf"
        done
}
stored_warnings() { grep -c "Cannot store a blob in the cache" "$T/log"; }

# Read-only: the good profiles' entries are there, the 300 new ones cannot be stored.
start
stop
before=$(cd "$T/cache" && find . | sort | md5sum)
: >"$T/log"
start_ns "mount --bind '$T/cache' '$T/cache' && mount -o remount,bind,ro '$T/cache'"
check "read-only: 304 valid" [ "$(api /v1/status | jq .counts.valid)" = 304 ]
good_served
gen_served read-only
check "read-only: said once in the log (got $(stored_warnings))" [ "$(stored_warnings)" = 1 ]
grep "Cannot store" "$T/log"
stop
check "read-only: the cache is unchanged" [ "$(cd "$T/cache" && find . | sort | md5sum)" = "$before" ]

# Read-only and without blobs/: the daemon starts (it exited before), serves from memory.
mkdir "$T/bare"
: >"$T/log"
start_ns "mount --bind '$T/bare' '$T/bare' && mount -o remount,bind,ro '$T/bare'" "$T/bare"
check "read-only, no blobs/: the daemon runs" kill -0 "$PID"
check "read-only, no blobs/: 304 valid" [ "$(api /v1/status | jq .counts.valid)" = 304 ]
good_served
gen_served "read-only, no blobs/"
unusable=$(grep -c "Cannot use the cache directory '$T/bare' (Read-only file system)" "$T/log")
check "read-only, no blobs/: said at start (got $unusable)" [ "$unusable" = 1 ]
check "read-only, no blobs/: a failed store said once (got $(stored_warnings))" [ "$(stored_warnings)" = 1 ]
check "read-only, no blobs/: nothing in the cache (got $(api /v1/status | jq .cache.entries))" \
        [ "$(api /v1/status | jq .cache.entries)" = 0 ]
kill -HUP "$PID"
until_true 10 eval '[ "$(api /v1/status | jq .counts.valid)" = 304 ]'
gen_served "read-only, no blobs/, after a reload"
stop
check "read-only, no blobs/: the directory is still empty" [ -z "$(ls -A "$T/bare")" ]

# Full: a 200 KiB tmpfs as the cache; some entries fit, the rest are served from memory.
: >"$T/log"
start_ns "mount -t tmpfs -o size=200k seccompd-fault '$T/cache'"
check "full: 304 valid" [ "$(api /v1/status | jq .counts.valid)" = 304 ]
good_served
gen_served full
check "full: said once in the log (got $(stored_warnings))" [ "$(stored_warnings)" = 1 ]
grep "Cannot store" "$T/log"
entries=$(api /v1/status | jq .cache.entries)
echo "full: $entries entries stored in 200 KiB"
check "full: some entries stored, not all (got $entries)" [ "$entries" -gt 0 -a "$entries" -lt 304 ]
# Every entry that was stored is whole: the daemon re-reads them all at a reload.
kill -HUP "$PID"
sleep 1
check "full: no corrupt entry" [ "$(api /v1/status | jq .cache.corrupt)" = 0 ]
good_served
gen_served "full, after a reload"
stop
start
good_served
finish
