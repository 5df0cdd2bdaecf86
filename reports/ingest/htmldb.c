/*
 * htmldb.c -- dmarc-ingest --html: the summary pages, one per period, read
 * back from the database (SQLite or MariaDB)
 *
 * SYNOPSIS
 *	int html_render(struct store *db, const char *dir,
 *	    enum html_period per);
 *
 * DESCRIPTION
 *	Everything stored is shown, not only the reports of this run.  The
 *	periods are UTC days, ISO weeks (Monday to Sunday, named 2026-W05)
 *	or calendar months.  An aggregate or TLS report belongs to the
 *	period holding the middle of its date range (a reporter whose "day"
 *	runs 22:00 to 22:00 UTC still lands on the day it mostly covers); a
 *	failure report to the period of its arrival date (else of when it
 *	was received).  Each period with reports gets DIR/NAME.html and
 *	DIR/index.html links them; every file is written beside its final
 *	name and renamed over it, so a reader never sees half a page.
 *
 *	One period is read at a time with three queries bounded by time
 *	(aggregate records with the auth results of failing ones, failure
 *	reports, TLS policies with their failure details), so memory is one
 *	period's counters whatever the size of the database; the MariaDB
 *	client holds a query's whole result, which is one period's rows.
 *	The time bounds are widened by the longest stored date range, so
 *	the begin_time index of migration 021 narrows the scan; the order by
 *	report first keeps the planner on that index (ordered by record id
 *	alone, SQLite scanned every record for every period).
 *
 * BUGS
 *	Pages of periods that no longer have reports (after dmarc-expire)
 *	are left in DIR, unlinked from the index.  Reports dated before 1970
 *	or after 9999 are not shown.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "ingest.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define T_MIN	0
#define T_MAX	253402300799LL		/* 9999-12-31T23:59:59Z */

/* Periods found in the database, as sorted unique start times. */
struct periods {
	int64_t	*v;
	size_t	 n, cap;
};

/* html_period_parse - "day", "week" or "month"; -1 otherwise */
int
html_period_parse(const char *s, enum html_period *per)
{
	if (strcmp(s, "day") == 0)
		*per = PERIOD_DAY;
	else if (strcmp(s, "week") == 0)
		*per = PERIOD_WEEK;
	else if (strcmp(s, "month") == 0)
		*per = PERIOD_MONTH;
	else
		return -1;
	return 0;
}

/* fdiv - floor division */
static int64_t
fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* civil - y, m (1-12), d of a Unix day (proleptic Gregorian) */
static void
civil(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = fdiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* days - the Unix day of y-m-d */
static int64_t
days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = fdiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* html_period_start - the start of the period holding t */
int64_t
html_period_start(int64_t t, enum html_period per)
{
	int64_t z, y;
	int m, d;

	t = t < T_MIN ? T_MIN : t > T_MAX ? T_MAX : t;
	z = fdiv(t, 86400);
	if (per == PERIOD_WEEK)
		z -= (z + 3) % 7;	/* 1970-01-01 was a Thursday */
	else if (per == PERIOD_MONTH) {
		civil(z, &y, &m, &d);
		z = days(y, m, 1);
	}
	return z * 86400;
}

/* html_period_next - the start of the period after the one at start */
int64_t
html_period_next(int64_t start, enum html_period per)
{
	int64_t y;
	int m, d;

	if (per == PERIOD_DAY)
		return start + 86400;
	if (per == PERIOD_WEEK)
		return start + 7 * 86400;
	civil(fdiv(start, 86400), &y, &m, &d);
	return m == 12 ? days(y + 1, 1, 1) * 86400 : days(y, m + 1, 1) * 86400;
}

/* html_period_name - 2026-01-31, 2026-W05 (ISO week) or 2026-01 */
void
html_period_name(int64_t start, enum html_period per, char *out,
    size_t outlen)
{
	int64_t z = fdiv(start, 86400), y;
	int m, d;

	if (per == PERIOD_WEEK) {
		/* the ISO year and week are those of the week's Thursday */
		civil(z + 3, &y, &m, &d);
		snprintf(out, outlen, "%04" PRId64 "-W%02d", y,
		    (int)((z + 3 - days(y, 1, 1)) / 7 + 1));
		return;
	}
	civil(z, &y, &m, &d);
	if (per == PERIOD_DAY)
		snprintf(out, outlen, "%04" PRId64 "-%02d-%02d", y, m, d);
	else
		snprintf(out, outlen, "%04" PRId64 "-%02d", y, m);
}

/* padd - remember a period start */
static void
padd(struct periods *p, int64_t start)
{
	if (p->n > 0 && p->v[p->n - 1] == start)
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
	}
	p->v[p->n++] = start;
}

