#!/bin/sh
# bench-reports.sh -- time dmarc-reports (and opendmarc-reports) on a
# generated history
#
# SYNOPSIS
#	top_srcdir=... top_builddir=... tests/reports/bench-reports.sh \
#	    [MESSAGES [DOMAINS]]
#
# DESCRIPTION
#	Not part of make check.  Writes MESSAGES (default 16000) history
#	records over DOMAINS (default 1300) policy domains dated yesterday
#	(tests/reports/genhist.py bulk) and times, on SQLite and on a
#	private MariaDB (tests/integration/lib/mariadb.sh):
#	  dmarc-import; dmarc-reports --test (build every report, write the
#	  files); dmarc-reports sending to smtp-sink (SQLite only);
#	and, when OpenDMARC's tools are installed, opendmarc-import and
#	opendmarc-reports --test --day on OpenDMARC's own schema in the same
#	MariaDB server (1.4.2 connects to the relay even with --test: it is
#	given the sink).  Prints one line per step: "step seconds".
#	Build without sanitizers for meaningful numbers.
: "${top_srcdir:=.}" "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
N=${1:-16000}
D=${2:-1300}
B="$top_builddir/reports"
. "$top_srcdir/tests/integration/lib/smtpsink.sh"
. "$top_srcdir/tests/integration/lib/mariadb.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/reports-bench.XXXXXX") || exit 99
cleanup() {
	smtpsink_stop
	mariadb_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# t STEP CMD...: run CMD, print the wall time of STEP
t() {
	step=$1
	shift
	s=$(date +%s.%N)
	"$@" >"$tmp/$(echo "$step" | tr ' /' '__').log" 2>&1
	rc=$?
	e=$(date +%s.%N)
	printf '%-40s %8.2f s (exit %d)\n' "$step" \
	    "$(echo "$e - $s" | bc)" "$rc"
	[ "$rc" -eq 0 ] ||
	    tail -5 "$tmp/$(echo "$step" | tr ' /' '__').log" | sed 's/^/#   /'
}

day0=$(( $(date -u +%s) / 86400 * 86400 - 86400 ))
python3 "$top_srcdir/tests/reports/genhist.py" bulk "$day0" "$N" "$D" \
    "$tmp/hist" || exit 99
smtpsink_start "$tmp/sink" || exit 99
mkdir -p "$tmp/files"

# conf DSN: a configuration for dmarc-reports on DSN
conf() {
	cat <<EOF
Database $1
ReportOrg Bench Receiver
ReportEmail dmarc-reports@receiver.example
PublicSuffixList $top_srcdir/tests/data/psl-test.dat
TestDNSData $top_srcdir/tests/reports/data/reports.zone
ReportDirectory $tmp/files
SMTPServer 127.0.0.1
SMTPPort $SMTPSINK_PORT
SMTPStartTLS no
EOF
}

echo "$N messages, $D policy domains"
conf "sqlite:$tmp/db.sqlite" >"$tmp/sqlite.conf"
t "sqlite: dmarc-import" "$B/dmarc-import" -c "$tmp/sqlite.conf" "$tmp/hist"
t "sqlite: dmarc-reports --test" "$B/dmarc-reports" -c "$tmp/sqlite.conf" \
    --test
rm -f "$tmp/files"/*
t "sqlite: dmarc-reports (smtp-sink)" "$B/dmarc-reports" \
    -c "$tmp/sqlite.conf"
echo "mails received: $(smtpsink_count "$tmp/sink")"

mariadb_start || { echo "no MariaDB"; exit 0; }
dsn=$(mariadb_createdb dm) || exit 99
conf "$dsn" >"$tmp/maria.conf"
t "mariadb: dmarc-import" "$B/dmarc-import" -c "$tmp/maria.conf" "$tmp/hist"
rm -f "$tmp/files"/*
t "mariadb: dmarc-reports --test" "$B/dmarc-reports" -c "$tmp/maria.conf" \
    --test
echo "report files: $(ls "$tmp/files" | wc -l)"

command -v opendmarc-reports >/dev/null 2>&1 || exit 0
schema=/usr/share/dbconfig-common/data/opendmarc/install/mysql
[ -r "$schema" ] || exit 0
mariadb_root "CREATE DATABASE odm" &&
    sed '/^CREATE DATABASE/d; /^USE /d' "$schema" | mariadb_client odm ||
    exit 99
export OPENDMARC_DBHOST=127.0.0.1 OPENDMARC_PORT=$MARIADB_PORT \
    OPENDMARC_DB=odm OPENDMARC_USER=$MARIADB_USER \
    OPENDMARC_PASSWORD=$MARIADB_PASS
t "mariadb: opendmarc-import" opendmarc-import --dbhost=127.0.0.1 \
    --dbport="$MARIADB_PORT" --dbname=odm --dbuser="$MARIADB_USER" \
    --dbpasswd="$MARIADB_PASS" --input="$tmp/hist"
mkdir -p "$tmp/odm" && cd "$tmp/odm" || exit 99
t "mariadb: opendmarc-reports --test --day" opendmarc-reports --test --day \
    --utc --dbhost=127.0.0.1 --dbport="$MARIADB_PORT" --dbname=odm \
    --dbuser="$MARIADB_USER" --dbpasswd="$MARIADB_PASS" \
    --report-email=dmarc-reports@receiver.example --report-org=Bench \
    --smtp-server=127.0.0.1 --smtp-port="$SMTPSINK_PORT"
echo "opendmarc report files: $(ls "$tmp/odm" | wc -l)"
