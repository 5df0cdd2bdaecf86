#!/bin/sh
# zonefile.sh -- replay the zone-file fuzz corpus and crash reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/zonefile.in"
[ -d "$top_srcdir/tests/fuzz/zonefile.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/zonefile.repro"
exec "$top_builddir/tests/fuzz/zonefile_fuzz" "$@"
