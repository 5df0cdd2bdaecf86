#!/bin/sh
# import-fault.sh -- the database server dies while dmarc-import writes
#
# DESCRIPTION
#	A private MariaDB (tests/integration/lib/mariadb.sh) is killed with
#	SIGKILL, and in a second case shut down cleanly, while dmarc-import
#	is in the middle of a transaction; then it is restarted.  What must
#	hold: dmarc-import exits 75 (EX_TEMPFAIL) with a clear "database
#	failure" message naming what was lost; only whole batches are in the
#	database: after SIGKILL exactly those committed before the fault
#	(the interrupted one was rolled back whole; after a clean shutdown
#	it may have committed whole, see below), with their signatures and
#	nothing else; and the next run of the same file brings the database
#	to exactly the rows a clean import of it gives (per-table counts and
#	a checksum of every row's content by name, since ids differ).
#
#	A dmarc-import that dies early makes the checks fail, never hangs
#	the test: the fifos are opened read-write and fed in the background.
#
#	Deterministic, no timing: the history comes through a fifo, so the
#	importer holds --batch records in memory until the test writes more;
#	the test waits until the first batches are committed, then takes a
#	row lock on every requests row (a transaction of its own, held open
#	on a fifo), writes the rest, and waits until the importer's
#	transaction - its messages and signatures written, not committed -
#	is in LOCK WAIT on that lock (information_schema.INNODB_TRX).  Only
#	then is the server stopped.  The polling loops only guard against a
#	hang (a failure after ~120 s of nothing), they assert nothing timed.
#
#	Needs mariadb-server (tools/deps.sh); when its binaries are missing
#	the test fails rather than being skipped.
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/reports/lib/store.sh"

IMPORT=$top_builddir/reports/dmarc-import
GEN=$top_builddir/tests/tools/histgen
BATCH=500
HOLD=

# qd DB SQL - one query as root in database DB, tab-separated rows
qd() {
	mariadb_client -N -B "$1" -e "$2"
}
# dsn DB - the DSN of database DB on the private server
dsn() {
	echo "mysql://$MARIADB_USER:$MARIADB_PASS@localhost/$1?socket=$MARIADB_SOCK"
}

# content DB - per-table counts and a checksum of every row by name
content() {
	for t in messages signatures arcseals arcauthresults domains \
	    selectors ipaddr reporters requests; do
		printf '%s %s\n' "$t" "$(qd "$1" "SELECT COUNT(*) FROM $t")"
	done
	qd "$1" "SELECT SUM(CRC32(CONCAT_WS(',', r.name, UNIX_TIMESTAMP(m.date),
	    m.jobid, m.digest, m.policy, m.disp, i.addr, e.name, f.name,
	    p.name, m.spf, m.align_dkim, m.align_spf, m.sigcount, m.arc,
	    m.arc_policy, m.spf_scope, m.discovery, m.disposition, m.reasons)))
	    FROM messages m JOIN reporters r ON r.id = m.reporter
	    JOIN ipaddr i ON i.id = m.ip JOIN domains e ON e.id = m.env_domain
	    JOIN domains f ON f.id = m.from_domain
	    JOIN domains p ON p.id = m.policy_domain"
	qd "$1" "SELECT SUM(CRC32(CONCAT_WS(',', m.jobid, m.digest,
	    UNIX_TIMESTAMP(m.date), d.name, IFNULL(sl.name, ''), s.pass,
	    s.error))) FROM signatures s JOIN messages m ON m.id = s.message
	    JOIN domains d ON d.id = s.domain
	    LEFT JOIN selectors sl ON sl.id = s.selector"
	qd "$1" "SELECT SUM(CRC32(CONCAT_WS(',', d.name, r.repuri, r.adkim,
	    r.aspf, r.policy, r.spolicy, r.pct, r.fo, r.np, r.psd, r.testing,
	    UNIX_TIMESTAMP(r.policydate)))) FROM requests r
	    JOIN domains d ON d.id = r.domain"
}

# wait_for WHAT CMD... - poll CMD until it succeeds; 0, or 1 after ~120 s
wait_for() {
	_w=$1
	shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		if [ $_i -ge 1200 ]; then
			echo "# gave up waiting for $_w"
			return 1
		fi
		sleep 0.1
	done
}
count_is() {
	[ "$(qd fault 'SELECT COUNT(*) FROM messages' 2>/dev/null)" = "$1" ]
}
lock_wait() {
	[ "$(mariadb_root "SELECT COUNT(*) FROM information_schema.INNODB_TRX
	    WHERE trx_state = 'LOCK WAIT'" 2>/dev/null)" -ge 1 ] 2>/dev/null
}
holding() {
	grep -q '^holding$' "$T/hold.out" 2>/dev/null
}

# hold_start - a session of its own locks every requests row, kept open
hold_start() {
	rm -f "$T/hold.fifo"
	mkfifo "$T/hold.fifo"
	mariadb_client -n -N -B fault <"$T/hold.fifo" >"$T/hold.out" 2>&1 9>&- &
	HOLD=$!
	exec 8<>"$T/hold.fifo"	# read-write: never blocks, even if it died
	echo "BEGIN; SELECT COUNT(*) FROM requests FOR UPDATE;
	    SELECT 'holding';" >&8
}
# hold_end - let the holding session go (it fails once the server died)
hold_end() {
	exec 8>&-
	[ -z "$HOLD" ] || wait "$HOLD" 2>/dev/null
	HOLD=
}

