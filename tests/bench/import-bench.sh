#!/bin/sh
# import-bench.sh -- dmarc-import against its ceiling and opendmarc-import
#
# SYNOPSIS
#	top_builddir=BUILD top_srcdir=SRC tests/bench/import-bench.sh
#	    [-n N] [-m M] [-r ROUNDS]
#
# DESCRIPTION
#	Not part of make check.  Generates an N-record dmarcd history file
#	(default 100000; histgen, 200 From domains, 0-2 DKIM results each)
#	and an M-record OpenDMARC 1.4.2 file (default 5000), and runs
#	ROUNDS (default 3, at least 3 for the medians to mean anything)
#	interleaved rounds, each into fresh databases of the same schema:
#
#	  ceiling	the rows the schema holds for that file (taken once,
#			untimed, from a reference import) loaded by the
#			database's own bulk loader in one transaction:
#			MariaDB's LOAD DATA INFILE (server-side, the
#			fastest path it offers), SQLite's sqlite3 .import
#			(with dmarc-import's WAL and synchronous=NORMAL)
#	  dmarc-import	the history file itself
#	  opendmarc-import  (MariaDB, M-record file, when Debian's
#			opendmarc and libdbd-mysql-perl, libswitch-perl,
#			libjson-perl are installed) against dmarc-import and
#			the ceiling on the same file
#
#	For each run it measures wall time and CPU time: the loader's
#	user+sys (/usr/bin/time) plus what mariadbd used meanwhile
#	(/proc/PID/stat utime+stime); then prints the median records/s of
#	wall and of CPU per case and the ratios.  On a shared, loaded
#	machine the CPU figures are the ones to compare.  The private
#	MariaDB (tests/integration/lib/mariadb.sh) runs with
#	innodb_flush_log_at_trx_commit=2.  Build without sanitizers for
#	numbers worth quoting.  Needs /usr/bin/time (package time).
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/integration/lib/mariadb.sh"
N=100000
M=5000
R=3
while getopts n:m:r: o; do
	case $o in
	n) N=$OPTARG ;;
	m) M=$OPTARG ;;
	r) R=$OPTARG ;;
	*) echo "usage: import-bench.sh [-n N] [-m M] [-r rounds]" >&2
	   exit 2 ;;
	esac
done
IMPORT=$top_builddir/reports/dmarc-import
GEN=$top_builddir/tests/tools/histgen
T=$(mktemp -d /tmp/dmarcd-ibench.XXXXXX)
chmod 755 "$T"		# the server reads and writes the row files
trap 'mariadb_stop; rm -rf "$T"' EXIT INT TERM
TABLES="domains reporters ipaddr selectors messages signatures arcseals
arcauthresults requests"

now() { date +%s.%N; }
# srvcpu - CPU seconds the MariaDB server has used so far (0 without one)
srvcpu() {
	if [ -n "${MARIADB_PID:-}" ]; then
		awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15) / t }' \
		    "/proc/$MARIADB_PID/stat"
	else
		echo 0
	fi
}
# timed - case records command...: one line "case rec wall cpu-client
# cpu-server" to $T/results; the command's output in $T/out
timed() {
	l=$1
	r=$2
	shift 2
	s0=$(srvcpu)
	t0=$(now)
	/usr/bin/time -f "%U %S" -o "$T/cpu" "$@" >"$T/out" 2>&1 ||
	    { echo "$l: failed" >&2; tail -5 "$T/out" >&2; }
	t1=$(now)
	s1=$(srvcpu)
	awk -v l="$l" -v r="$r" -v a="$t0" -v b="$t1" -v s0="$s0" \
	    -v s1="$s1" '{ printf "%s\t%d\t%.3f\t%.3f\t%.3f\n", l, r, b - a,
		$1 + $2, s1 - s0 }' "$T/cpu" >>"$T/results"
	tail -1 "$T/results" | awk -F'\t' '{ printf "  %-34s %7.2f s wall, " \
	    "%6.2f + %6.2f s cpu\n", $1, $3, $4, $5 }'
}

