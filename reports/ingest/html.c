/*
 * html.c -- the summary pages: who sends mail as each domain and what fails
 *
 * DESCRIPTION
 *	A struct html_page folds the stored reports of one period (fed by
 *	htmldb.c) into per-domain counters and writes one self-contained
 *	page: per policy domain the message volume and DMARC pass rate per
 *	day (an inline SVG chart: bars for volume, a line for the pass rate),
 *	the reporters, the sending sources grouped by reverse-DNS base domain
 *	(else the address) with their countries, the failing sources with
 *	their reverse DNS, country and SPF and DKIM detail, the failure
 *	reports received, and the SMTP TLS sessions and failure result
 *	types.  struct html_index keeps each page's per-domain totals and
 *	writes index.html: per domain a chart over the periods and a table
 *	linking each period's page.
 *
 *	No script, no fonts, no images, no style sheet but an inline one:
 *	the pages make no network request; the only links are the relative
 *	ones between the pages.  Every string from a report is HTML-escaped.
 *
 *	Memory is bounded per page: HTML_DOMAINS domains, HTML_SOURCES
 *	sources, HTML_FAILSRC failing addresses and HTML_RUF failure reports
 *	listed per domain; the rest are counted under "(other)".  The source
 *	tables show the HTML_ROWS largest and one row summing the rest.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "ingest.h"
#include "xmalloc.h"

#define HTML_DOMAINS	256
#define HTML_SOURCES	2000
#define HTML_FAILSRC	500
#define HTML_ORGS	200
#define HTML_DAYS	62
#define HTML_TLS	64
#define HTML_RUF	200
#define HTML_COUNTRIES	250
#define HTML_ROWS	100	/* table rows shown; the rest summed */
#define NF		5	/* text fields of a counter */

/* A named counter; f[] are text fields set by its first use. */
struct cnt {
	char	*key, *f[NF];
	int64_t	 msgs, pass, n;
};

/* Counters by name, hashed; past max the "(other)" entry takes the rest. */
struct tally {
	struct cnt	*v;
	size_t		 n, cap, max;
	size_t		*slot;		/* index + 1, 0 empty */
	size_t		 nslot;
};

struct ruf {
	char	*f[8];
	int64_t	 arrival;
};

struct dom {
	char		*name;
	int64_t		 reports, msgs, pass, spf, dkim, quar, rej;
	int64_t		 tls_ok, tls_fail, nruf;
	struct tally	 src, fsrc, orgs, days, tls, cc;
	struct ruf	*ruf;
	size_t		 nrufl;
};

struct html_page {
	struct tally	 doms;		/* n = index into dv */
	struct dom	*dv;
	size_t		 ndv;
};

/* tally_init - an empty tally holding at most max names */
static void
tally_init(struct tally *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

/* hash - FNV-1a of a string */
static size_t
hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (size_t)h;
}

/* rehash - a slot table twice the entries' capacity */
static void
rehash(struct tally *t)
{
	size_t i, h;

	free(t->slot);
	t->nslot = t->cap * 2;
	t->slot = xcalloc(t->nslot, sizeof(*t->slot));
	for (i = 0; i < t->n; i++) {
		for (h = hash(t->v[i].key) % t->nslot; t->slot[h] != 0;
		    h = (h + 1) % t->nslot)
			;
		t->slot[h] = i + 1;
	}
}

/* tally_get - the counter of key, made when new */
static struct cnt *
tally_get(struct tally *t, const char *key)
{
	size_t h;

	if (key == NULL || *key == '\0')
		key = "(none)";
	if (t->nslot > 0)
		for (h = hash(key) % t->nslot; t->slot[h] != 0;
		    h = (h + 1) % t->nslot)
			if (strcmp(t->v[t->slot[h] - 1].key, key) == 0)
				return &t->v[t->slot[h] - 1];
	if (t->n >= t->max && strcmp(key, "(other)") != 0)
		return tally_get(t, "(other)");
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
		rehash(t);
	}
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	t->v[t->n].key = xstrdup(key);
	for (h = hash(key) % t->nslot; t->slot[h] != 0; h = (h + 1) % t->nslot)
		;
	t->slot[h] = ++t->n;
	return &t->v[t->n - 1];
}

