#!/bin/sh
# soak.sh -- a long run through one dmarcd: flat memory, fds and threads,
# a record per message, the same verdicts every pass; or an ASan run
#
# SYNOPSIS
#	tests/bench/soak.sh [-a] [-n messages] [-c conns] [-i seconds]
#	    [-o outdir]
#	tests/bench/soak.sh -k outdir
#
# DESCRIPTION
#	Run by hand from a build directory (top_builddir, default "."), never
#	by make check; see tests/bench/README.md.  Makes the bench zone
#	(genzone.py, 1,000 domains) served by a private unbound
#	(tests/integration/lib/unbound.sh) and a 20,000-message corpus
#	(gencorpus.py), starts milter/dmarcd once on a unix socket and
#	replays the whole corpus again and again through
#	tests/bench/milterload at -c connections (default 16) until -n
#	messages (default 1,000,000, a multiple of 20,000) went through:
#	one milterload run per pass, so every pass has its own verdict
#	counts.  Every -i seconds (default 5) dmarcd's VmRSS, VmHWM, open
#	file descriptors and threads and the history file's size are
#	sampled into OUTDIR/samples.tsv, and once more a second after each
#	pass into OUTDIR/idle.tsv; each pass is a line of OUTDIR/passes.tsv.
#	Checked at the end ("ok N - ..." lines):
#
#	  - no pass had an error, and every pass has the same verdict
#	    counts as the first (same corpus, same DNS: any drift is a bug);
#	  - the history file holds one complete record per message sent;
#	  - RSS is flat: its highest sample in the second half of the run
#	    is within 10% (and 4 MB) of the highest in the first half after
#	    the first pass (the warm-up: caches fill); file descriptors and
#	    threads at idle after each pass no more than 2 above pass 2's;
#	  - dmarcd exits 0 on SIGTERM and its log has no sanitizer report.
#
#	-k OUTDIR runs the checks again on the files of a finished run.
#
#	-a turns every feature on, for a sanitizer build: DKIMVerify,
#	SPFSelfValidate, ARC (the corpus gets gencorpus.py's "arc" kind and
#	DomainWhitelist trusts fwd.test), failure reports (FailureReports,
#	FailureReportsBody, a rate limit of 50 per client per hour) sent by
#	SMTP to Postfix's smtp-sink (tests/integration/lib/smtpsink.sh),
#	HistoryExtensions; and checks that reports arrived.  Use
#	-n 100000 or more.
#
#	Run everything under nice -n 19 on a shared machine: this is about
#	correctness, not speed (the pass rates are printed all the same).
#
# EXIT STATUS
#	0 every check passed, 1 a check failed, 2 usage or set-up failure.

: "${top_builddir:=.}"
bench=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(dirname "$(dirname "$bench")")}"
PATH="$PATH:/usr/sbin:/sbin"
DMARCD=${DMARCD:-$top_builddir/milter/dmarcd}
LOAD=$top_builddir/tests/bench/milterload
. "$top_srcdir/tests/integration/lib/unbound.sh"
. "$top_srcdir/tests/integration/lib/smtpsink.sh"
CORPUS_N=20000

