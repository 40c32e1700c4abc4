#!/usr/bin/env bash
# JSON-RPC on a server of two workers and on one with a per-address limit
# (docs/protocol.md, "Reading the chain"): GetServerInfo, over the
# WebSocket and over HTTP POST /, gives the whole server's sessions and
# subscriptions (clients spread over both workers) beside the answering
# worker's own; POST / from one address past --rate-limit is answered
# HTTP 429 with a JSON-RPC error naming the limit while another address
# (127.0.0.2) is still answered. The checks are in zws_rpc_server.py.
source "$(dirname "$0")/ingest_common.bash"

DB=$(it_createdb rpc_server)
it_start_fake fake --height 692370
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block 692360 --poll-ms 50
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" 692370 60

ZPORT=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT" --lookup "$FAKE_URL" --workers 2 \
	--rate-limit 0 >"$T/zws.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do grep -q "started 2 workers" "$T/zws.log" && break; sleep 0.05; done
grep -q "started 2 workers" "$T/zws.log" || it_fail "zws did not start 2 workers"
for _ in $(seq 200); do [ "$(grep -c "zws listening" "$T/zws.log")" -ge 2 ] && break; sleep 0.05; done

LPORT=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$LPORT" --rate-limit 2/s >"$T/zws-limited.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do grep -q "zws listening" "$T/zws-limited.log" && break; sleep 0.05; done
grep -q "zws listening" "$T/zws-limited.log" || it_fail "the limited zws did not start"

ZWS_PORT=$ZPORT ZWS_LIMITED_PORT=$LPORT DB=$DB timeout 120 python3 "$(dirname "$0")/zws_rpc_server.py" ||
	it_fail "JSON-RPC server checks failed"
FAILED=0
