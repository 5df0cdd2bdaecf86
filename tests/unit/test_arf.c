/*
 * test_arf.c -- the failure-report builder (milter/arf.c)
 *
 * DESCRIPTION
 *	Builds reports from fixed inputs and checks the message line by
 *	line: the report's own header (From, To, Bcc only when given, Date,
 *	Subject, Message-ID, the multipart/report type and boundary), the
 *	three parts in RFC 5965 order, every feedback field, the
 *	original header fields; that a hostile header value cannot end its
 *	field or fake a boundary; RFC 6590 redaction (local parts replaced,
 *	message identifiers kept); the ARF_MAXHDRBYTES cut and its note; an
 *	8-bit header marks its part 8bit; with a body, message/rfc822 with
 *	LF line ends and a boundary-like body line indented.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter/arf.h"
#include "tests/tap.h"

/* has_line - the message holds exactly this line */
static int
has_line(const char *msg, const char *line)
{
	size_t n = strlen(line);
	const char *p = msg;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == msg || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
		p++;
	}
	return 0;
}

/* before - a occurs, and before b */
static int
before(const char *msg, const char *a, const char *b)
{
	const char *pa = strstr(msg, a), *pb = strstr(msg, b);

	return pa != NULL && pb != NULL && pa < pb;
}

static const char *const to[] = { "ruf@example.com", "ruf2@example.com" };
static const char *const bcc[] = { "copy@reporter.example" };

static struct arf_hdr hdrs[] = {
	{ "Received", "from mail.attacker.example (mail.attacker.example "
	    "[192.0.2.1])\n\tby mx.reporter.example; for <bob@reporter.example>" },
	{ "From", "\"Alice Smith\" <alice.smith@example.com>" },
	{ "To", "bob@reporter.example, \"carol x\"@reporter.example" },
	{ "Subject", "hello\n--=_dmarcd_U1--\nEvil: injected" },
	{ "Message-ID", "<abc.123@example.com>" },
	{ "Date", "Tue, 01 Dec 2026 10:00:00 +0000" },
};

/* input - the common input */
static void
input(struct arf_input *in)
{
	memset(in, 0, sizeof(*in));
	in->sent_by = "dmarcd <postmaster@reporter.example>";
	in->to = to;
	in->nto = 2;
	in->uniq = "U1";
	in->hostname = "mx.reporter.example";
	in->user_agent = "dmarcd/0.1.0";
	in->now = 1796119200;		/* 2026-12-01 10:00:00 UTC */
	in->arrival = 1796119140;
	in->auth_failure = "dmarc";
	in->identity_alignment = "dkim, spf";
	in->auth_results = "mx.reporter.example; dmarc=fail (p=reject "
	    "dis=reject) header.from=example.com;\n\tspf=fail "
	    "smtp.mailfrom=example.com";
	in->envid = "4ABCD123";
	in->mail_from = "bounce@example.com";
	in->rcpt_to = "bob@reporter.example";
	in->source_ip = "192.0.2.1";
	in->source_host = "mail.attacker.example";
	in->reported_domain = "example.com";
	in->delivery_result = "reject";
	in->dkim_domain = "example.com";
	in->dkim_selector = "s1";
	in->dkim_identity = "@example.com";
	in->spf_dns = "txt : example.com : \"v=spf1 -all\"";
	in->policy_domain = "example.com";
	in->policy = "reject";
	in->result = "fail";
	in->disposition = "reject";
	in->dkim_summary = "fail (d=example.com s=s1)";
	in->spf_summary = "fail (smtp.mailfrom=example.com)";
	in->hdrs = hdrs;
	in->nhdrs = sizeof(hdrs) / sizeof(hdrs[0]);
}

/* test_top - the report's own header fields */
static void
test_top(const char *m)
{
	CHECK(strncmp(m, "From: dmarcd <postmaster@reporter.example>\n", 43)
	    == 0, "From first");
	CHECK(has_line(m, "To: ruf@example.com,"), "To: first address");
	CHECK(has_line(m, " ruf2@example.com"), "To: second address folded");
	CHECK(strstr(m, "\nBcc:") == NULL, "no Bcc: unless asked");
	CHECK(has_line(m, "Date: Tue, 01 Dec 2026 10:00:00 +0000"), "Date");
	CHECK(has_line(m, "Subject: DMARC failure report for example.com "
	    "received from mail.attacker.example [192.0.2.1]"), "Subject");
	CHECK(has_line(m, "Message-ID: <U1@mx.reporter.example>"),
	    "Message-ID");
	CHECK(has_line(m, "Auto-Submitted: auto-generated"), "Auto-Submitted");
	CHECK(has_line(m, "MIME-Version: 1.0"), "MIME-Version");
	CHECK(has_line(m, "Content-Type: multipart/report; "
	    "report-type=feedback-report;"), "multipart/report");
	CHECK(has_line(m, "\tboundary=\"=_dmarcd_U1\""), "boundary");
}

