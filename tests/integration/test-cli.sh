#!/usr/bin/env bash
# seccompctl's offline commands as a user runs them: exit codes, outputs, and the filter
# installed by `exec` against the real kernel. Self-contained: Docker's default is
# profiles/default.json, the quirks come from tests/profiles (test-corpus-cli.sh covers the
# third-party corpus).
set -u
CTL=${1:?seccompctl}
SRC=${2:?source dir}
DOCKER=$SRC/profiles/default.json
TP=$SRC/tests/profiles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/lib.sh"

# validate: every profile of the repository, exit 0; invalid data, exit 1; usage, exit 2
n=0
for f in "$TP"/*.json "$SRC"/profiles/*.json; do
        expect_rc 0 "$CTL" validate -q "$f"
        n=$((n + 1))
done
[ "$n" -ge 14 ] && ok || ko "only $n profiles in tests/profiles and profiles/"
expect_rc 1 "$CTL" validate "$SRC/tests/data/invalid/unknown-action.json"
expect_rc 2 "$CTL" validate
expect_rc 2 "$CTL" --dialect nosuch validate "$DOCKER"
expect_rc 2 "$CTL" frobnicate
expect_out '"valid": true' "$CTL" validate --json "$DOCKER"
expect_out 'error: /syscalls/2/action: unknown action' \
        "$CTL" validate "$SRC/tests/data/invalid/unknown-action.json"
expect_out 'mesos requires' "$CTL" validate --dialect mesos "$TP/legacy-name.json"
expect_rc 0 "$CTL" validate --dialect mesos "$TP/mesos.json"
expect_rc 0 "$CTL" validate "$TP/unknown-keys.json"
expect_rc 1 "$CTL" validate --strict "$TP/unknown-keys.json"
expect_out 'unknown syscall "seccompd_test_no_such_syscall"' "$CTL" validate --strict "$TP/unknown-keys.json"

# compile: raw bytes are a multiple of 8 and equal to base64-decoded output
expect_rc 0 "$CTL" compile "$DOCKER" -o "$T/moby.bpf"
size=$(stat -c %s "$T/moby.bpf")
[ $((size % 8)) = 0 ] && [ "$size" -gt 800 ] && ok || ko "raw blob size $size"
"$CTL" -q compile --format base64 "$DOCKER" | base64 -d > "$T/moby.b64.bpf"
cmp -s "$T/moby.bpf" "$T/moby.b64.bpf" && ok || ko "base64 output differs from raw"
expect_out 'ALLOW' "$CTL" compile --format pfc "$DOCKER"
expect_out 'ret ERRNO(1)' "$CTL" compile --format disasm "$DOCKER"
expect_rc 0 "$CTL" compile --optimize 0 "$DOCKER" -o "$T/linear.bpf"
cmp -s "$T/moby.bpf" "$T/linear.bpf" && ko "the default (binary tree above 32 rules) equals the linear blob" || ok

# test: verdicts and the deciding rule
expect_out 'ERRNO(1)' "$CTL" test "$DOCKER" unshare 0x10000000
expect_out 'ALLOW' "$CTL" test --caps +CAP_SYS_ADMIN "$DOCKER" unshare 0x10000000
expect_out 'decided by /syscalls/' "$CTL" test "$DOCKER" read
expect_out 'decided by defaultAction' "$CTL" test "$DOCKER" kexec_load
expect_out 'ERRNO(38)' "$CTL" test "$DOCKER" clone3
expect_out 'ERRNO(55)' "$CTL" test "$TP/repeated-index.json" process_vm_writev 2020
expect_out 'ERRNO(55)' "$CTL" test "$TP/repeated-index.json" process_vm_writev 1337
expect_out 'ERRNO(1)' "$CTL" test "$TP/repeated-index.json" process_vm_writev 7
expect_out '"action": "ERRNO(1)"' "$CTL" test --json "$DOCKER" socket 40
expect_rc 1 "$CTL" test "$DOCKER" no_such_syscall

# export: OCI is valid and plain; LXC is version 2
"$CTL" -q export --format oci "$DOCKER" > "$T/oci.json"
grep -q archMap "$T/oci.json" && ko "OCI export still has archMap" || ok
expect_rc 0 "$CTL" validate --dialect kubernetes-containerd "$T/oci.json"
"$CTL" -q compile "$T/oci.json" -o "$T/oci.bpf"
cmp -s "$T/moby.bpf" "$T/oci.bpf" && ok || ko "OCI export compiles to a different blob"
expect_out 'allowlist errno 1' "$CTL" export --format lxc "$DOCKER"
expect_rc 1 "$CTL" export --format lxc "$SRC/profiles/audit.json"
# -o onto a device writes into it: /dev/null stays a device
expect_rc 0 "$CTL" -q compile "$SRC/profiles/audit.json" -o /dev/null
[ -c /dev/null ] && ok || { ko "-o /dev/null replaced the device"; mknod -m 666 /dev/null.tmp c 1 3 && mv -f /dev/null.tmp /dev/null; }
# what the LXC text cannot carry is warned about, not dropped silently
printf '{"defaultAction":"SCMP_ACT_ERRNO","flags":["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}' >"$T/flags.json"
expect_out 'warning: /flags: flags are not part of the LXC policy' "$CTL" export --format lxc "$T/flags.json"
expect_out 'warning: /listenerPath: listenerPath is not part of the LXC policy' "$CTL" export --format lxc "$TP/notify.json"
expect_rc 2 "$CTL" export "$DOCKER"
# where LXC 5.0.2 decides otherwise is named up front: in warnings and in the policy's comments
printf '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":[{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":40,"op":"SCMP_CMP_EQ"}]},{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}' >"$T/lxc-socket.json"
expect_out 'warning: LXC decides socket on x86 otherwise' "$CTL" export --format lxc --arch x86_64 "$T/lxc-socket.json"
expect_out 'warning: LXC decides socketcall on x86 otherwise' "$CTL" export --format lxc --arch x86_64 "$T/lxc-socket.json"
expect_out '# LXC decides socket on x86 otherwise' "$CTL" export --format lxc --arch x86_64 "$T/lxc-socket.json"
"$CTL" export --format lxc --arch x86_64 "$T/lxc-socket.json" 2>&1 | grep -q 'LXC decides mkdir' && ko "mkdir named for LXC" || ok
jq -c '.architectures = ["SCMP_ARCH_X86_64"]' "$T/lxc-socket.json" >"$T/lxc-x86_64.json"
expect_out 'warning: LXC decides * on x32 otherwise: the profile does not cover x32' "$CTL" export --format lxc --arch x86_64 "$T/lxc-x86_64.json"
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getcwd"],"action":"SCMP_ACT_LOG"}]}' >"$T/lxc-log.json"
expect_rc 1 "$CTL" export --format lxc --arch x86_64 "$T/lxc-log.json"
expect_out 'error: LXC decides getcwd on x86_64 otherwise: LXC has no action SCMP_ACT_LOG' "$CTL" export --format lxc --arch x86_64 "$T/lxc-log.json"

# exec: the filter is real
expect_rc 0 "$CTL" exec "$DOCKER" -- mkdir "$T/made"
[ -d "$T/made" ] && ok || ko "mkdir under the default profile did not happen"
if unshare -U true 2>/dev/null; then
        expect_rc 1 "$CTL" exec "$DOCKER" -- unshare -U true
        expect_out 'Operation not permitted' "$CTL" exec "$DOCKER" -- unshare -U true
fi
cat > "$T/deny-mkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}
JSON
expect_out 'Invalid cross-device link' "$CTL" exec "$T/deny-mkdir.json" -- mkdir "$T/never"
[ -d "$T/never" ] && ko "mkdir happened under a filter denying it" || ok

# scan: a table of a directory
expect_out 'profiles, ' "$CTL" scan "$SRC/profiles"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
