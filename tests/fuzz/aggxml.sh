#!/bin/sh
# aggxml.sh -- replay the aggxml fuzz corpus and crash reproducers (under
# glibc's malloc check where the build allows it: libxml2 is not
# instrumented, see tests/lib/mcheck.sh)
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/mcheck.sh"
set -- "$top_srcdir/tests/fuzz/aggxml.in"
[ -d "$top_srcdir/tests/fuzz/aggxml.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/aggxml.repro"
mcheck_exec "$top_builddir/tests/fuzz/aggxml_fuzz" "$@"
