# mariadb.sh -- a private MariaDB server for tests (sourced)
#
# SYNOPSIS
#	. "$top_srcdir/tests/integration/lib/mariadb.sh"
#	mariadb_start || exit 77	start it (77: no server binaries)
#	trap mariadb_stop EXIT		stop it and remove its files
#	mariadb_sql "SELECT 1"		SQL as root on the test database
#	mariadb_root "CREATE ..."	SQL as root, no database selected
#	dsn=$(mariadb_createdb NAME)	another database; prints its DSN
#
# DESCRIPTION
#	mariadb_start installs a fresh data directory with mariadb-install-db
#	(normal root authentication, no password, no test database) under a
#	mktemp directory, starts mariadbd on a private unix socket and a
#	free loopback port (from 33060 + 5 * (pid % 400) up; the next free
#	one when another test binds it first), waits until it answers (60 s at
#	most), creates database "dmarc" and user dmarc/dmarcpw with all
#	rights on every database, and sets:
#	    MARIADB_DIR		the temporary directory (data, socket, log)
#	    MARIADB_SOCK	the unix socket
#	    MARIADB_PORT	the TCP port on 127.0.0.1
#	    MARIADB_DB		"dmarc"
#	    MARIADB_USER MARIADB_PASS	"dmarc", "dmarcpw"
#	    MARIADB_DSN		mysql://dmarc:dmarcpw@localhost/dmarc?socket=...
#	    MARIADB_DSN_TCP	mysql://dmarc:dmarcpw@127.0.0.1:PORT/dmarc
#	No option file is read (--no-defaults), so the system's my.cnf
#	cannot change the server.  Run as root the server runs as root
#	(--user=root): it only ever sees its own temporary directory.
#	mariadb_stop shuts it down (mariadb-admin, then SIGTERM to its own
#	pid), waits for it, and removes MARIADB_DIR; calling it twice is
#	harmless.  Its own shell variables start with _mdb_, so sourcing it
#	clobbers nothing.  The server's log is $MARIADB_DIR/error.log; on a failed
#	start its tail is printed on stderr.
#
# DIAGNOSTICS
#	mariadb_start returns 77 when mariadbd or mariadb-install-db is not
#	installed, 1 when the server does not come up.

MARIADB_DIR=
MARIADB_PID=

# mariadb_free_port - first TCP port from $1 nothing listens on
mariadb_free_port() {
	_mdb_p=$1
	while ss -Hltn "sport = :$_mdb_p" 2>/dev/null | grep -q .; do
		_mdb_p=$((_mdb_p + 1))
	done
	echo "$_mdb_p"
}

# mariadb_client - the mariadb client as root on our socket
mariadb_client() {
	mariadb --no-defaults -uroot --socket="$MARIADB_SOCK" "$@"
}

# mariadb_root - run SQL as root without a default database
mariadb_root() {
	mariadb_client -N -B -e "$1"
}

# mariadb_sql - run SQL as root in $MARIADB_DB, tab-separated output
mariadb_sql() {
	mariadb_client -N -B "$MARIADB_DB" -e "$1"
}

# mariadb_createdb - create database $1 and print its DSN (socket)
mariadb_createdb() {
	mariadb_root "CREATE DATABASE IF NOT EXISTS \`$1\`" || return 1
	echo "mysql://$MARIADB_USER:$MARIADB_PASS@localhost/$1?socket=$MARIADB_SOCK"
}

