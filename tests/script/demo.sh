#!/usr/bin/env bash
# The README's demo command, as a user meets it: scripts/demo.sh starts,
# prints the ws:// URL, and a client following its printed advice sees
# NewBlock notifications arrive; Ctrl-C (SIGINT) stops everything.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${ZWS_BIN_DIR:-$src/build/bin}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); lookup_port=$(free_port)
out=$(mktemp -d /tmp/zws-demo-test.XXXXXX)
chmod 755 "$out"
cleanup() {
  [ -n "${demo_pid:-}" ] && kill -INT "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
fail() { echo "demo: FAIL: $*"; echo "--- demo output"; cat "$out/demo.log"; for f in "$out"/logs/*.log; do echo "--- $f"; tail -n 20 "$f"; done; exit 1; }

cd "$src"
# Its own data directory and logs: a demo or a test run elsewhere on this
# machine is left alone (and would make this one refuse to start).
ZWS_DEMO_DATA=$out/pg ZWS_DEMO_LOGS=$out/logs \
ZWS_PORT=$port ZWS_DEMO_LOOKUP_PORT=$lookup_port ZWS_DEMO_INTERVAL_MS=500 \
  setsid ./scripts/demo.sh >"$out/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 1500); do grep -q "ZWS is running: ws://127.0.0.1:$port" "$out/demo.log" && break; sleep 0.2; done
grep -q "ZWS is running: ws://127.0.0.1:$port" "$out/demo.log" || fail "no ws:// URL printed within 300 s (it builds first)"
grep -q "zws-cat ws://127.0.0.1:$port" "$out/demo.log" || fail "no way to watch notifications printed"

"$bin/zws-cat" --count 3 --timeout 20 "ws://127.0.0.1:$port" '{"query":"NewBlock"}' >"$out/msgs" \
  || fail "zws-cat did not get the echo and two notifications within 20 s"
head -n1 "$out/msgs" | grep -qx '{"query":"NewBlock"}' || fail "first message is not the echo"
n=$(grep -c '"type":"Notification".*"query":"NewBlock"' "$out/msgs" || true)
[ "$n" = 2 ] || fail "expected 2 NewBlock notifications, got $n"

kill -INT -- "-$demo_pid" 2>/dev/null || kill -INT "$demo_pid"
for _ in $(seq 100); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$demo_pid" 2>/dev/null && fail "demo still running 10 s after Ctrl-C"
grep -q "demo stopped" "$out/demo.log" || fail "demo did not clean up"
demo_pid=
echo "demo: PASS: URL printed, 2 NewBlock notifications received, stopped cleanly on Ctrl-C"
