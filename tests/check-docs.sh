#!/bin/sh
# check-docs.sh -- every configuration key is documented and in the sample
#
# tests/tools/conf-keys prints common/conf.c's table ("Name<TAB>default").
# Each key must appear in man/dmarcd.conf.5 as a ".B Name" line, and in
# contrib/dmarcd.conf as a setting line: "# Name default" exactly when the
# key has a default, "# Name" or "# Name example" (or uncommented) when it
# has none.  Conversely every ".TP"/".B" entry of the man page and every
# "# Name ..." setting line of the sample must name a real key, so a
# renamed or removed key cannot linger in the documentation.
: "${top_srcdir:=.}" "${top_builddir:=.}"
man="$top_srcdir/man/dmarcd.conf.5"
sample="$top_srcdir/contrib/dmarcd.conf"
tab=$(printf '\t')
keys=$("$top_builddir/tests/tools/conf-keys") || { echo "conf-keys failed"; exit 99; }
[ -n "$keys" ] || { echo "conf-keys printed nothing"; exit 99; }
[ -r "$man" ] && [ -r "$sample" ] || { echo "missing $man or $sample"; exit 99; }
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "not ok - $*"; fail=$((fail + 1)); }

while IFS="$tab" read -r name def; do
	if grep -qxF ".B $name" "$man"; then ok; else
		bad "$name is not documented (.B $name) in dmarcd.conf.5"; fi
	if [ -n "$def" ]; then
		if grep -qxF "# $name $def" "$sample"; then ok; else
			bad "$name: no line '# $name $def' in contrib/dmarcd.conf"; fi
	elif grep -qE "^#? ?$name( |\$)" "$sample"; then ok; else
		bad "$name: no line '# $name' in contrib/dmarcd.conf"
	fi
done <<EOK
$keys
EOK

names=$(printf '%s\n' "$keys" | cut -f1)
# names after ".TP" in the man page
for n in $(awk 'prev == ".TP" && $1 == ".B" { print $2 } { prev = $0 }' "$man"); do
	if printf '%s\n' "$names" | grep -qxF "$n"; then ok; else
		bad "dmarcd.conf.5 documents '$n', which is not a key"; fi
done
# setting lines ("# Name ..." or "Name ...") in the sample
for n in $(sed -n 's/^#\{0,1\} \{0,1\}\([A-Za-z][A-Za-z0-9]*\)\( .*\)\{0,1\}$/\1/p' "$sample"); do
	if printf '%s\n' "$names" | grep -qxF "$n"; then ok; else
		bad "contrib/dmarcd.conf sets '$n', which is not a key"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
