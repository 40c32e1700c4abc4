#!/usr/bin/env bash
# zws's live status page in a real browser: Debian's headless Chromium
# opens GET / on the zws port while the fake lookup produces blocks;
# tests/browser/status_page.py checks the block shown moves without a
# reload, the recent-blocks table and fan-out chart follow, a NewBlock
# subscriber is counted, and nothing is
# loaded from anywhere but zws. Its two screenshots are kept as
# $ZWS_BUILD_DIR/tests/artifacts/status-page-1.png and -2.png.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../sdk/stack.bash
. "$src/tests/sdk/stack.bash"
stack_init browser_status_page
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || stack_fail "$chromium not found (run scripts/install-deps.sh)"

stack_start
# A client subscribed to NewBlock, for the page to count.
stack_spawn subscriber "$ZWS_BIN_DIR/zws-cat" "$STACK_ZWS_URL" '{"query":"NewBlock"}'
page=http://127.0.0.1:${STACK_ZWS_URL##*:}/
shots=$STACK_ARTIFACTS/status-page
rm -f "$shots"-1.png "$shots"-2.png
if ! timeout 180 python3 "$src/tests/browser/status_page.py" --chromium "$chromium" \
	--page "$page" --lookup "$STACK_LOOKUP_URL" --shots "$shots" \
	--log "$STACK_LOGS/chromium.log"; then
	stack_fail "the status page did not follow the blocks (output above, logs in $STACK_LOGS)"
fi
stack_check_alive
stack_pass "headless Chromium saw the status page follow the blocks; screenshots $shots-1.png $shots-2.png"
