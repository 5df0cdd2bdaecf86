#!/bin/sh
# conf.sh -- replay the conf_fuzz seed corpus and crash reproducers
set -e
dirs="$top_srcdir/tests/fuzz/conf.in"
if [ -d "$top_srcdir/tests/fuzz/conf.repro" ]; then
	dirs="$dirs $top_srcdir/tests/fuzz/conf.repro"
fi
exec "$top_builddir/tests/fuzz/conf_fuzz" $dirs
