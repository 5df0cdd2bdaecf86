/*
 * test_authres.c -- dmarc_authres_parse on real-world and hostile fields
 *
 * DESCRIPTION
 *	Each table row is a field value, the expected status and the
 *	expected parse rendered by dump(): "id|vN[|none]" then one
 *	"|method=result[ reason=R][ ptype.property=value]..." per result.
 *	Then the caps, the prop lookup, and every truncation of a sample
 *	(each copied into an exact-size heap buffer so ASan sees overreads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"

struct row {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*dump;	/* NULL when rc != DMARC_OK */
};

static const struct row rows[] = {
	{ "gmail",
	  "mx.google.com;\r\n       dkim=pass header.i=@example.com "
	  "header.s=20230601 header.b=AbCdEf12;\r\n       arc=pass (i=1 "
	  "spf=pass spfdomain=example.com dkim=pass dkdomain=example.com "
	  "dmarc=pass fromdomain=example.com);\r\n       spf=pass "
	  "(google.com: domain of alice@example.com designates 209.85.220.41 "
	  "as permitted sender) smtp.mailfrom=alice@example.com;\r\n       "
	  "dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com;\r\n"
	  "       dara=pass header.i=@example.com",
	  DMARC_OK,
	  "mx.google.com|v1|dkim=pass header.i=@example.com header.s=20230601"
	  " header.b=AbCdEf12|arc=pass|spf=pass smtp.mailfrom=alice@example.com"
	  "|dmarc=pass header.from=example.com|dara=pass header.i=@example.com" },
	{ "microsoft 365 (no authserv-id)",
	  "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=example.com; "
	  "dkim=pass (signature was verified) header.d=example.com;dmarc=pass "
	  "action=none header.from=example.com;compauth=pass reason=100",
	  DMARC_OK,
	  "(null)|v1|spf=pass smtp.mailfrom=example.com|dkim=pass "
	  "header.d=example.com|dmarc=pass header.from=example.com|"
	  "compauth=pass reason=100" },
	{ "microsoft 365 dkim=none header.d=none",
	  "spf=none (sender IP is 10.0.0.1) smtp.mailfrom=x.example; "
	  "dkim=none (message not signed) header.d=none;",
	  DMARC_OK,
	  "(null)|v1|spf=none smtp.mailfrom=x.example|dkim=none header.d=none" },
	{ "fastmail",
	  "mx6.messagingengine.com;\r\n    dkim=pass (2048-bit rsa key sha256)"
	  " header.d=example.com header.i=@example.com header.b=Xyz12345 "
	  "header.a=rsa-sha256 header.s=fm1 x-bits=2048;\r\n    dmarc=pass "
	  "policy.published-domain-policy=none (p=none,d=none,d.eval=none) "
	  "header.from=example.com;\r\n    iprev=pass smtp.remote-ip=66.111.4.25"
	  " (out1-smtp.messagingengine.com);\r\n    spf=pass "
	  "smtp.mailfrom=bob@example.com smtp.helo=out1-smtp.messagingengine.com",
	  DMARC_OK,
	  "mx6.messagingengine.com|v1|dkim=pass header.d=example.com "
	  "header.i=@example.com header.b=Xyz12345 header.a=rsa-sha256 "
	  "header.s=fm1|dmarc=pass policy.published-domain-policy=none "
	  "header.from=example.com|iprev=pass smtp.remote-ip=66.111.4.25|"
	  "spf=pass smtp.mailfrom=bob@example.com "
	  "smtp.helo=out1-smtp.messagingengine.com" },
	{ "postfix + opendkim, quoted header.b",
	  "mail.example.org; dkim=pass (1024-bit key; unprotected) "
	  "header.d=example.com header.i=@example.com header.b=\"AbC/+d=1\"",
	  DMARC_OK,
	  "mail.example.org|v1|dkim=pass header.d=example.com "
	  "header.i=@example.com header.b=AbC/+d=1" },
	{ "opendmarc own field",
	  "mail.example.org; dmarc=pass (p=none dis=none) "
	  "header.from=example.com",
	  DMARC_OK, "mail.example.org|v1|dmarc=pass header.from=example.com" },
	{ "pypolicyd-spf style comment with ';' inside",
	  "mail.example.org; spf=pass (mailfrom) smtp.mailfrom=example.com "
	  "(client-ip=1.2.3.4; helo=mx.example.com; envelope-from=b@example.com;"
	  " receiver=<UNKNOWN>)",
	  DMARC_OK, "mail.example.org|v1|spf=pass smtp.mailfrom=example.com" },
	{ "rspamd",
	  "mx.example.net;\n\tdkim=pass header.d=example.com header.s=dkim "
	  "header.b=QWERTY12;\n\tdmarc=pass (policy=reject) "
	  "header.from=example.com;\n\tspf=pass (mx.example.net: domain of "
	  "\"bounce+x=y\"@example.com designates 1.2.3.4 as permitted sender) "
	  "smtp.mailfrom=\"bounce+x=y\"@example.com;\n\tarc=none",
	  DMARC_OK,
	  "mx.example.net|v1|dkim=pass header.d=example.com header.s=dkim "
	  "header.b=QWERTY12|dmarc=pass header.from=example.com|spf=pass "
	  "smtp.mailfrom=bounce+x=y@example.com|arc=none" },
	{ "openarc arc.chain",
	  "mx.example.org; arc=pass (as[2].d=b.net, as[1].d=a.com) "
	  "smtp.remote-ip=192.0.2.1 arc.chain=a.com:b.net",
	  DMARC_OK,
	  "mx.example.org|v1|arc=pass smtp.remote-ip=192.0.2.1 "
	  "arc.chain=a.com:b.net" },
	{ "yahoo, comment glued to result, trailing ';'",
	  "atlas-production.v2.mail.yahoo.com;\r\n dkim=pass "
	  "header.i=@example.com header.s=s2048;\r\n spf=pass "
	  "smtp.mailfrom=example.com;\r\n dmarc=pass(p=REJECT) "
	  "header.from=example.com;",
	  DMARC_OK,
	  "atlas-production.v2.mail.yahoo.com|v1|dkim=pass "
	  "header.i=@example.com header.s=s2048|spf=pass "
	  "smtp.mailfrom=example.com|dmarc=pass header.from=example.com" },
	{ "comments in every position",
	  "(c0) mx.example.org (c1) 1 (c2) ; (c3) dkim (c4) / (c5) 1 (c6) = "
	  "(c7) pass (c8) reason (c9) = (c10) \"ok \\\"q\\\"\" (c11) header "
	  "(c12) . (c13) d (c14) = (c15) example.com (c16) ; (c17)",
	  DMARC_OK,
	  "mx.example.org|v1|dkim=pass reason=ok \"q\" header.d=example.com" },
	{ "nested comment with quoted-pairs",
	  "mx.example.org (a (nested \\) \\( comment) b); spf=pass "
	  "smtp.mailfrom=example.com (x (y) z)",
	  DMARC_OK, "mx.example.org|v1|spf=pass smtp.mailfrom=example.com" },
	{ "quoted authserv-id with jobid",
	  "\"mx.test/DEBUG-i\"; dmarc=pass header.from=example.com",
	  DMARC_OK, "mx.test/DEBUG-i|v1|dmarc=pass header.from=example.com" },
	{ "unquoted authserv-id with jobid (1.4.2)",
	  "mx.test/DEBUG-i; dmarc=fail header.from=example.com",
	  DMARC_OK, "mx.test/DEBUG-i|v1|dmarc=fail header.from=example.com" },
	{ "quoted authserv-id with quoted-pair",
	  "\"mx\\\"x\"; spf=none", DMARC_OK, "mx\"x|v1|spf=none" },
	{ "empty quoted authserv-id and values",
	  "\"\"; dkim=pass reason=\"\" header.d=\"\" header.s=\"\"(c)",
	  DMARC_OK, "|v1|dkim=pass reason= header.d= header.s=" },
	{ "version 1",
	  "mx.example.org 1; spf=pass smtp.mailfrom=example.com",
	  DMARC_OK, "mx.example.org|v1|spf=pass smtp.mailfrom=example.com" },
	{ "version 2",
	  "mx.example.org 2 ; spf=pass smtp.mailfrom=example.com",
	  DMARC_OK, "mx.example.org|v2|spf=pass smtp.mailfrom=example.com" },
	{ "none", "mx.example.org; none", DMARC_OK, "mx.example.org|v1|none" },
	{ "none with version and comments",
	  "mx.example.org 1; (no auth) NONE (really)\r\n",
	  DMARC_OK, "mx.example.org|v1|none" },
	{ "unknown ptype kept, field not voided",
	  "mx.example.org; dkim=pass x-foo.bar=1 header.d=example.com",
	  DMARC_OK,
	  "mx.example.org|v1|dkim=pass x-foo.bar=1 header.d=example.com" },
	{ "unknown method and result kept",
	  "mx.example.org; x-custom=weird smtp.x=y; dara=pass",
	  DMARC_OK, "mx.example.org|v1|x-custom=weird smtp.x=y|dara=pass" },
	{ "bare @domain",
	  "mx; dkim=pass header.i=@example.com",
	  DMARC_OK, "mx|v1|dkim=pass header.i=@example.com" },
	{ "quoted local part",
	  "mx; spf=pass smtp.mailfrom=\"john doe\"@example.com",
	  DMARC_OK, "mx|v1|spf=pass smtp.mailfrom=john doe@example.com" },
	{ "method version stripped",
	  "mx; dkim/1=pass header.d=example.com; spf / 2 = fail",
	  DMARC_OK, "mx|v1|dkim=pass header.d=example.com|spf=fail" },
	{ "case folding (values kept)",
	  "MX.Example.ORG; DKIM=PASS Header.D=Example.COM SMTP.MailFrom=A@B.C",
	  DMARC_OK,
	  "MX.Example.ORG|v1|dkim=pass header.d=Example.COM "
	  "smtp.mailfrom=A@B.C" },
	{ "folding CRLF and LF",
	  "mx.example.org;\r\n\tspf=pass\r\n smtp.mailfrom=example.com;\n dkim"
	  "\n =fail\n header.d=example.com",
	  DMARC_OK,
	  "mx.example.org|v1|spf=pass smtp.mailfrom=example.com|dkim=fail "
	  "header.d=example.com" },
	{ "value with trailing comment",
	  "mx; dkim=pass header.d=example.com (comment) header.s=s1",
	  DMARC_OK, "mx|v1|dkim=pass header.d=example.com header.s=s1" },
	{ "CVE-2020-12272 exploit string alone",
	  "mx; spf=pass smtp.mailfrom=example.net(.example.com",
	  DMARC_ESYNTAX, NULL },
	{ "CVE-2020-12272 in dkim, good result kept",
	  "mx; spf=pass smtp.mailfrom=good.example; dkim=pass "
	  "header.d=example.net(.example.com",
	  DMARC_OK, "mx|v1|spf=pass smtp.mailfrom=good.example" },
	{ "CVE-2020-12272 closed comment then suffix",
	  "mx; dkim=pass header.d=example.net(x).attacker.com; spf=pass "
	  "smtp.mailfrom=a.example",
	  DMARC_OK, "mx|v1|spf=pass smtp.mailfrom=a.example" },
	{ "CVE-2020-12272 closed comment glued to value",
	  "mx; dkim=pass header.d=example.net(.example.com) header.s=s; "
	  "spf=pass smtp.mailfrom=u@example.net(x)",
	  DMARC_ESYNTAX, NULL },
	{ "comment glued to a quoted value is fine",
	  "mx; dkim=pass header.d=\"example.com\"(c)",
	  DMARC_OK, "mx|v1|dkim=pass header.d=example.com" },
	{ "CVE-2020-12272 spaced suffix",
	  "mx; dkim=pass header.d=example.net (x) .attacker.com; spf=none",
	  DMARC_OK, "mx|v1|spf=none" },
	{ "CVE-2020-12272 spaced domain",
	  "mx; dkim=pass header.d=example.net (x) attacker.com; spf=none",
	  DMARC_OK, "mx|v1|spf=none" },
	{ "CVE-2020-12272 unterminated comment after space",
	  "mx; spf=none; dkim=pass header.d=example.net (.example.com",
	  DMARC_OK, "mx|v1|spf=none" },
	{ "ARC-A-R leading i=",
	  "i=1; mx.example.org; arc=pass smtp.remote-ip=1.2.3.4",
	  DMARC_OK, "mx.example.org|v1|arc=pass smtp.remote-ip=1.2.3.4" },
	{ "ARC-A-R leading i= with CFWS",
	  " i = 2 (x) ;mx.example.org; spf=pass smtp.mailfrom=e.example",
	  DMARC_OK, "mx.example.org|v1|spf=pass smtp.mailfrom=e.example" },
	{ "ADMD-less, method version first",
	  "dkim/1=pass header.d=example.com",
	  DMARC_OK, "(null)|v1|dkim=pass header.d=example.com" },
	{ "ADMD-less, leading ';'",
	  "; spf=pass smtp.mailfrom=example.com",
	  DMARC_OK, "(null)|v1|spf=pass smtp.mailfrom=example.com" },
	{ "malformed middle resinfo skipped",
	  "mx; spf=pass smtp.mailfrom=a.example; junk junk; dkim=pass "
	  "header.d=b.example",
	  DMARC_OK,
	  "mx|v1|spf=pass smtp.mailfrom=a.example|dkim=pass header.d=b.example" },
	{ "missing method skipped",
	  "mx; =pass; dkim=pass header.d=b.example",
	  DMARC_OK, "mx|v1|dkim=pass header.d=b.example" },
	{ "missing result skipped", "mx; dkim=; spf=pass", DMARC_OK,
	  "mx|v1|spf=pass" },
	{ "empty resinfo tolerated", "mx;; ;spf=pass;", DMARC_OK,
	  "mx|v1|spf=pass" },
	{ "junk after authserv-id, results still parsed",
	  "mx.example.org junk; spf=pass", DMARC_OK,
	  "mx.example.org|v1|spf=pass" },
	{ "quoted reason",
	  "mx; dkim=fail reason=\"signature verification failed\" "
	  "header.d=example.com",
	  DMARC_OK,
	  "mx|v1|dkim=fail reason=signature verification failed "
	  "header.d=example.com" },
	{ "IPv6 and colon values",
	  "mx; iprev=pass policy.iprev=2001:db8::1",
	  DMARC_OK, "mx|v1|iprev=pass policy.iprev=2001:db8::1" },
	{ "null sender value <>",
	  "mx; spf=none smtp.mailfrom=<> smtp.helo=h.example",
	  DMARC_OK, "mx|v1|spf=none smtp.mailfrom=<> smtp.helo=h.example" },
	{ "unterminated quoted value",
	  "mx; spf=pass smtp.mailfrom=\"abc", DMARC_ESYNTAX, NULL },
	{ "authserv-id only", "mx.example.org", DMARC_OK, "mx.example.org|v1" },
	{ "authserv-id and ';'", "mx.example.org;\r\n", DMARC_OK,
	  "mx.example.org|v1" },
	{ "authserv-id and junk", "mx.example.org junk", DMARC_ESYNTAX, NULL },
	{ "empty", "", DMARC_ESYNTAX, NULL },
	{ "whitespace only", " \r\n\t", DMARC_ESYNTAX, NULL },
	{ "comment only", "(just a comment)", DMARC_ESYNTAX, NULL },
	{ "unterminated comment", "(mx.example.org; spf=pass", DMARC_ESYNTAX,
	  NULL },
	{ "only semicolons", ";;;", DMARC_ESYNTAX, NULL },
};

