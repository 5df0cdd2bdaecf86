/*
 * dmarc-reports -- build and send DMARC aggregate reports (RFC 9990)
 *
 * SYNOPSIS
 *	dmarc-reports [-nv] [-c conf] [--db dsn] [--domain name]...
 *	    [--nodomain name]... [--interval secs] [--day] [--keepfiles]
 *	    [--test] [--noupdate] [--report-email addr] [--report-org name]
 *	    [--smtp-server host] [--smtp-port port] [--utc] [--now secs]
 *
 * DESCRIPTION
 *	Reads the messages dmarc-import stored, cuts each policy domain's
 *	messages into UTC windows (build.c), writes one report per domain
 *	and window (agg.c, aggxml.c, mime.c), stores it with one delivery
 *	row per destination (rdb.c) and sends it through the SMTP relay
 *	(deliver.c, common/smtp.c).  Deliveries that failed temporarily are
 *	retried first, with the stored report.  OpenDMARC's
 *	opendmarc-reports options are accepted with their meaning; see
 *	dmarc-reports(1).
 *
 *	One run at a time: store_lock("dmarc-reports") is a lock file beside
 *	an SQLite database and GET_LOCK on MariaDB, so two hosts sharing a
 *	database never send the same report; a run that finds the lock
 *	taken does nothing and exits 0.  --test takes no lock: it only
 *	reads and writes files.
 *
 * DIAGNOSTICS
 *	Exit 0: every report built or retried reached a final state (or
 *	another run holds the lock); 1: some delivery was deferred or
 *	refused by the relay; 64: usage; 75: the database (or a report
 *	file) could not be used, try again later; 78: configuration error.
 *
 * WHY A FILE OF ITS OWN
 *	Options, configuration and the order of a run; the work is in the
 *	files named above.
 */
#include "config.h"

#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dbopen.h"
#include "dmarc-reports.h"
#include "log.h"
#include "psl.h"
#include "resolver.h"
#include "store.h"
#include "xmalloc.h"

#define EX_PARTIAL	1
#define EX_USAGE_	64
#define EX_TEMPFAIL_	75
#define EX_CONFIG_	78
#define DEFAULT_CONF	SYSCONFDIR "/dmarcd.conf"
#define LOCK_NAME	"dmarc-reports"
#define PRUNE_DAYS	30	/* keep finished attachments this long */
#define LOCK_RENEW	300	/* seconds between lock renewals */
#define MAXLIST		64

/* Command-line options. */
struct opts {
	struct dbopts		 db;		/* -c, --db, --dbhost ... */
	const char		*email, *org, *server;
	long			 interval, port;
	int			 day, keepfiles, test, noupdate, verbose;
	int64_t			 now;
	const char		*only[MAXLIST], *skip[MAXLIST];
	size_t			 nonly, nskip;
};

/* The objects a run owns. */
struct env {
	struct conf		*conf;
	struct psl_od		*psl;
	char			*email, *org, *submitter;
};

/* usage - the synopsis on stderr, exit 64 */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: dmarc-reports [-nv] [-c conf] [--db dsn] "
	    "[--domain name]... [--nodomain name]...\n"
	    "\t[--interval secs] [--day] [--keepfiles] [--test] "
	    "[--noupdate]\n"
	    "\t[--report-email addr] [--report-org name] "
	    "[--smtp-server host]\n"
	    "\t[--smtp-port port] [--utc] [--now secs]\n");
	exit(EX_USAGE_);
}

/* config_error - a configuration the run cannot work with: exit 78 */
static void __attribute__((noreturn, format(printf, 1, 2)))
config_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	exit(EX_CONFIG_);
}

/* number - a whole number option or usage() */
static long long
number(const char *s, long long min, long long max)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

