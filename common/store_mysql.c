/*
 * store_mysql.c -- the MariaDB/MySQL backend of store.h (libmariadb)
 *
 * SYNOPSIS
 *	struct store *store_mysql_open(const struct store_dsn *d, char *err,
 *	    size_t errlen);
 *
 * DESCRIPTION
 *	Every statement is a server-side prepared statement: parameters are
 *	bound with their real types (an integer is never sent as a string,
 *	OpenDMARC's MariaDB hang #196) and every result column is fetched
 *	as text into a buffer that grows on truncation.  Results are stored
 *	client-side (mysql_stmt_store_result), so a caller may run other
 *	statements while it walks a result.  The session runs with
 *	time_zone '+00:00' (TIMESTAMP columns cross the interface as Unix
 *	seconds) and CLIENT_FOUND_ROWS, so store_changes counts matched
 *	rows as SQLite does.  The [client] group of the option files
 *	(~/.my.cnf) is read; the DSN, then OPENDMARC_USER and
 *	OPENDMARC_PASSWORD, override it.
 *
 *	store_load streams a caller's buffer to LOAD DATA LOCAL INFILE.
 *	The connection is opened with MYSQL_OPT_LOCAL_INFILE, but every file
 *	the server asks for goes through our own handler (installed before
 *	connecting, so libmariadb's, which reads any path from disk, is
 *	never used): it answers only while store_load is running, only for
 *	the name STORE_STREAM, and only with that buffer.  A server (or a
 *	LOAD DATA statement of anyone else) naming another file gets an
 *	error, so no local file can ever be read.
 *
 *	store_lock is a lease row in table store_locks, not GET_LOCK():
 *	Galera refuses GET_LOCK (MDEV-30473) and it would only lock one
 *	node.  A lease lasts STORE_LOCK_LEASE seconds; the holder extends
 *	it by calling store_lock again.  Must not be called inside a
 *	transaction (it may create the table).
 *
 * DIAGNOSTICS
 *	Errors 1213 (deadlock, also Galera's certification failure) and
 *	1205 (lock wait timeout) are marked retryable.
 */
#include "config.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"
#include "xmalloc.h"

#define MY_MAXLOCKS		8
#define STORE_LOCK_LEASE	900
#define MY_COLBUF		256

struct my_store {
	struct store	 base;
	MYSQL		*db;
	int64_t		 changes, last_id;
	int		 locktable;
	char		 holder[128];
	char		*locks[MY_MAXLOCKS];
	const char	*stream;	/* store_load's buffer, NULL: none */
	size_t		 streamlen, streampos;
	int		 streamok;	/* the server asked for it */
};

struct my_val {
	int64_t		 i;
	char		*p;
	unsigned long	 len, cap;
	my_bool		 isnull, err;
};

struct my_stmt {
	struct store_stmt base;
	MYSQL_STMT	*st;
	unsigned	 nparam, ncol;
	MYSQL_BIND	*param, *res;
	struct my_val	*pv, *rv;
	int		 state;		/* 0 not run, 1 rows, 2 done */
};

#define MY(s)	((struct my_store *)(void *)(s))
#define MS(st)	((struct my_stmt *)(void *)(st))

/* retry_errno - errors after which running the transaction again helps */
static int
retry_errno(unsigned e)
{
	return e == 1213 || e == 1205;
}

/* my_err - record the connection's error */
static int
my_err(struct store *s, const char *what)
{
	unsigned e = mysql_errno(MY(s)->db);

	store_seterr(s, retry_errno(e), "mysql: %s: %s (%u)", what,
	    mysql_error(MY(s)->db), e);
	return STORE_ERROR;
}

/* st_err - record a statement's error */
static int
st_err(struct my_stmt *m)
{
	unsigned e = mysql_stmt_errno(m->st);

	store_seterr(m->base.s, retry_errno(e), "mysql: %s (%u)",
	    mysql_stmt_error(m->st), e);
	return STORE_ERROR;
}

/* my_exec - run one statement without parameters, discarding rows */
static int
my_exec(struct store *s, const char *sql)
{
	MYSQL_RES *r;

	if (mysql_real_query(MY(s)->db, sql, strlen(sql)) != 0)
		return my_err(s, sql);
	if ((r = mysql_store_result(MY(s)->db)) != NULL)
		mysql_free_result(r);
	MY(s)->changes = (int64_t)mysql_affected_rows(MY(s)->db);
	return 0;
}

