#!/bin/sh
# ruf.sh -- failure reports offline: dmarcd -t -F on data/ruf.zone
#
# DESCRIPTION
#	The decisions and the format, through the code path the milter
#	uses (msg_evaluate, then the worker's verification and builder):
#	the fo= matrix (0, 1, d, s, d:s against six authentication
#	outcomes, with the Auth-Failure each gives), FailureReports off,
#	p=none with and without FailureReportsOnNone, FailureReportsBcc
#	with and without ruf=, NoReportsList (address, domain, other),
#	psd=y (no ruf), temperror (no report), a report about a report
#	(none: multipart/report is never reported), an internal subdomain, and
#	RFC 9991 section 5 verification of external destinations
#	(authorized, unauthorized, replaced, replaced by another host,
#	SERVFAIL).  Whole reports are parsed with Python's email module
#	(tests/milter/arfcheck.py) and every field is checked, plain and
#	redacted, and with FailureReportsBody.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (dmarcd not built or no
#	python3).

: "${top_srcdir:=.}" "${top_builddir:=.}"
DMARCD="$top_builddir/milter/dmarcd"
ZONE="$top_srcdir/tests/milter/data/ruf.zone"
CHECK="$top_srcdir/tests/milter/arfcheck.py"
[ -x "$DMARCD" ] || { echo "SKIP: $DMARCD not built"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-ruf.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/tap.sh"

# conf [Key value]...: FailureReports on plus the arguments
conf() {
	printf 'AuthservID mx.test\nTrustedAuthservIDs mx.test\n' >"$tmp/conf"
	printf 'FailureReports yes\n' >>"$tmp/conf"
	for kv in "$@"; do printf '%s\n' "$kv" >>"$tmp/conf"; done
}
# msg FILE DOMAIN [A-R results]: a message from a@DOMAIN
msg() {
	{
		printf 'Received: from mail.sender.example by mx.test; for '
		printf '<bob@rcpt.example>\n'
		printf 'From: Alice <alice@%s>\nTo: Bob <bob@rcpt.example>\n' "$2"
		[ -n "$3" ] && printf 'Authentication-Results: mx.test; %s\n' "$3"
		printf 'Date: Wed, 25 Nov 2026 10:00:00 +0000\n'
		printf 'Subject: quarterly numbers\nMessage-ID: <m1@%s>\n' "$2"
		printf '\nbody line\n'
	} >"$tmp/$1"
}
# run FILE DOMAIN [dmarcd option...]: test mode, reports in full
run() {
	f=$1 d=$2
	shift 2
	"$DMARCD" -c "$tmp/conf" -Z "$ZONE" -t "$tmp/$f" -a 198.51.100.7 \
	    -s "<bounce@$d>" -r '<bob@rcpt.example>' -j Q1 -F "$@" \
	    >"$tmp/out" 2>"$tmp/err"
	sed -n '/^--- failure report ---$/,/^--- end of failure report ---$/p' \
	    "$tmp/out" | sed '1d;$d' >"$tmp/report"
}
# report_line: the "failure-report:" line, or "none"
report_line() {
	l=$(sed -n 's/^failure-report: //p' "$tmp/out")
	echo "${l:-none}"
}

# --- the fo= matrix: six outcomes x fo 0, 1, d, s, d:s
# outcome: A-R results with D for the domain; expected per fo
# (0/1/d/s/ds), "-" no report, else the Auth-Failure word
conf
matrix() {	# matrix NAME "A-R" e0 e1 ed es eds
	name=$1 ar=$2
	shift 2
	for fo in 0 1 d s ds; do
		want=$1
		shift
		d="fo$fo.example"
		msg m.eml "$d" "$(echo "$ar" | sed "s/D/$d/g")"
		run m.eml "$d"
		got=$(report_line | sed -n 's/.* auth-failure=\([a-z]*\) .*/\1/p')
		same "${got:--}" "$want" "fo=$fo, $name: ${want}"
	done
}
matrix "DKIM aligned pass, SPF fail" \
    "dkim=pass header.d=D header.s=s1; spf=fail smtp.mailfrom=D" \
    - dmarc - spf spf
matrix "DKIM fail, SPF aligned pass" \
    "dkim=fail header.d=D header.s=s1; spf=pass smtp.mailfrom=D" \
    - dmarc signature - signature
matrix "DKIM and SPF fail" \
    "dkim=fail header.d=D header.s=s1; spf=fail smtp.mailfrom=D" \
    dmarc dmarc signature spf signature
matrix "DKIM and SPF aligned pass" \
    "dkim=pass header.d=D header.s=s1; spf=pass smtp.mailfrom=D" \
    - - - - -
matrix "DKIM pass unaligned, SPF aligned pass" \
    "dkim=pass header.d=other.example header.s=s1; spf=pass smtp.mailfrom=D" \
    - dmarc - - -
matrix "no authentication results" "" \
    dmarc dmarc - - -

# --- conditions
msg fail0.eml fo0.example "dkim=fail header.d=fo0.example; spf=fail smtp.mailfrom=fo0.example"
conf
run fail0.eml fo0.example
same "$(report_line)" "fo0.example auth-failure=dmarc to=ruf@fo0.example bcc=-" \
    "a failing p=reject domain with ruf gets a report"
printf 'AuthservID mx.test\nTrustedAuthservIDs mx.test\n' >"$tmp/conf"
run fail0.eml fo0.example
same "$(report_line)" none "FailureReports off: no report"
msg none.eml none.example
conf
run none.eml none.example
same "$(report_line)" none "p=none: no report"
conf 'FailureReportsOnNone yes'
run none.eml none.example
same "$(report_line)" "none.example auth-failure=dmarc to=ruf@none.example bcc=-" \
    "p=none with FailureReportsOnNone: report"
msg noruf.eml noruf.example
conf
run noruf.eml noruf.example
same "$(report_line)" none "no ruf, no Bcc: no report"
conf 'FailureReportsBcc audit@mx.test'
run noruf.eml noruf.example
same "$(report_line)" "noruf.example auth-failure=dmarc to=- bcc=audit@mx.test" \
    "no ruf, Bcc: report to the Bcc list"
has "no ruf, Bcc: the Bcc list is the To:" '^To: audit@mx.test$'
run fail0.eml fo0.example
same "$(report_line)" "fo0.example auth-failure=dmarc to=ruf@fo0.example bcc=audit@mx.test" \
    "ruf and Bcc"
if grep -q '^Bcc:' "$tmp/report"; then ok "ReportCommand delivery: Bcc: field"
else notok "ReportCommand delivery: Bcc: field"; fi
conf 'FailureReportsBcc audit@mx.test' 'SMTPServer 127.0.0.1'
run fail0.eml fo0.example
if grep -q '^Bcc:' "$tmp/report"; then notok "SMTP delivery: no Bcc: field"
else ok "SMTP delivery: no Bcc: field"; fi
for entry in ruf@fo0.example RUF@FO0.EXAMPLE fo0.example example \
    other.example ruf@other.example; do
	printf '# no reports\n%s\n' "$entry" >"$tmp/noreports"
	conf "NoReportsList $tmp/noreports"
	run fail0.eml fo0.example
	case $entry in
	*other*) want="fo0.example auth-failure=dmarc to=ruf@fo0.example bcc=-" ;;
	*) want=none ;;
	esac
	same "$(report_line)" "$want" "NoReportsList entry $entry"
