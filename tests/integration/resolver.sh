#!/bin/sh
# resolver.sh -- the libunbound backend against real servers on loopback
#
# DESCRIPTION
#	Starts Debian's unbound on 127.0.0.1 and a private port with
#	local-data for dmarcd.test (data, NODATA, NXDOMAIN, an empty
#	non-terminal, a 1-second TTL), a zone that always refuses (SERVFAIL
#	for us) and a zone forwarded to a UDP server that reads and never
#	answers.  tests/tools/dnsq drives common/resolver.c against it and
#	unbound's query log shows what reached the server: one query per
#	name within its TTL, even from several threads at once, and the
#	deadline bounds every lookup.  Then dmarcd itself through the same
#	server: DMARC verdicts and tempfail on SERVFAIL/timeout, its own SPF
#	check (libspf2) and DKIM verification (libopendkim, with a key made
#	at test time) with their lookups seen in the server's log, and
#	temperror/permerror from the failing zones.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (unbound or python3
#	missing: Debian packages unbound, python3), 99 setup failure.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
DNSQ="$top_builddir/tests/tools/dnsq"
. "$top_srcdir/tests/integration/lib/unbound.sh"
PATH="$PATH:/usr/sbin:/sbin"

command -v unbound >/dev/null || {
	echo "SKIP: unbound not installed (apt-get install unbound)"
	exit 77
}
command -v python3 >/dev/null || {
	echo "SKIP: python3 not installed (needed for the silent server)"
	exit 77
}
[ -x "$DNSQ" ] || { echo "ERROR: $DNSQ not built"; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/resolver-test.XXXXXX") || exit 99
# a DKIM key made now (never committed), published by the server below
SIGN="$top_builddir/tests/tools/dkimsign"
DKIM_RR=
if [ -x "$SIGN" ] && "$SIGN" -g -k "$tmp/dk.pem" -s sel -d dk.dmarcd.test \
    >"$tmp/dk.rr" 2>/dev/null; then
	DKIM_RR=$(sed 's/^\([^ ]*\) TXT /\1 300 IN TXT /' "$tmp/dk.rr")
fi
silent_pid=
cleanup() {
	ub_stop
	[ -n "$silent_pid" ] && kill "$silent_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/lib/tap.sh"
# queries NAME TYPE: how many times unbound logged the query
queries() { grep -c "info: 127.0.0.1 $1\. $2 IN" "$tmp/unbound.log"; }
# elapsed_ok FILE MIN MAX: every "# NAME TYPE N ms" line within bounds
elapsed_ok() {
	awk -v lo="$2" -v hi="$3" '/ ms$/ { n++; if ($(NF-1) < lo ||
	    $(NF-1) > hi) bad++ } END { exit !(n > 0 && bad == 0) }' "$1"
}

# --- the silent server: reads queries and drops them ----------------------
udp_server silent "$tmp/silent.port" ||
    { echo "ERROR: silent server did not start"; exit 99; }
SPORT=$(cat "$tmp/silent.port")

# --- unbound on a free private port ---------------------------------------
cat >"$tmp/zone" <<EOF
	log-queries: yes
	local-zone: "test." nodefault
	local-zone: "dmarcd.test." static
	local-data: "dmarcd.test. 300 IN SOA ns.dmarcd.test. h.dmarcd.test. 1 3600 600 86400 300"
	local-data: '_dmarc.dmarcd.test. 300 IN TXT "v=DMARC1; " "p=reject"'
	local-data: 'multi.dmarcd.test. 300 IN TXT "one"'
	local-data: 'multi.dmarcd.test. 300 IN TXT "two"'
	local-data: "dmarcd.test. 300 IN A 192.0.2.1"
	local-data: "dmarcd.test. 300 IN MX 10 mx.dmarcd.test."
	local-data: 'deep.ent.dmarcd.test. 300 IN TXT "deep"'
	local-data: 'conc.dmarcd.test. 300 IN TXT "concurrent"'
	local-data: 'short.dmarcd.test. 1 IN TXT "short ttl"'
	local-data: 'spf.dmarcd.test. 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"'
	local-data: 'spfto.dmarcd.test. 300 IN TXT "v=spf1 include:x.silent.test -all"'
	local-data: 'spfsf.dmarcd.test. 300 IN TXT "v=spf1 include:x.refused.test -all"'
	local-data: '${DKIM_RR:-dk.dmarcd.test. 300 IN TXT "no key"}'
	local-zone: "_dmarc.test." static
	local-zone: "refused.test." always_refuse
	local-zone: "silent.test." nodefault
