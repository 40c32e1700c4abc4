#!/usr/bin/env bash
# Misconfigurations said plainly and repeated while they last: zws-ingest
# started against a database or role that does not exist, a host name that
# does not resolve (for PostgreSQL and for the lookup), a lookup port where
# nothing listens, a lookup URL that answers 404 and one that answers
# something other than JSON-RPC. Each logs what to fix, a DNS failure is
# not called a closed connection, a refused connection is called refused,
# and after 30 s each says it is "still failing after 30s" (all run at
# once, so the test takes about 35 s).
source "$(dirname "$0")/ingest_common.bash"

START=692360
it_start_fake fake --height $START --shape mainnet
GOOD_LOOKUP=$FAKE_URL
it_start_fake notrpc --height $START --shape mainnet
it_fake_fault "$FAKE_URL" '{"mode":"garbage","count":-1}'
NOTRPC_URL=$FAKE_URL
DB=$(it_createdb misconfig)
PGHOST_DIR=$ZWS_TEST_PG_DIR
REFUSED_PORT=$(it_free_port)

declare -A PID_OF
start() { # NAME ARGS...
  local name=$1; shift
  it_start_ingest "$name" --backoff-max-ms 2000 --poll-ms 200 --timeout-ms 2000 "$@"
  PID_OF[$name]=$INGEST_PID
}
start nodb    --db "host=$PGHOST_DIR dbname=zi_no_such_db_$$ user=postgres" --lookup "$GOOD_LOOKUP"
start norole  --db "host=$PGHOST_DIR dbname=postgres user=zi_no_such_role" --lookup "$GOOD_LOOKUP"
start pgdns   --db "host=no-such-host.invalid dbname=postgres user=postgres connect_timeout=2" --lookup "$GOOD_LOOKUP"
start refused --db "$DB" --lookup "http://127.0.0.1:$REFUSED_PORT"
start http404 --db "$DB" --lookup "$GOOD_LOOKUP/fake/no-such-endpoint"
start notrpc  --db "$DB" --lookup "$NOTRPC_URL"
start dns     --db "$DB" --lookup "http://no-such-host.invalid:4201"

sleep 33

expect() { # NAME PATTERN
  grep -q -- "$2" "$T/$1.log" || it_fail "$1: no line matching [$2]"
}
expect nodb    "WARN PostgreSQL unavailable: misconfiguration: the database does not exist: create it or fix dbname in --db (.*database \"zi_no_such_db_$$\" does not exist)"
expect norole  "WARN PostgreSQL unavailable: misconfiguration: the role does not exist: create it or fix user in --db (.*role \"zi_no_such_role\" does not exist)"
expect pgdns   "WARN PostgreSQL unavailable: misconfiguration: the host name in --db does not resolve"
expect refused "WARN lookup 127.0.0.1:$REFUSED_PORT failed: connection refused"
expect http404 "WARN lookup 127.0.0.1:[0-9]* failed: misconfiguration: HTTP 404: no JSON-RPC endpoint at this path: check the path in --lookup"
expect notrpc  "WARN lookup 127.0.0.1:[0-9]* failed: misconfiguration: the lookup URL does not answer JSON-RPC (HTTP 200, "
expect dns     "WARN lookup no-such-host.invalid:4201 failed: .*host name no-such-host.invalid does not resolve"
for name in nodb norole pgdns refused http404 notrpc dns; do
  expect "$name" "still failing after 3[0-9]s: "
  kill -0 "${PID_OF[$name]}" || it_fail "$name: zws-ingest exited"
  [ "$(grep -c ' WARN ' "$T/$name.log")" -le 3 ] || it_fail "$name: more than the first line and one repeat per 30 s"
  it_log "$name: $(grep ' WARN ' "$T/$name.log" | head -n 1 | cut -d' ' -f3-)"
done
it_log "repeated: $(grep 'still failing after' "$T/nodb.log" | head -n 1 | cut -d' ' -f2-)"
! grep -q "connection closed" "$T/dns.log" || it_fail "a DNS failure reported as a closed connection"
! grep -q "timed out" "$T/refused.log" || it_fail "a refused connection reported as a timeout"
FAILED=0
it_log "PASS"
