# unbound.sh -- a private unbound and fake DNS servers for tests (sourced)
#
# SYNOPSIS
#	. "$top_srcdir/tests/integration/lib/unbound.sh"
#	udp_server MODE FILE	a UDP server on 127.0.0.1; its port in FILE
#	ub_start DIR ZONE	unbound with the lines of file ZONE, free port
#	ub_stop			stop it (kill and wait)
#
# DESCRIPTION
#	udp_server MODE FILE starts a python3 UDP server on a free port of
#	127.0.0.1, writes the port to FILE and leaves its pid in ${MODE}_pid:
#	"silent" reads queries and never answers, "slow" answers each query
#	with NODATA after 4 seconds, "closed" binds, writes its port and
#	exits (a port nobody serves; its pid is waited for here).  Returns 1
#	when no port appeared within 30 seconds (python3 can take seconds to
#	start on a loaded machine).
#
#	ub_start DIR ZONE writes DIR/unbound.conf -- a "server:" section
#	with what every test wants (no daemon, no chroot, no user change,
#	loopback access, iterator only, one thread, queries to localhost
#	allowed, log in DIR/unbound.log) followed by the lines of ZONE
#	(more server lines such as local-zone, local-data, log-queries, then
#	any forward-zone sections) and a closing "remote-control:" section
#	-- and starts Debian's unbound on 127.0.0.1 and a port derived from
#	the shell's pid, trying 8 ports.  On success UB_PORT is the port,
#	UB_NS "127.0.0.1@PORT" (dmarcd's Nameservers syntax) and ub_pid the
#	pid; on failure it returns 1 with unbound's output in
#	DIR/unbound.out.  The caller's EXIT trap should call ub_stop.
#
#	Used by tests/milter/dnsfaults.sh, tests/integration/resolver.sh,
#	tests/integration/kill.sh and tests/bench/soak.sh.

ub_pid=
UB_PORT=
UB_NS=

# udp_server - a fake DNS server on a free UDP port (see above)
udp_server() {
	python3 -c '
import socket, sys, threading, time
mode = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
if mode == "closed":
    sys.exit(0)
def late(q, a):
    time.sleep(4)
    # the query, as a response: QR set, no error, no answer (NODATA)
    s.sendto(q[:2] + bytes([q[2] | 0x80, 0]) + q[4:], a)
while True:
    q, a = s.recvfrom(4096)
    if mode == "slow" and len(q) >= 12:
        threading.Thread(target=late, args=(q, a), daemon=True).start()
' "$1" >"$2" &
	eval "${1}_pid=\$!"
	_i=0
	while [ ! -s "$2" ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ "$1" = closed ]; then
		wait "$closed_pid" 2>/dev/null
		closed_pid=
	fi
	[ -s "$2" ]
}

# ub_conf DIR ZONE PORT - write DIR/unbound.conf
ub_conf() {
	{
		cat <<EOF
server:
	interface: 127.0.0.1@$3
	port: $3
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$1"
	pidfile: ""
	logfile: "$1/unbound.log"
	use-syslog: no
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "iterator"
	num-threads: 1
EOF
		cat "$2"
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} >"$1/unbound.conf"
}

# ub_try DIR - start unbound on DIR/unbound.conf; 0 once it serves
ub_try() {
	: >"$1/unbound.log"
	unbound -d -c "$1/unbound.conf" >"$1/unbound.out" 2>&1 &
	ub_pid=$!
	_i=0
	while [ $_i -lt 300 ]; do
		grep -q "start of service" "$1/unbound.log" && return 0
		kill -0 "$ub_pid" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	kill "$ub_pid" 2>/dev/null
	wait "$ub_pid" 2>/dev/null
	ub_pid=
	cat "$1/unbound.log" >>"$1/unbound.out"
	return 1
}

# ub_start - unbound on a free port with the lines of $2 (see above)
ub_start() {
	_try=0
	while [ $_try -lt 8 ]; do
		UB_PORT=$((20000 + ($$ + _try * 7919) % 20000))
		ub_conf "$1" "$2" "$UB_PORT"
		if ub_try "$1"; then
			UB_NS=127.0.0.1@$UB_PORT
			return 0
		fi
		_try=$((_try + 1))
	done
	UB_PORT=
	return 1
}

# ub_stop - stop the unbound started by ub_start, if any
ub_stop() {
	[ -n "$ub_pid" ] || return 0
	kill "$ub_pid" 2>/dev/null
	wait "$ub_pid" 2>/dev/null
	ub_pid=
}
