#!/usr/bin/env python3
# html-check.py -- the checks of tests/ingest/html.sh on the pages it had
# dmarc-ingest write (see html-gen.py for what was ingested)
#
# usage: html-check.py TMPDIR "LABEL..." "SCREENSHOT.png..."
import html.parser
import os
import struct
import sys
import zlib

tmp, labels, shots = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
n = {"p": 0, "f": 0}
HOSTILE = "Big <b>Receiver</b> & Co"
SPOOF = "spf fail (spoof<script>.example), dkim fail (evil.example)"


def check(ok, what, detail=""):
    n["p" if ok else "f"] += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n["p"] + n["f"], what))
    if not ok and detail:
        print("#   " + str(detail)[:600])


class Page(html.parser.HTMLParser):
    """A page as sections (per h2) of summary lines and tables."""
    VOID = ("meta", "br", "rect", "polyline")

    def __init__(self, raw):
        super().__init__()
        self.raw, self.stack, self.bad, self.urls, self.hrefs = raw, [], [], [], []
        self.tags, self.sections, self.top = [], [], {"name": "", "p": {}, "t": {}}
        self.sec, self.text, self.table, self.row = self.top, None, None, None
        self.feed(raw)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k, v in attrs:
            if k == "src" or (v and "url(" in v):
                self.urls.append((tag, k, v))
            if k == "href":
                self.hrefs.append(v)
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "h2":
            self.sec = {"name": "", "p": {}, "t": {}}
            self.sections.append(self.sec)
            self.text = [self.sec, "name"]
        elif tag == "p" and "class" in a:
            self.sec["p"][a["class"]] = ""
            self.text = [self.sec["p"], a["class"]]
        elif tag == "table":
            self.table = self.sec["t"].setdefault(a.get("class", ""), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.row.append("")
            self.text = [self.row, len(self.row) - 1]

    def handle_endtag(self, tag):
        if tag in ("h2", "p", "td", "th"):
            self.text = None
        if tag == "table":
            self.table = self.row = None
        if tag in self.VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(tag)

    def handle_data(self, data):
        if self.text is not None:
            self.text[0][self.text[1]] += data

    def section(self, name):
        for s in self.sections:
            if s["name"] == name:
                return s
        return {"name": name, "p": {}, "t": {}}


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return Page(f.read())
    except OSError as e:
        return Page("<!-- %s -->" % e)


def files(d):
    try:
        return sorted(os.listdir(d))
    except OSError:
        return []


def summary(page, dom):
    return page.section(dom)["p"].get("summary", "")


def rows(page, dom, table):
    return page.section(dom)["t"].get(table, [])[1:]


def sane(label, d):
    """Every page: balanced, self-contained, links only to pages here."""
    bad = []
    for f in files(d):
        p = load(os.path.join(d, f))
        body = p.raw.lower()
        if p.bad or p.stack:
            bad.append("%s: unbalanced %r" % (f, p.bad[:3] or p.stack[-3:]))
        if p.urls or "@import" in body or "<script" in body or "<link" in body:
            bad.append("%s: external resource %r" % (f, p.urls[:2]))
        for h in p.hrefs:
            if "/" in h or ":" in h or h not in files(d):
                bad.append("%s: link %r" % (f, h))
        if "svg" not in p.tags:
            bad.append("%s: no SVG chart" % f)
    check(not bad and files(d), "%s: every page well-formed, self-contained "
          "(no script, src, url(), @import, link), inline SVG, links only "
          "to its pages" % label, bad[:3])


def backend(label, rc):
    for what in ("first-run", "second-run", "html-only", "week"):
        check(rc.get((label, what)) == "0", "%s: %s exits 0" % (label, what),
              rc.get((label, what)))
    m = os.path.join(tmp, label + "-month")
    check(files(m) == ["2026-01.html", "2026-02.html", "index.html"],
          "%s: month pages 2026-01, 2026-02 and the index" % label, files(m))
    sane(label + " month", m)
    jan, feb = load(m + "/2026-01.html"), load(m + "/2026-02.html")
    check(summary(jan, "example.com").startswith(
          "1 aggregate reports, 140 messages, 71.4% pass DMARC"),
          "%s: January from the first run's report (everything stored): "
          "1 report, 140 messages, 71.4%% pass" % label,
          summary(jan, "example.com"))
    check(summary(feb, "example.com").startswith(
          "2 aggregate reports, 75 messages, 86.7% pass DMARC") and
          summary(feb, "example.com").endswith("1 failure reports"),
          "%s: February: 2 reports (one 22:00-22:00), 75 messages, 86.7%% "
          "pass, 1 failure report" % label, summary(feb, "example.com"))
    src = rows(jan, "example.com", "sources")
    check(["sender.example", "100", "100.0%", "DE", ""] in src,
          "%s: two hosts grouped under their reverse-DNS base domain" % label,
          src)
    check(["spoofer.example", "40", "0.0%", "US", SPOOF] in src,
          "%s: failing source group with its SPF and DKIM detail" % label, src)
    fs = rows(jan, "example.com", "failing")
    check(["198.51.100.7", "mail.spoofer.example", "US", "40", "example.com",
           SPOOF, HOSTILE] in fs,
          "%s: failing source: address, PTR name, country, count, header "
          "From, SPF and DKIM, reporter" % label, fs)
    cc = jan.section("example.com")["p"].get("countries")
    check(cc == "Countries: DE 100, US 40", "%s: countries of the sources" %
          label, cc)
    hs = rows(jan, "evil<script>x</script>.example", "failing")
    check(len(hs) == 1 and hs[0][2] == "FR", "%s: registered country of a "
          "range without a country" % label, hs)
    orgs = rows(jan, "example.com", "orgs")
    check([HOSTILE, "1", "140", "71.4%"] in orgs, "%s: reporters" % label,
          orgs)
    check("spoof&lt;script&gt;.example" in jan.raw and
          "Big &lt;b&gt;Receiver&lt;/b&gt; &amp; Co" in jan.raw and
          "<h2>evil&lt;script&gt;x&lt;/script&gt;.example</h2>" in jan.raw and
          "<b>" not in jan.raw,
          "%s: hostile org, domain and auth domain escaped" % label)
    check(summary(jan, "evil<script>x</script>.example").startswith(
          "1 aggregate reports, 3 messages, 0.0% pass"),
          "%s: the hostile domain's own section" % label,
          summary(jan, "evil<script>x</script>.example"))
    sec = jan.section("example.com")
    check(sec["p"].get("tls") == "22 sessions, 2 failed" and
          ["certificate-expired", "2", "mx1.example.com"] in
          sec["t"].get("tls", []), "%s: TLS sessions and failure types" %
          label, (sec["p"].get("tls"), sec["t"].get("tls")))
    many = rows(jan, "many.example", "sources")
    check(len(many) == 101 and many[0][:2] == ["10.1.0.1", "1000"] and
          many[99][:2] == ["10.1.0.100", "901"] and
          many[100] == ["50 more sources", str(sum(range(851, 901))),
                        "100.0%"],
          "%s: 150 sources: the 100 largest listed, the rest summed" % label,
          many[98:])
    ruf = rows(feb, "example.com", "ruf")
    check(len(ruf) == 1 and ruf[0][0] == "2026-02-01T12:00:00Z" and
          ruf[0][1] == "198.51.100.7" and
          ruf[0][2] == "mail.spoofer.example" and ruf[0][3] == "US" and
          ruf[0][4] == "dmarc" and ruf[0][6] == "reject",
          "%s: failure report listed with its source's PTR name and "
          "country" % label, ruf)
    ix = load(m + "/index.html")
    per = rows(ix, "example.com", "periods")
    check(per == [["2026-02", "2", "75", "86.7%", "1", "0"],
                  ["2026-01", "1", "140", "71.4%", "0", "2"]],
          "%s: index: per month reports, messages, pass rate, failure "
          "reports, TLS failures" % label, per)
    check(sorted(set(ix.hrefs)) == ["2026-01.html", "2026-02.html"],
          "%s: index links each month" % label, ix.hrefs)
    d = os.path.join(tmp, label + "-day")
    check(files(d) == ["2026-01-31.html", "2026-02-01.html", "index.html"],
          "%s: day pages split at midnight UTC" % label, files(d))
    d31, d01 = load(d + "/2026-01-31.html"), load(d + "/2026-02-01.html")
    check(summary(d31, "example.com").startswith(
          "1 aggregate reports, 140 messages") and
          summary(d01, "example.com").startswith(
          "2 aggregate reports, 75 messages"),
          "%s: the 22:00-22:00 report lands on the day of its middle" % label,
          (summary(d31, "example.com"), summary(d01, "example.com")))
    check(all(s["name"] != "example.org" for s in d31.sections),
          "%s: a run with only --html did not read stdin" % label)
    w = os.path.join(tmp, label + "-week")
    check(files(w) == ["2026-W05.html", "index.html"],
          "%s: both days in ISO week 2026-W05" % label, files(w))
    check(summary(load(w + "/2026-W05.html"), "example.com").startswith(
          "3 aggregate reports, 215 messages, 76.7% pass DMARC"),
          "%s: week totals" % label,
          summary(load(w + "/2026-W05.html"), "example.com"))


def png_ok(path):
    png = open(path, "rb").read()
    ok = png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while ok and pos < len(png):
        ln, typ = struct.unpack(">I4s", png[pos:pos + 8])
        if typ == b"IHDR":
            w = struct.unpack(">I", png[pos + 8:pos + 12])[0]
        if typ == b"IDAT":
            idat += png[pos + 8:pos + 8 + ln]
        pos += 12 + ln
    raw = zlib.decompress(idat) if ok else b""
    return ok and w == 900, len(set(raw))


rc = {}
with open(os.path.join(tmp, "rc")) as f:
    for line in f:
        a, b, c = line.split()
        rc[(a, b)] = c
for label in labels:
    backend(label, rc)
if "mariadb" not in labels:
    print("ok %d # SKIP MariaDB not started" % (n["p"] + n["f"] + 1))
check(rc.get(("sqlite", "stdin-unread")) == "5",
      "sqlite: the report offered on stdin was not stored",
      rc.get(("sqlite", "stdin-unread")))
s = os.path.join(tmp, "scratch")
check(rc.get(("scratch", "run")) == "0" and
      files(s) == ["2026-02.html", "index.html"] and
      summary(load(s + "/2026-02.html"), "example.com").startswith(
          "1 aggregate reports, 70 messages, 85.7% pass"),
      "-n --html: this run's report only", (files(s), rc.get(("scratch", "run"))))
check(rc.get(("scratch", "leftovers")) == "0",
      "-n --html: the scratch database is removed")
e = load(os.path.join(tmp, "empty", "index.html"))
check(rc.get(("empty", "run")) == "0" and "No reports stored yet" in e.raw,
      "an empty database: an index saying so")
if not shots:
    print("ok %d # SKIP chromium not installed: no screenshot" %
          (n["p"] + n["f"] + 1))
for shot in shots:
    try:
        ok, distinct = png_ok(shot)
        check(ok and distinct > 16, "Chromium screenshot %s is a 900-px PNG "
              "and not blank (%d byte values)" % (os.path.basename(shot),
                                                  distinct))
    except (OSError, zlib.error, struct.error) as e:
        check(False, "Chromium screenshot %s" % os.path.basename(shot), e)
print("%d passed, %d failed" % (n["p"], n["f"]))
sys.exit(1 if n["f"] else 0)
