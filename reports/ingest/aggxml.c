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
 *	The document is read with SAX callbacks, not into a tree: a
 *	50000-record Google report costs its records, not ten times their
 *	size in DOM nodes, and parsing runs at libxml2's own speed.  The
 *	state is the stack of open element names; text is collected for the
 *	element being read and stored when it closes.  Entities other than
 *	the five predefined ones are dropped, never expanded or loaded.
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

#include "ingest.h"
#include "xmalloc.h"

#define NS_DMARC2	"urn:ietf:params:xml:ns:dmarc-2.0"
#define XML_OPTS	(XML_PARSE_RECOVER | XML_PARSE_NONET | \
			 XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
			 XML_PARSE_NOCDATA)
#define STACK_MAX	16		/* element depth we follow */
#define TEXT_MAX	(64 * 1024)	/* bytes kept per value */

/* Where we are in <feedback>: one enum per element we read. */
enum el {
	E_OTHER, E_FEEDBACK, E_VERSION, E_META, E_DATE, E_POLICY, E_RECORD,
	E_ROW, E_EVAL, E_REASON, E_IDS, E_AUTH, E_ADKIM_AUTH, E_SPF_AUTH,
	E_LEAF
};

struct sax {
	struct report	*r;
	enum el		 stack[STACK_MAX];
	int		 depth;			/* open elements */
	int		 root_seen, not_feedback, npol, nmeta;
	struct ibuf	 text;
	struct agg_record *rec;			/* record being read */
	struct agg_auth	*auth;			/* auth entry being read */
	struct agg_reason *reason;
	char		 rootname[64];
};

/* trimdup - a trimmed copy into the arena */
static char *
trimdup(struct arena *a, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return arena_strndup(a, s, n);
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

/* grow - one more element of an arena array (records have few) */
static void *
grow(struct arena *a, void *v, size_t n, size_t size)
{
	void *nv = arena_alloc(a, (n + 1) * size);

	if (n > 0)
		memcpy(nv, v, n * size);
	return nv;
}

/* child_of - the state entered by element name inside parent */
static enum el
child_of(struct sax *x, enum el parent, const char *name)
{
	struct agg_record *rec = x->rec;
	struct arena *a = &x->r->arena;

	switch (parent) {
	case E_FEEDBACK:
		if (strcmp(name, "version") == 0)
			return E_LEAF;
		if (strcmp(name, "report_metadata") == 0)
			return x->nmeta++ == 0 ? E_META : E_OTHER;
		if (strcmp(name, "policy_published") == 0)
			return x->npol++ == 0 ? E_POLICY : E_OTHER;
		if (strcmp(name, "record") == 0) {
			x->rec = new_record(&x->r->u.agg);
			return E_RECORD;
		}
		return E_OTHER;
	case E_META:
		return strcmp(name, "date_range") == 0 ? E_DATE : E_LEAF;
	case E_DATE:
	case E_POLICY:
		return E_LEAF;
	case E_RECORD:
		if (strcmp(name, "row") == 0)
			return E_ROW;
		if (strcmp(name, "identifiers") == 0 ||
		    strcmp(name, "identities") == 0)
			return E_IDS;
		if (strcmp(name, "auth_results") == 0)
			return E_AUTH;
		return E_OTHER;
	case E_ROW:
		return strcmp(name, "policy_evaluated") == 0 ? E_EVAL : E_LEAF;
	case E_EVAL:
		if (strcmp(name, "reason") != 0)
			return E_LEAF;
		rec->reasons = grow(a, rec->reasons, rec->nreasons,
		    sizeof(*rec->reasons));
		x->reason = &rec->reasons[rec->nreasons++];
		return E_REASON;
	case E_AUTH:
		if (strcmp(name, "dkim") == 0) {
			rec->dkim_auth = grow(a, rec->dkim_auth, rec->ndkim,
			    sizeof(*rec->dkim_auth));
			x->auth = &rec->dkim_auth[rec->ndkim++];
			return E_ADKIM_AUTH;
		}
		if (strcmp(name, "spf") == 0) {
			rec->spf_auth = grow(a, rec->spf_auth, rec->nspf,
			    sizeof(*rec->spf_auth));
			x->auth = &rec->spf_auth[rec->nspf++];
			return E_SPF_AUTH;
		}
		return E_OTHER;
	case E_REASON:
	case E_IDS:
	case E_ADKIM_AUTH:
	case E_SPF_AUTH:
		return E_LEAF;
	default:
		return E_OTHER;
	}
}

/* on_start - an element opens */
static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattr, int ndef,
    const xmlChar **attrs)
{
	struct sax *x = ((xmlParserCtxtPtr)ctx)->_private;
	const char *name = (const char *)local;
	enum el e;

	if (!x->root_seen) {
		x->root_seen = 1;
		if (strcmp(name, "feedback") != 0) {
			snprintf(x->rootname, sizeof(x->rootname), "%s", name);
			x->not_feedback = 1;
			xmlStopParser(ctx);
			return;
		}
		if (uri != NULL) {
			x->r->u.agg.xml_namespace = arena_strdup(&x->r->arena,
			    (const char *)uri);
			if (strcmp((const char *)uri, NS_DMARC2) == 0)
				x->r->u.agg.rfc9990 = 1;
		}
		x->stack[x->depth++] = E_FEEDBACK;
		return;
	}
	if (x->depth >= STACK_MAX || x->depth == 0) {
		x->depth++;
		return;
	}
	e = child_of(x, x->stack[x->depth - 1], name);
	x->stack[x->depth++] = e;
	x->text.len = 0;
}

