#!/usr/bin/env bash
# seccompctl over the third-party corpus (meson option corpus_dir; not part of the
# repository): every OCI/Docker JSON profile validates but moby's parser fixture (an errnoRet
# runc refuses), and Mesos's example is valid in the mesos dialect. Without the corpus: exit 77 with the reason (meson: SKIP).
#   test-corpus-cli.sh SECCOMPCTL CORPUS-DIR
set -u
CTL=${1:?seccompctl}
CORPUS=${2:?corpus dir}
if [ ! -d "$CORPUS" ]; then
        echo "SKIP: the third-party profile corpus is not at $CORPUS (it is not part of the repository; point -Dcorpus_dir=DIR at a copy to run this test)"
        exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() { # rc command...
        local want=$1; shift
        "$@" >"$T/out" 2>"$T/err"; local rc=$?
        [ "$rc" = "$want" ] && ok || { ko "rc $rc (want $want): $*"; sed 's/^/  /' "$T/err" | head -5; }
}

n=0
for f in $(find "$CORPUS" -name '*.json' ! -path '*/firecracker/*' | sort); do
        n=$((n + 1))
        # moby's parser fixture has errnoRet 12345: libseccomp refuses it, so does runc
        [ "$f" = "$CORPUS/moby/fixtures/example.json" ] && continue
        expect_rc 0 "$CTL" validate -q "$f"
done
expect_rc 1 "$CTL" validate "$CORPUS/moby/fixtures/example.json"
grep -qF "/syscalls/3/errnoRet: errno 12345 is not below 4095" "$T/err" && ok ||
        ko "example.json: no error for errnoRet 12345"
# 39 OCI/Docker profiles (firecracker/ is another format, lxc/ is text)
[ "$n" = 39 ] && ok || ko "$n JSON profiles in the corpus, expected 39"
expect_rc 0 "$CTL" validate --dialect mesos "$CORPUS/mesos/seccomp_default.json"
expect_rc 1 "$CTL" validate --dialect mesos "$CORPUS/moby/fixtures/example.json"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
