#!/usr/bin/env python3
"""JSON-RPC reads against a running zws (see zws_jsonrpc.sh): each call is
made to zws over a WebSocket and over HTTP POST /, and to the fake lookup;
the "result" texts must be the same bytes. Environment: ZWS_PORT,
FAKE_URL, DB (the conninfo ingest writes). Python's standard library
only; the WebSocket client is wstest.py."""
import hashlib
import json
import os
import socket
import urllib.request

import wstest
from wstest import WS, fail

ZWS_PORT = int(os.environ["ZWS_PORT"])
FAKE_URL = os.environ["FAKE_URL"]
DB = os.environ["DB"]
checks = 0


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def sql(q):
    return wstest.sql(DB, q)


def post(url, body):
    req = urllib.request.Request(url, data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# ---- raw results ----

def raw_member(text, name):
    """The text of a top-level member of a compact JSON object."""
    d = json.JSONDecoder()
    i = 1
    while i < len(text) and text[i] != "}":
        key, i = d.raw_decode(text, i)
        assert text[i] == ":"
        start = i + 1
        _, end = d.raw_decode(text, start)
        if key == name:
            return text[start:end]
        i = end + 1 if text[end] == "," else end
    return None


def raw_elements(text):
    """The texts of the elements of a compact JSON array."""
    d = json.JSONDecoder()
    out, i = [], 1
    while i < len(text) and text[i] != "]":
        _, end = d.raw_decode(text, i)
        out.append(text[i:end])
        i = end + 1 if text[end] == "," else end
    return out


def request(method, params, rid=1):
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})


ws = WS(ZWS_PORT)


def zws_ws(body):
    ws.send(body)
    return ws.recv()


def zws_http(body):
    status, text = post("http://127.0.0.1:%d/" % ZWS_PORT, body)
    check(status == 200, "HTTP POST answered %d: %s" % (status, text[:200]))
    return text


def fake(body):
    return post(FAKE_URL + "/", body)[1]


def outcome(text):
    """("result", raw text) or ("error", code, message)."""
    obj = json.loads(text)
    if "error" in obj:
        return ("error", obj["error"]["code"], obj["error"]["message"])
    return ("result", raw_member(text, "result"))


def same_as_lookup(method, params, transports=("ws", "http")):
    """Both transports answer exactly what the lookup answers."""
    body = request(method, params)
    want = outcome(fake(body))
    for t in transports:
        got_text = zws_ws(body) if t == "ws" else zws_http(body)
        got = outcome(got_text)
        if want[0] == "error" and want[1] == -32602:
            # The lookup's "does not exist" for a block beyond its head.
            check(got[0] == "error", "%s %s over %s: lookup errs, zws %r" % (method, params, t, got_text[:200]))
            continue
        check(got == want, "%s %s over %s:\n zws    %.300s\n lookup %.300s" % (method, params, t, got, want))
        check(json.loads(got_text)["id"] == 1, "%s: id not echoed" % method)
    return want


first, last = (int(x) for x in sql("SELECT min(block_num) || ' ' || max(block_num) FROM tx_blocks").split())
print("zws holds blocks %d to %d" % (first, last))

# ---- the lookup's methods, byte for byte ----
same_as_lookup("GetLatestTxBlock", [""])
same_as_lookup("GetLatestTxBlock", [])
same_as_lookup("GetNumTxBlocks", [""])
txn_ids = []
for n in range(first, last + 1):
    b = str(n)
    same_as_lookup("GetTxBlock", [b])
    same_as_lookup("GetTransactionsForTxBlock", [b])
    same_as_lookup("GetTransactionsForTxBlockEx", [b, "0"])
    same_as_lookup("GetTransactionsForTxBlockEx", [b, "1"])
    bodies = same_as_lookup("GetTxnBodiesForTxBlock", [b])
    same_as_lookup("GetTxnBodiesForTxBlockEx", [b, "0"])
    same_as_lookup("GetTxnBodiesForTxBlockEx", [b, "1"])
    if bodies[0] == "result":
        for body in json.loads(bodies[1]):
            txn_ids.append((n, body["ID"], body))
print("%d blocks compared, %d transactions" % (last - first + 1, len(txn_ids)))
check(len(txn_ids) > 100, "too few transactions to compare")

