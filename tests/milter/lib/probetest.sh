# probetest.sh -- the set-up of a test that runs one dmarcd and talks to
# it with tests/tools/milterprobe
#
# Sourced by tests/milter/protocol.sh and histfile.sh after they set
# test_name.  Sets dmarcd, probe, demo (tests/data/demo) and a scratch
# dir $tmp removed on exit (stopping dmarcd if still running); skips
# (77) when dmarcd is not built, bails out (99) without milterprobe.
# check STATUS WHAT records one result ("ok N - WHAT" when STATUS is 0);
# tap_done prints "N passed, N failed" and returns nonzero on a failure.
# Then sources daemon.sh (start_dmarcd, stop_dmarcd, wait_log, probe).

set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
dmarcd=$top_builddir/milter/dmarcd
probe=$top_builddir/tests/tools/milterprobe
demo=$top_srcdir/tests/data/demo

if [ ! -x "$dmarcd" ]; then
	echo "SKIP: $dmarcd is not built"
	exit 77
fi
if [ ! -x "$probe" ]; then
	echo "Bail out! $probe is not built (make check builds it)"
	exit 99
fi

npass=0
nfail=0
n=0
pid=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$test_name.XXXXXX")

# cleanup - stop dmarcd if still running, remove the temporary files
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# check - record one result: check <0|1 (shell status)> <what>
check() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		npass=$((npass + 1))
		echo "ok $n - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $n - $2"
	fi
}

# tap_done - the summary line; nonzero when a check failed
tap_done() {
	echo "$npass passed, $nfail failed"
	[ $nfail -eq 0 ]
}

DMARCD=$dmarcd PROBE=$probe
. "$top_srcdir/tests/milter/lib/daemon.sh"
