#!/bin/sh
# demo.sh -- dmarcd at work on bundled sample messages, offline, no MTA
#
# SYNOPSIS
#	tools/demo.sh [--no-deps]
#
# DESCRIPTION
#	Installs missing Debian packages (tools/deps.sh; --no-deps skips
#	that), builds dmarcd in build-demo/ (no sanitizers), then runs it in
#	test mode on each message of tests/data/demo/messages.list with that
#	line's client IP, HELO name and envelope sender, the demo
#	configuration and the bundled DNS zone:
#
#	    build-demo/milter/dmarcd -c build-demo/dmarcd.conf \
#		-Z tests/data/demo/demo.zone -t FILE -a IP -H HELO -s SENDER
#
#	build-demo/dmarcd.conf is tests/data/demo/dmarcd.conf plus a
#	HistoryFile line naming build-demo/history.dat, so the history
#	records land there and not in the source tree.  For each message it
#	prints dmarcd's report (verdict, action, SMTP reply, the
#	Authentication-Results header it adds, the history record), then a
#	summary table.  Nothing is looked up on the network.
#
# EXIT STATUS
#	0 when every message was evaluated, 1 otherwise.

set -eu

usage() {
	echo "usage: tools/demo.sh [--no-deps]" >&2
	exit 2
}

deps=1
for a in "$@"; do
	case $a in
	--no-deps) deps=0 ;;
	*) usage ;;
	esac
done

cd "$(dirname "$0")/.."
demo=tests/data/demo
bdir=build-demo
dmarcd=$bdir/milter/dmarcd

# build - configure (once) and make in build-demo/; quiet unless it fails
build() {
	mkdir -p "$bdir"
	if [ ! -x configure ]; then
		echo "==> ./autogen.sh"
		./autogen.sh >"$bdir/autogen.out" 2>&1 ||
		    { tail -40 "$bdir/autogen.out"; exit 1; }
	fi
	if [ ! -f "$bdir/Makefile" ]; then
		echo "==> configure (in $bdir/)"
		(cd "$bdir" && ../configure -q) >"$bdir/configure.out" 2>&1 ||
		    { tail -40 "$bdir/configure.out"; exit 1; }
	fi
	echo "==> make -j2 (in $bdir/)"
	make -C "$bdir" -j2 >"$bdir/make.out" 2>&1 ||
	    { tail -60 "$bdir/make.out"; exit 1; }
	if [ ! -x "$dmarcd" ]; then
		echo "demo: $dmarcd was not built" >&2
		exit 1
	fi
}

[ $deps = 0 ] || tools/deps.sh
build

conf=$bdir/dmarcd.conf
hist=$bdir/history.dat
{
	cat "$demo/dmarcd.conf"
	echo
	echo "# added by tools/demo.sh"
	echo "HistoryFile $hist"
} >"$conf"
: >"$hist"

summary=$(mktemp "${TMPDIR:-/tmp}/demo.XXXXXX")
trap 'rm -f "$summary"' EXIT
status=0

grep -v -e '^#' -e '^[[:space:]]*$' "$demo/messages.list" |
while read -r file ip helo sender; do
	subject=$(sed -n 's/^Subject: //p' "$demo/$file" | head -1)
	printf '\n==> %s: "%s"\n' "$file" "$subject"
	echo "\$ $dmarcd -c $conf -Z $demo/demo.zone -t $demo/$file -a $ip -H $helo -s $sender"
	if ! out=$("$dmarcd" -c "$conf" -Z "$demo/demo.zone" \
	    -t "$demo/$file" -a "$ip" -H "$helo" -s "$sender" 2>&1); then
		printf '%s\n' "$out"
		echo "demo: dmarcd failed on $file" >&2
		printf '%s FAILED -\n' "$file" >>"$summary"
		continue
	fi
	printf '%s\n' "$out"
	verdict=$(printf '%s\n' "$out" | sed -n 's/^verdict: \(dmarc=[^ ]*\).*/\1/p' | head -1)
	action=$(printf '%s\n' "$out" | sed -n 's/^action: //p' | head -1)
	reply=$(printf '%s\n' "$out" | sed -n 's/^reply: //p' | head -1)
	printf '%s %s %s %s\n' "$file" "${verdict:--}" "${action:--}" \
	    "$reply" >>"$summary"
done

printf '\n==> history records in %s: %s\n' "$hist" \
    "$(grep -c '^job ' "$hist" 2>/dev/null || echo 0)"

printf '\n%-16s %-18s %-11s %s\n' FILE VERDICT ACTION REPLY
while read -r file verdict action reply; do
	printf '%-16s %-18s %-11s %s\n' "$file" "$verdict" "$action" "$reply"
	[ "$verdict" != FAILED ] || status=1
done <"$summary"
exit $status
