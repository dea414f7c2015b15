#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end: real crun, a busybox-static bundle, the real seccompd, and seccompd-oci in
# place of crun. What a container gets is read inside it (/proc/self/status, a denied
# syscall's errno as busybox prints it), never taken on trust from a log line.
#   test-crun.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, crun or busybox-static. KEEP_TMP=1 keeps the temp dir.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"
DOCKER=$SRC/profiles/default.json # Docker's default, written here

[ "$(id -u)" = 0 ] || skip "e2e-crun needs root (crun run of a non-rootless bundle)"
need_crun_busybox unshare jq curl base64

T=$(mktemp -d)
SOCK=$T/seccompd.sock
MUTE_PID=
cleanup() {
        delete_containers
        stop_daemon
        audit_stop
        [ -n "$MUTE_PID" ] && kill "$MUTE_PID" 2>/dev/null && wait "$MUTE_PID" 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
mkdir -p "$T/profiles" "$T/cache"
: >"$T/oci.conf"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }

# The probe: Seccomp mode, a syscall Docker's profile denies (unshare of a user namespace,
# allowed without a filter) with its error message, and a syscall it allows.
PROBE='exec 2>&1; grep "^Seccomp:" /proc/self/status;
if unshare -U true; then echo unshare=allowed; else echo unshare=denied; fi;
mkdir /tmp/x && echo mkdir=ok'
PROBE=$(echo $PROBE) # one line: make_bundle passes arguments as lines
SECCOMP_2=$(printf 'Seccomp:\t2')
SECCOMP_0=$(printf 'Seccomp:\t0')
filtered_like_docker() { # NAME: the probe's output under Docker's profile
        has_line "$1" "$SECCOMP_2" && has_line "$1" unshare=denied &&
                out_has "$1" "Operation not permitted" && has_line "$1" mkdir=ok
}

# Preflight: plain crun must run a container at all, or nothing below means anything.
make_bundle "$T/pre" "" true || { echo "FAIL: crun spec"; exit 1; }
new_id pre
run_to pre crun_plain run -b "$T/pre" "$id"
[ "$rc" = 0 ] || skip "crun cannot run a container on this host: $(head -3 "$T/pre.err")"

start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }

# Docker's default profile, resolved to plain OCI as containerd would put it in a bundle.
check "seccompctl export --format oci" \
        sh -c "'$CTL' export '$DOCKER' --format oci >'$T/docker.json' 2>'$T/export.err'"
check "exported profile is plain OCI" \
        [ "$(jq -c 'keys' "$T/docker.json")" = '["architectures","defaultAction","defaultErrnoRet","syscalls"]' ]

# --- 1. Docker's profile through seccompd-oci ---------------------------------------------
B1=$T/b1
make_bundle "$B1" "$T/docker.json" sh -c "$PROBE"
new_id b1
OCI_ENV=(SECCOMPD_OCI_DEBUG=1)
run_to c1 oci run -b "$B1" "$id"
OCI_ENV=()
check "1: run through seccompd-oci exits 0" [ "$rc" = 0 ]
check "1: Seccomp 2, unshare denied with EPERM, mkdir allowed" filtered_like_docker c1 ||
        show c1
check "1: the annotation was used (debug line)" err_has c1 "crun loads seccompd's blob"
check "1: derived config written" [ -f "$(derived "$B1")" ]
check "1: derived config: no linux.seccomp, the annotation set" \
        jq_holds '(.linux | has("seccomp") | not) and
               (.annotations["run.oci.seccomp_bpf_data"] | length > 0)' "$(derived "$B1")"
