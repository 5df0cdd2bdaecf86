#!/bin/sh
# import.sh -- dmarc-import against SQLite and a private MariaDB
#
# DESCRIPTION
#	The same cases run on both backends: a dmarcd history file imports
#	whole; importing it again changes nothing (every table compared);
#	an input cut mid-line, mid-record and between "action" and dmarcd's
#	last extension key imports everything but the last record, which
#	the next run picks up; a malformed line and a record cut off by the
#	next "job" line are reported with their line numbers and skipped
#	(exit 65) while the rest is imported; two records without a job id
#	in the same second are both kept; an OpenDMARC 1.4.2 file imports;
#	stdin works; requests holds one row per policy domain with the
#	newest record's values, even when an older file is imported last,
#	and a locked row keeps its rua; --rotate renames, imports and
#	removes, keeps the file when its last record is incomplete and
#	drops that record (reported) on the next run; two importers run at
#	once on two MX hosts' files without a lost or doubled message.
#	MariaDB only: test_store's checks on the server, and an OpenDMARC
#	database (Debian's schema, filled by Debian's opendmarc-import) is
#	upgraded in place with its rows intact, after which importing the
#	same file again adds nothing; LOAD DATA LOCAL is used, and a server
#	with local_infile off gets multi-row INSERTs with the same rows; a
#	batch starting inside the second the database's newest row is from
#	loads directly unless it repeats a record of that second.
#
#	Needs mariadb-server (tools/deps.sh); when its binaries are missing
#	the MariaDB half fails rather than being skipped.
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/reports/lib/store.sh"

IMPORT=$top_builddir/reports/dmarc-import
GEN=$top_builddir/tests/tools/histgen

# absent - none of the files exists
absent() {
	for f in "$@"; do
		[ ! -e "$f" ] || return 1
	done
}

# snap - every table's rows in a comparable form
snap() {
	for t in messages signatures arcseals arcauthresults domains \
	    selectors ipaddr reporters; do
		printf '%s %s\n' "$t" "$(q "SELECT COUNT(*) FROM $t")"
	done
	q "SELECT d.name, r.repuri, r.adkim, r.aspf, r.policy, r.spolicy,
	    r.pct, r.fo, r.np, r.testing, r.locked
	    FROM requests r JOIN domains d ON d.id = r.domain ORDER BY d.name"
	q "SELECT reporter, jobid, digest, policy, disp, spf, sigcount
	    FROM messages ORDER BY reporter, date, jobid, digest"
}

# imp - run dmarc-import on the current backend; output in $T/out
imp() {
	"$IMPORT" --database "$DSN" -v "$@" >"$T/out" 2>&1
}

# cut_after - the first $2 lines of $1 (to stdout)
cut_lines() {
	head -n "$2" "$1"
}

