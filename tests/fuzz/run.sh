#!/usr/bin/env bash
# run.sh: run one libFuzzer harness for a bounded time; fail on any finding.
#
#   tests/fuzz/run.sh BUILD_DIR HARNESS [SECONDS] [libFuzzer flags...]
#
# BUILD_DIR holds the fuzz_<harness> binaries (build/fuzz after `cmake --build build`).
# Seeds: tests/fuzz/corpus/<harness>/ plus tests/fuzz/crashes-known/<harness>/ (inputs
# that fail today and must pass once fixed) and BUILD_DIR/work/<harness>/, which
# receives the new inputs and is kept from run to run (never the repository). A crash,
# leak, UB report, timeout or out-of-memory is written to BUILD_DIR/artifacts/<harness>/
# and printed with the command that reproduces it.
set -uo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
build=$1 harness=$2 seconds=${3:-30}
shift $(( $# >= 3 ? 3 : 2 ))
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/fuzz_$harness
work=$build/work/$harness
artifacts=$build/artifacts/$harness

if [ ! -x "$bin" ]; then
  echo "fuzz_$harness: $bin is missing (build it: cmake --build <build dir>)" >&2
  exit 1
fi
rm -rf "$artifacts"
mkdir -p "$work" "$artifacts"
seeds=("$here/corpus/$harness")  # after $work: libFuzzer writes into the first directory
if [ -d "$here/crashes-known/$harness" ]; then
  seeds+=("$here/crashes-known/$harness")
fi
flags=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
       -artifact_prefix="$artifacts/")
if [ -f "$here/dict/$harness.dict" ]; then
  flags+=(-dict="$here/dict/$harness.dict")
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
"$bin" "${flags[@]}" "$@" "$work" "${seeds[@]}" 2>&1 | tee "$build/fuzz_$harness.log" |
  grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)'
rc=${PIPESTATUS[0]}

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz_$harness.log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$build/fuzz_$harness.log")
found=$(find "$artifacts" -type f | head -n 1)
if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
  echo "fuzz_$harness: FINDING (exit $rc) after ${runs:-?} executions"
  if [ -n "$found" ]; then
    echo "fuzz_$harness: reproducer: $found"
    for seed in "${seeds[@]}"; do
      for f in "$seed"/*; do
        if [ -f "$f" ] && cmp -s "$f" "$found"; then
          echo "fuzz_$harness: (the same bytes as the seed $f)"
        fi
      done
    done
    echo "fuzz_$harness: reproduce:  $bin $found"
  fi
  echo "fuzz_$harness: full log:   $build/fuzz_$harness.log"
  exit 1
fi
echo "fuzz_$harness: no finding in ${seconds} s: ${runs:-?} executions, ${speed:-?} exec/s"
