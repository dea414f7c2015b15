#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seccompctl record and merge, end to end: real programs recorded on the host, then run again
# under the recorded profile (a) by seccompctl exec and (b) in crun through seccompd-oci with
# the profile inlined as linux.seccomp (seccompd compiles it): the same output, exit 0; and a
# syscall the recorded run never made (mkdir) is denied with EPERM, read inside.
#   test-record.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, crun, busybox-static, python3 or binutils.
# KEEP_TMP=1 keeps the temp dir.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"

[ "$(id -u)" = 0 ] || skip "e2e-record needs root (crun run of a non-rootless bundle)"
need_crun_busybox unshare jq curl python3 as ld
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is not installed"

e2e_tmp
mkdir -p "$T/profiles" "$T/cache"
: >"$T/oci.conf"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }

# A 32-bit program without libc (int $0x80): write, then exit. probe32 tries mkdir (x86's
# 39) and exits with the errno (0 when it worked).
cat >"$T/hello32.s" <<'EOF'
.globl _start
_start: movl $4, %eax; movl $1, %ebx; movl $msg, %ecx; movl $len, %edx; int $0x80
        movl $1, %eax; movl $0, %ebx; int $0x80
.data
msg: .ascii "hello from i386\n"
len = . - msg
EOF
cat >"$T/probe32.s" <<'EOF'
.globl _start
_start: movl $39, %eax; movl $path, %ebx; movl $0755, %ecx; int $0x80
        negl %eax; movl %eax, %ebx; movl $1, %eax; int $0x80
.data
path: .asciz "/tmp/probe32"
EOF
for p in hello32 probe32; do
        as --32 -o "$T/$p.o" "$T/$p.s" && ld -m elf_i386 -o "$T/rootfs/bin/$p" "$T/$p.o" ||
                skip "cannot build a 32-bit program (as --32, ld -m elf_i386)"
done
"$T/rootfs/bin/hello32" >/dev/null 2>&1 || skip "this kernel does not run i386 programs"

# Preflight: plain crun must run a container at all, or nothing below means anything.
make_bundle "$T/pre" "" true || { echo "FAIL: crun spec"; exit 1; }
new_id pre
run_to pre crun_plain run -b "$T/pre" "$id"
[ "$rc" = 0 ] || skip "crun cannot run a container on this host: $(head -3 "$T/pre.err")"

start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }

# The workloads. Every applet is called as "busybox APPLET": the host's /bin has other
# programs of the same names. The ports are the host's (with_host_libs shares its network).
# Two free ports: one to listen on, one where nothing listens.
read -r PORT PORT2 < <("$PY" -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
W_FORK='busybox echo start; for i in 1 2 3; do (busybox echo "child $i"); done;
busybox echo a b c | busybox wc -w; busybox sh -c "busybox echo nested; exit 3";
busybox echo "status $?"; x=$(busybox cat /proc/self/stat | busybox cut -d" " -f3);
busybox echo "state $x"'
# A recording holds the paths its run took, so the workloads take the same ones every time:
# a refused connection and a sleep first (as when the client below must try again), and a
# server that is still running at `wait` (busybox sh waits in rt_sigsuspend then, and in
# wait4 alone when the job is done already). The server sends (nc -e), the client prints:
# a server reading from the client could see its own stdin's EOF first. The client tries
# for at most 30 s; the server gives up after 40 s.
W_NET="busybox nc 127.0.0.1 $PORT2 </dev/null 2>/dev/null; busybox sleep 0.1;
{ busybox timeout 40 busybox nc -l -p $PORT -e busybox echo hello-over-tcp; busybox sleep 1; } &
i=0; until busybox nc 127.0.0.1 $PORT </dev/null 2>/dev/null; do
i=\$((i + 1)); [ \$i -lt 300 ] || break; busybox sleep 0.1; done; wait"
W_PY='import socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(4)
port = srv.getsockname()[1]
got = []
def serve():
    for _ in range(3):
        c, _ = srv.accept(); got.append(c.recv(64).decode()); c.close()
t = threading.Thread(target=serve); t.start()
def client(i):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"msg%d" % i); s.close()
cs = [threading.Thread(target=client, args=(i,)) for i in range(3)]
[c.start() for c in cs]; [c.join() for c in cs]; t.join()
print(sorted(got), threading.active_count())'
W_I386='/bin/hello32; busybox echo "i386 exit $?"'
W_FILES='busybox mkdir /tmp/m1 && busybox echo data >/tmp/m1/f && busybox mv /tmp/m1/f /tmp/m1/g &&
busybox cat /tmp/m1/g && busybox rm -r /tmp/m1 && busybox echo files-ok'
# Every run on the host is bounded: a hang fails its checks instead of stalling the suite
# (in the containers, the workloads bound themselves).
bounded() { timeout -s KILL 90 "$@"; }
one() { echo $1; } # one line: make_bundle passes arguments as lines
py_one() { "$PY" -c 'import sys; print("exec(%r)" % sys.argv[1])' "$1"; } # the same for Python
W_PY=$(py_one "$W_PY")
W_FORK=$(one "$W_FORK") W_NET=$(one "$W_NET") W_I386=$(one "$W_I386") W_FILES=$(one "$W_FILES")

