#!/usr/bin/env bash
# A dApp frontend in a real browser: Debian's headless Chromium opens the
# plain page in tests/browser/ (served on 127.0.0.1), which opens a
# WebSocket to zws, subscribes to NewBlock and to the EventLog of the
# contract that emits in mainnet block 692365, and lists each epoch's
# events. tests/browser/drive.py produces the blocks while the page is
# open, checks the table the page shows (the 13 events of block 692365 in
# receipt order, then the next epoch) and keeps a screenshot in
# $ZWS_BUILD_DIR/tests/artifacts/browser-eventlog.png.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../sdk/stack.bash
. "$src/tests/sdk/stack.bash"
stack_init browser_eventlog
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || stack_fail "$chromium not found (run scripts/install-deps.sh)"

stack_start
shot=$STACK_ARTIFACTS/browser-eventlog.png
rm -f "$shot"
if ! timeout 180 python3 "$src/tests/browser/drive.py" --chromium "$chromium" \
	--zws "$STACK_ZWS_URL" --lookup "$STACK_LOOKUP_URL" \
	--contract 0x17329229cd84b964130977975054f7725a85381a \
	--fixtures "$src/tests/fixtures" --screenshot "$shot" \
	--log "$STACK_LOGS/chromium.log"; then
	stack_fail "the page did not show block 692365's events (output above, logs in $STACK_LOGS)"
fi
stack_check_alive
stack_pass "headless Chromium showed the 13 events of block 692365; screenshot $shot"
