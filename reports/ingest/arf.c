/*
 * arf.c -- failure reports: ARF auth-failure (RFC 6591/9991) and the
 * plain-text form Exim and cPanel send
 *
 * DESCRIPTION
 *	arf_parse() looks at a walked message (mime.c).  With a
 *	message/feedback-report part (even base64-encoded, Netease): its
 *	"Name: value" fields, and the sample that follows it in any of the
 *	spellings senders use (message/rfc822, text/rfc822-headers, ...).
 *	Feedback-Type must be auth-failure: an abuse or fraud report in the
 *	same mailbox is rejected as "not a DMARC failure report" (quirk 9;
 *	parsedmarc stores mail-auth's arf/002 as one).  Without one: a
 *	text/plain part starting "A message claiming to be from you has
 *	failed" gives Sender Domain, Sender IP Address, Received Date and
 *	the copied headers.
 *
 *	Missing Arrival-Date falls back to the sample's Date, then the
 *	report's; Source-IP is cut at the first blank ("1.2.3.4 (junk)");
 *	missing Reported-Domain comes from the sample's From (quirk 34).
 *	How much of the sample is stored is decided later (output.c,
 *	store.c: none, headers, redacted, all); here all of it is kept.
 *
 * SEE ALSO
 *	RFC 5965, RFC 6591, RFC 9991; tests/fuzz/mime_fuzz.c
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest.h"

#define PLAIN_INTRO	"A message claiming to be from you has failed"

static const char *const sample_types[] = { "message/rfc822",
	"text/rfc822-headers", "text/rfc822", "message/rfc822-headers",
	"text/rfc822-header", "message/rfc822-header", "message/global",
	"message/global-headers", "text/rfc-822-headers" };

/* is_sample_type - one of the spellings of an ARF sample part */
static int
is_sample_type(const char *ct)
{
	size_t i;

	for (i = 0; i < sizeof(sample_types) / sizeof(sample_types[0]); i++)
		if (strcmp(ct, sample_types[i]) == 0)
			return 1;
	return 0;
}

/* field - an ARF field (NULL if absent) */
static char *
field(struct report *r, const char *b, size_t n, const char *name)
{
	return mime_header(&r->arena, b, n, name);
}

/* multi - every occurrence of a field into a list */
static void
multi(struct report *r, const char *b, size_t n, const char *name,
    struct strlist *l)
{
	const char *q = b, *e = b + n, *eol;
	size_t nl = strlen(name);

	for (; q < e; q = eol + 1) {
		eol = memchr(q, '\n', (size_t)(e - q));
		if (eol == NULL)
			eol = e;
		if ((size_t)(eol - q) > nl && strncasecmp(q, name, nl) == 0 &&
		    q[nl] == ':') {
			const char *s = q + nl + 1, *t = eol;

			while (s < t && (*s == ' ' || *s == '\t'))
				s++;
			while (t > s && (t[-1] == '\r' || t[-1] == ' '))
				t--;
			strlist_add(&r->arena, l, s, (size_t)(t - s));
		}
		if (eol == e)
			break;
	}
}

