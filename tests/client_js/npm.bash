# The npm packages of the client module's tests (sourced by
# tests/client_js/unit.sh and the client_js_* script tests):
# tests/client_js/package-lock.json installed with `npm ci` into
# $ZWS_BUILD_DIR/client_js (once; again when the lock file changes), so the
# source tree stays clean. Needs npm and the npm registry on first run.
#
#   client_js_install LOGFILE   sets CLIENT_JS_MODULES (the node_modules
#                               folder); returns 1 when npm ci fails

client_js_install() {
	local log=$1 src=${ZWS_SOURCE_DIR:?} dir=${ZWS_BUILD_DIR:?}/client_js
	CLIENT_JS_MODULES=$dir/node_modules
	if cmp -s "$src/tests/client_js/package-lock.json" "$dir/package-lock.json" &&
		cmp -s "$src/tests/client_js/package.json" "$dir/package.json" &&
		[ -f "$CLIENT_JS_MODULES/ws/package.json" ]; then
		return 0
	fi
	command -v npm >/dev/null || {
		echo "npm is not installed (run scripts/install-deps.sh)" >>"$log"
		return 1
	}
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$src/tests/client_js/package.json" "$src/tests/client_js/package-lock.json" "$dir/"
	# ws's install scripts only probe for optional native add-ons.
	if ! (cd "$dir" && timeout 600 npm ci --no-audit --no-fund --ignore-scripts) >>"$log" 2>&1; then
		rm -rf "$dir"
		return 1
	fi
}
