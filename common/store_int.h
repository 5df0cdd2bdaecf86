/*
 * store_int.h -- what store.c shares with its two backends
 *
 * DESCRIPTION
 *	struct store and struct store_stmt are the first member of each
 *	backend's own structures; store.c dispatches through the ops table.
 *	Only store.c, store_sqlite.c, store_mysql.c and the unit test
 *	include this file.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include "store.h"

struct store_ops {
	void	(*close)(struct store *);
	int	(*exec)(struct store *, const char *);
	struct store_stmt *(*prepare)(struct store *, const char *);
	int	(*bind_int64)(struct store_stmt *, int, int64_t);
	int	(*bind_text)(struct store_stmt *, int, const char *, size_t);
	int	(*bind_null)(struct store_stmt *, int);
	int	(*step)(struct store_stmt *);
	int	(*reset)(struct store_stmt *);
	void	(*finalize)(struct store_stmt *);
	int	(*col_isnull)(struct store_stmt *, int);
	int64_t	(*col_int64)(struct store_stmt *, int);
	const char *(*col_text)(struct store_stmt *, int, size_t *);
	int64_t	(*last_id)(struct store *);
	int64_t	(*changes)(struct store *);
	int	(*lock)(struct store *, const char *, int);
	int	(*unlock)(struct store *, const char *);
};

#define STORE_NCACHED	32	/* kept by store_prepare_cached */

struct store {
	const struct store_ops *ops;
	enum store_kind	 kind;
	int		 retryable;	/* last error: deadlock, busy */
	char		 errmsg[512];
	struct {
		const char		*sql;
		struct store_stmt	*st;
	}		 cached[STORE_NCACHED];
	size_t		 ncached;
};

struct store_stmt {
	struct store	*s;
	int		 cached;	/* in s->cached: finalize resets */
};

/* Parsed data source name; every string is owned (NULL: not given). */
struct store_dsn {
	enum store_kind	 kind;
	char		*path;		/* sqlite */
	char		*user, *password, *host, *db, *socket;
	unsigned	 port;		/* 0: default */
};

int	 store_dsn_parse(const char *dsn, struct store_dsn *d, char *err,
	    size_t errlen);
void	 store_dsn_free(struct store_dsn *d);
/* store_rewrite - sql with the dialect macros expanded; caller frees */
char	*store_rewrite(enum store_kind kind, const char *sql);
void	 store_seterr(struct store *s, int retryable, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

struct store	*store_sqlite_open(const struct store_dsn *d, char *err,
		    size_t errlen);
struct store	*store_mysql_open(const struct store_dsn *d, char *err,
		    size_t errlen);

/* Migration files compiled in from db/ (store_sql.c, generated). */
struct store_sqlfile {
	const char	*dialect;	/* "sqlite", "mysql" */
	int		 version;	/* 0: not numbered */
	const char	*name;		/* file name */
	const char	*text;
};
extern const struct store_sqlfile store_sqlfiles[];

#endif
