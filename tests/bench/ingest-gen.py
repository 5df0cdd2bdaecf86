#!/usr/bin/env python3
# ingest-gen.py -- a reproducible set of realistic received reports for
# tests/bench/ingest-bench.sh
#
# SYNOPSIS
#	ingest-gen.py DIR [N] [SEED]
#	ingest-gen.py --large DIR [RECORDS ...]
#
# DESCRIPTION
#	N (default 3000) inputs shaped like what big receivers send: Google
#	zip (1-6 records, IPv4 and IPv6, local_policy overrides), Yahoo gzip
#	(1-3 records), Outlook plain XML with xsi noise and envelope_to,
#	GMX RFC 9990 in the dmarc-2.0 namespace, report mail with a base64
#	gzip attachment (10 %), TLS-RPT JSON gzip (5 %), and a few very large
#	reports (4 of 20000-50000 records, as in parsedmarc #107).  Every
#	report id is unique, so storing them all is real work.  Prints the
#	number of reports and records made.
#
#	--large writes one Google-shaped gzip report per RECORDS count
#	(default 100000 300000 1000000): the backfill case where memory must
#	not grow with the report.
import base64, gzip, io, json, os, random, sys, zipfile

large = len(sys.argv) > 1 and sys.argv[1] == "--large"
if large:
    sys.argv.pop(1)
out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 and not large else 3000
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 and not large else 7)
os.makedirs(out, exist_ok=True)
DOMAINS = ["example.com", "example.net", "shop.example.org", "news.example"]


def ip():
    if rnd.random() < 0.15:
        return "2001:db8:%x::%x" % (rnd.randrange(65536), rnd.randrange(65536))
    return "%d.%d.%d.%d" % (rnd.choice([192, 198, 203, 45, 209]),
                            rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))


def record(dom, flavour):
    ok = rnd.random() < 0.8
    dk = "pass" if ok or rnd.random() < 0.3 else "fail"
    sp = "pass" if ok else "fail"
    reason = ("<reason><type>local_policy</type><comment>arc=pass</comment>"
              "</reason>" if flavour == "google" and rnd.random() < 0.05 else "")
    env_to = "<envelope_to>outlook.example</envelope_to>" if flavour == "outlook" else ""
    sel = "<selector>s%d</selector>" % rnd.randrange(3)
    return ("<record><row><source_ip>%s</source_ip><count>%d</count>"
            "<policy_evaluated><disposition>%s</disposition><dkim>%s</dkim>"
            "<spf>%s</spf>%s</policy_evaluated></row><identifiers>%s"
            "<envelope_from>%s</envelope_from><header_from>%s</header_from>"
            "</identifiers><auth_results><dkim><domain>%s</domain>%s<result>%s"
            "</result></dkim><spf><domain>%s</domain><scope>mfrom</scope>"
            "<result>%s</result></spf></auth_results></record>"
            % (ip(), rnd.randrange(1, 40), "none" if dk == "pass" or sp == "pass"
               else "reject", dk, sp, reason, env_to, dom, dom, dom, sel, dk,
               dom, sp))


def report(i, flavour, nrec):
    dom = rnd.choice(DOMAINS)
    begin = 1767225600 + 86400 * (i % 90)
    org, email, root, ver = {
        "google": ("google.com", "noreply-dmarc-support@google.com", "<feedback>", "<version>1.0</version>"),
        "yahoo": ("Yahoo", "dmarchelp@yahooinc.com", "<feedback>", ""),
        "outlook": ("Enterprise Outlook", "dmarcreport@microsoft.com",
                    '<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">', "<version>1.0</version>"),
        "gmx": ("GMX", "noreply-dmarc@sicher.gmx.net",
                '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">', "<version>1.0</version>"),
    }[flavour]
    pol = "<domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp>" % dom
    pol += "<np>reject</np><testing>n</testing><discovery_method>psl</discovery_method>" \
        if flavour == "gmx" else "<pct>100</pct><fo>0</fo>"
    recs = "".join(record(dom, flavour) for _ in range(nrec))
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n%s%s<report_metadata>'
           "<org_name>%s</org_name><email>%s</email><report_id>bench-%s-%d</report_id>"
           "<date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>"
           "<policy_published>%s</policy_published>%s</feedback>\n"
           % (root, ver, org, email, flavour, i, begin, begin + 86399, pol, recs))
    return dom, xml.encode()


