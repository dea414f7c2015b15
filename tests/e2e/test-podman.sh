#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end under Podman: real rootful Podman 4.3 with conmon, seccompd-oci in front of crun,
# registered with deploy/podman/containers.conf (only the binary's path substituted) and
# configured by deploy/podman/seccompd-oci.conf at its real path, /etc/seccompd/seccompd-oci.conf
# (conmon gives the runtime a fresh environment: no SECCOMPD_* variable reaches it).
# What a container gets is read inside it (/proc/self/status, the errno a denied call got as
# busybox prints it, an allowed call working); that seccompd served the blob is read from its
# /metrics and from the derived config the wrapper left in Podman's bundle.
#   test-podman.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI SOURCE-DIR
# Runs as root; skips (77) without root, podman, conmon, crun or busybox-static.
# KEEP_TMP=1 keeps the temp dir.
set -u
. "$(dirname "$0")/lib.sh"
e2e_args "$@"
. "$(dirname "$0")/podman-lib.sh"
need_crun_busybox unshare mount umount tar jq curl base64
podman_enter SECCOMPD_E2E_PODMAN_NS "$@"

T=$(mktemp -d)
SOCK=$T/seccompd.sock
IMG=localhost/seccompd-e2e-busybox:$$
N=seccompd-e2e-$$ # container name prefix
# Per container:
# - Quirk (cgroup v1 hybrid): no cgroup manager, as test-crun.sh runs crun here. With
#   --cgroups=disabled Podman hands crun --cgroup-manager=disabled and creates no cgroup; with
#   its default (systemd) it would make a transient scope and cgroups on the host for each
#   container. Podman accepts the option only for a runtime in runtime_supports_nocgroup,
#   which the shipped containers.conf sets.
# - Quirk: root lacks CAP_SYS_RESOURCE here, and Podman raises RLIMIT_NOFILE/NPROC to its
#   defaults, which crun then fails to set ("setrlimit `RLIMIT_NOFILE`: Operation not
#   permitted"): explicit limits below the hard ones.
# - No network: none here, and a bridge would touch the host's links and iptables.
# - k8s-file logs: `podman logs` without depending on a journal.
O=(--network none --cgroups disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
        --log-driver k8s-file)

trap podman_cleanup EXIT

podman_setup
check "containers.conf: the runtime's path substituted" grep -qF "seccompd = [\"$OCI\"]" \
        "$T/containers.conf"
check "seccompd-oci.conf: crun's path and the socket substituted" \
        [ "$(grep -c "^runtime = $CRUN\$\|^socket = $SOCK\$" /etc/seccompd/seccompd-oci.conf)" = 2 ]

# The profiles: (a) mkdir denied with EOPNOTSUPP (95), all else allowed; (b) Docker's
# default, the repository's profiles/default.json: unshare(CLONE_NEWUSER) denied with EPERM
# without CAP_SYS_ADMIN (Podman's own seccomp.json allows unshare, so it cannot stand in).
cat >"$T/custom.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95 }
  ]
}
EOF
profile_custom=$T/custom.json
profile_docker=$SRC/profiles/default.json

# The probe: the seccomp mode, unshare of a user namespace, mkdir, and a write and read back.
PROBE='exec 2>&1; grep "^Seccomp:" /proc/self/status;
if unshare -U true; then echo unshare=allowed; else echo unshare=denied; fi;
if mkdir /tmp/x; then echo mkdir=ok; else echo mkdir=denied; fi;
rmdir /tmp/x 2>/dev/null; echo written >/tmp/f && cat /tmp/f'
SECCOMP_2=$(printf 'Seccomp:\t2')
verdicts_custom() { # NAME: the probe's output under the custom profile
        has_line "$1" "$SECCOMP_2" && has_line "$1" mkdir=denied &&
                out_has "$1" "mkdir: can't create directory '/tmp/x': Operation not supported" &&
                has_line "$1" unshare=allowed && has_line "$1" written
}
verdicts_docker() { # NAME: the probe's output under Docker's default
        has_line "$1" "$SECCOMP_2" && has_line "$1" unshare=denied &&
                out_has "$1" "unshare: unshare(0x10000000): Operation not permitted" &&
                has_line "$1" mkdir=ok && has_line "$1" written
}

