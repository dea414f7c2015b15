#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes deploy material as shipped: deploy/kubernetes/containerd-config.toml merged
# into a stock containerd config the way deploy/kubernetes/README.md says (step 3), then
# containerd started on the result (its own root, state and address): the CRI plugin loads
# (`ctr plugins ls`), and the runtimes of the merged config (`containerd config dump`) are
# runc, unchanged and still the default, and crun-seccompd. The stock configs: Debian 12's
# packaged /etc/containerd/config.toml (a copy below) and `containerd config default`.
# crio-seccompd.conf, for a CRI-O that does not run here, is checked by parsing it: an
# additional handler, the default runtime untouched. runtimeclass.yaml names that handler.
#   test-containerd-config.sh SOURCE-DIR
# Runs as root; skips (77) and says why without root, containerd or python3 (tomllib).
# KEEP_TMP=1 keeps the temp dir.
#
# Machine quirks, handled here: containerd runs in a private mount namespace with
# /sys/fs/cgroup/unified unmounted (cgroups v1 hybrid), and with an overlay on /etc (lib.sh's
# in_private_etc), since the CRI plugin creates its CNI conf_dir when it is missing.
set -u
SRC=$(realpath "${1:?source dir}")
. "$(dirname "$0")/lib.sh"
D=$SRC/deploy/kubernetes

[ "$(id -u)" = 0 ] || skip "e2e-containerd-config needs root (containerd, mount namespaces)"
CONTAINERD=$(command -v containerd) || skip "containerd is not installed"
command -v ctr >/dev/null || skip "ctr (containerd) is not installed"
containerd --version | grep -q ' v\?1\.' || skip "not containerd 1.x: $(containerd --version)"
python3 -c 'import tomllib' 2>/dev/null || skip "python3 with tomllib (3.11) is not installed"
command -v unshare >/dev/null || skip "unshare is not installed"

