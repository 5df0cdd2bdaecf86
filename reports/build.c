/*
 * build.c -- cut a policy domain's messages into windows and build one
 * report per window
 *
 * SYNOPSIS
 *	build_domain(run, &domrow);
 *	retry_pending(run);
 *
 * DESCRIPTION
 *	A domain's next window starts where its last stored report ended
 *	(agg_reports).  A domain without a stored report starts just after
 *	requests.lastsent (a database OpenDMARC reported from) but at most
 *	BACKLOG_DAYS before today: a domain that publishes a rua for the
 *	first time does not get months of old windows at once.  Messages
 *	are read from there up to the last complete window; each message
 *	falls in the window of its date (agg_window), so a late run builds
 *	every window it missed, one report each, and a window without
 *	messages builds nothing and moves nothing: the next report simply
 *	starts at the old end.
 *
 *	The window length is --interval (or --day), else requests.ri (set
 *	with dmarc-params), else, under RFC 7489 (ReportFormat or
 *	DMARCStandard rfc7489), the ri= of the domain's DMARC record, else
 *	ReportInterval; rounded by agg_interval().
 *
 *	A report is stored with its destinations before the first delivery
 *	(rdb_report_insert), so whatever happens afterwards the same bytes
 *	are retried; --noupdate sends without storing, --test only writes
 *	the file.
 *
 * WHY A FILE OF ITS OWN
 *	The window rules are the promise "nothing lost, nothing counted
 *	twice"; here they are in one place next to the report assembly.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dmarc-reports.h"
#include "log.h"
#include "resolver.h"
#include "store.h"
#include "xmalloc.h"

#define DAY		86400L
#define BACKLOG_DAYS	7
#define HOUR		3600L

/* One window's aggregate. */
struct window {
	int64_t			 begin, end;
	struct agg		*agg;
	char			 discovery[16];
};

/* The windows of a domain while its messages stream by: the open one
   and those closed (reported once the query is over, so no statement is
   open during SMTP and a SQLite reader does not hold up dmarc-import). */
struct win {
	struct run		*run;
	const struct domrow	*dr;
	long			 interval;	/* 0: not yet decided */
	int64_t			 last;		/* where windows resume */
	int64_t			 cutoff;	/* end of complete windows */
	struct window		 cur;
	struct window		*closed;
	size_t			 nclosed;
};

/* record_ri - ri= of the domain's DMARC record (RFC 7489), 0 unknown */
static long
record_ri(struct run *run, const char *domain)
{
	struct dmarc_dns_txt txt;
	struct dmarc_record *rec;
	char q[DMARC_MAXDOMAIN + 8];
	size_t i;
	long ri = 0;

	snprintf(q, sizeof(q), "_dmarc.%s", domain);
	memset(&txt, 0, sizeof(txt));
	if (resolver_txt(run->res, q, &txt) == DMARC_DNS_DATA)
		for (i = 0; i < txt.n && ri == 0; i++) {
			rec = NULL;
			if (dmarc_record_parse(txt.rr[i], txt.len[i],
			    DMARC_RFC7489, &rec) == DMARC_OK)
				ri = (long)rec->ri;
			dmarc_record_free(rec);
		}
	dmarc_dns_txt_clear(&txt);
	return ri;
}

/* domain_interval - the window length for dr (see DESCRIPTION) */
static long
domain_interval(struct run *run, const struct domrow *dr)
{
	long ri;

	if (run->interval_forced)
		return run->interval;
	if (dr->ri > 0)
		return agg_interval(dr->ri);
	if ((run->fmt == AGG_RFC7489 || run->profile == DMARC_RFC7489) &&
	    (ri = record_ri(run, dr->name)) > 0)
		return agg_interval(ri);
	return run->interval;
}

/* report_id - "<begin><16 hex>": alphanumeric, so the same string can
   be the file name's unique-id and the Subject's Report-ID */
static void
report_id(int64_t begin, char *buf, size_t len)
{
	unsigned long long r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned long long)time(NULL) * 2654435761ULL ^
		    (unsigned long long)getpid() << 32 ^ (uintptr_t)buf;
	snprintf(buf, len, "%lld%016llx", (long long)begin, r);
}

