#!/bin/sh
# dkim.sh -- replay the DKIM verification fuzz corpus and crash reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/dkim.in"
[ -d "$top_srcdir/tests/fuzz/dkim.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/dkim.repro"
exec "$top_builddir/tests/fuzz/dkim_fuzz" "$@"
