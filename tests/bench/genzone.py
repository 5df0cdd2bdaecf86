#!/usr/bin/env python3
"""genzone.py -- the benchmark's DNS: ~1,000 generated domains for unbound

SYNOPSIS
    python3 tests/bench/genzone.py [-f] [-n DOMAINS] OUTDIR

DESCRIPTION
    Writes, for the bench unbound (tests/bench/run.sh) and both milters:

      OUTDIR/zone.conf   unbound "server:" lines: local-zone "test." static
                         and local-data for every domain
      OUTDIR/bench.psl   a public suffix list with "test" and "co.test", so
                         dmarcd and OpenDMARC find the same organizational
                         domains (PublicSuffixList in both configurations)
      OUTDIR/domains.txt one line per domain: name, kind, DMARC record

    Domain i is d0000.test .. d0999.test (every 50th under co.test, a
    two-label public suffix).  Its kind, and so its records, depend only
    on i (see KINDS): p=reject / quarantine / none, strict alignment,
    sp= and np= for subdomains, no record, two records, a broken record.
    Each domain has an A and an MX record and a "mail." host; _dmarc TXT
    as its kind says.  gencorpus.py imports domain() to write messages
    whose verdicts follow from these records.

    -f (soak.sh -a) adds "ruf=mailto:ruf@<domain>" to every record that
    has a rua tag, so failing mail makes failure reports, and an SPF
    record "v=spf1 ip4:198.51.100.0/24 -all" to every domain, for
    SPFSelfValidate.  Without it the zone is the benchmark's, unchanged.
"""
import os
import sys

# kind by i % 20: name -> DMARC TXT strings (None: no record)
KINDS = [
    ("reject", ["v=DMARC1; p=reject; rua=mailto:dmarc@{d}"]),
    ("reject", ["v=DMARC1; p=reject"]),
    ("reject-strict", ["v=DMARC1; p=reject; adkim=s; aspf=s"]),
    ("quarantine", ["v=DMARC1; p=quarantine; rua=mailto:dmarc@{d}"]),
    ("quarantine", ["v=DMARC1; p=quarantine"]),
    ("none", ["v=DMARC1; p=none; rua=mailto:dmarc@{d}"]),
    ("none", ["v=DMARC1; p=none"]),
    ("reject-sp-none", ["v=DMARC1; p=reject; sp=none"]),
    ("quarantine-sp-reject", ["v=DMARC1; p=quarantine; sp=reject"]),
    ("norecord", None),
    ("reject", ["v=DMARC1; p=reject; fo=1"]),
    ("reject-np", ["v=DMARC1; p=reject; sp=quarantine; np=reject"]),
    ("none", ["v=DMARC1; p=none; pct=100"]),
    ("quarantine-strict", ["v=DMARC1; p=quarantine; adkim=s"]),
    ("norecord", None),
    ("reject", ["v=DMARC1; p=reject; pct=100"]),
    ("two-records", ["v=DMARC1; p=reject", "v=DMARC1; p=none"]),
    ("broken", ["v=DMARC1; p=rejectt"]),
    ("none-spf-strict", ["v=DMARC1; p=none; aspf=s"]),
    ("reject", ["v=DMARC1;p=reject;rua=mailto:a@{d},mailto:b@{d}"]),
]


def domain(i):
    """(name, kind, [TXT strings] or None) of domain number i"""
    suffix = "co.test" if i % 50 == 49 else "test"
    name = "d%04d.%s" % (i, suffix)
    kind, recs = KINDS[i % len(KINDS)]
    if recs is not None:
        recs = [r.replace("{d}", name) for r in recs]
    return name, kind, recs


def txt(s):
    """one TXT string in unbound local-data syntax"""
    return '"' + s.replace('"', '\\"') + '"'


def main():
    args = sys.argv[1:]
    n, ruf = 1000, False
    if args and args[0] == "-f":
        ruf, args = True, args[1:]
    if len(args) == 3 and args[0] == "-n":
        n = int(args[1])
        args = args[2:]
    if len(args) != 1:
        sys.exit("usage: genzone.py [-f] [-n DOMAINS] OUTDIR")
    out = args[0]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "bench.psl"), "w") as f:
        f.write("// bench public suffix list\ntest\nco.test\n")
    with open(os.path.join(out, "zone.conf"), "w") as z, \
            open(os.path.join(out, "domains.txt"), "w") as d:
        z.write('\tlocal-zone: "test." static\n')
        z.write('\tlocal-data: "test. 3600 IN SOA ns.test. h.test. '
                '1 3600 600 86400 3600"\n')
        for i in range(n):
            name, kind, recs = domain(i)
            z.write('\tlocal-data: "%s. 3600 IN A 192.0.2.%d"\n'
                    % (name, 1 + i % 250))
            z.write('\tlocal-data: "%s. 3600 IN MX 10 mail.%s."\n'
                    % (name, name))
            z.write('\tlocal-data: "mail.%s. 3600 IN A 192.0.2.%d"\n'
                    % (name, 1 + i % 250))
            z.write('\tlocal-data: "news.%s. 3600 IN A 192.0.2.%d"\n'
                    % (name, 1 + i % 250))
            if ruf:
                recs = [r + "; ruf=mailto:ruf@" + name if "rua=" in r
                        else r for r in recs or []]
                z.write("\tlocal-data: '%s. 3600 IN TXT %s'\n"
                        % (name, txt("v=spf1 ip4:198.51.100.0/24 -all")))
            for r in recs or []:
                z.write("\tlocal-data: '_dmarc.%s. 3600 IN TXT %s'\n"
                        % (name, txt(r)))
            d.write("%s\t%s\t%s\n" % (name, kind,
                                      " | ".join(recs or ["-"])))


if __name__ == "__main__":
    main()
