#!/bin/sh
# testmode.sh -- dmarcd -t: the per-message decisions the miltertest
# scripts do not cover, through the same code path the milter uses
#
# Covers IgnoreMailFrom (envelope, not header), IgnoreMailTo (envelope and
# To:), CopyFailuresTo, SoftwareHeader, RecordAllMessages, a From that
# cannot be parsed (permerror, recorded) and RequiredFrom, a history file
# that cannot be written (tempfail by default, HistoryFailureAction
# accept), OPENDMARC_TEST_* variables, dmarcd -n on good and bad files,
# and an unreadable message file.  Prints "N passed, N failed".

: "${top_srcdir:=.}" "${top_builddir:=.}"
DMARCD="$top_builddir/milter/dmarcd"
ZONE="$top_srcdir/tests/milter/data/test.zone"
[ -x "$DMARCD" ] || { echo "SKIP: $DMARCD not built"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-tm.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/tap.sh"

base() {
	printf 'AuthservID mx.test\nTrustedAuthservIDs mx.test\n' >"$tmp/conf"
	for kv in "$@"; do printf '%s\n' "$kv" >>"$tmp/conf"; done
}
msg() {	# msg FILE FROM [extra header lines]
	f=$1 from=$2; shift 2
	{ printf 'From: %s\n' "$from"; for h in "$@"; do printf '%s\n' "$h"; done
	  printf 'Date: Wed, 25 Nov 2026 10:00:00 +0000\nSubject: t\n\nbody\n'; } >"$tmp/$f"
}
run() {	# run FILE [dmarcd options]
	f=$1; shift
	"$DMARCD" -c "$tmp/conf" -Z "$ZONE" -t "$tmp/$f" -a 192.0.2.10 "$@" \
	    >"$tmp/out" 2>"$tmp/err"
	echo "exit $?" >>"$tmp/out"
	cat "$tmp/err" >>"$tmp/out"
}

msg fail.eml '<a@reject.example>'

base 'IgnoreMailFrom reject.example'
run fail.eml -s '<bounce@reject.example>'
has "IgnoreMailFrom: envelope domain listed, accepted" '^action: accept'
run fail.eml -s '<bounce@other.example>'
has "IgnoreMailFrom: header From alone does not bypass" '^action: continue'
has "IgnoreMailFrom: ... and is evaluated" 'dmarc=fail'

base 'IgnoreMailTo dmarc-reports@example.org'
run fail.eml -r '<dmarc-reports@example.org>'
has "IgnoreMailTo: envelope recipient skips the record" '^history: none (IgnoreMailTo'
msg to.eml '<a@reject.example>' 'To: Reports <DMARC-Reports@example.org>'
run to.eml
has "IgnoreMailTo: To: header address skips the record" '^history: none (IgnoreMailTo'
base 'IgnoreMailTo example.org'
run fail.eml -r '<x@example.org>'
has "IgnoreMailTo: bare domain entry" '^history: none (IgnoreMailTo'
run fail.eml -r '<x@example.net>'
has "IgnoreMailTo: other recipients still recorded" '^  job DEBUG-i'

base 'CopyFailuresTo audit@example.org' 'SoftwareHeader yes'
run fail.eml -j Q123
has "CopyFailuresTo on a p=reject failure" '^add-rcpt: audit@example.org'
has "SoftwareHeader added" '^add-header: DMARC-Filter: dmarcd v[0-9.]* mx.test Q123'
msg none.eml '<a@none.example>'
run none.eml
hasnt "CopyFailuresTo not for p=none" '^add-rcpt:'

base
msg nodmarc.eml '<a@nothing.example>'
run nodmarc.eml
has "no record: header says none" 'dmarc=none header.from=nothing.example'
has "no record: no invented (p=none) comment" 'dmarc=none header.from'
has "no record, RecordAllMessages off: no history" '^history: none (no DMARC record'
base 'RecordAllMessages yes'
run nodmarc.eml
has "RecordAllMessages: policy 14 recorded" '^  policy 14'
has "RecordAllMessages: pct 0 without a record" '^  pct 0'

base
msg junk.eml '<a@reject.example'
run junk.eml
has "unparseable From: permerror, not a silent accept" 'dmarc=permerror (no usable From domain)'
has "unparseable From: recorded" '^  dmarc permerror'
base 'RequiredFrom yes'
run junk.eml
has "RequiredFrom rejects an unparseable From" '^reply: 550 5.7.1 no usable From domain'

base "HistoryFile $tmp/nodir/history"
run fail.eml
has "history write failure tempfails by default" '^reply: 451 4.3.0'
has "history write failure is logged with the path" "cannot append to history file $tmp/nodir/history"
base "HistoryFile $tmp/nodir/history" 'HistoryFailureAction accept'
run fail.eml
has "HistoryFailureAction accept keeps the message" '^action: continue'
base "HistoryFile $tmp/torn"
printf 'job torn\nreporter mx.test\nrecei' >"$tmp/torn"
run fail.eml
has "a torn last line does not swallow our record" '^action: '
if [ "$(head -n 3 "$tmp/torn")" = "job torn
reporter mx.test
job DEBUG-i" ] && ! grep -qx recei "$tmp/torn"; then
	ok "history: a torn last line is cut off, whole lines stay"
else
	notok "history: a torn last line is cut off, whole lines stay"
fi
has "history: the cut is logged" 'ended in a torn line.*5 bytes cut off'
run fail.eml
if [ "$(grep -c '^job DEBUG-i$' "$tmp/torn")" -eq 2 ] &&
    ! grep -q '^$' "$tmp/torn"; then
	ok "history: the next record follows directly (no blank line)"
else
	notok "history: the next record follows directly (no blank line)"
fi
if [ -w /dev/full ]; then
	base "HistoryFile /dev/full"
	run fail.eml
	has "disk full: history write tempfails" '^reply: 451 4.3.0'
	has "disk full: one log line with the reason" 'No space left on device'
fi
base "HistoryFile $tmp/history"
run fail.eml
run fail.eml
if [ "$(grep -c '^job ' "$tmp/history")" -eq 2 ] && [ "$(grep -c '^action ' "$tmp/history")" -eq 2 ]; then
	ok "two messages, two complete records appended"
else
	notok "two messages, two complete records appended"
fi

msg arc.eml '<a@reject.example>' \
    'Authentication-Results: mx.test; arc=pass arc.chain=fwd.example' \
    'ARC-Seal: i=1; a=rsa-sha256; cv=none; d=fwd.example; s=s1; t=1; b=AAAA' \
    'ARC-Authentication-Results: i=1; fwd.example; arc=none smtp.remote-ip=192.0.2.44'
base 'RejectFailures yes' 'DomainWhitelist fwd.example'
run arc.eml
has "ARC: trusted sealer overrides reject" '^action: continue'
has "ARC: DMARC result stays fail" 'dmarc=fail (p=reject dis=none)'
has "ARC: history arc pass" '^  arc 0$'
has "ARC: history arc_policy 0 with the seal and AAR address" \
    '^  arc_policy 0 json:\[{ "i": 1, "d":"fwd.example", "s":"s1", "ip":"192.0.2.44" }\]'
has "ARC: reason local_policy" '^  reason local_policy'
base 'RejectFailures yes' 'DomainWhitelist other.example'
run arc.eml
has "ARC: sealer not whitelisted, reject stands" '^action: reject'
has "ARC: not whitelisted, arc_policy 2" '^  arc_policy 2 json:\[{ "i": 1'
msg arc2.eml '<a@reject.example>' \
    'Authentication-Results: mx.test; arc=pass arc.chain=fwd.example' \
    'Authentication-Results: mx.test; arc=pass arc.chain=fwd.example' \
    'ARC-Seal: x'
base 'RejectFailures yes' 'DomainWhitelist fwd.example'
run arc2.eml
has "ARC: two trusted arc=pass are not a pass; malformed seal skipped" '^action: reject'

SZONE="$top_srcdir/tests/milter/data/spf.zone"
spfrun() {	# spfrun IP SENDER
	"$DMARCD" -c "$tmp/conf" -Z "$SZONE" -t "$tmp/spf.eml" -a "$1" -s "$2" \
	    -H mx.spf.example >"$tmp/out" 2>&1
}
msg spf.eml '<a@spf.example>'
base 'SPFSelfValidate yes' 'RejectFailures yes'
spfrun 192.0.2.10 '<a@spf.example>'
has "SPFSelfValidate: own pass aligns, DMARC pass" 'dmarc=pass'
has "SPFSelfValidate: own spf= result in the A-R header" \
    'Authentication-Results: mx.test; spf=pass smtp.mailfrom=spf.example;'
has "SPFSelfValidate: history spf 0, scope mfrom" '^  spf_scope 1'
hasnt "SPFSelfValidate: no 'not in effect' warning" 'no effect in this version'
spfrun 198.51.100.1 '<a@spf.example>'
has "SPFSelfValidate: -all from elsewhere is fail, reject" '^action: reject'
has "SPFSelfValidate: history spf 7" '^  spf 7'
spfrun 192.0.2.10 '<>'
has "SPFSelfValidate: null sender checks HELO (scope helo)" 'spf=pass smtp.helo=mx.spf.example'
msg spf.eml '<a@tf.example>'
spfrun 192.0.2.10 '<a@tf.example>'
has "SPFSelfValidate: DNS failure in an include is temperror, tempfail" '^reply: 451 4.7.0'
msg spf.eml '<a@spf.example>' \
    'Authentication-Results: mx.test; spf=pass smtp.mailfrom=spf.example'
spfrun 198.51.100.1 '<a@spf.example>'
has "SPFSelfValidate: trusted upstream SPF is used first" 'dmarc=pass'
hasnt "SPFSelfValidate: no own check then" 'spf=fail'
base 'SPFSelfValidate yes' 'SPFSelfValidateAlways yes' 'RejectFailures yes'
spfrun 198.51.100.1 '<a@spf.example>'
has "SPFSelfValidateAlways: own fail overrides upstream pass" '^action: reject'
has "SPFSelfValidateAlways: history has own spf 7" '^  spf 7'
base 'RejectFailures yes'
msg spf.eml '<a@spf.example>'
spfrun 192.0.2.10 '<a@spf.example>'
has "without SPFSelfValidate no own SPF check" '^action: reject'

base
OPENDMARC_TEST_CLIENTIP=198.51.100.7 OPENDMARC_TEST_ENVFROM='<x@reject.example>' \
    "$DMARCD" -c "$tmp/conf" -Z "$ZONE" -t "$tmp/fail.eml" >"$tmp/out" 2>&1
has "OPENDMARC_TEST_CLIENTIP used" '^  ipaddr 198.51.100.7'
has "OPENDMARC_TEST_ENVFROM used" '^  mfrom reject.example'
"$DMARCD" -c "$tmp/conf" -Z "$ZONE" -t "$tmp/fail.eml" >"$tmp/out" 2>&1
has "127.0.0.1 is ignored by default" 'IgnoreHosts'

base 'RejectFailures yes'
"$DMARCD" -n -c "$tmp/conf" >"$tmp/out" 2>&1; echo "exit $?" >>"$tmp/out"
has "dmarcd -n accepts a good file" '^exit 0'
printf 'AuthservID mx.test\nNoSuchKey 1\n' >"$tmp/bad.conf"
"$DMARCD" -n -c "$tmp/bad.conf" >"$tmp/out" 2>&1; echo "exit $?" >>"$tmp/out"
has "dmarcd -n names file and line of an unknown key" "bad.conf:2:"
has "dmarcd -n fails on it" '^exit 1'
run missing.eml
has "unreadable message file: exit 1" '^exit 1'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
