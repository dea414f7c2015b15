# SPDX-License-Identifier: Apache-2.0
# Helpers of the e2e suite, sourced by tests/e2e/test-*.sh. They expect T (a temp dir), CRUN,
# OCI (seccompd-oci), SOCK (seccompd's socket), BUSYBOX and DAEMON, CTL to be set.

pass=0 fail=0

# e2e_args SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR: the arguments of the e2e tests that
# run the wrapper, as absolute paths in DAEMON, CTL, OCI and SRC.
e2e_args() {
        DAEMON=$(realpath "${1:?seccompd}")
        CTL=$(realpath "${2:?seccompctl}")
        OCI=$(realpath "${3:?seccompd-oci}")
        SRC=$(realpath "${4:?source dir}")
}
# need_crun_busybox TOOL...: crun (in CRUN), a static busybox (in BUSYBOX) and each TOOL, or
# the test skips (77) saying which is missing.
need_crun_busybox() {
        local tool
        CRUN=$(command -v crun) || skip "crun is not installed"
        BUSYBOX=$(command -v busybox) || skip "busybox-static is not installed"
        if ldd "$BUSYBOX" >/dev/null 2>&1; then
                skip "$BUSYBOX is dynamically linked: install busybox-static"
        fi
        for tool in "$@"; do
                command -v "$tool" >/dev/null || skip "$tool is not installed"
        done
}
ok() { pass=$((pass + 1)); }
ko() { # returns 1, so that `check ... || show NAME` shows what failed
        fail=$((fail + 1))
        echo "FAIL: $*"
        return 1
}
check() { # description command...
        local what=$1
        shift
        if "$@"; then ok; else ko "$what"; fi
}
not() { ! "$@"; }
quiet() { "$@" >/dev/null 2>&1; }
# jq_holds [JQ-OPTION...] FILTER FILE: FILTER's last result on FILE is true. FILE must hold
# something: jq 1.6's -e exits 0 when it reads no input at all (an empty log would pass).
jq_holds() { [ -s "${!#}" ] && jq -e "$@" >/dev/null 2>&1; }
in_dir() { # DIR command...: runs it in DIR (a subshell)
        (cd "$1" && shift && "$@")
}
skip() {
        echo "SKIP: $*"
        exit 77
}
until_true() { # deadline-seconds command...: polls every 50 ms, never a fixed sleep
        local end=$((SECONDS + $1))
        shift
        while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.05; done
        "$@"
}

# run_to NAME command...: stdout in $T/NAME.out, stderr in $T/NAME.err, status in $rc.
run_to() {
        local n=$1
        shift
        "$@" >"$T/$n.out" 2>"$T/$n.err" </dev/null
        rc=$?
}
show() { # NAME: what a failed check needs to be understood
        sed "s/^/  $1.out: /" "$T/$1.out" | head -12
        sed "s/^/  $1.err: /" "$T/$1.err" | head -12
}
has_line() { grep -qxF -- "$2" "$T/$1.out"; } # NAME LINE: an exact line of stdout
out_has() { grep -qF -- "$2" "$T/$1.out"; }   # NAME FRAGMENT
err_has() { grep -qF -- "$2" "$T/$1.err"; }   # NAME FRAGMENT
err_lacks() { ! grep -qF -- "$2" "$T/$1.err"; }

