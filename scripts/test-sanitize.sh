#!/usr/bin/env bash
# Builds ZWS with AddressSanitizer and UBSan (-DZWS_SANITIZE=ON) into
# build-asan/ and runs the whole ctest suite against it: unit, integration
# and script tests, zws and zws-ingest alike, with leak detection on and
# the first undefined behaviour fatal. Integration and ingest script tests
# stop their programs with SIGTERM and fail on any sanitizer report in
# their logs; unit tests, through tests/unit/sanitized.sh, on any report
# from Criterion's workers. Run scripts/install-deps.sh first
# (scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZWS_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)" >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# The runtime image test (label image) is left out: it runs the built
# programs in an image that carries the runtime packages only, not the
# sanitizer libraries; scripts/test.sh runs it on the release build.
ctest --test-dir build-asan --output-on-failure -LE image "$@"
