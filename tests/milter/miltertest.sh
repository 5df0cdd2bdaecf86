#!/bin/sh
#
# miltertest.sh -- run the miltertest scenarios (tests/milter/t-*.lua)
#
# SYNOPSIS
#	top_srcdir=... top_builddir=... sh tests/milter/miltertest.sh [t-name ...]
#	DMARCD=/usr/sbin/opendmarc sh tests/milter/miltertest.sh   (compare)
#
# DESCRIPTION
#	For each script: write a dmarcd configuration (the base keys below
#	plus the script's "-- conf: Key value" lines; @DATA@ and @TMP@ are
#	replaced by the data and the temporary directory), start
#	`dmarcd -f -v -c conf -p local:SOCK`, run the script with miltertest
#	(globals socket, srcdir, testname), stop dmarcd, then check what the
#	script cannot see itself:
#
#	  -- history: none		no record was written
#	  -- history: records N		exactly N records
#	  -- history: has LINE		some line of the file is LINE
#	  -- history: lacks LINE	no line is LINE
#	  -- history: file NAME		the file equals data/NAME line by
#					line ("key *" matches any value)
#	  -- log: ERE			the daemon's output matches ERE
#
#	and that the daemon neither died early, exited with an error, nor
#	printed a sanitizer report.  DNS comes only from data/test.zone
#	(TestDNSData): the tests never touch live DNS.
#
# DIAGNOSTICS
#	One PASS/FAIL line per check group, the daemon's log and the
#	script's output for failures, then "N passed, N failed".  Exit 0,
#	1 on any failure, 77 when miltertest or dmarcd is missing.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
here="$top_srcdir/tests/milter"
data="$here/data"
DMARCD="${DMARCD:-$top_builddir/milter/dmarcd}"
MILTERTEST="${MILTERTEST:-miltertest}"

if ! command -v "$MILTERTEST" >/dev/null 2>&1; then
	echo "SKIP: miltertest not installed (Debian package miltertest)"
	exit 77
fi
if [ ! -x "$DMARCD" ]; then
	echo "SKIP: $DMARCD not built"
	exit 77
fi