T=$(mktemp -d)
JOB= CPID=
stop_containerd() {
        [ -n "$JOB" ] || return 0
        [ -n "$CPID" ] || CPID=$(cat "$T/etc/pid" 2>/dev/null)
        if [ -n "$CPID" ]; then
                kill "$CPID" 2>/dev/null
                until_true 20 not kill -0 "$CPID" 2>/dev/null || kill -KILL "$CPID" 2>/dev/null
        fi
        wait "$JOB" 2>/dev/null
        JOB= CPID=
        rm -f "$T/etc/pid"
}
cleanup() {
        stop_containerd
        if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# toml FILE EXPRESSION: prints the Python EXPRESSION over the parsed FILE (d), or fails.
toml() {
        python3 -c 'import sys, tomllib
with open(sys.argv[1], "rb") as f:
    d = tomllib.load(f)
cri = d.get("plugins", {}).get("io.containerd.grpc.v1.cri", {}).get("containerd", {})
rts = cri.get("runtimes", {})
r = eval(sys.argv[2])
print(r if not isinstance(r, (list, dict)) else __import__("json").dumps(r, sort_keys=True))' "$@"
}
is() { # FILE EXPRESSION EXPECTED
        local got
        got=$(toml "$1" "$2" 2>&1)
        [ "$got" = "$3" ] || { echo "  $2: got '$got', want '$3'"; return 1; }
}

# Debian 12's /etc/containerd/config.toml, as the package containerd 1.6.20~ds1-1+deb12u3
# installs it (a conffile: the host's copy may have been edited, this one is not).
cat >"$T/debian.toml" <<'EOF'
version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
EOF
containerd config default >"$T/default.toml" 2>"$T/default.err" ||
        { echo "FAIL: containerd config default"; cat "$T/default.err"; exit 1; }

# The merge of README.md, step 3 (keep the two the same).
merge() { # CONFIG: appends the snippet to CONFIG as the README says
        local f=$1
        if grep -qF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' "$f"; then
                sed -n '/^# --- crun-seccompd/,$p' "$D/containerd-config.toml" >>"$f"
        else
                cat "$D/containerd-config.toml" >>"$f"
        fi
}

# --- 1. the snippet itself ------------------------------------------------------------------
S=$D/containerd-config.toml
check "snippet: TOML" quiet toml "$S" d
check "snippet: only tables, no top-level key (appendable)" is "$S" 'sorted(d)' '["plugins"]'
check "snippet: runtimes runc and crun-seccompd" is "$S" 'sorted(rts)' '["crun-seccompd", "runc"]'
check "snippet: the default is left alone" is "$S" '"default_runtime_name" in cri' False
check "snippet: runc is the runc v2 shim" is "$S" 'rts["runc"]["runtime_type"]' io.containerd.runc.v2
check "snippet: crun-seccompd is the runc v2 shim" \
        is "$S" 'rts["crun-seccompd"]["runtime_type"]' io.containerd.runc.v2
check "snippet: crun-seccompd's binary is seccompd-oci" \
        is "$S" 'rts["crun-seccompd"]["options"]["BinaryName"]' /usr/local/bin/seccompd-oci
check "snippet: the same cgroup driver for both" \
        is "$S" 'rts["runc"]["options"]["SystemdCgroup"] == rts["crun-seccompd"]["options"]["SystemdCgroup"]' True
check "snippet: the part for full configs has no runc" \
        sh -c "sed -n '/^# --- crun-seccompd/,\$p' '$S' | grep -q 'runtimes.crun-seccompd\]' &&
               ! sed -n '/^# --- crun-seccompd/,\$p' '$S' | grep -q 'runtimes.runc'"

# --- 2. merged into a stock config, containerd loads it -------------------------------------
# dump NAME CONFIG: `containerd config dump` of CONFIG in $T/NAME.dump
dump() { containerd --config "$2" config dump >"$T/$1.dump" 2>"$T/$1.dump.err"; }
# the runc table of a dump, as JSON, options with a zero value left out: they go to the shim
# as runc's options message, where a zero value is an unset one (the built-in table lists
# every option, zero or not; the snippet only SystemdCgroup).
runc_of() {
        toml "$T/$1.dump" '{**rts["runc"], "options": {k: v for k, v in rts["runc"].get("options", {}).items() if v}}'
}

# start_on NAME CONFIG: containerd on CONFIG with its own root, state and address; the
# paths outside those that a stock config names (the opt plugin's) go to $T too.
start_on() {
        local n=$1
        sed -e "s#\"/var/lib/containerd/opt\"#\"$T/$n/opt\"#" -e "s#\"/opt/containerd\"#\"$T/$n/opt\"#" \
                "$2" >"$T/$n.run.toml"
        mkdir -p "$T/$n"
        in_private_etc "$T/etc" "$CONTAINERD" --config "$T/$n.run.toml" --root "$T/$n/root" \
                --state "$T/$n/state" --address "$T/$n/c.sock" >"$T/$n.log" 2>&1 &
        JOB=$!
        until_true 30 quiet ctr -a "$T/$n/c.sock" version && CPID=$(cat "$T/etc/pid")
}
cri_ok() { # NAME: the CRI plugin's status is ok
        ctr -a "$T/$1/c.sock" plugins ls >"$T/$1.plugins" 2>&1 &&
                awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" { print $NF }' "$T/$1.plugins" |
                grep -qx ok
}

for stock in debian default; do
        dump "$stock-stock" "$T/$stock.toml"
        cp "$T/$stock.toml" "$T/$stock-merged.toml"
        merge "$T/$stock-merged.toml"
        check "$stock: merged config dumps" dump "$stock" "$T/$stock-merged.toml" ||
                sed 's/^/  /' "$T/$stock.dump.err"
        check "$stock: merged runtimes are runc and crun-seccompd" \
                is "$T/$stock.dump" 'sorted(rts)' '["crun-seccompd", "runc"]'
        check "$stock: the default is still runc" \
                is "$T/$stock.dump" 'cri["default_runtime_name"]' runc
        check "$stock: runc as in the stock config" \
                [ "$(runc_of "$stock")" = "$(runc_of "$stock-stock")" ]
        check "$stock: crun-seccompd runs seccompd-oci" \
                is "$T/$stock.dump" 'rts["crun-seccompd"]["options"]["BinaryName"]' /usr/local/bin/seccompd-oci
        if start_on "$stock" "$T/$stock-merged.toml"; then
                check "$stock: ctr plugins ls: io.containerd.grpc.v1 cri ok" cri_ok "$stock" ||
                        { grep cri "$T/$stock.plugins"; grep 'cri' "$T/$stock.log" | grep -i error | head -3; }
        else
                ko "$stock: containerd did not start on the merged config"
                tail -5 "$T/$stock.log"
        fi
        stop_containerd
done

# crun-seccompd as the default (the snippet's closing note), on Debian's config: the table
# [plugins."io.containerd.grpc.v1.cri".containerd] added after the runtimes.
cp "$T/debian-merged.toml" "$T/debian-default.toml"
printf '\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "crun-seccompd"\n' \
        >>"$T/debian-default.toml"
dump debian-default "$T/debian-default.toml"
check "debian, crun-seccompd the default: default_runtime_name" \
        is "$T/debian-default.dump" 'cri["default_runtime_name"]' crun-seccompd
check "debian, crun-seccompd the default: runc kept" \
        is "$T/debian-default.dump" 'sorted(rts)' '["crun-seccompd", "runc"]'
if start_on debian-default "$T/debian-default.toml"; then
        check "debian, crun-seccompd the default: cri ok" cri_ok debian-default
else
        ko "debian, crun-seccompd the default: containerd did not start"
fi
stop_containerd

# Before the fix: the snippet's crun-seccompd table alone replaced the runtimes.
cp "$T/debian.toml" "$T/debian-alone.toml"
sed -n '/^# --- crun-seccompd/,$p' "$S" >>"$T/debian-alone.toml"
dump debian-alone "$T/debian-alone.toml"
check "control: crun-seccompd alone replaces the runtimes (why the snippet declares runc)" \
        is "$T/debian-alone.dump" 'sorted(rts)' '["crun-seccompd"]'
if start_on debian-alone "$T/debian-alone.toml"; then
        check "control: ... and the CRI plugin fails to load" not cri_ok debian-alone
        check "control: ... for want of runc" \
                grep -qF 'no corresponding runtime configured in `containerd.runtimes` for `containerd` `default_runtime_name = \"runc\"' \
                "$T/debian-alone.log"
else
        ko "control: containerd did not start"
fi
stop_containerd

# --- 3. CRI-O: an additional handler, the default runtime untouched -------------------------
C=$D/crio-seccompd.conf
crio() { # EXPRESSION EXPECTED over crio-seccompd.conf (c: [crio.runtime])
        local got
        got=$(python3 -c 'import sys, json, tomllib
with open(sys.argv[1], "rb") as f:
    d = tomllib.load(f)
c = d.get("crio", {}).get("runtime", {})
r = eval(sys.argv[2])
print(json.dumps(r, sort_keys=True) if isinstance(r, (list, dict)) else r)' "$C" "$1" 2>&1)
        [ "$got" = "$2" ] || { echo "  $1: got '$got', want '$2'"; return 1; }
}
check "crio: TOML, only [crio.runtime]" crio 'sorted(d) + sorted(d["crio"])' '["crio", "runtime"]'
check "crio: no default_runtime (the default handler stays)" crio '"default_runtime" in c' False
check "crio: one runtime added, crun-seccompd" crio 'sorted(c["runtimes"])' '["crun-seccompd"]'
check "crio: nothing else in [crio.runtime]" crio 'sorted(c)' '["runtimes"]'
check "crio: runtime_path is seccompd-oci" \
        crio 'c["runtimes"]["crun-seccompd"]["runtime_path"]' /usr/local/bin/seccompd-oci
check "crio: runtime_type oci" crio 'c["runtimes"]["crun-seccompd"]["runtime_type"]' oci
check "crio: runtime_root is crun's" crio 'c["runtimes"]["crun-seccompd"]["runtime_root"]' /run/crun
check "runtimeclass.yaml: handler crun-seccompd" grep -qx 'handler: crun-seccompd' "$D/runtimeclass.yaml"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