# crun needs a private mount namespace without /sys/fs/cgroup/unified on hybrid-cgroup hosts
# (see DESIGN.md §10), and --cgroup-manager=disabled.
in_ns() { unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' in_ns "$@"; }
crun_plain() { in_ns "$CRUN" --cgroup-manager=disabled "$@"; }
# seccompd-oci in place of crun; OCI_ENV (an array) adds environment, SECCOMPD_OCI_CONFIG keeps
# the host's /etc/seccompd/seccompd-oci.conf out of the tests.
OCI_ENV=()
oci() {
        in_ns env SECCOMPD_OCI_RUNTIME="$CRUN" SECCOMPD_SOCKET="$SOCK" \
                SECCOMPD_OCI_CONFIG="$T/oci.conf" "${OCI_ENV[@]}" \
                "$OCI" --cgroup-manager=disabled "$@"
}

# e2e_tmp [MKTEMP-TEMPLATE]: a fresh temp dir in T, the socket path in SOCK, and at exit the
# containers deleted, the daemon stopped and T removed (KEEP_TMP=1 keeps it). A test with more
# to undo defines e2e_more_cleanup, which runs first.
e2e_tmp() {
        T=$(mktemp -d ${1:+"$1"}) || exit 1
        SOCK=$T/seccompd.sock
        trap e2e_cleanup EXIT
}
e2e_cleanup() {
        if declare -F e2e_more_cleanup >/dev/null; then e2e_more_cleanup; fi
        delete_containers
        stop_daemon
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}

# Container IDs handed out, deleted on exit.
IDS=()
new_id() { # NAME: a fresh container ID in $id
        id="seccompd-e2e-$$-$1"
        IDS+=("$id")
}
delete_containers() {
        local i
        for i in "${IDS[@]}"; do
                crun_plain delete -f "$i" >/dev/null 2>&1
        done
}

api() { curl -s --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
ready() { [ "$(api /v1/health | jq -r .ready 2>/dev/null)" = true ]; }
DPID=
# start_daemon: seccompd on $SOCK with root DAEMON_ROOT (default runtime=$T/profiles);
# DAEMON_EXTRA (an array, may be unset): more arguments.
start_daemon() {
        "$DAEMON" --foreground --root "${DAEMON_ROOT:-runtime=$T/profiles}" --socket "$SOCK" \
                --cache-dir "$T/cache" ${DAEMON_EXTRA[@]+"${DAEMON_EXTRA[@]}"} \
                >>"$T/daemon.log" 2>&1 &
        DPID=$!
        until_true 20 ready
}
stop_daemon() {
        if [ -n "$DPID" ]; then
                kill "$DPID" 2>/dev/null
                wait "$DPID" 2>/dev/null
                DPID=
        fi
}

# One busybox-static root for every bundle (root.path is absolute; /tmp is a tmpfs per
# container, so nothing is written into it).
make_rootfs() {
        local a
        mkdir -p "$T/rootfs/bin" "$T/rootfs/tmp" "$T/rootfs/proc" "$T/rootfs/dev" "$T/rootfs/sys"
        cp "$BUSYBOX" "$T/rootfs/bin/busybox" || return 1
        for a in sh cat echo grep mkdir unshare sleep true false ls; do
                ln -sf busybox "$T/rootfs/bin/$a"
        done
}

# make_bundle DIR SECCOMP ARG...: a bundle (`crun spec`, not rootless) in DIR whose process
# runs ARG..., with SECCOMP (a file holding a linux.seccomp section; "" for none). A copy of
# config.json is kept as config.json.orig.
make_bundle() {
        local dir=$1 seccomp=$2
        shift 2
        # jq 1.6 reads options even after --args: the arguments go in as lines (none has one).
        local args
        args=$(printf '%s\n' "$@" | jq -R . | jq -cs .) || return 1
        mkdir -p "$dir" && (cd "$dir" && "$CRUN" spec) || return 1
        jq --arg root "$T/rootfs" --arg seccomp "$seccomp" --argjson args "$args" '
                .process.terminal = false | .root.path = $root | .root.readonly = false
                | .process.args = $args
                | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
                               options: ["nosuid", "nodev", "mode=1777"]}]
                | if $seccomp != "" then .linux.seccomp = "@SECCOMP@"
                  else del(.linux.seccomp) end
                ' <"$dir/config.json" >"$dir/config.json.new" || return 1
        # The section goes in as text: jq 1.6 turns integers above 2^53 into doubles.
        if [ -n "$seccomp" ]; then
                python3 -c 'import sys
p, s = sys.argv[1:3]
t = open(p).read()
open(p, "w").write(t.replace("\"@SECCOMP@\"", open(s).read().strip(), 1))' \
                        "$dir/config.json.new" "$seccomp" || return 1
        fi
        mv "$dir/config.json.new" "$dir/config.json" &&
                cp "$dir/config.json" "$dir/config.json.orig"
}
unchanged() { cmp -s "$1/config.json" "$1/config.json.orig"; } # BUNDLE
derived() { echo "$1/config.seccompd.json"; }                   # BUNDLE

# audit_listen FILE: the kernel's AUDIT_SECCOMP records (type 1326), one per line, from the
# audit multicast group (no auditd needed) until audit_stop; returns once listening.
AUDIT_PID=
audit_listen() {
        python3 -u - "$1" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)  # NETLINK_AUDIT
s.bind((0, 1))                                            # AUDIT_NLGRP_READLOG
out = open(sys.argv[1], "w", buffering=1)
out.write("listening\n")
while True:
    d = s.recv(65536)
    off = 0
    while off + 16 <= len(d):
        ln, typ = struct.unpack_from("IH", d, off)
        if typ == 1326:
            out.write(d[off + 16:off + ln].decode(errors="replace").rstrip("\0") + "\n")
        off += (ln + 3) & ~3
PY
        AUDIT_PID=$!
        until_true 5 grep -q listening "$1"
}
audit_stop() { [ -n "$AUDIT_PID" ] && kill "$AUDIT_PID" 2>/dev/null && wait "$AUDIT_PID" 2>/dev/null; AUDIT_PID=; }
annotation_of() { # BUNDLE: the raw blob of the derived config's annotation, on stdout
        jq -r '.annotations["run.oci.seccomp_bpf_data"]' "$(derived "$1")" | base64 -d
}

# in_private_etc DIR command...: runs it in a private mount namespace (the cgroup quirk of
# in_ns) whose /etc is an overlay with its upper layer in DIR/up: files put in DIR/up/...
# beforehand show in its /etc, and what it writes under /etc stays out of the host's.
# The command's pid (the same in both namespaces) is written to DIR/pid.
in_private_etc() {
        local d=$1
        shift
        mkdir -p "$d/up" "$d/work" || return 1
        unshare -m --propagation private sh -c '
                d=$1
                shift
                umount /sys/fs/cgroup/unified 2>/dev/null
                mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/up,workdir=$d/work" /etc ||
                        exit 125
                echo $$ >"$d/pid"
                exec "$@"' in_private_etc "$d" "$@"
}

# with_host_libs BUNDLE: the bundle's container sees the host's /usr, /lib and /lib64
# (read-only bind mounts; the mount points are made in $T/rootfs), so that a dynamic binary of
# the host such as /usr/bin/python3 runs in it; it shares the host's network namespace, whose
# loopback is up (a fresh one's is down and the container may not bring it up).
with_host_libs() {
        local d dirs=()
        for d in /usr /lib /lib64; do
                [ -d "$d" ] && mkdir -p "$T/rootfs$d" && dirs+=("$d")
        done
        jq --args '.mounts += ($ARGS.positional
                        | map({destination: ., type: "bind", source: .,
                               options: ["rbind", "ro", "nosuid", "nodev"]}))
            | .linux.namespaces |= map(select(.type != "network"))' \
                "${dirs[@]}" <"$1/config.json" >"$1/config.json.new" &&
                mv "$1/config.json.new" "$1/config.json" &&
                cp "$1/config.json" "$1/config.json.orig"
}
