#!/usr/bin/env python3
"""Drives headless Chromium through the page in this folder, the way a user
of a dApp frontend would meet ZWS: serves index.html on 127.0.0.1, opens it
with the zws URL and the contract in the query string, waits until the page
says it subscribed, makes the fake lookup produce mainnet block 692365 and
then one more block, reads the event table the page shows and saves a
screenshot. Talks to Chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe), so it needs nothing beyond Python's standard
library; real time passes, so the page's WebSocket behaves as it would for a
user.

usage: drive.py --chromium PATH --zws ws://... --lookup http://...
                --contract 0x... --fixtures DIR --screenshot FILE --log FILE
                [--https-cert FILE --https-key FILE --trust-spki HASH]
With --https-cert and --https-key the page is served over https:// with that
certificate, and Chromium trusts certificates whose chain holds the public key
with the base64 SHA-256 SPKI hash HASH (--ignore-certificate-errors-spki-list),
so a test CA signs both the page's and zws's (wss://) certificates.
Prints one line per step; exits 1 with the reason when a check fails."""

import argparse
import base64
import functools
import http.server
import json
import os
import select
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
MAINNET_BLOCK = 692365
WAIT_S = 30


class Failure(Exception):
    pass


class DevTools:
    """A DevTools protocol session over Chromium's debugging pipe: fd 3 is
    Chromium's input, fd 4 its output, messages end with a NUL byte."""

    def __init__(self, argv, log):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def wire_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     preexec_fn=wire_fds, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.session = None
        self.console = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                raise Failure("Chromium did not answer on the DevTools pipe")
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise Failure("Chromium closed the DevTools pipe (see chromium.log)")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + WAIT_S
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failure(f"{method}: {reply['error']}")
                return reply["result"]
            self._event(reply)

    def _event(self, msg):
        method = msg.get("method")
        if method == "Runtime.consoleAPICalled":
            args = [a.get("value", a.get("description", "")) for a in msg["params"]["args"]]
            self.console.append(" ".join(str(a) for a in args))
        elif method == "Runtime.exceptionThrown":
            self.console.append("exception: " + json.dumps(msg["params"]["exceptionDetails"]))

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise Failure(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except (Failure, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


def chromium_argv(path, profile, trust_spki=None):
    trust = [f"--ignore-certificate-errors-spki-list={trust_spki}"] if trust_spki else []
    return [path, *trust, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--hide-scrollbars", "--window-size=1280,900", f"--user-data-dir={profile}",
            "--remote-debugging-pipe", "about:blank"]


def serve_page(cert=None, key=None):
    """Serves this folder on a free 127.0.0.1 port, over TLS if cert and key
    are given; returns the server."""
    handler = functools.partial(QuietHandler, directory=HERE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass


def produce(lookup):
    req = urllib.request.Request(f"{lookup}/fake/produce?count=1", data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            head = int(json.load(res)["head"])
    except (OSError, ValueError, KeyError) as e:
        raise Failure(f"POST {lookup}/fake/produce: {e}") from e
    print(f"browser: lookup produced block {head}", flush=True)
    return head


def wait_for(what, check):
    deadline = time.monotonic() + WAIT_S
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {WAIT_S} s: {what}")
        time.sleep(0.1)


# Until the navigation commits, the document may still be about:blank or
# have no body yet.
PAGE_STATE = """document.body && document.getElementById('status') ? {
  state: document.body.dataset.state,
  status: document.getElementById('status').textContent} : null"""

PAGE_ROWS = """Array.from(document.querySelectorAll('#events tr')).map(r => ({
  kind: r.className, block: r.dataset.block, event: r.dataset.event || null,
  cells: Array.from(r.cells).map(c => c.textContent)}))"""


def expected_events(fixtures, contract):
    with open(os.path.join(fixtures, "GetTxnBodiesForTxBlock.json")) as f:
        bodies = json.load(f)["result"]
    return [ev for txn in bodies if txn["receipt"]["success"]
            for ev in txn["receipt"].get("event_logs", []) if ev["address"] == contract]


def epoch_rows(rows, block):
    return [r for r in rows if r["kind"] == "event" and r["block"] == str(block)]


def check_mainnet_rows(rows, expected):
    shown = epoch_rows(rows, MAINNET_BLOCK)
    names = [r["event"] for r in shown]
    if names != [ev["_eventname"] for ev in expected]:
        raise Failure(f"block {MAINNET_BLOCK}: page shows events {names}, "
                      f"expected {len(expected)} x {expected[0]['_eventname']}")
    for i, (row, ev) in enumerate(zip(shown, expected)):
        params = "".join(f"{p['vname']} {p['value']}" for p in ev["params"])
        if row["cells"][1] != str(i + 1) or row["cells"][3] != ev["_eventname"] \
                or row["cells"][4] != params:
            raise Failure(f"block {MAINNET_BLOCK} row {i + 1} shows {row['cells']}, "
                          f"expected params {params}")
    header = [r for r in rows if r["kind"] == "epoch" and r["block"] == str(MAINNET_BLOCK)]
    if len(header) != 1 or f"{len(expected)} events" not in header[0]["cells"][0]:
        raise Failure(f"block {MAINNET_BLOCK}: epoch row is {header}")


def screenshot(dt, path):
    metrics = dt.call("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    clip = {"x": 0, "y": 0, "width": max(1280, size["width"]), "height": size["height"],
            "scale": 1}
    shot = dt.call("Page.captureScreenshot",
                   {"format": "png", "clip": clip, "captureBeyondViewport": True})
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def run(args, dt, page_url):
    target = next((t for t in dt.call("Target.getTargets", session=False)["targetInfos"]
                   if t["type"] == "page"), None)
    if not target:
        raise Failure("Chromium opened no page")
    dt.session = dt.call("Target.attachToTarget",
                         {"targetId": target["targetId"], "flatten": True},
                         session=False)["sessionId"]
    dt.call("Page.enable")
    dt.call("Runtime.enable")
    dt.call("Page.navigate", {"url": page_url})
    print(f"browser: opened {page_url}", flush=True)

    def subscribed():
        s = dt.evaluate(PAGE_STATE)
        if s and s["state"] in ("error", "closed"):
            raise Failure(f"page says: {s['status']}")
        return s and s["state"] == "subscribed"
    wait_for("the page to subscribe", subscribed)
    print("browser: page subscribed to NewBlock and EventLog", flush=True)

    if produce(args.lookup) != MAINNET_BLOCK:
        raise Failure(f"the first produced block is not {MAINNET_BLOCK}")
    wait_for(f"block {MAINNET_BLOCK} on the page",
             lambda: any(r["kind"] == "epoch" and r["block"] == str(MAINNET_BLOCK)
                         for r in dt.evaluate(PAGE_ROWS)))
    nxt = produce(args.lookup)
    wait_for(f"block {nxt} on the page",
             lambda: any(r["kind"] == "epoch" and r["block"] == str(nxt)
                         for r in dt.evaluate(PAGE_ROWS)))
    time.sleep(0.5)
    rows = dt.evaluate(PAGE_ROWS)
    state = dt.evaluate(PAGE_STATE)
    screenshot(dt, args.screenshot)
    print(f"browser: screenshot {args.screenshot}", flush=True)
    if not state or state["state"] != "subscribed":
        raise Failure(f"page says: {state and state['status']}")
    expected = expected_events(args.fixtures, args.contract)
    check_mainnet_rows(rows, expected)
    epochs = [r["block"] for r in rows if r["kind"] == "epoch"]
    if epochs != [str(nxt), str(MAINNET_BLOCK)]:
        raise Failure(f"page shows epochs {epochs}, expected [{nxt}, {MAINNET_BLOCK}]")
    print(f"browser: page shows block {MAINNET_BLOCK} with its {len(expected)} "
          f"{expected[0]['_eventname']} events in receipt order, then block {nxt} "
          f"with {len(epoch_rows(rows, nxt))}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("chromium", "zws", "lookup", "contract", "fixtures", "screenshot", "log"):
        p.add_argument(f"--{name}", required=True)
    for name in ("https-cert", "https-key", "trust-spki"):
        p.add_argument(f"--{name}")
    args = p.parse_args()

    with open(args.log, "wb") as log, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        # Chromium starts before the page server's thread: the child setup
        # between fork and exec must not run beside other threads.
        dt = DevTools(chromium_argv(args.chromium, profile, args.trust_spki), log)
        server = serve_page(args.https_cert, args.https_key)
        scheme = "https" if args.https_cert else "http"
        page_url = (f"{scheme}://127.0.0.1:{server.server_address[1]}/index.html"
                    f"?ws={args.zws}&contract={args.contract}")
        try:
            run(args, dt, page_url)
        except Failure as e:
            print(f"browser: FAIL: {e}", file=sys.stderr)
            try:
                screenshot(dt, args.screenshot)
                print(f"browser: screenshot of the failed page: {args.screenshot}", file=sys.stderr)
            except (Failure, OSError, KeyError):
                pass
            for line in dt.console:
                print(f"browser: page console: {line}", file=sys.stderr)
            return 1
        finally:
            dt.close()
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
