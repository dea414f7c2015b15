#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fault: seccompd-oci against a lying daemon (issue 10, defect 10). A stand-in seccompd
# (oci-liar.py) forwards each POST /v1/compile to the real daemon and tells one lie in its
# answer (the raw blob, its facts in headers): a one-instruction RET ALLOW, another profile's
# real blob, a truncated blob, a Content-Length larger or smaller than the body or none, a
# wrong digest, a wrong instruction count, a body that is no whole number of instructions,
# random instructions, a filter for another arch, filter flags other than LOG or none said, an
# answer that never ends. For each, real crun runs a busybox container through the wrapper, and inside it
# the verdicts must be the JSON profile's as crun compiles it (Seccomp 2, mkdir ENOMEDIUM,
# writes work), with no derived config, and the fallback record must name the reason. The
# honest answer through the same stand-in is used (the control). A config.json that is a FIFO
# must not hang the wrapper.
#   test-oci-lies.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, crun, busybox-static or python3. KEEP_TMP=1 keeps
# the temp dir.
set -u
DAEMON=$(realpath "${1:?seccompd}")
CTL=$(realpath "${2:?seccompctl}")
OCI=$(realpath "${3:?seccompd-oci}")
SRC=$(realpath "${4:?source dir}")
HERE=$(dirname "$(realpath "$0")")
. "$HERE/../e2e/lib.sh"

[ "$(id -u)" = 0 ] || skip "fault-oci-lies needs root (crun run of a non-rootless bundle)"
CRUN=$(command -v crun) || skip "crun is not installed"
BUSYBOX=$(command -v busybox) || skip "busybox-static is not installed"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
        skip "$BUSYBOX is dynamically linked: install busybox-static"
fi
for tool in unshare jq curl python3 timeout; do
        command -v $tool >/dev/null || skip "$tool is not installed"
done

T=$(mktemp -d /tmp/seccompd-fault-lies.XXXXXX)
SOCK=$T/seccompd.sock # the real daemon
LIAR=$T/liar.sock     # what the wrapper talks to
SPOOL=$T/spool
LIAR_PID=
stop_liar() {
        if [ -n "$LIAR_PID" ]; then
                kill "$LIAR_PID" 2>/dev/null
                wait "$LIAR_PID" 2>/dev/null
                LIAR_PID=
        fi
        rm -f "$LIAR" "$LIAR.ready"
}
cleanup() {
        delete_containers
        stop_liar
        stop_daemon
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
mkdir -p "$T/profiles" "$T/cache"
# The wrapper talks to the liar; a fallback record goes to a spool of this test alone.
printf 'fallback-spool = %s\ntimeout-ms = 1500\n' "$SPOOL" >"$T/oci.conf"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }

