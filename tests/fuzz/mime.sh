#!/bin/sh
# mime.sh -- replay the mime fuzz corpus and crash reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/mime.in"
[ -d "$top_srcdir/tests/fuzz/mime.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/mime.repro"
exec "$top_builddir/tests/fuzz/mime_fuzz" "$@"
