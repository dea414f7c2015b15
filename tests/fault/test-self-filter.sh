#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 10, deliverable 5: the daemon confines itself. Once initialised, seccompd compiles
# profiles/seccompd-self.json with its own engine and loads it into every thread
# (SECCOMP_FILTER_FLAG_TSYNC), default action ERRNO(EPERM). What must hold:
#   - the shipped profile refuses what the daemon must never do (execve, ptrace, mount,
#     kexec_load, socket(AF_INET), ...) and allows what it does (seccompctl test);
#   - the daemon says which profile and how many instructions; every thread, and a
#     connection thread started later, shows Seccomp: 2 and NoNewPrivs: 1;
#   - under the whole load (fetches in new contexts, POST /v1/compile, file churn, cache
#     evictions, a new directory, a bind mount and its removal, a root deleted and
#     re-created, the fallback spool, reloads by POST and SIGHUP, SIGTERM) nothing is
#     refused: no EPERM in the log, every answer right, exit 0;
#   - the same binary with a copy of the profile missing one call it needs
#     (inotify_add_watch) gets EPERM from the kernel, logs it, and keeps serving;
#   - --no-self-filter leaves it unconfined; a KILL default is refused at start.
# Runs in a private mount namespace (unshare -m) for the bind mount. Skips (77) in a
# sanitizer build, where the self filter is off by default (LeakSanitizer needs ptrace).
#   test-self-filter.sh SECCOMPD SECCOMPCTL SOURCE-DIR
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
if [ -z "${SELF_FILTER_UNSHARED:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: needs unshare"; exit 77; }
        unshare -m --propagation private true 2>/dev/null ||
                { echo "SKIP: cannot create a mount namespace"; exit 77; }
        SELF_FILTER_UNSHARED=1 exec unshare -m --propagation private "$0" "$@"
fi
T=$(mktemp -d /tmp/seccompd-self-filter.XXXXXX)
. "$(dirname "$0")/lib-bounds.sh"
need_root_tools mount umount python3
SELF=$SRC/profiles/seccompd-self.json
umount_all() { mountpoint -q "$T/root/sub" && umount "$T/root/sub"; true; }
trap 'umount_all; cleanup' EXIT

# --- the shipped profile, offline -----------------------------------------------------------
verdict() { "$CTL" test "$SELF" "$@" 2>&1 | head -1; }
for call in execve execveat ptrace mount umount2 kexec_load init_module bpf unshare setns \
        chroot fork vfork "socket 2" "socket 10" "socket 16" bind listen connect \
        "ioctl 0 0x5412" "prctl 4" "prctl 38" seccomp; do
        check "the self profile denies $call with EPERM" [ "$(verdict $call)" = "ERRNO(1)" ]
done
for call in read write openat inotify_add_watch renameat fsync sync_file_range accept4 "socket 1" \
        "ioctl 3 0x541b" "prctl 15" clone3 futex; do
        check "the self profile allows $call" [ "$(verdict $call)" = ALLOW ]
done

# --- a confined daemon under load -------------------------------------------------------------
mkdir -p "$T/root/sub" "$T/root/churn" "$T/other" "$T/cache" "$T/spool" "$T/ref"
cp "$SRC/profiles/default.json" "$T/root/default.json"
cp "$SRC/profiles/audit.json" "$T/root/audit.json"
cp "$SRC/profiles/default.json" "$T/other/bound.json"
"$CTL" -q compile "$SRC/profiles/default.json" -o "$T/ref/default.bpf"
"$CTL" -q compile "$SRC/profiles/default.json" --kernel 5.4 -o "$T/ref/default-5.4.bpf" 2>/dev/null ||
        rm -f "$T/ref/default-5.4.bpf"
start() { # args...: the daemon on $T/root, its spool and a small cache (evictions)
        "$SECCOMPD" --foreground --socket "$SOCK" --cache-dir "$T/cache" --cache-max 4K \
                --workers 2 --fallback-spool "$T/spool" --root "r=$T/root:docker:recursive" \
                "$@" >>"$T/log" 2>&1 &
        PID=$!
        until_true 30 ready || { ko "daemon ready"; tail -20 "$T/log"; exit 1; }
}
# --cache-sync: the durable stores (sync_file_range, fsync) run under the filter too.
start --cache-sync
if grep -q "Self filter: off in a sanitizer build" "$T/log"; then
        skip "a sanitizer build: the self filter is off by default (LeakSanitizer needs ptrace)"
fi
not() { ! "$@"; }
task_field() { sed -n "s/^$2:[[:space:]]*//p" "$1/status"; }
all_threads() { # FIELD VALUE: every thread of the daemon has it
        local t v n=0
        for t in /proc/"$PID"/task/*; do
                v=$(task_field "$t" "$1" 2>/dev/null)
                [ -n "$v" ] || continue # a connection thread that ended meanwhile
                [ "$v" = "$2" ] || { echo "  thread ${t##*/}: $1 $v"; return 1; }
                n=$((n + 1))
        done
        [ "$n" -gt 0 ] || return 1
        echo "  $n threads with $1: $2"
}
check "the log names the profile and its instructions" \
        grep -qE "Self filter: loaded '[^']*seccompd-self.json' into every thread, [0-9]+ BPF instructions" "$T/log"
