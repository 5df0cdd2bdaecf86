#!/usr/bin/env python3
# mkquirks.py -- write our own test reports, one (or a few) per quirk of
# inbound-reports.md section 4, into this directory.
#
# The files are committed; this script documents how they were made and
# remakes them (python3 mkquirks.py).  Everything here is invented:
# documentation addresses (192.0.2.0/24, 2001:db8::/32), example domains.
# expect.txt says what dmarc-ingest must make of each file.
import base64, gzip, io, os, tarfile, zipfile, zlib

D = os.path.dirname(os.path.abspath(__file__))


def w(name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(D, name), "wb") as f:
        f.write(data)


def gz(b, mtime=0):
    if isinstance(b, str):
        b = b.encode()
    return gzip.compress(b, mtime=mtime)


def rec(ip="192.0.2.1", count=1, disp="none", dkim="pass", spf="pass",
        hf="example.com", auth=None, extra_pe="", ids=None):
    if auth is None:
        auth = ("<dkim><domain>example.com</domain><selector>s1</selector>"
                "<result>pass</result></dkim>"
                "<spf><domain>example.com</domain><scope>mfrom</scope>"
                "<result>pass</result></spf>")
    pe = "<disposition>%s</disposition>" % disp
    if dkim is not None:
        pe += "<dkim>%s</dkim>" % dkim
    if spf is not None:
        pe += "<spf>%s</spf>" % spf
    ids = ids if ids is not None else \
        "<identifiers><header_from>%s</header_from></identifiers>" % hf
    a = "<auth_results>%s</auth_results>" % auth if auth != "" else ""
    return ("<record><row><source_ip>%s</source_ip><count>%s</count>"
            "<policy_evaluated>%s%s</policy_evaluated></row>%s%s</record>"
            % (ip, count, pe, extra_pe, ids, a))


def agg(records=None, org="Example Receiver", email="dmarc@receiver.example",
        rid="q-0001", begin="1700000000", end="1700086399",
        policy="<domain>example.com</domain><adkim>r</adkim><aspf>r</aspf>"
               "<p>reject</p><sp>reject</sp><pct>100</pct>",
        version="<version>1.0</version>", decl='<?xml version="1.0" encoding="UTF-8"?>\n',
        root='<feedback>', close='</feedback>', meta_extra="", top_extra=""):
    if records is None:
        records = rec()
    return ("%s%s%s<report_metadata><org_name>%s</org_name><email>%s</email>"
            "<report_id>%s</report_id><date_range><begin>%s</begin>"
            "<end>%s</end></date_range>%s</report_metadata>"
            "<policy_published>%s</policy_published>%s%s%s\n"
            % (decl, root, version, org, email, rid, begin, end, meta_extra,
               policy, top_extra, records, close))


def mail(parts, subject="Report Domain: example.com Submitter: receiver.example",
         extra_hdr="", boundary="b1", nl="\n", ctype=None, mbox=False):
    h = ""
    if mbox:
        h += "From dmarc@receiver.example Mon Nov 13 00:00:00 2023" + nl
    h += ("From: dmarc@receiver.example" + nl + "To: rua@example.com" + nl +
          "Subject: " + subject + nl + "Date: Tue, 14 Nov 2023 10:00:00 +0000" + nl +
          "Message-ID: <q@receiver.example>" + nl + "MIME-Version: 1.0" + nl + extra_hdr)
    h += "Content-Type: " + (ctype or 'multipart/mixed; boundary="%s"' % boundary) + nl + nl
    body = ""
    for p in parts:
        body += "--" + boundary + nl + p.replace("\n", nl) + nl
    body += "--" + boundary + "--" + nl
    return h + body