done
printf 'ruf@fo0.example\n' >"$tmp/noreports"
conf "NoReportsList $tmp/noreports" 'FailureReportsBcc audit@mx.test'
run fail0.eml fo0.example
same "$(report_line)" "fo0.example auth-failure=dmarc to=- bcc=audit@mx.test" \
    "NoReportsList drops the ruf address, Bcc stays"
conf "NoReportsList $tmp/nonexistent"
run fail0.eml fo0.example
if grep -q "NoReportsList $tmp/nonexistent" "$tmp/err"; then
	ok "NoReportsList missing: configuration error"
else
	notok "NoReportsList missing: configuration error"
fi
msg psd.eml psd.example
conf
run psd.eml psd.example
same "$(report_line)" none "psd=y: ruf never used (D-48)"
msg tf.eml tf.example
run tf.eml tf.example
same "$(report_line)" none "temperror: no report"
msg sub.eml sub.org.example
run sub.eml sub.org.example
same "$(report_line)" \
    "sub.org.example auth-failure=dmarc to=x@reports.sub.org.example bcc=-" \
    "a subdomain of the policy domain's organization needs no check"

{
	sed '/^Subject:/d' "$tmp/fail0.eml" | sed '/^Date:/a\
Subject: a report\
MIME-Version: 1.0\
Content-Type: Multipart/Report; report-type=feedback-report;\
	boundary="x"'
} >"$tmp/report.eml"
conf
run report.eml fo0.example
same "$(report_line)" none "no failure report about a multipart/report message"

# --- external destinations
msg ext.eml ext.example
run ext.eml ext.example
same "$(report_line)" \
    "ext.example auth-failure=dmarc to=ruf@ext.example,ok@auth.example,other@repl.example bcc=-" \
    "external: authorized kept, replacement used, others refused"