/* on_text - character data of the element being read */
static void
on_text(void *ctx, const xmlChar *ch, int len)
{
	struct sax *x = ((xmlParserCtxtPtr)ctx)->_private;

	if (x->depth > 0 && x->depth <= STACK_MAX &&
	    x->stack[x->depth - 1] == E_LEAF && x->text.len < TEXT_MAX)
		ibuf_add(&x->text, ch, (size_t)len);
}

/* set_meta - a leaf of report_metadata (or its date_range) */
static void
set_meta(struct sax *x, enum el parent, const char *name, char *v)
{
	struct agg_report *g = &x->r->u.agg;

	if (parent == E_DATE) {
		if (strcmp(name, "begin") == 0 && epoch(v, &g->begin) != 0)
			g->begin = -1;
		if (strcmp(name, "end") == 0 && epoch(v, &g->end) != 0)
			g->end = -1;
	} else if (strcmp(name, "org_name") == 0)
		g->org_name = v;
	else if (strcmp(name, "email") == 0)
		g->org_email = v;
	else if (strcmp(name, "extra_contact_info") == 0)
		g->extra_contact_info = v;
	else if (strcmp(name, "report_id") == 0)
		g->report_id = v;
	else if (strcmp(name, "generator") == 0) {
		g->generator = v;
		g->rfc9990 = 1;
	} else if (strcmp(name, "error") == 0)
		report_error(x->r, "reporter: %s", v);
}

/* set_policy - a leaf of policy_published */
static void
set_policy(struct sax *x, const char *name, char *v)
{
	struct agg_report *g = &x->r->u.agg;
	static const struct { const char *n; size_t off; } f[] = {
		{ "domain", offsetof(struct agg_report, domain) },
		{ "adkim", offsetof(struct agg_report, adkim) },
		{ "aspf", offsetof(struct agg_report, aspf) },
		{ "p", offsetof(struct agg_report, p) },
		{ "sp", offsetof(struct agg_report, sp) },
		{ "np", offsetof(struct agg_report, np) },
		{ "testing", offsetof(struct agg_report, testing) },
		{ "discovery_method",
		    offsetof(struct agg_report, discovery_method) },
	};
	size_t i;

	if (strcmp(name, "fo") == 0) {
		g->fo = *v ? v : NULL;
		return;
	}
	if (strcmp(name, "pct") == 0 && *v != '\0') {
		char *end;
		long p = strtol(v, &end, 10);

		if (*end != '\0' || p < 0 || p > 100)
			report_error(x->r, "pct \"%s\" is not 0..100", v);
		else
			g->pct = (int)p;
		return;
	}
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(name, f[i].n) == 0) {
			*(char **)((char *)g + f[i].off) = lower(v);
			if (i >= 5 && *v)
				g->rfc9990 = 1;
		}
}

/* set_record - a leaf somewhere in a record */
static void
set_record(struct sax *x, enum el parent, const char *name, char *v)
{
	struct agg_record *rec = x->rec;

	switch (parent) {
	case E_ROW:
		if (strcmp(name, "source_ip") == 0)
			rec->source_ip = v;
		else if (strcmp(name, "count") == 0 &&
		    epoch(v, &rec->count) != 0) {
			report_error(x->r, "record %zu: count \"%s\"",
			    x->r->u.agg.nrecords, v);
			rec->count = 0;
		}
		break;
	case E_EVAL:
		if (strcmp(name, "disposition") == 0)
			rec->disposition = lower(v);
		else if (strcmp(name, "dkim") == 0)
			rec->dkim = lower(v);
		else if (strcmp(name, "spf") == 0)
			rec->spf = lower(v);
		break;
	case E_REASON:
		if (strcmp(name, "type") == 0)
			x->reason->type = lower(v);
		else if (strcmp(name, "comment") == 0)
			x->reason->comment = v;
		break;
	case E_IDS:
		if (strcmp(name, "header_from") == 0)
			rec->header_from = lower(v);
		else if (strcmp(name, "envelope_from") == 0)
			rec->envelope_from = lower(v);
		else if (strcmp(name, "envelope_to") == 0)
			rec->envelope_to = lower(v);
		break;
	case E_ADKIM_AUTH:
	case E_SPF_AUTH:
		if (strcmp(name, "domain") == 0)
			x->auth->domain = lower(v);
		else if (strcmp(name, "result") == 0)
			x->auth->result = lower(v);
		else if (strcmp(name, "human_result") == 0)
			x->auth->human_result = v;
		else if (strcmp(name, parent == E_ADKIM_AUTH ? "selector" :
		    "scope") == 0)
			x->auth->selector_or_scope = *v ? v : NULL;
		break;
	default:
		break;
	}
}

