#!/bin/sh
# check-banned.sh -- fail on calls to functions the house style bans
#
# strcpy, strcat, sprintf, vsprintf, strtok, strtok_r and gets have no
# length argument (or, for strtok*, hidden state the style rejects); use
# snprintf, memcpy with explicit lengths, xstrlcpy or dm_buf instead.
# Matches a call "name(" at a word boundary in every *.c and *.h under the
# source directories; snprintf(, vsnprintf( and fgets( do not match.
# Comments are not exempt: write "strcpy" without the parenthesis.
: "${top_srcdir:=.}"
pass=0
fail=0
re='(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|strtok|strtok_r|gets)[[:space:]]*\('
for dir in libdmarc common milter reports tests; do
	[ -d "$top_srcdir/$dir" ] || continue
	for f in $(find "$top_srcdir/$dir" -type f \( -name '*.c' -o -name '*.h' \) | sort); do
		if grep -nE "$re" "$f"; then
			echo "not ok - $f calls a banned function"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] || exit 99
[ "$fail" -eq 0 ]
