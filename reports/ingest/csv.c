/*
 * csv.c -- received reports as CSV (RFC 4180), ours or parsedmarc's columns
 *
 * DESCRIPTION
 *	Each row is filled once as name/value pairs under our column names;
 *	the header chosen (ours, or parsedmarc's names and order for people
 *	moving over) picks from them.  Lists are joined with ',' (override
 *	reasons, comments and errors with '|', as parsedmarc does); booleans
 *	are true/false (True/False in parsedmarc mode).  Every field that
 *	holds a comma, quote or line break is quoted.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define ROW_MAX	48

struct row {
	const char	*k[ROW_MAX];
	const char	*v[ROW_MAX];
	size_t		 n;
	struct arena	 a;
	int		 pd;	/* parsedmarc booleans */
};

/* Our columns, then parsedmarc's as "theirs=ours" (ours empty: blank). */
static const char *const agg_ours[] = { "input", "org_name", "org_email",
	"report_id", "begin_date", "end_date", "domain", "adkim", "aspf", "p",
	"sp", "np", "pct", "fo", "testing", "discovery_method", "xml_schema",
	"errors", "source_ip", "reverse_dns", "base_domain", "country",
	"count", "disposition", "dkim_result", "spf_result", "dkim_aligned",
	"spf_aligned", "dmarc_aligned", "override_reasons",
	"override_comments", "header_from", "envelope_from", "envelope_to",
	"dkim_domains", "dkim_selectors", "dkim_results", "spf_domains",
	"spf_scopes", "spf_results", NULL };
static const char *const agg_pd[] = { "xml_schema", "org_name",
	"org_email", "org_extra_contact_info", "report_id", "begin_date",
	"end_date", "normalized_timespan=", "errors", "domain", "adkim",
	"aspf", "p", "sp", "np", "pct", "fo", "testing", "discovery_method",
	"source_ip_address=source_ip", "source_country=country",
	"source_reverse_dns=reverse_dns", "source_base_domain=base_domain",
	"source_name=", "source_type=", "source_asn=", "source_as_name=",
	"source_as_domain=", "count", "spf_aligned", "dkim_aligned",
	"dmarc_aligned", "disposition",
	"policy_override_reasons=override_reasons",
	"policy_override_comments=override_comments", "envelope_from",
	"header_from", "envelope_to", "dkim_domains", "dkim_selectors",
	"dkim_results", "spf_domains", "spf_scopes", "spf_results", NULL };
static const char *const fail_ours[] = { "input", "feedback_type",
	"user_agent", "version", "original_envelope_id",
	"original_mail_from", "original_rcpt_to", "arrival_date",
	"arrival_date_utc", "reporting_mta", "source_ip", "reverse_dns",
	"base_domain", "country", "delivery_result",
	"auth_failure", "identity_alignment", "dkim_domain", "dkim_selector",
	"spf_dns", "reported_domain", "authentication_results", "subject",
	"message_id", "sample_headers_only", "plain_text", "errors", NULL };
static const char *const fail_pd[] = { "feedback_type", "user_agent",
	"version", "original_envelope_id", "original_mail_from",
	"original_rcpt_to", "arrival_date", "arrival_date_utc", "subject",
	"message_id", "authentication_results", "dkim_domain",
	"source_ip_address=source_ip", "source_country=country",
	"source_reverse_dns=reverse_dns", "source_base_domain=base_domain",
	"source_name=",
	"source_type=", "source_asn=", "source_as_name=",
	"source_as_domain=", "delivery_result", "auth_failure",
	"reported_domain", "authentication_mechanisms=identity_alignment",
	"sample_headers_only", NULL };
static const char *const tls_ours[] = { "input", "organization_name",
	"begin_date", "end_date", "report_id", "contact_info",
	"policy_domain", "policy_type", "sts_mode", "policy_strings",
	"mx_hosts", "mx_host_patterns", "row_type", "result_type",
	"successful_session_count", "failed_session_count", "sending_mta_ip",
	"receiving_ip", "receiving_mx_hostname", "receiving_mx_helo",
	"additional_info_uri", "failure_reason_code", NULL };