grep -o "Self filter: .*" "$T/log" | head -1 | sed 's/^/  /'
nthreads=$(ls /proc/"$PID"/task | wc -l)
check "more than one thread (watcher, pool, HTTP): $nthreads" [ "$nthreads" -gt 3 ]
check "every thread filtered (Seccomp: 2)" all_threads Seccomp 2
check "every thread no_new_privs" all_threads NoNewPrivs 1
# A connection held open: libmicrohttpd starts its thread after the filter was loaded.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"GET /v1/health HTTP/1.1\r\n")
time.sleep(3)' "$SOCK" &
HOLD=$!
more() { [ "$(ls /proc/"$PID"/task | wc -l)" -gt "$nthreads" ]; }
check "a connection thread started after the filter" until_true 3 more
check "... is filtered too" all_threads Seccomp 2
wait "$HOLD" 2>/dev/null

api /v1/bpf/r/default.json -o "$T/got"
check "blob served byte for byte" cmp -s "$T/got" "$T/ref/default.bpf"
for ctx in "?kernel=5.4" "?caps=all" "?arch=x86" "?kernel=4.9&caps=CAP_SYS_ADMIN"; do
        check "a new context compiled under the filter: $ctx" \
                [ "$(status_of "/v1/bpf/r/default.json$ctx" -o "$T/got")" = 200 ]
done
[ -e "$T/ref/default-5.4.bpf" ] && check "kernel=5.4 byte for byte" \
        cmp -s <(api "/v1/bpf/r/default.json?kernel=5.4") "$T/ref/default-5.4.bpf"
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}' \
        >"$T/section.json"
check "POST /v1/compile" sh -c "curl -s --unix-socket '$SOCK' -X POST --data-binary @'$T/section.json' \
        http://localhost/v1/compile | jq -e '.blob | length > 0' >/dev/null"
# File churn: profiles written, rewritten, renamed, deleted; each distinct one a new cache
# entry, so the 4K cache evicts.
for i in $(seq 1 30); do
        printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":%d}]}\n' "$i" \
                >"$T/root/churn/.tmp" && mv "$T/root/churn/.tmp" "$T/root/churn/p$((i % 7)).json"
        [ $((i % 5)) = 0 ] && mv "$T/root/churn/p$((i % 7)).json" "$T/root/churn/moved-$i.json"
        [ $((i % 9)) = 0 ] && rm -f "$T/root/churn/moved-$((i - 4)).json"
done
cp "$SRC/profiles/default.json" "$T/root/churn/big.json"
check "churn settled: big.json valid" until_true 10 state_is r/churn/big.json valid
check "cache evicted below its bound" \
        until_true 10 sh -c "[ \$(curl -s --unix-socket '$SOCK' http://localhost/v1/status | jq '.cache.evictions') -gt 0 ]"
# A new directory (a new watch), a bind mount (mountinfo), its removal, a root re-created.
mkdir -p "$T/root/new/deeper"
cp "$SRC/profiles/default.json" "$T/root/new/deeper/n.json"
check "a new directory watched: its profile valid" until_true 10 state_is r/new/deeper/n.json valid
mount --bind "$T/other" "$T/root/sub"
check "a bind mount followed" until_true 10 state_is r/sub/bound.json valid
umount "$T/root/sub"
check "its removal followed" until_true 10 state_is r/sub/bound.json missing
mv "$T/root" "$T/root.away"
check "the root gone: its profiles missing" until_true 10 state_is r/default.json missing
mv "$T/root.away" "$T/root"
check "the root back: valid again" until_true 10 state_is r/default.json valid
# The fallback spool: a record seccompd-oci would write, ingested and deleted.
printf '{"time": %s, "container_id": "c-self-%s", "reason": "test"}' "$(date +%s)" "$$" >"$T/rec"
mv "$T/rec" "$T/spool/1-1-1.json"
check "a fallback record counted and deleted" \
        until_true 10 sh -c "[ ! -e '$T/spool/1-1-1.json' ] &&
                curl -s --unix-socket '$SOCK' http://localhost/v1/status | jq -e '.fallbacks.total == 1' >/dev/null"
# The container table: the spool record's container listed; a report of a live process,
# forgotten once it ends (/proc/PID/stat, then kill(PID, 0)); a delete.
check "the record's container listed" \
        sh -c "curl -s --unix-socket '$SOCK' http://localhost/v1/containers | jq -e '.containers[0].id == \"c-self-$$\"' >/dev/null"
