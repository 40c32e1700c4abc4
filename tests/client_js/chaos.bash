# The scenario of the client_js_node and client_js_browser script tests,
# sourced after tests/sdk/stack.bash. The client under test (a program
# using client/js/zws-client.js, started as the stack program "client")
# subscribes to NewBlock, creates $CHAOS_READY once subscribed and appends
# each block number it processed, one per line, to $CHAOS_OUT.
#
#   chaos_run   zws is killed once the client subscribed, before any
#               block; blocks are produced every CHAOS_INTERVAL seconds
#               from then on, while zws is restarted, killed (SIGKILL)
#               and restarted on its port twice more and
#               zws-ingest is killed while more than --live-distance
#               blocks are produced and restarted; then production stops
#               and $CHAOS_OUT must hold every block from the first
#               produced to the head exactly once, in order.

CHAOS_INTERVAL=0.25
# Blocks produced while zws is down, and while zws-ingest is down (more
# than zws-ingest's default --live-distance of 10).
CHAOS_ZWS_DOWN_BLOCKS=6
CHAOS_INGEST_DOWN_BLOCKS=15

chaos_head() {
	curl -fsS -m 5 "$STACK_LOOKUP_URL/fake/status" | sed -n 's/.*"head":\([0-9]*\).*/\1/p'
}

chaos_head_at_least() {
	local h
	h=$(chaos_head) && [ -n "$h" ] && [ "$h" -ge "$1" ]
}

chaos_last() {
	tail -n 1 "$CHAOS_OUT" 2>/dev/null
}

# chaos_reached N: the client processed block N or a later one.
chaos_reached() {
	local last
	last=$(chaos_last) && [ -n "$last" ] && [ "$last" -ge "$1" ]
}

chaos_produce() {
	rm -f "$STACK_LOGS/stop-producing"
	stack_spawn producer bash -c "while [ ! -e '$STACK_LOGS/stop-producing' ]; do
		curl -sS -m 5 -X POST '$STACK_LOOKUP_URL/fake/produce' >/dev/null
		sleep $CHAOS_INTERVAL
	done"
}

# Stops production once no block request is under way (the head is final).
chaos_stop_producing() {
	local i pid
	i=$(stack_index producer)
	pid=${stack_pids[i]}
	# Exiting now is what it should do: not a failure for stack_check_alive.
	stack_pids[i]=-
	touch "$STACK_LOGS/stop-producing"
	stack_wait 20 "the producer did not stop" chaos_gone "$pid"
	wait "$pid" 2>/dev/null || true
}

chaos_gone() {
	! kill -0 "$1" 2>/dev/null
}

# chaos_outage NAME BLOCKS: kills NAME, waits until BLOCKS more blocks were
# produced, starts it again, waits until the client processed the head.
chaos_outage() {
	local name=$1 blocks=$2 h
	stack_kill "$name"
	h=$(chaos_head)
	stack_wait 60 "the lookup did not produce $blocks blocks" chaos_head_at_least $((h + blocks))
	"stack_start_$name"
	h=$(chaos_head)
	stack_log "$name restarted at head $h; the client is at block $(chaos_last)"
	stack_wait 90 "the client did not reach block $h after the $name restart (it is at $(chaos_last))" \
		chaos_reached "$h"
}

chaos_check_sequence() {
	local first=$1 last=$2 diffs
	if ! diffs=$(seq "$first" "$last" | diff - "$CHAOS_OUT"); then
		stack_fail "the client did not process blocks $first..$last exactly once in order" \
			"(diff expected processed: $(echo "$diffs" | head -n 20 | tr '\n' ' '))"
	fi
}

chaos_run() {
	local first=$((STACK_HEIGHT + 1)) h
	stack_wait 60 "the client did not subscribe" test -f "$CHAOS_READY"
	# Its first connection drops before its first notification: the blocks
	# produced until zws is back must still reach it.
	stack_kill zws
	chaos_produce
	stack_wait 60 "the lookup did not produce $CHAOS_ZWS_DOWN_BLOCKS blocks" \
		chaos_head_at_least $((first + CHAOS_ZWS_DOWN_BLOCKS - 1))
	stack_start_zws
	stack_log "zws restarted at head $(chaos_head) before the client's first block"
	stack_wait 90 "the client processed no 3 blocks" chaos_reached $((first + 2))
	chaos_outage zws "$CHAOS_ZWS_DOWN_BLOCKS"
	chaos_outage zws "$CHAOS_ZWS_DOWN_BLOCKS"
	chaos_outage ingest "$CHAOS_INGEST_DOWN_BLOCKS"
	chaos_stop_producing
	h=$(chaos_head)
	stack_wait 60 "the client did not reach the head $h (it is at $(chaos_last))" chaos_reached "$h"
	# A block processed twice after the head would show up here.
	sleep 1
	chaos_check_sequence "$first" "$h"
	# shellcheck disable=SC2034 # read by the test scripts
	CHAOS_BLOCKS=$((h - first + 1))
}
