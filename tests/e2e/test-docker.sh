#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end under Docker: Debian's docker.io (dockerd 20.10 and its own containerd), the
# runtime "seccompd" registered in a daemon.json made from deploy/docker/daemon.json, and
# `docker run --runtime seccompd` with a custom profile (--security-opt seccomp=FILE) and
# with Docker's built-in default. What a container gets is read inside it (Seccomp: 2, the
# errno a denied call got, an allowed call working); that seccompd served the blob is read
# from its /metrics and from the bundle; then the same verdicts with seccompd stopped.
#   test-docker.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, docker.io, crun or busybox-static. KEEP_TMP=1
# keeps the temp dir.
#
# Harness, not product (machine quirks and isolation from the other tests of the host):
# - The whole test runs in a private mount namespace (it re-executes itself under
#   `unshare -m`), with /sys/fs/cgroup/unified unmounted: cgroups are v1 hybrid here and
#   crun refuses to run with the cgroup2 mount present. Under Docker crun then needs no
#   --cgroup-manager=disabled (dockerd's cgroupfs driver gives it a cgroupsPath), so the
#   daemon.json is the shipped one: no runtimeArgs.
# - /etc, /run and /opt get a throw-away overlay in that namespace: seccompd-oci reads
#   /etc/seccompd/seccompd-oci.conf (the way users configure it under Docker, whose
#   containerd shim gives the runtime no settings of its own), and dockerd writes
#   /etc/docker/key.json, its containerd /opt/containerd, the shims /run/containerd/s and
#   dockerd /run/docker. None of it reaches the host.
# - dockerd has its own --data-root, --exec-root, --pidfile and -H unix://$T/docker.sock,
#   no iptables, bridge or ip-forward (containers run with --network none), and starts its
#   own containerd under the exec-root (socket, state and shim sockets named after it:
#   nothing shared with another containerd). Containers' cgroups go under a cgroup-parent
#   of this test's own, removed on exit.
# - No registry: the image is `docker import` of a busybox-static tarball.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"

DOCKER=/usr/bin/docker   # Debian's docker.io client (/usr/local/bin/docker is another one)
DOCKERD=/usr/sbin/dockerd
[ "$(id -u)" = 0 ] || skip "e2e-docker needs root (dockerd)"
if [ ! -x "$DOCKERD" ] || [ ! -x "$DOCKER" ]; then
        skip "docker.io is not installed ($DOCKERD, $DOCKER)"
fi
for tool in containerd containerd-shim-runc-v2 runc; do
        command -v $tool >/dev/null || skip "$tool is not installed (docker.io depends on it)"
done
need_crun_busybox unshare jq curl base64 python3 tar
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
        skip "no overlay file system (the private /etc, /run and /opt are overlays)"

if [ -z "${SECCOMPD_E2E_DOCKER_NS:-}" ]; then
        SECCOMPD_E2E_DOCKER_NS=1 exec unshare -m --propagation private "$0" "$@"
        echo "FAIL: unshare -m"
        exit 1
fi
umount /sys/fs/cgroup/unified 2>/dev/null

T=$(mktemp -d)
SOCK=$T/seccompd.sock
DSOCK=$T/docker.sock
CGROUP_PARENT=seccompd-e2e-$$
IMG=seccompd-e2e-busybox:$$
DOCKERD_PID=
export DOCKER_CONFIG=$T/docker-cli # the client's own config: nothing in ~/.docker
d() { "$DOCKER" -H "unix://$DSOCK" "$@"; }

