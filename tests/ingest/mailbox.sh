#!/bin/sh
# mailbox.sh -- mbox and Maildir inputs: an mbox split into its messages,
# a Maildir read from new/ and cur/ (never tmp/), left in place by
# default, archived into Maildir++ folders by type with --archive, and
# report messages removed with --delete; a message whose reports were not
# stored (bad DSN, failing insert) or not written stays where it was
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/reports/dmarc-ingest
data=$top_srcdir/tests/data/ingest
tmp=$(mktemp -d /tmp/ingest-mbox.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
n=0

# ok LABEL GOT WANT: tests/ingest/lib.sh
. "$top_srcdir/tests/ingest/lib.sh"

# types - the "type" of every JSON line, space-separated
types() {
	sed -n 's/^{"type":"\([a-z]*\)".*/\1/p' "$1" | tr '\n' ' '
}

# an mbox of three messages: a report, cron mail, a failure report
for f in q01-octet-stream.eml q10-cron.eml q35-sample-pii.eml; do
	echo "From sender@example.com Tue Nov 14 10:00:00 2023"
	sed 's/^From />From /' "$data/$f"
	echo
done > "$tmp/mbox"
"$bin" -n -q -j "$tmp/mbox.json" "$tmp/mbox"
ok "mbox: exit 1 (one message without a report)" "$?" 1
ok "mbox: three messages, in order" "$(types "$tmp/mbox.json")" \
    "aggregate invalid failure "
ok "mbox: messages named file#N" \
    "$(grep -c '"input":"[^"]*/mbox#[123]"' "$tmp/mbox.json")" 3

# a Maildir: reports and junk in new/ and cur/, a half-written file in tmp/
md=$tmp/Maildir
mkdir -p "$md/new" "$md/cur" "$md/tmp"
cp "$data/q01-octet-stream.eml" "$md/new/1700000001.a.host"
cp "$data/q09-arf-abuse.eml" "$md/new/1700000002.b.host"
cp "$data/q07-arf-base64.eml" "$md/cur/1700000003.c.host:2,S"
cp "$data/q02-tlsrpt-bare.eml" "$md/cur/1700000004.d.host:2,"
cp "$data/q10-cron.eml" "$md/tmp/1700000005.e.host"
"$bin" -n -q -j "$tmp/md1.json" "$md"
ok "Maildir: new/ then cur/, tmp/ skipped" "$(types "$tmp/md1.json")" \
    "aggregate invalid failure tls "
ok "Maildir: left in place by default" "$(ls "$md/new" "$md/cur" | grep -c host)" 4
"$bin" -n -q --archive -j "$tmp/md2.json" "$md"
ok "Maildir --archive: exit 1" "$?" 1
ok "Maildir --archive: new/ and cur/ emptied" "$(ls "$md/new" "$md/cur" | grep -c host)" 0
ok "Maildir --archive: aggregate, seen flag added" \
    "$(ls "$md/.Archive.Aggregate/cur")" "1700000001.a.host:2,S"
ok "Maildir --archive: invalid" "$(ls "$md/.Archive.Invalid/cur")" \
    "1700000002.b.host:2,S"
ok "Maildir --archive: failure, flags kept" \
    "$(ls "$md/.Archive.Failure/cur")" "1700000003.c.host:2,S"
ok "Maildir --archive: TLS" "$(ls "$md/.Archive.TLS/cur")" \
    "1700000004.d.host:2,"
ok "Maildir --archive: folders are Maildirs" \
    "$(ls -d "$md"/.Archive.TLS/new "$md"/.Archive.TLS/tmp | wc -l)" 2
ok "Maildir --archive: tmp/ untouched" "$(ls "$md/tmp")" "1700000005.e.host"
"$bin" -n -q -v --archive "$md" 2>"$tmp/md3.err"
ok "Maildir: archived messages are not read again" \
    "$(sed -n 's/.*: \([0-9]*\) inputs.*/\1/p' "$tmp/md3.err")" 0
"$bin" -n -q --archive=Done -j /dev/null "$md/.Archive.Aggregate"
ok "Maildir --archive=Done: a folder of its own" \
    "$(ls "$md/.Archive.Aggregate/.Done.Aggregate/cur")" "1700000001.a.host:2,S"

# --delete removes messages with reports; an invalid one stays
md2=$tmp/Maildir2
mkdir -p "$md2/new" "$md2/cur" "$md2/tmp"
cp "$data/q01-octet-stream.eml" "$md2/new/1"
cp "$data/q10-cron.eml" "$md2/new/2"
"$bin" -n -q --delete "$md2"
ok "Maildir --delete: the report is removed, the invalid one stays" \
    "$(ls "$md2/new" | tr '\n' ' ')" "2 "

# save before archive: a message whose reports were not stored, or whose
# output could not be written, stays where it was; the retry moves it
md3=$tmp/Maildir3
mkdir -p "$md3/new" "$md3/cur" "$md3/tmp"
cp "$data/q01-octet-stream.eml" "$md3/new/1"
"$bin" -q -n -j /dev/full --archive "$md3" 2>/dev/null
ok "Maildir --archive, JSON output fails: exit 2, the message stays" \
    "$?|$(ls "$md3/new")" "2|1"
"$bin" -q -d "sqlite:$tmp/no/such/dir/x.db" --archive "$md3" 2>/dev/null
ok "Maildir --archive, bad DSN: exit 2, the message stays" \
    "$?|$(ls "$md3/new")" "2|1"
if command -v sqlite3 >/dev/null; then
	db=$tmp/save.db
	"$bin" -q -d "sqlite:$db" "$data/q10-cron.eml"	# makes the schema
	sqlite3 "$db" "CREATE TRIGGER refuse BEFORE INSERT ON rua_reports BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
	"$bin" -q -d "sqlite:$db" --archive "$md3" 2>"$tmp/save.err"
	ok "Maildir --archive, the insert fails: exit 2, the message stays" \
	    "$?|$(ls "$md3/new")|$(ls "$md3/.Archive.Aggregate/cur" 2>/dev/null)" \
	    "2|1|"
	sqlite3 "$db" "DROP TRIGGER refuse;"
	"$bin" -q -d "sqlite:$db" --archive "$md3"
	ok "Maildir --archive, the retry stores and moves it" \
	    "$?|$(ls "$md3/new")|$(ls "$md3/.Archive.Aggregate/cur")|$(sqlite3 "$db" "SELECT COUNT(*) FROM rua_reports")" \
	    "0||1:2,S|1"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
