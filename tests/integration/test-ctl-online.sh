#!/usr/bin/env bash
# seccompctl's online commands (list, show, validate/compile/test/exec NAME, status, digest,
# reload) against a daemon on a temp socket: outputs, --json, exit codes and the error
# paths (daemon down, 404, 403, 409, 503).
# The real seccompd serves one root named "runtime" holding $T/profiles/default.json (a copy
# of the shipped profile) and $T/profiles/broken.json (an unknown defaultAction on line 3).
set -u
CTL=$(realpath "${1:?seccompctl}")
SRC=$(realpath "${2:?source dir}")
DAEMON=$(realpath "${3:?seccompd}")
T=$(mktemp -d)
SOCK=$T/seccompd.sock
DPID=
stop_daemon() {
        if [ -n "$DPID" ]; then
                kill "$DPID" 2>/dev/null
                wait "$DPID" 2>/dev/null
                DPID=
        fi
}
trap 'stop_daemon; rm -rf "$T"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
# run command...: stdout in $T/out, stderr in $T/err, exit code in $rc
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }
show_output() { sed 's/^/  out: /' "$T/out" | head -8; sed 's/^/  err: /' "$T/err" | head -8; }
# expect RC [FRAGMENT [stdout|stderr]] -- command...: exit code, and a fragment of the output
expect() {
        local want=$1 frag="" where=both
        shift
        if [ "$1" != "--" ]; then frag=$1; shift; fi
        if [ "$1" != "--" ]; then where=$1; shift; fi
        shift
        run "$@"
        local files="$T/out $T/err"
        [ "$where" = stdout ] && files="$T/out"
        [ "$where" = stderr ] && files="$T/err"
        if [ "$rc" != "$want" ]; then
                ko "rc $rc (want $want): $*"; show_output
        elif [ -n "$frag" ] && ! cat $files | grep -qF -- "$frag"; then
                ko "no '$frag' in $where of: $*"; show_output
        else
                ok
        fi
}
# json_ok PYTHON-EXPR -- command...: stdout is JSON and the expression on it (`j`) holds
json_ok() {
        local expr=$1
        shift 2
        run "$@"
        if [ "$rc" != 0 ]; then
                ko "rc $rc: $*"; show_output
        elif python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ('"$expr"') else 1)' "$T/out"; then
                ok
        else
                ko "JSON of '$*' does not satisfy: $expr"; show_output
        fi
}
start_daemon() {
        stop_daemon
        rm -f "$SOCK"
        "$DAEMON" --foreground --root "runtime=$T/profiles" --socket "$SOCK" \
                --cache-dir "$T/cache" "$@" 2>>"$T/daemon.log" &
        DPID=$!
        for _ in $(seq 200); do
                curl -s --unix-socket "$SOCK" http://localhost/v1/health 2>/dev/null |
                        grep -q '"ready": *true' && return 0
                kill -0 "$DPID" 2>/dev/null || break
                sleep 0.05
        done
        echo "FAIL: the daemon did not come up on $SOCK"; cat "$T/daemon.log"
        exit 1
}

mkdir "$T/profiles"
cp "$SRC/profiles/default.json" "$T/profiles/default.json"
printf '{\n  "syscalls": [],\n  "defaultAction": "SCMP_ACT_NOPE"\n}\n' >"$T/profiles/broken.json"
# What the daemon serves for runtime/default in the host's context.
"$CTL" -q compile "$T/profiles/default.json" -o "$T/default.bpf" || { echo "FAIL: compile"; exit 1; }
DIGEST=sha256:$(sha256sum "$T/profiles/default.json" | cut -d' ' -f1)
export SECCOMPD_SOCKET=$SOCK
cd "$T" || exit 1 # names are tried as files first: no stray file may shadow them

