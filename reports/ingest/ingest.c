/*
 * ingest.c -- one input to its reports: unwrap, sniff, dispatch
 *
 * DESCRIPTION
 *	The order is by content only: containers are peeled (containers.c),
 *	then a payload starting with '<' is aggregate XML, with '{' a TLS
 *	report, with header lines a mail message.  A message is walked
 *	(mime.c); a failure report in it wins (arf.c), else every leaf part
 *	is unwrapped and sniffed again, whatever its declared type, so
 *	octet-stream gzip, x-zip-compressed, bare application/tlsrpt JSON
 *	and reports inside forwarded messages are all found.
 *
 *	Reports go to the caller's sink as they are read (struct
 *	ingest_sink): aggregate XML through aggxml's push parser, fed
 *	straight from the inflater when it sits in gzip or zlib
 *	(containers.c's stream hook), so a large report never exists whole
 *	in memory; failure and TLS reports whole.  Without a sink every
 *	record is kept in its report (aggxml_keep): the unit tests and fuzz
 *	harnesses run this same path.
 *
 *	An input without a report gets one reason, the most specific seen:
 *	a refused report ("ARF Feedback-Type abuse ...", "aggregate report:
 *	no report_id") beats a container problem, which beats "no report in
 *	message".  A batch goes on after a bad input: the caller reports the
 *	reason and moves on.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

struct ctx {
	struct ingest_result	*res;
	const struct ingest_sink *sink;
	int			 depth;
	int			 rank;	/* of the reason kept so far */
	const char		*prefix;	/* path of the blob unwrapped */
};

static void	message(struct ctx *c, const char *p, size_t n,
		    const char *path);

/* reason - keep why if it is more specific than the one we have */
static void
reason(struct ctx *c, int rank, const char *why)
{
	if (rank < c->rank)
		return;
	c->rank = rank;
	snprintf(c->res->reject, sizeof(c->res->reject), "%s", why);
}

/* tag - set how the report was found */
static void
tag(struct report *r, const char *path, const char *kind)
{
	char buf[128];

	subpath(buf, sizeof(buf), path, kind);
	r->container = arena_strdup(&r->arena, buf);
}

/* printable - a short, printable prefix for a reason */
static void
printable(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < outlen && o < 24; i++)
		out[o++] = isprint((unsigned char)p[i]) ? p[i] : '.';
	out[o] = '\0';
}

/* deliver - a whole report (failure, TLS) to the sink and the result */
static void
deliver(struct ctx *c, struct report *r)
{
	if (c->sink->begin != NULL)
		c->sink->begin(c->sink->arg, r);
	if (c->sink->end != NULL)
		c->sink->end(c->sink->arg, r);
	result_add(c->res, r);
}

/* xml_open - an aggregate XML payload starts (path: its containers) */
static void *
xml_open(void *arg, const char *path)
{
	struct ctx *c = arg;
	char full[128], sp[128];

	subpath(full, sizeof(full), c->prefix, path);
	subpath(sp, sizeof(sp), full, "xml");
	return aggxml_new(c->sink, sp);
}

/* xml_push - more of it */
static void
xml_push(void *h, const char *p, size_t n)
{
	aggxml_push(h, p, n);
}

/* xml_close - its end: a report, or the reason it is none */
static void
xml_close(void *arg, void *h, const char *note)
{
	struct ctx *c = arg;
	struct report *r;
	char why[256];

	aggxml_note(h, note);
	if (aggxml_finish(h, &r, why, sizeof(why)) == 0)
		result_add(c->res, r);
	else
		reason(c, 3, why);
}

/* payload - one unwrapped payload */
static void
payload(struct ctx *c, const struct payload *pl, int in_message)
{
	struct report *r;
	char why[256], pre[32];
	void *h;

	switch (sniff(pl->data, pl->len)) {
	case SNIFF_XML:
		h = xml_open(c, pl->path);
		xml_push(h, pl->data, pl->len);
		xml_close(c, h, pl->note[0] != '\0' ? pl->note : NULL);
		break;
	case SNIFF_JSON:
		if (tlsrpt_parse(pl->data, pl->len, &r, why, sizeof(why)) ==
		    0) {
			if (pl->note[0] != '\0')
				report_error(r, "%s", pl->note);
			tag(r, pl->path, "json");
			deliver(c, r);
		} else
			reason(c, 3, why);
		break;
	case SNIFF_MESSAGE:
		if (c->depth < INGEST_MAX_DEPTH) {
			c->depth++;
			message(c, pl->data, pl->len, pl->path);
			c->depth--;
		}
		break;
	default:
		if (!in_message) {
			printable(pl->data, pl->len, pre, sizeof(pre));
			snprintf(why, sizeof(why), "not a report: %zu bytes "
			    "of unknown content (\"%s\")", pl->len, pre);
			reason(c, 1, why);
		}
		break;
	}
}

