#!/usr/bin/env bash
# Never miss an epoch: real zws-ingest, zws and PostgreSQL, the fake lookup
# producing a block every 100 ms.
#  1. zws-ingest is SIGKILLed for longer than --live-distance: a connected
#     client still gets every block once, in order (the catch-up is logged).
#  2. Resume's errors, word for word, and its atomicity.
#  3. zws is stopped while blocks keep coming; clients resume on a second
#     zws process: every block once across the restart; a client resuming
#     mid-stream while blocks arrive (the seam) gets no gap, no duplicate;
#     replayed notifications are byte for byte the live ones.
#  4. A gap longer than --max-resume is skipped with one WARN.
#  5. Blocks zws-ingest --rewind stores again are not pushed again.
#  6. A resuming client that stops reading is dropped (--max-queue).
source "$(dirname "$0")/ingest_common.bash"
BLOCKS="python3 $(dirname "$0")/zws_resume_blocks.py"
H0=700000
it_start_fake fake --height $H0 --shape mixed
DB=$(it_createdb resume)
EMITTER=0x17329229cd84b964130977975054f7725a85381a # emits in every mixed block with transactions
PAYER=0x1eb03ba948ab480fda77c3ff0724773066f94b02

# A block every 100 ms while PRODUCER_PID runs.
start_producing() {
  ( while :; do curl -sf -X POST "$FAKE_URL/fake/produce?count=1" >/dev/null || true; sleep 0.1; done ) &
  PRODUCER_PID=$!
  PIDS+=("$PRODUCER_PID")
}
stop_producing() { kill "$PRODUCER_PID" 2>/dev/null || true; wait "$PRODUCER_PID" 2>/dev/null || true; }
ingest() { it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $((H0 - 5)) --poll-ms 50 --live-distance 3; }
# start_zws NAME ARGS...: sets ZWS_PID and ZURL.
start_zws() {
  local name=$1; shift
  local port; port=$(it_free_port)
  "$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$port" "$@" >"$T/$name.log" 2>&1 &
  ZWS_PID=$!
  PIDS+=("$ZWS_PID")
  ZURL="ws://127.0.0.1:$port"
  for _ in $(seq 200); do grep -q "zws listening" "$T/$name.log" && return 0; sleep 0.05; done
  it_fail "$name did not start"
}
# cat_bg NAME URL MESSAGE...: a client printing to NAME.out; sets CAT_PID.
cat_bg() {
  local name=$1; shift
  "$ZWS_BIN_DIR/zws-cat" --timeout 120 "$@" >"$T/$name.out" 2>"$T/$name-cat.log" &
  CAT_PID=$!
  PIDS+=("$CAT_PID")
  for _ in $(seq 200); do [ -s "$T/$name.out" ] && return 0; sleep 0.05; done
  it_fail "$name: no answer"
}
# one_answer URL MESSAGE: the server's answer to one query.
one_answer() { "$ZWS_BIN_DIR/zws-cat" --count 1 --timeout 10 "$1" "$2"; }
head_block() { it_sql "$DB" "SELECT max(block_num) FROM tx_blocks"; }
wait_stored() { it_wait_sql "$DB" "SELECT max(block_num) >= $1 FROM tx_blocks" t 60; }
# expect_run NAME FROM TO FILE...: the blocks in FILEs are exactly FROM..TO, once each, in order.
expect_run() {
  local name=$1 from=$2 to=$3; shift 3
  $BLOCKS "$@" >"$T/$name.blocks"
  seq "$from" "$to" >"$T/$name.want"
  diff -q "$T/$name.want" "$T/$name.blocks" >/dev/null || {
    diff "$T/$name.want" "$T/$name.blocks" | head -20
    it_fail "$name: blocks are not exactly $from..$to once each in order"
  }
  it_log "$name: blocks $from..$to, each once, in order"
}

ingest
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $H0 60
start_producing
start_zws zws1
ZURL1=$ZURL
ZWS1_PID=$ZWS_PID

