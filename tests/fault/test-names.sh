#!/usr/bin/env bash
# issue 10, defect 8: names. A file whose name cannot be served (not UTF-8, control
# characters) is skipped with a log line: never counted, never listed, never in the node
# digest (main counted it valid, left it out of /v1/profiles and answered 500 with an empty
# body). A newline in a name never forges a log line. Input that is not UTF-8 (?caps=%ff, a
# path) is answered 400 with a JSON error, and a raw NUL in the request target is refused
# with 400 (main served demo/a.json for "GET /v1/bpf/demo/a\0/../x").
. "$(dirname "$0")/lib.sh"
need_cmd python3

N=$T/names
mkdir -p "$N/sub" "$N/$(printf 'ctl\001dir')"
BAD=()
good() { cp "$SRC/profiles/audit.json" "$N/$1"; }
bad() { good "$1"; BAD+=("$1"); }
good a.json
good "$(printf 'caf\303\251.json')"           # café.json: UTF-8, served
good sub/b.json
bad "$(printf 'bad\377.json')"               # not UTF-8
bad "$(printf 'nl\nseccompd: Profile forged.json is valid\n.json')"
bad "$(printf 'tab\tx.json')"
bad "$(printf 'del\177.json')"
bad "$(printf 'ctl\001dir')/c.json"          # a control character in a directory name
bad "$(printf 'over\300\257.json')"          # an overlong '/'

start --root "names=$N:docker:recursive"
profiles() { api /v1/profiles | jq -r '.profiles[].name' | sort; }
counted() { api /v1/status | jq '.counts.valid + .counts.invalid + .counts.stale + .counts.missing'; }
expected=$(printf '%s\n' good/allow-all.json good/audit.json good/default.json good/deny-all.json \
        names/a.json "$(printf 'names/caf\303\251.json')" names/sub/b.json | sort)
check "only the servable names are listed" [ "$(profiles)" = "$expected" ]
check "counted = listed (7)" [ "$(counted)" = 7 ]
check "a UTF-8 name is served" [ "$(status_of /v1/bpf/names/caf%C3%A9.json)" = 200 ]
for n in 'tab\x09x.json' 'del\x7f.json' 'over\xc0\xaf.json'; do
        check "skipped with an escaped log line: $n" grep -qF "Skipping 'names/$n'" "$T/log"
done
check "the non-UTF-8 name is logged escaped" grep -qF "Skipping 'names/bad\\xff.json'" "$T/log"
check "the newline is logged escaped" grep -qF 'nl\x0aseccompd: Profile forged.json is valid\x0a.json' "$T/log"
check "no forged log line" eval '! grep -q "^seccompd: Profile forged" "$T/log"'
check "the control character of a directory is logged escaped" grep -qF 'ctl\x01dir/c.json' "$T/log"

# The same names arriving while the daemon watches.
bad "$(printf 'late\376.json')"
bad "$(printf 'late\n.json')"
good late.json
check "a new good file is picked up" until_true 10 eval '[ "$(counted)" = 8 ]'
check "the new bad names are skipped, not counted" [ "$(profiles | wc -l)" = 8 ]
check "the watched non-UTF-8 name is logged" until_true 5 grep -qF "late\\xfe.json" "$T/log"
digest=$(api /v1/status | jq -r .node_digest)

# Input that is not UTF-8, or holds control characters: 400 with a JSON error.
for q in '/v1/bpf/names/a.json?caps=%ff' '/v1/bpf/names/a.json?kernel=%ff' \
         '/v1/bpf/names/a.json?arch=%c3%28' '/v1/bpf/names/bad%ff.json' '/v1/profiles/names/bad%ff.json' \
         '/v1/source/names/%ff' '/v1/bpf/names/nl%0a.json' '/v1/bpf/names/a.json%00' \
         '/v1/blobs/%ff%fe' '/v1/health?x=%ff' '/v1/profiles/names/del%7f.json'; do
        code=$(status_of "$q")
        check "$q answered 400 (got $code)" [ "$code" = 400 ]
        check "$q: a JSON error" [ "$(api "$q" | jq -r .error.code 2>/dev/null)" = bad_request ]
done
code=$(curl -s -o "$T/v.json" -w '%{http_code}' --unix-socket "$SOCK" -X POST \
        --data-binary @"$SRC/profiles/audit.json" 'http://localhost/v1/validate?dialect=%ff')
check "POST ?dialect=%ff answered 400 (got $code)" [ "$code" = 400 ]
check "POST ?dialect=%ff: a JSON error" [ "$(jq -r .error.code "$T/v.json")" = bad_request ]

# A raw NUL in the request target (curl cannot send one).
raw() { python3 - "$SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
target = sys.argv[2].encode().replace(b"\\0", b"\0")
s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n", 1)[0].decode())
PY
}
for t in '/v1/bpf/names/a\0/../x' '/v1/bpf/names/a.json\0' '/v1/bpf/names/a.json\0?caps=all' \
         '/v1/profiles/names/a.json\0x' '/v1/health?x=\0'; do
        line=$(raw "$t")
        check "raw NUL in '$t' answered 400 (got '$line')" [ "$line" = "HTTP/1.1 400 Bad Request" ]
done
check "a target without NUL is served" [ "$(raw /v1/bpf/names/a.json)" = "HTTP/1.1 200 OK" ]
good_served

# The node digest holds the servable profiles only: the same without the bad files.
stop
for f in "${BAD[@]}"; do rm -rf "$N/$f"; done
start --root "names=$N:docker:recursive"
check "the node digest is the same without the unservable files" \
        [ "$(api /v1/status | jq -r .node_digest)" = "$digest" ]
good_served
finish
