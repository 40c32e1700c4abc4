#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (build-fuzz/,
# -DZWS_FUZZ=ON: address and undefined-behaviour sanitizers, leak checks)
# and runs each for SECONDS (default 45), starting from its corpus in
# tests/fuzz/corpus/<target>/. Fails when any target finds a crash, a
# sanitizer report, a leak or a timeout; the input that did it is kept in
# build-fuzz/fuzz/<target>/ and its path printed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# New inputs the fuzzers find stay in build-fuzz/fuzz/<target>/corpus/
# (not in the repository); see README, "Fuzzing", for longer campaigns.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-45}
shift || true
build=${ZWS_FUZZ_BUILD:-build-fuzz}
CC=${ZWS_FUZZ_CC:-clang} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZWS_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_targets >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    targets+=("${name#fuzz_}")
  done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
for t in "${targets[@]}"; do
  work="$build/fuzz/$t"
  mkdir -p "$work/corpus"
  log="$work/fuzz.log"
  echo "fuzz_$t: ${seconds}s from tests/fuzz/corpus/$t/"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/" \
       "$work/corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | sed 's/^/  /'
  else
    failed+=("$t")
    echo "  FAILED (log: $log)"
    grep -E 'ERROR: |SUMMARY: |runtime error|check failed|Test unit written to' "$log" | head -20 | sed 's/^/  /'
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}"
  echo "once fixed, copy each crashing input into tests/fuzz/corpus/<target>/regress-<what>"
  exit 1
fi
echo "fuzzing: ${#targets[@]} target(s), nothing found"
