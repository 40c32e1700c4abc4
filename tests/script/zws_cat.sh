#!/usr/bin/env bash
# zws-cat keeps the promises of its --help: a bad option value is refused
# with one clear line (exit 2); --timeout ends a quiet run promptly with
# exit 3; --count N exits 0 after N messages; a server that closes before
# --count messages arrived or a refused connection exits 1.
source "$(dirname "$0")/ingest_common.bash"
CAT=$ZWS_BIN_DIR/zws-cat

# expect_refused ARGS...: exit 2 and an error line naming the option.
expect_refused() {
  local rc=0
  "$CAT" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
  [ "$rc" = 2 ] || it_fail "zws-cat $* exited $rc, expected 2 ($(cat "$T/err"))"
  grep -q "^zws-cat: .*$1" "$T/err" || it_fail "zws-cat $*: unclear error: $(cat "$T/err")"
  it_log "refused: zws-cat $* -> $(head -n1 "$T/err")"
}
expect_refused --count abc ws://127.0.0.1:1
expect_refused --count 0 ws://127.0.0.1:1
expect_refused --count -3 ws://127.0.0.1:1
expect_refused --count 5x ws://127.0.0.1:1
expect_refused --timeout abc ws://127.0.0.1:1
expect_refused --timeout 0 ws://127.0.0.1:1
expect_refused --timeout
expect_refused --bogus 1 ws://127.0.0.1:1
expect_refused http://127.0.0.1:1
expect_refused --ca /nonexistent/ca.pem wss://127.0.0.1:1

rc=0; "$CAT" --timeout 5 "ws://127.0.0.1:$(it_free_port)" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || it_fail "a refused connection exited $rc, expected 1"

DB=$(it_createdb cat)
it_start_fake fake --height 692364 --interval-ms 300
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --poll-ms 100
it_wait_sql "$DB" "SELECT count(*) > 0 FROM ingest_cursor" t 30
ZPORT=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT" --max-message 64 >"$T/zws.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ZPORT") 2>/dev/null && break; sleep 0.05; done
URL=ws://127.0.0.1:$ZPORT

it_log "--timeout on a quiet connection: exit 3 within a second of it"
start=$(date +%s%N); rc=0
"$CAT" --timeout 2 "$URL" >"$T/quiet.out" 2>"$T/quiet.err" || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" = 3 ] || it_fail "--timeout 2 exited $rc, expected 3"
grep -q "timed out after 2 s" "$T/quiet.err" || it_fail "no 'timed out' line: $(cat "$T/quiet.err")"
[ "$ms" -lt 3000 ] || it_fail "--timeout 2 took $ms ms to exit"
it_log "exit 3 after $ms ms"

it_log "--count 3: the echo and two notifications, exit 0"
rc=0; "$CAT" --count 3 --timeout 20 "$URL" '{"query":"NewBlock"}' >"$T/count.out" || rc=$?
[ "$rc" = 0 ] || it_fail "--count 3 exited $rc"
[ "$(wc -l <"$T/count.out")" = 3 ] || it_fail "--count 3 printed $(wc -l <"$T/count.out") lines"
[ "$(grep -c '"type":"Notification"' "$T/count.out")" = 2 ] || it_fail "expected 2 notifications"

it_log "the server closes (message over --max-message) before --count: exit 1"
big=$(printf '{"query":"NewBlock","pad":"%0100d"}' 0)
rc=0; "$CAT" --count 5 --timeout 20 "$URL" "$big" >"$T/closed.out" 2>"$T/closed.err" || rc=$?
[ "$rc" = 1 ] || it_fail "closed early exited $rc, expected 1 ($(cat "$T/closed.err"))"
grep -q "closed with code 1009" "$T/closed.err" || it_fail "close code not shown: $(cat "$T/closed.err")"

it_log "SIGINT: exit 0 at once"
"$CAT" "$URL" '{"query":"NewBlock"}' >"$T/int.out" &
pid=$!; sleep 0.5; start=$(date +%s%N); kill -INT $pid; rc=0; wait $pid || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" = 0 ] || it_fail "SIGINT exit $rc"
[ "$ms" -lt 1000 ] || it_fail "SIGINT took $ms ms"
FAILED=0
it_log "PASS"
