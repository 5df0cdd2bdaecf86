/*
 * dbopen.h -- the database options shared by dmarc-import, dmarc-expire
 *	and dmarc-params
 *
 * SYNOPSIS
 *	struct dbopts o = { 0 };
 *	... getopt: dbopts_option(&o, ch, optarg) for the DBOPTS_LONG
 *	    entries ...
 *	struct store *s = dbopts_open(&o, CONF_IMPORT, "dmarc-import");
 *
 * DESCRIPTION
 *	Which database: --database (or --db) DSN, else OpenDMARC's
 *	--dbhost/--dbname/--dbuser/--dbpasswd/--dbport (each falling back to
 *	its OPENDMARC_* variable, then OpenDMARC's default), else the
 *	Database key when the configuration file sets it, else the
 *	OPENDMARC_* variables when any is set, else the Database default.
 *	The configuration file is -c FILE, else SYSCONFDIR/dmarcd.conf when
 *	it exists.  dbopts_open migrates the schema (store_migrate) and
 *	exits 75 (EX_TEMPFAIL) when the database cannot be used, 78
 *	(EX_CONFIG) on a bad configuration file.
 */
#ifndef DBOPEN_H
#define DBOPEN_H

#include <getopt.h>

#include "store.h"

enum {
	DBO_DATABASE = 1000, DBO_DBHOST, DBO_DBNAME, DBO_DBUSER, DBO_DBPASS,
	DBO_DBPORT
};

#define DBOPTS_LONG \
	{ "database", required_argument, NULL, DBO_DATABASE }, \
	{ "db", required_argument, NULL, DBO_DATABASE }, \
	{ "db-dsn", required_argument, NULL, DBO_DATABASE }, \
	{ "dbhost", required_argument, NULL, DBO_DBHOST }, \
	{ "dbname", required_argument, NULL, DBO_DBNAME }, \
	{ "dbuser", required_argument, NULL, DBO_DBUSER }, \
	{ "dbpasswd", required_argument, NULL, DBO_DBPASS }, \
	{ "dbport", required_argument, NULL, DBO_DBPORT }

struct dbopts {
	const char		*conffile;	/* -c */
	const char		*dsn;		/* --database */
	struct store_compat	 compat;
	int			 compat_given;
};

/* dbopts_option - take option ch if it is one of ours: 1 taken, 0 not */
int		 dbopts_option(struct dbopts *o, int ch, const char *arg);
/* dbopts_open - choose, open and migrate the database, or exit */
struct store	*dbopts_open(struct dbopts *o, unsigned prog,
		    const char *progname);

#endif
