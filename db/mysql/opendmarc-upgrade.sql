-- opendmarc-upgrade.sql -- an OpenDMARC database to dmarcd schema 1
--
-- Run by store_migrate, in place of 001-base.sql, on a database that has
-- OpenDMARC's tables and no schema_version table: OpenDMARC 1.4.2 (its
-- db/schema.mysql, or Debian's dbconfig copy), or its develop branch.
-- Nothing is dropped and no row is lost.  Each step runs only when the
-- database needs it ("-- @if-..." lines), so a step that was interrupted
-- can be run again.  Afterwards 002-dmarcd.sql and later run as on a
-- fresh database.

CREATE TABLE IF NOT EXISTS schema_version (
	version INT NOT NULL,
	applied BIGINT NOT NULL,
	description VARCHAR(255) NOT NULL DEFAULT '',
	PRIMARY KEY (version)
) ENGINE=InnoDB;

-- develop: a report never sent is NULL, not 1970 (MySQL strict mode, #289)
ALTER TABLE requests MODIFY lastsent TIMESTAMP NULL DEFAULT NULL;
UPDATE requests SET lastsent = NULL WHERE lastsent < '1970-01-02 00:00:00';

-- @if-missing column requests.fo
ALTER TABLE requests ADD COLUMN fo TINYINT NOT NULL DEFAULT 0;

-- @if-missing column messages.spf_scope
ALTER TABLE messages ADD COLUMN spf_scope TINYINT NOT NULL DEFAULT -1;

-- develop's defaults, so an INSERT that names fewer columns works
ALTER TABLE messages
	MODIFY spf TINYINT NOT NULL DEFAULT 0,
	MODIFY align_dkim TINYINT UNSIGNED NOT NULL DEFAULT 5,
	MODIFY align_spf TINYINT UNSIGNED NOT NULL DEFAULT 5,
	MODIFY sigcount TINYINT UNSIGNED NOT NULL DEFAULT 0,
	MODIFY arc TINYINT UNSIGNED NOT NULL DEFAULT 0,
	MODIFY arc_policy TINYINT UNSIGNED NOT NULL DEFAULT 1;

-- keys that Debian's 1.3.2 upgrade added; older databases may lack them
-- @if-missing index messages.date
ALTER TABLE messages ADD KEY date (date);
-- @if-missing index signatures.message
ALTER TABLE signatures ADD KEY message (message);
-- @if-missing index requests.lastsent
ALTER TABLE requests ADD KEY lastsent (lastsent);

-- @if-missing table suppressions
CREATE TABLE suppressions (
	id INT NOT NULL AUTO_INCREMENT,
	address VARCHAR(255) NOT NULL,
	added TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	reason VARCHAR(255) NOT NULL DEFAULT '',
	PRIMARY KEY (id),
	UNIQUE KEY (address)
) ENGINE=InnoDB;
