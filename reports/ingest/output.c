/*
 * output.c -- received reports as JSON lines and CSV
 *
 * DESCRIPTION
 *	JSON: one object per line, "type" aggregate, failure, tls or
 *	invalid (an input that held no report, with its reason).  The
 *	aggregate object has parsedmarc's shape (report_metadata,
 *	policy_published, records[] with source, alignment,
 *	policy_evaluated, identifiers, auth_results) so dashboards move
 *	over; times are ISO 8601 UTC with the epoch beside them.  Strings
 *	are escaped; bytes that are not UTF-8 become U+FFFD, so every line
 *	is valid JSON whatever the reporter sent.
 *
 *	CSV (RFC 4180): one file per report type, one row per aggregate
 *	record, per failure report, and per TLS policy summary plus one per
 *	failure detail.  Columns are named in dmarc-ingest(1); with
 *	parsedmarc set, parsedmarc's column names and order (booleans True
 *	and False) for people moving over.
 *
 *	A streamed aggregate report (out_json_records/out_csv_records per
 *	batch, then out_json_end/out_csv_end) is written only when it is
 *	complete, because its errors (truncation found at the end) belong
 *	in report_metadata and in every CSV row.  Until then the rendered
 *	records wait in a spool: memory up to SPOOL_MEM, then an unlinked
 *	temporary file, so the output is exactly what out_json/out_csv write
 *	for the whole report and memory stays bounded.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "output.h"
#include "xmalloc.h"

#define SPOOL_MEM	(4u << 20)	/* bytes of a spool kept in memory */

/* spool_tmp - an unlinked temporary file in $TMPDIR (tmpfile(3) ignores
   it), or NULL */
static FILE *
spool_tmp(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *fp;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/dmarc-ingest.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		return NULL;
	(void)unlink(path);
	if ((fp = fdopen(fd, "w+")) == NULL)
		close(fd);
	return fp;
}

/* spool_add - append bytes; to a temporary file past SPOOL_MEM */
void
spool_add(struct spool *s, const void *p, size_t n)
{
	if (s->mem.len + n > SPOOL_MEM && !s->err) {
		if (s->tmp == NULL && (s->tmp = spool_tmp()) == NULL)
			s->err = 1;
		else if (s->mem.len > 0 && fwrite(s->mem.data, 1, s->mem.len,
		    s->tmp) != s->mem.len)
			s->err = 1;
		s->mem.len = 0;
	}
	if (s->err)
		return;
	if (n > SPOOL_MEM) {
		if (fwrite(p, 1, n, s->tmp) != n)
			s->err = 1;
		return;
	}
	ibuf_add(&s->mem, p, n);
}

/* spool_rewind - start reading what was added; -1 on a file error */
int
spool_rewind(struct spool *s)
{
	s->rd = 0;
	if (s->tmp != NULL && (fflush(s->tmp) != 0 ||
	    fseek(s->tmp, 0, SEEK_SET) != 0))
		s->err = 1;
	return s->err ? -1 : 0;
}

/* spool_read - the next n bytes (file first, then memory); -1 at end */
int
spool_read(struct spool *s, void *p, size_t n)
{
	size_t got = 0;

	if (s->tmp != NULL && !s->tmp_done) {
		got = fread(p, 1, n, s->tmp);
		if (got < n)
			s->tmp_done = 1;
	}
	if (n - got > s->mem.len - s->rd)
		return -1;
	memcpy((char *)p + got, s->mem.data + s->rd, n - got);
	s->rd += n - got;
	return 0;
}

/* spool_copy - everything added, to fp */
static int
spool_copy(struct spool *s, FILE *fp)
{
	char buf[65536];
	size_t n;

	if (spool_rewind(s) != 0)
		return -1;
	while (s->tmp != NULL && (n = fread(buf, 1, sizeof(buf), s->tmp)) > 0)
		if (fwrite(buf, 1, n, fp) != n)
			return -1;
	if (s->mem.len > 0 && fwrite(s->mem.data, 1, s->mem.len, fp) !=
	    s->mem.len)
		return -1;
	return 0;
}

/* spool_free - release the memory and the temporary file */
void
spool_free(struct spool *s)
{
	ibuf_free(&s->mem);
	if (s->tmp != NULL)
		fclose(s->tmp);
	memset(s, 0, sizeof(*s));
}

