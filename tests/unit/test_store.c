/*
 * test_store.c -- store.c without a server: names, macros, SQLite
 *
 * DESCRIPTION
 *	Table-driven checks of the data source name parser (every form of
 *	store.h, percent-escapes, IPv6 hosts, bad names), the dialect macro
 *	rewriting for both backends, store_dsn_compat (OpenDMARC's options
 *	and OPENDMARC_* variables), and a round trip on a temporary SQLite
 *	file: migrate (twice: idempotent), schema version, INSERT_IGNORE,
 *	binding, NULL columns, changes, last id, rollback, locks.  The
 *	MariaDB backend is tested by tests/reports/import.sh against a
 *	private server.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "tests/tap.h"

static const struct dsn_case {
	const char	*dsn;
	int		 ok;
	enum store_kind	 kind;
	const char	*path, *user, *password, *host, *db, *socket;
	unsigned	 port;
} dsn_cases[] = {
	{ "sqlite:/var/lib/dmarcd/dmarc.db", 1, STORE_SQLITE,
	    "/var/lib/dmarcd/dmarc.db", NULL, NULL, NULL, NULL, NULL, 0 },
	{ "sqlite:///tmp/x.db", 1, STORE_SQLITE, "/tmp/x.db",
	    NULL, NULL, NULL, NULL, NULL, 0 },
	{ "sqlite:rel.db", 1, STORE_SQLITE, "rel.db",
	    NULL, NULL, NULL, NULL, NULL, 0 },
	{ "sqlite:", 0, STORE_SQLITE, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	{ "mysql://u:p@db.example:3307/dmarc", 1, STORE_MYSQL, NULL,
	    "u", "p", "db.example", "dmarc", NULL, 3307 },
	{ "mariadb://u:p@h/d", 1, STORE_MYSQL, NULL,
	    "u", "p", "h", "d", NULL, 0 },
	{ "mysql://u%40x:p%3Aw@rd@h/d", 1, STORE_MYSQL, NULL,
	    "u@x", "p:w@rd", "h", "d", NULL, 0 },
	{ "mysql://u:p@localhost/d?socket=/run/mysqld/mysqld.sock", 1,
	    STORE_MYSQL, NULL, "u", "p", "localhost", "d",
	    "/run/mysqld/mysqld.sock", 0 },
	{ "mysql:///d?socket=/tmp/s", 1, STORE_MYSQL, NULL,
	    NULL, NULL, NULL, "d", "/tmp/s", 0 },
	{ "mysql://u@[::1]:3306/d", 1, STORE_MYSQL, NULL,
	    "u", NULL, "::1", "d", NULL, 3306 },
	{ "mysql://u:@h/d", 1, STORE_MYSQL, NULL, "u", "", "h", "d", NULL, 0 },
	{ "mysql://h:0/d", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL, NULL,
	    0 },
	{ "mysql://h:99999/d", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0 },
	{ "mysql://h:12x/d", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0 },
	{ "mysql://h", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	{ "mysql://h/", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
	{ "mysql://u%4:p@h/d", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0 },
	{ "mysql://u%00:p@h/d", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0 },
	{ "mysql://h/d?port=1", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0 },
	{ "mysql://[::1/d", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0 },
	{ "postgres://h/d", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL, NULL,
	    0 },
	{ "/var/lib/dmarc.db", 0, STORE_MYSQL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0 },
};

/* test_dsn - the parser table */
static void
test_dsn(void)
{
	const struct dsn_case *c;
	struct store_dsn d;
	char err[256], what[300];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(dsn_cases) / sizeof(dsn_cases[0]); i++) {
		c = &dsn_cases[i];
		err[0] = '\0';
		rc = store_dsn_parse(c->dsn, &d, err, sizeof(err));
		(void)snprintf(what, sizeof(what), "dsn %s %s", c->dsn,
		    c->ok ? "parses" : "is refused");
		if (!CHECK((rc == 0) == c->ok, "%s", what)) {
			printf("#   error: %s\n", err);
			store_dsn_free(&d);
			continue;
		}
		if (!c->ok) {
			CHECK(err[0] != '\0', "dsn %s: error message", c->dsn);
			continue;
		}
		CHECK(d.kind == c->kind, "dsn %s: kind", c->dsn);
		CHECK_STR(d.path, c->path, "  path");
		CHECK_STR(d.user, c->user, "  user");
		CHECK_STR(d.password, c->password, "  password");
		CHECK_STR(d.host, c->host, "  host");
		CHECK_STR(d.db, c->db, "  database");
		CHECK_STR(d.socket, c->socket, "  socket");
		CHECK_INT(d.port, c->port, "  port");
		store_dsn_free(&d);
	}
}

