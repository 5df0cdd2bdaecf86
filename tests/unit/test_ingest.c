/*
 * test_ingest.c -- unit tests of the dmarc-ingest parse layer: times,
 * base64 and quoted-printable, MIME headers and parameters, containers
 * (built here with zlib), the sniffer, and rejection reasons
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "reports/ingest/ingest.h"
#include "reports/ingest/output.h"
#include "tests/tap.h"

#define XML "<feedback><report_metadata><org_name>O</org_name>" \
	"<report_id>r1</report_id><date_range><begin>1</begin><end>2</end>" \
	"</date_range></report_metadata><policy_published><domain>d.example" \
	"</domain><p>none</p></policy_published><record><row><source_ip>" \
	"192.0.2.1</source_ip><count>3</count><policy_evaluated><disposition>" \
	"none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated>" \
	"</row><identifiers><header_from>d.example</header_from></identifiers>" \
	"</record></feedback>"

/* times - ISO 8601 and RFC 5322 dates to UTC */
static void
times(void)
{
	char buf[32];

	CHECK_INT(parse_iso8601("2023-11-14T00:00:00Z"), 1699920000, "iso Z");
	CHECK_INT(parse_iso8601("2023-11-14T02:00:00+02:00"), 1699920000,
	    "iso +02:00");
	CHECK_INT(parse_iso8601("2023-11-14T00:00:00.123-0130"), 1699925400,
	    "iso fraction, -0130");
	CHECK_INT(parse_iso8601("2023-11-14"), 1699920000, "iso date only");
	CHECK_INT(parse_iso8601("14/11/2023"), -1, "iso garbage");
	CHECK_INT(parse_iso8601("2023-13-01T00:00:00Z"), -1, "iso month 13");
	CHECK_INT(parse_rfc5322_date("Tue, 14 Nov 2023 01:00:00 +0100"),
	    1699920000, "5322 +0100");
	CHECK_INT(parse_rfc5322_date("14 Nov 2023 00:00 GMT"), 1699920000,
	    "5322 no seconds, GMT");
	CHECK_INT(parse_rfc5322_date("Mon, 13 Nov 2023 20:00:00 EDT"),
	    1699920000, "5322 EDT");
	CHECK_INT(parse_rfc5322_date("Tue, 14 Nov 23 00:00:00 -0000"),
	    1699920000, "5322 two-digit year");
	CHECK_INT(parse_rfc5322_date("yesterday"), -1, "5322 garbage");
	fmt_iso8601(1699920000, buf, sizeof(buf));
	CHECK_STR(buf, "2023-11-14T00:00:00Z", "fmt_iso8601");
}

/* codecs - base64 and quoted-printable */
static void
codecs(void)
{
	char out[64];
	size_t n;

	n = base64_decode("aGVs\r\nbG8=", 10, out);
	CHECK(n == 5 && memcmp(out, "hello", 5) == 0, "base64 across CRLF");
	n = base64_decode("aGVsbG8", 7, out);
	CHECK(n == 5 && memcmp(out, "hello", 5) == 0, "base64 unpadded");
	n = qp_decode("a=3Db=\r\nc=ZZ", 12, out);
	CHECK(n == 7 && memcmp(out, "a=bc=ZZ", 7) == 0,
	    "qp: escape, soft break, bad escape kept");
}

/* headers - unfolding, odd names, parameters */
static void
headers(void)
{
	static const char h[] = "Subject: a\r\n b\r\nContentType: text/Plain;"
	    " name=\"x y.gz\"; boundary=abc\r\nX: 1\r\n";
	struct arena a = { 0 };
	char *ct;

	CHECK_STR(mime_header(&a, h, sizeof(h) - 1, "subject"), "a b",
	    "unfolded, case-insensitive");
	ct = mime_header(&a, h, sizeof(h) - 1, "Content-Type");
	CHECK(ct != NULL && strncmp(ct, "text/Plain", 10) == 0,
	    "ContentType: matches Content-Type");
	CHECK_STR(mime_param(&a, ct, "name"), "x y.gz", "quoted parameter");
	CHECK_STR(mime_param(&a, ct, "boundary"), "abc", "bare parameter");
	CHECK_STR(mime_param(&a, "a; name*=utf-8''r%20.xml", "name"),
	    "r%20.xml", "RFC 2231 charset dropped");
	CHECK(mime_header(&a, h, sizeof(h) - 1, "Missing") == NULL,
	    "absent field");
	arena_free(&a);
}

/* deflate_to - compress with zlib in a given format */
static size_t
deflate_to(const char *in, size_t n, char *out, size_t cap, int wbits)
{
	z_stream z;
	size_t len;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	len = cap - z.avail_out;
	deflateEnd(&z);
	return len;
}

/* one - ingest and return the only report's container, or the reason */
static const char *
one(const char *p, size_t n, char *buf, size_t buflen, size_t *nrep)
{
	struct ingest_result res;

	if (ingest_bytes(p, n, NULL, &res) != 0)
		snprintf(buf, buflen, "reject: %s", res.reject);
	else
		snprintf(buf, buflen, "%s", res.reports[0]->container);
	*nrep = res.nreports;
	ingest_result_free(&res);
	return buf;
}

