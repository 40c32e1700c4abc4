#!/usr/bin/env bash
# zws-ingest stores mainnet blocks exactly: 692365 (28 transactions, 13
# event logs), the empty block 1001, and 549481's failed transaction with
# its receipt; each commit NOTIFYs zws_block; a restart resumes after the
# cursor.
source "$(dirname "$0")/ingest_common.bash"

fixture_result() {
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["result"], separators=(",", ":")))' "$FIXTURES/$1"
}

it_start_fake fake --height 692366 --shape mixed
DB=$(it_createdb exact)

# a listener that prints the notifications it got during 6 s
psql -X "$DB" -c "LISTEN zws_block" -c "SELECT pg_sleep(6)" >"$T/listen.log" 2>&1 &
LISTEN_PID=$!
sleep 0.5
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block 692365 --poll-ms 100
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" 692366 20

it_log "692365: TxBlock, hash lists, 28 transactions, 13 event logs"
want=$(fixture_result GetTxBlock.json)
[ "$(it_sql "$DB" "SELECT tx_block::jsonb = '$want'::jsonb FROM tx_blocks WHERE block_num = 692365")" = t ] \
  || it_fail "tx_block of 692365 differs from the fixture"
[ "$(it_sql "$DB" "SELECT tx_block::text FROM tx_blocks WHERE block_num = 692365")" = "$want" ] \
  || it_fail "tx_block of 692365 is not the compact node-order JSON"
hashes=$(curl -sf -d '{"id":1,"jsonrpc":"2.0","method":"GetTransactionsForTxBlock","params":["692365"]}' "$FAKE_URL" \
  | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"], separators=(",", ":")))')
[ "$(it_sql "$DB" "SELECT tx_hashes::text FROM tx_blocks WHERE block_num = 692365")" = "$hashes" ] \
  || it_fail "tx_hashes of 692365 differ from GetTransactionsForTxBlock"
[ "$(it_sql "$DB" "SELECT count(*) FROM transactions WHERE block_num = 692365")" = 28 ] || it_fail "28 transactions"
[ "$(it_sql "$DB" "SELECT count(*) FROM event_logs WHERE block_num = 692365")" = 13 ] || it_fail "13 event logs"
[ "$(it_sql "$DB" "SELECT count(DISTINCT address) || address FROM event_logs WHERE block_num = 692365 GROUP BY address")" \
  = "10x17329229cd84b964130977975054f7725a85381a" ] || it_fail "event log address"
[ "$(it_sql "$DB" "SELECT from_addr FROM transactions WHERE tx_hash = '304c77801b13a896da46c9471624fb5a6c01b6544680fc83ef181966a050f24a'")" \
  = 1eb03ba948ab480fda77c3ff0724773066f94b02 ] || it_fail "sender address"
it_check_complete "$DB" 692365 692366

it_log "692365: bodies, receipts and event params stored as the node sent them"
raw=$(curl -sf -d '{"id":1,"jsonrpc":"2.0","method":"GetTxnBodiesForTxBlock","params":["692365"]}' "$FAKE_URL")
[ "$(it_sql "$DB" "SELECT count(*) FROM transactions WHERE block_num = 692365
  AND strpos(\$raw\$$raw\$raw\$, receipt) > 0")" = 28 ] || it_fail "a receipt is not the node's text"
[ "$(it_sql "$DB" "SELECT count(*) FROM event_logs WHERE block_num = 692365
  AND strpos(\$raw\$$raw\$raw\$, params) > 0")" = 13 ] || it_fail "event params are not the node's text"
[ "$(it_sql "$DB" "SELECT count(*) FROM transactions t, jsonb_array_elements((\$raw\$$raw\$raw\$::jsonb)->'result') e
  WHERE t.block_num = 692365 AND e->>'ID' = t.tx_hash AND t.body::jsonb = e - 'receipt'
  AND strpos(t.body, 'receipt') = 0")" = 28 ] || it_fail "a body is not the node's body without its receipt"

it_log "NOTIFY for each committed block"
wait "$LISTEN_PID" || true
grep -q 'payload "{"block_num":692365,"live":true}"' "$T/listen.log" || it_fail "no NOTIFY for 692365"
grep -q 'payload "{"block_num":692366,"live":true}"' "$T/listen.log" || it_fail "no NOTIFY for 692366"

it_log "restart resumes after the cursor"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status $?"
it_fake_produce "$FAKE_URL" 2
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block 692365 --poll-ms 100
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" 692368 20
it_check_complete "$DB" 692365 692368
grep -q "resuming after the cursor" "$T/ingest.log" || it_fail "no resume line"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status $?"

it_log "1001: an empty block"
DB2=$(it_createdb empty)
it_start_ingest empty --db "$DB2" --lookup "$FAKE_URL" --from-block 1001 --poll-ms 100
it_wait_sql "$DB2" "SELECT count(*) FROM tx_blocks WHERE block_num = 1003" 1 20
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
want=$(fixture_result GetTxBlock_1001_no_txns.json)
[ "$(it_sql "$DB2" "SELECT tx_block::jsonb = '$want'::jsonb FROM tx_blocks WHERE block_num = 1001")" = t ] \
  || it_fail "tx_block of 1001 differs from the fixture"
[ "$(it_sql "$DB2" "SELECT tx_hashes::text || num_txns FROM tx_blocks WHERE block_num = 1001")" = "[]0" ] \
  || it_fail "empty block hash lists"

it_log "549481: the failed transaction keeps its receipt"
DB3=$(it_createdb failed)
it_start_ingest failed --db "$DB3" --lookup "$FAKE_URL" --from-block 549481 --poll-ms 100
it_wait_sql "$DB3" "SELECT count(*) FROM tx_blocks WHERE block_num = 549481" 1 20
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
got=$(it_sql "$DB3" "SELECT success || ' ' || (receipt::json->'exceptions'->0->>'line') || ' ' || (receipt::json->'errors'->'0'->>0) FROM transactions
  WHERE tx_hash = 'd2e60b481e5868cd1d3d4b2dd29b1f882570d121716c7043f576106e64bd07bc'")
[ "$got" = "false 48 7" ] || it_fail "failed transaction: $got"
want=$(fixture_result GetTxBlock_549481.json)
[ "$(it_sql "$DB3" "SELECT tx_block::jsonb = '$want'::jsonb FROM tx_blocks WHERE block_num = 549481")" = t ] \
  || it_fail "tx_block of 549481 differs from the fixture"

FAILED=0
it_log "PASS"
