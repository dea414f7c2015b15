#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The systemd unit as installed: `meson install` into a temp destdir, then
#  - `systemd-analyze verify` of seccompd.service and seccompd.socket (the installed tree is
#    bind-mounted over its prefix in a private mount namespace, so ExecStart= names the
#    installed binary at its real path and systemd's own units come from the host);
#  - `systemd-analyze security --offline=true`: the overall exposure must be 1.5 at most;
#  - the daemon under the unit's confinement: the installed seccompd, socket-activated, run
#    under the system call filter the unit's SystemCallFilter= lines give (expanded with
#    `systemd-analyze syscall-filter`, loaded with `seccompctl exec`, EPERM as
#    SystemCallErrorNumber=), the unit's CapabilityBoundingSet= and no_new_privs, serves,
#    watches, reloads, counts a fallback record and stops cleanly. This is how far it goes
#    where PID 1 is not systemd (the test says so): the unit itself is not started.
# Usage: test-unit.sh BUILD_DIR SOURCE_DIR SECCOMPCTL
set -u
BUILD=$(realpath "${1:?build dir}")
SRC=$(realpath "${2:?source dir}")
CTL=$(realpath "${3:?seccompctl}")
skip() { echo "SKIP: $*"; exit 77; }
not() { ! "$@"; }
for tool in systemd-analyze systemd-socket-activate jq curl python3; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
done
T=$(mktemp -d /tmp/seccompd-unit.XXXXXX)
DEST=$T/dest
DPID=
cleanup() {
        if [ -n "$DPID" ]; then kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; fi
        [ -n "${NPID:-}" ] && kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description command...
        local what=$1
        shift
        if "$@"; then ok; else ko "$what"; fi
}
finish() {
        echo "$pass passed, $fail failed"
        [ "$fail" = 0 ]
        exit $?
}
until_true() { # deadline-seconds command...: polls every 50 ms
        local end=$((SECONDS + $1))
        shift
        while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.05; done
        "$@"
}

# --- install ------------------------------------------------------------------------------
if ! meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet >"$T/install.log" 2>&1; then
        ko "meson install --destdir"
        cat "$T/install.log"
        finish
fi
opt() { meson introspect "$BUILD" --buildoptions | jq -r --arg n "$1" '.[] | select(.name == $n) | .value'; }
PREFIX=$(opt prefix)
SBINDIR=$(opt sbindir)
case $SBINDIR in /*) ;; *) SBINDIR=$PREFIX/$SBINDIR ;; esac
UNITDIR=$PREFIX/lib/systemd/system
UNIT=$DEST$UNITDIR/seccompd.service
SOCKUNIT=$DEST$UNITDIR/seccompd.socket
DAEMON=$DEST$SBINDIR/seccompd
check "installed: seccompd.service and seccompd.socket" [ -f "$UNIT" -a -f "$SOCKUNIT" ]
check "installed: ExecStart= is the installed seccompd" \
        grep -qxF "ExecStart=$SBINDIR/seccompd --foreground" "$UNIT"
check "installed: the binary is there" [ -x "$DAEMON" ]

# --- systemd-analyze verify ---------------------------------------------------------------
# --root= would look for systemd's own units (sysinit.target, ...) and /bin/kill inside the
# destdir; a bind mount of the installed prefix over the real one, in a private mount
# namespace, shows verify the installed files where the unit names them and the rest of the
# host as it is. Not for a prefix of / or /usr (that would hide systemd-analyze itself).
MAN=no
command -v man >/dev/null && MAN=yes
verify() { # FILE...: systemd-analyze verify, the installed prefix in place
        unshare -m sh -c 'mount --bind "$1" "$2" || exit 90; shift 2; exec systemd-analyze verify "$@"' \
                verify "$DEST$PREFIX" "$PREFIX" --man=$MAN "$@"
}
if [ "$(id -u)" != 0 ]; then
        echo "SKIP (part): systemd-analyze verify needs root here (a private mount namespace)"
elif [ "$PREFIX" = / ] || [ "$PREFIX" = /usr ] || [ ! -d "$PREFIX" ]; then
        echo "SKIP (part): systemd-analyze verify needs a prefix other than / and /usr that exists on the host (prefix is $PREFIX)"
else
        verify "$UNITDIR/seccompd.service" "$UNITDIR/seccompd.socket" >"$T/verify.out" 2>&1
        rc=$?
        check "systemd-analyze verify: exit 0" [ "$rc" = 0 ]
        check "systemd-analyze verify: nothing to say" [ ! -s "$T/verify.out" ]
        [ -s "$T/verify.out" ] && sed 's/^/  verify: /' "$T/verify.out"
        # The same check fails on a unit whose ExecStart= is not there: it can fail.
        mkdir -p "$T/broken"
        sed "s|^ExecStart=.*|ExecStart=$SBINDIR/seccompd-not-installed --foreground|" "$UNIT" \
                >"$DEST$UNITDIR/seccompd-broken.service"
        verify "$UNITDIR/seccompd-broken.service" >"$T/broken.out" 2>&1
        rc=$?
        check "systemd-analyze verify fails on a missing ExecStart= binary" \
                sh -c "[ $rc != 0 ] && grep -q 'seccompd-not-installed' '$T/broken.out'"
        rm -f "$DEST$UNITDIR/seccompd-broken.service"
fi

# --- systemd-analyze security --offline ------------------------------------------------------
systemd-analyze security --offline=true --no-pager "$UNIT" >"$T/security.out" 2>&1
EXPOSURE=$(sed -n 's/.*Overall exposure level for seccompd.service: \([0-9.]*\).*/\1/p' "$T/security.out")
echo "exposure: ${EXPOSURE:-?} ($(systemd-analyze --version | head -1))"
check "systemd-analyze security: an overall exposure" [ -n "$EXPOSURE" ]
check "systemd-analyze security: exposure ${EXPOSURE:-?} <= 1.5" \
        python3 -c "import sys; sys.exit(not float(sys.argv[1]) <= 1.5)" "${EXPOSURE:-99}"
