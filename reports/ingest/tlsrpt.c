/*
 * tlsrpt.c -- SMTP TLS reports (RFC 8460 JSON) into struct tls_report
 *
 * DESCRIPTION
 *	json-c reads the document (depth-limited tokener); this file maps
 *	it.  Required, or the input is rejected with a reason: an object
 *	with organization-name, date-range (two parseable times),
 *	report-id and a policies array.  Everything else is tolerated and
 *	noted on the report: contact-info null or missing, policies without
 *	policy-domain, unknown policy-type or result-type values (Microsoft
 *	"Testing"), summaries lacking a count, details lacking addresses
 *	(Mail.ru).  mx-host (the RFC's own example, Google, Microsoft) and
 *	mx-host-pattern are both kept, each as a string or an array (quirk
 *	31); policy-string lines are kept and the MTA-STS mode is taken out
 *	of them (quirk 33).
 *
 * WHY JSON-C
 *	None of the chosen libraries parses JSON and we do not hand-write
 *	one.  json-c (Debian libjson-c-dev) is in every Debian install that
 *	has systemd or cryptsetup, has a tokener with a nesting bound and
 *	parses from a buffer with a length; jansson would do as well.
 *
 * SEE ALSO
 *	RFC 8460 section 4; tests/fuzz/tlsrpt_fuzz.c
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "ingest.h"

#define JSON_DEPTH	16

/* get - a member, NULL when absent or null */
static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* str - a member as a string in the arena (numbers printed), or NULL */
static char *
str(struct arena *a, json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (v == NULL || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

/* num - a member as a count; -1 when absent or not a number */
static int64_t
num(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (v == NULL || (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double)))
		return -1;
	return json_object_get_int64(v);
}

/* strings - a string or an array of strings into a list */
static void
strings(struct arena *a, json_object *o, const char *key, struct strlist *l)
{
	json_object *v = get(o, key), *e;
	size_t i, n;
	const char *s;

	if (v == NULL)
		return;
	if (!json_object_is_type(v, json_type_array)) {
		s = json_object_get_string(v);
		strlist_add(a, l, s, strlen(s));
		return;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (e == NULL || json_object_is_type(e, json_type_null))
			continue;
		s = json_object_get_string(e);
		strlist_add(a, l, s, strlen(s));
	}
}

/* sts_mode - "mode: enforce" out of the policy-string lines */
static char *
sts_mode(struct arena *a, const struct strlist *l)
{
	size_t i;
	const char *s;

	for (i = 0; i < l->n; i++) {
		s = l->v[i];
		while (*s == ' ')
			s++;
		if (strncasecmp(s, "mode", 4) != 0)
			continue;
		s += 4;
		while (*s == ' ')
			s++;
		if (*s++ != ':')
			continue;
		while (*s == ' ')
			s++;
		return arena_strndup(a, s, strcspn(s, " \t\r\n;"));
	}
	return NULL;
}

/* detail - one failure-details entry */
static void
detail(struct report *r, struct tls_detail *d, json_object *o)
{
	struct arena *a = &r->arena;
	static const char *const known[] = { "starttls-not-supported",
		"certificate-host-mismatch", "certificate-expired",
		"certificate-not-trusted", "validation-failure",
		"tlsa-invalid", "dnssec-invalid", "dane-required",
		"sts-policy-fetch-error", "sts-policy-invalid",
		"sts-webpki-invalid" };
	size_t i;

	d->result_type = str(a, o, "result-type");
	d->sending_mta_ip = str(a, o, "sending-mta-ip");
	d->receiving_mx_hostname = str(a, o, "receiving-mx-hostname");
	d->receiving_mx_helo = str(a, o, "receiving-mx-helo");
	d->receiving_ip = str(a, o, "receiving-ip");
	d->additional_info_uri = str(a, o, "additional-information");
	d->failure_reason_code = str(a, o, "failure-reason-code");
	d->failed_session_count = num(o, "failed-session-count");
	if (d->result_type == NULL) {
		report_error(r, "failure detail without result-type");
		return;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(d->result_type, known[i]) == 0)
			return;
	report_error(r, "result-type \"%s\" is not in RFC 8460",
	    d->result_type);
}

/* policy - one policies[] entry */
static void
policy(struct report *r, struct tls_policy *p, json_object *o)
{
	struct arena *a = &r->arena;
	json_object *pol = get(o, "policy"), *sum = get(o, "summary");
	json_object *fd = get(o, "failure-details");
	size_t i, n;

	p->policy_type = str(a, pol, "policy-type");
	p->policy_domain = str(a, pol, "policy-domain");
	strings(a, pol, "policy-string", &p->policy_strings);
	strings(a, pol, "mx-host", &p->mx_hosts);
	strings(a, pol, "mx-host-pattern", &p->mx_host_patterns);
	p->sts_mode = sts_mode(a, &p->policy_strings);
	p->successful = num(sum, "total-successful-session-count");
	p->failed = num(sum, "total-failure-session-count");
	if (p->policy_domain == NULL)
		report_error(r, "policy without policy-domain");
	if (p->policy_type == NULL || (strcmp(p->policy_type, "sts") != 0 &&
	    strcmp(p->policy_type, "tlsa") != 0 &&
	    strcmp(p->policy_type, "no-policy-found") != 0))
		report_error(r, "policy-type \"%s\" is not in RFC 8460",
		    p->policy_type ? p->policy_type : "");
	if (p->successful < 0 || p->failed < 0)
		report_error(r, "summary of %s lacks a session count",
		    p->policy_domain ? p->policy_domain : "a policy");
	if (fd == NULL || !json_object_is_type(fd, json_type_array))
		return;
	n = json_object_array_length(fd);
	p->details = arena_alloc(a, (n ? n : 1) * sizeof(*p->details));
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(fd, i);

		if (e != NULL && json_object_is_type(e, json_type_object))
			detail(r, &p->details[p->ndetails++], e);
	}
}