NORMALIZE='del(.linux.seccomp)
        | .annotations = ((.annotations // {}) | del(.["run.oci.seccomp_bpf_data"]))'
jq -S "$NORMALIZE" "$B1/config.json" >"$T/a.json"
jq -S "$NORMALIZE" "$(derived "$B1")" >"$T/b.json"
check "1: derived config equals the original but for those" cmp -s "$T/a.json" "$T/b.json"
check "1: derived config mode 0600" [ "$(stat -c %a "$(derived "$B1")")" = 600 ]

# --- 2. the annotation's blob is the daemon's and seccompctl's ------------------------------
annotation_of "$B1" >"$T/annotation.bpf"
jq '.linux.seccomp' "$B1/config.json" >"$T/section.json"
api '/v1/compile?encoding=raw' -X POST --data-binary @"$T/section.json" -o "$T/raw.bpf"
api /v1/compile -X POST --data-binary @"$T/section.json" | jq -r .blob | base64 -d >"$T/json.bpf"
"$CTL" -q compile "$T/section.json" -o "$T/local.bpf"
check "2: the blob is not empty, whole instructions" \
        sh -c "s=\$(stat -c %s '$T/annotation.bpf'); [ \$s -gt 8 ] && [ \$((s % 8)) = 0 ]"
check "2: annotation = POST /v1/compile?encoding=raw" cmp -s "$T/annotation.bpf" "$T/raw.bpf"
check "2: annotation = POST /v1/compile (base64 blob)" cmp -s "$T/annotation.bpf" "$T/json.bpf"
check "2: annotation = seccompctl compile" cmp -s "$T/annotation.bpf" "$T/local.bpf"

# --- 3. the bundle's config.json is never modified ----------------------------------------
check "3: config.json byte-identical after create/run" unchanged "$B1"

# --- 4. a start again: one request, and the derived config left as it is (issue 13) --------
# The same bundle started again derives the same bytes: the file is not renamed over (on ext4
# that flushes it: auto_da_alloc), and the report goes with the compile.
requests() { # ROUTE: POST answers of that route so far
        api /metrics | awk -v r="$1" '$1 ~ "^seccompd_requests_total\\{route=\"" r "\"" { n += $2 }
                                      END { print n + 0 }'
}
inode0=$(stat -c %i "$(derived "$B1")")
compiles0=$(requests compile) reports0=$(requests container_report)
new_id b1-again
OCI_ENV=(SECCOMPD_OCI_DEBUG=1)
run_to c1again oci run -b "$B1" "$id"
OCI_ENV=()
check "4: started again: exits 0, filtered, through the annotation" \
        sh -c "[ $rc = 0 ] && grep -q \"crun loads seccompd's blob\" '$T/c1again.err'" || show c1again
check "4: the derived config is the same file (not written again)" \
        [ "$(stat -c %i "$(derived "$B1")")" = "$inode0" ]
jq -S "$NORMALIZE" "$(derived "$B1")" >"$T/b2.json"
check "4: and still the derived config" cmp -s "$T/a.json" "$T/b2.json"
check "4: one request: a compile carrying the report, no report of its own" \
        [ "$(($(requests compile) - compiles0)):$(($(requests container_report) - reports0))" = 1:0 ]
# A derived config that is not the wrapper's own (another owner or mode, other bytes) is
# replaced, never taken.
chmod 0644 "$(derived "$B1")"
new_id b1-mode
run_to c1mode oci run -b "$B1" "$id"
check "4: a derived config of another mode is replaced (a new file, 0600)" \
        sh -c "[ $rc = 0 ] && [ \"\$(stat -c %i:%a '$(derived "$B1")')\" != '$inode0:644' ] &&
               [ \"\$(stat -c %a '$(derived "$B1")')\" = 600 ]"
printf ' ' >>"$(derived "$B1")"
inode1=$(stat -c %i "$(derived "$B1")")
new_id b1-bytes
run_to c1bytes oci run -b "$B1" "$id"
check "4: a derived config with other bytes is replaced" \
        sh -c "[ $rc = 0 ] && [ \"\$(stat -c %i '$(derived "$B1")')\" != '$inode1' ] &&
               jq -S '$NORMALIZE' '$(derived "$B1")' | cmp -s - '$T/a.json'"

# --- 4b. linux.seccomp read in place (oci/oci-json.h): what jansson decided, still decided -----
# A stand-in runtime that only says it ran: what is checked is the wrapper's reading of the
# section. Each case is B1's config.json with one edit (sed on the text, jq for structure).
printf '#!/bin/sh\necho runtime-ran "$@"\n' >"$T/runtime.sh"
chmod +x "$T/runtime.sh"
section_case() { # NAME: runs the wrapper on $T/s-NAME (already in place)
        rm -rf "$T/spool-$1"
        printf 'fallback-spool = %s\n' "$T/spool-$1" >"$T/oci-$1.conf"
        run_to "s-$1" env SECCOMPD_OCI_RUNTIME="$T/runtime.sh" SECCOMPD_SOCKET="$SOCK" \
                SECCOMPD_OCI_CONFIG="$T/oci-$1.conf" SECCOMPD_OCI_DEBUG=1 "$OCI" run -b "$T/s-$1" "s-$1"
}
edited() { # NAME SED-EXPRESSION: $T/s-NAME with B1's config edited
        mkdir -p "$T/s-$1" && sed "$2" "$B1/config.json" >"$T/s-$1/config.json"
}
annotation_of "$B1" >"$T/b1.bpf"
edited escaped-key 's/"defaultAction"/"default\\u0041ction"/'
section_case escaped-key
check "4b: an escaped key in the section: read as the key, the blob used (the same filter)" \
        sh -c "[ -f '$(derived "$T/s-escaped-key")' ] && jq -r '.annotations[\"run.oci.seccomp_bpf_data\"]' '$(derived "$T/s-escaped-key")' | base64 -d | cmp -s - '$T/b1.bpf'" ||
        show s-escaped-key
jq '.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOTIF"' "$B1/config.json" >"$T/notify.json"
mkdir -p "$T/s-notify-escaped"
sed 's/"SCMP_ACT_NOTIF"/"SCMP_ACT_\\u004eOTIFY"/' "$T/notify.json" >"$T/s-notify-escaped/config.json"
section_case notify-escaped
check "4b: SCMP_ACT_NOTIFY written with an escape: still left to crun" \
        sh -c "[ ! -e '$(derived "$T/s-notify-escaped")' ] && grep -q 'crun sets up the listener' '$T/s-notify-escaped.err'" ||
        show s-notify-escaped
jq '.linux.seccomp.syscalls[0] += {"comment": "x"}' "$B1/config.json" >"$T/foreign.json"
mkdir -p "$T/s-foreign" && cp "$T/foreign.json" "$T/s-foreign/config.json"
section_case foreign
check "4b: a key outside the OCI spec in a rule: left to crun, named with its rule" \
        grep -q 'linux.seccomp.syscalls\[0\] has "comment"' "$T/s-foreign.err" || show s-foreign
edited trailing-comma '0,/"SCMP_ACT_ERRNO"/s//"SCMP_ACT_ERRNO",/'
section_case trailing-comma
check "4b: a section that is not JSON: a fallback that says so, crun runs" \
        sh -c "[ ! -e '$(derived "$T/s-trailing-comma")' ] && grep -q '^runtime-ran run -b' '$T/s-trailing-comma.out' &&
               reason_of_tc=\$(jq -r .reason \"\$(find '$T/spool-trailing-comma' -name '*.json' | head -1)\") &&
               case \"\$reason_of_tc\" in *'linux.seccomp is not valid JSON'*) true ;; *) false ;; esac" ||
        show s-trailing-comma
edited duplicate '0,/"defaultAction"/s//"defaultErrnoRet": 1, "defaultErrnoRet"/'
section_case duplicate
check "4b: a duplicate key in the section: refused (by seccompd now), a fallback" \
        sh -c "[ ! -e '$(derived "$T/s-duplicate")' ] && grep -q 'duplicate' '$T/s-duplicate.err'" ||
        show s-duplicate
jq '.process.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY"} | .annotations = {"seccomp": "x"}' \
        "$B1/config.json" >"$T/elsewhere.json"
mkdir -p "$T/s-elsewhere" && cp "$T/elsewhere.json" "$T/s-elsewhere/config.json"
section_case elsewhere
check "4b: \"seccomp\" keys elsewhere are not linux.seccomp, and stay in the derived config" \
        sh -c "[ -f '$(derived "$T/s-elsewhere")' ] &&
               jq -e '.process.seccomp.defaultAction == \"SCMP_ACT_NOTIFY\" and .annotations.seccomp == \"x\" and (.linux | has(\"seccomp\") | not)' '$(derived "$T/s-elsewhere")' >/dev/null" ||
        show s-elsewhere

# --- 5. an unusual errno reaches the container --------------------------------------------
# ENOMEDIUM (123), "No medium found", cannot be mistaken for a natural failure. The mkdirat
# rule also carries an argument value above INT64_MAX, which must reach seccompd verbatim.
cat >"$T/enomedium.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 },
    { "names": ["mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123,
      "args": [ { "index": 2, "value": 18446744073709551615, "op": "SCMP_CMP_NE" } ] }
  ]
}
EOF
B5=$T/b5
make_bundle "$B5" "$T/enomedium.json" sh -c 'exec 2>&1; mkdir /tmp/y; echo rc=$?; ulimit -c'
# An "unlimited" rlimit is 2^64-1 in JSON: beyond jansson's int64, it must survive verbatim.
sed -i 's/"rlimits": *\[/"rlimits": [{"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 18446744073709551615},/' \
        "$B5/config.json" && cp "$B5/config.json" "$B5/config.json.orig"
new_id b5
run_to c5 oci run -b "$B5" "$id"
check "5: mkdir fails with ENOMEDIUM inside the container" \
        out_has c5 "can't create directory '/tmp/y': No medium found" || show c5
check "5: through the annotation" [ -f "$(derived "$B5")" ]
check "5: the 2^64-1 rlimit reaches the container" has_line c5 unlimited
check "5: 2^64-1 written verbatim in the derived config" \
        [ "$(grep -o 18446744073709551615 "$(derived "$B5")" | wc -l)" = 2 ]
"$CTL" -q compile "$T/enomedium.json" -o "$T/enomedium.bpf"
annotation_of "$B5" >"$T/enomedium-annotation.bpf"
check "5: blob = seccompctl compile (big argument value intact)" \
        cmp -s "$T/enomedium.bpf" "$T/enomedium-annotation.bpf"
check "5: config.json unchanged" unchanged "$B5"

# --- 6. no linux.seccomp: unfiltered, nothing written -------------------------------------
B6=$T/b6
make_bundle "$B6" "" sh -c "$PROBE"
new_id b6
OCI_ENV=(SECCOMPD_OCI_DEBUG=1)
run_to c6 oci run -b "$B6" "$id"
OCI_ENV=()
check "6: no linux.seccomp: Seccomp 0" has_line c6 "$SECCOMP_0" || show c6
check "6: no linux.seccomp: unshare allowed (the denial in 1 is the filter's)" \
        has_line c6 unshare=allowed
check "6: no derived config" [ ! -e "$(derived "$B6")" ]
check "6: says why (debug)" err_has c6 "the bundle has no linux.seccomp"

# --- 7. NOTIFY and flags pass through untouched -------------------------------------------
cat >"$T/notify.json" <<EOF
{ "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "$T/no-listener.sock",
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY" } ] }
EOF
B7=$T/b7
make_bundle "$B7" "$T/notify.json" sh -c "$PROBE"
new_id b7
OCI_ENV=(SECCOMPD_OCI_DEBUG=1)
run_to c7 oci run -b "$B7" "$id"
OCI_ENV=()
check "7: NOTIFY: passed through (debug line)" err_has c7 "linux.seccomp uses SCMP_ACT_NOTIFY" ||
        show c7
check "7: NOTIFY: no derived config" [ ! -e "$(derived "$B7")" ]
check "7: NOTIFY: crun read linux.seccomp itself (it went for the listener)" \
        err_has c7 "$T/no-listener.sock"
check "7: NOTIFY: config.json unchanged" unchanged "$B7"

# sed, not jq: jq 1.6 would round the 2^64-1 of the profile to a double.
sed '1s/{/{ "flags": ["SECCOMP_FILTER_FLAG_LOG"],/' "$T/enomedium.json" >"$T/flags-log.json"
B7F=$T/b7f
make_bundle "$B7F" "$T/flags-log.json" sh -c 'exec 2>&1; mkdir /tmp/y'
new_id b7f
# crun loads the annotation's blob with linux.seccomp's flags: the derived config keeps them
# (and only them), and the kernel logs the ERRNO denial (code=0x50000, SECCOMP_RET_ERRNO: the
# kernel logs the action without its errno).
audit_listen "$T/audit7.log"
run_to c7f oci run -b "$B7F" "$id"
sleep 0.3
audit_stop
check "7: flags [LOG]: through the annotation" [ -f "$(derived "$B7F")" ] || show c7f
check "7: flags [LOG]: linux.seccomp cut down to its flags" \
        [ "$(jq -c .linux.seccomp "$(derived "$B7F")")" = '{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_LOG"]}' ]
# The kept section alone would allow mkdir: the denial is the blob's.
check "7: flags [LOG]: the blob's verdict (ENOMEDIUM)" out_has c7f "No medium found" || show c7f
check "7: flags [LOG]: the ERRNO denial is in the audit log" \
        grep -qE 'comm="mkdir".* syscall=(83|258) .*code=0x50000' "$T/audit7.log"

# The operator's --log-filter: a profile served under a matching name gets LOG added to
# crun's default flags; the same section without a match gets no linux.seccomp at all.
cp "$T/enomedium.json" "$T/profiles/logged-enomedium.json"
stop_daemon
DAEMON_EXTRA=(--log-filter 'runtime/logged-*')
start_daemon || { echo "FAIL: seccompd not ready with --log-filter"; exit 1; }
B7L=$T/b7l
make_bundle "$B7L" "$T/enomedium.json" sh -c 'exec 2>&1; mkdir /tmp/y'
new_id b7l
audit_listen "$T/audit7l.log"
run_to c7l oci run -b "$B7L" "$id"
sleep 0.3
audit_stop
check "7: --log-filter: through the annotation" [ -f "$(derived "$B7L")" ] || show c7l
check "7: --log-filter: LOG added to crun's default" \
        [ "$(jq -c .linux.seccomp.flags "$(derived "$B7L")")" = '["SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_LOG"]' ]
check "7: --log-filter: the blob's verdict" out_has c7l "No medium found" || show c7l
check "7: --log-filter: the ERRNO denial is in the audit log" \
        grep -qE 'comm="mkdir".* syscall=(83|258) .*code=0x50000' "$T/audit7l.log"
rm "$T/profiles/logged-enomedium.json"
until_true 5 sh -c "[ \"\$(curl -s --unix-socket '$SOCK' http://x/v1/profiles/runtime/logged-enomedium.json | jq -r .state)\" != valid ]"
B7N=$T/b7n
make_bundle "$B7N" "$T/enomedium.json" sh -c 'exec 2>&1; mkdir /tmp/y'
new_id b7n
run_to c7n oci run -b "$B7N" "$id"
check "7: no match: no linux.seccomp in the derived config" \
        [ "$(jq -c .linux.seccomp "$(derived "$B7N")")" = null ] || show c7n
check "7: no match: the blob's verdict" out_has c7n "No medium found"
stop_daemon
DAEMON_EXTRA=()
start_daemon || { echo "FAIL: seccompd not ready"; exit 1; }

sed '1s/{/{ "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],/' "$T/enomedium.json" >"$T/flags-spec.json"
B7S=$T/b7s
make_bundle "$B7S" "$T/flags-spec.json" sh -c 'exec 2>&1; mkdir /tmp/y'
new_id b7s
run_to c7s oci run -b "$B7S" "$id"
check "7: flags [SPEC_ALLOW] (crun's default): through the annotation" [ -f "$(derived "$B7S")" ]
check "7: flags [SPEC_ALLOW]: filter applies" out_has c7s "No medium found" || show c7s

# --- 8. other commands pass through -------------------------------------------------------
"$CRUN" --version >"$T/crun-version"
check "8: --version is crun's" sh -c "'$OCI' --version | cmp -s - '$T/crun-version'"
B8=$T/b8
make_bundle "$B8" "$T/docker.json" sleep 60
new_id b8
state_of() { oci state "$1" 2>/dev/null | jq -r .status; }
state_is() { [ "$(state_of "$1")" = "$2" ]; }
run_to c8create oci create -b "$B8" "$id"
check "8: create" [ "$rc" = 0 ] || show c8create
check "8: create used the annotation" [ -f "$(derived "$B8")" ]
check "8: state: created" state_is "$id" created
check "8: state: bundle" [ "$(oci state "$id" | jq -r .bundle)" = "$B8" ]
run_to c8start oci start "$id"
check "8: start" [ "$rc" = 0 ] || show c8start
check "8: state: running" until_true 10 state_is "$id" running
run_to c8exec oci exec "$id" sh -c "$PROBE"
check "8: exec: the exec'd process has the same filter" filtered_like_docker c8exec ||
        show c8exec
run_to c8kill oci kill "$id" KILL
check "8: kill" [ "$rc" = 0 ] || show c8kill
check "8: state: stopped" until_true 10 state_is "$id" stopped
run_to c8delete oci delete "$id"
check "8: delete" [ "$rc" = 0 ] || show c8delete
check "8: gone after delete" not quiet oci state "$id"
check "8: config.json unchanged" unchanged "$B8"

# --- 9. side by side: plain crun and seccompd-oci give the same container -----------------
B9=$T/b9
make_bundle "$B9" "$T/docker.json" sh -c "$PROBE"
new_id b9-crun
run_to c9crun crun_plain run -b "$B9" "$id"
rc_crun=$rc
new_id b9-oci
run_to c9oci oci run -b "$B9" "$id"
check "9: through the annotation" [ -f "$(derived "$B9")" ]
check "9: same output as plain crun" cmp -s "$T/c9crun.out" "$T/c9oci.out" ||
        { show c9crun; show c9oci; }
check "9: same stderr as plain crun" cmp -s "$T/c9crun.err" "$T/c9oci.err"
check "9: same exit status (0)" [ "$rc_crun/$rc" = 0/0 ]
check "9: and it is Docker's filter" filtered_like_docker c9oci

# --- 10. the command line is read as crun reads it ----------------------------------------
# A relative --config other than config.json is relative to the current directory,
# abbreviated long options count, and the last --config wins.
B10=$T/b10
make_bundle "$B10" "$T/docker.json" echo from-config-json
jq '.process.args = ["echo", "from-alt"]' "$B10/config.json" >"$T/alt.json"
new_id b10
run_to c10 in_dir "$T" oci run --bund="$B10" -f "$B10/config.json" --conf alt.json "$id"
check "10: --conf alt.json (relative to the cwd) used" has_line c10 from-alt || show c10
check "10: derived from it" [ "$(jq -c .process.args "$(derived "$B10")")" = '["echo","from-alt"]' ]
check "10: config.json unchanged" unchanged "$B10"

# --- 11. settings from the configuration file; never itself as the runtime ----------------
printf '# seccompd-oci.conf\nruntime = %s\nsocket = %s\ntimeout-ms = 1500\n' "$CRUN" "$SOCK" \
        >"$T/oci.conf"
rm -f "$(derived "$B9")"
new_id b11
run_to c11 in_ns env -u SECCOMPD_OCI_RUNTIME -u SECCOMPD_SOCKET SECCOMPD_OCI_CONFIG="$T/oci.conf" \
        PATH=/nonexistent "$OCI" --cgroup-manager=disabled run -b "$B9" "$id"
check "11: runtime and socket from the conf file" filtered_like_docker c11 || show c11
check "11: through the annotation" [ -f "$(derived "$B9")" ]
: >"$T/oci.conf"
mkdir -p "$T/fakebin" && ln -sf "$OCI" "$T/fakebin/crun"
run_to c11self timeout 20 env -u SECCOMPD_OCI_RUNTIME SECCOMPD_OCI_CONFIG="$T/oci.conf" \
        PATH="$T/fakebin:$PATH" "$T/fakebin/crun" --version
check "11: a 'crun' that is seccompd-oci is skipped in PATH" cmp -s "$T/c11self.out" "$T/crun-version" ||
        show c11self

# --- 12. what crun is given: argv through a runtime that prints it -----------------------
printf '#!/bin/sh\nprintf "%%s\\n" "$0" "$@"\n' >"$T/fake-runtime"
chmod +x "$T/fake-runtime"
argv_of() { # ARG...: the arguments the runtime got, on one line ("argv0 | args")
        env SECCOMPD_OCI_RUNTIME="$T/fake-runtime" SECCOMPD_SOCKET="$SOCK" \
                SECCOMPD_OCI_CONFIG="$T/oci.conf" "$OCI" "$@" 2>/dev/null |
                { read -r zero; echo "$zero | $(tr '\n' ' ')"; }
}
argv_is() { # EXPECTED ARG...
        local want=$1 got
        shift
        got=$(argv_of "$@")
        [ "$got" = "$want" ] || { echo "  argv: got '$got'"; echo "  want '$want'"; return 1; }
}
F=$T/fake-runtime
D=--config=$(realpath "$B1")/config.seccompd.json
check "12: argv[0] is the runtime, other commands unchanged" argv_is "$F | state x " state x
check "12: --config goes last among run's options" \
        argv_is "$F | --root /r run -b $B1 $D x " --root /r run -b "$B1" x
check "12: short options clustered (-db)" argv_is "$F | run -db $B1 $D x " run -db "$B1" x
check "12: attached argument (-bDIR)" argv_is "$F | run -b$B1 $D x " run -b"$B1" x
check "12: before a '--'" argv_is "$F | run -b $B1 $D -- x " run -b "$B1" -- x
check "12: -f config.json is the bundle's" \
        argv_is "$F | run -b $B1 -f config.json $D x " run -b "$B1" -f config.json x
check "12: create has no -d: unchanged" argv_is "$F | create -db $B1 x " create -db "$B1" x
check "12: unknown option: unchanged" argv_is "$F | run --bogus -b $B1 x " run --bogus -b "$B1" x
check "12: two operands: unchanged" argv_is "$F | run -b $B1 x y " run -b "$B1" x y
check "12: --help: unchanged" argv_is "$F | run --help " run --help
check "12: global --version: unchanged" argv_is "$F | --version run -b $B1 x " --version run -b "$B1" x

# --- 4. fallback: the daemon is down, or does not answer -----------------------------------
stop_daemon
rm -f "$(derived "$B1")"
new_id b1-down
run_to c4 oci run -b "$B1" "$id"
check "4: daemon down: same filter (crun compiles it)" filtered_like_docker c4 || show c4
check "4: daemon down: says why on stderr" \
        err_has c4 "seccompd-oci: falling back to crun's own seccomp compile: cannot reach seccompd at '$SOCK'"
check "4: daemon down: no derived config" [ ! -e "$(derived "$B1")" ]
check "4: daemon down: same output as plain crun" cmp -s "$T/c4.out" "$T/c9crun.out"
check "4: config.json unchanged" unchanged "$B1"

new_id b1-log
run_to c4log oci --log "$T/crun.log" --log-format=json run -b "$B1" "$id"
check "4: with --log: same filter" filtered_like_docker c4log || show c4log
check "4: with --log: nothing on stderr (it is the container's under containerd)" \
        err_lacks c4log "seccompd-oci:"
check "4: with --log json: a warning line in crun's format" \
        jq_holds 'select(.level == "warning" and (.msg | startswith("seccompd-oci: falling back"))
                      and (.time | test("Z$")))' "$T/crun.log"

# A socket that accepts connections and never answers: the timeout of the conf file applies.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(16); time.sleep(120)' \
        "$T/mute.sock" &
MUTE_PID=$!
until_true 10 test -S "$T/mute.sock"
printf 'timeout-ms = 300\n' >"$T/oci.conf"
new_id b1-mute
start_s=$SECONDS
OCI_ENV=(SECCOMPD_SOCKET="$T/mute.sock")
run_to c4mute oci run -b "$B1" "$id"
OCI_ENV=()
check "4: mute daemon: same filter" filtered_like_docker c4mute || show c4mute
check "4: mute daemon: timed out, and says so" err_has c4mute "timed out" || show c4mute
check "4: mute daemon: within a few seconds" [ $((SECONDS - start_s)) -le 5 ]
check "4: mute daemon: no derived config" [ ! -e "$(derived "$B1")" ]
check "3: config.json byte-identical after every run" unchanged "$B1"

# --- 13. "architectures" without the native arch: crun keeps it (issue 10, defect 1) ------
# crun builds its filter from seccomp_init(defaultAction), which holds the native arch, and
# only adds the listed ones: the container runs, and the rules apply natively too. Before the
# fix seccompd's blob held x86 alone and the container died of KILL_THREAD (exit 159).
: >"$T/oci.conf"
start_daemon || { echo "FAIL: seccompd not ready again"; tail -20 "$T/daemon.log"; exit 1; }
cat >"$T/x86-only.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}
EOF
ARCH_PROBE='exec 2>&1; grep "^Seccomp:" /proc/self/status; mkdir /tmp/z; echo mkdir_rc=$?;
touch /tmp/f && echo touch=ok'
ARCH_PROBE=$(echo $ARCH_PROBE)
B13=$T/b13
make_bundle "$B13" "$T/x86-only.json" sh -c "$ARCH_PROBE"
new_id b13-crun
run_to c13crun crun_plain run -b "$B13" "$id"
rc_crun=$rc
new_id b13-oci
OCI_ENV=(SECCOMPD_OCI_DEBUG=1)
run_to c13oci oci run -b "$B13" "$id"
OCI_ENV=()
check "13: plain crun runs it (exit 0)" [ "$rc_crun" = 0 ] || show c13crun
check "13: through seccompd-oci it runs too (exit 0, not 159)" [ "$rc" = 0 ] || show c13oci
check "13: through the annotation" err_has c13oci "crun loads seccompd's blob"
check "13: filtered (Seccomp 2)" has_line c13oci "$SECCOMP_2"
check "13: natively, mkdir gets the rule's EPERM" \
        out_has c13oci "can't create directory '/tmp/z': Operation not permitted"
check "13: plain crun: the same EPERM" \
        out_has c13crun "can't create directory '/tmp/z': Operation not permitted"
check "13: and the container goes on (other calls allowed)" has_line c13oci touch=ok
check "13: same output as plain crun" cmp -s "$T/c13crun.out" "$T/c13oci.out" ||
        { show c13crun; show c13oci; }
"$CTL" -q compile "$T/x86-only.json" -o "$T/x86-only.bpf" 2>"$T/x86-only.err"
check "13: seccompctl says the native arch is kept" \
        grep -qF "SCMP_ARCH_X86_64, the native architecture, is not listed but is kept" \
        "$T/x86-only.err"
annotation_of "$B13" >"$T/x86-only-annotation.bpf"
check "13: blob = seccompctl compile" cmp -s "$T/x86-only.bpf" "$T/x86-only-annotation.bpf"
check "13: config.json unchanged" unchanged "$B13"
stop_daemon

echo "$pass passed, $fail failed"
[ "$fail" = 0 ] || { echo "--- daemon log (tail)"; tail -20 "$T/daemon.log"; exit 1; }
