#!/usr/bin/env bash
# The dApp page of tests/browser/ over TLS: served on https:// and talking
# to zws on wss://, both with certificates of a test CA made here, which
# headless Chromium trusts by its public key hash. The page must subscribe
# and show block 692365's events and the next epoch exactly as over ws://
# (tests/browser/drive.py checks it; screenshot browser-tls.png).
set -euo pipefail
src=${ZWS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../sdk/stack.bash
. "$src/tests/sdk/stack.bash"
# shellcheck source=SCRIPTDIR/tls_certs.bash
. "$src/tests/script/tls_certs.bash"
stack_init browser_tls
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || stack_fail "$chromium not found (run scripts/install-deps.sh)"
command -v openssl >/dev/null || stack_fail "openssl is not installed"

certs=$STACK_LOGS/certs # a throwaway CA, made fresh for every run
mkdir -p "$certs"
tls_make_ca "$certs" && tls_make_server "$certs" server 5E1 || stack_fail "openssl could not make the test certificates"
STACK_ZWS_TLS_CERT=$certs/server.pem STACK_ZWS_TLS_KEY=$certs/server.key stack_start
case $STACK_ZWS_URL in wss://*) ;; *) stack_fail "zws is not on wss:// ($STACK_ZWS_URL)" ;; esac
shot=$STACK_ARTIFACTS/browser-tls.png
rm -f "$shot"
if ! timeout 180 python3 "$src/tests/browser/drive.py" --chromium "$chromium" \
	--zws "$STACK_ZWS_URL" --lookup "$STACK_LOOKUP_URL" \
	--contract 0x17329229cd84b964130977975054f7725a85381a \
	--fixtures "$src/tests/fixtures" --screenshot "$shot" \
	--https-cert "$certs/server.pem" --https-key "$certs/server.key" \
	--trust-spki "$(tls_spki "$certs/ca.pem")" \
	--log "$STACK_LOGS/chromium.log"; then
	stack_fail "the https page did not show block 692365's events over wss:// (output above, logs in $STACK_LOGS)"
fi
stack_check_alive
grep -q "listening on wss://" "$STACK_LOGS/zws.log" || stack_fail "zws did not say it listens on wss://"
stack_pass "headless Chromium on an https page showed block 692365's events over $STACK_ZWS_URL; screenshot $shot"
