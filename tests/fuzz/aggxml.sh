#!/bin/sh
# aggxml.sh -- replay the aggxml fuzz corpus and crash reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/aggxml.in"
[ -d "$top_srcdir/tests/fuzz/aggxml.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/aggxml.repro"
exec "$top_builddir/tests/fuzz/aggxml_fuzz" "$@"
