#!/usr/bin/env python3
"""The dApp client module in headless Chromium: serves the source tree on
127.0.0.1, opens tests/client_js/follow.html (which follows NewBlock on the
given zws through client/js/zws-client.js) and, until SIGTERM, copies each
block number the page processed to --out (one line each, the page's order),
creates --ready once the page says it subscribed and prints what the page's
client reports. Exits 1 when the page's client fails or Chromium goes away.
On SIGTERM it saves a screenshot and exits 0. Used by
tests/script/client_js_browser.sh with tests/client_js/chaos.bash.

usage: browser_follow.py --chromium PATH --root DIR --zws ws://...
                         --out FILE --ready FILE --screenshot FILE --log FILE"""

import argparse
import json
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from devtools import DevTools, Failure, chromium_argv, screenshot, serve_directory  # noqa: E402

POLL_S = 0.1
PAGE_STATE = """document.body ? {state: document.body.dataset.state || null,
  blocks: (window.followed || []).length, log: (window.followLog || []).length} : null"""

stopping = False


def on_sigterm(signum, frame):
    global stopping
    stopping = True


def follow(args, dt, page_url):
    dt.attach_page()
    dt.call("Page.navigate", {"url": page_url})
    print(f"browser: opened {page_url}", flush=True)
    copied = logged = 0
    with open(args.out, "a") as out:
        while not stopping:
            s = dt.evaluate(PAGE_STATE)
            # Both lists may have grown since PAGE_STATE was read.
            if s and s["log"] > logged:
                lines = dt.evaluate(f"window.followLog.slice({logged})")
                for line in lines:
                    print(f"page: {line}", flush=True)
                logged += len(lines)
            if s and s["blocks"] > copied:
                blocks = dt.evaluate(f"window.followed.slice({copied})")
                out.write("".join(f"{n}\n" for n in blocks))
                out.flush()
                copied += len(blocks)
            if s and s["state"] == "subscribed" and not os.path.exists(args.ready):
                open(args.ready, "w").close()
            if s and s["state"] == "failed":
                raise Failure("the page's client failed (see the page lines above)")
            time.sleep(POLL_S)
    print(f"browser: stopping after {copied} blocks", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("chromium", "root", "zws", "out", "ready", "screenshot", "log"):
        p.add_argument(f"--{name}", required=True)
    args = p.parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)

    with open(args.log, "wb") as log, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        # Chromium starts before the page server's thread: the child setup
        # between fork and exec must not run beside other threads.
        dt = DevTools(chromium_argv(args.chromium, profile), log)
        server = serve_directory(args.root)
        page_url = (f"http://127.0.0.1:{server.server_address[1]}/tests/client_js/follow.html"
                    f"?ws={args.zws}")
        status = 0
        try:
            follow(args, dt, page_url)
        except Failure as e:
            print(f"browser: FAIL: {e}", file=sys.stderr, flush=True)
            for line in dt.console:
                print(f"browser: page console: {line}", file=sys.stderr)
            status = 1
        try:
            screenshot(dt, args.screenshot)
            print(f"browser: screenshot {args.screenshot}", flush=True)
        except (Failure, OSError, KeyError, json.JSONDecodeError):
            pass
        dt.close()
        server.shutdown()
    return status


if __name__ == "__main__":
    sys.exit(main())
