#!/bin/sh
# ruf.sh -- failure reports end to end: dmarcd daemon, milter traffic,
# a real SMTP receiver
#
# DESCRIPTION
#	dmarcd runs as a daemon on a private socket (DNS from
#	tests/milter/data/ruf.zone); tests/tools/milterprobe sends mail the
#	way Postfix does; reports go by SMTP to Postfix's smtp-sink
#	(tests/integration/lib/smtpsink.sh) or through ReportCommand.
#	Checked:
#	  1. a p=reject failure: the report arrives, envelope and every
#	     field parsed back with Python's email module (arfcheck.py);
#	  2. the rate limit: more failures from the same IP give no report,
#	     another IP does; the suppressed count is logged at shutdown;
#	  3. external ruf destinations: the unauthorized ones are refused
#	     and logged, the authorized and the replacement get the report;
#	  4. SIGHUP to ReportCommand: argv without a shell (a ';' reaches
#	     the program literally), the rate limit survives the reload, a
#	     failing command is logged with its exit status;
#	     FailureReportsBody: the milter asks for the body, which the
#	     report carries as message/rfc822;
#	  5. a dead relay: logged, mail unaffected;
#	  6. a relay that never answers, queue size 2: six failing messages
#	     on one milter connection are all answered although each report
#	     would wait 30 s for the greeting (milterprobe gives up on any
#	     reply later than 10 s) and the first report is still pending
#	     when the last reply came; the overflow is dropped with log lines;
#	     SIGTERM drains for 10 s, then drops and logs the rest.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (smtp-sink, python3 or
#	ss missing), 99 setup failure.

: "${top_srcdir:=.}" "${top_builddir:=.}"
DMARCD="$top_builddir/milter/dmarcd"
PROBE="$top_builddir/tests/tools/milterprobe"
ZONE="$top_srcdir/tests/milter/data/ruf.zone"
CHECK="$top_srcdir/tests/milter/arfcheck.py"
PATH="$PATH:/usr/sbin:/sbin"

for p in smtp-sink python3 ss; do
	command -v "$p" >/dev/null 2>&1 || { echo "SKIP: $p missing"; exit 77; }
