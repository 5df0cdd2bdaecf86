# postfix.sh -- a private Postfix instance for integration tests (sourced)
#
# SYNOPSIS
#	. "$top_srcdir/tests/integration/lib/postfix.sh"
#	port=$(free_port 25025)
#	pf_init DIR SMTPPORT RELAYHOST MILTER	write DIR/etc/{main,master}.cf
#	pf_start DIR / pf_stop DIR		postfix -c DIR/etc start|stop
#	pf_queue DIR				postqueue -j (one JSON per message)
#	pf_wait_idle DIR SECONDS		until no message is in flight
#	wait_port PORT SECONDS			until something listens there
#	pf_require, pf_harness, result, pf_sink, start_milter,
#	stop_milter, pf_up, pf_finish		the shared test harness (below)
#
# DESCRIPTION
#	Everything the instance writes lives under DIR: configuration
#	(DIR/etc), queue (DIR/spool), data (DIR/data) and the log
#	(DIR/maillog, through the postlog service).  The SMTP server listens
#	on 127.0.0.1:SMTPPORT only; the default "smtp inet" listener on
#	port 25 is commented out and no service is chrooted.  Everything not
#	local is relayed to RELAYHOST ("[127.0.0.1]:PORT").  MILTER is the
#	smtpd_milters value; a milter that is down tempfails mail
#	(milter_default_action = tempfail).  Must run as root, like Postfix.

