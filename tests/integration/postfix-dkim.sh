#!/bin/sh
#
# postfix-dkim.sh -- DKIMVerify behind a real Postfix
#
# SYNOPSIS
#	top_srcdir=... top_builddir=... sh tests/integration/postfix-dkim.sh
#
# DESCRIPTION
#	A private Postfix (lib/postfix.sh) on 127.0.0.1 with dmarcd
#	(DKIMVerify, RejectFailures) as its milter on an inet: socket and an
#	smtp-sink behind it.  A key is made at run time (tests/tools/dkimsign)
#	and published in a zone file with a p=reject record.  Messages signed
#	with simple/simple canonicalization, so the verifier must see header
#	fields exactly as sent, go through Postfix:
#
#	  1. a plain signed message: delivered, our A-R says spf=pass (our
#	     own SPF check of the envelope sender), dkim=pass and
#	     dmarc=pass (DKIM aligned; SPF is for another domain): dmarcd
#	     as the only milter adds all three results;
#	  2. a field without a space after the colon and a folded field:
#	     still pass (Postfix hands values over verbatim with
#	     SMFIP_HDR_LEADSPC, folding as bare LF);
#	  3. a body changed after signing: dkim=fail, dmarc=fail, 550 5.7.1;
#	  4. the history holds the dkim lines.
#
#	Every process started here is stopped by the EXIT trap.
#
# DIAGNOSTICS
#	PASS/FAIL lines, then "N passed, N failed".  Exit 0, 1 on failure,
#	77 when Postfix, smtp-sink, swaks, dmarcd or dkimsign is missing or
#	when not running as root.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
DMARCD="${DMARCD:-$top_builddir/milter/dmarcd}"
SIGN="$top_builddir/tests/tools/dkimsign"
. "$top_srcdir/tests/integration/lib/postfix.sh"

pf_require postfix postqueue smtp-sink swaks ss
[ -x "$SIGN" ] || { echo "SKIP: $SIGN not built"; exit 77; }
pf_harness pfdkim $((21000 + $$ % 9000))

# signed - write a signed message: signed FILE SUBJECT-LINE BODY-LINE
signed() {
	printf 'From: Alice <alice@signed.example>\r\nTo: bob@dest.example\r\n%s\r\nDate: %s\r\nMessage-ID: <%s.%s@signed.example>\r\n\r\nHello,\r\n%s\r\n' \
	    "$2" "$(date -R)" "$(basename "$1")" "$$" "$3" >"$1.raw"
	"$SIGN" -k "$dir/k.pem" -s sel -d signed.example -f "$1.raw" >"$1"
}

# send - one message with swaks; transcript in FILE.swaks
send() {
	swaks --server "127.0.0.1:$sport" --helo client.example \
	    --from bounce@elsewhere.example --to bob@dest.example \
	    --data "$1" >"$1.swaks" 2>&1
}

# delivered_ar - our A-R (unfolded) in the sink's copy of message $1
delivered_ar() {
	f=$(grep -l "Message-ID: <$(basename "$1")\." "$dir"/sink/* 2>/dev/null |
	    head -1)
	[ -n "$f" ] || return 1
	tr -d '\r' <"$f" | awk '
		/^$/ { exit }
		/^[ \t]/ { if (ar) f = f " " $0; next }
		{ ar = ($0 ~ /^Authentication-Results: mx\.test;/)
		  if (ar) f = $0 }
		END { print f }'
}

# ---------------------------------------------------------------- setup
"$SIGN" -g -k "$dir/k.pem" -s sel -d signed.example >"$dir/zone" || exit 1
echo '_dmarc.signed.example. TXT "v=DMARC1; p=reject"' >>"$dir/zone"
echo 'elsewhere.example. TXT "v=spf1 ip4:127.0.0.1 -all"' >>"$dir/zone"
echo '!127.0.0.1' >"$dir/ignorehosts"
cat >"$dir/dmarcd.conf" <<EOF
AuthservID mx.test
TrustedAuthservIDs mx.test
TestDNSData $dir/zone
HistoryFile $dir/history
IgnoreHosts $dir/ignorehosts
RejectFailures yes
DKIMVerify yes
SPFSelfValidate yes
EOF

pf_sink || { echo "smtp-sink did not start"; exit 1; }
start_milter "$DMARCD" "$dir/dmarcd.conf" ||
    { cat "$dir/milter.log"; echo "dmarcd did not start"; exit 1; }
pf_up || exit 1

# ---------------------------------------------------------------- 1 pass
signed "$dir/plain" "Subject: signed" "the body."
send "$dir/plain" || result FAIL "plain: accepted" "$(tail -3 "$dir/plain.swaks")"
pf_wait_idle "$dir" 20
ar=$(delivered_ar "$dir/plain")
case "$ar" in
*"dkim=pass header.d=signed.example header.s=sel header.b="*"dmarc=pass"*)
	result OK "plain: delivered, dkim=pass and dmarc=pass" ;;
*)	result FAIL "plain: delivered, dkim=pass and dmarc=pass" "${ar:-not delivered}" ;;
esac
case "$ar" in
*"spf=pass smtp.mailfrom=elsewhere.example"*"dkim=pass"*"dmarc=pass"*)
	result OK "plain: dmarcd alone adds spf=, dkim= and dmarc= results" ;;
*)	result FAIL "plain: dmarcd alone adds spf=, dkim= and dmarc= results" "${ar:-not delivered}" ;;
esac

# ---------------------------------------------------------------- 2 verbatim
signed "$dir/verbatim" "Subject:no space after the colon" "the body."
send "$dir/verbatim"
pf_wait_idle "$dir" 20
ar=$(delivered_ar "$dir/verbatim")
case "$ar" in
*"dkim=pass header.d=signed.example"*"dmarc=pass"*)
	result OK "no space after the colon: still dkim=pass" ;;
*)	result FAIL "no space after the colon: still dkim=pass" "${ar:-not delivered}" ;;
esac
signed "$dir/folded" "$(printf 'Subject: a folded\r\n\tsubject line')" "the body."
send "$dir/folded"
pf_wait_idle "$dir" 20
ar=$(delivered_ar "$dir/folded")
case "$ar" in
*"dkim=pass header.d=signed.example"*"dmarc=pass"*)
	result OK "folded field: still dkim=pass" ;;
*)	result FAIL "folded field: still dkim=pass" "${ar:-not delivered}" ;;
esac

# ---------------------------------------------------------------- 3 changed
signed "$dir/changed" "Subject: signed" "the body."
sed 's/the body\./the changed body./' "$dir/changed" >"$dir/changed.eml"
send "$dir/changed.eml"
if grep -q '<\*\* *550 5\.7\.1 ' "$dir/changed.eml.swaks"; then
	result OK "changed body: 550 5.7.1"
else
	result FAIL "changed body: 550 5.7.1" "$(grep '<' "$dir/changed.eml.swaks" | tail -2)"
fi

# ---------------------------------------------------------------- 4 history
if grep -qx 'dkim signed.example sel 0' "$dir/history" &&
    grep -qx 'dkim signed.example sel 7' "$dir/history"; then
	result OK "history: dkim lines for pass (0) and fail (7)"
else
	result FAIL "history: dkim lines for pass (0) and fail (7)" \
	    "$(grep '^dkim' "$dir/history" 2>/dev/null | tr '\n' '|')"
fi

stop_milter
if grep -qE 'Sanitizer|runtime error:' "$dir/milter.log"; then
	result FAIL "dmarcd: no sanitizer report" "see the milter log"
else
	result OK "dmarcd: no sanitizer report"
fi

pf_finish
