#!/bin/sh
# bench-reports.sh -- dmarc-reports against opendmarc-reports, side by side
#
# SYNOPSIS
#	top_srcdir=... top_builddir=... tests/reports/bench-reports.sh \
#	    [MESSAGES [DOMAINS [ROUNDS]]]
#
# DESCRIPTION
#	Not part of make check.  Writes MESSAGES (default 16000) history
#	records over DOMAINS (default 1300) policy domains dated yesterday
#	(tests/reports/genhist.py bulk), imports them once into SQLite and
#	into a private MariaDB (tests/integration/lib/mariadb.sh) and, when
#	OpenDMARC's tools are installed, with opendmarc-import into
#	OpenDMARC's own schema in the same server.  Then ROUNDS (default 3)
#	interleaved rounds time, each into a new report directory:
#	  dmarc-reports --test on SQLite and on MariaDB (build every
#	  report, write the files);
#	  dmarc-reports sending every report to smtp-sink (SQLite, from a
#	  copy of the imported database, so every round sends them all);
#	  opendmarc-reports --test --day on MariaDB (1.4.2 connects to the
#	  relay even with --test: it is given the sink).
#	Prints each run (wall and CPU seconds, files or mails made), then
#	the medians and the ratios opendmarc-reports / dmarc-reports.
#	Build without sanitizers for meaningful numbers; needs
#	/usr/bin/time.  The report directories are new each time: ext4
#	creates files slowly beside many just deleted (its scan for
#	recently deleted inodes), which an "rm" between runs would add.
: "${top_srcdir:=.}" "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
N=${1:-16000}
D=${2:-1300}
R=${3:-3}
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

# t STEP CMD...: run CMD; one line "step wall cpu" to $tmp/results
t() {
	step=$1
	shift
	log="$tmp/$(echo "$step" | tr ' /:,' '____').log"
	s=$(date +%s.%N)
	/usr/bin/time -f "%U %S" -o "$tmp/cpu" "$@" >"$log" 2>&1
	rc=$?
	e=$(date +%s.%N)
	awk -v l="$step" -v a="$s" -v b="$e" '{ printf "%s\t%.3f\t%.3f\n",
	    l, b - a, $1 + $2 }' "$tmp/cpu" >>"$tmp/results"
	tail -1 "$tmp/results" | awk -F'\t' '{ printf "  %-36s %7.2f s wall" \
	    " %6.2f s cpu", $1, $2, $3 }'
	[ "$rc" -eq 0 ] || { echo " (exit $rc)"; tail -5 "$log" |
	    sed 's/^/#   /'; }
}

day0=$(( $(date -u +%s) / 86400 * 86400 - 86400 ))
python3 "$top_srcdir/tests/reports/genhist.py" bulk "$day0" "$N" "$D" \
    "$tmp/hist" || exit 99
smtpsink_start "$tmp/sink" || exit 99

# conf DSN DIR: a configuration for dmarc-reports on DSN writing to DIR
conf() {
	cat <<EOF
Database $1
ReportOrg Bench Receiver
ReportEmail dmarc-reports@receiver.example
PublicSuffixList $top_srcdir/tests/data/psl-test.dat
TestDNSData $top_srcdir/tests/reports/data/reports.zone
ReportDirectory $2
SMTPServer 127.0.0.1
SMTPPort $SMTPSINK_PORT
SMTPStartTLS no
EOF
}