grep '✗' "$T/security.out" | sed 's/^/  still exposed: /'

# --- the daemon under the unit's confinement -----------------------------------------------
echo "NOTE: PID 1 is '$(ps -p 1 -o comm= 2>/dev/null)', so the unit itself is not started here;" \
     "its system call filter, capability bounding set and no_new_privs are applied by hand."
# The filter the unit's SystemCallFilter= lines give, in their order: the allow list
# @system-service, then ~@privileged @resources taken out, then seccomp put back.
expand() { # @GROUP: its system calls, nested groups expanded
        systemd-analyze syscall-filter --no-pager "$1" | tail -n +2 | sed 's/^ *//' |
                grep -v -e '^#' -e '^$' | while read -r n; do
                case $n in @*) expand "$n" ;; *) echo "$n" ;; esac
        done
}
filter_lines=$(grep '^SystemCallFilter=' "$UNIT")
check "the unit's SystemCallFilter= lines are the ones emulated here" \
        [ "$filter_lines" = "$(printf 'SystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources\nSystemCallFilter=seccomp')" ]
check "the unit's SystemCallErrorNumber=EPERM and CapabilityBoundingSet=CAP_DAC_READ_SEARCH" \
        sh -c "grep -qx 'SystemCallErrorNumber=EPERM' '$UNIT' &&
               grep -qx 'CapabilityBoundingSet=CAP_DAC_READ_SEARCH' '$UNIT'"
expand @system-service | sort -u >"$T/allow"
{ expand @privileged; expand @resources; } | sort -u >"$T/deny"
{ comm -23 "$T/allow" "$T/deny"; echo seccomp; } | sort -u >"$T/allowed"
check "the filter: chown and setrlimit out, read and seccomp in" \
        sh -c "! grep -qx chown '$T/allowed' && ! grep -qx setrlimit '$T/allowed' &&
               grep -qx read '$T/allowed' && grep -qx seccomp '$T/allowed'"
jq -R . "$T/allowed" | jq -s '{defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
        syscalls: [{names: ., action: "SCMP_ACT_ALLOW"}]}' >"$T/filter.json"
# The command prefix that confines what follows it.
SANDBOX=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        SANDBOX=(setpriv --no-new-privs --bounding-set -all,+dac_read_search --)
else
        echo "SKIP (part): the bounding set needs root and setpriv; only the filter and no_new_privs apply"