/* tally_free - the names, fields and tables */
static void
tally_free(struct tally *t)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].key);
		for (j = 0; j < NF; j++)
			free(t->v[i].f[j]);
	}
	free(t->v);
	free(t->slot);
}

/* setf - a text field of c, set once */
static void
setf(struct cnt *c, int i, const char *s)
{
	if (c->f[i] == NULL && s != NULL && *s != '\0')
		c->f[i] = xstrdup(s);
}

/* addlist - add s to the comma list in field i (a bounded set) */
static void
addlist(struct cnt *c, int i, const char *s)
{
	size_t l, sl;
	char *p;

	if (s == NULL || *s == '\0')
		return;
	sl = strlen(s);
	if (c->f[i] == NULL) {
		c->f[i] = xstrdup(s);
		return;
	}
	for (p = c->f[i]; (p = strstr(p, s)) != NULL; p += sl)
		if ((p == c->f[i] || p[-1] == ' ') && (p[sl] == ',' ||
		    p[sl] == '\0'))
			return;
	l = strlen(c->f[i]);
	if (l > 60)
		return;
	c->f[i] = realloc(c->f[i], l + sl + 3);
	if (c->f[i] == NULL)
		abort();
	snprintf(c->f[i] + l, sl + 3, ", %s", s);
}

/* html_page_new - an empty page */
struct html_page *
html_page_new(void)
{
	struct html_page *p = xcalloc(1, sizeof(*p));

	tally_init(&p->doms, HTML_DOMAINS);
	p->dv = xcalloc(HTML_DOMAINS + 1, sizeof(*p->dv));
	return p;
}

/* domain - the counters of a domain */
static struct dom *
domain(struct html_page *p, const char *name)
{
	struct cnt *c = tally_get(&p->doms, name);
	struct dom *d;

	if (c->n == 0) {
		c->n = (int64_t)++p->ndv;
		d = &p->dv[c->n - 1];
		d->name = xstrdup(c->key);
		tally_init(&d->src, HTML_SOURCES);
		tally_init(&d->fsrc, HTML_FAILSRC);
		tally_init(&d->orgs, HTML_ORGS);
		tally_init(&d->days, HTML_DAYS);
		tally_init(&d->tls, HTML_TLS);
		tally_init(&d->cc, HTML_COUNTRIES);
	}
	return &p->dv[c->n - 1];
}

/* html_page_report - count one aggregate report of domain from org */
void
html_page_report(struct html_page *p, const char *dom, const char *org)
{
	struct dom *d = domain(p, dom);

	d->reports++;
	tally_get(&d->orgs, org)->n++;
}

/* dayname - "YYYY-MM-DD" of a Unix day */
static void
dayname(int64_t day, char *out, size_t outlen)
{
	char iso[32];

	fmt_iso8601(day * 86400, iso, sizeof(iso));
	snprintf(out, outlen, "%.10s", iso);
}

/* html_page_record - fold one aggregate record */
void
html_page_record(struct html_page *p, const struct html_rec *r)
{
	struct dom *d = domain(p, r->domain);
	struct cnt *s, *dy, *o, *f;
	char day[16];
	int64_t pass = r->dmarc ? r->count : 0;

	dayname(r->day, day, sizeof(day));
	s = tally_get(&d->src, r->base != NULL ? r->base : r->source_ip);
	dy = tally_get(&d->days, day);
	o = tally_get(&d->orgs, r->org);
	d->msgs += r->count;
	s->msgs += r->count;
	dy->msgs += r->count;
	o->msgs += r->count;
	d->pass += pass;
	s->pass += pass;
	dy->pass += pass;
	o->pass += pass;
	d->spf += r->spf_aligned ? r->count : 0;
	d->dkim += r->dkim_aligned ? r->count : 0;
	if (r->disposition != NULL && strcmp(r->disposition, "reject") == 0)
		d->rej += r->count;
	else if (r->disposition != NULL &&
	    strcmp(r->disposition, "quarantine") == 0)
		d->quar += r->count;
	addlist(s, 0, r->country);
	if (r->country != NULL && *r->country != '\0')
		tally_get(&d->cc, r->country)->msgs += r->count;
	if (r->dmarc)
		return;
	setf(s, 1, r->auth);
	f = tally_get(&d->fsrc, r->source_ip);
	f->msgs += r->count;
	setf(f, 0, r->rdns);
	setf(f, 1, r->country);
	addlist(f, 2, r->header_from);
	setf(f, 3, r->auth);
	addlist(f, 4, r->org);
}

