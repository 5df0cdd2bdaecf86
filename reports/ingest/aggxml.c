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
 *	The document is pushed through libxml2's SAX parser in chunks as it
 *	arrives (aggxml_push), never built into a tree, and records leave
 *	in batches while the rest is still being read: the sink's begin()
 *	gets the report once its identity is known (report_metadata and
 *	policy_published normally precede the records), records() each
 *	batch of sink->batch records (strings in an arena freed after the
 *	call), end() the finished report with its final errors.  Memory is
 *	one batch, whatever the record count.  The identity is frozen at
 *	begin(): a later report_metadata or policy_published element cannot
 *	change what a sink has already stored, so a report that began is
 *	never rejected afterwards.  A report whose identity comes after its
 *	records (not seen in the wild) is held whole until it is known.
 *	The state is the stack of open element names; text is collected for
 *	the element being read and stored when it closes.  Entities other
 *	than the five predefined ones are dropped, never expanded or loaded.
 *
 *	A document whose root libxml2 cannot reach in its declared encoding
 *	is read again as windows-1252; the bytes before the root are kept
 *	for that (up to PRE_MAX), nothing after it.
 *
 *	The report is rejected (with the reason in why) only when the root
 *	is not <feedback> or the identity of the report is missing: report
 *	id, date range, policy domain, or both org name and email.  Result
 *	words are lower-cased ("Pass"); the policy defaults and alignment
 *	booleans are filled by agg_normalise_head() and
 *	agg_normalise_records() (normalise.c).  aggxml_parse() is the same
 *	parser with a sink that keeps every record in the report.
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
#define PRE_MAX		(1u << 20)	/* bytes kept for the encoding retry */
#define PUSH_CHUNK	(256u << 10)	/* bytes handed to libxml2 at once */

/* Where we are in <feedback>: one enum per element we read. */
enum el {
	E_OTHER, E_FEEDBACK, E_VERSION, E_META, E_DATE, E_POLICY, E_RECORD,
	E_ROW, E_EVAL, E_REASON, E_IDS, E_AUTH, E_ADKIM_AUTH, E_SPF_AUTH,
	E_LEAF
};

