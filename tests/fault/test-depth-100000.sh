#!/usr/bin/env bash
# issue 10, faults that held: a directory chain 100,000 deep in a watched recursive root (far
# beyond PATH_MAX: made with mkdirat/openat by mkchain.py), created while the daemon watches
# (and serves: the good profile is fetched all along), present at a start, then removed while
# it runs. The daemon stays within --max-depth (64): it watches at most 64 levels of the
# chain, serves the profiles at depths 1, 10 and 64 byte for byte and never the ones at 65
# and 100,000, reports the first level past the limit in /v1/status (.roots[].too_deep) and
# the log, and its CPU time and RSS stay bounded (printed, and checked against generous
# bounds). A restart gives the same list and node digest; once the chain is removed its
# profiles are missing, the report is empty and the node digest is that of a clean start.
. "$(dirname "$0")/lib.sh"
need_root "a root-owned daemon and deep trees"
need_cmd python3
D=$(dirname "$0")
N=100000

mkdir -p "$T/deep"
cp "$SRC/profiles/default.json" "$T/deep/top.json"
ARGS=(--root "deep=$T/deep:docker:recursive" --workers 2)
chain() { # levels: d/d/.../d
        local p="" i
        for ((i = 0; i < $1; i++)); do p="${p}d/"; done
        echo "${p%/}"
}
C1=$(chain 1) C10=$(chain 10) C64=$(chain 64) C65=$(chain 65)
names() { api /v1/profiles | jq -c '[.profiles[] | select(.root == "deep" and .state != "missing") | .path] | sort'; }
digest() { api /v1/status | jq -r .node_digest; }
too_deep() { api /v1/status | jq -c '[.roots[] | select(.name == "deep") | .too_deep // empty | .[]]'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status"; }
watches() { # inotify watches the daemon holds
        local fd n=0
        for fd in /proc/"$PID"/fd/*; do
                [ "$(readlink "$fd")" = "anon_inode:inotify" ] || continue
                n=$((n + $(grep -c '^inotify wd:' "/proc/$PID/fdinfo/${fd##*/}")))
        done
        echo "$n"
}
TCK=$(getconf CLK_TCK)
ms() { echo $(($1 * 1000 / TCK)); }
want_names=$(jq -cn --arg a "$C1/p.json" --arg b "$C10/p.json" --arg c "$C64/p.json" \
        '[$a, $b, $c, "top.json"] | sort')
chain_served() { # what
        local c
        for c in "$C1" "$C10" "$C64"; do
                rm -f "$T/served.bpf"
                api "/v1/bpf/deep/$c/p.json" -o "$T/served.bpf"
                check "$1: depth $(($(tr -cd / <<<"$c" | wc -c) + 1)) byte for byte" \
                        cmp -s "$T/served.bpf" "$T/ref/default.json.bpf"
        done
        check "$1: depth 65 not served (got $(status_of "/v1/bpf/deep/$C65/p.json"))" \
                [ "$(status_of "/v1/bpf/deep/$C65/p.json")" = 404 ]
}
bounded() { # what cpu-ms-max peak-rss-kb-max: CPU since the last mark, the peak RSS ever
        local cpu=$(($(cpu_ticks) - cpu0)) rss=$(rss_kb) hwm=$(hwm_kb) w=$(watches)
        echo "$1: $(ms $cpu) ms of CPU, RSS $rss kB (at the mark $rss0 kB, peak $hwm kB), $w inotify watches"
        check "$1: CPU $(ms $cpu) ms <= $2 ms" [ "$(ms $cpu)" -le "$2" ]
        # Under a sanitizer, shadow memory and ASan's quarantine make RSS say nothing.
        if grep -qaE '__(a|t)san_init' "$SECCOMPD"; then
                echo "$1: RSS not checked: the daemon is built with a sanitizer"
        else
                check "$1: peak RSS $hwm kB <= $3 kB" [ "$hwm" -le "$3" ]
        fi
        # the good root, the deep root and at most 64 levels of the chain
        check "$1: at most 64 levels of the chain watched ($w watches)" [ "$w" -le 66 ]
}
mark() { cpu0=$(cpu_ticks) rss0=$(rss_kb); }
P=$SRC/profiles/default.json

# --- made while watched --------------------------------------------------------------------
start "${ARGS[@]}"
mark
python3 "$D/mkchain.py" "$T/deep" $N 1:"$P" 10:"$P" 64:"$P" 65:"$P" $N:"$P" >"$T/made" &
maker=$!
fetches=0 wrong=0 # the good profiles are served all along
while kill -0 "$maker" 2>/dev/null; do
        rm -f "$T/during.bpf"
        api /v1/bpf/good/default.json -o "$T/during.bpf"
        cmp -s "$T/during.bpf" "$T/ref/default.json.bpf" || wrong=$((wrong + 1))
        fetches=$((fetches + 1))
done
wait "$maker" || ko "mkchain.py"
echo "a chain $N deep made in $(cat "$T/made") s while watched; $fetches fetches meanwhile, $wrong wrong"
check "watched: every fetch during the making byte for byte ($wrong of $fetches wrong)" \
        [ "$wrong" = 0 -a "$fetches" -gt 0 ]
check "watched: the three profiles within the limit listed" until_true 30 eval '[ "$(names)" = "$want_names" ]'
check "watched: level 65 reported in /v1/status ($(too_deep | head -c 80)...)" \
        until_true 10 eval '[ "$(too_deep)" = "[\"$C65\"]" ]'
check "watched: level 65 reported in the log" grep -q "Not scanning nor watching '$T/deep/$C65'" "$T/log"
check "watched: ready" ready
chain_served watched
good_served
bounded "watched" 5000 32768
watched_names=$(names) watched_digest=$(digest)

# --- present at a start --------------------------------------------------------------------
stop || ko "the daemon stops cleanly"
s0=$SECONDS
start "${ARGS[@]}"
echo "a start over the chain: ready in $((SECONDS - s0)) s"
cpu0=0 rss0=0 # CPU since the process started
check "restart: the same list" [ "$(names)" = "$watched_names" ]
check "restart: the same node digest" [ "$(digest)" = "$watched_digest" ]
check "restart: level 65 reported" [ "$(too_deep)" = "[\"$C65\"]" ]
chain_served restart
good_served
bounded "start over the chain" 5000 32768

# --- removed while watched -----------------------------------------------------------------
mark
s0=$SECONDS
rm -rf "$T/deep/d" || ko "rm -rf the chain"
echo "the chain removed in $((SECONDS - s0)) s"
check "removed: only top.json left" until_true 30 eval '[ "$(names)" = "[\"top.json\"]" ]'
for c in "$C1" "$C10" "$C64"; do
        check "removed: deep/$c/p.json missing" [ "$(api "/v1/profiles/deep/$c/p.json" | jq -r .state)" = missing ]
done
check "removed: nothing reported too deep (got $(too_deep | head -c 80))" \
        until_true 10 eval '[ "$(too_deep)" = "[]" ]'
good_served
bounded "removal" 5000 32768
removed_digest=$(digest)
stop || ko "the daemon stops cleanly"
start "${ARGS[@]}"
check "removed: the node digest of a clean start" [ "$(digest)" = "$removed_digest" ]
good_served
finish
