#!/usr/bin/env bash
# Denials end to end: the real daemon reads the kernel's seccomp audit records; real denials
# made by `seccompctl exec` (KILL, LOG, and ERRNO with SECCOMP_FILTER_FLAG_LOG) appear in
# `seccompctl denials` within a second with the right syscall, action and "unattributed"
# (not a known container); ?follow=1 streams them; then a storm of LOG denials while a client
# fetches blobs: RSS and the ring bounded, counts right, fetch latency idle vs storm.
# Skips (77) where the audit multicast group cannot be read (no CAP_AUDIT_READ).
set -u
DAEMON=$(realpath "${1:?seccompd}")
CTL=$(realpath "${2:?seccompctl}")
SRC=$(realpath "${3:?source dir}")
STORM_SECONDS=${STORM_SECONDS:-3}
T=$(mktemp -d)
SOCK=$T/seccompd.sock
export SECCOMPD_SOCKET=$SOCK
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
api() { curl -s --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }

mkdir -p "$T/prof" "$T/cache"
# A probe binary of its own name: its denials are told apart from the machine's others by exe.
mkdir -p "$T/bin"
cp "$(command -v busybox)" "$T/bin/busybox"
PROBE=$T/bin/busybox
cat >"$T/prof/deny.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
 "syscalls": [
  {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"},
  {"names": ["getppid"], "action": "SCMP_ACT_LOG"},
  {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON
# The same ERRNO rule without the flag: the kernel logs nothing for it.
cat >"$T/prof/quiet.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON

"$DAEMON" --root "t=$T/prof" --socket "$SOCK" --cache-dir "$T/cache" --fallback-spool none \
        --foreground --self-filter-profile "$SRC/profiles/seccompd-self.json" \
        --request-timeout 2 2>"$T/log" &
DPID=$!
for _ in $(seq 100); do [ "$(api /v1/health | jq -r .ready 2>/dev/null)" = true ] && break; sleep 0.05; done

if [ "$(api /v1/denials | jq -r .reader.reading)" != true ]; then
        echo "SKIP: the daemon cannot read the audit records: $(api /v1/denials | jq -r .reader.reason)"
        exit 77
fi
# The reader is in /v1/status too.
[ "$(api /v1/status | jq -r .denials.reading)" = true ] && ok || ko "status has no denials reader"

# until_denial JQ-FILTER: polls `seccompctl denials --json` for up to 1 s; prints the match.
until_denial() {
        local end=$(($(date +%s%N) + 1000000000))
        while [ "$(date +%s%N)" -lt $end ]; do
                "$CTL" denials --json | jq -c "[.denials[] | select(.exe == \"$PROBE\") | $1] | first // empty" >"$T/match"
                [ -s "$T/match" ] && return 0
                sleep 0.05
        done
        return 1
}

# A follower, from now on.
(timeout 5 curl -sN --unix-socket "$SOCK" 'http://localhost/v1/denials?follow=1&syscall=mkdir' >"$T/follow") &
FOLLOW=$!
sleep 0.3

# KILL: mkdir dies of SIGSYS (KILL_THREAD of the only thread).
"$CTL" exec "$T/prof/deny.json" -- "$PROBE" mkdir "$T/x" 2>/dev/null
[ $? = 159 ] && ok || ko "mkdir under KILL was not killed"
if until_denial 'select(.syscall == "mkdir")'; then
        ok
        # Killed at once: the reader may find it gone already; either way unattributed.
        jq -e '.action == "KILL_THREAD" and (.unattributed == "not a known container" or .unattributed == "process gone before it could be identified") and .container == null and .syscall_nr == 83 and .arch == "x86_64"' "$T/match" >/dev/null \
                && ok || ko "mkdir denial: $(cat "$T/match")"
else ko "no mkdir denial within 1 s"; fi

# LOG: allowed and logged.
first_getppid=$(date +%s)
"$CTL" exec "$T/prof/deny.json" -- "$PROBE" sh -c "$PROBE sleep 0.5" 2>/dev/null
if until_denial 'select(.syscall == "getppid")'; then
        # Alive while the reader looks (the shell waits for sleep): not a known container.
        jq -e '.action == "LOG" and .unattributed == "not a known container" and .container == null' "$T/match" >/dev/null && ok || ko "getppid denial: $(cat "$T/match")"
else ko "no getppid (LOG) denial within 1 s"; fi

# ERRNO with SECCOMP_FILTER_FLAG_LOG: rmdir fails with EACCES and is logged.
"$CTL" exec "$T/prof/deny.json" -- "$PROBE" sh -c "$PROBE rmdir $T/none 2>&1; $PROBE sleep 0.3" >"$T/rm.out"
grep -q "Permission denied" "$T/rm.out" && ok || ko "rmdir did not fail with EACCES: $(cat "$T/rm.out")"
if until_denial 'select(.syscall == "rmdir")'; then
        jq -e '.action == "ERRNO" and (.unattributed | type) == "string"' "$T/match" >/dev/null && ok \
                || ko "rmdir denial: $(cat "$T/match")"
else ko "no rmdir (ERRNO, flag LOG) denial within 1 s"; fi

# The same ERRNO without the flag: not logged by the kernel (so the flag above mattered).
"$CTL" exec "$T/prof/quiet.json" -- "$PROBE" sh -c "$PROBE rmdir $T/quiet 2>/dev/null; $PROBE sleep 0.3"
sleep 0.5
n=$("$CTL" denials --json --syscall rmdir | jq "[.denials[] | select(.exe == \"$PROBE\")] | length")
[ "$n" = 1 ] && ok || ko "ERRNO without SECCOMP_FILTER_FLAG_LOG logged ($n rmdir denials)"

# The table and the filters.
"$CTL" denials --syscall mkdir >"$T/table"
head -1 "$T/table" | grep -q "TIME *CONTAINER *PROFILE *SYSCALL *ACTION *RULE *COUNT" && ok || ko "table header: $(head -1 "$T/table")"
grep -Eq "unattributed .* mkdir .* KILL_THREAD .* (not a known container|process gone)" "$T/table" && ok || ko "table row: $(cat "$T/table")"
[ "$("$CTL" denials --json --syscall rmdir | jq '[.denials[] | select(.syscall != "rmdir")] | length')" = 0 ] && ok || ko "?syscall= did not filter"
[ "$("$CTL" denials --json --container nope | jq '.denials | length')" = 0 ] && ok || ko "?container= did not filter"
last=$(api /v1/denials | jq .last)
[ "$(api "/v1/denials?since=$last" | jq '.denials | length')" = 0 ] && ok || ko "?since= did not filter"
[ "$(api '/v1/denials?since=x' -o /dev/null -w '%{http_code}')" = 400 ] && ok || ko "?since=x not 400"

# The follower got the mkdir denial, as NDJSON.
wait $FOLLOW
grep -c '"syscall":"mkdir"' "$T/follow" | grep -q '^[1-9]' && ok || ko "the follower saw no mkdir: $(head -c 300 "$T/follow")"
jq -e . "$T/follow" >/dev/null 2>&1 && ok || ko "the follower's stream is not NDJSON"

# Followers are bounded: 8 streams, the 9th is 503; a gone client frees its slot (noticed
# within a second: the first follower's is free by now).
for _ in $(seq 40); do [ "$(api /v1/denials | jq .reader.followers)" = 0 ] && break; sleep 0.05; done
[ "$(api /v1/denials | jq .reader.followers)" = 0 ] && ok || ko "the gone follower still counted"
pids=
for i in $(seq 8); do
        curl -sN --unix-socket "$SOCK" 'http://localhost/v1/denials?follow=1' >/dev/null &
        pids="$pids $!"
done
sleep 0.5
code=$(api '/v1/denials?follow=1' -o /dev/null -w '%{http_code}' -m 2)
[ "$code" = 503 ] && ok || ko "9th follower not refused: $code"
kill $pids 2>/dev/null
wait $pids 2>/dev/null
code=000
# A 503 comes back at once: poll for 3 s (a gone client is noticed within a second).
for _ in $(seq 30); do
        code=$(api '/v1/denials?follow=1' -o /dev/null -w '%{http_code}' -m 1.5)
        [ "$code" = 200 ] && break
        sleep 0.1
done
[ "$code" = 200 ] && ok || ko "slots of gone followers were not freed (got $code)"

# The whole-request deadline (2 s here) does not cut a follower: one 3 s old still gets the
# next denial.
(timeout 6 curl -sN --unix-socket "$SOCK" 'http://localhost/v1/denials?follow=1&syscall=mkdir' >"$T/follow2") &
FOLLOW=$!
sleep 3
"$CTL" exec "$T/prof/deny.json" -- "$PROBE" mkdir "$T/x2" 2>/dev/null
sleep 1
grep -q '"syscall":"mkdir"' "$T/follow2" && ok || ko "a follower past the request deadline was cut: $(head -c 200 "$T/follow2")"
wait $FOLLOW

# The metrics count them.
api /metrics >"$T/metrics"
grep -q 'seccompd_denials_total{profile="unattributed",syscall="mkdir",action="KILL_THREAD"} [1-9]' "$T/metrics" && ok || ko "no mkdir series in /metrics"
grep -q '^seccompd_denials_unattributed_total [1-9]' "$T/metrics" && ok || ko "no unattributed count"

# --- The storm: LOG denials at ~100k/s for STORM_SECONDS while blobs are fetched. ---
cat >"$T/storm.py" <<'PY'
import os, sys, time
seconds = float(sys.argv[1]); rate = 100000; n = 0
start = time.monotonic()
while True:
    now = time.monotonic() - start
    if now >= seconds:
        break
    if n < rate * now:
        for _ in range(1000):
            os.getppid()
        n += 1000
    else:
        time.sleep(0.001)
print(n)
PY
cat >"$T/fetch.py" <<'PY'
import socket, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
lat = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    t = time.monotonic()
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    s.sendall(b"GET /v1/bpf/t/deny.json HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
    s.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:40]
    lat.append((time.monotonic() - t) * 1000)
lat.sort()
print("%d %.3f %.3f" % (len(lat), lat[len(lat) // 2], lat[int(len(lat) * 0.99)]))
PY
rss() { awk '/VmRSS/ {print $2}' /proc/$DPID/status; }
read -r idle_n idle_p50 idle_p99 < <(python3 "$T/fetch.py" "$SOCK" 2)
before=$(api /v1/denials | jq .reader)
rss0=$(rss)
cpu() { awk '{print $14 + $15}' /proc/$DPID/stat; } # clock ticks, user + system
cpu0=$(cpu)
# The storm in a process of its own, under the profile (getppid is LOG): seccompctl exec
# execs python in its own pid, by which its denials are told apart.
PY=$(python3 -c 'import sys; print(sys.executable)')
# Quirk of this host (no auditd, a kernel that printks every audit record to a slow console):
# in some runs the storm's process exits a whole minute after its last call, every record
# received and counted; the kernel's audit_backlog_wait_time (60 s by default) is the likely
# cause. Nothing in the daemon waits then; the test's timeout allows for it.
"$CTL" exec "$T/prof/deny.json" -- "$PY" "$T/storm.py" "$STORM_SECONDS" >"$T/storm.out" &
SP=$!
read -r storm_n storm_p50 storm_p99 < <(python3 "$T/fetch.py" "$SOCK" "$STORM_SECONDS")
wait $SP
made=$(cat "$T/storm.out")
sleep 1
rss1=$(rss)
cpu1=$(cpu)
after=$(api /v1/denials | jq .reader)
received=$(( $(jq .records <<<"$after") - $(jq .records <<<"$before") ))
lost=$(( $(jq .lost <<<"$after") - $(jq .lost <<<"$before") ))
klost=$(jq -r '.kernel_lost // "unknown"' <<<"$after")
stormcount=$(api '/v1/denials?syscall=getppid' | jq "[.denials[] | select(.pid == $SP) | .count] | add // 0")
entries=$(api '/v1/denials?syscall=getppid' | jq "[.denials[] | select(.pid == $SP)] | length")
ring=$(api /v1/denials | jq '.denials | length')
echo "storm: $made getppid calls made in ${STORM_SECONDS}s; records received $received (all processes), overruns $lost, kernel lost $klost; the storm's entries $entries with counts summing to $stormcount"
echo "fetch latency idle: $idle_n fetches, p50 ${idle_p50} ms, p99 ${idle_p99} ms; during the storm: $storm_n fetches, p50 ${storm_p50} ms, p99 ${storm_p99} ms"
echo "RSS before the storm ${rss0} kB, after ${rss1} kB; daemon CPU during the storm (reader and fetches) $(( (cpu1 - cpu0) * 1000 / $(getconf CLK_TCK) )) ms"
[ "$ring" -le 1024 ] && ok || ko "ring over its bound: $ring"
# Under AddressSanitizer freed memory sits in its quarantine (up to 256 MB): RSS says nothing.
if grep -qaE '__(a|t)san_init' "$DAEMON"; then
        echo "# RSS not checked: a sanitizer build (shadow memory, ASan's quarantine)"
else
        [ $((rss1 - rss0)) -lt 4096 ] && ok || ko "RSS grew by $((rss1 - rss0)) kB in the storm"
fi
# Collapsing: one entry per second (and per thread), not one per call.
[ "$entries" -ge 1 ] && [ "$entries" -le $((STORM_SECONDS * 2 + 2)) ] && ok || ko "storm entries: $entries"
# Every record of the storm that arrived is counted, never more than were made.
[ "$stormcount" -le "$made" ] && [ "$stormcount" -ge 1 ] && ok || ko "storm counted $stormcount of $made"
[ "$stormcount" -le "$received" ] && ok || ko "storm count $stormcount > records $received"
# What was made and not counted was lost, and the loss is reported: by the kernel (its count
# of records) or by the socket (its overruns: each drops records the daemon cannot count, as
# in a slow sanitizer build). With no overrun, every record not counted is the kernel's.
if [ "$lost" -gt 0 ]; then
        echo "# $lost overruns of the audit socket: $((made - stormcount)) records not counted, reported as lost"
        [ "$stormcount" -lt "$made" ] && ok || ko "overruns reported ($lost) but every record counted"
elif [ "$klost" != unknown ]; then
        [ $((made - stormcount)) -le "$klost" ] && ok || ko "$((made - stormcount)) records unaccounted (no overrun, kernel lost $klost)"
fi
[ "$storm_n" -ge 10 ] && ok || ko "only $storm_n fetches during the storm"
# The log (the journal's fallback here) is never a storm: one line per distinct (container,
# syscall, action) per 10 s, counted from the first getppid (a loaded machine stretches this
# test past 30 s).
lines=$(grep -c "Seccomp denial: getppid LOG" "$T/log")
allowed=$(( ($(date +%s) - first_getppid) / 10 + 2 ))
echo "log lines for the storm's getppid LOG denials (and every other getppid LOG): $lines (at most $allowed)"
[ "$lines" -le "$allowed" ] && ok || ko "$lines log lines for getppid LOG, more than $allowed"

# A follower does not hold shutdown: SIGTERM ends its stream and the daemon exits.
(curl -sN --unix-socket "$SOCK" 'http://localhost/v1/denials?follow=1' >/dev/null) &
sleep 0.3
t0=$(date +%s%N)
kill $DPID
wait $DPID
rc=$?
t1=$(date +%s%N)
DPID=
[ $rc = 0 ] && ok || ko "daemon exit status $rc with a follower"
[ $(((t1 - t0) / 1000000)) -lt 3000 ] && ok || ko "shutdown with a follower took $(((t1 - t0) / 1000000)) ms"
grep -q "Operation not permitted\|refused" "$T/log" && ko "the self filter refused something: $(grep -m3 'not permitted\|refused' "$T/log")" || ok

echo "denials: $pass passed, $fail failed"
[ $fail = 0 ]