# daemon down: a message naming the socket, exit 1
expect 1 "is seccompd running? (socket $SOCK)" stderr -- "$CTL" list
expect 1 "is seccompd running?" stderr -- "$CTL" --socket "$T/elsewhere.sock" status
expect 1 "(socket $T/elsewhere.sock)" stderr -- "$CTL" --socket "$T/elsewhere.sock" status
expect 1 "'runtime/default' is not a file" stderr -- "$CTL" validate runtime/default
expect 1 "is seccompd running?" stderr -- "$CTL" exec runtime/default -- touch "$T/ran"
[ -e "$T/ran" ] && ko "exec NAME ran its command without the daemon" || ok
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
expect 1 "Connection refused" stderr -- "$CTL" --socket "$T/stale.sock" digest
# offline commands never need the daemon, even for missing files
expect 0 -- "$CTL" -q validate "$SRC/profiles/default.json"
expect 1 "No such file" -- "$CTL" validate ./no-such-file.json

start_daemon

# list
expect 0 "runtime/default" stdout -- "$CTL" list
expect 0 "NAME" stdout -- "$CTL" list
expect 0 "2 profiles, 1 valid, 1 invalid" stdout -- "$CTL" list
run "$CTL" list
grep -E -q '^runtime/broken.json +invalid +1 +0 ' "$T/out" && ok || { ko "list row of runtime/broken"; show_output; }
json_ok '{p["name"]: p["state"] for p in j["profiles"]} == {"runtime/default.json": "valid", "runtime/broken.json": "invalid"}' -- "$CTL" list --json
expect 2 -- "$CTL" list extra

# show
expect 0 "state:          valid" stdout -- "$CTL" show runtime/default
expect 0 "digest:         $DIGEST" stdout -- "$CTL" show runtime/default
run "$CTL" show runtime/default
grep -E -q '/default\.json:[0-9]+:[0-9]+: warning: /syscalls/[0-9]+/names/[0-9]+: unknown syscall' "$T/out" &&
        ok || { ko "show: warnings in the offline format"; show_output; }
expect 0 "  hint: " stdout -- "$CTL" show runtime/default
expect 0 "default action: SCMP_ACT_ERRNO" stdout -- "$CTL" show runtime/default
expect 0 "insns" stdout -- "$CTL" show runtime/default
expect 0 "broken.json:3:20: error: /defaultAction: unknown action \"SCMP_ACT_NOPE\"" stdout -- \
        "$CTL" show runtime/broken
expect 0 "none (an invalid profile is never served)" stdout -- "$CTL" show runtime/broken
"$CTL" -q compile runtime/default -o /dev/null # a blob exists once it was asked for
json_ok 'j["name"] == "runtime/default.json" and j["digest"] == "'"$DIGEST"'" and len(j["diagnostics"]) == j["warnings"] > 0 and len(j["blobs"]) >= 1' \
        -- "$CTL" show --json runtime/default
expect 1 "no profile 'nosuch'" stderr -- "$CTL" show nosuch
expect 1 '"not_found"' stdout -- "$CTL" show --json nosuch
expect 2 -- "$CTL" show

# validate NAME: the daemon's diagnostics; files stay offline
expect 0 "runtime/default: valid (0 errors, " stdout -- "$CTL" validate runtime/default
run "$CTL" validate runtime/default
grep -E -q '/default\.json:[0-9]+:[0-9]+: warning: /syscalls/' "$T/err" && ok ||
        { ko "validate NAME: warnings in the offline format on stderr"; show_output; }
expect 1 "runtime/broken: invalid" stdout -- "$CTL" validate runtime/broken
expect 1 "broken.json:3:20: error: /defaultAction" stderr -- "$CTL" validate runtime/broken
expect 1 "no profile 'nosuch'" stderr -- "$CTL" validate nosuch
expect 1 -- "$CTL" validate runtime/default runtime/broken
expect 0 "dialect docker" stdout -- "$CTL" validate runtime/default "$SRC/profiles/default.json"
json_ok 'j[0]["state"] == "valid" and j[0]["errors"] == 0' -- "$CTL" validate --json runtime/default
run "$CTL" validate --json runtime/default runtime/broken nosuch
[ "$rc" = 1 ] && python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
assert [p["name"] for p in j] == ["runtime/default.json", "runtime/broken.json", "nosuch"]
assert j[1]["state"] == "invalid" and j[2]["error"]["code"] == "not_found"' "$T/out" && ok ||
        { ko "validate --json of a valid, an invalid and an unknown name"; show_output; }
expect 2 -- "$CTL" validate --json runtime/default "$SRC/profiles/default.json"
cp "$SRC/profiles/default.json" "$T/local.json"
expect 0 "local.json: valid" stdout -- "$CTL" validate local.json