run_cases() {
	"$GEN" -n 300 -r mx1.example.net -s 1 >"$T/h1"
	records=$(grep -c '^job ' "$T/h1")
	imp "$T/h1"
	check "$B: a dmarcd file imports (exit 0)" [ $? -eq 0 ]
	same "$B: every record is a message" \
	    "$(q 'SELECT COUNT(*) FROM messages')" "$records"
	same "$B: two records without job id in one second, both kept" \
	    "$(q "SELECT COUNT(*) FROM messages WHERE jobid = '(unknown-jobid)'")" \
	    "$(grep -c '^job (unknown-jobid)' "$T/h1")"
	same "$B: signatures, one per dkim line" \
	    "$(q 'SELECT COUNT(*) FROM signatures')" "$(grep -c '^dkim ' "$T/h1")"
	same "$B: discovery stored" \
	    "$(q "SELECT COUNT(*) FROM messages WHERE discovery = 'treewalk'")" \
	    "$(grep -c '^discovery treewalk' "$T/h1")"
	snap >"$T/snap1"
	imp "$T/h1"
	check "$B: the same file again (exit 0)" [ $? -eq 0 ]
	snap >"$T/snap2"
	check "$B: importing twice changes nothing" cmp -s "$T/snap1" "$T/snap2"
	check "$B: ... and says so" grep -q "0 imported, $records already" "$T/out"

	# truncation: mid-line, mid-record, between action and profile
	"$GEN" -n 40 -r mx2.example.net -s 2 >"$T/h2"
	size=$(wc -c <"$T/h2")
	head -c $((size - 7)) "$T/h2" >"$T/h2cut"
	before=$(q 'SELECT COUNT(*) FROM messages')
	imp "$T/h2cut"
	check "$B: file cut mid-line: exit 0" [ $? -eq 0 ]
	same "$B: ... all but the last record imported" \
	    "$(q 'SELECT COUNT(*) FROM messages')" $((before + 39))
	check "$B: ... the last one left for the next run" \
	    grep -q 'h2cut:[0-9]*: last record incomplete, left for the next run' \
	    "$T/out"
	last=$(grep -n '^job ' "$T/h2" | tail -1 | cut -d: -f1)
	act=$(grep -n '^action ' "$T/h2" | tail -1 | cut -d: -f1)
	cut_lines "$T/h2" $((act - 2)) >"$T/h2cut"
	imp "$T/h2cut"
	check "$B: cut mid-record (no action line): exit 0, left" \
	    grep -q "h2cut:$last: last record incomplete" "$T/out"
	cut_lines "$T/h2" "$act" >"$T/h2cut"
	imp "$T/h2cut"
	check "$B: cut after action, before profile: left" \
	    grep -q "h2cut:$last: last record incomplete" "$T/out"
	same "$B: ... still nothing of it imported" \
	    "$(q 'SELECT COUNT(*) FROM messages')" $((before + 39))
	imp "$T/h2"
	check "$B: the whole file next time: exit 0" [ $? -eq 0 ]
	same "$B: ... the last record is in" \
	    "$(q 'SELECT COUNT(*) FROM messages')" $((before + 40))

	# malformed records
	"$GEN" -n 10 -r mx3.example.net -s 3 >"$T/h3"
	awk 'NR == 30 { print "spf not-a-number" } { print }' "$T/h3" >"$T/h3bad"
	bad_job=$(awk 'NR <= 30 && /^job / { j = NR } END { print j }' "$T/h3")
	before=$(q 'SELECT COUNT(*) FROM messages')
	imp "$T/h3bad"
	check "$B: a malformed line: exit 65" [ $? -eq 65 ]
	check "$B: ... reported with its record's and its own line" \
	    grep -q "h3bad:$bad_job: malformed record (job .*), skipped: line 30:" \
	    "$T/out"
	same "$B: ... the other 9 records imported" \
	    "$(q 'SELECT COUNT(*) FROM messages')" $((before + 9))
	# a writer killed mid-record, then the next record appended
	"$GEN" -n 5 -r mx4.example.net -s 4 >"$T/h4"
	second=$(grep -n '^job ' "$T/h4" | sed -n 2p | cut -d: -f1)
	act0=$(grep -n '^action ' "$T/h4" | sed -n 1p | cut -d: -f1)
	awk -v s="$second" -v a="$act0" 'NR < a || NR >= s' "$T/h4" >"$T/h4bad"
	before=$(q 'SELECT COUNT(*) FROM messages')
	imp "$T/h4bad"
	check "$B: a record cut off by the next job line: exit 65" [ $? -eq 65 ]
	check "$B: ... reported" \
	    grep -q "h4bad:1: record (job mx4.example.net-0) cut off before its action line" \
	    "$T/out"
	same "$B: ... the 4 others imported" \
	    "$(q 'SELECT COUNT(*) FROM messages')" $((before + 4))

	# OpenDMARC's format, from stdin
	"$GEN" -O -n 20 -r mx5.example.net -s 5 >"$T/h5"
	before=$(q 'SELECT COUNT(*) FROM messages')
	"$IMPORT" --database "$DSN" <"$T/h5" >"$T/out" 2>&1
	check "$B: an OpenDMARC 1.4.2 file on stdin: exit 0" [ $? -eq 0 ]
	same "$B: ... all 20 (the last one: action ends it)" \
	    "$(q 'SELECT COUNT(*) FROM messages')" $((before + 20))
	imp "$top_srcdir/tests/reports/data/opendmarc-1.4.2.hist"
	check "$B: OpenDMARC's own sample record imports" [ $? -eq 0 ]
	same "$B: ... From domain lower-cased, rua list kept" \
	    "$(q "SELECT r.repuri FROM requests r JOIN domains d ON
	    d.id = r.domain WHERE d.name = 'sample.example'")" \
	    'mailto:agg@sample.example!10m,mailto:agg@reports.example.net'

	# requests: newest values win, locked rows keep their rua
	"$GEN" -n 30 -d 3 -r mx6.example.net -s 6 -t 1800000000 >"$T/new"
	"$GEN" -n 30 -d 3 -r mx7.example.net -s 7 -t 1700000000 | \
	    sed 's/^pct 100$/pct 42/' >"$T/old"
	imp "$T/new"
	q "UPDATE requests SET locked = 1, repuri = 'mailto:pinned@x.example'
	    WHERE domain = (SELECT id FROM domains WHERE name = 'd1.example')"
	imp "$T/old"
	check "$B: an older file imported last: exit 0" [ $? -eq 0 ]
	same "$B: ... does not put its older policy values back" \
	    "$(q "SELECT COUNT(*) FROM requests WHERE pct = 42")" 0
	same "$B: a locked row keeps its rua" \
	    "$(q "SELECT repuri FROM requests r JOIN domains d ON
	    d.id = r.domain WHERE d.name = 'd1.example'")" \
	    'mailto:pinned@x.example'
	same "$B: requests only for policy domains with a record" \
	    "$(q "SELECT COUNT(*) FROM requests r JOIN domains d ON
	    d.id = r.domain WHERE d.name LIKE 'sub.%'")" 0

	# --rotate
	hist=$T/history.dat
	"$GEN" -n 25 -r mx8.example.net -s 8 >"$hist"
	before=$(q 'SELECT COUNT(*) FROM messages')
	imp --rotate "$hist"
	check "$B: --rotate: exit 0" [ $? -eq 0 ]
	check "$B: ... file imported and removed" absent "$hist" "$hist.import"
	same "$B: ... 25 records" "$(q 'SELECT COUNT(*) FROM messages')" \
	    $((before + 25))
	"$GEN" -n 5 -r mx9.example.net -s 9 | head -c 900 >"$hist"
	imp --rotate "$hist"
	check "$B: --rotate, incomplete last record: file kept" \
	    [ -e "$hist.import" ]
	check "$B: ... and renamed" absent "$hist"
	"$GEN" -n 3 -r mx10.example.net -s 10 >"$hist"
	imp --rotate "$hist"
	check "$B: next --rotate: the kept file is final, its tail reported" \
	    grep -q 'history.dat.import:[0-9]*: last record truncated, skipped' \
	    "$T/out"
	check "$B: ... and both files are gone" absent "$hist" "$hist.import"
	same "$B: ... the new file's 3 records are in" \
	    "$(q "SELECT COUNT(*) FROM messages m JOIN reporters r ON
	    r.id = m.reporter WHERE r.name = 'mx10.example.net'")" 3

	# two MX hosts importing at once
	"$GEN" -n 1500 -r mxa.example.net -s 11 -d 50 >"$T/ha"
	"$GEN" -n 1500 -r mxb.example.net -s 12 -d 50 >"$T/hb"
	before=$(q 'SELECT COUNT(*) FROM messages')
	"$IMPORT" --database "$DSN" --batch 100 "$T/ha" >"$T/outa" 2>&1 &
	pa=$!
	"$IMPORT" --database "$DSN" --batch 100 "$T/hb" >"$T/outb" 2>&1 &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	same "$B: two importers at once: both exit 0" "$ra$rb" 00
	same "$B: ... every message once" \
	    "$(q 'SELECT COUNT(*) FROM messages')" $((before + 3000))
	snap >"$T/snap3"
	"$IMPORT" --database "$DSN" --batch 100 "$T/ha" "$T/hb" >"$T/outa" 2>&1 &
	pa=$!
	"$IMPORT" --database "$DSN" --batch 100 "$T/hb" "$T/ha" >"$T/outb" 2>&1 &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	snap >"$T/snap4"
	same "$B: both files again from both hosts: exit 0" "$ra$rb" 00
	check "$B: ... nothing changed" cmp -s "$T/snap3" "$T/snap4"
	same "$B: no domain twice" \
	    "$(q 'SELECT COUNT(*) - COUNT(DISTINCT name) FROM domains')" 0
}

