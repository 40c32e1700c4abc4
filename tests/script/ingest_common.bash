# Helpers for the tests/script/ingest_*.sh integration tests (sourced, not
# run by ctest: the name does not end in .sh). Each test gets its own
# database on the test PostgreSQL ($ZWS_TEST_PG_DIR), free ports, its own
# zws-fake-lookup and zws-ingest, cleanup on exit, and the process logs
# printed when it fails.
set -euo pipefail

: "${ZWS_BIN_DIR:?set ZWS_BIN_DIR}"
: "${ZWS_TEST_PG_DIR:?set ZWS_TEST_PG_DIR}"
ZWS_SOURCE_DIR=${ZWS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FIXTURES=$ZWS_SOURCE_DIR/tests/fixtures

T=$(mktemp -d /tmp/zws-ingest-test.XXXXXX)
chmod 755 "$T"
PIDS=()
DBS=()
FAILED=1

it_log() { echo "[$(date +%H:%M:%S)] $*"; }

# Stops what still runs with SIGTERM (SIGKILL after 10 s), so a sanitizer
# build checks for leaks at exit; then any sanitizer report in a log fails
# the test.
it_stop_all() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    { kill -9 "$p"; wait "$p"; } 2>/dev/null || true
  done
  local reports
  reports=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.log 2>/dev/null || true)
  [ -z "$reports" ] && return 0
  for f in $reports; do
    echo "===== sanitizer report in $f"; grep -A40 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" | head -80
  done
  return 1
}

