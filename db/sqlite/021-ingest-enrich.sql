-- 021-ingest-enrich.sql -- enrichment of failure reports and the
-- indexes dmarc-ingest --html reads by, SQLite
--
-- The same as db/mysql/021-ingest-enrich.sql, which explains each column.

ALTER TABLE ruf_reports ADD COLUMN reverse_dns VARCHAR(255) NULL;
ALTER TABLE ruf_reports ADD COLUMN base_domain VARCHAR(255) NULL;
ALTER TABLE ruf_reports ADD COLUMN country CHAR(2) NULL;
CREATE INDEX IF NOT EXISTS rua_reports_time ON rua_reports (begin_time);
CREATE INDEX IF NOT EXISTS tls_reports_time ON tls_reports (begin_time);
CREATE INDEX IF NOT EXISTS ruf_reports_arrival ON ruf_reports (arrival);
