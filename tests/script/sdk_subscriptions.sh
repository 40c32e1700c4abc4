#!/usr/bin/env bash
# The official JavaScript client against zws: @zilliqa-js/subscriptions
# 3.5.0 from npm, unmodified (tests/sdk/package-lock.json pins it and its
# dependencies), subscribes NewBlock and EventLog, receives mainnet block
# 692365 with its 13 event logs, unsubscribes and sees the Unsubscribe
# entry. The npm packages are installed with `npm ci` into
# $ZWS_BUILD_DIR/sdk (once; again when the lock file changes), so the source
# tree stays clean. Needs node, npm and the npm registry on first run.
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../sdk/stack.bash
. "$src/tests/sdk/stack.bash"
stack_init sdk_subscriptions
command -v npm >/dev/null || stack_fail "npm is not installed (run scripts/install-deps.sh)"

sdk=$ZWS_BUILD_DIR/sdk
if ! cmp -s "$src/tests/sdk/package-lock.json" "$sdk/package-lock.json" ||
	! cmp -s "$src/tests/sdk/package.json" "$sdk/package.json" ||
	[ ! -d "$sdk/node_modules/@zilliqa-js/subscriptions" ]; then
	stack_log "npm ci into $sdk"
	rm -rf "$sdk"
	mkdir -p "$sdk"
	cp "$src/tests/sdk/package.json" "$src/tests/sdk/package-lock.json" "$sdk/"
	# The install scripts only probe for native add-ons that have pure
	# JavaScript fallbacks (bufferutil, utf-8-validate); skip them.
	(cd "$sdk" && timeout 600 npm ci --no-audit --no-fund --ignore-scripts) \
		>"$STACK_LOGS/npm-ci.log" 2>&1 || {
		rm -rf "$sdk"
		stack_fail "npm ci failed (is the npm registry reachable?)"
	}
fi
version=$(node -p 'require(process.argv[1]).version' \
	"$sdk/node_modules/@zilliqa-js/subscriptions/package.json")
[ "$version" = 3.5.0 ] || stack_fail "installed @zilliqa-js/subscriptions is $version, not 3.5.0"

stack_start
if ! ZWS_URL=$STACK_ZWS_URL ZWS_LOOKUP=$STACK_LOOKUP_URL ZWS_FIXTURES=$src/tests/fixtures \
	NODE_PATH=$sdk/node_modules timeout 180 node "$src/tests/sdk/subscriptions.test.js" \
	2>&1 | tee "$STACK_LOGS/node.log"; then
	stack_fail "the SDK test failed (output above, logs in $STACK_LOGS)"
fi
stack_check_alive
stack_pass "@zilliqa-js/subscriptions 3.5.0 received block 692365 with its 13 event logs and the Unsubscribe entry"
