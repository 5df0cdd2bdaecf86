#!/bin/sh
# dkim.sh -- DKIMVerify end to end in test mode (dmarcd -t), offline
#
# Keys are made at run time (tests/tools/dkimsign -g) and published in a
# zone file built here; messages are signed by libopendkim's signer.
# Covers: an aligned DKIM pass gives dmarc=pass with no SPF at all; our
# dkim= resinfo (header.d, header.s, header.b) in the A-R field; history
# "dkim" lines as for upstream results; a changed body (fail), a missing
# key (permerror), SERVFAIL on the key (temperror: dmarc=temperror and a
# tempfail unless TemporaryFailureAction accept);
# an unaligned pass (dmarc=fail); CRLF files; two signatures; our result
# replacing a trusted upstream one for the same signature while other
# upstream results still count; and DKIMVerify off (upstream results
# only, no dkim= of ours); a signature whose h= consumes every field and
# names more (libopendkim's overflow, under glibc's malloc check).
# Prints "N passed, N failed".

: "${top_srcdir:=.}" "${top_builddir:=.}"
DMARCD="$top_builddir/milter/dmarcd"
SIGN="$top_builddir/tests/tools/dkimsign"
[ -x "$DMARCD" ] || { echo "SKIP: $DMARCD not built"; exit 77; }
[ -x "$SIGN" ] || { echo "SKIP: $SIGN not built"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-dkim.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/tests/lib/tap.sh"

# keys and zone
ZONE="$tmp/dkim.zone"
"$SIGN" -g -k "$tmp/a.pem" -s sel -d signed.example >"$ZONE" || exit 99
"$SIGN" -g -k "$tmp/b.pem" -s other -d third.example >>"$ZONE" || exit 99
cat >>"$ZONE" <<'EOF'
_dmarc.signed.example. TXT "v=DMARC1; p=reject"
_dmarc.child.example. TXT "v=DMARC1; p=reject"
broken._domainkey.signed.example. SERVFAIL
EOF

printf 'AuthservID mx.test\nTrustedAuthservIDs mx.test upstream.test\nDKIMVerify true\n' >"$tmp/conf"
printf 'AuthservID mx.test\nTrustedAuthservIDs mx.test upstream.test\n' >"$tmp/conf-off"

msg() {	# msg FILE FROM [extra header lines]
	f=$1 from=$2; shift 2
	{ for h in "$@"; do printf '%s\n' "$h"; done
	  printf 'From: %s\nTo: bob@receiver.example\n' "$from"
	  printf 'Date: Wed, 25 Nov 2026 10:00:00 +0000\nSubject: signed\n'
	  printf 'Message-ID: <m1@signed.example>\n\nHello,\n\nthe body.\n'; } >"$tmp/$f"
}
sign() {	# sign IN OUT KEY SELECTOR DOMAIN [dkimsign options]
	in=$1 out=$2 key=$3 sel=$4 dom=$5; shift 5
	"$SIGN" -k "$tmp/$key" -s "$sel" -d "$dom" "$@" "$tmp/$in" >"$tmp/$out" ||
	    { notok "signing $out"; return 1; }
}
run() {	# run FILE [conf]
	"$DMARCD" -c "$tmp/${2:-conf}" -Z "$ZONE" -t "$tmp/$1" -a 192.0.2.10 \
	    -s '<bounce@elsewhere.example>' >"$tmp/out" 2>"$tmp/err"
	echo "exit $?" >>"$tmp/out"
	cat "$tmp/err" >>"$tmp/out"
}

msg plain.eml '<alice@signed.example>'
sign plain.eml s.eml a.pem sel signed.example -h -r -f
run s.eml
has "aligned DKIM pass, no SPF: dmarc=pass" '^verdict: dmarc=pass author=signed.example'
has "our dkim= resinfo in the A-R field" 'Authentication-Results: mx.test; dkim=pass header.d=signed.example header.s=sel header.b='
has "dmarc resinfo follows on its own line" '^	dmarc=pass'
# the key is made per run, so b= varies: '+' is an RFC 2045 token
# character and stays unquoted, '/' is a tspecial and forces quotes
if grep -qE 'header\.b=([A-Za-z0-9+]{8}|"[A-Za-z0-9+/]{8}");' "$tmp/out"; then
	ok "header.b: 8 characters, quoted when not a token"
else
	notok "header.b: 8 characters, quoted when not a token"
	grep 'header\.b=' "$tmp/out" | sed 's/^/#   /'
fi
has "history dkim line" '^  dkim signed.example sel 0$'
has "history: no SPF result" '^  spf -1$'
has "history: DKIM aligned" '^  align_dkim 4$'

sed 's/the body\./the body, changed./' "$tmp/s.eml" >"$tmp/changed.eml"
run changed.eml
has "body changed: dkim=fail" 'dkim=fail header.d=signed.example'
has "body changed: dmarc=fail" '^verdict: dmarc=fail'
has "body changed: history dkim fail (7)" '^  dkim signed.example sel 7$'

sign plain.eml missing.eml a.pem nokey signed.example
run missing.eml
has "key missing: dkim=permerror" 'dkim=permerror header.d=signed.example header.s=nokey'
has "key missing: history permerror (5)" '^  dkim signed.example nokey 5$'

sign plain.eml broken.eml a.pem broken signed.example
run broken.eml
has "SERVFAIL on the key: history temperror (4)" '^  dkim signed.example broken 4$'
has "aligned DKIM temperror: dmarc=temperror" '^verdict: dmarc=temperror'
has "... tempfail (TemporaryFailureAction)" '^action: tempfail'
has "... the reply names DKIM, not a DMARC DNS failure" '^reply: 451 4.7.0 temporary failure checking DKIM or SPF for signed.example'
printf 'TemporaryFailureAction accept\n' >>"$tmp/conf"
run broken.eml
has "TemporaryFailureAction accept: continue" '^action: continue'
has "SERVFAIL on the key: dkim=temperror in A-R" 'dkim=temperror header.d=signed.example header.s=broken'

msg child.eml '<alice@child.example>'
sign child.eml third.eml b.pem other third.example
run third.eml
has "unaligned pass: dkim=pass third.example" 'dkim=pass header.d=third.example'
has "unaligned pass: dmarc=fail" '^verdict: dmarc=fail author=child.example'

sed 's/$/\r/' "$tmp/s.eml" >"$tmp/crlf.eml"
run crlf.eml
has "CRLF message: dkim=pass" 'dkim=pass header.d=signed.example'

sign s.eml two.eml b.pem other third.example -h -r
run two.eml
has "two signatures: both reported, topmost first" 'mx.test; dkim=pass header.d=third.example header.s=other'
has "two signatures: second one" 'dkim=pass header.d=signed.example header.s=sel'
has "two signatures: history lists both" '^  dkim third.example other 0$'
has "two signatures: dmarc=pass" '^verdict: dmarc=pass'

# upstream: a trusted dkim=pass for the changed message's signature is
# overruled by our fail; a trusted pass for another signature counts
{ printf 'Authentication-Results: upstream.test; dkim=pass header.d=signed.example header.s=sel\n'
  cat "$tmp/changed.eml"; } >"$tmp/up-same.eml"
run up-same.eml
has "upstream pass for our failed signature: ours wins" '^verdict: dmarc=fail'
has "... one history line for it" '^  dkim signed.example sel 7$'
hasnt "... the upstream pass is dropped" '^  dkim signed.example sel 0$'
{ printf 'Authentication-Results: upstream.test; dkim=pass header.d=signed.example header.s=gone\n'
  cat "$tmp/changed.eml"; } >"$tmp/up-other.eml"
run up-other.eml
has "upstream pass for another signature still counts" '^verdict: dmarc=pass'
has "... history has ours and upstream's" '^  dkim signed.example gone 0$'

run up-other.eml conf-off
has "DKIMVerify off: upstream result counts" '^verdict: dmarc=pass'
hasnt "DKIMVerify off: no dkim= of ours" 'mx.test; dkim='
run s.eml conf-off
has "DKIMVerify off: a signed message alone does not pass" '^verdict: dmarc=fail'

# libopendkim 2.11.0 writes one pointer past its array of header fields
# when a signature's h= has consumed every field (DKIM-Signature
# included) and names one more; glibc aborted dmarcd on it for odd field
# counts.  glibc's malloc check catches every count: it is used where
# dmarcd can take it (not an ASan build, which cannot see writes inside
# libopendkim anyway; there the exit status is all that is checked).
. "$top_srcdir/tests/lib/mcheck.sh"
mcheck "$DMARCD" -V
hdr='h=dkim-signature:from:subject:to:date:from'
set -- 'From: <alice@signed.example>' 'Subject: s' 'To: <b@r.example>' \
    'Date: Wed, 25 Nov 2026 10:00:00 +0000'
n=1
while [ $n -le 4 ]; do
	{ printf 'DKIM-Signature: v=1; a=rsa-sha256; d=signed.example; s=sel; %s; bh=AAAA; b=AAAA\n' "$hdr"
	  i=0
	  for h in "$@"; do
		[ $i -lt $n ] && printf '%s\n' "$h"
		i=$((i + 1))
	  done
	  printf '\nbody\n'; } >"$tmp/all$n.eml"
	LD_PRELOAD=$mcheck GLIBC_TUNABLES=${mcheck:+glibc.malloc.check=3} \
	    "$DMARCD" -c "$tmp/conf" -Z "$ZONE" -t "$tmp/all$n.eml" \
	    -a 192.0.2.10 -s '<bounce@elsewhere.example>' >"$tmp/out" 2>&1
	echo "exit $?" >>"$tmp/out"
	has "h= consumes all $((n + 1)) fields and names more: no heap damage${mcheck:+ (malloc check)}" '^exit 0$'
	has "... the signature is reported as failed" 'mx.test; dkim=fail header.d=signed.example header.s=sel'
	n=$((n + 1))
done

"$DMARCD" -n -c "$tmp/conf" >"$tmp/out" 2>&1
hasnt "dmarcd -n: DKIMVerify no longer 'not in effect'" 'DKIMVerify.*no effect'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
