#!/bin/sh
#
# postfix.sh -- dmarcd behind a real Postfix, on an inet: milter socket
#
# SYNOPSIS
#	top_srcdir=... top_builddir=... sh tests/integration/postfix.sh
#
# DESCRIPTION
#	Starts a private Postfix instance (lib/postfix.sh) listening on
#	127.0.0.1, with dmarcd as its milter on inet:PORT@127.0.0.1 and an
#	smtp-sink behind it, all on free local ports and under one mktemp
#	directory; DNS is tests/milter/data/test.zone (TestDNSData).  Then:
#
#	  1. a message with a trusted upstream A-R dkim=pass for a p=reject
#	     domain is delivered to the sink with our A-R as its first field;
#	  2. a p=reject failure (RejectFailures) is refused with 550 5.7.1;
#	  3. a p=quarantine failure (HoldQuarantinedMessages) is held;
#	  4. 20 messages over ONE SMTP session are delivered, and the median
#	     of Postfix's delays "a" (arrival to queue manager: smtpd, cleanup
#	     and the milter) is printed.  No assertion on time: this is the
#	     measurement for the Nagle (TCP_NODELAY) fix.  The same number
#	     for Debian's opendmarc is printed when it is installed;
#	  5. with RemoveSpoofedAuthResults, a sender's A-R field under our
#	     authserv-id is deleted, another authserv-id's kept, and the
#	     forged dkim=pass gives nothing (dmarc=fail).
#
#	Mail comes from 127.0.0.1, which dmarcd ignores by default, so its
#	IgnoreHosts file holds "!127.0.0.1".  Every process started here is
#	stopped by the EXIT trap, also on failure.
#
# DIAGNOSTICS
#	PASS/FAIL lines, then "N passed, N failed".  Exit 0, 1 on failure,
#	77 when Postfix, smtp-sink, swaks or dmarcd is missing or when not
#	running as root.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
DMARCD="${DMARCD:-$top_builddir/milter/dmarcd}"
OPENDMARC="${OPENDMARC:-/usr/sbin/opendmarc}"
zone="$top_srcdir/tests/milter/data/test.zone"
. "$top_srcdir/tests/integration/lib/postfix.sh"

pf_require postfix postqueue smtp-sink smtp-source swaks ss
pf_harness pf $((20000 + $$ % 10000))

# message - write a message file: message FILE FROM SUBJECT [HEADER...]
message() {
	f=$1 from=$2 subj=$3
	shift 3
	{
		for h in "$@"; do
			printf '%s\r\n' "$h"
		done
		printf 'From: %s\r\n' "$from"
		printf 'To: bob@dest.example\r\n'
		printf 'Subject: %s\r\n' "$subj"
		printf 'Date: %s\r\n' "$(date -R)"
		printf 'Message-ID: <%s.%s@client.example>\r\n' "$subj" "$$"
		printf '\r\n'
		printf 'Test message %s.\r\n' "$subj"
	} >"$f"
}

# first_field - the first header field (unfolded) of a sink dump that
# is neither an smtp-sink X-* record nor smtp-sink's own Received:
first_field() {
	tr -d '\r' <"$1" 2>/dev/null | awk '
		/^$/ { exit }
		/^[ \t]/ { f = f " " $0; next }
		{ if (f != "") out(f); f = $0 }
		END { if (f != "") out(f) }
		function out(x) {
			if (x ~ /^X-[A-Za-z-]*: / || x ~ /^Received: .*by smtp-sink[ \t]/)
				return
			if (!done) print x
			done = 1
		}'
}

# send - one message with swaks: send FILE ENVFROM; transcript in $dir
send() {
	swaks --server "127.0.0.1:$sport" --helo client.example \
	    --from "$2" --to bob@dest.example --data "$1" \
	    >"$1.swaks" 2>&1
}

