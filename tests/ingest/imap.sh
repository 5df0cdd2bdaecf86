#!/bin/sh
# imap.sh -- dmarc-ingest reading a real dovecot over IMAP: aggregate,
# failure, TLS and broken messages stored and moved to Archive/<kind>,
# left unseen in place without --archive, ingesting twice changes
# nothing, STARTTLS and imaps with a certificate made here (and refused
# with the wrong CA), a storing failure (SQLite trigger, bad DSN) that
# leaves the message in INBOX, --delete, --max-size, a server that never
# answers (--timeout), and --idle: a message that cannot be stored stays
# and is retried, a message delivered while it waits is picked up, a
# dovecot restart is survived (the second server has no MOVE nor UIDPLUS,
# so COPY + \Deleted + EXPUNGE is used), SIGTERM stops it.
#
# dovecot runs from its own config in the scratch dir on free loopback
# ports, passdb passwd-file, Maildir storage in the scratch dir; as root
# the mail processes run as nobody (dovecot refuses UID 0), otherwise as
# the invoking user.  No timed assertions: waits poll with a deadline.
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/reports/dmarc-ingest
data=$top_srcdir/tests/data/ingest
dovecot=$(command -v dovecot || echo /usr/sbin/dovecot)
for t in "$dovecot" /usr/lib/dovecot/imap; do
	[ -x "$t" ] || { echo "SKIP: $t missing (tools/deps.sh installs dovecot-imapd)"; exit 77; }
done
for t in sqlite3 openssl ss python3; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
tmp=$(mktemp -d /tmp/ingest-imap.XXXXXX)
chmod 755 "$tmp"
conf=$tmp/dovecot.conf
md=$tmp/home/dmarc/Maildir
db=$tmp/reports.db
idlepid=
hangpid=
pass=0
fail=0
n=0

