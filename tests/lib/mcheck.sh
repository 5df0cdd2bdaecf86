# mcheck.sh -- glibc's malloc check for one program, where it can run
#
# SYNOPSIS
#	. "$top_srcdir/tests/lib/mcheck.sh"
#	mcheck PROGRAM [PROBE-ARGS...]	# sets $mcheck: the library or ""
#	LD_PRELOAD=$mcheck GLIBC_TUNABLES=${mcheck:+glibc.malloc.check=3} PROGRAM ...
#	mcheck_exec PROGRAM ARGS...	# exec, under the check when it can be
#
# DESCRIPTION
#	AddressSanitizer cannot see a write past a heap block made inside a
#	library that is not instrumented (libopendkim, libxml2): only its
#	damage, later and by chance.  glibc's malloc check
#	(libc_malloc_debug, glibc.malloc.check=3) marks the end of every
#	block and aborts on free when the mark is gone, at any block size.
#	mcheck runs PROGRAM PROBE-ARGS once with it preloaded; when that
#	succeeds (not an ASan build, which refuses the preload, and not a
#	libFuzzer binary, whose crash handler would deadlock in malloc),
#	$mcheck is the library's path, else empty.
mcheck() {
	mcheck=
	_mc_prog=$1
	shift
	grep -q handle_abrt "$_mc_prog" 2>/dev/null && return 0
	for _mc in /lib/*/libc_malloc_debug.so.0 \
	    /usr/lib/*/libc_malloc_debug.so.0; do
		[ -f "$_mc" ] || continue
		if LD_PRELOAD=$_mc GLIBC_TUNABLES=glibc.malloc.check=3 \
		    "$_mc_prog" "$@" >/dev/null 2>&1; then
			mcheck=$_mc
		fi
		return 0
	done
}

# mcheck_exec - exec PROGRAM ARGS under the check where it can run there
# (probed with /dev/null as the only argument: the fuzz replayers)
mcheck_exec() {
	mcheck "$1" /dev/null
	if [ -n "$mcheck" ]; then
		echo "# under glibc's malloc check ($mcheck)"
		LD_PRELOAD=$mcheck GLIBC_TUNABLES=glibc.malloc.check=3
		export LD_PRELOAD GLIBC_TUNABLES
	fi
	exec "$@"
}