def b64part(ctype, data, name=None, cthdr="Content-Type"):
    if isinstance(data, str):
        data = data.encode()
    n = '; name="%s"' % name if name else ""
    d = ('Content-Disposition: attachment; filename="%s"\n' % name) if name else ""
    enc = base64.encodebytes(data).decode().rstrip("\n")
    return "%s: %s%s\nContent-Transfer-Encoding: base64\n%s\n%s" % (cthdr, ctype, n, d, enc)


def text(s="This is a DMARC aggregate report."):
    return "Content-Type: text/plain; charset=us-ascii\n\n" + s


def zipof(members):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members:
            zi = zipfile.ZipInfo(n, date_time=(2023, 11, 14, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return b.getvalue()


TLS = {
    "organization-name": "Example TLS Reporter",
    "date-range": {"start-datetime": "2023-11-14T00:00:00Z",
                   "end-datetime": "2023-11-14T23:59:59Z"},
    "contact-info": "tlsrpt@reporter.example",
    "report-id": "2023-11-14T00:00:00Z_example.com",
    "policies": [{
        "policy": {"policy-type": "sts",
                   "policy-string": ["version: STSv1", "mode: enforce",
                                     "mx: mx1.example.com", "max_age: 86400"],
                   "policy-domain": "example.com",
                   "mx-host": ["mx1.example.com"]},
        "summary": {"total-successful-session-count": 10,
                    "total-failure-session-count": 1},
        "failure-details": [{"result-type": "certificate-expired",
                             "sending-mta-ip": "192.0.2.9",
                             "receiving-mx-hostname": "mx1.example.com",
                             "failed-session-count": 1}]}]}


def tls(**over):
    import copy, json
    t = copy.deepcopy(TLS)
    for k, v in over.items():
        t[k] = v
    return json.dumps(t, indent=1)


def arf_mail(fields, sample_type="message/rfc822", sample=None, fb_b64=False,
             extra=""):
    if sample is None:
        sample = ("From: Alice <alice@example.com>\nTo: bob@receiver.example\n"
                  "Subject: invoice\nDate: Mon, 13 Nov 2023 09:00:00 -0500\n"
                  "Message-ID: <m1@example.com>\n\nPay the attached invoice.\n")
    fb = "Content-Type: message/feedback-report\n"
    if fb_b64:
        fb += ("Content-Transfer-Encoding: base64\n" if fb_b64 == "cte" else "") + \
            "\n" + base64.encodebytes(fields.encode()).decode().rstrip("\n")
    else:
        fb += "\n" + fields
    parts = [text("This is an authentication failure report."), fb,
             "Content-Type: %s\n\n%s" % (sample_type, sample)]
    return mail(parts, subject="FW: invoice", ctype=
                'multipart/report; report-type=feedback-report; boundary="b1"' + extra)


ARF = ("Feedback-Type: auth-failure\nUser-Agent: ExampleMTA/1.0\nVersion: 1\n"
       "Original-Mail-From: <alice@example.com>\nOriginal-Rcpt-To: <bob@receiver.example>\n"
       "Arrival-Date: Mon, 13 Nov 2023 14:00:01 +0000\nReporting-MTA: dns; mx.receiver.example\n"
       "Source-IP: 192.0.2.77\nAuthentication-Results: mx.receiver.example; dmarc=fail header.from=example.com\n"
       "Delivery-Result: reject\nAuth-Failure: dmarc\nIdentity-Alignment: dkim, spf\n"
       "Reported-Domain: example.com\n")


def main():
    x = agg()
    # 1: attachment types lie
    w("q01-octet-stream.eml", mail([text(), b64part("application/octet-stream", gz(x), "r.xml.gz")]))
    w("q01-x-zip-compressed.eml", mail([text(), b64part("application/x-zip-compressed", zipof([("r.xml", x)]), "r.zip")]))
    w("q01-text-xml.eml", mail([text(), "Content-Type: text/xml\nContent-Disposition: attachment; filename=r.xml\n\n" + x]))
    # 2: TLS-RPT types
    w("q02-tlsrpt-bare.eml", mail([text(), "Content-Type: application/tlsrpt\n\n" + tls()]))
    w("q02-tlsrpt-report.eml", mail([text(), b64part("application/tlsrpt+gzip", gz(tls()), "r.json.gz")],
                                    subject="Report Domain: example.com (xml.gz)",
                                    ctype='multipart/report; report-type=tlsrpt; boundary="b1"'))
    # 3: report nested in a forwarded message/rfc822
    inner = mail([text(), b64part("application/gzip", gz(x), "r.xml.gz")], boundary="in")
    w("q03-nested-rfc822.eml", mail([text("Forwarded report."), "Content-Type: message/rfc822\n\n" + inner]))
    # 4: ContentType: without the hyphen (Trustwave)
    w("q04-contenttype.eml", mail([text(), b64part("application/gzip", gz(x), "r.xml.gz", cthdr="ContentType")]))
    # 5: RFC 2047, folded subject with braces; data never from the subject
    w("q05-subject.eml", mail([text(), b64part("application/gzip", gz(x), "r.xml.gz")],
                              subject="=?UTF-8?B?W1ByZXZpZXddIFJlcG9ydCBEb21haW46?= wrong.example\n Submitter: {Amazon SES}"))
    # 6: CRLF, mbox From line, text part with CTE binary
    w("q06-crlf-mbox-binary.eml", mail(["Content-Type: text/plain\nContent-Transfer-Encoding: binary\n\nreport \xe9",
                                         b64part("application/gzip", gz(x), "r.xml.gz")], nl="\r\n", mbox=True))
    # 7: base64-encoded feedback-report part (Netease)
    w("q07-arf-base64.eml", arf_mail(ARF, fb_b64="cte"))
    w("q07-arf-base64-text.eml", arf_mail(ARF, fb_b64="bare"))
    # 8: sample as text/rfc822-headers
    w("q08-rfc822-headers.eml", arf_mail(ARF, sample_type="text/rfc822-headers",
                                          sample="From: alice@example.com\nSubject: hi\nDate: Mon, 13 Nov 2023 09:00:00 -0500\n"))
    # 9: Exim/cPanel plain-text failure report; ARF abuse must be refused
    w("q09-plain-text.eml", mail([text("A message claiming to be from you has failed the published DMARC\n"
                                       "policy for your domain.\n\n  Sender Domain: example.com\n"
                                       "  Sender IP Address: 192.0.2.66\n  Received Date: Mon, 13 Nov 2023 10:00:00 +0100\n"
                                       "  SPF Alignment: no\n  DKIM Alignment: no\n  DMARC Results: Reject\n\n"
                                       "------ This is a copy of the headers that were received before the error\n"
                                       "       was detected.\n\nFrom: ceo@example.com\nSubject: urgent\n")]))
    w("q09-arf-abuse.eml", arf_mail(ARF.replace("auth-failure", "abuse")))
    # 10: non-report mail
    w("q10-cron.eml", "From: root@host.example\nSubject: Cron <root@host> run-parts\n\nall done\n")
    # 11: containers
    w("q11-gzip-junk.xml.gz", gz(x) + b"\r\n\r\n--trailing garbage--\r\n")
    w("q11-double.xml.gz.gz", gz(gz(x)))
    w("q11-raw.zlib", zlib.compress(x.encode()))
    tb = io.BytesIO()
    with tarfile.open(fileobj=tb, mode="w:gz", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo("r.xml"); ti.size = len(x.encode()); ti.mtime = 0
        t.addfile(ti, io.BytesIO(x.encode()))
    w("q11-report.tar.gz", tb.getvalue())
    w("q11-zip-members.zip", zipof([("", x), ("second.xml", agg(rid="q-0002"))]))
    # 12: garbage payloads
    w("q12-unused.eml", mail([text(), "Content-Type: application/gzip\n\nunused"]))
    w("q12-empty.xml", "")
    # 13: a large report (20000 records)
    big = "".join(rec(ip="10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), count=i % 7 + 1)
                  for i in range(20000))
    w("q13-large.xml.gz", gz(agg(records=big, rid="q-large")))
    # 14: namespaces
    ns0 = agg(root='<ns0:feedback xmlns:ns0="urn:ietf:params:xml:ns:dmarc-2.0">', close="</ns0:feedback>")
    import re
    ns0 = re.sub(r"<(/?)(?!ns0:|\?)([a-z_]+)", r"<\1ns0:\2", ns0)
    w("q14-ns0-prefix.xml", ns0)
    w("q14-xs-schema.xml", agg(top_extra='<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="x"/></xs:schema>',
                               root='<feedback xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'))
    w("q14-aol-ns1.xml", agg(root='<feedback xmlns:ns1="http://dmarc.org/dmarc-xml/0.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://dmarc.org/dmarc-xml/0.1 rua.xsd">', version=""))
    # 15: versions
    w("q15-version-0.1.xml", agg(version="<version>0.1</version>"))
    w("q15-version-absent.xml", agg(version=""))
    w("q15-rfc9990-v1-in-ns.xml", agg(root='<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">',
                                      meta_extra="<generator>Example 2.0</generator>"))
    # 16: encodings
    w("q16-windows-1252.xml", agg(org="Caf\xe9 Mail", decl='<?xml version="1.0" encoding="windows-1252"?>\n').encode("latin-1"))
    w("q16-invalid-utf8.xml", agg(org="Bad\xff\xfeBytes", decl="").encode("latin-1"))
    w("q16-bom.xml", b"\xef\xbb\xbf" + agg(decl="").encode())
    # 17: truncated document
    w("q17-truncated.xml", agg(records=rec() + rec(ip="192.0.2.2"))[:-60])
    # 18: entities
    w("q18-entity.xml", agg(org="&quot;backschues.NET &amp; Co"))
    # 19: empty and self-closing elements
    w("q19-empty-elements.xml", agg(meta_extra="<extra_contact_info />",
                                    records=rec(extra_pe="<reason><type/></reason>",
                                                auth="<dkim><domain>example.com</domain><selector/><result>pass</result></dkim>")))
    # 20: langAttrString, attributes on email
    w("q20-lang-attr.xml", agg(email='dmarc@receiver.example', root='<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">',
                               records=rec(extra_pe='<reason><type>local_policy</type><comment lang="en">forwarded</comment></reason>'))
      .replace("<email>", '<email type="primary">'))
    # 21: empty org_name
    w("q21-empty-org.xml", agg(org=""))
    # 22: report ids as sent
    w("q22-report-id.xml", agg(rid="&lt;example.com.1700000000.42@dmarc.receiver.example&gt;"))
    # 23: odd date ranges
    w("q23-three-years.xml", agg(begin="1600000000", end="1694694400"))
    w("q23-fractional.xml", agg(begin="1700000000.25", end="1700000000.75"))
    # 24: errors, generator, empty contact info
    w("q24-error-generator.xml", agg(meta_extra="<extra_contact_info></extra_contact_info><error>Report truncated by reporter</error><generator>Gen 1</generator>"))
    # 25: policy_published repeated, defaults missing, RFC 9990 fields
    w("q25-policy.xml", agg(policy="<domain>example.com</domain><p>quarantine</p><np>reject</np><testing>y</testing><discovery_method>treewalk</discovery_method>",
                            top_extra="<policy_published><domain>other.example</domain><p>none</p></policy_published>"))
    # 26: policy_evaluated without dkim/spf; record without auth_results
    w("q26-missing-eval.xml", agg(records=rec(dkim=None, spf=None) + rec(ip="192.0.2.3", auth="")))
    # 27: capitalised and odd results
    w("q27-capitals.xml", agg(records=rec(disp="Quarantine", dkim="Fail", spf="Pass",
                                          auth="<dkim><domain>example.com</domain><result>TempError</result></dkim>"
                                               "<spf><domain>example.com</domain><result>HardFail</result></spf>")))
    # 28: multiple results, identities, envelope_to, human_result
    w("q28-multi-auth.xml", agg(records=rec(ids="<identities><header_from>Example.COM</header_from><envelope_from>bounce.example.com</envelope_from><envelope_to>receiver.example</envelope_to></identities>",
                                            auth="<dkim><domain>example.com</domain><selector>a</selector><result>pass</result><human_result>good</human_result></dkim>"
                                                 "<dkim><domain>esp.example</domain><result>pass</result></dkim>"
                                                 "<spf><domain>mail.example.com</domain><scope>helo</scope><result>pass</result></spf>"
                                                 "<spf><domain>bounce.example.com</domain><scope>mfrom</scope><result>fail</result></spf>")))
    # 29: override reasons
    rs = "".join("<reason><type>%s</type><comment>c-%s</comment></reason>" % (t, t) for t in
                 ("local_policy", "trusted_forwarder", "mailing_list", "sampled_out", "forwarded", "policy_test_mode"))
    w("q29-overrides.xml", agg(records=rec(extra_pe=rs)))
    # 30: IPv6, empty source with count 0
    w("q30-ipv6-empty.xml", agg(records=rec(ip="2001:db8::25") + rec(ip="", count=0)))
    # 31: mx-host string, array, and mx-host-pattern
    pol = dict(TLS["policies"][0])
    p2 = {"policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: testing"],
                     "policy-domain": "example.net", "mx-host": "mx.example.net",
                     "mx-host-pattern": ["*.example.net"]},
          "summary": {"total-successful-session-count": 5, "total-failure-session-count": 0}}
    w("q31-mx-host.json", tls(policies=[pol, p2]))
    # 32: oddities
    p3 = {"policy": {"policy-type": "invalid-policy-type"},
          "summary": {"total-successful-session-count": 3},
          "failure-details": [{"result-type": "Testing", "failed-session-count": 99},
                              {"result-type": "sts-policy-fetch-error", "failed-session-count": 1,
                               "failure-reason-code": "HTTP 404"}]}
    w("q32-oddities.json", tls(**{"contact-info": None, "policies": [p3]}))
    # 33: sts and tlsa in one report, gzip
    p4 = {"policy": {"policy-type": "tlsa", "policy-string": ["3 1 1 AB12"], "policy-domain": "example.com"},
          "summary": {"total-successful-session-count": 7, "total-failure-session-count": 0}}
    w("q33-sts-tlsa.json.gz", gz(tls(policies=[pol, p4])))
    # 34: ARF without Identity-Alignment, Auth-Failure, Arrival-Date; junk after Source-IP; EDT
    a34 = ("Feedback-Type: auth-failure\nUser-Agent: Lazy/0.1\nVersion: 1\n"
           "Source-IP: 192.0.2.88 (mx.sender.example)\nReported-Domain: example.com\n")
    w("q34-arf-sparse.eml", arf_mail(a34, sample="From: alice@example.com\nTo: bob@receiver.example\n"
                                              "Subject: hello\nDate: Mon, 13 Nov 2023 09:00:00 EDT\n\nbody\n"))
    # 35: sample with a body and an attachment (PII)
    sample = ("From: Alice Smith <alice.smith@example.com>\nTo: bob@receiver.example\n"
              "Subject: salary\nDate: Mon, 13 Nov 2023 09:00:00 +0000\nMIME-Version: 1.0\n"
              'Content-Type: multipart/mixed; boundary="s"\n\n--s\nContent-Type: text/plain\n\n'
              "secret body text\n--s\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
              "JVBERi0xLjQK\n--s--\n")
    w("q35-sample-pii.eml", arf_mail(ARF, sample=sample))


if __name__ == "__main__":
    main()