/* dump - render a parse as a string, see the file header */
static void
dump(const struct dmarc_authres *ar, char *out, size_t outlen)
{
	size_t i, j, n;

	n = (size_t)snprintf(out, outlen, "%s|v%d%s",
	    ar->authserv_id ? ar->authserv_id : "(null)", ar->version,
	    ar->none ? "|none" : "");
	for (i = 0; i < ar->nresults && n < outlen; i++) {
		const struct dmarc_ar_result *r = &ar->results[i];

		n += (size_t)snprintf(out + n, outlen - n, "|%s=%s", r->method,
		    r->result);
		if (r->reason != NULL && n < outlen)
			n += (size_t)snprintf(out + n, outlen - n,
			    " reason=%s", r->reason);
		for (j = 0; j < r->nprops && n < outlen; j++)
			n += (size_t)snprintf(out + n, outlen - n, " %s.%s=%s",
			    r->props[j].ptype, r->props[j].property,
			    r->props[j].value);
	}
}

/* parse_copy - parse from an exact-size heap copy (no NUL after it) */
static int
parse_copy(const char *s, size_t len, struct dmarc_authres **ar)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, s, len);
	rc = dmarc_authres_parse(copy, len, ar);
	free(copy);
	return rc;
}

/* test_rows - the table */
static void
test_rows(void)
{
	char buf[4096], what[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct dmarc_authres *ar = NULL;
		int rc = parse_copy(rows[i].in, strlen(rows[i].in), &ar);

		snprintf(what, sizeof(what), "%s: status", rows[i].name);
		CHECK_INT(rc, rows[i].rc, what);
		snprintf(what, sizeof(what), "%s: parse", rows[i].name);
		if (rc == DMARC_OK && ar != NULL) {
			dump(ar, buf, sizeof(buf));
			CHECK_STR(buf, rows[i].dump, what);
		} else
			CHECK(ar == NULL && rows[i].dump == NULL,
			    "%s (no result)", what);
		dmarc_authres_free(ar);
	}
}

