/*
 * store.c -- the SQL interface: data source names, dialect macros,
 *	dispatch to the SQLite and MariaDB backends
 *
 * SYNOPSIS
 *	struct store *store_open(const char *dsn, char *err, size_t errlen);
 *	char *store_dsn_compat(const struct store_compat *c);
 *	(the rest: see store.h)
 *
 * DESCRIPTION
 *	store_open parses the data source name (store.h), opens the backend
 *	and hands back a struct store whose calls are forwarded through the
 *	backend's ops table.  Before a statement reaches a backend its
 *	dialect macros ({INSERT_IGNORE}, {TS(x)}, {UNIX(col)}, {NOW}) are
 *	rewritten for that backend, so the report tools write one SQL text.
 *
 *	store_dsn_compat turns OpenDMARC's --dbhost/--dbname/--dbuser/
 *	--dbpasswd/--dbport values, or its OPENDMARC_DBHOST, OPENDMARC_DB,
 *	OPENDMARC_USER, OPENDMARC_PASSWORD and OPENDMARC_PORT variables, into
 *	a mysql:// name with OpenDMARC's defaults (localhost, opendmarc,
 *	opendmarc, opendmarc, 3306).  A host that starts with '/' is a unix
 *	socket.  User and password are percent-encoded.
 *
 * DIAGNOSTICS
 *	Functions return STORE_ERROR (-1) or NULL on failure; store_errmsg
 *	says why.  store_retryable tells a deadlock or lock-wait timeout
 *	(MariaDB 1213, 1205) or a busy SQLite file: the caller rolls back
 *	and runs its transaction again.
 *
 * WHY A FILE OF ITS OWN
 *	Only the backends include <sqlite3.h> or <mysql.h>; everything that
 *	is the same for both (names, macros, migrations in store_migrate.c)
 *	lives once, here, and is unit-tested without a server.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexval.h"
#include "store_int.h"
#include "xmalloc.h"

/* store_seterr - remember the last error (and whether a retry may help) */
void
store_seterr(struct store *s, int retryable, const char *fmt, ...)
{
	va_list ap;

	s->retryable = retryable;
	va_start(ap, fmt);
	(void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
}

/* seterr - copy a message into the caller's error buffer */
static void
seterr(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "%s", msg);
}