done
[ -x "$DMARCD" ] && [ -x "$PROBE" ] || { echo "SKIP: not built"; exit 77; }
. "$top_srcdir/tests/integration/lib/smtpsink.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-rufe2e.XXXXXX") || exit 99
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	smtpsink_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/lib/tap.sh"
logged() {	# logged DESC TEXT: the daemon's log contains TEXT
	if grep -qF -- "$2" "$tmp/dmarcd.log"; then ok "$1"; else
		notok "$1"; echo "#   no log line with: $2"; fi
}
# waitlog TEXT N SECONDS: until TEXT is logged N times
waitlog() {
	i=0
	while [ "$(grep -cF -- "$1" "$tmp/dmarcd.log")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

# conf [Key value]...: the base configuration plus the arguments
conf() {
	{
		printf 'AuthservID mx.test\nTrustedAuthservIDs mx.test\n'
		printf 'TestDNSData %s\nRejectFailures yes\n' "$ZONE"
		printf 'FailureReports yes\nBaseDirectory %s\n' "$tmp"
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} >"$tmp/conf.new"
	mv "$tmp/conf.new" "$tmp/conf"
}
# msg FILE DOMAIN: a message failing DMARC for DOMAIN
msg() {
	{
		printf 'From: Alice <alice@%s>\nTo: Bob <bob@rcpt.example>\n' "$2"
		printf 'Authentication-Results: mx.test; dkim=fail header.d=%s ' "$2"
		printf 'header.s=sel1; spf=fail smtp.mailfrom=%s\n' "$2"
		printf 'Date: Wed, 25 Nov 2026 10:00:00 +0000\n'
		printf 'Subject: quarterly numbers\nMessage-ID: <m1@%s>\n' "$2"
		printf '\nbody line\n'
	} >"$tmp/$1"
}
# probe IP DOMAIN FILE...: one milter connection, one message per FILE
probe() {
	ip=$1 d=$2
	shift 2
	args=
	for f in "$@"; do args="$args -m $tmp/$f"; done
	# shellcheck disable=SC2086
	"$PROBE" -T 10 -a "$ip" -n "mail.$d" -s "<bounce@$d>" \
	    -r '<bob@rcpt.example>' $args "local:$tmp/sock" >"$tmp/probe.out" \
	    2>&1
}
reload() {
	n=$(grep -c 'configuration reloaded' "$tmp/dmarcd.log")
	kill -HUP "$pid"
	waitlog 'configuration reloaded' $((n + 1)) 10 ||
	    { echo "reload not logged"; exit 99; }
}

smtpsink_start "$tmp/sink" || exit 99
conf "SMTPServer 127.0.0.1" "SMTPPort $SMTPSINK_PORT" "SMTPStartTLS no"
"$DMARCD" -f -v -c "$tmp/conf" -p "local:$tmp/sock" >"$tmp/dmarcd.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$tmp/sock" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "dmarcd did not start"; cat "$tmp/dmarcd.log"; exit 99; }
	sleep 0.1
done

# 1. one failure, one report, parsed back
msg fos.eml fos.example
probe 198.51.100.7 fos.example fos.eml
same "$?" 0 "milter transaction completed"
if grep -q '^eom: replycode 550 5.7.1' "$tmp/probe.out"; then
	ok "message rejected (p=reject, RejectFailures)"
else
	notok "message rejected (p=reject, RejectFailures)"
fi
smtpsink_wait "$tmp/sink" 1 20
f=$(find "$tmp/sink/msg" -type f | head -1)
same "$(smtpsink_rcpts "$f" 2>/dev/null)" ruf@fos.example "envelope recipient is the ruf address"
same "$(sed -n 's/^X-Mail-Args: //p' "$f" 2>/dev/null)" "<postmaster@mx.test>" \
    "envelope sender is FailureReportsSentBy's address"
smtpsink_message "$f" >"$tmp/r1.eml" 2>/dev/null
python3 "$CHECK" "$tmp/r1.eml" 'top.From=dmarcd <postmaster@mx.test>' \
    top.To=ruf@fos.example \
    'top.Subject=DMARC failure report for fos.example received from mail.fos.example [198.51.100.7]' \
    fb.Auth-Failure=spf 'fb.Identity-Alignment=dkim, spf' \
    'fb.Authentication-Results=mx.test; dmarc=fail (p=reject dis=reject) header.from=fos.example; spf=fail smtp.mailfrom=fos.example; dkim=fail header.d=fos.example header.s=sel1' \
    fb.Original-Envelope-Id=PROBE1 'fb.Original-Mail-From=<bounce@fos.example>' \
    'fb.Original-Rcpt-To=<bob@rcpt.example>' has.Arrival-Date \
    'fb.Reporting-MTA=dns; mx.test' fb.Source-IP=198.51.100.7 \
    fb.Reported-Domain=fos.example fb.Delivery-Result=reject \
    fb.DKIM-Domain=fos.example fb.DKIM-Selector=sel1 \
    fb.DKIM-Identity=@fos.example \
    'fb.SPF-DNS=txt : fos.example : "v=spf1 ip4:198.51.100.0/24 -all"' \
    'hdr.From=Alice <alice@fos.example>' 'hdr.Subject=quarterly numbers' \
    'text~DMARC result: fail' 'raw!body line' >"$tmp/check" 2>&1
same "$(grep -c '^not ok' "$tmp/check")" 0 \
    "received report: $(grep -c '^ok' "$tmp/check") checks by the email module"
grep '^not ok' "$tmp/check" | sed 's/^/#   /'
logged "sending logged" "failure report for fos.example (PROBE1) sent to 1 recipient, first ruf@fos.example"

# 2. rate limit: same domain, destination and IP
probe 198.51.100.7 fos.example fos.eml fos.eml fos.eml
probe 198.51.100.8 fos.example fos.eml
smtpsink_wait "$tmp/sink" 2 20
sleep 0.5	# a third report would have come before the one from .8
same "$(smtpsink_count "$tmp/sink")" 2 "three more from one IP: no report; another IP: one"
f=$(grep -l '^Source-IP: 198.51.100.8' "$tmp/sink/msg/"* 2>/dev/null | head -1)
if [ -n "$f" ]; then ok "the second report is for the other IP"; else
	notok "the second report is for the other IP"; fi

# 3. external destinations
msg ext.eml ext.example
probe 198.51.100.7 ext.example ext.eml
smtpsink_wait "$tmp/sink" 3 20
f=$(grep -l '^Reported-Domain: ext.example' "$tmp/sink/msg/"* 2>/dev/null | head -1)
same "$(smtpsink_rcpts "$f" 2>/dev/null | tr '\n' ' ')" \
    "ruf@ext.example ok@auth.example other@repl.example " \
    "external: authorized and replacement addresses only"
logged "unauthorized destination logged" "no@unauth.example not authorized"
logged "replacement on another host refused" "b@badrepl.example not authorized"
logged "SERVFAIL refused" "t@temp.example not authorized (DNS lookup failed"

# 4. ReportCommand after SIGHUP: an argv, no shell
conf "ReportCommand /usr/bin/dd of=$tmp/cmd.out;touch status=none"
reload
msg fo0.eml fo0.example
probe 198.51.100.9 fo0.example fo0.eml
i=0
while [ ! -s "$tmp/cmd.out;touch" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
waitlog "failure report for fo0.example (PROBE1) sent" 1 10
if [ -s "$tmp/cmd.out;touch" ]; then
	ok "ReportCommand got the report; ';' passed literally"
else
	notok "ReportCommand got the report; ';' passed literally"
fi
if [ -e "$tmp/status=none" ]; then notok "no shell ran 'touch'"; else ok "no shell ran 'touch'"; fi
python3 "$CHECK" "$tmp/cmd.out;touch" top.To=ruf@fo0.example fb.Source-IP=198.51.100.9 \
    >"$tmp/check" 2>&1
same "$(grep -c '^not ok' "$tmp/check")" 0 "command's report parses"
probe 198.51.100.7 fos.example fos.eml
conf "ReportCommand /bin/false"
reload
msg fo1.eml fo1.example
probe 198.51.100.9 fo1.example fo1.eml
waitlog "/bin/false exited with status 1" 1 10
logged "failing ReportCommand logged with its status" \
    "failure report for fo1.example (PROBE1) not sent: /bin/false exited with status 1"

# 4b. FailureReportsBody after SIGHUP: the milter asks for the body
conf "SMTPServer 127.0.0.1" "SMTPPort $SMTPSINK_PORT" "SMTPStartTLS no" \
    "FailureReportsBody yes"
reload
probe 198.51.100.11 fo1.example fo1.eml
smtpsink_wait "$tmp/sink" 4 20
f=$(grep -l '^Source-IP: 198.51.100.11' "$tmp/sink/msg/"* 2>/dev/null | head -1)
smtpsink_message "$f" >"$tmp/r4.eml" 2>/dev/null
python3 "$CHECK" "$tmp/r4.eml" body=1 'body~body line' \
    'hdr.Subject=quarterly numbers' fb.Source-IP=198.51.100.11 \
    >"$tmp/check" 2>&1
same "$(grep -c '^not ok' "$tmp/check")" 0 \
    "FailureReportsBody: the body came through the milter into message/rfc822"
grep '^not ok' "$tmp/check" | sed 's/^/#   /'

# 5. a dead relay
dead=$(smtpsink_free_port 40000)
conf "SMTPServer 127.0.0.1" "SMTPPort $dead"
reload
msg fod.eml fod.example
probe 198.51.100.9 fod.example fod.eml
same "$?" 0 "dead relay: the milter transaction completes"
waitlog "failure report for fod.example (PROBE1) not sent" 1 10
logged "dead relay: not sent, connection refused" "127.0.0.1:$dead: Connection refused"

# 6. a relay that never answers; queue of two
smtpsink_stop
smtpsink_start "$tmp/stall" -W CONNECT:300 || exit 99
conf "SMTPServer 127.0.0.1" "SMTPPort $SMTPSINK_PORT" "SMTPStartTLS no" \
    "FailureReportsQueueSize 2" "FailureReportsRateLimit 0"
reload
msg fods.eml fods.example
probe 198.51.100.10 fods.example fods.eml fods.eml fods.eml fods.eml fods.eml fods.eml
same "$?" 0 "stalled relay: six messages answered on one connection (no reply later than 10 s)"
same "$(grep -c '^eom: continue$' "$tmp/probe.out")" 6 "stalled relay: six end-of-message replies"
# ordering, not timing: all six were answered while the first report
# still waited for the relay's greeting
if grep -q 'failure report for fods.example (PROBE1) \(sent\|not sent\)' \
    "$tmp/dmarcd.log"; then
	notok "stalled relay: the first report was still pending when the milter was done"
else
	ok "stalled relay: the first report was still pending when the milter was done"
fi
n=$(grep -c 'failure report for fods.example (PROBE[0-9]*) dropped: queue full' "$tmp/dmarcd.log")
if [ "$n" -ge 3 ]; then ok "queue of two: $n reports dropped with a log line"; else
	notok "queue of two: $n reports dropped with a log line (want >= 3)"; fi

# shutdown: drain for 10 s, then drop; suppressed counts logged
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then notok "dmarcd exits after SIGTERM"; else
	wait "$pid"
	same "$?" 0 "dmarcd exits 0 after SIGTERM"
fi
pid=
logged "busy worker at shutdown: queued reports dropped and logged" \
    "failure-report worker still busy after 10 s: 2 queued reports dropped"
logged "suppressed count logged" \
    "failure reports suppressed by the rate limit: 4 for fos.example to ruf@fos.example from 198.51.100.7"
if grep -q 'ERROR: .*Sanitizer\|runtime error' "$tmp/dmarcd.log"; then
	notok "no sanitizer report"; grep -A5 Sanitizer "$tmp/dmarcd.log" | head -20
else
	ok "no sanitizer report"
fi
[ "$fail" -eq 0 ] || sed 's/^/# log: /' "$tmp/dmarcd.log" | tail -40

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
