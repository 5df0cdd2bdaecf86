#!/bin/sh
# db.sh -- dmarc-ingest into SQLite and a private MariaDB: every table
# checked field by field, ingesting twice changes nothing, a 20000-record
# report, invalid UTF-8 stored, failure samples stored as the mode says
: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/reports/dmarc-ingest
data=$top_srcdir/tests/data/ingest
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 missing"; exit 77; }
tmp=$(mktemp -d /tmp/ingest-db.XXXXXX)
pass=0
fail=0
n=0

# ok LABEL GOT WANT: tests/ingest/lib.sh
. "$top_srcdir/tests/ingest/lib.sh"

cleanup() {
	[ -n "${MARIADB_DIR:-}" ] && mariadb_stop
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# q - one query against backend $1 (sqlite:path or mysql), '|'-separated
q() {
	case $1 in
	sqlite:*) sqlite3 -separator '|' "${1#sqlite:}" "$2" ;;
	*) mariadb_sql "$2" | tr '\t' '|' ;;
	esac
}

# suite - the same checks on one backend: $1 label, $2 dsn, $3 query key
suite() {
	label=$1 dsn=$2 key=$3
	"$bin" -q -d "$dsn" "$data"/q*
	ok "$label: batch with negatives exits 1" "$?" 1
	counts="SELECT (SELECT COUNT(*) FROM rua_reports), (SELECT COUNT(*) FROM rua_records), (SELECT COUNT(*) FROM rua_auth), (SELECT COUNT(*) FROM ruf_reports), (SELECT COUNT(*) FROM tls_reports), (SELECT COUNT(*) FROM tls_policies), (SELECT COUNT(*) FROM tls_failures)"
	first=$(q "$key" "$counts")
	summary=$("$bin" -q -v -d "$dsn" "$data"/q* 2>&1 | tail -1)
	ok "$label: second run changes nothing" "$(q "$key" "$counts")" "$first"
	r=$(echo "$summary" | sed -n 's/.* \([0-9]*\) reports (.*), \([0-9]*\) duplicates.*/\1 \2/p')
	case $r in
	"49 49") r=yes ;;
	*) r="$summary" ;;
	esac
	ok "$label: second run: every report a duplicate" "$r" yes
	ok "$label: 20000 records of the large report" "$(q "$key" "SELECT r.records, r.messages, COUNT(x.id) FROM rua_reports r JOIN rua_records x ON x.report = r.id WHERE r.report_id = 'q-large' GROUP BY r.id, r.records, r.messages")" "20000|79997|20000"
	ok "$label: two zip members, two reports" "$(q "$key" "SELECT COUNT(*) FROM rua_reports WHERE report_id = 'q-0002'")" 1
	ok "$label: report id as sent" "$(q "$key" "SELECT COUNT(*) FROM rua_reports WHERE report_id = '<example.com.1700000000.42@dmarc.receiver.example>'")" 1
}