/* html_page_ruf - list one failure report */
void
html_page_ruf(struct html_page *p, const struct html_ruf *x)
{
	struct dom *d = domain(p, x->domain);
	const char *v[8] = { x->source_ip, x->rdns, x->country,
		x->auth_failure, x->mail_from, x->delivery, x->dkim_domain,
		NULL };
	struct ruf *r;
	int i;

	d->nruf++;
	if (x->country != NULL && *x->country != '\0')
		tally_get(&d->cc, x->country);
	if (d->nrufl == HTML_RUF)
		return;
	if (d->ruf == NULL)
		d->ruf = xcalloc(HTML_RUF, sizeof(*d->ruf));
	r = &d->ruf[d->nrufl++];
	r->arrival = x->arrival;
	for (i = 0; i < 7; i++)
		r->f[i] = v[i] != NULL ? xstrdup(v[i]) : NULL;
}

/* html_page_tls - one TLS policy's session counts (-1: absent) */
void
html_page_tls(struct html_page *p, const char *dom, int64_t ok,
    int64_t failed)
{
	struct dom *d = domain(p, dom);

	d->tls_ok += ok > 0 ? ok : 0;
	d->tls_fail += failed > 0 ? failed : 0;
}

/* html_page_tls_failure - one TLS failure detail */
void
html_page_tls_failure(struct html_page *p, const char *dom,
    const char *type, const char *mx, int64_t n)
{
	struct cnt *c = tally_get(&domain(p, dom)->tls, type);

	c->msgs += n > 0 ? n : 0;
	addlist(c, 0, mx);
}

/* html_page_empty - nothing was folded in */
int
html_page_empty(const struct html_page *p)
{
	return p->ndv == 0;
}

/* html_esc - HTML-escaped text */
void
html_esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* pct - a pass rate that never rounds a failure up to 100% */
static double
pct(int64_t pass, int64_t msgs)
{
	double v = msgs ? 100.0 * (double)pass / (double)msgs : 0.0;

	return pass < msgs && v > 99.9 ? 99.9 : v;
}

/* keycmp, msgcmp - chart order (by name), table order (most first) */
static int
keycmp(const void *a, const void *b)
{
	return strcmp(((const struct cnt *)a)->key,
	    ((const struct cnt *)b)->key);
}

static int
msgcmp(const void *a, const void *b)
{
	const struct cnt *x = a, *y = b;

	if (x->msgs != y->msgs)
		return (x->msgs < y->msgs) - (x->msgs > y->msgs);
	if (x->n != y->n)
		return (x->n < y->n) - (x->n > y->n);
	return strcmp(x->key, y->key);
}

/* sorted - the tally's entries sorted (the hash index is dropped) */
static void
sorted(struct tally *t, int (*cmp)(const void *, const void *))
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), cmp);
	free(t->slot);
	t->slot = NULL;
	t->nslot = 0;
}

