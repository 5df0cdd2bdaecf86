#!/bin/sh
# spf.sh -- replay the SPF fuzz corpus and crash reproducers (under
# glibc's malloc check where the build allows it: libspf2 is not
# instrumented, see tests/lib/mcheck.sh)
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/tests/fuzz/spf_fuzz
. "$top_srcdir/tests/lib/mcheck.sh"
mcheck "$bin" /dev/null
set -- "$top_srcdir/tests/fuzz/spf.in"
[ -d "$top_srcdir/tests/fuzz/spf.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/spf.repro"
if [ -n "$mcheck" ]; then
	echo "# under glibc's malloc check ($mcheck)"
	LD_PRELOAD=$mcheck GLIBC_TUNABLES=glibc.malloc.check=3
	export LD_PRELOAD GLIBC_TUNABLES
fi
exec "$bin" "$@"
