#!/usr/bin/env python3
# checkmail.py -- take the report mails smtp-sink received apart
#
# SYNOPSIS
#	checkmail.py MSGDIR XSD EXPECT.json OUT.tsv
#
# DESCRIPTION
#	For every dump file under MSGDIR (smtp-sink -d): strips smtp-sink's
#	own X-*: and Received: fields, parses the message with Python's
#	email module and checks the RFC 9990 3.5.2 form: multipart/mixed
#	with a text/plain part and an application/gzip attachment named
#	receiver!policy-domain!begin!end!id.xml.gz; the gzip member and the
#	name in its header; the XML valid against XSD (xmllint --schema);
#	the same Report-ID in the Subject, the XML and the file name; the
#	domain and dates of the file name in the XML; the sum of <count>
#	equal to EXPECT.json[domain][begin] (tests/reports/genhist.py).
#	Prints "CHECK 1 what" or "CHECK 0 what" per check, and writes one
#	line per message to OUT.tsv:
#	    rcpt domain begin end report_id sha256(attachment) count records
import email
import email.policy
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

FNRE = re.compile(r"^([a-z0-9.-]+)!([a-z0-9.-]+)!(\d+)!(\d+)!([A-Za-z0-9]+)"
                  r"\.xml\.gz$")
SUBJRE = re.compile(r"^Report Domain: (\S+) Submitter: (\S+) "
                    r"Report-ID: <([A-Za-z0-9]+)>$")


def check(ok, what):
    print("CHECK %d %s" % (1 if ok else 0, what))
    return ok


def load(path):
    """The message as the client sent it, and its RCPT TO address."""
    rcpt, body, head = "", [], True
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    i = 0
    while i < len(lines) and head:
        ln = lines[i]
        if ln.startswith(b"X-Rcpt-Args: <"):
            rcpt = ln[14:ln.index(b">")].decode()
        if re.match(rb"^X-[A-Za-z-]*: ", ln):
            i += 1
            continue
        if ln.startswith(b"Received: "):
            i += 1
            while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
                i += 1
            continue
        head = False
    body = b"\n".join(lines[i:])
    return rcpt, email.message_from_bytes(body, policy=email.policy.default)


def local(tag):
    return tag.split("}", 1)[-1]


def find(root, name):
    return [e for e in root.iter() if local(e.tag) == name]


def xml_checks(xml, xsd, name, fn, subj, expect):
    dom, begin, end, rid = fn.group(2), fn.group(3), fn.group(4), fn.group(5)
    r = subprocess.run(["xmllint", "--noout", "--schema", xsd, "-"],
                       input=xml, capture_output=True)
    check(r.returncode == 0, "%s: valid against %s %s" % (
        name, os.path.basename(xsd), r.stderr.decode()[:300].strip()))
    root = ET.fromstring(xml)
    xrid = find(root, "report_id")[0].text
    check(xrid == rid and subj is not None and subj.group(3) == rid,
          "%s: report_id %s = file name = Subject" % (name, xrid))
    check(find(find(root, "policy_published")[0], "domain")[0].text == dom,
          "%s: policy_published domain" % name)
    check(find(root, "begin")[0].text == begin and
          find(root, "end")[0].text == end, "%s: date_range" % name)
    count = sum(int(c.text) for c in find(root, "count"))
    want = expect.get(dom, {}).get(begin)
    check(count == want, "%s: %d messages counted, %s imported" % (
        name, count, want))
    return count, len(find(root, "record"))


def one(path, xsd, expect, out):
    name = os.path.basename(path)
    rcpt, m = load(path)
    subj = SUBJRE.match(str(m["Subject"]))
    check(subj is not None, "%s: Subject %s" % (name, m["Subject"]))
    check(m.get_content_type() == "multipart/mixed", "%s: multipart/mixed"
          % name)
    parts = list(m.iter_parts())
    check(len(parts) == 2 and parts[0].get_content_type() == "text/plain"
          and parts[1].get_content_type() == "application/gzip",
          "%s: text/plain and application/gzip parts" % name)
    att = parts[-1]
    fname = att.get_filename() or ""
    fn = FNRE.match(fname)
    if not check(fn is not None, "%s: file name %s" % (name, fname)):
        return
    gz = att.get_content()
    check(gz[:3] == b"\x1f\x8b\x08" and gz[3] & 8 and
          gz[10:10 + len(fname) - 3] == fname[:-3].encode(),
          "%s: gzip with its file name" % name)
    xml = gzip.decompress(gz)
    count, nrec = xml_checks(xml, xsd, name, fn, subj, expect)
    out.write("\t".join([rcpt, fn.group(2), fn.group(3), fn.group(4),
                         fn.group(5), hashlib.sha256(gz).hexdigest(),
                         str(count), str(nrec)]) + "\n")


def main():
    msgdir, xsd, expect_file, tsv = sys.argv[1:5]
    with open(expect_file) as f:
        expect = json.load(f)
    with open(tsv, "w") as out:
        for fn in sorted(os.listdir(msgdir)):
            one(os.path.join(msgdir, fn), xsd, expect, out)


main()
