#!/bin/sh
# expire.sh -- dmarc-expire on SQLite and a private MariaDB
#
# DESCRIPTION
#	Old messages go with their signatures and ARC rows, recent ones
#	stay, whatever the batch size; orphaned child rows are removed;
#	requests last reported long ago go unless locked, never-reported
#	rows stay; --alltables leaves no unused name and every used one;
#	an emptied database and a second run both exit 0.
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/reports/lib/store.sh"

IMPORT=$top_builddir/reports/dmarc-import
EXPIRE=$top_builddir/reports/dmarc-expire
GEN=$top_builddir/tests/tools/histgen

# orphans - child rows whose message is gone (anti-join, as in the tool)
orphans() {
	q "SELECT (SELECT COUNT(*) FROM signatures c LEFT JOIN messages m
	    ON m.id = c.message WHERE m.id IS NULL) +
	    (SELECT COUNT(*) FROM arcseals c LEFT JOIN messages m
	    ON m.id = c.message WHERE m.id IS NULL) +
	    (SELECT COUNT(*) FROM arcauthresults c LEFT JOIN messages m
	    ON m.id = c.message WHERE m.id IS NULL)"
}

# unused_domains - domains nothing refers to
unused_domains() {
	q "SELECT COUNT(*) FROM domains d WHERE
	    NOT EXISTS (SELECT 1 FROM messages m WHERE m.env_domain = d.id
		OR m.from_domain = d.id OR m.policy_domain = d.id
		OR m.spf_domain = d.id)
	    AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.domain = d.id)
	    AND NOT EXISTS (SELECT 1 FROM arcseals a WHERE a.domain = d.id)
	    AND NOT EXISTS (SELECT 1 FROM selectors s WHERE s.domain = d.id)
	    AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.domain = d.id)"
}

# set_lastsent - requests row of domain $1 gets lastsent now-$2 days, lock $3
set_lastsent() {
	now=$(date +%s)
	ts=$((now - $2 * 86400))
	case $B in
	sqlite) v=$ts ;;
	*) v="FROM_UNIXTIME($ts)" ;;
	esac
	q "UPDATE requests SET lastsent = $v, locked = $3 WHERE domain =
	    (SELECT id FROM domains WHERE name = '$1')"
}

cases() {
	now=$(date +%s)
	"$GEN" -n 400 -d 40 -r old.example.net -s 1 -t $((now - 400 * 86400)) >"$T/old"
	"$GEN" -n 150 -d 40 -r new.example.net -s 2 -t $((now - 3600)) >"$T/new"
	"$IMPORT" --database "$DSN" "$T/old" "$T/new" >"$T/out" 2>&1
	check "$B: setup: 550 messages imported" [ $? -eq 0 ]
	sigs_new=$(grep -c '^dkim ' "$T/new")
	set_lastsent d1.example 300 0
	set_lastsent d2.example 2 0
	set_lastsent d4.example 300 1
	nulls=$(q 'SELECT COUNT(*) FROM requests WHERE lastsent IS NULL')
	q "INSERT INTO signatures (message, domain, selector, pass, error)
	    VALUES (999999, 1, 0, 0, 0)"
	"$EXPIRE" --database "$DSN" --expire 180 --batch 7 >"$T/out" 2>&1
	check "$B: dmarc-expire --expire 180 --batch 7: exit 0" [ $? -eq 0 ]
	same "$B: ... old messages gone, recent ones kept" \
	    "$(q 'SELECT COUNT(*) FROM messages')" 150
	same "$B: ... their signatures gone with them" \
	    "$(q 'SELECT COUNT(*) FROM signatures')" "$sigs_new"
	same "$B: ... no orphaned child rows (the planted one too)" \
	    "$(orphans)" 0
	same "$B: ... requests reported 300 days ago: gone" \
	    "$(q "SELECT COUNT(*) FROM requests r JOIN domains d ON
	    d.id = r.domain WHERE d.name = 'd1.example'")" 0
	same "$B: ... reported 2 days ago, locked, never reported: kept" \
	    "$(q "SELECT COUNT(*) FROM requests r JOIN domains d ON
	    d.id = r.domain WHERE d.name IN ('d2.example', 'd4.example')")
$(q 'SELECT COUNT(*) FROM requests WHERE lastsent IS NULL')" "2
$nulls"
	"$EXPIRE" --database "$DSN" --expire 180 >"$T/out" 2>&1
	check "$B: a second run: exit 0" [ $? -eq 0 ]
	same "$B: ... changes nothing" "$(q 'SELECT COUNT(*) FROM messages')" 150
	check "$B: before --alltables some domains are unused" \
	    [ "$(unused_domains)" -gt 0 ]
	"$EXPIRE" --database "$DSN" --alltables -v >"$T/out" 2>&1
	check "$B: --alltables: exit 0" [ $? -eq 0 ]
	same "$B: ... no unused domain left" "$(unused_domains)" 0
	same "$B: ... every message still has its names" \
	    "$(q 'SELECT COUNT(*) FROM messages m JOIN domains f ON
	    f.id = m.from_domain JOIN domains e ON e.id = m.env_domain
	    JOIN domains p ON p.id = m.policy_domain JOIN ipaddr i
	    ON i.id = m.ip JOIN reporters r ON r.id = m.reporter')" 150
	same "$B: ... every signature its selector" \
	    "$(q 'SELECT COUNT(*) FROM signatures s LEFT JOIN selectors l
	    ON l.id = s.selector WHERE s.selector <> 0 AND l.id IS NULL')" 0
	same "$B: ... the old reporter is gone" \
	    "$(q "SELECT COUNT(*) FROM reporters WHERE name = 'old.example.net'")" 0
	"$EXPIRE" --database "$DSN" --expire 0 --alltables >"$T/out" 2>&1
	check "$B: --expire 0 empties messages: exit 0 (OpenDMARC: 1)" [ $? -eq 0 ]
	same "$B: ... messages and signatures empty" \
	    "$(q 'SELECT COUNT(*) FROM messages') $(q 'SELECT COUNT(*) FROM signatures')" "0 0"
	"$EXPIRE" --database "$DSN" --expire 0 --alltables >"$T/out" 2>&1
	check "$B: ... and again on the empty tables: exit 0" [ $? -eq 0 ]
	"$IMPORT" --database "$DSN" "$T/new" >"$T/out" 2>&1
	same "$B: the recent file imports again afterwards" \
	    "$(q 'SELECT COUNT(*) FROM messages')" 150
}

store_run_backends cases
store_done