static const struct rw_case {
	const char	*in, *sqlite, *mysql;
} rw_cases[] = {
	{ "{INSERT_IGNORE} INTO t VALUES (?)",
	  "INSERT OR IGNORE INTO t VALUES (?)",
	  "INSERT IGNORE INTO t VALUES (?)" },
	{ "SELECT {UNIX(m.date)} FROM m WHERE date > {TS(?)}",
	  "SELECT m.date FROM m WHERE date > ?",
	  "SELECT UNIX_TIMESTAMP(m.date) FROM m WHERE date > FROM_UNIXTIME(?)" },
	{ "SELECT {NOW} - 86400",
	  "SELECT CAST(strftime('%s','now') AS INTEGER) - 86400",
	  "SELECT UNIX_TIMESTAMP() - 86400" },
	{ "{TS({NOW} - ?)}", "CAST(strftime('%s','now') AS INTEGER) - ?",
	  "FROM_UNIXTIME(UNIX_TIMESTAMP() - ?)" },
	{ "x = '{}' AND {NOPE} AND {TS(f(x))} AND {NOW",
	  "x = '{}' AND {NOPE} AND {TS(f(x))} AND {NOW",
	  "x = '{}' AND {NOPE} AND {TS(f(x))} AND {NOW" },
	{ "", "", "" },
};

/* test_rewrite - the macro table, both dialects */
static void
test_rewrite(void)
{
	size_t i;
	char *out;

	for (i = 0; i < sizeof(rw_cases) / sizeof(rw_cases[0]); i++) {
		out = store_rewrite(STORE_SQLITE, rw_cases[i].in);
		CHECK_STR(out, rw_cases[i].sqlite, "rewrite (sqlite)");
		free(out);
		out = store_rewrite(STORE_MYSQL, rw_cases[i].in);
		CHECK_STR(out, rw_cases[i].mysql, "rewrite (mysql)");
		free(out);
	}
}

/* test_compat - OpenDMARC's options and variables */
static void
test_compat(void)
{
	struct store_compat c;
	char *s;

	unsetenv("OPENDMARC_DBHOST");
	unsetenv("OPENDMARC_DB");
	unsetenv("OPENDMARC_USER");
	unsetenv("OPENDMARC_PASSWORD");
	unsetenv("OPENDMARC_PORT");
	memset(&c, 0, sizeof(c));
	CHECK(store_dsn_compat(&c) == NULL, "compat: nothing given, NULL");
	CHECK(store_dsn_compat(NULL) == NULL, "compat: NULL, NULL");
	c.name = "dmarc";
	s = store_dsn_compat(&c);
	CHECK_STR(s, "mysql://opendmarc:opendmarc@localhost:3306/dmarc",
	    "compat: --dbname, OpenDMARC's defaults");
	free(s);
	c.user = "a@b";
	c.password = "p w:/%";
	c.host = "db1";
	c.port = "3307";
	s = store_dsn_compat(&c);
	CHECK_STR(s, "mysql://a%40b:p%20w%3A%2F%25@db1:3307/dmarc",
	    "compat: every option, escaped");
	free(s);
	memset(&c, 0, sizeof(c));
	setenv("OPENDMARC_DBHOST", "/run/mysqld/mysqld.sock", 1);
	setenv("OPENDMARC_PASSWORD", "secret", 1);
	s = store_dsn_compat(&c);
	CHECK_STR(s, "mysql://opendmarc:secret@localhost/opendmarc"
	    "?socket=/run/mysqld/mysqld.sock", "compat: variables, socket");
	free(s);
	c.host = "::1";
	s = store_dsn_compat(&c);
	CHECK_STR(s, "mysql://opendmarc:secret@[::1]:3306/opendmarc",
	    "compat: option beats variable; IPv6 host");
	free(s);
	unsetenv("OPENDMARC_DBHOST");
	unsetenv("OPENDMARC_PASSWORD");
}