/* pdecode - p[0..len) with %XX escapes decoded; NULL on a bad escape */
static char *
pdecode(const char *p, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (p[i] != '%') {
			out[n++] = p[i];
			continue;
		}
		if (i + 2 >= len) {
			free(out);
			return NULL;
		}
		if ((hi = hexval((unsigned char)p[i + 1])) < 0 ||
		    (lo = hexval((unsigned char)p[i + 2])) < 0 ||
		    (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		out[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[n] = '\0';
	return out;
}

/* parse_query - "?socket=/path" (the only parameter we know) */
static int
parse_query(const char *q, struct store_dsn *d, char *err, size_t errlen)
{
	if (strncmp(q, "socket=", 7) != 0 || q[7] == '\0') {
		seterr(err, errlen, "unknown DSN parameter (only socket=)");
		return -1;
	}
	if ((d->socket = pdecode(q + 7, strlen(q + 7))) == NULL) {
		seterr(err, errlen, "bad %-escape in socket path");
		return -1;
	}
	return 0;
}

/* parse_hostport - "host", "host:port" or "[v6]:port" */
static int
parse_hostport(const char *p, size_t len, struct store_dsn *d, char *err,
    size_t errlen)
{
	const char *colon = NULL, *hend = p + len;
	char *end;
	unsigned long port;

	if (len > 0 && p[0] == '[') {
		if ((hend = memchr(p, ']', len)) == NULL) {
			seterr(err, errlen, "unterminated [address]");
			return -1;
		}
		d->host = xstrndup(p + 1, (size_t)(hend - p - 1));
		if (hend + 1 < p + len) {
			if (hend[1] != ':') {
				seterr(err, errlen, "junk after [address]");
				return -1;
			}
			colon = hend + 1;
		}
	} else {
		colon = memchr(p, ':', len);
		hend = colon != NULL ? colon : p + len;
		if (hend > p)
			d->host = xstrndup(p, (size_t)(hend - p));
	}
	if (colon == NULL)
		return 0;
	port = strtoul(colon + 1, &end, 10);
	if (end != p + len || end == colon + 1 || port == 0 || port > 65535) {
		seterr(err, errlen, "bad port number");
		return -1;
	}
	d->port = (unsigned)port;
	return 0;
}

/* parse_userinfo - "user[:password]", both percent-decoded */
static int
parse_userinfo(const char *p, size_t len, struct store_dsn *d, char *err,
    size_t errlen)
{
	const char *colon = memchr(p, ':', len);
	size_t ulen = colon != NULL ? (size_t)(colon - p) : len;

	if (ulen > 0 && (d->user = pdecode(p, ulen)) == NULL)
		goto bad;
	if (colon != NULL && (d->password = pdecode(colon + 1,
	    len - ulen - 1)) == NULL)
		goto bad;
	return 0;
bad:
	seterr(err, errlen, "bad %-escape in user or password");
	return -1;
}

/* parse_mysql - the part after "mysql://" */
static int
parse_mysql(const char *p, struct store_dsn *d, char *err, size_t errlen)
{
	const char *slash, *at, *q;
	size_t alen;

	d->kind = STORE_MYSQL;
	if ((slash = strchr(p, '/')) == NULL) {
		seterr(err, errlen, "mysql DSN without /database");
		return -1;
	}
	alen = (size_t)(slash - p);
	at = NULL;
	for (q = p; q < slash; q++)
		if (*q == '@')
			at = q;	/* the last '@': passwords may hold one */
	if (at != NULL && parse_userinfo(p, (size_t)(at - p), d, err,
	    errlen) != 0)
		return -1;
	if (at != NULL)
		alen = (size_t)(slash - at - 1), p = at + 1;
	if (parse_hostport(p, alen, d, err, errlen) != 0)
		return -1;
	q = strchr(slash + 1, '?');
	alen = q != NULL ? (size_t)(q - slash - 1) : strlen(slash + 1);
	if (alen == 0 || (d->db = pdecode(slash + 1, alen)) == NULL) {
		seterr(err, errlen, "mysql DSN without a database name");
		return -1;
	}
	if (q != NULL && parse_query(q + 1, d, err, errlen) != 0)
		return -1;
	return 0;
}

/* store_dsn_parse - see store.h for the accepted forms */
int
store_dsn_parse(const char *dsn, struct store_dsn *d, char *err,
    size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (dsn == NULL) {
		seterr(err, errlen, "no database given");
		return -1;
	}
	if (strncmp(dsn, "sqlite:", 7) == 0) {
		d->kind = STORE_SQLITE;
		dsn += 7;
		if (strncmp(dsn, "//", 2) == 0)	/* sqlite:///path */
			dsn += 2;
		if (*dsn == '\0') {
			seterr(err, errlen, "sqlite DSN without a file name");
			return -1;
		}
		d->path = xstrdup(dsn);
		return 0;
	}
	if (strncmp(dsn, "mysql://", 8) == 0 &&
	    parse_mysql(dsn + 8, d, err, errlen) == 0)
		return 0;
	if (strncmp(dsn, "mariadb://", 10) == 0 &&
	    parse_mysql(dsn + 10, d, err, errlen) == 0)
		return 0;
	if (strncmp(dsn, "mysql://", 8) != 0 &&
	    strncmp(dsn, "mariadb://", 10) != 0)
		seterr(err, errlen, "unknown database type (sqlite: or mysql://)");
	store_dsn_free(d);
	return -1;
}

/* store_dsn_free - release a parsed name; fine to call twice */
void
store_dsn_free(struct store_dsn *d)
{
	free(d->path);
	free(d->user);
	free(d->password);
	free(d->host);
	free(d->db);
	free(d->socket);
	memset(d, 0, sizeof(*d));
}

/* Dialect macros: name, SQLite text, MariaDB text ("%s": the argument). */
static const struct macro {
	const char	*name;
	int		 arg;
	const char	*sqlite, *mysql;
} macros[] = {
	{ "INSERT_IGNORE", 0, "INSERT OR IGNORE", "INSERT IGNORE" },
	{ "NOW", 0, "CAST(strftime('%s','now') AS INTEGER)",
	    "UNIX_TIMESTAMP()" },
	{ "TS", 1, "%s", "FROM_UNIXTIME(%s)" },
	{ "UNIX", 1, "%s", "UNIX_TIMESTAMP(%s)" },
};

/* append - grow *out by p[0..len) */
static void
append(char **out, size_t *n, size_t *cap, const char *p, size_t len)
{
	if (*n + len + 1 > *cap) {
		*cap = (*n + len + 1) * 2;
		*out = xrealloc(*out, *cap);
	}
	memcpy(*out + *n, p, len);
	*n += len;
	(*out)[*n] = '\0';
}

/* expand - one macro at p ("{NAME}" or "{NAME(arg)}"); 0 if none there */
static size_t
expand(enum store_kind kind, const char *p, char **out, size_t *n,
    size_t *cap)
{
	const struct macro *m;
	const char *t, *pct, *arg, *close;
	char *a, *inner;
	size_t i, nlen;

	for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
		m = &macros[i];
		nlen = strlen(m->name);
		if (strncmp(p + 1, m->name, nlen) != 0)
			continue;
		t = kind == STORE_SQLITE ? m->sqlite : m->mysql;
		if (!m->arg) {
			if (p[1 + nlen] != '}')
				continue;
			append(out, n, cap, t, strlen(t));
			return nlen + 2;
		}
		if (p[1 + nlen] != '(')
			continue;
		arg = p + 2 + nlen;
		if ((close = strstr(arg, ")}")) == NULL ||
		    memchr(arg, '(', (size_t)(close - arg)) != NULL)
			continue;
		pct = strstr(t, "%s");
		append(out, n, cap, t, (size_t)(pct - t));
		a = xstrndup(arg, (size_t)(close - arg));
		inner = store_rewrite(kind, a);	/* {TS({NOW} - ?)} */
		append(out, n, cap, inner, strlen(inner));
		free(inner);
		free(a);
		append(out, n, cap, pct + 2, strlen(pct + 2));
		return (size_t)(close + 2 - p);
	}
	return 0;
}

/* store_rewrite - sql with its dialect macros expanded for kind */
char *
store_rewrite(enum store_kind kind, const char *sql)
{
	char *out = NULL;
	size_t n = 0, cap = 0, used;
	const char *p = sql, *b;

	append(&out, &n, &cap, "", 0);
	while ((b = strchr(p, '{')) != NULL) {
		append(&out, &n, &cap, p, (size_t)(b - p));
		if ((used = expand(kind, b, &out, &n, &cap)) == 0) {
			append(&out, &n, &cap, b, 1);
			used = 1;
		}
		p = b + used;
	}
	append(&out, &n, &cap, p, strlen(p));
	return out;
}

/* compat_val - option value, else the variable, else the default */
static const char *
compat_val(const char *opt, const char *var, const char *def, int *given)
{
	const char *v;

	if (opt != NULL) {
		*given = 1;
		return opt;
	}
	if ((v = getenv(var)) != NULL && *v != '\0') {
		*given = 1;
		return v;
	}
	return def;
}

/* pencode - percent-encode everything but RFC 3986 unreserved octets */
static void
pencode(char **out, size_t *n, size_t *cap, const char *p)
{
	char hex[4];

	for (; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || strchr("-._~", *p) != NULL) {
			append(out, n, cap, p, 1);
			continue;
		}
		(void)snprintf(hex, sizeof(hex), "%%%02X", (unsigned char)*p);
		append(out, n, cap, hex, 3);
	}
}

/* store_dsn_compat - see the file header */
char *
store_dsn_compat(const struct store_compat *c)
{
	static const struct store_compat none;
	const char *host, *db, *user, *pass, *port;
	char *out = NULL;
	size_t n = 0, cap = 0;
	int given = 0;

	if (c == NULL)
		c = &none;
	host = compat_val(c->host, "OPENDMARC_DBHOST", "localhost", &given);
	db = compat_val(c->name, "OPENDMARC_DB", "opendmarc", &given);
	user = compat_val(c->user, "OPENDMARC_USER", "opendmarc", &given);
	pass = compat_val(c->password, "OPENDMARC_PASSWORD", "opendmarc",
	    &given);
	port = compat_val(c->port, "OPENDMARC_PORT", "3306", &given);
	if (!given)
		return NULL;
	append(&out, &n, &cap, "mysql://", 8);
	pencode(&out, &n, &cap, user);
	append(&out, &n, &cap, ":", 1);
	pencode(&out, &n, &cap, pass);
	append(&out, &n, &cap, "@", 1);
	if (host[0] == '/') {
		append(&out, &n, &cap, "localhost/", 10);
		pencode(&out, &n, &cap, db);
		append(&out, &n, &cap, "?socket=", 8);
		append(&out, &n, &cap, host, strlen(host));
		return out;
	}
	if (strchr(host, ':') != NULL)
		append(&out, &n, &cap, "[", 1);
	append(&out, &n, &cap, host, strlen(host));
	if (strchr(host, ':') != NULL)
		append(&out, &n, &cap, "]", 1);
	append(&out, &n, &cap, ":", 1);
	append(&out, &n, &cap, port, strlen(port));
	append(&out, &n, &cap, "/", 1);
	pencode(&out, &n, &cap, db);
	return out;
}

/* store_open - parse dsn and open its backend */
struct store *
store_open(const char *dsn, char *err, size_t errlen)
{
	struct store_dsn d;
	struct store *s;

	if (store_dsn_parse(dsn, &d, err, errlen) != 0)
		return NULL;
	if (d.kind == STORE_SQLITE)
		s = store_sqlite_open(&d, err, errlen);
	else
		s = store_mysql_open(&d, err, errlen);
	store_dsn_free(&d);
	return s;
}

/* store_close - close the connection; NULL is fine */
void
store_close(struct store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ncached; i++)
		s->ops->finalize(s->cached[i].st);
	s->ops->close(s);
}

