/*
 * test_trust.c -- which upstream results count: trust, SPF, DKIM, ARC
 *
 * DESCRIPTION
 *	Each A-R row feeds its fields top-down through dmarc_authres_parse()
 *	and dmarc_authinfo_add_authres() with the trust list
 *	{ "mx.example.org", "Relay.Example.NET" } and checks every fact the
 *	struct dmarc_authinfo ends up with.  DKIM results are rendered as
 *	"domain/selector/bprefix/result;".  The Received-SPF rows build
 *	struct dmarc_rspf by hand, so this test does not depend on rspf.c.
 *	Covers CVE-2019-20790, CVE-2020-12272 and the OpenDMARC behaviours of
 *	compat section 10 done right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"

#define U	DMARC_ARES_UNDEFINED
#define MF	DMARC_SCOPE_MFROM
#define HE	DMARC_SCOPE_HELO
#define UNK	DMARC_SCOPE_UNKNOWN

static const char *const ids[] = { "mx.example.org", "Relay.Example.NET" };

struct row {
	const char	*name;
	const char	*fields[8];	/* NULL-terminated */
	const char	*envfrom;	/* NULL: unknown */
	const char	*jobid;
	int		 ignore_spf;
	const char	*dkim;
	int		 spf, scope;
	const char	*spf_domain;
	int		 spf_seen, arc_pass;
	const char	*arc_chain;
	unsigned	 ntrusted, nuntrusted;
};