# median_a - median of delays=a/b/c/d "a" over the smtp deliveries in
# the maillog whose queue ids are listed in file $1
median_a() {
	grep -F -f "$1" "$dir/maillog" |
	    sed -n 's/.*postfix-dmarcd-test\/smtp\[.*delays=\([0-9.]*\)\/.*/\1/p' |
	    sort -n | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "n/a"; exit }
			if (NR % 2) print v[(NR + 1) / 2]
			else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# burst - 20 messages over one SMTP session; prints the median "a", the
# session's wall time per message and the number delivered
burst() {
	tag=$1
	message "$dir/burst.eml" "alice@reject.example" "burst-$tag" \
	    "Authentication-Results: mx.test; dkim=pass header.d=reject.example header.s=sel1"
	before=$(wc -l <"$dir/maillog")
	t0=$(date +%s.%N)
	smtp-source -d -m 20 -s 1 -f bounce@reject.example \
	    -t bob@dest.example -F "$dir/burst.eml" "127.0.0.1:$sport" \
	    >>"$dir/burst.log" 2>&1
	t1=$(date +%s.%N)
	pf_wait_idle "$dir" 30
	sleep 0.5	# let postlogd write the last lines
	tail -n +"$((before + 1))" "$dir/maillog" |
	    sed -n 's/.*postfix-dmarcd-test\/cleanup\[[0-9]*\]: \([0-9A-F]*\): message-id=<burst-'"$tag"'.*/\1: /p' \
	    >"$dir/burst-$tag.ids"
	sent=$(grep -F -f "$dir/burst-$tag.ids" "$dir/maillog" |
	    grep -c 'postfix-dmarcd-test/smtp\[.*status=sent')
	med=$(median_a "$dir/burst-$tag.ids")
	per=$(echo "$t0 $t1" | awk '{ printf "%.3f", ($2 - $1) / 20 }')
	echo "$med $per $sent"
}

# ---------------------------------------------------------------- setup
echo '!127.0.0.1' >"$dir/ignorehosts"
cat >"$dir/dmarcd.conf" <<EOF
AuthservID mx.test
TrustedAuthservIDs mx.test
TestDNSData $zone
HistoryFile $dir/history
IgnoreHosts $dir/ignorehosts
RejectFailures yes
HoldQuarantinedMessages yes
EOF

pf_sink || { echo "smtp-sink did not start"; exit 1; }
start_milter "$DMARCD" "$dir/dmarcd.conf" ||
    { cat "$dir/milter.log"; echo "dmarcd did not start"; exit 1; }
pf_up || exit 1

# ---------------------------------------------------------------- 1 pass
message "$dir/pass.eml" "Alice <alice@reject.example>" pass \
    "Authentication-Results: mx.test; dkim=pass header.d=reject.example header.s=sel1"
if send "$dir/pass.eml" bounce@reject.example; then
	result OK "pass: accepted by Postfix"
else
	result FAIL "pass: accepted by Postfix" "$(tail -3 "$dir/pass.eml.swaks")"
