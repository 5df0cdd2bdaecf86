/*
 * aggxml.c -- write an aggregate report as RFC 9990 or RFC 7489 XML
 *
 * SYNOPSIS
 *	aggxml_write(agg, &meta, &policy, AGG_RFC9990, &xml, &len);
 *
 * DESCRIPTION
 *	libxml2's xmlTextWriter builds the document, so every value is
 *	escaped.  Values that are not printable UTF-8 (a selector from a
 *	stranger's Authentication-Results, a database row someone edited)
 *	have each offending byte replaced by '?': the XML stays well-formed.
 *
 *	RFC 9990: root <feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">,
 *	<version>1.0</version>, generator, policy_published with np,
 *	discovery_method and testing, disposition "pass", at most one SPF
 *	result whose scope is written only when it is mfrom, the DKIM
 *	selector always present.
 *
 *	RFC 7489 (Appendix C): no namespace (the appendix schema's namespace
 *	is not used by real reports, see tests/data/README), version 1.0,
 *	pct, "pass" written as "none", the reason types of 7489
 *	(policy_test_mode becomes "other"), an SPF result always present
 *	with a scope.
 *
 *	Result codes are OpenDMARC's ARES numbers; codes without an RFC 8601
 *	counterpart in the schema are mapped: DKIM softfail to fail, others
 *	to permerror; SPF nxdomain and unknown to none, policy to fail under
 *	7489.  tempfail dispositions never reach a report (dmarc-reports
 *	skips those transactions: the sender retries them).
 *
 * WHY A FILE OF ITS OWN
 *	OpenDMARC wrote this XML by string concatenation without escaping;
 *	the writer and the schema validation in the tests are the cure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "agg.h"
#include "dmarc.h"
#include "xmalloc.h"

#define NS9990	"urn:ietf:params:xml:ns:dmarc-2.0"

/* printable - s is valid UTF-8 without control characters */
static int
printable(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return xmlCheckUTF8((const xmlChar *)s);
}

/* el - <name>value</name> with value made printable; < 0 on error */
static int
el(xmlTextWriterPtr w, const char *name, const char *value)
{
	char *c = NULL;
	size_t i;
	int rc, utf8;

	if (value == NULL)
		value = "";
	if (!printable(value)) {
		c = xstrdup(value);
		utf8 = xmlCheckUTF8((const xmlChar *)c);
		for (i = 0; c[i] != '\0'; i++)
			if ((unsigned char)c[i] < 0x20 ||
			    (unsigned char)c[i] == 0x7f ||
			    (!utf8 && (unsigned char)c[i] >= 0x80))
				c[i] = '?';
		value = c;
	}
	rc = xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST value);
	free(c);
	return rc;
}

/* eli - <name>integer</name> */
static int
eli(xmlTextWriterPtr w, const char *name, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	return el(w, name, num);
}

/* start - open element name */
static int
start(xmlTextWriterPtr w, const char *name)
{
	return xmlTextWriterStartElement(w, BAD_CAST name);
}

/* end - close the innermost open element */
static int
end(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w);
}

/* policy_word - ASCII policy code to the schema word */
static const char *
policy_word(int code)
{
	return code == 'r' ? "reject" : code == 'q' ? "quarantine" : "none";
}

/* aggxml_fo - fo bits as the ':'-joined tag value ("0" when none) */
void
aggxml_fo(unsigned fo, char *buf, size_t len)
{
	static const struct { unsigned bit; const char *s; } f[] = {
		{ DMARC_FO_0, "0" }, { DMARC_FO_1, "1" },
		{ DMARC_FO_D, "d" }, { DMARC_FO_S, "s" } };
	size_t i, o = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if ((fo & f[i].bit) == 0)
			continue;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
		    o > 0 ? ":" : "", f[i].s);
		if (o >= len)
			return;
	}
	if (o == 0)
		snprintf(buf, len, "0");
}

/* metadata - <report_metadata> (a sequence in 7489: this order) */
static int
metadata(xmlTextWriterPtr w, const struct agg_meta *m, enum agg_format fmt)
{
	if (start(w, "report_metadata") < 0 ||
	    el(w, "org_name", m->org_name) < 0 ||
	    el(w, "email", m->email) < 0 ||
	    (m->extra_contact != NULL &&
	    el(w, "extra_contact_info", m->extra_contact) < 0) ||
	    el(w, "report_id", m->report_id) < 0 ||
	    start(w, "date_range") < 0 ||
	    eli(w, "begin", m->begin) < 0 || eli(w, "end", m->end) < 0 ||
	    end(w) < 0 ||
	    (m->error != NULL && el(w, "error", m->error) < 0) ||
	    (fmt == AGG_RFC9990 && m->generator != NULL &&
	    el(w, "generator", m->generator) < 0))
		return -1;
	return end(w);
}

