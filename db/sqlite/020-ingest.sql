-- 020-ingest.sql -- received reports (dmarc-ingest), SQLite
--
-- The same tables as db/mysql/020-ingest.sql, which explains each column.
-- Times are INTEGER Unix seconds (UTC); booleans 0/1.

CREATE TABLE IF NOT EXISTS rua_reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	org_name VARCHAR(200) NOT NULL,
	report_id VARCHAR(255) NOT NULL,
	policy_domain VARCHAR(253) NOT NULL,
	begin_time INTEGER NOT NULL,
	end_time INTEGER NOT NULL,
	org_email VARCHAR(255) NULL,
	extra_contact_info TEXT NULL,
	generator VARCHAR(255) NULL,
	xml_schema VARCHAR(32) NOT NULL DEFAULT '',
	xml_namespace VARCHAR(255) NULL,
	adkim CHAR(1) NOT NULL DEFAULT 'r',
	aspf CHAR(1) NOT NULL DEFAULT 'r',
	p VARCHAR(16) NULL,
	sp VARCHAR(16) NULL,
	np VARCHAR(16) NULL,
	pct INTEGER NULL,
	fo VARCHAR(16) NULL,
	testing VARCHAR(8) NULL,
	discovery_method VARCHAR(16) NULL,
	errors TEXT NULL,
	container VARCHAR(128) NOT NULL DEFAULT '',
	records INTEGER NOT NULL DEFAULT 0,
	messages INTEGER NOT NULL DEFAULT 0,
	received INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rua_reports_key
	ON rua_reports (org_name, report_id, policy_domain, begin_time, end_time);
CREATE INDEX IF NOT EXISTS rua_reports_domain_time
	ON rua_reports (policy_domain, begin_time);

CREATE TABLE IF NOT EXISTS rua_records (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	report INTEGER NOT NULL,
	source_ip VARCHAR(64) NOT NULL DEFAULT '',
	count INTEGER NOT NULL DEFAULT 0,
	disposition VARCHAR(16) NULL,
	dkim VARCHAR(16) NULL,
	spf VARCHAR(16) NULL,
	dkim_aligned INTEGER NOT NULL DEFAULT 0,
	spf_aligned INTEGER NOT NULL DEFAULT 0,
	dmarc_aligned INTEGER NOT NULL DEFAULT 0,
	reasons VARCHAR(255) NULL,
	comments TEXT NULL,
	header_from VARCHAR(255) NULL,
	envelope_from VARCHAR(255) NULL,
	envelope_to VARCHAR(255) NULL,
	reverse_dns VARCHAR(255) NULL,
	base_domain VARCHAR(255) NULL,
	country CHAR(2) NULL
);
CREATE INDEX IF NOT EXISTS rua_records_report ON rua_records (report);
CREATE INDEX IF NOT EXISTS rua_records_source ON rua_records (source_ip);

CREATE TABLE IF NOT EXISTS rua_auth (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	record INTEGER NOT NULL,
	kind CHAR(4) NOT NULL,
	domain VARCHAR(255) NULL,
	selector_or_scope VARCHAR(255) NULL,
	result VARCHAR(16) NULL,
	human_result TEXT NULL
);
CREATE INDEX IF NOT EXISTS rua_auth_record ON rua_auth (record);

CREATE TABLE IF NOT EXISTS ruf_reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	digest CHAR(16) NOT NULL,
	received INTEGER NOT NULL,
	feedback_type VARCHAR(32) NOT NULL DEFAULT 'auth-failure',
	user_agent VARCHAR(255) NULL,
	version VARCHAR(16) NULL,
	arrival INTEGER NULL,
	arrival_date VARCHAR(128) NULL,
	reporting_mta VARCHAR(255) NULL,
	source_ip VARCHAR(64) NULL,
	original_envelope_id VARCHAR(255) NULL,
	original_mail_from VARCHAR(255) NULL,
	original_rcpt_to VARCHAR(255) NULL,
	reported_domain VARCHAR(253) NULL,
	delivery_result VARCHAR(32) NULL,
	auth_failure VARCHAR(255) NULL,
	identity_alignment VARCHAR(255) NULL,
	dkim_domain VARCHAR(255) NULL,
	dkim_selector VARCHAR(255) NULL,
	spf_dns TEXT NULL,
	authentication_results TEXT NULL,
	subject TEXT NULL,
	message_id VARCHAR(255) NULL,
	plain_text INTEGER NOT NULL DEFAULT 0,
	sample_mode VARCHAR(8) NOT NULL DEFAULT 'none',
	sample TEXT NULL,
	errors TEXT NULL,
	container VARCHAR(128) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS ruf_reports_digest ON ruf_reports (digest);
CREATE INDEX IF NOT EXISTS ruf_reports_domain_time
	ON ruf_reports (reported_domain, arrival);

CREATE TABLE IF NOT EXISTS tls_reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	org_name VARCHAR(200) NOT NULL,
	report_id VARCHAR(255) NOT NULL,
	begin_time INTEGER NOT NULL,
	end_time INTEGER NOT NULL,
	contact_info VARCHAR(255) NULL,
	begin_as_sent VARCHAR(64) NULL,
	end_as_sent VARCHAR(64) NULL,
	errors TEXT NULL,
	container VARCHAR(128) NOT NULL DEFAULT '',
	received INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS tls_reports_key
	ON tls_reports (org_name, report_id, begin_time, end_time);

CREATE TABLE IF NOT EXISTS tls_policies (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	report INTEGER NOT NULL,
	policy_type VARCHAR(32) NULL,
	policy_domain VARCHAR(253) NULL,
	sts_mode VARCHAR(16) NULL,
	policy_strings TEXT NULL,
	mx_hosts TEXT NULL,
	mx_host_patterns TEXT NULL,
	successful INTEGER NULL,
	failed INTEGER NULL
);
CREATE INDEX IF NOT EXISTS tls_policies_report ON tls_policies (report);
CREATE INDEX IF NOT EXISTS tls_policies_domain ON tls_policies (policy_domain);

CREATE TABLE IF NOT EXISTS tls_failures (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	policy INTEGER NOT NULL,
	result_type VARCHAR(64) NULL,
	failed_session_count INTEGER NULL,
	sending_mta_ip VARCHAR(64) NULL,
	receiving_ip VARCHAR(64) NULL,
	receiving_mx_hostname VARCHAR(255) NULL,
	receiving_mx_helo VARCHAR(255) NULL,
	additional_info_uri TEXT NULL,
	failure_reason_code VARCHAR(255) NULL
);
CREATE INDEX IF NOT EXISTS tls_failures_policy ON tls_failures (policy);