fi
pf_wait_idle "$dir" 20
# the first field, after smtp-sink's X-* records and its own Received:,
# must be our A-R (above Postfix's Received:)
f=$(grep -l 'Message-ID: <pass\.' "$dir"/sink/* 2>/dev/null | head -1)
first=$(first_field "$f")
case "$first" in
"Authentication-Results: mx.test; dmarc=pass"*"header.from=reject.example"*)
	result OK "pass: delivered with our A-R first" ;;
*)
	result FAIL "pass: delivered with our A-R first" \
	    "${f:-not delivered}: $first" ;;
esac

# ---------------------------------------------------------------- 2 reject
message "$dir/reject.eml" "mallory@reject.example" reject
send "$dir/reject.eml" mallory@reject.example
if grep -q '<\*\* *550 5\.7\.1 ' "$dir/reject.eml.swaks"; then
	result OK "reject: 550 5.7.1"
else
	result FAIL "reject: 550 5.7.1" "$(grep '<' "$dir/reject.eml.swaks" | tail -2)"
fi

# ---------------------------------------------------------------- 3 hold
message "$dir/quar.eml" "mallory@quarantine.example" quarantine
if send "$dir/quar.eml" mallory@quarantine.example; then
	result OK "quarantine: accepted by Postfix"
else
	result FAIL "quarantine: accepted by Postfix" \
	    "$(grep '<' "$dir/quar.eml.swaks" | tail -2)"
fi
pf_wait_idle "$dir" 20
if pf_queue "$dir" | grep '"queue_name": *"hold"' |
    grep -q 'mallory@quarantine.example'; then
	result OK "quarantine: message in the hold queue"
else
	result FAIL "quarantine: message in the hold queue" "$(pf_queue "$dir")"
fi

# ---------------------------------------------------------------- 4 burst
set -- $(burst dmarcd)
if [ "${3:-0}" -eq 20 ]; then
	result OK "burst: 20 messages over one session delivered"
else
	result FAIL "burst: 20 messages over one session delivered" \
	    "${3:-0} delivered"
fi
echo "# dmarcd on inet: median delays a = ${1}s, session time per message = ${2}s"

# ---------------------------------------------------------------- 5 spoofed
# RemoveSpoofedAuthResults: the sender's field under our authserv-id is
# deleted by Postfix on dmarcd's request, another authserv-id's is kept,
# and the forged dkim=pass counts for nothing (delivered, not rejected,
# so that the stored message can be read)
stop_milter
sed -e 's/^RejectFailures yes/RejectFailures no/' \
    -e 's/^HoldQuarantinedMessages yes/HoldQuarantinedMessages no/' \
    "$dir/dmarcd.conf" >"$dir/spoof.conf"
echo "RemoveSpoofedAuthResults yes" >>"$dir/spoof.conf"
start_milter "$DMARCD" "$dir/spoof.conf" ||
    { cat "$dir/milter.log"; echo "dmarcd did not restart"; exit 1; }
message "$dir/spoof.eml" "Alice <alice@reject.example>" spoof \
    "Authentication-Results: mx.test; dkim=pass header.d=reject.example header.s=sel1" \
    "Authentication-Results: other.example; spf=pass smtp.mailfrom=reject.example"
send "$dir/spoof.eml" bounce@reject.example
pf_wait_idle "$dir" 20
f=$(grep -l 'Message-ID: <spoof\.' "$dir"/sink/* 2>/dev/null | head -1)
if [ -z "$f" ]; then
	result FAIL "spoofed: delivered" "$(grep '<' "$dir/spoof.eml.swaks" | tail -2)"
else
	result OK "spoofed: delivered"
	if grep -q 'mx.test; dkim=pass' "$f"; then
		result FAIL "spoofed: the field under our authserv-id is gone" "$f"
	else
		result OK "spoofed: the field under our authserv-id is gone"
	fi
	if grep -q '^Authentication-Results: other.example; spf=pass' "$f"; then
		result OK "spoofed: another authserv-id's field is kept"
	else
		result FAIL "spoofed: another authserv-id's field is kept" "$f"
	fi
	if grep -q 'mx.test; dmarc=fail' "$f"; then
		result OK "spoofed: our verdict is dmarc=fail"
	else
		result FAIL "spoofed: our verdict is dmarc=fail" "$f"
	fi
fi

stop_milter
if grep -qE 'Sanitizer|runtime error:' "$dir/milter.log"; then
	result FAIL "dmarcd: no sanitizer report" "see the milter log"
else
	result OK "dmarcd: no sanitizer report"
fi

if [ -x "$OPENDMARC" ]; then
	# opendmarc 1.4.2 ignores 127.0.0.1 only when no IgnoreHosts is given
	echo '192.0.2.254' >"$dir/opendmarc.ignore"
	cat >"$dir/opendmarc.conf" <<EOF
AuthservID mx.test
TrustedAuthservIDs mx.test
TestDNSData $zone
IgnoreHosts $dir/opendmarc.ignore
EOF
	if start_milter "$OPENDMARC" "$dir/opendmarc.conf"; then
		set -- $(burst opendmarc)
		echo "# opendmarc on inet: median delays a = ${1}s, session time per message = ${2}s (${3:-0} delivered)"
	else
		echo "# opendmarc did not start; no comparison"
	fi
fi

pf_finish
