#!/bin/sh
# ingest-bench.sh -- dmarc-ingest throughput and memory: reports/s,
# records/s, CPU time and peak RSS, optionally beside an older build
#
# SYNOPSIS
#	tests/bench/ingest-bench.sh [-b builddir] [-o oldbuilddir] [-n reports]
#	    [-r rounds] [-R repeat] [-l "records ..."] [-m modes] [-M]
#
# DESCRIPTION
#	Generates (once, cached under $TMPDIR) tests/bench/ingest-gen.py's set
#	of N reports (default 3000, with four of 20000-50000 records) and a
#	large set (-l, default "100000 300000 1000000": one gzip report per
#	count, the backfill case), then runs dmarc-ingest over each set in
#	the modes asked (-m, default "parse json sqlite mariadb"): parse only
#	(-n), parse and write JSON lines and CSV (-n -j /dev/null -C dir),
#	store into a fresh SQLite database, store into a fresh database of a
#	private MariaDB started here (-M: leave MariaDB out).  With -o, the
#	older build runs the same inputs in the same invocation, its runs
#	interleaved with ours round by round, so machine load falls on both
#	alike.  Every run is measured by /usr/bin/time (wall, user+system
#	CPU, peak RSS); the table shows medians of the rounds (default 3).
#	With ../shared/corpus present, the corpus is parsed too (-R times as
#	one run, default 20).  records/s are also given against parsedmarc
#	10.4.3's best offline rate, 10k records/s (inbound-reports.md section
#	5: 41-73 reports/s and 6k-10k records/s on this kind of machine).
#	Use builds without sanitizers (configure CFLAGS="-O2 -g").
set -eu
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=.
old=
n=3000
rounds=3
repeat=20
large="100000 300000 1000000"
modes="parse json sqlite mariadb"
while getopts b:o:n:r:R:l:m:M o; do
	case $o in
	b) builddir=$OPTARG ;;
	o) old=$OPTARG ;;
	n) n=$OPTARG ;;
	r) rounds=$OPTARG ;;
	R) repeat=$OPTARG ;;
	l) large=$OPTARG ;;
	m) modes=$OPTARG ;;
	M) modes=$(echo "$modes" | sed 's/mariadb//') ;;
	*) sed -n '5,6p' "$0" >&2; exit 64 ;;
	esac