/* write_file - the gzip file into the report directory */
static void
write_file(struct run *run, const struct report *r)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", run->dir, r->filename);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(r->gz, 1, r->gzlen, fp) != r->gzlen) {
		log_warn("%s", path);
		run->errors++;
	}
	if (fp != NULL && fclose(fp) != 0) {
		log_warn("%s", path);
		run->errors++;
	}
	if (fp != NULL)
		log_debug("wrote %s", path);
}

/* add_dest - one destination, unless the address is already there */
static void
add_dest(struct report *r, const char *addr, int bcc, uint64_t max,
    const char *state, const char *error)
{
	struct delivery *d;
	size_t i;

	for (i = 0; i < r->nd; i++)
		if (strcasecmp(r->d[i].dest, addr) == 0)
			return;
	r->d = xreallocarray(r->d, r->nd + 1, sizeof(*r->d));
	d = &r->d[r->nd++];
	memset(d, 0, sizeof(*d));
	d->dest = xstrdup(addr);
	d->bcc = bcc;
	d->max_size = max;
	d->state = state;
	xstrlcpy(d->error, error, sizeof(d->error));
}

/* destinations - the rua URIs of dr, then ReportBcc */
static void
destinations(struct run *run, const struct domrow *dr, struct report *r)
{
	struct dest *d;
	size_t n, i;

	n = dest_parse(dr->repuri, &d);
	for (i = 0; i < n; i++) {
		if (d[i].addr != NULL)
			add_dest(r, d[i].addr, 0, d[i].max_size, DS_PENDING,
			    "");
		else {
			add_dest(r, d[i].uri, 0, 0, DS_INVALID,
			    "not a usable mailto: URI");
			log_warnx("report %s for %s: rua %s ignored: not a "
			    "usable mailto: URI", r->rid, r->domain, d[i].uri);
		}
	}
	dest_free(d, n);
	if (n == 0)
		log_warnx("%s: no valid rua in \"%s\"", r->domain, dr->repuri);
	for (i = 0; i < run->nbcc; i++)
		add_dest(r, run->bcc[i], 1, 0, DS_PENDING, "");
}

/* assemble - XML and gzip of one window into r; 0 or -1 */
static int
assemble(struct run *run, const struct domrow *dr, const struct window *w,
    struct report *r)
{
	struct agg_meta meta;
	struct agg_policy pol;
	char *xml, gzname[1024];
	size_t xlen;
	int rc;

	memset(&meta, 0, sizeof(meta));
	meta.org_name = run->org;
	meta.email = run->email;
	meta.report_id = r->rid;
	meta.begin = r->begin;
	meta.end = r->end - 1;
	meta.generator = PACKAGE_NAME " " PACKAGE_VERSION;
	memset(&pol, 0, sizeof(pol));
	pol.domain = dr->name;
	pol.p = dr->p;
	pol.sp = dr->sp;
	pol.np = dr->np;
	pol.adkim = dr->adkim;
	pol.aspf = dr->aspf;
	pol.fo = (unsigned)dr->fo;
	pol.pct = dr->pct;
	pol.testing = dr->testing;
	pol.discovery = w->discovery[0] != '\0' ? w->discovery : NULL;
	if (aggxml_write(w->agg, &meta, &pol, run->fmt, &xml, &xlen) != 0) {
		log_warnx("report for %s: XML writer failed", dr->name);
		return -1;
	}
	snprintf(gzname, sizeof(gzname), "%.*s", (int)strlen(r->filename) - 3,
	    r->filename);
	rc = mime_gzip(gzname, (time_t)run->now, xml, xlen, &r->gz, &r->gzlen);
	free(xml);
	if (rc != 0)
		log_warnx("report for %s: gzip failed", dr->name);
	return rc;
}