# fields - field checks on fresh databases: $1 label, $2 dsn maker
fields() {
	label=$1
	d=$($2 f1)
	"$bin" -q -d "$d" "$data/q28-multi-auth.xml"
	ok "$label: rua_reports row" "$(q "$d" "SELECT org_name, report_id, policy_domain, begin_time, end_time, org_email, xml_schema, adkim, aspf, p, sp, np, pct, fo, records, messages, container FROM rua_reports")" \
	    "Example Receiver|q-0001|example.com|1700000000|1700086399|dmarc@receiver.example|1.0|r|r|reject|reject|reject|100|0|1|1|xml"
	ok "$label: rua_records row" "$(q "$d" "SELECT source_ip, count, disposition, dkim, spf, dkim_aligned, spf_aligned, dmarc_aligned, header_from, envelope_from, envelope_to FROM rua_records")" \
	    "192.0.2.1|1|none|pass|pass|1|1|1|example.com|bounce.example.com|receiver.example"
	ok "$label: rua_auth rows" "$(q "$d" "SELECT kind, domain, COALESCE(selector_or_scope,'-'), result, COALESCE(human_result,'-') FROM rua_auth ORDER BY id" | tr '\n' ';')" \
	    "dkim|example.com|a|pass|good;dkim|esp.example|-|pass|-;spf|mail.example.com|helo|pass|-;spf|bounce.example.com|mfrom|fail|-;"
	d=$($2 f2)
	"$bin" -q -d "$d" "$data/q31-mx-host.json" "$data/q32-oddities.json"
	ok "$label: tls_reports rows" "$(q "$d" "SELECT org_name, report_id, begin_time, end_time, COALESCE(contact_info,'-') FROM tls_reports ORDER BY id" | tr '\n' ';')" \
	    "Example TLS Reporter|2023-11-14T00:00:00Z_example.com|1699920000|1700006399|tlsrpt@reporter.example;"
	ok "$label: tls_reports: same key, second report a duplicate" "$(q "$d" "SELECT COUNT(*) FROM tls_policies")" 2
	ok "$label: tls_policies: mx-host and mx-host-pattern kept" "$(q "$d" "SELECT policy_domain, sts_mode, mx_hosts, mx_host_patterns, successful, failed FROM tls_policies WHERE policy_domain = 'example.net'")" \
	    "example.net|testing|mx.example.net|*.example.net|5|0"
	ok "$label: tls_failures row" "$(q "$d" "SELECT result_type, failed_session_count, sending_mta_ip, receiving_mx_hostname FROM tls_failures")" \
	    "certificate-expired|1|192.0.2.9|mx1.example.com"
	d=$($2 f3)
	"$bin" -q -d "$d" --samples=redacted "$data/q35-sample-pii.eml"
	"$bin" -q -d "$d" --samples=all "$data/q07-arf-base64.eml"
	"$bin" -q -d "$d" --samples=none "$data/q09-plain-text.eml"
	ok "$label: ruf_reports rows" "$(q "$d" "SELECT feedback_type, source_ip, reported_domain, arrival, COALESCE(auth_failure, ''), delivery_result, sample_mode, plain_text FROM ruf_reports ORDER BY id" | tr '\n' ';')" \
	    "auth-failure|192.0.2.77|example.com|1699884001|dmarc|reject|redacted|0;auth-failure|192.0.2.77|example.com|1699884001|dmarc|reject|all|0;auth-failure|192.0.2.66|example.com|1699866000||Reject|none|1;"
	ok "$label: redacted sample keeps no local part or body" "$(q "$d" "SELECT (sample LIKE '%alice.smith%') + (sample LIKE '%secret%'), sample LIKE '%From: Alice Smith <*@example.com>%' FROM ruf_reports WHERE sample_mode = 'redacted'")" "0|1"
	ok "$label: full sample kept" "$(q "$d" "SELECT sample LIKE '%Pay the attached invoice%' FROM ruf_reports WHERE sample_mode = 'all'")" 1
	ok "$label: no sample" "$(q "$d" "SELECT COUNT(*) FROM ruf_reports WHERE sample_mode = 'none' AND sample IS NULL")" 1
	d=$($2 f4)
	"$bin" -q -d "$d" "$data/q16-invalid-utf8.xml"
	ok "$label: invalid UTF-8 stored as U+FFFD" "$(q "$d" "SELECT HEX(org_name) FROM rua_reports")" "426164EFBFBDEFBFBD4279746573"
	"$bin" -q -d "$d" "$data/q16-windows-1252.xml"
	ok "$label: windows-1252 stored as UTF-8" "$(q "$d" "SELECT HEX(org_name) FROM rua_reports WHERE org_name LIKE 'Caf%'")" "436166C3A9204D61696C"
}

sqlite_db() {
	echo "sqlite:$tmp/$1.db"
}

suite sqlite "sqlite:$tmp/all.db" "sqlite:$tmp/all.db"
fields sqlite sqlite_db

. "$top_srcdir/tests/integration/lib/mariadb.sh"
if mariadb_start; then
	mariadb_db() {
		mariadb_createdb "$1"
	}
	suite mariadb "$MARIADB_DSN" mysql
	q_db=
	# field checks query their own database through the root client
	q() {
		case $1 in
		sqlite:*) sqlite3 -separator '|' "${1#sqlite:}" "$2" ;;
		mysql) mariadb_sql "$2" | tr '\t' '|' ;;
		*) db=${1%%\?*}; db=${db##*/}
		   mariadb_client -N -B "$db" -e "$2" | tr '\t' '|' ;;
		esac
	}
	fields mariadb mariadb_db
else
	echo "# MariaDB not started: its half skipped"
	n=$((n + 1))
	echo "ok $n # SKIP mariadb"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
