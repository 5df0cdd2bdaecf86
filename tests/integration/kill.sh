#!/bin/sh
# kill.sh -- dmarcd killed with SIGKILL under load: no answered message
# loses its history record, and the file and the import recover
#
# SYNOPSIS
#	make check TESTS=tests/integration/kill.sh
#
# DESCRIPTION
#	A generated zone (tests/bench/genzone.py, 200 domains) in a private
#	unbound (lib/unbound.sh) and a 2,000-message corpus
#	(tests/bench/gencorpus.py) replayed by tests/bench/milterload over 64
#	concurrent milter connections to dmarcd (unix socket, HistoryFile,
#	RecordAllMessages and SoftwareHeader on, so every message evaluated
#	gets a record and a DMARC-Filter field naming its job id).  Once the
#	history file holds 400 records from that run, dmarcd gets SIGKILL
#	while the 64 connections are still sending.  Then:
#
#	  - every message whose end-of-message reply milterload received
#	    has a complete record (dmarcd writes it before it replies; see
#	    milter/histfile.c), and at most 64 records (one per connection
#	    in flight) belong to messages whose reply was lost;
#	  - at most the last record is torn, no line is malformed;
#	  - a kill rarely lands inside write(2), so when the last record is
#	    whole the test tears it as such a kill does: cut in the middle
#	    of its "profile" line (without its newline), where a value cut
#	    short would still parse;
#	  - dmarc-import (SQLite) imports every complete record and leaves
#	    the torn one for the next run (exit 0);
#	  - dmarcd restarted on the same socket path and history file cuts
#	    the torn line off (logged), and 300 more messages append whole
#	    records: none glued to the torn one, every answer recorded;
#	  - dmarcd stops cleanly on SIGTERM, no sanitizer report;
#	  - a second dmarc-import adds exactly the new records and reports
#	    the torn record, now followed by others, as cut off (exit 65);
#	    the torn job is not in the database; a third adds nothing.
#
#	No timed assertion: the kill waits for the record count, and every
#	wait is bounded only to end a hung run.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (unbound, python3 or
#	sqlite3 missing), 99 set-up failure.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
DMARCD=$top_builddir/milter/dmarcd
IMPORT=$top_builddir/reports/dmarc-import
LOAD=$top_builddir/tests/bench/milterload
BENCH=$top_srcdir/tests/bench
HCHECK=$top_srcdir/tests/integration/lib/histcheck.py
. "$top_srcdir/tests/integration/lib/unbound.sh"

for p in unbound python3 sqlite3; do
	command -v $p >/dev/null || { echo "SKIP: $p not installed"; exit 77; }
