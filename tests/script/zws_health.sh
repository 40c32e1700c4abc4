#!/usr/bin/env bash
# zws's /healthz on its WebSocket port: 200 with the block while it
# follows PostgreSQL; 503 naming PostgreSQL once the database stops (and
# /metrics says postgres_up 0); 200 again once it is back and blocks flow;
# 503 naming the block age when no block comes for --healthy-block-age.
# Uses its own throwaway PostgreSQL so it can be stopped.
source "$(dirname "$0")/ingest_common.bash"

PGDIR=$T/pg2
BINDIR=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DB=$("$ZWS_SOURCE_DIR/tests/pg.sh" start "$PGDIR")
IT_EXTRA_CLEANUP='"$ZWS_SOURCE_DIR/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true'
pg_stop() { as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null; }
pg_start() {
  as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 start \
    -o "-c listen_addresses='' -c unix_socket_directories='$PGDIR' -c fsync=off -c synchronous_commit=off" >/dev/null
}

START=692364
it_start_fake fake --height $START --shape mainnet
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --poll-ms 100 --backoff-max-ms 500
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $START 20

ZPORT=$(it_free_port)
H=http://127.0.0.1:$ZPORT
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT" --healthy-block-age 10 >"$T/zws.log" 2>&1 &
PIDS+=($!)

it_log "following: 200 with the block"
it_wait_health "$H/healthz" 200 status ok 20 >/dev/null
it_fake_produce "$FAKE_URL" 1
body=$(it_wait_health "$H/healthz" 200 block $((START + 1)) 20)
printf '%s' "$body" | grep -q '"postgres":"up"' || it_fail "healthz body: $body"
grep -qi '^content-type: application/json' <<<"$(curl -sI "$H/healthz")" || it_fail "healthz content type"

it_log "PostgreSQL stopped: 503 naming it"
it_fake_produce "$FAKE_URL" 1
it_wait_health "$H/healthz" 200 block $((START + 2)) 20 >/dev/null
pg_stop
body=$(it_wait_health "$H/healthz" 503 status unhealthy 20)
printf '%s' "$body" | grep -q '"reason":"PostgreSQL unavailable' || it_fail "PostgreSQL reason: $body"
printf '%s' "$body" | grep -q '"postgres":"down"' || it_fail "healthz body: $body"
M=$(curl -sf "$H/metrics") || it_fail "no /metrics"
grep -qx 'zws_postgres_up{worker="0"} 0' <<<"$M" || it_fail "metrics: postgres_up is not 0"

it_log "PostgreSQL back and a block pushed: 200"
pg_start
it_fake_produce "$FAKE_URL" 1
body=$(it_wait_health "$H/healthz" 200 block $((START + 3)) 60)
M=$(curl -sf "$H/metrics") || it_fail "no /metrics"
grep -qx 'zws_postgres_up{worker="0"} 1' <<<"$M" || it_fail "metrics: postgres_up is not 1"

it_log "no block for --healthy-block-age: 503 naming the age"
body=$(it_wait_health "$H/healthz" 503 status unhealthy 30)
printf '%s' "$body" | grep -q "\"reason\":\"last block $((START + 3)) pushed [0-9]* s ago (limit 10 s)\"" || it_fail "age reason: $body"
it_fake_produce "$FAKE_URL" 1
it_wait_health "$H/healthz" 200 block $((START + 4)) 20 >/dev/null
FAILED=0
it_log "PASS"
