#!/bin/sh
# reports.sh -- dmarc-reports end to end: SQLite, then a private MariaDB
#
# DESCRIPTION
#	tests/reports/genhist.py writes a history (policy domains a..o of
#	tests/reports/data/reports.zone, three days from DAY0); dmarc-import
#	loads it; dmarc-reports sends to Postfix's smtp-sink on a private
#	loopback port and tests/reports/checkmail.py takes every mail apart:
#	multipart/mixed with text/plain and application/gzip parts, the file
#	name receiver!domain!begin!end!id.xml.gz, the gzip member and its
#	name, the XML valid against tests/data/dmarc-aggregate.xsd (RFC 9990)
#	or rfc7489-aggregate-nons.xsd, one Report-ID in Subject, XML and file
#	name, counts equal to the messages imported.  The same cases run on
#	SQLite and on MariaDB (tests/integration/lib/mariadb.sh; skipped,
#	and said so, when mariadbd is not installed):
#	  --test writes the files and sends and records nothing;
#	  SMTP down: nothing marked sent, lastsent untouched, exit 1; the
#	    next run sends the same reports (byte-identical attachments,
#	    same ids, no new report built);
#	  one report per policy domain for mail from two subdomains;
#	  external rua: verified -> sent; not verified -> not sent, logged;
#	    verified with a same-host replacement -> sent there; with a
#	    replacement on another host -> sent to neither;
#	  !size too small -> not sent, logged; NoReportsList -> not sent;
#	    an https: rua is ignored, the mailto: beside it used;
#	  a run with nothing new sends nothing; the next day's run sends the
#	    next window only; lastsent is the end of the delivered window;
#	  a window without messages builds nothing; a first run two days
#	    late sends each missed day; --noupdate sends, records nothing;
#	  a relay down for 8 days: the deliveries are given up (expired);
#	  mail of a From domain whose own requests row (OpenDMARC kept one
#	    per From domain) has a later lastsent is not reported again;
#	  two runs at once -> every report sent exactly once (store_lock);
#	  ReportFormat rfc7489: ri=3600 of the record gives hourly windows,
#	    valid 7489 XML; --domain limits the run to one domain.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (smtp-sink, python3,
#	xmllint or sqlite3 missing), 99 setup failure.

: "${top_srcdir:=.}" "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
REPORTS="$top_builddir/reports/dmarc-reports"
IMPORT="$top_builddir/reports/dmarc-import"
DATA="$top_srcdir/tests/reports/data"
GEN="$top_srcdir/tests/reports/genhist.py"
CHECK="$top_srcdir/tests/reports/checkmail.py"
XSD9990="$top_srcdir/tests/data/dmarc-aggregate.xsd"
XSD7489="$top_srcdir/tests/data/rfc7489-aggregate-nons.xsd"

for c in smtp-sink python3 xmllint sqlite3 ss; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "SKIP: $c not installed"
		exit 77
	}
