/*
 * test_agg.c -- grouping, windows and the report XML (reports/agg.c,
 * reports/aggxml.c)
 *
 * Grouping: equal keys share a record, every key part separates, DKIM
 * results are deduplicated, ordered and capped at 100.  Windows:
 * interval rounding, floor, resumption after a last window.  XML: both
 * formats validate against their schema (tests/data), hostile values
 * are escaped or replaced, counts and mappings are right.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "reports/agg.h"
#include "dmarc.h"
#include "tests/tap.h"

#define DAY	86400

/* msg - a passing message from ip for header_from */
static struct agg_msg
msg(const char *ip, const char *hf)
{
	struct agg_msg m;

	memset(&m, 0, sizeof(m));
	m.ip = ip;
	m.header_from = hf;
	m.envelope_from = hf;
	m.spf = DMARC_ARES_PASS;
	m.spf_scope = 1;
	m.disposition = DMARC_DIS_NONE;
	m.dkim_pass = 1;
	m.spf_pass = 1;
	return m;
}

/* test_grouping - what separates records and what does not */
static void
test_grouping(void)
{
	struct agg *a = agg_new(AGG_RFC9990);
	struct agg_dkim d[3] = { { "b.example", "s1", 7 },
	    { "a.example", "s1", 0 }, { "b.example", "s1", 7 } };
	struct agg_dkim d2[2] = { { "a.example", "s1", 0 },
	    { "b.example", "s1", 7 } };
	struct agg_msg m;
	const struct agg_record *r;

	m = msg("192.0.2.1", "a.example");
	agg_add(a, &m);
	agg_add(a, &m);
	CHECK_INT(agg_nrecords(a), 1, "same message twice: one record");
	CHECK_INT(agg_record(a, 0)->count, 2, "count 2");
	m.ip = "192.0.2.2";
	agg_add(a, &m);
	m = msg("192.0.2.1", "a.example");
	m.disposition = DMARC_DIS_REJECT;
	agg_add(a, &m);
	m = msg("192.0.2.1", "a.example");
	m.envelope_from = "bounce.a.example";
	agg_add(a, &m);
	m = msg("192.0.2.1", "a.example");
	m.spf_pass = 0;
	agg_add(a, &m);
	m = msg("192.0.2.1", "a.example");
	m.reasons = DMARC_REASON_LOCAL_POLICY;
	agg_add(a, &m);
	m = msg("192.0.2.1", "sub.a.example");
	agg_add(a, &m);
	CHECK_INT(agg_nrecords(a), 7, "ip, disposition, mfrom, spf, reason, "
	    "header_from each separate");
	m = msg("192.0.2.9", "a.example");
	m.ndkim = 3;
	m.dkim = d;
	agg_add(a, &m);
	m.ndkim = 2;
	m.dkim = d2;
	agg_add(a, &m);
	CHECK_INT(agg_nrecords(a), 8,
	    "DKIM sets equal after dedup: one record");
	r = agg_record(a, 7);
	CHECK_INT(r->count, 2, "its count");
	CHECK_INT(r->ndkim, 2, "duplicates removed");
	CHECK_STR(r->dkim[0].domain, "a.example", "aligned pass first");
	CHECK_STR(r->dkim[1].domain, "b.example", "fail last");
	CHECK_INT(agg_nmessages(a), 10, "ten messages");
	CHECK(agg_record(a, 8) == NULL, "no record 8");
	agg_free(a);
	agg_free(NULL);
}

/* test_dkim_order - A-06 order and the cap of 100 */
static void
test_dkim_order(void)
{
	struct agg *a = agg_new(AGG_RFC9990);
	struct agg_dkim d[130];
	char names[130][32];
	struct agg_msg m = msg("192.0.2.1", "mail.example.org");
	const struct agg_record *r;
	size_t i;

	for (i = 0; i < 130; i++) {
		snprintf(names[i], sizeof(names[i]), "d%03zu.example.net", i);
		d[i].domain = names[i];
		d[i].selector = "s";
		d[i].result = i < 120 ? DMARC_ARES_FAIL : DMARC_ARES_PASS;
	}
	d[125].domain = "example.org";		/* relaxed */
	d[126].domain = "mail.example.org";	/* strict */
	m.ndkim = 130;
	m.dkim = d;
	agg_add(a, &m);
	r = agg_record(a, 0);
	CHECK_INT(r->ndkim, AGG_MAXDKIM, "capped at 100");
	CHECK_STR(r->dkim[0].domain, "mail.example.org", "strict pass first");
	CHECK_STR(r->dkim[1].domain, "example.org", "relaxed pass second");
	CHECK_INT(r->dkim[2].result, 0, "other passes next");
	CHECK_INT(r->dkim[10].result, 7, "then failures");
	CHECK_STR(r->dkim[10].domain, "d000.example.net", "sorted by domain");
	agg_free(a);
}

