#!/usr/bin/env python3
"""vdiff.py -- compare two milterload verdict dumps (-o) message by message

SYNOPSIS
    python3 tests/bench/vdiff.py A.dump B.dump

DESCRIPTION
    Reduces each message to its verdict (deliver, quarantine, reject,
    tempfail, ...) and the dmarc= result of the Authentication-Results
    field it added (or "-"), then prints how many messages agree, a
    table of the disagreements by corpus kind (the id suffix of
    gencorpus.py: m000123.spoof) and A's and B's outcome, and up to three
    example ids with both full lines per row.
"""
import re
import sys
from collections import defaultdict

DMARC = re.compile(r"dmarc=([a-z]+)")


def load(path):
    """id -> (short outcome, full line)"""
    out = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.rstrip("\n").split("\t")
        ar = [x for x in f[3:] if "Authentication-Results:" in x]
        m = DMARC.search(ar[0]) if ar else None
        out[f[0]] = ("%s/%s" % (f[1], m.group(1) if m else "-"), line)
    return out


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    ids = sorted(set(a) & set(b))
    same = sum(1 for i in ids if a[i][0] == b[i][0])
    print("%d messages in both, %d agree, %d differ (A=%s, B=%s)"
          % (len(ids), same, len(ids) - same, sys.argv[1], sys.argv[2]))
    rows = defaultdict(list)
    for i in ids:
        if a[i][0] != b[i][0]:
            kind = i.split(".", 1)[1] if "." in i else "-"
            rows[(kind, a[i][0], b[i][0])].append(i)
    print("\n%6s  %-12s %-22s %-22s" % ("count", "kind", "A", "B"))
    for k, v in sorted(rows.items(), key=lambda kv: -len(kv[1])):
        print("%6d  %-12s %-22s %-22s" % (len(v), k[0], k[1], k[2]))
    print("\nexamples:")
    for k, v in sorted(rows.items(), key=lambda kv: -len(kv[1])):
        for i in v[:3]:
            print("A " + a[i][1].rstrip("\n"))
            print("B " + b[i][1].rstrip("\n"))
        print()


if __name__ == "__main__":
    main()
