# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Helpers of bench/run.sh, sourced by it. They expect SRC, BUILD, BIN (the bench programs),
# SECCOMPD (the daemon binary), CRUN, BUSYBOX, PROFILE, T (the run's temp dir), RESULTS (the
# markdown being written) and QUICK to be set.

say() { printf '%s\n' "$*" >&2; }
fail() {
        say "bench: $*"
        exit 1
}

# kv LINE KEY: the value of KEY=VALUE in LINE (the programs of bench/ print such lines).
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
# ratio A B: A/B with two decimals ("n/a" if B is 0 or empty).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
# pick FULL QUICK: the value for this run's size.
pick() { if [ "$QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

md() { printf '%s\n' "$@" | tee -a "$RESULTS"; } # lines of markdown, also shown as they come
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Runs `cmd...` and prints its stdout, dying with its stderr when it fails.
must() {
        local out
        if ! out=$("$@" 2>"$T/must.err"); then
                cat "$T/must.err" >&2
                fail "'$*' failed"
        fi
        printf '%s\n' "$out"
}

# ---- daemons ---------------------------------------------------------------------------------

DAEMON_PIDS=""
# start_daemon NAME ARG...: seccompd in the foreground with its socket at $T/NAME.sock, ready
# once its --ready-file exists; the pid goes in $DPID and the cleanup list.
start_daemon() {
        local name=$1
        shift
        rm -f "$T/$name.ready"
        "$SECCOMPD" --foreground --socket "$T/$name.sock" --ready-file "$T/$name.ready" \
                --log-level warning "$@" >>"$T/$name.log" 2>&1 &
        DPID=$!
        DAEMON_PIDS="$DAEMON_PIDS $DPID"
        local i=0
        while [ ! -e "$T/$name.ready" ]; do
                kill -0 "$DPID" 2>/dev/null || fail "seccompd ($name) died: $(tail -5 "$T/$name.log")"
                i=$((i + 1))
                [ $i -lt 6000 ] || fail "seccompd ($name) not ready within 60 s"
                sleep 0.01
        done
}
stop_daemon() { # PID
        kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
        DAEMON_PIDS=$(echo "$DAEMON_PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
# daemon_cpu_ms PID: user + system time so far, all threads.
daemon_cpu_ms() {
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) * 1000 / hz }' \
                "/proc/$1/stat"
}

# ---- containers ------------------------------------------------------------------------------

# One busybox-static rootfs for every bundle (root.path is absolute, nothing is written to it).
make_rootfs() {
        [ -d "$T/rootfs" ] && return 0
        mkdir -p "$T/rootfs/bin" "$T/rootfs/proc" "$T/rootfs/dev" "$T/rootfs/sys" "$T/rootfs/tmp"
        cp "$BUSYBOX" "$T/rootfs/bin/busybox"
        for a in sh true cat grep; do ln -s busybox "$T/rootfs/bin/$a"; done
}
# make_bundle DIR [SECCOMP-FILE]: `crun spec` (not rootless), process /bin/true, no terminal,
# linux.seccomp from SECCOMP-FILE or none at all.
make_bundle() {
        local dir=$1 seccomp=${2:-}
        mkdir -p "$dir"
        (cd "$dir" && "$CRUN" spec) || fail "crun spec failed"
        if [ -n "$seccomp" ]; then
                jq --arg root "$T/rootfs" --slurpfile s "$seccomp" '.process.terminal = false
                        | .root.path = $root | .process.args = ["/bin/true"]
                        | .linux.seccomp = $s[0]' "$dir/config.json" >"$dir/config.new"
        else
                jq --arg root "$T/rootfs" '.process.terminal = false | .root.path = $root
                        | .process.args = ["/bin/true"] | del(.linux.seccomp)' \
                        "$dir/config.json" >"$dir/config.new"
        fi
        mv "$dir/config.new" "$dir/config.json"
}
# in_ns CMD...: CMD in a private mount namespace prepared for crun.
in_ns() { unshare -m "$SRC/bench/in-ns.sh" "$@"; }
# Deletes whatever container is left in the benchmark's crun state root.
delete_containers() {
        [ -d "$T/state" ] || return 0
        local id
        for id in $("$CRUN" --root "$T/state" list -q 2>/dev/null); do
                in_ns "$CRUN" --root "$T/state" delete -f "$id" >/dev/null 2>&1
        done
}

# ---- inputs shared by start, fetch and filter -------------------------------------------------

# Docker's default profile exported to plain OCI (what containerd puts in a bundle), the
# rootfs and the bundles, seccompd on $T/main.sock serving a copy of profiles/ as root
# "runtime", and seccompd's blob for the exported section ($T/seccompd.bpf: what seccompd-oci
# hands to crun).
INPUTS=0
ensure_inputs() {
        [ "$INPUTS" = 1 ] && return 0
        mkdir -p "$T/profiles" "$T/cache-main" "$T/state"
        cp "$SRC/profiles/default.json" "$T/profiles/"
        "$BUILD/seccompctl" -q export "$PROFILE" --format oci >"$T/moby.json" ||
                fail "seccompctl export failed"
        make_rootfs
        make_bundle "$T/b-json" "$T/moby.json"
        make_bundle "$T/b-none"
        : >"$T/oci.conf"
        start_daemon main --root "runtime=$T/profiles" --cache-dir "$T/cache-main"
        # shellcheck disable=SC2034 # used by b-start.sh and b-fetch.sh
        MAIN_PID=$DPID
        curl -sf --unix-socket "$T/main.sock" --data-binary @"$T/moby.json" \
                -o "$T/seccompd.bpf" 'http://localhost/v1/compile?encoding=raw' ||
                fail "POST /v1/compile failed"
        # The bundle seccompd-oci derives, made once: the blob in the annotation, no linux.seccomp.
        mkdir -p "$T/b-annot"
        jq --arg b64 "$(base64 -w0 "$T/seccompd.bpf")" \
                '.annotations["run.oci.seccomp_bpf_data"] = $b64 | del(.linux.seccomp)' \
                "$T/b-json/config.json" >"$T/b-annot/config.json"
        INPUTS=1
}

# The blob crun itself builds from the bundle: `crun create` leaves it in its state directory
# as seccomp.bpf until the container is deleted.
ensure_crun_blob() {
        [ -s "$T/crun.bpf" ] && return 0
        ensure_inputs
        # shellcheck disable=SC2016 # expanded by that sh
        in_ns sh -c '"$1" --root "$2" --cgroup-manager=disabled create -b "$3" bench-capture \
                        </dev/null >/dev/null 2>&1 &&
                cp "$2/bench-capture/seccomp.bpf" "$4"
                r=$?
                "$1" --root "$2" delete -f bench-capture >/dev/null 2>&1
                exit $r' sh "$CRUN" "$T/state" "$T/b-json" "$T/crun.bpf" ||
                fail "cannot capture crun's blob (crun create)"
}
