# tap.sh -- the TAP helpers of the shell tests (sourced)
#
# SYNOPSIS
#	. "$top_srcdir/tests/lib/tap.sh"
#	ok DESC; notok DESC
#	check DESC COMMAND...	ok when COMMAND succeeds
#	same OUTPUT WANT DESC	ok when the strings are equal; both shown if not
#	...
#	echo "$pass passed, $fail failed"
#
# DESCRIPTION
#	One definition of the helpers every shell test used to write again.
#	Each check prints "ok N - DESC" or "not ok N - DESC" (automake's TAP
#	driver is not used: a test's exit status is what counts) and counts
#	into $pass and $fail.
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $1"; }
notok() { fail=$((fail + 1)); echo "not ok $((pass + fail)) - $1"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
same() {
	if [ "$1" = "$2" ]; then ok "$3"; else
		notok "$3"; echo "#   got:  $1"; echo "#   want: $2"; fi
}
