/*
 * store_sqlite.c -- the SQLite backend of store.h
 *
 * SYNOPSIS
 *	struct store *store_sqlite_open(const struct store_dsn *d, char *err,
 *	    size_t errlen);
 *
 * DESCRIPTION
 *	Opens (creating it if needed) the database file in WAL mode with a
 *	30 s busy timeout, so several importers and a report run can share
 *	it; transactions start with BEGIN IMMEDIATE, which takes the write
 *	lock up front and cannot deadlock.  Timestamps are INTEGER Unix
 *	seconds.  store_lock is an flock(2) on "<file>-<name>.lock" beside
 *	the database, polled until the timeout.
 *
 * DIAGNOSTICS
 *	SQLITE_BUSY and SQLITE_LOCKED mark the error retryable.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"
#include "xmalloc.h"

#define SQ_MAXLOCKS	8

struct sq_store {
	struct store	 base;
	sqlite3		*db;
	char		*path;
	struct {
		char	*name;
		int	 fd;
	} locks[SQ_MAXLOCKS];
};

struct sq_stmt {
	struct store_stmt base;
	sqlite3_stmt	*st;
};

#define SQ(s)	((struct sq_store *)(void *)(s))
#define ST(st)	(((struct sq_stmt *)(void *)(st))->st)

/* sq_err - record the connection's error after rc */
static int
sq_err(struct store *s, int rc, const char *what)
{
	int busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;

	store_seterr(s, busy, "sqlite: %s: %s", what,
	    sqlite3_errmsg(SQ(s)->db));
	return STORE_ERROR;
}

/* sq_exec - run SQL text (may hold several statements) */
static int
sq_exec(struct store *s, const char *sql)
{
	int rc = sqlite3_exec(SQ(s)->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_err(s, rc, sql);
}

/* sq_prepare - compile one statement */
static struct store_stmt *
sq_prepare(struct store *s, const char *sql)
{
	struct sq_stmt *st = xcalloc(1, sizeof(*st));
	int rc;

	rc = sqlite3_prepare_v2(SQ(s)->db, sql, -1, &st->st, NULL);
	if (rc != SQLITE_OK) {
		(void)sq_err(s, rc, sql);
		free(st);
		return NULL;
	}
	st->base.s = s;
	return &st->base;
}

/* sq_bind_int64 - bind an integer */
static int
sq_bind_int64(struct store_stmt *st, int i, int64_t v)
{
	int rc = sqlite3_bind_int64(ST(st), i, v);

	return rc == SQLITE_OK ? 0 : sq_err(st->s, rc, "bind");
}

/* sq_bind_text - bind a copy of p[0..len) */
static int
sq_bind_text(struct store_stmt *st, int i, const char *p, size_t len)
{
	int rc = sqlite3_bind_text64(ST(st), i, p, len, SQLITE_TRANSIENT,
	    SQLITE_UTF8);

	return rc == SQLITE_OK ? 0 : sq_err(st->s, rc, "bind");
}

/* sq_bind_null - bind NULL */
static int
sq_bind_null(struct store_stmt *st, int i)
{
	int rc = sqlite3_bind_null(ST(st), i);

	return rc == SQLITE_OK ? 0 : sq_err(st->s, rc, "bind");
}

/* sq_step - one row, done, or an error (the statement is then reset) */
static int
sq_step(struct store_stmt *st)
{
	int rc = sqlite3_step(ST(st));

	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return STORE_DONE;
	(void)sq_err(st->s, rc, sqlite3_sql(ST(st)));
	(void)sqlite3_reset(ST(st));
	return STORE_ERROR;
}

/* sq_reset - rewind; bindings stay */
static int
sq_reset(struct store_stmt *st)
{
	(void)sqlite3_reset(ST(st));
	return 0;
}

/* sq_finalize - free the statement */
static void
sq_finalize(struct store_stmt *st)
{
	(void)sqlite3_finalize(ST(st));
	free(st);
}

/* sq_col_isnull - is column col NULL */
static int
sq_col_isnull(struct store_stmt *st, int col)
{
	return sqlite3_column_type(ST(st), col) == SQLITE_NULL;
}

/* sq_col_int64 - column col as an integer */
static int64_t
sq_col_int64(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(ST(st), col);
}

/* sq_col_text - column col as text */
static const char *
sq_col_text(struct store_stmt *st, int col, size_t *len)
{
	const unsigned char *p;

	if (sqlite3_column_type(ST(st), col) == SQLITE_NULL) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	p = sqlite3_column_text(ST(st), col);
	if (len != NULL)
		*len = (size_t)sqlite3_column_bytes(ST(st), col);
	return (const char *)p;
}

/* sq_last_id - rowid of the last insert */
static int64_t
sq_last_id(struct store *s)
{
	return sqlite3_last_insert_rowid(SQ(s)->db);
}

/* sq_changes - rows changed by the last statement */
static int64_t
sq_changes(struct store *s)
{
	return sqlite3_changes(SQ(s)->db);
}

/* lock_slot - the slot holding name, or a free one (name NULL) */
static int
lock_slot(struct sq_store *q, const char *name)
{
	int i;

	for (i = 0; i < SQ_MAXLOCKS; i++)
		if ((name == NULL && q->locks[i].name == NULL) ||
		    (name != NULL && q->locks[i].name != NULL &&
		    strcmp(q->locks[i].name, name) == 0))
			return i;
	return -1;
}

/* sq_lock - flock a file beside the database, polling every 100 ms */
static int
sq_lock(struct store *s, const char *name, int timeout_s)
{
	struct sq_store *q = SQ(s);
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char path[4096];
	int fd, slot, tries;

	if (lock_slot(q, name) >= 0)
		return 1;
	if ((slot = lock_slot(q, NULL)) < 0 || strchr(name, '/') != NULL) {
		store_seterr(s, 0, "sqlite: lock %s: bad name or too many", name);
		return -1;
	}
	(void)snprintf(path, sizeof(path), "%s-%s.lock", q->path, name);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		store_seterr(s, 0, "sqlite: %s: %s", path, strerror(errno));
		return -1;
	}
	for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; tries++) {
		if (errno != EWOULDBLOCK || tries >= timeout_s * 10) {
			close(fd);
			return errno == EWOULDBLOCK ? 0 : -1;
		}
		(void)nanosleep(&ts, NULL);
	}
	q->locks[slot].name = xstrdup(name);
	q->locks[slot].fd = fd;
	return 1;
}

