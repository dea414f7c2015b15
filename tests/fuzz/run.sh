#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Runs every libFuzzer harness of a -Dfuzz=true build for a while, each on a fresh copy of the
# seed corpus, and fails if any of them finds a crash, a leak or undefined behaviour.
#
#   CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false && ninja -C build-fuzz
#   tests/fuzz/run.sh build-fuzz [HARNESS...]
#
# Environment:
#   FUZZ_SECONDS             per harness, default 60
#   FUZZ_JOBS                libFuzzer -fork=N worker processes per harness (default 1:
#                            in-process)
#   FUZZ_KEEP=1              keep the work directory (kept anyway when a harness fails)
#   FUZZ_ARTIFACTS           where crashing inputs go (default: the work directory)
#   FUZZ_UBSAN_SUPPRESSIONS  a UBSan suppressions file, to fuzz past a known report; only
#                            effective in a build configured with
#                            -Dc_args=-fsanitize-recover=undefined
# Exit status: 0 clean, 1 a harness failed, 2 usage.

set -u

here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}

if [ $# -lt 1 ]; then
        echo "usage: $0 BUILDDIR [HARNESS...]" >&2
        exit 2
fi
builddir=$1
shift
if [ $# -eq 0 ]; then
        set -- fuzz-parse fuzz-compile fuzz-bpf fuzz-http
fi
case $seconds$jobs in
''|*[!0-9]*) echo "$0: FUZZ_SECONDS and FUZZ_JOBS must be numbers" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/seccompd-fuzz.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
        if [ "${FUZZ_KEEP:-0}" = 1 ]; then
                echo "work directory kept: $work"
        else
                rm -rf "$work"
        fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
artifacts=${FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$artifacts"

# Leaks are bugs; UBSan reports must stop the run, not scroll by.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
if [ -n "${FUZZ_UBSAN_SUPPRESSIONS:-}" ]; then
        UBSAN_OPTIONS=$UBSAN_OPTIONS:suppressions=$FUZZ_UBSAN_SUPPRESSIONS
fi
export ASAN_OPTIONS UBSAN_OPTIONS

status=0
for name in "$@"; do
        bin=$builddir/tests/fuzz/$name
        if [ ! -x "$bin" ]; then
                echo "$name: FAIL (no binary at $bin; configure with -Dfuzz=true and build)"
                status=1
                continue
        fi
        corpus=$work/corpus-$name
        mkdir -p "$corpus"
        # Inputs that once found a bug run first, as part of the corpus.
        if [ "$name" = fuzz-bpf ] && [ -d "$here/seed-bpf" ]; then
                cp "$here"/seed-bpf/* "$corpus"/
        elif [ "$name" = fuzz-http ]; then
                cp "$here"/seed-http/* "$corpus"/
                find "$here/regressions-http" -type f ! -name '*.md' -exec cp {} "$corpus"/ \;
        else
                cp "$here"/seed/* "$corpus"/
                if [ -d "$here/regressions" ]; then
                        find "$here/regressions" -type f ! -name '*.md' -exec cp {} "$corpus"/ \;
                fi
        fi
        case $name in
        fuzz-bpf) dict= ;;
        fuzz-http) dict=-dict=$here/http.dict ;;
        *) dict=-dict=$here/seccomp.dict ;;
        esac
        log=$work/$name.log

        if [ "$jobs" -gt 1 ]; then
                par="-fork=$jobs"
        else
                par=
        fi
        # shellcheck disable=SC2086 # $dict and $par are empty or one/two words by design
        "$bin" -max_len=65536 -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
                -print_final_stats=1 -artifact_prefix="$artifacts/$name-" $dict $par \
                "$corpus" >"$log" 2>&1
        rc=$?

        # libFuzzer's final stats (in-process mode) or the last status line.
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
        ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
        units=$(find "$corpus" -type f | wc -l)
        crashes=$(find "$artifacts" -name "$name-*" -type f | wc -l)

        if [ $rc -eq 0 ] && [ "$crashes" -eq 0 ]; then
                verdict=ok
        else
                verdict=FAIL
                status=1
        fi
        printf '%s: %s execs=%s cov=%s ft=%s corpus=%s time=%ss crashes=%s\n' "$name" "$verdict" \
                "${execs:-?}" "${cov:-?}" "${ft:-?}" "$units" "$seconds" "$crashes"
        if [ $verdict = FAIL ]; then
                # The first report and its frames in our code, not libFuzzer's or libc's.
                grep -E -m 3 'runtime error|ERROR: [A-Za-z]+Sanitizer|fuzz invariant|SUMMARY: ' \
                        "$log" | sed 's/^/    /'
                skip='fuzzer::|libc|_start|main \(|__sanitizer|pthread_kill|raise|abort'
                awk -v skip="$skip" '/^ +#0 / { n++ } n == 1 && /^ +#[0-9]+ / && $0 !~ skip' \
                        "$log" | head -n 8 | sed 's/^ */      /'
                find "$artifacts" -name "$name-*" -type f | sed 's/^/    reproducer: /'
                echo "    full log: $log"
                FUZZ_KEEP=1
        fi
done
exit $status
