#!/usr/bin/env bash
# The fan-out benchmark: how long zws takes to push one notification per
# TxBlock to N subscribers, next to the floor (zws-floor, a bare epoll
# server writing one pre-built frame per socket) and to a Node.js `ws`
# server doing the same broadcast, all measured by the same load client.
#
#   bench/fanout/run.sh [--clients N] [--epochs E] [--quick] [options]
#
# zws epochs go through the real path: the fake lookup produces a block,
# zws-ingest commits it and NOTIFYs, zws reads it and pushes. Fan-out is
# measured from the produce call and from the NOTIFY (timestamped by
# zws-notify-stamp); for the floor and Node from the SIGUSR2 that triggers
# the broadcast. The eventlog scenario does the same with blocks of 10,000
# event logs (zws-fake-lookup --shape events) and EventLog subscribers, and
# compares its fan-out with the NewBlock run's. The tls scenario runs zws on
# wss:// (a certificate of a throwaway key made with openssl; the load
# client speaks TLS) and on ws:// with the same clients. Writes a markdown
# report to stdout and to --output.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
	cat <<'EOF'
usage: bench/fanout/run.sh [--clients N] [--epochs E] [--quick] [options]
  --clients N        subscribers in the one-process scenarios (default 19000)
  --epochs E         TxBlocks (broadcasts) per scenario (default 10)
  --quick            smoke run: 500 clients, 2 epochs, 3 s idle window, only
                     the one-process NewBlock scenario; under a minute
  --idle-seconds S   idle CPU window (default 30)
  --workers-clients N  subscribers in the multi-worker scenario (default 100000)
  --workers W        zws workers (and floor processes) for it (default 6)
  --only LIST        comma-separated scenarios: newblock, eventlog, workers,
                     memory, tls (default: all that apply)
  --tls-clients N    subscribers in the tls scenario, over wss:// and then
                     over ws:// (default 5000; 500 with --quick)
  --eventlog-rate R  new connections per second in the eventlog scenario
                     (default 8000, as the others; each is a contract check)
  --build-dir DIR    where the programs are built (default <repo>/build)
  --output FILE      report file (default bench/fanout/results.md; - for none)
  --keep-logs        keep the working directory (server logs, client output,
                     raw arrival times) and print where it is
Only 127.0.0.0/8 is used. Every process started here is stopped on exit.
EOF
}

clients=19000
epochs=10
idle_s=30
wclients=100000
workers=6
only=""
eventlog_rate=8000
tls_clients=5000
tls_rate=2000
quick=0
keep_logs=0
build=$root/build
output=$here/results.md
# value OPTION ARGS...: the option's value, or exit 2.
value() {
	[ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }
	echo "$2"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--clients) clients=$(value "$@"); shift 2 ;;
	--epochs) epochs=$(value "$@"); shift 2 ;;
	--idle-seconds) idle_s=$(value "$@"); shift 2 ;;
	--workers-clients) wclients=$(value "$@"); shift 2 ;;
	--workers) workers=$(value "$@"); shift 2 ;;
	--only) only=$(value "$@"); shift 2 ;;
	--eventlog-rate) eventlog_rate=$(value "$@"); shift 2 ;;
	--tls-clients) tls_clients=$(value "$@"); shift 2 ;;
	--build-dir) build=$(value "$@"); shift 2 ;;
	--output) output=$(value "$@"); shift 2 ;;
	--quick) quick=1; shift ;;
	--keep-logs) keep_logs=1; shift ;;
	--help | -h) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
for v in clients:clients epochs:epochs idle_s:idle-seconds wclients:workers-clients workers:workers eventlog_rate:eventlog-rate tls_clients:tls-clients; do
	var=${v%%:*}
	[[ ${!var} =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --${v#*:} must be a positive integer" >&2; exit 2; }
done
for o in ${only//,/ }; do
	case "$o" in newblock | eventlog | workers | memory | tls) ;; *) echo "run.sh: --only: unknown scenario $o (newblock, eventlog, workers, memory, tls)" >&2; exit 2 ;; esac
done
ready_timeout=300
if [ "$quick" = 1 ]; then
	clients=500 epochs=2 idle_s=3 only=${only:-newblock} ready_timeout=30 tls_clients=500
fi
build=$(mkdir -p "$build" && cd "$build" && pwd)
bin=$build/bin

# ---- processes, cleanup ----

work=$(mktemp -d "${TMPDIR:-/tmp}/zws-bench-fanout.XXXXXX")
pgdir=${TMPDIR:-/tmp}/zws-bench-pg-$$
pids=()
pg_started=0
cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ "$pg_started" = 1 ] && "$root/tests/pg.sh" stop "$pgdir"
	if [ "${failed_runs:-0}" = 0 ] && [ "$keep_logs" = 0 ]; then
		rm -rf "$work"
	else
		log "logs kept in $work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "run.sh: $*" >&2; }

# start NAME CMD... : runs CMD in the background, logging to $work/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$work/$name.log" 2>&1 &
	last_pid=$!
	pids+=("$last_pid")
}

