-- 020-ingest.sql -- received reports (dmarc-ingest), MariaDB/MySQL
--
-- What a domain owner receives: aggregate reports (rua_reports, one row
-- per report; rua_records, one per <record>; rua_auth, one per DKIM or
-- SPF auth result), failure reports (ruf_reports) and SMTP TLS reports
-- (tls_reports; tls_policies, one per policy with its summary;
-- tls_failures, one per failure detail).
--
-- Keys: a report is the same report when (org_name, report_id,
-- policy_domain, begin_time, end_time) match (TLS: without the policy
-- domain), so ingesting it again changes nothing; report ids collide
-- across reporters (php-dmarc #13), hence the org and dates.  A failure
-- report has no id: digest is a 64-bit FNV-1a hash of its fields and
-- sample, in hex.  report_id is kept exactly as sent.  Times are BIGINT
-- Unix seconds (UTC), not TIMESTAMP: reports carry dates before 1970
-- by mistake and spans past 2038.  reasons/comments and the auth_failure
-- and mx lists are joined with ',' or newlines.  sample holds what
-- sample_mode kept: nothing, the headers, the headers with address
-- local parts replaced by '*', or the whole message.
--
-- Tables are utf8mb4 with the binary collation whatever the server's
-- default: names arrive in every script, and report ids and names are
-- compared exactly as sent (as SQLite does).
--
-- Children point to their parent by id (no FOREIGN KEY: bulk loads and
-- expiry delete in order).

CREATE TABLE IF NOT EXISTS rua_reports (
	id BIGINT NOT NULL AUTO_INCREMENT,
	org_name VARCHAR(200) NOT NULL,
	report_id VARCHAR(255) NOT NULL,
	policy_domain VARCHAR(253) NOT NULL,
	begin_time BIGINT NOT NULL,
	end_time BIGINT NOT NULL,
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
	pct BIGINT NULL,
	fo VARCHAR(16) NULL,
	testing VARCHAR(8) NULL,
	discovery_method VARCHAR(16) NULL,
	errors TEXT NULL,
	container VARCHAR(128) NOT NULL DEFAULT '',
	records BIGINT NOT NULL DEFAULT 0,
	messages BIGINT NOT NULL DEFAULT 0,
	received BIGINT NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- @if-missing index rua_reports.rua_reports_key
CREATE UNIQUE INDEX rua_reports_key ON rua_reports (org_name, report_id, policy_domain, begin_time, end_time);
-- @if-missing index rua_reports.rua_reports_domain_time
CREATE INDEX rua_reports_domain_time ON rua_reports (policy_domain, begin_time);

CREATE TABLE IF NOT EXISTS rua_records (
	id BIGINT NOT NULL AUTO_INCREMENT,
	report BIGINT NOT NULL,
	source_ip VARCHAR(64) NOT NULL DEFAULT '',
	count BIGINT NOT NULL DEFAULT 0,
	disposition VARCHAR(16) NULL,
	dkim VARCHAR(16) NULL,
	spf VARCHAR(16) NULL,
	dkim_aligned BIGINT NOT NULL DEFAULT 0,
	spf_aligned BIGINT NOT NULL DEFAULT 0,
	dmarc_aligned BIGINT NOT NULL DEFAULT 0,
	reasons VARCHAR(255) NULL,
	comments TEXT NULL,
	header_from VARCHAR(255) NULL,
	envelope_from VARCHAR(255) NULL,
	envelope_to VARCHAR(255) NULL,
	reverse_dns VARCHAR(255) NULL,
	base_domain VARCHAR(255) NULL,
	country CHAR(2) NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- @if-missing index rua_records.rua_records_report
CREATE INDEX rua_records_report ON rua_records (report);
-- @if-missing index rua_records.rua_records_source
CREATE INDEX rua_records_source ON rua_records (source_ip);

CREATE TABLE IF NOT EXISTS rua_auth (
	id BIGINT NOT NULL AUTO_INCREMENT,
	record BIGINT NOT NULL,
	kind CHAR(4) NOT NULL,
	domain VARCHAR(255) NULL,
	selector_or_scope VARCHAR(255) NULL,
	result VARCHAR(16) NULL,
	human_result TEXT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- @if-missing index rua_auth.rua_auth_record
CREATE INDEX rua_auth_record ON rua_auth (record);

CREATE TABLE IF NOT EXISTS ruf_reports (
	id BIGINT NOT NULL AUTO_INCREMENT,
	digest CHAR(16) NOT NULL,
	received BIGINT NOT NULL,
	feedback_type VARCHAR(32) NOT NULL DEFAULT 'auth-failure',
	user_agent VARCHAR(255) NULL,
	version VARCHAR(16) NULL,
	arrival BIGINT NULL,
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
	plain_text BIGINT NOT NULL DEFAULT 0,
	sample_mode VARCHAR(8) NOT NULL DEFAULT 'none',
	sample MEDIUMTEXT NULL,
	errors TEXT NULL,
	container VARCHAR(128) NOT NULL DEFAULT '',
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- @if-missing index ruf_reports.ruf_reports_digest
CREATE UNIQUE INDEX ruf_reports_digest ON ruf_reports (digest);
-- @if-missing index ruf_reports.ruf_reports_domain_time
CREATE INDEX ruf_reports_domain_time ON ruf_reports (reported_domain, arrival);

CREATE TABLE IF NOT EXISTS tls_reports (
	id BIGINT NOT NULL AUTO_INCREMENT,
	org_name VARCHAR(200) NOT NULL,
	report_id VARCHAR(255) NOT NULL,
	begin_time BIGINT NOT NULL,
	end_time BIGINT NOT NULL,
	contact_info VARCHAR(255) NULL,
	begin_as_sent VARCHAR(64) NULL,
	end_as_sent VARCHAR(64) NULL,
	errors TEXT NULL,
	container VARCHAR(128) NOT NULL DEFAULT '',
	received BIGINT NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- @if-missing index tls_reports.tls_reports_key
CREATE UNIQUE INDEX tls_reports_key ON tls_reports (org_name, report_id, begin_time, end_time);

CREATE TABLE IF NOT EXISTS tls_policies (
	id BIGINT NOT NULL AUTO_INCREMENT,
	report BIGINT NOT NULL,
	policy_type VARCHAR(32) NULL,
	policy_domain VARCHAR(253) NULL,
	sts_mode VARCHAR(16) NULL,
	policy_strings TEXT NULL,
	mx_hosts TEXT NULL,
	mx_host_patterns TEXT NULL,
	successful BIGINT NULL,
	failed BIGINT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- @if-missing index tls_policies.tls_policies_report
CREATE INDEX tls_policies_report ON tls_policies (report);
-- @if-missing index tls_policies.tls_policies_domain
CREATE INDEX tls_policies_domain ON tls_policies (policy_domain);

CREATE TABLE IF NOT EXISTS tls_failures (
	id BIGINT NOT NULL AUTO_INCREMENT,
	policy BIGINT NOT NULL,
	result_type VARCHAR(64) NULL,
	failed_session_count BIGINT NULL,
	sending_mta_ip VARCHAR(64) NULL,
	receiving_ip VARCHAR(64) NULL,
	receiving_mx_hostname VARCHAR(255) NULL,
	receiving_mx_helo VARCHAR(255) NULL,
	additional_info_uri TEXT NULL,
	failure_reason_code VARCHAR(255) NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- @if-missing index tls_failures.tls_failures_policy
CREATE INDEX tls_failures_policy ON tls_failures (policy);
