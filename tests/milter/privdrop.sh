#!/bin/sh
# privdrop.sh -- dmarcd (the daemon) under UserID and ChangeRootDirectory
#
# SYNOPSIS
#	make check TESTS=tests/milter/privdrop.sh
#
# DESCRIPTION
#	Starts dmarcd as root on TCP with UserID nobody and
#	ChangeRootDirectory set to an empty scratch directory (no etc/, no
#	passwd: UserID must be looked up before the chroot), and its policy
#	data in a zone file outside that directory (read before the chroot).
#	milterprobe sends a message that fails p=reject, then checks:
#
#	  - the verdict (550) and the history record, written to HistoryFile
#	    inside the new root;
#	  - /proc/PID/status: every uid is nobody's and every gid nogroup's,
#	    no supplementary group but that one, no capability left;
#	  - /proc/PID/root is the new root;
#	  - a reload (SIGHUP) finds no configuration inside the new root:
#	    logged, the running one kept, the next message still judged;
#	  - dmarcd stops cleanly.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (not root, or no user
#	nobody), 99 set-up failure.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
PATH="$PATH:/usr/sbin:/sbin"
DMARCD=$top_builddir/milter/dmarcd
PROBE=$top_builddir/tests/tools/milterprobe

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chroot, setuid)"; exit 77; }
nuid=$(id -u nobody 2>/dev/null) || { echo "SKIP: no user nobody"; exit 77; }
ngid=$(id -g nobody)
command -v ss >/dev/null 2>&1 || { echo "SKIP: ss missing (iproute2)"; exit 77; }
[ -x "$DMARCD" ] && [ -x "$PROBE" ] || { echo "ERROR: not built"; exit 99; }

# LeakSanitizer reads /proc/PID/task at exit, which the new root has not: in
# a sanitizer build it would fail the exit; the other daemon tests check leaks
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/privdrop-test.XXXXXX") || exit 99
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$top_srcdir/tests/lib/tap.sh"

# the new root: empty but for a directory nobody may write the history to
mkdir -p "$tmp/root/var" || exit 99
chown "$nuid:$ngid" "$tmp/root/var" || exit 99
chmod 755 "$tmp" "$tmp/root"
printf '_dmarc.example.org. IN TXT "v=DMARC1; p=reject"\n' >"$tmp/zone"
cat >"$tmp/dmarcd.conf" <<EOF
AuthservID mx.test
TestDNSData $tmp/zone
RejectFailures yes
HistoryFile /var/dmarcd.history
UserID nobody
ChangeRootDirectory $tmp/root
EOF

. "$top_srcdir/tests/milter/lib/daemon.sh"

# status_ids KEY - the four ids of a /proc/PID/status line, one string
status_ids() { awk -v k="$1:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$pid/status"; }

if ! start_dmarcd "$tmp/dmarcd.conf"; then
	notok "dmarcd starts with UserID nobody and ChangeRootDirectory"
	sed 's/^/# dmarcd: /' "$tmp/dmarcd.log"
	echo "1..$((pass + fail))"
	exit 1
fi
ok "dmarcd starts with UserID nobody and ChangeRootDirectory (no passwd inside)"

probe first example.org
check "a p=reject failure is refused: 550" got first '^eom: replycode 550 '
check "its history record is in HistoryFile inside the new root" \
    grep -q '^job first-' "$tmp/root/var/dmarcd.history"
check "the record file belongs to nobody" \
    [ "$(stat -c %u "$tmp/root/var/dmarcd.history")" = "$nuid" ]

same_ids() {
	if [ "$1" = "$2" ]; then ok "$3"; else
		notok "$3"; echo "#   got:  $1"; echo "#   want: $2"; fi
}
same_ids "$(status_ids Uid)" "$nuid $nuid $nuid $nuid" \
    "real, effective, saved and file uid are nobody's"
same_ids "$(status_ids Gid)" "$ngid $ngid $ngid $ngid" \
    "every gid is nobody's group"
same_ids "$(awk '$1 == "Groups:" { $1 = ""; print substr($0, 2) }' \
    "/proc/$pid/status")" "$ngid" "no supplementary group but that one"
same_ids "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$pid/status")" \
    0000000000000000 "no effective capability left"
same_ids "$(readlink "/proc/$pid/root")" "$tmp/root" \
    "the process root is ChangeRootDirectory"

# a reload inside the new root: no configuration there
kill -HUP "$pid"
wait_log 'reload failed'
check "SIGHUP: the missing configuration inside the new root is logged" \
    grep -q 'reload failed, keeping the running configuration' \
    "$tmp/dmarcd.log"
check "dmarcd still running after the failed reload" kill -0 "$pid"
probe second example.org
check "the next message is still judged: 550" got second '^eom: replycode 550 '

check "dmarcd stops on SIGTERM with status 0 within 10 s" stop_dmarcd
check "no sanitizer report in dmarcd's log" \
    eval '! grep -Eq "Sanitizer|runtime error:" "$tmp/dmarcd.log"'
if [ "$fail" -ne 0 ]; then
	sed 's/^/# dmarcd: /' "$tmp/dmarcd.log" | tail -20
fi
echo "1..$((pass + fail))"
[ "$fail" -eq 0 ]
