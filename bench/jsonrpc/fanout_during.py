#!/usr/bin/env python3
"""zws's own fan-out figures between two scrapes of its /metrics: the
blocks pushed, and for the NOTIFY -> end of fan-out time
(zws_notify_to_send_seconds) and the fan-out pass alone
(zws_fanout_duration_seconds) the mean and the bucket bounds that hold
the median and the 99th percentile. Prints one JSON object.
    fanout_during.py BEFORE AFTER"""

import json
import re
import sys


def histograms(path):
    out = {}
    for line in open(path):
        m = re.match(r'(zws_\w+)_(bucket|sum|count)(?:\{le="([^"]+)"\})? (\S+)', line)
        if not m:
            continue
        name, part, le, value = m.group(1), m.group(2), m.group(3), float(m.group(4))
        h = out.setdefault(name, {"buckets": {}, "sum": 0.0, "count": 0.0})
        if part == "bucket":
            h["buckets"][le] = value
        else:
            h[part] = value
    return out


def delta(before, after, name):
    a, b = after[name], before.get(name, {"buckets": {}, "sum": 0.0, "count": 0.0})
    count = a["count"] - b["count"]
    res = {"blocks": int(count), "mean_ms": None, "p50_le_ms": None, "p99_le_ms": None}
    if count <= 0:
        return res
    res["mean_ms"] = round((a["sum"] - b["sum"]) / count * 1000, 1)
    bounds = sorted(a["buckets"], key=lambda le: float("inf") if le == "+Inf" else float(le))
    for q, key in ((0.5, "p50_le_ms"), (0.99, "p99_le_ms")):
        for le in bounds:
            if a["buckets"][le] - b["buckets"].get(le, 0.0) >= q * count:
                res[key] = "inf" if le == "+Inf" else round(float(le) * 1000, 3)
                break
    return res


before, after = histograms(sys.argv[1]), histograms(sys.argv[2])
print(json.dumps({"notify_to_send": delta(before, after, "zws_notify_to_send_seconds"),
                  "fanout": delta(before, after, "zws_fanout_duration_seconds")}))
