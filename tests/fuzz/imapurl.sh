#!/bin/sh
# imapurl.sh -- replay the imapurl fuzz corpus and crash reproducers
: "${top_srcdir:=.}" "${top_builddir:=.}"
set -- "$top_srcdir/tests/fuzz/imapurl.in"
[ -d "$top_srcdir/tests/fuzz/imapurl.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/imapurl.repro"
exec "$top_builddir/tests/fuzz/imapurl_fuzz" "$@"
