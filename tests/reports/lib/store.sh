# store.sh -- helpers for the report tools' tests on both backends (sourced)
#
# SYNOPSIS
#	. "$top_srcdir/tests/reports/lib/store.sh"
#	cases() { ...; }		the test body, run once per backend
#	store_run_backends cases	SQLite, then a private MariaDB
#	store_done			"N passed, N failed" and exit status
#
# DESCRIPTION
#	Inside the body $B is "sqlite" or "mariadb", $DSN its data source
#	name and $T a scratch directory; q SQL runs one query on the current
#	backend (tab-separated rows); ok, notok, check WHAT CMD... and same
#	WHAT GOT WANT print TAP lines.  The MariaDB server comes from
#	tests/integration/lib/mariadb.sh; a fresh database per backend run.
#	A MariaDB that cannot start is a failure, not a skip.
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/integration/lib/mariadb.sh"

pass=0
fail=0
n=0
T=$(mktemp -d /tmp/dmarcd-store.XXXXXX)
trap 'mariadb_stop; rm -rf "$T"' EXIT INT TERM

ok() {
	n=$((n + 1))
	pass=$((pass + 1))
	echo "ok $n - $*"
}
notok() {
	n=$((n + 1))
	fail=$((fail + 1))
	echo "not ok $n - $*"
}
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1"
		echo "#   got:  $2"
		echo "#   want: $3"
	fi
}
q() {
	case $B in
	sqlite) sqlite3 -separator '	' "$T/dmarc.db" "$1" ;;
	*) mariadb_sql "$1" ;;
	esac
}

# store_run_backends - run the body $1 on SQLite, then on MariaDB
store_run_backends() {
	B=sqlite
	DSN=sqlite:$T/dmarc.db
	"$1"
	B=mariadb
	if mariadb_start; then
		DSN=$MARIADB_DSN
		"$1"
	else
		notok "mariadb: a private server starts (mariadb-server installed?)"
	fi
}

store_done() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
