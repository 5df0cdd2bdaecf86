#!/bin/sh
# smtp.sh -- common/smtp.c (libesmtp) against Postfix's smtp-sink
#
# DESCRIPTION
#	tests/tools/smtpsend sends through smtp-sink on a private
#	loopback port (tests/integration/lib/smtpsink.sh) and the dump
#	files show what arrived: the message byte for byte (LF and CRLF
#	input, a leading dot, a long line, no header added or dropped),
#	every recipient of one transaction, TCP_NODELAY on the socket to
#	the relay (else each message waits for its delayed ACK), 4xx
#	replies to MAIL, RCPT or DATA as SMTP_TEMP, 5xx as SMTP_PERM, a
#	relay that is down as SMTP_TEMP at once (connection refused,
#	with a one-hour step timeout), a relay slower than the step
#	timeout as SMTP_TEMP, a relay that drops SYNs as SMTP_TEMP after
#	the timeout (not the kernel's two minutes of connect retries),
#	SMTPStartTLS required against a relay without STARTTLS as not
#	sent, SMTP AUTH with the password from SMTPPasswordFile, and a
#	bad password file refused.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (smtp-sink missing:
#	Debian package postfix), 99 setup failure.

: "${top_srcdir:=.}" "${top_builddir:=.}"
SEND="$top_builddir/tests/tools/smtpsend"
PATH="$PATH:/usr/sbin:/sbin"

command -v smtp-sink >/dev/null 2>&1 || {
	echo "SKIP: smtp-sink not installed (apt-get install postfix)"
	exit 77
}
command -v ss >/dev/null 2>&1 || { echo "SKIP: ss missing (iproute2)"; exit 77; }
[ -x "$SEND" ] || { echo "ERROR: $SEND not built"; exit 99; }
. "$top_srcdir/tests/integration/lib/smtpsink.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtp-test.XXXXXX") || exit 99
cleanup() {
	smtpsink_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/lib/tap.sh"

# conf NAME [KEY VALUE]...: a configuration for the current sink
conf() {
	f="$tmp/$1.conf"
	shift
	printf 'SMTPServer 127.0.0.1\nSMTPPort %s\nSMTPStartTLS no\n' \
	    "$SMTPSINK_PORT" >"$f"
	while [ $# -ge 2 ]; do
		printf '%s %s\n' "$1" "$2" >>"$f"
		shift 2
	done
	echo "$f"
}

# sink NAME [smtp-sink option...]: a fresh sink in $tmp/NAME
sink() {
	smtpsink_stop
	d="$tmp/$1"
	shift
	smtpsink_start "$d" "$@" || exit 99
}

# send CONF [smtpsend option...] -- rcpt...: $out, $rc; message on stdin
send() {
	c=$1
	shift
	out=$("$SEND" -c "$c" "$@" 2>"$tmp/send.err")
	rc=$?
}

long=$(printf '%0990d' 0)
msg_lf="From: Reporter <dmarc@reporter.example>
To: ruf@example.org
Subject: byte-exact test
Date: Tue, 01 Dec 2026 10:00:00 +0000
Message-ID: <smtp-test.1@reporter.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

first line
.a line that starts with a dot
..two dots
.
$long

last line"

# 1. LF input, two recipients in one transaction
sink lf
c=$(conf lf)
printf '%s\n' "$msg_lf" >"$tmp/msg.lf"
send "$c" -f dmarc@reporter.example a@example.org b@example.net \
    <"$tmp/msg.lf"
same "$rc $out" "0 OK" "LF message accepted for every recipient"
smtpsink_wait "$tmp/lf" 1 10
f=$(find "$tmp/lf/msg" -type f | head -1)
if [ -n "$f" ] && smtpsink_message "$f" | cmp -s - "$tmp/msg.lf"; then
	ok "LF message arrived byte for byte (dot-stuffing undone)"
else
	notok "LF message arrived byte for byte (dot-stuffing undone)"
	[ -n "$f" ] && smtpsink_message "$f" | diff "$tmp/msg.lf" - | head
fi
same "$(smtpsink_rcpts "$f" | tr '\n' ' ')" "a@example.org b@example.net " \
    "both recipients in one transaction"
same "$(sed -n 's/^X-Mail-Args: //p' "$f")" "<dmarc@reporter.example>" \
    "envelope sender"
same "$(smtpsink_count "$tmp/lf")" 1 "one message for two recipients"

# 1b. Nagle off on the relay socket: libesmtp writes the final CRLF.CRLF
# as a second small segment, held (with Nagle on) until the relay's
# delayed ACK, 40 ms per message
send "$c" -v -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
if [ "$rc" -eq 0 ] &&
    grep -q "(port $SMTPSINK_PORT): TCP_NODELAY" "$tmp/send.err"; then
	ok "TCP_NODELAY set on the socket to the relay"
else
	notok "TCP_NODELAY set on the socket to the relay"
	sed 's/^/#   /' "$tmp/send.err"
fi

# 2. CRLF input, five recipients
sink crlf
c=$(conf crlf)
printf '%s\n' "$msg_lf" | sed 's/$/\r/' >"$tmp/msg.crlf"
send "$c" -f dmarc@reporter.example r1@a.example r2@a.example \
    r3@b.example r4@c.example r5@d.example <"$tmp/msg.crlf"
same "$rc $out" "0 OK" "CRLF message accepted"
smtpsink_wait "$tmp/crlf" 1 10
f=$(find "$tmp/crlf/msg" -type f | head -1)
if [ -n "$f" ] && smtpsink_message "$f" | cmp -s - "$tmp/msg.lf"; then
	ok "CRLF message arrived byte for byte (no CR doubled)"
else
	notok "CRLF message arrived byte for byte (no CR doubled)"
fi
same "$(smtpsink_rcpts "$f" | wc -l)" 5 "five recipients"
same "$(grep -c '^smtp-sink: MAIL FROM' "$tmp/crlf/sink.log")" 1 \
    "one session, one MAIL FROM"

# 3. replies 4xx and 5xx
for case in "RCPT -r TEMP 1" "RCPT -f PERM 2" "MAIL -r TEMP 1" \
    "MAIL -f PERM 2" "DATA -r TEMP 1" "DATA -f PERM 2" ". -r TEMP 1" \
    ". -f PERM 2"; do
	set -- $case
	sink "rej$$" "$2" "$1"
	c=$(conf rej)
	send "$c" -f dmarc@reporter.example a@example.org b@example.org \
	    <"$tmp/msg.lf"
	same "$rc ${out%% *}" "$4 $3" "$1 answered ${2#-}: $3 ($out)"
	# smtp-sink stores the message before it answers "."
	[ "$1" = . ] || same "$(smtpsink_count "$tmp/rej$$")" 0 \
	    "$1 answered ${2#-}: nothing stored"
	rm -rf "$tmp/rej$$"
done

# 4. relay down: connection refused at once, not after the step timeout
smtpsink_stop
send "$c" -t 3600 -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
same "$rc ${out%% *}" "1 TEMP" "relay down: SMTP_TEMP"
case $out in
*refused*) ok "relay down: connection refused, no timeout waited" ;;
*) notok "relay down: connection refused, no timeout waited ($out)" ;;
esac

