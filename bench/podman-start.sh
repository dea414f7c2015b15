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
[ "$(id -u)" = 0 ] || skip "run me as root (rootful Podman)"
command -v podman >/dev/null || skip "podman is not installed"
command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ] || skip "conmon is not installed"
need_crun_busybox unshare mount umount tar jq curl python3

if [ -z "${SECCOMPD_BENCH_PODMAN_NS:-}" ]; then
        SECCOMPD_BENCH_PODMAN_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
fi

T=$(mktemp -d)
SOCK=$T/seccompd.sock
IMG=localhost/seccompd-bench-busybox:$$
export CONTAINERS_STORAGE_CONF=$T/storage.conf TMPDIR=$T/vartmp
export CONTAINERS_CONF=$T/containers.conf
P() {
        podman --tmpdir "$T/libpod" --network-config-dir "$T/cni" --events-backend none "$@"
}
O=(--rm --network none --cgroups disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
        --log-driver none)
cleanup() {
        local pid m
        P rm -a -f -t 0 >/dev/null 2>&1
        P rmi -a -f >/dev/null 2>&1
        stop_daemon
        for pid in $(grep -lF "$T" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
                [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && kill -9 "$pid" 2>/dev/null
        done
        for m in $(findmnt -rn -o TARGET | grep -F "$T/" | sort -r); do umount -l "$m"; done
        umount /etc/seccompd /etc /var/lib /run/crun 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

umount /sys/fs/cgroup/unified 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || { echo "FAIL: tmpfs on /dev/shm"; exit 1; }
shadow() {
        local d=$T/shadow/${1//\//_}
        mkdir -p "$d/up" "$d/work" &&
                mount -t overlay overlay -o "lowerdir=$1,upperdir=$d/up,workdir=$d/work" "$1"
}
shadow /etc && shadow /var/lib || { echo "FAIL: cannot overlay /etc and /var/lib"; exit 1; }
mkdir -p /run/crun && mount -t tmpfs -o mode=700 tmpfs /run/crun ||
        { echo "FAIL: tmpfs on /run/crun"; exit 1; }
mkdir -p /etc/seccompd && mount -t tmpfs -o mode=755 tmpfs /etc/seccompd ||
        { echo "FAIL: tmpfs on /etc/seccompd"; exit 1; }
mkdir -p "$T/profiles" "$T/cache" "$T/vartmp" "$T/libpod" "$T/cni"
printf '[storage]\ndriver = "vfs"\nrunroot = "%s/runroot"\ngraphroot = "%s/graph"\n' "$T" "$T" \
        >"$T/storage.conf"
sed "s|\"/usr/local/bin/seccompd-oci\"|\"$OCI\"|" "$SRC/deploy/podman/containers.conf" \
        >"$T/containers.conf"
sed -e "s|^runtime = .*|runtime = $CRUN|" -e "s|^socket = .*|socket = $SOCK|" \
        "$SRC/deploy/podman/seccompd-oci.conf" >/etc/seccompd/seccompd-oci.conf
make_rootfs && tar -C "$T/rootfs" -cf "$T/busybox.tar" . || { echo "FAIL: rootfs"; exit 1; }
run_to import P import "$T/busybox.tar" "$IMG"
[ "$rc" = 0 ] || { echo "FAIL: podman import"; show import; exit 1; }
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
