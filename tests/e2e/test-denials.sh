#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end (issue 11): every denial explained. Real crun containers through seccompd-oci
# (create --pid-file + start, as containerd's shim and conmon run it), the real daemon reading
# the kernel's audit records. A profile in a kubelet root KILLs mkdir, LOGs getppid (every
# busybox sh calls it at start), returns errno 77 for rmdir and EPERM for chmod to 0777 (an
# argument-dependent rule), with seccompd asked to have
# crun load it with SECCOMP_FILTER_FLAG_LOG (--log-filter); a second container runs another
# profile at the same time, and a process outside any container is denied too:
#   - seccompctl denials shows each denial within a second with the right container id,
#     profile name, syscall name, action and deciding rule; the outsider is "unattributed";
#   - /metrics counts them per profile, syscall and action;
#   - seccompctl containers lists each container while it runs, and not after;
#   - all of it after a warm start, where the profiles are parsed only to name the rules.
#   test-denials.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, crun or busybox-static. KEEP_TMP=1 keeps the temp dir.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"

[ "$(id -u)" = 0 ] || skip "e2e-denials needs root (crun, the audit multicast group)"
need_crun_busybox unshare jq curl

e2e_tmp
mkdir -p "$T/kubelet/op" "$T/cache"
: >"$T/oci.conf"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }
ln -sf busybox "$T/rootfs/bin/rmdir"
ln -sf busybox "$T/rootfs/bin/chmod"

cat >"$T/kubelet/op/deny.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL" },
    { "names": ["getppid"], "action": "SCMP_ACT_LOG" },
    { "names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77 },
    { "names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "args": [ { "index": 1, "value": 511, "op": "SCMP_CMP_EQ" } ] },
    { "names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
      "args": [ { "index": 2, "value": 511, "op": "SCMP_CMP_EQ" } ] }
  ]
}
JSON
cat >"$T/kubelet/op/other.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["getppid"], "action": "SCMP_ACT_LOG" } ]
}
JSON

DAEMON_ROOT="kubernetes=$T/kubelet:kubernetes-containerd:recursive"
DAEMON_EXTRA=(--log-filter 'kubernetes/op/deny.json')
start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }
# Started again on that cache (issue 13): a warm start serves both profiles through the
# cache's aliases without parsing them; naming a denial's rule parses the profile then.
stop_daemon
start_daemon || { echo "FAIL: seccompd not ready (warm)"; tail -20 "$T/daemon.log"; exit 1; }
check "a warm start: both profiles served unparsed, through their aliases" \
        [ "$(curl -s --unix-socket "$SOCK" http://localhost/metrics |
                awk '$1 == "seccompd_cache_alias_hits_total" { print $2 }')" = 2 ]
