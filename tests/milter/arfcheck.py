#!/usr/bin/env python3
# arfcheck.py -- parse one failure report with Python's email module and
# check it against expectations (used by tests/milter/ruf.sh and
# tests/integration/ruf.sh)
#
# SYNOPSIS
#	python3 arfcheck.py FILE [KEY=VALUE]...
#
# DESCRIPTION
#	FILE holds the report as sent (or as an smtp-sink dump: smtp-sink's
#	own X-* records and Received: are skipped).  Structure checks always
#	run: multipart/report; report-type=feedback-report with exactly
#	three parts text/plain, message/feedback-report, text/rfc822-headers;
#	the report's From, To, Date, Subject, Message-ID, Auto-Submitted;
#	Feedback-Type auth-failure, Version 1, User-Agent present.  Each
#	KEY=VALUE compares one field: "top.Name" a header field of the
#	report, "fb.Name" a field of the feedback part, "hdr.Name" a field
#	of the enclosed header block, "has.Name" that a feedback field is
#	present, "no.Name" that it is absent, "text~WORDS" that the
#	human-readable part contains WORDS, "raw!WORDS" that the whole
#	report does not; "body=1" expects message/rfc822 as the third part and
#	"body~WORDS" that the enclosed body contains WORDS.  Values compare
#	with folding white space collapsed.
#	Prints "ok - ..." / "not ok - ..." lines; exits 1 on any failure.

import email
import email.policy
import re
import sys


def norm(v):
    return re.sub(r"\s+", " ", str(v)).strip() if v is not None else None


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and re.match(rb"^X-[A-Za-z-]*: ", lines[i]):
        i += 1
    if i > 0 and i < len(lines) and lines[i].startswith(b"Received: "):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    return data if i == 0 else b"\n".join(lines[i:]), \
        email.message_from_bytes(b"\n".join(lines[i:]),
                                 policy=email.policy.compat32)


def fields(text):
    m = email.message_from_string(text, policy=email.policy.compat32)
    return m


def main():
    raw, msg = load(sys.argv[1])
    bad = 0

    def check(ok, what):
        nonlocal bad
        print(("ok - " if ok else "not ok - ") + what)
        if not ok:
            bad += 1

    check(msg.get_content_type() == "multipart/report",
          "multipart/report (%s)" % msg.get_content_type())
    check(msg.get_param("report-type") == "feedback-report",
          "report-type=feedback-report")
    parts = msg.get_payload() if msg.is_multipart() else []
    types = [p.get_content_type() for p in parts]
    third = "message/rfc822" if "body=1" in sys.argv[2:] else \
        "text/rfc822-headers"
    check(types == ["text/plain", "message/feedback-report", third],
          "three parts in order: %s" % types)
    for h in ("From", "To", "Date", "Subject", "Message-ID",
              "Auto-Submitted", "MIME-Version"):
        check(msg.get(h) is not None, "report has %s" % h)
    if len(parts) < 3:
        return 1
    fbp = parts[1]
    fbtext = fbp.get_payload()
    if isinstance(fbtext, list):	# parsed as a message
        fb = fbtext[0]
    else:
        fb = fields(fbtext)
    hdrp = parts[2].get_payload()
    if isinstance(hdrp, list):		# message/rfc822
        hdrs = hdrp[0]
        body = hdrs.get_payload()
    else:
        hdrs = fields(hdrp)
        body = None
    human = parts[0].get_payload()
    check(norm(fb.get("Feedback-Type")) == "auth-failure",
          "Feedback-Type: auth-failure")
    check(norm(fb.get("Version")) == "1", "Version: 1")
    check(fb.get("User-Agent") is not None, "User-Agent present")
    for arg in sys.argv[2:]:
        if arg == "body=1":
            continue
        if arg.startswith("body~"):
            check(body is not None and arg[5:] in body,
                  "enclosed body contains %r" % arg[5:])
            continue
        if "~" in arg and arg.startswith("text~"):
            want = arg[5:]
            check(want in norm(human), "text contains %r" % want)
            continue
        if arg.startswith("raw!"):
            want = arg[4:]
            check(want.encode() not in raw, "report lacks %r" % want)
            continue
        key, _, want = arg.partition("=")
        scope, _, name = key.partition(".")
        if scope == "has":
            check(fb.get(name) is not None, "feedback has %s" % name)
            continue
        if scope == "no":
            check(fb.get(name) is None, "feedback lacks %s" % name)
            continue
        src = {"top": msg, "fb": fb, "hdr": hdrs}[scope]
        got = norm(src.get(name))
        check(got == norm(want), "%s: %r (want %r)" % (key, got, want))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
