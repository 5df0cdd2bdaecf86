#!/usr/bin/env python3
"""gencorpus.py -- the benchmark's message corpus for milterload

SYNOPSIS
    python3 tests/bench/gencorpus.py [-a] [-n MESSAGES] [-d DOMAINS]
        [-s SEED] OUTFILE

DESCRIPTION
    Writes MESSAGES (default 20000) messages in milterload's corpus format
    (tests/bench/README.md): for each, a line

        M <id> <client-ip> <helo> <mail-from> <rcpt> <length>

    (the id is m<number>.<kind>, kinds below) then <length> bytes of
    RFC 5322 message (CRLF line ends) and a
    newline.  Messages come in SMTP sessions of 1 to 8 from one client
    address and HELO.  From domains are the DOMAINS (default 1000)
    generated domains of genzone.py; the Authentication-Results field of
    the receiving MTA (authserv-id mx.bench.example, which both milters
    trust) carries SPF and DKIM results chosen per message kind:

      pass-dkim     dkim=pass for the From domain (and SPF of a relay)
      pass-spf      spf=pass for the From domain, no signature
      pass-sub      From news.<domain>, dkim=pass d=<domain>: aligned
                    unless the domain asks for strict alignment
      spoof         spf and dkim pass for another domain: fails
      fail          dkim=fail and spf=fail for the From domain
      noauth        no Authentication-Results at all
      untrusted     dkim=pass claimed by a foreign authserv-id
      rspf          SPF only in a Received-SPF field
      nxsub         From a non-existent subdomain (np=)
      multifrom     two addresses in From, two domains
      nofrom        From without a usable domain
      nullsender    MAIL FROM:<>, SPF for the HELO name
      unknowndom    From a domain that does not exist at all
      arc           (only with -a) a failing message forwarded through an
                    ARC sealer: arc=pass, an ARC-Seal and an
                    ARC-Authentication-Results field; the sealer is
                    fwd.test (half of them: a DomainWhitelist can trust
                    it) or relay.test

    Each message has the header a real one has (two Received fields,
    DKIM-Signature, MIME fields, Message-ID, ...) and a body of 300 bytes
    to 40 KB.  The same seed gives the same file.
"""
import random
import sys

from genzone import domain

KINDS = [  # (kind, weight)
    ("pass-dkim", 34), ("pass-spf", 10), ("pass-sub", 8), ("spoof", 14),
    ("fail", 6), ("noauth", 6), ("untrusted", 4), ("rspf", 5),
    ("nxsub", 3), ("multifrom", 2), ("nofrom", 1), ("nullsender", 3),
    ("unknowndom", 4),
]
ARC_KIND = [("arc", 5)]  # -a only: the benchmark corpus stays as it was
AUTHSERV = "mx.bench.example"
WORDS = ("the quarterly report invoice meeting update shipping order "
         "account notice please review attached schedule project team "
         "customer delivery payment support ticket weekly summary").split()


def b64ish(rng, n):
    """n characters that look like base64"""
    a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(a) for _ in range(n))


def fold(name, value):
    """a header field folded at about 76 columns"""
    out, line = [], name + ": "
    for w in value.split(" "):
        if len(line) + len(w) > 76 and line.strip():
            out.append(line.rstrip())
            line = "\t"
        line += w + " "
    out.append(line.rstrip())
    return "\r\n".join(out)


def body(rng):
    """a text body of 300 B to 40 KB (most a few KB)"""
    size = min(40000, int(rng.lognormvariate(7.8, 0.9)) + 300)
    lines, n = [], 0
    while n < size:
        ln = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
        lines.append(ln)
        n += len(ln) + 2
    return "\r\n".join(lines) + "\r\n"


def auth_results(kind, frm, other, rng):
    """the MTA's own A-R fields (list) and Received-SPF (or None)"""
    sel = "s%d" % rng.randint(1, 3)
    bh = b64ish(rng, 8)
    ar = {
        "pass-dkim": "spf=pass smtp.mailfrom=bounce@%s; dkim=pass "
                     "header.d=%s header.s=%s header.b=%s"
                     % (other, frm, sel, bh),
        "pass-spf": "spf=pass smtp.mailfrom=bounce@%s; dkim=none" % frm,
        "pass-sub": "spf=pass smtp.mailfrom=bounce@%s; dkim=pass "
                    "header.d=%s header.s=%s header.b=%s"
                    % (other, frm, sel, bh),
        "spoof": "spf=pass smtp.mailfrom=x@%s; dkim=pass header.d=%s "
                 "header.s=%s header.b=%s" % (other, other, sel, bh),
        "fail": "spf=fail smtp.mailfrom=bounce@%s; dkim=fail "
                "header.d=%s header.s=%s header.b=%s"
                % (frm, frm, sel, bh),
        "nxsub": "spf=none smtp.mailfrom=x@%s; dkim=none" % other,
        "multifrom": "spf=pass smtp.mailfrom=bounce@%s; dkim=pass "
                     "header.d=%s header.s=%s" % (frm, frm, sel),
        "nofrom": "spf=pass smtp.mailfrom=bounce@%s; dkim=none" % other,
        "nullsender": "spf=pass smtp.helo=mail.%s; dkim=none" % frm,
        "unknowndom": "spf=none smtp.mailfrom=x@%s; dkim=none" % frm,
        "arc": "spf=fail smtp.mailfrom=bounce@%s; dkim=fail header.d=%s "
               "header.s=%s header.b=%s; arc=pass arc.chain=%s"
               % (frm, frm, sel, bh, sealer(frm)),
    }
    if kind == "noauth":
        return [], None
    if kind == "untrusted":
        return ["evil.example; dkim=pass header.d=%s header.s=%s"
                % (frm, sel),
                "%s; spf=softfail smtp.mailfrom=x@%s" % (AUTHSERV, other)], \
            None
    if kind == "rspf":
        return [], ("pass (%s: domain of bounce@%s designates 192.0.2.1 as "
                    "permitted sender) client-ip=192.0.2.1; "
                    "envelope-from=bounce@%s;" % (AUTHSERV, frm, frm))
    return ["%s; %s" % (AUTHSERV, ar[kind])], None