reading=$(curl -s --unix-socket "$SOCK" http://localhost/v1/denials | jq -r .reader.reading)
[ "$reading" = true ] || skip "the daemon cannot read audit records here: $(curl -s --unix-socket "$SOCK" http://localhost/v1/denials | jq -c .reader)"

# Preflight: plain crun must run a container at all.
make_bundle "$T/pre" "" true || { echo "FAIL: crun spec"; exit 1; }
new_id pre
run_to pre crun_plain run -b "$T/pre" "$id"
[ "$rc" = 0 ] || skip "crun cannot run a container on this host: $(head -3 "$T/pre.err")"

denials_json() { "$CTL" --socket "$SOCK" denials --json "$@"; }
# has_denial CONTAINER SYSCALL ACTION PROFILE RULE: one entry says exactly that
has_denial() {
        denials_json | jq -e --arg c "$1" --arg s "$2" --arg a "$3" --arg p "$4" --arg r "$5" \
                '[.denials[] | select(.container == $c and .syscall == $s and .action == $a
                  and .profile == $p and .rule == $r)] | length > 0' >/dev/null
}
listed() {
        "$CTL" --socket "$SOCK" containers --json |
                jq -e --arg id "$1" '[.containers[] | select(.id == $id)] | length == 1' >/dev/null
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# The children make their denied call in the background and stay unreaped (pid 1 execs
# sleep, which never waits): their audit records are read while the process still exists.
B1=$T/b1
make_bundle "$B1" "$T/kubelet/op/deny.json" sh -c 'mkdir /tmp/x & rmdir /tmp/nothing & chmod 777 /tmp & exec sleep 600'
new_id d1
C1=$id
B2=$T/b2
make_bundle "$B2" "$T/kubelet/op/other.json" sh -c 'exec sleep 600'
new_id d2
C2=$id

t0=$(date +%s%N)
run_to d1create oci create --pid-file "$T/d1.pid" -b "$B1" "$C1"
check "create through seccompd-oci" [ "$rc" = 0 ] || show d1create
check "crun loads seccompd's blob with SECCOMP_FILTER_FLAG_LOG (--log-filter)" \
        [ "$(jq -c .linux.seccomp.flags "$(derived "$B1")")" = '["SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_LOG"]' ]
run_to d2create oci create --pid-file "$T/d2.pid" -b "$B2" "$C2"
run_to d1start oci start "$C1"
check "start" [ "$rc" = 0 ] || show d1start
run_to d2start oci start "$C2"
P=kubernetes/op/deny.json
check "KILL: mkdir, within a second, explained" \
        until_true 1 has_denial "$C1" mkdir KILL_THREAD "$P" /syscalls/0
check "ERRNO (logged): rmdir, explained" until_true 1 has_denial "$C1" rmdir ERRNO "$P" /syscalls/2
# The kernel logs no errno: it comes from the rule that decided.
# errno_is SYSCALLS-REGEX ERRNO-JSON: a denial of the container with that errno (or null)
errno_is() {
        denials_json | jq -e --arg c "$C1" --arg s "$1" --argjson e "$2" \
                '[.denials[] | select(.container == $c and (.syscall | test("^(" + $s + ")$")) and .errno == $e)] | length > 0' >/dev/null
}
check "... with the rule's errno (77)" errno_is rmdir 77
check "a KILL has no errno" errno_is mkdir null
check "LOG: getppid, explained" until_true 1 has_denial "$C1" getppid LOG "$P" /syscalls/1
echo "# three denials seen after $(ms_since "$t0") ms (from create)"
# An argument-dependent rule: the record has no arguments, so the rule is named as what it
# is, one of the rules whose conditions may have held (chmod: /syscalls/3; fchmodat: /4).
arg_rule() {
        denials_json | jq -e --arg c "$C1" '[.denials[] | select(.container == $c and
                ((.syscall == "chmod" and (.rule | contains("/syscalls/3"))) or
                 (.syscall == "fchmodat" and (.rule | contains("/syscalls/4")))) and
                .action == "ERRNO")] | length > 0' >/dev/null
}
check "ERRNO by an argument-dependent rule: chmod 777, its candidate rule" until_true 1 arg_rule
check "... and its errno (1: the only rule that can return ERRNO for it)" errno_is 'chmod|fchmodat' 1
check "the other container's getppid: its own profile and rule" \
        until_true 1 has_denial "$C2" getppid LOG kubernetes/op/other.json /syscalls/0

# A process outside any container, under the same kind of filter.
"$CTL" exec "$T/kubelet/op/other.json" -- /bin/busybox sh -c true
check "a process that is no container's: unattributed, with why" until_true 1 sh -c \
        "'$CTL' --socket '$SOCK' denials --json --syscall getppid | jq -e '[.denials[] | select(.container == null and .unattributed != null)] | length > 0' >/dev/null"

"$CTL" --socket "$SOCK" denials --container "$C1" >"$T/table"
sed 's/^/  /' "$T/table"
check "seccompctl denials: the table row of the KILL" \
        grep -qE "$C1 +$P +mkdir +KILL_THREAD +/syscalls/0" <(sed "s/^[^ ]* *//" "$T/table")
check "seccompctl denials: ERRNO(77) for rmdir" \
        grep -qE "$C1 +$P +rmdir +ERRNO\(77\) +/syscalls/2" <(sed "s/^[^ ]* *//" "$T/table")
curl -s --unix-socket "$SOCK" http://localhost/metrics >"$T/metrics"
for sa in mkdir,KILL_THREAD rmdir,ERRNO getppid,LOG; do
        s=${sa%,*} a=${sa#*,}
        check "metrics: seccompd_denials_total for $s $a" grep -qE \
                "^seccompd_denials_total\{profile=\"$P\",syscall=\"$s\",action=\"$a\"\} [1-9]" "$T/metrics"
done

check "seccompctl containers: both listed while they run" sh -c "$(declare -f listed); CTL='$CTL' SOCK='$SOCK'; listed '$C1' && listed '$C2'"
run_to d1delete oci delete -f "$C1"
run_to d2delete oci delete -f "$C2"
check "deleted: no longer listed" sh -c "$(declare -f listed); CTL='$CTL' SOCK='$SOCK'; ! listed '$C1' && ! listed '$C2'"
check "... while their denials stay explained in the ring" has_denial "$C1" mkdir KILL_THREAD "$P" /syscalls/0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
