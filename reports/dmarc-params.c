/*
 * dmarc-params.c -- pin, free or tune a domain's aggregate reporting
 *
 * SYNOPSIS
 *	dmarc-params [-v] [-c conf] [--database dsn] [--dbhost ...]
 *	    [--rua uris] [--lock | --unlock] [--interval secs] [--show]
 *	    domain ...
 *
 * DESCRIPTION
 *	Works on the requests row of each domain (the policy domain whose
 *	reports it is), creating the domains and requests rows when they do
 *	not exist, in one transaction per domain:
 *	    --rua uris	 set the report destinations (comma-separated
 *			 mailto: or https: URIs, 255 octets at most) and
 *			 lock them, so that dmarc-import stops rewriting them
 *	    --lock	 lock the row as it is
 *	    --unlock	 let dmarc-import update the row again
 *	    --interval s set the report interval (ri) in seconds, 3600 to
 *			 604800; 0 returns to ReportInterval
 *	    --show	 print the row after the change
 *	With none of --rua, --lock, --unlock or --interval the row is locked,
 *	as opendmarc-params does; unlike it, the rua is never set to NULL
 *	(a NOT NULL column): without --rua it is left as it is.
 *
 * DIAGNOSTICS
 *	Exit status 0; 64 usage (a bad URI or interval); 75 when the
 *	database failed; 78 bad configuration.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "dbopen.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define EX_USAGE_	64
#define EX_TEMPFAIL_	75
#define MAXREPURI	255

struct change {
	const char	*rua;		/* NULL: keep */
	int		 lock;		/* 1 lock, 0 unlock, -1 keep */
	long		 ri;		/* -1: keep */
	int		 show;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: dmarc-params [-v] [-c conf] [--database dsn] "
	    "[--dbhost host] [--dbname name]\n"
	    "\t[--dbuser user] [--dbpasswd pass] [--dbport port] "
	    "[--rua uris]\n"
	    "\t[--lock | --unlock] [--interval secs] [--show] domain ...\n");
	exit(EX_USAGE_);
}

/* rua_ok - a comma-separated list of mailto:/https: URIs that fits */
static int
rua_ok(const char *rua)
{
	const char *p = rua, *comma;
	size_t len;

	if (strlen(rua) > MAXREPURI)
		return 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (!((len > 7 && strncasecmp(p, "mailto:", 7) == 0) ||
		    (len > 8 && strncasecmp(p, "https:", 6) == 0)))
			return 0;
		if (memchr(p, ' ', len) != NULL)
			return 0;
		if (comma == NULL)
			return 1;
		p = comma + 1;
	}
}

/* lower - domain lower-cased into buf (names are stored lower-case) */
static const char *
lower(const char *d, char *buf, size_t len)
{
	size_t i;

	for (i = 0; d[i] != '\0' && i < len - 1; i++)
		buf[i] = (d[i] >= 'A' && d[i] <= 'Z') ? (char)(d[i] + 32) : d[i];
	buf[i] = '\0';
	return buf;
}

/* run - prepare, bind a text and up to two ints, step: 0 or -1 */
static int
run(struct store *s, const char *sql, const char *t, int64_t a, int64_t b,
    int nint)
{
	struct store_stmt *st;
	int rc = -1, i = 1;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	if (t != NULL && store_bind_text(st, i++, t, strlen(t)) != 0)
		goto out;
	if (nint > 0 && store_bind_int64(st, i++, a) != 0)
		goto out;
	if (nint > 1 && store_bind_int64(st, i++, b) != 0)
		goto out;
	if (store_step(st) != STORE_ERROR)
		rc = 0;
out:
	store_finalize(st);
	return rc;
}

/* domain_id - the id of name, created when missing; -1 on error */
static int64_t
domain_id(struct store *s, const char *name)
{
	struct store_stmt *st;
	int64_t id = -1;

	if (run(s, "{INSERT_IGNORE} INTO domains (name) VALUES (?)", name,
	    0, 0, 0) != 0 ||
	    (st = store_prepare(s, "SELECT id FROM domains WHERE name = ?")) ==
	    NULL)
		return -1;
	if (store_bind_text(st, 1, name, strlen(name)) == 0 &&
	    store_step(st) == STORE_ROW)
		id = store_col_int64(st, 0);
	store_finalize(st);
	return id;
}

