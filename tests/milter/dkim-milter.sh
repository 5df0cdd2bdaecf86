#!/bin/sh
# dkim-milter.sh -- DKIMVerify through the milter protocol (miltertest)
#
# Makes a key and a zone file (tests/tools/dkimsign), signs a message
# (simple/simple, so the header values must reach the verifier verbatim),
# then runs dmarcd twice on a private socket, with DKIMVerify on and off,
# and tests/milter/dkim-body.lua against each: on, the body is asked for
# and used (pass, and fail once it is changed); off, the body is declined
# and no dkim= of ours appears.  Also checks that the daemon exits cleanly
# without sanitizer reports.  Prints "N passed, N failed".

: "${top_srcdir:=.}" "${top_builddir:=.}"
here="$top_srcdir/tests/milter"
DMARCD="$top_builddir/milter/dmarcd"
SIGN="$top_builddir/tests/tools/dkimsign"
MILTERTEST="${MILTERTEST:-miltertest}"
command -v "$MILTERTEST" >/dev/null 2>&1 ||
    { echo "SKIP: miltertest not installed (Debian package miltertest)"; exit 77; }
[ -x "$DMARCD" ] || { echo "SKIP: $DMARCD not built"; exit 77; }
[ -x "$SIGN" ] || { echo "SKIP: $SIGN not built"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-dkm.XXXXXX") || exit 99
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
. "$top_srcdir/tests/lib/tap.sh"

"$SIGN" -g -k "$tmp/k.pem" -s sel -d signed.example >"$tmp/zone" || exit 99
echo '_dmarc.signed.example. TXT "v=DMARC1; p=reject"' >>"$tmp/zone"
printf 'From: Alice <alice@signed.example>\r\nTo: bob@receiver.example\r\nSubject: signed\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@signed.example>\r\n\r\nHello,\r\n\r\nthe body.\r\n' >"$tmp/msg"
"$SIGN" -k "$tmp/k.pem" -s sel -d signed.example "$tmp/msg" >"$tmp/signed" ||
    exit 99
sed -n '1s/^DKIM-Signature: //p' "$tmp/signed" | tr -d '\r' >"$tmp/sig"
sed '1,/^\r*$/d' "$tmp/msg" >"$tmp/body"
[ -s "$tmp/sig" ] && [ -s "$tmp/body" ] || { notok "test message signed"; exit 1; }

# run VERIFY - dmarcd with DKIMVerify VERIFY, then the script
run() {
	{ echo "AuthservID mx.test"; echo "TrustedAuthservIDs mx.test"
	  echo "TestDNSData $tmp/zone"; [ "$1" = on ] && echo "DKIMVerify true"; } >"$tmp/conf"
	rm -f "$tmp/sock"
	"$DMARCD" -f -v -c "$tmp/conf" -p "local:$tmp/sock" >"$tmp/log.$1" 2>&1 &
	pid=$!
	i=0
	while [ ! -S "$tmp/sock" ] && [ $i -lt 100 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	if "$MILTERTEST" -D "socket=local:$tmp/sock" -D "srcdir=$here" \
	    -D "testname=dkim-body" -D "sigfile=$tmp/sig" \
	    -D "bodyfile=$tmp/body" -D "verify=$1" \
	    -s "$here/dkim-body.lua" >"$tmp/out.$1" 2>&1; then
		ok "DKIMVerify $1: miltertest scenario"
	else
		notok "DKIMVerify $1: miltertest scenario"
	fi
	sed 's/^/#   /' "$tmp/out.$1"
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	pid=
	if [ "$st" -eq 0 ] && ! grep -q "Sanitizer" "$tmp/log.$1"; then
		ok "DKIMVerify $1: daemon exits cleanly"
	else
		notok "DKIMVerify $1: daemon exits cleanly (status $st)"
		sed 's/^/#   /' "$tmp/log.$1"
	fi
}

run on
run off
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