def sealer(frm):
    """the ARC sealer of an "arc" message, fixed per From domain"""
    return "fwd.test" if sum(frm.encode()) % 2 else "relay.test"


def arc_fields(frm, seq):
    """the ARC-Seal and ARC-Authentication-Results of an "arc" message"""
    d = sealer(frm)
    return ["ARC-Seal: i=1; a=rsa-sha256; cv=none; d=%s; s=arc1; "
            "t=1764590400; b=AAAA" % d,
            fold("ARC-Authentication-Results", "i=1; %s; spf=pass "
                 "smtp.mailfrom=bounce@%s; smtp.remote-ip=192.0.2.%d"
                 % (d, frm, seq % 250 + 1))]


def envelope(kind, frm, other):
    """(mail-from, From field value)"""
    if kind in ("pass-spf", "fail", "rspf", "multifrom", "arc"):
        env = "bounce@" + frm
    elif kind == "nullsender":
        env = "<>"
    else:
        env = "bounce@" + other
    if kind == "pass-sub":
        hfrom = "News <news@news.%s>" % frm
    elif kind == "nxsub":
        hfrom = "<alerts@nx%d.%s>" % (len(other), frm)
    elif kind == "multifrom":
        hfrom = "a@%s, b@%s" % (frm, other)
    elif kind == "nofrom":
        hfrom = "undisclosed-sender:;"
    else:
        hfrom = '"Sender" <user@%s>' % frm
    return env, hfrom


def message(rng, seq, kind, frm, other, helo):
    """(mail-from, rcpt, message text) of one message"""
    env, hfrom = envelope(kind, frm, other)
    ars, rspf = auth_results(kind, frm, other, rng)
    rcpt = "user%d@dest.example" % rng.randint(1, 500)
    h = ["Received: from %s (%s [198.51.100.%d]) by mx.bench.example "
         "(Postfix) with ESMTPS id %X for <%s>; Mon, 1 Dec 2025 "
         "12:00:00 +0000" % (helo, helo, seq % 250, seq, rcpt)]
    for a in ars:
        h.append(fold("Authentication-Results", a))
    if kind == "arc":
        h.extend(arc_fields(frm, seq))
    if rspf:
        h.append(fold("Received-SPF", rspf))
    h.append(fold("DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; "
                  "d=%s; s=s1; t=1764590400; h=from:to:subject:date:"
                  "message-id; bh=%s; b=%s" % (other if kind == "spoof"
                                               else frm, b64ish(rng, 44),
                                               b64ish(rng, 344))))
    h.append("Received: from [10.0.0.%d] by %s; Mon, 1 Dec 2025 11:59:59 "
             "+0000" % (seq % 200, helo))
    h.append("From: " + hfrom)
    h.append("To: <%s>" % rcpt)
    h.append("Subject: %s %d" % (" ".join(rng.choice(WORDS)
                                          for _ in range(4)), seq))
    h.append("Date: Mon, 1 Dec 2025 12:00:%02d +0000" % (seq % 60))
    h.append("Message-ID: <%d.%s@%s>" % (seq, b64ish(rng, 10)
                                         .replace("/", "x")
                                         .replace("+", "y"), helo))
    h.append("MIME-Version: 1.0")
    h.append("Content-Type: text/plain; charset=utf-8")
    if rng.random() < 0.3:
        h.append("List-Unsubscribe: <mailto:unsub@%s>" % frm)
    return env, rcpt, "\r\n".join(h) + "\r\n\r\n" + body(rng)


def main():
    args = sys.argv[1:]
    n, ndom, seed, arc = 20000, 1000, 1, False
    if args and args[0] == "-a":
        arc, args = True, args[1:]
    while len(args) > 1 and args[0] in ("-n", "-d", "-s"):
        v = int(args[1])
        if args[0] == "-n":
            n = v
        elif args[0] == "-d":
            ndom = v
        else:
            seed = v
        args = args[2:]
    if len(args) != 1:
        sys.exit("usage: gencorpus.py [-a] [-n MESSAGES] [-d DOMAINS] "
                 "[-s SEED] OUTFILE")
    rng = random.Random(seed)
    kinds = [k for k, w in KINDS + (ARC_KIND if arc else [])
             for _ in range(w)]
    seq = 0
    with open(args[0], "wb") as f:
        f.write(b"# milterload corpus 1 (tests/bench/gencorpus.py)\n")
        while seq < n:
            ip = "198.51.100.%d" % rng.randint(1, 254)
            if rng.random() < 0.5:
                ip = "203.0.113.%d" % rng.randint(1, 254)
            helo = "mail." + domain(rng.randrange(ndom))[0]
            for _ in range(min(rng.randint(1, 8), n - seq)):
                kind = rng.choice(kinds)
                frm = domain(rng.randrange(ndom))[0]
                other = domain(rng.randrange(ndom))[0]
                if kind == "unknowndom":
                    frm = "gone%d.test" % rng.randrange(100000)
                env, rcpt, text = message(rng, seq, kind, frm, other, helo)
                data = text.encode()
                f.write(("M m%06d.%s %s %s %s %s %d\n"
                         % (seq, kind, ip, helo, env, rcpt,
                            len(data))).encode())
                f.write(data + b"\n")
                seq += 1


if __name__ == "__main__":
    main()