/* utf8_len - length of a valid UTF-8 sequence at p, 0 if invalid */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return len;
}

/* jstr_n - a JSON string of n bytes */
static void
jstr_n(struct ibuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, l;

	ibuf_addc(b, '"');
	for (i = 0; i < n; i += l) {
		l = 1;
		if (p[i] == '"' || p[i] == '\\') {
			ibuf_addc(b, '\\');
			ibuf_addc(b, (char)p[i]);
		} else if (p[i] == '\n')
			ibuf_add(b, "\\n", 2);
		else if (p[i] == '\r')
			ibuf_add(b, "\\r", 2);
		else if (p[i] == '\t')
			ibuf_add(b, "\\t", 2);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			ibuf_printf(b, "\\u%04x", p[i]);
		else if (p[i] < 0x80)
			ibuf_addc(b, (char)p[i]);
		else if ((l = utf8_len(p + i, n - i)) == 0) {
			ibuf_add(b, "\\ufffd", 6);
			l = 1;
		} else
			ibuf_add(b, s + i, l);
	}
	ibuf_addc(b, '"');
}

/* jstr - a JSON string or null */
static void
jstr(struct ibuf *b, const char *s)
{
	if (s == NULL)
		ibuf_add(b, "null", 4);
	else
		jstr_n(b, s, strlen(s));
}

/* jkey - "key": */
static void
jkey(struct ibuf *b, const char *k, int *first)
{
	if (!*first)
		ibuf_addc(b, ',');
	*first = 0;
	ibuf_addc(b, '"');
	ibuf_adds(b, k);
	ibuf_add(b, "\":", 2);
}

/* jks - "key":"string" */
static void
jks(struct ibuf *b, const char *k, const char *v, int *first)
{
	jkey(b, k, first);
	jstr(b, v);
}

/* jki - "key":integer (null when negative and nullneg) */
static void
jki(struct ibuf *b, const char *k, int64_t v, int nullneg, int *first)
{
	jkey(b, k, first);
	if (nullneg && v < 0)
		ibuf_add(b, "null", 4);
	else
		ibuf_printf(b, "%" PRId64, v);
}

/* jkb - "key":true|false */
static void
jkb(struct ibuf *b, const char *k, int v, int *first)
{
	jkey(b, k, first);
	ibuf_adds(b, v ? "true" : "false");
}

/* jkt - "key":"ISO time" */
static void
jkt(struct ibuf *b, const char *k, int64_t t, int *first)
{
	char ts[32];

	jkey(b, k, first);
	if (t < 0) {
		ibuf_add(b, "null", 4);
		return;
	}
	fmt_iso8601(t, ts, sizeof(ts));
	jstr(b, ts);
}

/* jlist - "key":[strings] */
static void
jlist(struct ibuf *b, const char *k, const struct strlist *l, int *first)
{
	size_t i;

	jkey(b, k, first);
	ibuf_addc(b, '[');
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			ibuf_addc(b, ',');
		jstr(b, l->v[i]);
	}
	ibuf_addc(b, ']');
}

/* j_auth - the auth_results lists of a record */
static void
j_auth(struct ibuf *b, const struct agg_auth *v, size_t n, const char *k2)
{
	size_t i;
	int f;

	ibuf_addc(b, '[');
	for (i = 0; i < n; i++) {
		f = 1;
		if (i > 0)
			ibuf_addc(b, ',');
		ibuf_addc(b, '{');
		jks(b, "domain", v[i].domain, &f);
		jks(b, k2, v[i].selector_or_scope, &f);
		jks(b, "result", v[i].result, &f);
		jks(b, "human_result", v[i].human_result, &f);
		ibuf_addc(b, '}');
	}
	ibuf_addc(b, ']');
}

