#!/usr/bin/env bash
# issue 10, defect 3: one daemon per socket. A second daemon on a socket that answers must
# refuse to start (exit non-zero, saying why) and leave the first one's socket alone; a stale
# socket (nobody listens) is replaced; a daemon removes at exit only the socket inode it made,
# never one that replaced it (a rolling update's overlap left the node with no socket).
. "$(dirname "$0")/lib.sh"
need_cmd python3 timeout
ino() { stat -c %i "$SOCK" 2>/dev/null; }

start
first=$PID
before=$(ino)
mkdir -p "$T/cache2"
timeout 20 "$SECCOMPD" --foreground --root "good=$T/good" --socket "$SOCK" \
        --cache-dir "$T/cache2" --fallback-spool none >"$T/second.log" 2>&1
rc=$?
check "a second daemon on an answering socket exits non-zero (got $rc)" \
        eval '[ "$rc" != 0 ] && [ "$rc" != 124 ]'
check "and says why" grep -q "Another daemon answers on '$SOCK'" "$T/second.log"
check "the first daemon's socket is the same inode" [ "$(ino)" = "$before" ]
check "the first daemon still answers" ready
good_served

# The overlap: the socket is replaced under the first daemon (removed, and a second one binds
# a new inode there); the first one's exit must leave the new socket alone.
rm -f "$SOCK"
PID=
start
second=$PID
replaced=$(ino)
kill -TERM "$first"; wait "$first"
check "the first daemon exits 0" [ $? = 0 ]
check "its exit left the second daemon's socket" [ "$(ino)" = "$replaced" ]
check "the second daemon still answers" ready
good_served
stop
check "a daemon removes its own socket at exit" [ ! -e "$SOCK" ]

# A stale socket (its daemon died without removing it): replaced.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
check "a stale socket is there" [ -S "$SOCK" ]
start
check "the stale socket was replaced and answers" ready
grep -q "Replacing the stale socket" "$T/log"
check "the replacement is logged" [ $? = 0 ]
good_served
stop

# Anything but a socket is not ours.
echo data > "$SOCK"
timeout 20 "$SECCOMPD" --foreground --root "good=$T/good" --socket "$SOCK" \
        --cache-dir "$T/cache2" --fallback-spool none >"$T/third.log" 2>&1
rc=$?
check "a regular file at the socket path is refused (got $rc)" [ "$rc" = 1 ]
check "and kept" [ "$(cat "$SOCK")" = data ]
finish
