#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end (issue 12, part 3): recording a container through seccompd-oci. Real crun
# containers with the annotation seccompd.record run under the notify filter; crun hands the
# listener to seccompd's record socket (run.oci.seccomp.receiver); when the container ends the
# daemon writes the profile into its kubelet root, and serves it. Then:
#   - the same workload, in crun through seccompd-oci under the recorded profile (seccompd's
#     blob), succeeds with the same output; a call the recorded run never made is denied;
#   - workloads: a busybox sh script that forks, execs and talks over TCP (httpd + wget), and
#     the host's dynamic /usr/bin/python3 with threads and sockets;
#   - a second recording into the same name is merged into the first;
#   - bounds: only root or the seccompd group may record; max-recordings; names outside the
#     roots are refused; a listener with no reservation is refused (the container cannot run);
#   - seccompd killed during a recording: the container is not left unfiltered (its calls fail
#     with ENOSYS: it stops making progress) and nothing is written.
#   test-record-container.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, crun or busybox-static. KEEP_TMP=1 keeps the temp dir.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"

[ "$(id -u)" = 0 ] || skip "e2e-record-container needs root (crun)"
need_crun_busybox unshare jq curl setpriv

e2e_tmp
mkdir -p "$T/kubelet" "$T/cache" "$T/out"
chmod 711 "$T" # the check as uid 65534 must reach the socket
: >"$T/oci.conf"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }
for a in seq tr wget httpd usleep kill wc cat; do ln -sf busybox "$T/rootfs/bin/$a"; done
mkdir -p "$T/rootfs/www" "$T/rootfs/usr" "$T/rootfs/lib" "$T/rootfs/lib64" "$T/rootfs/out"
echo "served over tcp" >"$T/rootfs/www/index.html"

DAEMON_ROOT="kubernetes=$T/kubelet:kubernetes-containerd:recursive"
DAEMON_EXTRA=(--max-recordings 2)
start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }

# Preflight: plain crun must run a container at all.
make_bundle "$T/pre" "" true || { echo "FAIL: crun spec"; exit 1; }
new_id pre
run_to pre crun_plain run -b "$T/pre" "$id"
[ "$rc" = 0 ] || skip "crun cannot run a container on this host: $(head -3 "$T/pre.err")"