# server_stop HOW - kill (SIGKILL) or shutdown; the data stays
server_stop() {
	case $1 in
	kill)
		kill -9 "$MARIADB_PID" ;;
	shutdown)
		mariadb-admin --no-defaults -uroot --socket="$MARIADB_SOCK" \
		    shutdown >/dev/null 2>&1 ;;
	esac
	wait "$MARIADB_PID" 2>/dev/null
	MARIADB_PID=
}

# fault_case HOW - one server failure in the middle of a transaction
fault_case() {
	how=$1
	mariadb_root "DROP DATABASE IF EXISTS fault"
	d=$(mariadb_createdb fault)
	"$IMPORT" --database "$d" /dev/null	# the schema
	rm -f "$T/in.fifo"
	mkfifo "$T/in.fifo"
	"$IMPORT" -v --batch "$BATCH" --database "$d" --input "$T/in.fifo" \
	    >"$T/imp.out" 2>&1 &
	imp=$!
	exec 9<>"$T/in.fifo"	# read-write: never blocks, even if it died
	# two whole batches and a part of the third, then hold the input
	head -n "$cut1" "$T/big" >&9 &
	feeder=$!
	wait_for "two batches committed" count_is $((2 * BATCH))
	r1=$?
	check "$how: the importer commits batch by batch" [ $r1 -eq 0 ]
	[ $r1 -eq 0 ] || kill "$feeder" 2>/dev/null	# nobody reads it
	hold_start
	wait_for "the lock" holding
	wait "$feeder"
	tail -n "+$((cut1 + 1))" "$T/big" >&9 8>&- &
	feeder=$!
	wait_for "the importer to wait for the lock" lock_wait
	check "$how: the importer is inside its third transaction" [ $? -eq 0 ]
	server_stop "$how"
	wait "$imp"
	rc=$?
	kill "$feeder" 2>/dev/null
	wait "$feeder" 2>/dev/null
	exec 9>&-
	hold_end
	same "$how: dmarc-import exits 75 (temporary failure)" "$rc" 75
	check "$how: ... saying the database failed and what was lost" \
	    grep -q 'database failure, [0-9]* records not imported' \
	    "$T/imp.out"
	grep 'dmarc-import' "$T/imp.out" | sed 's/^/#   /' | tail -3
	mariadb_launch
	check "$how: the server restarts" [ $? -eq 0 ]
	got=$(qd fault 'SELECT COUNT(*) FROM messages')
	said=$(sed -n 's/^dmarc-import: \([0-9]*\) imported,.*/\1/p' \
	    "$T/imp.out")
	if [ "$how" = kill ]; then
		same "$how: ... exactly the two committed batches are there" \
		    "$got" $((2 * BATCH))
	else
		# a clean shutdown ends the session holding the lock first, and
		# the importer's transaction may then commit before its own
		# connection goes: two or three whole batches, never a part
		check "$how: ... whole batches only ($got messages)" \
		    [ $((got % BATCH)) -eq 0 -a "$got" -ge $((2 * BATCH)) ]
	fi
	check "$how: ... at least what dmarc-import said it imported ($said)" \
	    [ "$got" -ge "${said:-999999}" ]
	same "$how: ... and only their signatures" \
	    "$(qd fault 'SELECT COUNT(*) FROM signatures')" "$(sigs_upto "$got")"
	"$IMPORT" --database "$d" "$T/big" >"$T/imp2.out" 2>&1
	same "$how: the next run exits 0" "$?" 0
	content fault >"$T/after.$how"
	check "$how: ... and gives exactly the rows of a clean import" \
	    cmp -s "$T/after.$how" "$T/ref.content"
	cmp -s "$T/after.$how" "$T/ref.content" ||
	    diff "$T/ref.content" "$T/after.$how" | sed 's/^/#   /'
}

B=mariadb
if ! mariadb_start; then
	notok "mariadb: a private server starts (mariadb-server installed?)"
	store_done
fi
"$GEN" -n 3000 -r mx1.example.net -s 31 -d 60 >"$T/big"
# the line before the first line of record 2 * BATCH + 100
cut1=$(grep -n '^job ' "$T/big" | sed -n "$((2 * BATCH + 101))p" |
    cut -d: -f1)
cut1=$((cut1 - 1))
# sigs_upto N - the dkim lines of the first N records
sigs_upto() {
	awk -v n="$1" '/^job / { r++ } r <= n && /^dkim /' "$T/big" | wc -l
}
ref=$(mariadb_createdb ref)
"$IMPORT" --database "$ref" "$T/big" >"$T/ref.out" 2>&1
check "a clean reference import (exit 0)" [ $? -eq 0 ]
content ref >"$T/ref.content"
same "... all 3000 records" "$(qd ref 'SELECT COUNT(*) FROM messages')" 3000

fault_case kill
fault_case shutdown

store_done
