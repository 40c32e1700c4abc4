#!/usr/bin/env bash
# The chain check (issue 15, item 7): when the lookup switches to another
# chain (a fork from block 700008 on), the next block's PrevBlockHash does
# not name the stored block before it. zws-ingest stops following, logs
# both hashes at once and again 30 s later, stores nothing more, and stops
# again at once after a restart (the stored hash is read back). The way
# out, --rewind 3, deletes blocks 700008..700010 and follows the new chain
# from 700008: every block stored once, linked to the one before.
source "$(dirname "$0")/ingest_common.bash"

START=700000
it_start_fake fake --height 700010 --shape mainnet
DB=$(it_createdb chain)
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 100
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" 700010 30
LOG=$T/ingest.log
STORED=$(it_sql "$DB" "SELECT block_hash FROM tx_blocks WHERE block_num = 700010")

it_log "the lookup switches to a chain that forks at 700008"
curl -sf -X POST "$FAKE_URL/fake/fork?at=700008" >/dev/null || it_fail "fork control"
it_fake_produce "$FAKE_URL" 1
OTHER=$(curl -sf -d '{"id":1,"jsonrpc":"2.0","method":"GetTxBlock","params":["700011"]}' "$FAKE_URL" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["header"]["PrevBlockHash"])')
[ "$OTHER" != "$STORED" ] || it_fail "the fork did not change blk=700010's hash"
LINE="ERROR not following: blk=700011 does not follow the stored chain: its PrevBlockHash is $OTHER, the stored blk=700010 has BlockHash $STORED; the lookup follows another chain (zws-ingest --rewind N deletes the last N blocks and resumes before them)"
for _ in $(seq 100); do grep -qF "$LINE" "$LOG" && break; sleep 0.1; done
grep -qF "$LINE" "$LOG" || it_fail "no error naming both hashes"
it_fake_produce "$FAKE_URL" 3
sleep 2
[ "$(it_sql "$DB" "SELECT block_num FROM ingest_cursor")" = 700010 ] || it_fail "stored blocks of the other chain"
[ "$(grep -cF "$LINE" "$LOG")" = 1 ] || it_fail "the error repeats before 30 s"
it_log "halted; waiting for the error to be repeated"
for _ in $(seq 300); do [ "$(grep -cF "$LINE" "$LOG")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -cF "$LINE" "$LOG")" = 2 ] || it_fail "the error was not repeated after 30 s"
kill -0 "$INGEST_PID" || it_fail "zws-ingest died"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status"

it_log "a restart without --rewind stops again at once"
it_start_ingest again --db "$DB" --lookup "$FAKE_URL" --poll-ms 100
for _ in $(seq 100); do grep -qF "$LINE" "$T/again.log" && break; sleep 0.1; done
grep -qF "$LINE" "$T/again.log" || it_fail "the restart did not check against the stored block"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status"

it_log "--rewind 3 deletes 700008..700010 and follows the new chain"
it_start_ingest rewind --db "$DB" --lookup "$FAKE_URL" --poll-ms 100 --rewind 3
HEAD=$(it_fake_head "$FAKE_URL")
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" "$HEAD" 30
grep -q "INFO --rewind 3: deleted blk=700008..700010; following resumes at blk=700008" "$T/rewind.log" \
  || it_fail "the rewind was not logged"
grep -q "ERROR" "$T/rewind.log" && it_fail "errors after the rewind"
it_check_complete "$DB" $START "$HEAD"
[ "$(it_sql "$DB" "SELECT count(*) FROM tx_blocks b JOIN tx_blocks p ON p.block_num = b.block_num - 1
      WHERE b.tx_block->'header'->>'PrevBlockHash' <> p.block_hash")" = 0 ] || it_fail "stored blocks do not link"
[ "$(it_sql "$DB" "SELECT block_hash <> '$STORED' FROM tx_blocks WHERE block_num = 700010")" = t ] \
  || it_fail "blk=700010 is still the first chain's"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status"
FAILED=0
it_log "PASS"
