/*
 * html.c -- the summary page: who sends mail as each domain and what fails
 *
 * DESCRIPTION
 *	html_add() folds every report of the run into per-domain counters;
 *	html_write() prints one self-contained page for the period the
 *	reports cover: per policy domain the message volume and DMARC pass
 *	rate per day (an inline SVG chart: bars for volume, a line for the
 *	pass rate), the sending sources grouped by reverse-DNS base domain
 *	(else the address), the failing sources with their SPF and DKIM
 *	detail, and per TLS policy domain the failure result types.  No
 *	script, no fonts, no images: the page makes no network request.
 *	Every string from a report is HTML-escaped.
 *
 *	Memory is bounded: HTML_SOURCES sources per domain are kept apart,
 *	the rest are counted under "(other)"; HTML_DAYS days per domain.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "xmalloc.h"

#define HTML_DOMAINS	256
#define HTML_SOURCES	2000
#define HTML_DAYS	400
#define HTML_TLS	64

struct src {
	char	*name, *detail;		/* detail: a failing record's auth */
	int64_t	 msgs, pass;
};

struct day {
	int64_t	 day, msgs, pass;
};

struct dom {
	char		*name;
	int64_t		 msgs, pass, reports;
	struct src	*src;
	size_t		 nsrc;
	struct day	*days;
	size_t		 ndays;
	struct src	*tls;		/* TLS: name = result type */
	size_t		 ntls;
	int64_t		 tls_ok, tls_fail;
};

struct html {
	struct dom	*dom;
	size_t		 ndom;
	int64_t		 begin, end;
};

/* html_new - an empty summary */
struct html *
html_new(void)
{
	struct html *h = xcalloc(1, sizeof(*h));

	h->dom = xcalloc(HTML_DOMAINS + 1, sizeof(*h->dom));
	h->begin = -1;
	return h;
}

/* domain - the counters of a domain (the last slot takes the rest) */
static struct dom *
domain(struct html *h, const char *name)
{
	size_t i;

	if (name == NULL)
		name = "(none)";
	for (i = 0; i < h->ndom; i++)
		if (strcmp(h->dom[i].name, name) == 0)
			return &h->dom[i];
	if (h->ndom == HTML_DOMAINS)
		return &h->dom[HTML_DOMAINS - 1];
	h->dom[h->ndom].name = xstrdup(name);
	h->dom[h->ndom].src = xcalloc(HTML_SOURCES + 1, sizeof(struct src));
	h->dom[h->ndom].days = xcalloc(HTML_DAYS, sizeof(struct day));
	h->dom[h->ndom].tls = xcalloc(HTML_TLS + 1, sizeof(struct src));
	return &h->dom[h->ndom++];
}

/* source - a named counter in v (the slot past max takes the rest) */
static struct src *
source(struct src *v, size_t *n, size_t max, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	if (*n == max) {
		if (v[max].name == NULL)
			v[max].name = xstrdup("(other)");
		return &v[max];
	}
	v[*n].name = xstrdup(name);
	return &v[(*n)++];
}

/* detail - "spf fail (d), dkim fail (d)" of a failing record */
static char *
detail(const struct agg_record *r)
{
	char buf[512];
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; i < r->nspf && o < sizeof(buf) - 80; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sspf %s (%s)",
		    o ? ", " : "", r->spf_auth[i].result ?
		    r->spf_auth[i].result : "?", r->spf_auth[i].domain ?
		    r->spf_auth[i].domain : "?");
	for (i = 0; i < r->ndkim && o < sizeof(buf) - 80; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "%sdkim %s (%s)", o ? ", " : "", r->dkim_auth[i].result ?
		    r->dkim_auth[i].result : "?", r->dkim_auth[i].domain ?
		    r->dkim_auth[i].domain : "?");
	if (o == 0)
		snprintf(buf, sizeof(buf), "no auth results");
	return xstrdup(buf);
}