forward-zone:
	name: "silent.test."
	forward-addr: 127.0.0.1@$SPORT
EOF
if ! ub_start "$tmp" "$tmp/zone"; then
	echo "ERROR: unbound did not start:"
	cat "$tmp/unbound.out"
	exit 99
fi
PORT=$UB_PORT
echo "# unbound on 127.0.0.1@$PORT, silent server on 127.0.0.1@$SPORT"
NS="-s 127.0.0.1@$PORT"

# --- answers ----------------------------------------------------------------
same "$("$DNSQ" $NS TXT _dmarc.dmarcd.test)" \
    '_dmarc.dmarcd.test TXT data "v=DMARC1; p=reject"' \
    "TXT strings of one RR joined"
same "$("$DNSQ" $NS TXT multi.dmarcd.test | tr ' ' '\n' | sort | tr '\n' ' ')" \
    '"one" "two" TXT data multi.dmarcd.test ' "two TXT RRs kept apart"
same "$("$DNSQ" $NS TXT dmarcd.test)" "dmarcd.test TXT nodata" "NODATA"
same "$("$DNSQ" $NS TXT nx.dmarcd.test)" "nx.dmarcd.test TXT nxdomain" \
    "NXDOMAIN"
same "$("$DNSQ" $NS EXISTS ent.dmarcd.test nx.dmarcd.test dmarcd.test)" \
    "ent.dmarcd.test EXISTS nodata
nx.dmarcd.test EXISTS nxdomain
dmarcd.test EXISTS data" "exists: empty non-terminal, NXDOMAIN, data"
same "$("$DNSQ" $NS A dmarcd.test)" "dmarcd.test A data 192.0.2.1" \
    "A through resolver_query"
same "$("$DNSQ" $NS MX dmarcd.test)" "dmarcd.test MX data 10 mx.dmarcd.test" \
    "MX through resolver_query"

# --- the cache: one query per name within its TTL ----------------------------
"$DNSQ" $NS -n 3 TXT _dmarc.dmarcd.test nx.dmarcd.test dmarcd.test \
    >"$tmp/cache.out"
check "cache run answered 9 lookups" [ "$(wc -l <"$tmp/cache.out")" -eq 9 ]
# the answers above ran in other processes (other caches): 1 + 1 query
same "$(queries _dmarc.dmarcd.test TXT)" 2 "positive answer cached"
same "$(queries nx.dmarcd.test TXT)" 2 "NXDOMAIN cached (negative cache)"
same "$(queries dmarcd.test TXT)" 2 "NODATA cached (negative cache)"
"$DNSQ" $NS -j 8 -n 5 TXT conc.dmarcd.test >"$tmp/conc.out"
same "$(grep -c '^conc.dmarcd.test TXT data "concurrent"$' "$tmp/conc.out")" \
    40 "8 threads x 5 lookups all answered"
same "$(queries conc.dmarcd.test TXT)" 1 "one query for 40 concurrent lookups"
q0=$(queries short.dmarcd.test TXT)
"$DNSQ" $NS -n 3 TXT short.dmarcd.test >/dev/null
same $(($(queries short.dmarcd.test TXT) - q0)) 1 "1-second TTL: cached within it"
q0=$(queries short.dmarcd.test TXT)
"$DNSQ" $NS -n 2 -w 2200 TXT short.dmarcd.test >/dev/null
same $(($(queries short.dmarcd.test TXT) - q0)) 2 \
    "1-second TTL: asked again once it ran out"

# raw answer packets (resolver_query: libspf2 and libopendkim) are kept too
q0=$(queries dmarcd.test A)
"$DNSQ" $NS -n 3 A dmarcd.test >"$tmp/pkt.out"
same "$(sort -u "$tmp/pkt.out")" "dmarcd.test A data 192.0.2.1" \
    "A packet from the table decodes to the same answer"
same $(($(queries dmarcd.test A) - q0)) 1 "A packet cached: 3 lookups, 1 query"
q0=$(queries nx.dmarcd.test MX)
"$DNSQ" $NS -j 4 -n 3 MX nx.dmarcd.test >"$tmp/pktnx.out"
same "$(sort -u "$tmp/pktnx.out")" "nx.dmarcd.test MX nxdomain" \
    "NXDOMAIN packet answers every lookup"
