#!/usr/bin/env bash
# issue 10, faults that held: malformed HTTP over the socket (no request line, binary
# garbage, a header without a colon, a 100 KB header, HTTP/0.9, absurd methods, a huge
# Content-Length with no body, a raw NUL) and path traversal in every encoding (../, %2e%2e/,
# %2e%2e%2f, ..%2f, %252e%252e, //, /./, backslashes, %5c, overlong UTF-8 %c0%ae, %00), each
# answered 4xx or closed, never 500, never a file outside the name space; pipelined
# requests both answered; then 500 clients at once, each answered 200 with the right bytes
# or 429 (more than --max-connections-per-peer from one process).
#
# What reaches the router answers a JSON error. libmicrohttpd answers what it cannot parse
# itself, with its own HTML body: 400 (garbage, no colon, HTTP/0.9), 431 (100 KB header), 505
# (HTTP/9.9), 413 (a Content-Length past 2^64, its header block sent twice: libmicrohttpd
# 0.9.75's framing, not the daemon's).
. "$(dirname "$0")/lib.sh"
need_cmd python3
D=$(dirname "$0")

start
python3 "$D/malformed-http.py" "$SOCK" >"$T/answers" || ko "malformed-http.py"
echo "$(wc -l <"$T/answers") malformed requests: $(jq -r '.status | split(" ")[1] // "closed"' "$T/answers" | sort | uniq -c | tr -s ' \n' ' ')"
while IFS= read -r a; do
        name=$(jq -r .case <<<"$a")
        code=$(jq -r '.status | split(" ")[1] // "closed"' <<<"$a")
        check "$name: 4xx, 505 or closed (got $code)" eval '[[ $code == 4?? || $code == 505 || $code == closed ]]'
        check "$name: never outside the name space" eval '! jq -r .body <<<"$a" | grep -q "root:"'
        if [ "$(jq -r .router <<<"$a")" = true ]; then
                check "$name: a JSON error" eval '[ -n "$(jq -r .body <<<"$a" | jq -r ".error.code // empty" 2>/dev/null)" ]'
        fi
done <"$T/answers"
check "health after the malformed requests" ready

# Pipelined: two requests in one write, both answered, the blob right.
python3 - "$SOCK" "$T/pipelined" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
s.sendall(b"GET /v1/bpf/good/default.json HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /v1/bpf/good/deny-all.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
out = b""
while True:
    c = s.recv(65536)
    if not c: break
    out += c
open(sys.argv[2], "wb").write(out)
PY
n=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(b"HTTP/1.1 200 "))' "$T/pipelined")
check "pipelined: two answers 200 (got $n)" [ "$n" = 2 ]
check "pipelined: the first blob in the answer" \
        python3 -c 'import sys; sys.exit(open(sys.argv[2],"rb").read() not in open(sys.argv[1],"rb").read())' \
        "$T/pipelined" "$T/ref/default.json.bpf"
check "pipelined: the second blob in the answer" \
        python3 -c 'import sys; sys.exit(open(sys.argv[2],"rb").read() not in open(sys.argv[1],"rb").read())' \
        "$T/pipelined" "$T/ref/deny-all.json.bpf"

# 500 clients at once, twice.
for round in 1 2; do
        out=$(python3 "$D/many-clients.py" "$SOCK" "$T/ref/default.json.bpf" 500)
        echo "500 clients, round $round: $out"
        ok200=$(grep -o '\b200=[0-9]*' <<<"$out" | cut -d= -f2)
        n429=$(grep -o '\b429=[0-9]*' <<<"$out" | cut -d= -f2)
        check "round $round: only 200 and 429 ($out)" [ "$((${ok200:-0} + ${n429:-0}))" = 500 ]
        check "round $round: no wrong bytes" eval '! grep -q wrong <<<"$out"'
        check "round $round: most served (${ok200:-0})" [ "${ok200:-0}" -ge 100 ]
done
check "health after 1,000 clients" ready
good_served
finish
