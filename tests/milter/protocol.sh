#!/bin/sh
# protocol.sh -- dmarcd over the milter wire protocol, as an MTA sees it
#
# SYNOPSIS
#	make check TESTS=tests/milter/protocol.sh
#	top_srcdir=. top_builddir=build sh tests/milter/protocol.sh
#
# DESCRIPTION
#	Starts dmarcd in the foreground on a free TCP port of 127.0.0.1 with
#	the demo configuration and zone (tests/data/demo), then talks to it
#	with tests/tools/milterprobe:
#
#	  - No Nagle stalls (the regression test, timing nothing): the
#	    negotiated protocol must not skip RCPT or DATA (Postfix sends
#	    those events' macros anyway; with no callback the filter owes no
#	    reply, delays its ACK, and the MTA's next write waits on Nagle),
#	    and dmarcd must log "TCP_NODELAY set on listening socket"
#	    (accepted sockets inherit it on Linux).
#	  - Two transactions on one connection: pass.eml gets an inserted
#	    Authentication-Results with dmarc=pass; reject.eml (p=reject,
#	    nothing aligned) gets "550 5.7.1".
#	  - Malformed traffic (milterprobe -X): a truncated packet, an
#	    absurd length, an unknown command.  Each time dmarcd (libmilter)
#	    drops that connection, and the next connection still gets its
#	    verdict: the daemon keeps serving.
#	  - dmarcd logs one line per message, stops cleanly on SIGTERM and
#	    its log holds no sanitizer report.
#	  - A unix: socket (-p unix:PATH) serves the same verdict.
#
#	Prints "ok N - what" per check and "N passed, N failed".  Exits 77
#	when milter/dmarcd is not built.

test_name=protocol
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/milter/lib/probetest.sh"

{
	cat "$demo/dmarcd.conf"
	echo "TestDNSData $demo/demo.zone"
	echo "HistoryFile $tmp/history"
} >"$tmp/dmarcd.conf"

started=0
if ! start_dmarcd "$tmp/dmarcd.conf" -v; then
	started=1
	echo "# dmarcd did not listen (3 ports tried):"
	sed 's/^/#   /' "$tmp/dmarcd.log" | tail -20
fi
check $started "dmarcd listens on inet:$port@127.0.0.1"
if [ $started -ne 0 ]; then
	echo "$npass passed, $nfail failed"
	exit 1
fi

"$probe" -T 30 -a 192.0.2.10 -H relay.example.com -s bounce@example.com \
    -m "$demo/pass.eml" -m "$demo/reject.eml" "inet:$port@127.0.0.1" \
    >"$tmp/probe.out" 2>"$tmp/probe.err"
check $? "milterprobe completed the exchange"
sed 's/^/# probe: /' "$tmp/probe.out" "$tmp/probe.err"

proto=$(grep '^protocol ' "$tmp/probe.out")
echo "$proto" | grep -q '^protocol 0x'
check $? "the filter negotiated protocol flags"
echo "$proto" | grep -qw NORCPT
check $((!$?)) "the negotiated protocol does not skip RCPT (no NORCPT)"
echo "$proto" | grep -qw NODATA
check $((!$?)) "the negotiated protocol does not skip DATA (no NODATA)"
grep '^actions ' "$tmp/probe.out" | grep -qw ADDHDRS
check $? "the filter asked for ADDHDRS"

# The replies of each transaction, in order.
sed -n '/^message PROBE1 /,/^message PROBE2 /p' "$tmp/probe.out" >"$tmp/m1"
sed -n '/^message PROBE2 /,$p' "$tmp/probe.out" >"$tmp/m2"
grep -q '^eom: insheader [0-9]* Authentication-Results: mx\.demo\.example;.*dmarc=pass.*header\.from=example\.com' "$tmp/m1"
check $? "pass.eml: Authentication-Results with dmarc=pass inserted"
grep -Eq '^eom: (accept|continue)$' "$tmp/m1"
check $? "pass.eml: accepted"
grep -q '^eom: replycode 550 5\.7\.1 ' "$tmp/m2"
check $? "reject.eml: refused with 550 5.7.1"
grep -q '^eom: insheader .*dmarc=pass' "$tmp/m2"
check $((!$?)) "reject.eml: no dmarc=pass header (per-message state reset)"

# Malformed traffic: the connection is dropped, the daemon keeps serving.
for kind in truncated length unknown; do
	"$probe" -T 30 -X "$kind" "inet:$port@127.0.0.1" >"$tmp/bad.out" 2>&1
	check $? "malformed ($kind): dmarcd drops the connection"
	sed 's/^/# probe: /' "$tmp/bad.out" | tail -2
	"$probe" -T 30 -i "AFTER-$kind-" -a 192.0.2.10 -H relay.example.com \
	    -s bounce@example.com -m "$demo/pass.eml" "inet:$port@127.0.0.1" \
	    >"$tmp/after.out" 2>&1
	grep -q '^eom: insheader [0-9]* Authentication-Results: .*dmarc=pass' \
	    "$tmp/after.out"
	check $? "after malformed ($kind): the next connection gets its verdict"
done

stop_dmarcd
check $? "dmarcd stops with status 0 on SIGTERM"
sed 's/^/# dmarcd: /' "$tmp/dmarcd.log" | tail -40

grep -q 'TCP_NODELAY set on listening socket' "$tmp/dmarcd.log"
check $? "dmarcd logs 'TCP_NODELAY set on listening socket'"
grep -q 'PROBE1: example\.com dmarc=pass' "$tmp/dmarcd.log"
check $? "log line 'PROBE1: example.com dmarc=pass ...'"
grep -q 'PROBE2: example\.com dmarc=fail action=reject' "$tmp/dmarcd.log"
check $? "log line 'PROBE2: example.com dmarc=fail action=reject'"
grep -Eq 'Sanitizer|runtime error:' "$tmp/dmarcd.log"
check $((!$?)) "no sanitizer report in dmarcd's log"

# The same on a unix: socket (libmilter's name for it is local:).
"$dmarcd" -f -c "$tmp/dmarcd.conf" -p "unix:$tmp/dmarcd.sock" \
    >"$tmp/unix.out" 2>"$tmp/unix.log" &
pid=$!
i=0
while [ ! -S "$tmp/dmarcd.sock" ] && [ $i -lt 150 ] &&
    kill -0 "$pid" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
"$probe" -T 30 -a 192.0.2.10 -H relay.example.com -s bounce@example.com \
    -m "$demo/pass.eml" "unix:$tmp/dmarcd.sock" >"$tmp/unix.probe" 2>&1
grep -q '^eom: insheader [0-9]* Authentication-Results: .*dmarc=pass' \
    "$tmp/unix.probe"
check $? "unix: socket: pass.eml gets dmarc=pass"
stop_dmarcd
check $? "unix: socket: dmarcd stops with status 0"
grep -Eq 'Sanitizer|runtime error:' "$tmp/unix.log"
check $((!$?)) "unix: socket: no sanitizer report"

tap_done