# GetTransaction answers each body as GetTxnBodiesForTxBlock lists it.
bodies_text = {}
for n in range(first, last + 1):
    res = raw_member(fake(request("GetTxnBodiesForTxBlock", [str(n)])), "result")
    for elem in raw_elements(res) if res and res.startswith("[") else []:
        bodies_text[json.loads(elem)["ID"]] = elem
def contract_address(body):
    """The node's rule: SHA-256 of the sender's address and nonce - 1 (8
    bytes, big-endian), last 20 bytes; the sender's address is the last 20
    bytes of SHA-256 of its public key. (zws-ingest derives it so; the
    fake lookup names its generated deploys' contracts otherwise, so
    deploys are checked against the rule, every other answer against the
    lookup.)"""
    pub = bytes.fromhex(body["senderPubKey"][2:])
    sender = hashlib.sha256(pub).digest()[12:]
    nonce = max(int(body["nonce"]) - 1, 0)
    return hashlib.sha256(sender + nonce.to_bytes(8, "big")).hexdigest()[24:]


deploys = 0
for n, tid, body in txn_ids:
    for t, call in (("ws", zws_ws), ("http", zws_http)):
        got = outcome(call(request("GetTransaction", [tid])))
        check(got == ("result", bodies_text[tid]), "GetTransaction %s over %s: %.200s" % (tid, t, got))
    body_text = request("GetContractAddressFromTransactionID", [tid])
    want = outcome(fake(body_text))
    for call in (zws_ws, zws_http):
        got = outcome(call(body_text))
        if want[0] == "result":
            check(got == ("result", '"%s"' % contract_address(body)), "contract of %s: %r" % (tid, got))
        else:
            check(got == want, "GetContractAddressFromTransactionID %s: zws %r, lookup %r" % (tid, got, want))
    deploys += want[0] == "result"
check(deploys > 0, "no contract deployment among the transactions compared")
# Any case and 0x are accepted for a hash.
tid = txn_ids[0][1]
check(outcome(zws_ws(request("GetTransaction", ["0x" + tid.upper()])))[1] == bodies_text[tid],
      "GetTransaction with 0X + upper case hash")

# ---- not held: the range, never a made-up block ----
held = "it holds blocks %d to %d" % (first, last)
for method, params, what in (("GetTxBlock", [str(last + 1000)], "block %d" % (last + 1000)),
                             ("GetTxBlock", ["5"], "block 5"),
                             ("GetTxnBodiesForTxBlock", ["5"], "block 5"),
                             ("GetTransactionsForTxBlockEx", ["5", "0"], "block 5"),
                             ("GetTransaction", ["ab" * 32], "transaction " + "ab" * 32),
                             ("GetContractAddressFromTransactionID", ["ab" * 32], "transaction " + "ab" * 32)):
    for call in (zws_ws, zws_http):
        got = outcome(call(request(method, params)))
        check(got == ("error", -32001, "%s is not held by this server; %s" % (what, held)),
              "%s %s: %r" % (method, params, got))

# ---- ids: any JSON value comes back as it was sent ----
for rid in ("abc", 7, -3, 1.5, None, {"k": [1, "x"]}, [1, 2], True, "ü\"\\/"):
    for call in (zws_ws, zws_http):
        got = json.loads(call(request("GetNumTxBlocks", [], rid)))
        check("result" in got and got["id"] == rid and type(got["id"]) is type(rid), "id %r came back %r" % (rid, got))
        check(got["jsonrpc"] == "2.0", "no jsonrpc member")

# ---- errors ----
def error_of(body, call=zws_ws):
    got = json.loads(call(body))
    check("error" in got, "no error for %s: %.200s" % (body, got))
    return got["id"], got["error"]["code"], got["error"]["message"]


