#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The container table (POST/DELETE /v1/containers/ID, GET /v1/containers, seccompctl
# containers) against the real daemon, without crun: reports as seccompd-oci sends them, from
# root and from an unprivileged peer, malformed ones, the bound (max-containers = 8 here), the
# liveness of the reported processes (a pid and its start time), and a fallback record of the
# spool naming its container.
#   test-containers.sh SECCOMPD SECCOMPCTL SOURCE-DIR
set -u
DAEMON=$(realpath "${1:?seccompd}")
CTL=$(realpath "${2:?seccompctl}")
SRC=$(realpath "${3:?source dir}")
T=$(mktemp -d)
SOCK=$T/seccompd.sock
. "$SRC/tests/integration/lib.sh"
DPID=
SLEEPERS=()
cleanup() {
        [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
        for p in "${SLEEPERS[@]}"; do kill "$p" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }

mkdir -p "$T/r/sub" "$T/cache"
cat >"$T/r/sub/web.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 } ]
}
EOF
cp "$T/r/sub/web.json" "$T/r/copy.json" # two names, one key
cat >"$T/seccompd.conf" <<EOF
max-containers = 8
EOF
"$DAEMON" --foreground --config "$T/seccompd.conf" --root "r=$T/r:docker:recursive" \
        --socket "$SOCK" --cache-dir "$T/cache" >>"$T/daemon.log" 2>&1 &
DPID=$!
until_true 20 ready || { echo "FAIL: seccompd not ready"; cat "$T/daemon.log"; exit 1; }

jqe() { jq -e "$@" >/dev/null; }
code() { curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
report() { # ID JSON: the status of the report
        code "/v1/containers/$1" -X POST -H 'Content-Type: application/json' --data-binary "$2"
}
list() { api /v1/containers; }
has() { [ "$(list | jq -r --arg id "$1" "[.containers[] | select(.id == \$id)] | length")" = 1 ]; }
field() { list | jq -r --arg id "$1" ".containers[] | select(.id == \$id) | $2"; }
start_of() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[20] }' "/proc/$1/stat"; }
sleeper() { # a live process in $spid, with its start time in $sstart
        sleep 600 &
        spid=$!
        SLEEPERS+=("$spid")
        sstart=$(start_of "$spid")
}

