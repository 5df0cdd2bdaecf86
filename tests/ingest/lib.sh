# lib.sh -- the check helper the tests/ingest scripts share (sourced)
#
#	ok LABEL GOT WANT	prints "ok N - LABEL" when GOT = WANT, else
#				"not ok N - LABEL" with both values
#
# The script sets n=0 pass=0 fail=0 first and prints
# "$pass passed, $fail failed" at the end.

# ok - one check: label, the value got, the value wanted
ok() {
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
		echo "ok $n - $1"
	else
		fail=$((fail + 1))
		echo "not ok $n - $1"
		printf '#   got  "%s"\n#   want "%s"\n' "$2" "$3"
	fi
}
