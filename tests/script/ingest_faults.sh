#!/usr/bin/env bash
# Every lookup fault the fake can inject (HTTP 500/429, garbage, truncated
# JSON, slow answers past the timeout, rate-limit errors, missing batch
# connections): zws-ingest backs off, logs the outage once and the
# recovery once, never crashes, and stores every block whole. "missing"
# ("Tx Block does not exist" below the head) is the node lagging, not an
# outage: the block is asked again shortly, without a warning.
source "$(dirname "$0")/ingest_common.bash"

START=692360
it_start_fake fake --height $START --shape mainnet
DB=$(it_createdb faults)
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --from-block $START --poll-ms 100 \
  --timeout-ms 700 --backoff-max-ms 1000
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" $START 20

outages() { grep -c "failed: .*retrying in" "$T/ingest.log" || true; }
recoveries() { grep -c "recovered after" "$T/ingest.log" || true; }

for mode in http500 http429 garbage truncated slow ratelimit missing close; do
  before_out=$(outages); before_rec=$(recoveries)
  it_fake_fault "$FAKE_URL" "{\"mode\":\"$mode\",\"count\":3,\"delay_ms\":1500}"
  it_fake_produce "$FAKE_URL" 3
  head=$(it_fake_head "$FAKE_URL")
  it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" "$head" 30
  kill -0 "$INGEST_PID" || it_fail "zws-ingest died during $mode"
  after_out=$(outages); after_rec=$(recoveries)
  if [ "$mode" = missing ]; then
    [ "$after_out" = "$before_out" ] || it_fail "missing: logged as an outage"
    it_check_complete "$DB" $START "$head"
    it_log "missing: retried quietly"
    continue
  fi
  [ "$after_out" -gt "$before_out" ] || it_fail "$mode: no outage logged"
  [ "$after_rec" -gt "$before_rec" ] || it_fail "$mode: no recovery logged"
  [ "$((after_out - before_out))" = "$((after_rec - before_rec))" ] || it_fail "$mode: outages and recoveries do not pair up"
  it_log "$mode: $(grep "failed: " "$T/ingest.log" | tail -n 1 | cut -d' ' -f3-)"
  it_check_complete "$DB" $START "$head"
done

[ "$(grep -c ' WARN ' "$T/ingest.log")" = "$(outages)" ] || it_fail "more than one warning per outage"
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || it_fail "SIGTERM exit status"
FAILED=0
it_log "PASS"