/* test_windows - interval rounding and window arithmetic */
static void
test_windows(void)
{
	int64_t b, e;

	CHECK_INT(agg_interval(86400), DAY, "a day");
	CHECK_INT(agg_interval(100), 3600, "below an hour: an hour");
	CHECK_INT(agg_interval(5000), 3600, "5000 s: an hour");
	CHECK_INT(agg_interval(7200), 7200, "two hours");
	CHECK_INT(agg_interval(18000), 14400, "5 h: 4 h (divides a day)");
	CHECK_INT(agg_interval(86399), 43200, "just under a day: 12 h");
	CHECK_INT(agg_interval(200000), 2 * DAY, "2.3 days: 2 days");
	CHECK_INT(agg_interval(10000000), 7 * DAY, "capped at a week");
	CHECK_INT(agg_floor(1764590400 + 5, DAY), 1764547200, "UTC midnight");
	CHECK_INT(agg_floor(-5, DAY), -DAY, "floor below zero");
	agg_window(1764590400, 0, DAY, &b, &e);
	CHECK(b == 1764547200 && e == 1764633600, "first window: the day");
	agg_window(1764590400, 1764580000, DAY, &b, &e);
	CHECK(b == 1764580000 && e == 1764633600,
	    "resumes at the last end, ends at midnight");
	agg_window(1764590400, 1764547200, 3600, &b, &e);
	CHECK(b == 1764590400 && e == 1764594000, "hourly grid");
}

/* validate - xml against the schema file tests/data/<xsd> */
static int
validate(const char *xml, size_t len, const char *xsd)
{
	char path[1024];
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr s;
	xmlSchemaValidCtxtPtr vc;
	xmlDocPtr doc;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/tests/data/%s", TOP_SRCDIR, xsd);
	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL)
		return -1;
	s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (s == NULL)
		return -1;
	if ((doc = xmlReadMemory(xml, (int)len, "r.xml", NULL,
	    XML_PARSE_NONET)) != NULL) {
		vc = xmlSchemaNewValidCtxt(s);
		rc = xmlSchemaValidateDoc(vc, doc);
		xmlSchemaFreeValidCtxt(vc);
		xmlFreeDoc(doc);
	}
	xmlSchemaFree(s);
	return rc;
}

/* xpath - the string value of expr in xml ("d:" is the 9990 namespace) */
static char *
xpath(const char *xml, size_t len, const char *expr)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "r.xml", NULL, 0);
	xmlXPathContextPtr x;
	xmlXPathObjectPtr o;
	char *v = NULL;

	if (doc == NULL)
		return NULL;
	x = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(x, BAD_CAST "d",
	    BAD_CAST "urn:ietf:params:xml:ns:dmarc-2.0");
	if ((o = xmlXPathEvalExpression(BAD_CAST expr, x)) != NULL) {
		xmlChar *s = xmlXPathCastToString(o);

		v = strdup((const char *)s);
		xmlFree(s);
		xmlXPathFreeObject(o);
	}
	xmlXPathFreeContext(x);
	xmlFreeDoc(doc);
	return v;
}

/* report - a small report with hostile strings, in format fmt */
static struct agg *
report(enum agg_format fmt)
{
	struct agg *a = agg_new(fmt);
	struct agg_dkim d[2] = { { "a.example", "s<1>&\"x\"", 0 },
	    { "evil.example", "bad\x01sel\xff", 5 } };
	struct agg_msg m = msg("2001:db8::1", "a.example");

	m.ndkim = 2;
	m.dkim = d;
	agg_add(a, &m);
	agg_add(a, &m);
	m = msg("192.0.2.7", "sub.a.example");
	m.envelope_from = "";
	m.spf = DMARC_ARES_NONE;
	m.spf_scope = 2;
	m.spf_domain = "helo.example";
	m.disposition = DMARC_DIS_PASS;
	m.spf_pass = 0;
	m.reasons = DMARC_REASON_LOCAL_POLICY | DMARC_REASON_TEST_MODE |
	    DMARC_REASON_SAMPLED_OUT;
	m.comment = "arc=pass as[1].d=x";
	agg_add(a, &m);
	m = msg("192.0.2.8", "a.example");
	m.spf = -1;
	m.dkim_pass = 0;
	m.spf_pass = 0;
	m.disposition = DMARC_DIS_REJECT;
	agg_add(a, &m);
	return a;
}

/* meta/policy used by the XML tests */
static const struct agg_meta meta = { "Org <&> \"Inc\"", "dmarc@r.example",
	NULL, "1764547200abcdef0123456789", 1764547200, 1764633599, NULL,
	"dmarcd test" };
static const struct agg_policy pol = { "a.example", 'q', 0, 'r', 's', 0,
	DMARC_FO_1 | DMARC_FO_D, 50, 1, "treewalk" };

