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
