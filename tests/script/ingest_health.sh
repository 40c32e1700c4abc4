#!/usr/bin/env bash
# zws-ingest --http: /healthz answers 200 while following, 503 with the
# reason when it lags, when the lookup fails and when PostgreSQL stops,
# and 200 again once each is over; /metrics is Prometheus text whose
# figures match what the database holds; other paths answer 404. Then
# SIGHUP (logged, the process carries on) and SIGTERM during a backfill
# (the fetched blocks are committed before it stops). Uses its own
# throwaway PostgreSQL so it can be stopped.
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

START=692360
it_start_fake fake --height $START --shape mainnet
HPORT=$(it_free_port)
H=http://127.0.0.1:$HPORT
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $((START - 20)) --poll-ms 100 \
  --backoff-max-ms 500 --timeout-ms 1000 --http "127.0.0.1:$HPORT" --healthy-lag-blocks 5 --healthy-lag-s 30

it_log "following: 200"
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $START 20
body=$(it_wait_health "$H/healthz" 200 status ok 10)
[ "$(printf '%s' "$body" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["role"], d["head"], d["committed"], d["lag_blocks"])')" = "leader $START $START 0" ] \
  || it_fail "healthz body: $body"
[ "$(it_http_code "$H/")" = 404 ] || it_fail "/ is not 404"
[ "$(it_http_code "$H/metricsx")" = 404 ] || it_fail "/metricsx is not 404"

it_log "metrics match the database"
it_fake_produce "$FAKE_URL" 3
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $((START + 3)) 20
M=$(it_metrics "$H/metrics") || it_fail "metrics do not parse: $M"
curl -sI "$H/metrics" | grep -qi '^content-type: text/plain; version=0.0.4' || it_fail "metrics content type"
for pair in "zws_ingest_committed_block:SELECT block_num FROM ingest_cursor" \
            "zws_ingest_blocks_stored_total:SELECT count(*) FROM tx_blocks" \
            "zws_ingest_transactions_stored_total:SELECT count(*) FROM transactions" \
            "zws_ingest_event_logs_stored_total:SELECT count(*) FROM event_logs"; do
  name=${pair%%:*}; want=$(it_sql "$DB" "${pair#*:}")
  [ "$(it_metric "$M" "$name")" = "$want" ] || it_fail "$name = $(it_metric "$M" "$name"), database says $want"
done
[ "$(it_metric "$M" zws_ingest_lookup_head_block)" = "$(it_fake_head "$FAKE_URL")" ] || it_fail "lookup head"
[ "$(it_metric "$M" zws_ingest_lag_blocks)" = 0 ] || it_fail "lag"
[ "$(it_metric "$M" 'zws_ingest_role{role="leader"}')" = 1 ] || it_fail "role"
[ "$(it_metric "$M" zws_ingest_postgres_up)" = 1 ] || it_fail "postgres_up"
[ "$(it_metric "$M" zws_ingest_healthy)" = 1 ] || it_fail "healthy"
[ "$(it_metric "$M" 'zws_ingest_lookup_requests_total{kind="head"}')" -gt 0 ] || it_fail "head requests"
[ "$(it_metric "$M" 'zws_ingest_lookup_requests_total{kind="blocks"}')" -gt 0 ] || it_fail "block requests"

it_log "lagging: 503, then 200 once caught up"
it_fake_fault "$FAKE_URL" '{"mode":"missing","count":-1}'
it_fake_produce "$FAKE_URL" 8
body=$(it_wait_health "$H/healthz" 503 status unhealthy 10)
printf '%s' "$body" | grep -q '"reason":"lagging: 8 blocks behind the head (limit 5)"' || it_fail "lag reason: $body"
it_fake_fault "$FAKE_URL" '{"mode":"none"}'
it_wait_health "$H/healthz" 200 status ok 20 >/dev/null

it_log "lookup failing: 503, then 200"
it_fake_fault "$FAKE_URL" '{"mode":"http500","count":-1}'
body=$(it_wait_health "$H/healthz" 503 status unhealthy 10)
printf '%s' "$body" | grep -q '"reason":"lookup failing for [0-9]*s: HTTP 500"' || it_fail "lookup reason: $body"
M=$(it_metrics "$H/metrics")
[ "$(it_metric "$M" 'zws_ingest_lookup_failures_total{kind="http"}')" -gt 0 ] || it_fail "http failures not counted"
[ "$(it_metric "$M" zws_ingest_lookup_up)" = 0 ] || it_fail "lookup_up"
it_fake_fault "$FAKE_URL" '{"mode":"none"}'
it_wait_health "$H/healthz" 200 status ok 20 >/dev/null

it_log "PostgreSQL stopped: 503, then 200 when it returns"
pg_stop
it_fake_produce "$FAKE_URL" 1
body=$(it_wait_health "$H/healthz" 503 status unhealthy 15)
printf '%s' "$body" | grep -q '"reason":"PostgreSQL unavailable: ' || it_fail "PostgreSQL reason: $body"
M=$(it_metrics "$H/metrics")
[ "$(it_metric "$M" zws_ingest_postgres_up)" = 0 ] || it_fail "postgres_up while stopped"
pg_start
it_wait_health "$H/healthz" 200 status ok 30 >/dev/null
head=$(it_fake_head "$FAKE_URL")
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" "$head" 20

it_log "SIGHUP: logged, still following"
kill -HUP "$INGEST_PID"
it_fake_produce "$FAKE_URL" 2
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $((head + 2)) 20
kill -0 "$INGEST_PID" || it_fail "SIGHUP stopped zws-ingest"
grep -q 'INFO SIGHUP received' "$T/ingest.log" || it_fail "SIGHUP not logged"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status"
it_check_complete "$DB" $((START - 20)) $((head + 2))

it_log "SIGTERM during a backfill: what was fetched is committed, then it stops"
DB2=$(it_createdb term)
it_start_fake fake2 --height 706000 --shape mixed
it_start_ingest term --db "$DB2" --lookup "$FAKE_URL" --from-block 700001 --poll-ms 100
it_wait_sql "$DB2" "SELECT block_num > 700300 FROM ingest_cursor" t 60
# Hold the cursor row for 4 s: the commit in progress waits for it and
# fetched blocks queue up behind it, so SIGTERM finds some to commit.
psql -X -q "$DB2" -c "BEGIN; SELECT block_num FROM ingest_cursor FOR UPDATE; SELECT pg_sleep(4); COMMIT;" >/dev/null &
LOCKER_PID=$!
sleep 1.5
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM during the backfill: exit status"
wait "$LOCKER_PID" || it_fail "the psql holding the cursor row failed"
grep -q 'stopping: committing the [0-9]* fetched blocks first' "$T/term.log" || it_fail "nothing was queued at SIGTERM"
last=$(sed -n 's/.*stopping (every fetched block committed); last committed blk=\([0-9]*\).*/\1/p' "$T/term.log")
[ -n "$last" ] || it_fail "the queued blocks were not all committed"
[ "$(it_sql "$DB2" "SELECT block_num FROM ingest_cursor")" = "$last" ] || it_fail "cursor is not the block the log names"
it_check_complete "$DB2" 700001 "$last"
FAILED=0
it_log "PASS (SIGTERM committed $(sed -n 's/.*committing the \([0-9]*\) fetched.*/\1/p' "$T/term.log") queued blocks, stopped at blk=$last)"