fi
SANDBOX+=("$CTL" -q exec "$T/filter.json" --)
# The filter denies what the unit denies: chown, even of one's own file, is EPERM.
touch "$T/mine"
"${SANDBOX[@]}" chown "$(id -u)" "$T/mine" 2>"$T/chown.err"
check "the filter denies chown with EPERM" \
        sh -c "[ $? != 0 ] && grep -q 'Operation not permitted' '$T/chown.err'"

mkdir -p "$T/profiles" "$T/cache" "$T/spool"
cp "$SRC/profiles/default.json" "$T/profiles/"
SOCK=$T/seccompd.sock
python3 - "$T/notify.sock" "$T/notify.out" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "ab") as o:
    try:
        while True:
            o.write(s.recv(4096) + b"\n"); o.flush()
    except socket.timeout:
        pass
EOF
NPID=$!
until_true 5 test -S "$T/notify.sock"
# systemd-socket-activate, setpriv and seccompctl exec each exec the next: the daemon keeps
# the PID that LISTEN_PID names. In a sanitizer build LeakSanitizer's exit check needs
# ptrace(2), which the unit's filter rightly refuses: leaks are checked by the other suites.
systemd-socket-activate -l "$SOCK" -E NOTIFY_SOCKET="$T/notify.sock" \
        -E ASAN_OPTIONS=detect_leaks=0 -- "${SANDBOX[@]}" \
        "$DAEMON" --foreground --root "runtime=$T/profiles" --cache-dir "$T/cache" \
        --fallback-spool "$T/spool" --containers-file "$T/containers.json" \
        >"$T/daemon.log" 2>&1 </dev/null &
DPID=$!
api() { curl -s --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
ready() { [ "$(api /v1/health | jq -r .ready 2>/dev/null)" = true ]; }
check "sandboxed: ready on the socket from systemd-socket-activate" until_true 20 ready
check "sandboxed: READY=1 sent" until_true 5 grep -q READY=1 "$T/notify.out"
status_of() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$DPID/status"; }
check "sandboxed: the filter is on (Seccomp: 2)" [ "$(status_of Seccomp)" = 2 ]
check "sandboxed: no_new_privs" [ "$(status_of NoNewPrivs)" = 1 ]
if [ "${SANDBOX[0]}" = setpriv ]; then
        check "sandboxed: bounding set CAP_DAC_READ_SEARCH only" \
                [ "$(status_of CapBnd)" = 0000000000000004 ]
fi
api /v1/bpf/runtime/default -o "$T/blob"
check "sandboxed: a blob served" sh -c "s=\$(stat -c %s '$T/blob'); [ \$s -gt 8 ] && [ \$((s % 8)) = 0 ]"
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}' \
        >"$T/section.json"
check "sandboxed: POST /v1/compile" \
        sh -c "curl -s --unix-socket '$SOCK' -X POST --data-binary @'$T/section.json' http://localhost/v1/compile | jq -e '.blob | length > 0' >/dev/null"
cp "$T/section.json" "$T/profiles/new.json"
check "sandboxed: a new profile is seen (inotify)" \
        until_true 10 sh -c "curl -s --unix-socket '$SOCK' http://localhost/v1/profiles | jq -e 'any(.profiles[]; .name == \"runtime/new.json\" and .state == \"valid\")' >/dev/null"
printf '{"time": %s, "container_id": "c-sandbox", "reason": "test"}' "$(date +%s)" >"$T/rec"
mv "$T/rec" "$T/spool/1-1-1.json"
check "sandboxed: a fallback record counted and deleted" \
        until_true 10 sh -c "[ ! -e '$T/spool/1-1-1.json' ] &&
                curl -s --unix-socket '$SOCK' http://localhost/v1/status | jq -e '.fallbacks.total == 1' >/dev/null"
kill -HUP "$DPID"
check "sandboxed: reload (SIGHUP) and still serving" \
        until_true 10 sh -c "grep -q 'Reloading' '$T/daemon.log' && curl -sf --unix-socket '$SOCK' http://localhost/v1/health >/dev/null"
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=
check "sandboxed: SIGTERM exits 0" [ "$rc" = 0 ]
check "sandboxed: the container table saved (the spool record's container)" \
        sh -c "jq -e '.containers[0].id == \"c-sandbox\"' '$T/containers.json' >/dev/null"
check "sandboxed: nothing was refused (no EPERM, no failure in the log)" \
        not grep -qE 'Operation not permitted|Failed|error' "$T/daemon.log"
finish
