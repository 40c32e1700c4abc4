#!/usr/bin/env bash
# zws over TLS, as a client and an operator see it, with a test CA made
# here by openssl:
# - bad --tls-cert/--tls-key combinations and files: exit 2 and one line
#   naming the file and the problem;
# - zws-cat --ca gets the echo and NewBlock notifications over wss://;
# - a ws:// client, garbage bytes and a client that does not trust the CA
#   do not stop zws, and each failed handshake is logged with its peer
#   and reason; a TLS client on a plain ws:// port is logged as such;
# - SIGHUP with a renewed certificate: a client connected before keeps
#   receiving blocks, a new connection gets the new certificate (serial),
#   one line names it; a SIGHUP with a broken key or a key of another
#   certificate keeps serving the previous certificate, zws keeps running;
# - with --workers 2 the supervisor hands SIGHUP to both workers.
source "$(dirname "$0")/ingest_common.bash"
source "$(dirname "$0")/tls_certs.bash"
ZWS=$ZWS_BIN_DIR/zws
CAT=$ZWS_BIN_DIR/zws-cat
C=$T/certs
mkdir -p "$C"
tls_make_ca "$C" || it_fail "openssl could not make the test CA"
for s in 1001 2002 3003; do tls_make_server "$C" "s$s" "$s" || it_fail "openssl: certificate $s"; done

# wait_log FILE REGEX SECONDS [COUNT]: until FILE has COUNT lines matching.
wait_log() {
  local want=${4:-1}
  for _ in $(seq $(($3 * 20))); do
    [ "$(grep -cE "$2" "$1" 2>/dev/null || true)" -ge "$want" ] && return 0
    sleep 0.05
  done
  it_fail "no '$2' in $1 within $3 s"
}
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; it_fail "nothing listens on $1"; }
notifications() { grep -c '"type":"Notification"' "$1" || true; }

it_log "refused at start: exit 2 and one line naming the file"
expect_exit2() {
  local want=$1 rc=0; shift
  "$ZWS" --db "dbname=none" --host 127.0.0.1 --port 1 "$@" >"$T/bad.out" 2>"$T/bad.err" </dev/null || rc=$?
  [ "$rc" = 2 ] || it_fail "zws $* exited $rc, expected 2 ($(cat "$T/bad.err"))"
  [ "$(wc -l <"$T/bad.err")" = 1 ] || it_fail "zws $*: more than one line: $(cat "$T/bad.err")"
  grep -qF -- "$want" "$T/bad.err" || it_fail "zws $*: expected '$want', got: $(cat "$T/bad.err")"
  it_log "  $(cat "$T/bad.err")"
}
cp "$C/s1001.key" "$C/unreadable.key"; chmod 000 "$C/unreadable.key"
openssl pkey -in "$C/s1001.key" -aes128 -passout pass:secret -out "$C/encrypted.key" 2>/dev/null
expect_exit2 "--tls-cert without --tls-key" --tls-cert "$C/s1001.pem"
expect_exit2 "--tls-key without --tls-cert" --tls-key "$C/s1001.key"
ZWS_TLS_KEY=$C/s1001.key expect_exit2 "--tls-cert $C/missing.pem: cannot read it: No such file or directory" \
  --tls-cert "$C/missing.pem"
expect_exit2 "--tls-key $C/s2002.key does not match the certificate in $C/s1001.pem" \
  --tls-cert "$C/s1001.pem" --tls-key "$C/s2002.key"
expect_exit2 "--tls-cert $C/s1001.key: no PEM certificate in it" --tls-cert "$C/s1001.key" --tls-key "$C/s1001.key"
expect_exit2 "--tls-key $C/s1001.pem: no PEM private key in it" --tls-cert "$C/s1001.pem" --tls-key "$C/s1001.pem"
expect_exit2 "--tls-key $C/encrypted.key: the key is encrypted" --tls-cert "$C/s1001.pem" --tls-key "$C/encrypted.key"
if [ "$(id -u)" = 0 ]; then
  it_log "  (as root every file is readable: the unreadable-file case is not checked)"
else
  expect_exit2 "--tls-key $C/unreadable.key: cannot read it: Permission denied" \
    --tls-cert "$C/s1001.pem" --tls-key "$C/unreadable.key"
fi

DB=$(it_createdb tls)
it_start_fake fake --height 692364 --interval-ms 300
it_start_ingest ingest --db "$DB" --lookup "$FAKE_URL" --poll-ms 100
it_wait_sql "$DB" "SELECT count(*) > 0 FROM ingest_cursor" t 30

# The files zws is given; a renewal replaces them.
cp "$C/s1001.pem" "$C/live.pem"; cp "$C/s1001.key" "$C/live.key"
ZPORT=$(it_free_port)
ZWS_TLS_CERT=$C/live.pem ZWS_TLS_KEY=$C/live.key "$ZWS" --db "$DB" --host 127.0.0.1 --port "$ZPORT" \
  >"$T/zws.log" 2>&1 &