static const char *const tls_pd[] = { "organization_name", "begin_date",
	"end_date", "report_id", "result_type", "successful_session_count",
	"failed_session_count", "policy_domain", "policy_type",
	"policy_strings", "mx_host_patterns=mx_all", "sending_mta_ip",
	"receiving_ip", "receiving_mx_hostname", "receiving_mx_helo",
	"additional_info_uri", "failure_reason_code", NULL };

/* cols - the column list for a type and mode */
static const char *const *
cols(enum report_type t, int pd)
{
	if (t == REPORT_AGGREGATE)
		return pd ? agg_pd : agg_ours;
	if (t == REPORT_FAILURE)
		return pd ? fail_pd : fail_ours;
	return pd ? tls_pd : tls_ours;
}

/* put - set a column (NULL value: empty) */
static void
put(struct row *r, const char *k, const char *v)
{
	if (r->n < ROW_MAX) {
		r->k[r->n] = k;
		r->v[r->n++] = v;
	}
}

/* puti - an integer column (negative: empty) */
static void
puti(struct row *r, const char *k, int64_t v)
{
	char tmp[32];

	if (v < 0) {
		put(r, k, NULL);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	put(r, k, arena_strdup(&r->a, tmp));
}

/* putb - a boolean column */
static void
putb(struct row *r, const char *k, int v)
{
	put(r, k, r->pd ? (v ? "True" : "False") : (v ? "true" : "false"));
}

/* putt - an ISO 8601 time column */
static void
putt(struct row *r, const char *k, int64_t t)
{
	char ts[32];

	fmt_iso8601(t, ts, sizeof(ts));
	put(r, k, t < 0 ? NULL : arena_strdup(&r->a, ts));
}

/* joined - list items joined with sep */
static char *
joined(struct arena *a, char *const *v, size_t n, const char *sep)
{
	struct ibuf b = { 0 };
	char *s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			ibuf_adds(&b, sep);
		ibuf_adds(&b, v[i] ? v[i] : "");
	}
	s = arena_strndup(a, b.data ? b.data : "", b.len);
	ibuf_free(&b);
	return s;
}

/* auth_cols - the joined dkim_* or spf_* columns */
static void
auth_cols(struct row *r, const struct agg_auth *v, size_t n,
    const char *kd, const char *k2, const char *kr)
{
	char **d = arena_alloc(&r->a, (n + 1) * sizeof(char *));
	char **s = arena_alloc(&r->a, (n + 1) * sizeof(char *));
	char **x = arena_alloc(&r->a, (n + 1) * sizeof(char *));
	size_t i;

	for (i = 0; i < n; i++) {
		d[i] = v[i].domain;
		s[i] = v[i].selector_or_scope;
		x[i] = v[i].result;
	}
	put(r, kd, joined(&r->a, d, n, ","));
	put(r, k2, joined(&r->a, s, n, ","));
	put(r, kr, joined(&r->a, x, n, ","));
}

/* field - one column's value of the row, or NULL */
static const char *
field(const struct row *r, const char *want)
{
	const char *eq = strchr(want, '=');
	size_t wl, j;

	if (eq != NULL)
		want = eq + 1;
	wl = strlen(want);
	for (j = 0; j < r->n && wl > 0; j++)
		if (strlen(r->k[j]) == wl && memcmp(r->k[j], want, wl) == 0)
			return r->v[j];
	return NULL;
}

/* render - columns from..to-1 of the row into b (quoted as needed) */
static void
render(struct ibuf *b, const struct row *r, const char *const *c,
    size_t from, size_t to)
{
	const char *v;
	size_t i;

	for (i = from; i < to && c[i] != NULL; i++) {
		if (i > 0)
			ibuf_addc(b, ',');
		if ((v = field(r, c[i])) == NULL)
			continue;
		if (strpbrk(v, ",\"\r\n") == NULL) {
			ibuf_adds(b, v);
			continue;
		}
		ibuf_addc(b, '"');
		for (; *v; v++) {
			if (*v == '"')
				ibuf_addc(b, '"');
			ibuf_addc(b, *v);
		}
		ibuf_addc(b, '"');
	}
}