echo "$N messages, $D policy domains, $R rounds"
conf "sqlite:$tmp/db0.sqlite" "$tmp/f0" >"$tmp/c0.conf"
"$B/dmarc-import" -c "$tmp/c0.conf" "$tmp/hist" || exit 99
odm=
dsn=
if mariadb_start; then
	dsn=$(mariadb_createdb dm) || exit 99
	conf "$dsn" "$tmp/f0" >"$tmp/c0.conf"
	"$B/dmarc-import" -c "$tmp/c0.conf" "$tmp/hist" || exit 99
	schema=/usr/share/dbconfig-common/data/opendmarc/install/mysql
	if command -v opendmarc-reports >/dev/null 2>&1 && [ -r "$schema" ]
	then
		mariadb_root "CREATE DATABASE odm" &&
		    sed '/^CREATE DATABASE/d; /^USE /d' "$schema" |
		    mariadb_client odm || exit 99
		opendmarc-import --dbhost=127.0.0.1 --dbport="$MARIADB_PORT" \
		    --dbname=odm --dbuser="$MARIADB_USER" \
		    --dbpasswd="$MARIADB_PASS" --input="$tmp/hist" \
		    >"$tmp/odm-import.log" 2>&1 || exit 99
		odm=1
	fi
else
	echo "no MariaDB: SQLite only"
fi

i=1
while [ "$i" -le "$R" ]; do
	echo "round $i (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	conf "sqlite:$tmp/db0.sqlite" "$tmp/sq$i" >"$tmp/sq.conf"
	mkdir "$tmp/sq$i"
	t "dmarc-reports --test, SQLite" "$B/dmarc-reports" \
	    -c "$tmp/sq.conf" --test
	echo ", $(ls "$tmp/sq$i" | wc -l) files"
	if [ -n "$dsn" ]; then
		conf "$dsn" "$tmp/my$i" >"$tmp/my.conf"
		mkdir "$tmp/my$i"
		t "dmarc-reports --test, MariaDB" "$B/dmarc-reports" \
		    -c "$tmp/my.conf" --test
		echo ", $(ls "$tmp/my$i" | wc -l) files"
	fi
	cp "$tmp/db0.sqlite" "$tmp/send.sqlite"
	conf "sqlite:$tmp/send.sqlite" "$tmp/sm$i" >"$tmp/sm.conf"
	mkdir "$tmp/sm$i"
	m0=$(smtpsink_count "$tmp/sink")
	t "dmarc-reports to smtp-sink, SQLite" "$B/dmarc-reports" \
	    -c "$tmp/sm.conf"
	smtpsink_wait "$tmp/sink" $((m0 + $(ls "$tmp/sm$i" | wc -l))) 30
	echo ", $(( $(smtpsink_count "$tmp/sink") - m0 )) mails"
	rm -f "$tmp/send.sqlite"*
	if [ -n "$odm" ]; then
		mkdir "$tmp/od$i"
		cd "$tmp/od$i" || exit 99
		t "opendmarc-reports --test --day" opendmarc-reports --test \
		    --day --utc --dbhost=127.0.0.1 --dbport="$MARIADB_PORT" \
		    --dbname=odm --dbuser="$MARIADB_USER" \
		    --dbpasswd="$MARIADB_PASS" \
		    --report-email=dmarc-reports@receiver.example \
		    --report-org=Bench --smtp-server=127.0.0.1 \
		    --smtp-port="$SMTPSINK_PORT"
		echo ", $(ls "$tmp/od$i" | wc -l) files"
		cd - >/dev/null || exit 99
	fi
	i=$((i + 1))
done

echo "medians of $R rounds (wall, cpu)"
sort -t"$(printf '\t')" -k1,1 "$tmp/results" | awk -F'\t' '
function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return a[int((n + 1) / 2)]
}
function flush() {
	if (n == 0)
		return
	mw[step] = med(w, n)
	mc[step] = med(c, n)
	printf "  %-36s %7.2f s %7.2f s\n", step, mw[step], mc[step]
}
$1 != step { flush(); step = $1; n = 0 }
{ n++; w[n] = $2; c[n] = $3 }
END {
	flush()
	o = "opendmarc-reports --test --day"
	if (o in mw)
		for (k in mw)
			if (k ~ /--test,/ && mw[k] > 0 && mc[k] > 0)
				printf "  %s / %s: %.1fx wall, %.1fx cpu\n",
				    o, k, mw[o] / mw[k], mc[o] / mc[k]
}'
