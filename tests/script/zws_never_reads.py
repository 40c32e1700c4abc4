#!/usr/bin/env python3
"""A resuming client that never reads: connects to zws at 127.0.0.1:PORT
with a 4 KB receive buffer, sends Resume from FROM (NewBlock and the
EventLog of EMITTER), reads nothing for SECONDS, then reads what zws left
in its buffers until zws closes the connection or 10 s pass, and prints
one line: "closed CODE REASON after N notifications", "eof after N
notifications" or "open after N notifications".
    zws_never_reads.py PORT FROM EMITTER SECONDS"""

import socket
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from wstest import WS  # noqa: E402

port, start, emitter, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
ws = WS(port, rcvbuf=4096)
ws.send('{"query":"Resume","fromBlock":"%s","queries":[{"query":"NewBlock"},'
        '{"query":"EventLog","addresses":["%s"]}]}' % (start, emitter))
time.sleep(seconds)

ws.s.settimeout(10)
notes, end = 0, "open"
deadline = time.monotonic() + 10
try:
    while time.monotonic() < deadline:
        chunk = ws.s.recv(1 << 16)
        if not chunk:
            end = "eof"
            break
        ws.buf += chunk
        while len(ws.buf) >= 2:
            b0, b1 = ws.buf[0], ws.buf[1]
            n, h = b1 & 127, 2
            if n == 126:
                if len(ws.buf) < 4:
                    break
                n, h = struct.unpack(">H", ws.buf[2:4])[0], 4
            elif n == 127:
                if len(ws.buf) < 10:
                    break
                n, h = struct.unpack(">Q", ws.buf[2:10])[0], 10
            if len(ws.buf) < h + n:
                break
            payload, ws.buf = ws.buf[h:h + n], ws.buf[h + n:]
            if b0 & 15 == 8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                end = "closed %d %s" % (code, payload[2:].decode(errors="replace"))
                deadline = 0
                break
            if b0 & 15 == 1 and payload.startswith(b'{"type":"Notification"'):
                notes += 1
except (socket.timeout, ConnectionResetError):
    pass
print("%s after %d notifications" % (end, notes))