/* emit - write the row in the column order */
static void
emit(FILE *fp, struct row *r, const char *const *c)
{
	struct ibuf b = { 0 };

	render(&b, r, c, 0, SIZE_MAX);
	ibuf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, fp);
	ibuf_free(&b);
}

/* out_csv_header - the header line for a type */
void
out_csv_header(FILE *fp, enum report_type t, const struct out_opts *o)
{
	const char *const *c = cols(t, o->parsedmarc);
	size_t i;

	for (i = 0; c[i] != NULL; i++)
		fprintf(fp, "%s%.*s", i ? "," : "",
		    (int)strcspn(c[i], "="), c[i]);
	fputc('\n', fp);
}

/* agg_fill - the columns of one record's row */
static void
agg_fill(struct row *r, const struct report *rep, const struct agg_record *x,
    const char *input)
{
	const struct agg_report *g = &rep->u.agg;
	char **rt = arena_alloc(&r->a, (x->nreasons + 1) * sizeof(char *));
	char **rc = arena_alloc(&r->a, (x->nreasons + 1) * sizeof(char *));
	size_t j;

	r->n = 0;
	put(r, "input", input);
	put(r, "org_name", g->org_name);
	put(r, "org_email", g->org_email);
	put(r, "org_extra_contact_info", g->extra_contact_info);
	put(r, "report_id", g->report_id);
	putt(r, "begin_date", g->begin);
	putt(r, "end_date", g->end);
	put(r, "domain", g->domain);
	put(r, "adkim", g->adkim);
	put(r, "aspf", g->aspf);
	put(r, "p", g->p);
	put(r, "sp", g->sp);
	put(r, "np", g->np);
	puti(r, "pct", g->pct);
	put(r, "fo", g->fo);
	put(r, "testing", g->testing);
	put(r, "discovery_method", g->discovery_method);
	put(r, "xml_schema", g->xml_schema);
	put(r, "errors", joined(&r->a, rep->errors.v, rep->errors.n,
	    "|"));
	put(r, "source_ip", x->source_ip);
	put(r, "reverse_dns", x->reverse_dns);
	put(r, "base_domain", x->base_domain);
	put(r, "country", x->country);
	puti(r, "count", x->count);
	put(r, "disposition", x->disposition);
	put(r, "dkim_result", x->dkim);
	put(r, "spf_result", x->spf);
	putb(r, "dkim_aligned", x->dkim_aligned);
	putb(r, "spf_aligned", x->spf_aligned);
	putb(r, "dmarc_aligned", x->dmarc_aligned);
	for (j = 0; j < x->nreasons; j++) {
		rt[j] = x->reasons[j].type;
		rc[j] = x->reasons[j].comment;
	}
	put(r, "override_reasons", joined(&r->a, rt, x->nreasons, ","));
	put(r, "override_comments", joined(&r->a, rc, x->nreasons,
	    "|"));
	put(r, "header_from", x->header_from);
	put(r, "envelope_from", x->envelope_from);
	put(r, "envelope_to", x->envelope_to);
	auth_cols(r, x->dkim_auth, x->ndkim, "dkim_domains",
	    "dkim_selectors", "dkim_results");
	auth_cols(r, x->spf_auth, x->nspf, "spf_domains",
	    "spf_scopes", "spf_results");
}

/* agg_rows - one row per record */
static void
agg_rows(FILE *fp, const struct report *rep, const char *input,
    struct row *r, const char *const *c)
{
	size_t i;

	for (i = 0; i < rep->u.agg.nrecords; i++) {
		agg_fill(r, rep, &rep->u.agg.records[i], input);
		emit(fp, r, c);
	}
}

