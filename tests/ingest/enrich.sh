#!/bin/sh
# enrich.sh -- dmarc-ingest --geoip FILE and --rdns: the country of each
# aggregate record's source and of a failure report's Source-IP from a
# MaxMind-format file (built here by tests/tools/mkmmdb.py: IPv4 and IPv6
# networks, a registered_country-only range), and the reverse DNS and base
# domain of failure reports; in JSON, CSV (ours and parsedmarc's columns)
# and the database; an unknown address, a missing file or no --geoip leave
# the field empty and are never an error
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/reports/dmarc-ingest
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 missing"; exit 77; }
tmp=$(mktemp -d /tmp/ingest-enrich.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 "$top_srcdir/tests/ingest/html-gen.py" "$tmp/in" || exit 1
python3 "$top_srcdir/tests/tools/mkmmdb.py" "$tmp/geo.mmdb" \
    198.51.100.0/24=US 192.0.2.0/25=DE 203.0.113.0/24=FR:registered \
    2001:db8::/32=NL || exit 1
# sources the file does not hold, an IPv6 one, and one that is no address
cat >"$tmp/in/v6.xml" <<'XML'
<?xml version="1.0"?>
<feedback><report_metadata><org_name>V6</org_name><email>r@v6.example</email><report_id>v6-1</report_id><date_range><begin>1769817600</begin><end>1769903999</end></date_range></report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>
<record><row><source_ip>2001:db8::5</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>
<record><row><source_ip>192.0.2.200</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>
<record><row><source_ip>not-an-address</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>
</feedback>
XML
in=$tmp/in
files="$in/a-0131.xml $in/d-hostile.xml $in/f-ruf.eml $in/v6.xml"
"$bin" -q -d "sqlite:$tmp/e.db" -j "$tmp/e.json" -C "$tmp/csv" --rdns \
    -Z "$in/ptr.zone" --geoip "$tmp/geo.mmdb" $files
echo "$?" >"$tmp/rc.main"
"$bin" -q -n -C "$tmp/pd" --csv-columns parsedmarc --rdns \
    -Z "$in/ptr.zone" --geoip "$tmp/geo.mmdb" $files
echo "$?" >"$tmp/rc.pd"
"$bin" -q -n -j "$tmp/missing.json" --geoip "$tmp/nonexistent.mmdb" \
    $files 2>"$tmp/missing.err"
echo "$?" >"$tmp/rc.missing"
"$bin" -q -n -j "$tmp/none.json" $files
echo "$?" >"$tmp/rc.none"
lookup=
command -v mmdblookup >/dev/null 2>&1 &&
    lookup=$(mmdblookup -f "$tmp/geo.mmdb" -i 2001:db8::5 country iso_code)
exec python3 - "$tmp" "$lookup" <<'PY'
import csv, json, os, sqlite3, sys

tmp, lookup = sys.argv[1], sys.argv[2]
n = {"p": 0, "f": 0}


def check(ok, what, detail=""):
    n["p" if ok else "f"] += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n["p"] + n["f"], what))
    if not ok and detail:
        print("#   " + str(detail)[:600])


def rc(name):
    return open(os.path.join(tmp, "rc." + name)).read().strip()


def sources(path):
    """ip -> (reverse_dns, base_domain, country) of every JSON source."""
    out = {}
    for line in open(path):
        j = json.loads(line)
        recs = j.get("records", []) if j["type"] == "aggregate" else [j]
        for r in recs:
            s = r.get("source", {})
            out[s.get("ip_address")] = (s.get("reverse_dns"),
                                        s.get("base_domain"),
                                        s.get("country"))
    return out


check(rc("main") == "0", "ingest with --rdns --geoip exits 0", rc("main"))
s = sources(os.path.join(tmp, "e.json"))
check(s.get("192.0.2.1") == ("mta1.mail.sender.example", "sender.example",
                             "DE"), "aggregate: PTR, base domain, country",
      s.get("192.0.2.1"))
check(s.get("203.0.113.9", ("",))[2] == "FR",
      "registered_country when the range has no country",
      s.get("203.0.113.9"))
