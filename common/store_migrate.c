/*
 * store_migrate.c -- create the schema or bring it up to date, in place
 *
 * SYNOPSIS
 *	int store_migrate(struct store *s, char *err, size_t errlen);
 *	int store_schema_version(struct store *s);
 *
 * DESCRIPTION
 *	The migrations are the numbered files of db/<dialect>/ (NNN-what.sql),
 *	compiled in by tools/sql2c.sh.  Table schema_version holds one row
 *	per migration applied; store_migrate applies, in ascending order,
 *	every migration of its dialect whose number is not there (so a
 *	number added later below one already applied still runs).  Numbers
 *	001-009 are the store's, 010-019 dmarc-reports'.
 *
 *	A MariaDB database holding OpenDMARC's tables (messages, requests)
 *	and no schema_version is OpenDMARC's: db/mysql/opendmarc-upgrade.sql
 *	runs in place of 001, keeping every row, and version 1 is recorded.
 *
 *	Files are split into statements at lines ending in ';'.  A comment
 *	line "-- @if-missing column T.C", "-- @if-missing table T",
 *	"-- @if-missing index T.I" or "-- @if-present index T.I" makes the
 *	next statement conditional, so a MariaDB migration (whose DDL cannot
 *	be rolled back) can be run again after an interruption.  SQLite runs
 *	each migration in one transaction.  The whole run holds
 *	store_lock("schema"): several hosts may start at once.
 *
 * DIAGNOSTICS
 *	-1 with the failing file, statement and server message in err.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "xmalloc.h"

/* count1 - run a COUNT query with two text parameters (b may be NULL) */
static int
count1(struct store *s, const char *sql, const char *a, const char *b)
{
	struct store_stmt *st;
	int n = -1;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	if (store_bind_text(st, 1, a, strlen(a)) == 0 && (b == NULL ||
	    store_bind_text(st, 2, b, strlen(b)) == 0) &&
	    store_step(st) == STORE_ROW)
		n = store_col_int64(st, 0) > 0;
	store_finalize(st);
	return n;
}

/* has_table - 1 if table t exists, 0 if not, -1 on error */
static int
has_table(struct store *s, const char *t)
{
	return count1(s, s->kind == STORE_SQLITE ?
	    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
	    "name = ?" :
	    "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
	    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", t, NULL);
}

/* has_thing - column or index "T.N" exists */
static int
has_thing(struct store *s, int index, const char *tn)
{
	const char *dot = strchr(tn, '.');
	char t[128];

	if (dot == NULL || (size_t)(dot - tn) >= sizeof(t))
		return -1;
	memcpy(t, tn, (size_t)(dot - tn));
	t[dot - tn] = '\0';
	if (s->kind == STORE_SQLITE)
		return count1(s, index ?
		    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
		    "AND tbl_name = ? AND name = ?" :
		    "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?",
		    t, dot + 1);
	return count1(s, index ?
	    "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE "
	    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?" :
	    "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
	    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
	    t, dot + 1);
}

/* wanted - does the "-- @if-..." condition hold: 1, 0, -1 error */
static int
wanted(struct store *s, const char *cond)
{
	char what[16], name[256], arg[16];
	int missing, r;

	if (sscanf(cond, "-- @if-%15s %15s %255s", arg, what, name) != 3)
		return -1;
	missing = strcmp(arg, "missing") == 0;
	if (!missing && strcmp(arg, "present") != 0)
		return -1;
	if (strcmp(what, "table") == 0)
		r = has_table(s, name);
	else if (strcmp(what, "column") == 0 || strcmp(what, "index") == 0)
		r = has_thing(s, what[0] == 'i', name);
	else
		return -1;
	return r < 0 ? -1 : missing ? !r : r;
}

/* run_file - every statement of one file, honouring the conditions */
static int
run_file(struct store *s, const struct store_sqlfile *f, char *err,
    size_t errlen)
{
	const char *p = f->text, *nl;
	char *stmt = NULL, *cond = NULL;
	size_t n = 0, len;
	int rc = 0, w;

	for (; rc == 0 && *p != '\0'; p = nl + (*nl != '\0')) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		len = (size_t)(nl - p);
		if (n == 0 && len >= 7 && strncmp(p, "-- @if-", 7) == 0) {
			free(cond);
			cond = xstrndup(p, len);
			continue;
		}
		if (len >= 2 && strncmp(p, "--", 2) == 0)
			continue;
		if (n == 0 && strspn(p, " \t") == len)
			continue;	/* blank lines between statements */
		stmt = xrealloc(stmt, n + len + 2);
		memcpy(stmt + n, p, len);
		n += len;
		stmt[n++] = '\n';
		stmt[n] = '\0';
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0 || p[len - 1] != ';')
			continue;
		w = cond != NULL ? wanted(s, cond) : 1;
		if (w < 0 || (w == 1 && store_exec(s, stmt) != 0)) {
			(void)snprintf(err, errlen, "%s/%s: %s: %s", f->dialect,
			    f->name, cond != NULL && w < 0 ? cond : stmt,
			    store_errmsg(s));
			rc = -1;
		}
		free(cond);
		cond = NULL;
		n = 0;
	}
	free(stmt);
	free(cond);
	return rc;
}

