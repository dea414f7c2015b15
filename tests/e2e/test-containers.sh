#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end: which container got which filter. Real crun through seccompd-oci, the real
# daemon: while a container runs, `seccompctl containers` lists it with the profile file its
# linux.seccomp was inlined from (as containerd and CRI-O inline a Localhost profile) and the
# blob key the daemon serves for that file; the init pid is crun's; after `delete`, or once
# its process is gone, it is not listed. A container started while the daemon was down is
# listed with its fallback reason once the daemon is back.
#   test-containers.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, crun or busybox-static. KEEP_TMP=1 keeps the temp dir.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"

[ "$(id -u)" = 0 ] || skip "e2e-containers needs root (crun run of a non-rootless bundle)"
need_crun_busybox unshare jq curl

e2e_tmp
RUNPID=
e2e_more_cleanup() { [ -n "$RUNPID" ] && kill "$RUNPID" 2>/dev/null; }
mkdir -p "$T/kubelet/op" "$T/cache"
: >"$T/oci.conf"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }

# A Localhost profile as the kubelet holds it, and the same text inlined into a bundle.
cat >"$T/kubelet/op/web.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 } ]
}
EOF
# A section that is no file's.
cat >"$T/adhoc.json" <<'EOF'
{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77 } ] }
EOF

DAEMON_ROOT="kubernetes=$T/kubelet:kubernetes-containerd:recursive"
list_json() { "$CTL" --socket "$SOCK" containers --json; }
listed() { [ "$(list_json | jq --arg id "$1" '[.containers[] | select(.id == $id)] | length')" = 1 ]; }
field() { list_json | jq -r --arg id "$1" ".containers[] | select(.id == \$id) | $2"; }

# Preflight: plain crun must run a container at all.
make_bundle "$T/pre" "" true || { echo "FAIL: crun spec"; exit 1; }
new_id pre
run_to pre crun_plain run -b "$T/pre" "$id"
[ "$rc" = 0 ] || skip "crun cannot run a container on this host: $(head -3 "$T/pre.err")"

start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }
KEY=$(curl -s -D - -o /dev/null --unix-socket "$SOCK" http://localhost/v1/bpf/kubernetes/op/web.json |
        tr -d '\r' | sed -n 's/^Seccompd-Blob-Key: //p')