/* parse_opts - getopt_long over OpenDMARC's options and ours */
static void
parse_opts(int argc, char *argv[], struct opts *o)
{
	enum { O_DAY = 256, O_DOMAIN, O_NODOMAIN, O_INTERVAL,
	    O_KEEP, O_NOUPDATE, O_EMAIL, O_ORG, O_SERVER, O_PORT, O_UTC,
	    O_NOW };
	static const struct option lo[] = {
		DBOPTS_LONG,
		{ "config", required_argument, NULL, 'c' },
		{ "day", no_argument, NULL, O_DAY },
		{ "domain", required_argument, NULL, O_DOMAIN },
		{ "nodomain", required_argument, NULL, O_NODOMAIN },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "keepfiles", no_argument, NULL, O_KEEP },
		{ "test", no_argument, NULL, 'n' },
		{ "noupdate", no_argument, NULL, O_NOUPDATE },
		{ "report-email", required_argument, NULL, O_EMAIL },
		{ "report-org", required_argument, NULL, O_ORG },
		{ "smtp-server", required_argument, NULL, O_SERVER },
		{ "smtp-port", required_argument, NULL, O_PORT },
		{ "utc", no_argument, NULL, O_UTC },
		{ "verbose", no_argument, NULL, 'v' },
		{ "now", required_argument, NULL, O_NOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	while ((ch = getopt_long(argc, argv, "c:hnv", lo, NULL)) != -1) {
		if (dbopts_option(&o->db, ch, optarg))
			continue;
		switch (ch) {
		case 'c': o->db.conffile = optarg; break;
		case 'n': o->test = 1; break;
		case 'v': o->verbose++; break;
		case O_DAY: o->day = 1; break;
		case O_INTERVAL: o->interval = (long)number(optarg, 1,
		    604800); break;
		case O_KEEP: o->keepfiles = 1; break;
		case O_NOUPDATE: o->noupdate = 1; break;
		case O_EMAIL: o->email = optarg; break;
		case O_ORG: o->org = optarg; break;
		case O_SERVER: o->server = optarg; break;
		case O_PORT: o->port = (long)number(optarg, 1, 65535); break;
		case O_UTC: break;	/* always UTC */
		case O_NOW: o->now = number(optarg, 0, 4102444800LL); break;
		case O_DOMAIN:
			if (o->nonly == MAXLIST)
				usage();
			o->only[o->nonly++] = optarg;
			break;
		case O_NODOMAIN:
			if (o->nskip == MAXLIST)
				usage();
			o->skip[o->nskip++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (o->test)
		o->keepfiles = o->noupdate = 1;
}

/* in_list - name is one of l[0..n) (case-insensitive, trailing dot) */
static int
in_list(const char *name, const char *const *l, size_t n)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = strlen(l[i]);
		if (len > 0 && l[i][len - 1] == '.')
			len--;
		if (strlen(name) == len && strncasecmp(name, l[i], len) == 0)
			return 1;
	}
	return 0;
}

/* wanted - --domain and --nodomain */
static int
wanted(struct run *run, const char *domain)
{
	const struct opts *o = run->filter;

	if (o->nonly > 0 && !in_list(domain, o->only, o->nonly))
		return 0;
	return !in_list(domain, o->skip, o->nskip);
}

/* host_domain - the domain of this host (OpenDMARC's hostdomain()) */
static char *
host_domain(void)
{
	struct addrinfo hints, *ai = NULL;
	char h[256], *dot;

	if (gethostname(h, sizeof(h)) != 0)
		return xstrdup("localhost");
	h[sizeof(h) - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (strchr(h, '.') == NULL && getaddrinfo(h, NULL, &hints, &ai) == 0 &&
	    ai->ai_canonname != NULL)
		xstrlcpy(h, ai->ai_canonname, sizeof(h));
	if (ai != NULL)
		freeaddrinfo(ai);
	dot = strchr(h, '.');
	return xstrdup(dot != NULL && dot[1] != '\0' ? dot + 1 : h);
}

/* identity - org_name, sender/contact address and submitter domain */
static void
identity(const struct opts *o, struct env *e, struct run *run)
{
	const char *v;
	char *hd = NULL, dom[DMARC_MAXDOMAIN + 1];
	size_t len;

	if ((v = o->org) == NULL && (v = conf_str(e->conf, C_REPORTORG)) ==
	    NULL)
		v = hd = host_domain();
	e->org = xstrdup(v);
	if ((v = o->email) == NULL)
		v = conf_str(e->conf, C_REPORTEMAIL);
	if (v == NULL) {
		if (hd == NULL)
			hd = host_domain();
		len = strlen(hd) + 16;
		e->email = xmalloc(len);
		snprintf(e->email, len, "postmaster@%s", hd);
	} else
		e->email = xstrdup(v);
	free(hd);
	if (dest_host(e->email, dom, sizeof(dom)) != 0)
		config_error("ReportEmail \"%s\" is not an address with a "
		    "valid domain", e->email);
	e->submitter = xstrdup(dom);
	run->org = e->org;
	run->email = e->email;
	run->submitter = e->submitter;
}

/* settings - format, windows, files, Bcc, NoReportsList */
static void
settings(const struct opts *o, struct env *e, struct run *run)
{
	const char *v;
	char err[512];

	v = conf_str(e->conf, C_REPORTFORMAT);
	run->fmt = v != NULL && strcmp(v, "rfc7489") == 0 ? AGG_RFC7489 :
	    AGG_RFC9990;
	v = conf_str(e->conf, C_DMARCSTANDARD);
	run->profile = v != NULL && strcmp(v, "rfc7489") == 0 ?
	    DMARC_RFC7489 : DMARC_RFC9989;
	run->interval = agg_interval(conf_int(e->conf, C_REPORTINTERVAL));
	if (o->interval > 0 || o->day) {
		run->interval = agg_interval(o->day ? 86400 : o->interval);
		run->interval_forced = 1;
	}
	if ((run->dir = conf_str(e->conf, C_REPORTDIRECTORY)) == NULL)
		run->dir = ".";
	run->keepfiles = o->keepfiles;
	run->test = o->test;
	run->noupdate = o->noupdate;
	run->now = o->now > 0 ? o->now : (int64_t)time(NULL);
	run->bcc = conf_list(e->conf, C_REPORTBCC, &run->nbcc);
	if ((run->nr = noreports_load(conf_str(e->conf, C_NOREPORTSLIST),
	    err, sizeof(err))) == NULL)
		config_error("NoReportsList: %s", err);
}

/* network - resolver and PSL for D-47, the SMTP relay */
static void
network(const struct opts *o, struct env *e, struct run *run)
{
	struct resolver_opts ro;
	char err[512];

	memset(&ro, 0, sizeof(ro));
	ro.zonefile = conf_str(e->conf, C_TESTDNSDATA);
	ro.nameservers = conf_list(e->conf, C_NAMESERVERS, &ro.nnameservers);
	ro.timeout_ms = (unsigned)conf_int(e->conf, C_DNSTIMEOUT) * 1000;
	if ((run->res = resolver_new(&ro, err, sizeof(err))) == NULL ||
	    (e->psl = psl_od_new(conf_str(e->conf, C_PUBLICSUFFIXLIST), err,
	    sizeof(err))) == NULL)
		config_error("%s", err);
	run->dv.res = run->res;
	run->dv.psl = e->psl;
	run->dv.profile = run->profile;
	if (run->test)
		return;
	if (smtp_conf_init(&run->smtp, e->conf, err, sizeof(err)) != 0)
		config_error("SMTP: %s", err);
	if (o->server != NULL) {
		free(run->smtp.server);
		run->smtp.server = xstrdup(o->server);
	}
	if (o->port > 0)
		run->smtp.port = (int)o->port;
}

/*
 * run_keep_lock - renew the lock every LOCK_RENEW seconds: on MariaDB it
 * is a lease of 900 s (common/store_mysql.c), and a run that sends
 * through a slow relay may last longer.  Never called inside a
 * transaction or while a statement is open.
 */
int
run_keep_lock(struct run *run)
{
	time_t now = time(NULL);

	if (!run->locked)
		return 0;
	if (now - run->lock_at < LOCK_RENEW)
		return 0;
	if (store_lock(run->db, LOCK_NAME, 0) != 1) {
		log_warnx("lost the dmarc-reports lock; stopping this run");
		run->locked = 0;
		run->errors++;
		return -1;
	}
	run->lock_at = now;
	return 0;
}

/* run_all - retries first, then every domain's new windows */
static void
run_all(struct run *run)
{
	struct domrow *d;
	size_t n, i;

	if (!run->test && !run->noupdate)
		retry_pending(run, wanted);
	if (rdb_domains(run->db, &d, &n) != 0) {
		run->errors++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (run->test || run_keep_lock(run) == 0) {
			if (wanted(run, d[i].name))
				build_domain(run, &d[i]);
		} else
			break;
	}
	rdb_domains_free(d, n);
	if (!run->test && !run->noupdate &&
	    rdb_prune(run->db, run->now - PRUNE_DAYS * 86400L) != 0)
		run->errors++;
}

/* cleanup - release everything a run holds */
static void
cleanup(struct env *e, struct run *run)
{
	if (run->locked)
		store_unlock(run->db, LOCK_NAME);
	store_close(run->db);
	dest_verifier_clear(&run->dv);
	noreports_free(run->nr);
	resolver_free(run->res);
	psl_od_free(e->psl);
	if (!run->test)
		smtp_conf_clear(&run->smtp);
	conf_free(e->conf);
	free(e->email);
	free(e->org);
	free(e->submitter);
}

/* main - configuration, database, lock, then run_all */
int
main(int argc, char *argv[])
{
	struct opts o;
	struct env e;
	struct run run;
	char err[512];
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&e, 0, sizeof(e));
	memset(&run, 0, sizeof(run));
	log_init("dmarc-reports", 1, 0, 0);
	parse_opts(argc, argv, &o);
	log_verbose(o.verbose);
	if (o.db.conffile == NULL && access(DEFAULT_CONF, R_OK) == 0)
		o.db.conffile = DEFAULT_CONF;
	if ((e.conf = conf_load(o.db.conffile, CONF_REPORTS, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "dmarc-reports: %s\n", err);
		return EX_CONFIG_;
	}
	if (conf_bool(e.conf, C_SYSLOG))
		log_init("dmarc-reports", 1, 1, log_facility(
		    conf_str(e.conf, C_SYSLOGFACILITY)));
	run.filter = &o;
	identity(&o, &e, &run);
	settings(&o, &e, &run);
	run.db = dbopts_open(&o.db, CONF_REPORTS, "dmarc-reports");
	if (!run.test) {
		if ((rc = store_lock(run.db, LOCK_NAME, 0)) < 0) {
			log_warnx("lock: %s", store_errmsg(run.db));
			cleanup(&e, &run);
			return EX_TEMPFAIL_;
		}
		if (rc == 0) {
			log_info("another dmarc-reports run holds the lock; "
			    "nothing done");
			cleanup(&e, &run);
			return 0;
		}
		run.locked = 1;
		run.lock_at = time(NULL);
	}
	network(&o, &e, &run);
	run_all(&run);
	log_debug("%lu reports built; deliveries: %lu sent, %lu deferred, "
	    "%lu refused by the relay, %lu not sent by rule", run.built,
	    run.sent, run.deferred, run.failed, run.refused);
	cleanup(&e, &run);
	if (run.errors > 0)
		return EX_TEMPFAIL_;
	return run.deferred > 0 || run.failed > 0 ? EX_PARTIAL : 0;
}