for w in "no@unauth.example not authorized (no DMARC1 record at ext.example._report._dmarc.unauth.example)" \
    "b@badrepl.example not authorized (authorizing record names another host" \
    "t@temp.example not authorized (DNS lookup failed for ext.example._report._dmarc.temp.example)"; do
	if grep -qF "$w" "$tmp/err"; then ok "logged: ${w%% *} refused"
	else notok "logged: ${w%% *} refused"; cat "$tmp/err"; fi
done
if grep -q 'x@elsewhere.example' "$tmp/out"; then
	notok "a replacement on another host is not used"
else
	ok "a replacement on another host is not used"
fi

# --- the whole report, parsed
msg full.eml fos.example "dkim=fail header.d=fos.example header.s=sel1; spf=fail smtp.mailfrom=fos.example"
conf 'RejectFailures yes' 'FailureReportsSentBy DMARC <dmarc@mx.test>'
run full.eml fos.example
python3 "$CHECK" "$tmp/report" \
    'top.From=DMARC <dmarc@mx.test>' top.To=ruf@fos.example \
    'top.Subject=DMARC failure report for fos.example received from localhost [198.51.100.7]' \
    'top.Message-ID=<dmarcd-test@mx.test>' top.Auto-Submitted=auto-generated \
    fb.Auth-Failure=spf fb.Identity-Alignment='dkim, spf' \
    'fb.Authentication-Results=mx.test; dmarc=fail (p=reject dis=reject) header.from=fos.example; spf=fail smtp.mailfrom=fos.example; dkim=fail header.d=fos.example header.s=sel1' \
    fb.Original-Envelope-Id=Q1 'fb.Original-Mail-From=<bounce@fos.example>' \
    'fb.Original-Rcpt-To=<bob@rcpt.example>' has.Arrival-Date \
    'fb.Reporting-MTA=dns; mx.test' fb.Source-IP=198.51.100.7 \
    fb.Reported-Domain=fos.example fb.Delivery-Result=reject \
    fb.DKIM-Domain=fos.example fb.DKIM-Selector=sel1 \
    fb.DKIM-Identity=@fos.example \
    'fb.SPF-DNS=txt : fos.example : "v=spf1 ip4:198.51.100.0/24 -all"' \
    'hdr.From=Alice <alice@fos.example>' 'hdr.To=Bob <bob@rcpt.example>' \
    'hdr.Subject=quarterly numbers' 'hdr.Message-ID=<m1@fos.example>' \
    'text~DMARC result: fail' 'text~Policy domain: fos.example (p=reject)' \
    'raw!body line' >"$tmp/check" 2>&1
n_ok=$(grep -c '^ok' "$tmp/check")
n_bad=$(grep -c '^not ok' "$tmp/check")
same "$n_bad" 0 "full report: $n_ok fields checked by the email module"
[ "$n_bad" -eq 0 ] || sed 's/^/#   /' "$tmp/check"
conf 'FailureReportsRedact yes'
run full.eml fos.example
python3 "$CHECK" "$tmp/report" 'fb.Original-Mail-From=<redacted@fos.example>' \
    'fb.Original-Rcpt-To=<redacted@rcpt.example>' \
    'hdr.From=Alice <redacted@fos.example>' 'hdr.To=Bob <redacted@rcpt.example>' \
    'hdr.Message-ID=<m1@fos.example>' fb.Delivery-Result=delivered \
    'text~redacted (RFC 6590)' 'raw!alice@' 'raw!bob@' 'raw!bounce@' \
    >"$tmp/check" 2>&1
n_ok=$(grep -c '^ok' "$tmp/check")
n_bad=$(grep -c '^not ok' "$tmp/check")
same "$n_bad" 0 "redacted report: $n_ok checks"
[ "$n_bad" -eq 0 ] || sed 's/^/#   /' "$tmp/check"

# FailureReportsBody: the whole message as message/rfc822
conf 'FailureReportsBody yes'
run full.eml fos.example
python3 "$CHECK" "$tmp/report" body=1 'body~body line' \
    'hdr.Subject=quarterly numbers' 'text~The original message follows.' \
    >"$tmp/check" 2>&1
n_ok=$(grep -c '^ok' "$tmp/check")
n_bad=$(grep -c '^not ok' "$tmp/check")
same "$n_bad" 0 "FailureReportsBody: message/rfc822 with the body ($n_ok checks)"
[ "$n_bad" -eq 0 ] || sed 's/^/#   /' "$tmp/check"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