# odm_dump - OpenDMARC's own columns of every table of database odm
odm_dump() {
	mariadb_client -N -B odm -e "
	    SELECT id, UNIX_TIMESTAMP(date), jobid, reporter, policy, disp,
		ip, env_domain, from_domain, policy_domain, spf, align_dkim,
		align_spf, sigcount, arc, arc_policy FROM messages ORDER BY id;
	    SELECT id, message, domain, selector, pass, error FROM signatures
		ORDER BY id;
	    SELECT id, name FROM domains ORDER BY id;
	    SELECT id, domain, name FROM selectors ORDER BY id;
	    SELECT id, name FROM reporters ORDER BY id;
	    SELECT id, addr FROM ipaddr ORDER BY id;
	    SELECT id, message, domain, selector, instance FROM arcseals
		ORDER BY id;
	    SELECT id, message, instance, arc_client_addr FROM arcauthresults
		ORDER BY id;
	    SELECT id, domain, repuri, adkim, aspf, policy, spolicy, pct,
		locked FROM requests ORDER BY id;"
}

# opendmarc_upgrade - Debian's OpenDMARC schema and import, then ours
opendmarc_upgrade() {
	schema=/usr/share/dbconfig-common/data/opendmarc/install/mysql
	if [ ! -r "$schema" ] || [ ! -x /usr/sbin/opendmarc-import ]; then
		notok "OpenDMARC's schema and opendmarc-import (package opendmarc)"
		return
	fi
	sed 's/opendmarc;/odm;/' "$schema" | mariadb_client
	check "OpenDMARC's schema loads" [ $? -eq 0 ]
	"$GEN" -O -n 200 -r mx1.example.net -s 21 -d 30 >"$T/odm.hist"
	cat "$top_srcdir/tests/reports/data/opendmarc-1.4.2.hist" >>"$T/odm.hist"
	/usr/sbin/opendmarc-import --dbhost=127.0.0.1 --dbport="$MARIADB_PORT" \
	    --dbname=odm --dbuser="$MARIADB_USER" --dbpasswd="$MARIADB_PASS" \
	    --input="$T/odm.hist" >"$T/odm.out" 2>&1
	check "opendmarc-import (Perl, Debian) fills it" [ $? -eq 0 ]
	before=$(mariadb_client -N -B odm -e 'SELECT COUNT(*) FROM messages')
	check "... with messages ($before)" [ "$before" -gt 190 ]
	mariadb_client odm -e "UPDATE requests SET locked = 1 WHERE id = 1"
	rua1=$(mariadb_client -N -B odm -e 'SELECT repuri FROM requests WHERE id = 1')
	odm_dump >"$T/odm.before"
	odsn="mysql://$MARIADB_USER:$MARIADB_PASS@localhost/odm?socket=$MARIADB_SOCK"
	"$IMPORT" -v --database "$odsn" "$T/odm.hist" >"$T/out" 2>&1
	check "dmarc-import upgrades it and imports the same file: exit 0" \
	    [ $? -eq 0 ]
	odm_dump >"$T/odm.after"
	check "... every OpenDMARC row intact" cmp -s "$T/odm.before" "$T/odm.after"
	check "... the same file added nothing" grep -q '^dmarc-import: 0 imported' "$T/out"
	same "... recorded as schema versions 1 (upgrade) and 2" \
	    "$(mariadb_client -N -B odm -e 'SELECT COUNT(*) FROM schema_version WHERE version IN (1, 2)')" 2
	same "... never-reported requests have lastsent NULL" \
	    "$(mariadb_client -N -B odm -e 'SELECT COUNT(*) FROM requests WHERE lastsent IS NOT NULL')" 0
	same "... the old unique key replaced by ours" \
	    "$(mariadb_client -N -B odm -e "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'odm' AND TABLE_NAME = 'messages'" | LC_ALL=C sort | tr '\n' ' ')" \
	    'PRIMARY date msgkey policy_date '
	"$GEN" -n 50 -r mx2.example.net -s 22 -d 30 >"$T/odm2.hist"
	"$IMPORT" --database "$odsn" "$T/odm2.hist" >"$T/out" 2>&1
	check "a dmarcd file imports into the upgraded database" [ $? -eq 0 ]
	same "... all of it" \
	    "$(mariadb_client -N -B odm -e 'SELECT COUNT(*) FROM messages')" \
	    $((before + 50))
	same "... the locked row kept its rua" \
	    "$(mariadb_client -N -B odm -e 'SELECT repuri FROM requests WHERE id = 1')" \
	    "$rua1"
}