# with_bundle DIR SECTION-FILE-OR-"" RECORD-NAME-OR-"" ARG...: a bundle in the host's network
# namespace (loopback for the TCP workload), the host's /usr, /lib and /lib64 read-only (for
# python3), $T/out as /out, and the annotation seccompd.record when a name is given.
with_bundle() {
        local dir=$1 section=$2 record=$3
        shift 3
        make_bundle "$dir" "$section" "$@" || return 1
        jq --arg rec "$record" --arg out "$T/out" '
                .linux.namespaces |= map(select(.type != "network"))
                | .mounts += [{destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"]},
                              {destination: "/lib", type: "bind", source: "/lib", options: ["rbind", "ro"]},
                              {destination: "/lib64", type: "bind", source: "/lib64", options: ["rbind", "ro"]},
                              {destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]
                | if $rec != "" then .annotations["seccompd.record"] = $rec else . end
                ' "$dir/config.json" >"$dir/c.new" && mv "$dir/c.new" "$dir/config.json" &&
                cp "$dir/config.json" "$dir/config.json.orig"
}
profile_state() { api "/v1/profiles/$1" | jq -r .state 2>/dev/null; }
served() { [ "$(profile_state "$1")" = valid ]; }
recording_state() { # ID: the state of its newest recording
        api /v1/recordings | jq -r --arg id "$1" '[.recordings[] | select(.id == $id)][0].state'
}

PORT=$((20000 + $$ % 20000))
# Forks (a subshell, a pipeline), execs applets, serves and fetches a page over TCP. One line
# each: make_bundle passes arguments as lines.
BB_SCRIPT='echo start; (echo in a subshell; exit 3); echo "subshell said $?"; seq 1 5 | tr "\n" " "; echo; httpd -f -p 127.0.0.1:'$PORT' -h /www & H=$!; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do wget -q -O - http://127.0.0.1:'$PORT'/index.html && break; usleep 100000; done; kill $H; wait $H; echo end'
PY_SCRIPT='exec("import socket, threading\na, b = socket.socketpair()\ndef echo():\n    b.sendall(b.recv(64).upper())\nt = threading.Thread(target=echo); t.start()\na.sendall(b\"ping over a socket pair\"); print(a.recv(64).decode()); t.join()\nprint(\"threads:\", threading.active_count())")'

# record NAME PROFILE ARG...: runs ARG... recorded into PROFILE through seccompd-oci (crun run,
# foreground); output in $T/NAME.out, status in $rc.
record() {
        local n=$1 profile=$2
        shift 2
        with_bundle "$T/$n" "" "$profile" "$@" || return 1
        new_id "$n"
        run_to "$n" oci run -b "$T/$n" "$id"
}
# replay NAME PROFILE-FILE ARG...: ARG... in crun through seccompd-oci under the recorded profile
# (exported to a plain OCI section, as a kubelet inlines a Localhost profile).
replay() {
        local n=$1 file=$2
        shift 2
        "$CTL" export "$file" --format oci >"$T/$n.section" || return 1
        with_bundle "$T/$n" "$T/$n.section" "" "$@" || return 1
        new_id "$n"
        run_to "$n" oci run -b "$T/$n" "$id"
}

# --- 1. busybox: fork, exec, TCP ---
t0=$(date +%s%N)
record bb kubernetes/recorded/bb sh -c "$BB_SCRIPT"
check "busybox workload recorded: ran, exit 0" [ "$rc" = 0 ] || show bb
check "... its output as without recording" has_line bb "served over tcp"
check "the derived config: the notify filter and the receiver" jq_holds \
        '.annotations["run.oci.seccomp.receiver"] == "'"$T"'/record.sock" and .annotations["run.oci.seccomp_bpf_data"] == "BgAAAAAAwH8="' \
        "$(derived "$T/bb")"
F=$T/kubelet/recorded/bb.json
check "the profile is written into the root when the container ends" until_true 5 test -s "$F"
echo "# written $((($(date +%s%N) - t0) / 1000000)) ms after the start of crun run"
check "... and served as valid" until_true 5 served kubernetes/recorded/bb.json
check "... recording listed as written" [ "$(recording_state "$id")" = written ]
check "... under the name it is served as" [ "$(api /v1/recordings | jq -r --arg id "$id" '[.recordings[] | select(.id == $id)][0].profile')" = kubernetes/recorded/bb.json ]
check "the profile: defaultAction SCMP_ACT_ERRNO, names seen (execve, wait4, socket, connect, bind, listen)" jq_holds '
        .defaultAction == "SCMP_ACT_ERRNO" and
        ([.syscalls[].names[]] | index("execve") and index("wait4") and index("socket")
                and index("connect") and index("bind") and index("listen"))' "$F"
check "... and not what the workload never did (mkdir, ptrace)" jq_holds \
        '[.syscalls[].names[]] | (index("mkdir") | not) and (index("ptrace") | not)' "$F"
check "... with a comment saying how it was recorded" jq_holds \
        '[.syscalls[].comment // empty] | any(test("recorded by seccompd from container"))' "$F"
cp "$T/bb.out" "$T/bb.first"

replay bb2 "$F" sh -c "$BB_SCRIPT"
check "busybox workload under the recorded profile (crun, seccompd-oci): exit 0" [ "$rc" = 0 ] || show bb2
check "... same output" cmp -s "$T/bb.first" "$T/bb2.out"
check "... with seccompd's blob" jq_holds '.annotations["run.oci.seccomp_bpf_data"] | length > 8' "$(derived "$T/bb2")"
replay bb3 "$F" sh -c 'exec mkdir /tmp/never-recorded'
check "a call never recorded (mkdir) is denied with EPERM" \
        sh -c "[ $rc != 0 ] && grep -q 'Operation not permitted' '$T/bb3.err'" || show bb3

# --- 2. python3 (dynamic, host libraries): threads, sockets ---
if [ -x /usr/bin/python3 ]; then
        record py kubernetes/recorded/py.json /usr/bin/python3 -c "$PY_SCRIPT"
        check "python3 recorded: exit 0" [ "$rc" = 0 ] || show py
        check "... output" has_line py "PING OVER A SOCKET PAIR"
        P=$T/kubelet/recorded/py.json
        check "python3's profile written and served" until_true 5 served kubernetes/recorded/py.json
        check "... has the loader's and threads' calls (mmap, openat, clone3 or clone, futex)" jq_holds '
                [.syscalls[].names[]] | index("mmap") and index("openat") and index("futex")
                and (index("clone3") or index("clone"))' "$P"
        replay py2 "$P" /usr/bin/python3 -c "$PY_SCRIPT"
        check "python3 under its recorded profile: exit 0, same output" \
                sh -c "[ $rc = 0 ] && cmp -s '$T/py.out' '$T/py2.out'" || show py2
        replay py3 "$P" /usr/bin/python3 -c 'import os; os.mkdir("/tmp/x")'
        check "python3 making a call never recorded: denied (PermissionError)" \
                sh -c "[ $rc != 0 ] && grep -q 'PermissionError' '$T/py3.err'" || show py3
else
        echo "SKIP (part): /usr/bin/python3 is not installed"
fi

# --- 2b. create --pid-file + start (containerd's shim, conmon) ---
with_bundle "$T/cs" "" kubernetes/recorded/cs sh -c 'echo created then started; cat /out/../proc/self/status >/dev/null'
new_id cs
run_to cscreate oci create --pid-file "$T/cs.pid" -b "$T/cs" "$id"
check "recorded through create --pid-file: created" [ "$rc" = 0 ] || show cscreate
run_to csstart oci start "$id"
check "... started" [ "$rc" = 0 ] || show csstart
check "... written once the container has stopped" until_true 10 test -s "$T/kubelet/recorded/cs.json"
run_to csdelete oci delete "$id"
check "... served" until_true 5 served kubernetes/recorded/cs.json
check "... with the workload's calls (execve, write)" jq_holds \
        '[.syscalls[].names[]] | index("execve") and index("write")' "$T/kubelet/recorded/cs.json"

# --- 3. merge: a second recording into the same name ---
record bbm kubernetes/recorded/bb sh -c 'mkdir /tmp/d && echo made'
check "a second recording into bb: exit 0" [ "$rc" = 0 ] || show bbm
check "... merged into the first: mkdir now, and the first run's calls kept" until_true 5 jq_holds \
        '[.syscalls[].names[]] | index("mkdir") and index("listen")' "$F"
until_true 5 served kubernetes/recorded/bb.json
replay bbm2 "$F" sh -c "$BB_SCRIPT; mkdir /tmp/d && echo made"
check "both runs succeed under the merged profile" \
        sh -c "[ $rc = 0 ] && grep -qx made '$T/bbm2.out' && grep -qx 'served over tcp' '$T/bbm2.out'" || show bbm2

# --- 4. bounds and refusals ---
reserve() { # ID BODY [curl args]: the status of POST /v1/recordings/ID
        curl -s -o "$T/reserve.json" -w '%{http_code}' --unix-socket "$SOCK" \
                -X POST -d "$2" "http://localhost/v1/recordings/$1"
}
check "a name outside every root: 400" [ "$(reserve x1 '{"profile":"nosuchroot/a"}')" = 400 ]
check "a name with '..': 400" [ "$(reserve x1 '{"profile":"kubernetes/../../etc/a"}')" = 400 ]
chmod 0666 "$SOCK" # the daemon makes it 0660 root:root; here anyone may connect
check "not root: 403" [ "$(setpriv --reuid 65534 --regid 65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' \
        --unix-socket "$SOCK" -X POST -d '{"profile":"kubernetes/a"}' http://localhost/v1/recordings/x1)" = 403 ]
check "reserved (1 of 2)" [ "$(reserve r1 '{"profile":"kubernetes/recorded/r1"}')" = 201 ]
check "the same id again: 409" [ "$(reserve r1 '{"profile":"kubernetes/recorded/r1"}')" = 409 ]
check "reserved (2 of 2)" [ "$(reserve r2 '{"profile":"kubernetes/recorded/r2"}')" = 201 ]
check "max-recordings (2) reached: 503" [ "$(reserve r3 '{"profile":"kubernetes/recorded/r3"}')" = 503 ]
with_bundle "$T/full" "" kubernetes/recorded/full true
new_id full
run_to full oci run -b "$T/full" "$id"
check "seccompd-oci does not start a container it cannot record (exit 1, says why)" \
        sh -c "[ $rc = 1 ] && grep -q 'every recording slot is taken' '$T/full.err'" || show full
api /metrics >"$T/metrics"
check "metrics: refusals counted" grep -qE '^seccompd_recordings_refused_total [1-9]' "$T/metrics"
check "metrics: recordings written counted" grep -qE '^seccompd_recordings_total\{result="written"\} [3-9]' "$T/metrics"

# A runtime pointed at the record socket without a reservation: refused, and the container
# cannot run (every call ENOSYS), never unfiltered. Plain crun, annotations set by hand.
stop_daemon
DAEMON_EXTRA=()
start_daemon || { echo "FAIL: seccompd did not restart"; exit 1; }
make_bundle "$T/rogue" "" sh -c 'echo escaped' && jq --arg r "$T/record.sock" '
        .annotations["run.oci.seccomp.receiver"] = $r
        | .annotations["run.oci.seccomp_bpf_data"] = "BgAAAAAAwH8="' "$T/rogue/config.json" >"$T/rogue/c.new" &&
        mv "$T/rogue/c.new" "$T/rogue/config.json"
new_id rogue
run_to rogue timeout 20 sh -c 'unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; exec \"\$@\"" x "$0" --cgroup-manager=disabled run -b "$1" "$2"' "$CRUN" "$T/rogue" "$id"
check "a listener without a reservation: refused, the workload never ran" \
        sh -c "[ $rc != 0 ] && ! grep -q escaped '$T/rogue.out'" || show rogue
check "... and logged" until_true 2 grep -q "no recording is reserved for this container" "$T/daemon.log"

# --- 5. seccompd killed during a recording ---
rm -f "$T/out/ticks"
with_bundle "$T/long" "" kubernetes/recorded/long sh -c 'i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo $i >>/out/ticks; usleep 50000; done'
new_id long
oci run -b "$T/long" "$id" >"$T/long.out" 2>"$T/long.err" </dev/null &
LPID=$!
ticks() { cat "$T/out/ticks" 2>/dev/null | wc -l; }
check "the recorded container runs" until_true 10 sh -c "[ \$(cat '$T/out/ticks' 2>/dev/null | wc -l) -ge 5 ]"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=
sleep 0.3
n1=$(ticks)
sleep 1
n2=$(ticks)
check "seccompd killed: the container makes no more progress (its calls fail: ENOSYS), $n1 -> $n2 ticks" [ "$n1" = "$n2" ]
crun_plain kill "$id" KILL >/dev/null 2>&1
wait "$LPID" 2>/dev/null
check "... and nothing was written for it" not test -e "$T/kubelet/recorded/long.json"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