done
for p in "$DMARCD" "$IMPORT" "$LOAD"; do
	[ -x "$p" ] || { echo "ERROR: $p not built"; exit 99; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-kill.XXXXXX") || exit 99
pid= load_pid=
cleanup() {
	for p in $pid $load_pid; do
		kill -9 "$p" 2>/dev/null
	done
	ub_stop
	wait 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/lib/tap.sh"
# eq WHAT GOT WANT: exact comparison, both shown on failure
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		notok "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi
}
# jobs [PREFIX] - "job" lines (of job ids with PREFIX) in the history
jobs() { grep -c "^job $1" "$tmp/history" 2>/dev/null || :; }
# dbcount - message rows in the database
dbcount() { sqlite3 "$tmp/dmarc.db" 'SELECT COUNT(*) FROM messages'; }

# --- data, DNS -------------------------------------------------------------
python3 "$BENCH/genzone.py" -n 200 "$tmp" >/dev/null &&
    python3 "$BENCH/gencorpus.py" -n 2000 -d 200 "$tmp/corpus" ||
    { echo "ERROR: cannot generate zone and corpus"; exit 99; }
ub_start "$tmp" "$tmp/zone.conf" ||
    { cat "$tmp/unbound.out"; echo "ERROR: unbound"; exit 99; }
cat >"$tmp/dmarcd.conf" <<EOF
AuthservID mx.bench.example
TrustedAuthservIDs mx.bench.example
PublicSuffixList $tmp/bench.psl
Nameservers $UB_NS
RejectFailures true
HoldQuarantinedMessages true
RecordAllMessages true
SoftwareHeader true
HistoryFile $tmp/history
EOF
SOCK=unix:$tmp/dmarcd.sock

# start_unix PREFIX - in the foreground, in the background, on $SOCK; 0
# once it answers a probe message (job id PREFIX0)
start_unix() {
	"$DMARCD" -f -c "$tmp/dmarcd.conf" -p "$SOCK" >>"$tmp/dmarcd.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 300 ]; do
		"$LOAD" -q -n 1 -T 10 -i "$1" -f "$tmp/corpus" "$SOCK" \
		    >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stop_dmarcd SECONDS - SIGTERM; 0 when it exits with status 0 in time
# (libmilter sees the stop at its next 5-second poll; 60 s ends a hung one)
. "$top_srcdir/tests/milter/lib/daemon.sh"

# --- run 1: SIGKILL under 64 connections -----------------------------------
start_unix P1 || { tail "$tmp/dmarcd.log"; echo "ERROR: dmarcd"; exit 99; }
"$LOAD" -c 64 -n 2000 -T 60 -i K -o "$tmp/dump1" -f "$tmp/corpus" "$SOCK" \
    >"$tmp/load1.out" 2>&1 &
load_pid=$!
i=0
while [ "$(jobs K)" -lt 400 ] && kill -0 "$load_pid" 2>/dev/null &&
    [ $i -lt 3000 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=
wait "$load_pid"
lst=$?
load_pid=
echo "# run 1: $(grep '^RESULT' "$tmp/load1.out")"
python3 "$HCHECK" "$tmp/history" "$tmp/dump1" K >"$tmp/hc1"
sed 's/^/# /' "$tmp/hc1"
v() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/hc$2"; }
check "the kill came mid-run (milterload saw dropped connections)" \
    [ "$lst" -eq 1 -a "$(v errors 1)" -gt 0 ]
# 400 records, at most 64 of them unanswered
check "at least 300 messages answered before the kill" \
    [ "$(v answered 1)" -ge 300 ]
eq "every answered message names its job id (DMARC-Filter)" \
    "$(v noid 1)" 0
eq "every answered message has a complete record" "$(v missing 1)" 0
check "at most 64 records of messages whose reply was lost" \
    [ "$(v unanswered 1)" -le 64 ]
eq "no record torn but the last" "$(v torn_mid 1)" 0
eq "no malformed line" "$(v badlines 1)" 0

# --- the torn tail -------------------------------------------------------------
if [ "$(v torn_last 1)" -eq 1 ]; then
	echo "# the kill tore the last record itself: $(v torn_job 1)"
else
	# cut in the middle of the last record's "profile" line
	off=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
i = d.rindex(b"\nprofile ")
print(i + len(b"\nprofile rfc"))' "$tmp/history")
	truncate -s "$off" "$tmp/history"
	echo "# the last record was whole: cut at byte $off (mid profile line)"
fi
python3 "$HCHECK" "$tmp/history" >"$tmp/hc2"
TORN=$(v torn_job 2)
eq "now exactly the last record is torn" "$(v torn_last 2)/$(v torn_mid 2)" 1/0
WHOLE=$(v complete 2)

# --- import 1 ------------------------------------------------------------------
"$IMPORT" --database "sqlite:$tmp/dmarc.db" -v "$tmp/history" \
    >"$tmp/imp1.out" 2>&1
st=$?
eq "import 1: exit 0" "$st" 0
eq "import 1: every complete record, nothing else" "$(dbcount)" "$WHOLE"
check "import 1: the torn record is left for the next run" \
    grep -q "last record incomplete, left for the next run" "$tmp/imp1.out"

# --- run 2: restart on the same files --------------------------------------
before=$(jobs)
if start_unix P2; then
	ok "dmarcd restarts on the same socket path and history file"
else
	notok "dmarcd restarts on the same socket path and history file"
	tail "$tmp/dmarcd.log" | sed 's/^/#   /'
	echo "$pass passed, $fail failed"
	exit 1
fi
check "the torn line is cut off, and logged" \
    grep -q "ended in a torn line" "$tmp/dmarcd.log"
"$LOAD" -c 64 -n 300 -T 60 -i R -o "$tmp/dump2" -f "$tmp/corpus" "$SOCK" \
    >"$tmp/load2.out" 2>&1
eq "run 2: 300 messages, all answered" "$?" 0
echo "# run 2: $(grep '^RESULT' "$tmp/load2.out")"
check "dmarcd stops cleanly on SIGTERM" stop_dmarcd 60
if grep -q "Sanitizer\|runtime error" "$tmp/dmarcd.log"; then
	notok "no sanitizer report"
	grep -m 5 "Sanitizer\|runtime error" "$tmp/dmarcd.log" | sed 's/^/#   /'
else
	ok "no sanitizer report"
fi
python3 "$HCHECK" "$tmp/history" "$tmp/dump2" R >"$tmp/hc3"
sed 's/^/# /' "$tmp/hc3"
eq "run 2: every answered message has a complete record" \
    "$(v answered 3)/$(v missing 3)/$(v jobs_R 3)" 300/0/300
eq "history: 301 records appended (probe + run 2)" \
    $(($(jobs) - before)) 301
eq "the torn record is the only incomplete one, and mid-file now" \
    "$(v torn_last 3)/$(v torn_mid 3)" 0/1
eq "no malformed line, no record glued to the torn one" \
    "$(v badlines 3)" 0
eq "every other record complete" "$(v complete 3)" $((WHOLE + 301))

# --- import 2 and 3 --------------------------------------------------------
"$IMPORT" --database "sqlite:$tmp/dmarc.db" -v "$tmp/history" \
    >"$tmp/imp2.out" 2>&1
eq "import 2: exit 65 (one record skipped)" "$?" 65
check "import 2: the torn record is reported as cut off" \
    grep -q "record (job $TORN) cut off before its" "$tmp/imp2.out"
eq "import 2: exactly the 301 new records added" $(($(dbcount) - WHOLE)) 301
eq "the torn job is not in the database" \
    "$(sqlite3 "$tmp/dmarc.db" "SELECT COUNT(*) FROM messages WHERE jobid = '$TORN'")" 0
"$IMPORT" --database "sqlite:$tmp/dmarc.db" "$tmp/history" \
    >"$tmp/imp3.out" 2>&1
eq "import 3: nothing added" "$(dbcount)" $((WHOLE + 301))

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
