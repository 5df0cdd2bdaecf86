/*
 * aggxml.c -- DMARC aggregate report XML into struct agg_report
 *
 * DESCRIPTION
 *	Every flavour seen in the wild: the draft (no <version>), RFC 7489
 *	1.0, Amazon's 0.1 and Outlook's 0, RFC 9990 (dmarc-2.0 namespace,
 *	generator, np, testing, discovery_method), namespace-prefixed
 *	elements (GMX/WEB.DE "ns0:"), xsi/xs noise, windows-1252, invalid
 *	UTF-8, truncated or not well-formed documents.  Elements are matched
 *	on their local names only, so any namespace or prefix reads the
 *	same.  libxml2 parses with XML_PARSE_RECOVER | XML_PARSE_NONET and
 *	no entity loading; what recovery had to skip is recorded as an
 *	error on the report, as parsedmarc does, and never rejects it.
 *
 *	The report is rejected (with the reason in why) only when the root
 *	is not <feedback> or the identity of the report is missing: report
 *	id, date range, policy domain, or both org name and email.  Result
 *	words are lower-cased ("Pass"); the policy defaults and alignment
 *	booleans are filled by agg_normalise() (normalise.c).
 *
 * SEE ALSO
 *	RFC 9990 appendix A, RFC 7489 appendix C; tests/fuzz/aggxml_fuzz.c
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ingest.h"
#include "xmalloc.h"

#define NS_DMARC2	"urn:ietf:params:xml:ns:dmarc-2.0"
#define XML_OPTS	(XML_PARSE_RECOVER | XML_PARSE_NONET | \
			 XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
			 XML_PARSE_COMPACT | XML_PARSE_NOCDATA)

/* is - element node with this local name */
static int
is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* child - first child element with this local name */
static xmlNode *
child(const xmlNode *n, const char *name)
{
	xmlNode *c;

	for (c = n->children; c != NULL; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

/* trimdup - a trimmed copy into the arena */
static char *
trimdup(struct arena *a, const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return arena_strndup(a, s, n);
}

/* text - the trimmed text of an element (NULL: no element) */
static char *
text(struct arena *a, const xmlNode *n)
{
	xmlChar *c;
	char *r;

	if (n == NULL)
		return NULL;
	if (n->children == NULL)
		return arena_strdup(a, "");
	if (n->children->next == NULL && n->children->type == XML_TEXT_NODE)
		return trimdup(a, (const char *)n->children->content);
	c = xmlNodeGetContent(n);
	r = trimdup(a, c ? (const char *)c : "");
	xmlFree(c);
	return r;
}

/* ctext - text of a named child */
static char *
ctext(struct arena *a, const xmlNode *n, const char *name)
{
	return n == NULL ? NULL : text(a, child(n, name));
}

/* lower - lower-case in place; empty becomes NULL */
static char *
lower(char *s)
{
	char *p;

	if (s == NULL || *s == '\0')
		return NULL;
	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* epoch - a date_range value (fractional seconds truncated) */
static int
epoch(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || (*end != '\0' && *end != '.'))
		return -1;
	*out = v;
	return 0;
}

/* metadata - report_metadata */
static void
metadata(struct report *r, const xmlNode *m)
{
	struct agg_report *g = &r->u.agg;
	struct arena *a = &r->arena;
	const xmlNode *c, *dr;

	g->org_name = ctext(a, m, "org_name");
	g->org_email = ctext(a, m, "email");
	g->extra_contact_info = ctext(a, m, "extra_contact_info");
	g->report_id = ctext(a, m, "report_id");
	g->generator = ctext(a, m, "generator");
	if ((dr = child(m, "date_range")) != NULL) {
		if (epoch(ctext(a, dr, "begin"), &g->begin) != 0)
			g->begin = -1;
		if (epoch(ctext(a, dr, "end"), &g->end) != 0)
			g->end = -1;
	} else
		g->begin = g->end = -1;
	for (c = m->children; c != NULL; c = c->next)
		if (is(c, "error"))
			report_error(r, "reporter: %s", text(a, c));
}

/* policy - policy_published */
static void
policy(struct report *r, const xmlNode *p)
{
	struct agg_report *g = &r->u.agg;
	struct arena *a = &r->arena;
	char *pct;

	g->domain = lower(ctext(a, p, "domain"));
	g->adkim = lower(ctext(a, p, "adkim"));
	g->aspf = lower(ctext(a, p, "aspf"));
	g->p = lower(ctext(a, p, "p"));
	g->sp = lower(ctext(a, p, "sp"));
	g->np = lower(ctext(a, p, "np"));
	g->fo = ctext(a, p, "fo");
	if (g->fo != NULL && *g->fo == '\0')
		g->fo = NULL;
	g->testing = lower(ctext(a, p, "testing"));
	g->discovery_method = lower(ctext(a, p, "discovery_method"));
	if ((pct = ctext(a, p, "pct")) != NULL && *pct != '\0') {
		char *end;
		long v = strtol(pct, &end, 10);

		if (*end != '\0' || v < 0 || v > 100)
			report_error(r, "pct \"%s\" is not 0..100", pct);
		else
			g->pct = (int)v;
	}
	if (g->np != NULL || g->testing != NULL || g->discovery_method != NULL)
		g->rfc9990 = 1;
}

/* add_auth - append one auth_results entry */
static void
add_auth(struct report *r, struct agg_auth **v, size_t *n, const xmlNode *x,
    const char *second)
{
	struct arena *a = &r->arena;
	struct agg_auth *nv, *e;

	nv = arena_alloc(a, (*n + 1) * sizeof(*nv));
	if (*n > 0)
		memcpy(nv, *v, *n * sizeof(*nv));
	*v = nv;
	e = &nv[(*n)++];
	e->domain = lower(ctext(a, x, "domain"));
	e->selector_or_scope = ctext(a, x, second);
	if (e->selector_or_scope != NULL && *e->selector_or_scope == '\0')
		e->selector_or_scope = NULL;
	e->result = lower(ctext(a, x, "result"));
	e->human_result = ctext(a, x, "human_result");
}

/* evaluated - row/policy_evaluated */
static void
evaluated(struct report *r, struct agg_record *rec, const xmlNode *pe)
{
	struct arena *a = &r->arena;
	const xmlNode *c;
	size_t n = 0;

	rec->disposition = lower(ctext(a, pe, "disposition"));
	rec->dkim = lower(ctext(a, pe, "dkim"));
	rec->spf = lower(ctext(a, pe, "spf"));
	for (c = pe->children; c != NULL; c = c->next)
		if (is(c, "reason"))
			n++;
	if (n == 0)
		return;
	rec->reasons = arena_alloc(a, n * sizeof(*rec->reasons));
	for (c = pe->children; c != NULL; c = c->next) {
		if (!is(c, "reason"))
			continue;
		rec->reasons[rec->nreasons].type = lower(ctext(a, c, "type"));
		rec->reasons[rec->nreasons].comment = ctext(a, c, "comment");
		rec->nreasons++;
	}
}

/* new_record - a zeroed record at the end of the report */
static struct agg_record *
new_record(struct agg_report *g)
{
	if (g->nrecords == g->caprecords) {
		g->caprecords = g->caprecords ? g->caprecords * 2 : 8;
		g->records = xreallocarray(g->records, g->caprecords,
		    sizeof(*g->records));
	}
	memset(&g->records[g->nrecords], 0, sizeof(g->records[0]));
	return &g->records[g->nrecords++];
}

/* record - one <record> */
static void
record(struct report *r, const xmlNode *x)
{
	struct arena *a = &r->arena;
	struct agg_record *rec = new_record(&r->u.agg);
	const xmlNode *row = child(x, "row"), *id, *ar, *c, *pe;
	char *cnt;

	if (row != NULL) {
		rec->source_ip = ctext(a, row, "source_ip");
		if ((cnt = ctext(a, row, "count")) != NULL &&
		    epoch(cnt, &rec->count) != 0) {
			report_error(r, "record %zu: count \"%s\"",
			    r->u.agg.nrecords, cnt);
			rec->count = 0;
		}
		if ((pe = child(row, "policy_evaluated")) != NULL)
			evaluated(r, rec, pe);
	} else
		report_error(r, "record %zu has no <row>", r->u.agg.nrecords);
	if (rec->source_ip == NULL || *rec->source_ip == '\0')
		report_error(r, "record %zu: empty source_ip",
		    r->u.agg.nrecords);
	if ((id = child(x, "identifiers")) == NULL)
		id = child(x, "identities");
	rec->header_from = lower(ctext(a, id, "header_from"));
	rec->envelope_from = lower(ctext(a, id, "envelope_from"));
	rec->envelope_to = lower(ctext(a, id, "envelope_to"));
	if ((ar = child(x, "auth_results")) == NULL)
		return;
	for (c = ar->children; c != NULL; c = c->next) {
		if (is(c, "dkim"))
			add_auth(r, &rec->dkim_auth, &rec->ndkim, c,
			    "selector");
		else if (is(c, "spf"))
			add_auth(r, &rec->spf_auth, &rec->nspf, c, "scope");
	}
}

/* walk - the children of <feedback> */
static void
walk(struct report *r, const xmlNode *root)
{
	struct agg_report *g = &r->u.agg;
	const xmlNode *c;
	int npol = 0, nmeta = 0;

	g->begin = g->end = -1;
	for (c = root->children; c != NULL; c = c->next) {
		if (is(c, "version"))
			g->xml_schema = text(&r->arena, c);
		else if (is(c, "report_metadata") && nmeta++ == 0)
			metadata(r, c);
		else if (is(c, "policy_published") && npol++ == 0)
			policy(r, c);
		else if (is(c, "record"))
			record(r, c);
	}
	if (npol > 1)
		report_error(r, "%d policy_published elements; the first kept",
		    npol);
	if (g->generator != NULL)
		g->rfc9990 = 1;
}

/* check - the fields without which a report cannot be identified */
static const char *
check(struct agg_report *g)
{
	if (g->report_id == NULL || *g->report_id == '\0')
		return "no report_metadata/report_id";
	if ((g->org_name == NULL || *g->org_name == '\0') &&
	    (g->org_email == NULL || *g->org_email == '\0'))
		return "neither org_name nor email in report_metadata";
	if (g->begin < 0 || g->end < 0)
		return "no valid report_metadata/date_range";
	if (g->domain == NULL)
		return "no policy_published/domain";
	return NULL;
}

/* readdoc - parse, once as declared, then forcing windows-1252 if the
   first pass found no root (an encoding libxml2 does not know) */
static xmlDoc *
readdoc(const char *p, size_t n, char *err, size_t errlen, int *wf)
{
	xmlParserCtxtPtr ctx;
	xmlDoc *doc;
	const xmlError *e;
	int pass;

	*err = '\0';
	for (pass = 0; pass < 2; pass++) {
		if ((ctx = xmlNewParserCtxt()) == NULL)
			return NULL;
		doc = xmlCtxtReadMemory(ctx, p, (int)n, NULL,
		    pass ? "windows-1252" : NULL, XML_OPTS);
		*wf = ctx->wellFormed;
		if (!*wf && (e = xmlCtxtGetLastError(ctx)) != NULL &&
		    e->message != NULL)
			snprintf(err, errlen, "line %d: %s", e->line,
			    e->message);
		xmlFreeParserCtxt(ctx);
		if (doc != NULL && xmlDocGetRootElement(doc) != NULL)
			return doc;
		if (doc != NULL)
			xmlFreeDoc(doc);
	}
	return NULL;
}

/* aggxml_parse - one aggregate report; 0, or -1 with the reason in why */
int
aggxml_parse(const char *p, size_t n, struct report **out, char *why,
    size_t whylen)
{
	xmlDoc *doc;
	xmlNode *root;
	struct report *r;
	const char *bad;
	char err[200];
	int wf;

	*out = NULL;
	if (n > INT32_MAX || (doc = readdoc(p, n, err, sizeof(err), &wf)) ==
	    NULL) {
		snprintf(why, whylen, "XML: not parseable%s%s",
		    *err ? ": " : "", err);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (!is(root, "feedback")) {
		snprintf(why, whylen, "XML: root element <%s> is not <feedback>",
		    (const char *)root->name);
		xmlFreeDoc(doc);
		return -1;
	}
	r = report_new(REPORT_AGGREGATE);
	if (root->ns != NULL && root->ns->href != NULL) {
		r->u.agg.xml_namespace = arena_strdup(&r->arena,
		    (const char *)root->ns->href);
		if (strcmp(r->u.agg.xml_namespace, NS_DMARC2) == 0)
			r->u.agg.rfc9990 = 1;
	}
	if (!wf)
		report_error(r, "invalid XML (recovered): %s",
		    *err ? err : "not well-formed");
	walk(r, root);
	xmlFreeDoc(doc);
	if ((bad = check(&r->u.agg)) != NULL) {
		snprintf(why, whylen, "aggregate report: %s", bad);
		report_free(r);
		return -1;
	}
	agg_normalise(r);
	*out = r;
	return 0;
}