/* from_domain - the domain of the first address in a From value */
static char *
from_domain(struct arena *a, const char *from)
{
	const char *at, *e;
	char *d, *p;

	if (from == NULL || (at = strrchr(from, '@')) == NULL)
		return NULL;
	at++;
	for (e = at; *e && *e != '>' && *e != ' ' && *e != ';' && *e != ',';)
		e++;
	d = arena_strndup(a, at, (size_t)(e - at));
	for (p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return *d ? d : NULL;
}

/* sample - keep the sample and the header fields we show */
static void
sample(struct report *r, const char *s, size_t n, int headers_only)
{
	struct failure_report *f = &r->u.fail;
	struct arena *a = &r->arena;
	size_t i, hl = n;

	f->sample = arena_strndup(a, s, n);
	f->sample_len = n;
	for (i = 0; i + 1 < n; i++) {
		if (s[i] == '\n' && (s[i + 1] == '\n' || (s[i + 1] == '\r' &&
		    i + 2 < n && s[i + 2] == '\n'))) {
			hl = i + 1;
			break;
		}
	}
	f->sample_headers = arena_strndup(a, s, hl);
	f->sample_headers_only = headers_only || hl >= n - 3 || n < 4;
	f->subject = field(r, s, hl, "Subject");
	f->message_id = field(r, s, hl, "Message-ID");
	f->sample_from = field(r, s, hl, "From");
	f->sample_to = field(r, s, hl, "To");
	f->sample_date = field(r, s, hl, "Date");
}

/* arf_fields - the machine-readable part */
static void
arf_fields(struct report *r, const char *b, size_t n)
{
	struct failure_report *f = &r->u.fail;
	char *ip;

	f->feedback_type = field(r, b, n, "Feedback-Type");
	f->user_agent = field(r, b, n, "User-Agent");
	f->version = field(r, b, n, "Version");
	f->original_envelope_id = field(r, b, n, "Original-Envelope-Id");
	f->original_mail_from = field(r, b, n, "Original-Mail-From");
	f->original_rcpt_to = field(r, b, n, "Original-Rcpt-To");
	f->arrival_date = field(r, b, n, "Arrival-Date");
	if (f->arrival_date == NULL)
		f->arrival_date = field(r, b, n, "Received-Date");
	f->reporting_mta = field(r, b, n, "Reporting-MTA");
	f->authentication_results = field(r, b, n, "Authentication-Results");
	f->delivery_result = field(r, b, n, "Delivery-Result");
	f->dkim_domain = field(r, b, n, "DKIM-Domain");
	f->dkim_identity = field(r, b, n, "DKIM-Identity");
	f->dkim_selector = field(r, b, n, "DKIM-Selector");
	f->spf_dns = field(r, b, n, "SPF-DNS");
	f->reported_domain = field(r, b, n, "Reported-Domain");
	f->reported_uri = field(r, b, n, "Reported-URI");
	f->identity_alignment = field(r, b, n, "Identity-Alignment");
	multi(r, b, n, "Auth-Failure", &f->auth_failure);
	if ((ip = field(r, b, n, "Source-IP")) != NULL) {
		ip[strcspn(ip, " \t(")] = '\0';
		f->source_ip = ip;
	}
}

/* finish - fallbacks shared by both forms */
static void
finish(struct report *r, const struct mime_msg *m)
{
	struct failure_report *f = &r->u.fail;
	char *d;

	if (f->arrival_date != NULL)
		f->arrival = parse_rfc5322_date(f->arrival_date);
	if (f->arrival < 0 && f->sample_date != NULL)
		f->arrival = parse_rfc5322_date(f->sample_date);
	if (f->arrival < 0 && (d = mime_header(&r->arena, m->hdrs, m->hdrlen,
	    "Date")) != NULL)
		f->arrival = parse_rfc5322_date(d);
	if (f->arrival_date != NULL && parse_rfc5322_date(f->arrival_date) < 0)
		report_error(r, "Arrival-Date \"%s\" not understood",
		    f->arrival_date);
	if (f->reported_domain == NULL)
		f->reported_domain = from_domain(&r->arena, f->sample_from);
	if (f->source_ip == NULL)
		report_error(r, "no Source-IP");
}

/* body_fields - the ARF part body, base64-decoded if it is still text
   without a field on its first line (Netease) */
static int
feedback_body(struct report *r, const struct mime_part *pt, const char **b,
    size_t *n)
{
	const char *nl = memchr(pt->body, '\n', pt->bodylen);
	size_t first = nl ? (size_t)(nl - pt->body) : pt->bodylen;
	char *d;

	*b = pt->body;
	*n = pt->bodylen;
	if (memchr(pt->body, ':', first) != NULL)
		return 0;
	d = arena_alloc(&r->arena, pt->bodylen / 4 * 3 + 4);
	*n = base64_decode(pt->body, pt->bodylen, d);
	*b = d;
	report_error(r, "feedback-report part was base64 text");
	return 0;
}

/* arf - the ARF form */
static int
arf(const struct mime_msg *m, size_t fb, struct report **out, char *why,
    size_t whylen)
{
	const struct mime_part *pt = &m->parts[fb];
	struct report *r = report_new(REPORT_FAILURE);
	const char *b;
	size_t n, i;

	feedback_body(r, pt, &b, &n);
	arf_fields(r, b, n);
	if (r->u.fail.feedback_type == NULL) {
		report_error(r, "no Feedback-Type; auth-failure assumed");
		r->u.fail.feedback_type = arena_strdup(&r->arena,
		    "auth-failure");
	} else if (strcasecmp(r->u.fail.feedback_type, "auth-failure") != 0) {
		snprintf(why, whylen, "ARF Feedback-Type \"%.40s\" is not a "
		    "DMARC failure report", r->u.fail.feedback_type);
		report_free(r);
		return -1;
	}
	for (i = fb + 1; i < m->nparts; i++) {
		if (m->parts[i].parent == pt->parent &&
		    is_sample_type(m->parts[i].ctype)) {
			sample(r, m->parts[i].body, m->parts[i].bodylen,
			    strstr(m->parts[i].ctype, "header") != NULL);
			break;
		}
	}
	if (r->u.fail.sample == NULL)
		report_error(r, "no sample of the failed message");
	if (r->u.fail.identity_alignment == NULL)
		report_error(r, "no Identity-Alignment");
	finish(r, m);
	*out = r;
	return 0;
}

/* header_line - "Name: value" at p (RFC 5322 field name) */
static int
header_line(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':'; i++)
		;
	return i > 0 && i < n && p[i] == ':';
}