/* store_kind - which backend */
enum store_kind
store_kind(const struct store *s)
{
	return s->kind;
}

/* store_errmsg - the last error's text */
const char *
store_errmsg(const struct store *s)
{
	return s->errmsg[0] != '\0' ? s->errmsg : "no error";
}

/* store_retryable - the last error was a deadlock or a busy database */
int
store_retryable(const struct store *s)
{
	return s->retryable;
}

/* store_exec - run one statement (no parameters, no rows) */
int
store_exec(struct store *s, const char *sql)
{
	char *q = store_rewrite(s->kind, sql);
	int rc;

	s->retryable = 0;
	rc = s->ops->exec(s, q);
	free(q);
	return rc;
}

/* store_begin - start a transaction (SQLite: BEGIN IMMEDIATE) */
int
store_begin(struct store *s)
{
	return store_exec(s, s->kind == STORE_SQLITE ? "BEGIN IMMEDIATE" :
	    "START TRANSACTION");
}

/* store_commit - commit the transaction */
int
store_commit(struct store *s)
{
	return store_exec(s, "COMMIT");
}

/* store_rollback - abandon the transaction, keeping the error message */
int
store_rollback(struct store *s)
{
	char saved[sizeof(s->errmsg)];
	int retry = s->retryable, rc;

	memcpy(saved, s->errmsg, sizeof(saved));
	rc = store_exec(s, "ROLLBACK");
	memcpy(s->errmsg, saved, sizeof(saved));
	s->retryable = retry;
	return rc;
}

