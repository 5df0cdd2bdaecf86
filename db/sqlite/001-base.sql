-- 001-base.sql -- dmarcd schema, SQLite: OpenDMARC's tables
--
-- The tables and columns of OpenDMARC's db/schema.mysql with its develop
-- branch's changes (see db/mysql/001-base.sql for the meanings), in
-- SQLite's types: ids are INTEGER PRIMARY KEY AUTOINCREMENT (never
-- reused, so a stale child row cannot point at a new message) and
-- timestamps are INTEGER Unix seconds (UTC).  Keys are named indexes so
-- that later migrations can change them.

CREATE TABLE IF NOT EXISTS schema_version (
	version INTEGER NOT NULL PRIMARY KEY,
	applied INTEGER NOT NULL,
	description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS domains (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(255) NOT NULL,
	firstseen INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER))
);
CREATE UNIQUE INDEX IF NOT EXISTS domains_name ON domains (name);

CREATE TABLE IF NOT EXISTS selectors (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	domain INTEGER NOT NULL,
	name VARCHAR(255) NOT NULL,
	firstseen INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER))
);
CREATE UNIQUE INDEX IF NOT EXISTS selectors_name_domain
	ON selectors (name, domain);

CREATE TABLE IF NOT EXISTS arcauthresults (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	message INTEGER NOT NULL,
	instance INTEGER NOT NULL,
	arc_client_addr VARCHAR(64) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS arcauthresults_message_instance
	ON arcauthresults (message, instance);

CREATE TABLE IF NOT EXISTS arcseals (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	message INTEGER NOT NULL,
	domain INTEGER NOT NULL,
	selector INTEGER NOT NULL,
	instance INTEGER NOT NULL,
	firstseen INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER))
);
CREATE UNIQUE INDEX IF NOT EXISTS arcseals_message
	ON arcseals (message, domain, selector, instance);

CREATE TABLE IF NOT EXISTS requests (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	domain INTEGER NOT NULL,
	repuri VARCHAR(255) NOT NULL DEFAULT '',
	adkim INTEGER NOT NULL DEFAULT 0,
	aspf INTEGER NOT NULL DEFAULT 0,
	policy INTEGER NOT NULL DEFAULT 0,
	spolicy INTEGER NOT NULL DEFAULT 0,
	pct INTEGER NOT NULL DEFAULT 0,
	locked INTEGER NOT NULL DEFAULT 0,
	firstseen INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)),
	lastsent INTEGER NULL DEFAULT NULL,
	fo INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS requests_domain ON requests (domain);
CREATE INDEX IF NOT EXISTS requests_lastsent ON requests (lastsent);

CREATE TABLE IF NOT EXISTS reporters (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(255) NOT NULL,
	firstseen INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER))
);
CREATE UNIQUE INDEX IF NOT EXISTS reporters_name ON reporters (name);

CREATE TABLE IF NOT EXISTS ipaddr (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	addr VARCHAR(64) NOT NULL,
	firstseen INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER))
);
CREATE UNIQUE INDEX IF NOT EXISTS ipaddr_addr ON ipaddr (addr);

CREATE TABLE IF NOT EXISTS messages (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	date INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)),
	jobid VARCHAR(128) NOT NULL,
	reporter INTEGER NOT NULL,
	policy INTEGER NOT NULL,
	disp INTEGER NOT NULL,
	ip INTEGER NOT NULL,
	env_domain INTEGER NOT NULL,
	from_domain INTEGER NOT NULL,
	policy_domain INTEGER NOT NULL,
	spf INTEGER NOT NULL DEFAULT 0,
	align_dkim INTEGER NOT NULL DEFAULT 5,
	align_spf INTEGER NOT NULL DEFAULT 5,
	sigcount INTEGER NOT NULL DEFAULT 0,
	arc INTEGER NOT NULL DEFAULT 0,
	arc_policy INTEGER NOT NULL DEFAULT 1,
	spf_scope INTEGER NOT NULL DEFAULT -1
);
CREATE INDEX IF NOT EXISTS messages_date ON messages (date);
CREATE UNIQUE INDEX IF NOT EXISTS messages_reporter
	ON messages (reporter, date, jobid);

CREATE TABLE IF NOT EXISTS signatures (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	message INTEGER NOT NULL,
	domain INTEGER NOT NULL,
	selector INTEGER NOT NULL,
	pass INTEGER NOT NULL,
	error INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS signatures_message ON signatures (message);

CREATE TABLE IF NOT EXISTS suppressions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	address VARCHAR(255) NOT NULL,
	added INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)),
	reason VARCHAR(255) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS suppressions_address
	ON suppressions (address);
