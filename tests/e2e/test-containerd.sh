#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end under containerd 1.6: a private containerd, `ctr run --runc-binary seccompd-oci`
# (the io.containerd.runc.v2 shim calls seccompd-oci with runc's command line, seccompd-oci
# executes crun), a busybox-static rootfs (`ctr run --rootfs`, no image, no network).
# Cases: run, a TTY run (`ctr run -t` on a pty of `script`), a detached run with `task exec`,
# kill and delete; each with a custom profile (mkdir -> ENOMEDIUM) and with containerd's
# own built-in default (`ctr run --seccomp`, Docker's default: unshare of a user namespace
# denied with EPERM). Verdicts are read inside the container; that seccompd served the blob
# is read from its /metrics. Then seccompd is stopped and the same verdicts come from
# crun's own compile (the fallback).
#   test-containerd.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) and says why without root, containerd, ctr, the runc shim, crun,
# busybox-static or script. KEEP_TMP=1 keeps the temp dir.
#
# Machine quirks, handled here and nowhere in the product:
# - cgroups are v1 hybrid: crun runs only in a private mount namespace with
#   /sys/fs/cgroup/unified unmounted, and with --cgroup-manager=disabled. containerd (and
#   so its shims and crun) runs in such a namespace, and seccompd-oci's `runtime` is a
#   script of this harness that adds --cgroup-manager=disabled in front of crun's command
#   line.
# - seccompd-oci is configured the way an operator would: /etc/seccompd/seccompd-oci.conf
#   (runtime, socket, timeout-ms), no environment variable. The host has no /etc/seccompd
#   and must not get one: in containerd's namespace, /etc is an overlay whose upper layer,
#   in the temp dir, holds this test's conf (lib.sh's in_private_etc).
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"

[ "$(id -u)" = 0 ] || skip "e2e-containerd needs root (containerd, mount namespaces)"
CONTAINERD=$(command -v containerd) || skip "containerd is not installed"
command -v ctr >/dev/null || skip "ctr (containerd) is not installed"
command -v containerd-shim-runc-v2 >/dev/null || skip "containerd-shim-runc-v2 is not installed"
containerd --version | grep -q ' v\?1\.' || skip "not containerd 1.x: $(containerd --version)"
need_crun_busybox unshare nsenter python3 jq curl

T=$(mktemp -d)
SOCK=$T/seccompd.sock
CSOCK=$T/containerd.sock
CPID= JOB= # containerd's pid, and the job that runs it
NS=seccompd-e2e
cctr() { ctr -a "$CSOCK" -n "$NS" "$@"; }
# Every container, detached or not, gets the wrapper, crun's state under $T and its FIFOs
# under $T: nothing of this test lands in the host's /run/containerd but the shims' sockets.
RUNOPTS=(--env PATH=/bin --runc-binary "$OCI" --runc-root "$T/crun-root" --fifo-dir "$T/fifo")

delete_all() { # every container of our namespace, whatever state it is in
        local c
        for c in $(cctr containers ls -q 2>/dev/null); do
                cctr task kill -s SIGKILL "$c" >/dev/null 2>&1
                cctr task delete -f "$c" >/dev/null 2>&1
                cctr containers delete "$c" >/dev/null 2>&1
        done
}
stop_containerd() {
        local p
        [ -n "$JOB" ] || return 0
        [ -n "$CPID" ] || CPID=$(cat "$T/etc/pid" 2>/dev/null)
        if [ -n "$CPID" ]; then
                kill "$CPID" 2>/dev/null
                until_true 20 not kill -0 "$CPID" 2>/dev/null || kill -KILL "$CPID" 2>/dev/null
        fi
        wait "$JOB" 2>/dev/null
        CPID= JOB=
        # Shims outlive containerd by design: any left (a failed delete) is ours, by pid file.
        for p in "$T"/c/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
                [ -f "$p" ] && kill -KILL "$(cat "$p")" 2>/dev/null
        done
}
cleanup() {
        delete_all
        stop_containerd
        stop_daemon
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

mkdir -p "$T/profiles" "$T/cache" "$T/c" "$T/fifo" "$T/crun-root"
make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }
ln -sf busybox "$T/rootfs/bin/rmdir" && ln -sf busybox "$T/rootfs/bin/rm"

