#!/bin/sh
# arc.sh -- replay the ARC fuzz corpus and crash reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/arc.in"
[ -d "$top_srcdir/tests/fuzz/arc.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/arc.repro"
exec "$top_builddir/tests/fuzz/arc_fuzz" "$@"
