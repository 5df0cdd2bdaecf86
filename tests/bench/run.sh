#!/bin/sh
# run.sh -- dmarcd, OpenDMARC and a null filter, side by side, one command
#
# SYNOPSIS
#	tests/bench/run.sh [-q] [-r rounds] [-n messages] [-c "1 4 16 64"]
#	    [-t "unix inet"] [-m "dmarcd opendmarc null"] [-d seconds]
#	    [-N nice] [-o outdir]
#
# DESCRIPTION
#	Run from a build directory after `make bench` (or set top_builddir
#	and top_srcdir).  Generates ~1,000 domains (genzone.py) and a corpus
#	(gencorpus.py, default 20,000 messages), starts one unbound on
#	loopback serving them, then for each round, transport (unix socket,
#	TCP on 127.0.0.1) and concurrency, runs every milter in turn (the
#	order rotates each round, so the comparison is interleaved):
#
#	  dmarcd	milter/dmarcd, Nameservers = the bench unbound
#	  opendmarc	Debian's /usr/sbin/opendmarc 1.4.2, same keys; it has
#			no nameserver option (libresolv reads /etc/resolv.conf),
#			so it runs in a private mount namespace (unshare -m)
#			where a resolv.conf naming 127.83.77.1 is bind-mounted
#			over /etc/resolv.conf, and unbound also listens on
#			127.83.77.1 port 53 (any 127/8 address is local on Linux)
#	  null		tests/bench/nullfilter: libmilter, no work, one header
#
#	Each run starts the milter afresh (cold DNS cache), replays the
#	corpus with tests/bench/milterload (-n messages, at most -d seconds,
#	default 20), and reads the milter's CPU time (utime + stime of
#	/proc/PID/stat, before and after) and peak RSS (VmHWM of
#	/proc/PID/status).  Then it prints, per transport and concurrency,
#	the median over the rounds of msg/s, p50/p99 latency, CPU ms per
#	message and peak RSS, and the ratios dmarcd/null, opendmarc/null,
#	dmarcd/opendmarc.  In the first round at c4 on the unix socket the
#	verdicts of dmarcd and OpenDMARC are dumped and compared
#	(vdiff.py).
#
#	-q is the quick run (~2 minutes): 1 round of 2,000 messages.  The
#	full run (RESULTS.md) is the default: 3 rounds of 20,000 messages,
#	concurrency 1 4 16 64, both transports.  -N runs the milters and
#	the load generator, and the bench unbound, at that nice value (e.g.
#	-5 on a busy machine).
#	-o keeps everything in outdir (default: a temporary directory,
#	removed).  The unbound's CPU per message is shown too: OpenDMARC
#	has no cache and asks it for every message, dmarcd caches itself.
#	Through a real Postfix, tests/integration/postfix.sh measures both
#	milters (median Postfix delay per message over one SMTP session).
#
# FILES
#	outdir/runs.tsv   one line per run; outdir/summary.txt the tables;
#	outdir/vdiff.txt  the verdict comparison; outdir/*.dump the dumps.
#
# EXIT STATUS
#	0 when every run completed without errors, 1 otherwise, 77 when a
#	tool is missing.  Never part of `make check`.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
bench=$top_srcdir/tests/bench
DMARCD=${DMARCD:-$top_builddir/milter/dmarcd}
LOAD=${LOAD:-$top_builddir/tests/bench/milterload}
NULLF=${NULLF:-$top_builddir/tests/bench/nullfilter}
OPENDMARC=${OPENDMARC:-/usr/sbin/opendmarc}

rounds=3 nmsg=20000 concs="1 4 16 64" transports="unix inet"
milters="dmarcd opendmarc null" maxsecs=20 nicev= out=
while getopts qr:n:c:t:m:d:N:o: ch; do
	case $ch in
	q) rounds=1 nmsg=2000 maxsecs=10 ;;
	r) rounds=$OPTARG ;;
	n) nmsg=$OPTARG ;;
	c) concs=$OPTARG ;;
	t) transports=$OPTARG ;;
	m) milters=$OPTARG ;;
	d) maxsecs=$OPTARG ;;
	N) nicev=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n '4,7p' "$0" >&2; exit 2 ;;
	esac
done

skip() { echo "SKIP: $*"; exit 77; }
for f in "$DMARCD" "$LOAD" "$NULLF"; do
	[ -x "$f" ] || skip "$f not built (make bench)"
done
command -v unbound >/dev/null || skip "unbound not installed"
command -v python3 >/dev/null || skip "python3 not installed"
case " $milters " in *" opendmarc "*)
	[ -x "$OPENDMARC" ] || skip "$OPENDMARC not installed"
	[ "$(id -u)" -eq 0 ] || skip "opendmarc's private resolv.conf needs root"
