# daemon.sh -- start, probe and stop dmarcd (the daemon) on TCP, for tests
#
# Sourced by tests/milter/dnsfaults.sh, privdrop.sh, and (through
# lib/probetest.sh) protocol.sh and histfile.sh, and
# (stop_dmarcd) by tests/integration/kill.sh.  Needs $DMARCD, $PROBE
# (tests/tools/milterprobe) and the scratch dir $tmp; sets $pid and $port.
# dmarcd's stdout goes to $tmp/dmarcd.out, its log to $tmp/dmarcd.log.

# listening PORT - something listens on TCP PORT of 127.0.0.1
listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

# start_dmarcd CONF [OPTION...] - dmarcd -f on a free port (3 tries: a
# port can be taken between the check and the bind); 0 once it listens
start_dmarcd() {
	conf=$1
	shift
	for attempt in 1 2 3; do
		port=$((30000 + ($$ * 7 + attempt * 104729) % 30000))
		listening "$port" && continue
		"$DMARCD" -f -c "$conf" -p "inet:$port@127.0.0.1" "$@" \
		    >>"$tmp/dmarcd.out" 2>>"$tmp/dmarcd.log" &
		pid=$!
		i=0
		while [ $i -lt 150 ]; do
			listening "$port" && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	pid=
	return 1
}

# stop_dmarcd [SECONDS] - SIGTERM; 0 when it exited with status 0
# within SECONDS (default 10)
stop_dmarcd() {
	kill "$pid" 2>/dev/null || return 1
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt $((${1:-10} * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null && { wait "$pid"; pid=; return 1; }
	wait "$pid"
	st=$?
	pid=
	return $st
}

# wait_log PATTERN - until dmarcd's log has a line matching PATTERN (grep
# -E), 5 seconds at most; 0 when it came
wait_log() {
	i=0
	while ! grep -Eq -- "$1" "$tmp/dmarcd.log" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -Eq -- "$1" "$tmp/dmarcd.log"
}

# probe NAME DOMAIN - one message From a@DOMAIN (envelope bounce@DOMAIN,
# client 192.0.2.10); milterprobe's replies in $tmp/NAME.out
probe() {
	printf 'From: <a@%s>\r\nTo: <b@mx.test>\r\nSubject: t\r\nDate: Mon, 1 Dec 2025 12:00:00 +0000\r\n\r\nbody\r\n' \
	    "$2" >"$tmp/$1.eml"
	"$PROBE" -T 30 -i "$1-" -a 192.0.2.10 -H client.example \
	    -s "bounce@$2" -m "$tmp/$1.eml" "inet:$port@127.0.0.1" \
	    >"$tmp/$1.out" 2>&1
}

# got NAME REGEX - the probe's replies match
got() { grep -Eq "$2" "$tmp/$1.out"; }
