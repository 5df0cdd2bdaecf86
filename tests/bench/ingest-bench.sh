#!/bin/sh
# ingest-bench.sh -- dmarc-ingest throughput: reports/s and records/s on a
# generated set of realistic reports and on the shared corpus
#
# SYNOPSIS
#	tests/bench/ingest-bench.sh [-b builddir] [-n reports] [-r repeat]
#
# DESCRIPTION
#	Generates (once, cached under $TMPDIR) tests/bench/ingest-gen.py's set
#	of N reports (default 3000, with four of 20000-50000 records), then
#	runs dmarc-ingest over it in three modes: parse only (-n), parse and
#	write JSON lines (-n -j /dev/null), and parse and store into a fresh
#	SQLite database.  With ../shared/corpus present, the corpus is parsed
#	too (repeat times, default 20, as one run).  For each run it prints
#	wall and CPU seconds, reports/s and records/s on both, and the peak
#	resident size (the memory bound on a large backfill).  Use a build
#	without sanitizers (configure CFLAGS=-O2).  parsedmarc 10.4.3 parsed
#	41-73 reports/s and 6k-10k records/s offline on this kind of machine
#	(inbound-reports.md section 5).
set -eu
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=.
n=3000
repeat=20
while getopts b:n:r: o; do
	case $o in
	b) builddir=$OPTARG ;;
	n) n=$OPTARG ;;
	r) repeat=$OPTARG ;;
	*) echo "usage: $0 [-b builddir] [-n reports] [-r repeat]" >&2; exit 64 ;;
	esac
done
bin=$builddir/reports/dmarc-ingest
[ -x "$bin" ] || { echo "no $bin (use -b builddir)" >&2; exit 1; }
set_dir=${TMPDIR:-/tmp}/ingest-benchset-$n
[ -f "$set_dir/.done" ] || {
	rm -rf "$set_dir"
	python3 "$top_srcdir/tests/bench/ingest-gen.py" "$set_dir" "$n"
	touch "$set_dir/.done"
}
work=$(mktemp -d "${TMPDIR:-/tmp}/ingest-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
corpus=$top_srcdir/../shared/corpus
if [ -d "$corpus" ]; then
	i=0
	while [ "$i" -lt "$repeat" ]; do
		mkdir -p "$work/corpus/$i"
		cp -r "$corpus"/. "$work/corpus/$i/"
		rm -f "$work/corpus/$i/INDEX.md"
		i=$((i + 1))
	done
fi
exec python3 - "$bin" "$set_dir" "$work" <<'PY'
import os, re, resource, subprocess, sys, time

binary, setdir, work = sys.argv[1:4]


def run(label, args):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.run([binary, "-q", "-v"] + args, capture_output=True, text=True)
    wall = time.time() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    m = re.search(r"(\d+) reports \((\d+) aggregate with (\d+) records", p.stderr)
    if not m:
        print("%-34s failed: %s" % (label, p.stderr[-300:]))
        return
    reps, recs = int(m.group(1)), int(m.group(3))
    print("%-34s %6d reports %8d records  wall %6.2fs cpu %6.2fs  "
          "%8.0f rep/s %9.0f rec/s (cpu: %8.0f rep/s %9.0f rec/s)  maxrss %d MiB"
          % (label, reps, recs, wall, cpu, reps / wall, recs / wall,
             reps / cpu, recs / cpu, r1.ru_maxrss // 1024))


run("generated, parse only", ["-n", setdir])
run("generated, parse + JSON", ["-n", "-j", "/dev/null", setdir])
run("generated, parse + SQLite", ["-d", "sqlite:" + work + "/bench.db", setdir])
if os.path.isdir(work + "/corpus"):
    run("corpus x%d, parse only" % len(os.listdir(work + "/corpus")),
        ["-n", work + "/corpus"])
    run("corpus, parse + JSON", ["-n", "-j", "/dev/null", work + "/corpus"])
PY
