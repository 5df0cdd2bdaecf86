/*
 * dbopen.c -- choose and open the database of a report tool
 *
 * SYNOPSIS
 *	int dbopts_option(struct dbopts *o, int ch, const char *arg);
 *	struct store *dbopts_open(struct dbopts *o, unsigned prog,
 *	    const char *progname);
 *
 * DESCRIPTION
 *	See dbopen.h for the order in which the database is chosen.  The
 *	OpenDMARC options come first among the fallbacks because a cron job
 *	written for opendmarc-import names its database that way; the
 *	variables come after the Database key because they are often left
 *	in an environment that has since moved on.
 *
 * DIAGNOSTICS
 *	Exits 78 when the configuration file cannot be read, 75 when the
 *	database cannot be opened or migrated (a later run may succeed).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "dbopen.h"
#include "log.h"
#include "xmalloc.h"

#define EX_TEMPFAIL_	75
#define EX_CONFIG_	78
#define DEFAULT_CONF	SYSCONFDIR "/dmarcd.conf"

/* dbopts_option - see dbopen.h */
int
dbopts_option(struct dbopts *o, int ch, const char *arg)
{
	switch (ch) {
	case DBO_DATABASE:
		o->dsn = arg;
		return 1;
	case DBO_DBHOST:
		o->compat.host = arg;
		break;
	case DBO_DBNAME:
		o->compat.name = arg;
		break;
	case DBO_DBUSER:
		o->compat.user = arg;
		break;
	case DBO_DBPASS:
		o->compat.password = arg;
		break;
	case DBO_DBPORT:
		o->compat.port = arg;
		break;
	default:
		return 0;
	}
	o->compat_given = 1;
	return 1;
}

/* choose - the DSN to use (allocated) */
static char *
choose(struct dbopts *o, const struct conf *c)
{
	struct store_compat none = { NULL, NULL, NULL, NULL, NULL };
	char *dsn;

	if (o->dsn != NULL)
		return xstrdup(o->dsn);
	if (o->compat_given)
		return store_dsn_compat(&o->compat);
	if (conf_isset(c, C_DATABASE))
		return xstrdup(conf_str(c, C_DATABASE));
	if ((dsn = store_dsn_compat(&none)) != NULL)
		return dsn;
	return xstrdup(conf_str(c, C_DATABASE));
}

/* dbopts_open - see dbopen.h */
struct store *
dbopts_open(struct dbopts *o, unsigned prog, const char *progname)
{
	const char *path = o->conffile;
	struct conf *c;
	struct store *s;
	char err[1024], *dsn;

	if (path == NULL && access(DEFAULT_CONF, R_OK) == 0)
		path = DEFAULT_CONF;
	if ((c = conf_load(path, prog, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, err);
		exit(EX_CONFIG_);
	}
	dsn = choose(o, c);
	conf_free(c);
	if ((s = store_open(dsn, err, sizeof(err))) == NULL) {
		log_warnx("cannot open the database: %s", err);
		free(dsn);
		exit(EX_TEMPFAIL_);
	}
	free(dsn);
	if (store_migrate(s, err, sizeof(err)) != 0) {
		log_warnx("cannot bring the database schema up to date: %s",
		    err);
		store_close(s);
		exit(EX_TEMPFAIL_);
	}
	return s;
}