same $(($(queries nx.dmarcd.test MX) - q0)) 1 \
    "NXDOMAIN packet cached: 12 lookups in 4 threads, 1 query"

# 2,000 names asked twice in one process: the second round is answered from
# the table (a table where each name has one slot lost ~400 of them to
# collisions and asked libunbound again: tests/bench/RESULTS.md)
i=0 names=
while [ $i -lt 2000 ]; do names="$names n$i.bulk.dmarcd.test"; i=$((i + 1)); done
# (counted by the resolver: unbound's log also shows libunbound's resends)
# shellcheck disable=SC2086
"$DNSQ" -v $NS -n 2 TXT $names >"$tmp/bulk.out" 2>"$tmp/bulk.err"
same "$(grep -c ' TXT nxdomain$' "$tmp/bulk.out")" 4000 "2 x 2,000 answered"
same "$(sed -n 's/^# lookups 4000 kept \([0-9]*\) .*/\1/p' "$tmp/bulk.err")" \
    2000 "2,000 distinct names: the second round all kept"

# queries in flight (common/ubquery.c): a prefetched query answers the lookup
# that follows it, and lookups of one name at once share one query
q0=$(queries _dmarc.dmarcd.test TXT)
"$DNSQ" -v -P $NS TXT _dmarc.dmarcd.test >"$tmp/pf.out" 2>"$tmp/pf.err"
same "$(cat "$tmp/pf.out")" \
    '_dmarc.dmarcd.test TXT data "v=DMARC1; p=reject"' \
    "prefetch, then lookup: the answer"
check "the lookup joined the prefetched query (1 sent, 1 joined)" \
    grep -q "sent 1 joined 1 prefetched 1" "$tmp/pf.err"
same $(($(queries _dmarc.dmarcd.test TXT) - q0)) 1 "prefetch + lookup: 1 query"
# 1,600 lookups on 8 threads, 200 names each asked by all: whoever waits
# reads libunbound's answers in turn; a lost hand-over of that duty would
# leave a lookup waiting for its 5 s deadline
i=0 names=
while [ $i -lt 200 ]; do names="$names h$i.bulk.dmarcd.test"; i=$((i + 1)); done
# shellcheck disable=SC2086
"$DNSQ" -v $NS -t 5000 -j 8 TXT $names >"$tmp/ho.out" 2>"$tmp/ho.err"
same "$(grep -c ' TXT nxdomain$' "$tmp/ho.out")" 1600 \
    "8 threads x 200 names: every lookup answered"
check "every lookup answered in under 2 s (deadline 5 s)" \
    elapsed_ok "$tmp/ho.err" 0 2000
# "# lookups L kept K timeouts T servfails S sent N joined J prefetched P"
same "$(awk '/^# lookups/ { print $11, $3 - $5 - $11 - $13 }' "$tmp/ho.err")" \
    "200 0" "one query per name: 200 sent, every other lookup kept or joined"

# 8 threads each waiting for answers of its own (-u: no query shared), 12
# rounds a second apart: a lookup that leaves must hand the lead on even
# when it was only a follower, or another waits, its answer unread, until
# the next round starts a lookup (1 s) or its deadline (5 s) passes
# shellcheck disable=SC2086
"$DNSQ" -v $NS -u -t 5000 -j 8 -n 12 -w 1000 TXT a.bulk.dmarcd.test \
    b.bulk.dmarcd.test >"$tmp/own.out" 2>"$tmp/own.err"
same "$(grep -c ' TXT nxdomain$' "$tmp/own.out")" 192 \
    "8 threads x 12 rounds x 2 names of their own: every lookup answered"
check "none waited for the next round: every lookup under 800 ms" \
    elapsed_ok "$tmp/own.err" 0 800

# --- failures -----------------------------------------------------------------
"$DNSQ" -v $NS -t 3000 TXT x.refused.test >"$tmp/sf.out" 2>"$tmp/sf.err"
same "$(cat "$tmp/sf.out")" "x.refused.test TXT servfail" \
    "REFUSED upstream maps to SERVFAIL"
check "SERVFAIL arrives well before the deadline" \
    elapsed_ok "$tmp/sf.err" 0 2000
check "SERVFAIL counted" grep -q "servfails 1" "$tmp/sf.err"