# The host runs /bin/hello32 as $T/rootfs/bin/hello32: its root is the host's.
host_cmd() { # WORKLOAD: the command line on the host, in HOST_CMD
        case $1 in
        py) HOST_CMD=("$PY" -c "$W_PY") ;;
        i386) HOST_CMD=(busybox sh -c "${W_I386//\/bin\//$T/rootfs/bin/}") ;;
        *) local v="W_${1^^}"; HOST_CMD=(busybox sh -c "${!v}") ;;
        esac
}
ctr_cmd() { # WORKLOAD: the command line in the container, in CTR_CMD
        case $1 in
        py) CTR_CMD=("$PY" -c "$W_PY") ;;
        *) local v="W_${1^^}"; CTR_CMD=(/bin/busybox sh -c "${!v}") ;;
        esac
}
# The denial probe, per workload: mkdir, which none of them makes (W_FILES does; it is only
# merged). Under no filter it succeeds; under the recorded profile EPERM.
probe_cmd() { # WORKLOAD ROOT: in PROBE_CMD
        case $1 in
        py) PROBE_CMD=("$PY" -c "$(py_one 'import os
try:
    os.mkdir("/tmp/probe-py"); print("mkdir=ok")
except OSError as e:
    print("mkdir=%s" % e.strerror)')") ;;
        i386) PROBE_CMD=(busybox sh -c "$2/bin/probe32; echo mkdir-errno=\$?") ;;
        *) PROBE_CMD=(busybox sh -c "busybox mkdir /tmp/probe-bb 2>&1; echo mkdir-rc=\$?") ;;
        esac
}
denied_out() { # WORKLOAD NAME: NAME's output says mkdir was denied with EPERM
        case $1 in
        py) has_line "$2" "mkdir=Operation not permitted" ;;
        i386) has_line "$2" "mkdir-errno=1" ;;
        *) out_has "$2" "Operation not permitted" && has_line "$2" "mkdir-rc=1" ;;
        esac
}
no_mkdir() { jq_holds '[.syscalls[].names[]] | (index("mkdir") == null and index("mkdirat") == null)' "$1"; }

# container RUN-NAME PROFILE WORKLOAD CMD...: runs CMD in a fresh bundle with PROFILE inlined
# as linux.seccomp, through seccompd-oci (debug: it says crun loaded seccompd's blob).
container() {
        local n=$1 prof=$2 w=$3
        shift 3
        make_bundle "$T/b-$n" "$prof" "$@" || return 1
        with_host_libs "$T/b-$n" || return 1
        if [ -n "${BUNDLE_JQ:-}" ]; then
                jq "$BUNDLE_JQ" "$T/b-$n/config.json" >"$T/b-$n/c" && mv "$T/b-$n/c" "$T/b-$n/config.json" ||
                        return 1
        fi
        new_id "$n"
        OCI_ENV=(SECCOMPD_OCI_DEBUG=1)
        run_to "$n" oci run -b "$T/b-$n" "$id"
        OCI_ENV=()
}
seccomp_of() { # PROFILE OUT: the linux.seccomp section for a bundle (the OCI form)
        jq 'del(.syscalls[].comment)' "$1" >"$2"
}

