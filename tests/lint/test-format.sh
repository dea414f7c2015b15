#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every C source and header of the tree is formatted as the checked-in .clang-format says.
# Fails naming each file that is not, with the first lines clang-format would change.
#   test-format.sh SOURCE-DIR
set -u
SRC=$(realpath "${1:?source dir}")
CF=$(command -v clang-format-14 || command -v clang-format) || {
        echo "SKIP: clang-format is not installed (scripts/deps.sh test installs it)"
        exit 77
}
echo "# $("$CF" --version)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The check itself can fail: a file with a known defect must be reported.
printf 'int  f(void){return 0;}\n' >"$T/bad.c"
cp "$SRC/.clang-format" "$T/"
if "$CF" --dry-run -Werror "$T/bad.c" >/dev/null 2>&1; then
        echo "FAIL: clang-format --dry-run -Werror accepts a misformatted file: the check is blind"
        exit 1
fi

cd "$SRC" || exit 1
files=$(find api bench client daemon include lib libseccompd oci tests -name '*.[ch]' | sort)
bad=0 n=0
for f in $files; do
        n=$((n + 1))
        if ! "$CF" --dry-run -Werror "$f" >/dev/null 2>&1; then
                bad=$((bad + 1))
                echo "FAIL: $f is not formatted (clang-format -i $f):"
                "$CF" "$f" | diff -u "$f" - | sed -n '3,12p' | sed 's/^/  /'
        fi
done
echo "$((n - bad)) passed, $bad failed"
[ "$bad" = 0 ]
