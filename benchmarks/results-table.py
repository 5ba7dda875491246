#!/usr/bin/env python3
"""Renders JMH JSON results (benchmarks/results/*.json) as the Markdown tables of README.md.

usage: benchmarks/results-table.py benchmarks/results/get-t1.json [more.json ...]
"""
import json
import sys


def params(r):
    p = dict(r.get("params", {}))
    for k in ("entries", "valueSize"):
        p.pop(k, None)
    return ", ".join(f"{k}={v}" for k, v in sorted(p.items()))


def fmt(x):
    return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


def main(files):
    rows = []
    for f in files:
        for r in json.load(open(f)):
            pm = r["primaryMetric"]
            sm = r.get("secondaryMetrics", {})
            name = r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1]
            row = [name, params(r), str(r["threads"]), r["mode"],
                   f"{fmt(pm['score'])} ± {fmt(pm['scoreError'])} {pm['scoreUnit']}"
                   if pm["scoreError"] == pm["scoreError"] else f"{fmt(pm['score'])} {pm['scoreUnit']}"]
            pct = pm.get("scorePercentiles", {})
            if r["mode"] == "sample":
                row.append(" / ".join(fmt(pct[k]) for k in ("50.0", "99.0", "99.9")))
            else:
                row.append("")
            norm = sm.get("gc.alloc.rate.norm")
            row.append(f"{norm['score']:.2f}" if norm else "")
            rows.append(row)
    print("| benchmark | params | threads | mode | score | p50 / p99 / p99.9 (ns) | gc.alloc.rate.norm (B/op) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