cases = [
    (request("NoSuchMethod", []), -32601, "not found"),
    ('{"jsonrpc":"2.0","id":4,"method":"GetTxBlock","params":', -32700, "not valid JSON"),
    ('{"jsonrpc":"1.0","id":4,"method":"GetTxBlock","params":["1"]}', -32600, "jsonrpc"),
    ('{"jsonrpc":"2.0","id":4,"method":5}', -32600, "method"),
    ('[]', -32600, "empty batch"),
    (request("GetTxBlock", []), -32602, "GetTxBlock takes"),
    (request("GetTxBlock", ["12x"]), -32602, "block number"),
    (request("GetTxBlock", "692365"), -32602, "params"),
    (request("GetTxnBodiesForTxBlockEx", ["692365"]), -32602, "GetTxnBodiesForTxBlockEx takes"),
    (request("GetTxnBodiesForTxBlockEx", ["692365", "p"]), -32602, "page"),
    (request("GetTransaction", ["123"]), -32602, "64 hex"),
    (request("GetLatestTxBlock", ["1"]), -32602, "no parameters"),
    (request("GetEventLogs", [{"fromBlock": 1}]), -32602, "toBlock"),
    (request("GetEventLogs", {"fromBlock": 5, "toBlock": 4, "addresses": []}), -32602, "below fromBlock"),
    (request("GetEventLogs", {"fromBlock": 1, "toBlock": 1, "addresses": ["0x12"]}), -32602, "address"),
    (request("GetEventLogs", {"fromBlock": 1, "toBlock": 1, "addresses": []}), -32602, "not be empty"),
    (request("GetEventLogs", {"fromBlock": 1, "toBlock": 1, "address": "x"}), -32602, "no parameter \"address\""),
    (request("GetEventLogs", {"fromBlock": 1, "toBlock": 9, "addresses": ["0x" + "1" * 40]}), -32602,
     "spans 9 blocks; at most 8 (--max-query-blocks)"),
    (request("GetEventLogs", {"fromBlock": 1, "toBlock": 1, "addresses": ["0x" + "1" * 40], "eventNames": [3]}),
     -32602, "event name"),
]
for body, code, text in cases:
    for call in (zws_ws, zws_http):
        rid, got_code, msg = error_of(body, call)
        check(got_code == code and text in msg, "%s: got %d %r, want %d %r" % (body, got_code, msg, code, text))

# ---- batches: one array, in order; notifications unanswered ----
batch = json.dumps([
    {"jsonrpc": "2.0", "id": "a", "method": "GetTxBlock", "params": ["692365"]},
    {"jsonrpc": "2.0", "method": "GetTxBlock", "params": ["692365"]},
    {"jsonrpc": "2.0", "id": "b", "method": "Nope"},
    5,
    {"jsonrpc": "2.0", "id": "c", "method": "GetNumTxBlocks"},
])
want_block = outcome(fake(request("GetTxBlock", ["692365"])))[1]
for call in (zws_ws, zws_http):
    text = call(batch)
    got = json.loads(text)
    check(isinstance(got, list) and [r.get("id") for r in got] == ["a", "b", None, "c"],
          "batch answer ids: %.300s" % text)
    check(raw_member(raw_elements(text)[0], "result") == want_block,
          "batch member's result differs from the lookup's")
    check(got[1]["error"]["code"] == -32601 and got[2]["error"]["code"] == -32600, "batch errors: %.300s" % text)
# Only notifications: nothing over the WebSocket, 204 over HTTP.
only = json.dumps([{"jsonrpc": "2.0", "method": "GetNumTxBlocks"}])
ws.send(only)
check(ws.silent(1.0), "a batch of notifications was answered")
status, text = post("http://127.0.0.1:%d/" % ZWS_PORT, only)
check(status == 204 and text == "", "HTTP notifications: %d %r" % (status, text))
status, text = post("http://127.0.0.1:%d/" % ZWS_PORT, json.dumps([request("GetNumTxBlocks", [])] * 33))
check(status == 200 and json.loads(text)["error"]["code"] == -32600, "a batch of 33 was taken")
# HTTP: not JSON-RPC, and over --max-message.
status, text = post("http://127.0.0.1:%d/" % ZWS_PORT, '{"query":"NewBlock"}')
check(status == 200 and json.loads(text)["error"]["code"] == -32600, "a subscription over HTTP: %r" % text)
status, text = post("http://127.0.0.1:%d/" % ZWS_PORT, request("GetTxBlock", ["1" * 5000]))
check(status == 413 and "--max-message" in text, "an oversized POST: %d %r" % (status, text))

# A body without a length (chunked) is refused, not waited for.
raw = socket.create_connection(("127.0.0.1", ZWS_PORT), timeout=10)
raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[1,2]\r\n")
head = b""
while b"needs a Content-Length" not in head:
    chunk = raw.recv(4096)
    if not chunk:
        break
    head += chunk
