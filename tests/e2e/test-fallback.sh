#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end: a fallback of seccompd-oci to crun's own compile is never silent. Real crun, a
# busybox-static bundle, the real seccompd; the wrapper's stderr is thrown away, as conmon
# does on success, so what the operator learns comes only from the journal entry (read on a
# stand-in journald socket in a private mount namespace) and from the spool seccompd counts
# (seccompctl status, /metrics). What the container got is read inside it.
#   test-fallback.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, crun, busybox-static or python3. KEEP_TMP=1 keeps the
# temp dir.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"

[ "$(id -u)" = 0 ] || skip "e2e-fallback needs root (crun run of a non-rootless bundle)"
need_crun_busybox unshare jq curl python3 mount
# The stand-in journald is mounted over /run/systemd/journal in a private mount namespace:
# nothing is created on the host.
[ -d /run/systemd/journal ] || skip "no /run/systemd/journal to mount a stand-in journald on"

e2e_tmp /tmp/seccompd-e2e-fallback.XXXXXX
SPOOL=$T/fallbacks # the default of both ends: "fallbacks" next to the socket
mkdir -p "$T/profiles" "$T/cache"
cp "$SRC/profiles/default.json" "$T/profiles/"
: >"$T/oci.conf"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }

# journald's native protocol, parsed into one JSON object per entry (text fields KEY=value,
# binary-safe ones KEY\n<le64 size><data>\n). Stops on SIGTERM after draining its queue.
cat >"$T/journald.py" <<'EOF'
import json, signal, socket, sys
sock, out = sys.argv[1:3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock)
s.settimeout(0.1)
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
def parse(b):
    f, i = {}, 0
    while i < len(b):
        nl = b.index(b"\n", i)
        line = b[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k, n = line, int.from_bytes(b[nl + 1:nl + 9], "little")
            v = b[nl + 9:nl + 9 + n]
            if b[nl + 9 + n:nl + 10 + n] != b"\n":
                raise ValueError("no newline after a binary field")
            i = nl + 10 + n
        f[k.decode()] = v.decode()
    return f
with open(out, "a") as o:
    while True:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            if stop:
                break
            continue
        try:
            o.write(json.dumps(parse(d)) + "\n")
        except Exception as e:
            o.write(json.dumps({"_error": str(e)}) + "\n")
        o.flush()
EOF
# jns.sh JOURNAL-OUT|- command...: the command in a private mount namespace where crun can run
# (see lib.sh's in_ns), with an empty tmpfs on /run/systemd/journal and, unless "-", the
# stand-in journald on its socket. RO_BUNDLE=DIR makes DIR read-only in there.
cat >"$T/jns.sh" <<'EOF'
out=$1 T=$2
shift 2
umount /sys/fs/cgroup/unified 2>/dev/null
mount -t tmpfs -o mode=0755 tmpfs /run/systemd/journal || exit 90
if [ -n "${RO_BUNDLE:-}" ]; then
        mount --bind "$RO_BUNDLE" "$RO_BUNDLE" && mount -o remount,bind,ro "$RO_BUNDLE" || exit 91
fi
LP=
if [ "$out" != - ]; then
        python3 "$T/journald.py" /run/systemd/journal/socket "$out" 2>>"$T/journald.err" &
        LP=$!
        for _ in $(seq 200); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
fi
"${@}"
rc=$?
[ -n "$LP" ] && kill -TERM $LP && wait $LP
exit $rc
EOF
# oci_j JOURNAL-OUT|- ARGS...: seccompd-oci (stderr discarded by the caller) in that namespace.
oci_j() {
        local out=$1
        shift
        unshare -m bash "$T/jns.sh" "$out" "$T" env SECCOMPD_OCI_RUNTIME="$CRUN" \
                SECCOMPD_SOCKET="$SOCK" SECCOMPD_OCI_CONFIG="$T/oci.conf" \
                "$OCI" --cgroup-manager=disabled "$@"
}
records() { find "$1" -maxdepth 1 -name '*.json' | sort; } # DIR: the spool's records
n_records() { records "$1" | wc -l; }
ctl() { SECCOMPD_SOCKET=$SOCK "$CTL" "$@"; }
metric() { api /metrics | awk -v m="$1" '$1 == m { print $2 }'; }

# A profile crun compiles itself when the wrapper falls back: mkdir fails with ENOMEDIUM
# (123, "No medium found"), which no natural failure gives; everything else is allowed.
cat >"$T/enomedium.json" <<'EOF'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 } ] }
EOF
PROBE='exec 2>&1; grep "^Seccomp:" /proc/self/status; mkdir /tmp/x; echo mkdir=$?; echo hi >/tmp/f && cat /tmp/f'
SECCOMP_2=$(printf 'Seccomp:\t2')
filtered() { # NAME: the probe under the profile, compiled by crun
        has_line "$1" "$SECCOMP_2" && out_has "$1" "No medium found" && has_line "$1" mkdir=1 &&
                has_line "$1" hi
}

