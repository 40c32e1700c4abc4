"""What the Python script tests share: failing with a message, asking
PostgreSQL, and a small WebSocket client (masked text frames out, whole
messages in, pings skipped) that talks to zws as any client would."""

import base64
import os
import socket
import struct
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def sql(db, q):
    return subprocess.run(["psql", "-X", "-At", db, "-c", q], check=True, capture_output=True,
                          text=True).stdout.strip()


class WS:
    def __init__(self, port, rcvbuf=None):
        """rcvbuf: a receive buffer this small (bytes), set before connecting."""
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(30)
        self.s.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.s.recv(4096)
            if not chunk:
                fail("zws closed during the handshake")
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            fail("handshake refused: %r" % head)

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                fail("zws closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """One whole text message (pings skipped)."""
        parts = []
        while True:
            b0, b1 = self._need(2)
            n = b1 & 127
            if n == 126:
                n = struct.unpack(">H", self._need(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._need(8))[0]
            payload = self._need(n)
            op = b0 & 15
            if op == 9 or op == 10:
                continue
            if op == 8:
                fail("zws closed the WebSocket: %r" % payload)
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def silent(self, seconds):
        self.s.settimeout(seconds)
        try:
            return not self.buf and not self.s.recv(1, socket.MSG_PEEK)
        except socket.timeout:
            return True
        finally:
            self.s.settimeout(30)

    def answer(self):
        """The next message that is not a notification."""
        while True:
            text = self.recv()
            if '"type":"Notification"' not in text[:40]:
                return text

    def call(self, text):
        self.send(text)
        return self.answer()