/* chart - volume bars and a pass-rate line, inline SVG, one per entry */
static void
chart(FILE *fp, const struct cnt *v, size_t n, const char *per)
{
	int64_t max = 1;
	size_t i;
	double w = n ? 600.0 / (double)n : 600.0;

	for (i = 0; i < n; i++)
		if (v[i].msgs > max)
			max = v[i].msgs;
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" "
	    "height=\"190\" viewBox=\"0 0 640 190\" role=\"img\">"
	    "<rect x=\"0\" y=\"0\" width=\"640\" height=\"190\" "
	    "fill=\"#f6f8fa\"/><text x=\"4\" y=\"14\" font-size=\"10\">%"
	    PRId64 "</text>", max);
	for (i = 0; i < n; i++) {
		double hgt = 140.0 * (double)v[i].msgs / (double)max;

		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#4a90d9\"><title>", 20 +
		    w * (double)i + 1, 160 - hgt, w > 3 ? w - 2 : 1, hgt);
		html_esc(fp, v[i].key);
		fprintf(fp, ": %" PRId64 " messages, %.1f%% pass</title>"
		    "</rect>", v[i].msgs, pct(v[i].pass, v[i].msgs));
	}
	fputs("<polyline fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2\" "
	    "points=\"", fp);
	for (i = 0; i < n; i++)		/* no rate without messages */
		if (v[i].msgs > 0)
			fprintf(fp, "%.1f,%.1f ", 20 + w * ((double)i + 0.5),
			    160 - 140.0 * (double)v[i].pass /
			    (double)v[i].msgs);
	fputs("\"/>", fp);
	for (i = 0; i < n; i++)
		if (v[i].msgs > 0)
			fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
			    "fill=\"#2e7d32\"/>", 20 + w * ((double)i + 0.5),
			    160 - 140.0 * (double)v[i].pass /
			    (double)v[i].msgs);
	if (n > 0) {
		fputs("<text x=\"20\" y=\"172\" font-size=\"10\">", fp);
		html_esc(fp, v[0].key);
		fputs("</text><text x=\"620\" y=\"172\" font-size=\"10\" "
		    "text-anchor=\"end\">", fp);
		html_esc(fp, v[n - 1].key);
		fputs("</text>", fp);
	}
	fprintf(fp, "<text x=\"20\" y=\"186\" font-size=\"11\">bars: messages "
	    "per %s; line: DMARC pass rate (top = 100%%)</text></svg>\n", per);
}

/* cell - one escaped table cell */
static void
cell(FILE *fp, const char *s)
{
	fputs("<td>", fp);
	html_esc(fp, s);
	fputs("</td>", fp);
}

/* rest - one row summing the entries past HTML_ROWS of a sorted tally */
static void
rest(FILE *fp, const struct tally *t, const char *what)
{
	int64_t msgs = 0, pass = 0;
	size_t i;

	if (t->n <= HTML_ROWS)
		return;
	for (i = HTML_ROWS; i < t->n; i++) {
		msgs += t->v[i].msgs;
		pass += t->v[i].pass;
	}
	fprintf(fp, "<tr class=\"rest\"><td>%zu more %s</td><td>%" PRId64
	    "</td><td>%.1f%%</td></tr>\n", t->n - HTML_ROWS, what, msgs,
	    pct(pass, msgs));
}

/* tables - reporters and sources of a domain */
static void
tables(FILE *fp, struct dom *d)
{
	size_t i;

	sorted(&d->orgs, msgcmp);
	fputs("<h3>Reporters</h3><table class=\"orgs\"><tr><th>reporter</th>"
	    "<th>reports</th><th>messages</th><th>DMARC pass</th></tr>\n", fp);
	for (i = 0; i < d->orgs.n; i++) {
		struct cnt *c = &d->orgs.v[i];

		fputs("<tr>", fp);
		cell(fp, c->key);
		fprintf(fp, "<td>%" PRId64 "</td><td>%" PRId64 "</td><td>%.1f%%"
		    "</td></tr>\n", c->n, c->msgs, pct(c->pass, c->msgs));
	}
	fputs("</table>\n", fp);
	if (d->src.n == 0)
		return;
	sorted(&d->src, msgcmp);
	fputs("<h3>Sources</h3><table class=\"sources\"><tr><th>source "
	    "(reverse-DNS base domain or address)</th><th>messages</th>"
	    "<th>DMARC pass</th><th>countries</th><th>failing auth</th></tr>\n",
	    fp);
	for (i = 0; i < d->src.n && i < HTML_ROWS; i++) {
		struct cnt *s = &d->src.v[i];

		fputs(s->pass < s->msgs ? "<tr class=\"fail\">" : "<tr>", fp);
		cell(fp, s->key);
		fprintf(fp, "<td>%" PRId64 "</td><td>%.1f%%</td>", s->msgs,
		    pct(s->pass, s->msgs));
		cell(fp, s->f[0]);
		cell(fp, s->pass < s->msgs ? s->f[1] : NULL);
		fputs("</tr>\n", fp);
	}
	rest(fp, &d->src, "sources");
	fputs("</table>\n", fp);
}