/* my_prepare - prepare sql and size its parameter and result arrays */
static struct store_stmt *
my_prepare(struct store *s, const char *sql)
{
	struct my_stmt *m = xcalloc(1, sizeof(*m));

	m->base.s = s;
	if ((m->st = mysql_stmt_init(MY(s)->db)) == NULL) {
		(void)my_err(s, "stmt_init");
		free(m);
		return NULL;
	}
	if (mysql_stmt_prepare(m->st, sql, strlen(sql)) != 0) {
		(void)st_err(m);
		(void)snprintf(s->errmsg + strlen(s->errmsg),
		    sizeof(s->errmsg) - strlen(s->errmsg), ": %s", sql);
		mysql_stmt_close(m->st);
		free(m);
		return NULL;
	}
	m->nparam = (unsigned)mysql_stmt_param_count(m->st);
	m->ncol = mysql_stmt_field_count(m->st);
	m->param = xcalloc(m->nparam + 1, sizeof(*m->param));
	m->pv = xcalloc(m->nparam + 1, sizeof(*m->pv));
	m->res = xcalloc(m->ncol + 1, sizeof(*m->res));
	m->rv = xcalloc(m->ncol + 1, sizeof(*m->rv));
	return &m->base;
}

/* param - parameter i (from 1) after a range check */
static struct my_val *
param(struct my_stmt *m, int i)
{
	if (i < 1 || (unsigned)i > m->nparam) {
		store_seterr(m->base.s, 0, "mysql: no parameter %d", i);
		return NULL;
	}
	return &m->pv[i - 1];
}

/* my_bind_int64 - bind a signed 64-bit integer */
static int
my_bind_int64(struct store_stmt *st, int i, int64_t v)
{
	struct my_stmt *m = MS(st);
	struct my_val *pv = param(m, i);

	if (pv == NULL)
		return STORE_ERROR;
	pv->i = v;
	pv->isnull = 0;
	memset(&m->param[i - 1], 0, sizeof(MYSQL_BIND));
	m->param[i - 1].buffer_type = MYSQL_TYPE_LONGLONG;
	m->param[i - 1].buffer = &pv->i;
	return 0;
}

/* my_bind_text - bind a copy of p[0..len) */
static int
my_bind_text(struct store_stmt *st, int i, const char *p, size_t len)
{
	struct my_stmt *m = MS(st);
	struct my_val *pv = param(m, i);

	if (pv == NULL)
		return STORE_ERROR;
	if (len + 1 > pv->cap) {
		pv->cap = len + 1;
		pv->p = xrealloc(pv->p, pv->cap);
	}
	memcpy(pv->p, p, len);
	pv->p[len] = '\0';
	pv->len = len;
	pv->isnull = 0;
	memset(&m->param[i - 1], 0, sizeof(MYSQL_BIND));
	m->param[i - 1].buffer_type = MYSQL_TYPE_STRING;
	m->param[i - 1].buffer = pv->p;
	m->param[i - 1].buffer_length = len;
	m->param[i - 1].length = &pv->len;
	return 0;
}

/* my_bind_null - bind NULL */
static int
my_bind_null(struct store_stmt *st, int i)
{
	struct my_stmt *m = MS(st);
	struct my_val *pv = param(m, i);

	if (pv == NULL)
		return STORE_ERROR;
	pv->isnull = 1;
	memset(&m->param[i - 1], 0, sizeof(MYSQL_BIND));
	m->param[i - 1].buffer_type = MYSQL_TYPE_NULL;
	m->param[i - 1].is_null = &pv->isnull;
	return 0;
}

/* bind_results - every column as a string into its growable buffer */
static int
bind_results(struct my_stmt *m)
{
	unsigned c;

	for (c = 0; c < m->ncol; c++) {
		if (m->rv[c].cap == 0) {
			m->rv[c].cap = MY_COLBUF;
			m->rv[c].p = xmalloc(m->rv[c].cap);
		}
		memset(&m->res[c], 0, sizeof(MYSQL_BIND));
		m->res[c].buffer_type = MYSQL_TYPE_STRING;
		m->res[c].buffer = m->rv[c].p;
		m->res[c].buffer_length = m->rv[c].cap - 1;
		m->res[c].length = &m->rv[c].len;
		m->res[c].is_null = &m->rv[c].isnull;
		m->res[c].error = &m->rv[c].err;
	}
	return mysql_stmt_bind_result(m->st, m->res) == 0 ? 0 : st_err(m);
}