/* show - print the row of domain id */
static int
show(struct store *s, const char *name, int64_t id)
{
	struct store_stmt *st;
	const char *rua;
	int rc;

	if ((st = store_prepare(s, "SELECT repuri, locked, ri, "
	    "{UNIX(lastsent)} FROM requests WHERE domain = ?")) == NULL)
		return -1;
	if (store_bind_int64(st, 1, id) != 0 ||
	    (rc = store_step(st)) != STORE_ROW) {
		store_finalize(st);
		return -1;
	}
	rua = store_col_text(st, 0, NULL);
	printf("%s\trua=%s\tlocked=%lld\tinterval=%lld\tlastsent=", name,
	    rua != NULL && *rua != '\0' ? rua : "-",
	    (long long)store_col_int64(st, 1),
	    (long long)store_col_int64(st, 2));
	if (store_col_isnull(st, 3))
		printf("never\n");
	else
		printf("%lld\n", (long long)store_col_int64(st, 3));
	store_finalize(st);
	return 0;
}

/* apply - one domain's change, in one transaction */
static int
apply(struct store *s, const char *domain, const struct change *c)
{
	char buf[256];
	const char *name = lower(domain, buf, sizeof(buf));
	int64_t id;

	if (store_begin(s) != 0)
		return -1;
	if ((id = domain_id(s, name)) < 0 ||
	    run(s, "{INSERT_IGNORE} INTO requests (domain) VALUES (?)", NULL,
	    id, 0, 1) != 0 ||
	    (c->rua != NULL && run(s, "UPDATE requests SET repuri = ? WHERE "
	    "domain = ?", c->rua, id, 0, 1) != 0) ||
	    (c->lock >= 0 && run(s, "UPDATE requests SET locked = ? WHERE "
	    "domain = ?", NULL, c->lock, id, 2) != 0) ||
	    (c->ri >= 0 && run(s, "UPDATE requests SET ri = ? WHERE "
	    "domain = ?", NULL, c->ri, id, 2) != 0) ||
	    store_commit(s) != 0) {
		log_warnx("%s: %s", name, store_errmsg(s));
		(void)store_rollback(s);
		return -1;
	}
	if (c->show && show(s, name, id) != 0) {
		log_warnx("%s: %s", name, store_errmsg(s));
		return -1;
	}
	log_debug("%s: updated", name);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { O_RUA = 2000, O_LOCK, O_UNLOCK, O_INTERVAL, O_SHOW,
	    O_VERSION };
	static const struct option lo[] = {
		DBOPTS_LONG,
		{ "config", required_argument, NULL, 'c' },
		{ "rua", required_argument, NULL, O_RUA },
		{ "lock", no_argument, NULL, O_LOCK },
		{ "unlock", no_argument, NULL, O_UNLOCK },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "ri", required_argument, NULL, O_INTERVAL },
		{ "show", no_argument, NULL, O_SHOW },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 } };
	struct change c = { NULL, -1, -1, 0 };
	struct dbopts dbo;
	struct store *s;
	char *end;
	int ch, i, verbose = 0, rc = 0;

	memset(&dbo, 0, sizeof(dbo));
	log_init("dmarc-params", 1, 0, 0);
	while ((ch = getopt_long(argc, argv, "c:hv", lo, NULL)) != -1) {
		if (dbopts_option(&dbo, ch, optarg))
			continue;
		switch (ch) {
		case 'c':
			dbo.conffile = optarg;
			break;
		case O_RUA:
			if (!rua_ok(optarg)) {
				fprintf(stderr, "dmarc-params: --rua: mailto: "
				    "or https: URIs, comma-separated, at most "
				    "%d octets\n", MAXREPURI);
				usage();
			}
			c.rua = optarg;
			c.lock = 1;
			break;
		case O_LOCK:
		case O_UNLOCK:
			c.lock = ch == O_LOCK;
			break;
		case O_INTERVAL:
			c.ri = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || (c.ri != 0 &&
			    (c.ri < 3600 || c.ri > 604800)))
				usage();
			break;
		case O_SHOW:
			c.show = 1;
			break;
		case 'v':
			verbose++;
			break;
		case O_VERSION:
			printf("dmarc-params %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (c.rua != NULL && c.lock == 0)
		usage();	/* --rua with --unlock: contradictory */
	if (c.rua == NULL && c.lock < 0 && c.ri < 0 && !c.show)
		c.lock = 1;	/* opendmarc-params: lock by default */
	log_verbose(verbose);
	s = dbopts_open(&dbo, CONF_TOOLS, "dmarc-params");
	for (i = optind; i < argc; i++)
		if (apply(s, argv[i], &c) != 0)
			rc = EX_TEMPFAIL_;
	store_close(s);
	return rc;
}
