#!/usr/bin/env bash
# The benchmarks under bench/ still run from their one command, at a small
# size: the fan-out benchmark's --quick run (500 clients: NewBlock from zws
# next to the floor and Node.js ws; EventLog from zws next to the floor with
# per-client frames), a 300-block ingest backfill and a reconnect storm of
# 300 clients resuming 10 blocks. Checks that every
# client got every notification and every block was stored; the timings
# are printed, not judged (they belong to bench/, not to a test).
set -euo pipefail
: "${ZWS_SOURCE_DIR:?}" "${ZWS_BUILD_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "bench_smoke: FAIL: $*" >&2; exit 1; }

echo "== bench/fanout/run.sh --quick"
"$ZWS_SOURCE_DIR/bench/fanout/run.sh" --quick --only newblock,eventlog --build-dir "$ZWS_BUILD_DIR" --output "$T/fanout.md" \
  || fail "bench/fanout/run.sh --quick exited $?"
cat "$T/fanout.md"
# | server | from | subscribed | failed | min received | ...
for server in "zws" "floor" "node ws" "zws EventLog(10)" "floor EventLog(10)"; do
  row=$(grep -m1 "^| $server | " "$T/fanout.md") || fail "no '$server' row in the fan-out report"
  IFS='|' read -r _ _ _ subscribed failed received _ <<<"$row"
  [ "$((subscribed))" = 500 ] && [ "$((failed))" = 0 ] && [ "$((received))" = 500 ] \
    || fail "$server: subscribed $subscribed, failed $failed, fewest received $received (want 500, 0, 500)"
done

echo "== bench/ingest/run.sh, 300 blocks"
BLOCKS=300 LIVE=3 POLL_MS=200 PGBASE=/tmp "$ZWS_SOURCE_DIR/bench/ingest/run.sh" "$ZWS_BUILD_DIR" >"$T/ingest.md" \
  || fail "bench/ingest/run.sh exited $?"
cat "$T/ingest.md"
grep -q "^| TxBlocks | 300 in " "$T/ingest.md" || fail "ingest benchmark did not store 300 blocks"
grep -q "8400 stored" "$T/ingest.md" || fail "ingest benchmark did not store 8,400 transactions"
echo "== bench/resume/run.sh, 300 clients resuming 10 blocks"
"$ZWS_SOURCE_DIR/bench/resume/run.sh" --clients 300 --blocks 10 --live 20 --build-dir "$ZWS_BUILD_DIR" --output "$T/resume.md" \
  || fail "bench/resume/run.sh exited $?"
cat "$T/resume.md"
grep -q "^| time until the last client has all 10 blocks | [0-9]* ms from the first connect (300 clients)" "$T/resume.md" \
  || fail "not every resuming client got the 10 blocks"
echo "bench_smoke: the benchmarks ran"