/* execute - bind, run, store the result set */
static int
execute(struct my_stmt *m)
{
	struct my_store *q = MY(m->base.s);

	if (m->nparam > 0 && mysql_stmt_bind_param(m->st, m->param) != 0)
		return st_err(m);
	if (mysql_stmt_execute(m->st) != 0)
		return st_err(m);
	q->changes = (int64_t)mysql_stmt_affected_rows(m->st);
	if (mysql_stmt_insert_id(m->st) != 0)
		q->last_id = (int64_t)mysql_stmt_insert_id(m->st);
	if (m->ncol == 0) {
		m->state = 2;
		return 0;
	}
	if (bind_results(m) != 0 || mysql_stmt_store_result(m->st) != 0)
		return st_err(m);
	m->state = 1;
	return 0;
}

/* refetch - columns that did not fit: grow their buffers, fetch again */
static int
refetch(struct my_stmt *m)
{
	unsigned c;

	for (c = 0; c < m->ncol; c++) {
		if (m->rv[c].isnull || m->rv[c].len < m->rv[c].cap)
			continue;
		m->rv[c].cap = m->rv[c].len + 1;
		m->rv[c].p = xrealloc(m->rv[c].p, m->rv[c].cap);
		m->res[c].buffer = m->rv[c].p;
		m->res[c].buffer_length = m->rv[c].cap - 1;
		if (mysql_stmt_fetch_column(m->st, &m->res[c], c, 0) != 0)
			return st_err(m);
	}
	return mysql_stmt_bind_result(m->st, m->res) == 0 ? 0 : st_err(m);
}

/* my_step - run on the first call, then one row per call */
static int
my_step(struct store_stmt *st)
{
	struct my_stmt *m = MS(st);
	unsigned c;
	int rc;

	if (m->state == 2) {
		(void)mysql_stmt_free_result(m->st);
		m->state = 0;
	}
	if (m->state == 0 && execute(m) != 0)
		return STORE_ERROR;
	if (m->state == 2)
		return STORE_DONE;
	rc = mysql_stmt_fetch(m->st);
	if (rc == MYSQL_NO_DATA) {
		m->state = 2;
		return STORE_DONE;
	}
	if (rc == MYSQL_DATA_TRUNCATED && refetch(m) != 0)
		return STORE_ERROR;
	if (rc != 0 && rc != MYSQL_DATA_TRUNCATED)
		return st_err(m);
	for (c = 0; c < m->ncol; c++)
		if (!m->rv[c].isnull)
			m->rv[c].p[m->rv[c].len] = '\0';
	return STORE_ROW;
}

/* my_reset - drop any pending rows; bindings stay */
static int
my_reset(struct store_stmt *st)
{
	struct my_stmt *m = MS(st);

	if (m->state != 0)
		(void)mysql_stmt_free_result(m->st);
	m->state = 0;
	return 0;
}

/* my_finalize - close the statement and free its buffers */
static void
my_finalize(struct store_stmt *st)
{
	struct my_stmt *m = MS(st);
	unsigned i;

	(void)my_reset(st);
	mysql_stmt_close(m->st);
	for (i = 0; i < m->nparam; i++)
		free(m->pv[i].p);
	for (i = 0; i < m->ncol; i++)
		free(m->rv[i].p);
	free(m->param);
	free(m->pv);
	free(m->res);
	free(m->rv);
	free(m);
}

/* col - column c of the current row, or NULL when out of range/null */
static struct my_val *
col(struct store_stmt *st, int c)
{
	struct my_stmt *m = MS(st);

	if (c < 0 || (unsigned)c >= m->ncol || m->state != 1 ||
	    m->rv[c].isnull)
		return NULL;
	return &m->rv[c];
}

/* my_col_isnull - column c is NULL */
static int
my_col_isnull(struct store_stmt *st, int c)
{
	return col(st, c) == NULL;
}