for w in fork net py i386; do
        rm -rf /tmp/probe-bb /tmp/probe-py /tmp/probe32
        host_cmd $w
        run_to "$w-plain" bounded "${HOST_CMD[@]}"
        check "$w: runs plainly" [ "$rc" = 0 ] || show "$w-plain"
        run_to "$w-rec" bounded "$CTL" record -o "$T/$w.json" -- "${HOST_CMD[@]}"
        check "$w: record exits with the command's status" [ "$rc" = 0 ] || show "$w-rec"
        check "$w: record prints the command's output" cmp -s "$T/$w-plain.out" "$T/$w-rec.out" ||
                { show "$w-plain"; show "$w-rec"; }
        check "$w: record says what it recorded" err_has "$w-rec" "seccompctl: recorded"
        check "$w: the profile validates strictly" quiet "$CTL" validate --strict "$T/$w.json"
        check "$w: the comment says how it was recorded" \
                jq_holds '.syscalls[0].comment | test("^recorded by seccompctl record from `.*` on 20[0-9-]+T[0-9:]+Z, [0-9]+ calls$")' "$T/$w.json"
        check "$w: no mkdir recorded" no_mkdir "$T/$w.json"

        # (a) seccompctl exec
        run_to "$w-exec" bounded "$CTL" exec "$T/$w.json" -- "${HOST_CMD[@]}"
        check "$w: exec under the recorded profile: exit 0" [ "$rc" = 0 ] || show "$w-exec"
        check "$w: exec under the recorded profile: same output" \
                cmp -s "$T/$w-plain.out" "$T/$w-exec.out" || show "$w-exec"
        probe_cmd $w "$T/rootfs"
        run_to "$w-probe-plain" bounded "${PROBE_CMD[@]}"
        check "$w: the probe's mkdir works unfiltered" not denied_out $w "$w-probe-plain" ||
                show "$w-probe-plain"
        rm -rf /tmp/probe-bb /tmp/probe-py /tmp/probe32
        run_to "$w-probe" bounded "$CTL" exec "$T/$w.json" -- "${PROBE_CMD[@]}"
        check "$w: exec: mkdir, never recorded, is denied with EPERM" denied_out $w "$w-probe" ||
                show "$w-probe"

        # (b) crun through seccompd-oci, the profile inlined
        seccomp_of "$T/$w.json" "$T/$w.seccomp"
        ctr_cmd $w
        container "$w-ctr" "$T/$w.seccomp" $w "${CTR_CMD[@]}"
        check "$w: container under the recorded profile: exit 0" [ "$rc" = 0 ] || show "$w-ctr"
        check "$w: container: same output" cmp -s "$T/$w-plain.out" "$T/$w-ctr.out" ||
                show "$w-ctr"
        check "$w: container: crun loaded seccompd's blob" err_has "$w-ctr" "crun loads seccompd's blob" ||
                show "$w-ctr"
        probe_cmd $w ""
        container "$w-ctr-probe" "$T/$w.seccomp" $w "${PROBE_CMD[@]}"
        check "$w: container: mkdir is denied with EPERM" denied_out $w "$w-ctr-probe" ||
                show "$w-ctr-probe"
done
rm -rf /tmp/probe-bb /tmp/probe-py /tmp/probe32

