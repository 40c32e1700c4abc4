#!/usr/bin/env bash
# What a broken or hostile lookup sends must neither stall zws-ingest nor
# change what clients get (issue 15, items 6 and 8):
# - a NUL escape in an event name reaches an EventLog client whole;
# - invalid UTF-8 is fetched again: stored as sent when the second answer
#   is clean, else repaired (\ufffd) with one warning naming the block and
#   the transaction;
# - the same transactions in two blocks (PostgreSQL refuses the second):
#   fetched again with a growing delay, one warning, stored once the lookup
#   answers right, no "recovered" before that;
# - a head of 2^63 is refused like a malformed one, with a growing delay;
# - a 50 MB block stops ingest with an error naming it.
# (Checks of whole blocks start after the NUL block: PostgreSQL's json
# functions refuse to take apart a value holding \u0000.)
source "$(dirname "$0")/ingest_common.bash"

START=700000
EMITTER=0x17329229cd84b964130977975054f7725a85381a
it_start_fake fake --height $START --shape mainnet
DB=$(it_createdb hostile)
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 100 \
  --backoff-max-ms 4000 --log-level debug
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $START 20
LOG=$T/ingest.log
warns() { grep -c ' WARN ' "$LOG" || true; }
cursor() { it_sql "$DB" "SELECT block_num FROM ingest_cursor"; }

ZPORT=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT" --lookup "$FAKE_URL" >"$T/zws.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ZPORT") 2>/dev/null && break; sleep 0.05; done
"$ZWS_BIN_DIR/zws-cat" --timeout 300 "ws://127.0.0.1:$ZPORT" \
  "{\"query\":\"EventLog\",\"addresses\":[\"$EMITTER\"]}" >"$T/events.out" 2>"$T/zws-cat.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/events.out" ] && break; sleep 0.05; done

it_log "8: a NUL escape in an event name is stored and pushed whole"
it_fake_fault "$FAKE_URL" '{"mode":"nulname","count":1}'
it_fake_produce "$FAKE_URL" 1
N=$((START + 1))
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $N 20
[ "$(it_sql "$DB" "SELECT event_name FROM event_logs WHERE block_num = $N ORDER BY tx_position, log_index LIMIT 1")" \
  = 'Evil\u0000Name' ] || it_fail "event name stored as: $(it_sql "$DB" "SELECT event_name FROM event_logs WHERE block_num = $N LIMIT 1")"
for _ in $(seq 100); do [ "$(wc -l <"$T/events.out")" -ge 2 ] && break; sleep 0.1; done
python3 - "$T/events.out" <<'PY' || it_fail "the client did not get the name whole"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 2, lines
raw = lines[1]
assert '"_eventname":"Evil\\u0000Name"' in raw, raw[:300]
names = [e["_eventname"] for v in json.loads(raw)["values"] for e in v["value"][0]["event_logs"]]
assert names[0] == "Evil\x00Name", names[:2]
PY

it_log "6: invalid UTF-8 once: fetched again, stored as the second answer has it"
before=$(warns)
it_fake_fault "$FAKE_URL" '{"mode":"badutf8","count":1}'
it_fake_produce "$FAKE_URL" 1
N=$((START + 2))
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $N 20
grep -q "blk=$N tx=[0-9a-f]\{64\}: the lookup sent text that is not valid UTF-8; fetching the block again" "$LOG" \
  || it_fail "no refetch logged for blk=$N"
[ "$(warns)" = "$before" ] || it_fail "a warning for invalid UTF-8 the lookup fixed itself"
[ "$(it_sql "$DB" "SELECT count(*) FROM transactions WHERE block_num = $N AND strpos(receipt, '\\ufffd') > 0")" = 0 ] \
  || it_fail "blk=$N stored repaired though the second answer was clean"

it_log "6: invalid UTF-8 twice: stored repaired, one warning naming block and transaction"
it_fake_fault "$FAKE_URL" '{"mode":"badutf8","count":2}'
it_fake_produce "$FAKE_URL" 1
N=$((START + 3))
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $N 20
TX=$(it_sql "$DB" "SELECT tx_hash FROM transactions WHERE block_num = $N AND strpos(receipt, '\\ufffd\\ufffd') > 0")
[ -n "$TX" ] || it_fail "no repaired receipt in blk=$N"
[ "$(it_sql "$DB" "SELECT count(*) FROM event_logs WHERE block_num = $N AND strpos(params, '\\ufffd\\ufffd') > 0")" = 1 ] \
  || it_fail "no repaired event param in blk=$N"