/* make_report - build, keep, store and deliver the report of window w */
static void
make_report(struct run *run, const struct domrow *dr,
    const struct window *w)
{
	struct report r;
	size_t flen;

	memset(&r, 0, sizeof(r));
	r.domain = xstrdup(dr->name);
	r.begin = w->begin;
	r.end = w->end;
	r.created = run->now;
	r.messages = agg_nmessages(w->agg);
	report_id(r.begin, r.rid, sizeof(r.rid));
	flen = strlen(run->submitter) + strlen(r.domain) + strlen(r.rid) + 64;
	r.filename = xmalloc(flen);
	snprintf(r.filename, flen, "%s!%s!%lld!%lld!%s.xml.gz", run->submitter,
	    r.domain, (long long)r.begin, (long long)r.end - 1, r.rid);
	if (assemble(run, dr, w, &r) != 0) {
		run->errors++;
		report_free(&r);
		return;
	}
	run->built++;
	log_debug("report %s for %s: [%lld, %lld), %llu messages, %zu "
	    "records, %zu bytes", r.rid, r.domain, (long long)r.begin,
	    (long long)r.end, (unsigned long long)r.messages,
	    agg_nrecords(w->agg), r.gzlen);
	if (run->keepfiles || run->test)
		write_file(run, &r);
	if (!run->test) {
		destinations(run, dr, &r);
		if (run->noupdate ||
		    rdb_report_insert(run->db, &r, run->fmt == AGG_RFC7489 ?
		    "rfc7489" : "rfc9990") == 0)
			deliver_report(run, &r);
		else
			run->errors++;
	}
	report_free(&r);
}

/* finish - close the current window; keep it if it counted anything */
static void
finish(struct win *w)
{
	if (w->cur.agg != NULL && agg_nmessages(w->cur.agg) > 0) {
		w->closed = xreallocarray(w->closed, w->nclosed + 1,
		    sizeof(*w->closed));
		w->closed[w->nclosed++] = w->cur;
	} else
		agg_free(w->cur.agg);
	memset(&w->cur, 0, sizeof(w->cur));
}

/* on_msg - one message: close the window it is past, open its own */
static int
on_msg(void *arg, const struct rmsg *m)
{
	struct win *w = arg;
	struct window *c = &w->cur;

	if (w->interval == 0) {
		w->interval = domain_interval(w->run, w->dr);
		w->cutoff = agg_floor(w->run->now, w->interval);
	}
	if (m->date >= w->cutoff)
		return 1;		/* its window is not complete yet */
	if (c->agg != NULL && m->date >= c->end)
		finish(w);
	if (c->agg == NULL) {
		agg_window(m->date, w->last, w->interval, &c->begin, &c->end);
		c->agg = agg_new(w->run->fmt);
	}
	if (m->tempfail)
		return 0;		/* the sender retries: counted then */
	if (m->discovery != NULL && *m->discovery != '\0')
		xstrlcpy(c->discovery, m->discovery, sizeof(c->discovery));
	agg_add(c->agg, &m->m);
	return 0;
}

/* build_domain - every complete window of dr not reported yet */
void
build_domain(struct run *run, const struct domrow *dr)
{
	struct win w;
	int64_t until = agg_floor(run->now, HOUR);
	size_t i;
	int failed;

	memset(&w, 0, sizeof(w));
	w.run = run;
	w.dr = dr;
	if (dr->last_end > 0)
		w.last = dr->last_end;
	else {
		w.last = agg_floor(run->now, DAY) - BACKLOG_DAYS * DAY;
		if (dr->lastsent + 1 > w.last)
			w.last = dr->lastsent + 1;
	}
	if (w.last >= until)
		return;
	if ((failed = rdb_messages(run->db, dr, w.last, until, on_msg,
	    &w) != 0))
		run->errors++;		/* nothing of this domain reported */
	else
		finish(&w);
	for (i = 0; i < w.nclosed; i++) {
		if (!failed)
			make_report(run, dr, &w.closed[i]);
		agg_free(w.closed[i].agg);
	}
	agg_free(w.cur.agg);
	free(w.closed);
}

/* retry_pending - deliver again what earlier runs could not */
void
retry_pending(struct run *run, int (*wanted)(struct run *, const char *))
{
	struct report *r;
	size_t n, i;

	if (rdb_pending(run->db, &r, &n) != 0) {
		run->errors++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (run_keep_lock(run) != 0) {
			report_free(&r[i]);
			continue;
		}
		if (wanted(run, r[i].domain)) {
			log_debug("retrying report %s for %s", r[i].rid,
			    r[i].domain);
			if (rdb_deliveries(run->db, &r[i]) != 0)
				run->errors++;
			else
				deliver_report(run, &r[i]);
		}
		report_free(&r[i]);
	}
	free(r);
}