/* containers - gzip members, zlib, bombs and garbage */
static void
containers(void)
{
	char gz[2048], two[4096], buf[300], *big;
	size_t n, m, nrep;

	n = deflate_to(XML, sizeof(XML) - 1, gz, sizeof(gz), 16 + MAX_WBITS);
	CHECK_STR(one(gz, n, buf, sizeof(buf), &nrep), "gzip>xml", "gzip");
	memcpy(two, gz, n);
	memcpy(two + n, gz, n);
	CHECK_STR(one(two, 2 * n, buf, sizeof(buf), &nrep), "gzip>xml",
	    "two gzip members (concatenated, as gzip(1) allows)");
	m = deflate_to(XML, sizeof(XML) - 1, gz, sizeof(gz), MAX_WBITS);
	CHECK_STR(one(gz, m, buf, sizeof(buf), &nrep), "zlib>xml", "zlib");
	CHECK(strncmp(one(gz, n / 2, buf, sizeof(buf), &nrep), "reject", 6)
	    == 0 || nrep == 1, "truncated stream: reject or partial");
	/* a bomb: 300 MiB of zeros is refused with a reason */
	big = calloc(1, 1 << 20);
	{
		z_stream z;
		size_t cap = 1 << 20, i;

		memset(&z, 0, sizeof(z));
		deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
		    Z_DEFAULT_STRATEGY);
		z.next_out = (Bytef *)big;
		z.avail_out = (uInt)cap;
		for (i = 0; i < 300; i++) {
			static char zeros[1 << 20];

			z.next_in = (Bytef *)zeros;
			z.avail_in = sizeof(zeros);
			deflate(&z, i == 299 ? Z_FINISH : Z_NO_FLUSH);
		}
		n = cap - z.avail_out;
		deflateEnd(&z);
	}
	one(big, n, buf, sizeof(buf), &nrep);
	CHECK(nrep == 0 && strstr(buf, "over") != NULL,
	    "gzip bomb refused: %s", buf);
	free(big);
	CHECK_STR(one("unused", 6, buf, sizeof(buf), &nrep),
	    "reject: not a report: 6 bytes of unknown content (\"unused\")",
	    "garbage named");
	CHECK_STR(one("PK\003\004xx", 6, buf, sizeof(buf), &nrep),
	    "reject: zip: truncated local header", "broken zip named");
}

/* rejects - reasons for well-formed non-reports */
static void
rejects(void)
{
	char buf[300];
	size_t nrep;

	CHECK_STR(one("<html/>", 7, buf, sizeof(buf), &nrep),
	    "reject: XML: root element <html> is not <feedback>", "html");
	CHECK_STR(one("<feedback/>", 11, buf, sizeof(buf), &nrep),
	    "reject: aggregate report: no report_metadata/report_id",
	    "empty feedback");
	CHECK_STR(one("{\"a\":1}", 7, buf, sizeof(buf), &nrep),
	    "reject: JSON: no organization-name (not a TLS report)",
	    "other JSON");
	CHECK_STR(one("{\"a\":", 5, buf, sizeof(buf), &nrep),
	    "reject: JSON: continue", "truncated JSON");
}

/* normalise - defaults and alignment on a minimal report */
static void
normalise(void)
{
	struct report *r;
	char why[128];

	CHECK(aggxml_parse(XML, sizeof(XML) - 1, &r, why, sizeof(why)) == 0,
	    "minimal report parses");
	CHECK_STR(r->u.agg.adkim, "r", "adkim default r");
	CHECK_STR(r->u.agg.sp, "none", "sp from p");
	CHECK_STR(r->u.agg.np, "none", "np from sp");
	CHECK_INT(r->u.agg.pct, 100, "pct 100 (RFC 7489)");
	CHECK_STR(r->u.agg.fo, "0", "fo 0");
	CHECK_STR(r->u.agg.xml_schema, "draft", "no version: draft");
	CHECK_INT(r->u.agg.records[0].dmarc_aligned, 0, "fail/fail: not aligned");
	CHECK_INT(r->u.agg.records[0].count, 3, "count");
	report_free(r);
}

/* samples - the four sample modes */
static void
samples(void)
{
	struct failure_report f;
	char *s;
	size_t n;

	memset(&f, 0, sizeof(f));
	f.sample = "From: a.b@x.example\nTo: <c@y.example>\n\nbody\n";
	f.sample_len = strlen(f.sample);
	f.sample_headers = "From: a.b@x.example\nTo: <c@y.example>\n";
	CHECK(out_sample(&f, SAMPLE_NONE, &n) == NULL, "none");
	s = out_sample(&f, SAMPLE_HEADERS, &n);
	CHECK_STR(s, f.sample_headers, "headers");
	free(s);
	s = out_sample(&f, SAMPLE_REDACTED, &n);
	CHECK_STR(s, "From: *@x.example\nTo: <*@y.example>\n", "redacted");
	free(s);
	s = out_sample(&f, SAMPLE_ALL, &n);
	CHECK(n == f.sample_len && strcmp(s, f.sample) == 0, "all");
	free(s);
}

int
main(void)
{
	times();
	codecs();
	headers();
	containers();
	rejects();
	normalise();
	samples();
	return tap_done();
}