# crun's own calls after it loads the filter (the runtime tail, lib/record.c): with
# noNewPrivileges false and a user, crun loads it before it sets the ids and capabilities
# (setresgid, setresuid, capset, prctl), calls the recording under seccompctl never made.
BUNDLE_JQ='.process.noNewPrivileges = false | .process.user.uid = 1000 | .process.user.gid = 1000'
ctr_cmd fork
container fork-user "$T/fork.seccomp" fork "${CTR_CMD[@]}"
BUNDLE_JQ=
check "fork: container as uid 1000 without noNewPrivileges: exit 0, same output" \
        sh -c "[ $rc = 0 ] && cmp -s '$T/fork-plain.out' '$T/fork-user.out'" || show fork-user

# runc (when installed) loads the same profile itself, as uid 1000 without noNewPrivileges:
# its own calls after the load (the Go runtime's, getppid) are in the tail too.
if RUNC=$(command -v runc); then
        make_bundle "$T/b-runc" "$T/fork.seccomp" "${CTR_CMD[@]}" && with_host_libs "$T/b-runc" &&
                jq '.process.noNewPrivileges = false | .process.user.uid = 1000 | .process.user.gid = 1000' \
                        "$T/b-runc/config.json" >"$T/b-runc/c" && mv "$T/b-runc/c" "$T/b-runc/config.json"
        run_to runc bounded unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' \
                x "$RUNC" run -b "$T/b-runc" "seccompd-e2e-$$-runc"
        check "fork: runc as uid 1000 without noNewPrivileges: exit 0, same output" \
                sh -c "[ $rc = 0 ] && cmp -s '$T/fork-plain.out' '$T/runc.out'" || show runc
fi

# The 32-bit child: its arch is listed, with its names (x86's int $0x80 write is "write").
check "i386: SCMP_ARCH_X86 listed beside SCMP_ARCH_X86_64" \
        jq_holds '.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]' "$T/i386.json"
check "fork: one arch only" jq_holds '.architectures == ["SCMP_ARCH_X86_64"]' "$T/fork.json"
check "net: the sockets were recorded" \
        jq_holds '[.syscalls[].names[]] | index("socket") != null and index("bind") != null and index("connect") != null' "$T/net.json"
check "py: threads were recorded" jq_holds '[.syscalls[].names[]] | index("clone3") != null or index("clone") != null' "$T/py.json"

# --- --format oci ---------------------------------------------------------------------------
run_to oci-rec "$CTL" record --format oci -o "$T/fork-oci.json" -- busybox sh -c "$W_FORK"
check "oci: record exits 0" [ "$rc" = 0 ] || show oci-rec
check "oci: plain runtime-spec keys, no comment" \
        jq_holds '(keys == ["architectures","defaultAction","defaultErrnoRet","syscalls"]) and (.syscalls | length == 1) and (.syscalls[0] | has("comment") | not)' "$T/fork-oci.json"
check "oci: validates for crun" quiet "$CTL" validate --strict --dialect crun "$T/fork-oci.json"
container oci-ctr "$T/fork-oci.json" fork /bin/busybox sh -c "$W_FORK"
check "oci: the container runs under it, same output" \
        sh -c "[ $rc = 0 ] && cmp -s '$T/fork-plain.out' '$T/oci-ctr.out'" || show oci-ctr

# --- merge ----------------------------------------------------------------------------------
# net and files do different things: each alone denies the other's; merged, both run.
run_to files-rec "$CTL" record -o "$T/files.json" -- busybox sh -c "$W_FILES"
check "merge: files recorded" [ "$rc" = 0 ] || show files-rec
run_to files-under-net "$CTL" exec "$T/net.json" -- busybox sh -c "$W_FILES"
check "merge: the files run fails under net's profile" [ "$rc" != 0 ]
run_to merge "$CTL" merge "$T/net.json" "$T/files.json" -o "$T/merged.json"
check "merge: exits 0" [ "$rc" = 0 ] || show merge
check "merge: validates strictly" quiet "$CTL" validate --strict "$T/merged.json"
check "merge: the names are the union" jq_holds --slurpfile a "$T/net.json" --slurpfile b "$T/files.json" \
        '([.syscalls[].names[]] | unique) == ([$a[0], $b[0] | .syscalls[].names[]] | unique)' "$T/merged.json"