/* plain_value - the value of "  Key: value" in the Exim text */
static char *
plain_value(struct report *r, const char *b, size_t n, const char *key)
{
	const char *q = b, *e = b + n, *eol;
	size_t kl = strlen(key);

	for (; q < e; q = eol + 1) {
		const char *s = q;

		eol = memchr(q, '\n', (size_t)(e - q));
		if (eol == NULL)
			eol = e;
		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(eol - s) > kl + 1 && strncasecmp(s, key, kl) == 0 &&
		    s[kl] == ':') {
			const char *t = eol;

			s += kl + 1;
			while (s < t && *s == ' ')
				s++;
			while (t > s && (t[-1] == '\r' || t[-1] == ' '))
				t--;
			return arena_strndup(&r->arena, s, (size_t)(t - s));
		}
		if (eol == e)
			break;
	}
	return NULL;
}

/* plain - the Exim/cPanel text form */
static int
plain(const struct mime_msg *m, const struct mime_part *pt,
    struct report **out)
{
	struct report *r = report_new(REPORT_FAILURE);
	struct failure_report *f = &r->u.fail;
	const char *b = pt->body, *s, *e = pt->body + pt->bodylen;
	size_t n = pt->bodylen;
	char *ip;

	f->plain_text = 1;
	f->feedback_type = arena_strdup(&r->arena, "auth-failure");
	f->reported_domain = plain_value(r, b, n, "Sender Domain");
	if ((ip = plain_value(r, b, n, "Sender IP Address")) != NULL) {
		ip[strcspn(ip, " \t(")] = '\0';
		f->source_ip = ip;
	}
	f->arrival_date = plain_value(r, b, n, "Received Date");
	f->delivery_result = plain_value(r, b, n, "DMARC Results");
	if ((s = strstr(b, "This is a copy of")) != NULL ||
	    (s = strstr(b, "detected.")) != NULL) {
		/* the copy starts at the first header line after the marker */
		while ((s = memchr(s, '\n', (size_t)(e - s))) != NULL &&
		    ++s < e && !header_line(s, (size_t)(e - s)))
			;
		if (s != NULL && s < e)
			sample(r, s, (size_t)(e - s), 0);
	}
	if (f->sample == NULL) {
		/* a separate rfc822 part after the text (Exim bounce copy) */
		size_t i;

		for (i = (size_t)(pt - m->parts) + 1; i < m->nparts; i++)
			if (is_sample_type(m->parts[i].ctype)) {
				sample(r, m->parts[i].body,
				    m->parts[i].bodylen, 0);
				break;
			}
	}
	finish(r, m);
	*out = r;
	return 0;
}

/* arf_parse - a failure report in m; 0, 1 when there is none (why says
   so), -1 when there is one we refuse (why says why) */
int
arf_parse(const struct mime_msg *m, struct report **out, char *why,
    size_t whylen)
{
	size_t i;
	const char *s;

	*out = NULL;
	for (i = 0; i < m->nparts; i++)
		if (strcmp(m->parts[i].ctype, "message/feedback-report") == 0)
			return arf(m, i, out, why, whylen);
	for (i = 0; i < m->nparts; i++) {
		const struct mime_part *pt = &m->parts[i];

		if (strcmp(pt->ctype, "text/plain") != 0 && *pt->ctype)
			continue;
		for (s = pt->body; s < pt->body + pt->bodylen &&
		    isspace((unsigned char)*s); s++)
			;
		if ((size_t)(pt->body + pt->bodylen - s) >=
		    sizeof(PLAIN_INTRO) - 1 && strncmp(s, PLAIN_INTRO,
		    sizeof(PLAIN_INTRO) - 1) == 0)
			return plain(m, pt, out);
	}
	snprintf(why, whylen, "no failure report");
	return 1;
}
