#!/bin/sh
# aggxml.sh -- replay the aggxml fuzz corpus and crash reproducers (under
# glibc's malloc check where the build allows it: libxml2 is not
# instrumented, see tests/lib/mcheck.sh)
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/tests/fuzz/aggxml_fuzz
. "$top_srcdir/tests/lib/mcheck.sh"
mcheck "$bin" /dev/null
set -- "$top_srcdir/tests/fuzz/aggxml.in"
[ -d "$top_srcdir/tests/fuzz/aggxml.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/aggxml.repro"
if [ -n "$mcheck" ]; then
	echo "# under glibc's malloc check ($mcheck)"
	LD_PRELOAD=$mcheck GLIBC_TUNABLES=glibc.malloc.check=3
	export LD_PRELOAD GLIBC_TUNABLES
fi
exec "$bin" "$@"