/* errors_col - the index of the errors column (every column before it
   and it are the report's, the same in every row) */
static size_t
errors_col(const char *const *c)
{
	size_t i;

	for (i = 0; c[i] != NULL; i++)
		if (strcmp(c[i], "errors") == 0)
			return i;
	return 0;
}

/* out_csv_records - a batch of a streamed report: each row from after the
   errors column, spooled as its length and its bytes */
void
out_csv_records(struct spool *s, const struct report *rep,
    const struct agg_record *v, size_t n, const char *input,
    const struct out_opts *o)
{
	const char *const *c = cols(REPORT_AGGREGATE, o->parsedmarc);
	size_t i, k = errors_col(c);
	struct ibuf b = { 0 };
	struct row r;

	memset(&r, 0, sizeof(r));
	r.pd = o->parsedmarc;
	for (i = 0; i < n; i++) {
		b.len = 0;
		agg_fill(&r, rep, &v[i], input);
		render(&b, &r, c, k + 1, SIZE_MAX);
		ibuf_addc(&b, '\n');
		spool_add(s, &b.len, sizeof(b.len));
		spool_add(s, b.data, b.len);
		s->n++;
	}
	ibuf_free(&b);
	arena_free(&r.a);
}

/* out_csv_end - the rows of a streamed report, now that its errors are
   known; -1 when the spool failed */
int
out_csv_end(FILE *fp, struct spool *s, const struct report *rep,
    const char *input, const struct out_opts *o)
{
	const char *const *c = cols(REPORT_AGGREGATE, o->parsedmarc);
	struct agg_record none;
	struct ibuf pre = { 0 }, b = { 0 };
	struct row r;
	size_t i, len;
	int rc = 0;

	if (s->err || spool_rewind(s) != 0)
		return -1;
	memset(&r, 0, sizeof(r));
	memset(&none, 0, sizeof(none));
	r.pd = o->parsedmarc;
	agg_fill(&r, rep, &none, input);
	render(&pre, &r, c, 0, errors_col(c) + 1);
	for (i = 0; i < s->n && rc == 0; i++) {
		if (spool_read(s, &len, sizeof(len)) != 0) {
			rc = -1;
			break;
		}
		b.len = 0;
		ibuf_reserve(&b, len);
		if (spool_read(s, b.data, len) != 0)
			rc = -1;
		else if (fwrite(pre.data, 1, pre.len, fp) != pre.len ||
		    fwrite(b.data, 1, len, fp) != len)
			rc = -1;
	}
	ibuf_free(&pre);
	ibuf_free(&b);
	arena_free(&r.a);
	return rc;
}

/* fail_row - one row per failure report */
static void
fail_row(FILE *fp, const struct report *rep, const char *input,
    struct row *r, const char *const *c)
{
	const struct failure_report *f = &rep->u.fail;

	put(r, "input", input);
	put(r, "feedback_type", f->feedback_type);
	put(r, "user_agent", f->user_agent);
	put(r, "version", f->version);
	put(r, "original_envelope_id", f->original_envelope_id);
	put(r, "original_mail_from", f->original_mail_from);
	put(r, "original_rcpt_to", f->original_rcpt_to);
	put(r, "arrival_date", f->arrival_date);
	putt(r, "arrival_date_utc", f->arrival);
	put(r, "reporting_mta", f->reporting_mta);
	put(r, "source_ip", f->source_ip);
	put(r, "reverse_dns", f->reverse_dns);
	put(r, "base_domain", f->base_domain);
	put(r, "country", f->country);
	put(r, "delivery_result", f->delivery_result);
	put(r, "auth_failure", joined(&r->a, f->auth_failure.v,
	    f->auth_failure.n, ","));
	put(r, "identity_alignment", f->identity_alignment);
	put(r, "dkim_domain", f->dkim_domain);
	put(r, "dkim_selector", f->dkim_selector);
	put(r, "spf_dns", f->spf_dns);
	put(r, "reported_domain", f->reported_domain);
	put(r, "authentication_results", f->authentication_results);
	put(r, "subject", f->subject);
	put(r, "message_id", f->message_id);
	putb(r, "sample_headers_only", f->sample_headers_only);
	putb(r, "plain_text", f->plain_text);
	put(r, "errors", joined(&r->a, rep->errors.v, rep->errors.n, "|"));
	emit(fp, r, c);
}