/* store_prepare - compile sql (macros rewritten) */
struct store_stmt *
store_prepare(struct store *s, const char *sql)
{
	char *q = store_rewrite(s->kind, sql);
	struct store_stmt *st;

	s->retryable = 0;
	st = s->ops->prepare(s, q);
	free(q);
	return st;
}

/* store_prepare_cached - see store.h */
struct store_stmt *
store_prepare_cached(struct store *s, const char *sql)
{
	struct store_stmt *st;
	size_t i;

	for (i = 0; i < s->ncached; i++)
		if (s->cached[i].sql == sql) {
			s->retryable = 0;
			return s->cached[i].st;
		}
	if ((st = store_prepare(s, sql)) != NULL &&
	    s->ncached < STORE_NCACHED) {
		st->cached = 1;
		s->cached[s->ncached].sql = sql;
		s->cached[s->ncached++].st = st;
	}
	return st;
}

/* store_bind_int64 - bind parameter i (from 1) */
int
store_bind_int64(struct store_stmt *st, int i, int64_t v)
{
	return st->s->ops->bind_int64(st, i, v);
}

/* store_bind_text - bind p[0..len) to parameter i; p is copied */
int
store_bind_text(struct store_stmt *st, int i, const char *p, size_t len)
{
	return st->s->ops->bind_text(st, i, p != NULL ? p : "", len);
}

/* store_bind_null - bind SQL NULL to parameter i */
int
store_bind_null(struct store_stmt *st, int i)
{
	return st->s->ops->bind_null(st, i);
}

/* store_step - STORE_ROW, STORE_DONE or STORE_ERROR */
int
store_step(struct store_stmt *st)
{
	st->s->retryable = 0;
	return st->s->ops->step(st);
}

/* store_reset - make the statement runnable again; bindings stay */
int
store_reset(struct store_stmt *st)
{
	return st->s->ops->reset(st);
}

/* store_finalize - free the statement (reset a cached one); NULL is fine */
void
store_finalize(struct store_stmt *st)
{
	if (st == NULL)
		return;
	if (st->cached)
		(void)st->s->ops->reset(st);
	else
		st->s->ops->finalize(st);
}

/* store_col_isnull - column col (from 0) of the current row is NULL */
int
store_col_isnull(struct store_stmt *st, int col)
{
	return st->s->ops->col_isnull(st, col);
}

/* store_col_int64 - column col as an integer (0 for NULL) */
int64_t
store_col_int64(struct store_stmt *st, int col)
{
	return st->s->ops->col_int64(st, col);
}

/* store_col_text - column col as text; NULL for SQL NULL */
const char *
store_col_text(struct store_stmt *st, int col, size_t *len)
{
	return st->s->ops->col_text(st, col, len);
}

/* store_last_id - id of the last row inserted with a new id */
int64_t
store_last_id(struct store *s)
{
	return s->ops->last_id(s);
}

/* store_changes - rows the last statement changed (MariaDB: matched) */
int64_t
store_changes(struct store *s)
{
	return s->ops->changes(s);
}

/* store_lock - see store.h */
int
store_lock(struct store *s, const char *name, int timeout_s)
{
	return s->ops->lock(s, name, timeout_s);
}

/* store_unlock - release a lock taken with store_lock */
int
store_unlock(struct store *s, const char *name)
{
	return s->ops->unlock(s, name);
}
