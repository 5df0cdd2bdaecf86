#!/bin/sh
# dicts.sh -- every libFuzzer dictionary in tests/fuzz is well-formed
#
# libFuzzer refuses a whole dictionary ("ParseDictionaryFile: error in
# line N") when one line is not blank, a '#' comment, or an optionally
# named, double-quoted string with only \\, \" and \xNN escapes.  The
# replay in `make check` never reads the dictionaries, so without this
# check a bad one is found only when a fuzzing campaign starts.
: "${top_srcdir:=.}"
pass=0
fail=0
for d in "$top_srcdir"/tests/fuzz/*.dict; do
	bad=$(grep -nvE '^[[:space:]]*(#.*)?$|^[[:space:]]*([A-Za-z0-9_]+=)?"([^"\\]|\\\\|\\"|\\x[0-9A-Fa-f]{2})*"[[:space:]]*$' "$d" | head -3)
	if [ -z "$bad" ]; then
		pass=$((pass + 1))
		echo "ok $((pass + fail)) - ${d##*/}"
	else
		fail=$((fail + 1))
		echo "not ok $((pass + fail)) - ${d##*/}: $bad"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