# free_port - first TCP port from $1 on that nothing listens on
free_port() {
	p=$1
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

# wait_port - wait up to $2 seconds for a listener on 127.0.0.1:$1
wait_port() {
	n=0
	while ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; do
		n=$((n + 1))
		[ $n -gt $(($2 * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# pf_init - create the instance's directories and configuration
pf_init() {
	dir=$1
	mkdir -p "$dir/etc" "$dir/spool" "$dir/data" || return 1
	chmod 755 "$dir"
	chown postfix "$dir/data" || return 1
	cp /etc/postfix/master.cf "$dir/etc/master.cf" || return 1
	# no chroot anywhere, no port 25 listener, our own listener
	awk -v port="$2" '
		/^#/ || /^[ \t]/ || NF < 8 { print; next }
		$1 == "smtp" && $2 == "inet" { print "#" $0; next }
		{ $5 = "n"; print }
		END { print "127.0.0.1:" port " inet n - n - - smtpd" }
	' /etc/postfix/master.cf >"$dir/etc/master.cf"
	cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-dmarcd-test
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mx.test
mydomain = test
myorigin = mx.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
relayhost = $3
default_transport = smtp
relay_transport = smtp
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_milters = $4
non_smtpd_milters =
milter_default_action = tempfail
smtp_connection_cache_on_demand = no
EOF
}

# pf_start - check the configuration (creating missing queue
# directories) and start the instance
pf_start() {
	postfix -c "$1/etc" check || return 1
	postfix -c "$1/etc" start
}

# pf_stop - stop the instance (quietly when it is not running)
pf_stop() {
	postfix -c "$1/etc" stop >/dev/null 2>&1
}

# pf_queue - the queue, one JSON object per message
pf_queue() {
	postqueue -c "$1/etc" -j 2>/dev/null
}

# pf_wait_idle - wait up to $2 seconds until every message left the
# incoming/active/deferred queues (held messages stay)
pf_wait_idle() {
	n=0
	while pf_queue "$1" | grep -qv '"queue_name": *"hold"'; do
		n=$((n + 1))
		[ $n -gt $(($2 * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# ---------------------------------------------------------------------------
# The harness postfix.sh and postfix-dkim.sh share: a scratch directory,
# the EXIT trap, PASS/FAIL counting, three free ports, the smtp-sink
# behind Postfix, the milter on an inet: socket and the instance itself.
#
#	pf_require PROG...	exit 77 unless every PROG is installed, we
#				are root and $DMARCD is built
#	pf_harness NAME BASE	$dir = a new mktemp directory (NAME in its
#				name), the EXIT trap (pf_cleanup), the
#				counters; free ports $mport (milter),
#				$sport (Postfix smtpd), $sinkport from BASE
#	result OK|FAIL WHAT [DETAIL]	count and print one check
#	pf_sink			smtp-sink on $sinkport, a file per message
#				in $dir/sink; $sink_pid
#	start_milter PROG CONF	PROG -f -v -c CONF on inet:$mport; 0 once
#				it listens; $milter_pid; log $dir/milter.log
#	stop_milter		SIGTERM it and wait
#	pf_up			pf_init + pf_start with the milter on
#				$mport and the sink as relay; 0 once smtpd
#				listens (the output in $dir/postfix-start.log)
#	pf_finish		"N passed, N failed"; on a failure the
#				tails of the milter log and the maillog;
#				exit 0 or 1
#	KEEP=1 in the environment keeps $dir.

# pf_require - skip the test unless everything it needs is there
pf_require() {
	for _p in "$@"; do
		command -v "$_p" >/dev/null 2>&1 ||
		    { echo "SKIP: $_p not installed"; exit 77; }
	done
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: Postfix needs root"; exit 77; }
	[ -x "$DMARCD" ] || { echo "SKIP: $DMARCD not built"; exit 77; }
}

# pf_harness - scratch directory, trap, counters and ports (see above)
pf_harness() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/dmarcd-$1.XXXXXX") || exit 1
	milter_pid=
	sink_pid=
	pf_started=
	npass=0
	nfail=0
	trap pf_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	mport=$(free_port "$2")
	sport=$(free_port $((mport + 1)))
	sinkport=$(free_port $((sport + 1)))
}

# pf_cleanup - stop everything the test started, then remove its files
pf_cleanup() {
	[ -n "$pf_started" ] && pf_stop "$dir"
	stop_milter
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2>/dev/null
		wait "$sink_pid" 2>/dev/null
	fi
	[ -n "$KEEP" ] || rm -rf "$dir"
}

# result - count one check: result OK|FAIL what [detail]
result() {
	if [ "$1" = OK ]; then
		npass=$((npass + 1))
		echo "PASS: $2"
	else
		nfail=$((nfail + 1))
		echo "FAIL: $2${3:+: $3}"
	fi
}

# pf_sink - smtp-sink on $sinkport writing $dir/sink/; 0 once it listens
pf_sink() {
	mkdir "$dir/sink" && chown postfix "$dir/sink" || return 1
	smtp-sink -u postfix -d "$dir/sink/%M." "127.0.0.1:$sinkport" 100 \
	    >"$dir/sink.log" 2>&1 &
	sink_pid=$!
	wait_port "$sinkport" 10
}

# start_milter - run $1 (dmarcd or opendmarc) with config $2 on $mport
start_milter() {
	"$1" -f -v -c "$2" -p "inet:$mport@127.0.0.1" \
	    >>"$dir/milter.log" 2>&1 &
	milter_pid=$!
	wait_port "$mport" 10
}

# stop_milter - SIGTERM the running milter and wait for it
stop_milter() {
	if [ -n "$milter_pid" ]; then
		kill "$milter_pid" 2>/dev/null
		wait "$milter_pid" 2>/dev/null
		milter_pid=
	fi
}

# pf_up - the instance with our milter and the sink; 0 once smtpd listens
pf_up() {
	pf_init "$dir" "$sport" "[127.0.0.1]:$sinkport" \
	    "inet:127.0.0.1:$mport" || return 1
	if ! pf_start "$dir" >"$dir/postfix-start.log" 2>&1; then
		cat "$dir/postfix-start.log"
		echo "postfix did not start"
		return 1
	fi
	pf_started=yes
	wait_port "$sport" 15 || { echo "postfix smtpd not listening"; return 1; }
}

# pf_finish - the summary line; logs on failure; the exit status
pf_finish() {
	echo "$npass passed, $nfail failed"
	if [ "$nfail" -ne 0 ]; then
		sed 's/^/#   milter: /' "$dir/milter.log" | tail -30
		sed 's/^/#   maillog: /' "$dir/maillog" | tail -30
		exit 1
	fi
	exit 0
}
