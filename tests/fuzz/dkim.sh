#!/bin/sh
# dkim.sh -- replay the DKIM verification fuzz corpus and crash reproducers
# (under glibc's malloc check where the build allows it: libopendkim is
# not instrumented, see tests/lib/mcheck.sh and CAMPAIGN.md)
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/tests/fuzz/dkim_fuzz
. "$top_srcdir/tests/lib/mcheck.sh"
mcheck "$bin" /dev/null
set -- "$top_srcdir/tests/fuzz/dkim.in"
[ -d "$top_srcdir/tests/fuzz/dkim.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/dkim.repro"
if [ -n "$mcheck" ]; then
	echo "# under glibc's malloc check ($mcheck)"
	LD_PRELOAD=$mcheck GLIBC_TUNABLES=glibc.malloc.check=3
	export LD_PRELOAD GLIBC_TUNABLES
fi
exec "$bin" "$@"