/* my_col_int64 - column c as an integer */
static int64_t
my_col_int64(struct store_stmt *st, int c)
{
	struct my_val *v = col(st, c);

	return v != NULL ? strtoll(v->p, NULL, 10) : 0;
}

/* my_col_text - column c as text */
static const char *
my_col_text(struct store_stmt *st, int c, size_t *len)
{
	struct my_val *v = col(st, c);

	if (len != NULL)
		*len = v != NULL ? v->len : 0;
	return v != NULL ? v->p : NULL;
}

/* my_last_id - AUTO_INCREMENT value of the last insert */
static int64_t
my_last_id(struct store *s)
{
	return MY(s)->last_id;
}

/* my_changes - rows matched by the last statement */
static int64_t
my_changes(struct store *s)
{
	return MY(s)->changes;
}

/* run1 - prepare, bind name (and holder), step once; the matched rows */
static int64_t
run1(struct store *s, const char *sql, const char *name, int with_holder)
{
	struct store_stmt *st;
	int64_t n = -1;
	int rc;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	rc = store_bind_text(st, 1, name, strlen(name));
	if (rc == 0 && with_holder)
		rc = store_bind_text(st, 2, MY(s)->holder,
		    strlen(MY(s)->holder));
	if (rc == 0 && store_step(st) != STORE_ERROR)
		n = MY(s)->changes;
	store_finalize(st);
	return n;
}

/* try_lock - one attempt: 1 ours now, 0 someone else's, -1 error */
static int
try_lock(struct store *s, const char *name)
{
	char sql[256];
	int64_t n;

	if (run1(s, "DELETE FROM store_locks WHERE name = ? AND "
	    "expires < UNIX_TIMESTAMP()", name, 0) < 0)
		return s->retryable ? 0 : -1;
	(void)snprintf(sql, sizeof(sql), "INSERT IGNORE INTO store_locks "
	    "(name, holder, expires) VALUES (?, ?, UNIX_TIMESTAMP() + %d)",
	    STORE_LOCK_LEASE);
	if ((n = run1(s, sql, name, 1)) < 0)
		return s->retryable ? 0 : -1;
	if (n == 1)
		return 1;
	/* ours already: extend the lease */
	(void)snprintf(sql, sizeof(sql), "UPDATE store_locks SET expires = "
	    "UNIX_TIMESTAMP() + %d WHERE name = ? AND holder = ?",
	    STORE_LOCK_LEASE);
	if ((n = run1(s, sql, name, 1)) < 0)
		return s->retryable ? 0 : -1;
	return n == 1;
}

/* my_lock - poll try_lock every 200 ms until timeout_s */
static int
my_lock(struct store *s, const char *name, int timeout_s)
{
	struct my_store *q = MY(s);
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	int i, rc, tries;

	if (!q->locktable && my_exec(s, "CREATE TABLE IF NOT EXISTS "
	    "store_locks (name VARCHAR(64) NOT NULL, holder VARCHAR(128) "
	    "NOT NULL, expires BIGINT NOT NULL, PRIMARY KEY (name)) "
	    "ENGINE=InnoDB") != 0)
		return -1;
	q->locktable = 1;
	for (tries = 0; (rc = try_lock(s, name)) == 0; tries++) {
		if (tries >= timeout_s * 5)
			return 0;
		(void)nanosleep(&ts, NULL);
	}
	if (rc < 0)
		return -1;
	for (i = 0; i < MY_MAXLOCKS; i++)
		if (q->locks[i] != NULL && strcmp(q->locks[i], name) == 0)
			return 1;
	for (i = 0; i < MY_MAXLOCKS; i++)
		if (q->locks[i] == NULL) {
			q->locks[i] = xstrdup(name);
			break;
		}
	return 1;
}

/* my_unlock - delete our lease row */
static int
my_unlock(struct store *s, const char *name)
{
	struct my_store *q = MY(s);
	int i, rc;

	rc = run1(s, "DELETE FROM store_locks WHERE name = ? AND "
	    "holder = ?", name, 1) < 0 ? -1 : 0;
	for (i = 0; i < MY_MAXLOCKS; i++)
		if (q->locks[i] != NULL && strcmp(q->locks[i], name) == 0) {
			free(q->locks[i]);
			q->locks[i] = NULL;
		}
	return rc;
}