stop_dockerd() {
        [ -n "$DOCKERD_PID" ] || return 0
        kill "$DOCKERD_PID" 2>/dev/null # stops the containers, then its containerd
        until_true 60 not kill -0 "$DOCKERD_PID" 2>/dev/null ||
                kill -KILL "$DOCKERD_PID" 2>/dev/null
        wait "$DOCKERD_PID" 2>/dev/null
        DOCKERD_PID=
        # Only after a dockerd that did not stop: its containerd and shims (by their pids).
        local p
        p=$(cat "$T/exec/containerd/containerd.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null &&
                kill -KILL "$p"
        for p in $(pgrep -f -- "-address $T/exec/containerd/containerd.sock"); do
                kill -KILL "$p" 2>/dev/null
        done
}
cleanup() {
        stop_dockerd
        stop_daemon
        local m c
        for m in $(findmnt -rn -o TARGET | grep -F "$T/" | sort -r); do umount -l "$m"; done
        for m in /etc /run /opt; do umount -l "$m" 2>/dev/null; done
        for c in /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
                [ -d "$c" ] && rmdir "$c" 2>/dev/null
        done
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# The private /etc, /run and /opt (see the top).
for dir in /etc /run /opt; do
        mkdir -p "$T/overlay$dir/upper" "$T/overlay$dir/work"
        mount -t overlay overlay \
                -o "lowerdir=$dir,upperdir=$T/overlay$dir/upper,workdir=$T/overlay$dir/work" "$dir" ||
                { echo "FAIL: cannot mount an overlay on $dir"; exit 1; }
done
mkdir -p /etc/seccompd
printf '# written by test-docker.sh\nruntime = %s\nsocket = %s\n' "$CRUN" "$SOCK" \
        >/etc/seccompd/seccompd-oci.conf
mkdir -p "$T/profiles" "$T/cache"

# The shipped daemon.json with the binary under test, and the harness's cgroup parent.
check "deploy/docker/daemon.json registers the runtime seccompd" \
        quiet jq -e '.runtimes.seccompd.path | endswith("/seccompd-oci")' \
        "$SRC/deploy/docker/daemon.json"
jq --arg oci "$OCI" --arg cgp "/$CGROUP_PARENT" \
        '.runtimes.seccompd.path = $oci | .["cgroup-parent"] = $cgp' \
        "$SRC/deploy/docker/daemon.json" >"$T/daemon.json" || { echo "FAIL: daemon.json"; exit 1; }

"$DOCKERD" --config-file "$T/daemon.json" --data-root "$T/data" --exec-root "$T/exec" \
        --pidfile "$T/dockerd.pid" -H "unix://$DSOCK" \
        --iptables=false --bridge=none --ip-forward=false >"$T/dockerd.log" 2>&1 &
DOCKERD_PID=$!
dockerd_ready() { kill -0 "$DOCKERD_PID" 2>/dev/null && d version >/dev/null 2>&1; }
if ! until_true 60 dockerd_ready; then
        echo "FAIL: dockerd did not start"
        tail -20 "$T/dockerd.log"
        exit 1
fi
check "dockerd lists the runtime seccompd" \
        sh -c "'$DOCKER' -H 'unix://$DSOCK' info --format '{{json .Runtimes}}' | jq -e '.seccompd.path == \"$OCI\"' >/dev/null"

make_rootfs || { echo "FAIL: cannot build the rootfs"; exit 1; }
run_to import sh -c "tar -C '$T/rootfs' -c . | '$DOCKER' -H 'unix://$DSOCK' import - '$IMG'"
[ "$rc" = 0 ] || { echo "FAIL: docker import"; show import; exit 1; }

# The probe: Seccomp mode; unshare of a user namespace (Docker's default denies it with
# EPERM, the custom profile allows it); mkdir (the custom profile denies it with ENOMEDIUM,
# "No medium found", which no natural failure gives); writing and reading a file (allowed
# by both).
PROBE='exec 2>&1; grep "^Seccomp:" /proc/self/status;
if unshare -U true; then echo unshare=allowed; else echo unshare=denied; fi;
if mkdir /tmp/d; then echo mkdir=ok; else echo mkdir=denied; fi;
echo written >/tmp/f && cat /tmp/f'
SECCOMP_2=$(printf 'Seccomp:\t2')
cat >"$T/mkdir.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 123 }
  ]
}
EOF
verdicts_default() { # NAME: the probe's output under Docker's built-in default
        has_line "$1" "$SECCOMP_2" && has_line "$1" unshare=denied &&
                out_has "$1" "unshare(0x10000000): Operation not permitted" &&
                has_line "$1" mkdir=ok && has_line "$1" written
}
verdicts_custom() { # NAME: the probe's output under mkdir.json
        has_line "$1" "$SECCOMP_2" && has_line "$1" mkdir=denied &&
                out_has "$1" "can't create directory '/tmp/d': No medium found" &&
                has_line "$1" unshare=allowed && has_line "$1" written
}

# Preflight: Docker must run a container at all (its own runc), or nothing below means
# anything.
run_to pre d run --rm --network none "$IMG" true
[ "$rc" = 0 ] || skip "Docker cannot run a container on this host: $(head -3 "$T/pre.err")"
# Side by side, Docker's own runtime: the verdicts below are Docker's, whatever runs them.
run_to runc-default d run --rm --network none --runtime runc "$IMG" sh -c "$PROBE"
check "runc, Docker's default: Seccomp 2, unshare EPERM, mkdir and a file allowed" \
        verdicts_default runc-default || show runc-default
run_to runc-custom d run --rm --network none --runtime runc \
        --security-opt "seccomp=$T/mkdir.json" "$IMG" sh -c "$PROBE"
check "runc, custom profile: Seccomp 2, mkdir ENOMEDIUM, unshare and a file allowed" \
        verdicts_custom runc-custom || show runc-custom

