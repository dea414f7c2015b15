#!/usr/bin/env bash
# libseccompd as a consumer gets it: `meson install` into a temp destdir, then a program that
# includes only <seccompd/client.h> is built with nothing but `pkg-config --cflags --libs
# libseccompd` and run against the installed library and a real daemon. Its output is
# compared with what curl gets from the same daemon. The installed library exports only
# seccompd_*, under the versions LIBSECCOMPD_0.1 and (added since) LIBSECCOMPD_0.2 and 0.3.
#
# Usage: test-pkgconfig.sh BUILD_DIR SOURCE_DIR SECCOMPD SECCOMPCTL [SANITIZERS]
set -u
BUILD=$(realpath "${1:?build dir}")
SRC=$(realpath "${2:?source dir}")
DAEMON=$(realpath "${3:?seccompd}")
CTL=$(realpath "${4:?seccompctl}")
SANITIZE=${5:-none}
for tool in pkg-config nm objdump cc curl readelf; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
T=$(mktemp -d)
DEST=$T/dest
SOCK=$T/seccompd.sock
DPID=
cleanup() {
        if [ -n "$DPID" ]; then kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; fi
        rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # description command...
        local what=$1; shift
        if "$@"; then ok; else ko "$what"; fi
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

# --- install ------------------------------------------------------------------------
if ! meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet >"$T/install.log" 2>&1; then
        ko "meson install --destdir"; cat "$T/install.log"; finish
fi
ok
mapfile -t pcs < <(find "$DEST" -name libseccompd.pc)
[ "${#pcs[@]}" = 1 ] && ok || { ko "one libseccompd.pc installed (found ${#pcs[@]})"; finish; }
PC_DIR=$(dirname "${pcs[0]}")
LIBDIR=$(dirname "$PC_DIR")
SO=$LIBDIR/libseccompd.so.0.1.0
check "libseccompd.so.0.1.0 in the .pc's libdir" [ -f "$SO" ]
check "libseccompd.so.0 -> libseccompd.so.0.1.0" \
        [ "$(readlink "$LIBDIR/libseccompd.so.0")" = libseccompd.so.0.1.0 ]
check "libseccompd.so (for -lseccompd)" [ -e "$LIBDIR/libseccompd.so" ]
mapfile -t hdrs < <(find "$DEST" -path '*/include/seccompd/*.h' -printf '%f\n' | sort)
check "headers client.h and protocol.h in include/seccompd/" \
        [ "${hdrs[*]:-}" = "client.h protocol.h" ]
[ -f "$SO" ] || finish

# --- exported symbols ---------------------------------------------------------------
want01="seccompd_blob_free seccompd_compile seccompd_connect seccompd_disconnect
seccompd_get_blob seccompd_last_error seccompd_list seccompd_profiles_free
seccompd_status seccompd_status_free"
want02="seccompd_get_profile seccompd_get_source seccompd_last_answer seccompd_list_profiles
seccompd_profile_free seccompd_profile_list_free seccompd_reload seccompd_source_free"
want03="seccompd_container_list_free seccompd_denials_free seccompd_get_denials seccompd_list_containers"
# Defined dynamic symbols, the version nodes themselves ("A LIBSECCOMPD_0.1") aside.
nm -D --defined-only "$SO" | awk '$2 != "A" {sub(/@.*/, "", $3); print $3}' | sort >"$T/syms"
echo "$want01 $want02 $want03" | tr ' \n' '\n\n' | sort >"$T/want"
if cmp -s "$T/syms" "$T/want"; then ok; else
        ko "exported symbols are not exactly the API's:"; diff "$T/want" "$T/syms" | sed 's/^/  /'
fi
check "no http_* exported" [ "$(nm -D --defined-only "$SO" | grep -c ' http_')" = 0 ]
check "nothing but seccompd_* exported" \
        [ "$(grep -vc '^seccompd_' "$T/syms")" = 0 ]
objdump -T "$SO" | awk '/ seccompd_/ {print $(NF-1), $NF}' >"$T/versions"
check "objdump -T lists the 22 seccompd_* symbols" [ "$(wc -l <"$T/versions")" = 22 ]
# The ABI only grows: the 0.1 symbols keep their version, the 0.2 ones theirs, the new ones
# are in 0.3.
echo "$want01" | tr ' \n' '\n\n' | sed 's/^/LIBSECCOMPD_0.1 /' >"$T/want-versions"
echo "$want02" | tr ' \n' '\n\n' | sed 's/^/LIBSECCOMPD_0.2 /' >>"$T/want-versions"
echo "$want03" | tr ' \n' '\n\n' | sed 's/^/LIBSECCOMPD_0.3 /' >>"$T/want-versions"
check "every seccompd_* symbol is versioned LIBSECCOMPD_0.1, 0.2 or, new, 0.3" \
        cmp -s <(sort "$T/versions") <(sort "$T/want-versions")
objdump -p "$SO" >"$T/dynamic"
check "SONAME libseccompd.so.0" grep -Eq 'SONAME +libseccompd\.so\.0$' "$T/dynamic"
check "version definition LIBSECCOMPD_0.1" grep -q 'LIBSECCOMPD_0\.1' "$T/dynamic"
check "version definition LIBSECCOMPD_0.2" grep -q 'LIBSECCOMPD_0\.2' "$T/dynamic"
check "version definition LIBSECCOMPD_0.3" grep -q 'LIBSECCOMPD_0\.3' "$T/dynamic"

# --- pkg-config ---------------------------------------------------------------------
# The staged tree as a consumer would see it once installed: PKG_CONFIG_SYSROOT_DIR puts the
# destdir in front of every -I and -L. (--define-prefix would not do: pkgconf takes the .pc's
# grandparent directory for the prefix, which is lib/ under a multiarch libdir such as
# lib/x86_64-linux-gnu/pkgconfig.)
PREFIX=$DEST$(sed -n 's/^prefix=//p' "${pcs[0]}")
pc() { PKG_CONFIG_PATH=$PC_DIR PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config "$@" libseccompd; }
check "pkg-config --modversion is 0.1.0" [ "$(pc --modversion)" = 0.1.0 ]
FLAGS=$(pc --cflags --libs) || { ko "pkg-config --cflags --libs libseccompd"; finish; }
check "cflags point into the destdir" grep -q -- "-I$PREFIX/include" <<<"$FLAGS"
check "libs name -lseccompd in the destdir" grep -q -- "-L$LIBDIR .*-lseccompd" <<<"$FLAGS"
check "Requires.private has libcurl and jansson" \
        grep -Eq '^Requires.private:.*libcurl.*jansson' "${pcs[0]}"

SANFLAGS=
[ "$SANITIZE" != none ] && [ -n "$SANITIZE" ] && SANFLAGS="-fsanitize=$SANITIZE"
# shellcheck disable=SC2086 # word splitting of the flags is the point
if ! cc -std=c11 -Wall -Wextra -Werror $SANFLAGS -o "$T/demo" \
        "$SRC/tests/integration/pkgconfig-demo.c" $FLAGS 2>"$T/cc.log"; then
        ko "the demo does not build with pkg-config's flags alone: cc $FLAGS"
        cat "$T/cc.log"
        finish
fi
ok
check "the demo needs libseccompd.so.0" grep -q 'NEEDED.*libseccompd\.so\.0' <(readelf -d "$T/demo")
LD_LIBRARY_PATH=$LIBDIR ldd "$T/demo" >"$T/ldd"
check "the demo loads the installed library" grep -q "libseccompd.so.0 => $LIBDIR/" "$T/ldd"

# --- against a real daemon ----------------------------------------------------------
mkdir "$T/profiles"
cp "$SRC/profiles/default.json" "$T/profiles/default.json"
printf '{\n  "syscalls": [],\n  "defaultAction": "SCMP_ACT_NOPE"\n}\n' >"$T/profiles/broken.json"
"$DAEMON" --foreground --root "runtime=$T/profiles" --socket "$SOCK" --cache-dir "$T/cache" \
        2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 200); do
        curl -s --unix-socket "$SOCK" http://localhost/v1/health 2>/dev/null |
                grep -q '"ready": *true' && break
        kill -0 "$DPID" 2>/dev/null || break
        sleep 0.05
