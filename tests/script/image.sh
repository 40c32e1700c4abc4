#!/usr/bin/env bash
# The runtime image, proven without a Docker engine. mmdebstrap builds the
# Dockerfile's runtime stage as a directory from the same package list
# (docker/runtime-packages.txt), with the same zws user and health check
# script; the built zws, zws-ingest and zws-cat are copied in and run there
# with chroot, as that user, against a test database reached over TCP on
# 127.0.0.1 (as compose reaches its postgres service) and the fake lookup
# behind https with a private CA, trusted the way README's compose section
# says (the CA file mounted, SSL_CERT_FILE): ingest migrates
# (--migrate-only) and follows, zws serves on both its event loops (libev,
# whose plugin the image must carry, and poll) and checks a contract with
# the lookup, zws-cat inside the image receives NewBlock notifications,
# and zws-healthcheck says what it checks (healthy while zws serves, not
# once PostgreSQL is gone; zws's /healthz, compose's check, says so too).
#
# Needs root (chroot, mount) and the Debian mirror (deb.debian.org), which
# CI reaches. The file system is cached as a tarball in the build
# directory, keyed on the package list, so reruns skip the download
# (the first build takes a few minutes).
source "$(dirname "$0")/ingest_common.bash"
[ "$(id -u)" = 0 ] || it_fail "needs root: chroot and mount build and enter the image"
command -v mmdebstrap >/dev/null || it_fail "mmdebstrap missing (scripts/install-deps.sh installs it)"
SRC=$ZWS_SOURCE_DIR
LIST=$SRC/docker/runtime-packages.txt
# What the runtime stage does besides the packages, done the same way below.
for line in "docker/runtime-packages.txt" "useradd --system --no-create-home zws" "USER zws" \
    "COPY docker/healthcheck.sh /usr/local/bin/zws-healthcheck"; do
  grep -qF "$line" "$SRC/Dockerfile" || it_fail "the Dockerfile's runtime stage lacks: $line"
done
CACHE=${ZWS_BUILD_DIR:-$SRC/build}/image
MIRROR=${ZWS_IMAGE_MIRROR:-http://deb.debian.org/debian}
SECURITY=${ZWS_IMAGE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PKGS=$(sed 's/#.*//' "$LIST" | xargs | tr ' ' ,)
KEY=$(printf '%s\n' "$PKGS" "$MIRROR" "$SECURITY" minbase-1 | sha256sum | cut -c1-16)
TAR=$CACHE/rootfs-$KEY.tar
ROOT=${T:?}/root
case "$ROOT" in /tmp/?*/root) ;; *) it_fail "refusing to build the image at $ROOT" ;; esac

# The runtime stage: debian:12 (bookworm with its updates and security
# suites), the listed packages, the zws user.
if [ ! -s "$TAR" ]; then
  it_log "building the runtime file system with mmdebstrap (packages: $PKGS)"
  mkdir -p "$CACHE"
  rm -f "$CACHE"/rootfs-*.tar
  timeout 900 mmdebstrap --variant=minbase --mode=root --format=tar --include="$PKGS" \
    --customize-hook='chroot "$1" useradd --system --no-create-home zws' \
    bookworm "$TAR.part" \
    "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
    "deb $SECURITY bookworm-security main" >"$T/mmdebstrap.log" 2>&1 \
    || { tail -n 30 "$T/mmdebstrap.log"; rm -f "$TAR.part"; it_fail "mmdebstrap failed (is $MIRROR reachable?)"; }
  mv "$TAR.part" "$TAR"
else
  it_log "runtime file system from the cache: $TAR"
fi
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$TAR"
# As the Dockerfile's COPY lines.
install -m 755 "$ZWS_BIN_DIR/zws" "$ZWS_BIN_DIR/zws-ingest" "$ZWS_BIN_DIR/zws-cat" "$ROOT/usr/local/bin/"
install -m 755 "$SRC/docker/healthcheck.sh" "$ROOT/usr/local/bin/zws-healthcheck"
# What Docker adds to a container: /etc/hosts, /proc.
echo "127.0.0.1 localhost" >"$ROOT/etc/hosts"
mount -t proc proc "$ROOT/proc"
IT_EXTRA_CLEANUP='umount -l "$ROOT/proc" 2>/dev/null || true'
# in_image PROG ARGS...: runs as the image's USER. chroot execs PROG, so
# "in_image ... &" started with exec leaves $! naming the program itself.
in_image() { chroot --userspec=zws:zws "$ROOT" "$@"; }
in_image_bg() { exec chroot --userspec=zws:zws "$ROOT" "$@"; }

