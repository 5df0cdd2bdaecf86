/*
 * arf.c -- build one DMARC failure report (RFC 9991, RFC 6591, RFC 5965)
 *
 * SYNOPSIS
 *	#include "config.h"

#include "arf.h"
 *
 * DESCRIPTION
 *	The report is a multipart/report; report-type=feedback-report with
 *	three parts (RFC 5965 section 2): a text/plain summary, the
 *	message/feedback-report fields, and the original header fields as
 *	text/rfc822-headers (RFC 9991 section 7 prefers headers only), or,
 *	when the caller passes a body (FailureReportsBody), the message as
 *	message/rfc822; a body line that starts like our boundary is
 *	indented by one space.  Fields follow RFC 9991 section 4: Feedback-Type
 *	auth-failure, Version 1, User-Agent, Auth-Failure, Identity-Alignment
 *	with the RFC 9991 meaning (the mechanisms that failed to
 *	authenticate an aligned identifier; "none" when both did), then
 *	Authentication-Results, Original-Envelope-Id, Original-Mail-From,
 *	Original-Rcpt-To, Arrival-Date, Reporting-MTA, Source-IP,
 *	Reported-Domain, Delivery-Result and the DKIM and SPF details when
 *	known.  The Subject is the one the checklist recommends (F-10):
 *	"DMARC failure report for <domain> received from <host [ip]>".
 *	Auto-Submitted: auto-generated (RFC 3834) keeps responders away.
 *
 *	With redact, the local part of every address in the original
 *	header fields (except the message identifiers Message-ID,
 *	In-Reply-To and References, whose left sides are not mailboxes) and
 *	in Original-Mail-From and Original-Rcpt-To becomes "redacted"
 *	(RFC 6590 section 4); domains stay, so the report keeps its use.
 *	At most ARF_MAXHDRBYTES of original header fields are copied; the
 *	summary says when some were left out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arf.h"
#include "xmalloc.h"

/* A growing string. */
struct sb {
	char	*p;
	size_t	 len, cap;
};

/* sb_add - append n bytes */
static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* sb_str - append a string */
static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* sb_printf - append formatted text */
static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	char small[512], *big;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_add(b, small, (size_t)n);
		return;
	}
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(b, big, (size_t)n);
	free(big);
}

/* sb_value - append a header value made safe (see arf.h) */
static void
sb_value(struct sb *b, const char *v)
{
	char c;

	for (; *v != '\0'; v++) {
		c = *v;
		if (c == '\r')
			c = ' ';
		sb_add(b, &c, 1);
		if (c == '\n' && v[1] != ' ' && v[1] != '\t')
			sb_str(b, "\t");
	}
}

/* sb_name - a field name: bytes outside RFC 5322 ftext become '-' */
static void
sb_name(struct sb *b, const char *n)
{
	char c;

	if (*n == '\0')
		n = "X";
	for (; *n != '\0'; n++) {
		c = (*n > 32 && *n < 127 && *n != ':') ? *n : '-';
		sb_add(b, &c, 1);
	}
}

/* arf_date - see arf.h */
void
arf_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* is_atext - RFC 5322 atext or '.', the characters of a dot-atom */
static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && c < 0x7f && c > 0x20 &&
	    strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL) || (c & 0x80);
}

/* local_start - where the local part ending just before at begins */
static size_t
local_start(const char *s, size_t at)
{
	size_t i = at;

	if (i > 0 && s[i - 1] == '"') {		/* "quoted string"@ */
		for (i--; i > 0; i--)
			if (s[i - 1] == '"' && (i < 2 || s[i - 2] != '\\'))
				return i - 1;
		return at;
	}
	while (i > 0 && is_atext((unsigned char)s[i - 1]))
		i--;
	return i;
}

/* arf_redact - see arf.h */
char *
arf_redact(const char *s)
{
	struct sb b = { NULL, 0, 0 };
	size_t i, start, done = 0, len = strlen(s);

	for (i = 0; i < len; i++) {
		if (s[i] != '@' || i + 1 >= len ||
		    !is_atext((unsigned char)s[i + 1]) || s[i + 1] == '.')
			continue;
		start = local_start(s, i);
		if (start < done || start == i)
			continue;
		sb_add(&b, s + done, start - done);
		sb_str(&b, "redacted");
		done = i;
	}
	sb_add(&b, s + done, len - done);
	return b.p;
}

