#!/usr/bin/env bash
# Unit tests of client/js/zws-client.js: node:test against in-test
# WebSocket servers (tests/client_js/unit.test.mjs). No zws needed.
set -euo pipefail
ZWS_SOURCE_DIR=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ZWS_BUILD_DIR=${ZWS_BUILD_DIR:-$ZWS_SOURCE_DIR/build}
# shellcheck source=SCRIPTDIR/npm.bash
. "$ZWS_SOURCE_DIR/tests/client_js/npm.bash"
command -v node >/dev/null || { echo "client_js.unit: FAIL: node is not installed (run scripts/install-deps.sh)"; exit 1; }
log=$ZWS_BUILD_DIR/tests/logs/client_js_unit
mkdir -p "$log"
if ! client_js_install "$log/npm-ci.log"; then
	cat "$log/npm-ci.log" >&2
	echo "client_js.unit: FAIL: npm ci failed (is the npm registry reachable?)" >&2
	exit 1
fi
export CLIENT_JS_MODULES
exec timeout 300 node --test --test-reporter=spec "$ZWS_SOURCE_DIR/tests/client_js/unit.test.mjs"