it_cleanup() {
  local rc=$?
  if ! it_stop_all && [ "$rc" = 0 ]; then rc=1; fi
  if [ "$FAILED" = 1 ] || [ "$rc" != 0 ]; then
    for f in "$T"/*.log; do
      [ -f "$f" ] || continue
      echo "===== $f (last 60 lines)"; tail -n 60 "$f"
    done
  fi
  for d in "${DBS[@]}"; do dropdb -h "$ZWS_TEST_PG_DIR" -U postgres --if-exists "$d" 2>/dev/null || true; done
  [ -n "${IT_EXTRA_CLEANUP:-}" ] && eval "$IT_EXTRA_CLEANUP"
  [ -n "${IT_KEEP:-}" ] || rm -rf "$T"
  exit "$rc"
}
trap it_cleanup EXIT

it_fail() { echo "FAIL: $*" >&2; exit 1; }

it_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# it_createdb NAME: prints the conninfo of a new database.
it_createdb() {
  local name="zi_${1}_$$"
  createdb -h "$ZWS_TEST_PG_DIR" -U postgres "$name"
  DBS+=("$name")
  echo "host=$ZWS_TEST_PG_DIR dbname=$name user=postgres"
}

# it_sql CONNINFO SQL: one value per line, unaligned.
it_sql() { psql -X -At -v ON_ERROR_STOP=1 "$1" -c "$2"; }

# it_start_fake NAME ARGS...: starts the fake lookup; sets FAKE_URL, FAKE_PID.
it_start_fake() {
  local name=$1; shift
  local port; port=$(it_free_port)
  "$ZWS_BIN_DIR/zws-fake-lookup" --port "$port" "$@" >"$T/$name.log" 2>&1 &
  FAKE_PID=$!
  PIDS+=("$FAKE_PID")
  FAKE_URL="http://127.0.0.1:$port"
  for _ in $(seq 100); do
    curl -sf "$FAKE_URL/fake/status" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  it_fail "fake lookup did not start"
}

it_fake_head() { curl -sf "$1/fake/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["head"])'; }
it_fake_produce() { curl -sf -X POST "$1/fake/produce?count=$2" >/dev/null; }
it_fake_fault() { curl -sf -X POST -d "$2" "$1/fake/fault" >/dev/null; }

# it_start_ingest NAME ARGS...: starts zws-ingest (appending to NAME.log);
# sets INGEST_PID.
it_start_ingest() {
  local name=$1; shift
  "$ZWS_BIN_DIR/zws-ingest" "$@" >>"$T/$name.log" 2>&1 &
  INGEST_PID=$!
  PIDS+=("$INGEST_PID")
}

# it_wait_sql CONNINFO SQL EXPECTED SECONDS: waits until SQL yields EXPECTED.
it_wait_sql() {
  local deadline=$((SECONDS + $4)) got=""
  while [ $SECONDS -lt $deadline ]; do
    got=$(it_sql "$1" "$2" 2>/dev/null || true)
    [ "$got" = "$3" ] && return 0
    sleep 0.1
  done
  it_fail "waited $4s for [$2] = [$3], last [$got]"
}

# it_check_complete CONNINFO FIRST LAST: every block FIRST..LAST exactly once,
# each with all its transactions and event logs, cursor at LAST.
it_check_complete() {
  local db=$1 first=$2 last=$3
  local n; n=$(it_sql "$db" "SELECT count(*) || ' ' || min(block_num) || ' ' || max(block_num) FROM tx_blocks WHERE block_num BETWEEN $first AND $last")
  [ "$n" = "$((last - first + 1)) $first $last" ] || it_fail "blocks $first..$last: got count/min/max $n"
  local bad; bad=$(it_sql "$db" "SELECT count(*) FROM tx_blocks b WHERE b.block_num BETWEEN $first AND $last
      AND (b.num_txns <> (SELECT count(*) FROM transactions t WHERE t.block_num = b.block_num)
      OR b.num_txns <> (SELECT coalesce(sum(array_length(tx_hashes, 1)), 0) FROM tx_block_shards s WHERE s.block_num = b.block_num))")
  [ "$bad" = 0 ] || it_fail "$bad blocks with missing transactions"
  bad=$(it_sql "$db" "SELECT count(*) FROM transactions t WHERE t.block_num BETWEEN $first AND $last
      AND coalesce(json_array_length(t.receipt::json->'event_logs'), 0)
      <> (SELECT count(*) FROM event_logs e WHERE e.block_num = t.block_num AND e.tx_position = t.position)")
  [ "$bad" = 0 ] || it_fail "$bad transactions with missing event logs"
  local cur; cur=$(it_sql "$db" "SELECT block_num FROM ingest_cursor")
  [ "$cur" = "$last" ] || it_fail "cursor $cur, expected $last"
}

# it_http_code URL: the HTTP status of a GET (000 when nothing answers).
it_http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }

# it_wait_health URL CODE FIELD VALUE SECONDS: waits until GET URL answers
# CODE with a JSON body whose FIELD is VALUE; prints the body.
it_wait_health() {
  local deadline=$((SECONDS + $5)) body="" code=""
  while [ $SECONDS -lt $deadline ]; do
    body=$(curl -s --max-time 5 -w '\n%{http_code}' "$1" || true)
    code=${body##*$'\n'}; body=${body%$'\n'*}
    if [ "$code" = "$2" ] && [ "$(printf '%s' "$body" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$3'))" 2>/dev/null)" = "$4" ]; then
      printf '%s\n' "$body"; return 0
    fi
    sleep 0.1
  done
  it_fail "waited $5s for $1 to answer $2 with $3=$4; last $code $body"
}

# it_metrics URL: the samples of a Prometheus text page as "name{labels} value"
# lines, after checking every sample follows its family's TYPE line.
it_metrics() {
  curl -sf --max-time 5 "$1" | python3 -c '
import re, sys
typed = None
for line in sys.stdin.read().splitlines():
    if line.startswith("# TYPE "):
        typed = line.split()[2]; continue
    if line.startswith("#"): continue
    m = re.match(r"^([a-z_]+)(\{[a-z_]+=\"[a-z_]+\"\})? (-?[0-9.]+)$", line)
    if not m or m.group(1) != typed: sys.exit("bad sample line: " + line)
    print(line)
'
}

# it_metric SAMPLES NAME: the value of one sample (name with its labels).
it_metric() { printf '%s\n' "$1" | awk -v n="$2" '$1 == n { print $2 }'; }