# Preflight: plain crun must run a container at all.
make_bundle "$T/pre" "" true || { echo "FAIL: crun spec"; exit 1; }
new_id pre
run_to pre crun_plain run -b "$T/pre" "$id"
[ "$rc" = 0 ] || skip "crun cannot run a container on this host: $(head -3 "$T/pre.err")"

# --- 1. daemon down: crun compiles, the journal and the spool say so ------------------------
B1=$T/b1
make_bundle "$B1" "$T/enomedium.json" sh -c "$PROBE"
new_id down
ID1=$id
oci_j "$T/j1.jsonl" run -b "$B1" "$id" >"$T/c1.out" 2>/dev/null </dev/null
rc=$?
check "1: the container runs with the daemon down (stderr discarded)" [ "$rc" = 0 ]
check "1: filtered by crun's own compile: Seccomp 2, mkdir ENOMEDIUM, writes work" \
        filtered c1
check "1: no derived config (crun read config.json)" [ ! -e "$(derived "$B1")" ]
check "1: config.json untouched" unchanged "$B1"
check "1: the spool was created 0700" [ "$(stat -c %a "$SPOOL" 2>/dev/null)" = 700 ]
check "1: the spool holds one record" [ "$(n_records "$SPOOL")" = 1 ]
R1=$(records "$SPOOL" | head -1)
check "1: the record names the container, bundle, command and reason" \
        jq_holds --arg id "$ID1" --arg b "$B1" '
                .container_id == $id and .bundle == $b and .command == "run"
                and (.reason | startswith("cannot reach seccompd at"))
                and (.reason | contains("No such file or directory"))' "$R1"
check "1: the record's time is now" \
        jq_holds --argjson now "$(date +%s)" '(.time - $now) | fabs < 300' "$R1"
check "1: the record is 0600 and small" \
        sh -c "[ \"\$(stat -c %a '$R1')\" = 600 ] && [ \$(stat -c %s '$R1') -lt 4096 ]"
check "1: no temp file left in the spool" [ -z "$(find "$SPOOL" -name '.*')" ]
check "1: one journal entry" [ "$(wc -l <"$T/j1.jsonl" 2>/dev/null)" = 1 ]
check "1: journal: PRIORITY=4, SYSLOG_IDENTIFIER=seccompd-oci, CONTAINER_ID, BUNDLE, REASON" \
        jq_holds --arg id "$ID1" --arg b "$B1" '
                .PRIORITY == "4" and .SYSLOG_IDENTIFIER == "seccompd-oci"
                and .CONTAINER_ID == $id and .BUNDLE == $b and .SECCOMPD_OCI_COMMAND == "run"
                and (.REASON | startswith("cannot reach seccompd at"))
                and (.MESSAGE | contains($id)) and (.REASON as $r | .MESSAGE | contains($r))' \
        "$T/j1.jsonl"
check "1: journal: SECCOMPD_OCI_SPOOL names the record" \
        jq_holds --arg r "$R1" '.SECCOMPD_OCI_SPOOL == $r' "$T/j1.jsonl"