/* addr_field - "<addr>" (redacted when asked); "<>" for the null path */
static void
addr_field(struct sb *b, const char *name, const char *addr, int redact)
{
	char *r = redact ? arf_redact(addr) : NULL;

	sb_printf(b, "%s: <", name);
	sb_value(b, r != NULL ? r : addr);
	sb_str(b, ">\n");
	free(r);
}

/* field - "Name: value" when value is set */
static void
field(struct sb *b, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	sb_printf(b, "%s: ", name);
	sb_value(b, value);
	sb_str(b, "\n");
}

/* source - "host [ip]", "[ip]" or "an unknown host" */
static void
source(struct sb *b, const struct arf_input *in)
{
	if (in->source_ip[0] == '\0') {
		sb_str(b, "an unknown host");
		return;
	}
	if (in->source_host != NULL && *in->source_host != '\0') {
		sb_value(b, in->source_host);
		sb_str(b, " ");
	}
	sb_str(b, "[");
	sb_value(b, in->source_ip);
	sb_str(b, "]");
}

/* line - "  label value\n" with the value made safe */
static void
line(struct sb *b, const char *label, const char *v1, const char *v2)
{
	sb_str(b, label);
	sb_value(b, v1 != NULL ? v1 : "-");
	if (v2 != NULL) {
		sb_str(b, " (");
		sb_value(b, v2);
		sb_str(b, ")");
	}
	sb_str(b, "\n");
}

/* list - "a, b, c" */
static void
list(struct sb *b, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_str(b, ",\n ");
		sb_value(b, v[i]);
	}
}

/* top - the report's own header fields */
static void
top(struct sb *b, const struct arf_input *in)
{
	char date[64];

	arf_date(in->now, date, sizeof(date));
	field(b, "From", in->sent_by);
	sb_str(b, "To: ");
	list(b, in->to, in->nto);
	sb_str(b, "\n");
	if (in->nbcc > 0) {
		sb_str(b, "Bcc: ");
		list(b, in->bcc, in->nbcc);
		sb_str(b, "\n");
	}
	sb_printf(b, "Date: %s\n", date);
	sb_str(b, "Subject: DMARC failure report for ");
	sb_value(b, in->reported_domain);
	sb_str(b, " received from ");
	source(b, in);
	sb_printf(b, "\nMessage-ID: <%s@%s>\n", in->uniq, in->hostname);
	sb_str(b, "Auto-Submitted: auto-generated\nMIME-Version: 1.0\n");
	sb_printf(b, "Content-Type: multipart/report; "
	    "report-type=feedback-report;\n\tboundary=\"=_dmarcd_%s\"\n\n"
	    "This is a MIME-formatted DMARC failure report.\n", in->uniq);
}

/* human - the text/plain part */
static void
human(struct sb *b, const struct arf_input *in, int truncated)
{
	char date[64];

	arf_date(in->arrival, date, sizeof(date));
	sb_str(b, "Content-Type: text/plain; charset=us-ascii\n"
	    "Content-Description: DMARC failure report\n\n"
	    "This is a DMARC failure report (RFC 9991) for a message "
	    "with the author\ndomain ");
	sb_value(b, in->reported_domain);
	sb_str(b, ", received from ");
	source(b, in);
	sb_printf(b, "\non %s.\n\n", date);
	line(b, "  DMARC result:   ", in->result, NULL);
	sb_str(b, "  Policy domain:  ");
	sb_value(b, in->policy_domain);
	sb_str(b, " (p=");
	sb_value(b, in->policy);
	sb_str(b, ")\n");
	line(b, "  Disposition:    ", in->disposition, in->delivery_result);
	line(b, "  Not aligned:    ", in->identity_alignment, NULL);
	if (in->dkim_summary != NULL)
		line(b, "  DKIM:           ", in->dkim_summary, NULL);
	if (in->spf_summary != NULL)
		line(b, "  SPF:            ", in->spf_summary, NULL);
	if (in->body == NULL)
		sb_str(b, "\nThe original message's header fields follow; "
		    "its body is not included.\n");
	else
		sb_printf(b, "\nThe original message follows%s.\n",
		    in->body_cut ? ", its body cut short" : "");
	if (in->redact)
		sb_str(b, "Local parts of addresses are redacted "
		    "(RFC 6590).\n");
	if (truncated)
		sb_printf(b, "Header fields beyond %d bytes are left out.\n",
		    ARF_MAXHDRBYTES);
}