it_log "1. an ingest outage longer than --live-distance"
cat_bg plain "$ZURL1" '{"query":"NewBlock"}'
PLAIN_PID=$CAT_PID
cat_bg live "$ZURL1" "{\"query\":\"Resume\",\"queries\":[{\"query\":\"NewBlock\"},{\"query\":\"EventLog\",\"addresses\":[\"$EMITTER\"]},{\"query\":\"TxnLog\",\"addresses\":[\"$PAYER\"]}]}"
LIVE_PID=$CAT_PID
for _ in $(seq 100); do [ "$($BLOCKS "$T/plain.out" | wc -l)" -ge 3 ] && break; sleep 0.1; done
kill -KILL "$INGEST_PID"; wait "$INGEST_PID" 2>/dev/null || true
OUT_FROM=$(head_block)
sleep 2.5 # 25 blocks at the lookup, more than --live-distance 3
ingest
it_wait_sql "$DB" "SELECT max(block_num) >= $((OUT_FROM + 30)) FROM tx_blocks" t 60
for _ in $(seq 100); do [ "$($BLOCKS "$T/plain.out" | tail -n1)" -ge $((OUT_FROM + 30)) ] && break; sleep 0.1; done
cp "$T/plain.out" "$T/plain.snap"
expect_run outage "$($BLOCKS "$T/plain.snap" | head -n1)" "$($BLOCKS "$T/plain.snap" | tail -n1)" "$T/plain.snap"
grep -q "caught up blk=" "$T/zws1.log" || it_fail "no catch-up logged"
it_log "$(grep -m1 "caught up blk=" "$T/zws1.log")"

it_log "2. Resume errors and atomicity"
H=$(head_block)
stop_producing
sleep 0.5
H=$(head_block)
answer() {
  local got; got=$(one_answer "$ZURL1" "$1")
  [ "$got" = "$2" ] || it_fail "query $1: got [$got], want [$2]"
}
answer '{"query":"Resume","fromBlock":"'$((H + 2))'","queries":[{"query":"NewBlock"}]}' \
  '{"type":"Error","error":"resume point ahead of the chain (head '$H')"}'
OLDEST=$(it_sql "$DB" "SELECT min(block_num) FROM tx_blocks")
answer '{"query":"Resume","fromBlock":"'$((OLDEST - 1))'","queries":[{"query":"NewBlock"}]}' \
  '{"type":"Error","error":"resume point too old (oldest resumable block '$OLDEST')"}'
answer '{"query":"Resume","fromBlock":'$H',"queries":[{"query":"NewBlock"}]}' '{"type":"Error","error":"invalid fromBlock field"}'
answer '{"query":"Resume","fromBlock":"x1","queries":[{"query":"NewBlock"}]}' '{"type":"Error","error":"invalid fromBlock field"}'
answer '{"query":"Resume","fromBlock":"'$H'"}' '{"type":"Error","error":"invalid queries field"}'
answer '{"query":"Resume","queries":[]}' '{"type":"Error","error":"invalid queries field"}'
answer '{"query":"Resume","queries":["NewBlock"]}' '{"type":"Error","error":"invalid queries field"}'
answer '{"query":"Resume","queries":[{"query":"NewBlock"},{"query":"TxnLog","addresses":["nope"]}]}' \
  '{"type":"Error","error":"invalid addresses field"}'
answer '{"query":"Resume","queries":[{"query":"NewBlock"},{"query":"Unsubscribe","type":"x"}]}' \
  '{"type":"Error","error":"invalid type field"}'
answer '{"query":"Resume","queries":[{"query":"Nope"}]}' '{"type":"Error","error":"invalid query field"}'
answer '{"query":"Resume","queries":[{"query":"NewBlock"},{"query":"EventLog","addresses":["'$PAYER'"]}]}' \
  '{"type":"Error","error":"no contract found in list"}'
# A refused Resume changes nothing: the NewBlock before the bad query is not
# subscribed, so the next block brings nothing; the replay did not start.
"$ZWS_BIN_DIR/zws-cat" --timeout 3 "$ZURL1" \
  '{"query":"Resume","fromBlock":"'$((H - 3))'","queries":[{"query":"NewBlock"},{"query":"EventLog","addresses":["'$PAYER'"]}]}' \
  >"$T/atomic.out" 2>/dev/null &
ATOMIC_PID=$!
sleep 1
it_fake_produce "$FAKE_URL" 1
wait_stored $((H + 1))
wait "$ATOMIC_PID" && it_fail "atomic: zws-cat ended before its timeout"
[ "$(cat "$T/atomic.out")" = '{"type":"Error","error":"no contract found in list"}' ] ||
  it_fail "atomic: a refused Resume still sent: $(head -c 300 "$T/atomic.out")"