# No journald at all (an empty /run/systemd/journal): the same container, silently fine.
new_id nojournal
oci_j - run -b "$B1" "$id" >"$T/c1b.out" 2>"$T/c1b.err" </dev/null
rc=$?
check "1: without journald the container still runs, filtered" \
        sh -c "[ $rc = 0 ] && grep -qxF '$SECCOMP_2' '$T/c1b.out'"
check "1: without journald nothing but the fallback line on stderr" \
        sh -c "[ \$(wc -l <'$T/c1b.err') = 1 ] && grep -q 'falling back' '$T/c1b.err'"
check "1: without journald the record is written all the same" [ "$(n_records "$SPOOL")" = 2 ]
ID1B=$id

# --- 2. the daemon starts: seccompctl status shows them -------------------------------------
start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }
run_to st2 ctl status
check "2: seccompctl status exits 0" [ "$rc" = 0 ]
check "2: status: 2 fallbacks in the last hour" \
        out_has st2 "fallbacks:      2 in the last hour, 2 since seccompd started"
check "2: status lists the container and the reason" \
        grep -qE "^  [0-9T:-]+Z  $ID1  cannot reach seccompd at '$SOCK': No such file" \
        "$T/st2.out"
check "2: status lists the second one first (newest first)" \
        sh -c "grep -E '^  [0-9]{4}-' '$T/st2.out' | head -1 | grep -qF '$ID1B'"
check "2: the spool is emptied once ingested" [ "$(n_records "$SPOOL")" = 0 ]
check "2: /metrics: seccompd_oci_fallbacks_total 2" [ "$(metric seccompd_oci_fallbacks_total)" = 2 ]
check "2: /metrics: seccompd_oci_fallbacks_last_hour 2" \
        [ "$(metric seccompd_oci_fallbacks_last_hour)" = 2 ]
run_to st2j ctl status --json
check "2: status --json: fallbacks.recent with bundle and command" \
        jq_holds --arg id "$ID1" --arg b "$B1" --arg s "$SPOOL" '
                .fallbacks.spool == $s and .fallbacks.total == 2 and .fallbacks.rejected == 0
                and (.fallbacks.recent | length == 2)
                and (.fallbacks.recent[1] | .container_id == $id and .bundle == $b
                     and .command == "run" and (.time | test("^[0-9-]+T[0-9:]+Z$")))' \
        "$T/st2j.out"

# --- 3. daemon up, the bundle read-only: a fallback counted through inotify -----------------
B3=$T/b3
make_bundle "$B3" "$T/enomedium.json" sh -c "$PROBE"
new_id rofs
ID3=$id
RO_BUNDLE=$B3 oci_j "$T/j3.jsonl" create -b "$B3" "$id" >"$T/c3.out" 2>/dev/null </dev/null
rc=$?
check "3: create succeeds on a read-only bundle" [ "$rc" = 0 ]
in_ns "$CRUN" --cgroup-manager=disabled start "$id" >/dev/null 2>&1
until_true 10 sh -c "'$CRUN' state '$id' 2>/dev/null | jq -e '.status == \"stopped\"' >/dev/null"
check "3: filtered by crun's own compile" filtered c3
check "3: the journal's reason: the derived config cannot be written" \
        jq_holds --arg id "$ID3" '.CONTAINER_ID == $id and .SECCOMPD_OCI_COMMAND == "create"
                and (.REASON | contains("config.seccompd.json"))
                and (.REASON | contains("Read-only file system"))' "$T/j3.jsonl"
check "3: seccompd logs it on its own, without a status request (inotify)" \
        until_true 10 grep -q "Container $ID3 fell back to crun's own seccomp compile" \
        "$T/daemon.log"
check "3: /metrics: seccompd_oci_fallbacks_total 3" [ "$(metric seccompd_oci_fallbacks_total)" = 3 ]

