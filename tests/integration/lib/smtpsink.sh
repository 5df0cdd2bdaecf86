# smtpsink.sh -- Postfix's smtp-sink as a test SMTP receiver (sourced)
#
# SYNOPSIS
#	. "$top_srcdir/tests/integration/lib/smtpsink.sh"
#	smtpsink_start DIR [smtp-sink option...]	sets SMTPSINK_PORT
#	smtpsink_stop
#	smtpsink_count DIR			messages received whole so far
#	smtpsink_wait DIR N SECONDS		until N messages are there
#	smtpsink_message FILE			the message as sent
#	smtpsink_rcpts FILE			the RCPT TO addresses
#
# DESCRIPTION
#	smtpsink_start starts smtp-sink on 127.0.0.1 on the first free port
#	from SMTPSINK_BASEPORT (default 20000 plus the shell's pid modulo
#	20000, so parallel tests rarely meet), writing each mail
#	transaction to its own file DIR/msg/MM.RANDOM (-d, one file per
#	message, written when the client sends the final "."), and its
#	-v log to DIR/sink.log.  Extra options go to smtp-sink: -r CMD
#	answers CMD with 4xx, -f CMD with 5xx, -W CMD:SECONDS delays the
#	reply, -q CMD disconnects.  smtp-sink never offers STARTTLS.
#	SMTPSINK_PID holds the process id; smtpsink_stop kills exactly that
#	process.  A caller's cleanup trap should call smtpsink_stop.
#
#	smtpsink_message prints a dump file without smtp-sink's own
#	records (X-Client-Addr ... X-Rcpt-Args and its three-line
#	Received:) and without the empty line smtp-sink appends: the
#	message as the client sent it, dot-unstuffed, with LF line ends.

SMTPSINK_PORT=
SMTPSINK_PID=

# smtpsink_free_port - first port from $1 on that nothing listens on
smtpsink_free_port() {
	p=$1
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

# smtpsink_wait_port - wait up to $2 seconds for a listener on port $1
smtpsink_wait_port() {
	n=0
	while ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; do
		n=$((n + 1))
		[ $n -gt $(($2 * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# smtpsink_start - start a sink writing under DIR; extra args to smtp-sink
smtpsink_start() {
	sdir=$1
	shift
	mkdir -p "$sdir/msg" || return 1
	chown "$(id -un)" "$sdir/msg" || return 1
	base=${SMTPSINK_BASEPORT:-$((20000 + $$ % 20000))}
	tries=0
	while [ $tries -lt 5 ]; do
		SMTPSINK_PORT=$(smtpsink_free_port "$base")
		smtp-sink -v -u "$(id -un)" -d "$sdir/msg/%M." "$@" \
		    "127.0.0.1:$SMTPSINK_PORT" 10 >>"$sdir/sink.log" 2>&1 &
		SMTPSINK_PID=$!
		if smtpsink_wait_port "$SMTPSINK_PORT" 5 &&
		    kill -0 "$SMTPSINK_PID" 2>/dev/null; then
			return 0
		fi
		kill "$SMTPSINK_PID" 2>/dev/null
		wait "$SMTPSINK_PID" 2>/dev/null
		SMTPSINK_PID=
		base=$((SMTPSINK_PORT + 1))
		tries=$((tries + 1))
	done
	echo "smtp-sink did not start (see $sdir/sink.log)" >&2
	return 1
}

# smtpsink_stop - stop the sink started last (quietly when none)
smtpsink_stop() {
	if [ -n "$SMTPSINK_PID" ]; then
		kill "$SMTPSINK_PID" 2>/dev/null
		wait "$SMTPSINK_PID" 2>/dev/null
		SMTPSINK_PID=
	fi
}

# smtpsink_count - number of messages received whole under DIR: smtp-sink
# opens a message's dump file when the transaction starts and closes it
# after the final ".", so files it still holds open are not counted
# (counting them raced the readers of the file under load)
smtpsink_count() {
	all=$(find "$1/msg" -type f 2>/dev/null | wc -l)
	open=0
	if [ -n "$SMTPSINK_PID" ] && [ -d "/proc/$SMTPSINK_PID/fd" ]; then
		d=$(cd "$1/msg" 2>/dev/null && pwd -P)
		[ -n "$d" ] && open=$(ls -l "/proc/$SMTPSINK_PID/fd" 2>/dev/null |
		    grep -c -- "-> $d/")
	fi
	echo $((all - open))
}

# smtpsink_wait - wait up to $3 seconds for $2 messages under DIR $1
smtpsink_wait() {
	n=0
	while [ "$(smtpsink_count "$1")" -lt "$2" ]; do
		n=$((n + 1))
		[ $n -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# smtpsink_message - the message in dump file $1, as the client sent it
smtpsink_message() {
	awk '
		state == 0 && /^X-[A-Za-z-]*: / { next }
		state == 0 && /^Received: / { state = 1; next }
		state == 1 && /^[ \t]/ { next }
		{ state = 2; if (have) print held; held = $0; have = 1 }
		END { if (have && held != "") print held }
	' "$1"
}

# smtpsink_rcpts - the RCPT TO addresses of dump file $1, one per line
smtpsink_rcpts() {
	sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$1"
}
