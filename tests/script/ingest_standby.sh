#!/usr/bin/env bash
# Two zws-ingest on one database, blocks arriving every 100 ms: one leads
# (holds the leader lock), the other waits as a standby, says once whose
# backend holds the lock, and answers /healthz 200 with role "standby".
# SIGKILL the leader mid-stream: the standby takes over within 5 s. Start
# the killed one again (it waits as the standby now), then cut the new
# leader's PostgreSQL session (pg_terminate_backend): within 5 s one of
# the two leads and the other waits (the cut one may win the lock back as
# it reconnects). Every block from the
# start to the lookup's head is stored exactly once.
source "$(dirname "$0")/ingest_common.bash"

LOCK_OBJID=1936289383 # leader_lock.h: the low 32 bits of the key
START=692360
it_start_fake fake --height $START --shape mainnet
DB=$(it_createdb standby)
( while curl -sf -X POST "$FAKE_URL/fake/produce?count=1" >/dev/null; do sleep 0.1; done ) &
PRODUCER_PID=$!
PIDS+=("$PRODUCER_PID")

ingest() { # NAME HTTP_PORT
  it_start_ingest "$1" --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 100 \
    --backoff-max-ms 1000 --http "127.0.0.1:$2"
}
lock_holder() {
  it_sql "$DB" "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $LOCK_OBJID AND objsubid = 1 AND granted"
}
# wait_line FILE PATTERN SECONDS: seconds (to 0.1 s) until FILE has a line matching PATTERN
wait_line() {
  local t0=$(date +%s%N)
  for _ in $(seq $(($3 * 10))); do
    if grep -q -- "$2" "$1"; then echo $(( ($(date +%s%N) - t0) / 100000000 )); return 0; fi
    sleep 0.1
  done
  it_fail "no line matching [$2] in $(basename "$1") after $3 s"
}

PA=$(it_free_port); PB=$(it_free_port)
ingest a "$PA"; A_PID=$INGEST_PID
it_wait_sql "$DB" "SELECT block_num >= $((START + 5)) FROM ingest_cursor" t 20
ingest b "$PB"; B_PID=$INGEST_PID
it_wait_health "http://127.0.0.1:$PB/healthz" 200 role standby 10 >/dev/null
it_wait_health "http://127.0.0.1:$PA/healthz" 200 role leader 10 >/dev/null
holder=$(lock_holder)
grep -q "INFO standby: another zws-ingest holds the leader lock (pid $holder, zws-ingest from " "$T/b.log" \
  || it_fail "the standby did not name the lock holder (backend pid $holder)"
sleep 3
[ "$(grep -c 'INFO standby:' "$T/b.log")" = 1 ] || it_fail "the standby logged more than once"
! grep -q "committed in" "$T/b.log" || it_fail "the standby committed blocks"

it_log "SIGKILL the leader mid-stream"
kill -KILL "$A_PID"; wait "$A_PID" 2>/dev/null || true
took=$(wait_line "$T/b.log" "INFO leader: took the leader lock after" 10)
[ "$took" -le 50 ] || it_fail "takeover took $took tenths of a second"
it_log "the standby took over in $((took / 10)).$((took % 10)) s"
it_wait_health "http://127.0.0.1:$PB/healthz" 200 role leader 15 >/dev/null
cursor=$(it_sql "$DB" "SELECT block_num FROM ingest_cursor")
it_wait_sql "$DB" "SELECT block_num > $cursor FROM ingest_cursor" t 10

it_log "the killed one again: standby"
PA2=$(it_free_port)
ingest a2 "$PA2"
it_wait_health "http://127.0.0.1:$PA2/healthz" 200 role standby 10 >/dev/null

it_log "cut the leader's session"
b_backend=$(lock_holder)
it_sql "$DB" "SELECT pg_terminate_backend($b_backend)" >/dev/null
# Either the standby takes the lock or the cut leader, reconnecting
# first, takes it back; one of them leads again within a few seconds.
for _ in $(seq 50); do
  now=$(lock_holder)
  [ -n "$now" ] && [ "$now" != "$b_backend" ] && break
  sleep 0.1
done
[ -n "$now" ] && [ "$now" != "$b_backend" ] || it_fail "nobody holds the leader lock 5 s after the cut"
wait_line "$T/b.log" "WARN PostgreSQL unavailable: " 5 >/dev/null
role_of() { curl -s --max-time 5 "http://127.0.0.1:$1/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["role"])'; }
# The cut one reconnects after its backoff (at most 1 s here), then waits
# or leads.
for _ in $(seq 50); do
  a_role=$(role_of "$PA2"); b_role=$(role_of "$PB")
  [ "$(printf '%s\n' "$a_role" "$b_role" | sort | tr '\n' ' ')" = "leader standby " ] && break
  sleep 0.1
done
[ "$(printf '%s\n' "$a_role" "$b_role" | sort | tr '\n' ' ')" = "leader standby " ] \
  || it_fail "5 s after the cut: roles $a_role and $b_role"
it_log "after the cut: the restarted one is $a_role, the cut one $b_role"
cursor=$(it_sql "$DB" "SELECT block_num FROM ingest_cursor")
it_wait_sql "$DB" "SELECT block_num > $cursor + 5 FROM ingest_cursor" t 10

{ kill "$PRODUCER_PID"; wait "$PRODUCER_PID"; } 2>/dev/null || true
sleep 1 # a produce request the loop had sent may still land
head=$(it_fake_head "$FAKE_URL")
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" "$head" 30
sleep 1
it_check_complete "$DB" $START "$head"
[ "$(it_sql "$DB" "SELECT count(*) FROM tx_blocks")" = $((head - START + 1)) ] || it_fail "blocks outside $START..$head"
kill -TERM "$B_PID" "$INGEST_PID"
wait "$B_PID" || it_fail "SIGTERM exit status (b)"
wait "$INGEST_PID" || it_fail "SIGTERM exit status (a2)"
FAILED=0
it_log "PASS (blocks $START..$head stored once across two takeovers)"
