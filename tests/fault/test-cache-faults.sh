#!/usr/bin/env bash
# issue 10, faults that held: the blob cache corrupted every way. With the good profiles'
# entries damaged (a truncated .bpf, a flipped byte, another entry's .json, the .json missing,
# a directory in place of the .bpf, an empty .bpf) and garbage names beside them, a restart
# detects and counts each (status .cache.corrupt), compiles it again, serves it byte for
# byte, and leaves a whole cache: the next restart finds every entry good.
. "$(dirname "$0")/lib.sh"

B=$T/cache/blobs
start
declare -A KEY
for f in "${GOOD[@]}"; do
        KEY[$f]=$(api "/v1/profiles/good/$f" | jq -r '.blobs[0].key')
done
stop
for f in "${GOOD[@]}"; do
        check "good/$f cached" [ -s "$B/${KEY[$f]}.bpf" ] && [ -s "$B/${KEY[$f]}.json" ]
done

corrupt_round() { # round: damage the four entries one way each, then restart
        local k1=${KEY[default.json]} k2=${KEY[audit.json]} k3=${KEY[allow-all.json]} k4=${KEY[deny-all.json]}
        if [ "$1" = 1 ]; then
                truncate -s $(($(stat -c %s "$B/$k1.bpf") / 2)) "$B/$k1.bpf"    # truncated
                printf '\x01' | dd of="$B/$k2.bpf" bs=1 seek=9 conv=notrunc status=none
                cmp -s "$B/$k2.bpf" "$T/ref/audit.json.bpf" && printf '\x02' |
                        dd of="$B/$k2.bpf" bs=1 seek=9 conv=notrunc status=none  # a flipped byte
                cp "$B/$k4.json" "$B/$k3.json"                                  # another entry's .json
                rm -f "$B/$k4.json"                                             # .json missing
        else
                rm -f "$B/$k1.bpf"; mkdir "$B/$k1.bpf"                          # a directory
                : >"$B/$k2.bpf"                                                 # empty
                echo '{"garbage": true' >"$B/$k3.json"                          # not JSON
                rm -f "$B/$k4.bpf"; ln -s /etc/passwd "$B/$k4.bpf"             # a symlink out
        fi
        # Garbage names beside the entries.
        echo junk >"$B/zzz"; echo junk >"$B/nothex.bpf"; echo junk >"$B/.tmp-123"
        mkdir -p "$B/adir.json"; printf '\xff\xfe' >"$B/$(printf 'bad\377').bpf"
        start
        local c; c=$(api /v1/status | jq .cache.corrupt)
        echo "round $1: cache corrupt $c, compiles $(api /v1/status | jq .compiles)"
        check "round $1: the damaged entries are counted corrupt (got $c)" [ "$c" -ge 3 ]
        check "round $1: the four are compiled again" [ "$(api /v1/status | jq .compiles)" -ge 4 ]
        check "round $1: seccompctl status says so" \
                eval '"$CTL" --socket "$SOCK" status 2>&1 | grep -i corrupt | grep -q "[1-9]"'
        good_served
        stop
        start
        c=$(api /v1/status | jq .cache.corrupt)
        check "round $1: rebuilt, the next start finds no corrupt entry (got $c)" [ "$c" = 0 ]
        check "round $1: rebuilt, the next start compiles nothing" [ "$(api /v1/status | jq .compiles)" = 0 ]
        good_served
        stop
}
corrupt_round 1
corrupt_round 2
start
good_served
finish
