# tap.sh -- the TAP helpers of the shell tests (sourced)
#
# SYNOPSIS
#	. "$top_srcdir/tests/lib/tap.sh"
#	ok DESC; notok DESC
#	check DESC COMMAND...	ok when COMMAND succeeds
#	same OUTPUT WANT DESC	ok when the strings are equal; both shown if not
#	has DESC PATTERN	ok when $tmp/out (the last output) has a line
#				matching PATTERN; the output shown if not
#	hasnt DESC PATTERN	ok when it has none
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
has() {
	if grep -q -- "$2" "$tmp/out"; then ok "$1"; else
		notok "$1"; sed 's/^/#   /' "$tmp/out"; fi
}
hasnt() {
	if grep -q -- "$2" "$tmp/out"; then
		notok "$1"; sed 's/^/#   /' "$tmp/out"; else ok "$1"; fi
}
