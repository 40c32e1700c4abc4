# The whole ZWS pipeline for the scripted client tests (sourced by
# tests/script/sdk_subscriptions.sh and tests/script/browser_eventlog.sh):
# a database of its own in the test PostgreSQL, zws-fake-lookup at mainnet
# height 692364, zws-ingest and zws on free 127.0.0.1 ports. Logs go to
# $ZWS_BUILD_DIR/tests/logs/<name>/ and are printed when the test fails;
# everything started here is stopped and the database dropped on exit.
#
#   stack_init NAME     check the environment, prepare the log directory
#   stack_start         start the three programs; sets STACK_LOOKUP_URL,
#                       STACK_ZWS_URL, STACK_DB. With STACK_ZWS_TLS_CERT and
#                       STACK_ZWS_TLS_KEY set, zws serves wss:// with them.
#   stack_check_alive   fail if a program exited (one stack_kill'ed is down on purpose)
#   stack_kill NAME     SIGKILL the program started as NAME (lookup, ingest, zws)
#   stack_stop NAME     SIGTERM it and wait (SIGKILL after 5 s)
#   stack_start_ingest, stack_start_zws
#                       start that program (again, after stack_kill: zws on
#                       the same port, its log appended)
#   stack_finish        stop every program with SIGTERM; fail on a sanitizer
#                       report in the logs
#   stack_fail MSG      print "<name>: FAIL: MSG", the logs, and exit 1
#   stack_pass MSG      print "<name>: PASS: MSG" and exit 0
#
# Environment (set by ctest): ZWS_BIN_DIR, ZWS_SOURCE_DIR, ZWS_BUILD_DIR,
# ZWS_TEST_PG_DIR (socket directory of a running PostgreSQL, e.g. from
# tests/pg.sh start DIR).

STACK_HEIGHT=692364
stack_pids=()
stack_names=()

