-- 010-reports.sql -- aggregate report windows and deliveries (MariaDB)
--
-- Written and read by dmarc-reports only.  Times are Unix seconds (UTC)
-- in BIGINT columns: these tables are ours, and plain integers compare
-- the same way in both dialects.
--
-- agg_reports: one row per (policy domain, window) whose report was
--   built.  [begin_ts, end_ts) is the window (the XML says begin_ts and
--   end_ts - 1); the next window of the domain starts at MAX(end_ts).
--   report_id is the Report-ID of the Subject, the XML and the file name
--   (unique).  gz holds the gzip attachment in base64, so a retry sends
--   the very same bytes; dmarc-reports empties it 30 days after the
--   report is done (the row stays: it holds the domain's last window).
--   state: 'pending' while a delivery is pending, then 'done'.
-- agg_deliveries: one row per (report, destination address).  kind
--   'rua' or 'bcc' (ReportBcc); max_size the URI's !size limit in bytes
--   (0 none); state pending, sent, failed (rejected 5xx), toobig,
--   unauthorized (external destination not verified), suppressed
--   (NoReportsList, suppressions), invalid (not a mailto: URI) or
--   expired (still failing 7 days on); attempts, last_attempt, sent
--   (when accepted) and the last error for the operator.

CREATE TABLE IF NOT EXISTS agg_reports (
	id INT NOT NULL AUTO_INCREMENT,
	policy_domain VARCHAR(255) NOT NULL,
	begin_ts BIGINT NOT NULL,
	end_ts BIGINT NOT NULL,
	report_id VARCHAR(64) NOT NULL,
	filename VARCHAR(640) NOT NULL,
	format VARCHAR(16) NOT NULL,
	messages INT UNSIGNED NOT NULL,
	created BIGINT NOT NULL,
	state VARCHAR(16) NOT NULL DEFAULT 'pending',
	gz MEDIUMTEXT NOT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY agg_reports_window (policy_domain, begin_ts),
	UNIQUE KEY agg_reports_rid (report_id),
	KEY agg_reports_state (state)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS agg_deliveries (
	id INT NOT NULL AUTO_INCREMENT,
	report INT NOT NULL,
	destination VARCHAR(255) NOT NULL,
	kind VARCHAR(8) NOT NULL DEFAULT 'rua',
	max_size BIGINT UNSIGNED NOT NULL DEFAULT 0,
	state VARCHAR(16) NOT NULL DEFAULT 'pending',
	attempts INT NOT NULL DEFAULT 0,
	last_attempt BIGINT NULL DEFAULT NULL,
	sent BIGINT NULL DEFAULT NULL,
	error VARCHAR(255) NOT NULL DEFAULT '',
	PRIMARY KEY (id),
	UNIQUE KEY agg_deliveries_dest (report, destination)
) ENGINE=InnoDB;
