#!/usr/bin/env bash
# The dApp client module in Node 20: tests/client_js/follow.mjs uses
# client/js/zws-client.js with Node's own WebSocket and follows NewBlock
# while blocks are produced every 250 ms, zws is killed and restarted on
# its port twice and zws-ingest is killed for 15 blocks
# (tests/client_js/chaos.bash); it must process every block from the
# first produced to the head exactly once, in order.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../sdk/stack.bash
. "$src/tests/sdk/stack.bash"
# shellcheck source=SCRIPTDIR/../client_js/chaos.bash
. "$src/tests/client_js/chaos.bash"
stack_init client_js_node

stack_start
CHAOS_OUT=$STACK_LOGS/blocks.txt
CHAOS_READY=$STACK_LOGS/subscribed
stack_spawn client node --experimental-websocket --no-warnings \
	"$src/tests/client_js/follow.mjs" "$STACK_ZWS_URL" "$CHAOS_OUT" "$CHAOS_READY"
chaos_run
stack_stop client
stack_finish
stack_pass "the Node client processed blocks $((STACK_HEIGHT + 1))..$((STACK_HEIGHT + CHAOS_BLOCKS)) exactly once in order across 2 zws restarts and a zws-ingest outage of $CHAOS_INGEST_DOWN_BLOCKS blocks"
