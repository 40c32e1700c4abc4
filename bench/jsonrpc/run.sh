#!/usr/bin/env bash
# The JSON-RPC read benchmark: calls/s and p50/p99 latency of GetTxBlock
# (a recent block, answered from memory, and an old one, from PostgreSQL)
# and GetEventLogs over 100 blocks, from 100 connections (qload.py),
# while zws pushes a NewBlock notification a second to --subscribers
# clients (zws-loadclient); beside the same GetTxBlock calls made to the
# fake lookup node, and, for the event logs, the batch of 100
# GetTxnBodiesForTxBlock a lookup client needs instead. Whether queries
# delay the fan-out is read from zws's own /metrics (NOTIFY to the end of
# a block's fan-out, and the fan-out pass) during each zws query run and
# during as long a run with no queries at all. Everything runs on
# 127.0.0.1 with a throwaway PostgreSQL; every process started here is
# stopped on exit. Prints two markdown tables.
#
#   bench/jsonrpc/run.sh [--subscribers N] [--seconds S] [--connections C]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${ZWS_BIN_DIR:-$root/build/bin}
subscribers=19000
seconds=20
connections=100
stored=400
while [ $# -gt 0 ]; do
	case "$1" in
	--subscribers) subscribers=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--help | -h) sed -n 2,16p "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

work=$(mktemp -d /tmp/zws-bench-jsonrpc.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$root/tests/pg.sh" stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

db=$("$root/tests/pg.sh" start "$work/pg")
height=692664
lport=$(port)
zport=$(port)
log "fake lookup at $height, a block a second; ingest from $((height - stored + 1))"
"$bin/zws-fake-lookup" --port "$lport" --height "$height" --interval-ms 1000 >"$work/lookup.log" 2>&1 &
pids+=($!)
sleep 0.5
"$bin/zws-ingest" --db "$db" --lookup "http://127.0.0.1:$lport" --from-block $((height - stored + 1)) \
	--poll-ms 100 >"$work/ingest.log" 2>&1 &
pids+=($!)
until [ "$(psql -X -At "$db" -c "SELECT count(*) >= $stored FROM tx_blocks" 2>/dev/null)" = t ]; do sleep 0.5; done
"$bin/zws" --db "$db" --host 127.0.0.1 --port "$zport" --rate-limit 0 --max-clients-per-ip 0 >"$work/zws.log" 2>&1 &
pids+=($!)
until grep -q "zws listening" "$work/zws.log"; do sleep 0.1; done
log "$subscribers NewBlock subscribers"
"$bin/zws-loadclient" --port "$zport" --connections "$subscribers" --epochs 1000 --duration 3600 \
	>"$work/subscribers.log" 2>&1 &
pids+=($!)
until grep -q "^ready" "$work/subscribers.log"; do sleep 0.5; done
sleep 3 # let a few live blocks reach zws's memory

run() { # run TARGET CALL
	local first last
	first=$(psql -X -At "$db" -c "SELECT min(block_num) FROM tx_blocks")
	last=$(psql -X -At "$db" -c "SELECT max(block_num) FROM tx_blocks")
	python3 "$here/qload.py" --target "$1" --call "$2" --connections "$connections" --seconds "$seconds" \
		--first "$first" --last "$last" --recent 8 --old 200 --span 100
}
scrape() { curl -fsS -m 10 "http://127.0.0.1:$zport/metrics" >"$work/metrics.$1"; }
# fanout_row NAME: zws's fan-out figures between the scrapes before and after.
fanout=()
fanout_row() {
	fanout+=("$1 $(python3 "$here/fanout_during.py" "$work/metrics.before" "$work/metrics.after")")
	echo "${fanout[-1]}" >&2
}
log "no queries, $seconds s"
scrape before
sleep "$seconds"
scrape after
fanout_row none
results=()
for spec in "ws://127.0.0.1:$zport txblock-recent" "http://127.0.0.1:$lport txblock-recent" \
	"ws://127.0.0.1:$zport txblock-old" "http://127.0.0.1:$lport txblock-old" \
	"ws://127.0.0.1:$zport eventlogs" "http://127.0.0.1:$lport bodies-batch"; do
	log "$spec"
	scrape before
	results+=("$(run $spec)")
	scrape after
	echo "${results[-1]}" >&2
	case $spec in ws:*) fanout_row "${spec##* }" ;; esac
done
ready=$(grep -m1 "^ready" "$work/subscribers.log")
summary=$(grep '"received"' "$work/subscribers.log" | python3 -c '
import json, sys
e = [json.loads(l) for l in sys.stdin]
lat = sorted(x["p99_ms"] for x in e if x.get("p99_ms") is not None)
print("%d blocks pushed during the run; per block, received %d to %d of %d expected" % (
    len(e), min(x["received"] for x in e), max(x["received"] for x in e), max(x["expected"] for x in e)))')
grep -c "dropped" "$work/zws.log" >&2 || true

echo "| call ($connections connections, $subscribers subscribers, a block a second) | server | calls/s | p50 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|"
for r in "${results[@]}"; do
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
names = {"txblock-recent": "GetTxBlock, one of the 8 newest blocks", "txblock-old": "GetTxBlock, one of the 200 oldest stored",
         "eventlogs": "GetEventLogs, 100 blocks, one contract", "bodies-batch": "a batch of 100 GetTxnBodiesForTxBlock (the same logs from a lookup)"}
server = "zws (WebSocket)" if r["target"].startswith("ws") else "fake lookup (HTTP)"
print("| %s | %s | %s | %s | %s | %d |" % (names[r["call"]], server, r["calls_per_s"], r["p50_ms"], r["p99_ms"], r["errors"]))
' "$r"
done
echo
echo "| zws queries during the run | blocks | NOTIFY to last send: mean ms | p50 ≤ ms | p99 ≤ ms | fan-out pass: mean ms | p99 ≤ ms |"
echo "|---|---|---|---|---|---|---|"
for f in "${fanout[@]}"; do
	python3 -c '
import json, sys
name, r = sys.argv[1], json.loads(sys.argv[2])
names = {"none": "none", "txblock-recent": "GetTxBlock, newest blocks", "txblock-old": "GetTxBlock, oldest blocks",
         "eventlogs": "GetEventLogs, 100 blocks"}
n, f = r["notify_to_send"], r["fanout"]
print("| %s | %d | %s | %s | %s | %s | %s |" % (names[name], n["blocks"], n["mean_ms"], n["p50_le_ms"], n["p99_le_ms"],
                                           f["mean_ms"], f["p99_le_ms"]))
' "${f%% *}" "${f#* }"
done
echo
echo "Subscribers ($ready subscribed, failed): $summary."
