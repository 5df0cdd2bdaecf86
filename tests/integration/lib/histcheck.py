#!/usr/bin/env python3
"""histcheck.py -- a history file against milterload's verdict dump

SYNOPSIS
    python3 tests/integration/lib/histcheck.py HISTORY [DUMP [PREFIX]]

DESCRIPTION
    Reads a dmarcd history file (compat 3.1: records of "key value" lines,
    each starting with "job") and prints "name value" lines:

      records      number of records ("job" lines)
      complete     records with an "action" line and, when they have
                   dmarcd's extension keys, a "profile" line, that end
                   in a newline (the last record needs "profile" when an
                   earlier one had extension keys: dmarc-import's rule)
      torn_last    1 when the last record is not complete
      torn_mid     records other than the last that are not complete
      torn_job     job id of the last incomplete record ("-": none)
      badlines     lines that are not "key value" (a lower-case key,
                   then a space or the end), blank lines included
      nonl         1 when the file does not end in a newline
      jobs_PREFIX  complete records whose job id starts with PREFIX

    With DUMP (milterload -o) it also matches messages to records by the
    job id dmarcd puts in the DMARC-Filter field (SoftwareHeader on):

      answered     messages whose final reply came at end of message
                   carrying a DMARC-Filter field whose job id starts
                   with PREFIX (default: any)
      noid         messages answered at end of message without one
      missing      answered messages without a complete record
      unanswered   complete records (job id with PREFIX) of no answered
                   message: in flight when dmarcd was killed
      errors       messages that got no verdict (verdict "error")

    and the first missing job ids as "missing_job ID" lines.
"""
import re
import sys

KEYLINE = re.compile(rb"^[a-z_]+( |$)")
EXT = {b"dmarc", b"disposition", b"reason", b"np", b"psd", b"t",
       b"discovery", b"spf_domain", b"profile", b"from_all"}


def records(data):
    """(job, complete) per record; count of bad lines"""
    out, bad, cur = [], 0, None
    lines = data.split(b"\n")
    last = lines.pop()          # after the final newline: b"" if whole
    for ln in lines:
        if not KEYLINE.match(ln):
            bad += 1
            continue
        key = ln.split(b" ", 1)[0]
        if key == b"job":
            cur = {"job": ln[4:].decode("ascii", "replace"), "keys": set()}
            out.append(cur)
        elif cur is not None:
            cur["keys"].add(key)
    if last:
        bad += 0 if KEYLINE.match(last) else 1
        if last.startswith(b"job ") and last != b"job ":
            out.append({"job": last[4:].decode("ascii", "replace"),
                        "keys": set(), "cut": True})
        elif cur is not None:
            cur["cut"] = True
    res, seen_ext = [], False
    for i, r in enumerate(out):
        ext = bool(r["keys"] & EXT)
        # the last record, as dmarc-import sees it: extension keys in
        # an earlier record mean this one needs them too
        need = ext or (seen_ext and i == len(out) - 1)
        ok = (b"action" in r["keys"] and not r.get("cut")
              and (not need or b"profile" in r["keys"]))
        seen_ext = seen_ext or (ok and ext)
        res.append((r["job"], ok))
    return res, bad


def answered(dump, prefix):
    """job ids answered at end of message; count without id; errors"""
    jobs, noid, errors = [], 0, 0
    with open(dump, "rb") as f:
        for ln in f:
            fld = ln.rstrip(b"\n").split(b"\t")
            if len(fld) < 3:
                continue
            if fld[1] == b"error":
                errors += 1
                continue
            if fld[2] != b"eom":
                continue
            job = None
            for m in fld[3:]:
                if m.startswith(b"insheader 0 DMARC-Filter:"):
                    job = m.split()[-1].decode("ascii", "replace")
            if job is None:
                noid += 1
            elif job.startswith(prefix):
                jobs.append(job)
    return jobs, noid, errors


def main():
    if len(sys.argv) not in (2, 3, 4):
        sys.exit("usage: histcheck.py HISTORY [DUMP [PREFIX]]")
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    recs, bad = records(data)
    done = [j for j, ok in recs if ok]
    print("records", len(recs))
    print("complete", len(done))
    print("torn_last", int(bool(recs) and not recs[-1][1]))
    print("torn_mid", sum(1 for j, ok in recs[:-1] if not ok))
    torn = [j for j, ok in recs if not ok]
    print("torn_job", torn[-1] if torn else "-")
    print("badlines", bad)
    print("nonl", int(bool(data) and not data.endswith(b"\n")))
    prefix = sys.argv[3] if len(sys.argv) == 4 else ""
    mine = [j for j in done if j.startswith(prefix)]
    if prefix:
        print("jobs_" + prefix, len(mine))
    if len(sys.argv) < 3:
        return
    jobs, noid, errors = answered(sys.argv[2], prefix)
    have, ans = set(mine), set(jobs)
    miss = [j for j in jobs if j not in have]
    print("answered", len(jobs))
    print("noid", noid)
    print("missing", len(miss))
    print("unanswered", sum(1 for j in mine if j not in ans))
    print("errors", errors)
    for j in miss[:10]:
        print("missing_job", j)


if __name__ == "__main__":
    main()