/* my_close - release leases, close the connection */
static void
my_close(struct store *s)
{
	struct my_store *q = MY(s);
	int i;

	for (i = 0; i < MY_MAXLOCKS; i++)
		if (q->locks[i] != NULL)
			(void)my_unlock(s, q->locks[i]);
	if (q->db != NULL)
		mysql_close(q->db);
	free(q);
}

/* li_init - the server asks for a local file: only our armed stream */
static int
li_init(void **ptr, const char *name, void *ud)
{
	struct my_store *q = ud;

	*ptr = q;
	if (q->stream == NULL || strcmp(name, STORE_STREAM) != 0)
		return 1;	/* refused: li_error says why */
	q->streampos = 0;
	q->streamok = 1;
	return 0;
}

/* li_read - the next piece of the stream; 0 at its end */
static int
li_read(void *ptr, char *buf, unsigned int len)
{
	struct my_store *q = ptr;
	size_t n;

	if (!q->streamok)
		return -1;
	n = q->streamlen - q->streampos;
	if (n > len)
		n = len;
	memcpy(buf, q->stream + q->streampos, n);
	q->streampos += n;
	return (int)n;
}

/* li_end - nothing to release */
static void
li_end(void *ptr)
{
	(void)ptr;
}

/* li_error - why a file was refused */
static int
li_error(void *ptr, char *msg, unsigned int len)
{
	(void)ptr;
	(void)snprintf(msg, len, "dmarcd: LOAD DATA LOCAL only for its own "
	    "stream");
	return 2000;	/* CR_UNKNOWN_ERROR */
}

/* store_load - see store.h */
int
store_load(struct store *s, const char *sql, const char *data, size_t len)
{
	struct my_store *q = MY(s);
	unsigned w;
	int rc;

	s->retryable = 0;
	if (s->kind != STORE_MYSQL) {
		store_seterr(s, 0, "LOAD DATA LOCAL needs MariaDB");
		return -1;
	}
	q->stream = data;
	q->streamlen = len;
	q->streamok = 0;
	rc = my_exec(s, sql);
	q->stream = NULL;
	if (rc == 0 && (w = mysql_warning_count(q->db)) > 0) {
		store_seterr(s, 0, "mysql: %s: %u warnings", sql, w);
		return -1;
	}
	return rc == 0 ? 0 : -1;
}

static const struct store_ops my_ops = {
	my_close, my_exec, my_prepare, my_bind_int64, my_bind_text,
	my_bind_null, my_step, my_reset, my_finalize, my_col_isnull,
	my_col_int64, my_col_text, my_last_id, my_changes, my_lock, my_unlock
};

/* store_mysql_open - connect as d says; see the file header */
struct store *
store_mysql_open(const struct store_dsn *d, char *err, size_t errlen)
{
	struct my_store *q = xcalloc(1, sizeof(*q));
	const char *user = d->user, *pass = d->password;
	char host[64];
	unsigned timeout = 10, infile = 1;

	q->base.ops = &my_ops;
	q->base.kind = STORE_MYSQL;
	if (user == NULL)
		user = getenv("OPENDMARC_USER");
	if (pass == NULL)
		pass = getenv("OPENDMARC_PASSWORD");
	if ((q->db = mysql_init(NULL)) == NULL) {
		(void)snprintf(err, errlen, "mysql: out of memory");
		free(q);
		return NULL;
	}
	(void)mysql_optionsv(q->db, MYSQL_READ_DEFAULT_GROUP, "client");
	(void)mysql_optionsv(q->db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	(void)mysql_optionsv(q->db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	(void)mysql_optionsv(q->db, MYSQL_OPT_LOCAL_INFILE, &infile);
	mysql_set_local_infile_handler(q->db, li_init, li_read, li_end,
	    li_error, q);
	if (mysql_real_connect(q->db, d->host, user, pass, d->db, d->port,
	    d->socket, CLIENT_FOUND_ROWS) == NULL ||
	    my_exec(&q->base, "SET time_zone = '+00:00'") != 0) {
		(void)snprintf(err, errlen, "mysql: %s: %s", d->db,
		    mysql_error(q->db));
		my_close(&q->base);
		return NULL;
	}
	if (gethostname(host, sizeof(host)) != 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(q->holder, sizeof(q->holder), "%s:%ld:%lu", host,
	    (long)getpid(), mysql_thread_id(q->db));
	return &q->base;
}
