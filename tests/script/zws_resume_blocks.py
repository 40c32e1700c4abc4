#!/usr/bin/env python3
"""Block numbers of the notifications zws-cat printed (one per line), in
order: blockNum when the notification carries it (after Resume), else the
NewBlock value's TxBlock header. Usage: zws_resume_blocks.py FILE...
Prints one number per line; lines that are not notifications are skipped."""
import json
import os
import sys


def main():
    for path in sys.argv[1:]:
        blocks(path)


def blocks(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if not isinstance(m, dict) or m.get("type") != "Notification":
                continue
            if "blockNum" in m:
                print(m["blockNum"])
                continue
            for v in m.get("values", []):
                if v.get("query") == "NewBlock":
                    print(v["value"]["TxBlock"]["header"]["BlockNum"])


try:
    main()
    sys.stdout.flush()
except BrokenPipeError:  # a reader such as head(1) took what it needed
    os._exit(0)
