/*
 * store.h -- one small SQL interface over SQLite and MariaDB/MySQL
 *
 * SYNOPSIS
 *	struct store *s = store_open("sqlite:/var/lib/dmarcd/dmarc.db",
 *	    err, sizeof(err));
 *	store_migrate(s, err, sizeof(err));
 *	struct store_stmt *st = store_prepare(s,
 *	    "{INSERT_IGNORE} INTO domains (name) VALUES (?)");
 *	store_bind_text(st, 1, "example.com", 11);
 *	store_step(st);			(STORE_DONE)
 *	store_finalize(st);
 *	store_close(s);
 *
 * DESCRIPTION
 *	The report tools (dmarc-import, dmarc-reports, dmarc-expire,
 *	dmarc-params, dmarc-ingest) write portable SQL against the schema in
 *	db/ and run it through this interface; the backend is chosen by the
 *	Database key (or OpenDMARC's --db* options, see store_dsn_compat).
 *
 *	Data source names:
 *	    sqlite:/path/to/file.db
 *	    mysql://user:password@host:port/database
 *	    mysql://user:password@localhost/database?socket=/path/to/sock
 *	    mysql:///database?socket=/path  (user/password from ~/.my.cnf or
 *	    the OPENDMARC_* variables)
 *	"mariadb://" is a synonym of "mysql://".  Percent-escapes (%40 ...)
 *	are decoded in user and password.
 *
 *	SQL text may hold these dialect macros, rewritten by store_prepare
 *	and store_exec:
 *	    {INSERT_IGNORE}	INSERT OR IGNORE | INSERT IGNORE
 *	    {TS(x)}		x                | FROM_UNIXTIME(x)
 *	    {UNIX(col)}		col              | UNIX_TIMESTAMP(col)
 *	    {NOW}		strftime('%s','now') | UNIX_TIMESTAMP()
 *	x and col must not contain parentheses.  Timestamps cross this
 *	interface as Unix seconds (int64, UTC): SQLite stores them as
 *	INTEGER; MariaDB keeps OpenDMARC's TIMESTAMP columns and every
 *	session runs with time_zone '+00:00'.  '?' placeholders are numbered
 *	from 1; columns from 0.
 *
 *	A struct store is used by one thread at a time.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_stmt;

enum store_kind {
	STORE_SQLITE,
	STORE_MYSQL
};

/* store_step results */
#define STORE_ROW	1
#define STORE_DONE	0
#define STORE_ERROR	(-1)

/* OpenDMARC's --dbhost/--dbname/--dbuser/--dbpasswd/--dbport values (NULL:
   not given; then OPENDMARC_DBHOST, OPENDMARC_DB, OPENDMARC_USER,
   OPENDMARC_PASSWORD, OPENDMARC_PORT; then OpenDMARC's defaults). */
struct store_compat {
	const char	*host, *name, *user, *password, *port;
};

/* store_dsn_compat - a mysql:// DSN from OpenDMARC-style options; NULL
   when none of them (options or variables) is set.  Caller frees. */
char		*store_dsn_compat(const struct store_compat *c);

struct store	*store_open(const char *dsn, char *err, size_t errlen);
void		 store_close(struct store *s);
enum store_kind	 store_kind(const struct store *s);
const char	*store_errmsg(const struct store *s);
/* store_retryable - the last error was a deadlock, lock-wait timeout
   (MariaDB 1213/1205) or busy SQLite file: roll back and run it again */
int		 store_retryable(const struct store *s);

/* store_migrate - create the schema, or bring it (including an OpenDMARC
   database) to the newest version in place; idempotent */
int		 store_migrate(struct store *s, char *err, size_t errlen);
int		 store_schema_version(struct store *s);

int		 store_exec(struct store *s, const char *sql);
int		 store_begin(struct store *s);
int		 store_commit(struct store *s);
int		 store_rollback(struct store *s);

struct store_stmt *store_prepare(struct store *s, const char *sql);
/* store_prepare_cached - store_prepare for a statement run again and
   again: kept in s by the address of sql (a string literal), reused;
   its store_finalize only resets it and store_close frees it.  One use
   at a time per sql. */
struct store_stmt *store_prepare_cached(struct store *s, const char *sql);
int		 store_bind_int64(struct store_stmt *st, int i, int64_t v);
int		 store_bind_text(struct store_stmt *st, int i, const char *p,
		    size_t len);
int		 store_bind_null(struct store_stmt *st, int i);
int		 store_step(struct store_stmt *st);
int		 store_reset(struct store_stmt *st);
void		 store_finalize(struct store_stmt *st);
int		 store_col_isnull(struct store_stmt *st, int col);
int64_t		 store_col_int64(struct store_stmt *st, int col);
/* valid until the next step, reset or finalize; NULL for SQL NULL */
const char	*store_col_text(struct store_stmt *st, int col, size_t *len);

int64_t		 store_last_id(struct store *s);
int64_t		 store_changes(struct store *s);

/* store_lock - a named advisory lock shared by every host using the same
   database (MariaDB GET_LOCK; a lock file beside the SQLite file).
   Returns 1 locked, 0 held by someone else after timeout_s, -1 error. */
int		 store_lock(struct store *s, const char *name, int timeout_s);
int		 store_unlock(struct store *s, const char *name);

/* store_load - MariaDB only: run sql, a LOAD DATA LOCAL INFILE statement
   naming the file STORE_STREAM, with data[0..len) as the file's content
   (store_mysql.c).  Any other file the server asks for is refused, and a
   warning (a value truncated or converted) counts as an error.  Returns
   0, or -1 (also on SQLite, which has no such statement). */
#define STORE_STREAM	"dmarcd-stream"
int		 store_load(struct store *s, const char *sql, const char *data,
		    size_t len);

#endif