cleanup() {
	[ -n "$idlepid" ] && kill "$idlepid" 2>/dev/null
	[ -n "$hangpid" ] && kill "$hangpid" 2>/dev/null
	dovecot_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ok LABEL GOT WANT: tests/ingest/lib.sh
. "$top_srcdir/tests/ingest/lib.sh"

# free_port - first TCP port from $1 that nothing listens on
free_port() {
	p=$1
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

# listening - something listens on 127.0.0.1:$1
listening() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# until_true - run "$@" every 0.2 s until it succeeds; 1 after 120 s
until_true() {
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -ge 600 ] && return 1
		sleep 0.2
	done
	return 0
}

# none_alive - none of the processes "$@" is left
none_alive() {
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}

# q - one SQLite query
q() {
	sqlite3 -separator '|' "$db" "$1"
}

# counts - rows of the three report tables
counts() {
	q "SELECT (SELECT COUNT(*) FROM rua_reports), (SELECT COUNT(*) FROM ruf_reports), (SELECT COUNT(*) FROM tls_reports)"
}

# has_report - the aggregate report $1 is in the database
has_report() {
	[ "$(q "SELECT COUNT(*) FROM rua_reports WHERE report_id = '$1'" 2>/dev/null)" = 1 ]
}

# inbox - messages in INBOX (new/ and cur/)
inbox() {
	ls "$md/new" "$md/cur" | grep -c '^[0-9]'
}

# folder - messages in the Maildir++ folder of IMAP folder Archive/$1
folder() {
	ls "$md/.Archive.$1/new" "$md/.Archive.$1/cur" 2>/dev/null |
	    grep -c '^[0-9]'
}

# deliver - put file $1 into INBOX as Maildir message $2 (tmp/, rename)
deliver() {
	cp "$1" "$md/tmp/$2"
	[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$md/tmp/$2"
	mv "$md/tmp/$2" "$md/new/$2"
}

# mkagg - an aggregate report message with report id $1
mkagg() {
	cat <<EOF
From: dmarc@receiver.example
To: reports@example.com
Subject: Report Domain: example.com Submitter: receiver.example Report-ID: $1
Date: Tue, 14 Nov 2023 10:00:00 +0000
Message-ID: <$1@receiver.example>
MIME-Version: 1.0
Content-Type: text/xml

<?xml version="1.0"?>
<feedback><report_metadata><org_name>receiver.example</org_name><email>dmarc@receiver.example</email><report_id>$1</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata><policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published><record><row><source_ip>192.0.2.7</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record></feedback>
EOF
}

# dovecot_conf - the config; $1: extra lines (e.g. imap_capability)
dovecot_conf() {
	if [ "$(id -u)" -eq 0 ]; then
		muid=$(id -u nobody) mgid=$(id -g nobody)
		iuser=dovecot igroup=dovecot luser=dovenull
	else
		muid=$(id -u) mgid=$(id -g)
		iuser=$(id -un) igroup=$(id -gn) luser=$(id -un)
	fi
	cat > "$conf" <<EOF
base_dir = $tmp/run
state_dir = $tmp/state
log_path = $tmp/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$tmp/cert.pem
ssl_key = <$tmp/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $tmp/passwd
}
userdb {
  driver = static
  args = uid=$muid gid=$mgid home=$tmp/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = $iuser
default_internal_group = $igroup
default_login_user = $luser
service imap-login {
  chroot =
  inet_listener imap {
    port = $port
  }
  inet_listener imaps {
    port = $sport
    ssl = yes
  }
}
service anvil {
  chroot =
}
$1
EOF
}

# dovecot_start - start it and wait for both listeners
dovecot_start() {
	"$dovecot" -c "$conf" || return 1
	until_true listening "$port" && until_true listening "$sport"
}

# dovecot_stop - stop it and its children (client sessions included:
# a stopping master lets them run on) and wait until all are gone
dovecot_stop() {
	[ -f "$tmp/run/master.pid" ] || return 0
	pid=$(cat "$tmp/run/master.pid")
	kids=$(pgrep -P "$pid" | tr '\n' ' ')
	kill "$pid" $kids 2>/dev/null
	until_true none_alive $pid $kids
	rm -f "$tmp/run/master.pid"
}

# ingest - dmarc-ingest with the test's password and CA file
ingest() {
	"$bin" -q -d "sqlite:$db" --password-file "$tmp/pw" \
	    --ca-file "$tmp/cert.pem" "$@"
}

# --- setup: certificate, users, mailbox, server
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tmp/other-key.pem" -out "$tmp/other.pem" 2>/dev/null
chmod 644 "$tmp/key.pem"
echo 'dmarc:{PLAIN}s3cret-pw::::::' > "$tmp/passwd"
printf 's3cret-pw\n' > "$tmp/pw"
chmod 600 "$tmp/pw"
mkdir -p "$md/new" "$md/cur" "$md/tmp"
[ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$tmp/home"
base=$((21400 + $$ % 500))
port=$(free_port $base)
sport=$(free_port $((port + 1)))
dovecot_conf ""
if ! dovecot_start; then
	echo "not ok 1 - dovecot starts"
	cat "$tmp/dovecot.log" 2>/dev/null | sed 's/^/# /'
	echo "0 passed, 1 failed"
	exit 1
fi
url=imap://dmarc@127.0.0.1:$port/INBOX
surl=imaps://dmarc@127.0.0.1:$sport/INBOX

deliver "$data/q01-octet-stream.eml" 1700000001.a.test
deliver "$data/q07-arf-base64.eml" 1700000002.b.test
deliver "$data/q02-tlsrpt-bare.eml" 1700000003.c.test
deliver "$data/q10-cron.eml" 1700000004.d.test

# --- test mode: read over STARTTLS, leave everything in place, unseen
ingest -j "$tmp/1.json" "$url"
ok "STARTTLS, no --archive: exit 1 (one message without a report)" "$?" 1
ok "aggregate, failure and TLS reports stored" "$(counts)" "1|1|1"
ok "JSON lines in mailbox order" \
    "$(sed -n 's/^{"type":"\([a-z]*\)".*/\1/p' "$tmp/1.json" | tr '\n' ' ')" \
    "aggregate failure tls invalid "
ok "messages named by URL, UIDVALIDITY and UID" \
    "$(grep -c '"input":"imap://127.0.0.1:'"$port"'/INBOX;UIDVALIDITY=[0-9]*/;UID=[1-4]"' "$tmp/1.json")" 4
ok "without --archive every message stays in INBOX" "$(inbox)" 4
ok "read with BODY.PEEK: still unseen" \
    "$(ls "$md/cur" | grep -c ':2,[A-Z]*S')" 0

# --- wrong trust anchor: refused before the password is sent
ingest --archive --ca-file "$tmp/other.pem" "$surl" 2>"$tmp/ca.err"
ok "imaps with the wrong CA file: exit 2" "$?" 2
ok "the reason names the certificate" \
    "$(grep -c 'certificate not trusted for 127.0.0.1' "$tmp/ca.err")" 1
ok "nothing moved after a certificate failure" "$(inbox)" 4

# --- a bad DSN: nothing stored, nothing moved
"$bin" -q -d "sqlite:$tmp/no/such/dir/x.db" --password-file "$tmp/pw" \
    --ca-file "$tmp/cert.pem" --archive "$surl" 2>/dev/null
ok "bad DSN: exit 2" "$?" 2
ok "bad DSN: every message stays in INBOX" "$(inbox)" 4

# --- archive over imaps; the second ingest of the same reports
ingest -v --archive "$surl" 2>"$tmp/2.err"
ok "imaps --archive: exit 1" "$?" 1
ok "ingesting twice changes nothing" "$(counts)" "1|1|1"
ok "second ingest: three duplicates" \
    "$(sed -n 's/.* \([0-9]*\) duplicates.*/\1/p' "$tmp/2.err")" 3
ok "INBOX emptied" "$(inbox)" 0
ok "Archive/Aggregate" "$(folder Aggregate)" 1
ok "Archive/Failure" "$(folder Failure)" 1
ok "Archive/TLS" "$(folder TLS)" 1
ok "Archive/Invalid holds the broken message" "$(folder Invalid)" 1
ok "archived messages are flagged seen" \
    "$(ls "$md"/.Archive.*/cur | grep -c ':2,[A-Z]*S')" 4
ok "archive folders are subscribed" \
    "$(grep -c '^Archive.Aggregate$' "$md/subscriptions" 2>/dev/null)" 1
ingest -v --archive "$surl" 2>"$tmp/3.err"
ok "an empty INBOX: exit 0, no input" "$?|$(sed -n 's/.*: \([0-9]*\) inputs.*/\1/p' "$tmp/3.err")" "0|0"

# --- a storing failure leaves the message in INBOX; the retry moves it
q "CREATE TRIGGER refuse BEFORE INSERT ON rua_reports BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
mkagg store-fail-1 > "$tmp/sf.eml"
deliver "$tmp/sf.eml" 1700000005.e.test
ingest --archive "$surl" 2>"$tmp/sf.err"
ok "database refuses the insert: exit 2" "$?" 2
ok "the unsaved message stays in INBOX" "$(inbox)" 1
ok "and is named in the log" "$(grep -c 'not saved; left in INBOX' "$tmp/sf.err")" 1
q "DROP TRIGGER refuse;"
ingest --archive "$surl"
ok "the retry stores and archives it" \
    "$(has_report store-fail-1 && echo yes)|$(inbox)|$(folder Aggregate)" \
    "yes|0|2"

# --- --max-size: an oversized message is not fetched, goes to Invalid
mkagg too-big > "$tmp/big.eml"
deliver "$tmp/big.eml" 1700000006.f.test
ingest --archive --max-size 512 -j "$tmp/big.json" "$surl"
ok "--max-size 512: exit 1, moved to Invalid" \
    "$?|$(inbox)|$(folder Invalid)" "1|0|2"
ok "--max-size: the reason" \
    "$(grep -c '"type":"invalid".*larger than 512 bytes' "$tmp/big.json")" 1
ok "--max-size: not stored" "$(has_report too-big && echo yes)" ""

# --- --delete: a report is expunged once stored, a broken message stays
mkagg delete-1 > "$tmp/del.eml"
deliver "$tmp/del.eml" 1700000010.j.test
deliver "$data/q10-cron.eml" 1700000011.k.test
ingest --delete "$surl"
ok "--delete: exit 1, the report stored" \
    "$?|$(has_report delete-1 && echo yes)" "1|yes"
ok "--delete: expunged, the broken message left in INBOX" \
    "$(inbox)|$(folder Aggregate)|$(folder Invalid)" "1|2|2"

# --- a server that accepts and never answers: --timeout, no hang
hport=$(free_port $((sport + 1)))
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
c = s.accept()
time.sleep(300)
' "$hport" &
hangpid=$!
until_true listening "$hport"
timeout 120 "$bin" -q -n --password-file "$tmp/pw" --timeout 2 \
    "imap://dmarc@127.0.0.1:$hport/INBOX" 2>"$tmp/hang.err"
ok "a silent server: exit 2 after --timeout" "$?" 2
ok "a silent server: the reason" "$(grep -c 'timed out' "$tmp/hang.err")" 1
kill "$hangpid" 2>/dev/null
wait "$hangpid" 2>/dev/null
hangpid=

# --- --idle: pick-up while waiting, a server restart, SIGTERM
"$bin" -v -d "sqlite:$db" --password-file "$tmp/pw" --ca-file "$tmp/cert.pem" \
    --archive --idle "$surl" 2>"$tmp/idle.err" &
idlepid=$!
q "CREATE TRIGGER refuse BEFORE INSERT ON rua_reports BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
mkagg idle-0 > "$tmp/i0.eml"
deliver "$tmp/i0.eml" 1700000012.l.test
until_true grep -q 'UID=[0-9]*: its reports were not saved' "$tmp/idle.err"
ok "--idle: a message that cannot be stored stays in INBOX" \
    "$(inbox)|$(has_report idle-0 && echo yes)" "1|"
q "DROP TRIGGER refuse;"
until_true has_report idle-0
ok "--idle: it is retried without new mail once the database is back" "$?" 0
mkagg idle-1 > "$tmp/i1.eml"
deliver "$tmp/i1.eml" 1700000007.g.test
until_true has_report idle-1
ok "--idle: a message delivered while it waits is stored" "$?" 0
until_true eval '[ "$(folder Aggregate)" = 4 ]'
ok "--idle: and archived" "$(folder Aggregate)|$(inbox)" "4|0"
dovecot_stop
dovecot_conf "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ENABLE IDLE"
dovecot_start
ok "dovecot restarted (without MOVE and UIDPLUS)" "$?" 0
mkagg idle-2 > "$tmp/i2.eml"
deliver "$tmp/i2.eml" 1700000008.h.test
until_true has_report idle-2
ok "--idle: survives the restart and stores the next message" "$?" 0
until_true eval '[ "$(folder Aggregate)" = 5 ]'
ok "--idle: archived with COPY, \\Deleted and EXPUNGE" \
    "$(folder Aggregate)|$(inbox)" "5|0"
ok "--idle: the drop was logged with a retry" \
    "$(grep -c 'reconnecting in' "$tmp/idle.err" | sed 's/^[1-9][0-9]*$/yes/')" yes
kill -TERM "$idlepid"
wait "$idlepid"
ok "--idle: SIGTERM ends it cleanly (exit 0)" "$?" 0
idlepid=
ok "--idle: no message left behind" "$(inbox)|$(counts)" "0|6|1|1"

# --- --no-starttls on loopback; STARTTLS refused without the CA file
mkagg plain-1 > "$tmp/p1.eml"
deliver "$tmp/p1.eml" 1700000009.i.test
"$bin" -q -d "sqlite:$db" --password-file "$tmp/pw" "$url" 2>"$tmp/sys.err"
ok "STARTTLS with a self-made certificate and the system CAs: exit 2" \
    "$?|$(grep -c 'certificate not trusted' "$tmp/sys.err")" "2|1"
"$bin" -q -d "sqlite:$db" --password-file "$tmp/pw" --no-starttls "$url"
ok "--no-starttls on loopback reads in clear" \
    "$?|$(has_report plain-1 && echo yes)" "0|yes"
"$bin" -q -n --password-file "$tmp/no-such-file" "$url" 2>"$tmp/pw.err"
ok "a missing password file: exit 2, named" \
    "$?|$(grep -c 'no-such-file' "$tmp/pw.err")" "2|1"
"$bin" -q -n --password-file "$tmp/pw" "imap://dmarc:pw@127.0.0.1:$port/" \
    2>"$tmp/url.err"
ok "a password in the URL is refused" \
    "$?|$(grep -c 'password-file' "$tmp/url.err")" "2|1"
"$bin" -q -n --idle "$tmp" 2>/dev/null
ok "--idle without an IMAP URL: usage error" "$?" 64

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
