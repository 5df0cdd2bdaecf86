-- 021-ingest-enrich.sql -- enrichment of failure reports and the
-- indexes dmarc-ingest --html reads by, MariaDB/MySQL
--
-- ruf_reports gains what rua_records already has: reverse_dns (the first
-- PTR name of source_ip), base_domain (its registrable domain by the
-- PSL) and country (ISO 3166-1 alpha-2 from a MaxMind-format database),
-- each NULL when enrichment was off or found nothing.
--
-- The --html pages are written per period (day, week or month) and read
-- the reports whose date range falls in it: begin_time (and a failure
-- report's arrival) gets an index of its own, as the existing ones lead
-- with the policy domain.

-- @if-missing column ruf_reports.reverse_dns
ALTER TABLE ruf_reports ADD COLUMN reverse_dns VARCHAR(255) NULL;
-- @if-missing column ruf_reports.base_domain
ALTER TABLE ruf_reports ADD COLUMN base_domain VARCHAR(255) NULL;
-- @if-missing column ruf_reports.country
ALTER TABLE ruf_reports ADD COLUMN country CHAR(2) NULL;
-- @if-missing index rua_reports.rua_reports_time
CREATE INDEX rua_reports_time ON rua_reports (begin_time);
-- @if-missing index tls_reports.tls_reports_time
CREATE INDEX tls_reports_time ON tls_reports (begin_time);
-- @if-missing index ruf_reports.ruf_reports_arrival
CREATE INDEX ruf_reports_arrival ON ruf_reports (arrival);
