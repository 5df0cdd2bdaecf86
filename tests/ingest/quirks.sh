#!/bin/sh
# quirks.sh -- our own test reports, one or more per quirk of
# inbound-reports.md section 4 (tests/data/ingest/qNN-*), checked field by
# field against tests/data/ingest/expect.txt; then the CSV of one report
# column by column, and the exit status of a mixed batch.
: "${top_srcdir:=.}" "${top_builddir:=.}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
exec python3 - "$top_srcdir/tests/data/ingest" \
    "$top_builddir/reports/dmarc-ingest" <<'PY'
import csv, io, json, subprocess, sys

data, binary = sys.argv[1], sys.argv[2]
n = {"pass": 0, "fail": 0}


def check(ok, what, detail=""):
    k = "pass" if ok else "fail"
    n[k] += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n["pass"] + n["fail"], what))
    if not ok and detail:
        print("#   " + detail)


def get(o, path):
    for p in path.split("."):
        if isinstance(o, list):
            o = o[int(p)] if p.isdigit() and int(p) < len(o) else KeyError
        elif isinstance(o, dict):
            o = o.get(p, KeyError)
        else:
            return KeyError
        if o is KeyError:
            return KeyError
    return o


def run(args):
    p = subprocess.run([binary, "-n", "-q", "-j", "-"] + args,
                       capture_output=True)
    objs = [json.loads(l) for l in p.stdout.decode().splitlines() if l]
    return p.returncode, objs, p.stderr.decode(errors="replace")