/* test_xml9990 - schema-valid 9990 document, escaping, mappings */
static void
test_xml9990(void)
{
	struct agg *a = report(AGG_RFC9990);
	char *xml, *v;
	size_t len;

	CHECK_INT(aggxml_write(a, &meta, &pol, AGG_RFC9990, &xml, &len), 0,
	    "9990 written");
	CHECK_INT(validate(xml, len, "dmarc-aggregate.xsd"), 0,
	    "9990 valid against dmarc-aggregate.xsd");
	CHECK(strstr(xml, "Org &lt;&amp;&gt; &quot;Inc&quot;") != NULL,
	    "escaped org");
	CHECK(strstr(xml, "s&lt;1&gt;&amp;&quot;x&quot;") != NULL,
	    "escaped selector");
	CHECK(strstr(xml, "bad?sel?") != NULL, "control and bad UTF-8 bytes "
	    "replaced");
#define XP(e, want, what) do { v = xpath(xml, len, e); \
	CHECK_STR(v, want, what); free(v); } while (0)
	XP("string(/d:feedback/d:version)", "1.0", "version");
	XP("string(//d:report_id)", meta.report_id, "report_id");
	XP("string(//d:policy_published/d:sp)", "quarantine", "sp = p");
	XP("string(//d:policy_published/d:np)", "reject", "np");
	XP("string(//d:policy_published/d:fo)", "1:d", "fo");
	XP("string(//d:policy_published/d:testing)", "y", "testing");
	XP("string(//d:policy_published/d:discovery_method)", "treewalk",
	    "discovery_method");
	XP("string(//d:generator)", "dmarcd test", "generator");
	XP("string(sum(//d:count))", "4", "counts sum to the messages");
	XP("string(count(//d:record))", "3", "three records");
	XP("string(//d:record[2]//d:disposition)", "pass", "pass disposition");
	XP("string(//d:record[2]//d:reason[1]/d:type)", "local_policy",
	    "local_policy first");
	XP("string(//d:record[2]//d:reason[1]/d:comment)", "arc=pass as[1].d=x",
	    "with the comment");
	XP("string(//d:record[2]//d:reason[3]/d:comment)", "sampled_out",
	    "sampled_out is 'other' in 9990");
	XP("string(//d:record[2]/d:auth_results/d:spf/d:scope)", "",
	    "helo scope omitted");
	XP("string(//d:record[2]//d:envelope_from)", "", "null sender empty");
	XP("string(count(//d:record[3]//d:auth_results/d:spf))", "0",
	    "no SPF info: no spf");
	XP("string(//d:record[1]//d:dkim[2]/d:result)", "permerror", "5");
#undef XP
	free(xml);
	agg_free(a);
}

/* test_xml7489 - schema-valid 7489 document */
static void
test_xml7489(void)
{
	struct agg *a = report(AGG_RFC7489);
	char *xml, *v;
	size_t len;

	CHECK_INT(aggxml_write(a, &meta, &pol, AGG_RFC7489, &xml, &len), 0,
	    "7489 written");
	CHECK_INT(validate(xml, len, "rfc7489-aggregate-nons.xsd"), 0,
	    "7489 valid against rfc7489-aggregate-nons.xsd");
	CHECK(strstr(xml, "xmlns") == NULL, "7489: no namespace");
#define XP(e, want, what) do { v = xpath(xml, len, e); \
	CHECK_STR(v, want, what); free(v); } while (0)
	XP("string(//pct)", "50", "pct");
	XP("string(count(//np))", "0", "no np");
	XP("string(count(//generator))", "0", "no generator");
	XP("string(//record[2]//disposition)", "none", "pass becomes none");
	XP("string(//record[2]/auth_results/spf/scope)", "helo", "helo scope");
	XP("string(//record[2]//reason[2]/type)", "other",
	    "policy_test_mode is 'other' in 7489");
	XP("string(//record[2]//reason[3]/type)", "sampled_out", "sampled_out");
	XP("string(//record[3]/auth_results/spf/result)", "none",
	    "SPF always present");
#undef XP
	free(xml);
	agg_free(a);
}

/* test_fo - fo bits */
static void
test_fo(void)
{
	char b[16];

	aggxml_fo(0, b, sizeof(b));
	CHECK_STR(b, "0", "fo default");
	aggxml_fo(DMARC_FO_0 | DMARC_FO_1 | DMARC_FO_D | DMARC_FO_S, b,
	    sizeof(b));
	CHECK_STR(b, "0:1:d:s", "fo all");
	aggxml_fo(DMARC_FO_S, b, 3);
	CHECK_STR(b, "s", "fo short buffer");
}

int
main(void)
{
	test_grouping();
	test_dkim_order();
	test_windows();
	test_xml9990();
	test_xml7489();
	test_fo();
	xmlCleanupParser();
	return tap_done();
}
