#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ from the real
lookup answers in tests/fixtures (and a few hand-written queries, payloads
and URLs). Run again after adding a fixture; regression inputs (files
named regress-*) are left alone. Seeds are named seed-*."""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")
OUT = os.path.join(HERE, "corpus")


def fixture(name):
    with open(os.path.join(FIX, name + ".json"), "rb") as f:
        return f.read()


def result(name):
    return json.loads(fixture(name))["result"]


def envelope(i, res=None, err=None):
    e = {"id": str(i), "jsonrpc": "2.0"}
    if err is not None:
        e["error"] = err
    else:
        e["result"] = res
    return e


def batch(*envs):
    return json.dumps(list(envs), separators=(",", ":")).encode()


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


NO_TXNS = {"code": -1, "message": "TxBlock has no transactions"}
NOT_YET = {"code": -32602, "message": "INVALID_PARAMS: Invalid method parameters (invalid name and/or type) recognised: Tx Block does not exist"}
ADDR_HEX = "0x1a90f4fe9ba4a5e2a1c8a6b0f9d8c6e1b2a3d4c5"
ADDR_B32 = "zil1gkwt95a67lnpe774lcmz72y6ay4jh2asmmjw6u"


def queries():
    qs = {
        "newblock": {"query": "NewBlock"},
        "eventlog": {"query": "EventLog", "addresses": [ADDR_HEX, ADDR_B32, ADDR_HEX[2:].upper()]},
        "txnlog": {"query": "TxnLog", "addresses": [ADDR_B32]},
        "unsubscribe": {"query": "Unsubscribe", "type": "EventLog"},
        "bad-type": {"query": "Unsubscribe", "type": "Nothing"},
        "no-addresses": {"query": "EventLog"},
    }
    for name, q in qs.items():
        write("zws_query", name, json.dumps(q))
    write("zws_query", "not-json", "NewBlock")


def addresses():
    for name, a in [("hex", ADDR_HEX), ("bech32", ADDR_B32), ("bare", ADDR_HEX[2:]),
                    ("upper", "0X" + ADDR_HEX[2:].upper()),
                    ("null", "0x" + "0" * 40)]:
        write("address", name, a)
    body = result("GetTransaction_payment")
    write("address", "pubkey", body["senderPubKey"])


def payloads():
    write("zws_notify_payload", "live", '{"block_num":692365,"live":true}')
    write("zws_notify_payload", "backfill", '{"block_num":1,"live":false}')
    write("zws_notify_payload", "no-live", '{"block_num":0}')


def contract_checks():
    init = result("GetSmartContractInit")
    nope = {"code": -5, "message": "Address not contract address"}
    write("zws_contract_rpc", "yes-no", b"\x01" + batch(envelope(0, init), envelope(1, err=nope)))
    write("zws_contract_rpc", "single", b"\x00" + fixture("GetSmartContractInit"))


def rpc():
    for name in ["GetTxBlock", "GetTransactionsForTxBlockEx", "GetTxnBodiesForTxBlock_549481_exceptions",
                 "GetTxnBodiesForTxBlockEx", "GetTransaction_error_bad_size", "GetTransaction_event_logs",
                 "GetLatestTxBlock"]:
        write("ingest_rpc", name, b"\x00" + fixture(name))
    write("ingest_rpc", "batch-549481", b"\x02" + batch(
        envelope(0, result("GetTxBlock_549481")),
        envelope(1, [[b["ID"] for b in result("GetTxnBodiesForTxBlock_549481_exceptions")]]),
        envelope(2, result("GetTxnBodiesForTxBlock_549481_exceptions"))))
    write("ingest_rpc", "rate-limited", b"\x02" + json.dumps(
        {"id": None, "jsonrpc": "2.0", "error": {"code": -32000, "message": "RPC_RATE_LIMIT"}}).encode())


def jraw():
    for name in ["GetTxBlock_1001_no_txns", "GetTransactionsForTxBlock", "GetTxnBodiesForTxBlock_docs",
                 "GetTransaction_contract_call", "Notification_TxnLog_wire_zq1-PR2072"]:
        write("ingest_jraw", name, fixture(name))


def blocks():
    sep = b"\n--next--\n"
    write("ingest_block", "692365", b"692365\n" + batch(
        envelope(0, result("GetTxBlock")), envelope(1, [[b["ID"] for b in result("GetTxnBodiesForTxBlock")]]),
        envelope(2, result("GetTxnBodiesForTxBlock"))))
    bodies = result("GetTxnBodiesForTxBlock_549481_exceptions")
    write("ingest_block", "549481", b"549481\n" + batch(
        envelope(0, result("GetTxBlock_549481")), envelope(1, [[b["ID"] for b in bodies]]),
        envelope(2, bodies)))
    write("ingest_block", "1001-empty", b"1001\n" + batch(
        envelope(0, result("GetTxBlock_1001_no_txns")), envelope(1, err=NO_TXNS),
        envelope(2, err=NO_TXNS)))
    write("ingest_block", "1001-not-yet-then-empty", b"1001\n" + batch(
        envelope(0, err=NOT_YET), envelope(1, err=NOT_YET), envelope(2, err=NOT_YET)) + sep + batch(
        envelope(0, result("GetTxBlock_1001_no_txns")), envelope(1, err=NO_TXNS),
        envelope(2, err=NO_TXNS)))


def zws_blocks():
    """Event logs and transactions of block 692365 as zws reads them back."""
    rs, us = "\x1e", "\x1f"
    recs = []
    for body in result("GetTxnBodiesForTxBlock"):
        r = body.get("receipt", {})
        for log in r.get("event_logs", []):
            recs.append("E" + log["address"] + us + json.dumps(log["params"], separators=(",", ":"))
                        + us + json.dumps(log["_eventname"])[1:-1])
        recs.append("T" + body["ID"] + us + body["amount"] + us + ADDR_HEX[2:] + us + body["toAddr"]
                    + us + ("1" if r.get("success") else "0"))
    write("zws_block", "692365", rs.join(recs))
    # The name as ingest stores it (sql/004): a JSON string's contents.
    write("zws_block", "escapes", "E" + ADDR_B32 + us + '[{"vname":"x","value":"\\u0000"}]' + us
          + json.dumps('Evil\u0000"\\\nName\u00e9', ensure_ascii=False)[1:-1])


def rpc_requests():
    def req(i, method, params=None):
        r = {"jsonrpc": "2.0", "id": i, "method": method}
        if params is not None:
            r["params"] = params
        return r
    reqs = {
        "txblock": req(1, "GetTxBlock", ["692365"]),
        "latest": req("a", "GetLatestTxBlock", [""]),
        "bodies-ex": req(None, "GetTxnBodiesForTxBlockEx", ["692365", "0"]),
        "txn": req({"k": 1}, "GetTransaction", ["0x" + "ab" * 32]),
        "eventlogs": req(2, "GetEventLogs", [{"fromBlock": "1", "toBlock": 100,
                                             "addresses": [ADDR_HEX, ADDR_B32, ADDR_HEX[2:]],
                                             "eventNames": ["Transfer", "Evil\u0000Name"]}]),
        "info": req(3, "GetServerInfo"),
        "unknown": req(4, "eth_getLogs", []),
    }
    for name, r in reqs.items():
        write("zws_rpc_request", name, json.dumps(r))
    write("zws_rpc_request", "batch", json.dumps([reqs["txblock"], 5, {"jsonrpc": "2.0", "method": "GetNumTxBlocks"}]))
    write("zws_rpc_request", "broken", '{"jsonrpc":"2.0","id":1,"method":')
    body = json.loads(fixture("GetTransaction_payment"))["result"]
    del body["receipt"]
    write("zws_rpc_request", "body", json.dumps(body, separators=(",", ":")))
    write("zws_rpc_request", "hashes", json.dumps(result("GetTransactionsForTxBlock"), separators=(",", ":")))


def urls():
    for name, u in [("http", "http://127.0.0.1:4201"), ("https-path", "https://api.zilliqa.com/rpc?x=1"),
                    ("ipv6", "http://[::1]:4201/")]:
        write("ingest_url", name, u)


def frame(op, payload=b"", fin=True, masked=True, rsv=0, length=None):
    """A client frame; masked with the key 00000000, so the payload reads as is."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv | op])
    m = 0x80 if masked else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([m | 127]) + n.to_bytes(8, "big")
    return head + (b"\0\0\0\0" if masked else b"") + payload


