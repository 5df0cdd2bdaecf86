#!/bin/sh
# campaign.sh -- run libFuzzer campaigns over the harnesses, one at a time
#
# SYNOPSIS
#	tests/fuzz/campaign.sh [-m] BUILDDIR SECONDS [harness ...]
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
#
#	-m runs under glibc's malloc check instead, which sees heap
#	overruns inside libraries ASan cannot see into (libopendkim,
#	libspf2, libxml2).  BUILDDIR is then CC=clang --enable-fuzzing
#	without sanitizers; work goes to $FUZZ_WORK/NAME-mcheck.  The
#	check aborts holding malloc's lock, where libFuzzer's crash handler
#	would hang, so the handler is off and the harness keeps the input
#	it runs in a file (lastinput.h): a run that ends by a signal leaves
#	that input in art/ as crash-mcheck-SHA1.
set -u
mc=
if [ "${1:-}" = -m ]; then
	mc=$(ls /lib/*/libc_malloc_debug.so.0 /usr/lib/*/libc_malloc_debug.so.0 \
	    2>/dev/null | head -1)
	[ -n "$mc" ] || { echo "$0: no libc_malloc_debug.so.0" >&2; exit 2; }
	shift
fi
[ $# -ge 2 ] || { echo "usage: $0 [-m] BUILDDIR SECONDS [harness ...]" >&2; exit 2; }
b=$1 t=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORK:-/tmp/dmarcd-fuzz}
[ $# -gt 0 ] || set -- $(cd "$src/tests/fuzz" && ls *_fuzz.c | sed 's/_fuzz\.c$//')
for h in "$@"; do
	bin=$b/tests/fuzz/${h}_fuzz
	[ -x "$bin" ] || { echo "$h: $bin not built"; continue; }
	w=$work/$h${mc:+-mcheck}
	mkdir -p "$w/corpus" "$w/art"
	cp -n "$src/tests/fuzz/$h.in/"* "$w/corpus/" 2>/dev/null
	dict=
	[ -f "$src/tests/fuzz/$h.dict" ] && dict=-dict=$src/tests/fuzz/$h.dict
	if [ -n "$mc" ]; then
		FUZZ_LAST_INPUT=$w/last LD_PRELOAD=$mc \
		    GLIBC_TUNABLES=glibc.malloc.check=3 nice -n 19 "$bin" $dict \
		    -handle_abrt=0 -max_total_time="$t" -print_final_stats=1 \
		    -artifact_prefix="$w/art/" -rss_limit_mb=2048 \
		    -max_len=8192 "$w/corpus" >"$w/log" 2>&1
		st=$?
		if [ $st -gt 128 ] && [ -s "$w/last" ]; then
			sum=$(sha1sum <"$w/last" | cut -c1-40)
			cp "$w/last" "$w/art/crash-mcheck-$sum"
			echo "$h: killed by signal $((st - 128)); input in" \
			    "$w/art/crash-mcheck-$sum"
		fi
	else
		nice -n 19 "$bin" $dict -max_total_time="$t" -print_final_stats=1 \
		    -artifact_prefix="$w/art/" -rss_limit_mb=2048 \
		    -max_len=8192 "$w/corpus" >"$w/log" 2>&1
	fi
	ex=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log")
	cov=$(grep -E '^#[0-9]+' "$w/log" | tail -1 |
	    sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov \1 ft \2/')
	echo "$h: ${ex:-?} executions, $cov, $(ls "$w/art" | wc -l) crashes"
done
