#!/usr/bin/env python3
"""The JSON-RPC read benchmark's load client: C connections, each asking
one call at a time (a closed loop) for S seconds, over a WebSocket to zws
or over keep-alive HTTP POSTs (zws's POST / or a lookup node). Prints one
JSON line: calls, errors, calls/s, p50/p99/max latency in ms. The calls
are built by --call:
  txblock-recent   GetTxBlock of one of the --recent newest blocks
  txblock-old      GetTxBlock of a block among the --old oldest stored
  eventlogs        GetEventLogs over --span blocks starting among the
                   oldest, for --address
  bodies-batch     what a lookup client needs for the same logs: one batch
                   of --span GetTxnBodiesForTxBlock calls
Block numbers come from --first and --last (the stored range). Python's
asyncio, one process: on a busy machine its own cost is part of the
latency it reports, the same for every target."""
import argparse
import asyncio
import base64
import json
import os
import random
import struct
import sys
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True, help="ws://HOST:PORT or http://HOST:PORT")
    p.add_argument("--call", required=True,
                   choices=["txblock-recent", "txblock-old", "eventlogs", "bodies-batch"])
    p.add_argument("--connections", type=int, default=100)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--last", type=int, required=True)
    p.add_argument("--recent", type=int, default=32)
    p.add_argument("--old", type=int, default=200)
    p.add_argument("--span", type=int, default=100)
    p.add_argument("--address", default="0x17329229cd84b964130977975054f7725a85381a")
    return p.parse_args()


def make_call(a, i):
    def req(method, params, rid=i):
        return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
    if a.call == "txblock-recent":
        return json.dumps(req("GetTxBlock", [str(a.last - random.randrange(a.recent))]))
    if a.call == "txblock-old":
        return json.dumps(req("GetTxBlock", [str(a.first + random.randrange(a.old))]))
    start = a.first + random.randrange(max(1, a.old - a.span))
    if a.call == "eventlogs":
        return json.dumps(req("GetEventLogs", {"fromBlock": start, "toBlock": start + a.span - 1,
                                               "addresses": [a.address]}))
    return json.dumps([req("GetTxnBodiesForTxBlock", [str(n)], k) for k, n in enumerate(range(start, start + a.span))])


class WS:
    async def open(self, host, port):
        self.r, self.w = await asyncio.open_connection(host, port, limit=1 << 26)
        key = base64.b64encode(os.urandom(16)).decode()
        self.w.write(("GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (host, key)).encode())
        head = await self.r.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("handshake refused")

    async def call(self, text):
        data = text.encode()
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
        self.w.write(head + b"\0\0\0\0" + data)  # a zero mask: the payload goes as is
        while True:
            b0, b1 = await self.r.readexactly(2)
            ln = b1 & 127
            if ln == 126:
                ln = struct.unpack(">H", await self.r.readexactly(2))[0]
            elif ln == 127:
                ln = struct.unpack(">Q", await self.r.readexactly(8))[0]
            payload = await self.r.readexactly(ln)
            if b0 & 15 == 1:
                return payload


class HTTP:
    async def open(self, host, port):
        self.host = host
        self.r, self.w = await asyncio.open_connection(host, port, limit=1 << 26)

    async def call(self, text):
        data = text.encode()
        self.w.write(b"POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % (self.host.encode(), len(data)) + data)
        head = (await self.r.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        length = int(head.split("content-length:")[1].split("\r\n")[0])
        return await self.r.readexactly(length)


async def worker(a, i, deadline, lat, errors):
    scheme, rest = a.target.split("://")
    host, port = rest.rsplit(":", 1)
    conn = WS() if scheme == "ws" else HTTP()
    await conn.open(host, int(port))
    while time.monotonic() < deadline:
        text = make_call(a, i)
        t0 = time.monotonic()
        body = await conn.call(text)
        lat.append(time.monotonic() - t0)
        # A call's own error (a batch's members may be "no transactions").
        if body.startswith(b'{"id"') and b'"error":{' in body[:160]:
            errors.append(body[:200])


async def main():
    a = parse_args()
    lat, errors = [], []
    deadline = time.monotonic() + a.seconds
    t0 = time.monotonic()
    await asyncio.gather(*(worker(a, i, deadline, lat, errors) for i in range(a.connections)))
    took = time.monotonic() - t0
    lat.sort()
    pct = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 2) if lat else None
    print(json.dumps({"target": a.target, "call": a.call, "connections": a.connections,
                      "calls": len(lat), "errors": len(errors), "calls_per_s": round(len(lat) / took, 1),
                      "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0),
                      "first_error": errors[0].decode(errors="replace") if errors else None}))


asyncio.run(main())
