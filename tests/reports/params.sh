#!/bin/sh
# params.sh -- dmarc-params on SQLite and a private MariaDB
#
# DESCRIPTION
#	--rua creates the rows of an unknown domain, sets and locks its rua,
#	and a later import leaves it alone; --unlock gives it back to the
#	import; a bare call locks without touching the rua (OpenDMARC set it
#	to NULL); --interval sets ri and nothing else; bad URIs, intervals
#	and --rua with --unlock are usage errors; names are lower-cased.
#	The database can be named by -c (Database key); on MariaDB also by
#	OpenDMARC's --db* options and its OPENDMARC_* variables.
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/reports/lib/store.sh"

IMPORT=$top_builddir/reports/dmarc-import
PARAMS=$top_builddir/reports/dmarc-params
GEN=$top_builddir/tests/tools/histgen

# row - repuri, locked and ri of domain $1
row() {
	q "SELECT r.repuri, r.locked, r.ri FROM requests r JOIN domains d ON
	    d.id = r.domain WHERE d.name = '$1'"
}

cases() {
	"$PARAMS" --database "$DSN" --rua 'mailto:pin@x.example,https://r.example/up' \
	    D1.Example >"$T/out" 2>&1
	check "$B: --rua on an unknown domain: exit 0" [ $? -eq 0 ]
	same "$B: ... row created, rua set and locked (name lower-cased)" \
	    "$(row d1.example)" "mailto:pin@x.example,https://r.example/up	1	0"
	"$GEN" -n 60 -d 3 -r mx1.example.net -s 1 -t 1790000000 >"$T/h1"
	"$IMPORT" --database "$DSN" "$T/h1" >"$T/out" 2>&1
	same "$B: an import leaves the locked rua alone" \
	    "$(row d1.example)" "mailto:pin@x.example,https://r.example/up	1	0"
	"$PARAMS" --database "$DSN" --unlock d1.example >"$T/out" 2>&1
	check "$B: --unlock: exit 0" [ $? -eq 0 ]
	"$GEN" -n 60 -d 3 -r mx2.example.net -s 2 -t 1790100000 >"$T/h2"
	"$IMPORT" --database "$DSN" "$T/h2" >"$T/out" 2>&1
	same "$B: ... then the import updates the rua again" \
	    "$(row d1.example)" "mailto:dmarc@d1.example	0	0"
	"$PARAMS" --database "$DSN" d1.example >"$T/out" 2>&1
	same "$B: a bare call locks, keeping the rua (never NULL)" \
	    "$(row d1.example)" "mailto:dmarc@d1.example	1	0"
	"$PARAMS" --database "$DSN" new.example >"$T/out" 2>&1
	same "$B: ... on a new domain the rua is empty, not NULL" \
	    "$(q "SELECT COUNT(*) FROM requests r JOIN domains d ON
	    d.id = r.domain WHERE d.name = 'new.example' AND r.repuri = ''
	    AND r.locked = 1")" 1
	"$PARAMS" --database "$DSN" --interval 7200 d2.example >"$T/out" 2>&1
	same "$B: --interval sets ri only" "$(row d2.example)" \
	    "mailto:dmarc@d2.example	0	7200"
	"$PARAMS" --database "$DSN" --interval 0 --show d2.example >"$T/out" 2>&1
	check "$B: --interval 0 --show prints the row" \
	    grep -q '^d2.example	rua=mailto:dmarc@d2.example	locked=0	interval=0	lastsent=never$' \
	    "$T/out"
	for bad in "--rua ftp://x.example" "--rua mailto:a@b,bogus" \
	    "--interval 5" "--interval 9999999" "--rua mailto:a@b --unlock" \
	    ""; do
		# shellcheck disable=SC2086
		"$PARAMS" --database "$DSN" $bad ${bad:+d3.example} >"$T/out" 2>&1
		same "$B: dmarc-params ${bad:-(no domain)}: usage (64)" "$?" 64
	done
	printf 'Database %s\n' "$DSN" >"$T/conf"
	"$PARAMS" -c "$T/conf" --show d1.example >"$T/out" 2>&1
	check "$B: -c with the Database key" grep -q '^d1.example	' "$T/out"
}

compat() {
	B=mariadb
	"$PARAMS" --dbhost=127.0.0.1 --dbport="$MARIADB_PORT" \
	    --dbname="$MARIADB_DB" --dbuser="$MARIADB_USER" \
	    --dbpasswd="$MARIADB_PASS" --rua mailto:c@compat.example \
	    compat.example >"$T/out" 2>&1
	check "mariadb: OpenDMARC's --dbhost/--dbport/--dbname/--dbuser/--dbpasswd" \
	    [ $? -eq 0 ]
	OPENDMARC_DBHOST=$MARIADB_SOCK OPENDMARC_DB=$MARIADB_DB \
	    OPENDMARC_USER=$MARIADB_USER OPENDMARC_PASSWORD=$MARIADB_PASS \
	    "$PARAMS" --show compat.example >"$T/out" 2>&1
	check "mariadb: OPENDMARC_* variables (host a socket path)" \
	    grep -q '^compat.example	rua=mailto:c@compat.example	locked=1' "$T/out"
}

store_run_backends cases
[ -n "$MARIADB_DIR" ] && compat
store_done
