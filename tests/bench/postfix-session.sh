#!/bin/sh
# postfix-session.sh -- messages per second over one SMTP session through a
# real Postfix: no milter, the null filter, dmarcd and OpenDMARC
#
# SYNOPSIS
#	tests/bench/postfix-session.sh [-n messages] [-r rounds]
#	    [-m "none null dmarcd opendmarc"]
#
# DESCRIPTION
#	Run from a build directory after `make bench` (or set top_builddir
#	and top_srcdir); needs root, Postfix, smtp-sink and smtp-source.
#	Starts a private Postfix on 127.0.0.1 (tests/integration/lib/
#	postfix.sh) relaying to an smtp-sink, and for each milter in turn
#	(none, null, dmarcd, opendmarc; the order rotates each round) sets
#	it as smtpd_milters on an inet: socket, restarts Postfix and sends
#	-n messages (default 200) over ONE SMTP session with smtp-source.
#	It prints the wall time per message and messages/s of each, the
#	median over -r rounds (default 3), and the ratios to OpenDMARC.
#
#	DNS is the zone file tests/milter/data/test.zone (TestDNSData) for
#	both DMARC milters: this measures the milter protocol as Postfix
#	speaks it (OpenDMARC's ~44 ms Nagle stalls per exchange), not DNS.
#	The message is a p=reject domain with a trusted dkim=pass.
#
# EXIT STATUS
#	0, 1 when a run failed, 77 when a tool is missing.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
DMARCD=${DMARCD:-$top_builddir/milter/dmarcd}
NULLF=${NULLF:-$top_builddir/tests/bench/nullfilter}
OPENDMARC=${OPENDMARC:-/usr/sbin/opendmarc}
zone=$top_srcdir/tests/milter/data/test.zone
. "$top_srcdir/tests/integration/lib/postfix.sh"

nmsg=200 rounds=3 milters="none null dmarcd opendmarc"
while getopts n:r:m: ch; do
	case $ch in
	n) nmsg=$OPTARG ;;
	r) rounds=$OPTARG ;;
	m) milters=$OPTARG ;;
	*) sed -n '6p' "$0" >&2; exit 2 ;;
	esac
done
for p in postfix smtp-sink smtp-source ss; do
	command -v $p >/dev/null 2>&1 || { echo "SKIP: $p missing"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: Postfix needs root"; exit 77; }
for f in "$DMARCD" "$NULLF" "$OPENDMARC"; do
	[ -x "$f" ] || { echo "SKIP: $f missing"; exit 77; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-pfbench.XXXXXX") || exit 1
m_pid= sink_pid= pf_on=
cleanup() {
	[ -n "$pf_on" ] && pf_stop "$dir"
	[ -n "$m_pid" ] && kill "$m_pid" 2>/dev/null
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mport=$(free_port $((21000 + $$ % 5000)))
sport=$(free_port $((mport + 1)))
sinkport=$(free_port $((sport + 1)))
echo '!127.0.0.1' >"$dir/ignore.dmarcd"
echo '192.0.2.254' >"$dir/ignore.opendmarc"
for m in dmarcd opendmarc; do
	cat >"$dir/$m.conf" <<EOF
AuthservID mx.test
TrustedAuthservIDs mx.test
TestDNSData $zone
IgnoreHosts $dir/ignore.$m
RejectFailures true
EOF
done
{
	printf 'Authentication-Results: mx.test; dkim=pass header.d=reject.example header.s=sel1\r\n'
	printf 'From: Alice <alice@reject.example>\r\nTo: bob@dest.example\r\n'
	printf 'Subject: session\r\nDate: %s\r\n' "$(date -R)"
	printf 'Message-ID: <session.%s@client.example>\r\n\r\n' "$$"
	printf 'A message of the session benchmark.\r\n'
} >"$dir/msg.eml"

mkdir "$dir/sink" && chown postfix "$dir/sink" || exit 1
smtp-sink -u postfix "127.0.0.1:$sinkport" 100 >"$dir/sink.log" 2>&1 &
sink_pid=$!
wait_port "$sinkport" 10 || { echo "smtp-sink did not start"; exit 1; }

# start_milter NAME - on inet:$mport; m_pid
start_milter() {
	[ "$1" = none ] && return 0
	case $1 in
	null) "$NULLF" -p "inet:$mport@127.0.0.1" ;;
	dmarcd) "$DMARCD" -f -c "$dir/dmarcd.conf" -p "inet:$mport@127.0.0.1" ;;
	opendmarc) "$OPENDMARC" -f -c "$dir/opendmarc.conf" \
	    -p "inet:$mport@127.0.0.1" ;;
	esac >>"$dir/milter.log" 2>&1 &
	m_pid=$!
	wait_port "$mport" 10
}

# one MILTER ROUND - Postfix with that milter, one session; a line
one() {
	ms=
	[ "$1" != none ] && ms="inet:127.0.0.1:$mport"
	start_milter "$1" || { echo "$1 did not start"; return 1; }
	rm -rf "$dir/etc" "$dir/spool" "$dir/data"
	pf_init "$dir" "$sport" "[127.0.0.1]:$sinkport" "$ms" &&
	    pf_start "$dir" >"$dir/pf.log" 2>&1 || { cat "$dir/pf.log"; return 1; }
	pf_on=1
	wait_port "$sport" 15 || return 1
	t0=$(date +%s.%N)
	smtp-source -d -m "$nmsg" -s 1 -f bounce@reject.example \
	    -t bob@dest.example -F "$dir/msg.eml" "127.0.0.1:$sport" \
	    >>"$dir/source.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	pf_stop "$dir"
	pf_on=
	if [ -n "$m_pid" ]; then
		kill "$m_pid" 2>/dev/null
		wait "$m_pid" 2>/dev/null
		m_pid=
	fi
	echo "$2 $1 $t0 $t1 $rc" | awk -v n="$nmsg" '{
	    printf "%s\t%s\t%.3f ms/msg\t%.1f msg/s\t%s\n", $1, $2,
		($4 - $3) * 1000 / n, n / ($4 - $3), $5 ? "FAILED" : "" }' |
	    tee -a "$dir/runs.tsv"
}

echo "# $nmsg messages over one SMTP session, $rounds rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0
r=1
while [ $r -le "$rounds" ]; do
	set -- $milters
	k=1
	while [ $k -lt $r ]; do
		first=$1; shift; set -- "$@" "$first"; k=$((k + 1))
	done
	for m in "$@"; do one "$m" $r || failed=1; done
	r=$((r + 1))
done
awk -F'\t' '!/FAILED/ { split($3, a, " "); v[$2] = v[$2] " " a[1] }
END {
	for (m in v) {
		n = split(v[m], x, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
		med[m] = n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
	}
	print "\nmedian ms/msg over one session:"
	for (m in med) printf "  %-10s %8.3f ms  %7.1f msg/s\n", m, med[m], 1000 / med[m]
	if (med["dmarcd"] && med["opendmarc"])
		printf "  dmarcd/opendmarc msg/s: %.1fx\n", med["opendmarc"] / med["dmarcd"]
}' "$dir/runs.tsv"
exit $failed
