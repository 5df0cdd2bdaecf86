/*
 * arf_fuzz.c -- libFuzzer harness for the failure-report builder
 * (milter/arf.c) and the ruf= address decoder (ruf_mailto, rufdest.c)
 *
 * DESCRIPTION
 *	The input, split at NUL bytes, becomes header fields "name\0value"
 *	of the reported message (and the envelope sender, the first
 *	recipient and a ruf URI); the report is built with and without
 *	redaction.  Invariants, any break aborts: the length returned is the
 *	string's; exactly four lines are boundary delimiters (three part
 *	separators and the closing one, which ends the message), so nothing
 *	from the input can fake one; every line inside the
 *	header block that does not begin with white space holds a colon
 *	(no field injected or broken); with redaction the envelope local
 *	parts are gone; ruf_mailto() gives NULL or "local@domain" with a
 *	valid domain.  The raw input, NULs included, is also a body
 *	(FailureReportsBody): the boundary invariants hold for it too.
 */
#include "lastinput.h"
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "milter/arf.h"
#include "milter/ruf.h"

#define MAXF	16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* count_boundaries - delimiter lines (RFC 2046 5.1.1: "--" boundary,
 * optionally "--", then only white space to the end of the line) */
static int
count_boundaries(const char *m)
{
	const char *p = m, *q;
	int n = 0;

	for (; (p = strstr(p, "--=_dmarcd_F")) != NULL; p++) {
		if (p != m && p[-1] != '\n')
			continue;
		q = p + 12;
		if (strncmp(q, "--", 2) == 0)
			q += 2;
		q += strspn(q, " \t");
		if (*q == '\n' || *q == '\0')
			n++;
	}
	return n;
}

/* check_headers - every unindented line of the header part has a colon */
static void
check_headers(const char *m)
{
	const char *p = strstr(m,
	    "\n--=_dmarcd_F\nContent-Type: text/rfc822-headers\n"), *nl;

	if (p == NULL || (p = strstr(p, "\n\n")) == NULL)
		abort();
	for (p += 2; *p != '\0' && strncmp(p, "\n--=_dmarcd_F--", 15) != 0;
	    p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			abort();
		if (p[0] != ' ' && p[0] != '\t' && p != nl &&
		    memchr(p, ':', (size_t)(nl - p)) == NULL)
			abort();
	}
}

/* build - one report, checked */
static void
build(struct arf_input *in, int redact)
{
	char *m;
	size_t len;

	in->redact = redact;
	m = arf_build(in, &len);
	if (len != strlen(m) || count_boundaries(m) != 4)
		abort();
	if (len < 16 || strcmp(m + len - 16, "\n--=_dmarcd_F--\n") != 0)
		abort();
	if (in->body == NULL)
		check_headers(m);
	free(m);
}

/* mailto - the decoder's contract */
static void
mailto(const char *s)
{
	char *a = ruf_mailto(s), *at;

	if (a == NULL)
		return;
	if ((at = strrchr(a, '@')) == NULL || at == a ||
	    !dmarc_domain_is_ldh(at + 1, strlen(at + 1)))
		abort();
	free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const to[] = { "ruf@example.com" };
	struct arf_hdr h[MAXF];
	struct arf_input in;
	char *buf = malloc(size + 2), *s[2 * MAXF + 1];
	size_t i, n = 0, ns = 0;

	last_input(data, size);
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	for (i = 0, s[ns++] = buf; i < size && ns < 2 * MAXF + 1; i++)
		if (buf[i] == '\0')
			s[ns++] = buf + i + 1;
	mailto(s[0]);
	for (i = 0; i + 1 < ns && n < MAXF; i += 2, n++) {
		h[n].name = s[i][0] != '\0' ? s[i] : "X";
		h[n].value = s[i + 1];
	}
	memset(&in, 0, sizeof(in));
	in.sent_by = "dmarcd <postmaster@mx.example>";
	in.to = to;
	in.nto = 1;
	in.uniq = "F";
	in.hostname = "mx.example";
	in.user_agent = "dmarcd/0";
	in.auth_failure = "dmarc";
	in.identity_alignment = "dkim, spf";
	in.mail_from = s[0];
	in.rcpt_to = ns > 1 ? s[1] : NULL;
	in.source_ip = "192.0.2.1";
	in.source_host = ns > 2 ? s[2] : NULL;
	in.reported_domain = "example.com";
	in.delivery_result = "delivered";
	in.policy_domain = "example.com";
	in.policy = in.result = in.disposition = "x";
	in.hdrs = h;
	in.nhdrs = n;
	build(&in, 0);
	build(&in, 1);
	in.body = (const char *)data;	/* FailureReportsBody: raw bytes */
	in.bodylen = size;
	build(&in, 0);
	free(buf);
	return 0;
}
