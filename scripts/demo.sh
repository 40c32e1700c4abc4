#!/usr/bin/env bash
# The ZWS demo on one machine: installs what is missing, builds, then runs a
# local PostgreSQL (data under /tmp), a fake lookup node producing a block
# every few seconds (the first one is mainnet block 692365), zws-ingest and
# zws on ws://127.0.0.1:4401. Ctrl-C stops everything.
#   ZWS_PORT=4401 ZWS_DEMO_INTERVAL_MS=4000 ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh
scripts/build.sh >/dev/null
bin=$root/build/bin
port=${ZWS_PORT:-4401}
interval=${ZWS_DEMO_INTERVAL_MS:-4000}
lookup_port=${ZWS_DEMO_LOOKUP_PORT:-4201}
demo=$root/.demo
mkdir -p "$demo"
# PostgreSQL runs as the postgres user, so its directory lives where that
# user can reach it.
pgdir=${TMPDIR:-/tmp}/zws-demo-pg-$(id -u)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  tests/pg.sh stop "$pgdir"
  echo "demo stopped"
}
trap cleanup EXIT INT TERM

conn=$(tests/pg.sh start "$pgdir")
echo "PostgreSQL: $conn (logs: $pgdir/server.log)"
"$bin/zws-fake-lookup" --port "$lookup_port" --interval-ms "$interval" >"$demo/lookup.log" 2>&1 &
pids+=($!)
"$bin/zws-ingest" --db "$conn" --lookup "http://127.0.0.1:$lookup_port" --poll-ms 500 >"$demo/ingest.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  psql -qtA "$conn" -c 'SELECT 1 FROM ingest_cursor' 2>/dev/null | grep -q 1 && break
  sleep 0.1
done
"$bin/zws" --db "$conn" --host 127.0.0.1 --port "$port" --lookup "http://127.0.0.1:$lookup_port" >"$demo/zws.log" 2>&1 &
pids+=($!)
sleep 0.5
cat <<MSG

ZWS is running: ws://127.0.0.1:$port
A new TxBlock arrives every $((interval / 1000)) s (logs in $demo/).
Watch notifications from another terminal:
  $bin/zws-cat ws://127.0.0.1:$port '{"query":"NewBlock"}'
EventLog of the contract that emits in mainnet block 692365:
  $bin/zws-cat ws://127.0.0.1:$port '{"query":"EventLog","addresses":["0x17329229cd84b964130977975054f7725a85381a"]}'
Ctrl-C stops the demo.

MSG
tail -n0 -f "$demo/ingest.log" "$demo/zws.log" &
pids+=($!)
wait "${pids[0]}"