/* i64cmp - ascending int64_t */
static int
i64cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* collect - the periods of the Unix days sql returns */
static int
collect(struct store *db, const char *sql, enum html_period per,
    struct periods *p)
{
	struct store_stmt *st;
	int64_t q;
	int rc;

	if ((st = store_prepare(db, sql)) == NULL)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (store_col_isnull(st, 0))
			continue;
		/* SQL division truncates toward zero: below 0, a day early */
		q = store_col_int64(st, 0);
		padd(p, html_period_start(q * 86400, per));
		if (q <= 0)
			padd(p, html_period_start((q - 1) * 86400, per));
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* Time bounds of one period's queries. */
struct bounds {
	int64_t	 lo, hi;	/* begin_time range, widened by the spans */
	int64_t	 s, e;		/* the period */
};

/* bind4 - begin_time in [lo, hi), begin + end in [2s, 2e) */
static int
bind4(struct store_stmt *st, const struct bounds *b)
{
	return store_bind_int64(st, 1, b->lo) | store_bind_int64(st, 2,
	    b->hi) | store_bind_int64(st, 3, 2 * b->s) |
	    store_bind_int64(st, 4, 2 * b->e);
}

/* col - text column, or NULL */
static const char *
col(struct store_stmt *st, int c)
{
	return store_col_text(st, c, NULL);
}

#define IN_PERIOD(t) \
	"WHERE " t ".begin_time >= ? AND " t ".begin_time < ? AND " \
	t ".begin_time + " t ".end_time >= ? AND " \
	t ".begin_time + " t ".end_time < ? "

/* reports - count the aggregate reports of the period */
static int
reports(struct store *db, struct html_page *p, const struct bounds *b)
{
	struct store_stmt *st;
	int rc;

	if ((st = store_prepare(db, "SELECT r.policy_domain, r.org_name "
	    "FROM rua_reports r " IN_PERIOD("r"))) == NULL)
		return -1;
	if (bind4(st, b) != 0) {
		store_finalize(st);
		return -1;
	}
	while ((rc = store_step(st)) == STORE_ROW)
		html_page_report(p, col(st, 0), col(st, 1));
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* A record being read: its auth rows follow it. */
struct currec {
	int64_t		 id;
	struct html_rec	 r;
	char		*s[8];
	struct ibuf	 spf, dkim;
};

/* rec_flush - hand the record read so far to the page */
static void
rec_flush(struct html_page *p, struct currec *c)
{
	struct ibuf a = { 0 };
	int i;

	if (c->id < 0)
		return;
	if (!c->r.dmarc) {
		ibuf_adds(&a, c->spf.len ? c->spf.data : "");
		ibuf_adds(&a, c->spf.len && c->dkim.len ? ", " : "");
		ibuf_adds(&a, c->dkim.len ? c->dkim.data : "");
		c->r.auth = a.len ? a.data : "no auth results";
	}
	html_page_record(p, &c->r);
	ibuf_free(&a);
	for (i = 0; i < 8; i++) {
		free(c->s[i]);
		c->s[i] = NULL;
	}
	c->spf.len = c->dkim.len = 0;
	c->id = -1;
}

/* rec_start - copy the record columns of the current row */
static void
rec_start(struct store_stmt *st, struct currec *c)
{
	static const int tc[8] = { 0, 1, 8, 9, 10, 11, 12, 13 };
	const char *v;
	int i;

	c->id = store_col_int64(st, 3);
	for (i = 0; i < 8; i++)
		c->s[i] = (v = col(st, tc[i])) != NULL ? xstrdup(v) : NULL;
	memset(&c->r, 0, sizeof(c->r));
	c->r.domain = c->s[0];
	c->r.org = c->s[1];
	c->r.day = fdiv(store_col_int64(st, 2), 172800);
	c->r.count = store_col_int64(st, 4);
	c->r.dmarc = store_col_int64(st, 5) != 0;
	c->r.spf_aligned = store_col_int64(st, 6) != 0;
	c->r.dkim_aligned = store_col_int64(st, 7) != 0;
	c->r.source_ip = c->s[2];
	c->r.disposition = c->s[3];
	c->r.rdns = c->s[4];
	c->r.base = c->s[5];
	c->r.country = c->s[6];
	c->r.header_from = c->s[7];
}

/* rec_auth - an auth result row of a failing record: "spf fail (d)" */
static void
rec_auth(struct store_stmt *st, struct currec *c)
{
	const char *kind = col(st, 14), *dom = col(st, 15), *res = col(st, 16);
	struct ibuf *b;

	if (kind == NULL)
		return;
	b = strcmp(kind, "spf") == 0 ? &c->spf : &c->dkim;
	if (b->len > 400)
		return;
	ibuf_printf(b, "%s%s %s (%s)", b->len ? ", " : "", kind,
	    res ? res : "?", dom ? dom : "?");
}

/* records - the aggregate records of the period */
static int
records(struct store *db, struct html_page *p, const struct bounds *b)
{
	struct store_stmt *st;
	struct currec c;
	int rc;

	if ((st = store_prepare(db, "SELECT r.policy_domain, r.org_name, "
	    "r.begin_time + r.end_time, x.id, x.count, x.dmarc_aligned, "
	    "x.spf_aligned, x.dkim_aligned, x.source_ip, "
	    "x.disposition, x.reverse_dns, x.base_domain, x.country, "
	    "x.header_from, a.kind, a.domain, a.result "
	    "FROM rua_reports r JOIN rua_records x ON x.report = r.id "
	    "LEFT JOIN rua_auth a ON a.record = x.id AND x.dmarc_aligned = 0 "
	    IN_PERIOD("r") "ORDER BY r.id, x.id, a.id")) == NULL)
		return -1;
	if (bind4(st, b) != 0) {
		store_finalize(st);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.id = -1;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (store_col_int64(st, 3) != c.id) {
			rec_flush(p, &c);
			rec_start(st, &c);
		}
		rec_auth(st, &c);
	}
	rec_flush(p, &c);
	ibuf_free(&c.spf);
	ibuf_free(&c.dkim);
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* rufs - the failure reports that arrived in the period */
static int
rufs(struct store *db, struct html_page *p, const struct bounds *b)
{
	struct store_stmt *st;
	struct html_ruf f;
	int rc;

	if ((st = store_prepare(db, "SELECT reported_domain, "
	    "COALESCE(arrival, received), source_ip, reverse_dns, country, "
	    "auth_failure, original_mail_from, delivery_result, dkim_domain "
	    "FROM ruf_reports WHERE (arrival >= ? AND arrival < ?) OR "
	    "(arrival IS NULL AND received >= ? AND received < ?) "
	    "ORDER BY 2, id")) == NULL)
		return -1;
	if ((store_bind_int64(st, 1, b->s) | store_bind_int64(st, 2, b->e) |
	    store_bind_int64(st, 3, b->s) | store_bind_int64(st, 4, b->e)) !=
	    0) {
		store_finalize(st);
		return -1;
	}
	while ((rc = store_step(st)) == STORE_ROW) {
		f.domain = col(st, 0);
		f.arrival = store_col_int64(st, 1);
		f.source_ip = col(st, 2);
		f.rdns = col(st, 3);
		f.country = col(st, 4);
		f.auth_failure = col(st, 5);
		f.mail_from = col(st, 6);
		f.delivery = col(st, 7);
		f.dkim_domain = col(st, 8);
		html_page_ruf(p, &f);
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* tls - the TLS policies of the period and their failure details */
static int
tls(struct store *db, struct html_page *p, const struct bounds *b)
{
	struct store_stmt *st;
	int64_t pol = -1;
	int rc;

	if ((st = store_prepare(db, "SELECT t.policy_domain, t.id, "
	    "t.successful, t.failed, f.result_type, f.failed_session_count, "
	    "f.receiving_mx_hostname FROM tls_reports r JOIN tls_policies t "
	    "ON t.report = r.id LEFT JOIN tls_failures f ON f.policy = t.id "
	    IN_PERIOD("r") "ORDER BY r.id, t.id, f.id")) == NULL)
		return -1;
	if (bind4(st, b) != 0) {
		store_finalize(st);
		return -1;
	}
	while ((rc = store_step(st)) == STORE_ROW) {
		if (store_col_int64(st, 1) != pol) {
			pol = store_col_int64(st, 1);
			html_page_tls(p, col(st, 0), store_col_isnull(st, 2) ?
			    -1 : store_col_int64(st, 2), store_col_isnull(st,
			    3) ? -1 : store_col_int64(st, 3));
		}
		if (!store_col_isnull(st, 4) || !store_col_isnull(st, 5))
			html_page_tls_failure(p, col(st, 0), col(st, 4),
			    col(st, 6), store_col_int64(st, 5));
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* spans - the shortest and longest date range of table t */
static int
spans(struct store *db, const char *sql, int64_t *lo, int64_t *hi)
{
	struct store_stmt *st;
	int rc;

	if ((st = store_prepare(db, sql)) == NULL)
		return -1;
	if ((rc = store_step(st)) == STORE_ROW && !store_col_isnull(st, 0)) {
		if (store_col_int64(st, 0) < *lo)
			*lo = store_col_int64(st, 0);
		if (store_col_int64(st, 1) > *hi)
			*hi = store_col_int64(st, 1);
	}
	store_finalize(st);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

/* find - every period holding a report, and the widening of bounds */
static int
find(struct store *db, enum html_period per, struct periods *p,
    int64_t *back, int64_t *ahead)
{
	int my = store_kind(db) == STORE_MYSQL;
	int64_t lo = 0, hi = 0;

	if (collect(db, my ? "SELECT DISTINCT (begin_time + end_time) DIV "
	    "172800 FROM rua_reports" : "SELECT DISTINCT (begin_time + "
	    "end_time) / 172800 FROM rua_reports", per, p) != 0 ||
	    collect(db, my ? "SELECT DISTINCT (begin_time + end_time) DIV "
	    "172800 FROM tls_reports" : "SELECT DISTINCT (begin_time + "
	    "end_time) / 172800 FROM tls_reports", per, p) != 0 ||
	    collect(db, my ? "SELECT DISTINCT COALESCE(arrival, received) "
	    "DIV 86400 FROM ruf_reports" : "SELECT DISTINCT "
	    "COALESCE(arrival, received) / 86400 FROM ruf_reports", per,
	    p) != 0 ||
	    spans(db, "SELECT MIN(end_time - begin_time), MAX(end_time - "
	    "begin_time) FROM rua_reports", &lo, &hi) != 0 ||
	    spans(db, "SELECT MIN(end_time - begin_time), MAX(end_time - "
	    "begin_time) FROM tls_reports", &lo, &hi) != 0)
		return -1;
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), i64cmp);
	*back = hi;
	*ahead = -lo;
	return 0;
}

/* put - fp's page written to path by way of a temporary file */
static int
put(const char *dir, const char *file, struct html_page *p,
    struct html_index *ix, const char *title)
{
	char tmp[4096], path[4096];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, file);
	if ((fp = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		return -1;
	}
	rc = p != NULL ? html_page_write(p, fp, title) :
	    html_index_write(ix, fp);
	if (fclose(fp) != 0 || rc != 0 || rename(tmp, path) != 0) {
		log_warn("%s", path);
		(void)remove(tmp);
		return -1;
	}
	return 0;
}

/* page - read and write one period; 1 when it held nothing */
static int
page(struct store *db, const char *dir, enum html_period per,
    const struct bounds *b, struct html_index *ix)
{
	static const char *const what[] = { "Day", "Week", "Month" };
	struct html_page *p = html_page_new();
	char name[32], file[48], title[64];
	int rc = 1;

	html_period_name(b->s, per, name, sizeof(name));
	snprintf(file, sizeof(file), "%s.html", name);
	snprintf(title, sizeof(title), "DMARC and TLS reports: %s %s",
	    what[per], name);
	if (reports(db, p, b) != 0 || records(db, p, b) != 0 ||
	    rufs(db, p, b) != 0 || tls(db, p, b) != 0) {
		log_warnx("database: %s", store_errmsg(db));
		rc = -1;
	} else if (!html_page_empty(p)) {
		rc = put(dir, file, p, NULL, title);
		if (rc == 0)
			html_index_add(ix, p, name, file);
	}
	html_page_free(p);
	return rc;
}

/* html_render - a page per period holding reports, and the index */
int
html_render(struct store *db, const char *dir, enum html_period per)
{
	struct periods p = { 0 };
	struct html_index *ix;
	struct bounds b;
	int64_t back, ahead;
	size_t i;
	int rc = 0;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		log_warn("%s", dir);
		return -1;
	}
	if (find(db, per, &p, &back, &ahead) != 0) {
		log_warnx("database: %s", store_errmsg(db));
		free(p.v);
		return -1;
	}
	ix = html_index_new(per);
	for (i = 0; i < p.n && rc == 0; i++) {
		if (i > 0 && p.v[i] == p.v[i - 1])
			continue;
		b.s = p.v[i];
		b.e = html_period_next(b.s, per);
		b.lo = b.s - back;
		b.hi = b.e + ahead;
		if (page(db, dir, per, &b, ix) < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = put(dir, "index.html", NULL, ix, NULL);
	html_index_free(ix);
	free(p.v);
	return rc;
}

/* html_scratch - "sqlite:DIR/scratch.db" in a new private directory, for
   -n --html (the pages show this run's reports only); NULL on error */
char *
html_scratch(void)
{
	const char *t = getenv("TMPDIR");
	char dir[4096], dsn[4200];

	snprintf(dir, sizeof(dir), "%s/dmarc-ingest.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL) {
		log_warn("%s", dir);
		return NULL;
	}
	snprintf(dsn, sizeof(dsn), "sqlite:%s/scratch.db", dir);
	return xstrdup(dsn);
}

/* html_scratch_remove - the scratch database's directory and files */
void
html_scratch_remove(char *dsn)
{
	char *dir = dsn + strlen("sqlite:"), *slash = strrchr(dir, '/'), p[4200];
	struct dirent *de;
	DIR *d;

	*slash = '\0';
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, "scratch.db", 10) == 0) {
				snprintf(p, sizeof(p), "%s/%s", dir,
				    de->d_name);
				(void)unlink(p);
			}
		closedir(d);
	}
	if (rmdir(dir) != 0)
		log_warn("%s", dir);
	free(dsn);
}