# compiled: how many compiles seccompd has served (POST /v1/compile answered 200).
compiled() {
        local n
        n=$(api /metrics | sed -n 's/^seccompd_requests_total{route="compile",code="200"} //p')
        echo "${n:-0}"
}
grew_by() { [ "$(compiled)" = $(($1 + $2)) ]; } # BEFORE N
inspect() { P inspect -f "{{$2}}" "$1" 2>/dev/null; } # NAME FIELD
bundle_of() { dirname "$(inspect "$1" .OCIConfigPath)"; }
# conmon's --log file for the runtime (crun's format, JSON): where seccompd-oci's warnings go.
oci_log_of() { echo "$(dirname "$(inspect "$1" .ConmonPidFile)")/oci-log"; }
state_is() { [ "$(inspect "$1" .State.Status)" = "$2" ]; } # NAME STATUS
# served BUNDLE CASE: the wrapper gave crun seccompd's blob for the bundle's linux.seccomp: the
# derived config has it as the annotation, and it is what seccompctl compiles from the section.
served() {
        local b=$1 c=$2
        [ -f "$(derived "$b")" ] &&
                jq_holds '.linux | has("seccomp")' "$b/config.json" &&
                jq '.linux.seccomp' "$b/config.json" >"$T/$c.section.json" &&
                "$CTL" -q compile "$T/$c.section.json" -o "$T/$c.local.bpf" &&
                annotation_of "$b" >"$T/$c.annotation.bpf" &&
                [ -s "$T/$c.annotation.bpf" ] && cmp -s "$T/$c.annotation.bpf" "$T/$c.local.bpf"
}
FALLBACK="seccompd-oci: falling back to crun's own seccomp compile: cannot reach seccompd at '$SOCK'"
fell_back() { # CONTAINER: no derived config, and conmon's log file says why
        [ ! -e "$(derived "$(bundle_of "$1")")" ] &&
                jq_holds --arg m "$FALLBACK" \
                        'select(.level == "warning" and (.msg | startswith($m)))' "$(oci_log_of "$1")"
}
gone() { [ ! -e "$1" ] && [ -n "$2" ] && [ ! -e "/run/crun/$2" ]; } # BUNDLE ID
probe_done() { # CONTAINER NAME: the container's log holds the probe's whole output
        P logs "$1" >"$T/$2.out" 2>"$T/$2.err" && has_line "$2" written
}

# Preflight: plain crun under this Podman runs a container at all.
run_to pre P run --runtime crun --name "$N-pre" "${O[@]}" "$IMG" true
[ "$rc" = 0 ] || { echo "FAIL: podman cannot run a container with plain crun"; show pre; exit 1; }

start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }

# --- the default runtime stays crun; crun keeps its nocgroup support ----------------------
before=$(compiled)
run_to default P run --name "$N-default" "${O[@]}" --security-opt "seccomp=$profile_docker" \
        "$IMG" sh -c "$PROBE"
check "shipped conf: the default runtime is still crun, and runs with --cgroups=disabled" \
        [ "$rc/$(inspect "$N-default" .OCIRuntime)" = 0/crun ] || show default
check "shipped conf: without --runtime, nothing asked of seccompd" grew_by "$before" 0
check "shipped conf: crun's own filter (same verdicts)" verdicts_docker default || show default

# --- run, create + start, exec, stop, rm: daemon up, then down ----------------------------
lifecycle() { # up|down custom|docker
        local m=$1 p=$2 prof c name b before
        prof=profile_$p
        prof=${!prof}
        c=$m-$p
        before=$(compiled)

        # podman run
        name=$N-$c-run
        run_to "$c-run" P --runtime seccompd run --name "$name" "${O[@]}" \
                --security-opt "seccomp=$prof" "$IMG" sh -c "$PROBE"
        check "$c: run exits 0, runtime seccompd" \
                [ "$rc/$(inspect "$name" .OCIRuntime)" = 0/seccompd ] || show "$c-run"
        check "$c: run: Seccomp 2, denied call's errno, allowed calls" "verdicts_$p" "$c-run" ||
                show "$c-run"
        b=$(bundle_of "$name")
        if [ "$m" = up ]; then
                check "$c: run: seccompd compiled it (metrics +1)" grew_by "$before" 1
                check "$c: run: crun got seccompd's blob (derived config, = seccompctl compile)" \
                        served "$b" "$c-run"
        else
                check "$c: run: fallback, and why, in conmon's oci-log" fell_back "$name"
                FELL+=("$(inspect "$name" .Id)")
        fi
        run_to "$c-rmrun" P rm "$name"

        # podman create + start
        name=$N-$c-life
        before=$(compiled)
        run_to "$c-create" P --runtime seccompd create --name "$name" "${O[@]}" \
                --security-opt "seccomp=$prof" "$IMG" sh -c "$PROBE; exec sleep 600"
        check "$c: create exits 0" [ "$rc" = 0 ] || show "$c-create"
        check "$c: create: state created" state_is "$name" created
        run_to "$c-start" P start "$name"
        check "$c: start exits 0" [ "$rc" = 0 ] || show "$c-start"
        check "$c: start: running" until_true 20 state_is "$name" running
        check "$c: start: Seccomp 2, denied call's errno, allowed calls (podman logs)" \
                until_true 20 probe_done "$name" "$c-start-logs"
        check "$c: start: verdicts" "verdicts_$p" "$c-start-logs" || show "$c-start-logs"
        b=$(bundle_of "$name")
        if [ "$m" = up ]; then
                check "$c: start: seccompd compiled it (metrics +1)" grew_by "$before" 1
                check "$c: start: crun got seccompd's blob" served "$b" "$c-start"
        else
                check "$c: start: fallback, and why, in conmon's oci-log" fell_back "$name"
                FELL+=("$(inspect "$name" .Id)")
        fi

        # podman exec: crun exec reads the container's stored config, which holds the blob.
        before=$(compiled)
        run_to "$c-exec" P exec "$name" sh -c "$PROBE"
        check "$c: exec exits 0" [ "$rc" = 0 ] || show "$c-exec"
        check "$c: exec: the exec'd process has the same filter" "verdicts_$p" "$c-exec" ||
                show "$c-exec"
        [ "$m" = up ] && check "$c: exec: no new compile (crun reuses the container's)" \
                grew_by "$before" 0

        # podman stop: sleep is PID 1 and ignores SIGTERM, so -t 0 (SIGKILL at once).
        run_to "$c-stop" P stop -t 0 "$name"
        check "$c: stop exits 0" [ "$rc" = 0 ] || show "$c-stop"
        check "$c: stop: exited" until_true 20 state_is "$name" exited

        # podman rm
        local id
        id=$(inspect "$name" .Id)
        run_to "$c-rm" P rm "$name"
        check "$c: rm exits 0" [ "$rc" = 0 ] || show "$c-rm"
        check "$c: rm: gone from Podman" not quiet P container exists "$name"
        check "$c: rm: bundle and crun state gone" gone "$b" "$id"
}

