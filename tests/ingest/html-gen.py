#!/usr/bin/env python3
# html-gen.py -- the reports tests/ingest/html.sh ingests, written at test
# time: aggregate reports on both sides of the 2026-01-31/02-01 day and
# month boundary (one whose range runs 22:00 to 22:00 UTC), hostile org
# and domain names, a TLS report, a failure report, and the PTR zone.
#
# usage: html-gen.py OUTDIR
import os
import sys
from datetime import datetime, timezone

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def ts(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=timezone.utc).timestamp())


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def record(ip, count, ok, spf_dom="example.com", dkim_dom="example.com"):
    res = "pass" if ok else "fail"
    return ("<record><row><source_ip>%s</source_ip><count>%d</count>"
            "<policy_evaluated><disposition>%s</disposition><dkim>%s</dkim>"
            "<spf>%s</spf></policy_evaluated></row><identifiers>"
            "<header_from>example.com</header_from></identifiers>"
            "<auth_results><dkim><domain>%s</domain><result>%s</result></dkim>"
            "<spf><domain>%s</domain><result>%s</result></spf></auth_results>"
            "</record>\n" % (ip, count, "none" if ok else "reject", res, res,
                             esc(dkim_dom), res, esc(spf_dom), res))


def agg(name, org, rid, domain, begin, end, records):
    x = ("<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>%s"
         "</org_name><email>r@receiver.example</email><report_id>%s"
         "</report_id><date_range><begin>%d</begin><end>%d</end>"
         "</date_range></report_metadata><policy_published><domain>%s"
         "</domain><p>reject</p></policy_published>\n%s</feedback>\n" %
         (esc(org), rid, ts(begin), ts(end), esc(domain), "".join(records)))
    with open(os.path.join(out, name), "w") as f:
        f.write(x)


hostile = "Big <b>Receiver</b> & Co"
fail = dict(spf_dom="spoof<script>.example", dkim_dom="evil.example")
# January 31 (UTC day): 100 pass from two sender.example hosts, 40 fail
agg("a-0131.xml", hostile, "h-a", "example.com", "2026-01-31T00:00:00",
    "2026-01-31T23:59:59", [record("192.0.2.1", 70, True),
                            record("192.0.2.2", 30, True),
                            record("198.51.100.7", 40, False, **fail)])
# February 1: 60 pass, 10 fail
agg("b-0201.xml", hostile, "h-b", "example.com", "2026-02-01T00:00:00",
    "2026-02-01T23:59:59", [record("192.0.2.1", 60, True),
                            record("198.51.100.7", 10, False, **fail)])
# 22:00 to 22:00 UTC: its middle is February 1
agg("c-shifted.xml", "Other Receiver", "h-c", "example.com",
    "2026-01-31T22:00:00", "2026-02-01T21:59:59",
    [record("192.0.2.1", 5, True)])
# a hostile policy domain
agg("d-hostile.xml", hostile, "h-d", "evil<script>x</script>.example",
    "2026-01-31T00:00:00", "2026-01-31T23:59:59",
    [record("203.0.113.9", 3, False)])
# 150 sources: the page lists the 100 largest and sums the rest
agg("m-many.xml", "Many Receiver", "h-m", "many.example",
    "2026-01-31T00:00:00", "2026-01-31T23:59:59",
    [record("10.1.%d.%d" % (i // 200, i % 200 + 1), 1000 - i, True)
     for i in range(150)])
# offered on stdin to a run with only --html, which must not read it
agg("g-stdin.xml", "Stdin Receiver", "h-g", "example.org",
    "2026-01-31T00:00:00", "2026-01-31T23:59:59",
    [record("192.0.2.1", 1, True)])
with open(os.path.join(out, "e-tls.json"), "w") as f:
    f.write('{"organization-name":"TLS Reporter","date-range":'
            '{"start-datetime":"2026-01-31T00:00:00Z","end-datetime":'
            '"2026-01-31T23:59:59Z"},"contact-info":"tls@reporter.example",'
            '"report-id":"tls-h-1","policies":[{"policy":{"policy-type":'
            '"sts","policy-string":["version: STSv1","mode: enforce"],'
            '"policy-domain":"example.com","mx-host":["mx1.example.com"]},'
            '"summary":{"total-successful-session-count":20,'
            '"total-failure-session-count":2},"failure-details":[{'
            '"result-type":"certificate-expired","sending-mta-ip":'
            '"192.0.2.9","receiving-mx-hostname":"mx1.example.com",'
            '"failed-session-count":2}]}]}\n')
with open(os.path.join(out, "f-ruf.eml"), "w") as f:
    f.write("""From: dmarc@receiver.example
To: ruf@example.com
Subject: DMARC failure report
Date: Sun, 01 Feb 2026 12:05:00 +0000
Message-ID: <ruf-h-1@receiver.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b1"

--b1
Content-Type: text/plain

An authentication failure report.
--b1
Content-Type: message/feedback-report

Feedback-Type: auth-failure
User-Agent: ExampleMTA/1.0
Version: 1
Original-Mail-From: <ceo@example.com>
Arrival-Date: Sun, 01 Feb 2026 12:00:00 +0000
Source-IP: 198.51.100.7
Reported-Domain: example.com
Delivery-Result: reject
Auth-Failure: dmarc

--b1
Content-Type: text/rfc822-headers

From: CEO <ceo@example.com>
To: someone@receiver.example
Subject: urgent wire transfer
Date: Sun, 01 Feb 2026 11:59:00 +0000

--b1--
""")
with open(os.path.join(out, "ptr.zone"), "w") as f:
    f.write("1.2.0.192.in-addr.arpa. 300 IN PTR mta1.mail.sender.example.\n"
            "2.2.0.192.in-addr.arpa. 300 IN PTR mta2.mail.sender.example.\n"
            "7.100.51.198.in-addr.arpa. 300 IN PTR mail.spoofer.example.\n")
