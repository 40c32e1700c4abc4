#!/usr/bin/env bash
# zws-ingest follows an https:// lookup URL, as public lookups are served:
# a TLS front (Python's ssl, a certificate made here for "localhost")
# forwards to the fake lookup. With the certificate trusted (SSL_CERT_FILE,
# which OpenSSL's default verify paths honour) every block arrives; with a
# certificate nobody trusts, zws-ingest stores nothing, says why, and keeps
# retrying instead of crashing.
source "$(dirname "$0")/ingest_common.bash"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost" -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null \
  || it_fail "openssl could not make a test certificate"

it_start_fake fake --height 692364 --shape mainnet
FAKE_PORT=${FAKE_URL##*:}
TLS_PORT=$(it_free_port)
# A TLS terminator: each accepted connection is piped to the fake lookup.
python3 - "$TLS_PORT" "$FAKE_PORT" "$T/cert.pem" "$T/key.pem" >"$T/tls.log" 2>&1 <<'PY' &
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
    try:
        ur, uw = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        cw.close()
        return
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
grep -q "tls front" "$T/tls.log" || it_fail "the TLS front did not start"

it_log "trusted certificate: blocks arrive over https"
DB=$(it_createdb https)
SSL_CERT_FILE=$T/cert.pem it_start_ingest ingest --db "$DB" --lookup "https://localhost:$TLS_PORT" \
  --from-block 692360 --poll-ms 100
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" 692364 30
it_fake_produce "$FAKE_URL" 2
it_wait_sql "$DB" "SELECT block_num FROM ingest_cursor" 692366 30
it_check_complete "$DB" 692360 692366
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true

it_log "untrusted certificate: nothing stored, the reason logged, still running"
DB2=$(it_createdb untrusted)
it_start_ingest untrusted --db "$DB2" --lookup "https://localhost:$TLS_PORT" --from-block 692360 \
  --poll-ms 100 --backoff-max-ms 500
sleep 3
kill -0 "$INGEST_PID" || it_fail "zws-ingest exited on an untrusted certificate"
grep -qi "certificate" "$T/untrusted.log" || it_fail "the log does not say the certificate was refused"
[ "$(it_sql "$DB2" "SELECT count(*) FROM tx_blocks")" = 0 ] || it_fail "blocks stored from an untrusted lookup"
grep -i "certificate" "$T/untrusted.log" | head -n 2
kill -TERM "$INGEST_PID"; wait "$INGEST_PID" || true
FAILED=0
it_log "PASS"