done
[ -x "$REPORTS" ] && [ -x "$IMPORT" ] || { echo "ERROR: not built"; exit 99; }
. "$top_srcdir/tests/integration/lib/smtpsink.sh"
. "$top_srcdir/tests/integration/lib/mariadb.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reports-test.XXXXXX") || exit 99
cleanup() {
	smtpsink_stop
	mariadb_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

DAY=86400
DAY0=1772409600				# 2026-03-02 00:00:00 UTC
NOW1=$((DAY0 + 2 * DAY + 3600))		# days 0 and 1 complete
NOW2=$((DAY0 + 3 * DAY + 3600))		# day 2 complete too

. "$top_srcdir/tests/lib/tap.sh"
file_has() {	# file_has FILE TEXT WHAT: fixed TEXT in FILE
	if grep -qF -- "$2" "$1"; then ok "$3"; else
		notok "$3"; sed 's/^/#   /' "$1" | head -20; fi
}

# newdb NAME: a fresh database for the current backend; sets DSN, DBNAME
newdb() {
	DBNAME=$1
	if [ "$BACKEND" = sqlite ]; then
		DSN="sqlite:$tmp/$BACKEND-$1.db"
	else
		DSN=$(mariadb_createdb "$1") || exit 99
	fi
}

# sql QUERY: run QUERY in the current database, tab-separated rows
sql() {
	if [ "$BACKEND" = sqlite ]; then
		sqlite3 -separator "$(printf '\t')" "$tmp/$BACKEND-$DBNAME.db" "$1"
	else
		mariadb_client -N -B "$DBNAME" -e "$1"
	fi
}

# mkconf DIR [KEY VALUE]...: DIR/conf for the current database and sink
mkconf() {
	d=$1
	shift
	mkdir -p "$d/files"
	{
		echo "Database $DSN"
		echo "ReportOrg Test Receiver <&>"
		echo "ReportEmail dmarc-reports@receiver.example"
		echo "PublicSuffixList $top_srcdir/tests/data/psl-test.dat"
		echo "TestDNSData $DATA/reports.zone"
		echo "NoReportsList $d/noreports"
		echo "ReportDirectory $d/files"
		echo "SMTPServer 127.0.0.1"
		echo "SMTPPort ${SMTPSINK_PORT:-1}"
		echo "SMTPStartTLS no"
		while [ $# -gt 1 ]; do
			echo "$1 $2"
			shift 2
		done
	} >"$d/conf"
	printf '# test list\ne.example.com\n' >"$d/noreports"
}

# scenario DIR: history, expectations and the imported database
scenario() {
	mkdir -p "$1"
	python3 "$GEN" scenario "$DAY0" "$1/hist" "$1/expect.json" || exit 99
	mkconf "$1"
	"$IMPORT" -c "$1/conf" "$1/hist" 2>"$1/import.log" || {
		cat "$1/import.log"
		exit 99
	}
}

# reports DIR LOG ARGS...: run dmarc-reports; status in $rc
reports() {
	d=$1 log=$2
	shift 2
	"$REPORTS" -c "$d/conf" -v "$@" >"$log" 2>&1
	rc=$?
}

# mails DIR XSD WHAT: check every mail the sink holds; rows in DIR/mails
mails() {
	python3 "$CHECK" "$SINK/msg" "$2" "$1/expect.json" "$1/mails" \
	    >"$1/check.out" 2>&1 || { cat "$1/check.out"; notok "$3: checkmail"; }
	bad=$(grep -c '^CHECK 0' "$1/check.out")
	n=$(grep -c '^CHECK' "$1/check.out")
	if [ "$bad" -eq 0 ] && [ "$n" -gt 0 ]; then
		ok "$3: $n checks of MIME, gzip, schema, ids, counts"
	else
		notok "$3: $bad of $n mail checks failed"
		grep '^CHECK 0' "$1/check.out" | head -20
	fi
}

# sink_restart: an empty sink (for the counts of the next case)
sink_restart() {
	smtpsink_stop
	SINK=$tmp/sink.$BACKEND.$1
	smtpsink_start "$SINK" || exit 99
}

# field N FILE PATTERN: column N of the mail rows whose domain is PATTERN
field() {
	awk -F '\t' -v n="$1" -v d="$3" '$2 == d { print $n }' "$2" | sort |
	    tr '\n' ' ' | sed 's/ $//'
}

# setport DIR PORT: point DIR/conf at another relay port
setport() {
	sed "s/^SMTPPort .*/SMTPPort $2/" "$1/conf" >"$1/conf.new" &&
	    mv "$1/conf.new" "$1/conf"
}

# lastsent DOMAIN: requests.lastsent in Unix seconds ("" when NULL)
lastsent() {
	if [ "$BACKEND" = sqlite ]; then
		sql "SELECT r.lastsent FROM requests r JOIN domains d ON
		    d.id = r.domain WHERE d.name = '$1'"
	else
		sql "SELECT IFNULL(UNIX_TIMESTAMP(r.lastsent), '') FROM
		    requests r JOIN domains d ON d.id = r.domain
		    WHERE d.name = '$1'"
	fi
}

# dstate DOMAIN: the delivery states of DOMAIN's reports
dstate() {
	sql "SELECT d.state FROM agg_deliveries d JOIN agg_reports r ON
	    r.id = d.report WHERE r.policy_domain = '$1' ORDER BY d.id" |
	    tr '\n' ' ' | sed 's/ $//'
}

# identical DIR: "same total": attachments equal to the files kept for
# their report id by the failed run
identical() {
	same_n=0 total=0
	while IFS="$(printf '\t')" read -r rcpt dom b e rid sha cnt nrec; do
		total=$((total + 1))
		f=$(ls "$1/files" | grep "!$rid\.xml\.gz\$")
		[ -n "$f" ] || continue
		[ "$(sha256sum <"$1/files/$f" | cut -d' ' -f1)" = "$sha" ] &&
		    same_n=$((same_n + 1))
	done <"$1/mails"
	echo "$same_n $total"
}

# case_test_and_down DIR: --test, then a run with the relay down
case_test_and_down() {
	d=$1
	reports "$d" "$d/test.log" --test --now "$NOW1"
	same "$rc" 0 "$BACKEND: --test exits 0"
	same "$(ls "$d/files" | grep -c '\.xml\.gz$')" 11 \
	    "$BACKEND: --test wrote the 11 report files"
	gzip -dc "$d/files/"*'!o.example.com!'*.xml.gz >"$d/o.xml" 2>/dev/null
	file_has "$d/o.xml" "<comment>arc=pass as[1].d=fwd.example as[1].s=s1 remote-ip[1]=192.0.2.44</comment>" \
	    "$BACKEND: ARC override reported as local_policy with the sealer"
	same "$(smtpsink_count "$SINK")" 0 "$BACKEND: --test sent nothing"
	same "$(sql 'SELECT COUNT(*) FROM agg_reports')" 0 \
	    "$BACKEND: --test recorded nothing"
	rm -f "$d/files"/*
	setport "$d" "$(smtpsink_free_port $((40000 + $$ % 10000)))"
	reports "$d" "$d/down.log" --keepfiles --now "$NOW1"
	same "$rc" 1 "$BACKEND: relay down: exit 1 (deferred)"
	same "$(sql "SELECT COUNT(*) FROM agg_deliveries WHERE state = 'sent'")" \
	    0 "$BACKEND: relay down: nothing marked sent"
	same "$(sql "SELECT COUNT(*) FROM agg_reports WHERE state = 'pending'")" \
	    11 "$BACKEND: relay down: the 11 reports are pending"
	same "$(lastsent a.example.com)" "" \
	    "$BACKEND: relay down: lastsent untouched"
	file_has "$d/down.log" "no more sending in this run" \
	    "$BACKEND: relay down: the run stops trying after 3 failures"
	setport "$d" "$SMTPSINK_PORT"
}

# case_delivered DIR: the relay is back; every rule of delivery
case_delivered() {
	d=$1
	reports "$d" "$d/up.log" --now "$NOW1"
	same "$rc" 0 "$BACKEND: relay back: exit 0"
	smtpsink_wait "$SINK" 7 20
	same "$(smtpsink_count "$SINK")" 7 \
	    "$BACKEND: 7 mails (a twice, b, f, g, h, o)"
	mails "$d" "$XSD9990" "$BACKEND"
	same "$(sql 'SELECT COUNT(*) FROM agg_reports')" 11 \
	    "$BACKEND: no report built again"
	same "$(identical "$d")" "7 7" \
	    "$BACKEND: the retried attachments are byte-identical"
	same "$(field 3 "$d/mails" a.example.com)" "$DAY0 $((DAY0 + DAY))" \
	    "$BACKEND: one report per window for a.example.com"
	same "$(field 8 "$d/mails" a.example.com)" "1 3" \
	    "$BACKEND: a.example.com day 0: a, sub1 and sub2 in one report"
	same "$(grep -c 'sub[12]\.a\.example\.com' "$d/mails")" 0 \
	    "$BACKEND: no report for a From subdomain"
	same "$(field 1 "$d/mails" b.example.com)" "agg@reports.example.net" \
	    "$BACKEND: external rua, verified: sent"
	same "$(field 1 "$d/mails" c.example.com)$(dstate c.example.com)" \
	    "unauthorized" "$BACKEND: external rua, not verified: not sent"
	file_has "$d/up.log" "agg@reports.example.net: not sent (unauthorized)" \
	    "$BACKEND: ... and logged"
	same "$(field 1 "$d/mails" g.example.com)" "other@reports.example.org" \
	    "$BACKEND: verified with a replacement rua: sent there"
	same "$(field 1 "$d/mails" i.example.com)$(dstate i.example.com)" \
	    "unauthorized" "$BACKEND: replacement rua on another host: neither"
	same "$(field 1 "$d/mails" d.example.com)$(dstate d.example.com)" \
	    "toobig" "$BACKEND: !1k too small: not sent"
	file_has "$d/up.log" "exceed the !size limit of 1024" "$BACKEND: ... and logged"
	same "$(field 1 "$d/mails" e.example.com)$(dstate e.example.com)" \
	    "suppressed" "$BACKEND: NoReportsList: not sent"
	same "$(field 1 "$d/mails" f.example.com) $(dstate f.example.com)" \
	    "agg@f.example.com invalid sent" \
	    "$BACKEND: https: rua ignored, mailto: beside it used"
	same "$(lastsent a.example.com)" "$((DAY0 + 2 * DAY - 1))" \
	    "$BACKEND: lastsent is the end of the delivered window"
}

# case_later DIR: nothing new, then the next day
case_later() {
	d=$1
	reports "$d" "$d/again.log" --now "$NOW1"
	same "$rc $(smtpsink_count "$SINK")" "0 7" \
	    "$BACKEND: a run with nothing new sends nothing"
	reports "$d" "$d/next.log" --now "$NOW2"
	smtpsink_wait "$SINK" 8 20
	same "$rc $(smtpsink_count "$SINK")" "0 8" \
	    "$BACKEND: the next day: one more report"
	mails "$d" "$XSD9990" "$BACKEND next day"
	same "$(field 3 "$d/mails" a.example.com)" \
	    "$DAY0 $((DAY0 + DAY)) $((DAY0 + 2 * DAY))" \
	    "$BACKEND: ... the next window of a.example.com"
	same "$(sql "SELECT COUNT(*) FROM agg_reports WHERE
	    policy_domain = 'b.example.com'")" 1 \
	    "$BACKEND: windows without messages build nothing"
}

# case_late - a first run two days late builds each missed window;
# --noupdate sends and records nothing
case_late() {
	d=$tmp/$BACKEND-late
	newdb late
	sink_restart late
	scenario "$d"
	reports "$d" "$d/noupdate.log" --noupdate --now "$NOW2" \
	    --domain a.example.com
	smtpsink_wait "$SINK" 3 20
	same "$rc $(smtpsink_count "$SINK") $(sql 'SELECT COUNT(*) FROM
	    agg_reports')" "0 3 0" "$BACKEND: --noupdate: sent, nothing recorded"
	sink_restart late2
	setport "$d" "$SMTPSINK_PORT"
	reports "$d" "$d/late.log" --now "$NOW2" --domain a.example.com
	smtpsink_wait "$SINK" 3 20
	same "$rc $(smtpsink_count "$SINK")" "0 3" \
	    "$BACKEND: a late first run: three reports in one run"
	mails "$d" "$XSD9990" "$BACKEND late"
	same "$(field 3 "$d/mails" a.example.com)" \
	    "$DAY0 $((DAY0 + DAY)) $((DAY0 + 2 * DAY))" \
	    "$BACKEND: ... one per missed day"
}

# case_migrated - mail of a From domain OpenDMARC already reported (its
# own requests row has a lastsent) is not reported again
case_migrated() {
	d=$tmp/$BACKEND-migrated
	newdb migrated
	sink_restart migrated
	scenario "$d"
	ts=$((DAY0 + DAY - 1))
	[ "$BACKEND" = sqlite ] || ts="FROM_UNIXTIME($ts)"
	sql "INSERT INTO requests (domain, repuri, lastsent) SELECT id,
	    'mailto:agg@a.example.com', $ts FROM domains
	    WHERE name = 'sub1.a.example.com'"
	python3 -c 'import json, sys
e = json.load(open(sys.argv[1])); e["a.example.com"][sys.argv[2]] -= 3
json.dump(e, open(sys.argv[1], "w"))' "$d/expect.json" "$DAY0"
	reports "$d" "$d/run.log" --now "$NOW1"
	smtpsink_wait "$SINK" 7 20
	same "$rc $(smtpsink_count "$SINK")" "0 7" \
	    "$BACKEND: OpenDMARC database: 7 reports"
	mails "$d" "$XSD9990" "$BACKEND migrated"
	same "$(field 7 "$d/mails" a.example.com)" "4 7" \
	    "$BACKEND: sub1's mail up to its lastsent not counted again"
}

# case_expire - deliveries still failing after 7 days are given up
case_expire() {
	d=$tmp/$BACKEND-expire
	newdb expire
	scenario "$d"
	setport "$d" "$(smtpsink_free_port $((41000 + $$ % 10000)))"
	reports "$d" "$d/down1.log" --now "$NOW1"
	reports "$d" "$d/down2.log" --now "$((NOW1 + 8 * DAY))"
	same "$(sql "SELECT COUNT(*) FROM agg_deliveries WHERE report <= 11
	    AND state = 'pending'") $(sql "SELECT COUNT(*) FROM agg_deliveries
	    WHERE report <= 11 AND state = 'expired'")" "0 11" \
	    "$BACKEND: relay down for 8 days: the deliveries are given up"
	file_has "$d/down2.log" "giving up after 7 days" "$BACKEND: ... and logged"
}

# case_main - the scenario through --test, relay down, relay back
case_main() {
	d=$tmp/$BACKEND-main
	newdb main
	sink_restart main
	scenario "$d"
	case_test_and_down "$d"
	case_delivered "$d"
	case_later "$d"
}

# case_concurrent - two runs at once send every report once
case_concurrent() {
	d=$tmp/$BACKEND-conc
	newdb conc
	sink_restart conc
	scenario "$d"
	"$REPORTS" -c "$d/conf" --now "$NOW1" >"$d/r1.log" 2>&1 &
	p1=$!
	"$REPORTS" -c "$d/conf" --now "$NOW1" >"$d/r2.log" 2>&1 &
	p2=$!
	wait "$p1"
	r1=$?
	wait "$p2"
	r2=$?
	same "$r1 $r2" "0 0" "$BACKEND: two runs at once: both exit 0"
	reports "$d" "$d/r3.log" --now "$NOW1"
	smtpsink_wait "$SINK" 7 20
	sleep 1
	same "$(smtpsink_count "$SINK")" 7 \
	    "$BACKEND: two runs at once: 7 mails, each report once"
	mails "$d" "$XSD9990" "$BACKEND concurrent"
	same "$(cut -f5 "$d/mails" | sort -u | wc -l | tr -d ' ')" 7 \
	    "$BACKEND: two runs at once: 7 distinct Report-IDs"
}

# case_7489 - ReportFormat rfc7489, ri=3600, --domain
case_7489() {
	d=$tmp/$BACKEND-7489
	newdb r7489
	sink_restart r7489
	scenario "$d"
	mkconf "$d" ReportFormat rfc7489
	reports "$d" "$d/run.log" --now "$NOW1" --domain a.example.com
	smtpsink_wait "$SINK" 3 20
	same "$rc $(smtpsink_count "$SINK")" "0 3" \
	    "$BACKEND rfc7489: three reports for a.example.com"
	mails "$d" "$XSD7489" "$BACKEND rfc7489"
	same "$(field 4 "$d/mails" a.example.com)" "$((DAY0 + 3599)) \
$((DAY0 + DAY + 3599)) $((DAY0 + 2 * DAY + 3599))" \
	    "$BACKEND rfc7489: hourly windows from ri=3600"
	same "$(cut -f2 "$d/mails" | sort -u)" "a.example.com" \
	    "$BACKEND rfc7489: --domain limits the run"
}

# backend NAME: every case on one backend
backend() {
	BACKEND=$1
	case_main
	case_late
	case_migrated
	case_expire
	case_concurrent
	case_7489
}

backend sqlite
if mariadb_start; then
	backend mariadb
else
	echo "# MariaDB cases not run: no mariadbd (Debian package mariadb-server)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