# The JSON profile: mkdir fails with ENOMEDIUM (123, "No medium found"), which no natural
# failure gives; everything else allowed. Any blob that is not this profile's shows.
cat >"$T/enomedium.json" <<'JSON'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 } ] }
JSON
# Another profile whose real blob the liar passes off: everything allowed but uname.
cat >"$T/other.json" <<'JSON'
{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [ { "names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }
JSON
PROBE='exec 2>&1; grep "^Seccomp:" /proc/self/status; mkdir /tmp/x; echo mkdir=$?; echo hi >/tmp/f && cat /tmp/f'
SECCOMP_2=$(printf 'Seccomp:\t2')
filtered() { # NAME: the probe under the JSON profile
        has_line "$1" "$SECCOMP_2" && out_has "$1" "No medium found" && has_line "$1" mkdir=1 &&
                has_line "$1" hi
}
records() { find "$SPOOL" -maxdepth 1 -name '*.json' 2>/dev/null | sort; }

make_bundle "$T/pre" "" true || { echo "FAIL: crun spec"; exit 1; }
new_id pre
run_to pre crun_plain run -b "$T/pre" "$id"
[ "$rc" = 0 ] || skip "crun cannot run a container on this host: $(head -3 "$T/pre.err")"

start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }
check "the real daemon compiles the other profile" \
        sh -c "curl -sf --unix-socket '$SOCK' -X POST --data-binary @'$T/other.json' \
                http://localhost/v1/compile >'$T/other-answer.json'"

start_liar() { # MODE
        stop_liar
        python3 "$HERE/oci-liar.py" "$LIAR" "$SOCK" "$1" "$T/other.json" \
                >>"$T/liar.log" 2>&1 &
        LIAR_PID=$!
        until_true 10 test -e "$LIAR.ready"
}

# run_case MODE REASON-FRAGMENT: one container through the wrapper against the liar in MODE.
run_case() {
        local mode=$1 reason=$2 b=$T/b-$1 start end
        start_liar "$mode" || { ko "$mode: the liar did not start"; return; }
        rm -rf "$SPOOL"
        make_bundle "$b" "$T/enomedium.json" sh -c "$PROBE"
        new_id "$mode"
        start=$(date +%s%N)
        run_to "$mode" in_ns env SECCOMPD_OCI_RUNTIME="$CRUN" SECCOMPD_SOCKET="$LIAR" \
                SECCOMPD_OCI_CONFIG="$T/oci.conf" timeout 30 "$OCI" --cgroup-manager=disabled \
                run -b "$b" "$id"
        end=$(date +%s%N)
        check "$mode: the container runs" [ "$rc" = 0 ] || show "$mode"
        check "$mode: crun's own filter: Seccomp 2, mkdir ENOMEDIUM, writes work" \
                filtered "$mode" || show "$mode"
        check "$mode: no derived config (crun read config.json)" [ ! -e "$(derived "$b")" ]
        check "$mode: config.json untouched" unchanged "$b"
        local rec
        rec=$(records | head -1)
        check "$mode: one fallback record" [ "$(records | wc -l)" = 1 ]
        check "$mode: the record names the reason ($reason)" \
                jq_holds --arg id "$id" --arg r "$reason" \
                '.container_id == $id and (.reason | contains($r))' "$rec" ||
                { echo "  record: $(cat "$rec" 2>/dev/null)"; show "$mode"; }
        check "$mode: done within timeout-ms and crun's run ($(((end - start) / 1000000)) ms)" \
                [ $(((end - start) / 1000000)) -lt 6000 ]
}

# --- the control: the honest answer through the same stand-in is used ------------------------
start_liar honest
B0=$T/b-honest
make_bundle "$B0" "$T/enomedium.json" sh -c "$PROBE"
new_id honest
run_to honest in_ns env SECCOMPD_OCI_RUNTIME="$CRUN" SECCOMPD_SOCKET="$LIAR" \
        SECCOMPD_OCI_CONFIG="$T/oci.conf" SECCOMPD_OCI_DEBUG=1 "$OCI" \
        --cgroup-manager=disabled run -b "$B0" "$id"
check "honest: the container runs, filtered" filtered honest || show honest
check "honest: seccompd's blob was used" err_has honest "crun loads seccompd's blob"
check "honest: derived config written" [ -f "$(derived "$B0")" ]
check "honest: no fallback record" [ "$(records | wc -l)" = 0 ]

# --- the lies ---------------------------------------------------------------------------------
run_case ret-allow "the first instruction does not load the arch"
run_case other-profile "the digest 'sha256:"
run_case truncated "the blob is not a seccomp filter as seccompd compiles them"
run_case cl-larger "under Content-Length"
run_case cl-smaller "under Content-Length"
run_case no-cl "an answer without Content-Length"
run_case wrong-digest "is not that of the section sent"
run_case wrong-size "bytes, the answer says"
run_case ragged "bytes, the answer says"
run_case random-blob "the blob is not a seccomp filter as seccompd compiles them"
run_case foreign-arch "never checks the native arch"
run_case flags-tsync "the filter flags may be SECCOMP_FILTER_FLAG_LOG only"
run_case no-flags "the answer lacks one of the headers"
run_case endless "Connection timed out"
stop_liar

# --- no false refusal: every profile of the repository through the real daemon ---------------
# Each one's OCI export, through the wrapper and the real daemon: the blob must be used and be
# seccompctl's, unless the wrapper leaves the section to crun by design (NOTIFY, flags ...);
# the only refusal allowed is that of a blob that never checks the native arch, for a section
# whose architectures omit it (crun keeps the native arch: issue 10, defect 1).
printf '#!/bin/sh\necho runtime-ran "$@"\n' >"$T/runtime.sh"
chmod +x "$T/runtime.sh"
used=0 passed=0 refused=0
for p in "$SRC"/profiles/*.json "$SRC"/tests/profiles/*.json; do
        name=$(basename "$(dirname "$p")")-$(basename "$p" .json)
        "$CTL" export "$p" --format oci >"$T/p-$name.json" 2>/dev/null || continue
        "$CTL" -q compile "$T/p-$name.json" -o "$T/p-$name.bpf" 2>/dev/null || continue
        b=$T/p-$name
        rm -rf "$SPOOL"
        make_bundle "$b" "$T/p-$name.json" true
        run_to "p-$name" env SECCOMPD_OCI_RUNTIME="$T/runtime.sh" SECCOMPD_SOCKET="$SOCK" \
                SECCOMPD_OCI_CONFIG="$T/oci.conf" SECCOMPD_OCI_DEBUG=1 timeout 10 "$OCI" \
                create -b "$b" "p-$name"
        if [ -e "$(derived "$b")" ]; then
                used=$((used + 1))
                check "$name: the blob used is seccompctl's" \
                        sh -c "jq -r '.annotations[\"run.oci.seccomp_bpf_data\"]' '$(derived "$b")' |
                               base64 -d | cmp -s - '$T/p-$name.bpf'"
        elif [ "$(records | wc -l)" = 0 ]; then
                passed=$((passed + 1))
                check "$name: left to crun by design, and said so" err_has "p-$name" "leaving" ||
                        show "p-$name"
        else
                refused=$((refused + 1))
                check "$name: refused only for a missing native arch, which the section omits" \
                        sh -c "jq -e '.reason | contains(\"never checks the native arch\")' \
                                       '$(records | head -1)' >/dev/null &&
                               jq -e '(.architectures // []) | length > 0 and
                                      (index(\"SCMP_ARCH_X86_64\") | not)' \
                                       '$T/p-$name.json' >/dev/null" || show "p-$name"
        fi
done
echo "# repository profiles: $used used, $passed left to crun by design, $refused refused"
check "the repository's profiles are used (at least 8)" [ "$used" -ge 8 ]

# --- config.json that is not a plain file: never a hang, a fallback with the reason ------------
# crun itself would block on a FIFO too, so the runtime here is a stand-in that only says it
# was run; what is checked is the wrapper: back within 5 s, the record naming what it found.
# bad_config NAME REASON-FRAGMENT: the bundle $T/c-NAME is already in place.
bad_config() {
        local name=$1 reason=$2 b=$T/c-$1 start end
        rm -rf "$SPOOL"
        new_id "$name"
        start=$(date +%s%N)
        run_to "$name" env SECCOMPD_OCI_RUNTIME="$T/runtime.sh" SECCOMPD_SOCKET="$SOCK" \
                SECCOMPD_OCI_CONFIG="$T/oci.conf" timeout 10 "$OCI" create -b "$b" "$id"
        end=$(date +%s%N)
        check "$name: the wrapper returns at once ($(((end - start) / 1000000)) ms) and runs crun" \
                sh -c "[ $(((end - start) / 1000000)) -lt 5000 ] && [ $rc = 0 ]" || show "$name"
        check "$name: crun got the command line untouched" \
                has_line "$name" "runtime-ran create -b $b $id"
        check "$name: the record names the reason ($reason)" \
                jq_holds --arg id "$id" --arg r "$reason" \
                '.container_id == $id and (.reason | contains($r))' "$(records | head -1)" ||
                show "$name"
}
mkdir -p "$T/c-fifo" "$T/c-device" "$T/c-loop" "$T/c-huge"
mkfifo "$T/c-fifo/config.json"
mknod "$T/c-device/config.json" c 1 5 # /dev/zero: never ends
ln -s loop2 "$T/c-loop/config.json" && ln -s config.json "$T/c-loop/loop2"
truncate -s 200M "$T/c-huge/config.json" # sparse: 200 MB of zeros to read
bad_config fifo "a FIFO, not a regular file"
bad_config device "a character device, not a regular file"
bad_config loop "Too many levels of symbolic links"
bad_config huge "more than the 64 MiB a config may have"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