check(s.get("2001:db8::5", ("",))[2] == "NL", "IPv6 source",
      s.get("2001:db8::5"))
check(s.get("192.0.2.200", ("", "", "x"))[2] is None and
      s.get("not-an-address", ("", "", "x"))[2] is None,
      "an address not in the file, and no address: country null",
      (s.get("192.0.2.200"), s.get("not-an-address")))
ruf = [json.loads(l) for l in open(os.path.join(tmp, "e.json"))
       if '"failure"' in l]
src = ruf[0]["source"] if ruf else {}
check(src == {"ip_address": "198.51.100.7",
              "reverse_dns": "mail.spoofer.example",
              "base_domain": "spoofer.example", "country": "US"},
      "failure report: Source-IP with PTR, base domain, country", src)
agg = list(csv.DictReader(open(os.path.join(tmp, "csv", "aggregate.csv"))))
check(sorted((r["source_ip"], r["country"]) for r in agg
             if r["source_ip"] in ("192.0.2.1", "198.51.100.7",
                                   "192.0.2.200")) ==
      [("192.0.2.1", "DE"), ("192.0.2.200", ""), ("198.51.100.7", "US")],
      "aggregate.csv country column",
      [(r["source_ip"], r["country"]) for r in agg])
fl = list(csv.DictReader(open(os.path.join(tmp, "csv", "failure.csv"))))
check(len(fl) == 1 and (fl[0]["source_ip"], fl[0]["reverse_dns"],
                        fl[0]["base_domain"], fl[0]["country"]) ==
      ("198.51.100.7", "mail.spoofer.example", "spoofer.example", "US"),
      "failure.csv reverse_dns, base_domain, country", fl)
check(rc("pd") == "0", "parsedmarc columns run exits 0")
pf = list(csv.DictReader(open(os.path.join(tmp, "pd", "failure.csv"))))
check(len(pf) == 1 and (pf[0]["source_country"], pf[0]["source_reverse_dns"],
                        pf[0]["source_base_domain"]) ==
      ("US", "mail.spoofer.example", "spoofer.example"),
      "parsedmarc failure.csv: source_country, source_reverse_dns, "
      "source_base_domain", pf)
pa = list(csv.DictReader(open(os.path.join(tmp, "pd", "aggregate.csv"))))
check(any(r["source_ip_address"] == "198.51.100.7" and
          r["source_country"] == "US" for r in pa),
      "parsedmarc aggregate.csv: source_country")
db = sqlite3.connect(os.path.join(tmp, "e.db"))
check(db.execute("SELECT source_ip, country FROM rua_records WHERE "
                 "source_ip IN ('192.0.2.1', '198.51.100.7', '192.0.2.200') "
                 "ORDER BY source_ip").fetchall() ==
      [("192.0.2.1", "DE"), ("192.0.2.200", None), ("198.51.100.7", "US")],
      "rua_records.country stored (NULL when unknown)")
check(db.execute("SELECT source_ip, reverse_dns, base_domain, country FROM "
                 "ruf_reports").fetchall() ==
      [("198.51.100.7", "mail.spoofer.example", "spoofer.example", "US")],
      "ruf_reports reverse_dns, base_domain, country stored (migration 021)")
err = open(os.path.join(tmp, "missing.err")).read()
ms = sources(os.path.join(tmp, "missing.json"))
check(rc("missing") == "0" and "nonexistent.mmdb" in err and
      all(v[2] is None for v in ms.values()) and len(ms) >= 7,
      "a missing --geoip file: named on stderr, countries null, exit 0",
      (rc("missing"), err))
ns = sources(os.path.join(tmp, "none.json"))
check(rc("none") == "0" and len(ns) >= 7 and
      all(v == (None, None, None) for v in ns.values()),
      "without --rdns and --geoip: no enrichment", ns)
if lookup:
    check('"NL"' in lookup, "mkmmdb.py's file read by libmaxminddb's "
          "mmdblookup", lookup)
else:
    print("ok %d # SKIP mmdblookup not installed" % (n["p"] + n["f"] + 1))
print("%d passed, %d failed" % (n["p"], n["f"]))
sys.exit(1 if n["f"] else 0)
PY
