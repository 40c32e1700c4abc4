#!/usr/bin/env python3
"""GetServerInfo across two workers and the per-address POST / limit (see
zws_rpc_server.sh). Environment: ZWS_PORT (two workers), ZWS_LIMITED_PORT
(--rate-limit 2/s), DB. Python's standard library only; the WebSocket
client is wstest.py."""
import http.client
import json
import os
import time

import wstest
from wstest import WS, fail

ZWS_PORT = int(os.environ["ZWS_PORT"])
LIMITED_PORT = int(os.environ["ZWS_LIMITED_PORT"])
DB = os.environ["DB"]
CONTRACT = "0x17329229cd84b964130977975054f7725a85381a"


def check(cond, msg):
    if not cond:
        fail(msg)


def sql(q):
    return wstest.sql(DB, q)


INFO = json.dumps({"jsonrpc": "2.0", "id": "info", "method": "GetServerInfo", "params": []})


def info_of(text):
    obj = json.loads(text)
    check(obj.get("id") == "info" and "result" in obj, "GetServerInfo answered %s" % text[:300])
    return obj["result"]


def post(port, body, source="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    c.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    out = r.status, r.read().decode()
    c.close()
    return out


# ---- GetServerInfo across two workers ----

clients, pid_of = [], []
while len(clients) < 16 or len(set(pid_of)) < 2:
    check(len(clients) < 60, "60 clients all landed on one worker: %r" % set(pid_of))
    ws = WS(ZWS_PORT)
    clients.append(ws)
    pid_of.append(info_of(ws.call(INFO))["pid"])

TOPICS = ("NewBlock", "EventLog", "TxnLog")


def empty():
    return {"sessions": 0, "subscriptions": {t: 0 for t in TOPICS + ("EventLogAddresses", "TxnLogAddresses")}}


want_all, want_pid = empty(), {p: empty() for p in pid_of}
for k, ws in enumerate(clients):
    wants = [want_all, want_pid[pid_of[k]]]
    for w in wants:
        w["sessions"] += 1
    subs = []
    if k % 2 == 0:
        subs.append(('{"query":"NewBlock"}', "NewBlock", 0))
    if k % 3 == 0:
        subs.append(('{"query":"EventLog","addresses":["%s"]}' % CONTRACT, "EventLog", 1))
    if k % 4 == 1:
        a, b = "%040x" % (0x1000 + k), "%040x" % (0x2000 + k)
        subs.append(('{"query":"TxnLog","addresses":["%s","%s"]}' % (a, b), "TxnLog", 2))
    for text, topic, naddr in subs:
        echo = ws.call(text)
        check(echo == text, "subscription %s answered %s" % (text, echo[:300]))
        for w in wants:
            w["subscriptions"][topic] += 1
            if naddr:
                w["subscriptions"][topic + "Addresses"] += naddr
print("%d clients: %s; whole server %s" % (len(clients), {p: pid_of.count(p) for p in want_pid}, want_all))

first, last = (int(x) for x in sql("SELECT min(block_num) || ' ' || max(block_num) FROM tx_blocks").split())


def figures(part):
    return {"sessions": part["sessions"], "subscriptions": part["subscriptions"]}


def matches(info):
    return (figures(info["server"]) == want_all and info["server"]["workers"] == 2 and
            figures(info) == want_pid[info["pid"]])


def settle(ask, how):
    """Other workers publish the addresses they hold once a second: ask
    until the figures agree (or 50 times), then check them."""
    for _ in range(50):
        info = ask()
        if matches(info):
            break
        time.sleep(0.2)
    check(info["scope"] == "process" and info["workers"] == 2, "%s: %r" % (how, info))
    check(figures(info["server"]) == want_all and info["server"]["workers"] == 2,
          "%s: whole server %r, the test made %r" % (how, info["server"], want_all))
    check(figures(info) == want_pid[info["pid"]],
          "%s: worker %d (pid %d) %r, the test made %r" % (how, info["worker"], info["pid"], figures(info),
                                                         want_pid[info["pid"]]))
    check(info["firstBlock"] == first and info["lastBlock"] == last and info["ingestBlock"] == last and
          info["ingestHead"] is not None, "%s: blocks %r, stored %d to %d" % (how, info, first, last))
    return info


seen = set()
for k in (pid_of.index(p) for p in want_pid):  # one client on each worker
    seen.add(settle(lambda: info_of(clients[k].call(INFO)), "WebSocket")["pid"])
check(seen == set(want_pid), "both workers answered over the WebSocket: %r" % seen)
for _ in range(4):
    def over_http():
        status, text = post(ZWS_PORT, INFO)
        check(status == 200, "POST GetServerInfo answered %d %s" % (status, text[:200]))
        return info_of(text)
    settle(over_http, "HTTP POST")
print("GetServerInfo gives both workers' totals and the answering worker's own")

# ---- the per-address limit on POST / ----

NUM = json.dumps({"jsonrpc": "2.0", "id": 5, "method": "GetNumTxBlocks", "params": []})
limited = None
for i in range(12):
    status, text = post(LIMITED_PORT, NUM)
    if status == 429:
        limited = text
        break
    check(status == 200 and json.loads(text)["result"] == str(last + 1), "POST %d answered %d %s" % (i, status, text))
check(limited is not None, "12 POSTs from one address at --rate-limit 2/s were all answered")
err = json.loads(limited)
check(err.get("jsonrpc") == "2.0" and "error" in err and err["error"]["code"] == -32005,
      "over the limit: %s" % limited)
check("--rate-limit" in err["error"]["message"] and "2 requests a second" in err["error"]["message"],
      "the error names the limit: %s" % limited)
status, text = post(LIMITED_PORT, NUM, source="127.0.0.2")
check(status == 200 and json.loads(text)["result"] == str(last + 1),
      "127.0.0.2 is limited by 127.0.0.1's requests: %d %s" % (status, text))
print("POST / past the limit: HTTP 429 %s; another address still answered" % limited)
for ws in clients:
    ws.s.close()
print("ok")