/* test_codes - result codes and the prop lookup */
static void
test_codes(void)
{
	struct dmarc_authres *ar = NULL;
	const char *in = "mx; spf=HardFail smtp.mailfrom=a.example "
	    "smtp.mailfrom=b.example; dkim=bogus header.d=x.example; "
	    "dmarc=temperror";

	CHECK_INT(dmarc_authres_parse(in, strlen(in), &ar), DMARC_OK,
	    "codes: parse");
	if (ar == NULL || ar->nresults != 3) {
		CHECK(0, "codes: three results");
		dmarc_authres_free(ar);
		return;
	}
	CHECK_INT(ar->results[0].code, DMARC_ARES_FAIL, "hardfail is fail");
	CHECK_STR(ar->results[0].result, "hardfail", "result keyword kept");
	CHECK_INT(ar->results[1].code, DMARC_ARES_UNKNOWN,
	    "unknown result is unknown, not pass");
	CHECK_INT(ar->results[2].code, DMARC_ARES_TEMPERROR, "temperror");
	CHECK_STR(dmarc_authres_prop(&ar->results[0], "SMTP", "MailFrom"),
	    "a.example", "prop lookup ignores case, first wins");
	CHECK(dmarc_authres_prop(&ar->results[0], "smtp", "helo") == NULL,
	    "absent prop is NULL");
	CHECK(dmarc_authres_prop(NULL, "smtp", "helo") == NULL,
	    "prop of NULL result is NULL");
	CHECK(ar->results[0].reason == NULL, "absent reason is NULL");
	dmarc_authres_free(ar);
}

