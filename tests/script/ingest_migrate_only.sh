#!/usr/bin/env bash
# zws-ingest --migrate-only, the step docker-compose.yml runs before zws:
# on a fresh database it applies every migration and exits 0 without a
# lookup node, again harmlessly, and zws then starts on that database; an
# unreachable PostgreSQL is exit 1 with the reason.
source "$(dirname "$0")/ingest_common.bash"

DB=$(it_createdb migrate)
rc=0; "$ZWS_BIN_DIR/zws-ingest" --migrate-only --db "$DB" >"$T/migrate.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || it_fail "--migrate-only exited $rc"
grep -q "schema at version [1-9]" "$T/migrate.log" || it_fail "no schema version logged"
v=$(it_sql "$DB" "SELECT max(version) FROM schema_version")
[ "$(it_sql "$DB" "SELECT count(*) FROM tx_blocks")" = 0 ] || it_fail "blocks stored"
rc=0; "$ZWS_BIN_DIR/zws-ingest" --migrate-only --db "$DB" >>"$T/migrate.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || it_fail "a second --migrate-only exited $rc"
[ "$(it_sql "$DB" "SELECT max(version) FROM schema_version")" = "$v" ] || it_fail "version moved"
it_log "schema version $v applied, twice harmlessly"

ZPORT=$(it_free_port)
"$ZWS_BIN_DIR/zws" --db "$DB" --host 127.0.0.1 --port "$ZPORT" >"$T/zws.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ZPORT") 2>/dev/null && break; sleep 0.05; done
"$ZWS_BIN_DIR/zws-cat" --count 1 --timeout 10 "ws://127.0.0.1:$ZPORT" '{"query":"NewBlock"}' >"$T/cat.out" \
  || it_fail "zws does not serve on the migrated database"

rc=0; "$ZWS_BIN_DIR/zws-ingest" --migrate-only --db "host=$T/nowhere dbname=x" >"$T/down.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || it_fail "--migrate-only without PostgreSQL exited $rc"
grep -q "migrations not applied: cannot connect to PostgreSQL" "$T/down.log" || it_fail "reason not logged"
FAILED=0
it_log "PASS"