esac

if [ -n "$out" ]; then
	mkdir -p "$out" || exit 1
	keep=1
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-bench.XXXXXX") || exit 1
	keep=
fi
out=$(cd "$out" && pwd)
ub_pid= m_pid=
cleanup() {
	stop_milter
	[ -n "$ub_pid" ] && kill "$ub_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "$keep" ] || rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# run_nice - a command at the -N nice value, if any
run_nice() {
	if [ -n "$nicev" ]; then nice -n "$nicev" "$@"; else "$@"; fi
}

# free_port - a TCP and UDP port of 127.0.0.1 nobody uses, from $1 up
free_port() {
	p=$1
	while ss -Hltun "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

# ------------------------------------------------------------ data and DNS
echo "# generating $nmsg messages and the zone in $out"
python3 "$bench/genzone.py" "$out" || exit 1
if [ ! -s "$out/corpus.$nmsg" ]; then
	python3 "$bench/gencorpus.py" -n "$nmsg" "$out/corpus.$nmsg" || exit 1
fi
corpus=$out/corpus.$nmsg
# one message, to see whether a milter is up without loading the corpus
python3 "$bench/gencorpus.py" -n 1 "$out/probe.corpus" || exit 1

# the address opendmarc's resolv.conf names: port 53 must be free there
odns=
for a in 127.83.77.1 127.83.77.2 127.83.77.3; do
	if ! ss -Hlun "src = $a and sport = :53" 2>/dev/null | grep -q . &&
	    ! ss -Hlun "sport = :53" 2>/dev/null | grep -q "0.0.0.0:53\|\*:53"; then
		odns=$a
		break
	fi
done
dnsport=$(free_port $((25300 + $$ % 1000)))
{
	echo "server:"
	echo "	interface: 127.0.0.1@$dnsport"
	[ -n "$odns" ] && echo "	interface: $odns@53"
	cat <<EOF
	port: $dnsport
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$out"
	pidfile: ""
	logfile: "$out/unbound.log"
	use-syslog: no
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	num-threads: 1
	msg-cache-size: 16m
	rrset-cache-size: 16m
EOF
	cat "$out/zone.conf"
	echo "remote-control:"
	echo "	control-enable: no"
} >"$out/unbound.conf"
: >"$out/unbound.log"
# at the milters' nice value: both milters wait on its answers, and at -N -15
# against unbound's 0 every cold lookup queued behind the load (OpenDMARC,
# which asks for every message, most of all)
# (nice execs, so $! is unbound itself)
# shellcheck disable=SC2086
${nicev:+nice -n $nicev} unbound -d -c "$out/unbound.conf" \
    >"$out/unbound.out" 2>&1 &
ub_pid=$!
i=0
until grep -q "start of service" "$out/unbound.log"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$ub_pid" 2>/dev/null; then
		cat "$out/unbound.out" "$out/unbound.log"
		echo "unbound did not start"
		exit 1
	fi
	sleep 0.1
done
echo "# unbound on 127.0.0.1@$dnsport${odns:+ and $odns@53}"
case " $milters " in *" opendmarc "*)
	[ -n "$odns" ] || { echo "no free port 53 on 127.83.77.x"; exit 1; } ;;
esac
printf 'nameserver %s\noptions attempts:2 timeout:5\n' "$odns" \
    >"$out/resolv.conf"

# ------------------------------------------------------------ milters
echo 192.0.2.254 >"$out/ignorehosts"	# nothing of the corpus: all checked
cat >"$out/common.conf" <<EOF
AuthservID mx.bench.example
TrustedAuthservIDs mx.bench.example
PublicSuffixList $out/bench.psl
IgnoreHosts $out/ignorehosts
RejectFailures true
HoldQuarantinedMessages true
EOF
{ cat "$out/common.conf"
  echo "Nameservers 127.0.0.1@$dnsport"
  echo "HistoryFile $out/dmarcd.history"; } >"$out/dmarcd.conf"
{ cat "$out/common.conf"
  echo "Syslog false"
  echo "HistoryFile $out/opendmarc.history"; } >"$out/opendmarc.conf"

# sockspec - the socket of milter $1 on transport $2
sockspec() {
	if [ "$2" = unix ]; then
		echo "unix:$out/$1.sock"
	else
		echo "inet:$mport@127.0.0.1"
	fi
}

# start_milter NAME SOCKSPEC - start it; m_pid is the milter's own pid
# (nice, unshare and sh all exec, so $! is the milter itself)
start_milter() {
	rm -f "$out/$1.sock"
	pre=
	[ -n "$nicev" ] && pre="nice -n $nicev"
	case $1 in
	dmarcd) $pre "$DMARCD" -f -c "$out/dmarcd.conf" -p "$2" \
		    >>"$out/$1.log" 2>&1 & ;;
	null) $pre "$NULLF" -p "$2" >>"$out/$1.log" 2>&1 & ;;
	opendmarc)
		$pre unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
		    exec "$2" -f -c "$3" -p "$4"' sh "$out/resolv.conf" \
		    "$OPENDMARC" "$out/opendmarc.conf" "$2" \
		    >>"$out/$1.log" 2>&1 & ;;
	esac
	m_pid=$!
	i=0
	while [ $i -lt 100 ]; do
		if "$LOAD" -q -n 1 -T 5 -f "$out/probe.corpus" "$2" \
		    >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$m_pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "$1 did not start on $2:"
	tail -5 "$out/$1.log"
	return 1
}

