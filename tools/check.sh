#!/bin/sh
# check.sh -- build dmarcd with sanitizers and run the whole test suite
#
# SYNOPSIS
#	tools/check.sh [--no-deps] [--distcheck] [--valgrind]
#
# DESCRIPTION
#	From a fresh clone: installs missing Debian packages (tools/deps.sh),
#	runs ./autogen.sh, configures in build-check/ (inside the tree,
#	git-ignored) with --enable-werror --enable-asan --enable-ubsan,
#	builds with make -j2 and runs make -k check.  It then reads every
#	test's .log and .trs and adds up the "N passed, N failed" line each
#	test prints; a test that failed without printing one counts as one
#	failure, a skipped test as one skip (its reason is shown).  It prints
#	one line per test, the last 60 lines of each failing test's log, and
#	ends with exactly "N passed, N failed, N skipped".
#
#	--no-deps	do not run tools/deps.sh
#	--distcheck	also run make distcheck (counted as one test)
#	--valgrind	configure with --enable-valgrind-tests instead of
#			ASan (build dir build-check-valgrind/)
#
# EXIT STATUS
#	0 when everything built and nothing failed, 1 otherwise, 2 on a
#	usage error.
#
# ENVIRONMENT
#	ASAN_OPTIONS and UBSAN_OPTIONS are set so that any sanitizer report
#	fails the test that caused it.  MAKE_JOBS (default 2).

set -u

usage() {
	echo "usage: tools/check.sh [--no-deps] [--distcheck] [--valgrind]" >&2
	exit 2
}

deps=1
distcheck=0
valgrind=0
for a in "$@"; do
	case $a in
	--no-deps) deps=0 ;;
	--distcheck) distcheck=1 ;;
	--valgrind) valgrind=1 ;;
	*) usage ;;
	esac
done

cd "$(dirname "$0")/.." || exit 1
jobs=${MAKE_JOBS:-2}
t0=$(date +%s)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [ $valgrind = 1 ]; then
	bdir=build-check-valgrind
	flags="--enable-werror --enable-ubsan --enable-valgrind-tests"
	extra_pkgs=valgrind
else
	bdir=build-check
	flags="--enable-werror --enable-asan --enable-ubsan"
	extra_pkgs=
fi

# phase - a visible heading in the CI log
phase() {
	printf '\n==> %s (%ss)\n' "$*" $(($(date +%s) - t0))
}

# finish - the totals as the very last line; exit status follows them
finish() {
	printf '\nelapsed %ss\n' $(($(date +%s) - t0))
	echo "$1 passed, $2 failed, $3 skipped"
	[ "$2" -eq 0 ] && exit 0
	exit 1
}

# build_failed - a broken build is one failure; show the step's log tail
build_failed() {
	echo "BUILD FAILED: $1"
	[ -z "${2:-}" ] || tail -60 "$2"
	finish 0 1 0
}

# test_logs - the .log of every test in TESTS, from the Makefile itself
test_logs() {
	# shellcheck disable=SC2016
	printf 'infra-test-logs:\n\t@echo $(TEST_LOGS)\n' |
	    make -s -f Makefile -f - infra-test-logs 2>/dev/null
}

# trs_result - PASS, FAIL or SKIP from a .trs (worst of its results)
trs_result() {
	[ -f "$1" ] || { echo NOTRUN; return; }
	awk '/^:test-result:/ { r = $2
		if (r == "FAIL" || r == "ERROR" || r == "XPASS") bad = 1
		else if (r == "SKIP") skip++
		else good++ }
	    END { if (bad) print "FAIL"; else if (good) print "PASS";
		else if (skip) print "SKIP"; else print "NOTRUN" }' "$1"
}

# skip_reason - what a skipped test said (its last lines of output)
skip_reason() {
	grep -v -E '^[A-Z]+: .* \(exit status: [0-9]+\)$' "$1" |
	    grep -v '^[[:space:]]*$' |
	    tail -3 | sed 's/^/         /'
}

# count_results - totals npass nfail nskip; failing logs, then a table
count_results() {
	npass=0 nfail=0 nskip=0
	: >results.txt
	for log in $(test_logs); do
		name=${log%.log}
		res=$(trs_result "$name.trs")
		sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null |
		    tail -1)
		p=0 f=0
		if [ -n "$sum" ]; then
			p=${sum%% *}
			f=${sum#*, }
			f=${f%% *}
		fi
		case $res in
		PASS)	[ -n "$sum" ] || p=1 sum="(no summary: counted as 1)"
			[ "$f" -eq 0 ] || res=FAIL ;;
		FAIL)	[ "$f" -gt 0 ] || f=1 sum="${sum:+$sum, }exit status: failed" ;;
		NOTRUN)	f=1 sum="not run: did its program build?" ;;
		SKIP)	p=0 f=0 sum="skipped:" ;;
		esac
		npass=$((npass + p))
		nfail=$((nfail + f))
		printf '%-6s %-40s %s\n' "$res" "$name" "$sum" >>results.txt
		case $res in
		SKIP)	nskip=$((nskip + 1))
			skip_reason "$log" >>results.txt ;;
		FAIL|NOTRUN)
			printf '\n--- %s (last 60 lines) ---\n' "$bdir/$log"
			tail -60 "$log" 2>/dev/null || echo "(no log)" ;;
		esac
	done
	echo
	cat results.txt
}

if [ $deps = 1 ]; then
	phase "tools/deps.sh $extra_pkgs"
	# shellcheck disable=SC2086
	tools/deps.sh $extra_pkgs || build_failed "tools/deps.sh"
fi

phase "./autogen.sh"
mkdir -p "$bdir"
./autogen.sh >"$bdir/autogen.out" 2>&1 ||
    build_failed "./autogen.sh" "$bdir/autogen.out"

phase "configure $flags (in $bdir/)"
cd "$bdir" || exit 1
# shellcheck disable=SC2086
../configure $flags -q >configure.out 2>&1 ||
    build_failed "configure" config.log
grep -E 'WARNING|sanitizers:' configure.out

phase "make -j$jobs"
make -j"$jobs" >make.out 2>&1 || {
	grep -E -B2 -A8 'error|Error' make.out | tail -80
	build_failed "make"
}
grep -E 'warning:' make.out | head -20

phase "make -j$jobs -k check"
make -j"$jobs" -k check
check_rc=$?

phase "results"
count_results
if [ $check_rc -ne 0 ] && [ "$nfail" -eq 0 ]; then
	echo "make check exited $check_rc although no test failed" \
	    "(a check program did not build?)"
	nfail=1
fi

if [ $distcheck = 1 ]; then
	phase "make -j$jobs distcheck"
	if make -j"$jobs" distcheck >distcheck.out 2>&1; then
		echo "PASS   distcheck"
		npass=$((npass + 1))
	else
		echo "FAIL   distcheck (last 60 lines of $bdir/distcheck.out):"
		tail -60 distcheck.out
		nfail=$((nfail + 1))
	fi
fi

finish "$npass" "$nfail" "$nskip"