# wait_exit TENTHS PID...: waits up to TENTHS/10 s for every PID to exit.
wait_exit() {
	local tenths=$1 p alive
	shift
	for _ in $(seq "$tenths"); do
		alive=0
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && return 0
		sleep 0.1
	done
}

# stop PID...: SIGTERM, then SIGKILL after 5 s.
stop() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null || true; done
	wait_exit 50 "$@"
	for p in "$@"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
	local i
	for i in $(seq 200); do port_open "$1" && return 0; sleep 0.05; done
	return 1
}

next_port=${ZWS_BENCH_PORT:-24400}
free_port() {
	while port_open "$next_port"; do next_port=$((next_port + 1)); done
	port=$next_port
	next_port=$((next_port + 1))
}

# ---- /proc readings ----

# PID and its children (zws workers).
with_children() {
	local p
	for p in "$@"; do
		echo "$p"
		cat /proc/"$p"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'
	done
}

# kB of the /proc/PID/status field (VmRSS or RssAnon), summed.
mem_kb() {
	local field=$1 p sum=0 v
	shift
	for p in "$@"; do
		v=$(awk -v f="$field:" '$1 == f { print $2 }' /proc/"$p"/status 2>/dev/null || true)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# utime + stime in clock ticks, summed.
cpu_ticks() {
	local p sum=0 v
	for p in "$@"; do
		v=$(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{ print $12 + $13 }' || true)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
hz=$(getconf CLK_TCK)

# ---- load clients ----

per_proc_max=19000
rate_total=8000
client_tls=0 # 1: the load clients connect with wss://

# start_clients DIR PORT N EPOCHS [SUBSCRIBE_FILE]: one process per 19,000.
start_clients() {
	local dir=$1 port=$2 n=$3 e=$4 subfile=${5:-} procs sources left p c
	procs=$(((n + per_proc_max - 1) / per_proc_max))
	sources=$(((n + 19999) / 20000 + 1))
	mkdir -p "$dir"
	: >"$dir/triggers"
	client_pids=()
	left=$n
	for ((p = 0; p < procs; p++)); do
		c=$((left / (procs - p)))
		left=$((left - c))
		local args=(--port "$port" --connections "$c" --sources "$sources" --rate $((rate_total / procs))
			--inflight $((rate_total / 4 / procs + 1)) --epochs "$e" --epoch-timeout 30000 --ready-timeout "$ready_timeout"
			--duration $((400 + idle_s + e * 40)) --trigger-file "$dir/triggers" --arrivals "$dir/arrivals-$p")
		[ -n "$subfile" ] && args+=(--subscribe-file "$subfile")
		[ "$client_tls" = 1 ] && args+=(--tls)
		: >"$dir/client-$p.out"
		"$bin/zws-loadclient" "${args[@]}" >"$dir/client-$p.out" 2>"$dir/client-$p.err" &
		client_pids+=($!)
		pids+=($!)
	done
}

# Waits until every client process printed "ready"; sets ready_n, failed_n.
wait_ready() {
	local dir=$1 t0 f
	t0=$(date +%s)
	while :; do
		local done_n=0
		for f in "$dir"/client-*.out; do grep -q '^ready' "$f" && done_n=$((done_n + 1)); done
		[ "$done_n" = "${#client_pids[@]}" ] && break
		if [ $(($(date +%s) - t0)) -gt $((ready_timeout + 30)) ]; then log "clients not ready after $((ready_timeout + 30)) s"; return 1; fi
		sleep 0.2
	done
	ready_n=$(cat "$dir"/client-*.out | awk '$1 == "ready" { s += $2 } END { print s + 0 }')
	failed_n=$(cat "$dir"/client-*.out | awk '$1 == "ready" { s += $3 } END { print s + 0 }')
}

# Waits until every client process reported epoch K (or exited).
wait_epoch() {
	local dir=$1 k=$2 i p f
	for i in $(seq 700); do
		local n=0
		for ((p = 0; p < ${#client_pids[@]}; p++)); do
			f=$dir/client-$p.out
			if grep -q "^{\"epoch\":$k," "$f" || ! kill -0 "${client_pids[$p]}" 2>/dev/null; then n=$((n + 1)); fi
		done
		[ "$n" = "${#client_pids[@]}" ] && return 0
		sleep 0.05
	done
	log "epoch $k not complete after 35 s"
	return 1
}

# epoch_stats DIR K REF_NS: "received p50_ms p99_ms last_ms" over every
# client process's arrivals of epoch K, relative to REF_NS.
epoch_stats() {
	cat "$1"/arrivals-* 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }' | sort -n |
		awk -v ref="$3" '{ a[NR] = $1 }
		END {
			if (NR == 0) { print "0 - - -"; exit }
			i50 = int(0.50 * NR + 0.999999); i99 = int(0.99 * NR + 0.999999)
			printf "%d %.1f %.1f %.1f\n", NR, (a[i50] - ref) / 1e6, (a[i99] - ref) / 1e6, (a[NR] - ref) / 1e6
		}'
}

# Median of the numbers on stdin ("-" when none).
median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---- one measured run against one server ----

# measure LABEL DIR N E TRIGGER_FN [SUBSCRIBE_FILE] with server_pids set.
# TRIGGER_FN K fires epoch K and appends "K <ref_name> <ns>" lines to
# DIR/refs. Appends rows to $work/summary and $work/epochs.
measure() {
	local label=$1 dir=$2 n=$3 e=$4 trigger=$5 subfile=${6:-}
	local spids rss0 anon0 rss1 anon1 c0 c1 k p
	mapfile -t spids < <(with_children "${server_pids[@]}")
	rss0=$(mem_kb VmRSS "${spids[@]}")
	anon0=$(mem_kb RssAnon "${spids[@]}")
	log "$label: $n clients connecting"
	start_clients "$dir" "$server_port" "$n" "$e" "$subfile"
	wait_ready "$dir" || return 1
	mapfile -t spids < <(with_children "${server_pids[@]}")
	rss1=$(mem_kb VmRSS "${spids[@]}")
	anon1=$(mem_kb RssAnon "${spids[@]}")
	log "$label: $ready_n subscribed ($failed_n failed); idle for $idle_s s"
	c0=$(cpu_ticks "${spids[@]}")
	sleep "$idle_s"
	c1=$(cpu_ticks "${spids[@]}")
	local idle_pct rss_pc anon_pc
	idle_pct=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v s="$idle_s" 'BEGIN { printf "%.1f", 100 * d / hz / s }')
	rss_pc=$(awk -v a="$rss0" -v b="$rss1" -v n="$ready_n" 'BEGIN { printf "%.0f", n ? (b - a) * 1024 / n : 0 }')
	anon_pc=$(awk -v a="$anon0" -v b="$anon1" -v n="$ready_n" 'BEGIN { printf "%.0f", n ? (b - a) * 1024 / n : 0 }')
	# Others' load on the machine shows here: the clients are silent and
	# the server idle, so anything above ~0.5 is someone else.
	load_before=$(cut -d' ' -f1 /proc/loadavg)
	: >"$dir/refs"
	for ((k = 1; k <= e; k++)); do
		c0=$(cpu_ticks "${spids[@]}")
		"$trigger" "$k" "$dir"
		wait_epoch "$dir" "$k" || true
		sleep 0.3
		c1=$(cpu_ticks "${spids[@]}")
		echo "$k $(((c1 - c0) * 1000 / hz))" >>"$dir/cpu"
		sleep 0.5
	done
	wait_exit 50 "${client_pids[@]}"
	stop "${client_pids[@]}"
	bytes=$(grep -ho '"bytes":[0-9]*' "$dir"/client-*.out | head -n1 | cut -d: -f2)
	bytes_min=$(grep -ho '"bytes_min":[0-9]*' "$dir"/client-*.out | cut -d: -f2 | sort -n | head -n1)
	bytes_max=$(grep -ho '"bytes_max":[0-9]*' "$dir"/client-*.out | cut -d: -f2 | sort -n | tail -n1)
	pings=$(cat "$dir"/client-*.err | sed -n 's/.* \([0-9]*\) pings answered$/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	report_run "$label" "$dir" "$e" "$rss_pc" "$anon_pc" "$idle_pct"
}

# Summary and per-epoch rows of one run, per reference (produce, notify,
# signal).
report_run() {
	local label=$1 dir=$2 e=$3 rss_pc=$4 anon_pc=$5 idle_pct=$6 ref k ns stats cpu
	for ref in $(awk '{ print $2 }' "$dir/refs" | sort -u); do
		: >"$dir/rows-$ref"
		for ((k = 1; k <= e; k++)); do
			ns=$(awk -v k="$k" -v r="$ref" '$1 == k && $2 == r { print $3 }' "$dir/refs")
			[ -n "$ns" ] || continue
			stats=$(epoch_stats "$dir" "$k" "$ns")
			cpu=$(awk -v k="$k" '$1 == k { print $2 }' "$dir/cpu")
			echo "$k $stats $cpu" >>"$dir/rows-$ref"
			echo "| $label | $ref | $k | $(echo "$stats $cpu" | awk '{ printf "%s | %s | %s | %s | %s", $1, $2, $3, $4, $5 }') |" >>"$work/epochs"
		done
		local p50 p99 last cpu_m recv
		p50=$(awk '$3 != "-" { print $3 }' "$dir/rows-$ref" | median)
		p99=$(awk '$4 != "-" { print $4 }' "$dir/rows-$ref" | median)
		last=$(awk '$5 != "-" { print $5 }' "$dir/rows-$ref" | median)
		recv=$(awk '{ print $2 }' "$dir/rows-$ref" | sort -n | head -n1)
		cpu_m=$(awk '{ print $6 }' "$dir/rows-$ref" | median)
		echo "$label|$ref|$ready_n|$failed_n|${recv:-0}|$p50|$p99|$last|$rss_pc|$anon_pc|$cpu_m|$idle_pct|$pings|$load_before|${bytes:-}|${bytes_min:-}|${bytes_max:-}" >>"$work/summary"
	done
}

# ---- triggers ----

trigger_signal() {
	local k=$1 dir=$2 ns
	ns=$(date +%s%N)
	echo "$k $ns" >>"$dir/triggers"
	kill -USR2 "${server_pids[@]}"
	echo "$k signal $ns" >>"$dir/refs"
}

trigger_produce() {
	local k=$1 dir=$2 ns head i line
	ns=$(date +%s%N)
	echo "$k $ns" >>"$dir/triggers"
	head=$(curl -sf -X POST "http://127.0.0.1:$lookup_port/fake/produce?count=1" | sed -n 's/.*"head":\([0-9]*\).*/\1/p')
	echo "$k produce $ns" >>"$dir/refs"
	for i in $(seq 100); do
		line=$(grep -m1 "\"block_num\":$head," "$notify_log" || true)
		[ -n "$line" ] && break
		sleep 0.05
	done
	[ -n "$line" ] && echo "$k notify ${line%% *}" >>"$dir/refs"
	return 0
}

# ---- the pipeline ----

# One pipeline runs at a time: a fake lookup of one --shape, zws-ingest
# into a fresh database of its own, zws-notify-stamp. The fake starts at
# HEIGHT; a fresh ingest stores that head block first.
pipeline_shape=""
pipeline_pids=()
start_pipeline() {
	local shape=${1:-mainnet} height=${2:-692364} db i
	[ "$pipeline_shape" = "$shape" ] && return 0
	stop_pipeline
	if [ "$pg_started" = 0 ]; then
		pg_conn=$("$root/tests/pg.sh" start "$pgdir")
		pg_started=1
	fi
	db=zws_$shape
	psql -qtA "$pg_conn" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" \
		-c "CREATE DATABASE $db" >/dev/null
	conn=${pg_conn/dbname=postgres/dbname=$db}
	free_port
	lookup_port=$port
	start "lookup-$shape" "$bin/zws-fake-lookup" --port "$lookup_port" --height "$height" --shape "$shape"
	pipeline_pids=("$last_pid")
	wait_port "$lookup_port" || { log "fake lookup did not open its port"; return 1; }
	start "ingest-$shape" "$bin/zws-ingest" --db "$conn" --lookup "http://127.0.0.1:$lookup_port" --poll-ms 50
	pipeline_pids+=("$last_pid")
	for i in $(seq 200); do
		psql -qtA "$conn" -c 'SELECT 1 FROM ingest_cursor' 2>/dev/null | grep -q 1 && break
		sleep 0.1
	done
	psql -qtA "$conn" -c 'SELECT 1 FROM ingest_cursor' | grep -q 1 || { log "zws-ingest committed nothing"; return 1; }
	notify_log=$work/notify-$shape.log
	"$bin/zws-notify-stamp" --db "$conn" >"$notify_log" 2>"$work/notify-$shape.err" &
	pids+=($!)
	pipeline_pids+=($!)
	for i in $(seq 100); do grep -q listening "$work/notify-$shape.err" && break; sleep 0.05; done
	pipeline_shape=$shape
}

stop_pipeline() {
	[ ${#pipeline_pids[@]} -gt 0 ] && stop "${pipeline_pids[@]}"
	pipeline_pids=()
	pipeline_shape=""
}

# start_zws [ARGS...]: sets server_pids and server_port.
start_zws() {
	free_port
	server_port=$port
	# The load clients share a few source addresses: no per-address cap.
	start zws "$bin/zws" --db "$conn" --host 127.0.0.1 --port "$server_port" \
		--lookup "http://127.0.0.1:$lookup_port" --max-clients-per-ip 0 "$@"
	server_pids=("$last_pid")
	wait_port "$server_port" || { log "zws did not open its port (see below)"; tail -n 20 "$work/zws.log" >&2; return 1; }
	sleep 1
}

start_floor() {
	local n=$1 size=$2 pieces=${3:-1} i
	free_port
	server_port=$port
	server_pids=()
	for ((i = 0; i < n; i++)); do
		start "floor-$i" "$bin/zws-floor" --port "$server_port" --size "$size" --pieces "$pieces" --reuseport
		server_pids+=("$last_pid")
	done
	wait_port "$server_port" && sleep 0.5
}

start_node() {
	free_port
	server_port=$port
	start node node "$here/node-server.js" --port "$server_port" --size "$1"
	server_pids=("$last_pid")
	wait_port "$server_port" && sleep 0.5
}

# ---- preparation ----

missing=()
failed_runs=0
note_missing() { missing+=("$*"); log "not measured: $*"; }
note_failed() { failed_runs=$((failed_runs + 1)); note_missing "$@"; }

prepare() {
	[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" >/dev/null
	cmake --build "$build" -j2 --target zws-loadclient zws-floor zws-notify-stamp >"$work/build-bench.log" 2>&1 ||
		{ cat "$work/build-bench.log" >&2; log "the benchmark programs did not build"; exit 1; }
	have_zws=1
	if ! cmake --build "$build" -j2 --target zws zws-ingest zws-fake-lookup >"$work/build.log" 2>&1; then
		have_zws=0
		note_missing "zws: the programs did not build (cmake --build $build --target zws zws-ingest zws-fake-lookup)"
	fi
	have_node=1
	if ! command -v node >/dev/null; then
		have_node=0
		note_missing "Node.js ws server: node is not installed"
	elif [ ! -d "$here/node_modules/ws" ] && ! (cd "$here" && npm ci --no-audit --no-fund >/dev/null 2>&1); then
		have_node=0
		note_missing "Node.js ws server: npm ci failed in bench/fanout"
	fi
}

wants() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# ---- scenarios ----

scenario_newblock() {
	local n=$clients
	bytes=""
	if [ "$have_zws" = 1 ]; then
		start_pipeline && start_zws && measure "zws" "$work/nb-zws" "$n" "$epochs" trigger_produce ||
			note_failed "zws, $n NewBlock subscribers: the run failed"
		stop "${server_pids[@]}"
	fi
	local size=${bytes:-2048}
	notification_bytes=$size
	start_floor 1 "$size"
	measure "floor" "$work/nb-floor" "$n" "$epochs" trigger_signal ||
		note_failed "floor, $n subscribers: the run failed"
	stop "${server_pids[@]}"
	if [ "$have_node" = 1 ]; then
		start_node "$size"
		measure "node ws" "$work/nb-node" "$n" "$epochs" trigger_signal ||
			note_failed "Node.js ws, $n subscribers: the run failed"
		stop "${server_pids[@]}"
	fi
}

scenario_workers() {
	local w=$workers n=$wclients
	if [ "$have_zws" = 0 ]; then return 0; fi
	# Not grep -q: it stops reading at the match, zws then dies of SIGPIPE
	# and pipefail would make the check fail.
	if ! "$bin/zws" --help 2>&1 | grep -- --workers >/dev/null; then
		note_missing "$n subscribers over $w workers: zws has no --workers"
		return 0
	fi
	start_pipeline
	bytes=""
	start_zws --workers "$w" && measure "zws x$w" "$work/w-zws" "$n" "$epochs" trigger_produce ||
		note_failed "zws, $n subscribers over $w workers: the run failed"
	stop "${server_pids[@]}"
	start_floor "$w" "${bytes:-${notification_bytes:-2048}}"
	measure "floor x$w" "$work/w-floor" "$n" "$epochs" trigger_signal ||
		note_failed "floor x$w, $n subscribers: the run failed"
	stop "${server_pids[@]}"
}

# Idle memory with NewBlock + EventLog on 5 of 1,000 contracts per client.
# zws checks addresses against the contracts table first; the 1,000
# addresses are entered there as known contracts, as zws itself caches a
# lookup's answer.
scenario_memory() {
	[ "$have_zws" = 1 ] || return 0
	start_pipeline
	local subs=$work/memory-subs i j
	psql -qtA "$conn" -c "INSERT INTO contracts (address, is_contract, source)
		SELECT '0x' || lpad(to_hex(i), 40, 'b'), true, 'lookup' FROM generate_series(1, 1000) i
		ON CONFLICT (address) DO NOTHING" >/dev/null
	awk 'BEGIN {
		for (i = 0; i < 1000; i++) {
			line = "{\"query\":\"NewBlock\"}\t{\"query\":\"EventLog\",\"addresses\":["
			for (j = 0; j < 5; j++) {
				a = sprintf("%x", (i * 5 + j) % 1000 + 1)
				pad = ""; for (p = length(a); p < 40; p++) pad = pad "b"
				line = line (j ? "," : "") "\"0x" pad a "\""
			}
			print line "]}"
		}
	}' >"$subs"
	# Each EventLog subscription costs zws a contract check; this scenario
	# measures idle memory, so it connects at a pace those checks keep up with.
	local saved_rate=$rate_total
	rate_total=1000
	start_zws && measure "zws NewBlock+EventLog(5)" "$work/mem-zws" "$clients" 1 trigger_produce "$subs" ||
		note_failed "zws idle memory with NewBlock + EventLog(5): the run failed"
	rate_total=$saved_rate
	stop "${server_pids[@]}"
}

# EventLog, the issue's target: every block carries 10,000 event logs of
# 1,000 token contracts (zws-fake-lookup --shape events) and each client
# subscribes to EventLog for 10 of them, line i of the subscription file
# being contracts i, i+101, .., i+909: every contract is on 10 of the 1,000
# lines, so it has N/100 subscribers, and every notification holds 100
# events. The fake starts on an events block, which a fresh zws-ingest
# stores first: the 1,000 emitters are known contracts before any client
# asks (zws's --lookup is the fake, which also answers for them).
scenario_eventlog() {
	[ "$have_zws" = 1 ] || return 0
	local n=$clients subs=$work/eventlog-subs contracts=$work/eventlog-contracts known=0 i
	if ! "$bin/zws-fake-lookup" --shape events --print-contracts >"$contracts" ||
		[ "$(wc -l <"$contracts")" != 1000 ]; then
		note_failed "EventLog: zws-fake-lookup --shape events --print-contracts did not list 1,000 contracts"
		return 0
	fi
	start_pipeline events 692366 || { note_failed "EventLog: the events pipeline did not start"; return 0; }
	for i in $(seq 300); do
		known=$(psql -qtA "$conn" -c "SELECT count(*) FROM contracts WHERE is_contract")
		[ "$known" -ge 1000 ] && break
		sleep 0.1
	done
	[ "$known" -ge 1000 ] || log "EventLog: only $known contracts known to the database"
	awk '{ a[n++] = $1 } END {
		stride = int(n / 10) + 1
		for (i = 0; i < n; i++) {
			line = "{\"query\":\"EventLog\",\"addresses\":["
			for (j = 0; j < 10; j++)
				line = line (j ? "," : "") "\"" a[(i + j * stride) % n] "\""
			print line "]}"
		}
	}' "$contracts" >"$subs"
	# Each EventLog subscription costs zws a contract check: at the NewBlock
	# pace that is a burst of thousands of checks of the same contracts.
	local saved_rate=$rate_total
	rate_total=$eventlog_rate
	start_zws && measure "zws EventLog(10)" "$work/el-zws" "$n" "$epochs" trigger_produce "$subs" ||
		note_failed "zws, $n EventLog subscribers on 10 of 1,000 contracts: the run failed"
	rate_total=$saved_rate
	stop "${server_pids[@]}"
	stop_pipeline
	# The floor for messages that differ per client: frames of zws's median
	# EventLog size, each made of 10 pieces of a 1,000-piece pool, with the
	# same clients and subscriptions (which the floor echoes).
	local el_bytes
	el_bytes=$(awk -F'|' '$1 == "zws EventLog(10)" { print $15; exit }' "$work/summary" 2>/dev/null)
	start_floor 1 "${el_bytes:-29475}" 10
	measure "floor EventLog(10)" "$work/el-floor" "$n" "$epochs" trigger_signal "$subs" ||
		note_failed "floor with per-client frames, $n subscribers: the run failed"
	stop "${server_pids[@]}"
	local refused
	refused=$(awk -F'|' '$1 == "zws EventLog(10)" { print $4; exit }' "$work/summary" 2>/dev/null)
	[ "${refused:-0}" = 0 ] ||
		note_missing "EventLog: $refused of $n clients failed to subscribe (--keep-logs keeps zws's log and the clients' reasons)"
}

# wss:// next to ws:// with the same clients and connection rate (a TLS
# handshake costs zws far more than an upgrade): zws with a certificate
# for 127.0.0.1 made here by openssl, then plain zws.
scenario_tls() {
	[ "$have_zws" = 1 ] || return 0
	local n=$tls_clients c=$work/tls saved_rate=$rate_total
	command -v openssl >/dev/null || { note_missing "TLS: openssl is not installed"; return 0; }
	mkdir -p "$c"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1" -keyout "$c/key.pem" -out "$c/cert.pem" 2>"$c/openssl.err" ||
		{ note_failed "TLS: openssl could not make a certificate ($(head -n1 "$c/openssl.err"))"; return 0; }
	start_pipeline || { note_failed "TLS: the pipeline did not start"; return 0; }
	rate_total=$tls_rate
	client_tls=1
	start_zws --tls-cert "$c/cert.pem" --tls-key "$c/key.pem" &&
		measure "zws wss" "$work/tls-wss" "$n" "$epochs" trigger_produce ||
		note_failed "zws, $n NewBlock subscribers over wss://: the run failed"
	client_tls=0
	stop "${server_pids[@]}"
	start_zws && measure "zws ws" "$work/tls-ws" "$n" "$epochs" trigger_produce ||
		note_failed "zws, $n NewBlock subscribers over ws:// (beside wss://): the run failed"
	stop "${server_pids[@]}"
	rate_total=$saved_rate
}

# ---- report ----

# The EventLog rows next to the NewBlock run's, when both ran.
eventlog_report() {
	[ -f "$work/summary" ] && grep -q '^zws EventLog(10)|' "$work/summary" || return 0
	local per=$((clients / 100))
	echo "EventLog: $clients clients, each subscribed to EventLog for 10 of the 1,000 token"
	echo "contracts of \`zws-fake-lookup --shape events\` ($per subscribers per contract); every"
	echo "block carries 10,000 event logs, 10 per contract, so each notification holds 100"
	echo "events (bytes: the smallest and largest notification a client got). Target: every"
	echo "client's notification within 1.5x the NewBlock fan-out, i.e. last / NewBlock last"
	echo "<= 1.5, against the \`zws\` NewBlock row of this run. The \`floor\` row is zws-floor"
	echo "--pieces 10 with the same clients: a frame of the same size for every client, each"
	echo "its own, made of 10 pieces of a 1,000-piece pool (what an EventLog fan-out sends),"
	echo "one sendmsg per client; last / floor compares with it."
	echo
	echo "| server | from | subscribed | failed | min received | notification bytes | p50 | p99 | last | NewBlock last | last / NewBlock last | last / floor | RSS/conn B | CPU/epoch ms | load |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	awk -F'|' 'FNR == NR { if ($1 == "zws") nb[$2] = $8; if ($1 == "floor EventLog(10)") fl = $8; next }
	$1 == "zws EventLog(10)" || ($1 == "floor EventLog(10)") {
		server = ($1 ~ /^floor/) ? "floor" : "zws"
		ref = (server == "zws") ? nb[$2] : ""
		ratio = (ref + 0 > 0 && $8 != "-") ? sprintf("%.2f", $8 / ref) : "-"
		vs = (server == "zws" && $2 != "produce" && fl + 0 > 0 && $8 != "-") ? sprintf("%.2f", $8 / fl) : "-"
		size = ($16 == $17) ? $16 : $16 "-" $17
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", server, $2, $3, $4, $5, size, $6, $7, $8, (ref == "" ? "-" : ref), ratio, vs, $9, $11, $14
	}' "$work/summary" "$work/summary"
	echo
}

report() {
	local cpu_model load
	cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	local cmd="bench/fanout/run.sh"
	[ "$quick" = 1 ] && cmd+=" --quick" || cmd+=" --clients $clients --epochs $epochs"
	[ -n "$only" ] && [ "$quick" = 0 ] && cmd+=" --only $only"
	wants tls && [ "$quick" = 0 ] && cmd+=" --tls-clients $tls_clients"
	echo "# Fan-out benchmark results"
	echo
	echo "Made by \`$cmd\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $cpu_model, Linux $(uname -r);"
	echo "load average $load when the report was written). The load client runs on the"
	if [ -n "${notification_bytes:-}" ] && [ "$have_zws" = 1 ]; then
		echo "same machine. Notification: $notification_bytes bytes (zws's NewBlock for a block of"
		echo "28 transactions; the floor and Node send a frame of the same size)."
	elif [ -n "${notification_bytes:-}" ]; then
		echo "same machine. Notification: $notification_bytes bytes."
	else
		echo "same machine."
	fi
	echo
	echo "Fan-out = arrival at a client - reference: **notify** = zws-ingest's NOTIFY as a"
	echo "LISTEN client saw it, **produce** = the fake lookup's produce call (includes the"
	echo "ingest's 50 ms poll and its reads), **signal** = the SIGUSR2 that makes the floor"
	echo "or Node broadcast. Times in ms, median over the epochs; RSS/conn = (VmRSS with the"
	echo "clients subscribed - VmRSS before) / subscribed, anon/conn the same for RssAnon"
	echo "(excludes shared library pages paged in meanwhile); CPU/epoch = utime+stime of the"
	echo "server processes during an epoch (ms, 10 ms ticks); idle CPU = % of one core over"
	echo "${idle_s} s with every client subscribed and silent; pings = server pings the clients"
	echo "answered during the whole run (zws pings a client idle for 30 s); load = the 1-minute"
	echo "load average after the idle window, before the epochs (above ~0.5 means other work"
	echo "was running on the machine and the times are inflated). last / floor compares with"
	echo "the floor run with the same clients."
	echo
	echo "| server | from | subscribed | failed | min received | p50 | p99 | last | last / floor | RSS/conn B | anon/conn B | CPU/epoch ms | idle CPU % | pings | load |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	local floor_last floor_w_last
	floor_last=$(awk -F'|' '$1 == "floor" { print $8 }' "$work/summary" 2>/dev/null)
	floor_w_last=$(awk -F'|' '$1 ~ /^floor x/ { print $8 }' "$work/summary" 2>/dev/null)
	[ -f "$work/summary" ] && awk -F'|' -v fl="$floor_last" -v fw="$floor_w_last" '{
		ref = ($1 ~ / x[0-9]+$/) ? fw : fl
		comparable = $1 ~ /^(zws|floor|node ws)( x[0-9]+)?$/ && $2 != "produce"
		ratio = (comparable && ref + 0 > 0 && $8 != "-") ? sprintf("%.2f", $8 / ref) : "-"
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, ratio, $9, $10, $11, $12, $13, $14
	}' "$work/summary"
	echo
	eventlog_report
	if [ ${#missing[@]} -gt 0 ]; then
		echo "Not measured:"
		echo
		local m
		for m in "${missing[@]}"; do echo "- $m"; done
		echo
	fi
	echo "<details><summary>Per epoch</summary>"
	echo
	echo "| server | from | epoch | received | p50 | p99 | last | CPU ms |"
	echo "|---|---|---|---|---|---|---|---|"
	[ -f "$work/epochs" ] && cat "$work/epochs"
	echo
	echo "</details>"
}

main() {
	prepare
	wants newblock && scenario_newblock
	wants eventlog && scenario_eventlog
	[ "$quick" = 0 ] && wants workers && scenario_workers
	[ "$quick" = 0 ] && wants memory && scenario_memory
	wants tls && scenario_tls
	if [ "$output" = - ]; then
		report
	else
		# The design measurements at the end of the file are not a run's:
		# they are kept below the new report.
		local kept=
		[ -f "$output" ] && kept=$(sed -n '/^<!-- design measurements: kept by run.sh -->$/,$p' "$output")
		{ report; [ -z "$kept" ] || printf '\n%s\n' "$kept"; } | tee "$output"
	fi
	[ "$failed_runs" = 0 ]
}

main