def sessions():
    """Frame sequences a client sends after the handshake (fuzz_zws_session)."""
    nb = '{"query":"NewBlock"}'
    ev = '{"query":"EventLog","addresses":["0x17329229cd84b964130977975054f7725a85381a"]}'
    tx = '{"query":"TxnLog","addresses":["' + ADDR_B32 + '"]}'
    close = lambda code, why=b"": frame(8, code.to_bytes(2, "big") + why)
    seeds = {
        "newblock": frame(1, nb),
        "every-query": frame(1, nb) + frame(1, ev) + frame(1, tx)
        + frame(1, '{"query":"Unsubscribe","type":"TxnLog"}') + close(1000, b"bye"),
        "fragments": frame(1, nb[:9], fin=False) + frame(0, nb[9:15], fin=False) + frame(0, nb[15:]),
        "ping-between-fragments": frame(1, nb[:5], fin=False) + frame(9, b"hi") + frame(0, nb[5:]),
        "empty-first-fragment": frame(1, b"", fin=False) + frame(0, nb),
        "empty-fragments-only": frame(1, b"", fin=False) + frame(0, b"", fin=False) + frame(0, b""),
        "continuation-without-start": frame(0, nb),
        "text-inside-fragmented": frame(1, nb[:5], fin=False) + frame(1, nb),
        "fragmented-ping": frame(9, b"x", fin=False),
        "close-1000": close(1000, b"done"),
        "close-5000": close(5000),
        "close-one-byte": frame(8, b"\x03"),
        "close-empty": frame(8),
        "close-bad-utf8-reason": close(1000, b"\xc0\xaf"),
        "pong-unasked": frame(10, b"p") + frame(1, nb),
        "binary": frame(2, b"\x00\x01\x02"),
        "too-big": frame(1, "x" * 9000, fin=False) + frame(0, "y" * 9000),
        "reserved-bits": frame(1, nb, rsv=0x40),
        "reserved-opcode": frame(3, b"?"),
        "bad-utf8": frame(1, b'{"query":"\xff\xfe"}'),
        "utf8-split-across-fragments": frame(1, '{"query":"\u00e9'.encode()[:-1], fin=False)
        + frame(0, '{"query":"\u00e9"}'.encode()[len('{"query":"\u00e9'.encode()) - 1:]),
        "unmasked": frame(1, nb, masked=False),
        "length-2-63": frame(1, b"", length=1 << 63),
        "long-ping": frame(9, b"p" * 126),
        "not-json": frame(1, "NewBlock"),
        "nul-after-json": frame(1, nb + "\0"),
        "byte-then-rest": frame(1, nb)[:1],
    }
    for name, data in seeds.items():
        write("zws_session", name, data)


if __name__ == "__main__":
    for f in (queries, addresses, payloads, contract_checks, rpc, jraw, blocks, zws_blocks, rpc_requests, urls,
              sessions):
        f()
    sys.exit(0)
