#!/bin/sh
# arf.sh -- replay the failure-report builder fuzz corpus and reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/arf.in"
[ -d "$top_srcdir/tests/fuzz/arf.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/arf.repro"
exec "$top_builddir/tests/fuzz/arf_fuzz" "$@"