done
curl -s --unix-socket "$SOCK" http://localhost/v1/health | grep -q '"ready": *true' ||
        { ko "the daemon did not come up"; cat "$T/daemon.log"; finish; }

curl -s -D "$T/headers" -o "$T/served.bpf" --unix-socket "$SOCK" \
        http://localhost/v1/bpf/runtime/default
header() { tr -d '\r' <"$T/headers" | awk -F': ' -v h="$1" 'tolower($1) == tolower(h) {print $2}'; }
want_insns=$(header Seccompd-Instructions)
want_key=$(header Seccompd-Blob-Key)
"$CTL" -q compile "$T/profiles/default.json" -o "$T/local.bpf"
check "curl's blob is seccompctl's" cmp -s "$T/served.bpf" "$T/local.bpf"

LD_LIBRARY_PATH=$LIBDIR "$T/demo" "$SOCK" runtime/default >"$T/out" 2>"$T/err"
rc=$?
check "demo exits 0 (stderr: $(head -c 300 "$T/err"))" [ "$rc" = 0 ]
field() { awk -v k="$1" '$1 == k {print $2}' "$T/out"; }
insns=$(field instructions) key=$(field key) size=$(field size)
check "curl got Seccompd-Instructions and Seccompd-Blob-Key" [ -n "$want_insns" -a -n "$want_key" ]
check "instructions '$insns' = curl's $want_insns" [ "$insns" = "$want_insns" ]
check "key '$key' = curl's $want_key" [ "$key" = "$want_key" ]
check "size '$size' = the blob's bytes" [ "$size" = "$(stat -c %s "$T/served.bpf")" ]
check "size = 8 x instructions" [ "$size" = $((${insns:-0} * 8)) ]
check "state valid" [ "$(field state)" = valid ]
check "two profiles listed" [ "$(field profiles)" = 2 ]

LD_LIBRARY_PATH=$LIBDIR "$T/demo" "$SOCK" runtime/broken >"$T/out" 2>"$T/err"
rc=$?
check "an invalid profile: exit 1" [ "$rc" = 1 ]
check "an invalid profile: the daemon's message" grep -q "is invalid and not served" "$T/err"
LD_LIBRARY_PATH=$LIBDIR "$T/demo" "$T/nowhere.sock" runtime/default >"$T/out" 2>"$T/err"
rc=$?
check "no daemon: exit 1" [ "$rc" = 1 ]
check "no daemon: No such file or directory" grep -q "No such file" "$T/err"

finish
