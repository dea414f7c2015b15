#!/usr/bin/env bash
# The real daemon on temporary roots, cache and socket, driven with curl and seccompctl while
# files change under it. Polls with deadlines, never fixed sleeps. Self-contained: the
# profiles are the repository's own (profiles/, tests/profiles).
set -u
SECCOMPD=${1:?seccompd}
CTL=${2:?seccompctl}
SRC=${3:?source dir}
DOCKER=$SRC/profiles/default.json
TP=$SRC/tests/profiles
T=$(mktemp -d)
SOCK=$T/seccompd.sock
PID=
cleanup() {
        [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
        [ -n "${QUEUED_SAVED:-}" ] && echo "$QUEUED_SAVED" > /proc/sys/fs/inotify/max_queued_events
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

. "$(dirname "$0")/lib.sh"
status_of() { curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://localhost$1" "${@:2}"; }
state_of() { api "/v1/profiles/$1" | jq -r '.state // "absent"'; }
state_is() { [ "$(state_of "$1")" = "$2" ]; }

mkdir -p "$T/kubelet/operator" "$T/mesos" "$T/runtime" "$T/cache"
cp "$DOCKER" "$T/kubelet/docker.json"
cp "$TP/unknown-keys.json" "$T/kubelet/unknown.json"
cp "$TP/repeated-index.json" "$T/kubelet/operator/repeated-index.json"
cp "$TP/mesos.json" "$T/mesos/default.json"
cp "$SRC/profiles/default.json" "$SRC/profiles/audit.json" "$T/runtime/"

start() { # extra args...
        rm -f "$T/ready"
        "$SECCOMPD" --foreground --root "kubernetes=$T/kubelet:kubernetes-containerd:recursive" \
                --root "mesos=$T/mesos:mesos" --root "runtime=$T/runtime" \
                --socket "$SOCK" --cache-dir "$T/cache" --log-level debug "$@" \
                >>"$T/log" 2>&1 &
        PID=$!
        until_true 20 ready || { ko "daemon ready"; tail -20 "$T/log"; }
}
stop() {
        kill -TERM "$PID"; wait "$PID"; local rc=$?
        PID=
        return $rc
}

# --- start, list, fetch -------------------------------------------------------------
mkdir -p "$T/late-parent"
start --root "late=$T/late-parent/late"
check "health ready" ready
check "socket mode 0660" [ "$(stat -c %a "$SOCK")" = 660 ]
check "missing root reported" [ "$(api /v1/status | jq '.roots[] | select(.name=="late") | .exists')" = false ]
mkdir "$T/late-parent/late" && cp "$SRC/profiles/audit.json" "$T/late-parent/late/audit.json"
check "missing root waited for, then watched" until_true 10 state_is late/audit.json valid
check "list has 7 profiles" [ "$(api /v1/profiles | jq '.profiles | length')" = 7 ]
check "Docker's default valid" state_is kubernetes/docker.json valid
check "unknown keys and syscalls: valid" state_is kubernetes/unknown.json valid
check "subdirectory profile" state_is kubernetes/operator/repeated-index.json valid
check "runtime/default without .json" [ "$(status_of /v1/bpf/runtime/default)" = 200 ]
api /v1/bpf/kubernetes/docker.json -o "$T/served.bpf"
"$CTL" -q compile "$T/kubelet/docker.json" -o "$T/local.bpf"
check "served blob equals seccompctl compile" cmp -s "$T/served.bpf" "$T/local.bpf"
api "/v1/bpf/kubernetes/docker.json?encoding=base64" | base64 -d > "$T/b64.bpf"
check "base64 encoding" cmp -s "$T/served.bpf" "$T/b64.bpf"
etag=$(curl -s -D - -o /dev/null --unix-socket "$SOCK" http://localhost/v1/bpf/kubernetes/docker.json | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "ETag present" [ -n "$etag" ]
check "If-None-Match gives 304" [ "$(status_of /v1/bpf/kubernetes/docker.json -H "If-None-Match: $etag")" = 304 ]
"$CTL" -q compile --caps all "$T/kubelet/docker.json" -o "$T/local-all.bpf"
api "/v1/bpf/kubernetes/docker.json?caps=all" -o "$T/served-all.bpf"
check "caps context compiled on demand" cmp -s "$T/served-all.bpf" "$T/local-all.bpf"
check "unknown profile 404" [ "$(status_of /v1/bpf/kubernetes/nope.json)" = 404 ]
check "bad arch 400" [ "$(status_of '/v1/bpf/kubernetes/docker.json?arch=vax')" = 400 ]
check "traversal refused" [ "$(status_of /v1/bpf/kubernetes/../../etc/passwd --path-as-is)" = 400 ]
check "encoded traversal refused" [ "$(status_of /v1/bpf/kubernetes/%2e%2e/x.json)" = 400 ]
check "NUL refused" [ "$(status_of /v1/bpf/kubernetes/docker.json%00.x)" = 400 ]
check "percent-decoding: lower and upper hex digits" \
        [ "$(status_of /v1/bpf/kubernetes/%64ocker%2Ejson)" = 200 ]
check "percent-decoding: '%' without two hex digits is itself" \
        [ "$(status_of /v1/bpf/kubernetes/%6ocker.json)" = 404 -a \
          "$(status_of /v1/bpf/kubernetes/docker.json%)" = 404 ]
check "unknown root: not found" [ "$(status_of /v1/bpf/etc/passwd)" = 404 ]
check "metrics" sh -c "curl -s --unix-socket '$SOCK' http://localhost/metrics | grep -q 'seccompd_profiles{state=\"valid\"} 7'"
check "validate route" [ "$(api /v1/validate -X POST --data-binary @"$DOCKER" | jq .valid)" = true ]
check "compile route" [ "$(api /v1/compile -X POST --data-binary @"$DOCKER" | jq -r .key | wc -c)" = 65 ]
check "compile of invalid is 422" [ "$(status_of /v1/compile -X POST --data-binary '{"defaultAction":"SCMP_ACT_NOPE"}')" = 422 ]

# --- files change under it ------------------------------------------------------------
cp "$TP/legacy-name.json" "$T/kubelet/new.json"
check "new file picked up" until_true 10 state_is kubernetes/new.json valid
check "metrics: watcher events counted" sh -c "curl -s --unix-socket '$SOCK' http://localhost/metrics | grep -q '^seccompd_watch_events_total [1-9]'"
d1=$(api /v1/profiles/kubernetes/new.json | jq -r .digest)
sed -i 's/"SCMP_ACT_ERRNO"/"SCMP_ACT_KILL_PROCESS"/' "$T/kubelet/new.json"
check "edit picked up" until_true 10 sh -c "[ \"\$(curl -s --unix-socket '$SOCK' http://localhost/v1/profiles/kubernetes/new.json | jq -r .digest)\" != '$d1' ]"
echo '{"defaultAction": "SCMP_ACT_BROKEN"}' > "$T/kubelet/broken.json"
check "invalid file is invalid" until_true 10 state_is kubernetes/broken.json invalid
check "invalid file not served (409)" [ "$(status_of /v1/bpf/kubernetes/broken.json)" = 409 ]
echo '{ "defaultAction": ' > "$T/kubelet/docker.json"
check "broken edit makes it stale" until_true 10 state_is kubernetes/docker.json stale
check "stale still served" [ "$(status_of /v1/bpf/kubernetes/docker.json)" = 200 ]
api /v1/source/kubernetes/docker.json -o "$T/stale-source.json"
check "stale: its source is the last good version" cmp -s "$T/stale-source.json" "$DOCKER"
check "source of an invalid profile: 409" [ "$(status_of /v1/source/kubernetes/broken.json)" = 409 ]
check "source: traversal refused" [ "$(status_of /v1/source/kubernetes/../../etc/passwd --path-as-is)" = 400 ]
cp "$DOCKER" "$T/kubelet/docker.json"
check "fixed" until_true 10 state_is kubernetes/docker.json valid
stop
# --strict: unknown syscalls are errors (unknown.json names some), stale blobs refused
cp "$SRC/profiles/audit.json" "$T/kubelet/strict.json"
start --strict
check "--strict: unknown syscalls are errors" state_is kubernetes/unknown.json invalid
echo '{ "defaultAction": ' > "$T/kubelet/strict.json"
check "--strict: broken edit is stale" until_true 10 state_is kubernetes/strict.json stale
check "--strict: stale is refused (409)" [ "$(status_of /v1/bpf/kubernetes/strict.json)" = 409 ]
rm "$T/kubelet/strict.json"
stop
start
check "fixed again" until_true 10 state_is kubernetes/docker.json valid
# a file held open mid-write is not read before it is closed
exec 7>"$T/kubelet/partial.json"
head -c 2000 "$DOCKER" >&7
cp "$SRC/profiles/audit.json" "$T/kubelet/barrier.json"
check "barrier seen" until_true 10 state_is kubernetes/barrier.json valid
check "half-written file not taken" [ "$(state_of kubernetes/partial.json)" = absent ]
tail -c +2001 "$DOCKER" >&7
exec 7>&-
check "file taken once closed" until_true 10 state_is kubernetes/partial.json valid
rm "$T/kubelet/new.json"
check "deleted is missing" until_true 10 state_is kubernetes/new.json missing
check "a missing profile counts no rules (none are served)" [ "$(api /v1/profiles/kubernetes/new.json | jq .rules)" = 0 ]
check "deleted not served" [ "$(status_of /v1/bpf/kubernetes/new.json)" = 404 ]
mv "$T/kubelet/operator/repeated-index.json" "$T/kubelet/operator/renamed.json"
check "rename: new name" until_true 10 state_is kubernetes/operator/renamed.json valid
check "rename: old name missing" until_true 10 state_is kubernetes/operator/repeated-index.json missing
mkdir "$T/kubelet/team" && cp "$TP/docker-extended.json" "$T/kubelet/team/extended.json"
check "new subdirectory" until_true 10 state_is kubernetes/team/extended.json valid
ln -s /etc/passwd "$T/kubelet/escape.json"
check "symlink escape refused" until_true 10 state_is kubernetes/escape.json invalid
ln -s "$T/runtime/default.json" "$T/kubelet/inside.json"
check "symlink inside the roots followed" until_true 10 state_is kubernetes/inside.json valid

# --- a root removed and re-created ----------------------------------------------------
mv "$T/mesos" "$T/mesos.away"
check "root removed: missing" until_true 10 state_is mesos/default.json missing
mv "$T/mesos.away" "$T/mesos"
check "root back: valid" until_true 15 state_is mesos/default.json valid

# --- privileges ------------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        check "root may reload" [ "$(status_of /v1/reload -X POST)" = 202 ]
        chmod 0711 "$T" # mktemp -d is 0700: let the other user reach the socket
        chmod 0666 "$SOCK"
        check "non-root peer may read" [ "$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/health)" = 200 ]
        check "non-root peer: reload 403" [ "$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket "$SOCK" http://localhost/v1/reload)" = 403 ]
        check "non-root peer: compile 403" [ "$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{}' --unix-socket "$SOCK" http://localhost/v1/compile)" = 403 ]
else
        echo "SKIP: privilege checks need root and setpriv"
fi

# --- SIGHUP, then SIGTERM exits 0 -------------------------------------------------------
gen=$(api /v1/health | jq .generation)
kill -HUP "$PID"
check "SIGHUP rescans" until_true 10 sh -c "[ \$(curl -s --unix-socket '$SOCK' http://localhost/v1/health | jq .generation) -gt $gen ]"
check "a full rescan forgets missing profiles" until_true 10 state_is kubernetes/operator/repeated-index.json absent
check "SIGTERM exits 0" stop

# --- warm restart compiles nothing; a corrupted entry is rebuilt ------------------------
start
check "warm restart: zero compiles" [ "$(api /v1/status | jq .compiles)" = 0 ]
key=$(api /v1/profiles/kubernetes/docker.json | jq -r '.blobs[0].key')
stop
victim=$T/cache/blobs/$key.bpf
check "cache entry on disk" test -f "$victim"
printf '\xff\xff\xff\xff' | dd of="$victim" bs=1 seek=8 conv=notrunc 2>/dev/null
start
check "corrupt entry detected" [ "$(api /v1/status | jq .cache.corrupt)" -ge 1 ]
check "corrupt entry rebuilt (one compile)" [ "$(api /v1/status | jq .compiles)" = 1 ]
api /v1/bpf/kubernetes/docker.json -o "$T/rebuilt.bpf"
check "rebuilt blob served, same bytes" cmp -s "$T/rebuilt.bpf" "$T/local.bpf"
stop

# --- queue overflow ----------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/fs/inotify/max_queued_events ]; then
        QUEUED_SAVED=$(cat /proc/sys/fs/inotify/max_queued_events)
        echo 8 > /proc/sys/fs/inotify/max_queued_events
        start
        kill -STOP "$PID"
        for i in $(seq 1 40); do cp "$TP/allow-all.json" "$T/kubelet/flood-$i.json"; done
        kill -CONT "$PID"
        check "overflow counted" until_true 10 sh -c "curl -s --unix-socket '$SOCK' http://localhost/metrics | grep -q '^seccompd_watch_overflows_total [1-9]'"
        check "overflow: full rescan finds all" until_true 10 state_is kubernetes/flood-40.json valid
        stop
        echo "$QUEUED_SAVED" > /proc/sys/fs/inotify/max_queued_events
        QUEUED_SAVED=
else
        echo "SKIP: queue overflow needs root"
fi

# --- a bounded cache: ad-hoc compiles are evicted, the blobs of served profiles stay ---------
start --cache-max 1
for errno in 11 12 13; do
        printf '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": %s}' "$errno" |
                api /v1/compile -X POST --data-binary @- -o /dev/null
done
check "over the bound: evictions" [ "$(api /v1/status | jq .cache.evictions)" -ge 2 ]
stop
start
check "served blobs were pinned: warm restart compiles nothing" [ "$(api /v1/status | jq .compiles)" = 0 ]
stop

# --- the configuration file -------------------------------------------------------------
cat > "$T/seccompd.conf" <<EOF
# roots, socket and cache from a file
root = cfg=$T/runtime:docker
socket = $T/cfg.sock
cache-dir = $T/cache
cache-max = 64M
cache-sync = yes
EOF
"$SECCOMPD" --foreground --config "$T/seccompd.conf" >>"$T/log" 2>&1 &
PID=$!
cfg_ready() { [ "$(curl -s --unix-socket "$T/cfg.sock" http://localhost/v1/health | jq -r .ready 2>/dev/null)" = true ]; }
check "config file: socket from the file" until_true 20 cfg_ready
check "config file: root from the file" [ "$(curl -s --unix-socket "$T/cfg.sock" http://localhost/v1/profiles/cfg/default.json | jq -r .state)" = valid ]
check "config file: cache bound" [ "$(curl -s --unix-socket "$T/cfg.sock" http://localhost/v1/status | jq .cache.max_bytes)" = $((64 << 20)) ]
stop
echo "bogus = 1" >> "$T/seccompd.conf"
"$SECCOMPD" --foreground --config "$T/seccompd.conf" 2>"$T/cfg.err"
check "config file: unknown setting refused" [ $? = 1 ]
check "config file: error names file and line" grep -q "seccompd.conf:7: unknown setting 'bogus'" "$T/cfg.err"
"$SECCOMPD" --foreground --config="$T/seccompd.conf" 2>/dev/null
check "config file: --config=FILE as the last argument is read too" [ $? = 1 ]

# --- READY=1 on NOTIFY_SOCKET, socket activation ---------------------------------------
python3 - "$T/notify.sock" "$T/notify.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
out = open(sys.argv[2], "w")
seen = set()
end = time.time() + 20
while time.time() < end and not {"READY=1", "WATCHDOG=1", "RELOADING=1"} <= seen:
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        continue
    out.write(m + "\n"); out.flush()
    seen.update(m.split("\n"))
PY
NPID=$!
until_true 5 test -S "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 start
check "READY=1 sent" until_true 10 grep -q READY=1 "$T/notify.out"
kill -HUP "$PID"
wait $NPID
check "WATCHDOG=1 sent (WatchdogSec)" grep -q WATCHDOG=1 "$T/notify.out"
check "RELOADING=1 sent on SIGHUP" grep -q RELOADING=1 "$T/notify.out"
check "STATUS= sent" grep -q STATUS= "$T/notify.out"
stop

# --- journal fields: a stand-in journald socket in a private mount namespace -----------------
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
        cat > "$T/journal.sh" <<'EOF'
set -u
T=$1 SECCOMPD=$2
mount -t tmpfs tmpfs /run/systemd/journal 2>/dev/null || { mkdir -p /run/systemd/journal && mount -t tmpfs tmpfs /run/systemd/journal; } || exit 1
python3 - "$T/journal.out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
s.settimeout(15)
out = open(sys.argv[1], "wb")
try:
    while True:
        out.write(s.recv(65536) + b"\n--\n"); out.flush()
except socket.timeout:
    pass
PY
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
exec 2>"$T/journal.stderr"
export JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal.stderr")
timeout 20 "$SECCOMPD" --foreground --root "runtime=$T/runtime" --socket "$T/j.sock" \
        --cache-dir "$T/cache" --ready-file "$T/j.ready" &
for _ in $(seq 200); do [ -e "$T/j.ready" ] && break; sleep 0.05; done
kill %2
wait %2
kill %1
EOF
        unshare -m bash "$T/journal.sh" "$T" "$SECCOMPD"
        check "journal: a profile's entry has PROFILE=, ROOT= and DIGEST=" \
                grep -q "^PROFILE=runtime/default.json" "$T/journal.out"
        check "journal: ROOT= field" grep -q "^ROOT=runtime$" "$T/journal.out"
        check "journal: DIGEST= field" grep -q "^DIGEST=sha256:$(sha256sum "$T/runtime/default.json" | cut -d' ' -f1)" "$T/journal.out"
        check "journal: nothing on stderr when logging to the journal" [ ! -s "$T/journal.stderr" ]
else
        echo "SKIP: journal fields need root (a private mount namespace)"
fi

if command -v systemd-socket-activate >/dev/null; then
        rm -f "$SOCK"
        systemd-socket-activate -l "$SOCK" "$SECCOMPD" --foreground \
                --root "runtime=$T/runtime" --cache-dir "$T/cache" >>"$T/log" 2>&1 &
        PID=$!
        check "socket activation serves" until_true 20 ready
        check "socket activation: blob" [ "$(status_of /v1/bpf/runtime/default)" = 200 ]
        stop
else
        echo "SKIP: systemd-socket-activate not installed"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ] || { echo "--- daemon log (tail)"; tail -40 "$T/log"; exit 1; }