. "$top_srcdir/tests/lib/tap.sh"
# flat - column $1 of samples.tsv: max after the first pass and in the
# first half, max in the second half, minimum, the last value
flat() {
	awk -F'\t' -v c="$1" -v w="$(awk -F'\t' 'NR == 2 { print $11 }' "$out/passes.tsv")" '
	    NR > 1 { t[NR] = $1; v[NR] = $c; n = NR }
	    END {
		half = t[n] / 2
		for (i = 2; i <= n; i++) {
			if (t[i] >= w && t[i] < half && v[i] > a) a = v[i]
			if (t[i] >= half && v[i] > b) b = v[i]
			if (min == "" || v[i] < min) min = v[i]
		}
		print a + 0, b + 0, min + 0, v[n] + 0
	    }' "$out/samples.tsv"
}
# idle - column $1 at idle after pass 2, the highest at idle after a
# later pass, after the last pass, and the highest sample of all: from
# idle.tsv (a sample a second after each pass); runs without it, from
# the lowest sample of each pass's window in samples.tsv (milterload
# reads the corpus before each pass: dmarcd is idle then, but a window
# may hold no sample of that moment)
idle() {
	if [ -s "$out/idle.tsv" ]; then
		awk -F'\t' -v c="$1" 'NR == 1 { next }
		    NR == 3 { p2 = $c } NR > 3 && $c > later { later = $c }
		    { last = $c } END { print p2 + 0, later + 0, last + 0 }' \
		    "$out/idle.tsv" | tr '\n' ' '
		awk -F'\t' -v c="$1" 'NR > 1 && $c > hi { hi = $c }
		    END { print hi + 0 }' "$out/samples.tsv"
		return
	fi
	awk -F'\t' -v c="$1" '
	    FNR == 1 { f++; next }
	    f == 1 { end[++np] = $11; next }
	    { k = 1; while (k < np && $1 > end[k]) k++
	      if (!(k in lo) || $c < lo[k]) lo[k] = $c
	      if ($c > hi) hi = $c; last = $c }
	    END {
		for (k = 3; k <= np; k++) if (lo[k] > later) later = lo[k]
		print lo[2] + 0, later + 0, last + 0, hi + 0
	    }' "$out/passes.tsv" "$out/samples.tsv"
}
# checks - every check on the files of a run in $out (see DESCRIPTION);
# run.env holds what the run itself knew (counts, dmarcd's exit status)
checks() {
	check "dmarcd ran through all $npass passes" [ -n "$ran" ]
	same_verdicts=$(awk -F'\t' 'NR == 2 { k = $5 FS $6 FS $7 FS $8 FS $9 }
	    NR > 1 && $5 FS $6 FS $7 FS $8 FS $9 != k { bad++ }
	    END { print bad + 0 }' "$out/passes.tsv")
	errs=$(awk -F'\t' 'NR > 1 { e += $10 } END { print e + 0 }' "$out/passes.tsv")
	check "$npass passes of $CORPUS_N messages, no errors" [ "$errs" -eq 0 ]
	check "every pass has the verdict counts of the first" [ "$same_verdicts" -eq 0 ]
	# records: "job" lines; complete ones end with "profile" (HistoryExtensions)
	recs=$(grep -c '^job ' "$out/history")
	whole=$(grep -c '^profile ' "$out/history")
	check "history: $recs records, $whole complete, for $((total + 1)) messages (with the probe)" \
	    [ "$recs" -eq $((total + 1)) -a "$whole" -eq "$recs" ]
	if [ "$npass" -lt 3 ]; then
		echo "# fewer than 3 passes: too short to judge RSS, fds and threads"
		set -- 0 0 0 0
	fi
	[ "$npass" -lt 3 ] || set -- $(flat 2)
	echo "# VmRSS kB: min $3, max first half $1, max second half $2, last $4"
	check "RSS flat (second half within 10% + 4 MB of the first)" \
	    [ "$2" -le $(($1 + $1 / 10 + 4096)) ]
	[ "$npass" -lt 3 ] || set -- $(idle 4)
	echo "# fds: idle in pass 2 $1, highest idle in a later pass $2, at the end $3; busiest sample $4"
	check "open fds flat (idle between passes no more than pass 2's + 2)" \
	    [ "$2" -le $(($1 + 2)) -a "$3" -le $(($1 + 2)) ]
	[ "$npass" -lt 3 ] || set -- $(idle 5)
	echo "# threads: idle in pass 2 $1, highest idle in a later pass $2, at the end $3; busiest sample $4"
	check "threads flat (idle between passes no more than pass 2's + 2)" \
	    [ "$2" -le $(($1 + 2)) -a "$3" -le $(($1 + 2)) ]
	echo "# VmHWM at the end: $(tail -n 1 "$out/samples.tsv" | cut -f 3) kB"
	check "dmarcd exits 0 on SIGTERM" [ "$st" -eq 0 ]
	if grep -q "Sanitizer\|runtime error:" "$out/soak.log"; then
		notok "no sanitizer report"
		grep -m 5 "Sanitizer\|runtime error:" "$out/soak.log"
	else
		ok "no sanitizer report"
	fi
	if [ -n "$all" ]; then
		echo "# failure reports received by smtp-sink: $nrep"
		check "failure reports delivered" [ "$nrep" -gt 0 ]
	fi
	awk -F'\t' 'NR > 1 { print $3 }' "$out/passes.tsv" | sort -n |
	    awk '{ r[NR] = $1 } END { if (NR)
		printf "# pass rate msg/s: min %s, median %s, max %s\n", r[1],
		    r[int((NR + 1) / 2)], r[NR] }'
	echo "# results in $out"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

usage() {
	echo "usage: soak.sh [-a] [-n messages] [-c conns] [-i seconds]" \
	    "[-o outdir] | -k outdir" >&2
	exit 2
}
all= total=1000000 conns=16 ival=5 out= only=
while getopts ak:n:c:i:o: ch; do
	case $ch in
	a) all=1 ;;
	k) only=$OPTARG ;;
	n) total=$OPTARG ;;
	c) conns=$OPTARG ;;
	i) ival=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
if [ -n "$only" ]; then	# the checks again, on a finished run
	out=$(cd "$only" && pwd) && [ -r "$out/run.env" ] || usage
	. "$out/run.env"
	pass=0 fail=0
	checks
	exit $?
fi
[ $((total % CORPUS_N)) -eq 0 ] && [ "$total" -gt 0 ] || usage
for p in "$DMARCD" "$LOAD"; do
	[ -x "$p" ] || { echo "$p not built (make $p)" >&2; exit 2; }
done
for p in unbound python3; do
	command -v $p >/dev/null || { echo "$p not installed" >&2; exit 2; }
done
[ -z "$all" ] || command -v smtp-sink >/dev/null ||
    { echo "smtp-sink not installed" >&2; exit 2; }
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-soak.XXXXXX") || exit 2
fi
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
pid= sampler=
cleanup() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	ub_stop
	smtpsink_stop
	wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP


# --- data, DNS, sink -----------------------------------------------------------
build=release
ldd "$DMARCD" 2>/dev/null | grep -q libasan && build=asan
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(uname -srm), $(nproc) CPUs;" \
    "dmarcd $build build; $total messages at c$conns${all:+, every feature}"
python3 "$bench/genzone.py" ${all:+-f} -n 1000 "$out" >/dev/null &&
    python3 "$bench/gencorpus.py" ${all:+-a} -n $CORPUS_N "$out/corpus" ||
    { echo "cannot generate zone and corpus" >&2; exit 2; }
ub_start "$out" "$out/zone.conf" ||
    { cat "$out/unbound.out"; echo "unbound did not start" >&2; exit 2; }
rm -f "$out/history" "$out/soak.log"
cat >"$out/soak.conf" <<EOF
AuthservID mx.bench.example
TrustedAuthservIDs mx.bench.example
PublicSuffixList $out/bench.psl
Nameservers $UB_NS
RejectFailures true
HoldQuarantinedMessages true
RecordAllMessages true
HistoryFile $out/history
EOF
if [ -n "$all" ]; then
	smtpsink_start "$out/sink" || exit 2
	cat >>"$out/soak.conf" <<EOF
DKIMVerify true
SPFSelfValidate true
DomainWhitelist fwd.test
SoftwareHeader true
HistoryExtensions true
FailureReports true
FailureReportsBody true
FailureReportsRateLimit 50
FailureReportsSentBy dmarc-noreply@mx.bench.example
BaseDirectory $out
SMTPServer 127.0.0.1
SMTPPort $SMTPSINK_PORT
SMTPStartTLS no
EOF
fi
SOCK=unix:$out/soak.sock

# --- dmarcd --------------------------------------------------------------------
"$DMARCD" -f -c "$out/soak.conf" -p "$SOCK" >>"$out/soak.log" 2>&1 &
pid=$!
i=0
until "$LOAD" -q -n 1 -T 10 -i P -f "$out/corpus" "$SOCK" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
		tail "$out/soak.log"
		echo "dmarcd did not start" >&2
		exit 2
	fi
	sleep 0.1
done

# sample - one line of samples.tsv: seconds, VmRSS, VmHWM (kB), fds,
# threads, history bytes
sample() {
	st=/proc/$pid/status
	[ -r "$st" ] || return 1
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' $(($(date +%s) - t0)) \
	    "$(awk '/^VmRSS:/ { print $2 }' "$st")" \
	    "$(awk '/^VmHWM:/ { print $2 }' "$st")" \
	    "$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)" \
	    "$(awk '/^Threads:/ { print $2 }' "$st")" \
	    "$(stat -c %s "$out/history" 2>/dev/null || echo 0)"
}
t0=$(date +%s)
printf 'secs\trss_kb\thwm_kb\tfds\tthreads\thistory_bytes\n' |
    tee "$out/idle.tsv" >"$out/samples.tsv"
( while sample >>"$out/samples.tsv"; do sleep "$ival"; done ) &
sampler=$!

# --- the passes ----------------------------------------------------------------
printf 'pass\tsecs\trate\tp99_ms\tdeliver\tquarantine\treject\ttempfail\tdiscard\terrors\tend_secs\n' \
    >"$out/passes.tsv"
npass=$((total / CORPUS_N))
n=1
while [ $n -le $npass ]; do
	res=$("$LOAD" -q -c "$conns" -n $CORPUS_N -T 60 -i "S$n." \
	    -f "$out/corpus" "$SOCK" | grep '^RESULT')
	echo "$res" | awk -v n="$n" -v e=$(($(date +%s) - t0)) '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", n,
		    v["secs"], v["rate"], v["p99_ms"], v["deliver"],
		    v["quarantine"], v["reject"], v["tempfail"], v["discard"],
		    v["errors"], e }' >>"$out/passes.tsv"
	sleep 1		# the connections' threads end; then dmarcd is idle
	sample >>"$out/idle.tsv"
	[ $((n % 10)) -eq 0 ] || [ $n -eq 1 ] || [ $n -eq $npass ] &&
	    echo "# pass $n/$npass: $(tail -n 1 "$out/samples.tsv" | cut -f 2,4,5 |
	    awk '{ print "rss " $1 " kB, " $2 " fds, " $3 " threads" }');" \
	    "$(echo "$res" | cut -d' ' -f 2-5)"
	n=$((n + 1))
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		st=$?
		pid=
		echo "# dmarcd is gone (exit status $st) after pass $((n - 1)):"
		tail -n 3 "$out/soak.log" | sed 's/^/#   /'
		break
	fi
done
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
sampler=
sample >>"$out/samples.tsv"

# --- stop, then the checks ------------------------------------------------------
ran=
if [ -n "$pid" ]; then
	ran=1
	kill "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	pid=
fi
nrep=
[ -z "$all" ] || nrep=$(smtpsink_count "$out/sink")
printf 'total=%s\nnpass=%s\nall=%s\nran=%s\nst=%s\nnrep=%s\n' "$total" \
    "$npass" "$all" "$ran" "$st" "$nrep" >"$out/run.env"
checks
