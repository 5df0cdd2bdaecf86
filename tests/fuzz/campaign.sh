#!/bin/sh
# campaign.sh -- run libFuzzer campaigns over the harnesses, one at a time
#
# SYNOPSIS
#	tests/fuzz/campaign.sh BUILDDIR SECONDS [harness ...]
#
# DESCRIPTION
#	BUILDDIR is a build configured with CC=clang --enable-fuzzing
#	--enable-asan --enable-ubsan (make the *_fuzz programs there first).
#	Each harness (default: all of tests/fuzz/*_fuzz.c) runs niced for
#	SECONDS with its dictionary, starting from a copy of its committed
#	corpus in $FUZZ_WORK (default /tmp/dmarcd-fuzz/NAME); crashes land in
#	NAME/art/.  Afterwards, to keep what found new coverage:
#	    NAME_fuzz -merge=1 tests/fuzz/NAME.in $FUZZ_WORK/NAME/corpus
#	and copy any crash input into tests/fuzz/NAME.repro/ with its fix.
#	Prints one line per harness: executions, coverage, crashes.
#	Not part of make check.
set -u
[ $# -ge 2 ] || { echo "usage: $0 BUILDDIR SECONDS [harness ...]" >&2; exit 2; }
b=$1 t=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORK:-/tmp/dmarcd-fuzz}
[ $# -gt 0 ] || set -- $(cd "$src/tests/fuzz" && ls *_fuzz.c | sed 's/_fuzz\.c$//')
for h in "$@"; do
	bin=$b/tests/fuzz/${h}_fuzz
	[ -x "$bin" ] || { echo "$h: $bin not built"; continue; }
	mkdir -p "$work/$h/corpus" "$work/$h/art"
	cp -n "$src/tests/fuzz/$h.in/"* "$work/$h/corpus/" 2>/dev/null
	dict=
	[ -f "$src/tests/fuzz/$h.dict" ] && dict=-dict=$src/tests/fuzz/$h.dict
	nice -n 19 "$bin" $dict -max_total_time="$t" -print_final_stats=1 \
	    -artifact_prefix="$work/$h/art/" -rss_limit_mb=2048 -max_len=8192 \
	    "$work/$h/corpus" >"$work/$h/log" 2>&1
	ex=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h/log")
	cov=$(grep -E '^#[0-9]+' "$work/$h/log" | tail -1 |
	    sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov \1 ft \2/')
	echo "$h: ${ex:-?} executions, $cov, $(ls "$work/$h/art" | wc -l) crashes"
done