/* applied - migration v is recorded in schema_version */
static int
applied(struct store *s, int v)
{
	struct store_stmt *st;
	int n = -1;

	if ((st = store_prepare(s, "SELECT COUNT(*) FROM schema_version "
	    "WHERE version = ?")) == NULL)
		return -1;
	if (store_bind_int64(st, 1, v) == 0 && store_step(st) == STORE_ROW)
		n = store_col_int64(st, 0) > 0;
	store_finalize(st);
	return n;
}

/* record - add v to schema_version */
static int
record(struct store *s, int v, const char *what)
{
	struct store_stmt *st;
	int rc = -1;

	if ((st = store_prepare(s, "{INSERT_IGNORE} INTO schema_version "
	    "(version, applied, description) VALUES (?, {NOW}, ?)")) == NULL)
		return -1;
	if (store_bind_int64(st, 1, v) == 0 &&
	    store_bind_text(st, 2, what, strlen(what)) == 0 &&
	    store_step(st) == STORE_DONE)
		rc = 0;
	store_finalize(st);
	return rc;
}

/* apply - one migration (SQLite: in a transaction) */
static int
apply(struct store *s, const struct store_sqlfile *f, int v, char *err,
    size_t errlen)
{
	int tx = s->kind == STORE_SQLITE;

	if (tx && store_begin(s) != 0)
		goto fail;
	if (run_file(s, f, err, errlen) != 0) {
		if (tx)
			(void)store_rollback(s);
		return -1;
	}
	if (record(s, v, f->name) != 0 || (tx && store_commit(s) != 0)) {
		if (tx)
			(void)store_rollback(s);
		goto fail;
	}
	return 0;
fail:
	(void)snprintf(err, errlen, "%s/%s: %s", f->dialect, f->name,
	    store_errmsg(s));
	return -1;
}

/* dialect - the db/ directory name of s's backend */
static const char *
dialect(const struct store *s)
{
	return s->kind == STORE_SQLITE ? "sqlite" : "mysql";
}

/* upgrade_opendmarc - bring OpenDMARC's tables to our version 1 */
static int
upgrade_opendmarc(struct store *s, char *err, size_t errlen)
{
	const struct store_sqlfile *f;

	for (f = store_sqlfiles; f->dialect != NULL; f++)
		if (strcmp(f->dialect, dialect(s)) == 0 &&
		    strcmp(f->name, "opendmarc-upgrade.sql") == 0)
			break;
	if (f->dialect == NULL) {
		(void)snprintf(err, errlen, "the database has OpenDMARC's "
		    "tables but no schema_version, and there is no %s "
		    "upgrade from OpenDMARC", dialect(s));
		return -1;
	}
	return apply(s, f, 1, err, errlen);
}

/* migrate_locked - the work of store_migrate, under the schema lock */
static int
migrate_locked(struct store *s, char *err, size_t errlen)
{
	const struct store_sqlfile *f, *next;
	int hv, last = 0, a = 0;

	if ((hv = has_table(s, "schema_version")) < 0)
		goto fail;
	if (!hv && (a = has_table(s, "messages")) < 0)
		goto fail;
	if (!hv && a == 1) {
		if (upgrade_opendmarc(s, err, errlen) != 0)
			return -1;
		hv = 1;
	}
	for (;;) {	/* the lowest-numbered file above last */
		next = NULL;
		for (f = store_sqlfiles; f->dialect != NULL; f++)
			if (f->version > last && strcmp(f->dialect,
			    dialect(s)) == 0 && (next == NULL ||
			    f->version < next->version))
				next = f;
		if (next == NULL)
			return 0;
		last = next->version;
		if (hv && (a = applied(s, last)) != 0) {
			if (a < 0)
				goto fail;
			continue;
		}
		if (apply(s, next, last, err, errlen) != 0)
			return -1;
		hv = 1;
	}
fail:
	(void)snprintf(err, errlen, "%s", store_errmsg(s));
	return -1;
}

/* store_migrate - see the file header */
int
store_migrate(struct store *s, char *err, size_t errlen)
{
	int rc;

	if ((rc = store_lock(s, "schema", 300)) != 1) {
		(void)snprintf(err, errlen, "%s", rc == 0 ?
		    "another host is migrating the schema (timeout)" :
		    store_errmsg(s));
		return -1;
	}
	rc = migrate_locked(s, err, errlen);
	(void)store_unlock(s, "schema");
	return rc;
}

/* store_schema_version - the highest migration applied, 0 for none */
int
store_schema_version(struct store *s)
{
	struct store_stmt *st;
	int hv, v = -1;

	if ((hv = has_table(s, "schema_version")) <= 0)
		return hv;
	if ((st = store_prepare(s, "SELECT MAX(version) FROM "
	    "schema_version")) == NULL)
		return -1;
	if (store_step(st) == STORE_ROW)
		v = (int)store_col_int64(st, 0);
	store_finalize(st);
	return v;
}