/* j_record - one aggregate record */
static void
j_record(struct ibuf *b, const struct agg_record *r)
{
	size_t i;
	int f = 1, g;

	ibuf_addc(b, '{');
	jkey(b, "source", &f);
	g = 1;
	ibuf_addc(b, '{');
	jks(b, "ip_address", r->source_ip, &g);
	jks(b, "reverse_dns", r->reverse_dns, &g);
	jks(b, "base_domain", r->base_domain, &g);
	jks(b, "country", r->country, &g);
	ibuf_addc(b, '}');
	jki(b, "count", r->count, 0, &f);
	jkey(b, "alignment", &f);
	g = 1;
	ibuf_addc(b, '{');
	jkb(b, "spf", r->spf_aligned, &g);
	jkb(b, "dkim", r->dkim_aligned, &g);
	jkb(b, "dmarc", r->dmarc_aligned, &g);
	ibuf_addc(b, '}');
	jkey(b, "policy_evaluated", &f);
	g = 1;
	ibuf_addc(b, '{');
	jks(b, "disposition", r->disposition, &g);
	jks(b, "dkim", r->dkim, &g);
	jks(b, "spf", r->spf, &g);
	jkey(b, "policy_override_reasons", &g);
	ibuf_addc(b, '[');
	for (i = 0; i < r->nreasons; i++) {
		int h = 1;

		ibuf_adds(b, i ? ",{" : "{");
		jks(b, "type", r->reasons[i].type, &h);
		jks(b, "comment", r->reasons[i].comment, &h);
		ibuf_addc(b, '}');
	}
	ibuf_add(b, "]}", 2);
	jkey(b, "identifiers", &f);
	g = 1;
	ibuf_addc(b, '{');
	jks(b, "header_from", r->header_from, &g);
	jks(b, "envelope_from", r->envelope_from, &g);
	jks(b, "envelope_to", r->envelope_to, &g);
	ibuf_addc(b, '}');
	jkey(b, "auth_results", &f);
	ibuf_add(b, "{\"dkim\":", 8);
	j_auth(b, r->dkim_auth, r->ndkim, "selector");
	ibuf_add(b, ",\"spf\":", 7);
	j_auth(b, r->spf_auth, r->nspf, "scope");
	ibuf_add(b, "}}", 2);
}

/* j_agg_head - an aggregate report object up to its records */
static void
j_agg_head(struct ibuf *b, const struct report *rep, int *f)
{
	const struct agg_report *g = &rep->u.agg;
	int h = 1;

	jks(b, "xml_schema", g->xml_schema, f);
	jks(b, "xml_namespace", g->xml_namespace, f);
	jkb(b, "rfc9990", g->rfc9990, f);
	jkey(b, "report_metadata", f);
	ibuf_addc(b, '{');
	jks(b, "org_name", g->org_name, &h);
	jks(b, "org_email", g->org_email, &h);
	jks(b, "org_extra_contact_info", g->extra_contact_info, &h);
	jks(b, "report_id", g->report_id, &h);
	jkt(b, "begin_date", g->begin, &h);
	jkt(b, "end_date", g->end, &h);
	jki(b, "begin", g->begin, 1, &h);
	jki(b, "end", g->end, 1, &h);
	jks(b, "generator", g->generator, &h);
	jlist(b, "errors", &rep->errors, &h);
	ibuf_addc(b, '}');
	jkey(b, "policy_published", f);
	h = 1;
	ibuf_addc(b, '{');
	jks(b, "domain", g->domain, &h);
	jks(b, "adkim", g->adkim, &h);
	jks(b, "aspf", g->aspf, &h);
	jks(b, "p", g->p, &h);
	jks(b, "sp", g->sp, &h);
	jks(b, "np", g->np, &h);
	jki(b, "pct", g->pct, 1, &h);
	jks(b, "fo", g->fo, &h);
	jks(b, "testing", g->testing, &h);
	jks(b, "discovery_method", g->discovery_method, &h);
	ibuf_addc(b, '}');
	jkey(b, "records", f);
	ibuf_addc(b, '[');
}

/* j_aggregate - the body of an aggregate report object */
static void
j_aggregate(struct ibuf *b, const struct report *rep, int *f)
{
	const struct agg_report *g = &rep->u.agg;
	size_t i;

	j_agg_head(b, rep, f);
	for (i = 0; i < g->nrecords; i++) {
		if (i > 0)
			ibuf_addc(b, ',');
		j_record(b, &g->records[i]);
	}
	ibuf_addc(b, ']');
}