/* test_args - argument and size errors */
static void
test_args(void)
{
	struct dmarc_authres *ar = (struct dmarc_authres *)&ar;
	char *big;
	const char nul[] = "mx; spf=pass smtp.mailfrom=a\0b.example; spf=none";

	CHECK_INT(dmarc_authres_parse("mx", 2, NULL), DMARC_EINVAL,
	    "NULL out");
	CHECK_INT(dmarc_authres_parse(NULL, 3, &ar), DMARC_EINVAL,
	    "NULL value");
	CHECK(ar == NULL, "out cleared on error");
	big = malloc(DMARC_MAXHDR + 1);
	memset(big, 'a', DMARC_MAXHDR + 1);
	CHECK_INT(dmarc_authres_parse(big, DMARC_MAXHDR + 1, &ar),
	    DMARC_ETOOBIG, "over DMARC_MAXHDR");
	free(big);
	CHECK_INT(dmarc_authres_parse(nul, sizeof(nul) - 1, &ar), DMARC_OK,
	    "embedded NUL: status");
	CHECK(ar != NULL && ar->nresults == 1 &&
	    strcmp(ar->results[0].result, "none") == 0,
	    "embedded NUL: that resinfo dropped");
	dmarc_authres_free(ar);
	dmarc_authres_free(NULL);
}

