#!/bin/sh
# import-bench.sh -- dmarc-import speed on SQLite and MariaDB (not in check)
#
# SYNOPSIS
#	top_builddir=BUILD top_srcdir=SRC tests/bench/import-bench.sh [-n N] [-m M]
#
# DESCRIPTION
#	Generates an N-record dmarcd history file (default 100000; histgen,
#	200 From domains, 0-2 DKIM results each) and imports it with
#	dmarc-import into a fresh SQLite file and into a fresh database of a
#	private MariaDB (tests/integration/lib/mariadb.sh; the server runs
#	with innodb_flush_log_at_trx_commit=2, as configured there), then
#	imports it again (all duplicates).  With opendmarc-import installed
#	(Debian's opendmarc plus libdbd-mysql-perl, libswitch-perl,
#	libjson-perl) it also imports an M-record OpenDMARC-format file
#	(default 2000) with opendmarc-import and with dmarc-import into two
#	fresh MariaDB databases of the same server.  Prints records/s of
#	wall time and of CPU time (the importer's user+sys plus what the
#	server used meanwhile): on a shared, loaded machine the second is the
#	number to compare.  Build without sanitizers for numbers worth
#	quoting.  Needs /usr/bin/time (package time).
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/integration/lib/mariadb.sh"
N=100000
M=2000
while getopts n:m: o; do
	case $o in
	n) N=$OPTARG ;;
	m) M=$OPTARG ;;
	*) echo "usage: import-bench.sh [-n N] [-m M]" >&2; exit 2 ;;
	esac
done
IMPORT=$top_builddir/reports/dmarc-import
GEN=$top_builddir/tests/tools/histgen
T=$(mktemp -d /tmp/dmarcd-ibench.XXXXXX)
trap 'mariadb_stop; rm -rf "$T"' EXIT INT TERM

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
# rate - label, records, wall start, wall end, client cpu, server cpu
rate() {
	awk -v l="$1" -v n="$2" -v a="$3" -v b="$4" -v c="$5" -v s="$6" \
	    'BEGIN { printf "%-42s %7d rec %7.2f s %7.0f rec/s | cpu %6.2f s " \
		"client + %6.2f s server = %7.0f rec/cpu-s\n", l, n, b - a,
		n / (b - a), c, s, n / (c + s) }'
}
# timed - label records command...: wall time and CPU of both sides
timed() {
	l=$1
	r=$2
	shift 2
	s0=$(srvcpu)
	t0=$(now)
	/usr/bin/time -f "%U %S" -o "$T/cpu" "$@" >"$T/out" 2>&1 ||
	    { echo "$l: failed"; tail -5 "$T/out"; }
	t1=$(now)
	s1=$(srvcpu)
	rate "$l" "$r" "$t0" "$t1" "$(awk '{ print $1 + $2 }' "$T/cpu")" \
	    "$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')"
}

"$GEN" -n "$N" -s 1 >"$T/h"
echo "history file: $N records, $(wc -c <"$T/h") bytes"
timed "dmarc-import, SQLite" "$N" "$IMPORT" --database "sqlite:$T/b.db" "$T/h"
timed "dmarc-import, SQLite, again (duplicates)" "$N" \
    "$IMPORT" --database "sqlite:$T/b.db" "$T/h"
mariadb_start || { echo "MariaDB did not start"; exit 1; }
timed "dmarc-import, MariaDB" "$N" "$IMPORT" --database "$MARIADB_DSN" "$T/h"
timed "dmarc-import, MariaDB, again (duplicates)" "$N" \
    "$IMPORT" --database "$MARIADB_DSN" "$T/h"
"$GEN" -n $((N / 2)) -s 2 -r mxa.example.net >"$T/ha"
"$GEN" -n $((N / 2)) -s 3 -r mxb.example.net >"$T/hb"
dsn2=$(mariadb_createdb two)
"$IMPORT" --database "$dsn2" /dev/null	# the schema, not timed
printf '#!/bin/sh\n"$1" --database "$2" "$3" & p=$!\n"$1" --database "$2" "$4"\nwait $p\n' >"$T/two"
timed "dmarc-import, MariaDB, two hosts at once" "$N" \
    sh "$T/two" "$IMPORT" "$dsn2" "$T/ha" "$T/hb"

if [ -x /usr/sbin/opendmarc-import ] && perl -MDBD::mysql -MSwitch -MJSON \
    -e1 2>/dev/null; then
	"$GEN" -O -n "$M" -s 4 >"$T/o"
	schema=/usr/share/dbconfig-common/data/opendmarc/install/mysql
	sed 's/opendmarc;/odm;/' "$schema" | mariadb_client	# not timed
	timed "opendmarc-import 1.4.2 (Perl), MariaDB" "$M" \
	    /usr/sbin/opendmarc-import --dbhost=127.0.0.1 \
	    --dbport="$MARIADB_PORT" --dbname=odm --dbuser="$MARIADB_USER" \
	    --dbpasswd="$MARIADB_PASS" --input="$T/o"
	dsn3=$(mariadb_createdb ours)
	"$IMPORT" --database "$dsn3" /dev/null	# the schema, not timed
	timed "dmarc-import, MariaDB, same OpenDMARC file" "$M" \
	    "$IMPORT" --database "$dsn3" "$T/o"
else
	echo "opendmarc-import (with DBD::mysql, Switch, JSON) not installed:" \
	    "no comparison"
fi
