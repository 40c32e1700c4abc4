#!/usr/bin/env bash
# SIGKILL zws-ingest at random moments during a backfill of 3,000 blocks
# and restart it each time: afterwards every block from start to head is
# stored exactly once with all its transactions and event logs, identical
# to an uninterrupted run into another database.
source "$(dirname "$0")/ingest_common.bash"

START=700001
HEAD=703000
KILLS=${ZWS_KILLS:-15}
it_start_fake fake --height $HEAD --shape mixed
DB=$(it_createdb kill)
REF=$(it_createdb killref)

it_log "reference run"
it_start_ingest ref --db "$REF" --lookup "$FAKE_URL" --from-block $START --poll-ms 200
it_wait_sql "$REF" "SELECT block_num FROM ingest_cursor" $HEAD 120
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "reference run exit status"

it_log "$KILLS kills during the backfill"
RANDOM=$$
for i in $(seq "$KILLS"); do
  it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 200
  sleep "0.$((RANDOM % 9 + 1))"
  kill -KILL "$INGEST_PID"; wait "$INGEST_PID" 2>/dev/null || true
  it_log "kill $i at blk=$(it_sql "$DB" "SELECT coalesce((SELECT block_num FROM ingest_cursor), 0)")"
done
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 200
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

FAILED=0
it_log "PASS ($(it_sql "$DB" "SELECT count(*) FROM transactions") transactions, $(it_sql "$DB" "SELECT count(*) FROM event_logs") event logs)"