/* j_failure - the body of a failure report object */
static void
j_failure(struct ibuf *b, const struct report *rep, const struct out_opts *o,
    int *f)
{
	const struct failure_report *x = &rep->u.fail;
	char *s;
	size_t sl;
	int h = 1;

	jks(b, "feedback_type", x->feedback_type, f);
	jks(b, "user_agent", x->user_agent, f);
	jks(b, "version", x->version, f);
	jks(b, "original_envelope_id", x->original_envelope_id, f);
	jks(b, "original_mail_from", x->original_mail_from, f);
	jks(b, "original_rcpt_to", x->original_rcpt_to, f);
	jks(b, "arrival_date", x->arrival_date, f);
	jkt(b, "arrival_date_utc", x->arrival, f);
	jks(b, "reporting_mta", x->reporting_mta, f);
	jkey(b, "source", f);
	ibuf_addc(b, '{');
	jks(b, "ip_address", x->source_ip, &h);
	jks(b, "reverse_dns", x->reverse_dns, &h);
	jks(b, "base_domain", x->base_domain, &h);
	jks(b, "country", x->country, &h);
	ibuf_addc(b, '}');
	jks(b, "authentication_results", x->authentication_results, f);
	jks(b, "delivery_result", x->delivery_result, f);
	jlist(b, "auth_failure", &x->auth_failure, f);
	jks(b, "identity_alignment", x->identity_alignment, f);
	jks(b, "dkim_domain", x->dkim_domain, f);
	jks(b, "dkim_identity", x->dkim_identity, f);
	jks(b, "dkim_selector", x->dkim_selector, f);
	jks(b, "spf_dns", x->spf_dns, f);
	jks(b, "reported_domain", x->reported_domain, f);
	jks(b, "reported_uri", x->reported_uri, f);
	jks(b, "subject", x->subject, f);
	jks(b, "message_id", x->message_id, f);
	jkb(b, "sample_headers_only", x->sample_headers_only, f);
	jkb(b, "plain_text", x->plain_text, f);
	jlist(b, "errors", &rep->errors, f);
	jkey(b, "sample", f);
	if ((s = out_sample(x, o->sample, &sl)) == NULL)
		ibuf_add(b, "null", 4);
	else
		jstr_n(b, s, sl);
	free(s);
}

/* j_tls - the body of a TLS report object */
static void
j_tls(struct ibuf *b, const struct report *rep, int *f)
{
	const struct tls_report *t = &rep->u.tls;
	size_t i, j;

	jks(b, "organization_name", t->org_name, f);
	jks(b, "contact_info", t->contact_info, f);
	jks(b, "report_id", t->report_id, f);
	jkt(b, "begin_date", t->begin, f);
	jkt(b, "end_date", t->end, f);
	jks(b, "begin_date_as_sent", t->begin_str, f);
	jks(b, "end_date_as_sent", t->end_str, f);
	jlist(b, "errors", &rep->errors, f);
	jkey(b, "policies", f);
	ibuf_addc(b, '[');
	for (i = 0; i < t->npolicies; i++) {
		const struct tls_policy *p = &t->policies[i];
		int h = 1;

		ibuf_adds(b, i ? ",{" : "{");
		jks(b, "policy_type", p->policy_type, &h);
		jks(b, "policy_domain", p->policy_domain, &h);
		jlist(b, "policy_strings", &p->policy_strings, &h);
		jks(b, "sts_mode", p->sts_mode, &h);
		jlist(b, "mx_hosts", &p->mx_hosts, &h);
		jlist(b, "mx_host_patterns", &p->mx_host_patterns, &h);
		jki(b, "successful_session_count", p->successful, 1, &h);
		jki(b, "failed_session_count", p->failed, 1, &h);
		jkey(b, "failure_details", &h);
		ibuf_addc(b, '[');
		for (j = 0; j < p->ndetails; j++) {
			const struct tls_detail *d = &p->details[j];
			int k = 1;

			ibuf_adds(b, j ? ",{" : "{");
			jks(b, "result_type", d->result_type, &k);
			jki(b, "failed_session_count",
			    d->failed_session_count, 1, &k);
			jks(b, "sending_mta_ip", d->sending_mta_ip, &k);
			jks(b, "receiving_ip", d->receiving_ip, &k);
			jks(b, "receiving_mx_hostname",
			    d->receiving_mx_hostname, &k);
			jks(b, "receiving_mx_helo", d->receiving_mx_helo, &k);
			jks(b, "additional_info_uri", d->additional_info_uri,
			    &k);
			jks(b, "failure_reason_code", d->failure_reason_code,
			    &k);
			ibuf_addc(b, '}');
		}
		ibuf_add(b, "]}", 2);
	}
	ibuf_addc(b, ']');
}