for line in open(data + "/expect.txt", encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    words = line.split(" ")
    f, words = words[0], words[1:]
    opts = [w for w in words if w.startswith("--")]
    words = [w for w in words if not w.startswith("--")]
    typ, count = (words[0].split("*") + ["1"])[:2]
    # checks are separated by " " before a path with = ~ or #=
    checks, cur = [], None
    for wd in words[1:]:
        if cur is not None and not any(c in wd for c in "=~") or \
                (cur is not None and wd.split("=")[0].split("~")[0].count(".") == 0
                 and not wd.split("=")[0].split("~")[0].replace("#", "").replace("_", "").isalnum()):
            cur += " " + wd
            continue
        if cur is not None:
            checks.append(cur)
        cur = wd
    if cur is not None:
        checks.append(cur)
    rc, objs, err = run(opts + [data + "/" + f])
    name = f + (" " + " ".join(opts) if opts else "")
    check(rc in (0, 1) and "ERROR" not in err and "runtime error" not in err,
          "%s: exit %d" % (name, rc), err[-300:])
    got = [o for o in objs if o["type"] == typ]
    check(len(got) == int(count) and len(objs) == int(count),
          "%s: %s report(s) %s" % (name, count, typ),
          "got %s" % [(o["type"], o.get("reason")) for o in objs])
    if not got:
        continue
    o = got[0]
    for c in checks:
        if "#=" in c:
            path, want = c.split("#=", 1)
            v = get(o, path)
            check(isinstance(v, list) and len(v) == int(want),
                  "%s: len(%s) == %s" % (name, path, want),
                  "got %r" % (len(v) if isinstance(v, list) else v))
        elif "~" in c and ("=" not in c or c.index("~") < c.index("=")):
            path, want = c.split("~", 1)
            v = get(o, path)
            neg = want.startswith("!")
            want = want[1:] if neg else want
            ok = isinstance(v, str) and ((want in v) != neg)
            check(ok, "%s: %s %s \"%s\"" % (name, path,
                  "lacks" if neg else "has", want), "got %r" % (v,))
        else:
            path, want = c.split("=", 1)
            v = get(o, path)
            if isinstance(v, str):
                ok = v == want
            else:
                ok = v is not KeyError and json.dumps(v) == want
            check(ok, "%s: %s = %s" % (name, path, want), "got %r" % (v,))

# CSV, ours and parsedmarc's, for one aggregate and one TLS report
import os, tempfile
with tempfile.TemporaryDirectory() as d:
    for mode in ("ours", "parsedmarc"):
        out = os.path.join(d, mode)
        subprocess.run([binary, "-n", "-q", "-C", out, "--csv-columns", mode,
                        data + "/q28-multi-auth.xml", data + "/q31-mx-host.json",
                        data + "/q35-sample-pii.eml"], check=False)
        rows = list(csv.DictReader(open(out + "/aggregate.csv", newline="")))
        check(len(rows) == 1, "csv %s: one aggregate row" % mode)
        r = rows[0]
        ip = "source_ip" if mode == "ours" else "source_ip_address"
        check(r.get(ip) == "192.0.2.1", "csv %s: %s" % (mode, ip), repr(r))
        check(r.get("dkim_domains") == "example.com,esp.example",
              "csv %s: dkim_domains joined" % mode, repr(r.get("dkim_domains")))
        check(r.get("spf_scopes") == "helo,mfrom", "csv %s: spf_scopes" % mode)
        check(r.get("dmarc_aligned") == ("true" if mode == "ours" else "True"),
              "csv %s: dmarc_aligned boolean" % mode, repr(r.get("dmarc_aligned")))
        check(r.get("begin_date") == "2023-11-14T22:13:20Z",
              "csv %s: begin_date ISO 8601 UTC" % mode)
        first = open(out + "/aggregate.csv").readline().strip().split(",")
        if mode == "parsedmarc":
            check(first[:5] == ["xml_schema", "org_name", "org_email",
                                "org_extra_contact_info", "report_id"] and
                  len(first) == 44, "csv parsedmarc: column order", repr(first[:5]))
        else:
            check(first[0] == "input" and "override_reasons" in first,
                  "csv ours: header", repr(first[:5]))
        t = list(csv.DictReader(open(out + "/tls.csv", newline="")))
        check(len(t) == 3, "csv %s: tls rows (2 summaries + 1 detail)" % mode,
              repr(len(t)))
        mx = "mx_hosts" if mode == "ours" else "mx_host_patterns"
        check(t[2 if mode == "ours" else 2].get(mx, "").startswith("mx.example.net"),
              "csv %s: %s kept" % (mode, mx), repr(t[2].get(mx)))
        f = list(csv.DictReader(open(out + "/failure.csv", newline="")))
        check(len(f) == 1 and f[0].get("subject") == "salary",
              "csv %s: failure row" % mode)

# a mixed batch goes on past bad inputs and says so in its exit status
rc, objs, err = run([data + "/q12-empty.xml", data + "/q21-empty-org.xml",
                     data + "/does-not-exist"])
check(rc == 1 and [o["type"] for o in objs] == ["invalid", "aggregate", "invalid"],
      "batch: bad inputs do not stop it; exit 1", "rc %d %r" % (rc, [o["type"] for o in objs]))
rc, objs, err = run([data + "/q21-empty-org.xml"])
check(rc == 0, "batch: exit 0 when every input held a report")
# stdin, as from .forward
p = subprocess.run([binary, "-n", "-q", "-j", "-"], input=open(
    data + "/q01-octet-stream.eml", "rb").read(), capture_output=True)
o = [json.loads(l) for l in p.stdout.decode().splitlines()]
check(p.returncode == 0 and o and o[0]["type"] == "aggregate" and o[0]["input"] == "-",
      "stdin: a piped message")
# --rdns: reverse DNS through the resolver (zone file), base domain by PSL
p = subprocess.run([binary, "-n", "-q", "-j", "-", "--rdns", "-Z",
                    data + "/ptr.zone", data + "/q28-multi-auth.xml",
                    data + "/q30-ipv6-empty.xml", data + "/q17-truncated.xml"],
                   capture_output=True)
o = [json.loads(l) for l in p.stdout.decode().splitlines()]
src = [r["source"] for x in o for r in x["records"]]
check(p.returncode == 0 and len(src) == 5, "rdns: three reports, five records",
      p.stderr.decode(errors="replace")[-200:])
if len(src) == 5:
    check(src[0]["reverse_dns"] == "mail-a1.outbound.protection.outlook.com"
          and src[0]["base_domain"] == "outlook.com", "rdns: IPv4 PTR, base domain", repr(src[0]))
    check(src[1]["reverse_dns"] == "mx.example.co.uk" and
          src[1]["base_domain"] == "example.co.uk", "rdns: IPv6 PTR, PSL base domain", repr(src[1]))
    check(src[2]["reverse_dns"] is None, "rdns: empty source left alone", repr(src[2]))
    check(src[3]["reverse_dns"] == src[0]["reverse_dns"], "rdns: cached answer reused")
    check(src[4]["reverse_dns"] is None and src[4]["base_domain"] is None,
          "rdns: SERVFAIL gives no name", repr(src[4]))
print("%d passed, %d failed" % (n["pass"], n["fail"]))
sys.exit(1 if n["fail"] else 0)
PY
