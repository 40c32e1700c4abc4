#!/usr/bin/env bash
# The ZWS demo on one machine: installs what is missing, builds, then runs a
# local PostgreSQL (data under /tmp), a fake lookup node producing a block
# every few seconds (the first one is mainnet block 692365), zws-ingest and
# zws on ws://127.0.0.1:4401. Ctrl-C stops everything.
#   ZWS_PORT=4401 ZWS_DEMO_LOOKUP_PORT=4201 ZWS_DEMO_INTERVAL_MS=4000 ./scripts/demo.sh
# ZWS_DEMO_DATA (PostgreSQL's directory) and ZWS_DEMO_LOGS (default .demo/)
# let two demos run side by side. A demo refuses to start, before touching
# anything, when another one holds its data directory or its ports.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${ZWS_PORT:-4401}
interval=${ZWS_DEMO_INTERVAL_MS:-4000}
lookup_port=${ZWS_DEMO_LOOKUP_PORT:-4201}
logs=${ZWS_DEMO_LOGS:-$root/.demo}
# PostgreSQL runs as the postgres user, so its directory lives where that
# user can reach it.
pgdir=${ZWS_DEMO_DATA:-${TMPDIR:-/tmp}/zws-demo-pg-$(id -u)}

# One demo per data directory: the lock lives as long as this process (its
# children do not inherit it).
exec 9<>"$pgdir.lock"
if ! flock -n 9; then
  other=$(cat "$pgdir.pid" 2>/dev/null || echo "?")
  echo "demo: not started: the data directory $pgdir is in use by another demo (pid $other); stop it with Ctrl-C in its terminal or 'kill $other', or give this one ZWS_DEMO_DATA=<another directory>" >&2
  exit 1
fi
for p in "$port:ZWS_PORT" "$lookup_port:ZWS_DEMO_LOOKUP_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${p%%:*}") 2>/dev/null; then
    echo "demo: not started: port ${p%%:*} on 127.0.0.1 is in use (another demo or server); stop it (Ctrl-C in the other demo's terminal) or choose another port: ${p#*:}=<port> ./scripts/demo.sh" >&2
    exit 1
  fi
done
echo $$ >"$pgdir.pid"

scripts/install-deps.sh
scripts/build.sh >/dev/null
bin=$root/build/bin
mkdir -p "$logs"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  tests/pg.sh stop "$pgdir"
  rm -f "$pgdir.pid"
  echo "demo stopped"
}
trap cleanup EXIT INT TERM

# wait_port PORT PID NAME LOG: until PORT answers; exits when PID died.
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: $3 did not start; the end of $4:" >&2
  tail -n 5 "$4" >&2
  exit 1
}

conn=$(tests/pg.sh start "$pgdir" 9<&-)
echo "PostgreSQL: $conn (logs: $pgdir/server.log)"
"$bin/zws-fake-lookup" --port "$lookup_port" --interval-ms "$interval" >"$logs/lookup.log" 2>&1 9<&- &
pids+=($!)
wait_port "$lookup_port" "$!" "the fake lookup" "$logs/lookup.log"
"$bin/zws-ingest" --migrate-only --db "$conn" >"$logs/ingest.log" 2>&1
"$bin/zws-ingest" --db "$conn" --lookup "http://127.0.0.1:$lookup_port" --poll-ms 500 >>"$logs/ingest.log" 2>&1 9<&- &
pids+=($!)
"$bin/zws" --db "$conn" --host 127.0.0.1 --port "$port" --lookup "http://127.0.0.1:$lookup_port" >"$logs/zws.log" 2>&1 9<&- &
pids+=($!)
wait_port "$port" "$!" "zws" "$logs/zws.log"
cat <<MSG

ZWS is running: ws://127.0.0.1:$port
A new TxBlock arrives every $((interval / 1000)) s (logs in $logs/).
Watch notifications from another terminal:
  $bin/zws-cat ws://127.0.0.1:$port '{"query":"NewBlock"}'
EventLog of the contract that emits in mainnet block 692365:
  $bin/zws-cat ws://127.0.0.1:$port '{"query":"EventLog","addresses":["0x17329229cd84b964130977975054f7725a85381a"]}'
Ctrl-C stops the demo.

MSG
tail -n0 -f "$logs/ingest.log" "$logs/zws.log" 9<&- &
pids+=($!)
wait "${pids[0]}"
