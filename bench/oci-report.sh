#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What reporting the container costs `create`: seccompd-oci create --pid-file of a bundle with
# Docker's profile, one wrapper against another (e.g. one built before the report and the
# current one, which runs crun as a child and reports after it), interleaved, N times each
# (default 60). Prints the median, mean, p10 and p90 of each in ms. Root, crun, busybox-static.
# With RUNTIME=/bin/true the wrapper alone is timed (crun replaced, its pid file written
# beforehand), which the noise of crun's own start hides on a loaded machine.
#   bench/oci-report.sh SECCOMPD SECCOMPCTL OCI-A OCI-B
set -u
. "$(dirname "$0")/../tests/e2e/lib.sh"
DAEMON=$(realpath "$1") CTL=$(realpath "$2") A=$(realpath "$3") B=$(realpath "$4")
SRC=$(realpath "$(dirname "$0")/..")
need_crun_busybox unshare jq curl
T=$(mktemp -d)
SOCK=$T/s
trap 'stop_daemon; rm -rf "$T"' EXIT
mkdir -p "$T/profiles" "$T/cache"
: >"$T/oci.conf"
make_rootfs
"$CTL" export "$SRC/profiles/default.json" --format oci >"$T/docker.json" 2>/dev/null
start_daemon || exit 1
make_bundle "$T/b" "$T/docker.json" true
if [ -n "${RUNTIME:-}" ]; then
        echo $$ >"$T/pid"
        wrap() { SECCOMPD_OCI_RUNTIME=$RUNTIME SECCOMPD_SOCKET=$SOCK SECCOMPD_OCI_CONFIG=$T/oci.conf "$@"; }
        for v in A B A B; do
                OCI=${!v}
                t0=$(date +%s%N)
                for i in $(seq "${N:-200}"); do
                        wrap "$OCI" create --pid-file "$T/pid" -b "$T/b" "bench-$i" >/dev/null 2>&1
                done
                t1=$(date +%s%N)
                echo "$v $(((t1 - t0) / ${N:-200} / 1000)) us per create (runtime $RUNTIME)"
        done
        exit 0
fi
for i in $(seq "${N:-60}"); do
        for v in A B; do
                OCI=${!v}
                t0=$(date +%s%N)
                oci create --pid-file "$T/pid" -b "$T/b" "bench-$v-$i" >/dev/null 2>&1
                t1=$(date +%s%N)
                echo "$v $(((t1 - t0) / 1000))" >>"$T/times"
                crun_plain delete -f "bench-$v-$i" >/dev/null 2>&1
        done
done
python3 - "$T/times" <<'PY'
import statistics as st, sys
d = {}
for l in open(sys.argv[1]):
    v, t = l.split()
    d.setdefault(v, []).append(int(t) / 1000)
for v, x in sorted(d.items()):
    x.sort()
    print("%s n=%d median %.2f ms mean %.2f ms p10 %.2f p90 %.2f"
          % (v, len(x), st.median(x), st.mean(x), x[len(x) // 10], x[len(x) * 9 // 10]))
PY
