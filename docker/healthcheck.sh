#!/bin/sh
# zws-healthcheck [--listen PORT] [--connected PORT]...: exit 0 when, in this
# container's network namespace, a TCP socket listens on each --listen PORT
# and one is connected to each --connected remote PORT (read from
# /proc/net/tcp and tcp6, so the image needs no client tools). In
# docker-compose.yml: zws "listens on ZWS_PORT and holds its PostgreSQL
# connection", zws-ingest "holds its PostgreSQL connection".
set -eu
usage() { echo "usage: zws-healthcheck [--listen PORT] [--connected PORT]..." >&2; exit 2; }
# has STATE PORT FIELD: a socket in STATE (0A listen, 01 established)
# whose local (FIELD 2) or remote (FIELD 3) port is PORT.
has() {
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v st="$1" -v port="$(printf '%04X' "$2")" -v f="$3" '
    { n = split($f, a, ":"); if ($4 == st && a[n] == port) found = 1 }
    END { exit !found }'
}
[ $# -gt 0 ] || usage
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$2" in ''|*[!0-9]*) usage ;; esac
  case "$1" in
  --listen) has 0A "$2" 2 || { echo "nothing listens on port $2"; exit 1; } ;;
  --connected) has 01 "$2" 3 || { echo "no connection to port $2"; exit 1; } ;;
  *) usage ;;
  esac
  shift 2
done
echo healthy