# load_paths - MariaDB: LOAD DATA LOCAL is used, and without it (the
# server's local_infile off) the multi-row INSERTs give the same rows
load_paths() {
	"$GEN" -n 700 -r mxl.example.net -s 41 >"$T/hl"
	for db in lload lmulti; do
		mariadb_createdb $db >/dev/null
		[ $db = lload ] || mariadb_root "SET GLOBAL local_infile = 0"
		"$IMPORT" -vv --batch 300 --database \
		    "$(echo "$MARIADB_DSN" | sed "s,/dmarc?,/$db?,")" "$T/hl" \
		    >"$T/out.$db" 2>&1
		same "mariadb, $db: exit 0" "$?" 0
		mariadb_root "SET GLOBAL local_infile = 1"
		mariadb_client -N -B $db -e "SELECT r.name, m.jobid, m.digest,
		    UNIX_TIMESTAMP(m.date), m.policy, m.disp, i.addr, f.name,
		    m.sigcount, (SELECT GROUP_CONCAT(d.name, '/', s.pass
		    ORDER BY s.id) FROM signatures s JOIN domains d ON
		    d.id = s.domain WHERE s.message = m.id),
		    (SELECT COUNT(*) FROM arcseals a WHERE a.message = m.id)
		    FROM messages m JOIN reporters r ON r.id = m.reporter
		    JOIN ipaddr i ON i.id = m.ip JOIN domains f ON
		    f.id = m.from_domain ORDER BY m.jobid, m.digest" >"$T/rows.$db"
	done
	check "mariadb: LOAD DATA LOCAL streams the batches" \
	    grep -q 'LOAD DATA LOCAL: each batch streamed' "$T/out.lload"
	check "mariadb: with local_infile off, multi-row INSERTs instead" \
	    grep -q 'LOAD DATA LOCAL not available' "$T/out.lmulti"
	same "mariadb: ... all 700 messages" "$(wc -l <"$T/rows.lmulti")" 700
	check "mariadb: ... the same rows either way" \
	    cmp -s "$T/rows.lload" "$T/rows.lmulti"
}