struct aggxml {
	xmlParserCtxtPtr ctx;
	struct ingest_sink sink;
	struct report	*r;
	char		*container;
	enum el		 stack[STACK_MAX];
	int		 depth;			/* open elements */
	int		 root_seen, not_feedback, npol, nmeta;
	int		 pass, dead, begun;
	struct ibuf	 text;
	struct ibuf	 pre;			/* input before the root */
	int		 pre_lost;		/* over PRE_MAX: no retry */
	struct agg_record *rec;			/* record being read */
	struct agg_auth	*auth;			/* auth entry being read */
	struct agg_reason *reason;
	struct agg_record *batch;		/* records not yet delivered */
	size_t		 nbatch, capbatch;
	struct arena	 ra;			/* their strings */
	char		 rootname[64];
	char		 err[200];		/* libxml2's last error */
	int		 wf;
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

/* new_record - a zeroed record at the end of the batch */
static struct agg_record *
new_record(struct aggxml *x)
{
	if (x->nbatch == x->capbatch) {
		x->capbatch = x->capbatch ? x->capbatch * 2 : 8;
		x->batch = xreallocarray(x->batch, x->capbatch,
		    sizeof(*x->batch));
	}
	memset(&x->batch[x->nbatch], 0, sizeof(x->batch[0]));
	x->r->u.agg.total++;
	return &x->batch[x->nbatch++];
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
child_of(struct aggxml *x, enum el parent, const char *name)
{
	struct agg_record *rec = x->rec;
	struct arena *a = &x->ra;

	switch (parent) {
	case E_FEEDBACK:
		if (strcmp(name, "version") == 0)
			return E_LEAF;
		if (strcmp(name, "report_metadata") == 0)
			return x->nmeta++ == 0 ? E_META : E_OTHER;
		if (strcmp(name, "policy_published") == 0)
			return x->npol++ == 0 ? E_POLICY : E_OTHER;
		if (strcmp(name, "record") == 0) {
			x->rec = new_record(x);
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
	struct aggxml *x = ((xmlParserCtxtPtr)ctx)->_private;
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
	struct aggxml *x = ((xmlParserCtxtPtr)ctx)->_private;

	if (x->depth > 0 && x->depth <= STACK_MAX &&
	    x->stack[x->depth - 1] == E_LEAF && x->text.len < TEXT_MAX)
		ibuf_add(&x->text, ch, (size_t)len);
}

/* set_meta - a leaf of report_metadata (or its date_range) */
static void
set_meta(struct aggxml *x, enum el parent, const char *name, char *v)
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
set_policy(struct aggxml *x, const char *name, char *v)
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
set_record(struct aggxml *x, enum el parent, const char *name, char *v)
{
	struct agg_record *rec = x->rec;

	switch (parent) {
	case E_ROW:
		if (strcmp(name, "source_ip") == 0)
			rec->source_ip = v;
		else if (strcmp(name, "count") == 0 &&
		    epoch(v, &rec->count) != 0) {
			report_error(x->r, "record %zu: count \"%s\"",
			    x->r->u.agg.total, v);
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

/* flush - hand the batch to the sink and start an empty one */
static void
flush(struct aggxml *x)
{
	struct agg_report *g = &x->r->u.agg;

	if (x->nbatch == 0)
		return;
	agg_normalise_records(x->r, x->batch, x->nbatch, g->total - x->nbatch);
	if (x->sink.records != NULL)
		x->sink.records(x->sink.arg, x->r, x->batch, x->nbatch, &x->ra);
	x->nbatch = 0;
	arena_free(&x->ra);
}

/* try_begin - once the identity is known: defaults, begin(), from now on
   the head is frozen */
static int
try_begin(struct aggxml *x)
{
	if (x->begun)
		return 1;
	if (check(&x->r->u.agg) != NULL)
		return 0;
	agg_normalise_head(x->r);
	x->begun = 1;
	if (x->sink.begin != NULL)
		x->sink.begin(x->sink.arg, x->r);
	return 1;
}

/* record_done - a record closed: note what it lacked, deliver a batch */
static void
record_done(struct aggxml *x)
{
	struct agg_record *rec = x->rec;
	size_t i = x->r->u.agg.total;

	if (rec == NULL)
		return;
	if (rec->source_ip == NULL || *rec->source_ip == '\0')
		report_error(x->r, "record %zu: empty source_ip", i);
	x->rec = NULL;
	if (x->nbatch >= x->sink.batch && try_begin(x))
		flush(x);
}

/* on_end - an element closes: store its text, check a record */
static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct aggxml *x = ((xmlParserCtxtPtr)ctx)->_private;
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
	if (x->rec == NULL && x->begun && !(parent == E_META &&
	    strcmp(name, "error") == 0)) {
		/* the identity was frozen when the first batch left */
		x->text.len = 0;
		return;
	}
	v = trimdup(x->rec != NULL ? &x->ra : &x->r->arena,
	    x->text.data ? x->text.data : "", x->text.len);
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

/* newctx - a push parser for this pass (windows-1252 on the second) */
static int
newctx(struct aggxml *x)
{
	xmlSAXHandler sax;

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
	if ((x->ctx = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL)) ==
	    NULL)
		return -1;
	x->ctx->_private = x;
	xmlCtxtUseOptions(x->ctx, XML_OPTS);
	if (x->pass > 0) {
		xmlCharEncodingHandlerPtr h =
		    xmlFindCharEncodingHandler("windows-1252");

		if (h != NULL)
			xmlSwitchToEncoding(x->ctx, h);
	}
	return 0;
}

/* freectx - the parser, its error kept for the report */
static void
freectx(struct aggxml *x)
{
	const xmlError *e;

	if (x->ctx == NULL)
		return;
	x->wf = x->ctx->wellFormed;
	x->err[0] = '\0';
	if (!x->wf && (e = xmlCtxtGetLastError(x->ctx)) != NULL &&
	    e->message)
		snprintf(x->err, sizeof(x->err), "line %d: %s", e->line,
		    e->message);
	if (x->ctx->myDoc != NULL)
		xmlFreeDoc(x->ctx->myDoc);
	x->ctx->myDoc = NULL;
	xmlFreeParserCtxt(x->ctx);
	x->ctx = NULL;
}

/* fresh - a new empty report (first use, or a retried pass) */
static void
fresh(struct aggxml *x)
{
	report_free(x->r);
	x->r = report_new(REPORT_AGGREGATE);
	x->r->u.agg.begin = x->r->u.agg.end = -1;
	x->r->container = arena_strdup(&x->r->arena, x->container);
	x->depth = x->root_seen = x->not_feedback = x->npol = x->nmeta = 0;
	x->nbatch = 0;
	x->rec = NULL;
	arena_free(&x->ra);
}

/* feed - chunks into libxml2; a halted parser takes no more */
static void
feed(struct aggxml *x, const char *p, size_t n, int last)
{
	size_t k;

	do {
		k = n < PUSH_CHUNK ? n : PUSH_CHUNK;
		if (x->ctx->instate == XML_PARSER_EOF) {
			x->dead = 1;
			return;
		}
		xmlParseChunk(x->ctx, p, (int)k, last && k == n);
		p += k;
		n -= k;
	} while (n > 0);
	if (x->ctx->instate == XML_PARSER_EOF)
		x->dead = 1;
}

/* retry - the root was not reached: once more as windows-1252 */
static int
retry(struct aggxml *x, int last)
{
	if (x->root_seen || x->pass > 0 || x->pre_lost)
		return 0;
	freectx(x);
	x->pass = 1;
	x->dead = 0;
	fresh(x);
	if (newctx(x) != 0) {
		x->dead = 1;
		return 0;
	}
	feed(x, x->pre.data ? x->pre.data : "", x->pre.len, last);
	return 1;
}

/* aggxml_new - a push parser delivering to sink (copied); container is
   how the payload was found ("gzip>xml"), or NULL */
struct aggxml *
aggxml_new(const struct ingest_sink *sink, const char *container)
{
	struct aggxml *x = xcalloc(1, sizeof(*x));

	x->sink = *sink;
	if (x->sink.batch == 0)
		x->sink.batch = INGEST_BATCH;
	x->container = container != NULL ? xstrdup(container) : NULL;
	fresh(x);
	if (newctx(x) != 0)
		x->dead = 1;
	return x;
}

/* aggxml_push - the next n bytes of the document */
void
aggxml_push(struct aggxml *x, const char *p, size_t n)
{
	if (x->dead || n == 0)
		return;
	if (!x->root_seen && !x->pre_lost) {
		if (x->pre.len + n > PRE_MAX) {
			x->pre_lost = 1;
			ibuf_free(&x->pre);
		} else
			ibuf_add(&x->pre, p, n);
	}
	feed(x, p, n, 0);
	if (x->root_seen && x->pre.data != NULL)
		ibuf_free(&x->pre);
	if (x->dead && !x->root_seen)
		retry(x, 0);
}

/* aggxml_note - a problem of the container, recorded on the report */
void
aggxml_note(struct aggxml *x, const char *note)
{
	if (note != NULL && *note != '\0')
		report_error(x->r, "%s", note);
}

/* finish - the end of input: the parser's verdict, or why not a report */
static const char *
finish(struct aggxml *x, char *why, size_t whylen)
{
	const char *bad;

	if (!x->dead && x->ctx != NULL)
		feed(x, "", 0, 1);
	if (!x->root_seen && retry(x, 1) && !x->dead)
		feed(x, "", 0, 1);
	freectx(x);
	if (!x->root_seen) {
		snprintf(why, whylen, "XML: not parseable%s%s",
		    *x->err ? ": " : "", x->err);
		return why;
	}
	if (x->not_feedback) {
		snprintf(why, whylen, "XML: root element <%s> is not "
		    "<feedback>", x->rootname);
		return why;
	}
	if (!x->wf)
		report_error(x->r, "invalid XML (recovered): %s",
		    *x->err ? x->err : "not well-formed");
	if (x->npol > 1)
		report_error(x->r, "%d policy_published elements; the first "
		    "kept", x->npol);
	if (!try_begin(x)) {
		bad = check(&x->r->u.agg);
		snprintf(why, whylen, "aggregate report: %s", bad);
		return why;
	}
	x->rec = NULL;
	flush(x);
	return NULL;
}

/* aggxml_finish - end of the document: end() and the report in *out
   (the caller frees it), or -1 with the reason in why; frees x */
int
aggxml_finish(struct aggxml *x, struct report **out, char *why,
    size_t whylen)
{
	int rc = -1;

	*out = NULL;
	if (finish(x, why, whylen) == NULL) {
		if (x->sink.end != NULL)
			x->sink.end(x->sink.arg, x->r);
		*out = x->r;
		x->r = NULL;
		rc = 0;
	}
	report_free(x->r);
	ibuf_free(&x->text);
	ibuf_free(&x->pre);
	arena_free(&x->ra);
	free(x->batch);
	free(x->container);
	free(x);
	return rc;
}

/* keep - the collecting sink: deep copies of every record in the report */
static void
keep(void *arg, struct report *r, struct agg_record *v, size_t n,
    struct arena *ra)
{
	struct agg_report *g = &r->u.agg;
	size_t i;

	(void)arg;
	(void)ra;
	if (g->nrecords + n > g->caprecords) {
		while (g->nrecords + n > g->caprecords)
			g->caprecords = g->caprecords ? g->caprecords * 2 : 8;
		g->records = xreallocarray(g->records, g->caprecords,
		    sizeof(*g->records));
	}
	for (i = 0; i < n; i++)
		agg_record_copy(&r->arena, &g->records[g->nrecords++], &v[i]);
}

/* aggxml_keep - a sink that keeps the records in r->u.agg.records */
void
aggxml_keep(struct ingest_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->records = keep;
}

/* aggxml_parse - one whole document, every record kept in the report */
int
aggxml_parse(const char *p, size_t n, struct report **out, char *why,
    size_t whylen)
{
	struct ingest_sink s;
	struct aggxml *x;

	aggxml_keep(&s);
	x = aggxml_new(&s, NULL);
	aggxml_push(x, p, n);
	return aggxml_finish(x, out, why, whylen);
}
