#!/bin/sh
# deps.sh -- install the Debian packages dmarcd needs to build and test
#
# SYNOPSIS
#	tools/deps.sh [-n] [extra-package...]
#
# DESCRIPTION
#	Asks dpkg-query which of the packages below are missing and installs
#	only those (apt-get update first, and only when something is
#	missing).  Running it again is a no-op.  Extra package names on the
#	command line are checked the same way (tools/check.sh --valgrind
#	passes "valgrind").  -n only prints what would be done.
#
#	The system's own postfix, opendmarc, unbound, nsd, mariadb and dovecot
#	services must not be left running: the tests start private
#	instances of them on their own ports.  When no policy-rc.d forbids
#	service starts, one is put in place for the length of the install,
#	and any of those services that an install started anyway is stopped.
#
# DIAGNOSTICS
#	Exits 1 with the list of missing packages when it cannot install
#	them (not root and no sudo, or apt-get failed).
#
# ENVIRONMENT
#	DMARCD_DEPS_NO_INSTALL=1 behaves like -n.

set -eu

# The one package list; keep it commented by purpose.
# build: compilers, autotools, clang for libFuzzer and its runtime
PKGS_BUILD="build-essential autoconf automake libtool pkg-config clang
	libclang-rt-14-dev"
# libs: every library configure.ac checks for (libjson-c-dev: TLS-RPT
# JSON for dmarc-ingest; libetpan-dev: its IMAP input, IDLE included;
# libmaxminddb-dev: its --geoip country lookups)
PKGS_LIBS="libmilter-dev libspf2-dev libopendkim-dev libxml2-dev
	libxml2-utils libmariadb-dev libsqlite3-dev libpsl-dev publicsuffix
	libidn2-dev zlib1g-dev libesmtp-dev libunbound-dev libevent-dev
	libjson-c-dev
	libetpan-dev libmaxminddb-dev"
# test peers: real DNS servers, MTA, milter tools, databases, the
# reference implementation, and what the test scripts call (libssl-dev:
# libcrypto makes the DKIM test keys at test time; libhttp-message-perl:
# opendmarc-reports 1.4.2 does not start without it, for
# tests/reports/bench-reports.sh)
PKGS_TEST="unbound nsd miltertest postfix swaks opendmarc mariadb-server
	sqlite3 python3 iproute2 procps groff-base
	chromium
	libssl-dev libhttp-message-perl"

# dmarc-ingest --imap: tests/ingest/imap.sh runs a private dovecot
PKGS_TEST="$PKGS_TEST dovecot-imapd"

# dmarc-ingest --geoip: tests/ingest/enrich.sh reads its test .mmdb with
# libmaxminddb's own mmdblookup too (a check of tests/tools/mkmmdb.py)
PKGS_TEST="$PKGS_TEST mmdb-bin"

# store: Debian's opendmarc-import (Perl) fills an OpenDMARC database that
# tests/reports/import.sh upgrades; /usr/bin/time for import-bench.sh
PKGS_TEST="$PKGS_TEST libdbd-mysql-perl libswitch-perl libjson-perl time"

# Services those packages may start on install (policy-rc.d names).
SERVICES="postfix opendmarc unbound nsd mariadb dovecot"

dryrun=${DMARCD_DEPS_NO_INSTALL:-0}
if [ "${1:-}" = "-n" ]; then
	dryrun=1
	shift
fi

say() { printf 'deps: %s\n' "$*"; }

# missing_pkgs - print the packages of "$@" that are not installed
missing_pkgs() {
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null ||
		    true)
		case "$st" in
		ii*) ;;
		*) printf '%s\n' "$p" ;;
		esac
	done
}

# running_services - print the services of $SERVICES that are running now
running_services() {
	for s in $SERVICES; do
		case $s in
		postfix) procs="master" ;;
		mariadb) procs="mariadbd mysqld" ;;
		*) procs=$s ;;
		esac
		for pr in $procs; do
			if pgrep -x "$pr" >/dev/null 2>&1; then
				printf '%s\n' "$s"
				break
			fi
		done
	done
}

# stop_services - stop the services in "$@" (service(8), else systemctl)
stop_services() {
	for s in "$@"; do
		say "stopping the system's $s service (tests run their own)"
		if command -v systemctl >/dev/null 2>&1 &&
		    [ -d /run/systemd/system ]; then
			$SUDO systemctl stop "$s" || true
			$SUDO systemctl disable "$s" >/dev/null 2>&1 || true
		else
			$SUDO service "$s" stop >/dev/null 2>&1 || true
		fi
	done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	say "dpkg-query not found: this script knows Debian (12) only" >&2
	exit 1
fi

# shellcheck disable=SC2086
missing=$(missing_pkgs $PKGS_BUILD $PKGS_LIBS $PKGS_TEST "$@" | tr '\n' ' ')
missing=${missing% }
# shellcheck disable=SC2086
total=$(printf '%s\n' $PKGS_BUILD $PKGS_LIBS $PKGS_TEST "$@" | wc -l)

if [ -z "$missing" ]; then
	say "all $total packages installed; nothing to do"
	running=$(running_services | tr '\n' ' ')
	[ -z "$running" ] ||
	    say "note: system services running: $running(the tests use their own instances on private ports)"
	exit 0
fi

if [ "$dryrun" = 1 ]; then
	say "would install: $missing"
	say "would run: apt-get update; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		say "missing packages: $missing" >&2
		say "not root and no sudo: install them as root with" >&2
		say "  apt-get install --no-install-recommends $missing" >&2
		exit 1
	fi
fi

before=$(running_services | tr '\n' ' ')

# Forbid service starts during the install unless a policy-rc.d already
# decides (Debian's docker images ship one that exits 101).
ourpolicy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	ourpolicy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\n# tools/deps.sh: no service starts during install\nexit 101\n' |
	    $SUDO tee "$ourpolicy" >/dev/null
	$SUDO chmod 755 "$ourpolicy"
	trap '$SUDO rm -f "$ourpolicy"' EXIT INT TERM
fi

case " $missing " in
*" postfix "*)
	echo "postfix postfix/main_mailer_type select No configuration" |
	    $SUDO debconf-set-selections
	;;
esac

say "installing: $missing"
# shellcheck disable=SC2086
if ! $SUDO apt-get update -q ||
    ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing; then
	say "FAILED to install: $missing" >&2
	exit 1
fi

# Stop what the install started (a service running before stays).
started=
for s in $(running_services); do
	case " $before " in
	*" $s "*) ;;
	*) started="$started $s" ;;
	esac
done
# shellcheck disable=SC2086
[ -z "$started" ] || stop_services $started

# shellcheck disable=SC2086
still=$(missing_pkgs $missing | tr '\n' ' ')
if [ -n "$still" ]; then
	say "FAILED: still missing after install: $still" >&2
	exit 1
fi
say "installed: $missing"
