#!/usr/bin/env bash
# The reconnect-storm benchmark: zws is stopped while BLOCKS TxBlocks are
# produced, a second zws starts on the same database, and CLIENTS clients
# all send Resume from the first block they missed, while a few hundred
# live clients keep receiving a block a second. Measures:
#   - catch-up: from the storm's start until the last client has the
#     last block produced while zws was down (zws-loadclient's k-th
#     message of a resumed client is block fromBlock + k - 1);
#   - PostgreSQL block reads zws issued (its log: one line per read);
#   - the live clients' fan-out time during the storm (zws's own
#     "sent to N clients ... in T us" lines) beside the same before it;
#   - the live path's time to send one block to every client once all are
#     live, times BLOCKS: what pushing the same notifications live costs.
# Writes a markdown report to stdout and to --output.
#
#   bench/resume/run.sh [--clients N] [--blocks B] [--live L] [--output FILE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
clients=19000
blocks=60
live=500
build=$root/build
output=$here/results.md
while [ $# -gt 0 ]; do
	case $1 in
	--clients) clients=$2; shift 2 ;;
	--blocks) blocks=$2; shift 2 ;;
	--live) live=$2; shift 2 ;;
	--build-dir) build=$2; shift 2 ;;
	--output) output=$2; shift 2 ;;
	-h | --help) sed -n 2,17p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
bin=$build/bin
for p in zws zws-ingest zws-fake-lookup zws-loadclient; do
	[ -x "$bin/$p" ] || { echo "run.sh: $bin/$p missing: build first (scripts/build.sh)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/zws-bench-resume.XXXXXX)
chmod 755 "$work"
pgdir=$work/pg
pids=()
pg_started=0
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ "$pg_started" = 1 ] && "$root/tests/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] && echo "logs in $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)

pg_conn=$("$root/tests/pg.sh" start "$pgdir")
pg_started=1
psql -qtA "$pg_conn" -c "CREATE DATABASE zws_bench_resume" >/dev/null
db=${pg_conn/dbname=postgres/dbname=zws_bench_resume}
h0=700000
lport=$(free_port)
"$bin/zws-fake-lookup" --port "$lport" --height $h0 --shape mixed >"$work/fake.log" 2>&1 &
pids+=($!)
lookup=http://127.0.0.1:$lport
for _ in $(seq 100); do curl -sf "$lookup/fake/status" >/dev/null 2>&1 && break; sleep 0.05; done
"$bin/zws-ingest" --db "$db" --lookup "$lookup" --from-block $h0 --poll-ms 50 >"$work/ingest.log" 2>&1 &
pids+=($!)
head_block() { psql -qtA "$db" -c "SELECT coalesce(max(block_num), 0) FROM tx_blocks" 2>/dev/null || echo 0; }
wait_head() { for _ in $(seq 600); do [ "$(head_block)" -ge "$1" ] && return 0; sleep 0.1; done; echo "run.sh: block $1 never stored" >&2; exit 1; }
produce() { curl -sf -X POST "$lookup/fake/produce?count=1" >/dev/null; }
wait_head $h0

