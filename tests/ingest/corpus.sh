#!/bin/sh
# corpus.sh -- the shared corpus sweep: every report parses, every
# negative is rejected with a reason, nothing crashes
#
# DESCRIPTION
#	The corpus (real reports from public repositories, not ours and
#	never committed) lives beside the checkout, in
#	$top_srcdir/../shared/corpus, with INDEX.md naming each file's kind
#	and record count.  CI has it; without it this test skips (77).
#	Every aggregate file must give an aggregate report with the indexed
#	number of records, every TLS file a TLS report, every failure file
#	a failure report; negatives, ARF abuse reports and other parsers'
#	expected-output JSON must be rejected with a reason.  ASan/UBSan
#	make any memory error a failure.
: "${top_srcdir:=.}" "${top_builddir:=.}"
corpus=${INGEST_CORPUS:-$top_srcdir/../shared/corpus}
bin=$top_builddir/reports/dmarc-ingest
if [ ! -f "$corpus/INDEX.md" ]; then
	echo "SKIP: no corpus at $corpus (it is not part of the repository)"
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
exec python3 - "$corpus" "$bin" <<'PY'
import json, os, re, subprocess, sys

corpus, binary = sys.argv[1], sys.argv[2]
want_type = {"aggregate": "aggregate", "tlsrpt": "tls",
             "tlsrpt (base64 text of .json.gz)": "tls",
             "forensic (ARF)": "failure", "forensic (plain text)": "failure"}
reject = ("negative", "ARF abuse (not DMARC)", "expected-output JSON")
passed = failed = 0
section = None
rows = []
for line in open(os.path.join(corpus, "INDEX.md"), encoding="utf-8"):
    m = re.match(r"^## (\S+) \(", line)
    if m:
        section = m.group(1)
        continue
    m = re.match(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]*) \| ([^|]*) \| ([^|]*) \| ([^|]*) \|", line)
    if m and section:
        rows.append((section, m.group(1), m.group(2).strip(), m.group(6).strip()))
for section, rel, kind, rec in rows:
    path = os.path.join(corpus, section, rel)
    name = section + "/" + rel
    if not os.path.exists(path):
        continue
    p = subprocess.run([binary, "-n", "-q", "-j", "-", path],
                       capture_output=True)
    ok, why = True, ""
    if p.returncode not in (0, 1):
        ok, why = False, "exit %d: %s" % (p.returncode,
                                          p.stderr.decode(errors="replace")[-300:])
    try:
        objs = [json.loads(l) for l in p.stdout.decode().splitlines() if l]
    except ValueError as e:
        objs, ok, why = [], False, "invalid JSON output: %s" % e
    types = [o["type"] for o in objs]
    if ok and kind in want_type:
        t = want_type[kind]
        got = [o for o in objs if o["type"] == t]
        if not got:
            ok, why = False, "no %s report: %s" % (t, [o.get("reason") for o in objs])
        elif t == "aggregate" and rec.isdigit() and \
                sum(len(o["records"]) for o in got) != int(rec) * len(got):
            ok, why = False, "records %d, index says %s" % (
                sum(len(o["records"]) for o in got), rec)
    elif ok and kind in reject:
        if not types or set(types) != {"invalid"} or \
                not all(o.get("reason") for o in objs):
            ok, why = False, "not rejected with a reason: %s" % types
        else:
            why = objs[0]["reason"]
    elif ok:
        why = "kind %s not checked" % kind
    if ok:
        passed += 1
        print("ok %d - %s (%s)%s" % (passed + failed, name, kind,
                                      ": " + why if why else ""))
    else:
        failed += 1
        print("not ok %d - %s (%s): %s" % (passed + failed, name, kind, why))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or passed == 0 else 0)
PY
