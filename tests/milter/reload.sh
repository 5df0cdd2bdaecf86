#!/bin/sh
#
# reload.sh -- SIGHUP and SIGUSR1 reload dmarcd's configuration without
# dropping connections; connections in flight keep their configuration
#
# SYNOPSIS
#	top_srcdir=... top_builddir=... sh tests/milter/reload.sh
#
# DESCRIPTION
#	Starts `dmarcd -f -v -c CONF -p local:SOCK` with configuration A
#	(AuthservID mx.test, RejectFailures no, DNS from data/test.zone) and
#	runs reload-run.lua with miltertest.  The script holds milter
#	connections open while it rewrites CONF and sends SIGHUP, SIGUSR1
#	and a SIGHUP with a broken CONF, and checks on which configuration
#	each message was decided (see its header).  Then this script checks
#	what the Lua side cannot: the daemon is still running after the
#	signals, logged two reloads and one failed reload, printed no
#	sanitizer report, and exits 0 on SIGTERM.
#
# DIAGNOSTICS
#	One PASS/FAIL line per check, the daemon's log and the script's
#	output on failure, then "N passed, N failed".  Exit 0, 1 on any
#	failure, 77 when miltertest or dmarcd is missing.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
here="$top_srcdir/tests/milter"
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-reload.XXXXXX") || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

npass=0
nfail=0
showlog=

# result - one check: result OK|FAIL name [detail]
result() {
	if [ "$1" = OK ]; then
		echo "PASS: $2"
		npass=$((npass + 1))
	else
		echo "FAIL: $2${3:+: $3}"
		nfail=$((nfail + 1))
		showlog=yes
	fi
}

# log_count - lines of the daemon's output containing the text $1
log_count() {
	grep -cF -- "$1" "$tmp/daemon.log"
}

# configuration A, as reload-run.lua writes it
{
	echo "TrustedAuthservIDs mx.test, mx-b.test"
	echo "TestDNSData $here/data/test.zone"
	echo "AuthservID mx.test"
	echo "RejectFailures no"
} >"$tmp/conf"

"$DMARCD" -f -v -c "$tmp/conf" -p "local:$tmp/sock" >"$tmp/daemon.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$tmp/sock" ] && [ $i -lt 100 ]; do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
	i=$((i + 1))
done
if [ -S "$tmp/sock" ]; then
	result OK "daemon started"
else
	result FAIL "daemon started" "no socket $tmp/sock"
fi

"$MILTERTEST" -D "socket=local:$tmp/sock" -D "srcdir=$here" \
    -D "testname=reload" -D "conf=$tmp/conf" -D "pid=$pid" \
    -D "log=$tmp/daemon.log" -D "zone=$here/data/test.zone" \
    -s "$here/reload-run.lua" >"$tmp/script.out" 2>&1
mtrc=$?
# each "ok -" / "not ok -" line of the script is one check
while IFS= read -r line; do
	case "$line" in
	"ok - "*) result OK "${line#ok - }" ;;
	"not ok - "*) result FAIL "${line#not ok - }" ;;
	esac
done <"$tmp/script.out"
if [ "$mtrc" -eq 0 ]; then
	result OK "reload-run.lua completed"
else
	result FAIL "reload-run.lua completed" "miltertest exit $mtrc"
fi

if kill -0 "$pid" 2>/dev/null; then
	result OK "daemon still running after the signals"
else
	result FAIL "daemon still running after the signals"
fi
n=$(log_count "configuration reloaded from $tmp/conf")
[ "$n" -eq 2 ] && result OK "two reloads logged" ||
    result FAIL "two reloads logged" "got $n"
n=$(log_count "reload failed, keeping the running configuration")
[ "$n" -eq 1 ] && result OK "one failed reload logged" ||
    result FAIL "one failed reload logged" "got $n"
if grep -q "reload failed.*NoSuchKeyForReloadTest" "$tmp/daemon.log"; then
	result OK "failed reload names the unknown key"
else
	result FAIL "failed reload names the unknown key"
fi

# SIGTERM: libmilter takes up to 5 s to notice smfi_stop()
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
fi
pid=
[ "$status" = 0 ] && result OK "exit 0 on SIGTERM" ||
    result FAIL "exit 0 on SIGTERM" "status $status"
if grep -qE 'Sanitizer|runtime error:' "$tmp/daemon.log"; then
	result FAIL "no sanitizer report"
else
	result OK "no sanitizer report"
fi

if [ -n "$showlog" ]; then
	sed 's/^/#   script: /' "$tmp/script.out"
	sed 's/^/#   daemon: /' "$tmp/daemon.log"
fi
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
