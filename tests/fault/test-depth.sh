#!/usr/bin/env bash
# Issue 10, defect 6: one depth limit for watching and scanning. Profiles 10, 20, 64 and 70
# directories below a recursive root, created while the daemon watches it: the first three
# are served, the last (past the default --max-depth, 64) is reported (a log line and
# /v1/status .roots[].too_deep), never silently dropped. A restart, which finds everything
# by scanning, gives the same list and node digest, and the good profiles byte for byte.
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
T=$(mktemp -d /tmp/seccompd-depth.XXXXXX)
. "$(dirname "$0")/lib-bounds.sh"
need_root_tools

mkdir -p "$T/root" "$T/cache"
deep_dir() { # levels -> path below the root
        local p="" i
        for ((i = 1; i <= $1; i++)); do p="$p/d$i"; done
        echo "${p#/}"
}
D10=$(deep_dir 10) D20=$(deep_dir 20) D64=$(deep_dir 64) D70=$(deep_dir 70)
profiles() { api /v1/profiles | jq -c '[.profiles[] | {name, state, digest}]'; }
node_digest() { api /v1/status | jq -r .node_digest; }
too_deep() { api /v1/status | jq -c '[.roots[] | select(.name == "r") | .too_deep // empty | .[]]'; }

"$CTL" -q compile "$SRC/profiles/default.json" -o "$T/local.bpf"
start_daemon --root "r=$T/root:docker:recursive"

# --- created while watched -----------------------------------------------------------------
mkdir -p "$T/root/$D70" # one mkdir -p makes the whole chain: d1 appears, then the rest
for d in "$D10" "$D20" "$D64" "$D70"; do cp "$SRC/profiles/default.json" "$T/root/$d/p.json"; done
check "depth 10 valid while watched" until_true 20 state_is "r/$D10/p.json" valid
check "depth 20 valid while watched" until_true 20 state_is "r/$D20/p.json" valid
check "depth 64 (the limit) valid while watched" until_true 20 state_is "r/$D64/p.json" valid
check "depth 70 not served" [ "$(state_of "r/$D70/p.json")" = absent ]
check "depth 70 reported in /v1/status" \
        until_true 10 eval '[ "$(too_deep)" = "[\"$(deep_dir 65)\"]" ]'
grep -q "d65.*max-depth\|max-depth.*d65" "$T/log" || ko "depth 70 reported in the log"
watched_list=$(profiles) watched_digest=$(node_digest)
echo "watched: $watched_list"
check "three profiles listed while watched" [ "$(echo "$watched_list" | jq length)" = 3 ]

# --- restart: the scan finds the same ------------------------------------------------------
stop_daemon || ko "daemon stops cleanly"
start_daemon --root "r=$T/root:docker:recursive"
scanned_list=$(profiles) scanned_digest=$(node_digest)
echo "scanned: $scanned_list"
check "same list after a restart" [ "$scanned_list" = "$watched_list" ]
check "same node digest after a restart" [ "$scanned_digest" = "$watched_digest" ]
check "depth 70 reported after a restart" [ "$(too_deep)" = "[\"$(deep_dir 65)\"]" ]

# --- the good profiles byte for byte -------------------------------------------------------
for d in "$D10" "$D20" "$D64"; do
        api "/v1/bpf/r/$d/p.json" -o "$T/served.bpf"
        check "depth $(( $(echo "$d" | tr -cd / | wc -c) + 1 )) byte for byte" cmp -s "$T/served.bpf" "$T/local.bpf"
done
check "daemon stops cleanly" stop_daemon
finish