/* count - one integer from a query */
static int64_t
count(struct store *s, const char *sql)
{
	struct store_stmt *st = store_prepare(s, sql);
	int64_t n = -1;

	if (st != NULL && store_step(st) == STORE_ROW)
		n = store_col_int64(st, 0);
	store_finalize(st);
	return n;
}

/* insert_domain - {INSERT_IGNORE} one name; the changes */
static int64_t
insert_domain(struct store *s, const char *name)
{
	struct store_stmt *st;
	int64_t n = -1;

	st = store_prepare(s, "{INSERT_IGNORE} INTO domains (name) VALUES (?)");
	if (st != NULL && store_bind_text(st, 1, name, strlen(name)) == 0 &&
	    store_step(st) == STORE_DONE)
		n = store_changes(s);
	store_finalize(st);
	return n;
}

/* cached_name - the name of domain id through a cached statement,
   left half-read (one row of a possible many) as a caller may */
static const char *
cached_name(struct store *s, int64_t id, struct store_stmt **stp)
{
	static const char sql[] = "SELECT name FROM domains WHERE id >= ? "
	    "ORDER BY id";
	struct store_stmt *st = store_prepare_cached(s, sql);
	const char *t = NULL;

	*stp = st;
	if (st != NULL && store_bind_int64(st, 1, id) == 0 &&
	    store_step(st) == STORE_ROW)
		t = store_col_text(st, 0, NULL);
	return t;
}

/* test_cached - store_prepare_cached keeps one statement per SQL text;
   finalize only resets it (a half-read result is dropped: on MariaDB
   the next execute would fail "out of sync"; new bindings apply);
   store_close frees it (LeakSanitizer would tell) */
static void
test_cached(struct store *s)
{
	struct store_stmt *a, *b;
	const char *t;
	int64_t id;

	insert_domain(s, "cached.example");
	id = store_last_id(s);
	t = cached_name(s, 1, &a);
	CHECK(t != NULL && strcmp(t, "example.com") == 0,
	    "cached statement: first use");
	store_finalize(a);
	t = cached_name(s, id, &b);
	CHECK(a != NULL && a == b, "cached statement: the same one again");
	CHECK(t != NULL && strcmp(t, "cached.example") == 0,
	    "cached statement: reset by finalize, new binding used");
	store_finalize(b);
	(void)store_exec(s, "DELETE FROM domains WHERE name = "
	    "'cached.example'");
}

/* test_load - store_load streams only its own buffer (MariaDB) */
static void
test_load(struct store *s)
{
	static const char rows[] = "load.one\nload\\\\two\n";
	char sql[256];

	if (store_kind(s) != STORE_MYSQL) {
		CHECK(store_load(s, "LOAD DATA", "", 0) != 0,
		    "sqlite: store_load refused");
		return;
	}
	(void)snprintf(sql, sizeof(sql), "LOAD DATA LOCAL INFILE '%s' INTO "
	    "TABLE domains (name)", STORE_STREAM);
	CHECK(store_load(s, sql, rows, sizeof(rows) - 1) == 0,
	    "mariadb: store_load");
	CHECK_INT(count(s, "SELECT COUNT(*) FROM domains WHERE name IN "
	    "('load.one', 'load\\\\two')"), 2, "... both rows, unescaped");
	(void)snprintf(sql, sizeof(sql), "LOAD DATA LOCAL INFILE '/etc/passwd' "
	    "INTO TABLE domains (name)");
	CHECK(store_load(s, sql, rows, sizeof(rows) - 1) != 0,
	    "another file name: refused");
	CHECK(store_exec(s, "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE "
	    "domains (name)") != 0, "LOAD DATA LOCAL outside store_load: "
	    "refused");
	CHECK_INT(count(s, "SELECT COUNT(*) FROM domains WHERE name LIKE "
	    "'root:%'"), 0, "... nothing of the file read");
	CHECK(store_exec(s, "SELECT 1") == 0, "the connection still works");
	CHECK(store_exec(s, "DELETE FROM domains WHERE name LIKE 'load%'") ==
	    0, "clean up");
}