KEY=$(api /v1/profiles/r/sub/web.json | jq -r '.blobs[0].key')
DIGEST="sha256:$(sha256sum "$T/r/sub/web.json" | cut -d' ' -f1)"
OTHER=$(printf 'ab%.0s' $(seq 32))
check "the profile has a blob key" [ ${#KEY} = 64 ]

# --- a report, as seccompd-oci sends it after crun create ---------------------------------
sleeper
check "report: 201" [ "$(report c1 "{\"command\":\"create\",\"bundle\":\"/b/c1\",\"key\":\"$KEY\",\"digest\":\"$DIGEST\",\"pid\":$spid,\"pid_start\":$sstart,\"pidns\":4026531836}")" = 201 ]
check "listed" has c1
check "its profile: the first name serving the key" [ "$(field c1 .profile)" = r/copy.json ]
check "every name serving the key" [ "$(field c1 '.profiles | join(",")')" = r/copy.json,r/sub/web.json ]
check "key, digest, bundle, pid, pidns" [ "$(field c1 '[.key, .digest, .bundle, .pid, .pidns] | join(" ")')" = "$KEY $DIGEST /b/c1 $spid 4026531836" ]
check "no fallback" [ "$(field c1 .fallback)" = null ]
started=$(field c1 .started)
check "started is RFC 3339" eval '[[ $started =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]'
check "reported again: 200" [ "$(report c1 "{\"command\":\"create\",\"key\":\"$KEY\",\"digest\":\"$DIGEST\",\"pid\":$spid,\"pid_start\":$sstart}")" = 200 ]
check "one entry" [ "$(list | jq '[.containers[] | select(.id == "c1")] | length')" = 1 ]
check "a key no profile serves: inline" [ "$(report c2 "{\"command\":\"run\",\"key\":\"$OTHER\"}")" = 201 ]
check "inline" [ "$(field c2 .profile)" = inline ]
check "a fallback: 201" [ "$(report c3 '{"command":"create","bundle":"/b/c3","fallback":"cannot reach seccompd: timed out"}')" = 201 ]
check "fallback: no profile, the reason" [ "$(field c3 '[.profile, .key, .fallback] | map(tostring) | join("|")')" = "null|null|cannot reach seccompd: timed out" ]

# --- seccompctl containers ------------------------------------------------------------------
"$CTL" --socket "$SOCK" containers >"$T/table" 2>&1
check "seccompctl containers: exit 0" [ $? = 0 ]
check "table header" grep -qE '^ID +PROFILE +DIGEST +KEY +STARTED +FALLBACK$' "$T/table"
check "table: c1 row (profile, short digest, short key)" grep -qE "^c1 +r/copy.json +${DIGEST:0:19} +${KEY:0:12} +[0-9T:-]+Z +-$" "$T/table"
check "table: c3 row (the reason)" grep -qE "^c3 +- +- +- +[0-9T:-]+Z +cannot reach seccompd: timed out$" "$T/table"
check "table: summary" grep -qF "3 containers, 1 fell back to crun's own compile" "$T/table"
"$CTL" --socket "$SOCK" containers --json >"$T/json" 2>&1
check "seccompctl containers --json: the daemon's JSON" jqe '.max == 8 and (.containers | length) == 3' "$T/json"
check "seccompctl containers: an argument is a usage error (2)" sh -c "'$CTL' --socket '$SOCK' containers x >/dev/null 2>&1; [ \$? = 2 ]"

# --- malformed reports: 400, nothing recorded -------------------------------------------------
before=$(list | jq -c '[.containers[].id]')
check "not JSON: 400" [ "$(report m1 '{bad')" = 400 ]
check "400 is a JSON error" jqe '.error.code == "bad_request"' "$T/body"
check "no command: 400" [ "$(report m2 "{\"key\":\"$KEY\"}")" = 400 ]
check "unknown command: 400" [ "$(report m3 "{\"command\":\"exec\",\"key\":\"$KEY\"}")" = 400 ]
check "neither key nor fallback: 400" [ "$(report m4 '{"command":"create"}')" = 400 ]
check "a key that is no blob key: 400" [ "$(report m5 '{"command":"create","key":"../../etc"}')" = 400 ]
check "a digest that is none: 400" [ "$(report m6 "{\"command\":\"create\",\"key\":\"$KEY\",\"digest\":\"md5:x\"}")" = 400 ]
check "a negative pid: 400" [ "$(report m7 "{\"command\":\"create\",\"key\":\"$KEY\",\"pid\":-1}")" = 400 ]
check "a pid as a string: 400" [ "$(report m8 "{\"command\":\"create\",\"key\":\"$KEY\",\"pid\":\"1\"}")" = 400 ]
check "a control character in the reason: 400" [ "$(report m9 '{"command":"create","fallback":"a\u0001b"}')" = 400 ]
check "a duplicate key: 400" [ "$(report m10 "{\"command\":\"create\",\"key\":\"$KEY\",\"key\":\"$KEY\"}")" = 400 ]
check "an id with a space: 400" [ "$(report 'a%20b' "{\"command\":\"create\",\"key\":\"$KEY\"}")" = 400 ]
check "an id starting with '.': 400" [ "$(report '.x' "{\"command\":\"create\",\"key\":\"$KEY\"}")" = 400 ]
long=$(head -c 1025 /dev/zero | tr '\0' a)
check "an id of 1025 bytes: 400" [ "$(report "$long" "{\"command\":\"create\",\"key\":\"$KEY\"}")" = 400 ]
reason=$(head -c 4097 /dev/zero | tr '\0' r)
check "a reason of 4097 bytes: 400" [ "$(report m11 "{\"command\":\"create\",\"fallback\":\"$reason\"}")" = 400 ]
pad=$(head -c 17000 /dev/zero | tr '\0' ' ')
check "a body over 16 KiB: 413" [ "$(report m12 "{\"command\":\"create\",\"key\":\"$KEY\"}$pad")" = 413 ]
check "nothing recorded" [ "$(list | jq -c '[.containers[].id]')" = "$before" ]
check "PUT: 405" [ "$(code /v1/containers/c1 -X PUT --data-binary '{}')" = 405 ]
check "POST /v1/containers: 405" [ "$(code /v1/containers -X POST --data-binary '{}')" = 405 ]

# --- an unprivileged peer reads, but neither reports nor deletes ----------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        chmod 0711 "$T"
        chmod 0666 "$SOCK"
        mkdir -m 0777 "$T/nobody"
        as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
        check "uid 65534: report 403" [ "$(as_nobody curl -s -o "$T/nobody/body" -w '%{http_code}' --unix-socket "$SOCK" -X POST --data-binary "{\"command\":\"create\",\"key\":\"$KEY\"}" http://localhost/v1/containers/evil)" = 403 ]
        check "uid 65534: 403 is a JSON error" jqe '.error.code == "forbidden"' "$T/nobody/body"
        check "uid 65534: delete 403" [ "$(as_nobody curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X DELETE http://localhost/v1/containers/c1)" = 403 ]
        check "uid 65534: list 200" [ "$(as_nobody curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/containers)" = 200 ]
        check "uid 65534: nothing recorded, nothing deleted" sh -c "[ '$(list | jq -c '[.containers[].id]')' = '$before' ]"
else
        echo "SKIP: the privilege checks need root and setpriv"
fi

# --- delete -------------------------------------------------------------------------------
check "delete: 200" [ "$(code /v1/containers/c2 -X DELETE)" = 200 ]
check "deleted: not listed" eval '! has c2'
check "delete again: 404" [ "$(code /v1/containers/c2 -X DELETE)" = 404 ]

# --- containers whose process is gone are forgotten -----------------------------------------
sleeper
check "live pid: 201" [ "$(report live "{\"command\":\"create\",\"key\":\"$KEY\",\"pid\":$spid,\"pid_start\":$sstart}")" = 201 ]
check "live pid: listed" has live
kill "$spid"
wait "$spid" 2>/dev/null
check "its process ended: forgotten at the next list" until_true 5 eval '! has live'
sleeper
check "a pid reused (another start time): 201" [ "$(report reused "{\"command\":\"create\",\"key\":\"$KEY\",\"pid\":$spid,\"pid_start\":$((sstart - 1))}")" = 201 ]
check "a pid reused: not taken for the container" eval '! has reused'
sleeper
check "a foreground run (crun's pid): 201" [ "$(report fg "{\"command\":\"run\",\"key\":\"$KEY\",\"runtime_pid\":$spid,\"runtime_start\":$sstart}")" = 201 ]
check "a foreground run: listed while crun runs" has fg
kill "$spid"
wait "$spid" 2>/dev/null
check "a foreground run: forgotten once crun exits" until_true 5 eval '! has fg'
check "c1 (alive) stays" has c1

# --- the bound: 8 here --------------------------------------------------------------------
code /v1/containers/c3 -X DELETE >/dev/null
list | jq -r '.containers[].id' | while read -r id; do code "/v1/containers/$id" -X DELETE >/dev/null; done
check "emptied" [ "$(list | jq '.containers | length')" = 0 ]
sleeper
for i in 1 2 3 4 5 6 7 8; do
        report "full$i" "{\"command\":\"create\",\"key\":\"$KEY\",\"pid\":$spid,\"pid_start\":$sstart}" >/dev/null
done
check "8 live containers" [ "$(list | jq '.containers | length')" = 8 ]
check "the 9th live one: 503" [ "$(report full9 "{\"command\":\"create\",\"key\":\"$KEY\",\"pid\":$spid,\"pid_start\":$sstart}")" = 503 ]
check "503 says the table is full" jqe '.error.code == "unavailable" and (.error.message | test("container table is full"))' "$T/body"
check "refused counted, max shown" [ "$(list | jq -c '[.max, .refused, (.containers | length)]')" = "[8,1,8]" ]
api /metrics >"$T/metrics"
check "metrics: the table's size, bound and refusals" \
        sh -c "grep -qx 'seccompd_containers 8' '$T/metrics' && grep -qx 'seccompd_containers_max 8' '$T/metrics' &&
               grep -qx 'seccompd_container_reports_refused_total 1' '$T/metrics'"
check "metrics: containers forgotten as gone (live, reused, fg)" grep -qx 'seccompd_containers_gone_total 3' "$T/metrics"
check "a report of a known container still goes through: 200" [ "$(report full3 "{\"command\":\"create\",\"key\":\"$OTHER\",\"pid\":$spid,\"pid_start\":$sstart}")" = 200 ]
kill "$spid"
wait "$spid" 2>/dev/null
check "their process gone: the 9th is taken (201)" [ "$(report full9 "{\"command\":\"create\",\"key\":\"$KEY\"}")" = 201 ]
check "only the 9th is left" [ "$(list | jq -c '[.containers[].id]')" = '["full9"]' ]
for i in 1 2 3 4 5 6 7 8; do
        report "untracked$i" '{"command":"create","fallback":"x"}' >/dev/null
done
check "full of untracked entries: a new report evicts the oldest (201)" [ "$(report new "{\"command\":\"create\",\"key\":\"$KEY\"}")" = 201 ]
check "the oldest untracked entry is gone, the new one is in" [ "$(list | jq -c '[(.containers | length), (.containers[0].id), (.containers[-1].id)]')" = '[8,"untracked2","new"]' ]
list | jq -r '.containers[].id' | while read -r id; do code "/v1/containers/$id" -X DELETE >/dev/null; done

# --- a fallback record of the spool names its container -------------------------------------
mkdir -p -m 0700 "$T/fallbacks"
now=$(date +%s)
printf '{"time":%s,"container_id":"spooled","bundle":"/b/spooled","command":"create","reason":"cannot reach seccompd at '"'"'/x'"'"': No such file or directory"}' "$now" >"$T/fallbacks/.tmp"
mv "$T/fallbacks/.tmp" "$T/fallbacks/r1.json"
check "a spool record: its container is listed" until_true 5 has spooled
check "with its reason, the spool as its origin" [ "$(field spooled '[.fallback, .command, .bundle] | join("|")')" = "cannot reach seccompd at '/x': No such file or directory|spool|/b/spooled" ]
check "a report of it afterwards: 200" [ "$(report spooled "{\"command\":\"create\",\"bundle\":\"/b/spooled\",\"key\":\"$KEY\"}")" = 200 ]
check "keeps the spool's reason" [ "$(field spooled .fallback)" = "cannot reach seccompd at '/x': No such file or directory" ]
check "one entry" [ "$(list | jq '[.containers[] | select(.id == "spooled")] | length')" = 1 ]

# --- POST /v1/compile: answered from the memo the second time (issue 13) ---------------------
metric() { api /metrics | awk -v n="$1" '$1 == n { print $2 }'; }
compile() { # FILE QUERY: the answer's headers in $T/h, its body in $T/c, the status printed
        curl -s -D "$T/h" -o "$T/c" -w '%{http_code}' --unix-socket "$SOCK" \
                --data-binary @"$1" "http://localhost/v1/compile$2"
}
header() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip"; }
check "memo: nothing held, no hit at first" [ "$(metric seccompd_compile_memo_entries)/$(metric seccompd_compile_memo_hits_total)" = 0/0 ]
check "raw compile: 200" [ "$(compile "$T/r/sub/web.json" '?encoding=raw')" = 200 ]
cp "$T/c" "$T/raw1"
CKEY=$(header Seccompd-Blob-Key)
check "raw compile: its filter flags said (none)" [ "$(header Seccompd-Filter-Flags)" = none ]
check "raw compile again: 200" [ "$(compile "$T/r/sub/web.json" '?encoding=raw')" = 200 ]
check "the second one from the memo" [ "$(metric seccompd_compile_memo_hits_total)" = 1 ]
check "memo: the same blob, key, digest and flags" \
        sh -c "cmp -s '$T/raw1' '$T/c' && [ '$(header Seccompd-Blob-Key)' = '$CKEY' ] &&
               [ '$(header Seccompd-Profile-Digest)' = '$DIGEST' ] && [ '$(header Seccompd-Filter-Flags)' = none ]"
compile "$T/r/sub/web.json" '' >/dev/null
jq 'del(.compiled)' "$T/c" >"$T/json1"
compile "$T/r/sub/web.json" '' >/dev/null
check "JSON answers are held apart from raw ones: one more hit, for the second" [ "$(metric seccompd_compile_memo_hits_total)" = 2 ]
check "memo: the same JSON answer, \"compiled\": false" \
        sh -c "jq -e '.compiled == false and .key == \"$CKEY\" and .digest == \"$DIGEST\"' '$T/c' >/dev/null &&
               jq 'del(.compiled)' '$T/c' | cmp -s - '$T/json1'"
misses=$(metric seccompd_compile_memo_misses_total)
{ cat "$T/r/sub/web.json"; echo " "; } >"$T/web-space.json"
st=$(compile "$T/web-space.json" '?encoding=raw')
check "one more byte: not taken from the memo, the same key" \
        sh -c "[ $st = 200 ] && [ '$(header Seccompd-Blob-Key)' = '$CKEY' ] && [ '$(metric seccompd_compile_memo_misses_total)' = $((misses + 1)) ]"
compile "$T/r/sub/web.json" '?encoding=raw&strict=1' >/dev/null
check "another parse (strict): not taken from the memo" [ "$(metric seccompd_compile_memo_misses_total)" = $((misses + 2)) ]
for i in $(seq 40); do
        jq --arg e "$i" '.syscalls[0].errnoRet = ($e | tonumber)' "$T/r/sub/web.json" >"$T/many.json"
        compile "$T/many.json" '?encoding=raw' >/dev/null
done
check "memo: bounded to 32 answers after 40 others" [ "$(metric seccompd_compile_memo_entries)" = 32 ]
compile "$T/r/sub/web.json" '?encoding=raw' >/dev/null
check "the least recently used ones went first: web.json compiled again, same blob" \
        sh -c "cmp -s '$T/raw1' '$T/c' && [ '$(metric seccompd_compile_memo_hits_total)' = 2 ]"

# --- a report carried by POST /v1/compile: one round trip per container start (issue 13) ------
enc() { jq -rn --arg s "$1" '$s | @uri'; }
sleeper
R="{\"command\":\"run\",\"bundle\":\"/b/cr1\",\"digest\":\"$DIGEST\",\"runtime_pid\":$spid,\"runtime_start\":$sstart}"
check "compile with a report: 200" [ "$(compile "$T/r/sub/web.json" "?encoding=raw&report_id=cr1&report=$(enc "$R")")" = 200 ]
check "the report taken: 201 said" [ "$(header Seccompd-Container-Report)" = 201 ]
check "the blob is the same" cmp -s "$T/raw1" "$T/c"
check "listed with the answer's key and the body's digest" [ "$(field cr1 '[.key, .digest, .bundle, .command] | join("|")')" = "$CKEY|$DIGEST|/b/cr1|run" ]
compile "$T/r/sub/web.json" "?encoding=raw&report_id=cr1&report=$(enc "$R")" >/dev/null
check "again: 200 said (reported again)" [ "$(header Seccompd-Container-Report)" = 200 ]
compile "$T/r/sub/web.json" "?report_id=cr2&report=$(enc '{"command":"run"}')" >/dev/null
check "with a JSON answer too: 201, the digest filled in" \
        sh -c "[ '$(header Seccompd-Container-Report)' = 201 ] && [ \"\$(curl -s --unix-socket '$SOCK' http://localhost/v1/containers | jq -r '.containers[] | select(.id == \"cr2\") | .digest')\" = '$DIGEST' ]"
bad_report() { # NAME QUERY: the compile answered 200, the report refused (bad_request), nothing listed
        local st
        st=$(compile "$T/r/sub/web.json" "?encoding=raw&$2")
        check "$1: the compile is answered (200) with the blob" sh -c "[ $st = 200 ] && cmp -s '$T/raw1' '$T/c'"
        check "$1: the report refused (bad_request)" [ "$(header Seccompd-Container-Report)" = bad_request ]
}
bad_report "a report naming a key" "report_id=cr3&report=$(enc "{\"command\":\"run\",\"key\":\"$OTHER\"}")"
bad_report "a report naming a fallback" "report_id=cr3&report=$(enc '{"command":"run","fallback":"x"}')"
bad_report "a report with another digest" "report_id=cr3&report=$(enc '{"command":"run","digest":"sha256:'"$OTHER"'"}')"
bad_report "a report without its id" "report=$(enc '{"command":"run"}')"
bad_report "an id without a report" "report_id=cr3"
bad_report "an invalid id" "report_id=.cr3&report=$(enc '{"command":"run"}')"
bad_report "a report that is not JSON" "report_id=cr3&report=nope"
check "none of them listed" eval '! has cr3 && ! has .cr3'
kill "$spid"
wait "$spid" 2>/dev/null
for id in cr1 cr2; do code "/v1/containers/$id" -X DELETE >/dev/null; done

# --- the table survives a restart of the daemon ----------------------------------------------
start_daemon() {
        "$DAEMON" --foreground --config "$T/seccompd.conf" --root "r=$T/r:docker:recursive" \
                --socket "$SOCK" --cache-dir "$T/cache" >>"$T/daemon.log" 2>&1 &
        DPID=$!
        until_true 20 ready
}
stop_daemon() { kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=; }
sleeper
check "before a restart: a live container (201)" [ "$(report kept "{\"command\":\"create\",\"key\":\"$KEY\",\"digest\":\"$DIGEST\",\"pid\":$spid,\"pid_start\":$sstart}")" = 201 ]
keptpid=$spid
sleeper
check "before a restart: one that ends while the daemon is down (201)" [ "$(report ends "{\"command\":\"create\",\"key\":\"$KEY\",\"pid\":$spid,\"pid_start\":$sstart}")" = 201 ]
list | jq -S '.containers | map(select(.id == "kept" or .id == "spooled"))' >"$T/before"
stop_daemon
check "the table is saved beside the socket" jqe '.containers | length == 3' "$T/containers.json"
kill "$spid"
wait "$spid" 2>/dev/null
start_daemon
list | jq -S '.containers | map(select(.id == "kept" or .id == "spooled"))' >"$T/after"
check "after a restart: the same entries, start times and all" cmp -s "$T/before" "$T/after"
check "after a restart: the live one's pid" [ "$(field kept .pid)" = "$keptpid" ]
check "after a restart: the one whose process ended is gone" eval '! has ends'
check "after a restart: reports go on (201)" [ "$(report after '{"command":"create","fallback":"x"}')" = 201 ]
stop_daemon
echo '{"containers": [{"id": "ok1", "command": "create", "fallback": "y", "started": 1}, {"id": "bad one", "command": "create", "fallback": "y"}, {"id": "bad2", "command": "exec", "key": "x"}, 7]}' >"$T/containers.json"
start_daemon
check "a tampered state file: the good entry taken" has ok1
check "the bad ones skipped, and said" grep -q "3 malformed entries skipped" "$T/daemon.log"
stop_daemon
echo 'not json' >"$T/containers.json"
start_daemon
check "a state file that is not one: the daemon starts, empty, and says why" \
        sh -c "[ \"\$(curl -s --unix-socket '$SOCK' http://localhost/v1/containers | jq '.containers | length')\" = 0 ] &&
               grep -q 'Failed to read the container table' '$T/daemon.log'"

# --- daemon down: seccompctl containers fails ------------------------------------------------
kill "$DPID"
wait "$DPID" 2>/dev/null
DPID=
"$CTL" --socket "$SOCK" containers >"$T/out" 2>&1
check "daemon down: exit 1" [ $? = 1 ]
check "daemon down: says so" grep -q '^seccompctl: ' "$T/out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
