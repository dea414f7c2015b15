#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end with LXC: lxc-execute (Debian's lxc 5.0.2) runs a busybox-static rootfs with
# lxc.seccomp.profile written by `seccompctl export NAME --format lxc` against the real
# seccompd. Inside the container: "Seccomp: 2", the denied call's errno, an allowed call.
# Outside: the filter LXC actually loaded is read back from the container's init
# (filter-compare, PTRACE_SECCOMP_GET_FILTER) and compared with seccompd's served blob for the
# same profile, in the simulator, over every syscall of x86_64, x86 and x32 and argument
# patterns built from the profile's values. Every difference found must have been named by
# the export ("LXC decides NAME on ARCH otherwise: ..."), and every name must be found.
#   test-lxc.sh SECCOMPD SECCOMPCTL FILTER-COMPARE SOURCE-DIR
# Runs as root; skips (77) without root, lxc or busybox-static. KEEP_TMP=1 keeps the temp dir.
#
# Machine quirks handled here, not in the product: cgroups are v1 hybrid, so every lxc command
# runs in a private mount namespace with /sys/fs/cgroup/unified unmounted (in_ns, lib.sh), where
# LXC uses the v1 hierarchies only; the lxcpath (-P) is in the temp dir, never /var/lib/lxc;
# the container has no network (lxc.net.0.type = empty) and a unique name (with $$).
set -u
DAEMON=$(realpath "${1:?seccompd}")
CTL=$(realpath "${2:?seccompctl}")
CMP=$(realpath "${3:?filter-compare}")
SRC=$(realpath "${4:?source dir}")
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "e2e-lxc needs root (lxc-execute of a privileged container)"
for tool in lxc-execute lxc-info lxc-stop unshare jq curl python3; do
        command -v $tool >/dev/null || skip "$tool is not installed"
done
BUSYBOX=$(command -v busybox) || skip "busybox-static is not installed"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
        skip "$BUSYBOX is dynamically linked: install busybox-static"
fi
[ -x /usr/sbin/init.lxc.static ] || [ -x /usr/sbin/init.lxc ] ||
        skip "lxc-execute needs init.lxc (package lxc)"
grep -q '^Seccomp:[[:space:]]*0' /proc/self/status ||
        skip "this shell is already under seccomp: LXC would not load a policy, nor could the filter be read back"

T=$(mktemp -d)
SOCK=$T/seccompd.sock
LXCPATH=$T/lxcpath
NAMES=()
lxc() { in_ns "$@"; }
stop_container() { lxc lxc-stop -P "$LXCPATH" -n "$1" -k >/dev/null 2>&1; }
cleanup() {
        local n
        for n in "${NAMES[@]}"; do stop_container "$n"; done
        stop_daemon
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
mkdir -p "$T/profiles" "$T/cache" "$LXCPATH"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }
mkdir -p "$T/rootfs/out"
SECCOMP_2=$(printf 'Seccomp:\t2')

