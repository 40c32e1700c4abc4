#!/usr/bin/env python3
"""Drives headless Chromium through the page in this folder, the way a user
of a dApp frontend would meet ZWS: serves index.html on 127.0.0.1, opens it
with the zws URL and the contract in the query string, waits until the page
says it subscribed, makes the fake lookup produce mainnet block 692365 and
then one more block, reads the event table the page shows and saves a
screenshot. Talks to Chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe, tests/browser/devtools.py), so it needs nothing beyond Python's standard
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
import json
import os
import sys
import tempfile
import time
import urllib.request

from devtools import WAIT_S, DevTools, Failure, chromium_argv, screenshot, serve_directory

HERE = os.path.dirname(os.path.abspath(__file__))
MAINNET_BLOCK = 692365


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


def run(args, dt, page_url):
    dt.attach_page()
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
        server = serve_directory(HERE, args.https_cert, args.https_key)
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