ZPID=$!; PIDS+=("$ZPID")
wait_log "$T/zws.log" "listening on wss://127.0.0.1:$ZPORT" 20
grep -q "TLS certificate $C/live.pem: subject O=ZWS test 1001,CN=localhost, serial 1001, expires " "$T/zws.log" ||
  it_fail "no start line naming the certificate: $(head -3 "$T/zws.log")"
WSS=wss://localhost:$ZPORT

it_log "zws-cat --ca over wss://: the echo and a NewBlock notification"
rc=0; "$CAT" --ca "$C/ca.pem" --count 2 --timeout 20 "$WSS" '{"query":"NewBlock"}' >"$T/a.out" 2>"$T/a.err" || rc=$?
[ "$rc" = 0 ] || it_fail "zws-cat over wss exited $rc: $(cat "$T/a.err")"
grep -q '"query":"NewBlock"' "$T/a.out" || it_fail "no echo: $(cat "$T/a.out")"
grep -q '"type":"Notification".*"query":"NewBlock","value":{"TxBlock"' "$T/a.out" ||
  it_fail "no NewBlock notification over wss: $(cat "$T/a.out")"

it_log "a client without the CA is refused by itself; zws logs why"
rc=0; "$CAT" --timeout 10 "$WSS" >"$T/untrusted.out" 2>"$T/untrusted.err" || rc=$?
[ "$rc" = 1 ] || it_fail "a client not trusting the CA exited $rc: $(cat "$T/untrusted.err")"
wait_log "$T/zws.log" "TLS handshake from 127.0.0.1 failed: " 10

it_log "ws:// and garbage on the wss:// port: logged, closed, zws keeps serving"
rc=0; "$CAT" --timeout 10 "ws://127.0.0.1:$ZPORT" >/dev/null 2>"$T/plain.err" || rc=$?
[ "$rc" = 1 ] || it_fail "a ws:// client on the wss:// port exited $rc"
wait_log "$T/zws.log" "TLS handshake from 127.0.0.1 failed: http request \(a plain ws:// or http:// client on the wss:// port\)" 10
python3 - "$ZPORT" <<'PY' || it_fail "garbage client: the connection was not closed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
try:
    s.sendall(bytes(range(256)) * 8)
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass  # closed; socket.timeout (a stall) fails
PY
wait_log "$T/zws.log" "TLS handshake from 127.0.0.1 failed: " 10 3
kill -0 "$ZPID" || it_fail "zws exited"

it_log "over wss://, a masked query is answered and an unmasked one closes with 1002"
python3 - "$ZPORT" "$C/ca.pem" <<'PY' || it_fail "unmasked frame over wss://"
import socket, ssl, struct, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10),
                    server_hostname="localhost")
s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, buf = buf.split(b"\r\n\r\n", 1)
assert head.startswith(b"HTTP/1.1 101"), head
q = b'{"query":"NewBlock"}'

def frame():
    """The next frame's opcode and payload (all short here); None at EOF."""
    global buf
    while len(buf) < 2 or len(buf) < 2 + (buf[1] & 0x7f):
        more = s.recv(4096)
        if not more:
            return None
        buf += more
    n = buf[1] & 0x7f
    f = (buf[0] & 0x0f, buf[2:2 + n])
    buf = buf[2 + n:]
    return f

s.sendall(bytes([0x81, 0x80 | len(q), 0, 0, 0, 0]) + q)
assert frame() == (1, q), "no echo of the masked query"
s.sendall(bytes([0x81, len(q)]) + q)
f = frame()
assert f and f[0] == 8 and struct.unpack(">H", f[1][:2])[0] == 1002, f
assert frame() is None, "a frame after the close"
print("wss unmasked:", f[1][2:].decode())
PY
wait_log "$T/zws.log" "sent an unmasked frame: closing with 1002" 10