/* add_agg - fold an aggregate report */
static void
add_agg(struct html *h, const struct agg_report *g)
{
	struct dom *d = domain(h, g->domain);
	int64_t day = g->begin / 86400;
	size_t i;
	struct day *dy = NULL;

	d->reports++;
	for (i = 0; i < d->ndays; i++)
		if (d->days[i].day == day)
			dy = &d->days[i];
	if (dy == NULL && d->ndays < HTML_DAYS) {
		dy = &d->days[d->ndays++];
		dy->day = day;
	}
	for (i = 0; i < g->nrecords; i++) {
		const struct agg_record *r = &g->records[i];
		const char *name = r->base_domain ? r->base_domain :
		    r->source_ip && *r->source_ip ? r->source_ip : "(empty)";
		struct src *s = source(d->src, &d->nsrc, HTML_SOURCES, name);

		s->msgs += r->count;
		d->msgs += r->count;
		if (dy != NULL)
			dy->msgs += r->count;
		if (r->dmarc_aligned) {
			s->pass += r->count;
			d->pass += r->count;
			if (dy != NULL)
				dy->pass += r->count;
		} else if (s->detail == NULL)
			s->detail = detail(r);
	}
}

/* add_tls - fold a TLS report */
static void
add_tls(struct html *h, const struct tls_report *t)
{
	size_t i, j;

	for (i = 0; i < t->npolicies; i++) {
		const struct tls_policy *p = &t->policies[i];
		struct dom *d = domain(h, p->policy_domain);

		d->tls_ok += p->successful > 0 ? p->successful : 0;
		d->tls_fail += p->failed > 0 ? p->failed : 0;
		for (j = 0; j < p->ndetails; j++) {
			const struct tls_detail *x = &p->details[j];
			struct src *s = source(d->tls, &d->ntls, HTML_TLS,
			    x->result_type ? x->result_type : "(none)");

			s->msgs += x->failed_session_count > 0 ?
			    x->failed_session_count : 0;
		}
	}
}

/* html_add - fold one report in */
void
html_add(struct html *h, const struct report *r)
{
	int64_t b = -1, e = -1;

	if (r->type == REPORT_AGGREGATE) {
		add_agg(h, &r->u.agg);
		b = r->u.agg.begin;
		e = r->u.agg.end;
	} else if (r->type == REPORT_TLS) {
		add_tls(h, &r->u.tls);
		b = r->u.tls.begin;
		e = r->u.tls.end;
	}
	if (b >= 0 && (h->begin < 0 || b < h->begin))
		h->begin = b;
	if (e > h->end)
		h->end = e;
}

/* pct - a pass rate that never rounds a failure up to 100% */
static double
pct(int64_t pass, int64_t msgs)
{
	double v = msgs ? 100.0 * (double)pass / (double)msgs : 0.0;

	return pass < msgs && v > 99.9 ? 99.9 : v;
}

/* esc - HTML-escaped text */
static void
esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* daycmp, srccmp - chart order (by day), table order (most mail first) */
static int
daycmp(const void *a, const void *b)
{
	const struct day *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

static int
srccmp(const void *a, const void *b)
{
	const struct src *x = a, *y = b;

	return (x->msgs < y->msgs) - (x->msgs > y->msgs);
}

/* chart - volume bars and a pass-rate line, inline SVG */
static void
chart(FILE *fp, struct dom *d)
{
	int64_t max = 1;
	size_t i;
	double w;

	qsort(d->days, d->ndays, sizeof(*d->days), daycmp);
	for (i = 0; i < d->ndays; i++)
		if (d->days[i].msgs > max)
			max = d->days[i].msgs;
	w = d->ndays ? 600.0 / (double)d->ndays : 600.0;
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" "
	    "height=\"180\" viewBox=\"0 0 640 180\" role=\"img\">"
	    "<rect x=\"0\" y=\"0\" width=\"640\" height=\"180\" "
	    "fill=\"#f6f8fa\"/>");
	for (i = 0; i < d->ndays; i++) {
		double hgt = 140.0 * (double)d->days[i].msgs / (double)max;

		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#4a90d9\"><title>%" PRId64
		    " messages</title></rect>", 20 + w * (double)i + 1,
		    160 - hgt, w > 3 ? w - 2 : 1, hgt, d->days[i].msgs);
	}
	fputs("<polyline fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2\" "
	    "points=\"", fp);
	for (i = 0; i < d->ndays; i++)
		fprintf(fp, "%.1f,%.1f ", 20 + w * ((double)i + 0.5), 160 -
		    140.0 * (d->days[i].msgs ? (double)d->days[i].pass /
		    (double)d->days[i].msgs : 0));
	fputs("\"/><text x=\"20\" y=\"175\" font-size=\"11\">bars: messages "
	    "per day; line: DMARC pass rate (top = 100%)</text></svg>\n", fp);
}

