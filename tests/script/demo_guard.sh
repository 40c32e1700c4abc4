#!/usr/bin/env bash
# A second demo never harms a running one: started on the first's data
# directory or on one of its ports, it refuses with one line saying which
# and how to stop the other, and exits 1 before touching anything; the
# first demo's PostgreSQL, logs and clients carry on. Once the first
# stops, the same directory starts again.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${ZWS_BIN_DIR:-$src/build/bin}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
out=$(mktemp -d /tmp/zws-demo-guard.XXXXXX)
chmod 755 "$out"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -INT -- "-$p" 2>/dev/null || kill -INT "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT
fail() {
  echo "demo_guard: FAIL: $*"
  for f in "$out"/*.out "$out"/a-logs/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
  exit 1
}
cd "$src"

# start_demo NAME DATA LOGS PORT LOOKUP_PORT: runs scripts/demo.sh in its own
# process group, output in $out/NAME.out; sets DEMO_PID.
start_demo() {
  ZWS_DEMO_DATA=$2 ZWS_DEMO_LOGS=$3 ZWS_PORT=$4 ZWS_DEMO_LOOKUP_PORT=$5 ZWS_DEMO_INTERVAL_MS=500 \
    setsid ./scripts/demo.sh >"$out/$1.out" 2>&1 &
  DEMO_PID=$!
  pids+=("$DEMO_PID")
}
wait_running() {
  for _ in $(seq 1500); do
    grep -q "ZWS is running: ws://127.0.0.1:$2" "$out/$1.out" && return 0
    kill -0 "$3" 2>/dev/null || fail "demo $1 exited"
    sleep 0.2
  done
  fail "demo $1 printed no URL within 300 s"
}
# refused NAME DATA LOGS PORT LOOKUP_PORT WORD...: exit 1 within 10 s with one
# line holding every WORD.
refused() {
  local name=$1 rc=0; shift
  ZWS_DEMO_DATA=$1 ZWS_DEMO_LOGS=$2 ZWS_PORT=$3 ZWS_DEMO_LOOKUP_PORT=$4 \
    timeout 10 ./scripts/demo.sh >"$out/$name.out" 2>&1 || rc=$?
  shift 4
  [ "$rc" = 1 ] || fail "demo $name exited $rc, expected 1"
  [ "$(wc -l <"$out/$name.out")" = 1 ] || fail "demo $name said more than one line"
  for w in "$@"; do grep -qF -- "$w" "$out/$name.out" || fail "demo $name does not say '$w'"; done
  echo "refused: $(cat "$out/$name.out")"
}

A_DATA=$out/a-pg A_LOGS=$out/a-logs
A_PORT=$(free_port) A_LOOKUP=$(free_port)
start_demo a "$A_DATA" "$A_LOGS" "$A_PORT" "$A_LOOKUP"
A_PID=$DEMO_PID
wait_running a "$A_PORT" "$A_PID"
"$bin/zws-cat" --count 2 --timeout 20 "ws://127.0.0.1:$A_PORT" '{"query":"NewBlock"}' >/dev/null \
  || fail "the first demo delivers nothing"
pg_pid=$(head -n1 "$A_DATA/data/postmaster.pid")
zws_log_size=$(stat -c %s "$A_LOGS/zws.log")

refused same-data "$A_DATA" "$out/b-logs" "$(free_port)" "$(free_port)" \
  "data directory $A_DATA is in use" "kill $A_PID" "ZWS_DEMO_DATA="
refused same-port "$out/c-pg" "$out/c-logs" "$A_PORT" "$(free_port)" \
  "port $A_PORT" "in use" "ZWS_PORT=<port>"
refused same-lookup-port "$out/d-pg" "$out/d-logs" "$(free_port)" "$A_LOOKUP" \
  "port $A_LOOKUP" "in use" "ZWS_DEMO_LOOKUP_PORT=<port>"

[ "$(head -n1 "$A_DATA/data/postmaster.pid" 2>/dev/null)" = "$pg_pid" ] && kill -0 "$pg_pid" \
  || fail "the first demo's PostgreSQL was stopped"
[ "$(stat -c %s "$A_LOGS/zws.log")" -ge "$zws_log_size" ] || fail "the first demo's zws.log shrank"
! grep -qP '\x00' "$A_LOGS/zws.log" "$A_LOGS/ingest.log" || fail "NUL bytes in the first demo's logs"
[ ! -e "$out/b-logs" ] && [ ! -e "$out/c-pg" ] || fail "a refused demo created its directories"
"$bin/zws-cat" --count 3 --timeout 20 "ws://127.0.0.1:$A_PORT" '{"query":"NewBlock"}' >/dev/null \
  || fail "the first demo stopped delivering"
echo "the first demo still runs: PostgreSQL pid $pg_pid, logs intact, notifications arriving"

kill -INT -- "-$A_PID"
for _ in $(seq 100); do kill -0 "$A_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$A_PID" 2>/dev/null && fail "the first demo still runs 10 s after Ctrl-C"
[ ! -e "$A_DATA" ] || fail "the first demo left its data directory behind"

B_PORT=$(free_port)
start_demo b "$A_DATA" "$out/b-logs" "$B_PORT" "$(free_port)"
wait_running b "$B_PORT" "$DEMO_PID"
echo "demo_guard: PASS: refused on a busy data directory and busy ports, the first demo untouched; the directory starts again once free"
