#!/usr/bin/env bash
# PostgreSQL goes away under zws-ingest (fast shutdown while blocks keep
# coming) and comes back: zws-ingest warns once, retries with backoff,
# reconnects, logs the recovery and resumes without losing or duplicating
# a block. Uses its own throwaway PostgreSQL so it can be stopped.
source "$(dirname "$0")/ingest_common.bash"

PGDIR=$T/pg2
BINDIR=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DB=$("$ZWS_SOURCE_DIR/tests/pg.sh" start "$PGDIR")
IT_EXTRA_CLEANUP='"$ZWS_SOURCE_DIR/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1 || true'
pg_restart() {
  as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 start \
    -o "-c listen_addresses='' -c unix_socket_directories='$PGDIR' -c fsync=off -c synchronous_commit=off" >/dev/null
}

START=692360
it_start_fake fake --height $START --shape mainnet
# a block every 100 ms
( while curl -sf -X POST "$FAKE_URL/fake/produce?count=1" >/dev/null; do sleep 0.1; done ) &
PRODUCER_PID=$!
PIDS+=("$PRODUCER_PID")
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 100 --backoff-max-ms 1000
it_wait_sql "$DB" "SELECT block_num >= $((START + 5)) FROM ingest_cursor" t 20

for round in 1 2; do
  it_log "round $round: stopping PostgreSQL"
  as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null
  sleep 3
  kill -0 "$INGEST_PID" || it_fail "zws-ingest died while PostgreSQL was down"
  pg_restart
  it_log "round $round: PostgreSQL back"
  sleep 1
  head=$(it_fake_head "$FAKE_URL")
  it_wait_sql "$DB" "SELECT block_num >= $head FROM ingest_cursor" t 30
done

{ kill "$PRODUCER_PID"; wait "$PRODUCER_PID"; } 2>/dev/null || true
head=$(it_fake_head "$FAKE_URL")
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" "$head" 30
last=$head
it_check_complete "$DB" $START "$last"
[ "$(grep -c 'PostgreSQL unavailable' "$T/ingest.log")" = 2 ] || it_fail "expected one warning per outage"
[ "$(grep -c 'PostgreSQL recovered after' "$T/ingest.log")" = 2 ] || it_fail "expected one recovery line per outage"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status"
FAILED=0
it_log "PASS (blocks $START..$last)"
