#!/usr/bin/env bash
# Issue 10, defect 7: a bind mount over a subdirectory of a watched root. inotify does not
# see mounts; the watcher follows /proc/self/mountinfo, re-walks the root and asks for its
# rescan: the mounted profiles become valid, what the mount hides goes missing, files
# written into the mounted directory later are seen (it is watched, not just scanned once),
# a reload re-watches too, and an unmount brings the hidden files back.
# The whole test, daemon included, runs in a private mount namespace (unshare -m).
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
if [ -z "${BOUNDS_UNSHARED:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: needs unshare"; exit 77; }
        unshare -m --propagation private true 2>/dev/null ||
                { echo "SKIP: cannot create a mount namespace"; exit 77; }
        BOUNDS_UNSHARED=1 exec unshare -m --propagation private "$0" "$@"
fi
T=$(mktemp -d /tmp/seccompd-bindmount.XXXXXX)
. "$(dirname "$0")/lib-bounds.sh"
need_root_tools mount umount
umount_sub() { mountpoint -q "$T/root/sub" && umount "$T/root/sub"; true; }
trap 'umount_sub; cleanup' EXIT

DEADLINE=10 # seconds from a mount change to the profiles' new state
mkdir -p "$T/root/sub" "$T/other" "$T/cache"
cp "$SRC/profiles/default.json" "$T/root/good.json"
cp "$SRC/profiles/default.json" "$T/root/sub/hidden.json" # under the mount point
cp "$SRC/profiles/default.json" "$T/other/bound.json"
"$CTL" -q compile "$SRC/profiles/default.json" -o "$T/local.bpf"
start_daemon --root "r=$T/root:docker:recursive"
check "good valid" state_is r/good.json valid
check "hidden valid before the mount" state_is r/sub/hidden.json valid

# --- mount over the subdirectory --------------------------------------------------------
mount --bind "$T/other" "$T/root/sub"
t0=$SECONDS
check "mounted profile valid within ${DEADLINE}s" until_true $DEADLINE state_is r/sub/bound.json valid
check "profile under the mount point missing" until_true $DEADLINE state_is r/sub/hidden.json missing
echo "mount noticed in $((SECONDS - t0)) s"
cp "$SRC/profiles/default.json" "$T/root/sub/later.json"
check "file written into the mount later: valid (the mount is watched)" \
        until_true $DEADLINE state_is r/sub/later.json valid
api /v1/bpf/r/sub/bound.json -o "$T/bound.bpf"
check "mounted profile byte for byte" cmp -s "$T/bound.bpf" "$T/local.bpf"

# --- a reload re-walks and re-watches ---------------------------------------------------
check "reload accepted" [ "$(status_of /v1/reload -X POST)" = 202 ]
until_true 5 ready
cp "$SRC/profiles/default.json" "$T/root/sub/after-reload.json"
check "file written after a reload: valid" \
        until_true $DEADLINE state_is r/sub/after-reload.json valid

# --- unmount --------------------------------------------------------------------------------
umount "$T/root/sub"
check "unmounted profile missing within ${DEADLINE}s" \
        until_true $DEADLINE state_is r/sub/bound.json missing
check "later files missing too" until_true $DEADLINE state_is r/sub/later.json missing
check "hidden profile valid again" until_true $DEADLINE state_is r/sub/hidden.json valid
cp "$SRC/profiles/default.json" "$T/root/sub/underneath.json"
check "the directory underneath is watched again" \
        until_true $DEADLINE state_is r/sub/underneath.json valid

# --- the good profiles byte for byte --------------------------------------------------------
for p in good.json sub/hidden.json; do
        api "/v1/bpf/r/$p" -o "$T/served.bpf"
        check "r/$p byte for byte" cmp -s "$T/served.bpf" "$T/local.bpf"
done
check "daemon stops cleanly" stop_daemon
finish
