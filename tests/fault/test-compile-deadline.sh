#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 10, defect 2: compile time has a bound, and stopping never waits for a compile.
# libseccomp's rule adds grow faster than linearly with repeated names: one rule with 60,000
# names of five syscalls (470 KB, under the 1 MiB file limit) takes tens of seconds (37 s
# measured here; seccompctl compile is timed below); so do argument comparisons: 200 rules of
# six comparisons on ioctl for x86_64, x86 and x32 take seconds too. seccompd compiles any
# profile over 1,024 names or 64 comparisons in a child process killed at --compile-timeout
# (2 s here):
#   1. such a file becomes invalid at the deadline, with a diagnostic that says so, while the
#      daemon answers and a small profile that lands meanwhile is valid within the deadline;
#   2. POST /v1/compile of it answers 422 with that diagnostic at the deadline; with every
#      child slot busy, another answers 503 at once; the daemon's RSS does not grow;
#   3. SIGTERM during both kinds of compile exits 0 within 1 s, leaves no child behind;
#   4. after a restart the cache is whole and the good profile served byte for byte.
#   test-compile-deadline.sh SECCOMPD SECCOMPCTL SOURCE-DIR
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
T=$(mktemp -d /tmp/seccompd-compile-deadline.XXXXXX)
. "$(dirname "$0")/lib-bounds.sh"
need_root_tools python3
NAMES=${STOP_COMPILE_NAMES:-60000}
not() { ! "$@"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
children() { pgrep -P "$PID" | wc -l; }
children_are() { [ "$(children)" "$1" "$2" ]; } # test-operator count: polled, so a function

mkdir -p "$T/root" "$T/cache"
cp "$SRC/profiles/default.json" "$T/root/good.json"
"$CTL" -q compile "$SRC/profiles/default.json" -o "$T/good.bpf"
python3 - "$T" "$NAMES" <<'PY'
import json, sys
names = ["read", "write", "openat", "close", "mmap"]
n = int(sys.argv[2])
for i, extra in enumerate(["", "getpid", "gettid"]):
    rule = {"names": [names[k % 5] for k in range(n)], "action": "SCMP_ACT_ALLOW"}
    p = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [rule]}
    if extra:  # other content, other blob key: not shared with slow.json's compile
        p["syscalls"].append({"names": [extra], "action": "SCMP_ACT_ALLOW"})
    open(f"{sys.argv[1]}/slow{i or ''}.json", "w").write(json.dumps(p, separators=(",", ":")))
# Few names, many argument comparisons, three arches: 200 x 6 on ioctl.
rules = [{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW",
          "args": [{"index": k, "value": i * 7 + k, "op": "SCMP_CMP_EQ"} for k in range(6)]}
         for i in range(200)]
p = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": rules,
     "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]}
open(f"{sys.argv[1]}/slow-args.json", "w").write(json.dumps(p))
PY
echo "# slow.json: $NAMES names, $(stat -c %s "$T/slow.json") bytes"
# How long the compile takes here, bounded: at least 5 s is what the test needs.
t0=$(date +%s%N)
timeout 5 "$CTL" -q compile "$T/slow.json" -o /dev/null 2>/dev/null
rc=$?
echo "# seccompctl compile of slow.json: $([ $rc = 124 ] && echo "still running after 5 s" || echo "$(ms_since "$t0") ms")"
[ $rc = 124 ] || skip "slow.json compiles in under 5 s here: nothing to bound"

start_daemon --root "r=$T/root:docker" --compile-timeout 2
check "good profile served" cmp -s <(api /v1/bpf/r/good.json) "$T/good.bpf"
rss0=$(rss_kb)

# 1. A file: invalid at the deadline, with the reason; the daemon answers meanwhile.
t0=$(date +%s%N)
cp "$T/slow.json" "$T/slow-args.json" "$T/root/"
check "compile children run for slow.json and slow-args.json" until_true 3 children_are = 2
check "the daemon answers meanwhile" [ "$(status_of /v1/health)" = 200 ]
cp "$T/root/good.json" "$T/root/small.json"
check "slow.json is invalid by the deadline (+1.5 s)" until_true 4 state_is r/slow.json invalid
echo "# slow.json invalid after $(ms_since "$t0") ms"
check "its diagnostic names the deadline" \
        grep -q "took longer than 2000 ms: cancelled" <(api /v1/profiles/r/slow.json)
check "slow-args.json (200 x 6 comparisons) too" until_true 1 state_is r/slow-args.json invalid
check "... for the same reason" \
        grep -q "took longer than 2000 ms: cancelled" <(api /v1/profiles/r/slow-args.json)
check "a profile that landed meanwhile is valid" until_true 2 state_is r/small.json valid
check "no compile child left once it is refused" until_true 2 children_are = 0
check "/metrics counts the two compiles killed at the deadline" \
        grep -qx 'seccompd_compile_timeouts_total 2' <(api /metrics)

