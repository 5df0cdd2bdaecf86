-- 001-base.sql -- dmarcd schema, MariaDB/MySQL: OpenDMARC's tables
--
-- OpenDMARC's db/schema.mysql (1.4.2) with the changes of its develop
-- branch (update-db-schema.mysql, 2026): requests.lastsent NULL when
-- never reported, requests.fo, messages.spf_scope, column defaults, the
-- suppressions table.  Same table and column names and meanings, so
-- OpenDMARC's report tools and existing queries keep working.  Index
-- names are the ones MariaDB gives OpenDMARC's unnamed keys, so a fresh
-- database and an upgraded OpenDMARC one are alike.  Every table has a
-- primary key and is InnoDB (Galera).  Timestamps are TIMESTAMP, read
-- and written in UTC (every dmarcd session sets time_zone '+00:00').
--
-- Applied by store_migrate (common/store_migrate.c) on an empty
-- database.  An OpenDMARC database gets opendmarc-upgrade.sql instead.
-- dmarcd's own columns come in 002-dmarcd.sql.

CREATE TABLE IF NOT EXISTS schema_version (
	version INT NOT NULL,
	applied BIGINT NOT NULL,
	description VARCHAR(255) NOT NULL DEFAULT '',
	PRIMARY KEY (version)
) ENGINE=InnoDB;

-- every domain name seen: From, MAIL FROM, policy, DKIM d=, ARC d=
CREATE TABLE IF NOT EXISTS domains (
	id INT NOT NULL AUTO_INCREMENT,
	name VARCHAR(255) NOT NULL,
	firstseen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (id),
	UNIQUE KEY (name)
) ENGINE=InnoDB;

-- DKIM and ARC selectors, per domain
CREATE TABLE IF NOT EXISTS selectors (
	id INT NOT NULL AUTO_INCREMENT,
	domain INT NOT NULL,
	name VARCHAR(255) NOT NULL,
	firstseen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (id),
	KEY (name),
	UNIQUE KEY (name, domain)
) ENGINE=InnoDB;

-- ARC-Authentication-Results: one row per element of arc_policy's JSON
CREATE TABLE IF NOT EXISTS arcauthresults (
	id INT NOT NULL AUTO_INCREMENT,
	message INT UNSIGNED NOT NULL,
	instance INT UNSIGNED NOT NULL,
	arc_client_addr VARCHAR(64) NOT NULL DEFAULT '',
	PRIMARY KEY (id),
	KEY (message),
	UNIQUE KEY (message, instance)
) ENGINE=InnoDB;

-- ARC-Seals: same source
CREATE TABLE IF NOT EXISTS arcseals (
	id INT NOT NULL AUTO_INCREMENT,
	message INT UNSIGNED NOT NULL,
	domain INT UNSIGNED NOT NULL,
	selector INT UNSIGNED NOT NULL,
	instance INT UNSIGNED NOT NULL,
	firstseen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (id),
	KEY (message),
	UNIQUE KEY (message, domain, selector, instance)
) ENGINE=InnoDB;

-- reporting requests: the latest published policy values (ASCII codes
-- as in the history file) and the comma-joined rua list; locked=1
-- (dmarc-params) freezes repuri; lastsent is the end of the last report
-- window, NULL when never reported
CREATE TABLE IF NOT EXISTS requests (
	id INT NOT NULL AUTO_INCREMENT,
	domain INT NOT NULL,
	repuri VARCHAR(255) NOT NULL DEFAULT '',
	adkim TINYINT NOT NULL DEFAULT 0,
	aspf TINYINT NOT NULL DEFAULT 0,
	policy TINYINT NOT NULL DEFAULT 0,
	spolicy TINYINT NOT NULL DEFAULT 0,
	pct TINYINT NOT NULL DEFAULT 0,
	locked TINYINT NOT NULL DEFAULT 0,
	firstseen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	lastsent TIMESTAMP NULL DEFAULT NULL,
	fo TINYINT NOT NULL DEFAULT 0,
	PRIMARY KEY (id),
	KEY (lastsent),
	UNIQUE KEY (domain)
) ENGINE=InnoDB;

-- reporting hosts (history key "reporter")
CREATE TABLE IF NOT EXISTS reporters (
	id INT NOT NULL AUTO_INCREMENT,
	name VARCHAR(255) NOT NULL,
	firstseen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (id),
	UNIQUE KEY (name)
) ENGINE=InnoDB;

-- client IP addresses
CREATE TABLE IF NOT EXISTS ipaddr (
	id INT NOT NULL AUTO_INCREMENT,
	addr VARCHAR(64) NOT NULL,
	firstseen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (id),
	UNIQUE KEY (addr)
) ENGINE=InnoDB;

-- one row per history record; policy is the evaluation result (14-18),
-- disp the action taken (0 reject, 2 accept, 3 tempfail, 4 quarantine)
CREATE TABLE IF NOT EXISTS messages (
	id INT NOT NULL AUTO_INCREMENT,
	date TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	jobid VARCHAR(128) NOT NULL,
	reporter INT UNSIGNED NOT NULL,
	policy TINYINT UNSIGNED NOT NULL,
	disp TINYINT UNSIGNED NOT NULL,
	ip INT UNSIGNED NOT NULL,
	env_domain INT UNSIGNED NOT NULL,
	from_domain INT UNSIGNED NOT NULL,
	policy_domain INT UNSIGNED NOT NULL,
	spf TINYINT NOT NULL DEFAULT 0,
	align_dkim TINYINT UNSIGNED NOT NULL DEFAULT 5,
	align_spf TINYINT UNSIGNED NOT NULL DEFAULT 5,
	sigcount TINYINT UNSIGNED NOT NULL DEFAULT 0,
	arc TINYINT UNSIGNED NOT NULL DEFAULT 0,
	arc_policy TINYINT UNSIGNED NOT NULL DEFAULT 1,
	spf_scope TINYINT NOT NULL DEFAULT -1,
	PRIMARY KEY (id),
	KEY (date),
	UNIQUE KEY (reporter, date, jobid)
) ENGINE=InnoDB;

-- one row per "dkim" line; pass holds the ARES code (0 = pass), error
-- is 1 for temperror/permerror, selector 0 when there was none
CREATE TABLE IF NOT EXISTS signatures (
	id INT NOT NULL AUTO_INCREMENT,
	message INT UNSIGNED NOT NULL,
	domain INT UNSIGNED NOT NULL,
	selector INT UNSIGNED NOT NULL,
	pass TINYINT UNSIGNED NOT NULL,
	error TINYINT UNSIGNED NOT NULL,
	PRIMARY KEY (id),
	KEY (message)
) ENGINE=InnoDB;

-- addresses and domains that never get reports (OpenDMARC develop)
CREATE TABLE IF NOT EXISTS suppressions (
	id INT NOT NULL AUTO_INCREMENT,
	address VARCHAR(255) NOT NULL,
	added TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	reason VARCHAR(255) NOT NULL DEFAULT '',
	PRIMARY KEY (id),
	UNIQUE KEY (address)
) ENGINE=InnoDB;