# mariadb_launch - start mariadbd on MARIADB_PORT and wait until it answers
mariadb_launch() {
	: >"$MARIADB_DIR/error.log"
	"$_mdb_d" --no-defaults --user="$_mdb_u" --datadir="$MARIADB_DIR/data" \
	    --socket="$MARIADB_SOCK" --port="$MARIADB_PORT" \
	    --bind-address=127.0.0.1 --pid-file="$MARIADB_DIR/mysqld.pid" \
	    --log-error="$MARIADB_DIR/error.log" --skip-log-bin \
	    --innodb-buffer-pool-size=64M --innodb-log-file-size=32M \
	    --innodb-flush-log-at-trx-commit=2 --max-connections=50 \
	    >/dev/null 2>&1 &
	MARIADB_PID=$!
	_mdb_n=0
	until mariadb-admin --no-defaults -uroot --socket="$MARIADB_SOCK" \
	    ping >/dev/null 2>&1; do
		_mdb_n=$((_mdb_n + 1))
		if [ $_mdb_n -gt 600 ] || ! kill -0 "$MARIADB_PID" 2>/dev/null; then
			tail -20 "$MARIADB_DIR/error.log" >&2
			wait "$MARIADB_PID" 2>/dev/null
			MARIADB_PID=
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# mariadb_start - see the file header
mariadb_start() {
	for _mdb_b in mariadbd mariadb-install-db mariadb-admin mariadb; do
		command -v "$_mdb_b" >/dev/null 2>&1 ||
		    [ -x "/usr/sbin/$_mdb_b" ] || return 77
	done
	_mdb_d=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	MARIADB_DIR=$(mktemp -d /tmp/dmarcd-mariadb.XXXXXX) || return 1
	MARIADB_SOCK=$MARIADB_DIR/mysqld.sock
	MARIADB_PORT=$(mariadb_free_port $((33060 + ($$ % 400) * 5)))
	MARIADB_DB=dmarc
	MARIADB_USER=dmarc
	MARIADB_PASS=dmarcpw
	_mdb_u=$(id -un)
	# a bootstrap that fails is tried once more on a fresh directory
	# (seen once in CI under distcheck load, cause not shown by the tail
	# of mariadb-install-db's help text: the log's error lines come first)
	for _mdb_try in 1 2; do
		rm -rf "$MARIADB_DIR/data"
		mariadb-install-db --no-defaults --user="$_mdb_u" \
		    --auth-root-authentication-method=normal --skip-test-db \
		    --datadir="$MARIADB_DIR/data" >"$MARIADB_DIR/install.log" \
		    2>&1 && break
		grep -i -E 'error|fail|warn' "$MARIADB_DIR/install.log" |
		    head -20 >&2
		[ "$_mdb_try" -lt 2 ] || return 1
	done
	# another test may take the port between the check and the bind:
	# then try the next free one (five times at most)
	for _mdb_try in 1 2 3 4 5; do
		mariadb_launch && break
		grep -q 'Address already in use' "$MARIADB_DIR/error.log" ||
		    return 1
		MARIADB_PORT=$(mariadb_free_port $((MARIADB_PORT + 1)))
		[ "$_mdb_try" -lt 5 ] || return 1
	done
	mariadb_root "CREATE DATABASE $MARIADB_DB;
	    CREATE USER '$MARIADB_USER'@'localhost' IDENTIFIED BY '$MARIADB_PASS';
	    CREATE USER '$MARIADB_USER'@'127.0.0.1' IDENTIFIED BY '$MARIADB_PASS';
	    GRANT ALL ON *.* TO '$MARIADB_USER'@'localhost';
	    GRANT ALL ON *.* TO '$MARIADB_USER'@'127.0.0.1';" || return 1
	MARIADB_DSN="mysql://$MARIADB_USER:$MARIADB_PASS@localhost/$MARIADB_DB?socket=$MARIADB_SOCK"
	MARIADB_DSN_TCP="mysql://$MARIADB_USER:$MARIADB_PASS@127.0.0.1:$MARIADB_PORT/$MARIADB_DB"
	export MARIADB_DIR MARIADB_SOCK MARIADB_PORT MARIADB_DB MARIADB_USER \
	    MARIADB_PASS MARIADB_DSN MARIADB_DSN_TCP
	return 0
}

# mariadb_stop - shut the server down and remove its directory
mariadb_stop() {
	[ -n "$MARIADB_DIR" ] || return 0
	if [ -n "$MARIADB_PID" ] && kill -0 "$MARIADB_PID" 2>/dev/null; then
		mariadb-admin --no-defaults -uroot --socket="$MARIADB_SOCK" \
		    shutdown >/dev/null 2>&1 || kill "$MARIADB_PID" 2>/dev/null
		_mdb_n=0
		while kill -0 "$MARIADB_PID" 2>/dev/null && [ $_mdb_n -lt 300 ]; do
			_mdb_n=$((_mdb_n + 1))
			sleep 0.1
		done
		kill -9 "$MARIADB_PID" 2>/dev/null
		wait "$MARIADB_PID" 2>/dev/null
	fi
	rm -rf "$MARIADB_DIR"
	MARIADB_DIR=
	MARIADB_PID=
}
