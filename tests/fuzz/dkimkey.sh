#!/bin/sh
# dkimkey.sh -- replay the DKIM key-record fuzz corpus (under glibc's
# malloc check where the build allows it: libopendkim is not
# instrumented, see tests/lib/mcheck.sh)
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/mcheck.sh"
set -- "$top_srcdir/tests/fuzz/dkimkey.in"
[ -d "$top_srcdir/tests/fuzz/dkimkey.repro" ] &&
    set -- "$@" "$top_srcdir/tests/fuzz/dkimkey.repro"
mcheck_exec "$top_builddir/tests/fuzz/dkimkey_fuzz" "$@"
