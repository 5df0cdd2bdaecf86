/*
 * test_agg_mime.c -- base64, gzip and the report message (reports/mime.c)
 *
 * base64 against the RFC 4648 section 10 vectors, line length and a
 * round trip of every byte value; gzip round trip with the file name in
 * the member header (RFC 1952 FNAME); the message: Subject, Message-ID,
 * parts, file names, folding, CRLF only, and an attachment that decodes
 * to the same gzip bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/agg.h"
#include "tests/tap.h"

/* test_b64 - RFC 4648 vectors and round trips */
static void
test_b64(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==\r\n", "Zm8=\r\n",
	    "Zm9v\r\n", "Zm9vYg==\r\n", "Zm9vYmE=\r\n", "Zm9vYmFy\r\n" };
	unsigned char all[600], *dec;
	char *s;
	size_t i, n, dn;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		s = mime_b64((const unsigned char *)in[i], strlen(in[i]), &n);
		CHECK_STR(s, out[i], in[i]);
		CHECK_INT(n, strlen(out[i]), "its length");
		free(s);
	}
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(i * 7);
	s = mime_b64(all, sizeof(all), &n);
	CHECK(strlen(s) == n && n == 800 + 11 * 2, "600 bytes: 11 lines");
	CHECK(s[76] == '\r' && s[77] == '\n' && s[78 + 76] == '\r',
	    "lines of 76");
	CHECK_INT(mime_b64_decode(s, n, &dec, &dn), 0, "decodes");
	CHECK(dn == sizeof(all) && memcmp(dec, all, dn) == 0, "round trip");
	free(dec);
	free(s);
	CHECK_INT(mime_b64_decode("Zm9v!", 5, &dec, &dn), -1, "bad char");
	CHECK_INT(mime_b64_decode("Zm9", 3, &dec, &dn), -1, "short");
	CHECK_INT(mime_b64_decode("Zg=a", 4, &dec, &dn), -1, "data after =");
}

/* test_gzip - round trip and header */
static void
test_gzip(void)
{
	const char *name = "r.example!a.example!1!2!id.xml";
	char xml[5000], *back;
	unsigned char *gz;
	size_t gzlen, blen, i;

	for (i = 0; i < sizeof(xml); i++)
		xml[i] = "<record/>\n"[i % 10];
	CHECK_INT(mime_gzip(name, 1764547200, xml, sizeof(xml), &gz, &gzlen),
	    0, "gzip");
	CHECK(gz[0] == 0x1f && gz[1] == 0x8b && gz[2] == 8, "gzip magic");
	CHECK(gz[3] & 0x08, "FNAME flag");
	CHECK(gz[4] == (1764547200 & 0xff), "mtime");
	CHECK(gzlen > 10 + strlen(name) &&
	    strcmp((char *)gz + 10, name) == 0, "file name in the header");
	CHECK(gzlen < sizeof(xml) / 4, "compressed");
	CHECK_INT(mime_gunzip(gz, gzlen, &back, &blen), 0, "gunzip");
	CHECK(blen == sizeof(xml) && memcmp(back, xml, blen) == 0,
	    "round trip");
	free(back);
	CHECK_INT(mime_gunzip(gz, gzlen - 9, &back, &blen), -1, "truncated");
	free(gz);
}

/* count - occurrences of needle in hay */
static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* test_message - the RFC 9990 message */
static void
test_message(void)
{
	unsigned char gz[300], *dec;
	struct mime_report r;
	char *m, *p, *q, longdom[120];
	size_t len, i, dn;

	for (i = 0; i < sizeof(gz); i++)
		gz[i] = (unsigned char)(255 - i);
	memset(&r, 0, sizeof(r));
	r.from = "dmarc@r.example";
	r.to = "agg@a.example";
	r.policy_domain = "a.example";
	r.submitter = "r.example";
	r.report_id = "1764547200abc";
	r.filename = "r.example!a.example!1764547200!1764633599!1764547200abc"
	    ".xml.gz";
	r.date = 1764633600;
	r.begin = 1764547200;
	r.end = 1764633599;
	r.messages = 42;
	r.gz = gz;
	r.gzlen = sizeof(gz);
	m = mime_message(&r, &len);
	CHECK(strlen(m) == len, "length");
	CHECK(strstr(m, "\r\nSubject: Report Domain: a.example\r\n Submitter: "
	    "r.example\r\n Report-ID: <1764547200abc>\r\n") != NULL,
	    "Subject, folded at 81 characters");
	CHECK(strstr(m, "Message-ID: <1764547200abc@r.example>\r\n") != NULL,
	    "Message-ID");
	CHECK(strstr(m, "Date: Tue, 02 Dec 2025 00:00:00 +0000\r\n") != NULL,
	    "Date");
	CHECK(strstr(m, "From: dmarc@r.example\r\nTo: agg@a.example\r\n") ==
	    m, "From, To first");
	CHECK(strstr(m, "Auto-Submitted: auto-generated\r\n") != NULL,
	    "Auto-Submitted");
	CHECK_INT(count(m, "--=_dmarcd_1764547200abc\r\n"), 2, "two parts");
	CHECK_INT(count(m, "--=_dmarcd_1764547200abc--\r\n"), 1, "close");
	CHECK(strstr(m, "Content-Type: application/gzip;\r\n name=\"") != NULL,
	    "application/gzip");
	CHECK_INT(count(m, r.filename), 2, "file name twice");
	CHECK(strstr(m, "42 message(s)") != NULL, "text part count");
	CHECK_INT(count(m, "\n") , count(m, "\r\n"), "CRLF only");
	p = strstr(m, "base64\r\n\r\n") + 10;
	q = strstr(p, "\r\n--=_dmarcd");
	CHECK_INT(mime_b64_decode(p, (size_t)(q - p), &dec, &dn), 0,
	    "attachment decodes");
	CHECK(dn == sizeof(gz) && memcmp(dec, gz, dn) == 0, "same bytes");
	free(dec);
	free(m);
	r.report_id = "x1";
	m = mime_message(&r, &len);
	CHECK(strstr(m, "\r\nSubject: Report Domain: a.example Submitter: "
	    "r.example Report-ID: <x1>\r\n") != NULL,
	    "short Subject: one line");
	free(m);
	r.report_id = "1764547200abc";
	memset(longdom, 'x', sizeof(longdom) - 12);
	memcpy(longdom + sizeof(longdom) - 12, ".example\0", 9);
	r.policy_domain = longdom;
	r.to = "evil@a.example\r\nBcc: x@y";
	m = mime_message(&r, &len);
	CHECK(strstr(m, "Subject: Report Domain: xxx") != NULL &&
	    strstr(m, ".example\r\n Submitter: r.example\r\n Report-ID: "
	    "<1764547200abc>\r\n") != NULL, "long Subject folded");
	CHECK(strstr(m, "\r\nBcc:") == NULL, "no header injection");
	free(m);
}

int
main(void)
{
	test_b64();
	test_gzip();
	test_message();
	return tap_done();
}