/* test_db - migrate and use the database named dsn */
static void
test_db(const char *dsn, const char *tag)
{
	char err[512];
	struct store *s, *s2;
	struct store_stmt *st;
	size_t len;
	const char *t;
	int64_t n;

	s = store_open(dsn, err, sizeof(err));
	if (!CHECK(s != NULL, "%s: open", tag)) {
		printf("#   %s\n", err);
		return;
	}
	CHECK_INT(store_schema_version(s), 0, "empty database, version 0");
	if (!CHECK(store_migrate(s, err, sizeof(err)) == 0, "%s: migrate", tag))
		printf("#   %s\n", err);
	CHECK(store_schema_version(s) >= 2, "version 2 or later");
	n = count(s, "SELECT COUNT(*) FROM schema_version");
	CHECK(n >= 2 && count(s, "SELECT COUNT(*) FROM schema_version WHERE "
	    "version IN (1, 2)") == 2, "migrations 1 and 2 recorded");
	CHECK_INT(store_migrate(s, err, sizeof(err)), 0, "migrate again");
	CHECK_INT(count(s, "SELECT COUNT(*) FROM schema_version"), n,
	    "... changes nothing");
	st = store_prepare(s, "SELECT digest, discovery, spf_scope, ri, "
	    "policydate FROM messages, requests");
	CHECK(st != NULL, "%s: our columns are there", tag);
	store_finalize(st);
	CHECK_INT(insert_domain(s, "example.com"), 1, "insert: new row");
	CHECK_INT(store_last_id(s), 1, "insert: last id");
	CHECK_INT(insert_domain(s, "example.com"), 0, "insert: ignored twice");
	CHECK(store_begin(s) == 0, "begin");
	CHECK_INT(insert_domain(s, "rolled.back"), 1, "insert in transaction");
	CHECK(store_rollback(s) == 0, "rollback");
	CHECK_INT(count(s, "SELECT COUNT(*) FROM domains"), 1,
	    "rollback undid the insert");
	st = store_prepare(s, "SELECT name, NULL, {UNIX(firstseen)} > 0 FROM "
	    "domains WHERE id = ?");
	CHECK(st != NULL && store_bind_int64(st, 1, 1) == 0 &&
	    store_step(st) == STORE_ROW, "select a row");
	t = st != NULL ? store_col_text(st, 0, &len) : NULL;
	CHECK(t != NULL && len == 11 && strcmp(t, "example.com") == 0,
	    "text column");
	CHECK(st != NULL && store_col_isnull(st, 1) &&
	    store_col_text(st, 1, &len) == NULL, "NULL column");
	CHECK(st != NULL && store_col_int64(st, 2) == 1, "firstseen is set");
	CHECK(st != NULL && store_step(st) == STORE_DONE, "then done");
	CHECK(st != NULL && store_reset(st) == 0 && store_step(st) == STORE_ROW,
	    "reset runs it again");
	store_finalize(st);
	CHECK(store_prepare(s, "SELECT nope FROM nothing") == NULL &&
	    strstr(store_errmsg(s), "nothing") != NULL, "bad SQL: message");
	CHECK(store_exec(s, "UPDATE domains SET name = name") == 0 &&
	    store_changes(s) == 1, "exec; changes counts matched rows");
	test_load(s);
	test_cached(s);
	CHECK_INT(store_lock(s, "t", 0), 1, "lock");
	CHECK_INT(store_lock(s, "t", 0), 1, "lock again (ours: extended)");
	s2 = store_open(dsn, err, sizeof(err));
	CHECK(s2 != NULL && store_lock(s2, "t", 0) == 0,
	    "second connection: lock held");
	CHECK(store_unlock(s, "t") == 0 && s2 != NULL &&
	    store_lock(s2, "t", 1) == 1, "unlock; now the other gets it");
	store_close(s2);
	store_close(s);
}

/* test_sqlite - a temporary SQLite file */
static void
test_sqlite(void)
{
	char dir[] = "/tmp/test_store.XXXXXX", dsn[128], cmd[128];

	if (!CHECK(mkdtemp(dir) != NULL, "temporary directory"))
		return;
	(void)snprintf(dsn, sizeof(dsn), "sqlite:%s/dmarc.db", dir);
	test_db(dsn, "sqlite");
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

int
main(void)
{
	test_dsn();
	test_rewrite();
	test_compat();
	test_sqlite();
	/* tests/reports/import.sh sets this to an empty private MariaDB */
	if (getenv("STORE_TEST_MYSQL_DSN") != NULL)
		test_db(getenv("STORE_TEST_MYSQL_DSN"), "mariadb");
	return tap_done();
}