/* out_json - one report as one JSON line */
void
out_json(FILE *fp, const struct report *r, const char *input,
    const struct out_opts *o)
{
	static const char *const names[] = { "aggregate", "failure", "tls" };
	struct ibuf b = { 0 };
	int f = 1;

	ibuf_addc(&b, '{');
	jks(&b, "type", names[r->type], &f);
	jks(&b, "input", input, &f);
	jks(&b, "container", r->container, &f);
	if (r->type == REPORT_AGGREGATE)
		j_aggregate(&b, r, &f);
	else if (r->type == REPORT_FAILURE)
		j_failure(&b, r, o, &f);
	else
		j_tls(&b, r, &f);
	ibuf_add(&b, "}\n", 2);
	fwrite(b.data, 1, b.len, fp);
	ibuf_free(&b);
}

/* out_json_records - a batch of a streamed report's records, spooled */
void
out_json_records(struct spool *s, const struct agg_record *v, size_t n)
{
	struct ibuf b = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		b.len = 0;
		if (s->n++ > 0)
			ibuf_addc(&b, ',');
		j_record(&b, &v[i]);
		spool_add(s, b.data, b.len);
	}
	ibuf_free(&b);
}

/* out_json_end - a streamed aggregate report, now complete, as one line;
   -1 when the spool failed (the line is then not written) */
int
out_json_end(FILE *fp, struct spool *s, const struct report *r,
    const char *input)
{
	struct ibuf b = { 0 };
	int f = 1, rc = 0;

	if (s->err)
		return -1;
	ibuf_addc(&b, '{');
	jks(&b, "type", "aggregate", &f);
	jks(&b, "input", input, &f);
	jks(&b, "container", r->container, &f);
	j_agg_head(&b, r, &f);
	fwrite(b.data, 1, b.len, fp);
	if (spool_copy(s, fp) != 0)
		rc = -1;
	fwrite("]}\n", 1, 3, fp);
	ibuf_free(&b);
	return rc;
}

/* out_json_invalid - an input without a report, and why */
void
out_json_invalid(FILE *fp, const char *input, const char *reason)
{
	struct ibuf b = { 0 };
	int f = 1;

	ibuf_addc(&b, '{');
	jks(&b, "type", "invalid", &f);
	jks(&b, "input", input, &f);
	jks(&b, "reason", reason, &f);
	ibuf_add(&b, "}\n", 2);
	fwrite(b.data, 1, b.len, fp);
	ibuf_free(&b);
}

/* redact - headers with every address's local part replaced by "*" */
static char *
redact(const char *h, size_t n, size_t *len)
{
	struct ibuf b = { 0 };
	size_t i, start;

	for (i = 0; i < n; i++) {
		if (h[i] != '@') {
			ibuf_addc(&b, h[i]);
			continue;
		}
		start = b.len;
		while (start > 0 && (isalnum((unsigned char)b.data[start - 1]) ||
		    strchr("!#$%&'*+-/=?^_`{|}~.", b.data[start - 1]) != NULL))
			start--;
		if (start < b.len) {
			b.len = start;
			ibuf_addc(&b, '*');
		}
		ibuf_addc(&b, '@');
	}
	ibuf_add(&b, "", 0);
	*len = b.len;
	return b.data;
}

/* out_sample - the sample as the mode keeps it; caller frees */
char *
out_sample(const struct failure_report *f, enum sample_mode m, size_t *len)
{
	const char *h = f->sample_headers;

	*len = 0;
	if (f->sample == NULL || m == SAMPLE_NONE)
		return NULL;
	if (m == SAMPLE_ALL) {
		/* the sample may hold NUL bytes: copy by length (fuzz) */
		char *s = xmalloc(f->sample_len + 1);

		memcpy(s, f->sample, f->sample_len);
		s[f->sample_len] = '\0';
		*len = f->sample_len;
		return s;
	}
	if (m == SAMPLE_REDACTED)
		return redact(h, strlen(h), len);
	*len = strlen(h);
	return xstrdup(h);
}

/* sample_mode_parse - none|headers|redacted|all */
int
sample_mode_parse(const char *s, enum sample_mode *m)
{
	static const char *const names[] = { "none", "headers", "redacted",
		"all" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*m = (enum sample_mode)i;
			return 0;
		}
	return -1;
}

