#!/usr/bin/env python3
"""summary.py -- medians and ratios of tests/bench/run.sh's runs.tsv

SYNOPSIS
    python3 tests/bench/summary.py runs.tsv

DESCRIPTION
    Groups the runs by transport, concurrency and milter, takes the
    median over the rounds of msg/s, p50 and p99 latency, CPU ms per
    message of the milter and of unbound ("dns ms"), and the largest
    peak RSS, then prints one table per
    transport with the ratios the targets are stated in: dmarcd and
    opendmarc msg/s over the null filter's, dmarcd over opendmarc for
    msg/s, CPU per message and p99.  Runs that failed or had errors are
    listed, not averaged.
"""
import statistics
import sys
from collections import defaultdict


def main():
    runs = defaultdict(list)
    bad = []
    for line in open(sys.argv[1]):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 12 or int(f[5]) != 0:
            bad.append(line.strip())
            if len(f) < 12:
                continue
        key = (f[2], int(f[3]), f[1])
        runs[key].append(dict(rate=float(f[7]), p50=float(f[8]),
                              p99=float(f[9]), cpu=float(f[10]),
                              hwm=int(f[11] or 0),
                              dns=float(f[12]) if len(f) > 12 else 0))
    med = {}
    for k, v in runs.items():
        med[k] = dict(n=len(v),
                      rate=statistics.median(x["rate"] for x in v),
                      p50=statistics.median(x["p50"] for x in v),
                      p99=statistics.median(x["p99"] for x in v),
                      cpu=statistics.median(x["cpu"] for x in v),
                      hwm=max(x["hwm"] for x in v),
                      dns=statistics.median(x["dns"] for x in v))
    milters = sorted({k[2] for k in med},
                     key=lambda m: ["dmarcd", "opendmarc", "null"].index(m)
                     if m in ("dmarcd", "opendmarc", "null") else 9)
    for t in sorted({k[0] for k in med}, reverse=True):
        print("\n== %s socket: medians of %d rounds" % (
            t, min(med[k]["n"] for k in med if k[0] == t)))
        print("%-4s %-10s %9s %8s %8s %8s %8s %8s" % (
            "c", "milter", "msg/s", "p50 ms", "p99 ms", "cpu ms", "RSS MB",
            "dns ms"))
        for c in sorted({k[1] for k in med if k[0] == t}):
            for m in milters:
                x = med.get((t, c, m))
                if x:
                    print("%-4d %-10s %9.1f %8.3f %8.3f %8.4f %8.1f %8.4f"
                          % (c, m, x["rate"], x["p50"], x["p99"], x["cpu"],
                             x["hwm"] / 1024, x["dns"]))
            d, o, z = (med.get((t, c, m)) for m in
                       ("dmarcd", "opendmarc", "null"))
            r = []
            if d and z:
                r.append("dmarcd/null %.2f" % (d["rate"] / z["rate"]))
            if o and z:
                r.append("opendmarc/null %.2f" % (o["rate"] / z["rate"]))
            if d and o:
                r.append("dmarcd/opendmarc %.2fx msg/s, cpu %.2f, p99 %.2f"
                         % (d["rate"] / o["rate"], d["cpu"] / o["cpu"]
                            if o["cpu"] else 0, d["p99"] / o["p99"]
                            if o["p99"] else 0))
            if r:
                print("     ratios: " + "; ".join(r))
    if bad:
        print("\nruns with errors or failures:")
        for b in bad:
            print("  " + b)


if __name__ == "__main__":
    main()