done
for b in "$builddir" ${old:+"$old"}; do
	[ -x "$b/reports/dmarc-ingest" ] ||
	    { echo "no $b/reports/dmarc-ingest" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time" >&2; exit 1; }
tmpdir=${TMPDIR:-/tmp}
set_dir=$tmpdir/ingest-benchset-$n
[ -f "$set_dir/.done" ] || {
	rm -rf "$set_dir"
	python3 "$top_srcdir/tests/bench/ingest-gen.py" "$set_dir" "$n"
	touch "$set_dir/.done"
}
large_dir=$tmpdir/ingest-benchset-large
for k in $large; do
	[ -f "$large_dir/large-$k.xml.gz" ] ||
	    python3 "$top_srcdir/tests/bench/ingest-gen.py" --large \
	    "$large_dir" "$k"
done
work=$(mktemp -d "$tmpdir/ingest-bench.XXXXXX")
cleanup() {
	[ -n "${MARIADB_DIR:-}" ] && mariadb_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
mkdir -p "$work/large"
for k in $large; do
	ln -s "$large_dir/large-$k.xml.gz" "$work/large/"
done
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
case $modes in
*mariadb*)
	. "$top_srcdir/tests/integration/lib/mariadb.sh"
	mariadb_start || { echo "# MariaDB did not start" >&2; MARIADB_DIR=; }
	;;
esac
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# new: $builddir${old:+, old: $old}; $rounds rounds, medians"
python3 - "$builddir" "${old:-}" "$set_dir" "$work" "$rounds" "$modes" <<'PY'
import os, re, statistics, subprocess, sys

new, old, setdir, work, rounds, modes = sys.argv[1:7]
rounds = int(rounds)
modes = modes.split()
builds = [("new", new)] + ([("old", old)] if old else [])
sets = [("generated", setdir), ("large", work + "/large")]
if os.path.isdir(work + "/corpus"):
    sets.append(("corpus x%d" % len(os.listdir(work + "/corpus")),
                 work + "/corpus"))
if "mariadb" in modes and not os.environ.get("MARIADB_DIR"):
    modes.remove("mariadb")
PARSEDMARC = 10000.0
runs = 0


def fresh_db(mode, tag):
    global runs
    runs += 1
    if mode == "sqlite":
        path = "%s/bench-%d.db" % (work, runs)
        return ["-d", "sqlite:" + path]
    if mode == "mariadb":
        db = "bench%d" % runs
        subprocess.run(["mariadb", "--no-defaults", "-uroot",
                        "--socket=" + os.environ["MARIADB_SOCK"], "-e",
                        "CREATE DATABASE %s" % db], check=True)
        return ["-d", "mysql://%s:%s@localhost/%s?socket=%s" % (
            os.environ["MARIADB_USER"], os.environ["MARIADB_PASS"], db,
            os.environ["MARIADB_SOCK"])]
    if mode == "json":
        return ["-n", "-j", "/dev/null", "-C", "%s/csv-%d" % (work, runs)]
    return ["-n"]


def drop(mode, args):
    if mode == "sqlite":
        for s in ("", "-wal", "-shm"):
            p = args[1][len("sqlite:"):] + s
            if os.path.exists(p):
                os.unlink(p)
    elif mode == "mariadb":
        db = re.search(r"@localhost/([^?]+)", args[1]).group(1)
        subprocess.run(["mariadb", "--no-defaults", "-uroot",
                        "--socket=" + os.environ["MARIADB_SOCK"], "-e",
                        "DROP DATABASE %s" % db], check=True)
    elif mode == "json":
        subprocess.run(["rm", "-rf", args[-1]])


def one(binary, mode, path):
    args = fresh_db(mode, path)
    tf = work + "/time"
    p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf,
                        binary + "/reports/dmarc-ingest", "-q", "-v"] + args +
                       [path], capture_output=True, text=True)
    drop(mode, args)
    wall, user, sys_, rss = open(tf).read().split()[-4:]
    m = re.search(r"(\d+) reports \((\d+) aggregate with (\d+) records",
                  p.stderr)
    if not m or p.returncode not in (0, 1):
        return None
    return (int(m.group(1)), int(m.group(3)), float(wall),
            float(user) + float(sys_), int(rss))


print("| set | mode | build | reports | records | wall s | CPU s | reports/s |"
      " records/s | records/CPU s | x parsedmarc (CPU) | peak RSS MiB |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      " ---: | ---: |")
for sname, path in sets:
    for mode in modes:
        if sname.startswith("corpus") and mode not in ("parse", "json"):
            continue
        res = {b: [] for b, _ in builds}
        for r in range(rounds):
            for b, binary in (builds if r % 2 == 0 else builds[::-1]):
                res[b].append(one(binary, mode, path))
        for b, _ in builds:
            ok = [x for x in res[b] if x is not None]
            if len(ok) < len(res[b]):
                print("| %s | %s | %s | failed | | | | | | | | |"
                      % (sname, mode, b))
                continue
            reps, recs = ok[0][0], ok[0][1]
            wall = statistics.median(x[2] for x in ok)
            cpu = statistics.median(x[3] for x in ok)
            rss = statistics.median(x[4] for x in ok)
            print("| %s | %s | %s | %d | %d | %.2f | %.2f | %.0f | %.0f |"
                  " %.0f | %.0f | %.1f |"
                  % (sname, mode, b, reps, recs, wall, cpu, reps / wall,
                     recs / wall, recs / cpu, recs / cpu / PARSEDMARC,
                     rss / 1024.0))
        sys.stdout.flush()
PY
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
