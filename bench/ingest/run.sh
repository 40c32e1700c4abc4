#!/usr/bin/env bash
# Benchmark of zws-ingest: backfill throughput and live latency against the
# fake lookup node, on a throwaway PostgreSQL (tests/pg.sh; fsync off).
#   bench/ingest/run.sh [BUILD_DIR]        (default: build)
# Env: BLOCKS (20000), SHAPE (mainnet), LIVE (20), POLL_MS (1000),
#      PGBASE (directory for the PostgreSQL data, default a temp dir).
# Prints a markdown table: throughput, CPU per block of each process, live
# latency from POST /fake/produce to the NOTIFY (which must stay within
# the poll interval + 50 ms), the load average and the command.
set -euo pipefail
CMD="$0 $*"
ENV_USED="BLOCKS=${BLOCKS:-20000} SHAPE=${SHAPE:-mainnet} LIVE=${LIVE:-20} POLL_MS=${POLL_MS:-1000}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
BIN=$BUILD/bin
BLOCKS=${BLOCKS:-20000}
SHAPE=${SHAPE:-mainnet}
LIVE=${LIVE:-20}
POLL_MS=${POLL_MS:-1000}
START=1000001
HEAD=$((START + BLOCKS - 1))
T=$(mktemp -d "${PGBASE:-/tmp}/zws-bench-ingest.XXXXXX")
chmod 755 "$T"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do { kill "$p"; wait "$p"; } 2>/dev/null || true; done
  "$SRC/tests/pg.sh" stop "$T/pg" >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT
for b in zws-ingest zws-fake-lookup zws-notify-latency; do
  [ -x "$BIN/$b" ] || { echo "missing $BIN/$b (cmake --build $BUILD)" >&2; exit 1; }
done

DB=$("$SRC/tests/pg.sh" start "$T/pg")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/zws-fake-lookup" --port "$PORT" --height "$HEAD" --shape "$SHAPE" >"$T/fake.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/fake/status" >/dev/null && break; sleep 0.05; done

sql() { psql -X -At "$DB" -c "$1"; }
# CPU seconds (user + system) of a process, of PostgreSQL's processes.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
pg_cpu() {
  local pm; pm=$(head -n 1 "$T/pg/data/postmaster.pid")
  local total=0 p
  for p in $pm $(pgrep -P "$pm"); do total=$(python3 -c "print($total + $(cpu "$p" 2>/dev/null || echo 0))"); done
  echo "$total"
}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
fake0=$(cpu "${PIDS[0]}"); pg0=$(pg_cpu)
t0=$(date +%s.%N)
"$BIN/zws-ingest" --db "$DB" --lookup "http://127.0.0.1:$PORT" --from-block "$START" --poll-ms "$POLL_MS" >"$T/ingest.log" 2>&1 &
INGEST=$!
PIDS+=("$INGEST")
# Wait inside PostgreSQL (one session, 10 ms polls) so that waiting costs
# the machine nothing measurable.
until psql -X -At "$DB" -c "SELECT 1 FROM ingest_cursor" >/dev/null 2>&1; do
  kill -0 "$INGEST" || { tail -20 "$T/ingest.log" >&2; exit 1; }
  sleep 0.02
done
psql -X -At "$DB" -c "DO \$\$ BEGIN WHILE coalesce((SELECT block_num FROM ingest_cursor), 0) < $HEAD LOOP PERFORM pg_sleep(0.01); END LOOP; END \$\$" >/dev/null &
WAITER=$!
while kill -0 "$WAITER" 2>/dev/null; do
  kill -0 "$INGEST" || { tail -20 "$T/ingest.log" >&2; exit 1; }
  sleep 0.02
done
t1=$(date +%s.%N)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
per_block() { python3 -c "print(f'{($1) * 1000 / $BLOCKS:.2f}')"; }
cpu_ingest=$(per_block "$(cpu "$INGEST")")
cpu_fake=$(per_block "$(cpu "${PIDS[0]}") - $fake0")
cpu_pg=$(per_block "$(pg_cpu) - $pg0")
secs=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
txns=$(sql "SELECT count(*) FROM transactions")
logs=$(sql "SELECT count(*) FROM event_logs")
rate() { python3 -c "print(f'{$1 / ($t1 - $t0):,.0f}')"; }

lat=$("$BIN/zws-notify-latency" "$DB" "$PORT" "$LIVE" 300 | tail -n 1)

stat() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$lat"; }
echo "| zws-ingest backfill ($SHAPE blocks, $(nproc) cores) | value |"
echo "|---|---|"
echo "| TxBlocks | $BLOCKS in ${secs}s |"
echo "| **TxBlocks/s** | **$(rate "$BLOCKS")** |"
echo "| transactions/s | $(rate "$txns") ($txns stored) |"
echo "| event logs/s | $(rate "$logs") ($logs stored) |"
echo "| CPU per TxBlock: zws-ingest / PostgreSQL / fake lookup | $cpu_ingest / $cpu_pg / $cpu_fake ms |"
echo "| live latency, produce → NOTIFY, $LIVE blocks (poll ${POLL_MS} ms; bound $((POLL_MS + 50)) ms) | min $(stat min) / median $(stat median) / max $(stat max) ms |"
echo "| load average before / after the backfill | $load0 / $load1 |"
echo "| command | \`$ENV_USED $CMD\` |"