sleep 600 &
SLEEPER=$!
start=$(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[20] }' "/proc/$SLEEPER/stat")
check "a container report (201)" [ "$(status_of /v1/containers/self-1 -X POST --data-binary "{\"command\":\"create\",\"fallback\":\"x\",\"pid\":$SLEEPER,\"pid_start\":$start}")" = 201 ]
check "listed while its process lives" \
        sh -c "curl -s --unix-socket '$SOCK' http://localhost/v1/containers | jq -e '[.containers[].id] | index(\"self-1\")' >/dev/null"
kill "$SLEEPER"
wait "$SLEEPER" 2>/dev/null
check "forgotten once it ended" \
        until_true 5 sh -c "curl -s --unix-socket '$SOCK' http://localhost/v1/containers | jq -e '[.containers[].id] | index(\"self-1\") == null' >/dev/null"
check "a container deleted (200)" [ "$(status_of /v1/containers/c-self-$$ -X DELETE)" = 200 ]
check "POST /v1/reload" [ "$(status_of /v1/reload -X POST)" = 202 ]
kill -HUP "$PID"
check "SIGHUP: reloaded and ready" until_true 10 sh -c "grep -q Reloading '$T/log'"
until_true 10 ready
for route in /v1/profiles /v1/status /metrics /v1/containers; do
        code=$(status_of "$route")
        check "GET $route answers ($code)" [ "$code" = 200 ]
done
check "still byte for byte after all of it" cmp -s <(api /v1/bpf/r/default.json) "$T/ref/default.bpf"
check "still every thread filtered" all_threads Seccomp 2
stop_daemon
rc=$?
check "SIGTERM exits 0 (rc=$rc)" [ "$rc" = 0 ]
check "nothing refused: no EPERM, no failure in the log" \
        not grep -qE 'Operation not permitted|Failed|rror' "$T/log"
grep -E 'Operation not permitted|Failed|rror' "$T/log" | head -5 | sed 's/^/  log: /'

# --- one needed call missing: EPERM from the kernel, logged, still serving --------------------
jq '.syscalls |= map(.names -= ["inotify_add_watch"])' "$SELF" >"$T/no-watch.json"
check "the copy denies inotify_add_watch" \
        [ "$("$CTL" test "$T/no-watch.json" inotify_add_watch 2>&1 | head -1)" = "ERRNO(1)" ]
: >"$T/log"
start --self-filter-profile "$T/no-watch.json"
check "the log names the other profile" grep -q "Self filter: loaded '$T/no-watch.json'" "$T/log"
mkdir -p "$T/root/late"
check "the kernel refused inotify_add_watch: EPERM logged for the new directory" \
        until_true 10 grep -qE "Failed to watch directory '$T/root/late'.*Operation not permitted" "$T/log"
grep -E "Operation not permitted" "$T/log" | head -2 | sed 's/^/  log: /'
check "health 200 after the refusal" [ "$(status_of /v1/health)" = 200 ]
check "still serving byte for byte" cmp -s <(api /v1/bpf/r/default.json) "$T/ref/default.bpf"
cp "$SRC/profiles/audit.json" "$T/root/after.json"
check "a file in a watched directory still seen" until_true 10 state_is r/after.json valid
stop_daemon
rc=$?
check "SIGTERM exits 0 (rc=$rc)" [ "$rc" = 0 ]

# --- off on request; a KILL default refused ---------------------------------------------------
: >"$T/log"
start --no-self-filter
check "--no-self-filter: Seccomp: 0" all_threads Seccomp 0
check "--no-self-filter: nothing said about a self filter" not grep -q "Self filter: loaded" "$T/log"
stop_daemon
printf 'self-filter = no\n' >"$T/off.conf"
: >"$T/log"
start --config "$T/off.conf"
check "self-filter = no in the config: Seccomp: 0" all_threads Seccomp 0
stop_daemon
printf 'self-filter-profile = %s\n' "$T/no-watch.json" >"$T/other.conf"
: >"$T/log"
start --config "$T/other.conf"
check "self-filter-profile = FILE in the config: loaded" grep -q "Self filter: loaded '$T/no-watch.json'" "$T/log"
check "... every thread Seccomp: 2" all_threads Seccomp 2
stop_daemon
jq '.defaultAction = "SCMP_ACT_KILL_PROCESS" | del(.defaultErrnoRet)' "$SELF" >"$T/kill.json"
: >"$T/log"
timeout 30 "$SECCOMPD" --foreground --socket "$SOCK" --cache-dir "$T/cache" --fallback-spool none \
        --root "r=$T/root:docker:recursive" --self-filter-profile "$T/kill.json" >>"$T/log" 2>&1
rc=$?
check "a KILL default refused at start (rc=$rc)" [ "$rc" = 1 ]
check "... and why" grep -q "must be SCMP_ACT_ERRNO" "$T/log"
timeout 30 "$SECCOMPD" --foreground --socket "$SOCK" --cache-dir "$T/cache" --fallback-spool none \
        --root "r=$T/root:docker:recursive" --self-filter-profile "$T/nonexistent.json" >>"$T/log" 2>&1
rc=$?
check "a missing self profile refused at start (rc=$rc)" [ "$rc" = 1 ]
finish