# stop_milter - SIGTERM, wait; SIGKILL after 2 s (libmilter notices a
# stop only at its next 5-second poll, and the numbers are taken already)
stop_milter() {
	[ -n "$m_pid" ] || return 0
	kill "$m_pid" 2>/dev/null
	i=0
	while kill -0 "$m_pid" 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$m_pid" 2>/dev/null
	wait "$m_pid" 2>/dev/null
	m_pid=
}

# cpu_ticks PID - utime + stime in clock ticks
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# hwm_kb PID - peak resident set size
hwm_kb() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# one_run ROUND NAME TRANSPORT CONC - a run; a line in runs.tsv
one_run() {
	spec=$(sockspec "$2" "$3")
	start_milter "$2" "$spec" || { echo "$1	$2	$3	$4	FAILED" \
	    >>"$out/runs.tsv"; failed=1; return; }
	dump=
	[ "$1" -eq 1 ] && [ "$3" = unix ] && [ "$4" -eq 4 ] &&
	    dump="-o $out/$2.dump"
	c0=$(cpu_ticks "$m_pid")
	u0=$(cpu_ticks "$ub_pid")
	res=$(run_nice "$LOAD" -q -c "$4" -n "$nmsg" -d "$maxsecs" $dump \
	    -f "$corpus" "$spec") || failed=1
	c1=$(cpu_ticks "$m_pid")
	u1=$(cpu_ticks "$ub_pid")
	hwm=$(hwm_kb "$m_pid")
	stop_milter
	echo "$res" | awk -v r="$1" -v m="$2" -v t="$3" -v c="$4" \
	    -v cpu=$((c1 - c0)) -v ucpu=$((u1 - u0)) -v hz="$(getconf CLK_TCK)" -v hwm="$hwm" '
	    /^RESULT / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		ok = v["msgs"] - v["errors"]
		printf "%s\t%s\t%s\t%s\t%d\t%d\t%.3f\t%.1f\t%.3f\t%.3f\t%.4f\t%d\t%.4f\n",
		    r, m, t, c, v["msgs"], v["errors"], v["secs"], v["rate"],
		    v["p50_ms"], v["p99_ms"],
		    (ok > 0 ? cpu * 1000 / hz / ok : 0), hwm,
		    (ok > 0 ? ucpu * 1000 / hz / ok : 0)
	    }' | tee -a "$out/runs.tsv"
}

printf '# round\tmilter\ttransport\tconc\tmsgs\terrors\tsecs\tmsg/s\tp50ms\tp99ms\tcpu_ms/msg\thwm_kB\tdns_cpu_ms/msg\n' |
    tee "$out/runs.tsv"
echo "# load: $(cat /proc/loadavg)" | tee "$out/load.txt"
failed=0
mport=$(free_port $((26300 + $$ % 1000)))
r=1
while [ "$r" -le "$rounds" ]; do
	# rotate the milter order each round (interleaved comparison)
	set -- $milters
	k=1
	while [ $k -lt "$r" ]; do
		first=$1
		shift
		set -- "$@" "$first"
		k=$((k + 1))
	done
	order="$*"
	for t in $transports; do
		for c in $concs; do
			for m in $order; do
				one_run "$r" "$m" "$t" "$c"
			done
		done
	done
	r=$((r + 1))
done
echo "# load: $(cat /proc/loadavg)" | tee -a "$out/load.txt"

# ------------------------------------------------------------ summary
python3 "$bench/summary.py" "$out/runs.tsv" | tee "$out/summary.txt"
if [ -s "$out/dmarcd.dump" ] && [ -s "$out/opendmarc.dump" ]; then
	python3 "$bench/vdiff.py" "$out/dmarcd.dump" "$out/opendmarc.dump" \
	    >"$out/vdiff.txt"
	echo "# verdicts dmarcd vs opendmarc: $out/vdiff.txt"
	head -30 "$out/vdiff.txt"
fi
[ -n "$keep" ] && echo "# everything is in $out"
exit $failed
