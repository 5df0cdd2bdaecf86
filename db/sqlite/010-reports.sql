-- 010-reports.sql -- aggregate report windows and deliveries (SQLite)
--
-- The same tables as db/mysql/010-reports.sql, which explains them.

CREATE TABLE IF NOT EXISTS agg_reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	policy_domain VARCHAR(255) NOT NULL,
	begin_ts INTEGER NOT NULL,
	end_ts INTEGER NOT NULL,
	report_id VARCHAR(64) NOT NULL,
	filename VARCHAR(640) NOT NULL,
	format VARCHAR(16) NOT NULL,
	messages INTEGER NOT NULL,
	created INTEGER NOT NULL,
	state VARCHAR(16) NOT NULL DEFAULT 'pending',
	gz TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS agg_reports_window
	ON agg_reports (policy_domain, begin_ts);
CREATE UNIQUE INDEX IF NOT EXISTS agg_reports_rid ON agg_reports (report_id);
CREATE INDEX IF NOT EXISTS agg_reports_state ON agg_reports (state);

CREATE TABLE IF NOT EXISTS agg_deliveries (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	report INTEGER NOT NULL,
	destination VARCHAR(255) NOT NULL,
	kind VARCHAR(8) NOT NULL DEFAULT 'rua',
	max_size INTEGER NOT NULL DEFAULT 0,
	state VARCHAR(16) NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	last_attempt INTEGER NULL DEFAULT NULL,
	sent INTEGER NULL DEFAULT NULL,
	error VARCHAR(255) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS agg_deliveries_dest
	ON agg_deliveries (report, destination);
