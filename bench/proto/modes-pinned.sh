#!/usr/bin/env bash
# PROTOTYPE (issue 13 part 3, reverted): the same, one client, client and daemon on CPU 0.
# usage: pinned.sh ROUNDS SECS MODE... : 1 client, client and daemon on CPU 0
set -u
P=/tmp/fetch-proto; B=/tmp/br-fetch
ROUNDS=$1 SECS=$2; shift 2
MODES=("$@")
declare -A PID
for m in "${MODES[@]}"; do
  rm -rf $P/p-$m.*
  SECCOMPD_HTTP_MODE=$m taskset -c 0 $B/seccompd --foreground --socket $P/p-$m.sock --ready-file $P/p-$m.ready \
     --log-level warning --root runtime=$P/profiles --cache-dir $P/p-$m.cache >$P/p-$m.log 2>&1 &
  PID[$m]=$!
done
for m in "${MODES[@]}"; do while [ ! -e $P/p-$m.ready ]; do sleep 0.05; done; done
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) * 1000 / hz }' /proc/$1/stat; }
echo "# start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
nm=${#MODES[@]}
for r in $(seq $ROUNDS); do
    for i in $(seq 0 $((nm-1))); do
      m=${MODES[$(((i + r) % nm))]}
      c0=$(cpu ${PID[$m]})
      l=$(taskset -c 0 $P/bench-fetch daemon $P/p-$m.sock runtime/default 1 $SECS)
      c1=$(cpu ${PID[$m]})
      ops=$(echo "$l" | sed 's/.*ops=\([0-9]*\).*/\1/')
      echo "mode=$m r=$r n=pinned $l dcpu_us=$(awk -v a=$c0 -v b=$c1 -v n=$ops 'BEGIN{printf "%.2f",(b-a)*1000/n}')"
    done
done
echo "# end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
for m in "${MODES[@]}"; do kill ${PID[$m]}; done; wait