/* tls_common - the report and policy columns of a TLS row */
static void
tls_common(struct row *r, const struct tls_report *t,
    const struct tls_policy *p, const char *input)
{
	char **all;
	size_t i;

	r->n = 0;
	put(r, "input", input);
	put(r, "organization_name", t->org_name);
	putt(r, "begin_date", t->begin);
	putt(r, "end_date", t->end);
	put(r, "report_id", t->report_id);
	put(r, "contact_info", t->contact_info);
	put(r, "policy_domain", p->policy_domain);
	put(r, "policy_type", p->policy_type);
	put(r, "sts_mode", p->sts_mode);
	put(r, "policy_strings", joined(&r->a, p->policy_strings.v,
	    p->policy_strings.n, "|"));
	put(r, "mx_hosts", joined(&r->a, p->mx_hosts.v, p->mx_hosts.n, "|"));
	put(r, "mx_host_patterns", joined(&r->a, p->mx_host_patterns.v,
	    p->mx_host_patterns.n, "|"));
	all = arena_alloc(&r->a, (p->mx_hosts.n + p->mx_host_patterns.n + 1) *
	    sizeof(char *));
	for (i = 0; i < p->mx_hosts.n; i++)
		all[i] = p->mx_hosts.v[i];
	for (i = 0; i < p->mx_host_patterns.n; i++)
		all[p->mx_hosts.n + i] = p->mx_host_patterns.v[i];
	put(r, "mx_all", joined(&r->a, all, p->mx_hosts.n +
	    p->mx_host_patterns.n, "|"));
}

/* tls_rows - per policy a summary row, then one per failure detail */
static void
tls_rows(FILE *fp, const struct report *rep, const char *input,
    struct row *r, const char *const *c)
{
	const struct tls_report *t = &rep->u.tls;
	size_t i, j;

	for (i = 0; i < t->npolicies; i++) {
		const struct tls_policy *p = &t->policies[i];

		tls_common(r, t, p, input);
		put(r, "row_type", "summary");
		put(r, "result_type", "successful");
		puti(r, "successful_session_count", p->successful);
		puti(r, "failed_session_count", p->failed);
		emit(fp, r, c);
		for (j = 0; j < p->ndetails; j++) {
			const struct tls_detail *d = &p->details[j];

			tls_common(r, t, p, input);
			put(r, "row_type", "failure");
			put(r, "result_type", d->result_type);
			puti(r, "failed_session_count",
			    d->failed_session_count);
			put(r, "sending_mta_ip", d->sending_mta_ip);
			put(r, "receiving_ip", d->receiving_ip);
			put(r, "receiving_mx_hostname",
			    d->receiving_mx_hostname);
			put(r, "receiving_mx_helo", d->receiving_mx_helo);
			put(r, "additional_info_uri", d->additional_info_uri);
			put(r, "failure_reason_code", d->failure_reason_code);
			emit(fp, r, c);
		}
	}
}

/* out_csv - the rows of one report */
void
out_csv(FILE *fp, const struct report *rep, const char *input,
    const struct out_opts *o)
{
	struct row r;
	const char *const *c = cols(rep->type, o->parsedmarc);

	memset(&r, 0, sizeof(r));
	r.pd = o->parsedmarc;
	if (rep->type == REPORT_AGGREGATE)
		agg_rows(fp, rep, input, &r, c);
	else if (rep->type == REPORT_FAILURE)
		fail_row(fp, rep, input, &r, c);
	else
		tls_rows(fp, rep, input, &r, c);
	arena_free(&r.a);
}
