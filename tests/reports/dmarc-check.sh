#!/bin/sh
# dmarc-check.sh -- reports/dmarc-check against tests/reports/data/check.zone
#
# Each case runs dmarc-check on one domain of the zone file and checks the
# exit status (0 clean, 1 warnings, 2 errors, 64 usage) and a line of the
# output.  The PSL is tests/data/psl-test.dat (com, io, ...), named in a
# configuration file, so the result does not depend on the system list.
: "${top_srcdir:=.}" "${top_builddir:=.}"
prog="$top_builddir/reports/dmarc-check"
zone="$top_srcdir/tests/reports/data/check.zone"
[ -x "$prog" ] || { echo "missing $prog"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
conf="$tmp/check.conf"
printf 'PublicSuffixList %s\n' "$top_srcdir/tests/data/psl-test.dat" >"$conf"
pass=0
fail=0

# expect RC TEXT ARGS...: exit status RC and TEXT (fixed string) in output
expect() {
	want=$1 text=$2
	shift 2
	out=$("$prog" -c "$conf" -Z "$zone" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "not ok - $*: exit $rc, want $want"
		printf '%s\n' "$out"
		fail=$((fail + 1))
	elif ! printf '%s\n' "$out" | grep -qF -- "$text"; then
		echo "not ok - $*: no '$text' in output"
		printf '%s\n' "$out"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# absent TEXT ARGS...: TEXT must not appear (whatever the status)
absent() {
	text=$1
	shift
	if "$prog" -c "$conf" -Z "$zone" "$@" 2>&1 | grep -qF -- "$text"; then
		echo "not ok - $*: unexpected '$text'"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# clean domain
expect 0 "record: v=DMARC1; p=reject; rua=mailto:d@clean.example.com   (at clean.example.com, applies p)" clean.example.com
expect 0 "policy: domain reject, subdomains reject, non-existent subdomains reject" clean.example.com
expect 0 "walk: _dmarc.clean.example.com TXT data (1 record)" clean.example.com
expect 0 "walk: _dmarc.com TXT nxdomain" clean.example.com
absent "warning" clean.example.com
expect 0 "alignment: dkim relaxed, spf relaxed; testing: no; psd: u" CLEAN.Example.COM.

# existing subdomain: sp; non-existent subdomain: np
expect 0 "(at sp.example.com, applies sp)" www.sp.example.com
expect 0 "policy: domain quarantine, subdomains quarantine, non-existent subdomains reject" www.sp.example.com
expect 0 "organizational domain: sp.example.com" www.sp.example.com
expect 0 "(at sp.example.com, applies np)" ghost.sp.example.com
expect 0 "policy: domain reject," ghost.sp.example.com

# lint warnings
expect 1 'warning: _dmarc.vlow.com: TXT record ignored, it does not start with v=DMARC1: "v=dmarc1; p=none"' vlow.com
expect 1 'it does not start with v=DMARC1: "p=reject; v=DMARC1"' porder.com
expect 1 "(1 record, 1 other TXT)" porder.com
expect 1 "warning: invalid p= value" badp.com
for t in sp np adkim aspf fo psd t; do
	expect 1 "warning: invalid $t= value" badtags.com
done
expect 1 "the record acts as p=none (D-09)" badtags.com
expect 1 "warning: invalid rua URI: notauri" badrua.com
expect 1 "warning: invalid ruf URI: alsonot" badrua.com
expect 1 "warning: historic tag(s) pct ri: ignored under RFC 9989" hist.com
expect 1 "the !size suffix is obsolete under RFC 9989" size.com
expect 1 "warning: no rua= tag" norua.com
expect 1 "warning: no p= tag: treated as p=none because rua= is valid (D-09)" nop.com
expect 2 "error: no p= tag and no valid rua=: the record is not usable (D-09)" nopnorua.com
expect 1 "warning: p=none: monitoring only" pnone.com
expect 1 "warning: fo= without ruf= has no effect" fonoruf.com
expect 1 "warning: _dmarc.io: PSO record at a public suffix without psd=y (D-10)" shop.io
expect 1 "(at io, applies sp)" shop.io
expect 0 "record: v=DMARC1; psd=y; p=reject; rua=mailto:d@uk   (at uk, applies sp)" shop.uk
expect 0 "organizational domain: shop.uk" shop.uk
expect 0 "psd: y" shop.uk
absent "PSO record" shop.uk

# several records, no record, SERVFAIL, invalid name, usage
expect 2 "warning: _dmarc.two.com: 2 DMARC records: all are ignored (D-04)" two.com
expect 2 "error: no usable DMARC record" two.com
expect 2 "error: no usable DMARC record" norec.com
expect 2 "error: DNS temporary failure (servfail) at _dmarc.sf.com" sf.com
expect 2 "error: invalid domain name" 'bad..name'
expect 2 "error: invalid domain name" 'bad_name;.com'
expect 64 "usage:"
expect 64 "usage:" -x clean.example.com
# the worst status of several domains
expect 2 "clean.example.com" clean.example.com norua.com norec.com
expect 1 "norua.com" clean.example.com norua.com

# external report destinations (D-47)
expect 1 "warning: rua destination reports.net is outside ext.com and not authorized: no DMARC record at ext.com._report._dmarc.reports.net (D-47)" ext.com
expect 0 "rua: mailto:d@reports.net   (external, authorized by extok.com._report._dmarc.reports.net)" extok.com
expect 0 "ruf: mailto:f@reports.net   (external, authorized" extok.com

# RFC 7489 mode: two queries, PSL org domain, pct honoured, no historic
expect 0 "(at org7.com, applies sp)" -7 b.org7.com
expect 0 "pct: 50" -7 b.org7.com
absent "walk: _dmarc.com" -7 b.org7.com
expect 1 "historic tag(s) pct" b.org7.com
# the walk finds sp.example.com; RFC 7489 discovery does not
expect 2 "error: no usable DMARC record" -7 www.sp.example.com
n=$("$prog" -c "$conf" -Z "$zone" -7 b.org7.com | grep -c "walk:")
if [ "$n" -eq 2 ]; then pass=$((pass + 1)); else
	echo "not ok - -7 made $n queries, want 2"; fail=$((fail + 1)); fi

# TestDNSData in the configuration file instead of -Z
printf 'PublicSuffixList %s\nTestDNSData %s\n' \
    "$top_srcdir/tests/data/psl-test.dat" "$zone" >"$tmp/tdd.conf"
if "$prog" -c "$tmp/tdd.conf" clean.example.com | grep -qF "applies p"; then
	pass=$((pass + 1)); else
	echo "not ok - TestDNSData not used"; fail=$((fail + 1)); fi

# --json: valid JSON, fields checked
json() {
	script=$1
	shift
	if "$prog" -c "$conf" -Z "$zone" --json "$@" >"$tmp/out.json" &&
	    python3 -c "import json,sys; d=json.load(sys.stdin); $script" \
	    <"$tmp/out.json"; then
		pass=$((pass + 1))
	else
		echo "not ok - --json $*: $script"
		cat "$tmp/out.json"
		fail=$((fail + 1))
	fi
}
if command -v python3 >/dev/null 2>&1; then
	json 'assert d[0]["applies"] == "p" and d[1]["applies"] == "np"' \
	    clean.example.com ghost.sp.example.com
	json 'assert d[0]["policy"]["subdomains"] == "quarantine"' \
	    www.sp.example.com
	json 'assert d[0]["org_domain"] == "sp.example.com"' www.sp.example.com
	json 'assert d[0]["walk"][0]["name"] == "_dmarc.clean.example.com"' \
	    clean.example.com
	json 'assert d[0]["rua"][0]["note"].startswith("external, authorized")' \
	    extok.com
	json 'assert d[0]["status"] == 0 and d[0]["warnings"] == []' \
	    clean.example.com
	# warnings with quotes inside: the escaper
	"$prog" -c "$conf" -Z "$zone" --json vlow.com bad..x >"$tmp/v.json"
	rc=$?
	if [ "$rc" -eq 2 ] && python3 -c 'import json,sys
d = json.load(sys.stdin)
assert "\"v=dmarc1; p=none\"" in d[0]["warnings"][0], d
assert d[1]["domain"] is None and d[1]["status"] == 2, d' <"$tmp/v.json"; then
		pass=$((pass + 1)); else
		echo "not ok - --json escaping (exit $rc)"; cat "$tmp/v.json"
		fail=$((fail + 1)); fi
	json 'assert d[0]["profile"] == "rfc7489" and d[0]["pct"] == 50' \
	    -7 b.org7.com
else
	echo "# python3 not found: --json not checked"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
