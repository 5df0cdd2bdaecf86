#!/bin/sh
# histfile.sh -- the history file kept open by a running dmarcd
#
# SYNOPSIS
#	make check TESTS=tests/milter/histfile.sh
#
# DESCRIPTION
#	dmarcd keeps the history file open between messages and stat(2)s
#	its path before every record (milter/histfile.c).  One daemon, one
#	message at a time through tests/tools/milterprobe, and between the
#	messages what administrators and other programs do to the file:
#
#	  - renamed for rotation: the old file keeps the records before,
#	    the next record goes to a new file at the path;
#	  - deleted: the next record creates it again;
#	  - a torn line appended by another writer: cut off before the next
#	    record (the size is not the one our last record left);
#	  - a whole record appended by another writer: kept, ours follows;
#	  - emptied in place (logrotate copytruncate): the next record is
#	    the only one in it;
#	  - replaced by a directory: the message is tempfailed (the
#	    default HistoryFailureAction) with one log line, and once the
#	    path is a file again the next record is written;
#	  - renamed and removed by a holder of the file lock (as
#	    dmarc-import --rotate does) while a record waits for the lock:
#	    the record goes to a new file at the path, not into the one
#	    removed (the former open per message lost it);
#	  - the path changed by a configuration reload (SIGHUP).
#
#	Prints "ok N - what" per check and "N passed, N failed".

test_name=histfile
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/milter/lib/probetest.sh"
hist=$tmp/history

# conf PATH - the demo configuration with the history file at PATH
conf() {
	{
		cat "$demo/dmarcd.conf"
		echo "TestDNSData $demo/demo.zone"
		echo "HistoryFile $1"
	} >"$tmp/dmarcd.conf"
}

# send ID - pass.eml as job ID-1; its replies in $tmp/ID.out
send() {
	"$probe" -T 30 -i "$1-" -a 192.0.2.10 -H relay.example.com \
	    -s bounce@example.com -m "$demo/pass.eml" "inet:$port@127.0.0.1" \
	    >"$tmp/$1.out" 2>&1
}

# jobs FILE - the job lines of FILE, space-separated
jobs() {
	grep '^job ' "$1" 2>/dev/null | sed 's/^job //' | tr '\n' ' '
}

conf "$hist"
if ! start_dmarcd "$tmp/dmarcd.conf"; then
	echo "# dmarcd did not listen:"
	sed 's/^/#   /' "$tmp/dmarcd.log" | tail -20
	echo "0 passed, 1 failed"
	exit 1
fi

send A
check $? "A: milterprobe completed"
[ "$(jobs "$hist")" = "A-1 " ]
check $? "A: one record"

mv "$hist" "$hist.1"
send B
[ "$(jobs "$hist.1")" = "A-1 " ] && [ "$(jobs "$hist")" = "B-1 " ]
check $? "renamed: the old file keeps A, B goes to a new file"

rm "$hist"
send C
[ "$(jobs "$hist")" = "C-1 " ]
check $? "deleted: C creates the file again"

printf 'job torn\nreporter mx.test\nrecei' >>"$hist"
send D
[ "$(jobs "$hist")" = "C-1 torn D-1 " ] && ! grep -qx recei "$hist" &&
    ! grep -q '^$' "$hist"
check $? "a torn line from another writer is cut off before D"
grep -q 'ended in a torn line.*5 bytes cut off' "$tmp/dmarcd.log"
check $? "the cut is logged"

printf 'job other\nreporter mx.test\n' >>"$hist"
send E
[ "$(jobs "$hist")" = "C-1 torn D-1 other E-1 " ]
check $? "a whole record from another writer stays, E follows it"
[ "$(sed -n '/^job other$/{n;p;}' "$hist")" = "reporter mx.test" ] &&
    [ "$(sed -n '/^job E-1$/{n;p;}' "$hist" | cut -d' ' -f1)" = \
    reporter ] && [ -z "$(tail -c 1 "$hist")" ]
check $? "both whole: E's record starts on a line of its own"

: >"$hist"
send F
[ "$(jobs "$hist")" = "F-1 " ] && [ "$(head -n 1 "$hist")" = "job F-1" ]
check $? "emptied in place: F is the only record, from the first byte"

rm "$hist"
mkdir "$hist"
send G
grep -Eq '^eom: (replycode 451|tempfail)' "$tmp/G.out"
check $? "a directory at the path: G is tempfailed"
grep -q 'G-1: cannot append to history file' "$tmp/dmarcd.log"
check $? "G: the failure is logged"
rmdir "$hist"
send H
[ "$(jobs "$hist")" = "H-1 " ] && grep -Eq '^eom: (accept|continue)$' \
    "$tmp/H.out"
check $? "a file again: H is written and accepted"

# dmarc-import --rotate: rename, import, and remove holding the lock
(flock "$hist" sh -c 'touch "$1.locked"; sleep 1; mv "$1" "$1.import"
    rm "$1.import"' sh "$hist") &
lp=$!
i=0
while [ ! -f "$hist.locked" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
send J
wait "$lp"
[ "$(jobs "$hist")" = "J-1 " ] && grep -Eq '^eom: (accept|continue)$' \
    "$tmp/J.out"
check $? "rotated away while J waited for the lock: J goes to the new file"

conf "$tmp/other"
kill -HUP "$pid"
wait_log 'configuration reloaded'
send I
[ "$(jobs "$tmp/other")" = "I-1 " ] && ! grep -qx "job I-1" "$hist"
check $? "HistoryFile changed by a reload: I goes to the new path"

stop_dmarcd
check $? "dmarcd stops with status 0"
grep -Eq 'Sanitizer|runtime error:' "$tmp/dmarcd.log"
check $((!$?)) "no sanitizer report in dmarcd's log"
sed 's/^/# dmarcd: /' "$tmp/dmarcd.log" | tail -15

tap_done