/* bytes - unwrap one blob and read every payload */
static void
bytes(struct ctx *c, const char *p, size_t n, const char *path,
    int in_message)
{
	struct stream_hook hook = { c, xml_open, xml_push, xml_close };
	struct payloads pl = { 0 };
	const char *saved = c->prefix;
	size_t i;

	pl.hook = &hook;
	c->prefix = path;
	if (unwrap(p, n, &pl) != 0) {
		c->prefix = saved;
		if (pl.note[0] != '\0')
			reason(c, in_message ? 2 : 2, pl.note);
		payloads_free(&pl);
		return;
	}
	c->prefix = saved;
	if (pl.note[0] != '\0')
		reason(c, 2, pl.note);
	for (i = 0; i < pl.n; i++) {
		if (*path) {
			char sp[64];

			subpath(sp, sizeof(sp), path, pl.v[i].path);
			memcpy(pl.v[i].path, sp, sizeof(pl.v[i].path));
		}
		payload(c, &pl.v[i], in_message);
	}
	payloads_free(&pl);
}

/* skip_part - parts never searched for reports */
static int
skip_part(const struct mime_part *pt)
{
	return strcmp(pt->ctype, "text/html") == 0 ||
	    strcmp(pt->ctype, "message/rfc822") == 0 ||
	    strcmp(pt->ctype, "message/global") == 0;
}

/* message - a mail message: a failure report, else report attachments */
static void
message(struct ctx *c, const char *p, size_t n, const char *path)
{
	struct mime_msg m;
	struct report *r;
	size_t i, before = c->res->nreports;
	char why[256], sp[64];
	int rc;

	mime_parse(p, n, &m);
	subpath(sp, sizeof(sp), path, "eml");
	if ((rc = arf_parse(&m, &r, why, sizeof(why))) == 0) {
		tag(r, sp, "arf");
		deliver(c, r);
		mime_free(&m);
		return;
	}
	if (rc < 0) {
		reason(c, 4, why);
		mime_free(&m);
		return;
	}
	for (i = 0; i < m.nparts; i++) {
		char pp[64];
		const struct mime_part *pt = &m.parts[i];

		if (skip_part(pt) || pt->bodylen == 0)
			continue;
		/* a part of an attached message: say so in the path */
		subpath(pp, sizeof(pp), sp, pt->parent >= 0 ? "eml" : "");
		bytes(c, pt->body, pt->bodylen, pp, 1);
	}
	if (c->res->nreports == before) {
		char *subj = mime_header(&m.arena, m.hdrs, m.hdrlen,
		    "Subject");

		snprintf(why, sizeof(why), "message \"%.60s\": no report in "
		    "its %zu part%s", subj ? subj : "", m.nparts,
		    m.nparts == 1 ? "" : "s");
		reason(c, 1, why);
	}
	mime_free(&m);
}

/* ingest_bytes - every report in one input; 0 if any, -1 with a reason */
int
ingest_bytes(const void *p, size_t n, const struct ingest_opts *o,
    struct ingest_result *res)
{
	struct ingest_sink keep;
	struct ctx c = { res, NULL, 0, 0, "" };

	aggxml_keep(&keep);
	c.sink = o != NULL && o->sink != NULL ? o->sink : &keep;
	memset(res, 0, sizeof(*res));
	if (n == 0) {
		snprintf(res->reject, sizeof(res->reject), "empty input");
		return -1;
	}
	bytes(&c, p, n, "", 0);
	if (res->nreports > 0) {
		res->reject[0] = '\0';
		return 0;
	}
	if (res->reject[0] == '\0')
		snprintf(res->reject, sizeof(res->reject), "not a report");
	return -1;
}
