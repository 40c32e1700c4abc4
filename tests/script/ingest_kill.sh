#!/usr/bin/env bash
# SIGKILL zws-ingest at random moments during a backfill of 6,000 blocks
# and restart it each time: afterwards every block from start to head is
# stored exactly once with all its transactions and event logs, identical
# to an uninterrupted run into another database; and a zws connected
# throughout (every block NOTIFYed live: --live-distance covers the whole
# backfill) delivered each block to a NewBlock client exactly once, in
# order.
source "$(dirname "$0")/ingest_common.bash"

START=700001
HEAD=706000
KILLS=${ZWS_KILLS:-15}
it_start_fake fake --height $HEAD --shape mixed
DB=$(it_createdb kill)
REF=$(it_createdb killref)

it_log "reference run"
it_start_ingest ref --db "$REF" --lookup "$FAKE_URL" --from-block $START --poll-ms 200
it_wait_sql "$REF" "SELECT block_num FROM ingest_cursor" $HEAD 120
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "reference run exit status"

it_log "schema, then zws and a NewBlock client"
it_start_ingest migrate --db "$DB" --lookup "$FAKE_URL" --from-block $((HEAD + 1000)) --poll-ms 200
for _ in $(seq 100); do grep -q "following" "$T/migrate.log" && break; sleep 0.1; done
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "migration run exit status"
[ "$(it_sql "$DB" "SELECT count(*) FROM tx_blocks")" = 0 ] || it_fail "migration run stored blocks"
ZPORT=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT" >"$T/zws.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ZPORT") 2>/dev/null && break; sleep 0.05; done
"$ZWS_BIN_DIR/zws-cat" --timeout 300 "ws://127.0.0.1:$ZPORT" '{"query":"NewBlock"}' >"$T/newblock.out" 2>"$T/zws-cat.log" &
CAT_PID=$!
PIDS+=("$CAT_PID")
for _ in $(seq 100); do [ -s "$T/newblock.out" ] && break; sleep 0.05; done
[ "$(head -n 1 "$T/newblock.out")" = '{"query":"NewBlock"}' ] || it_fail "no subscription echo"

it_log "$KILLS kills during the backfill"
RANDOM=$$
for i in $(seq "$KILLS"); do
  # Each kill comes at a random moment after the run starts following, so
  # a slower build (sanitizers) is not killed before it commits anything.
  runs=$(cat "$T/ingest.log" 2>/dev/null | grep -c "following" || true)
  it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 200 --live-distance 1000000
  for _ in $(seq 300); do [ "$(grep -c "following" "$T/ingest.log")" -gt "$runs" ] && break; sleep 0.05; done
  sleep "$(printf "0.%02d" $((RANDOM % 25 + 5)))"
  kill -KILL "$INGEST_PID"; wait "$INGEST_PID" 2>/dev/null || true
  it_log "kill $i at blk=$(it_sql "$DB" "SELECT coalesce((SELECT block_num FROM ingest_cursor), 0)")"
done
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 200 --live-distance 1000000
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $HEAD 120
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "final run exit status"

it_check_complete "$DB" $START $HEAD
digest() {
  it_sql "$1" "SELECT md5(string_agg(block_num || block_hash || tx_block::text || tx_hashes::text, ',' ORDER BY block_num)) FROM tx_blocks" 
  it_sql "$1" "SELECT md5(string_agg(tx_hash || block_num || position || from_addr || to_addr || amount || success || receipt::text || body::text, ',' ORDER BY block_num, position)) FROM transactions"
  it_sql "$1" "SELECT md5(string_agg(block_num || ':' || tx_position || ':' || log_index || address || event_name || params::text, ',' ORDER BY block_num, tx_position, log_index)) FROM event_logs"
  it_sql "$1" "SELECT count(*) FROM contracts"
}
[ "$(digest "$DB")" = "$(digest "$REF")" ] || it_fail "stored data differs from the uninterrupted run"
[ "$(grep -c 'resuming after the cursor' "$T/ingest.log")" -ge 1 ] || it_fail "never resumed"

it_log "zws delivered every block once, in order"
want=$((HEAD - START + 2))
for _ in $(seq 600); do [ "$(wc -l <"$T/newblock.out")" -ge "$want" ] && break; sleep 0.1; done
sleep 1
kill -TERM "$CAT_PID" 2>/dev/null; wait "$CAT_PID" 2>/dev/null || true
python3 - "$T/newblock.out" "$START" "$HEAD" <<'PY' || it_fail "zws did not deliver each block exactly once, in order"
import json, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
got = [int(json.loads(l)["values"][0]["value"]["TxBlock"]["header"]["BlockNum"]) for l in lines]
want = list(range(int(sys.argv[2]), int(sys.argv[3]) + 1))
if got != want:
    dup = len(got) - len(set(got))
    print(f"received {len(got)} blocks, {dup} duplicates, first {got[:3]}, last {got[-3:]};"
          f" want {len(want)}: {want[0]}..{want[-1]}", file=sys.stderr)
    sys.exit(1)
PY

FAILED=0
it_log "PASS ($(it_sql "$DB" "SELECT count(*) FROM transactions") transactions, $(it_sql "$DB" "SELECT count(*) FROM event_logs") event logs, $((HEAD - START + 1)) blocks pushed by zws)"
