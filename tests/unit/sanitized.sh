#!/usr/bin/env bash
# Runs one unit-test program of a sanitizer build (-DZWS_SANITIZE=ON) and
# fails on any sanitizer report. Criterion runs each test in a worker
# process and ignores how the worker exits once its test has passed, so a
# leak LeakSanitizer reports at that exit would pass unseen: here the
# reports go to files, and any file fails the run.
#   tests/unit/sanitized.sh PROGRAM [ARGS...]
set -u
prog=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rc=0
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:log_path=$dir/asan" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}:log_path=$dir/ubsan" \
  "$prog" "$@" || rc=$?
if compgen -G "$dir/*" >/dev/null; then
  cat "$dir"/* >&2
  echo "$(basename "$prog"): sanitizer reports above" >&2
  exit 1
fi
exit "$rc"
