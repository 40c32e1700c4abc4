#!/usr/bin/env bash
# JSON-RPC reads on the zws port (docs/protocol.md, "Reading the chain"),
# over the WebSocket and over HTTP POST /: every method's result is
# compared byte for byte with what the fake lookup answers for the same
# call (the mainnet block 692365 and generated blocks around it, stored
# by the real zws-ingest); errors, ids, batches, notifications, the range
# a missing block or transaction is answered with, the GetEventLogs
# bounds, and subscriptions working as before beside the queries. The
# checks are in zws_jsonrpc.py.
source "$(dirname "$0")/ingest_common.bash"

DB=$(it_createdb jsonrpc)
it_start_fake fake --height 692370
MAIN_URL=$FAKE_URL
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block 692355 --poll-ms 50
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" 692370 60
ZPORT=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT" --log-level debug \
	--max-query-blocks 8 --max-query-logs 20 --max-message 4096 --rate-limit 0 >"$T/zws.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do grep -q "zws listening" "$T/zws.log" && break; sleep 0.05; done
grep -q "zws listening" "$T/zws.log" || it_fail "zws did not start"

# The same database behind a server allowing one query a second.
ZPORT2=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT2" --rate-limit 1/s >"$T/zws-rate.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do grep -q "zws listening" "$T/zws-rate.log" && break; sleep 0.05; done

# Blocks of 5,001 transactions: three pages of the Ex methods.
PDB=$(it_createdb jsonrpc_paged)
it_start_fake paged --shape paged --height 700001
PAGED_URL=$FAKE_URL
it_start_ingest ingest-paged --db "$PDB" --lookup "$PAGED_URL" --from-block 700001 --poll-ms 50
it_wait_sql "$PDB" "SELECT block_num FROM ingest_cursor" 700001 120
ZPORT3=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$PDB" --host 127.0.0.1 --port "$ZPORT3" --rate-limit 0 >"$T/zws-paged.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do grep -q "zws listening" "$T/zws-paged.log" && break; sleep 0.05; done

ZWS_PORT=$ZPORT ZWS_RATE_PORT=$ZPORT2 ZWS_PAGED_PORT=$ZPORT3 PAGED_URL=$PAGED_URL FAKE_URL=$MAIN_URL DB=$DB timeout 300 python3 "$(dirname "$0")/zws_jsonrpc.py" ||
	it_fail "JSON-RPC checks failed"
grep -q "GetTxBlock blk=[0-9]* answered from memory" "$T/zws.log" ||
	it_fail "no recent block was answered from memory"
FAILED=0