# 5. relay slower than the step timeout
sink slow -W CONNECT:5
c=$(conf slow)
send "$c" -t 1 -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
same "$rc ${out%% *}" "1 TEMP" "greeting later than the timeout: SMTP_TEMP"
smtpsink_stop
same "$(smtpsink_count "$tmp/slow")" 0 "slow relay: nothing stored"

# 5b. relay that drops SYNs (a listener whose accept queue is full: Linux
# drops further SYNs, and a blocking connect(2) would retry for about two
# minutes): SMTP_TEMP after the timeout, through the connect watchdog
bh_pid=
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = []
for i in range(3):
    c = socket.socket(); c.setblocking(False)
    c.connect_ex(("127.0.0.1", s.getsockname()[1])); fill.append(c)
time.sleep(0.3)
print(s.getsockname()[1], flush=True)
time.sleep(300)
' >"$tmp/bh.port" &
	bh_pid=$!
	i=0
	while [ ! -s "$tmp/bh.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	printf 'SMTPServer 127.0.0.1\nSMTPPort %s\nSMTPStartTLS no\n' \
	    "$(cat "$tmp/bh.port")" >"$tmp/bh.conf"
	t0=$(date +%s)
	send "$tmp/bh.conf" -t 2 -f dmarc@reporter.example a@example.org \
	    <"$tmp/msg.lf"
	t1=$(date +%s)
	kill "$bh_pid" 2>/dev/null
	same "$rc ${out%% *}" "1 TEMP" "relay dropping SYNs: SMTP_TEMP"
	case $out in
	*"no connection within 2 s"*) ok "the reason: no connection within 2 s" ;;
	*) notok "the reason: no connection within 2 s ($out)" ;;
	esac
	if [ $((t1 - t0)) -lt 30 ]; then
		ok "given up after the timeout, not the kernel's retries"
	else
		notok "given up after the timeout ($((t1 - t0)) s)"
	fi
else
	for d in "SMTP_TEMP" "reason" "timeout"; do
		ok "# SKIP relay dropping SYNs ($d): no python3"
	done
fi

# 6. STARTTLS required, the relay does not offer it: not sent
sink notls
c=$(conf notls SMTPStartTLS required)
send "$c" -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
same "$rc ${out%% *}" "1 TEMP" "STARTTLS required, not offered: SMTP_TEMP"
case $out in
*STARTTLS*) ok "STARTTLS required: the reason names STARTTLS" ;;
*) notok "STARTTLS required: the reason names STARTTLS ($out)" ;;
esac
same "$(grep -c '^smtp-sink: MAIL FROM' "$tmp/notls/sink.log")" 0 \
    "STARTTLS required: no MAIL FROM sent"
same "$(smtpsink_count "$tmp/notls")" 0 "STARTTLS required: nothing stored"
c=$(conf tlsopp SMTPStartTLS opportunistic)
send "$c" -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
same "$rc $out" "0 OK" "STARTTLS opportunistic, not offered: sent in clear"

# 7. SMTP AUTH with the password file (loopback relay: PLAIN allowed)
sink auth
printf 's3cret\nignored second line\n' >"$tmp/pw"
c=$(conf auth SMTPUser reporter SMTPPasswordFile "$tmp/pw")
send "$c" -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
same "$rc $out" "0 OK" "AUTH configured: sent"
want=$(printf '\0reporter\0s3cret' | base64)
if grep -q "^smtp-sink: AUTH PLAIN $want\$" "$tmp/auth/sink.log"; then
	ok "AUTH PLAIN with user and the password's first line"
else
	notok "AUTH PLAIN with user and the password's first line"
	grep AUTH "$tmp/auth/sink.log" | head -3
fi
c=$(conf authbad SMTPUser reporter SMTPPasswordFile "$tmp/nonexistent")
send "$c" -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
same "$rc" 3 "unreadable SMTPPasswordFile: configuration error"
c=$(conf authnopw SMTPUser reporter)
send "$c" -f dmarc@reporter.example a@example.org <"$tmp/msg.lf"
same "$rc" 3 "SMTPUser without SMTPPasswordFile: configuration error"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
