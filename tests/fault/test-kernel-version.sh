#!/usr/bin/env bash
# issue 10, defect 11: a kernel version is X.Y in decimal, nothing else. sscanf's %u read
# "4294967296.1" as 0.1 (it wraps) and "5.10abc" as 5.10: both must be refused, by the
# daemon's ?kernel= (400 with a JSON error) and by seccompctl's --kernel (usage error, 2).
. "$(dirname "$0")/lib.sh"

start
for v in 4294967296.1 5.10abc 5.10.x 256.1 5 .10 5. -1.2 +5.10 ' 5.10' 5.1000 0005.10; do
        q=$(printf %s "$v" | jq -sRr @uri)
        code=$(status_of "/v1/bpf/good/default.json?kernel=$q")
        check "?kernel=$v answered 400 (got $code)" [ "$code" = 400 ]
        check "?kernel=$v: a JSON error" \
                [ "$(api "/v1/bpf/good/default.json?kernel=$q" | jq -r .error.code 2>/dev/null)" = bad_request ]
        "$CTL" -q compile --kernel "$v" "$T/good/default.json" -o "$T/k.bpf" 2>/dev/null
        rc=$?
        check "seccompctl --kernel '$v' is a usage error (got $rc)" [ "$rc" = 2 ]
done
for v in 5.10 4.19 6.1.0-18-amd64 5.15.0+ 255.255; do
        q=$(printf %s "$v" | jq -sRr @uri)
        code=$(status_of "/v1/bpf/good/default.json?kernel=$q")
        check "?kernel=$v answered 200 (got $code)" [ "$code" = 200 ]
        "$CTL" -q compile --kernel "$v" "$T/good/default.json" -o "$T/k.bpf"
        check "seccompctl --kernel '$v' accepted" [ $? = 0 ]
done
context_of() { curl -s -D - -o /dev/null --unix-socket "$SOCK" "http://localhost$1" | tr -d '\r' |
        awk -F': ' 'tolower($1) == "seccompd-context" { print $2 }'; }
check "4.19 is read as 4.19" eval '[[ "$(context_of "/v1/bpf/good/default.json?kernel=4.19")" == *kernel=4.19 ]]'
good_served
finish