# The probe, a file in the rootfs (no quoting through ctr and script): Seccomp mode, unshare
# of a user namespace (Docker's default denies it, no filter allows it), mkdir (the custom
# profile denies it) and a write (allowed by both).
cat >"$T/rootfs/probe.sh" <<'EOF'
exec 2>&1
grep "^Seccomp:" /proc/self/status
if unshare -U true; then echo unshare=allowed; else echo unshare=denied; fi
if mkdir /tmp/probe.$$; then echo mkdir=ok; rmdir /tmp/probe.$$; fi
if echo w >/tmp/write.$$; then echo write=ok; rm -f /tmp/write.$$; fi
if [ -t 1 ]; then echo tty=yes; else echo tty=no; fi
EOF
SECCOMP_2=$(printf 'Seccomp:\t2')

# The custom profile: mkdir -> ENOMEDIUM (123, "No medium found", never a natural failure),
# everything else allowed. Plain OCI LinuxSeccomp, as `ctr run --seccomp-profile` reads it.
cat >"$T/enomedium.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 }
  ]
}
EOF
PROFILES=(custom docker)
seccomp_opts() { # PROFILE: ctr run's options for it
        case $1 in
        custom) echo --seccomp --seccomp-profile "$T/enomedium.json" ;;
        docker) echo --seccomp ;;
        esac
}
verdicts() { # PROFILE NAME: the probe's output in $T/NAME.out is that profile's
        local f=$T/$2.out
        tr -d '\r' <"$f" >"$f.clean" && mv "$f.clean" "$f" # a TTY's CRLF line ends
        has_line "$2" "$SECCOMP_2" && has_line "$2" write=ok || return 1
        case $1 in
        custom)
                # unshare allowed: the denial under Docker's default is the filter's.
                out_has "$2" "can't create directory '/tmp/probe." &&
                        out_has "$2" "No medium found" && not has_line "$2" mkdir=ok &&
                        has_line "$2" unshare=allowed
                ;;
        docker)
                has_line "$2" unshare=denied && out_has "$2" "Operation not permitted" &&
                        has_line "$2" mkdir=ok
                ;;
        esac
}

# on_pty command...: runs it with a new pty as its controlling terminal, stdin and stdout, and
# copies what it writes there to stdout; its exit status. Nothing is typed: script(1) with
# stdin at EOF would send the pty's VEOF, a NUL once ctr made it raw, which the container's
# terminal then echoes.
on_pty() {
        python3 -c 'import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:  # EIO: the last holder of the pty is gone
        break
    if not b:
        break
    sys.stdout.buffer.write(b)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' "$@"
}

# seccompd's count of blobs served to POST /v1/compile.
served() {
        api /metrics | sed -n 's/^seccompd_requests_total{route="compile",code="200"} //p' |
                grep . || echo 0
}

# --- the private containerd -----------------------------------------------------------
cat >"$T/containerd.toml" <<EOF
version = 2
root = "$T/c/root"
state = "$T/c/state"
# ctr drives containerd's task API; the CRI plugin is not needed here (see
# test-containerd-config.sh for it).
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CSOCK"
[ttrpc]
  address = "$CSOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/c/opt"
EOF
cat >"$T/crun-cgroupless" <<EOF
#!/bin/sh
# Machine quirk (hybrid cgroup v1 host): crun runs here only with --cgroup-manager=disabled.
exec $CRUN --cgroup-manager=disabled "\$@"
EOF
chmod 755 "$T/crun-cgroupless"
printf '# seccompd-oci.conf of test-containerd.sh\nruntime = %s\nsocket = %s\ntimeout-ms = 2000\n' \
        "$T/crun-cgroupless" "$SOCK" >"$T/seccompd-oci.conf"

start_containerd() {
        mkdir -p "$T/etc/up/seccompd" &&
                cp "$T/seccompd-oci.conf" "$T/etc/up/seccompd/seccompd-oci.conf" || return 1
        in_private_etc "$T/etc" env -u SECCOMPD_SOCKET -u SECCOMPD_OCI_RUNTIME \
                -u SECCOMPD_OCI_CONFIG -u SECCOMPD_OCI_DEBUG \
                "$CONTAINERD" --config "$T/containerd.toml" >>"$T/containerd.log" 2>&1 &
        JOB=$!
        until_true 30 quiet cctr version && CPID=$(cat "$T/etc/pid") && [ -n "$CPID" ]
}
start_containerd || { echo "FAIL: containerd not up"; tail -20 "$T/containerd.log"; exit 1; }
check "containerd: seccompd-oci.conf in its /etc only" \
        sh -c "nsenter --mount=/proc/$CPID/ns/mnt cat /etc/seccompd/seccompd-oci.conf |
               cmp -s - '$T/seccompd-oci.conf' && ! cmp -s /etc/seccompd/seccompd-oci.conf '$T/seccompd-oci.conf'"