it_log "errors word for word; a refused Resume subscribed nothing"

it_log "3. zws restarted while blocks are produced; clients resume on another zws"
start_producing
for _ in $(seq 50); do [ "$($BLOCKS "$T/live.out" | tail -n1)" -ge $((H + 10)) ] 2>/dev/null && break; sleep 0.1; done
start_zws zws2 --max-resume 1000
ZURL2=$ZURL
kill -TERM "$ZWS1_PID"; wait "$ZWS1_PID" 2>/dev/null || true
wait "$LIVE_PID" 2>/dev/null || true
wait "$PLAIN_PID" 2>/dev/null || true
LAST=$($BLOCKS "$T/live.out" | tail -n1)
sleep 2 # blocks zws2 pushes while the client is away
SEAM_FROM=$((LAST - 15))
cat_bg resumed "$ZURL2" "{\"query\":\"Resume\",\"fromBlock\":\"$((LAST + 1))\",\"queries\":[{\"query\":\"NewBlock\"},{\"query\":\"EventLog\",\"addresses\":[\"$EMITTER\"]},{\"query\":\"TxnLog\",\"addresses\":[\"$PAYER\"]}]}"
RESUMED_PID=$CAT_PID
cat_bg seam "$ZURL2" "{\"query\":\"Resume\",\"fromBlock\":\"$SEAM_FROM\",\"queries\":[{\"query\":\"NewBlock\"}]}"
SEAM_PID=$CAT_PID
sleep 2
stop_producing
END=$(head_block)
for _ in $(seq 100); do
  [ "$($BLOCKS "$T/resumed.out" | tail -n1)" = "$END" ] && [ "$($BLOCKS "$T/seam.out" | tail -n1)" = "$END" ] && break
  sleep 0.1
done
FIRST=$($BLOCKS "$T/plain.out" | head -n1)
expect_run plain "$FIRST" "$($BLOCKS "$T/plain.out" | tail -n1)" "$T/plain.out"
LIVE_FIRST=$($BLOCKS "$T/live.out" | head -n1)
expect_run restart "$LIVE_FIRST" "$END" "$T/live.out" "$T/resumed.out"
expect_run seam "$SEAM_FROM" "$END" "$T/seam.out"
[ "$(head -n1 "$T/resumed.out")" = "{\"query\":\"Resume\",\"fromBlock\":\"$((LAST + 1))\",\"queries\":[{\"query\":\"NewBlock\"},{\"query\":\"EventLog\",\"addresses\":[\"$EMITTER\"]},{\"query\":\"TxnLog\",\"addresses\":[\"$PAYER\"]}]}" ] ||
  it_fail "the Resume was not echoed whole"
grep -q '^{"type":"Notification","values":\[' "$T/plain.out" || it_fail "a plain client's notifications changed"
grep -q '"blockNum"' "$T/plain.out" && it_fail "a plain client got blockNum"

# Replayed bytes are the live bytes: a client resuming on zws2 from the
# live client's first block gets, for every block both have, the same text.
cat_bg replay "$ZURL2" "{\"query\":\"Resume\",\"fromBlock\":\"$LIVE_FIRST\",\"queries\":[{\"query\":\"NewBlock\"},{\"query\":\"EventLog\",\"addresses\":[\"$EMITTER\"]},{\"query\":\"TxnLog\",\"addresses\":[\"$PAYER\"]}]}"
for _ in $(seq 100); do [ "$($BLOCKS "$T/replay.out" | tail -n1)" = "$END" ] && break; sleep 0.1; done
grep '^{"type":"Notification"' "$T/live.out" >"$T/live.notes"
grep '^{"type":"Notification"' "$T/replay.out" >"$T/replay.all"
head -n "$(wc -l <"$T/live.notes")" "$T/replay.all" >"$T/replay.notes"
cmp -s "$T/live.notes" "$T/replay.notes" || it_fail "replayed notifications differ from the live ones"
grep -q '"query":"EventLog"' "$T/live.notes" || it_fail "no EventLog content to compare"
grep -q '"query":"TxnLog"' "$T/live.notes" || it_fail "no TxnLog content to compare"
it_log "replayed bytes equal live bytes for $(wc -l <"$T/live.notes") notifications"

