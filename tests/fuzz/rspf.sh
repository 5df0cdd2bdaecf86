#!/bin/sh
# rspf.sh -- replay the rspf_fuzz seed corpus and crash reproducers
#
# Files, not directories, are named so that a libFuzzer build
# (--enable-fuzzing) only runs them instead of starting to fuzz.
set -e
set -- "$top_srcdir"/tests/fuzz/rspf.in/*
if [ -d "$top_srcdir/tests/fuzz/rspf.repro" ]; then
	for f in "$top_srcdir"/tests/fuzz/rspf.repro/*; do
		if [ -f "$f" ]; then
			set -- "$@" "$f"
		fi
	done
fi
exec "$top_builddir/tests/fuzz/rspf_fuzz" "$@"
