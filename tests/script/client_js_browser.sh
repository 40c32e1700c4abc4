#!/usr/bin/env bash
# The dApp client module in a real browser: Debian's headless Chromium
# opens tests/client_js/follow.html, a page that follows NewBlock through
# client/js/zws-client.js (driven by tests/client_js/browser_follow.py over
# the DevTools pipe), while blocks are produced every 250 ms, zws is killed
# and restarted on its port twice and zws-ingest is killed for 15 blocks
# (tests/client_js/chaos.bash). The page must process every block from the
# first produced to the head exactly once, in order. Screenshot:
# $ZWS_BUILD_DIR/tests/artifacts/client-js-browser.png.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../sdk/stack.bash
. "$src/tests/sdk/stack.bash"
# shellcheck source=SCRIPTDIR/../client_js/chaos.bash
. "$src/tests/client_js/chaos.bash"
stack_init client_js_browser
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || stack_fail "$chromium not found (run scripts/install-deps.sh)"

stack_start
CHAOS_OUT=$STACK_LOGS/blocks.txt
CHAOS_READY=$STACK_LOGS/subscribed
shot=$STACK_ARTIFACTS/client-js-browser.png
rm -f "$shot"
stack_spawn client python3 "$src/tests/client_js/browser_follow.py" --chromium "$chromium" \
	--root "$src" --zws "$STACK_ZWS_URL" --out "$CHAOS_OUT" --ready "$CHAOS_READY" \
	--screenshot "$shot" --log "$STACK_LOGS/chromium.log"
chaos_run
stack_stop client
stack_finish
stack_pass "headless Chromium processed blocks $((STACK_HEIGHT + 1))..$((STACK_HEIGHT + CHAOS_BLOCKS)) exactly once in order across 2 zws restarts and a zws-ingest outage of $CHAOS_INGEST_DOWN_BLOCKS blocks; screenshot $shot"