# same_second - MariaDB: a batch that starts inside the second the last
# one ended in is still loaded directly when no row of that second has
# one of its job ids; one that repeats a record of that second goes
# through imp_msg, and nothing is lost or doubled either way
same_second() {
	"$GEN" -n 90 -r mxs.example.net -s 42 >"$T/hs"
	# records 1-40, then 41-90: 40 and 41 share a second (3 a second)
	jobs=$(grep -n '^job ' "$T/hs" | cut -d: -f1)
	l41=$(echo "$jobs" | sed -n 41p)
	l40=$(echo "$jobs" | sed -n 40p)
	same "mariadb: records 40 and 41 share a second" \
	    "$(awk -v a="$l40" -v b="$l41" 'NR > a && /^received / && !x { x = $2 }
		NR > b && /^received / && !y { y = $2 } END { print (x == y) }' \
	    "$T/hs")" 1
	head -n $((l41 - 1)) "$T/hs" >"$T/hs1"
	tail -n +"$l41" "$T/hs" >"$T/hs2"
	tail -n +"$l40" "$T/hs" >"$T/hs2dup"
	for db in ss1 ss2; do
		mariadb_createdb $db >/dev/null
		d=$(echo "$MARIADB_DSN" | sed "s,/dmarc?,/$db?,")
		"$IMPORT" --database "$d" "$T/hs1" >"$T/out.$db" 2>&1
		f=$T/hs2
		[ $db = ss1 ] || f=$T/hs2dup
		"$IMPORT" -vv --database "$d" "$f" >"$T/out.$db" 2>&1
		same "mariadb, $db: exit 0" "$?" 0
		same "mariadb, $db: 90 messages, none twice" \
		    "$(mariadb_client -N -B $db -e "SELECT COUNT(*),
			COUNT(DISTINCT jobid, digest) FROM messages")" "90	90"
	done
	check "mariadb: the next second's first records: loaded directly" \
	    grep -q 'records 1-50: newer than the database' "$T/out.ss1"
	check "mariadb: ... but one already there: through imp_msg" \
	    grep -q 'records 1-51: some may be there' "$T/out.ss2"
	check "mariadb: ... and said to be there" \
	    grep -q '50 imported, 1 already' "$T/out.ss2"
}

# --- SQLite
B=sqlite
DSN=sqlite:$T/dmarc.db
run_cases

# --- MariaDB
B=mariadb
if mariadb_start; then
	mariadb_createdb storetest >/dev/null
	if STORE_TEST_MYSQL_DSN=$(echo "$MARIADB_DSN" |
	    sed 's,/dmarc?,/storetest?,') \
	    "$top_builddir/tests/unit/test_store" >"$T/ts.out" 2>&1; then
		ok "mariadb: test_store's checks on the server"
	else
		notok "mariadb: test_store's checks on the server"
		grep '^not ok' "$T/ts.out"
	fi
	DSN=$MARIADB_DSN
	run_cases
	load_paths
	same_second
	opendmarc_upgrade
else
	notok "mariadb: a private server starts (mariadb-server installed?)"
fi

store_done
