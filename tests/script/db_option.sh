#!/usr/bin/env bash
# One reading of --db (and ZWS_DB) in both programs: the same malformed
# conninfo is the same one-line error, exit 2, from zws and zws-ingest, on
# the command line and in the environment; neither tries to connect.
set -euo pipefail
bin=${ZWS_BIN_DIR:?set ZWS_BIN_DIR}
fail() { echo "db_option: FAIL: $*"; exit 1; }

# run PROG ARGS...: prints "rc|stderr" with the program's name stripped.
run() {
  local prog=$1 rc=0 err; shift
  err=$(timeout 10 "$bin/$prog" "$@" 2>&1 >/dev/null) || rc=$?
  echo "$rc|${err#"$prog: "}"
}
for bad in garbage "host=/tmp dbname='zws" "hots=/tmp" "postgresql://h/db?bogus=1"; do
  a=$(run zws --db "$bad" --lookup http://127.0.0.1:1)
  b=$(run zws-ingest --db "$bad" --lookup http://127.0.0.1:1)
  c=$(ZWS_DB=$bad run zws --lookup http://127.0.0.1:1)
  d=$(ZWS_DB=$bad run zws-ingest --lookup http://127.0.0.1:1)
  [[ "$a" == "2|--db (ZWS_DB): "* ]] || fail "zws --db '$bad': $a"
  [ "$a" = "$b" ] || fail "zws and zws-ingest differ on '$bad': [$a] [$b]"
  [ "$a" = "$c" ] && [ "$a" = "$d" ] || fail "ZWS_DB='$bad' differs: [$c] [$d]"
  echo "'$bad' -> exit ${a%%|*}: ${a#*|}"
done
echo "db_option: PASS"