it_log "4. a gap longer than --max-resume is skipped with one WARN"
start_zws zws3 --max-resume 3
ZWS3_PID=$ZWS_PID
cat_bg gap "$ZURL" '{"query":"NewBlock"}'
start_producing
for _ in $(seq 100); do [ "$($BLOCKS "$T/gap.out" | wc -l)" -ge 2 ] && break; sleep 0.1; done
DBNAME=$(sed -n 's/.*dbname=\([^ ]*\).*/\1/p' <<<"$DB")
ADMIN="host=$ZWS_TEST_PG_DIR dbname=postgres user=postgres"
it_sql "$ADMIN" "ALTER DATABASE $DBNAME WITH ALLOW_CONNECTIONS false" >/dev/null
it_sql "$ADMIN" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DBNAME' AND application_name = 'zws'" >/dev/null
sleep 1.5
it_sql "$ADMIN" "ALTER DATABASE $DBNAME WITH ALLOW_CONNECTIONS true" >/dev/null
for _ in $(seq 150); do grep -q "skipped .* blocks (blk=" "$T/zws3.log" && break; sleep 0.1; done
stop_producing
[ "$(grep -c "WARN.*skipped .* blocks (blk=" "$T/zws3.log")" = 1 ] || it_fail "no single WARN about the skipped blocks"
it_log "$(grep "skipped .* blocks (blk=" "$T/zws3.log")"
SKIP=$(sed -n 's/.*skipped [0-9]* blocks (blk=\([0-9]*\)\.\.\([0-9]*\)).*/\1 \2/p' "$T/zws3.log")
read -r SKIP_FROM SKIP_TO <<<"$SKIP"
$BLOCKS "$T/gap.out" | awk -v a="$SKIP_FROM" -v b="$SKIP_TO" '$1 >= a && $1 <= b { bad = 1 } END { exit bad }' ||
  it_fail "skipped blocks were pushed"

it_log "5. zws-ingest --rewind: the blocks stored again are not pushed again"
it_wait_sql "$DB" "SELECT max(block_num) FROM tx_blocks" "$(it_fake_head "$FAKE_URL")" 30
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" 2>/dev/null || true
BEFORE=$(head_block)
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --poll-ms 50 --live-distance 3 --rewind 5
for _ in $(seq 100); do grep -q "stored again" "$T/zws3.log" && break; sleep 0.1; done
grep -q "blk=$((BEFORE - 4)) stored again" "$T/zws3.log" || it_fail "the rewind was not logged"
it_fake_produce "$FAKE_URL" 2
wait_stored $((BEFORE + 2))
for _ in $(seq 100); do [ "$($BLOCKS "$T/gap.out" | tail -n1)" = $((BEFORE + 2)) ] && break; sleep 0.1; done
[ -z "$($BLOCKS "$T/gap.out" | sort | uniq -d)" ] || it_fail "blocks pushed twice after the rewind"
[ "$($BLOCKS "$T/gap.out" | tail -n3 | tr '\n' ' ')" = "$BEFORE $((BEFORE + 1)) $((BEFORE + 2)) " ] ||
  it_fail "after the rewind pushing did not go on from blk=$BEFORE: $($BLOCKS "$T/gap.out" | tail -n3 | tr '\n' ' ')"
it_log "$(grep -m1 "stored again" "$T/zws3.log" | cut -d' ' -f3-)"

it_log "6. a resuming client that stops reading is dropped like a live one"
start_zws zws4 --max-queue 3
start_producing
# It resumes from the oldest block and never reads: its 4 KB buffer fills
# within the first notifications. zws must not hold it (nor its replay)
# for ever: it is dropped once --max-queue blocks came while it took none.
NEVER=$(python3 "$(dirname "$0")/zws_never_reads.py" "${ZURL##*:}" $((H0 - 5)) "$EMITTER" 6)
stop_producing
it_log "the client that never read: $NEVER"
grep -q "dropped: replaying, took no notification for [0-9]* ms while [0-9]* blocks came (--max-queue 3)" "$T/zws4.log" ||
  it_fail "the resuming client that never read was not dropped: $(grep -c . "$T/zws4.log") log lines, it saw: $NEVER"
case $NEVER in
  "closed 1008 slow client "* | eof*) ;;
  *) it_fail "the resuming client that never read was not closed: $NEVER" ;;
esac
it_log "$(grep -m1 "dropped: replaying" "$T/zws4.log" | cut -d' ' -f3-)"

FAILED=0
it_log "PASS"
