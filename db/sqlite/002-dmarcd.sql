-- 002-dmarcd.sql -- what dmarcd adds to OpenDMARC's schema (SQLite)
--
-- The same columns as db/mysql/002-dmarcd.sql, which explains each.

-- @if-missing column messages.digest
ALTER TABLE messages ADD COLUMN digest CHAR(16) NOT NULL DEFAULT '';
-- @if-missing column messages.discovery
ALTER TABLE messages ADD COLUMN discovery VARCHAR(16) NOT NULL DEFAULT '';
-- @if-missing column messages.disposition
ALTER TABLE messages ADD COLUMN disposition VARCHAR(16) NOT NULL DEFAULT '';
-- @if-missing column messages.reasons
ALTER TABLE messages ADD COLUMN reasons INTEGER NOT NULL DEFAULT 0;
-- @if-missing column messages.spf_domain
ALTER TABLE messages ADD COLUMN spf_domain INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX IF NOT EXISTS messages_msgkey
	ON messages (reporter, date, jobid, digest);
DROP INDEX IF EXISTS messages_reporter;
CREATE INDEX IF NOT EXISTS messages_policy_date
	ON messages (policy_domain, date);

-- @if-missing column requests.ri
ALTER TABLE requests ADD COLUMN ri INTEGER NOT NULL DEFAULT 0;
-- @if-missing column requests.np
ALTER TABLE requests ADD COLUMN np INTEGER NOT NULL DEFAULT 0;
-- @if-missing column requests.psd
ALTER TABLE requests ADD COLUMN psd INTEGER NOT NULL DEFAULT 0;
-- @if-missing column requests.testing
ALTER TABLE requests ADD COLUMN testing INTEGER NOT NULL DEFAULT 0;
-- @if-missing column requests.policydate
ALTER TABLE requests ADD COLUMN policydate INTEGER NULL DEFAULT NULL;