# compile NAME: the blob as served
expect 0 -- "$CTL" compile runtime/default -o "$T/served.bpf"
cmp -s "$T/served.bpf" "$T/default.bpf" && ok || ko "compile NAME -o: not the served blob"
expect 0 "instructions" stderr -- "$CTL" compile runtime/default -o "$T/served.bpf"
run "$CTL" -q compile --format base64 runtime/default
base64 -d <"$T/out" >"$T/b64.bpf" && cmp -s "$T/b64.bpf" "$T/default.bpf" && ok ||
        ko "compile --format base64 NAME does not decode to the blob"
expect 0 "ret ALLOW" stdout -- "$CTL" compile --format disasm runtime/default
expect 0 -- "$CTL" --arch x86_64 --caps +CAP_SYS_ADMIN --kernel 6.1 compile runtime/default -o "$T/ctx.bpf"
json_ok 'j["name"] == "runtime/default" and j["instructions"] * 8 == '"$(stat -c %s "$T/default.bpf")" \
        -- "$CTL" compile --json runtime/default -o "$T/served.bpf"
expect 1 "profile 'runtime/broken' is invalid" stderr -- "$CTL" compile runtime/broken -o "$T/x.bpf"
expect 1 "error: /defaultAction" stderr -- "$CTL" compile runtime/broken -o "$T/x.bpf"
[ -e "$T/x.bpf" ] && ko "a failed compile wrote its output" || ok
expect 1 "no profile 'nosuch'" stderr -- "$CTL" compile nosuch -o "$T/x.bpf"
expect 2 -- "$CTL" compile --format pfc runtime/default
expect 2 -- "$CTL" compile runtime/default runtime/broken

# test NAME: the served blob simulated here, same verdicts as offline
expect 0 "ERRNO(1)" stdout -- "$CTL" test runtime/default unshare 0x10000000
expect 0 "blob: seccompd's, key " stdout -- "$CTL" test runtime/default unshare 0x10000000
# the deciding rule, from the served source: the same line as offline
want=$("$CTL" test "$SRC/profiles/default.json" unshare 0x10000000 2>/dev/null | grep "decided by")
expect 0 "$want" stdout -- "$CTL" test runtime/default unshare 0x10000000
want=$("$CTL" test "$SRC/profiles/default.json" kexec_load 2>/dev/null | grep "decided by")
expect 0 "$want" stdout -- "$CTL" test runtime/default kexec_load
# export NAME: the served source, resolved and exported as a file would be
"$CTL" -q export --format oci "$SRC/profiles/default.json" -o "$T/export-file.json"
expect 0 -- "$CTL" -q export --format oci runtime/default -o "$T/export-name.json"
cmp -s "$T/export-file.json" "$T/export-name.json" && ok || ko "export NAME differs from export FILE"
expect 0 "allowlist errno 1" stdout -- "$CTL" -q export --format lxc runtime/default
expect 1 "is invalid and not served" stderr -- "$CTL" export --format oci runtime/broken
expect 1 "no profile 'nosuch'" stderr -- "$CTL" export --format oci nosuch
expect 0 "ALLOW" stdout -- "$CTL" test runtime/default read
for sc in read kexec_load clone3 mount "socket 40" "personality 8"; do
        on=$("$CTL" -q test runtime/default $sc 2>/dev/null)
        off=$("$CTL" -q test "$SRC/profiles/default.json" $sc 2>/dev/null)
        [ -n "$on" ] && [ "$on" = "$off" ] && ok || ko "test $sc: daemon blob says '$on', offline '$off'"
done
json_ok 'j["action"] == "ALLOW" and j["decided_by"] == "daemon blob" and len(j["key"]) == 64' \
        -- "$CTL" test --json runtime/default read
expect 1 "is invalid" stderr -- "$CTL" test runtime/broken read
expect 1 "no profile 'nosuch'" stderr -- "$CTL" test nosuch read
expect 1 "does not exist" stderr -- "$CTL" test runtime/default no_such_syscall
expect 2 -- "$CTL" test runtime/default

