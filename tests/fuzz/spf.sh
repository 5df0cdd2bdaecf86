#!/bin/sh
# spf.sh -- replay the SPF fuzz corpus and crash reproducers (under
# glibc's malloc check where the build allows it: libspf2 is not
# instrumented, see tests/lib/mcheck.sh)
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/mcheck.sh"
set -- "$top_srcdir/tests/fuzz/spf.in"
[ -d "$top_srcdir/tests/fuzz/spf.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/spf.repro"
mcheck_exec "$top_builddir/tests/fuzz/spf_fuzz" "$@"