# --- profiles -------------------------------------------------------------------------------
# (a) custom: mkdir fails with ENOMEDIUM (123, "No medium found"), nothing else filtered.
cat >"$T/profiles/custom.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 } ]
}
EOF
# (b) Docker's default: unshare(CLONE_NEWUSER) denied with EPERM, mkdir allowed.
cp "$SRC/profiles/default.json" "$T/profiles/default.json"
# (c) rules LXC has to take apart: socket/IPC calls with and without conditions (multiplexed
# on x86), recv (x86 has it only behind socketcall), and rules LXC can write exactly:
# MASKED_EQ, several arguments, a value above 32 bits, includes/excludes on caps.
cat >"$T/profiles/lossy.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [ { "architecture": "SCMP_ARCH_X86_64",
                 "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] } ],
  "syscalls": [
    { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 },
    { "names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
      "args": [ { "index": 0, "value": 40, "op": "SCMP_CMP_EQ" } ] },
    { "names": ["recv", "sendmsg"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5 },
    { "names": ["shmget"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
      "args": [ { "index": 2, "value": 512, "valueTwo": 512, "op": "SCMP_CMP_MASKED_EQ" } ] },
    { "names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
      "args": [ { "index": 0, "value": 65280, "valueTwo": 2048, "op": "SCMP_CMP_MASKED_EQ" } ] },
    { "names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30,
      "args": [ { "index": 0, "value": 4294967196, "op": "SCMP_CMP_EQ" },
                { "index": 2, "value": 511, "op": "SCMP_CMP_GE" } ] },
    { "names": ["ioprio_set"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "args": [ { "index": 1, "value": 18446744069414584321, "op": "SCMP_CMP_EQ" } ] },
    { "names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "excludes": { "caps": ["CAP_SYS_ADMIN"] } },
    { "names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "includes": { "caps": ["CAP_SYS_ADMIN"] } }
  ]
}
EOF
# (d) an arch left out: LXC filters x86 with the policy, seccompd's blob kills it.
jq '.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"]' "$T/profiles/custom.json" \
        >"$T/profiles/nox86.json"

start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }

# Preflight: LXC must run a container at all here, or nothing below means anything.
run_lxc() { # NAME POLICY PROBE: starts container NAME, waits for its probe, sets $pid
        local name=$1 policy=$2 probe=$3 cname="seccompd-e2e-$$-$1"
        NAMES+=("$cname")
        rm -f "$T/rootfs/out/$name.txt" "$T/rootfs/out/$name.ready"
        cat >"$T/$name.conf" <<EOF
lxc.uts.name = $cname
lxc.rootfs.path = dir:$T/rootfs
lxc.net.0.type = empty
lxc.mount.auto = proc:rw
lxc.log.file = $T/$name.lxc.log
lxc.log.level = INFO
EOF
        [ -n "$policy" ] && echo "lxc.seccomp.profile = $policy" >>"$T/$name.conf"
        # The probe's output goes to the rootfs; the container then stays up for the reading.
        run_to "$name.start" lxc lxc-execute -P "$LXCPATH" -n "$cname" -f "$T/$name.conf" -d \
                -- /bin/sh -c "($probe) >/out/$name.txt 2>&1; : >/out/$name.ready; exec sleep 600"
        [ "$rc" = 0 ] && until_true 30 test -f "$T/rootfs/out/$name.ready" &&
                pid=$(lxc lxc-info -P "$LXCPATH" -n "$cname" -p -H) && [ -n "$pid" ]
}
in_out() { grep -qxF -- "$2" "$T/rootfs/out/$1.txt"; }
in_out_has() { grep -qF -- "$2" "$T/rootfs/out/$1.txt"; }
if ! run_lxc pre "" 'true'; then
        skip "lxc-execute cannot run a container on this host: $(head -3 "$T/pre.start.err")"
fi
stop_container "seccompd-e2e-$$-pre"

# --- the LXC export names what LXC will decide otherwise -------------------------------------
# A profile with an action LXC lacks is refused, naming each syscall and arch.
cat >"$T/log.json" <<'EOF'
{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [ { "names": ["getcwd"], "action": "SCMP_ACT_LOG" } ] }
EOF
run_to log "$CTL" export "$T/log.json" --format lxc
check "LOG: export refused (exit 1)" [ "$rc" = 1 ]
check "LOG: the error names getcwd on x86_64,x86" \
        err_has log "error: LXC decides getcwd on x86_64,x86 otherwise: LXC has no action SCMP_ACT_LOG"
check "LOG: no policy written" [ ! -s "$T/log.out" ]

# named NAME: the "LXC decides" warnings of the export as "arch syscall" lines
named() {
        sed -n 's/.*warning: LXC decides \([^ ]*\) on \([^ ]*\) otherwise: .*/\1 \2/p' \
                "$T/$1.export.err" |
                while read -r sc arches; do
                        for a in ${arches//,/ }; do echo "$a $sc"; done
                done | sort -u
}
# values NAME: --value and --pattern arguments from the profile's conditions (python3: jq 1.6
# turns integers above 2^53 into doubles)
values() {
        python3 - "$T/profiles/$1.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
for r in p.get("syscalls") or []:
    args = r.get("args") or []
    vec = [0] * 6
    for a in args:
        v = a.get("valueTwo", 0) if a["op"] == "SCMP_CMP_MASKED_EQ" else a["value"]
        print("--value", a["value"], "--value", a.get("valueTwo", 0))
        vec[a["index"]] = v
    if args:
        print("--pattern", ",".join(str(x) for x in vec))
EOF
}

# profile NAME PROBE: export through the daemon, the served blob, the container, the comparison
profile() {
        local n=$1 probe=$2
        run_to "$n.export" "$CTL" --socket "$SOCK" export "runtime/$n" --format lxc \
                -o "$T/$n.lxc"
        check "$n: seccompctl export runtime/$n --format lxc (through seccompd)" [ "$rc" = 0 ] ||
                show "$n.export"
        check "$n: the policy is LXC's version 2" [ "$(head -1 "$T/$n.lxc")" = 2 ]
        run_to "$n.compile" "$CTL" --socket "$SOCK" compile "runtime/$n" -o "$T/$n.bpf"
        check "$n: seccompd's blob for runtime/$n" [ "$rc" = 0 -a -s "$T/$n.bpf" ]
        if ! run_lxc "$n" "$T/$n.lxc" "$probe"; then
                ko "$n: lxc-execute with the exported policy"
                show "$n.start"
                grep -E 'ERROR|WARN' "$T/$n.lxc.log" | head -5
                return
        fi
        ok
        check "$n: Seccomp 2 inside the container" in_out "$n" "$SECCOMP_2" ||
                cat "$T/rootfs/out/$n.txt"
        # shellcheck disable=SC2046
        "$CMP" --pid "$pid" --blob "$T/$n.bpf" --save "$T/$n.loaded" $(values "$n") \
                >"$T/$n.diff" 2>"$T/$n.cmp.err"
        rc=$?
        check "$n: the loaded filter was read back and compared (exit $rc)" [ "$rc" -le 1 ] ||
                cat "$T/$n.cmp.err"
        sed 's/^/  /' "$T/$n.cmp.err"
        named "$n" >"$T/$n.named"
        awk '{print $1, $2}' "$T/$n.diff" | sort -u >"$T/$n.found"
        # Every difference found is named (by its syscall, or "*" for its arch).
        local a s missing=0
        while read -r a s; do
                grep -qxF "$a $s" "$T/$n.named" || grep -qxF "$a *" "$T/$n.named" || {
                        echo "  found but not named: $a $s ($(grep -m1 "^$a $s " "$T/$n.diff"))"
                        missing=$((missing + 1))
                }
        done <"$T/$n.found"
        check "$n: every difference found was named by the export ($(wc -l <"$T/$n.found") found)" \
                [ "$missing" = 0 ]
        # And every syscall named is found differing (a "*" needs some difference on its arch).
        missing=0
        while read -r a s; do
                if [ "$s" = "*" ]; then
                        grep -q "^$a " "$T/$n.found"
                else
                        grep -qxF "$a $s" "$T/$n.found"
                fi || {
                        echo "  named but not found: $a $s"
                        missing=$((missing + 1))
                }
        done <"$T/$n.named"
        check "$n: every difference named was found ($(wc -l <"$T/$n.named") named)" \
                [ "$missing" = 0 ]
}

# The probe reads the container's own status, then tries a denied and allowed calls.
PROBE='grep "^Seccomp:" /proc/self/status; mkdir /tmp/d-$$ && echo mkdir=ok;
if unshare -U true; then echo unshare=allowed; else echo unshare=denied; fi;
cat /proc/self/stat >/dev/null && echo read=ok'

# (a) custom: nothing LXC decides otherwise
profile custom "$PROBE"
check "custom: mkdir fails with ENOMEDIUM" in_out_has custom "No medium found"
check "custom: an allowed call works (read, unshare -U)" \
        sh -c "grep -qx read=ok '$T/rootfs/out/custom.txt' && grep -qx unshare=allowed '$T/rootfs/out/custom.txt'"
check "custom: no difference found, none named" \
        [ ! -s "$T/custom.diff" -a ! -s "$T/custom.named" ]
stop_container "seccompd-e2e-$$-custom"

# (b) Docker's default
profile default "$PROBE"
check "default: unshare -U denied with EPERM" \
        sh -c "grep -qx unshare=denied '$T/rootfs/out/default.txt' && grep -qF 'Operation not permitted' '$T/rootfs/out/default.txt'"
check "default: an allowed call works (mkdir, read)" \
        sh -c "grep -qx mkdir=ok '$T/rootfs/out/default.txt' && grep -qx read=ok '$T/rootfs/out/default.txt'"
check "default: differences only on x86 (the socket and IPC calls)" \
        sh -c "[ -s '$T/default.diff' ] && ! grep -qv '^x86 ' '$T/default.diff'"
stop_container "seccompd-e2e-$$-default"

# (c) conditions LXC writes exactly, and calls it drops on x86
profile lossy "$PROBE"
check "lossy: mkdir fails with ENOMEDIUM, unshare -U denied" \
        sh -c "grep -qF 'No medium found' '$T/rootfs/out/lossy.txt' && grep -qx unshare=denied '$T/rootfs/out/lossy.txt'"
check "lossy: an allowed call works (read)" in_out lossy read=ok
check "lossy: socket and socketcall, recv via socketcall, shmget and ipc differ on x86" \
        sh -c "for s in socket socketcall sendmsg shmget ipc; do grep -qx \"x86 \$s\" '$T/lossy.found' || exit 1; done"
check "lossy: MASKED_EQ, two arguments, a 64-bit value: no difference" \
        sh -c "! grep -qE ' (personality|fchmodat|ioprio_set|unshare|sethostname) ' '$T/lossy.diff'"
stop_container "seccompd-e2e-$$-lossy"

# (d) x86 not in the profile
profile nox86 "$PROBE"
check "nox86: mkdir fails with ENOMEDIUM" in_out_has nox86 "No medium found"
check "nox86: every x86 syscall differs, nothing else" \
        sh -c "grep -qx 'x86 \\*' '$T/nox86.named' && ! grep -qv '^x86 ' '$T/nox86.diff'"
stop_container "seccompd-e2e-$$-nox86"

# seccompd served every export (GET /v1/source) and blob (GET /v1/bpf).
api /metrics >"$T/metrics.txt"
served() { # ROUTE: the count of 200s on that route
        local c
        c=$(sed -n "s|^seccompd_requests_total{route=\"$1\",code=\"200\"} ||p" "$T/metrics.txt")
        echo "${c:-0}"
}
check "seccompd served the 4 exported sources (GET /v1/source: $(served source))" \
        [ "$(served source)" -ge 4 ]
check "seccompd served the 4 blobs (GET /v1/bpf: $(served bpf))" [ "$(served bpf)" -ge 4 ]

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
