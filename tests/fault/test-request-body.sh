#!/usr/bin/env bash
# issue 10, defect 4 (bodies): main read an endless chunked body for as long as it came,
# discarding it past 1 MiB but never answering. Now a chunked body is cut at the body limit
# (413 written, connection closed), a slow one at the request deadline (408), and a
# Content-Length over the limit is answered 413 before any byte of the body is read.
. "$(dirname "$0")/lib.sh"
need_cmd python3 curl
SLOW=$(dirname "$0")/slow-client.py

start --request-timeout 4
# Fast and endless: 64 KiB chunks as fast as the socket takes them, up to 256 MiB or 20 s.
read -r _ sent _ status _ elapsed < <(python3 "$SLOW" chunked "$SOCK" $((256 << 20)) 20)
echo "endless chunked body: cut after $sent bytes, status $status, $elapsed s"
check "an endless chunked body is cut (status $status)" [ "$status" = 413 ]
check "within 4 MiB of body (sent $sent)" [ "${sent:-999999999}" -le $((4 << 20)) ]
# Slow and endless: 100-byte chunks every 0.2 s stay under 1 MiB, never idle: the deadline.
read -r _ sent _ status _ elapsed < <(python3 "$SLOW" chunked "$SOCK" $((256 << 20)) 12 100 0.2)
echo "slow chunked body: cut after $sent bytes, status $status, $elapsed s"
check "a slow chunked body is cut by the deadline (status $status)" [ "$status" = 408 ]
check "within the 4 s deadline + 1.5 s (took $elapsed)" awk -v t="${elapsed:-99}" 'BEGIN { exit !(t <= 5.5) }'
# A Content-Length over the limit: 413 before the body.
head -c $((2 << 20)) /dev/zero >"$T/big.json"
code=$(curl -s --max-time 10 -o "$T/413.json" -w '%{http_code}' --unix-socket "$SOCK" \
        -X POST --data-binary @"$T/big.json" http://localhost/v1/validate)
check "a 2 MiB Content-Length is answered 413 (got $code)" [ "$code" = 413 ]
check "with a JSON error" [ "$(jq -r .error.code "$T/413.json")" = payload_too_large ]
# A body within the limit still works, chunked or not.
code=$(curl -s --max-time 10 -o "$T/v.json" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
        -H 'Transfer-Encoding: chunked' --data-binary @"$SRC/profiles/default.json" \
        http://localhost/v1/validate)
check "a chunked profile is validated (got $code)" [ "$code:$(jq .valid "$T/v.json")" = 200:true ]
check "the daemon answers after all this" ready
good_served
finish