head = head.decode()
check(head.startswith("HTTP/1.1 411") and "needs a Content-Length" in head, "a chunked POST: %r" % head[:300])
raw.close()

# ---- GetEventLogs ----
def expected_logs(lo, hi, addresses=None, names=None):
    out = []
    for n in range(lo, hi + 1):
        res = json.loads(fake(request("GetTxnBodiesForTxBlock", [str(n)])))
        for body in res.get("result") or []:
            r = body["receipt"]
            if not r.get("success"):
                continue
            for log in r.get("event_logs", []):
                a = log["address"].lower()
                if addresses is not None and a not in addresses:
                    continue
                if names is not None and log["_eventname"] not in names:
                    continue
                out.append({"blockNum": n, "txHash": body["ID"], "address": a,
                            "log": {"_eventname": log["_eventname"], "params": log["params"]}})
    return out


emitters = sorted({e["address"] for e in expected_logs(first, first + 7) + expected_logs(692365, 692365)})
check(emitters, "no event logs in the stored blocks")
emitter = "0x17329229cd84b964130977975054f7725a85381a"
check(emitter in emitters, "the mainnet emitter is not among %r" % emitters)

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32(hrp, data20):
    def polymod(values):
        gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
        chk = 1
        for v in values:
            b = chk >> 25
            chk = (chk & 0x1ffffff) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if ((b >> i) & 1) else 0
        return chk
    acc, bits, data = 0, 0, []
    for byte in data20:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data
    pm = polymod(values + [0] * 6) ^ 1
    return hrp + "1" + "".join(CHARSET[d] for d in data + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])


def logs_call(params, call=zws_ws):
    return json.loads(call(request("GetEventLogs", params)))


lo, hi = 692365, 692365
want = expected_logs(lo, hi, {emitter})
check(len(want) == 13, "block 692365 should have 13 logs of %s, has %d" % (emitter, len(want)))
forms = [emitter, emitter.upper().replace("0X", "0x"), emitter[2:], bech32("zil", bytes.fromhex(emitter[2:])), [emitter]]
for form in forms:
    for call in (zws_ws, zws_http):
        got = logs_call({"fromBlock": str(lo), "toBlock": hi, "addresses": form}, call)
        check(got.get("result") == want, "GetEventLogs with address %r: %.300s" % (form, got))
# Names filter; raw params as stored.
name = want[0]["log"]["_eventname"]
got = logs_call([{"fromBlock": lo, "toBlock": hi, "addresses": [emitter], "eventNames": [name]}])
check(got["result"] == [w for w in want if w["log"]["_eventname"] == name], "eventNames filter")
got = logs_call({"fromBlock": lo, "toBlock": hi, "addresses": [emitter], "eventNames": ["NoSuchEvent"]})
check(got["result"] == [], "an unknown event name matched")
# A range of blocks, block order, all emitters.
span_lo, span_hi = last - 7, last
want = expected_logs(span_lo, span_hi, set(emitters))
check(want, "no logs in blocks %d to %d" % (span_lo, span_hi))
if len(want) <= 20:
    got = logs_call({"fromBlock": span_lo, "toBlock": span_hi, "addresses": emitters})
    check(got.get("result") == want, "GetEventLogs over %d..%d: %.300s" % (span_lo, span_hi, got))
else:
    got = logs_call({"fromBlock": span_lo, "toBlock": span_hi, "addresses": emitters})
    check(got["error"]["code"] == -32002 and "more than 20 event logs" in got["error"]["message"]
          and "--max-query-logs" in got["error"]["message"], "--max-query-logs: %.300s" % got)
got = logs_call({"fromBlock": 692364, "toBlock": 692366, "addresses": [emitter]})
want3 = expected_logs(692364, 692366, {emitter})
check(len(want3) > 20 and got["error"]["code"] == -32002, "over --max-query-logs: %.300s" % got)
got = logs_call({"fromBlock": first - 1, "toBlock": first, "addresses": [emitter]})
check(got["error"] == {"code": -32001, "message": "blocks %d to %d is not held by this server; %s"
                       % (first - 1, first, held)}, "GetEventLogs outside the held range: %r" % got)