/* failing - the failing addresses of a domain with their detail */
static void
failing(FILE *fp, struct dom *d)
{
	size_t i;

	if (d->fsrc.n == 0)
		return;
	sorted(&d->fsrc, msgcmp);
	fputs("<h3>Failing sources</h3><table class=\"failing\"><tr>"
	    "<th>address</th><th>reverse DNS</th><th>country</th>"
	    "<th>messages failing DMARC</th><th>header From</th>"
	    "<th>SPF and DKIM</th><th>reported by</th></tr>\n", fp);
	for (i = 0; i < d->fsrc.n && i < HTML_ROWS; i++) {
		struct cnt *f = &d->fsrc.v[i];

		fputs("<tr class=\"fail\">", fp);
		cell(fp, f->key);
		cell(fp, f->f[0]);
		cell(fp, f->f[1]);
		fprintf(fp, "<td>%" PRId64 "</td>", f->msgs);
		cell(fp, f->f[2]);
		cell(fp, f->f[3]);
		cell(fp, f->f[4]);
		fputs("</tr>\n", fp);
	}
	rest(fp, &d->fsrc, "addresses");
	fputs("</table>\n", fp);
}

/* rufs - the failure reports of a domain */
static void
rufs(FILE *fp, struct dom *d)
{
	char t[32];
	size_t i;
	int j;

	if (d->nruf == 0)
		return;
	fprintf(fp, "<h3>Failure reports</h3><p>%" PRId64 " failure reports"
	    "%s</p><table class=\"ruf\"><tr><th>arrival</th><th>source</th>"
	    "<th>reverse DNS</th><th>country</th><th>auth failure</th>"
	    "<th>envelope from</th><th>delivery</th><th>DKIM domain</th>"
	    "</tr>\n", d->nruf, d->nruf > (int64_t)d->nrufl ?
	    " (the first listed)" : "");
	for (i = 0; i < d->nrufl; i++) {
		t[0] = '\0';
		if (d->ruf[i].arrival >= 0)
			fmt_iso8601(d->ruf[i].arrival, t, sizeof(t));
		fputs("<tr>", fp);
		cell(fp, t);
		for (j = 0; j < 7; j++)
			cell(fp, d->ruf[i].f[j]);
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* tls - the TLS sessions and failure types of a domain */
static void
tls(FILE *fp, struct dom *d)
{
	size_t i;

	if (d->tls_ok + d->tls_fail == 0 && d->tls.n == 0)
		return;
	sorted(&d->tls, msgcmp);
	fprintf(fp, "<h3>SMTP TLS</h3><p class=\"tls\">%" PRId64 " sessions, %"
	    PRId64 " failed</p>\n", d->tls_ok + d->tls_fail, d->tls_fail);
	if (d->tls.n == 0)
		return;
	fputs("<table class=\"tls\"><tr><th>result type</th><th>failed "
	    "sessions</th><th>receiving MX</th></tr>\n", fp);
	for (i = 0; i < d->tls.n; i++) {
		fputs("<tr>", fp);
		cell(fp, d->tls.v[i].key);
		fprintf(fp, "<td>%" PRId64 "</td>", d->tls.v[i].msgs);
		cell(fp, d->tls.v[i].f[0]);
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* countries - the countries of a domain's sources, most mail first */
static void
countries(FILE *fp, struct dom *d)
{
	size_t i;

	if (d->cc.n == 0)
		return;
	sorted(&d->cc, msgcmp);
	fputs("<p class=\"countries\">Countries: ", fp);
	for (i = 0; i < d->cc.n; i++) {
		fputs(i ? ", " : "", fp);
		html_esc(fp, d->cc.v[i].key);
		fprintf(fp, " %" PRId64, d->cc.v[i].msgs);
	}
	fputs("</p>\n", fp);
}

/* section - one policy domain */
static void
section(FILE *fp, struct dom *d)
{
	fputs("<h2>", fp);
	html_esc(fp, d->name);
	fprintf(fp, "</h2>\n<p class=\"summary\">%" PRId64 " aggregate "
	    "reports, %" PRId64 " messages, %.1f%% pass DMARC (SPF aligned "
	    "%.1f%%, DKIM aligned %.1f%%); %" PRId64 " quarantined, %" PRId64
	    " rejected; %" PRId64 " failure reports</p>\n", d->reports,
	    d->msgs, pct(d->pass, d->msgs), pct(d->spf, d->msgs),
	    pct(d->dkim, d->msgs), d->quar, d->rej, d->nruf);
	if (d->days.n > 0) {
		sorted(&d->days, keycmp);
		chart(fp, d->days.v, d->days.n, "day");
	}
	countries(fp, d);
	if (d->reports > 0 || d->msgs > 0)
		tables(fp, d);
	failing(fp, d);
	rufs(fp, d);
	tls(fp, d);
}

/* head - the document head with the inline style sheet */
static void
head(FILE *fp, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>", fp);
	html_esc(fp, title);
	fputs("</title><style>"
	    "body{font-family:sans-serif;margin:2em;color:#222}"
	    "table{border-collapse:collapse;margin:1em 0}"
	    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;"
	    "overflow-wrap:anywhere}"
	    "tr.fail td{background:#fdecea}h2{border-bottom:2px solid #4a90d9}"
	    "</style></head><body>\n<h1>", fp);
	html_esc(fp, title);
	fputs("</h1>\n", fp);
}

/* domcmp - domains with most mail first, then by name */
static int
domcmp(const void *a, const void *b)
{
	const struct dom *x = a, *y = b;

	if (x->msgs != y->msgs)
		return (x->msgs < y->msgs) - (x->msgs > y->msgs);
	return strcmp(x->name, y->name);
}

/* html_page_write - the page; -1 on a write error */
int
html_page_write(struct html_page *p, FILE *fp, const char *title)
{
	size_t i;

	head(fp, title);
	fputs("<p><a href=\"index.html\">All periods</a></p>\n", fp);
	sorted(&p->doms, keycmp);	/* dv indexes stay valid */
	qsort(p->dv, p->ndv, sizeof(*p->dv), domcmp);
	for (i = 0; i < p->ndv; i++)
		section(fp, &p->dv[i]);
	fputs("</body></html>\n", fp);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}

/* html_page_free - release the counters */
void
html_page_free(struct html_page *p)
{
	size_t i, j;
	int k;

	if (p == NULL)
		return;
	for (i = 0; i < p->ndv; i++) {
		struct dom *d = &p->dv[i];

		tally_free(&d->src);
		tally_free(&d->fsrc);
		tally_free(&d->orgs);
		tally_free(&d->days);
		tally_free(&d->tls);
		tally_free(&d->cc);
		for (j = 0; j < d->nrufl; j++)
			for (k = 0; k < 7; k++)
				free(d->ruf[j].f[k]);
		free(d->ruf);
		free(d->name);
	}
	tally_free(&p->doms);
	free(p->dv);
	free(p);
}

/* One domain's totals in one period, for the index. */
struct ixrow {
	size_t	 period;
	int64_t	 reports, msgs, pass, nruf, tls_fail;
};

struct ixdom {
	char		*name;
	int64_t		 msgs;
	struct ixrow	*rows;
	size_t		 nrows;
};

struct html_index {
	enum html_period per;
	char		**names, **files;
	size_t		 nper;
	struct tally	 doms;		/* n = index + 1 into dv */
	struct ixdom	*dv;
	size_t		 ndv;
};

/* html_index_new - an empty index */
struct html_index *
html_index_new(enum html_period per)
{
	struct html_index *ix = xcalloc(1, sizeof(*ix));

	ix->per = per;
	tally_init(&ix->doms, HTML_DOMAINS);
	ix->dv = xcalloc(HTML_DOMAINS + 1, sizeof(*ix->dv));
	return ix;
}

/* html_index_add - a written page's per-domain totals */
void
html_index_add(struct html_index *ix, const struct html_page *p,
    const char *name, const char *file)
{
	size_t i, k = ix->nper++;

	ix->names = xreallocarray(ix->names, ix->nper, sizeof(char *));
	ix->files = xreallocarray(ix->files, ix->nper, sizeof(char *));
	ix->names[k] = xstrdup(name);
	ix->files[k] = xstrdup(file);
	for (i = 0; i < p->ndv; i++) {
		const struct dom *d = &p->dv[i];
		struct cnt *c = tally_get(&ix->doms, d->name);
		struct ixdom *x;
		struct ixrow *r;

		if (c->n == 0) {
			c->n = (int64_t)++ix->ndv;
			ix->dv[c->n - 1].name = xstrdup(c->key);
		}
		x = &ix->dv[c->n - 1];
		if (x->nrows == 0 || x->rows[x->nrows - 1].period != k) {
			x->rows = xreallocarray(x->rows, x->nrows + 1,
			    sizeof(*x->rows));
			r = &x->rows[x->nrows++];
			memset(r, 0, sizeof(*r));
			r->period = k;
		}
		r = &x->rows[x->nrows - 1];
		r->reports += d->reports;
		r->msgs += d->msgs;
		r->pass += d->pass;
		r->nruf += d->nruf;
		r->tls_fail += d->tls_fail;
		x->msgs += d->msgs;
	}
}

/* ixcmp - index domains with most mail first, then by name */
static int
ixcmp(const void *a, const void *b)
{
	const struct ixdom *x = a, *y = b;

	if (x->msgs != y->msgs)
		return (x->msgs < y->msgs) - (x->msgs > y->msgs);
	return strcmp(x->name, y->name);
}

/* ixdomain - one domain's chart over the periods and its table */
static void
ixdomain(struct html_index *ix, FILE *fp, const struct ixdom *x)
{
	static const char *const per[] = { "day", "week", "month" };
	struct cnt *v = xcalloc(x->nrows + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < x->nrows; i++) {
		v[i].key = ix->names[x->rows[i].period];
		v[i].msgs = x->rows[i].msgs;
		v[i].pass = x->rows[i].pass;
	}
	fputs("<h2>", fp);
	html_esc(fp, x->name);
	fputs("</h2>\n", fp);
	chart(fp, v, x->nrows, per[ix->per]);
	free(v);
	fputs("<table class=\"periods\"><tr><th>period</th><th>aggregate "
	    "reports</th><th>messages</th><th>DMARC pass</th><th>failure "
	    "reports</th><th>TLS failed sessions</th></tr>\n", fp);
	for (i = x->nrows; i-- > 0;) {
		const struct ixrow *r = &x->rows[i];

		fputs("<tr><td><a href=\"", fp);
		html_esc(fp, ix->files[r->period]);
		fputs("\">", fp);
		html_esc(fp, ix->names[r->period]);
		fprintf(fp, "</a></td><td>%" PRId64 "</td><td>%" PRId64 "</td>"
		    "<td>%.1f%%</td><td>%" PRId64 "</td><td>%" PRId64 "</td>"
		    "</tr>\n", r->reports, r->msgs, pct(r->pass, r->msgs),
		    r->nruf, r->tls_fail);
	}
	fputs("</table>\n", fp);
}

/* html_index_write - index.html; -1 on a write error */
int
html_index_write(struct html_index *ix, FILE *fp)
{
	size_t i;

	head(fp, "DMARC and TLS reports");
	if (ix->nper == 0)
		fputs("<p>No reports stored yet.</p>\n", fp);
	else {
		fputs("<p class=\"range\">", fp);
		html_esc(fp, ix->names[0]);
		fputs(" to ", fp);
		html_esc(fp, ix->names[ix->nper - 1]);
		fprintf(fp, ": %zu periods</p>\n<ul class=\"pages\">", ix->nper);
		for (i = ix->nper; i-- > 0;) {
			fputs("<li><a href=\"", fp);
			html_esc(fp, ix->files[i]);
			fputs("\">", fp);
			html_esc(fp, ix->names[i]);
			fputs("</a></li>", fp);
		}
		fputs("</ul>\n", fp);
	}
	qsort(ix->dv, ix->ndv, sizeof(*ix->dv), ixcmp);
	for (i = 0; i < ix->ndv; i++)
		ixdomain(ix, fp, &ix->dv[i]);
	fputs("</body></html>\n", fp);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}

/* html_index_free - release the index */
void
html_index_free(struct html_index *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->nper; i++) {
		free(ix->names[i]);
		free(ix->files[i]);
	}
	for (i = 0; i < ix->ndv; i++) {
		free(ix->dv[i].name);
		free(ix->dv[i].rows);
	}
	free(ix->names);
	free(ix->files);
	free(ix->dv);
	tally_free(&ix->doms);
	free(ix);
}
