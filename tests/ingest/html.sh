#!/bin/sh
# html.sh -- dmarc-ingest --html DIR: one self-contained page per period
# and an index, read back from the database (SQLite and a private
# MariaDB): everything stored is shown (two runs), a run with only --html
# renders from the database without reading stdin, the day, ISO week and
# month splits fall right across the 2026-01-31/02-01 boundary, the
# numbers on the pages are those ingested (with reverse DNS and countries
# from --rdns and --geoip, of failure reports too), hostile org and domain names
# are escaped, -n --html shows only that run's reports; the pages are
# rendered by headless Chromium and the screenshots checked not blank
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/reports/dmarc-ingest
t=$top_srcdir/tests/ingest
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d /tmp/ingest-html.XXXXXX)
cleanup() {
	[ -n "${MARIADB_DIR:-}" ] && mariadb_stop
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
python3 "$t/html-gen.py" "$tmp/in" || exit 1
python3 "$top_srcdir/tests/tools/mkmmdb.py" "$tmp/geo.mmdb" \
    198.51.100.0/24=US 192.0.2.0/25=DE 203.0.113.0/24=FR:registered || exit 1
in=$tmp/in
rdns="--rdns -Z $in/ptr.zone --geoip $tmp/geo.mmdb"
: >"$tmp/rc"

# pages - ingest in two runs, then render from the database: $1 label,
# $2 dsn.  Exit codes go to $tmp/rc as "label what rc".
pages() {
	"$bin" -q -d "$2" $rdns "$in/a-0131.xml"
	echo "$1 first-run $?" >>"$tmp/rc"
	"$bin" -q -d "$2" $rdns --html "$tmp/$1-month" "$in/b-0201.xml" \
	    "$in/c-shifted.xml" "$in/d-hostile.xml" "$in/e-tls.json" \
	    "$in/f-ruf.eml" "$in/m-many.xml"
	echo "$1 second-run $?" >>"$tmp/rc"
	# only --html: from the database; stdin (a report) must not be read
	"$bin" -q -d "$2" --html "$tmp/$1-day" --period day <"$in/g-stdin.xml"
	echo "$1 html-only $?" >>"$tmp/rc"
	"$bin" -q -d "$2" --html "$tmp/$1-week" --period week </dev/null
	echo "$1 week $?" >>"$tmp/rc"
}

labels=sqlite
pages sqlite "sqlite:$tmp/h.db"
count=$(sqlite3 "$tmp/h.db" "SELECT COUNT(*) FROM rua_reports" 2>/dev/null)
echo "sqlite stdin-unread ${count:-?}" >>"$tmp/rc"
mkdir "$tmp/t"
TMPDIR=$tmp/t "$bin" -n -q --html "$tmp/scratch" "$in/b-0201.xml"
echo "scratch run $?" >>"$tmp/rc"
echo "scratch leftovers $(ls -A "$tmp/t" | wc -l)" >>"$tmp/rc"
"$bin" -q -d "sqlite:$tmp/empty.db" --html "$tmp/empty" </dev/null
echo "empty run $?" >>"$tmp/rc"

. "$top_srcdir/tests/integration/lib/mariadb.sh"
if mariadb_start >/dev/null 2>&1; then
	labels="$labels mariadb"
	pages mariadb "$MARIADB_DSN"
fi

shots=
if command -v chromium >/dev/null 2>&1; then
	# a private profile and no sandbox (root in CI); output is a PNG
	for p in sqlite-month/2026-01.html sqlite-month/index.html; do
		png=$tmp/$(echo "$p" | tr / _).png
		HOME=$tmp timeout 120 chromium --headless --disable-gpu \
		    --no-sandbox --hide-scrollbars \
		    --user-data-dir="$tmp/profile" --screenshot="$png" \
		    --window-size=900,700 "file://$tmp/$p" \
		    >>"$tmp/chromium.log" 2>&1
		shots="$shots $png"
	done
fi
# not exec: the EXIT trap must still stop the MariaDB server and remove $tmp
# (an exec here left a mariadbd running after every run)
python3 "$t/html-check.py" "$tmp" "$labels" "$shots"
exit $?