/* test_caps - 3 KiB field with many results, many properties */
static void
test_caps(void)
{
	char buf[8192];
	struct dmarc_authres *ar = NULL;
	size_t n, i;

	n = (size_t)snprintf(buf, sizeof(buf), "mx.example.org");
	for (i = 0; i < 70; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "; dkim=pass header.d=d%zu.example", i);
	CHECK(n > 2048 && n < sizeof(buf), "many results: %zu bytes", n);
	CHECK_INT(parse_copy(buf, n, &ar), DMARC_OK, "many results: status");
	CHECK_INT(ar ? ar->nresults : 0, DMARC_MAXRESULTS,
	    "many results: capped at DMARC_MAXRESULTS");
	CHECK_STR(ar ? dmarc_authres_prop(&ar->results[63], "header", "d") :
	    NULL, "d63.example", "many results: last kept is #63");
	dmarc_authres_free(ar);
	ar = NULL;

	n = (size_t)snprintf(buf, sizeof(buf), "mx; dkim=pass");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    " header.x%zu=v%zu", i, i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "; spf=pass");
	CHECK_INT(parse_copy(buf, n, &ar), DMARC_OK, "many props: status");
	CHECK_INT(ar ? ar->nresults : 0, 2, "many props: both results");
	CHECK_INT(ar ? ar->results[0].nprops : 0, DMARC_MAXPROPS,
	    "many props: capped at DMARC_MAXPROPS");
	dmarc_authres_free(ar);
}

/* test_truncation - every prefix of a sample parses or fails cleanly */
static void
test_truncation(void)
{
	const char *s = rows[0].in;
	const char *t = "(c) \"mx\\\"x\" 1; dkim/1 = pass (a (b) \\) c) "
	    "reason=\"r \\\" s\" header.d=\"q\"@example.com; spf=pass "
	    "smtp.mailfrom=<>;i=1; none";
	size_t len, bad = 0, ok = 0;
	const char *samples[2];
	size_t k;

	samples[0] = s;
	samples[1] = t;
	for (k = 0; k < 2; k++) {
		for (len = 0; len <= strlen(samples[k]); len++) {
			struct dmarc_authres *ar = NULL;
			int rc = parse_copy(samples[k], len, &ar);

			if (rc == DMARC_OK && ar != NULL)
				ok++;
			else if (rc != DMARC_ESYNTAX || ar != NULL)
				bad++;
			dmarc_authres_free(ar);
		}
	}
	CHECK_INT(bad, 0, "truncations: only OK or ESYNTAX");
	CHECK(ok > strlen(s), "truncations: most prefixes parse (%zu)", ok);
}

int
main(void)
{
	test_rows();
	test_codes();
	test_args();
	test_caps();
	test_truncation();
	return tap_done();
}