/* feedback - the message/feedback-report part */
static void
feedback(struct sb *b, const struct arf_input *in)
{
	char date[64];

	arf_date(in->arrival, date, sizeof(date));
	sb_printf(b, "Content-Type: message/feedback-report\n"
	    "Content-Description: DMARC failure report fields\n\n"
	    "Feedback-Type: auth-failure\nVersion: 1\n");
	field(b, "User-Agent", in->user_agent);
	field(b, "Auth-Failure", in->auth_failure);
	field(b, "Identity-Alignment", in->identity_alignment);
	field(b, "Authentication-Results", in->auth_results);
	field(b, "Original-Envelope-Id", in->envid);
	addr_field(b, "Original-Mail-From", in->mail_from, in->redact);
	if (in->rcpt_to != NULL)
		addr_field(b, "Original-Rcpt-To", in->rcpt_to, in->redact);
	sb_printf(b, "Arrival-Date: %s\n", date);
	sb_printf(b, "Reporting-MTA: dns; %s\n", in->hostname);
	field(b, "Source-IP", in->source_ip);
	field(b, "Reported-Domain", in->reported_domain);
	field(b, "Delivery-Result", in->delivery_result);
	field(b, "DKIM-Domain", in->dkim_domain);
	if (in->dkim_domain != NULL) {
		field(b, "DKIM-Selector", in->dkim_selector);
		field(b, "DKIM-Identity", in->dkim_identity);
	}
	field(b, "SPF-DNS", in->spf_dns);
}

/* is_msgid_field - fields whose "x@y" are message identifiers */
static int
is_msgid_field(const char *name)
{
	return strcasecmp(name, "Message-ID") == 0 ||
	    strcasecmp(name, "In-Reply-To") == 0 ||
	    strcasecmp(name, "References") == 0 ||
	    strcasecmp(name, "Resent-Message-ID") == 0;
}

/* headers - the original fields into h; nonzero when some were left out */
static int
headers(struct sb *h, const struct arf_input *in)
{
	size_t i, before;
	char *r;

	for (i = 0; i < in->nhdrs; i++) {
		before = h->len;
		r = in->redact && !is_msgid_field(in->hdrs[i].name) ?
		    arf_redact(in->hdrs[i].value) : NULL;
		sb_name(h, in->hdrs[i].name);
		sb_str(h, ": ");
		sb_value(h, r != NULL ? r : in->hdrs[i].value);
		sb_str(h, "\n");
		free(r);
		if (h->len > ARF_MAXHDRBYTES) {
			h->len = before;
			h->p[before] = '\0';
			return 1;
		}
	}
	return 0;
}

/* body - "\n" and the body: CRLF made LF, NUL made a space, a line
 * that could be taken for our boundary indented by one space */
static void
body(struct sb *h, const struct arf_input *in)
{
	const char *p = in->body, *end = in->body + in->bodylen;
	char mark[80];
	size_t ml;

	ml = (size_t)snprintf(mark, sizeof(mark), "--=_dmarcd_%s", in->uniq);
	sb_str(h, "\n");
	for (; p < end; p++) {
		if ((p == in->body || p[-1] == '\n') &&
		    (size_t)(end - p) >= ml && memcmp(p, mark, ml) == 0)
			sb_str(h, " ");
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			continue;
		sb_add(h, *p != '\0' ? p : " ", 1);	/* NUL: not text */
	}
	if (h->len > 0 && h->p[h->len - 1] != '\n')
		sb_str(h, "\n");
}

/* eightbit - the text holds a byte above 127 */
static int
eightbit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return 1;
	return 0;
}

/* arf_build - see arf.h */
char *
arf_build(const struct arf_input *in, size_t *len)
{
	struct sb b = { NULL, 0, 0 }, h = { NULL, 0, 0 };
	int truncated;

	truncated = headers(&h, in);
	if (in->body != NULL)
		body(&h, in);
	top(&b, in);
	sb_printf(&b, "\n--=_dmarcd_%s\n", in->uniq);
	human(&b, in, truncated);
	sb_printf(&b, "\n--=_dmarcd_%s\n", in->uniq);
	feedback(&b, in);
	sb_printf(&b, "\n--=_dmarcd_%s\n", in->uniq);
	sb_printf(&b, "Content-Type: %s\n%s"
	    "Content-Description: %s of the reported message\n\n",
	    in->body != NULL ? "message/rfc822" : "text/rfc822-headers",
	    eightbit(h.p != NULL ? h.p : "", h.len) ?
	    "Content-Transfer-Encoding: 8bit\n" : "",
	    in->body != NULL ? "header and body" : "header fields");
	if (h.len > 0)
		sb_add(&b, h.p, h.len);
	sb_printf(&b, "\n--=_dmarcd_%s--\n", in->uniq);
	free(h.p);
	*len = b.len;
	return b.p;
}