/* record_done - a record closed: note what it lacked */
static void
record_done(struct sax *x)
{
	struct agg_record *rec = x->rec;
	size_t i = x->r->u.agg.nrecords;

	if (rec == NULL)
		return;
	if (rec->source_ip == NULL || *rec->source_ip == '\0')
		report_error(x->r, "record %zu: empty source_ip", i);
	x->rec = NULL;
}

/* on_end - an element closes: store its text, check a record */
static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct sax *x = ((xmlParserCtxtPtr)ctx)->_private;
	enum el e, parent;
	const char *name;
	char *v;

	if (x->depth == 0)
		return;
	if (x->depth-- > STACK_MAX)
		return;
	e = x->stack[x->depth];
	parent = x->depth > 0 ? x->stack[x->depth - 1] : E_OTHER;
	if (e == E_RECORD)
		record_done(x);
	if (e != E_LEAF)
		return;
	name = (const char *)local;
	v = trimdup(&x->r->arena, x->text.data ? x->text.data : "",
	    x->text.len);
	x->text.len = 0;
	if (parent == E_FEEDBACK && strcmp(name, "version") == 0)
		x->r->u.agg.xml_schema = v;
	else if (parent == E_META || parent == E_DATE)
		set_meta(x, parent, name, v);
	else if (parent == E_POLICY)
		set_policy(x, name, v);
	else if (x->rec != NULL)
		set_record(x, parent, name, v);
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

/* parse - one SAX pass, as declared or forcing an encoding */
static int
parse(const char *p, size_t n, const char *enc, struct sax *x, char *err,
    size_t errlen)
{
	xmlParserCtxtPtr ctx;
	xmlSAXHandler sax;
	const xmlError *e;
	int wf;

	if ((ctx = xmlCreateMemoryParserCtxt(p, (int)n)) == NULL)
		return -1;
	memset(&sax, 0, sizeof(sax));
	xmlSAXVersion(&sax, 2);
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.cdataBlock = on_text;
	sax.ignorableWhitespace = on_text;
	sax.reference = NULL;
	sax.startElement = NULL;
	sax.endElement = NULL;
	sax.serror = NULL;
	sax.error = NULL;
	sax.warning = NULL;
	memcpy(ctx->sax, &sax, sizeof(sax));
	ctx->_private = x;
	xmlCtxtUseOptions(ctx, XML_OPTS);
	if (enc != NULL) {
		xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(enc);

		if (h != NULL)
			xmlSwitchToEncoding(ctx, h);
	}
	xmlParseDocument(ctx);
	wf = ctx->wellFormed;
	*err = '\0';
	if (!wf && (e = xmlCtxtGetLastError(ctx)) != NULL && e->message)
		snprintf(err, errlen, "line %d: %s", e->line, e->message);
	if (ctx->myDoc != NULL)
		xmlFreeDoc(ctx->myDoc);
	ctx->myDoc = NULL;
	xmlFreeParserCtxt(ctx);
	return wf;
}

/* aggxml_parse - one aggregate report; 0, or -1 with the reason in why */
int
aggxml_parse(const char *p, size_t n, struct report **out, char *why,
    size_t whylen)
{
	struct sax x;
	const char *bad;
	char err[200];
	int wf, pass;

	*out = NULL;
	if (n > INT32_MAX) {
		snprintf(why, whylen, "XML: larger than 2 GiB");
		return -1;
	}
	for (pass = 0; pass < 2; pass++) {
		memset(&x, 0, sizeof(x));
		x.r = report_new(REPORT_AGGREGATE);
		x.r->u.agg.begin = x.r->u.agg.end = -1;
		wf = parse(p, n, pass ? "windows-1252" : NULL, &x, err,
		    sizeof(err));
		ibuf_free(&x.text);
		if (x.root_seen)
			break;
		report_free(x.r);
	}
	if (!x.root_seen) {
		snprintf(why, whylen, "XML: not parseable%s%s",
		    *err ? ": " : "", err);
		return -1;
	}
	if (x.not_feedback) {
		snprintf(why, whylen, "XML: root element <%s> is not <feedback>",
		    x.rootname);
		report_free(x.r);
		return -1;
	}
	if (!wf)
		report_error(x.r, "invalid XML (recovered): %s",
		    *err ? err : "not well-formed");
	if (x.npol > 1)
		report_error(x.r, "%d policy_published elements; the first kept",
		    x.npol);
	if ((bad = check(&x.r->u.agg)) != NULL) {
		snprintf(why, whylen, "aggregate report: %s", bad);
		report_free(x.r);
		return -1;
	}
	agg_normalise(x.r);
	*out = x.r;
	return 0;
}