SHOWN=$("$CTL" --socket "$SOCK" show kubernetes/op/web.json --json | jq -r '.blobs[0].key')
check "the file's blob key (blob route = seccompctl show)" [ ${#KEY} = 64 ] && [ "$KEY" = "$SHOWN" ]

# --- 1. create --pid-file + start, as containerd's shim and conmon run it ---------------------
B1=$T/b1
make_bundle "$B1" "$T/kubelet/op/web.json" sh -c 'mkdir /tmp/x 2>&1; echo done; sleep 600'
new_id c1
C1=$id
run_to c1create oci create --pid-file "$T/c1.pid" -b "$B1" "$C1"
check "1: create" [ "$rc" = 0 ] || show c1create
check "1: crun loads seccompd's blob" [ -f "$(derived "$B1")" ]
run_to c1start oci start "$C1"
check "1: start" [ "$rc" = 0 ] || show c1start
check "1: listed while it runs" listed "$C1"
check "1: the profile is the file it was inlined from" \
        [ "$(field "$C1" .profile)" = kubernetes/op/web.json ]
check "1: the blob key is the one the daemon serves for the file" [ "$(field "$C1" .key)" = "$KEY" ]
curl -s --unix-socket "$SOCK" "http://localhost/v1/blobs/$KEY" -o "$T/bykey.bpf"
annotation_of "$B1" >"$T/c1.bpf"
check "1: the blob crun got = GET /v1/blobs/KEY" cmp -s "$T/c1.bpf" "$T/bykey.bpf"
# The wrapper sends linux.seccomp as compact JSON, which jq -c writes the same way here.
check "1: the digest is that of the section sent" \
        [ "$(field "$C1" .digest)" = "sha256:$(jq -cj .linux.seccomp "$B1/config.json" | sha256sum | cut -d' ' -f1)" ]
PID1=$(cat "$T/c1.pid")
check "1: the init pid is crun's --pid-file" [ "$(field "$C1" .pid)" = "$PID1" ]
check "1: its pid namespace" [ "$(field "$C1" .pidns)" = "$(stat -L -c %i "/proc/$PID1/ns/pid")" ]
check "1: no fallback" [ "$(field "$C1" .fallback)" = null ]
check "1: the bundle" [ "$(field "$C1" .bundle)" = "$B1" ]
"$CTL" --socket "$SOCK" containers >"$T/table"
check "1: seccompctl containers: the row" \
        grep -qE "^$C1 +kubernetes/op/web.json +sha256:[0-9a-f]{12} +${KEY:0:12} +[0-9T:-]+Z +-$" "$T/table"
sed 's/^/  /' "$T/table"
check "1: the filter is in force in the container (ENOMEDIUM)" \
        until_true 5 out_has c1create "No medium found"
run_to c1delete0 oci delete "$C1"
check "1: delete of the running container without --force fails" [ "$rc" != 0 ]
check "1: so it is still listed" listed "$C1"
run_to c1delete oci delete -f "$C1"
check "1: delete" [ "$rc" = 0 ] || show c1delete
check "1: deleted: not listed" not listed "$C1"

# --- 2. killed, never deleted: forgotten once its init is gone ------------------------------
B2=$T/b2
make_bundle "$B2" "$T/kubelet/op/web.json" sleep 600
new_id c2
C2=$id
run_to c2create oci create --pid-file "$T/c2.pid" -b "$B2" "$C2"
run_to c2start oci start "$C2"
check "2: listed" listed "$C2"
kill -KILL "$(cat "$T/c2.pid")"
check "2: its init killed, not deleted: forgotten at the next list" until_true 10 not listed "$C2"
crun_plain delete -f "$C2" >/dev/null 2>&1

# --- 3. run in the foreground: listed while crun runs it, gone when it ends -----------------
B3=$T/b3
make_bundle "$B3" "$T/adhoc.json" sleep 600
new_id c3
C3=$id
oci run -b "$B3" "$C3" >"$T/c3.out" 2>&1 </dev/null &
RUNPID=$!
check "3: run: listed" until_true 10 listed "$C3"
check "3: a section that is no file's: inline" [ "$(field "$C3" .profile)" = inline ]
check "3: its key is the one POST /v1/compile gives" \
        [ "$(field "$C3" .key)" = "$(jq -c '.linux.seccomp' "$B3/config.json" | curl -s --unix-socket "$SOCK" -X POST --data-binary @- http://localhost/v1/compile | jq -r .key)" ]
crun_plain kill "$C3" KILL >/dev/null 2>&1
wait "$RUNPID" 2>/dev/null
RUNPID=
check "3: run ended: not listed" until_true 10 not listed "$C3"

# --- 4. the daemon down: a fallback, known once the daemon is back --------------------------
stop_daemon
B4=$T/b4
make_bundle "$B4" "$T/kubelet/op/web.json" sleep 600
new_id c4
C4=$id
run_to c4create oci create --pid-file "$T/c4.pid" -b "$B4" "$C4"
check "4: create with the daemon down" [ "$rc" = 0 ] || show c4create
start_daemon || { echo "FAIL: seccompd not ready again"; exit 1; }
check "4: listed once the daemon is back" until_true 5 listed "$C4"
check "4: with the reason" \
        [ "$(field "$C4" .fallback)" = "cannot reach seccompd at '$SOCK': No such file or directory" ]
check "4: no blob, no profile" [ "$(field "$C4" '[.key, .profile] | map(tostring) | join(" ")')" = "null null" ]
"$CTL" --socket "$SOCK" containers >"$T/table4"
check "4: seccompctl containers: the reason in the table" \
        grep -qF "cannot reach seccompd at '$SOCK': No such file or directory" "$T/table4"
run_to c4delete oci delete -f "$C4"
check "4: deleted: not listed" not listed "$C4"

# --- 5. no linux.seccomp: listed, with why it has no blob -----------------------------------
B5=$T/b5
make_bundle "$B5" "" sleep 600
new_id c5
C5=$id
run_to c5create oci create --pid-file "$T/c5.pid" -b "$B5" "$C5"
check "5: no linux.seccomp: listed with why" \
        [ "$(field "$C5" '[.profile, .key, .fallback] | map(tostring) | join("|")')" = "null|null|left to crun: the bundle has no linux.seccomp" ]
run_to c5delete oci delete -f "$C5"
check "5: deleted: not listed" not listed "$C5"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