/* published - <policy_published>, explicit values */
static int
published(xmlTextWriterPtr w, const struct agg_policy *p,
    enum agg_format fmt)
{
	int sp = p->sp != 0 ? p->sp : p->p;
	int np = p->np != 0 ? p->np : sp;
	char fo[16];

	aggxml_fo(p->fo, fo, sizeof(fo));
	if (start(w, "policy_published") < 0 ||
	    el(w, "domain", p->domain) < 0 ||
	    el(w, "adkim", p->adkim == 's' ? "s" : "r") < 0 ||
	    el(w, "aspf", p->aspf == 's' ? "s" : "r") < 0 ||
	    el(w, "p", policy_word(p->p)) < 0 ||
	    el(w, "sp", policy_word(sp)) < 0)
		return -1;
	if (fmt == AGG_RFC7489) {
		if (eli(w, "pct", p->pct < 0 ? 100 : p->pct) < 0 ||
		    el(w, "fo", fo) < 0)
			return -1;
		return end(w);
	}
	if (el(w, "np", policy_word(np)) < 0 ||
	    (p->discovery != NULL && (strcmp(p->discovery, "psl") == 0 ||
	    strcmp(p->discovery, "treewalk") == 0) &&
	    el(w, "discovery_method", p->discovery) < 0) ||
	    el(w, "fo", fo) < 0 ||
	    el(w, "testing", p->testing == 1 ? "y" : "n") < 0)
		return -1;
	return end(w);
}

/* disposition_word - RFC 9990 / 7489 disposition of a record */
static const char *
disposition_word(int d, enum agg_format fmt)
{
	switch (d) {
	case DMARC_DIS_PASS:
		return fmt == AGG_RFC9990 ? "pass" : "none";
	case DMARC_DIS_QUARANTINE:
		return "quarantine";
	case DMARC_DIS_REJECT:
		return "reject";
	default:
		return "none";
	}
}

/* reason - one <reason>; comment may be NULL */
static int
reason(xmlTextWriterPtr w, const char *type, const char *comment)
{
	if (start(w, "reason") < 0 || el(w, "type", type) < 0 ||
	    (comment != NULL && el(w, "comment", comment) < 0))
		return -1;
	return end(w);
}

/* reasons - the record's reasons in the format's vocabulary; the
   record comment goes with local_policy, else with the first reason */
static int
reasons(xmlTextWriterPtr w, const struct agg_record *r, enum agg_format fmt)
{
	static const struct {
		unsigned	 bit;
		const char	*t9990, *t7489;
	} map[] = {
		{ DMARC_REASON_LOCAL_POLICY, "local_policy", "local_policy" },
		{ DMARC_REASON_TRUSTED_FORWARDER, "trusted_forwarder",
		    "trusted_forwarder" },
		{ DMARC_REASON_MAILING_LIST, "mailing_list", "mailing_list" },
		{ DMARC_REASON_TEST_MODE, "policy_test_mode", NULL },
		{ DMARC_REASON_SAMPLED_OUT, NULL, "sampled_out" },
		{ DMARC_REASON_OTHER, "other", "other" } };
	const char *cm = r->comment, *t;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if ((r->reasons & map[i].bit) == 0)
			continue;
		t = fmt == AGG_RFC9990 ? map[i].t9990 : map[i].t7489;
		if (t == NULL) {
			/* no such type in this format: "other" says which */
			if (reason(w, "other", map[i].bit ==
			    DMARC_REASON_TEST_MODE ? "policy_test_mode" :
			    "sampled_out") < 0)
				return -1;
			continue;
		}
		if (reason(w, t, cm) < 0)
			return -1;
		cm = NULL;
	}
	if (cm != NULL && r->reasons == 0 && reason(w, "other", cm) < 0)
		return -1;
	return 0;
}

/* row - <row> with <policy_evaluated> */
static int
row(xmlTextWriterPtr w, const struct agg_record *r, enum agg_format fmt)
{
	if (start(w, "row") < 0 || el(w, "source_ip", r->ip) < 0 ||
	    eli(w, "count", (long long)r->count) < 0 ||
	    start(w, "policy_evaluated") < 0 ||
	    el(w, "disposition", disposition_word(r->disposition, fmt)) < 0 ||
	    el(w, "dkim", r->dkim_pass ? "pass" : "fail") < 0 ||
	    el(w, "spf", r->spf_pass ? "pass" : "fail") < 0 ||
	    reasons(w, r, fmt) < 0 || end(w) < 0)
		return -1;
	return end(w);
}