# exec NAME: the served blob installed in seccompctl, then the command runs under it
expect 0 "$(printf 'Seccomp:\t2')" stdout -- \
        "$CTL" exec runtime/default -- /bin/sh -c 'grep Seccomp: /proc/self/status'
# one filter more than the caller has (the test may itself run under seccomp)
before=$(awk '/^Seccomp_filters:/ {print $2}' /proc/self/status)
run "$CTL" exec runtime/default -- awk '/^Seccomp_filters:/ {print $2}' /proc/self/status
[ "$rc" = 0 ] && [ -n "$before" ] && [ "$(cat "$T/out")" = $((before + 1)) ] && ok ||
        { ko "exec NAME: not exactly one more filter (had ${before:-?})"; show_output; }
if unshare -U true 2>/dev/null; then
        expect 1 "Operation not permitted" stderr -- "$CTL" exec runtime/default -- unshare -U true
        run "$CTL" exec "$SRC/profiles/default.json" -- unshare -U true
        offline_rc=$rc
        run "$CTL" exec runtime/default -- unshare -U true
        [ "$rc" = "$offline_rc" ] && ok || ko "exec NAME: rc $rc, exec FILE: rc $offline_rc"
else
        echo "SKIP: unshare -U fails here without a filter; the denial cannot be proven"
fi
expect 0 "$$" stdout -- "$CTL" exec runtime/default -- /bin/sh -c 'echo $PPID'
expect 1 "no profile 'nosuch'" stderr -- "$CTL" exec nosuch -- touch "$T/ran"
[ -e "$T/ran" ] && ko "exec of a missing name ran its command" || ok
expect 1 "profile 'runtime/broken' is invalid" stderr -- \
        "$CTL" exec runtime/broken -- touch "$T/ran"
[ -e "$T/ran" ] && ko "exec of an invalid profile ran its command" || ok
expect 2 "exec: expected FILE|NAME -- COMMAND" stderr -- "$CTL" exec runtime/default
expect 1 "Failed to execute 'no-such-command'" stderr -- \
        "$CTL" exec runtime/default -- no-such-command

# status and digest
expect 0 "seccompd 0.1.0 (libseccomp" stdout -- "$CTL" status
expect 0 "ready:          yes" stdout -- "$CTL" status
expect 0 "roots:" stdout -- "$CTL" status
expect 0 "node digest:    sha256:" stdout -- "$CTL" status
json_ok '"node_digest" in j and "cache" in j and "roots" in j' -- "$CTL" status --json
run "$CTL" status --json
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["node_digest"])' "$T/out")
run "$CTL" digest
[ "$rc" = 0 ] && [ "$(cat "$T/out")" = "$want" ] && ok || { ko "digest is not status's node_digest"; show_output; }
json_ok 'j["node_digest"].startswith("sha256:")' -- "$CTL" digest --json
expect 0 "$want" stdout -- "$CTL" --socket "$SOCK" digest
SECCOMPD_SOCKET=$T/elsewhere.sock expect 0 "$want" stdout -- "$CTL" --socket "$SOCK" digest

# a socket the user cannot reach ($T is 0700): said so, not "is seccompd running?"
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null &&
        runuser -u nobody -- "$CTL" --version >/dev/null 2>&1; then
        expect 1 "permission denied on socket $SOCK" stderr -- runuser -u nobody -- "$CTL" --socket "$SOCK" list
fi

# reload
expect 0 "rescan started (at generation " stdout -- "$CTL" reload
json_ok 'isinstance(j["generation"], int)' -- "$CTL" reload --json
expect 2 -- "$CTL" reload now

# reload refused to a peer that is neither root nor in the socket's group
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        chmod 0711 "$T"
        chmod 0666 "$SOCK"
        expect 1 "seccompctl: permission denied (root or the seccompd group)" stderr -- \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" reload
        expect 1 '"forbidden"' stdout -- \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" reload --json
        expect 0 "runtime/default" stdout -- \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" list
        # blobs by name need no privilege, and no_new_privs needs none to install them
        expect 0 "$(printf 'Seccomp:\t2')" stdout -- \
                setpriv --reuid=65534 --regid=65534 --clear-groups \
                "$CTL" exec runtime/default -- grep Seccomp: /proc/self/status
        chmod 0700 "$T"
fi

stop_daemon
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