/* table - the sources of a domain, failing ones with their detail */
static void
table(FILE *fp, struct dom *d)
{
	size_t i, n = d->nsrc + (d->src[HTML_SOURCES].name != NULL);

	qsort(d->src, n, sizeof(*d->src), srccmp);
	fputs("<table><tr><th>source (reverse-DNS base domain or address)"
	    "</th><th>messages</th><th>DMARC pass</th><th>failing auth"
	    "</th></tr>\n", fp);
	for (i = 0; i < n; i++) {
		struct src *s = &d->src[i];

		fputs(s->pass < s->msgs ? "<tr class=\"fail\"><td>" :
		    "<tr><td>", fp);
		esc(fp, s->name);
		fprintf(fp, "</td><td>%" PRId64 "</td><td>%.1f%%</td><td>",
		    s->msgs, pct(s->pass, s->msgs));
		esc(fp, s->pass < s->msgs ? s->detail : "");
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* html_write - the page; -1 on a write error */
int
html_write(struct html *h, FILE *fp)
{
	char b[32], e[32];
	size_t i, j;

	fmt_iso8601(h->begin, b, sizeof(b));
	fmt_iso8601(h->end, e, sizeof(e));
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>DMARC reports %s to %s</title><style>"
	    "body{font-family:sans-serif;margin:2em;color:#222}"
	    "table{border-collapse:collapse;margin:1em 0}"
	    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
	    "tr.fail td{background:#fdecea}h2{border-bottom:2px solid #4a90d9}"
	    "</style></head><body>\n<h1>DMARC and TLS reports</h1>\n"
	    "<p>Period %s to %s</p>\n", b, e, b, e);
	for (i = 0; i < h->ndom; i++) {
		struct dom *d = &h->dom[i];

		fputs("<h2>", fp);
		esc(fp, d->name);
		fprintf(fp, "</h2>\n<p>%" PRId64 " aggregate reports, %" PRId64
		    " messages, %.1f%% pass DMARC</p>\n", d->reports, d->msgs,
		    pct(d->pass, d->msgs));
		if (d->ndays > 0)
			chart(fp, d);
		if (d->nsrc > 0)
			table(fp, d);
		if (d->tls_ok + d->tls_fail == 0 && d->ntls == 0)
			continue;
		fprintf(fp, "<h3>SMTP TLS</h3><p>%" PRId64 " sessions, %" PRId64
		    " failed</p><ul>", d->tls_ok + d->tls_fail, d->tls_fail);
		for (j = 0; j < d->ntls; j++) {
			fputs("<li>", fp);
			esc(fp, d->tls[j].name);
			fprintf(fp, ": %" PRId64 "</li>", d->tls[j].msgs);
		}
		fputs("</ul>\n", fp);
	}
	fputs("</body></html>\n", fp);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}

/* html_free - release the counters */
void
html_free(struct html *h)
{
	size_t i, j;

	if (h == NULL)
		return;
	for (i = 0; i < h->ndom; i++) {
		struct dom *d = &h->dom[i];

		for (j = 0; j <= HTML_SOURCES; j++) {
			free(d->src[j].name);
			free(d->src[j].detail);
		}
		for (j = 0; j <= HTML_TLS; j++)
			free(d->tls[j].name);
		free(d->src);
		free(d->days);
		free(d->tls);
		free(d->name);
	}
	free(h->dom);
	free(h);
}