# --- 4. spool files that are not records: rejected, deleted, no harm ------------------------
# Each is made aside and renamed in, as the wrapper does: the daemon, woken by inotify, would
# otherwise read a file being written and reject it for another reason than the one checked.
J=$T/junk
mkdir "$J"
printf 'garbage \x01\xff' >"$J/garbage.json"
head -c 5000 /dev/zero | tr '\0' ' ' >"$J/big.json"
ln -s /etc/hostname "$J/link.json"
printf '{"time": 1, "container_id": "x\\u001b]0;pwned\\u0007", "reason": "r"}' >"$J/esc.json"
printf '{"time": 1, "container_id": "x"}' >"$J/shape.json"
mkfifo "$J/fifo.json"
# rename(2) each, nothing more: mv(1) may look at a file again after the daemon deleted it.
python3 -c 'import os, sys
for n in os.listdir(sys.argv[1]): os.rename(os.path.join(sys.argv[1], n), os.path.join(sys.argv[2], n))' \
        "$J" "$SPOOL"
run_to st4j ctl status --json
check "4: status still answers" [ "$rc" = 0 ]
check "4: 6 records rejected, none counted" \
        jq_holds '.fallbacks.rejected == 6 and .fallbacks.total == 3' "$T/st4j.out"
check "4: the rejected files are deleted (the link, not its target)" \
        sh -c "[ -z \"\$(ls -A '$SPOOL')\" ] && [ -s /etc/hostname ]"
check "4: the daemon logs why" \
        sh -c "grep -q \"Rejected the fallback record '$SPOOL/big.json': larger\" '$T/daemon.log' &&
               grep -q \"Rejected the fallback record '$SPOOL/esc.json': a member holds a control\" '$T/daemon.log'"
check "4: /metrics: seccompd_oci_fallback_records_rejected_total 6" \
        [ "$(metric seccompd_oci_fallback_records_rejected_total)" = 6 ]
check "4: the daemon is still healthy" ready
run_to st4 ctl status
check "4: status output free of the escape sequence" not grep -q pwned "$T/st4.out"

# --- 5. the bound: a configured spool of 2 files ---------------------------------------------
stop_daemon
SPOOL5=$T/spool5
printf 'fallback-spool = %s\nfallback-spool-max = 2\n' "$SPOOL5" >"$T/oci.conf"
for i in 1 2 3; do
        new_id bound$i
        oci_j "$T/j5.jsonl" run -b "$B1" "$id" >"$T/c5.$i.out" 2>/dev/null </dev/null
        check "5: run $i: filtered by crun" grep -qxF "$SECCOMP_2" "$T/c5.$i.out"
done
check "5: the spool holds 2 records, not 3" [ "$(n_records "$SPOOL5")" = 2 ]
check "5: the third journal entry says it was not written" \
        quiet jq -se --arg s "$SPOOL5" 'length == 3 and (.[2].SECCOMPD_OCI_SPOOL
                | contains("not written: the spool \u0027" + $s + "\u0027 already holds 2 files"))
                and (.[2].MESSAGE | contains("seccompd will not count it"))' "$T/j5.jsonl"
check "5: the default spool got nothing" [ "$(n_records "$SPOOL")" = 0 ]
"$DAEMON" --foreground --root "runtime=$T/profiles" --socket "$SOCK" --cache-dir "$T/cache" \
        --fallback-spool "$SPOOL5" >>"$T/daemon.log" 2>&1 &
DPID=$!
until_true 20 ready
run_to st5 ctl status
check "5: seccompd --fallback-spool counts those 2" \
        out_has st5 "fallbacks:      2 in the last hour, 2 since seccompd started"
check "5: status names the spool" has_line st5 "                $SPOOL5"
stop_daemon

if [ "$fail" != 0 ]; then # what the failed checks need to be understood
        for f in c1.out c3.out st2.out st5.out j1.jsonl j3.jsonl j5.jsonl journald.err; do
                [ -s "$T/$f" ] && sed "s/^/  $f: /" "$T/$f" | head -20
        done
        tail -20 "$T/daemon.log" | sed 's/^/  daemon.log: /'
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
