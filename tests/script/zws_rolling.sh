#!/usr/bin/env bash
# A rolling restart loses no client's epoch once clients resume: blocks are
# produced every 250 ms while three Node programs using
# client/js/zws-client.js (tests/client_js/follow.mjs) follow NewBlock. Twice
# a new zws is started on the same port with --join and the old one is sent
# SIGTERM: it drains (each client closed with 1001, none cut) and exits 0,
# the clients reconnect to the new one and resume from their last block.
# Then production stops and every client must have processed every block
# from the first produced to the head exactly once, in order.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../sdk/stack.bash
. "$src/tests/sdk/stack.bash"
# shellcheck source=SCRIPTDIR/../client_js/chaos.bash
. "$src/tests/client_js/chaos.bash"
stack_init zws_rolling

CLIENTS=3
ROLL_BLOCKS=4 # blocks produced between one restart and the next

# roll_start NAME: a new zws on the zws port, joining the one serving it.
roll_start() {
	stack_spawn "$1" "$ZWS_BIN_DIR/zws" --db "$STACK_DB" --host 127.0.0.1 --port "$STACK_ZWS_PORT" \
		--lookup "$STACK_LOOKUP_URL" --join
	stack_wait 10 "$1 did not log \"listening\"" grep -q "zws listening" "$STACK_LOGS/$1.log"
	grep -q "joining the zws on port $STACK_ZWS_PORT" "$STACK_LOGS/$1.log" ||
		stack_fail "$1 did not log that it joins the zws on port $STACK_ZWS_PORT"
}

# roll_drain NAME: SIGTERM NAME; it must drain every client with 1001 and exit 0.
roll_drain() {
	local name=$1 i pid rc=0
	i=$(stack_index "$name")
	pid=${stack_pids[i]}
	stack_pids[i]=-
	kill -TERM "$pid"
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && stack_fail "$name did not exit within 30 s of SIGTERM"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || stack_fail "$name exited $rc after SIGTERM, not 0"
	grep -q "drained in .*: $CLIENTS clients closed with 1001, 0 cut" "$STACK_LOGS/$name.log" ||
		stack_fail "$name did not log that it closed its $CLIENTS clients with 1001: $(grep drained "$STACK_LOGS/$name.log")"
	stack_log "$name drained: $(grep -o 'drained in .*' "$STACK_LOGS/$name.log")"
}

# all_reached N: every client processed block N or a later one.
all_reached() {
	local c last
	for ((c = 1; c <= CLIENTS; c++)); do
		last=$(tail -n 1 "$STACK_LOGS/blocks-$c.txt" 2>/dev/null) && [ -n "$last" ] && [ "$last" -ge "$1" ] || return 1
	done
}

# roll NEW OLD: start NEW with --join, let a block go by, drain OLD, wait
# until ROLL_BLOCKS more blocks were produced and every client has them.
roll() {
	local h
	roll_start "$1"
	h=$(chaos_head)
	stack_wait 30 "the lookup did not produce a block" chaos_head_at_least $((h + 1))
	roll_drain "$2"
	h=$(chaos_head)
	stack_wait 60 "the lookup did not produce $ROLL_BLOCKS blocks" chaos_head_at_least $((h + ROLL_BLOCKS))
	h=$(chaos_head)
	stack_wait 60 "the clients did not all reach block $h after $2 was drained" all_reached "$h"
}

stack_start
for ((c = 1; c <= CLIENTS; c++)); do
	stack_spawn "client$c" node --experimental-websocket --no-warnings \
		"$src/tests/client_js/follow.mjs" "$STACK_ZWS_URL" "$STACK_LOGS/blocks-$c.txt" "$STACK_LOGS/subscribed-$c"
done
for ((c = 1; c <= CLIENTS; c++)); do
	stack_wait 60 "client $c did not subscribe" test -f "$STACK_LOGS/subscribed-$c"
done
first=$((STACK_HEIGHT + 1))
chaos_produce
stack_wait 60 "the clients did not all process 3 blocks" all_reached $((first + 2))

roll zws2 zws
roll zws3 zws2

chaos_stop_producing
h=$(chaos_head)
stack_wait 60 "the clients did not all reach the head $h" all_reached "$h"
# A block processed twice after the head would show up here.
sleep 1
for ((c = 1; c <= CLIENTS; c++)); do
	if ! diffs=$(seq "$first" "$h" | diff - "$STACK_LOGS/blocks-$c.txt"); then
		stack_fail "client $c did not process blocks $first..$h exactly once in order" \
			"(diff expected processed: $(echo "$diffs" | head -n 20 | tr '\n' ' '))"
	fi
	n=$(grep -c 'closed (code 1001' "$STACK_LOGS/client$c.log" || true)
	[ "$n" = 2 ] || stack_fail "client $c saw $n closes with 1001, not 2 (one per restart)"
	if grep -q 'gap: blocks' "$STACK_LOGS/client$c.log"; then
		stack_fail "client $c reported a gap: $(grep 'gap: blocks' "$STACK_LOGS/client$c.log" | head -n 3)"
	fi
done
for ((c = 1; c <= CLIENTS; c++)); do
	stack_stop "client$c"
done
stack_finish
stack_pass "$CLIENTS Node clients processed blocks $first..$h exactly once in order across 2 rolling restarts (--join, SIGTERM drain with 1001)"