# 2. POST /v1/compile: 422 at the deadline; 503 at once when every slot is busy.
t0=$(date +%s%N)
code=$(api /v1/compile -H 'Expect:' -X POST --data-binary @"$T/slow1.json" -o "$T/post.json" \
        -w '%{http_code}')
ms=$(ms_since "$t0")
echo "# POST /v1/compile of a slow profile: $code after $ms ms"
check "POST answers 422 ($code)" [ "$code" = 422 ]
check "... at the deadline (1.9-4 s: $ms ms)" [ "$ms" -ge 1900 -a "$ms" -lt 4000 ]
check "... with the deadline's diagnostic" grep -q "took longer than 2000 ms" "$T/post.json"
# Two slots (2 workers): hold both, then ask a third time. Twice: memory must not grow from
# one round to the next (the libseccomp work is in the children; the daemon keeps only the
# parsed request while it waits).
hold_both() { # round
        local holds= i
        for i in 1 2; do
                api /v1/compile -H 'Expect:' -X POST --data-binary @"$T/slow$i.json" \
                        -o "$T/hold$i.json" -w '%{http_code}\n' >"$T/hold$i.code" &
                holds+=" $!"
        done
        check "round $1: both child slots busy" until_true 3 children_are = 2
        t0=$(date +%s%N)
        code=$(api /v1/compile -H 'Expect:' -X POST --data-binary @"$T/slow.json" \
                -o "$T/busy.json" -w '%{http_code}')
        ms=$(ms_since "$t0")
        check "round $1: a third large compile answers 503 at once ($code, $ms ms)" \
                [ "$code" = 503 -a "$ms" -lt 1000 ]
        check "round $1: ... saying the slots are busy" grep -q "large-compile slot" "$T/busy.json"
        check "round $1: small compiles answer 200 meanwhile" \
                [ "$(status_of /v1/compile -X POST --data-binary @"$SRC/profiles/default.json")" = 200 ]
        # shellcheck disable=SC2086 # two pids
        wait $holds
        check "round $1: both held compiles answered 422" \
                [ "$(cat "$T/hold1.code" "$T/hold2.code" | tr '\n' ' ')" = "422 422 " ]
}
hold_both 1
rss1=$(rss_kb)
hold_both 2
rss2=$(rss_kb)
echo "# RSS: $rss0 kB at start, $rss1 kB after round 1, $rss2 kB after round 2"
# Under a sanitizer freed memory sits in ASan's quarantine: RSS says nothing there.
if grep -qaE '__(a|t)san_init' "$SECCOMPD"; then
        echo "# RSS not checked: the daemon is built with a sanitizer"
else
        check "the daemon's RSS does not grow from round to round ($rss1 -> $rss2 kB)" \
                [ $((rss2 - rss1)) -lt 4096 ]
fi

# 3. SIGTERM during a file compile and an HTTP compile: exit within 1 s, no child left.
rm -f "$T/root/slow.json" "$T/root/slow-args.json"
until_true 3 not state_is r/slow.json invalid
api /v1/compile -H 'Expect:' -X POST --data-binary @"$T/slow1.json" -o /dev/null &
post=$!
cp "$T/slow2.json" "$T/root/slow2.json"
check "two compile children run" until_true 3 children_are = 2
kids=$(pgrep -P "$PID" | tr '\n' ' ')
t0=$(date +%s%N)
kill -TERM "$PID"
wait "$PID"
rc=$?
ms=$(ms_since "$t0")
PID=
echo "# SIGTERM to exit: $ms ms"
check "SIGTERM during two compiles: exit within 1 s ($ms ms)" [ "$ms" -lt 1000 ]
check "exit status 0 (rc=$rc)" [ "$rc" = 0 ]
gone() { for k in $kids; do kill -0 "$k" 2>/dev/null && return 1; done; return 0; }
check "no compile child outlives the daemon" until_true 1 gone
check "nothing logged invalid for the cancelled compile" not grep -q "slow2.json' is invalid" "$T/log"
wait "$post"

# 4. Restart without the slow profiles: the cache is whole.
rm -f "$T/root/slow"*.json
start_daemon --root "r=$T/root:docker"
check "after restart: good profile byte for byte" cmp -s <(api /v1/bpf/r/good.json) "$T/good.bpf"
status=$(api /v1/status)
check "after restart: no corrupt cache entry" [ "$(jq .cache.corrupt <<<"$status")" = 0 ]
check "after restart: the good blob came from the cache" [ "$(jq .cache.hits <<<"$status")" -gt 0 ]
check "after restart: no temp file left in the cache" \
        [ -z "$(find "$T/cache" -name '.tmp-*' | head -1)" ]
stop_daemon
rc=$?
check "a plain SIGTERM exits 0 (rc=$rc)" [ "$rc" = 0 ]
finish