served() { # how many blobs seccompd has served (POST /v1/compile answered 200)
        local n
        n=$(api /metrics | sed -n 's/^seccompd_requests_total{route="compile",code="200"} //p')
        echo "${n:-0}"
}
bundle_of() { # CONTAINER: its bundle, while it runs
        echo "$T/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/$(d inspect -f '{{.Id}}' "$1")"
}
running() { [ "$(d inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = running ]; }
# The annotation's blob is the bundle's linux.seccomp compiled by the daemon now, and by
# seccompctl in-process.
blob_is_seccompds() { # BUNDLE
        python3 -c 'import json, sys
json.dump(json.load(open(sys.argv[1]))["linux"]["seccomp"], open(sys.argv[2], "w"))' \
                "$1/config.json" "$T/section.json" || return 1
        api '/v1/compile?encoding=raw' -X POST --data-binary @"$T/section.json" -o "$T/raw.bpf"
        jq -r '.annotations["run.oci.seccomp_bpf_data"]' "$1/config.seccompd.json" |
                base64 -d >"$T/annotation.bpf" || return 1
        "$CTL" -q compile "$T/section.json" -o "$T/local.bpf" || return 1
        [ -s "$T/raw.bpf" ] && cmp -s "$T/raw.bpf" "$T/annotation.bpf" &&
                cmp -s "$T/local.bpf" "$T/annotation.bpf"
}

# cases PHASE UP: every case with both profiles; UP=1 while seccompd runs, 0 after.
cases() {
        local phase=$1 up=$2 p n0 n1 name bundle
        local -a opt
        for p in custom default; do
                opt=()
                [ $p = custom ] && opt=(--security-opt "seccomp=$T/mkdir.json")
                local V=verdicts_$p tag="$phase, $p"

                # docker run --runtime seccompd
                n0=$(served)
                run_to "$phase-$p-run" d run --rm --network none --runtime seccompd \
                        "${opt[@]}" "$IMG" sh -c "$PROBE"
                check "$tag: docker run exits 0" [ "$rc" = 0 ]
                check "$tag: docker run: verdicts inside the container" \
                        $V "$phase-$p-run" || show "$phase-$p-run"
                if [ "$up" = 1 ]; then
                        n1=$(served)
                        check "$tag: docker run: seccompd served the blob ($n0 -> $n1)" \
                                [ "$n1" = $((n0 + 1)) ]
                fi
                # Same output as Docker's own runc.
                check "$tag: docker run: same output as --runtime runc" \
                        cmp -s "$T/$phase-$p-run.out" "$T/runc-$p.out"

                # docker create, start, exec, stop, rm
                name=seccompd-e2e-$$-$phase-$p
                run_to "$phase-$p-create" d create --name "$name" --network none \
                        --runtime seccompd "${opt[@]}" "$IMG" \
                        sh -c 'trap "exit 0" TERM; sleep 600 & wait'
                check "$tag: docker create" [ "$rc" = 0 ] || show "$phase-$p-create"
                check "$tag: the container's runtime is seccompd" \
                        [ "$(d inspect -f '{{.HostConfig.Runtime}}' "$name")" = seccompd ]
                n0=$(served)
                run_to "$phase-$p-start" d start "$name"
                check "$tag: docker start" [ "$rc" = 0 ] || show "$phase-$p-start"
                check "$tag: running" until_true 20 running "$name"
                bundle=$(bundle_of "$name")
                check "$tag: the shim ran seccompd-oci" \
                        [ "$(jq -r .binary_name "$bundle/options.json")" = "$OCI" ]
                if [ "$up" = 1 ]; then
                        n1=$(served)
                        check "$tag: start: seccompd served the blob ($n0 -> $n1)" \
                                [ "$n1" = $((n0 + 1)) ]
                        check "$tag: crun was given seccompd's blob (bundle's config.seccompd.json)" \
                                blob_is_seccompds "$bundle"
                else
                        check "$tag: no derived config: crun compiled the profile" \
                                [ ! -e "$bundle/config.seccompd.json" ]
                        check "$tag: the fallback and its reason in the runtime's log" \
                                grep -qF "seccompd-oci: falling back to crun's own seccomp compile: cannot reach seccompd at '$SOCK'" \
                                "$bundle/log.json"
                fi
                run_to "$phase-$p-exec" d exec "$name" sh -c "$PROBE"
                check "$tag: docker exec: verdicts inside the container" \
                        $V "$phase-$p-exec" || show "$phase-$p-exec"
                run_to "$phase-$p-stop" d stop -t 20 "$name"
                check "$tag: docker stop" [ "$rc" = 0 ] || show "$phase-$p-stop"
                check "$tag: stopped by its SIGTERM (exit code 0)" \
                        [ "$(d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name")" = "exited 0" ]
                run_to "$phase-$p-rm" d rm "$name"
                check "$tag: docker rm" [ "$rc" = 0 ] || show "$phase-$p-rm"
                check "$tag: gone after rm" not quiet d inspect "$name"
        done
}

start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }
cases up 1
stop_daemon
check "seccompd is down" not quiet api /v1/health
cases down 0

echo "$pass passed, $fail failed"
if [ "$fail" != 0 ]; then
        echo "--- seccompd log (tail)"
        tail -20 "$T/daemon.log"
        echo "--- dockerd log (errors)"
        grep -E 'level=(error|fatal)' "$T/dockerd.log" | tail -20
        exit 1
fi