# start_zws NAME: sets zws_pid, zport.
start_zws() {
	zport=$(free_port)
	"$bin/zws" --db "$db" --host 127.0.0.1 --port "$zport" >"$work/$1.log" 2>&1 &
	zws_pid=$!
	pids+=($zws_pid)
	for _ in $(seq 200); do grep -q "zws listening" "$work/$1.log" && return 0; sleep 0.05; done
	echo "run.sh: $1 did not start" >&2; exit 1
}
# clients NAME N EPOCHS MESSAGE: a zws-loadclient process.
clients() {
	"$bin/zws-loadclient" --port "$zport" --connections "$2" --sources 2 --rate 8000 --inflight 2000 \
		--epochs "$3" --epoch-timeout 60000 --duration 600 --subscribe "$4" >"$work/$1.out" 2>"$work/$1.err" &
	pids+=($!)
	client_pid=$!
}
epoch_line() { grep "^{\"epoch\":$2," "$work/$1.out" || true; }
wait_epoch() { for _ in $(seq 3000); do [ -n "$(epoch_line "$1" "$2")" ] && return 0; sleep 0.2; done; echo "run.sh: $1 epoch $2 never complete" >&2; exit 1; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

log "zws A, then stopped while $blocks blocks are produced"
start_zws zws-a
produce; produce
wait_head $((h0 + 2))
h1=$(head_block)
kill -TERM "$zws_pid"; wait "$zws_pid" 2>/dev/null || true
for _ in $(seq "$blocks"); do produce; sleep 0.1; done
wait_head $((h1 + blocks))
log "zws B, $live live clients, then $clients clients resuming from blk=$((h1 + 1))"
start_zws zws-b
clients live "$live" 1000 '{"query":"NewBlock"}'
live_pid=$client_pid
for _ in $(seq 100); do grep -q '^ready' "$work/live.out" && break; sleep 0.1; done
# Live blocks before the storm: the live clients' fan-out without it.
for _ in 1 2 3; do produce; sleep 1; done
mark_before=$(grep -c "sent to" "$work/zws-b.log" || true)
storm_ns=$(now_ns)
clients storm "$clients" $((blocks + 1000)) "{\"query\":\"Resume\",\"fromBlock\":\"$((h1 + 1))\",\"queries\":[{\"query\":\"NewBlock\"}]}"
storm_pid=$client_pid
# A live block a second during the storm.
( while :; do produce || true; sleep 1; done ) &
producer=$!
pids+=($producer)
wait_epoch storm "$blocks"
caught_ns=$(field "$(epoch_line storm "$blocks")" last_ns)
received=$(field "$(epoch_line storm "$blocks")" received)
kill "$producer"; wait "$producer" 2>/dev/null || true
mark_storm=$(grep -c "sent to" "$work/zws-b.log" || true)
sleep 3
# Every client is live now: the live path's time for one block to all.
for _ in 1 2 3; do produce; sleep 1.5; done
sleep 1
load1=$(cut -d' ' -f1-3 /proc/loadavg)

us_of() { sed -n 's/.*blk=[0-9]* sent to \([0-9]*\) clients.* in \([0-9]*\) us$/\1 \2/p'; }
grep "sent to" "$work/zws-b.log" >"$work/sent.log"
before=$(sed -n "1,${mark_before}p" "$work/sent.log" | us_of | tail -n 3)
during=$(sed -n "$((mark_before + 1)),${mark_storm}p" "$work/sent.log" | us_of)
after=$(sed -n "$((mark_storm + 1)),\$p" "$work/sent.log" | us_of | tail -n 3)
stats() { awk '{ n++; s += $2; if ($2 > m) m = $2; c = $1 } END { if (n) printf "%.1f ms mean, %.1f ms max over %d blocks (to %d clients)", s / n / 1000, m / 1000, n, c; else printf "none" }'; }
live_one=$(echo "$after" | awk '{ s += $2; n++ } END { if (n) printf "%.1f", s / n / 1000 }')
live_all=$(echo "$after" | awk -v b="$blocks" '{ s += $2; n++ } END { if (n) printf "%.0f", s / n / 1000 * b }')
reads_replay=$(grep -c "read for resuming clients" "$work/zws-b.log" || true)
reads_live=$(grep -c "blk=[0-9]* read in" "$work/zws-b.log" || true)
catchup_ms=$(( (caught_ns - storm_ns) / 1000000 ))

report=$(cat <<REPORT
## Reconnect storm: $clients clients resume $blocks blocks

\`bench/resume/run.sh --clients $clients --blocks $blocks --live $live\`, $(date -u +%Y-%m-%d), $(nproc) cores shared with other work (load average $load0 at the start, $load1 at the end); zws on libev, one process; the fake lookup's mixed shape (NewBlock clients: every block notifies).

| measure | storm (Resume) | live path |
|---|---|---|
| time until the last client has all $blocks blocks | $catchup_ms ms from the first connect ($received clients) | $live_all ms ($blocks × $live_one ms, one block to every client) |
| PostgreSQL block reads | $reads_replay for the replays + $reads_live live (one per block, not per client) | $blocks |
| live clients' fan-out per block during the storm | $(echo "$during" | stats) | $(echo "$before" | stats) before the storm |
| one block to every client once all are live | | $(echo "$after" | stats) |

The catch-up time includes opening $clients connections (8,000 a second) and their handshakes.
REPORT
)
echo "$report"
[ "$output" = - ] || echo "$report" >"$output"