stack_init() {
	STACK_NAME=$1
	ZWS_SOURCE_DIR=${ZWS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
	ZWS_BUILD_DIR=${ZWS_BUILD_DIR:-$ZWS_SOURCE_DIR/build}
	ZWS_BIN_DIR=${ZWS_BIN_DIR:-$ZWS_BUILD_DIR/bin}
	STACK_LOGS=$ZWS_BUILD_DIR/tests/logs/$STACK_NAME
	STACK_ARTIFACTS=$ZWS_BUILD_DIR/tests/artifacts
	rm -rf "$STACK_LOGS"
	mkdir -p "$STACK_LOGS" "$STACK_ARTIFACTS"
	trap stack_cleanup EXIT
	trap 'exit 1' INT TERM
	[ -n "${ZWS_TEST_PG_DIR:-}" ] ||
		stack_fail "ZWS_TEST_PG_DIR is not set (start one with tests/pg.sh start DIR)"
	local prog
	for prog in zws zws-ingest zws-fake-lookup; do
		[ -x "$ZWS_BIN_DIR/$prog" ] || stack_fail "$ZWS_BIN_DIR/$prog is missing (build it first)"
	done
	for prog in psql curl python3 node; do
		command -v "$prog" >/dev/null || stack_fail "$prog is not installed (run scripts/install-deps.sh)"
	done
}

stack_log() {
	echo "$STACK_NAME: $*"
}

stack_fail() {
	echo "$STACK_NAME: FAIL: $*" >&2
	stack_dump_logs
	exit 1
}

stack_pass() {
	echo "$STACK_NAME: PASS: $*"
	exit 0
}

stack_dump_logs() {
	local f
	[ -d "${STACK_LOGS:-}" ] || return 0
	for f in "$STACK_LOGS"/*.log; do
		[ -f "$f" ] || continue
		echo "----- $f (last 150 lines)" >&2
		tail -n 150 "$f" >&2
	done
	STACK_LOGS_DUMPED=1
}

stack_cleanup() {
	local rc=$? i pid
	trap - EXIT
	stack_stop_all
	if [ -n "${STACK_DBNAME:-}" ]; then
		psql -qX "host=$ZWS_TEST_PG_DIR dbname=postgres user=postgres" \
			-c "DROP DATABASE IF EXISTS $STACK_DBNAME WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	if [ "$rc" != 0 ] && [ -z "${STACK_LOGS_DUMPED:-}" ]; then
		echo "$STACK_NAME: FAIL: exit status $rc" >&2
		stack_dump_logs
	fi
	exit "$rc"
}

# Stops every program still running: SIGTERM, SIGKILL after 5 s.
stack_stop_all() {
	local i pid
	for ((i = ${#stack_pids[@]} - 1; i >= 0; i--)); do
		[ "${stack_pids[i]}" = - ] || kill -TERM "${stack_pids[i]}" 2>/dev/null || true
	done
	for pid in "${stack_pids[@]}"; do
		[ "$pid" = - ] && continue
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for i in "${!stack_pids[@]}"; do
		stack_pids[i]=-
	done
}

stack_finish() {
	local reports
	stack_stop_all
	reports=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$STACK_LOGS"/*.log 2>/dev/null || true)
	[ -z "$reports" ] || stack_fail "sanitizer report in $reports"
}

stack_index() {
	local i
	for i in "${!stack_names[@]}"; do
		[ "${stack_names[i]}" = "$1" ] && echo "$i" && return 0
	done
	return 1
}

stack_stop() {
	local i pid
	i=$(stack_index "$1") || stack_fail "stack_stop: no program $1"
	pid=${stack_pids[i]}
	[ "$pid" = - ] && return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	stack_pids[i]=-
}

stack_kill() {
	local i
	i=$(stack_index "$1") || stack_fail "stack_kill: no program $1"
	kill -KILL "${stack_pids[i]}" 2>/dev/null || true
	wait "${stack_pids[i]}" 2>/dev/null || true
	stack_pids[i]=-
	stack_log "killed $1 (SIGKILL)"
}

stack_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stack_spawn NAME CMD...: runs CMD in the background, output in NAME.log
# (appended to when NAME ran before).
stack_spawn() {
	local name=$1 i
	shift
	if i=$(stack_index "$name"); then
		"$@" >>"$STACK_LOGS/$name.log" 2>&1 &
		stack_pids[i]=$!
	else
		"$@" >"$STACK_LOGS/$name.log" 2>&1 &
		stack_pids+=($!)
		stack_names+=("$name")
	fi
}

stack_check_alive() {
	local i
	for i in "${!stack_pids[@]}"; do
		[ "${stack_pids[i]}" = - ] && continue
		kill -0 "${stack_pids[i]}" 2>/dev/null ||
			stack_fail "${stack_names[i]} exited (see $STACK_LOGS/${stack_names[i]}.log)"
	done
}

# stack_wait SECONDS WHAT CMD...: polls CMD every 0.1 s.
stack_wait() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		stack_check_alive
		sleep 0.1
	done
	stack_fail "$what within $secs s"
}

stack_start() {
	STACK_DBNAME=zws_${STACK_NAME//[^a-z0-9]/_}_$$
	psql -qX "host=$ZWS_TEST_PG_DIR dbname=postgres user=postgres" \
		-c "CREATE DATABASE $STACK_DBNAME" >"$STACK_LOGS/createdb.log" 2>&1 ||
		stack_fail "CREATE DATABASE $STACK_DBNAME failed"
	STACK_DB="host=$ZWS_TEST_PG_DIR dbname=$STACK_DBNAME user=postgres"

	local lport
	lport=$(stack_free_port)
	STACK_LOOKUP_URL=http://127.0.0.1:$lport
	stack_spawn lookup "$ZWS_BIN_DIR/zws-fake-lookup" --port "$lport" --height "$STACK_HEIGHT"
	stack_wait 10 "zws-fake-lookup did not answer on port $lport" \
		curl -fsS -m 2 -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"GetLatestTxBlock","params":[]}' "$STACK_LOOKUP_URL"

	stack_start_ingest
	stack_wait 30 "zws-ingest committed no block" stack_cursor_set

	STACK_ZWS_PORT=$(stack_free_port)
	STACK_ZWS_URL=ws${STACK_ZWS_TLS_CERT:+s}://127.0.0.1:$STACK_ZWS_PORT
	stack_start_zws
	stack_log "stack up: lookup $STACK_LOOKUP_URL, zws $STACK_ZWS_URL, db $STACK_DBNAME, logs $STACK_LOGS"
}

stack_start_ingest() {
	stack_spawn ingest "$ZWS_BIN_DIR/zws-ingest" --db "$STACK_DB" --lookup "$STACK_LOOKUP_URL" --poll-ms 100
}

stack_start_zws() {
	local before
	before=$(stack_count_lines listening zws)
	stack_spawn zws "$ZWS_BIN_DIR/zws" --db "$STACK_DB" --host 127.0.0.1 --port "$STACK_ZWS_PORT" \
		--lookup "$STACK_LOOKUP_URL" \
		${STACK_ZWS_TLS_CERT:+--tls-cert "$STACK_ZWS_TLS_CERT" --tls-key "$STACK_ZWS_TLS_KEY"}
	stack_wait 10 "zws did not log \"listening\"" stack_more_lines listening zws "$before"
}

# stack_count_lines WORD NAME: how many lines of NAME.log hold WORD.
stack_count_lines() {
	local n
	n=$(grep -c "$1" "$STACK_LOGS/$2.log" 2>/dev/null) || true
	echo "${n:-0}"
}

stack_more_lines() {
	[ "$(stack_count_lines "$1" "$2")" -gt "$3" ]
}

stack_cursor_set() {
	psql -qtAX "$STACK_DB" -c 'SELECT 1 FROM ingest_cursor' 2>/dev/null | grep -q 1
}
