#!/bin/sh
# dkim.sh -- replay the DKIM verification fuzz corpus and crash reproducers
# (under glibc's malloc check where the build allows it: libopendkim is
# not instrumented, see tests/lib/mcheck.sh and CAMPAIGN.md)
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/mcheck.sh"
set -- "$top_srcdir/tests/fuzz/dkim.in"
[ -d "$top_srcdir/tests/fuzz/dkim.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/dkim.repro"
mcheck_exec "$top_builddir/tests/fuzz/dkim_fuzz" "$@"
