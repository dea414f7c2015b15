#!/usr/bin/env bash
# PROTOTYPE (issue 13 part 3, reverted): seccompd started once per SECCOMPD_HTTP_MODE (see
# server_new() in this commit), bench-fetch at 1, 2, 8, 32 clients, the modes interleaved.
# Expects a release build in /tmp/br-fetch and bench-fetch in /tmp/fetch-proto (see BENCHMARKS.md §2).
# usage: run.sh ROUNDS SECS MODE... ; prints one line per run
set -u
P=/tmp/fetch-proto; B=/tmp/br-fetch
ROUNDS=$1 SECS=$2; shift 2
MODES=("$@")
rm -rf $P/profiles; cp -r /work/wt-fetch/profiles $P/profiles
declare -A PID
for m in "${MODES[@]}"; do
  rm -rf $P/$m.cache $P/$m.ready $P/$m.sock
  SECCOMPD_HTTP_MODE=$m $B/seccompd --foreground --socket $P/$m.sock --ready-file $P/$m.ready \
     --log-level warning --root runtime=$P/profiles --cache-dir $P/$m.cache >$P/$m.log 2>&1 &
  PID[$m]=$!
done
for m in "${MODES[@]}"; do while [ ! -e $P/$m.ready ]; do sleep 0.05; done; done
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) * 1000 / hz }' /proc/$1/stat; }
echo "# start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
nm=${#MODES[@]}
for r in $(seq $ROUNDS); do
  for n in 1 2 8 32; do
    for i in $(seq 0 $((nm-1))); do
      m=${MODES[$(((i + r + n) % nm))]}
      c0=$(cpu ${PID[$m]})
      l=$($P/bench-fetch daemon $P/$m.sock runtime/default $n $SECS)
      c1=$(cpu ${PID[$m]})
      ops=$(echo "$l" | sed 's/.*ops=\([0-9]*\).*/\1/')
      echo "mode=$m r=$r n=$n $l dcpu_us=$(awk -v a=$c0 -v b=$c1 -v n=$ops 'BEGIN{printf "%.2f",(b-a)*1000/n}')"
    done
  done
done
echo "# end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
for m in "${MODES[@]}"; do kill ${PID[$m]}; done; wait