lifecycle up custom
lifecycle up docker

# --- installed as a drop-in, Podman's own profile, crun found without PATH ------------------
# The README's install: /etc/containers/containers.conf.d/50-seccompd.conf merged over
# Debian's /usr/share/containers/containers.conf (no CONTAINERS_CONF), and a
# seccompd-oci.conf without `runtime =`: conmon gives no PATH, so crun must be found in
# the wrapper's default search path. No --security-opt: Podman's default seccomp.json.
cp /etc/seccompd/seccompd-oci.conf "$T/oci.conf.full"
sed -i '/^runtime = /d' /etc/seccompd/seccompd-oci.conf
mkdir -p /etc/containers/containers.conf.d
cp "$T/containers.conf" /etc/containers/containers.conf.d/50-seccompd.conf
P_dropin() { (unset CONTAINERS_CONF && P "$@"); }
before=$(compiled)
run_to dropin P_dropin --runtime seccompd run --name "$N-dropin" "${O[@]}" "$IMG" sh -c "$PROBE"
check "drop-in: run exits 0, runtime seccompd" \
        [ "$rc/$(inspect "$N-dropin" .OCIRuntime)" = 0/seccompd ] || show dropin
check "drop-in: Podman's default profile: Seccomp 2, mkdir works" \
        eval 'has_line dropin "$SECCOMP_2" && has_line dropin mkdir=ok && has_line dropin written' ||
        show dropin
check "drop-in: seccompd compiled it (metrics +1)" grew_by "$before" 1
check "drop-in: crun got seccompd's blob for Podman's profile" \
        served "$(bundle_of "$N-dropin")" dropin
run_to dropin-rm P_dropin rm "$N-dropin"
rm /etc/containers/containers.conf.d/50-seccompd.conf
cp "$T/oci.conf.full" /etc/seccompd/seccompd-oci.conf

# --- runtime = "seccompd" uncommented: every container goes through the wrapper ----------
sed 's/^#runtime = "seccompd"$/runtime = "seccompd"/' "$T/containers.conf" >"$T/containers-default.conf"
check "containers.conf: the commented default line is there" \
        not cmp -s "$T/containers.conf" "$T/containers-default.conf"
before=$(compiled)
P_default() { (CONTAINERS_CONF=$T/containers-default.conf && P "$@"); }
run_to asdefault P_default run --name "$N-asdefault" \
        "${O[@]}" --security-opt "seccomp=$profile_custom" "$IMG" sh -c "$PROBE"
check "runtime = seccompd: run exits 0, runtime seccompd without --runtime" \
        [ "$rc/$(inspect "$N-asdefault" .OCIRuntime)" = 0/seccompd ] || show asdefault
check "runtime = seccompd: verdicts" verdicts_custom asdefault || show asdefault
check "runtime = seccompd: seccompd compiled it (metrics +1)" grew_by "$before" 1

# --- the daemon down: the same verdicts (crun compiles linux.seccomp itself) --------------
FELL=() # Podman's ids of the containers that fell back
stop_daemon
lifecycle down custom
lifecycle down docker

# --- what conmon hid reaches the operator: seccompd, started again, counts each fallback ---
# The wrapper left one record per fallback in the spool beside the socket ($T/fallbacks).
start_daemon || { echo "FAIL: seccompd not ready again"; tail -20 "$T/daemon.log"; exit 1; }
run_to status "$CTL" --socket "$SOCK" status
check "seccompctl status: ${#FELL[@]} fallbacks in the last hour" \
        out_has status "fallbacks:      ${#FELL[@]} in the last hour" || show status
for id in "${FELL[@]}"; do
        check "seccompctl status names container ${id:0:12} and why" \
                grep -qF "$id  cannot reach seccompd at '$SOCK'" "$T/status.out"
done
check "metrics: seccompd_oci_fallbacks_total ${#FELL[@]}" \
        [ "$(api /metrics | sed -n 's/^seccompd_oci_fallbacks_total //p')" = "${#FELL[@]}" ]

echo "$pass passed, $fail failed"
[ "$fail" = 0 ] || { echo "--- daemon log (tail)"; tail -20 "$T/daemon.log"; exit 1; }