/* sq_unlock - release a lock (closing the file drops the flock) */
static int
sq_unlock(struct store *s, const char *name)
{
	struct sq_store *q = SQ(s);
	int slot;

	if ((slot = lock_slot(q, name)) < 0)
		return -1;
	close(q->locks[slot].fd);
	free(q->locks[slot].name);
	q->locks[slot].name = NULL;
	return 0;
}

/* sq_close - close the database and drop its locks */
static void
sq_close(struct store *s)
{
	struct sq_store *q = SQ(s);
	int i;

	for (i = 0; i < SQ_MAXLOCKS; i++)
		if (q->locks[i].name != NULL)
			(void)sq_unlock(s, q->locks[i].name);
	(void)sqlite3_close(q->db);
	free(q->path);
	free(q);
}

static const struct store_ops sq_ops = {
	sq_close, sq_exec, sq_prepare, sq_bind_int64, sq_bind_text,
	sq_bind_null, sq_step, sq_reset, sq_finalize, sq_col_isnull,
	sq_col_int64, sq_col_text, sq_last_id, sq_changes, sq_lock, sq_unlock
};

/* store_sqlite_open - open or create the file named by d->path */
struct store *
store_sqlite_open(const struct store_dsn *d, char *err, size_t errlen)
{
	struct sq_store *q = xcalloc(1, sizeof(*q));
	int rc;

	q->base.ops = &sq_ops;
	q->base.kind = STORE_SQLITE;
	q->path = xstrdup(d->path);
	rc = sqlite3_open_v2(d->path, &q->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		(void)snprintf(err, errlen, "sqlite: %s: %s", d->path,
		    q->db != NULL ? sqlite3_errmsg(q->db) : "out of memory");
		sq_close(&q->base);
		return NULL;
	}
	(void)sqlite3_busy_timeout(q->db, 30000);
	/* temp_store=MEMORY also keeps the statement journals of the
	   set-based INSERTs in memory: on disk they were 75% of
	   dmarc-import's system calls */
	if (sq_exec(&q->base, "PRAGMA journal_mode=WAL") != 0 ||
	    sq_exec(&q->base, "PRAGMA synchronous=NORMAL") != 0 ||
	    sq_exec(&q->base, "PRAGMA temp_store=MEMORY") != 0) {
		(void)snprintf(err, errlen, "%s", q->base.errmsg);
		sq_close(&q->base);
		return NULL;
	}
	return &q->base;
}