it_log "SIGHUP with a renewed certificate"
"$CAT" --ca "$C/ca.pem" --timeout 120 "$WSS" '{"query":"NewBlock"}' >"$T/before.out" 2>"$T/before.err" &
BEFORE=$!; PIDS+=("$BEFORE")
for _ in $(seq 200); do [ "$(notifications "$T/before.out")" -ge 1 ] && break; sleep 0.05; done
[ "$(tls_serial 127.0.0.1 "$ZPORT")" = 1001 ] || it_fail "serial before the reload: $(tls_serial 127.0.0.1 "$ZPORT")"
cp "$C/s2002.pem" "$C/live.pem.new"; cp "$C/s2002.key" "$C/live.key.new"
mv "$C/live.pem.new" "$C/live.pem"; mv "$C/live.key.new" "$C/live.key"
kill -HUP "$ZPID"
wait_log "$T/zws.log" "TLS certificate reloaded from $C/live.pem: subject O=ZWS test 2002,CN=localhost, serial 2002, expires " 10
[ "$(tls_serial 127.0.0.1 "$ZPORT")" = 2002 ] || it_fail "a new connection after the reload got serial $(tls_serial 127.0.0.1 "$ZPORT")"
seen=$(notifications "$T/before.out")
for _ in $(seq 200); do [ "$(notifications "$T/before.out")" -ge $((seen + 2)) ] && break; sleep 0.05; done
[ "$(notifications "$T/before.out")" -ge $((seen + 2)) ] ||
  it_fail "the client connected before the reload stopped receiving blocks: $(tail -2 "$T/before.err")"
rc=0; "$CAT" --ca "$C/ca.pem" --count 2 --timeout 20 "$WSS" '{"query":"NewBlock"}' >"$T/after.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || it_fail "a client after the reload: $(cat "$T/after.out")"

it_log "SIGHUP with a broken key, then a key of another certificate: the previous one stays"
printf 'not a key\n' >"$C/live.key"
kill -HUP "$ZPID"
wait_log "$T/zws.log" "TLS reload failed, still serving the previous certificate: --tls-key $C/live.key: no PEM private key in it" 10
[ "$(tls_serial 127.0.0.1 "$ZPORT")" = 2002 ] || it_fail "after a failed reload: serial $(tls_serial 127.0.0.1 "$ZPORT")"
cp "$C/s3003.pem" "$C/live.pem"; cp "$C/s1001.key" "$C/live.key"
kill -HUP "$ZPID"
wait_log "$T/zws.log" "TLS reload failed, still serving the previous certificate: --tls-key $C/live.key does not match the certificate in $C/live.pem" 10
[ "$(tls_serial 127.0.0.1 "$ZPORT")" = 2002 ] || it_fail "after a mismatched reload: serial $(tls_serial 127.0.0.1 "$ZPORT")"
rc=0; "$CAT" --ca "$C/ca.pem" --count 2 --timeout 20 "$WSS" '{"query":"NewBlock"}' >"$T/kept.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || it_fail "a client after the failed reloads: $(cat "$T/kept.out")"
seen=$(notifications "$T/before.out")
for _ in $(seq 200); do [ "$(notifications "$T/before.out")" -ge $((seen + 1)) ] && break; sleep 0.05; done
[ "$(notifications "$T/before.out")" -gt "$seen" ] || it_fail "the first client stopped receiving blocks"
kill -0 "$ZPID" || it_fail "zws exited"

it_log "--workers 2: SIGHUP reaches both workers"
cp "$C/s1001.pem" "$C/w.pem"; cp "$C/s1001.key" "$C/w.key"
WPORT=$(it_free_port)
"$ZWS" --db "$DB" --host 127.0.0.1 --port "$WPORT" --workers 2 --tls-cert "$C/w.pem" --tls-key "$C/w.key" \
  >"$T/workers.log" 2>&1 &
WPID=$!; PIDS+=("$WPID")
wait_log "$T/workers.log" "listening on wss://127.0.0.1:$WPORT" 20 2
cp "$C/s2002.pem" "$C/w.pem"; cp "$C/s2002.key" "$C/w.key"
kill -HUP "$WPID"
wait_log "$T/workers.log" "TLS certificate reloaded from $C/w.pem: .* serial 2002" 10 2
for _ in 1 2 3 4 5 6; do
  [ "$(tls_serial 127.0.0.1 "$WPORT")" = 2002 ] || it_fail "a worker still serves $(tls_serial 127.0.0.1 "$WPORT")"
done
kill -0 "$WPID" || it_fail "the supervisor exited on SIGHUP"

it_log "a TLS client on a plain ws:// port: one line saying so"
PPORT=$(it_free_port)
"$ZWS" --db "$DB" --host 127.0.0.1 --port "$PPORT" >"$T/plain.log" 2>&1 &
PIDS+=($!)
wait_log "$T/plain.log" "listening on ws://127.0.0.1:$PPORT" 20
openssl s_client -connect "127.0.0.1:$PPORT" </dev/null >/dev/null 2>&1 || true
wait_log "$T/plain.log" "TLS handshake on the plain ws:// port from 127.0.0.1: this port serves ws://" 10
rc=0; "$CAT" --count 2 --timeout 20 "ws://127.0.0.1:$PPORT" '{"query":"NewBlock"}' >"$T/plainok.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || it_fail "the plain port stopped serving: $(cat "$T/plainok.out")"
kill -0 "$BEFORE" || it_fail "the client connected before the reload was dropped"
FAILED=0
it_log "PASS"