"$DNSQ" -v $NS -t 1000 TXT x.silent.test >"$tmp/to.out" 2>"$tmp/to.err"
same "$(cat "$tmp/to.out")" "x.silent.test TXT timeout" \
    "silent server behind unbound: TIMEOUT"
check "timeout after about 1000 ms (900..4000)" \
    elapsed_ok "$tmp/to.err" 900 4000
check "TIMEOUT counted" grep -q "timeouts 1" "$tmp/to.err"

"$DNSQ" -v -P $NS -t 1000 TXT y.silent.test >"$tmp/pto.out" 2>"$tmp/pto.err"
same "$(cat "$tmp/pto.out")" "y.silent.test TXT timeout" \
    "prefetched query never answered: TIMEOUT"
check "its lookup bounded by its own deadline (900..4000 ms)" \
    elapsed_ok "$tmp/pto.err" 900 4000
check "the lookup waited for the prefetched query, sent no second one" \
    grep -q "timeouts 1 servfails 0 sent 1 joined 1 prefetched 1" \
    "$tmp/pto.err"
"$DNSQ" -v $NS -t 1000 -j 8 TXT z.silent.test >"$tmp/jto.out" 2>"$tmp/jto.err"
same "$(grep -c ' timeout$' "$tmp/jto.out")" 8 \
    "8 threads, one silent name at once: all TIMEOUT"
check "each bounded (900..4000 ms)" elapsed_ok "$tmp/jto.err" 900 4000
check "one query for the 8 lookups (7 joined)" \
    grep -q "timeouts 8 servfails 0 sent 1 joined 7" "$tmp/jto.err"

"$DNSQ" -v -s "127.0.0.1@$SPORT" -t 500 -j 4 -n 3 TXT a.example b.example \
    >"$tmp/to2.out" 2>"$tmp/to2.err"
same "$(grep -c ' timeout$' "$tmp/to2.out")" 24 \
    "silent forwarder, 4 threads x 6 lookups: all TIMEOUT"
check "every one bounded (450..2000 ms)" elapsed_ok "$tmp/to2.err" 450 2000
start=$(date +%s)
"$DNSQ" -s "127.0.0.1@$SPORT" -t 300 -j 8 -n 4 TXT c.example >/dev/null
check "32 timed-out lookups on 8 threads end in under 4 s" \
    [ $(($(date +%s) - start)) -lt 4 ]
# queries still in flight when the resolver goes (a reload, dmarcd
# stopping): libunbound ends them as SERVFAIL when its context is
# deleted, which must neither crash nor leak (run under ASan in CI)
"$DNSQ" -v -F -s "127.0.0.1@$SPORT" -j 4 TXT d.example e.example \
    f.example >"$tmp/fire.out" 2>"$tmp/fire.err"
check "resolver freed with 3 queries in flight: exit 0" [ $? -eq 0 ]
check "3 sent, nothing looked up" \
    grep -q "lookups 0 .* sent 3 joined 0 prefetched 3" "$tmp/fire.err"

# --- dmarcd through the same server: verdicts and tempfail, not accept --------
DMARCD="$top_builddir/milter/dmarcd"
if [ -x "$DMARCD" ]; then
	cat >"$tmp/dmarcd.conf" <<EOF