/* dkim_word - ARES code to DKIMResultType */
static const char *
dkim_word(int code)
{
	switch (code) {
	case DMARC_ARES_PASS:
		return "pass";
	case DMARC_ARES_FAIL:
	case DMARC_ARES_SOFTFAIL:
		return "fail";
	case DMARC_ARES_NEUTRAL:
		return "neutral";
	case DMARC_ARES_TEMPERROR:
		return "temperror";
	case DMARC_ARES_NONE:
		return "none";
	case DMARC_ARES_POLICY:
		return "policy";
	default:
		return "permerror";
	}
}

/* spf_word - ARES code to SPFResultType */
static const char *
spf_word(int code, enum agg_format fmt)
{
	switch (code) {
	case DMARC_ARES_PASS:
		return "pass";
	case DMARC_ARES_FAIL:
		return "fail";
	case DMARC_ARES_SOFTFAIL:
		return "softfail";
	case DMARC_ARES_NEUTRAL:
		return "neutral";
	case DMARC_ARES_TEMPERROR:
		return "temperror";
	case DMARC_ARES_PERMERROR:
		return "permerror";
	case DMARC_ARES_POLICY:
		return fmt == AGG_RFC9990 ? "policy" : "fail";
	default:
		return "none";
	}
}

/* auth - <auth_results>: DKIM results, then SPF (a sequence) */
static int
auth(xmlTextWriterPtr w, const struct agg_record *r, enum agg_format fmt)
{
	const char *scope = NULL;
	size_t i;

	if (start(w, "auth_results") < 0)
		return -1;
	for (i = 0; i < r->ndkim; i++) {
		const struct agg_dkim *d = &r->dkim[i];

		if (start(w, "dkim") < 0 || el(w, "domain", d->domain) < 0 ||
		    ((fmt == AGG_RFC9990 || d->selector[0] != '\0') &&
		    el(w, "selector", d->selector) < 0) ||
		    el(w, "result", dkim_word(d->result)) < 0 || end(w) < 0)
			return -1;
	}
	if (r->spf < 0 && fmt == AGG_RFC9990)
		return end(w);		/* 0..1 in 9990; 1..n in 7489 */
	if (r->spf_scope == 1)
		scope = "mfrom";
	else if (fmt == AGG_RFC7489)
		scope = r->spf_scope == 2 || r->envelope_from[0] == '\0' ?
		    "helo" : "mfrom";
	if (start(w, "spf") < 0 || el(w, "domain", r->spf_domain) < 0 ||
	    (scope != NULL && el(w, "scope", scope) < 0) ||
	    el(w, "result", spf_word(r->spf, fmt)) < 0 || end(w) < 0)
		return -1;
	return end(w);
}

/* record - one <record> */
static int
record(xmlTextWriterPtr w, const struct agg_record *r, enum agg_format fmt)
{
	if (start(w, "record") < 0 || row(w, r, fmt) < 0 ||
	    start(w, "identifiers") < 0 ||
	    el(w, "header_from", r->header_from) < 0 ||
	    el(w, "envelope_from", r->envelope_from) < 0 || end(w) < 0 ||
	    auth(w, r, fmt) < 0)
		return -1;
	return end(w);
}

/* document - the whole <feedback> */
static int
document(xmlTextWriterPtr w, const struct agg *a, const struct agg_meta *m,
    const struct agg_policy *p, enum agg_format fmt)
{
	size_t i;

	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    start(w, "feedback") < 0 ||
	    (fmt == AGG_RFC9990 && xmlTextWriterWriteAttribute(w,
	    BAD_CAST "xmlns", BAD_CAST NS9990) < 0) ||
	    el(w, "version", "1.0") < 0 || metadata(w, m, fmt) < 0 ||
	    published(w, p, fmt) < 0)
		return -1;
	for (i = 0; i < agg_nrecords(a); i++)
		if (record(w, agg_record(a, i), fmt) < 0)
			return -1;
	if (end(w) < 0 || xmlTextWriterEndDocument(w) < 0)
		return -1;
	return 0;
}

/* aggxml_write - the report document into a malloc(3)ed buffer */
int
aggxml_write(const struct agg *a, const struct agg_meta *meta,
    const struct agg_policy *pol, enum agg_format fmt, char **out,
    size_t *outlen)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((buf = xmlBufferCreate()) == NULL)
		return -1;
	if ((w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		return -1;
	}
	rc = document(w, a, meta, pol, fmt);
	xmlFreeTextWriter(w);		/* flushes into buf */
	if (rc == 0) {
		*outlen = (size_t)xmlBufferLength(buf);
		*out = xmalloc(*outlen + 1);
		memcpy(*out, xmlBufferContent(buf), *outlen);
		(*out)[*outlen] = '\0';
	}
	xmlBufferFree(buf);
	return rc;
}