/* test_parts - three parts, in order, closed */
static void
test_parts(const char *m)
{
	CHECK(before(m, "\n--=_dmarcd_U1\nContent-Type: text/plain",
	    "\n--=_dmarcd_U1\nContent-Type: message/feedback-report"),
	    "text/plain before message/feedback-report");
	CHECK(before(m, "Content-Type: message/feedback-report",
	    "\n--=_dmarcd_U1\nContent-Type: text/rfc822-headers"),
	    "feedback-report before text/rfc822-headers");
	CHECK(has_line(m, "--=_dmarcd_U1--"), "closing boundary");
	CHECK(strstr(m, "\n--=_dmarcd_U1--\n") + 17 == m + strlen(m),
	    "closing boundary ends the message");
}

/* test_feedback - every field of the feedback part */
static void
test_feedback(const char *m)
{
	static const char *const want[] = {
		"Feedback-Type: auth-failure", "Version: 1",
		"User-Agent: dmarcd/0.1.0", "Auth-Failure: dmarc",
		"Identity-Alignment: dkim, spf",
		"Authentication-Results: mx.reporter.example; dmarc=fail "
		    "(p=reject dis=reject) header.from=example.com;",
		"\tspf=fail smtp.mailfrom=example.com",
		"Original-Envelope-Id: 4ABCD123",
		"Original-Mail-From: <bounce@example.com>",
		"Original-Rcpt-To: <bob@reporter.example>",
		"Arrival-Date: Tue, 01 Dec 2026 09:59:00 +0000",
		"Reporting-MTA: dns; mx.reporter.example",
		"Source-IP: 192.0.2.1", "Reported-Domain: example.com",
		"Delivery-Result: reject", "DKIM-Domain: example.com",
		"DKIM-Selector: s1", "DKIM-Identity: @example.com",
		"SPF-DNS: txt : example.com : \"v=spf1 -all\"",
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(has_line(m, want[i]), "feedback field: %s", want[i]);
	CHECK(before(m, "\nFeedback-Type:", "\nVersion: 1") &&
	    before(m, "\nVersion: 1", "\nUser-Agent:") &&
	    before(m, "\nUser-Agent:", "\nAuth-Failure:"),
	    "required fields first");
}

/* test_headers - originals copied, hostile value neutralized */
static void
test_headers(const char *m)
{
	CHECK(has_line(m, "From: \"Alice Smith\" <alice.smith@example.com>"),
	    "original From copied");
	CHECK(has_line(m, "\tby mx.reporter.example; for <bob@reporter.example>"),
	    "folded Received kept");
	CHECK(has_line(m, "Subject: hello"), "hostile Subject starts");
	CHECK(has_line(m, "\t--=_dmarcd_U1--"), "fake boundary indented");
	CHECK(!has_line(m, "Evil: injected"), "no injected field");
	CHECK(strstr(m, "its body is not included") != NULL, "body not included");
	CHECK(strstr(m, "Content-Transfer-Encoding") == NULL,
	    "7-bit headers: no transfer encoding");
}

/* test_redact - RFC 6590 */
static void
test_redact(void)
{
	struct arf_input in;
	char *m, *r;
	size_t len;

	r = arf_redact("\"Alice\" <alice.smith@example.com>, x+y@a.example, "
	    "\"j doe\"@b.example, no at here, trailing@");
	CHECK_STR(r, "\"Alice\" <redacted@example.com>, redacted@a.example, "
	    "redacted@b.example, no at here, trailing@", "arf_redact");
	free(r);
	input(&in);
	in.redact = 1;
	m = arf_build(&in, &len);
	CHECK(has_line(m, "From: \"Alice Smith\" <redacted@example.com>"),
	    "redacted From");
	CHECK(has_line(m, "To: redacted@reporter.example, redacted@reporter.example"),
	    "redacted To (quoted local part too)");
	CHECK(has_line(m, "\tby mx.reporter.example; for <redacted@reporter.example>"),
	    "redacted Received");
	CHECK(has_line(m, "Message-ID: <abc.123@example.com>"),
	    "Message-ID not redacted");
	CHECK(has_line(m, "Original-Mail-From: <redacted@example.com>"),
	    "redacted Original-Mail-From");
	CHECK(has_line(m, "Original-Rcpt-To: <redacted@reporter.example>"),
	    "redacted Original-Rcpt-To");
	CHECK(strstr(m, "alice.smith") == NULL && strstr(m, "bob@") == NULL &&
	    strstr(m, "bounce@") == NULL, "no local part left");
	CHECK(strstr(m, "redacted (RFC 6590)") != NULL, "summary says so");
	free(m);
}

/* test_limits - Bcc when asked, the header cut, 8-bit, null sender */
static void
test_limits(void)
{
	struct arf_input in;
	struct arf_hdr *big;
	char *m, *val;
	size_t i, len, n = 200;

	input(&in);
	in.bcc = bcc;
	in.nbcc = 1;
	in.mail_from = "";
	in.rcpt_to = NULL;
	in.source_host = NULL;
	in.dkim_domain = NULL;
	big = calloc(n, sizeof(*big));
	val = malloc(1001);
	memset(val, 'x', 1000);
	val[1000] = '\0';
	for (i = 0; i < n; i++) {
		big[i].name = "X-Filler";
		big[i].value = val;
	}
	big[0].value = "caf\xc3\xa9";
	in.hdrs = big;
	in.nhdrs = n;
	m = arf_build(&in, &len);
	CHECK(has_line(m, "Bcc: copy@reporter.example"), "Bcc: when asked");
	CHECK(has_line(m, "Original-Mail-From: <>"), "null sender as <>");
	CHECK(strstr(m, "Original-Rcpt-To:") == NULL, "no Rcpt-To when none");
	CHECK(strstr(m, "DKIM-Domain:") == NULL &&
	    strstr(m, "DKIM-Selector:") == NULL, "no DKIM fields when none");
	CHECK(has_line(m, "Subject: DMARC failure report for example.com "
	    "received from [192.0.2.1]"), "Subject without host name");
	CHECK(len < ARF_MAXHDRBYTES + 8192, "cut at ARF_MAXHDRBYTES (%zu)",
	    len);
	CHECK(strstr(m, "beyond 65536 bytes are left out") != NULL,
	    "the cut is noted");
	CHECK(has_line(m, "Content-Transfer-Encoding: 8bit"), "8-bit marked");
	CHECK(len == strlen(m), "length returned");
	free(m);
	free(val);
	free(big);
}

/* test_body - FailureReportsBody: message/rfc822, safe lines, LF */
static void
test_body(void)
{
	static const char b[] = "line1\r\n--=_dmarcd_U1--\r\ncaf\xc3\xa9\r\n";
	struct arf_input in;
	char *m;
	size_t len;

	input(&in);
	in.body = b;
	in.bodylen = sizeof(b) - 1;
	in.body_cut = 1;
	m = arf_build(&in, &len);
	CHECK(has_line(m, "Content-Type: message/rfc822"), "message/rfc822 part");
	CHECK(!has_line(m, "Content-Type: text/rfc822-headers"),
	    "no text/rfc822-headers part");
	CHECK(before(m, "Message-ID: <abc.123@example.com>\nDate: Tue, 01 Dec "
	    "2026 10:00:00 +0000\n\nline1\n", "\n--=_dmarcd_U1--\n"),
	    "header, empty line, body");
	CHECK(has_line(m, " --=_dmarcd_U1--"), "boundary-like body line indented");
	CHECK(strchr(m, '\r') == NULL, "CRLF made LF");
	CHECK(has_line(m, "Content-Transfer-Encoding: 8bit"), "8-bit body marked");
	CHECK(strstr(m, "The original message follows, its body cut short.") !=
	    NULL, "the cut is noted");
	free(m);
}

int
main(void)
{
	struct arf_input in;
	char *m;
	size_t len;

	input(&in);
	m = arf_build(&in, &len);
	test_top(m);
	test_parts(m);
	test_feedback(m);
	test_headers(m);
	free(m);
	test_redact();
	test_limits();
	test_body();
	return tap_done();
}
