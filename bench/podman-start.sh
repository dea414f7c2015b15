#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Container start under real Podman (issue 13): `podman run --rm` of a busybox image whose
# process is `true`, with Docker's default profile (profiles/default.json), three variants
# interleaved round by round, N rounds (default 20) after 2 warm-up rounds:
#   crun      --runtime crun: crun compiles the profile Podman put in the bundle
#   oci       --runtime seccompd (deploy/podman/containers.conf): seccompd-oci, seccompd up
#   none      --runtime crun, --security-opt seccomp=unconfined: no filter at all
# Podman writes a new bundle for every container, so no variant can be "crun with the blob
# already in the bundle" (bench/run.sh start's (d)); (none) bounds it from below. Prints the
# median, p10 and p90 of each in ms and the ratios of the medians. The setup is
# tests/e2e/test-podman.sh's: a private mount namespace, Podman's state in a temp dir, vfs
# storage, --cgroups disabled and explicit ulimits (the quirks of this host, described there).
#   sudo bench/podman-start.sh SECCOMPD SECCOMPCTL SECCOMPD-OCI [N]
set -u
SRC_DIR=$(realpath "$(dirname "$0")/..")
. "$SRC_DIR/tests/e2e/lib.sh"
e2e_args "$1" "$2" "$3" "$SRC_DIR"
ROUNDS=${4:-20}
. "$SRC_DIR/tests/e2e/podman-lib.sh"
need_crun_busybox unshare mount umount tar jq curl python3
podman_enter SECCOMPD_BENCH_PODMAN_NS "$@"

T=$(mktemp -d)
SOCK=$T/seccompd.sock
IMG=localhost/seccompd-bench-busybox:$$
O=(--rm --network none --cgroups disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
        --log-driver none)
trap podman_cleanup EXIT
podman_setup
start_daemon || { echo "FAIL: seccompd not ready"; tail -20 "$T/daemon.log"; exit 1; }

PROFILE=$SRC/profiles/default.json
variant() { # NAME ID: one start
        case $1 in
        crun) P run "${O[@]}" --name "$2" --runtime crun --security-opt "seccomp=$PROFILE" "$IMG" true ;;
        oci) P run "${O[@]}" --name "$2" --runtime seccompd --security-opt "seccomp=$PROFILE" "$IMG" true ;;
        none) P run "${O[@]}" --name "$2" --runtime crun --security-opt seccomp=unconfined "$IMG" true ;;
        esac
}
compiles() {
        api /metrics | sed -n 's/^seccompd_requests_total{route="compile",code="200"} //p'
}
VARIANTS=(crun oci none)
c0=$(compiles)
for round in $(seq -2 "$ROUNDS"); do
        for k in 0 1 2; do
                v=${VARIANTS[$(((round + 3 + k) % 3))]}
                t0=$(date +%s%N)
                variant "$v" "b-$v-$((round + 2))" >"$T/run.out" 2>&1 ||
                        { echo "FAIL: $v"; cat "$T/run.out"; exit 1; }
                t1=$(date +%s%N)
                [ "$round" -gt 0 ] && echo "$v $((t1 - t0))" >>"$T/times"
        done
done
echo "# seccompd answered $(($(compiles) - c0)) POST /v1/compile for $((ROUNDS + 2)) oci starts"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$T/times" <<'PY'
import statistics as st, sys
d = {}
for l in open(sys.argv[1]):
    v, t = l.split()
    d.setdefault(v, []).append(int(t) / 1e6)
m = {}
for v in ("crun", "oci", "none"):
    x = sorted(d[v])
    m[v] = st.median(x)
    print("%-5s n=%d median %.1f ms p10 %.1f p90 %.1f" % (v, len(x), m[v], x[len(x) // 10],
                                                         x[len(x) * 9 // 10]))
print("oci/crun = %.3f, none/crun = %.3f, oci/none = %.3f, oci - none = %.1f ms"
      % (m["oci"] / m["crun"], m["none"] / m["crun"], m["oci"] / m["none"], m["oci"] - m["none"]))
PY