# ---- GetServerInfo ----
for call in (zws_ws, zws_http):
    info = json.loads(call(request("GetServerInfo", [])))["result"]
    check(info["firstBlock"] == first and info["lastBlock"] == last and info["ingestBlock"] == last,
          "GetServerInfo blocks: %r" % info)
    check(info["scope"] == "process" and info["sessions"] >= 1 and info["version"], "GetServerInfo: %r" % info)
    # Every stored block is pushed (or announced): a Resume without
    # fromBlock would start after the last, and one from there is taken.
    check(info["nextBlock"] == last + 1, "GetServerInfo nextBlock: %r" % info)
resumer = WS(ZWS_PORT)
resume = '{"query":"Resume","fromBlock":"%d","queries":[{"query":"NewBlock"}]}' % info["nextBlock"]
resumer.send(resume)
check(resumer.recv() == resume, "Resume from GetServerInfo's nextBlock is answered with its echo")

# ---- beside subscriptions ----
sub = WS(ZWS_PORT)
sub.send('{"query":"NewBlock"}')
check(sub.recv() == '{"query":"NewBlock"}', "the NewBlock echo changed")
sub.send(request("GetNumTxBlocks", [], "q"))
reply = json.loads(sub.recv())
check(reply["id"] == "q" and reply["result"] == str(last + 1), "a query after subscribing: %r" % reply)
post(FAKE_URL + "/fake/produce?count=2", "")
seen_blocks, seen_answers = [], 0
sub.send(request("GetNumTxBlocks", [], "r"))
while len(seen_blocks) < 2 or not seen_answers:
    msg = json.loads(sub.recv())
    if isinstance(msg, dict) and msg.get("type") == "Notification":
        check("id" not in msg and "jsonrpc" not in msg, "a notification carries an answer")
        seen_blocks.append(int(msg["values"][0]["value"]["TxBlock"]["header"]["BlockNum"]))
    else:
        check(msg.get("id") == "r" and "type" not in msg, "an answer mixed with a notification: %r" % msg)
        seen_answers += 1
check(seen_blocks == [last + 1, last + 2], "notifications %r" % seen_blocks)
# The new blocks are recent: answered from memory, still the lookup's bytes.
for n in seen_blocks:
    same_as_lookup("GetTxBlock", [str(n)])
    same_as_lookup("GetTransactionsForTxBlock", [str(n)])
# ---- the rate limit is shared with subscription queries ----
# 30 messages in one write to a server allowing 1 a second: the first is
# answered, the second gets the one rate-limit error.
limited = WS(int(os.environ["ZWS_RATE_PORT"]))
frames = []
for i in range(30):
    text = request("GetNumTxBlocks", [], i) if i % 2 == 0 else '{"query":"NewBlock"}'
    frames.append(bytes([0x81, 0x80 | len(text)]) + b"\0\0\0\0" + text.encode())
limited.s.sendall(b"".join(frames))
# (The answer waits for the database; the error does not.)
got = sorted(limited.recv() for _ in range(2))
check(got[0].startswith('{"id":0,"jsonrpc":"2.0","result":"')
      and got[1] == '{"type":"Error","error":"rate limit exceeded (limit 1 queries per second)"}',
      "rate limit: %r" % got)

# ---- a block of 5,001 transactions: the Ex methods' three pages, and all at once ----
paged_port, paged_url = int(os.environ["ZWS_PAGED_PORT"]), os.environ["PAGED_URL"]
paged = WS(paged_port)
for method, params in (("GetTransactionsForTxBlock", ["700001"]),
                       ("GetTransactionsForTxBlockEx", ["700001", "0"]),
                       ("GetTransactionsForTxBlockEx", ["700001", "1"]),
                       ("GetTransactionsForTxBlockEx", ["700001", "2"]),
                       ("GetTransactionsForTxBlockEx", ["700001", "3"]),
                       ("GetTxnBodiesForTxBlockEx", ["700001", "0"]),
                       ("GetTxnBodiesForTxBlockEx", ["700001", "2"]),
                       ("GetTxnBodiesForTxBlockEx", ["700001", "3"]),
                       ("GetTxnBodiesForTxBlock", ["700001"])):
    body = request(method, params)
    want = outcome(post(paged_url + "/", body)[1])
    paged.send(body)
    got = outcome(paged.recv())
    check(got == want, "%s %s: zws %.200s, lookup %.200s" % (method, params, got, want))
print("%d checks passed" % checks)
