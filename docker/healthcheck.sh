#!/bin/bash
# zws-healthcheck [--listen PORT] [--connected PORT] [--http PORT]...:
# exit 0 when, in this container's network namespace, a TCP socket listens
# on each --listen PORT, one is connected to each --connected remote PORT
# (both read from /proc/net/tcp and tcp6), and each --http PORT on
# 127.0.0.1 answers GET /healthz with 200 (bash's /dev/tcp, so the image
# needs no client tools). In docker-compose.yml both programs are checked
# by their own /healthz: zws on its WebSocket port (PostgreSQL, block age),
# zws-ingest on --http (PostgreSQL, lookup, lag, chain check).
set -eu
usage() { echo "usage: zws-healthcheck [--listen PORT] [--connected PORT] [--http PORT]..." >&2; exit 2; }
# has STATE PORT FIELD: a socket in STATE (0A listen, 01 established)
# whose local (FIELD 2) or remote (FIELD 3) port is PORT.
has() {
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v st="$1" -v port="$(printf '%04X' "$2")" -v f="$3" '
    { n = split($f, a, ":"); if ($4 == st && a[n] == port) found = 1 }
    END { exit !found }'
}
# healthz PORT: GET /healthz on 127.0.0.1:PORT within 4 s; prints the
# answer's body (its reason) and succeeds only on status 200.
healthz() {
  local status body
  exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || { echo "nothing answers on port $1"; return 1; }
  printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  IFS= read -r -t 4 status <&3 || { exec 3>&-; echo "no answer from port $1 within 4 s"; return 1; }
  body=$(timeout 4 cat <&3 | tr -d '\r' | sed '1,/^$/d' | tr -d '\n') || true
  exec 3>&-
  case "$status" in
  "HTTP/1."?" 200"*) return 0 ;;
  *) echo "port $1: ${status%$'\r'} ${body}"; return 1 ;;
  esac
}
[ $# -gt 0 ] || usage
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$2" in ''|*[!0-9]*) usage ;; esac
  case "$1" in
  --listen) has 0A "$2" 2 || { echo "nothing listens on port $2"; exit 1; } ;;
  --connected) has 01 "$2" 3 || { echo "no connection to port $2"; exit 1; } ;;
  --http) healthz "$2" || exit 1 ;;
  *) usage ;;
  esac
  shift 2
done
echo healthy