# my_fresh NAME - a new database with dmarcd's schema; prints its DSN
my_fresh() {
	mariadb_root "DROP DATABASE IF EXISTS \`$1\`" >/dev/null
	_d=$(mariadb_createdb "$1")
	"$IMPORT" --database "$_d" /dev/null || exit 1
	echo "$_d"
}
# my_dump DB DIR - every table's rows, as LOAD DATA INFILE reads them
my_dump() {
	mkdir -p "$2"
	chmod 777 "$2"
	for t in $TABLES; do
		rm -f "$2/$t.tsv"
		mariadb_root "SET time_zone = '+00:00';
		    SELECT * FROM \`$1\`.$t INTO OUTFILE '$2/$t.tsv'" || exit 1
	done
}
# my_load DB DIR - the ceiling's SQL: every table in one transaction
my_load_sql() {
	echo "SET time_zone = '+00:00'; SET autocommit = 0;"
	for t in $TABLES; do
		echo "LOAD DATA INFILE '$2/$t.tsv' INTO TABLE \`$1\`.$t;"
	done
	echo "COMMIT;"
}
# sq_fresh FILE - a new SQLite database with dmarcd's schema
sq_fresh() {
	rm -f "$1" "$1-wal" "$1-shm"
	"$IMPORT" --database "sqlite:$1" /dev/null || exit 1
}
# sq_dump DB DIR - every table's rows as CSV
sq_dump() {
	mkdir -p "$2"
	for t in $TABLES; do
		sqlite3 -csv "$1" "SELECT * FROM $t" >"$2/$t.csv" || exit 1
	done
}
# sq_load_sql DIR - the ceiling's sqlite3 script: one transaction
sq_load_sql() {
	echo "PRAGMA journal_mode=WAL;"
	echo "PRAGMA synchronous=NORMAL;"
	echo "BEGIN;"
	for t in $TABLES; do
		echo ".import --csv $1/$t.csv $t"
	done
	echo "COMMIT;"
}
# counts DSN-or-file - messages and signatures rows, to check each run
my_count() {
	mariadb_root "SELECT (SELECT COUNT(*) FROM \`$1\`.messages),
	    (SELECT COUNT(*) FROM \`$1\`.signatures)" | tr '\t' ' '
}
sq_count() {
	sqlite3 "$1" "SELECT (SELECT COUNT(*) FROM messages),
	    (SELECT COUNT(*) FROM signatures)" | tr '|' ' '
}
# verify LABEL GOT WANT - a run that did not load every row is reported
verify() {
	[ "$2" = "$3" ] || echo "  $1: loaded $2, want $3 (messages signatures)"
}

"$GEN" -n "$N" -s 1 >"$T/h"
"$GEN" -O -n "$M" -s 4 >"$T/o"
echo "history files: $N records ($(wc -c <"$T/h") bytes), OpenDMARC" \
    "format $M records ($(wc -c <"$T/o") bytes); $R rounds;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
mariadb_start || { echo "MariaDB did not start"; exit 1; }
odm=
if [ -x /usr/sbin/opendmarc-import ] && perl -MDBD::mysql -MSwitch -MJSON \
    -e1 2>/dev/null; then
	odm=yes
else
	echo "opendmarc-import (with DBD::mysql, Switch, JSON) not" \
	    "installed: no comparison"
fi

# the rows of each file, once, from reference imports
ref=$(my_fresh ref)
"$IMPORT" --database "$ref" "$T/h" || exit 1
my_dump ref "$T/myrows"
want_my=$(my_count ref)
refo=$(my_fresh refo)
"$IMPORT" --database "$refo" "$T/o" || exit 1
my_dump refo "$T/myrowso"
want_o=$(my_count refo)
sq_fresh "$T/ref.db"
"$IMPORT" --database "sqlite:$T/ref.db" "$T/h" || exit 1
sq_dump "$T/ref.db" "$T/sqrows"
want_sq=$(sq_count "$T/ref.db")
mariadb_root "DROP DATABASE ref; DROP DATABASE refo"
my_load_sql run "$T/myrows" >"$T/myload.sql"
my_load_sql run "$T/myrowso" >"$T/myloado.sql"
sq_load_sql "$T/sqrows" >"$T/sqload.sql"
schema=/usr/share/dbconfig-common/data/opendmarc/install/mysql

i=1
while [ "$i" -le "$R" ]; do
	echo "round $i (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	my_fresh run >/dev/null
	timed "MariaDB ceiling (LOAD DATA)" "$N" \
	    mariadb --no-defaults -uroot --socket="$MARIADB_SOCK" \
	    -e "source $T/myload.sql"
	verify "MariaDB ceiling" "$(my_count run)" "$want_my"
	d=$(my_fresh run)
	timed "MariaDB dmarc-import" "$N" "$IMPORT" --database "$d" "$T/h"
	verify "MariaDB dmarc-import" "$(my_count run)" "$want_my"
	timed "MariaDB dmarc-import again (dups)" "$N" \
	    "$IMPORT" --database "$d" "$T/h"
	verify "MariaDB dmarc-import again" "$(my_count run)" "$want_my"
	sq_fresh "$T/run.db"
	timed "SQLite ceiling (.import)" "$N" \
	    sqlite3 "$T/run.db" ".read $T/sqload.sql"
	verify "SQLite ceiling" "$(sq_count "$T/run.db")" "$want_sq"
	sq_fresh "$T/run.db"
	timed "SQLite dmarc-import" "$N" \
	    "$IMPORT" --database "sqlite:$T/run.db" "$T/h"
	verify "SQLite dmarc-import" "$(sq_count "$T/run.db")" "$want_sq"
	my_fresh run >/dev/null
	timed "OpenDMARC file: ceiling" "$M" \
	    mariadb --no-defaults -uroot --socket="$MARIADB_SOCK" \
	    -e "source $T/myloado.sql"
	d=$(my_fresh run)
	timed "OpenDMARC file: dmarc-import" "$M" \
	    "$IMPORT" --database "$d" "$T/o"
	verify "dmarc-import, OpenDMARC file" "$(my_count run)" "$want_o"
	if [ -n "$odm" ]; then
		mariadb_root "DROP DATABASE IF EXISTS odm"
		sed 's/opendmarc;/odm;/' "$schema" | mariadb_client
		timed "OpenDMARC file: opendmarc-import" "$M" \
		    /usr/sbin/opendmarc-import --dbhost=127.0.0.1 \
		    --dbport="$MARIADB_PORT" --dbname=odm \
		    --dbuser="$MARIADB_USER" --dbpasswd="$MARIADB_PASS" \
		    --input="$T/o"
	fi
	i=$((i + 1))
done

# medians per case, then the ratios
echo
echo "medians of $R rounds (records/s; cpu = loader + mariadbd)"
cut -f1 "$T/results" | awk '!seen[$0]++' | while IFS= read -r c; do
	awk -F'\t' -v c="$c" '$1 == c { print $2 / $3, $2 / ($4 + $5),
	    $3, $4, $5 }' "$T/results" >"$T/one"
	med() { cut -d' ' -f"$1" "$T/one" | sort -g |
	    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$(med 1)" "$(med 2)" \
	    "$(med 3)" "$(med 4)" "$(med 5)"
done >"$T/medians"
awk -F'\t' '{ printf "  %-34s %8.0f rec/s wall %8.0f rec/cpu-s  " \
    "(%.2f s; cpu %.2f + %.2f s)\n", $1, $2, $3, $4, $5, $6 }' "$T/medians"
# ratio A B - how A compares with B, wall and CPU
ratio() {
	awk -F'\t' -v a="$1" -v b="$2" '$1 == a { aw = $2; ac = $3 }
	    $1 == b { bw = $2; bc = $3 }
	    END { if (aw && bw) printf "  %-50s wall %6.2fx  cpu %6.2fx\n",
		a " / " b, aw / bw, ac / bc }' "$T/medians"
}
echo "ratios (records/s)"
ratio "MariaDB dmarc-import" "MariaDB ceiling (LOAD DATA)"
ratio "SQLite dmarc-import" "SQLite ceiling (.import)"
ratio "OpenDMARC file: dmarc-import" "OpenDMARC file: ceiling"
ratio "OpenDMARC file: dmarc-import" "OpenDMARC file: opendmarc-import"
ratio "MariaDB dmarc-import" "OpenDMARC file: opendmarc-import"