# Preflight: containerd with crun itself (no seccompd-oci) must run a container without
# seccomp, or nothing below means anything.
run_to pre cctr run --rm --env PATH=/bin --runc-binary "$T/crun-cgroupless" \
        --runc-root "$T/crun-root" --fifo-dir "$T/fifo" --rootfs "$T/rootfs" "pre-$$" /bin/sh /probe.sh
[ "$rc" = 0 ] && has_line pre unshare=allowed ||
        skip "containerd cannot run a crun container on this host: $(head -3 "$T/pre.err")"
# The same through seccompd-oci: no linux.seccomp, nothing to do but hand it to crun.
run_to pre-oci cctr run --rm "${RUNOPTS[@]}" --rootfs "$T/rootfs" "pre-oci-$$" /bin/sh /probe.sh
check "no seccomp: run through seccompd-oci exits 0" [ "$rc" = 0 ]
check "no seccomp: Seccomp 0, unshare allowed" \
        eval 'has_line pre-oci "$(printf "Seccomp:\t0")" && has_line pre-oci unshare=allowed'

# The custom profile is also a file seccompd serves: `ctr run --seccomp-profile` inlines its
# text into the bundle, and seccompctl containers must name the file.
cp "$T/enomedium.json" "$T/profiles/enomedium.json"
start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }
ENOMEDIUM_KEY=$(api /v1/profiles/runtime/enomedium.json | jq -r '.blobs[0].key')
listed_as() { # ID JQ-FILTER: the container is listed and the filter holds on its entry
        "$CTL" --socket "$SOCK" containers --json |
                jq -e --arg id "$1" "any(.containers[]; .id == \$id and ($2))" >/dev/null
}
not_listed() { ! "$CTL" --socket "$SOCK" containers --json | jq -e --arg id "$1" 'any(.containers[]; .id == $id)' >/dev/null; }
task_pid() { cctr task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }

bundle_of() { echo "$T/c/state/io.containerd.runtime.v2.task/$NS/$1"; }
task_status() { cctr task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
status_is() { [ "$(task_status "$1")" = "$2" ]; }
gone() { # ID: no task, no container, no crun state
        [ -z "$(task_status "$1")" ] && ! cctr containers ls -q | grep -qxF "$1" &&
                ! "$CRUN" --root "$T/crun-root" state "$1" >/dev/null 2>&1
}

# cases MODE (up: seccompd serves the blobs; down: it is stopped, crun compiles)
cases() {
        local mode=$1 p id n before
        for p in "${PROFILES[@]}"; do
                # shellcheck disable=SC2207
                local sopts=($(seccomp_opts "$p"))
                local tag="$mode/$p"

                # run
                id=run-$mode-$p-$$ n=$mode-$p-run
                before=$(served_if "$mode")
                run_to "$n" cctr run --rm "${RUNOPTS[@]}" "${sopts[@]}" --rootfs "$T/rootfs" "$id" /bin/sh /probe.sh
                check "$tag: run exits 0" [ "$rc" = 0 ]
                check "$tag: run: no terminal" has_line "$n" tty=no
                check "$tag: run: Seccomp 2, the denied call's errno, allowed calls" verdicts "$p" "$n" ||
                        show "$n"
                check_served "$mode" "$tag: run" "$before"
                check "$tag: run --rm: gone" gone "$id"

                # TTY run: ctr on a pty (see on_pty)
                id=tty-$mode-$p-$$ n=$mode-$p-tty
                before=$(served_if "$mode")
                run_to "$n" on_pty ctr -a "$CSOCK" -n "$NS" run --rm -t "${RUNOPTS[@]}" "${sopts[@]}" --rootfs "$T/rootfs" "$id" /bin/sh /probe.sh
                check "$tag: TTY run exits 0" [ "$rc" = 0 ]
                check "$tag: TTY run: Seccomp 2, the denied call's errno, allowed calls" verdicts "$p" "$n" ||
                        show "$n"
                check_served "$mode" "$tag: TTY run" "$before"
                check "$tag: TTY run: the process had a terminal" has_line "$n" tty=yes
                check "$tag: TTY run --rm: gone" gone "$id"

                # detached run, task exec, kill, delete
                id=det-$mode-$p-$$ n=$mode-$p-det
                before=$(served_if "$mode")
                run_to "$n" cctr run -d "${RUNOPTS[@]}" "${sopts[@]}" --rootfs "$T/rootfs" "$id" \
                        /bin/sh -c 'trap "exit 7" TERM; while sleep 0.1; do :; done'
                check "$tag: run -d exits 0" [ "$rc" = 0 ] || show "$n"
                check "$tag: run -d: RUNNING" until_true 10 status_is "$id" RUNNING
                check_served "$mode" "$tag: run -d" "$before"
                if [ "$mode" = up ] && [ "$p" = custom ]; then
                        check "$tag: run -d: seccompctl containers names the profile file, its key, the task's pid" \
                                listed_as "$id" ".profile == \"runtime/enomedium.json\" and .key == \"$ENOMEDIUM_KEY\" and .pid == $(task_pid "$id")"
                elif [ "$mode" = up ]; then
                        check "$tag: run -d: seccompctl containers: containerd's own default is inline" \
                                listed_as "$id" '.profile == "inline" and (.key | length) == 64'
                fi
                check_bundle "$mode" "$tag: run -d" "$(bundle_of "$id")"
                run_to "$n-exec" cctr task exec --fifo-dir "$T/fifo" --exec-id probe "$id" /bin/sh /probe.sh
                check "$tag: task exec exits 0" [ "$rc" = 0 ]
                check "$tag: task exec: the exec'd process has the filter" verdicts "$p" "$n-exec" ||
                        show "$n-exec"
                run_to "$n-kill" cctr task kill "$id"
                check "$tag: task kill (SIGTERM) exits 0" [ "$rc" = 0 ] || show "$n-kill"
                check "$tag: task kill: STOPPED" until_true 10 status_is "$id" STOPPED
                run_to "$n-delete" cctr task delete "$id"
                # ctr task delete reports a non-zero exit status as a warning, exiting 0.
                check "$tag: task delete: the exit status is the trap's (7)" \
                        err_has "$n-delete" "exit with non-zero exit code 7" || show "$n-delete"
                run_to "$n-rm" cctr containers delete "$id"
                check "$tag: containers delete exits 0" [ "$rc" = 0 ] || show "$n-rm"
                check "$tag: delete: no task, no container, no crun state" gone "$id"
                [ "$mode" = up ] && check "$tag: delete: not in seccompctl containers" not_listed "$id"
        done
}
served_if() { if [ "$1" = up ]; then served; else echo -; fi; }
check_served() { # MODE WHAT BEFORE
        [ "$1" = up ] || return 0
        local now
        now=$(served)
        check "$2: seccompd served the blob (compile 200: $3 -> $now)" [ "$now" -gt "$3" ]
}
check_bundle() { # MODE WHAT BUNDLE: the derived config is there iff seccompd served
        if [ "$1" = up ]; then
                check "$2: crun got the derived config (seccompd's blob)" \
                        quiet jq -e '.annotations["run.oci.seccomp_bpf_data"] | length > 0' \
                        "$3/config.seccompd.json"
                check "$2: config.json kept its linux.seccomp" \
                        quiet jq -e '.linux.seccomp.syscalls | length > 0' "$3/config.json"
        else
                check "$2: no derived config" [ ! -e "$3/config.seccompd.json" ]
                # (jq -e alone would pass on an empty log: jq 1.6 exits 0 without input.)
                check "$2: the fallback's reason in crun's log, a warning" \
                        sh -c "jq -r 'select(.level == \"warning\") | .msg' '$3/log.json' |
                               grep -q \"^seccompd-oci: falling back to crun's own seccomp compile: cannot reach seccompd at '$SOCK'\""
        fi
}

cases up
stop_daemon
cases down

echo "$pass passed, $fail failed"
[ "$fail" = 0 ] || { echo "--- containerd log (tail)"; tail -20 "$T/containerd.log"; exit 1; }