static const struct row rows[] = {
	{ "full-address smtp.mailfrom credited",
	  { "mx.example.org; spf=pass smtp.mailfrom=bounce@example.com" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "bare-domain smtp.mailfrom credited",
	  { "mx.example.org; spf=pass smtp.mailfrom=example.com" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "@domain smtp.mailfrom, case-insensitive",
	  { "mx.example.org; spf=pass smtp.mailfrom=@EXAMPLE.com" },
	  "Example.COM.", NULL, 0, "",
	  DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "<address> smtp.mailfrom credited",
	  { "mx.example.org; spf=pass smtp.mailfrom=<u@example.com>" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "CVE-2019-20790: HELO-only pass, non-null sender",
	  { "mx.example.org; spf=pass smtp.helo=example.com" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "CVE-2019-20790: helo matches, mailfrom does not",
	  { "mx.example.org; spf=pass smtp.mailfrom=evil.example "
	    "smtp.helo=example.com" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "null sender: HELO result credited with scope HELO",
	  { "mx.example.org; spf=pass smtp.helo=Mail.Example.COM" },
	  "", NULL, 0, "",
	  DMARC_ARES_PASS, HE, "mail.example.com", DMARC_ARES_PASS, 0, NULL,
	  1, 0 },
	{ "null sender: mailfrom-only result not credited",
	  { "mx.example.org; spf=pass smtp.mailfrom=example.com" },
	  "", NULL, 0, "",
	  U, UNK, "", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "real code kept: softfail",
	  { "mx.example.org; spf=softfail smtp.mailfrom=example.com" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_SOFTFAIL, MF, "example.com", DMARC_ARES_SOFTFAIL, 0, NULL,
	  1, 0 },
	{ "hardfail alias is fail, unknown keyword is permerror",
	  { "mx.example.org; spf=hardfail smtp.mailfrom=example.com",
	    "mx.example.org; spf=bogus smtp.mailfrom=example.com" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_FAIL, MF, "example.com", DMARC_ARES_FAIL, 0, NULL, 2, 0 },
	{ "unknown keyword alone is permerror, never pass",
	  { "mx.example.org; spf=bogus smtp.mailfrom=example.com" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_PERMERROR, MF, "example.com", DMARC_ARES_PERMERROR, 0,
	  NULL, 1, 0 },
	{ "first credited field wins (topmost)",
	  { "mx.example.org; spf=fail smtp.mailfrom=example.com",
	    "relay.example.net; spf=pass smtp.mailfrom=example.com" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_FAIL, MF, "example.com", DMARC_ARES_FAIL, 0, NULL, 2, 0 },
	{ "non-matching mailfrom, then a matching one",
	  { "mx.example.org; spf=pass smtp.mailfrom=other.example; "
	    "spf=temperror smtp.mailfrom=x@example.com" },
	  "example.com", NULL, 0, "",
	  DMARC_ARES_TEMPERROR, MF, "example.com", DMARC_ARES_TEMPERROR, 0,
	  NULL, 1, 0 },
	{ "unknown envelope domain: nothing credited",
	  { "mx.example.org; spf=pass smtp.mailfrom=example.com" },
	  NULL, NULL, 0, "",
	  U, UNK, "", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "untrusted field ignored",
	  { "evil.example; spf=pass smtp.mailfrom=example.com; dkim=pass "
	    "header.d=example.com; arc=pass" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", U, 0, NULL, 0, 1 },
	{ "trusted id as a suffix is not trusted",
	  { "evil.mx.example.org; dkim=pass header.d=example.com",
	    "mx.example.org.evil; dkim=pass header.d=example.com" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", U, 0, NULL, 0, 2 },
	{ "Office 365 ADMD-less field never trusted",
	  { "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=example.com; "
	    "dkim=pass (signature was verified) header.d=example.com" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", U, 0, NULL, 0, 1 },
	{ "case-insensitive TrustedAuthservIDs",
	  { "MX.EXAMPLE.ORG; dkim=pass header.d=a.example",
	    "relay.example.net; dkim=fail header.d=B.example header.s=sel "
	    "header.b=abc" },
	  "example.com", NULL, 0, "a.example///pass;b.example/sel/abc/fail;",
	  U, UNK, "", U, 0, NULL, 2, 0 },
	{ "AuthservIDWithJobID: only the exact jobid",
	  { "mx.example.org/JOB1; dkim=pass header.d=a.example",
	    "mx.example.org/JOB2; dkim=pass header.d=b.example",
	    "\"mx.example.org/job1\"; dkim=pass header.d=c.example",
	    "mx.example.org; dkim=pass header.d=d.example" },
	  "example.com", "JOB1", 0, "a.example///pass;d.example///pass;",
	  U, UNK, "", U, 0, NULL, 2, 2 },
	{ "no jobid configured: id/jobid not trusted",
	  { "mx.example.org/JOB1; dkim=pass header.d=a.example" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", U, 0, NULL, 0, 1 },
	{ "header.i-only DKIM kept",
	  { "mx.example.org; dkim=pass header.i=user@Sub.Example.com "
	    "header.s=s1; dkim=pass header.i=@example.com; "
	    "dkim=pass header.i=nodomain" },
	  "example.com", NULL, 0,
	  "sub.example.com/s1//pass;example.com///pass;",
	  U, UNK, "", U, 0, NULL, 1, 0 },
	{ "header.d preferred over header.i",
	  { "mx.example.org; dkim=pass header.i=@a.example header.d=b.example" },
	  "example.com", NULL, 0, "b.example///pass;",
	  U, UNK, "", U, 0, NULL, 1, 0 },
	{ "any DKIM result kept; selector and header.b validated",
	  { "mx.example.org; dkim=fail header.d=example.com "
	    "header.s=\"bad sel\" header.b=ABCdef+/0123456789xyz; "
	    "dkim=neutral header.d=example.com header.s=good_sel.1 "
	    "header.b=\"ab$cd\"; dkim=temperror header.d=example.com "
	    "header.s=s;x" },
	  "example.com", NULL, 0,
	  "example.com//ABCdef+/0123456/fail;example.com/good_sel.1//neutral;"
	  "example.com/s//temperror;",
	  U, UNK, "", U, 0, NULL, 1, 0 },
	{ "unknown ptype does not void the field",
	  { "mx.example.org; dkim=pass x-foo.bar=1 header.d=example.com; "
	    "spf=pass smtp.mailfrom=example.com" },
	  "example.com", NULL, 0, "example.com///pass;",
	  DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS, 0, NULL, 1, 0 },
	{ "CVE-2020-12272: exploit strings never give example.net",
	  { "mx.example.org; spf=none smtp.mailfrom=x.example; "
	    "dkim=pass header.d=example.net(.example.com; "
	    "spf=pass smtp.mailfrom=example.net(.example.com",
	    "mx.example.org; dkim=pass header.d=example.net(x).example.com; "
	    "dkim=pass header.d=example.net (x) .example.com; "
	    "dkim=pass header.d=\"example.net(.example.com\"; "
	    "dkim=pass header.d=exa_mple.net; dkim=pass header.d=example..net;"
	    " dkim=pass header.d=example.net (x) example.com; "
	    "dkim=pass header.d=example.net(.example.com) header.s=s; "
	    "dkim=pass header.i=u@example.net(x) header.s=s; "
	    "dkim=pass header.d=example.net\\(.example.com",
	    "mx.example.org; dkim=pass header.i=u@example.net(.example.com",
	    "mx.example.org; spf=pass smtp.mailfrom=u@example.net(.example.com",
	    "mx.example.org; spf=pass smtp.mailfrom=u@example.net(x.example)" },
	  "example.net", NULL, 0, "",
	  U, UNK, "", DMARC_ARES_NONE, 0, NULL, 2, 0 },
	{ "ignore_spf: SPF untouched, DKIM kept",
	  { "mx.example.org; spf=pass smtp.mailfrom=example.com; dkim=pass "
	    "header.d=example.com" },
	  "example.com", NULL, 1, "example.com///pass;",
	  U, UNK, "", U, 0, NULL, 1, 0 },
	{ "arc=pass with arc.chain",
	  { "mx.example.org; arc=pass (chain ok) arc.chain=a.com:b.net" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", U, 1, "a.com:b.net", 1, 0 },
	{ "second arc=pass: ambiguous count kept, first chain",
	  { "mx.example.org; arc=pass arc.chain=a.com",
	    "evil.example; arc=pass arc.chain=evil.example",
	    "relay.example.net; arc=fail arc.chain=x.example",
	    "relay.example.net; arc=pass arc.chain=c.com" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", U, 2, "a.com", 3, 1 },
	{ "no-result field is trusted and empty",
	  { "mx.example.org; none" },
	  "example.com", NULL, 0, "",
	  U, UNK, "", U, 0, NULL, 1, 0 },
};

/* dump_dkim - "domain/selector/bprefix/result;" per kept result */
static void
dump_dkim(const struct dmarc_authinfo *ai, char *out, size_t outlen)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < ai->ndkim && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s/%s/%s/%s;",
		    ai->dkim[i].domain, ai->dkim[i].selector,
		    ai->dkim[i].bprefix, dmarc_ares_name(ai->dkim[i].result));
}

/* check - compare one row's expectations */
static void
check(const struct row *r, const struct dmarc_authinfo *ai)
{
	char buf[2048], what[256];

	dump_dkim(ai, buf, sizeof(buf));
#define W(s) (snprintf(what, sizeof(what), "%s: %s", r->name, s), what)
	CHECK_STR(buf, r->dkim, W("dkim"));
	CHECK_INT(ai->spf.result, r->spf, W("spf result"));
	CHECK_INT(ai->spf.scope, r->scope, W("spf scope"));
	CHECK_STR(ai->spf.domain, r->spf_domain, W("spf domain"));
	CHECK_INT(ai->spf_seen, r->spf_seen, W("spf seen"));
	CHECK_INT(ai->arc_pass, r->arc_pass, W("arc pass count"));
	CHECK_STR(ai->arc_chain, r->arc_chain, W("arc chain"));
	CHECK_INT(ai->ntrusted, r->ntrusted, W("trusted"));
	CHECK_INT(ai->nuntrusted, r->nuntrusted, W("untrusted"));
	if (r->spf != U)
		CHECK_INT(ai->spf.source, DMARC_SRC_AUTHRES, W("spf source"));
#undef W
}

/* test_rows - the A-R table */
static void
test_rows(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct dmarc_trust trust = { ids, 2, r->jobid, r->ignore_spf };
		struct dmarc_authinfo ai;

		memset(&ai, 0, sizeof(ai));
		dmarc_authinfo_clear(&ai);
		for (j = 0; r->fields[j] != NULL; j++) {
			struct dmarc_authres *ar = NULL;

			if (dmarc_authres_parse(r->fields[j],
			    strlen(r->fields[j]), &ar) == DMARC_OK)
				dmarc_authinfo_add_authres(&ai, &trust, ar,
				    r->envfrom);
			dmarc_authres_free(ar);
		}
		check(r, &ai);
		dmarc_authinfo_clear(&ai);
	}
}

struct rrow {
	const char	*name;
	enum dmarc_ares	 result;
	const char	*identity, *envelope_from, *helo;
	const char	*envfrom;
	int		 ignore_spf, preset;	/* preset: A-R SPF fail known */
	int		 rc, spf, scope;
	const char	*domain;
	int		 seen;
};

static const struct rrow rrows[] = {
	{ "mailfrom matches", DMARC_ARES_PASS, "mailfrom", "u@example.com",
	  "mx.example.com", "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS },
	{ "VERP envelope-from", DMARC_ARES_PASS, "mailfrom",
	  "bounce+user=dest.example@example.com", NULL, "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS },
	{ "case-insensitive identity and domain", DMARC_ARES_PASS, "MailFrom",
	  "USER@EXAMPLE.COM", NULL, "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_PASS, MF, "example.com", DMARC_ARES_PASS },
	{ "softfail kept", DMARC_ARES_SOFTFAIL, "mailfrom", "u@example.com",
	  NULL, "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_SOFTFAIL, MF, "example.com",
	  DMARC_ARES_SOFTFAIL },
	{ "CVE-2019-20790: identity=helo, non-null sender", DMARC_ARES_PASS,
	  "helo", "u@example.com", "example.com", "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_NEUTRAL, MF, "example.com", DMARC_ARES_PASS },
	{ "no identity key", DMARC_ARES_PASS, NULL, "u@example.com", NULL,
	  "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_NEUTRAL, MF, "example.com", DMARC_ARES_PASS },
	{ "no envelope-from key", DMARC_ARES_PASS, "mailfrom", NULL, NULL,
	  "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_NEUTRAL, MF, "example.com", DMARC_ARES_PASS },
	{ "other envelope domain", DMARC_ARES_PASS, "mailfrom",
	  "u@evil.example", NULL, "example.com", 0, 0,
	  DMARC_OK, DMARC_ARES_NEUTRAL, MF, "example.com", DMARC_ARES_PASS },
	{ "null sender, identity=helo", DMARC_ARES_PASS, "helo", "<>",
	  "MX.example.com", "", 0, 0,
	  DMARC_OK, DMARC_ARES_PASS, HE, "mx.example.com", DMARC_ARES_PASS },
	{ "null sender, identity=mailfrom", DMARC_ARES_PASS, "mailfrom",
	  "postmaster@mx.example.com", "mx.example.com", "", 0, 0,
	  DMARC_OK, DMARC_ARES_NEUTRAL, MF, "", DMARC_ARES_PASS },
	{ "null sender, invalid helo", DMARC_ARES_PASS, "helo", NULL,
	  "[192.0.2.1]", "", 0, 0,
	  DMARC_OK, DMARC_ARES_NEUTRAL, MF, "", DMARC_ARES_PASS },
	{ "SPFIgnoreResults", DMARC_ARES_PASS, "mailfrom", "u@example.com",
	  NULL, "example.com", 1, 0,
	  DMARC_ENOTFOUND, U, UNK, "", U },
	{ "SPF already known from A-R", DMARC_ARES_PASS, "mailfrom",
	  "u@example.com", NULL, "example.com", 0, 1,
	  DMARC_ENOTFOUND, DMARC_ARES_FAIL, MF, "example.com",
	  DMARC_ARES_FAIL },
};

/* test_rspf - the Received-SPF table */
static void
test_rspf(void)
{
	const char *pre = "mx.example.org; spf=fail smtp.mailfrom=example.com";
	char what[256];
	size_t i;

	for (i = 0; i < sizeof(rrows) / sizeof(rrows[0]); i++) {
		const struct rrow *r = &rrows[i];
		struct dmarc_trust trust = { ids, 2, NULL, r->ignore_spf };
		struct dmarc_rspf rs = { r->result, (char *)r->identity,
		    (char *)r->envelope_from, (char *)r->helo, NULL, NULL };
		struct dmarc_authinfo ai;
		int rc;

		memset(&ai, 0, sizeof(ai));
		dmarc_authinfo_clear(&ai);
		if (r->preset) {
			struct dmarc_authres *ar = NULL;

			dmarc_authres_parse(pre, strlen(pre), &ar);
			dmarc_authinfo_add_authres(&ai, &trust, ar, r->envfrom);
			dmarc_authres_free(ar);
		}
		rc = dmarc_authinfo_add_rspf(&ai, &trust, &rs, r->envfrom);
#define W(s) (snprintf(what, sizeof(what), "rspf %s: %s", r->name, s), what)
		CHECK_INT(rc, r->rc, W("status"));
		CHECK_INT(ai.spf.result, r->spf, W("result"));
		CHECK_INT(ai.spf.scope, r->scope, W("scope"));
		CHECK_STR(ai.spf.domain, r->domain, W("domain"));
		CHECK_INT(ai.spf_seen, r->seen, W("seen"));
		if (r->rc == DMARC_OK)
			CHECK_INT(ai.spf.source, DMARC_SRC_RSPF, W("source"));
#undef W
		dmarc_authinfo_clear(&ai);
	}
}

/* test_clear - the canonical empty state, caps and bad arguments */
static void
test_clear(void)
{
	struct dmarc_trust trust = { ids, 2, NULL, 0 };
	struct dmarc_authinfo ai;
	struct dmarc_authres *ar = NULL;
	struct dmarc_rspf rs = { DMARC_ARES_PASS, NULL, NULL, NULL, NULL,
	    NULL };
	char buf[4096];
	size_t n, i, k;

	memset(&ai, 0, sizeof(ai));
	dmarc_authinfo_clear(&ai);
	CHECK_INT(ai.spf.result, U, "clear: spf undefined");
	CHECK_INT(ai.spf.scope, UNK, "clear: scope unknown");
	CHECK_INT(ai.spf_seen, U, "clear: seen undefined");
	CHECK(ai.ndkim == 0 && ai.arc_chain == NULL && ai.ntrusted == 0,
	    "clear: empty");
	for (k = 0; k < 3; k++) {
		n = (size_t)snprintf(buf, sizeof(buf), "mx.example.org");
		for (i = 0; i < 50; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "; dkim=pass header.d=d%zu.example", i);
		dmarc_authres_parse(buf, n, &ar);
		dmarc_authinfo_add_authres(&ai, &trust, ar, "example.com");
		dmarc_authres_free(ar);
		ar = NULL;
	}
	CHECK_INT(ai.ndkim, DMARC_MAXDKIM, "DKIM results capped");
	dmarc_authres_parse("mx.example.org; arc=pass arc.chain=a.b", 38, &ar);
	dmarc_authinfo_add_authres(&ai, &trust, ar, "example.com");
	CHECK_STR(ai.arc_chain, "a.b", "arc chain recorded");
	dmarc_authinfo_clear(&ai);
	CHECK(ai.arc_chain == NULL && ai.ndkim == 0 && ai.arc_pass == 0,
	    "clear frees and empties");
	CHECK_INT(dmarc_authinfo_add_authres(NULL, &trust, ar, ""),
	    DMARC_EINVAL, "NULL authinfo");
	CHECK_INT(dmarc_authinfo_add_authres(&ai, NULL, ar, ""),
	    DMARC_EINVAL, "NULL trust");
	CHECK_INT(dmarc_authinfo_add_rspf(&ai, &trust, NULL, ""),
	    DMARC_EINVAL, "NULL rspf");
	CHECK_INT(dmarc_authinfo_add_authres(&ai, &trust, ar, ""), DMARC_OK,
	    "trusted field returns OK");
	trust.nauthserv_ids = 0;
	CHECK_INT(dmarc_authinfo_add_authres(&ai, &trust, ar, ""),
	    DMARC_ENOTFOUND, "empty trust list trusts nothing");
	CHECK_INT(dmarc_authinfo_add_rspf(&ai, &trust, &rs, "example.com"),
	    DMARC_OK, "rspf without keys is used");
	CHECK_INT(ai.spf.result, DMARC_ARES_NEUTRAL, "... as neutral");
	dmarc_authres_free(ar);
	dmarc_authinfo_clear(&ai);
	dmarc_authinfo_clear(NULL);
}

int
main(void)
{
	test_rows();
	test_rspf();
	test_clear();
	return tap_done();
}