[ "$(grep -c "WARN blk=$N tx=$TX: the lookup sent text that is not valid UTF-8 again; stored with each invalid sequence replaced by \\\\ufffd" "$LOG")" = 1 ] \
  || it_fail "not exactly one warning naming blk=$N tx=$TX"
[ "$(warns)" = "$((before + 1))" ] || it_fail "more than one warning for blk=$N"
it_check_complete "$DB" $((START + 2)) $N

it_log "6: the same transactions in two blocks: fetched again less and less often"
before=$(warns)
it_fake_fault "$FAKE_URL" '{"mode":"duptxns","count":-1}'
it_fake_produce "$FAKE_URL" 1
N=$((START + 4))
sleep 6
[ "$(cursor)" = $((N - 1)) ] || it_fail "blk=$N stored with another block's transactions"
refusals=$(grep -c "blk=$N refused again" "$LOG" || true)
[ "$refusals" -ge 2 ] && [ "$refusals" -le 5 ] || it_fail "$refusals retries in 6s: the delay does not grow"
python3 - "$LOG" $N <<'PY' || it_fail "retry delays do not grow"
import re, sys
d = [float(x) for x in re.findall(r"blk=%s refused again .*fetching it again in ([0-9.]+)s" % sys.argv[2], open(sys.argv[1]).read())]
assert all(b > a for a, b in zip(d, d[1:])) or d[-1] == 4.0, d
PY
grep -q "WARN blk=$N not stored: PostgreSQL refused it (23505: duplicate key value violates unique constraint \"transactions_pkey\": Key (tx_hash)=([0-9a-f]\{64\}) already exists. (stored in blk=$((N - 1))))" "$LOG" \
  || it_fail "no warning naming blk=$N and the transaction"
[ "$(warns)" = "$((before + 1))" ] || it_fail "more than one warning for blk=$N"
grep -q "PostgreSQL recovered" "$LOG" && it_fail "\"recovered\" before anything was committed"
it_fake_fault "$FAKE_URL" '{"mode":"none"}'
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $N 20
grep -q "blk=$N stored after PostgreSQL refused it [0-9]* times" "$LOG" || it_fail "no line saying blk=$N got stored"
it_check_complete "$DB" $((START + 2)) $N

it_log "6: a head of 2^63 is refused, with a growing delay"
before=$(warns)
it_fake_fault "$FAKE_URL" '{"mode":"bighead","count":-1}'
sleep 4
[ "$(warns)" = "$((before + 1))" ] || it_fail "not one warning for the impossible head"
grep -q "WARN lookup .* failed: TxBlock header with BlockNum 9223372036854775808, past the largest possible 9223372036854775807" "$LOG" \
  || it_fail "the warning does not name the impossible head"
fails=$(grep -c "failed again: TxBlock header with BlockNum 9223372036854775808" "$LOG" || true)
[ "$fails" -le 4 ] || it_fail "$fails retries in 4s: the delay does not grow"
it_fake_fault "$FAKE_URL" '{"mode":"none"}'
it_fake_produce "$FAKE_URL" 2
N=$((START + 6))
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $N 20
[ "$(it_sql "$DB" "SELECT head FROM ingest_cursor")" = $N ] || it_fail "the cursor's head is not the real head"
it_check_complete "$DB" $((START + 2)) $N

it_log "8: a 50 MB block stops ingest with an error naming it"
it_fake_fault "$FAKE_URL" '{"mode":"huge","count":1,"bytes":50000000}'
it_fake_produce "$FAKE_URL" 1
N=$((START + 7))
for _ in $(seq 300); do grep -q "ERROR not following: blk=$N holds" "$LOG" && break; sleep 0.1; done
grep -q "ERROR not following: blk=$N holds [0-9]* bytes, over --max-block-bytes 33554432; not stored (restart with a larger --max-block-bytes to store it)" "$LOG" \
  || it_fail "no error naming the oversized blk=$N"
it_fake_produce "$FAKE_URL" 2
sleep 1
[ "$(cursor)" = $((N - 1)) ] || it_fail "ingest went on past the oversized block"
[ "$(it_sql "$DB" "SELECT coalesce(max(length(params)), 0) < 1000000 FROM event_logs")" = t ] || it_fail "a huge row was stored"
kill -0 "$INGEST_PID" || it_fail "zws-ingest died"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status"
FAILED=0
it_log "PASS"
