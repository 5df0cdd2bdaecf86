-- 002-dmarcd.sql -- what dmarcd adds to OpenDMARC's schema (MariaDB)
--
-- messages:
--   digest       '' when the job id identifies the message; for a record
--                without one ("(unknown-jobid)", "-", empty) a hash of
--                the record, so distinct messages never collide and the
--                same record imported twice still does
--   discovery    how the policy was found: 'psl', 'treewalk', '' unknown
--                (history key "discovery"; RFC 9990 discovery_method)
--   disposition  the DMARC disposition applied: 'none', 'pass',
--                'quarantine', 'reject'; '' when the record did not say
--                (history key "disposition"; derive it from disp then)
--   reasons      DMARC_REASON_* bits of libdmarc/dmarc.h (history "reason"
--                lines): policy_evaluated/reason of aggregate reports
--   spf_domain   domains.id of the identity SPF checked, 0 = env_domain
--   The unique key (reporter, date, jobid, digest) makes import
--   idempotent: importing a file twice changes nothing.
-- requests (one row per POLICY domain, the domain whose record the
--   values come from; OpenDMARC kept one per From domain):
--   ri           report interval in seconds set by dmarc-params, 0 = the
--                ReportInterval of dmarcd.conf
--   np, psd      ASCII codes as p and sp (0 = absent), testing 1 for t=y
--   policydate   date of the history record the values come from; an
--                older record never overwrites a newer one
-- store_locks: leases of store_lock (common/store_mysql.c)

-- @if-missing column messages.digest
ALTER TABLE messages ADD COLUMN digest CHAR(16) NOT NULL DEFAULT '';
-- @if-missing column messages.discovery
ALTER TABLE messages ADD COLUMN discovery VARCHAR(16) NOT NULL DEFAULT '';
-- @if-missing column messages.disposition
ALTER TABLE messages ADD COLUMN disposition VARCHAR(16) NOT NULL DEFAULT '';
-- @if-missing column messages.reasons
ALTER TABLE messages ADD COLUMN reasons INT UNSIGNED NOT NULL DEFAULT 0;
-- @if-missing column messages.spf_domain
ALTER TABLE messages ADD COLUMN spf_domain INT UNSIGNED NOT NULL DEFAULT 0;
-- @if-missing index messages.msgkey
ALTER TABLE messages ADD UNIQUE KEY msgkey (reporter, date, jobid, digest);
-- @if-present index messages.reporter
ALTER TABLE messages DROP INDEX reporter;
-- @if-missing index messages.policy_date
ALTER TABLE messages ADD KEY policy_date (policy_domain, date);

-- @if-missing column requests.ri
ALTER TABLE requests ADD COLUMN ri INT UNSIGNED NOT NULL DEFAULT 0;
-- @if-missing column requests.np
ALTER TABLE requests ADD COLUMN np TINYINT NOT NULL DEFAULT 0;
-- @if-missing column requests.psd
ALTER TABLE requests ADD COLUMN psd TINYINT NOT NULL DEFAULT 0;
-- @if-missing column requests.testing
ALTER TABLE requests ADD COLUMN testing TINYINT NOT NULL DEFAULT 0;
-- @if-missing column requests.policydate
ALTER TABLE requests ADD COLUMN policydate TIMESTAMP NULL DEFAULT NULL;

CREATE TABLE IF NOT EXISTS store_locks (
	name VARCHAR(64) NOT NULL,
	holder VARCHAR(128) NOT NULL,
	expires BIGINT NOT NULL,
	PRIMARY KEY (name)
) ENGINE=InnoDB;
