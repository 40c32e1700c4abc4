#!/usr/bin/env python3
"""Opens zws's live status page (GET / on the zws port) in headless
Chromium while blocks flow, the way an operator's dashboard shows it: waits
until the page shows a block, takes a screenshot, has the fake lookup
produce more blocks, waits until the page shows a later block without being
reloaded, takes a second screenshot, and checks what the page shows (the
block moved, the recent-blocks table and the fan-out chart follow, the
NewBlock client the test runs is counted, every
request went to zws itself). Uses drive.py's DevTools pipe.

usage: status_page.py --chromium PATH --page http://127.0.0.1:PORT/
                      --lookup http://... --shots PREFIX --log FILE
Prints one line per step and the screenshots' paths; exits 1 with the
reason when a check fails."""

import argparse
import sys
import tempfile
import time

from devtools import DevTools, Failure, chromium_argv, screenshot
from drive import produce, wait_for

PAGE = """document.getElementById('block') ? {
  block: document.getElementById('block').textContent.replace(/,/g, ''),
  status: document.getElementById('status').textContent,
  rows: Array.from(document.querySelectorAll('#recent tbody tr')).map(r => r.cells[0].textContent.replace(/,/g, '')),
  bars: document.querySelectorAll('#chart rect').length,
  workers: document.querySelectorAll('#per-worker tbody tr').length,
  postgres: document.getElementById('postgres').textContent,
  connections: document.getElementById('connections').textContent,
  foreign: performance.getEntriesByType('resource').map(e => e.name)
    .filter(u => !u.startsWith(location.origin)),
} : null"""


def shown(dt):
    s = dt.evaluate(PAGE)
    return s if s and s["block"].isdigit() else None


def run(args, dt):
    dt.attach_page()
    dt.call("Page.navigate", {"url": args.page})
    print(f"status page: opened {args.page}", flush=True)

    first_block = produce(args.lookup)
    first = wait_for(f"block {first_block} on the page",
                     lambda: (s := shown(dt)) and int(s["block"]) >= first_block and s)
    shot1 = f"{args.shots}-1.png"
    screenshot(dt, shot1)
    print(f"status page: shows block {first['block']}; screenshot {shot1}", flush=True)

    for _ in range(3):
        last_block = produce(args.lookup)
        time.sleep(0.3)
    second = wait_for(f"block {last_block} on the page",
                      lambda: (s := shown(dt)) and int(s["block"]) >= last_block and s)
    time.sleep(1.2)  # one more poll, so the chart and table are drawn
    second = shown(dt)
    shot2 = f"{args.shots}-2.png"
    screenshot(dt, shot2)
    print(f"status page: shows block {second['block']}; screenshot {shot2}", flush=True)

    if int(second["block"]) <= int(first["block"]):
        raise Failure(f"the block shown did not move: {first['block']} then {second['block']}")
    if second["rows"][:4] != [str(n) for n in range(last_block, last_block - 4, -1)]:
        raise Failure(f"recent blocks table shows {second['rows'][:4]}")
    if second["bars"] < 4:
        raise Failure(f"the fan-out chart has {second['bars']} bars")
    if (second["status"] != "healthy" or second["postgres"] != "up" or second["workers"] != 1
            or second["connections"] != "1"):
        raise Failure(f"page shows {second}")
    if second["foreign"]:
        raise Failure(f"the page loaded from elsewhere: {second['foreign']}")
    print(f"status page: block moved {first['block']} -> {second['block']} without a reload; "
          f"{len(second['rows'])} recent blocks, {second['bars']} chart bars", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("chromium", "page", "lookup", "shots", "log"):
        p.add_argument(f"--{name}", required=True)
    args = p.parse_args()
    with open(args.log, "wb") as log, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        dt = DevTools(chromium_argv(args.chromium, profile), log)
        try:
            run(args, dt)
        except Failure as e:
            print(f"status page: FAIL: {e}", file=sys.stderr)
            for line in dt.console:
                print(f"status page: page console: {line}", file=sys.stderr)
            return 1
        finally:
            dt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