check "merge: one rule, the first profile's comment kept" \
        jq_holds --slurpfile a "$T/net.json" '(.syscalls | length == 1) and .syscalls[0].comment == $a[0].syscalls[0].comment' "$T/merged.json"
for w in net files; do
        host_cmd $w
        run_to "merged-$w" bounded "$CTL" exec "$T/merged.json" -- "${HOST_CMD[@]}"
        check "merge: $w runs under the merged profile" [ "$rc" = 0 ] || show "merged-$w"
done
check "merge: net's output unchanged" cmp -s "$T/net-plain.out" "$T/merged-net.out"
check "merge: files' output" has_line merged-files files-ok
seccomp_of "$T/merged.json" "$T/merged.seccomp"
container merged-ctr "$T/merged.seccomp" files /bin/busybox sh -c "$W_FILES"
check "merge: files run in a container under the merged profile" \
        sh -c "[ $rc = 0 ] && grep -qx files-ok '$T/merged-ctr.out'" || show merged-ctr

# record --merge: the same union in one step, into the existing profile's form (an archMap).
jq '{defaultAction, defaultErrnoRet, archMap: [{architecture: "SCMP_ARCH_X86_64",
        subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}], syscalls}' "$T/net.json" \
        >"$T/net-archmap.json"
run_to rec-merge "$CTL" record --merge "$T/net-archmap.json" -o "$T/merged2.json" -- \
        busybox sh -c "$W_FILES"
check "record --merge: exits 0, the command's output" \
        sh -c "[ $rc = 0 ] && grep -qx files-ok '$T/rec-merge.out'" || show rec-merge
check "record --merge: the archMap kept, no architectures added" \
        jq_holds '(has("architectures") | not) and (.archMap | length == 1)' "$T/merged2.json"
check "record --merge: the same names as merge" jq_holds --slurpfile m "$T/merged.json" \
        '([.syscalls[].names[]] | unique) == ([$m[0].syscalls[].names[]] | unique)' "$T/merged2.json"

# --- errors ---------------------------------------------------------------------------------
run_to notfound "$CTL" record -o "$T/nf.json" -- /nonexistent/cmd
check "record of a missing command: 127, says so, writes nothing" \
        sh -c "[ $rc = 127 ] && [ ! -e '$T/nf.json' ]" || show notfound
check "record of a missing command: the message" err_has notfound "/nonexistent/cmd: No such file or directory"
run_to exit3 "$CTL" record -o "$T/e3.json" -- busybox sh -c 'exit 3'
check "record: CMD's exit status (3), the profile written" sh -c "[ $rc = 3 ] && [ -s '$T/e3.json' ]"
run_to sig "$CTL" record -o "$T/sig.json" -- busybox sh -c 'kill -TERM $$'
check "record: killed by SIGTERM: 143" [ "$rc" = 143 ] || show sig
run_to orphan bounded "$CTL" record -o "$T/orphan.json" -- busybox sh -c '(busybox sleep 0.5; busybox mkdir /tmp/orphan-made; busybox rmdir /tmp/orphan-made) & exit 0'
check "record: a child outliving CMD is recorded too (its mkdir)" \
        jq_holds '[.syscalls[].names[]] | index("mkdir") != null' "$T/orphan.json" || show orphan
echo '{"defaultAction": "SCMP_ACT_ALLOW"}' >"$T/allow.json"
run_to merge-bad "$CTL" merge "$T/allow.json" "$T/net.json"
check "merge into a default-allow profile: exit 1, why" \
        sh -c "[ $rc = 1 ] && grep -q 'not a deny' '$T/merge-bad.err'" || show merge-bad
run_to usage "$CTL" record busybox true
check "record without --: usage error (2)" [ "$rc" = 2 ]
run_to badfmt "$CTL" record --format lxc -- busybox true
check "record --format lxc: usage error (2)" [ "$rc" = 2 ]

echo "e2e-record: $pass passed, $fail failed"
[ "$fail" = 0 ]
