#!/bin/sh
# ubanswer.sh -- replay the ubanswer_fuzz seed corpus and crash reproducers
#
# Files, not directories, are named so that a libFuzzer build
# (--enable-fuzzing) only runs them instead of starting to fuzz.
set -e
set -- "$top_srcdir"/tests/fuzz/ubanswer.in/*
if [ -d "$top_srcdir/tests/fuzz/ubanswer.repro" ]; then
	for f in "$top_srcdir"/tests/fuzz/ubanswer.repro/*; do
		if [ -f "$f" ]; then
			set -- "$@" "$f"
		fi
	done
fi
exec "$top_builddir/tests/fuzz/ubanswer_fuzz" "$@"
