#!/usr/bin/env python3
# genhist.py -- history files for the dmarc-reports tests and benchmark
#
# SYNOPSIS
#	genhist.py scenario DAY0 HISTORY EXPECT.json
#	genhist.py bulk DAY0 MESSAGES DOMAINS HISTORY
#
# DESCRIPTION
#	scenario writes the fixed cases of tests/reports/reports.sh (see
#	tests/reports/data/reports.zone for the DNS side): policy domains
#	a..i, n and o.example.com, messages on DAY0 (a UTC midnight), the
#	day after and the day after that, and EXPECT.json with the number
#	of messages each report must count: {domain: {window_begin: n}}
#	for daily windows (tempfailed transactions are not counted).
#
#	bulk writes MESSAGES records spread over DOMAINS policy domains
#	(rua mailto:agg@<domain>) and one day from DAY0, for timing.
#
#	Records are dmarcd's history format (OpenDMARC's keys, then
#	dmarcd's extension keys) except for o.example.com, which is
#	written as OpenDMARC 1.4.2 writes it.
import json
import random
import sys

DAY = 86400


def record(out, job, t, ip, frm, mfrom, pdomain, rua, *, dkim=(),
           spf=0, scope=1, policy=15, p=114, sp=0, adkim=114, aspf=114,
           align_dkim=4, align_spf=4, action=2, disposition="none",
           reasons=(), discovery="treewalk", spf_domain=None, ext=True,
           np=0, t_flag=0, arc_policy=2, arc_json="[]"):
    w = out.write
    w(f"job {job}\nreporter mx.receiver.example\nreceived {t}\n")
    w(f"ipaddr {ip}\nfrom {frm}\nmfrom {mfrom}\n")
    for d, s, r in dkim:
        w(f"dkim {d} {s} {r}\n")
    w(f"spf {spf}\nspf_scope {scope}\npdomain {pdomain}\npolicy {policy}\n")
    for u in (rua or ["-"]):
        w(f"rua {u}\n")
    w(f"pct 100\nadkim {adkim}\naspf {aspf}\np {p}\nsp {sp}\nfo 1\n")
    w(f"align_dkim {align_dkim}\nalign_spf {align_spf}\narc 7\n")
    w(f"arc_policy {arc_policy} json:{arc_json}\naction {action}\n")
    if not ext:
        return
    w(f"dmarc {'pass' if policy == 15 else 'fail'}\n")
    w(f"disposition {disposition}\n")
    for r in reasons:
        w(f"reason {r}\n")
    if np:
        w(f"np {np}\n")
    w(f"t {t_flag}\ndiscovery {discovery}\n")
    w(f"spf_domain {spf_domain or mfrom or frm}\nprofile rfc9989\n")


class Scenario:
    def __init__(self, day0, out):
        self.day0, self.out, self.n = day0, out, 0
        self.expect = {}

    def msg(self, day, pdomain, rua, counted=True, **kw):
        self.n += 1
        t = self.day0 + day * DAY + 600 + self.n * 7
        frm = kw.pop("frm", pdomain)
        mfrom = kw.pop("mfrom", frm)
        ip = kw.pop("ip", "192.0.2.%d" % (self.n % 200 + 1))
        record(self.out, "J%05d" % self.n, t, ip, frm, mfrom, pdomain, rua,
               **kw)
        if counted and rua:
            w = str(self.day0 + day * DAY)
            self.expect.setdefault(pdomain, {}).setdefault(w, 0)
            self.expect[pdomain][w] += 1


def scenario(day0, hist, expect):
    with open(hist, "w") as out:
        s = Scenario(day0, out)
        a = ["mailto:agg@a.example.com"]
        for i in range(5):
            s.msg(0, "a.example.com", a, ip="192.0.2.1",
                  dkim=[("a.example.com", "sel1", 0)], disposition="pass",
                  p=113)
        for i in range(3):
            s.msg(0, "a.example.com", a, frm="sub1.a.example.com",
                  ip="192.0.2.2", policy=17, align_dkim=5, align_spf=5,
                  spf=7, action=4, disposition="quarantine", p=113)
        for i in range(2):
            s.msg(0, "a.example.com", a, frm="sub2.a.example.com",
                  ip="2001:db8::5", dkim=[("sub2.a.example.com", "s1", 0),
                                          ("other.example.net", "x", 7)])
        s.msg(0, "a.example.com", a, counted=False, action=3)
        for i in range(4):
            s.msg(1, "a.example.com", a, ip="192.0.2.1")
        s.msg(2, "a.example.com", a, ip="192.0.2.1")
        ext = ["mailto:agg@reports.example.net"]
        for i in range(3):
            s.msg(0, "b.example.com", ext)
        for i in range(2):
            s.msg(0, "c.example.com", ext)
        for i in range(20):
            s.msg(0, "d.example.com", ["mailto:agg@d.example.com!1k"],
                  ip="198.51.100.%d" % (i + 1))
        for i in range(2):
            s.msg(0, "e.example.com", ["mailto:dmarc@e.example.com"])
        for i in range(2):
            s.msg(0, "f.example.com", ["https://r.example.com/x",
                                       "mailto:agg@f.example.com"])
        for i in range(2):
            s.msg(0, "g.example.com", ["mailto:agg@reports.example.org"])
        s.msg(0, "i.example.com", ["mailto:agg@reports.example.org"])
        h = ["mailto:agg@h.example.com"]
        s.msg(0, "h.example.com", h, dkim=[("h.example.com", "s<&>\"1", 0)])
        s.msg(0, "h.example.com", h, mfrom="", scope=2,
              spf_domain="helo.h.example.com", spf=6, align_spf=5,
              reasons=["local_policy", "policy_test_mode"], t_flag=1)
        s.msg(0, "h.example.com", h, frm="x.h.example.com", np=114)
        for i in range(2):
            s.msg(0, "o.example.com", ["mailto:agg@o.example.com"],
                  ext=False, policy=16, align_dkim=5, align_spf=5, spf=7,
                  p=114)
        s.msg(0, "o.example.com", ["mailto:agg@o.example.com"], ext=False,
              arc_policy=0, policy=16, align_dkim=5, align_spf=5, p=114,
              arc_json='[{ "i": 1, "d":"fwd.example", "s":"s1", '
                       '"ip":"192.0.2.44" }]')
        for i in range(2):  # last: a dmarcd record ends the file
            s.msg(0, "n.example.com", None, policy=14, p=0)
    with open(expect, "w") as f:
        json.dump(s.expect, f, indent=1, sort_keys=True)


def bulk(day0, nmsg, ndom, hist):
    rnd = random.Random(1)
    with open(hist, "w") as out:
        for i in range(nmsg):
            d = "d%05d.example.com" % rnd.randrange(ndom)
            frm = d if rnd.random() < 0.8 else "m%d.%s" % (rnd.randrange(3), d)
            ok = rnd.random() < 0.7
            record(out, "B%07d" % i, day0 + rnd.randrange(DAY),
                   "10.%d.%d.%d" % (rnd.randrange(4), rnd.randrange(256),
                                    rnd.randrange(1, 255)),
                   frm, frm, d, ["mailto:agg@%s" % d],
                   dkim=[(d, "s%d" % rnd.randrange(2), 0 if ok else 7)],
                   policy=15 if ok else 18, p=110,
                   align_dkim=4 if ok else 5, align_spf=4 if ok else 5,
                   spf=0 if ok else 7, disposition="none")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "scenario":
        scenario(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 6 and sys.argv[1] == "bulk":
        bulk(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
             sys.argv[5])
    else:
        sys.exit(__doc__ if __doc__ else "usage: see the file header")


main()