it_log "every library the programs need is in the image"
for p in zws zws-ingest zws-cat; do
  missing=$(chroot "$ROOT" ldd "/usr/local/bin/$p" | grep "not found" || true)
  [ -z "$missing" ] || it_fail "$p in the image: $missing"
done

# PostgreSQL over TCP: a forwarder from 127.0.0.1 to the test server's socket.
PGPORT=$(it_free_port)
python3 - "$PGPORT" "$ZWS_TEST_PG_DIR/.s.PGSQL.5432" >"$T/pgtcp.log" 2>&1 <<'PY' &
import asyncio, sys
port, sock = int(sys.argv[1]), sys.argv[2]
async def pipe(r, w):
    try:
        while (data := await r.read(65536)):
            w.write(data)
            await w.drain()
    except ConnectionError:
        pass
    finally:
        w.close()
async def handle(cr, cw):
    ur, uw = await asyncio.open_unix_connection(sock)
    await asyncio.gather(pipe(cr, uw), pipe(ur, cw))
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print("forwarding", port, flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
PY
PGTCP_PID=$!
PIDS+=($!)
for _ in $(seq 100); do grep -qs forwarding "$T/pgtcp.log" && break; sleep 0.05; done
DBNAME=zi_image_$$
createdb -h "$ZWS_TEST_PG_DIR" -U postgres "$DBNAME"
DBS+=("$DBNAME")
DB="host=127.0.0.1 port=$PGPORT dbname=$DBNAME user=postgres"

CONTRACT=0x2222222222222222222222222222222222222222
it_start_fake fake --height 692364 --interval-ms 500 --contract "$CONTRACT"
# The lookup over https, its certificate signed by a CA of our own.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=zws test CA" \
  -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null || it_fail "openssl: no CA"
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$T/key.pem" -out "$T/req.pem" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >"$T/ext"
openssl x509 -req -in "$T/req.pem" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile "$T/ext" -out "$T/cert.pem" 2>/dev/null || it_fail "openssl: no certificate"
TLS_PORT=$(it_free_port)
python3 - "$TLS_PORT" "${FAKE_URL##*:}" "$T/cert.pem" "$T/key.pem" >"$T/tls.log" 2>&1 <<'PY' &
import asyncio, ssl, sys
port, target, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
async def pipe(r, w):
    try:
        while (data := await r.read(65536)):
            w.write(data)
            await w.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        w.close()
async def handle(cr, cw):
    ur, uw = await asyncio.open_connection("127.0.0.1", target)
    await asyncio.gather(pipe(cr, uw), pipe(ur, cw))
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port, ssl=ctx)
    print("tls front on", port, flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
PY
PIDS+=($!)
for _ in $(seq 100); do grep -qs "tls front" "$T/tls.log" && break; sleep 0.05; done
LOOKUP=https://localhost:$TLS_PORT
# As the compose file's commented volume and SSL_CERT_FILE lines.
mkdir -p "$ROOT/etc/zws"
cp "$T/ca.pem" "$ROOT/etc/zws/lookup-ca.pem"
CA_ENV=SSL_CERT_FILE=/etc/zws/lookup-ca.pem

it_log "zws-ingest --migrate-only in the image"
in_image /usr/local/bin/zws-ingest --migrate-only --db "$DB" >"$T/migrate.log" 2>&1 \
  || it_fail "zws-ingest --migrate-only failed in the image"
it_log "$(tail -n1 "$T/migrate.log")"

IPORT=$(it_free_port)
(in_image_bg /usr/bin/env "$CA_ENV" /usr/local/bin/zws-ingest --db "$DB" --lookup "$LOOKUP" --poll-ms 200 --http "127.0.0.1:$IPORT") >"$T/ingest.log" 2>&1 &
PIDS+=($!)
ZPORT=$(it_free_port); PPORT=$(it_free_port)
(in_image_bg /usr/bin/env "$CA_ENV" /usr/local/bin/zws --db "$DB" --host 127.0.0.1 --port "$ZPORT" --lookup "$LOOKUP") >"$T/zws.log" 2>&1 &
PIDS+=($!)
(in_image_bg /usr/local/bin/zws --db "$DB" --host 127.0.0.1 --port "$PPORT" --event-loop poll) >"$T/zws-poll.log" 2>&1 &
PIDS+=($!)
for port in "$ZPORT" "$PPORT"; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done

for port in "$ZPORT" "$PPORT"; do
  it_log "zws-cat in the image, NewBlock from zws on port $port"
  in_image /usr/local/bin/zws-cat --count 3 --timeout 30 "ws://127.0.0.1:$port" '{"query":"NewBlock"}' \
    >"$T/cat-$port.out" 2>"$T/cat-$port.log" || it_fail "zws-cat in the image got no notifications from port $port"
  [ "$(grep -c '"type":"Notification".*"query":"NewBlock"' "$T/cat-$port.out")" = 2 ] \
    || it_fail "expected 2 NewBlock notifications on port $port"
done

it_log "zws checks a contract with the https lookup"
q='{"query":"EventLog","addresses":["'$CONTRACT'"]}'
in_image /usr/local/bin/zws-cat --count 1 --timeout 20 "ws://127.0.0.1:$ZPORT" "$q" >"$T/contract.out" \
  || it_fail "no answer to the EventLog query"
[ "$(cat "$T/contract.out")" = "$q" ] || it_fail "the contract check failed: $(cat "$T/contract.out")"

it_log "zws-healthcheck in the image"
in_image zws-healthcheck --listen "$ZPORT" --connected "$PGPORT" >"$T/health.out" \
  || it_fail "health check of a serving zws failed: $(cat "$T/health.out")"
in_image zws-healthcheck --http "$ZPORT" >"$T/health.out" \
  || it_fail "zws's /healthz (compose's check) failed: $(cat "$T/health.out")"
in_image zws-healthcheck --http "$IPORT" >"$T/health.out" \
  || it_fail "health check of a following zws-ingest failed: $(cat "$T/health.out")"
rc=0; in_image zws-healthcheck --http "$(it_free_port)" >"$T/health.out" || rc=$?
[ "$rc" = 1 ] || it_fail "health check of an http port nobody serves: exit $rc"
rc=0; in_image zws-healthcheck --listen "$(it_free_port)" >"$T/health.out" || rc=$?
[ "$rc" = 1 ] || it_fail "health check of a port nobody listens on: exit $rc"
rc=0; in_image zws-healthcheck --connected "$(it_free_port)" >"$T/health.out" || rc=$?
[ "$rc" = 1 ] || it_fail "health check of a connection nobody holds: exit $rc"
it_log "PostgreSQL gone: zws-healthcheck says so"
kill "$PGTCP_PID"
health=""
for _ in $(seq 100); do
  health=$(in_image zws-healthcheck --listen "$ZPORT" --connected "$PGPORT") || break
  sleep 0.1
done
[ "$health" = "no connection to port $PGPORT" ] || it_fail "zws still healthy 10 s after PostgreSQL went away: $health"
health=""
for _ in $(seq 100); do
  health=$(in_image zws-healthcheck --http "$ZPORT") || break
  sleep 0.1
done
case "$health" in
*" 503 "*"PostgreSQL unavailable"*) it_log "zws unhealthy: $health" ;;
*) it_fail "zws's /healthz not unhealthy 10 s after PostgreSQL went away: $health" ;;
esac
health=""
for _ in $(seq 100); do
  health=$(in_image zws-healthcheck --http "$IPORT") || break
  sleep 0.1
done
case "$health" in
*" 503 "*PostgreSQL*) it_log "zws-ingest unhealthy: $health" ;;
*) it_fail "zws-ingest not unhealthy 10 s after PostgreSQL went away: $health" ;;
esac
FAILED=0
it_log "PASS: the image's packages run zws (libev and poll loops), zws-ingest and zws-cat"
