#!/bin/sh
# dnsfaults.sh -- dmarcd (the daemon) when DNS fails: temperror, no hang
#
# SYNOPSIS
#	make check TESTS=tests/milter/dnsfaults.sh
#
# DESCRIPTION
#	Starts Debian's unbound on 127.0.0.1 (a free port) with a good zone
#	(ok.test: p=reject) and three bad ones: refused.test (REFUSED, which
#	reaches us as SERVFAIL), slow.test (forwarded to a UDP server that
#	answers after 4 s) and silent.test (forwarded to one that never
#	answers), plus a closed UDP port for "server down".  dmarcd runs as
#	a daemon on TCP with DNSTimeout 1 and milterprobe talks to it:
#
#	  - TemporaryFailureAction tempfail (the default): SERVFAIL, a late
#	    answer and no answer each get "451 4.7.0 temporary DNS failure";
#	    ok.test still gets its 550.
#	  - Eight slow and silent messages in flight at once, then an
#	    ok.test message: it gets its verdict (no thread or resolver
#	    state stuck behind the failing lookups; every probe completes).
#	  - TemporaryFailureAction accept: the same failures are delivered
#	    with "dmarc=temperror" in the inserted Authentication-Results.
#	  - Nameservers pointing at a closed port (server down): tempfail.
#	  - The policy queries went out when the From fields arrived and
#	    the lookups at end of message joined them (the resolver's
#	    counters, logged as dmarcd stops).
#	  - dmarcd stops cleanly each time and logs no sanitizer report.
#
#	No timed assertion: every probe waits at most 30 s for a reply
#	(milterprobe -T), far beyond DNSTimeout, and the checks are the
#	replies themselves.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (unbound or python3
#	missing), 99 set-up failure.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
DMARCD=$top_builddir/milter/dmarcd
PROBE=$top_builddir/tests/tools/milterprobe
. "$top_srcdir/tests/integration/lib/unbound.sh"

command -v unbound >/dev/null || { echo "SKIP: unbound not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
[ -x "$DMARCD" ] || { echo "SKIP: $DMARCD not built"; exit 77; }
[ -x "$PROBE" ] || { echo "ERROR: $PROBE not built"; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnsfaults.XXXXXX") || exit 99
slow_pid= silent_pid= pid= bg=
cleanup() {
	ub_stop
	for p in $pid $slow_pid $silent_pid $bg; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/lib/tap.sh"

udp_server slow "$tmp/slow.port" && udp_server silent "$tmp/silent.port" &&
    udp_server closed "$tmp/closed.port" ||
    { echo "ERROR: UDP servers did not start"; exit 99; }
SLOW=$(cat "$tmp/slow.port") SILENT=$(cat "$tmp/silent.port")
CLOSED=$(cat "$tmp/closed.port")

# --- unbound -----------------------------------------------------------------
cat >"$tmp/zone" <<EOF
	local-zone: "test." nodefault
	local-zone: "ok.test." static
	local-data: "ok.test. 300 IN SOA ns.ok.test. h.ok.test. 1 3600 600 86400 300"
	local-data: "ok.test. 300 IN A 192.0.2.1"
	local-data: '_dmarc.ok.test. 300 IN TXT "v=DMARC1; p=reject"'
	local-zone: "refused.test." always_refuse
	local-zone: "slow.test." nodefault
	local-zone: "silent.test." nodefault
forward-zone:
	name: "slow.test."
	forward-addr: 127.0.0.1@$SLOW
forward-zone:
	name: "silent.test."
	forward-addr: 127.0.0.1@$SILENT
EOF
ub_start "$tmp" "$tmp/zone" ||
    { cat "$tmp/unbound.out"; echo "ERROR: unbound"; exit 99; }
NS=$UB_NS
echo "# unbound on $NS; slow $SLOW, silent $SILENT, closed $CLOSED"

# --- dmarcd -------------------------------------------------------------------
. "$top_srcdir/tests/milter/lib/daemon.sh"

conf() {
	cat >"$tmp/dmarcd.conf" <<EOF
AuthservID mx.test
Nameservers $1
DNSTimeout 1
RejectFailures yes
TemporaryFailureAction $2
EOF
}

TF='^eom: replycode 451 4\.7\.0 temporary DNS failure'
conf "$NS" tempfail
check "dmarcd starts (TemporaryFailureAction tempfail)" \
    start_dmarcd "$tmp/dmarcd.conf"
probe ok ok.test
check "ok.test (p=reject, nothing aligned): 550" got ok '^eom: replycode 550 '
probe sf x.refused.test
check "SERVFAIL: 451 temporary DNS failure" got sf "$TF \(servfail\)"
probe slow x.slow.test
check "answer after DNSTimeout: 451 temporary DNS failure" got slow "$TF"
probe silent x.silent.test
check "no answer: 451 temporary DNS failure (timeout)" got silent \
    "$TF \(timeout\)"

# eight failing lookups in flight, then a good one: it is answered
bg=
for n in 1 2 3 4; do
	probe "bgslow$n" "b$n.slow.test" & bg="$bg $!"
	probe "bgsilent$n" "b$n.silent.test" & bg="$bg $!"
done
sleep 0.5
probe ok2 ok.test
check "ok.test while 8 failing lookups are in flight: 550" \
    got ok2 '^eom: replycode 550 '
allok=0
for p in $bg; do wait "$p" || allok=1; done
bg=
check "the 8 concurrent failing messages each completed" [ $allok -eq 0 ]
n=$(cat "$tmp"/bgs*.out | grep -Ec "$TF")
check "the 8 concurrent failing messages each got 451 ($n)" [ "$n" -eq 8 ]
check "dmarcd stops cleanly" stop_dmarcd
# each From field sent its policy query at once; the lookup at end of
# message joined it (common/ubquery.c), failing ones included
check "policy queries sent at the From field and joined at end of message" \
    grep -Eq 'resolver: [0-9]+ lookups, [0-9]+ answered from the table, [0-9]+ queries sent \([1-9][0-9]* early, at the From field\), [1-9][0-9]* lookups joined' \
    "$tmp/dmarcd.log"

conf "$NS" accept
check "dmarcd starts (TemporaryFailureAction accept)" \
    start_dmarcd "$tmp/dmarcd.conf"
AR='^eom: insheader [0-9]+ Authentication-Results: mx\.test; dmarc=temperror'
for c in sf:y.refused.test slow:y.slow.test silent:y.silent.test; do
	probe "acc-${c%%:*}" "${c#*:}"
	check "accept: ${c#*:} delivered with dmarc=temperror" \
	    got "acc-${c%%:*}" "$AR"
	check "accept: ${c#*:} not refused" \
	    eval '! got "acc-${c%%:*}" "^eom: (replycode|reject|tempfail)"'
done
check "dmarcd stops cleanly" stop_dmarcd

conf "127.0.0.1@$CLOSED" tempfail
check "dmarcd starts (Nameservers: a closed port)" \
    start_dmarcd "$tmp/dmarcd.conf"
probe down ok.test
check "server down: 451 temporary DNS failure" got down "$TF"
check "dmarcd stops cleanly" stop_dmarcd

check "no sanitizer report in dmarcd's log" \
    eval '! grep -Eq "Sanitizer|runtime error:" "$tmp/dmarcd.log"'
check "unbound still running" kill -0 "$ub_pid"
if [ $fail -gt 0 ]; then
	for f in "$tmp"/*.out; do sed "s|^|# $(basename "$f"): |" "$f"; done |
	    tail -60
	sed 's/^/# dmarcd: /' "$tmp/dmarcd.log" | tail -20
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