AuthservID mx.test
Nameservers 127.0.0.1@$PORT
DNSTimeout 1
RejectFailures yes
EOF
	for d in dmarcd.test x.refused.test x.silent.test; do
		printf 'From: <a@%s>\nSubject: t\n\nbody\n' "$d" >"$tmp/$d.eml"
	done
	run_dmarcd() {
		"$DMARCD" -c "$tmp/dmarcd.conf" -t "$tmp/$1.eml" -a 192.0.2.10 \
		    -s '<a@example.org>' 2>>"$tmp/dmarcd.err"
	}
	out=$(run_dmarcd dmarcd.test)
	check "dmarcd: p=reject from the real server rejects" \
	    eval 'echo "$out" | grep -q "^action: reject"'
	out=$(run_dmarcd x.refused.test)
	check "dmarcd: SERVFAIL tempfails (451), never accepts" \
	    eval 'echo "$out" | grep -q "^reply: 451 4.7.0 temporary DNS failure (servfail)"'
	check "dmarcd: SERVFAIL history says temperror" \
	    eval 'echo "$out" | grep -q "^  dmarc temperror"'
	start=$(date +%s)
	out=$(run_dmarcd x.silent.test)
	check "dmarcd: a silent server tempfails with timeout" \
	    eval 'echo "$out" | grep -q "^reply: 451 4.7.0 temporary DNS failure (timeout)"'
	check "dmarcd: DNSTimeout 1 bounds the message (< 8 s for 2 lookups)" \
	    [ $(($(date +%s) - start)) -lt 8 ]

	# SPFSelfValidate: libspf2's lookups go through the same server
	printf 'SPFSelfValidate yes\n' >>"$tmp/dmarcd.conf"
	printf 'From: <a@spf.dmarcd.test>\nSubject: t\n\nbody\n' >"$tmp/spf.eml"
	spf_dmarcd() {
		"$DMARCD" -c "$tmp/dmarcd.conf" -t "$tmp/spf.eml" -a 192.0.2.10 \
		    -s "<a@$1>" -H mx.example.org 2>>"$tmp/dmarcd.err"
	}
	q0=$(queries spf.dmarcd.test TXT)
	out=$(spf_dmarcd spf.dmarcd.test)
	check "SPF: own pass from the real server in the A-R header" \
	    eval 'echo "$out" | grep -q "spf=pass smtp.mailfrom=spf.dmarcd.test;"'
	check "SPF: aligned own pass gives DMARC pass" \
	    eval 'echo "$out" | grep -q "dmarc=pass"'
	same $(($(queries spf.dmarcd.test TXT) - q0)) 1 \
	    "SPF: libspf2's TXT query reached the server through our resolver"
	out=$(spf_dmarcd spfto.dmarcd.test)
	check "SPF: include on a silent server is temperror, tempfail" \
	    eval 'echo "$out" | grep -q "^reply: 451 4.7.0"'
	check "SPF: history spf 4 (temperror) after the timeout" \
	    eval 'echo "$out" | grep -q "^  spf 4"'
	out=$(spf_dmarcd spfsf.dmarcd.test)
	check "SPF: include answered SERVFAIL is temperror, tempfail" \
	    eval 'echo "$out" | grep -q "^reply: 451 4.7.0"'

	# DKIMVerify: libopendkim's key lookups go through the same server
	printf 'DKIMVerify yes\n' >>"$tmp/dmarcd.conf"
	dkim_dmarcd() {	# dkim_dmarcd SIGNING-DOMAIN
		printf 'From: <a@dk.dmarcd.test>\r\nSubject: t\r\n\r\nbody\r\n' \
		    >"$tmp/dk.raw"
		"$SIGN" -k "$tmp/dk.pem" -s sel -d "$1" -f "$tmp/dk.raw" \
		    >"$tmp/dk.eml" &&
		"$DMARCD" -c "$tmp/dmarcd.conf" -t "$tmp/dk.eml" -a 192.0.2.99 \
		    -s '<a@dk.dmarcd.test>' -H mx.example.org 2>>"$tmp/dmarcd.err"
	}
	if [ -n "$DKIM_RR" ]; then
		q0=$(queries sel._domainkey.dk.dmarcd.test TXT)
		out=$(dkim_dmarcd dk.dmarcd.test)
		check "DKIM: own pass with the key from the real server" \
		    eval 'echo "$out" | grep -q "dkim=pass header.d=dk.dmarcd.test"'
		check "DKIM: aligned pass gives DMARC pass" \
		    eval 'echo "$out" | grep -q "dmarc=pass"'
		same $(($(queries sel._domainkey.dk.dmarcd.test TXT) - q0)) 1 \
		    "DKIM: the key query reached the server through our resolver"
		out=$(dkim_dmarcd x.silent.test)
		check "DKIM: key on a silent server is temperror (history 4)" \
		    eval 'echo "$out" | grep -q "^  dkim x.silent.test sel 4"'
		out=$(dkim_dmarcd x.refused.test)
		check "DKIM: key lookup answered SERVFAIL is temperror" \
		    eval 'echo "$out" | grep -q "^  dkim x.refused.test sel 4"'
		out=$(dkim_dmarcd nokey.dmarcd.test)
		check "DKIM: key that does not exist is permerror (history 5)" \
		    eval 'echo "$out" | grep -q "^  dkim nokey.dmarcd.test sel 5"'
	else
		notok "DKIM: test key made with tests/tools/dkimsign"
	fi
else
	echo "# dmarcd not built: milter checks left out"
	notok "dmarcd binary present"
fi

check "unbound still running" kill -0 "$ub_pid"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
