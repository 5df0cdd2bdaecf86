#!/bin/sh
# tlsrpt.sh -- replay the tlsrpt fuzz corpus and crash reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/tlsrpt.in"
[ -d "$top_srcdir/tests/fuzz/tlsrpt.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/tlsrpt.repro"
exec "$top_builddir/tests/fuzz/tlsrpt_fuzz" "$@"