/* fill - the report from a parsed document; reason or NULL */
static const char *
fill(struct report *r, json_object *root)
{
	struct tls_report *t = &r->u.tls;
	struct arena *a = &r->arena;
	json_object *dr, *pols;
	size_t i, n;

	if (!json_object_is_type(root, json_type_object))
		return "JSON: not an object";
	if ((t->org_name = str(a, root, "organization-name")) == NULL)
		return "JSON: no organization-name (not a TLS report)";
	if ((t->report_id = str(a, root, "report-id")) == NULL)
		return "TLS report: no report-id";
	if ((dr = get(root, "date-range")) == NULL)
		return "TLS report: no date-range";
	t->begin_str = str(a, dr, "start-datetime");
	t->end_str = str(a, dr, "end-datetime");
	if ((t->begin = parse_iso8601(t->begin_str)) < 0 ||
	    (t->end = parse_iso8601(t->end_str)) < 0)
		return "TLS report: date-range times are not ISO 8601";
	t->contact_info = str(a, root, "contact-info");
	if ((pols = get(root, "policies")) == NULL ||
	    !json_object_is_type(pols, json_type_array))
		return "TLS report: no policies array";
	n = json_object_array_length(pols);
	t->policies = arena_alloc(a, (n ? n : 1) * sizeof(*t->policies));
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(pols, i);

		if (e != NULL && json_object_is_type(e, json_type_object))
			policy(r, &t->policies[t->npolicies++], e);
	}
	if (t->contact_info == NULL)
		report_error(r, "no contact-info");
	return NULL;
}

/* tlsrpt_parse - one TLS report; 0, or -1 with the reason in why */
int
tlsrpt_parse(const char *p, size_t n, struct report **out, char *why,
    size_t whylen)
{
	struct json_tokener *tok;
	json_object *root;
	struct report *r;
	const char *bad;

	*out = NULL;
	if (n > INT32_MAX || (tok = json_tokener_new_ex(JSON_DEPTH)) == NULL) {
		snprintf(why, whylen, "JSON: too large");
		return -1;
	}
	root = json_tokener_parse_ex(tok, p, (int)n);
	if (root == NULL) {
		snprintf(why, whylen, "JSON: %s", json_tokener_error_desc(
		    json_tokener_get_error(tok)));
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	r = report_new(REPORT_TLS);
	if ((bad = fill(r, root)) != NULL) {
		snprintf(why, whylen, "%s", bad);
		report_free(r);
		json_object_put(root);
		return -1;
	}
	json_object_put(root);
	*out = r;
	return 0;
}