# libmilter needs up to 5 s to stop after SIGTERM, so the scenarios
# run in parallel, each in its own directory, JOBS at a time.
JOBS="${JOBS:-32}"
top=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-mt.XXXXXX") || exit 1
cleanup() {
	for f in "$top"/*/pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	wait
	rm -rf "$top"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

showlog=

# result - report one check group: result OK|FAIL name [detail]
result() {
	if [ "$1" = OK ]; then
		echo "PASS: $2"
	else
		echo "FAIL: $2${3:+: $3}"
		showlog=yes
	fi
}

# meta - the values of the script's "-- KEY: value" lines
meta() {
	sed -n "s/^-- $2: //p" "$1"
}

# write_conf - the per-test configuration
write_conf() {
	{
		echo "AuthservID mx.test"
		echo "TrustedAuthservIDs mx.test"
		echo "TestDNSData $data/test.zone"
		echo "HistoryFile $tmp/history"
		meta "$1" conf
	} | sed -e "s|@DATA@|$data|g" -e "s|@TMP@|$tmp|g" >"$tmp/conf"
}

# start_daemon - run dmarcd in the foreground on a private socket
start_daemon() {
	rm -f "$tmp/sock" "$tmp/history"
	"$DMARCD" -f -v -c "$tmp/conf" -p "local:$tmp/sock" \
	    >"$tmp/daemon.log" 2>&1 &
	pid=$!
	echo "$pid" >"$tmp/pid"
	i=0
	while [ ! -S "$tmp/sock" ] && [ $i -lt 100 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
}

# stop_daemon - SIGTERM, then the exit status in $status
stop_daemon() {
	status=dead
	if kill -TERM "$pid" 2>/dev/null; then
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		status=$?
	else
		wait "$pid"
		status="dead before SIGTERM ($?)"
	fi
	rm -f "$tmp/pid"
}

# hist_lines - the history file, one line each ("" when absent)
hist_lines() {
	[ -f "$tmp/history" ] && cat "$tmp/history"
}

# check_history_file - compare with data/NAME; "key *" matches any value
check_history_file() {
	if [ ! -f "$data/$1" ]; then
		echo "missing $data/$1"
		return 1
	fi
	hist_lines | awk -v expf="$data/$1" '
		BEGIN { n = 0
			while ((getline l < expf) > 0) want[++n] = l }
		{ got[++m] = $0 }
		END {
			bad = 0
			for (i = 1; i <= (n > m ? n : m); i++) {
				w = want[i]; g = got[i]
				if (w ~ / \*$/) {
					k = substr(w, 1, length(w) - 1)
					ok = (substr(g, 1, length(k)) == k &&
					    length(g) > length(k))
				} else
					ok = (w == g)
				if (!ok) {
					printf "line %d: want \"%s\" got \"%s\"\n", \
					    i, w, g
					bad = 1
				}
			}
			exit bad
		}'
}

# check_history - every "-- history:" line of script $1
check_history() {
	meta "$1" history | while IFS= read -r spec; do
		case "$spec" in
		none)
			if [ -s "$tmp/history" ]; then
				echo "expected no record"
				exit 1
			fi ;;
		records\ *)
			n=$(hist_lines | grep -c '^job ')
			if [ "$n" -ne "${spec#records }" ]; then
				echo "expected ${spec#records } records, got $n"
				exit 1
			fi ;;
		has\ *)
			if ! hist_lines | grep -qxF -- "${spec#has }"; then
				echo "no line \"${spec#has }\""
				exit 1
			fi ;;
		lacks\ *)
			if hist_lines | grep -qxF -- "${spec#lacks }"; then
				echo "unexpected line \"${spec#lacks }\""
				exit 1
			fi ;;
		file\ *)
			check_history_file "${spec#file }" || exit 1 ;;
		*)
			echo "bad history spec \"$spec\""
			exit 1 ;;
		esac
	done
}

# check_log - every "-- log:" ERE of script $1 matches the daemon's output
check_log() {
	meta "$1" log | while IFS= read -r re; do
		if ! grep -qE -- "$re" "$tmp/daemon.log"; then
			echo "no log line matching /$re/"
			exit 1
		fi
	done
}

# run_one - one scenario and its check groups
run_one() {
	script=$1
	name=$(basename "$script" .lua)
	tmp="$top/$name"
	mkdir "$tmp" || return
	showlog=
	write_conf "$script"
	start_daemon
	if "$MILTERTEST" -D "socket=local:$tmp/sock" -D "srcdir=$here" \
	    -D "testname=$name" -s "$script" >"$tmp/script.out" 2>&1; then
		result OK "$name"
	else
		result FAIL "$name" "script failed"
	fi
	stop_daemon
	if [ "$status" = 0 ] || [ "$status" = 143 ]; then
		result OK "$name: daemon exit"
	else
		result FAIL "$name: daemon exit" "status $status"
	fi
	if grep -qE 'Sanitizer|runtime error:' "$tmp/daemon.log"; then
		result FAIL "$name: sanitizers" "see the log"
	fi
	if [ -n "$(meta "$script" history)" ]; then
		if why=$(check_history "$script"); then
			result OK "$name: history"
		else
			result FAIL "$name: history" "$why"
		fi
	fi
	if [ -n "$(meta "$script" log)" ]; then
		if why=$(check_log "$script"); then
			result OK "$name: log"
		else
			result FAIL "$name: log" "$why"
		fi
	fi
	if [ -n "$showlog" ]; then
		sed 's/^/#   script: /' "$tmp/script.out"
		sed 's/^/#   daemon: /' "$tmp/daemon.log"
		[ -f "$tmp/history" ] && sed 's/^/#   history: /' "$tmp/history"
		sed 's/^/#   conf: /' "$tmp/conf"
	fi
}

if [ $# -gt 0 ]; then
	scripts=
	for t in "$@"; do
		scripts="$scripts $here/$(basename "$t" .lua).lua"
	done
else
	scripts=$(ls "$here"/t-*.lua)
fi

n=0
for t in $scripts; do
	(run_one "$t" >"$top/$(basename "$t" .lua).out" 2>&1) &
	n=$((n + 1))
	if [ $((n % JOBS)) -eq 0 ]; then
		wait
	fi
done
wait

npass=0
nfail=0
for t in $scripts; do
	out="$top/$(basename "$t" .lua).out"
	cat "$out"
	npass=$((npass + $(grep -c '^PASS:' "$out")))
	nfail=$((nfail + $(grep -c '^FAIL:' "$out")))
done
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