def large_report(nrec):
    """a gzip report of nrec records, written as it is made"""
    dom, head = report(nrec, "google", 0)
    head = head.decode().replace("bench-google-", "large-google-")
    head, tail = head.rsplit("</feedback>", 1)
    name = os.path.join(out, "large-%d.xml.gz" % nrec)
    with gzip.open(name + ".tmp", "wt", compresslevel=6) as f:
        f.write(head)
        for i in range(0, nrec, 1000):
            f.write("".join(record(dom, "google")
                            for _ in range(min(1000, nrec - i))))
        f.write("</feedback>" + tail)
    os.rename(name + ".tmp", name)


if large:
    sizes = [int(a) for a in sys.argv[2:]] or [100000, 300000, 1000000]
    for k in sizes:
        large_report(k)
    print("%d reports, %d aggregate records" % (len(sizes), sum(sizes)))
    sys.exit(0)


def zipped(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return b.getvalue()


def eml(name, gz):
    return ("From: noreply-dmarc-support@google.com\nTo: rua@example.com\n"
            "Subject: Report domain: example.com\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            "Content-Type: text/plain\n\nA DMARC report.\n--b\n"
            "Content-Type: application/gzip\nContent-Transfer-Encoding: base64\n"
            'Content-Disposition: attachment; filename="%s"\n\n%s\n--b--\n'
            % (name, base64.encodebytes(gz).decode())).encode()


def tls(i):
    return json.dumps({
        "organization-name": "Google Inc.", "report-id": "bench-tls-%d" % i,
        "contact-info": "smtp-tls-reporting@google.com",
        "date-range": {"start-datetime": "2026-01-01T00:00:00Z",
                       "end-datetime": "2026-01-01T23:59:59Z"},
        "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.com",
                                 "policy-string": ["version: STSv1", "mode: enforce",
                                                   "mx: mx.example.com", "max_age: 86400"],
                                 "mx-host": ["mx.example.com"]},
                      "summary": {"total-successful-session-count": rnd.randrange(1000),
                                  "total-failure-session-count": 1},
                      "failure-details": [{"result-type": "certificate-expired",
                                           "sending-mta-ip": ip(), "failed-session-count": 1,
                                           "receiving-mx-hostname": "mx.example.com"}]}]}).encode()


nreports = nrecords = 0
big = {n // 5: 20000, 2 * n // 5: 30000, 3 * n // 5: 50000, 4 * n // 5: 25000}
for i in range(n):
    r = rnd.random()
    if r < 0.05:
        data, name = gzip.compress(tls(i), mtime=0), "tls-%05d.json.gz" % i
        nreports += 1
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        continue
    flavour = rnd.choice(["google", "google", "google", "yahoo", "yahoo", "outlook", "gmx"])
    nrec = big.get(i) or {"google": rnd.randrange(1, 7), "yahoo": rnd.randrange(1, 4),
                          "outlook": rnd.randrange(1, 5), "gmx": rnd.randrange(1, 3)}[flavour]
    dom, xml = report(i, flavour, nrec)
    base = "%s!%s!%d" % (flavour, dom, i)
    if r < 0.15:
        data, name = eml(base + ".xml.gz", gzip.compress(xml, mtime=0)), base + ".eml"
    elif flavour == "google":
        data, name = zipped(base + ".xml", xml), base + ".zip"
    elif flavour == "outlook":
        data, name = xml, base + ".xml"
    else:
        data, name = gzip.compress(xml, mtime=0), base + ".xml.gz"
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    nreports += 1
    nrecords += nrec
print("%d reports, %d aggregate records" % (nreports, nrecords))
