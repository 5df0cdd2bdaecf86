/*
 * test_policy.c -- dmarc_evaluate() and dmarc_aligned() against a fake DNS
 *
 * DESCRIPTION
 *	Table-driven: each case names a DNS fixture (an in-memory list of
 *	name/outcome/TXT rows behind struct dmarc_resolver), the author
 *	domains, the SPF and DKIM facts, and the verdict expected.  The
 *	organizational-domain hook is a small suffix table standing in for
 *	the PSL (co.uk, com, example, bank.example are public suffixes).
 *	Covers standards.md TV4-TV7, TV10, TV12, TV13, RFC 7489 pct sampling
 *	and the OpenDMARC defects that are evaluation bugs (compat 10/11):
 *	SERVFAIL failing open, strict alignment through the PSL, multi-From
 *	evaluated on one domain only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"
#include "tests/unit/fakedns.h"

/* fake_org - registrable domain under a tiny suffix list */
static int
fake_org(void *arg, const char *name, char *out, size_t outlen)
{
	static const char *const suffixes[] = { "co.uk", "com", "net", "org",
	    "example", "bank.example", "uk", NULL };
	const char *p = name, *best = NULL;
	size_t i;

	/* the longest suffix that matches decides; org = one label more */
	for (p = name; p != NULL; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
		for (i = 0; suffixes[i] != NULL; i++)
			if (strcmp(p, suffixes[i]) == 0)
				break;
		if (suffixes[i] != NULL) {
			best = p;
			break;
		}
		if (strchr(p, '.') == NULL)
			break;
	}
	if (best == NULL || best == name) {
		snprintf(out, outlen, "%s", name);
		return DMARC_OK;
	}
	/* walk back one label from best */
	p = best - 1;
	while (p > name && p[-1] != '.')
		p--;
	snprintf(out, outlen, "%s", p);
	return DMARC_OK;
}

struct tcase {
	const char	*what;
	const struct row *dns;
	enum dmarc_profile profile;
	const char	*from[3];
	const char	*envfrom;
	enum dmarc_ares	 spf;
	enum dmarc_spf_scope spf_scope;
	const char	*spf_domain;
	const char	*dkim_d[2];
	enum dmarc_ares	 dkim_res[2];
	unsigned	 roll;
	/* expected */
	enum dmarc_result result;
	enum dmarc_disposition dis;
	const char	*pdomain;
	char		 tag;
	unsigned	 reasons;
	int		 worst;
};

#define P(x) DMARC_ARES_##x

static const struct row dns_basic[] = {
	{ "_dmarc.example.com", DMARC_DNS_DATA,
	    { "v=DMARC1; p=reject; sp=quarantine; np=none; rua=mailto:a@example.com" } },
	{ "A:real.example.com", DMARC_DNS_DATA, { NULL } },
	{ "_dmarc.test.example.com", DMARC_DNS_DATA, { "v=DMARC1; p=reject; t=y" } },
	{ "_dmarc.none.org", DMARC_DNS_DATA, { "v=DMARC1; p=none" } },
	{ "_dmarc.two.org", DMARC_DNS_DATA,
	    { "v=DMARC1; p=reject", "v=DMARC1; p=none" } },
	{ "_dmarc.mixed.org", DMARC_DNS_DATA,
	    { "v=spf1 -all", "v=DMARC1; p=quarantine" } },
	{ "_dmarc.ruaonly.org", DMARC_DNS_DATA,
	    { "v=DMARC1; rua=mailto:r@ruaonly.org" } },
	{ "_dmarc.bogus.org", DMARC_DNS_DATA, { "v=DMARC1; p=bogus" } },
	{ "_dmarc.broken.net", DMARC_DNS_SERVFAIL, { NULL } },
	{ "_dmarc.slow.net", DMARC_DNS_TIMEOUT, { NULL } },
	{ "_dmarc.strict.org", DMARC_DNS_DATA, { "v=DMARC1; p=reject; adkim=s; aspf=s" } },
	{ "_dmarc.pct.org", DMARC_DNS_DATA, { "v=DMARC1; p=reject; pct=50" } },
	{ "_dmarc.pctq.org", DMARC_DNS_DATA, { "v=DMARC1; p=quarantine; pct=0" } },
	{ "_dmarc.npfail.org", DMARC_DNS_DATA, { "v=DMARC1; p=none; sp=none; np=reject" } },
	{ "X:a.npfail.org", DMARC_DNS_SERVFAIL, { NULL } },
	{ "_dmarc.example.co.uk", DMARC_DNS_DATA, { "v=DMARC1; p=quarantine" } },
	{ "_dmarc.V.org", DMARC_DNS_DATA, { "v=DMARC1; p=reject" } },
	{ NULL, 0, { NULL } }
};

static const struct tcase cases[] = {
	{ "TV4 p at the org domain itself", dns_basic, DMARC_RFC9989,
	  { "example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "example.com", 'p', 0, 0 },
	{ "TV4 sp for an existing subdomain", dns_basic, DMARC_RFC9989,
	  { "real.example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_QUARANTINE, "example.com", 's', 0, 0 },
	{ "TV4 np for a non-existent subdomain", dns_basic, DMARC_RFC9989,
	  { "ghost.example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_NONE, "example.com", 'n', 0, 0 },
	{ "np not used under RFC 7489", dns_basic, DMARC_RFC7489,
	  { "ghost.example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_QUARANTINE, "example.com", 's', 0, 0 },
	{ "TV5 t=y steps reject down to quarantine", dns_basic, DMARC_RFC9989,
	  { "test.example.com" }, "", P(NONE), DMARC_SCOPE_UNKNOWN, "",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_QUARANTINE, "test.example.com", 'p',
	  DMARC_REASON_TEST_MODE, 0 },
	{ "TV6 two DMARC records at one name mean none there", dns_basic,
	  DMARC_RFC9989, { "two.org" }, "two.org", P(PASS), DMARC_SCOPE_MFROM,
	  "two.org", { NULL }, { 0 }, 0,
	  DMARC_RESULT_NONE, DMARC_DIS_NONE, "", 0, 0, 0 },
	{ "non-DMARC TXT beside one DMARC record is fine", dns_basic,
	  DMARC_RFC9989, { "mixed.org" }, "x.net", P(NONE), DMARC_SCOPE_MFROM,
	  "x.net", { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_QUARANTINE, "mixed.org", 'p', 0, 0 },
	{ "TV7 no p but a valid rua acts as p=none", dns_basic, DMARC_RFC9989,
	  { "ruaonly.org" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_NONE, "ruaonly.org", 'p', 0, 0 },
	{ "TV7 p=bogus without rua: no DMARC processing (permerror)",
	  dns_basic, DMARC_RFC9989, { "bogus.org" }, "x.net", P(NONE),
	  DMARC_SCOPE_MFROM, "x.net", { NULL }, { 0 }, 0,
	  DMARC_RESULT_PERMERROR, DMARC_DIS_NONE, "bogus.org", 'p', 0, 0 },
	{ "TV10 SERVFAIL is temperror, never none (OpenDMARC failed open)",
	  dns_basic, DMARC_RFC9989, { "broken.net" }, "broken.net", P(PASS),
	  DMARC_SCOPE_MFROM, "broken.net", { NULL }, { 0 }, 0,
	  DMARC_RESULT_TEMPERROR, DMARC_DIS_NONE, "", 0, 0, 0 },
	{ "timeout is temperror", dns_basic, DMARC_RFC9989, { "slow.net" },
	  "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net", { NULL }, { 0 }, 0,
	  DMARC_RESULT_TEMPERROR, DMARC_DIS_NONE, "", 0, 0, 0 },
	{ "SERVFAIL of the org-domain query is temperror too", dns_basic,
	  DMARC_RFC9989, { "mail.broken.net" }, "x.net", P(NONE),
	  DMARC_SCOPE_MFROM, "x.net", { NULL }, { 0 }, 0,
	  DMARC_RESULT_TEMPERROR, DMARC_DIS_NONE, "", 0, 0, 0 },
	{ "np existence SERVFAIL is temperror", dns_basic, DMARC_RFC9989,
	  { "a.npfail.org" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_TEMPERROR, DMARC_DIS_NONE, "npfail.org", 's', 0, 0 },
	{ "TV12 strict adkim: subdomain d= does not align", dns_basic,
	  DMARC_RFC9989, { "strict.org" }, "x.net", P(NONE), DMARC_SCOPE_MFROM,
	  "x.net", { "sub.strict.org" }, { P(PASS) }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "strict.org", 'p', 0, 0 },
	{ "TV12 strict aspf: subdomain MAIL FROM does not align", dns_basic,
	  DMARC_RFC9989, { "strict.org" }, "b.strict.org", P(PASS),
	  DMARC_SCOPE_MFROM, "b.strict.org", { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "strict.org", 'p', 0, 0 },
	{ "relaxed: subdomain d= aligns", dns_basic, DMARC_RFC9989,
	  { "example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { "mail.example.com" }, { P(PASS) }, 0,
	  DMARC_RESULT_PASS, DMARC_DIS_PASS, "example.com", 'p', 0, 0 },
	{ "relaxed: sibling under co.uk does not align", dns_basic,
	  DMARC_RFC9989, { "example.co.uk" }, "x.net", P(NONE),
	  DMARC_SCOPE_MFROM, "x.net", { "other.co.uk" }, { P(PASS) }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_QUARANTINE, "example.co.uk", 'p', 0, 0 },
	{ "failing aligned DKIM does not pass", dns_basic, DMARC_RFC9989,
	  { "example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { "example.com" }, { P(FAIL) }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "example.com", 'p', 0, 0 },
	{ "second DKIM signature aligned and passing wins", dns_basic,
	  DMARC_RFC9989, { "example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM,
	  "x.net", { "esp.net", "example.com" }, { P(PASS), P(PASS) }, 0,
	  DMARC_RESULT_PASS, DMARC_DIS_PASS, "example.com", 'p', 0, 0 },
	{ "aligned DKIM temperror without a pass is temperror", dns_basic,
	  DMARC_RFC9989, { "example.com" }, "x.net", P(NONE), DMARC_SCOPE_MFROM,
	  "x.net", { "example.com" }, { P(TEMPERROR) }, 0,
	  DMARC_RESULT_TEMPERROR, DMARC_DIS_NONE, "example.com", 'p', 0, 0 },
	{ "SPF pass aligned", dns_basic, DMARC_RFC9989, { "example.com" },
	  "bounce.example.com", P(PASS), DMARC_SCOPE_MFROM, "bounce.example.com",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_PASS, DMARC_DIS_PASS, "example.com", 'p', 0, 0 },
	{ "SPF softfail does not pass", dns_basic, DMARC_RFC9989,
	  { "example.com" }, "example.com", P(SOFTFAIL), DMARC_SCOPE_MFROM,
	  "example.com", { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "example.com", 'p', 0, 0 },
	{ "CVE-2019-20790: HELO pass with a real sender does not count",
	  dns_basic, DMARC_RFC9989, { "example.com" }, "evil.net", P(PASS),
	  DMARC_SCOPE_HELO, "example.com", { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "example.com", 'p', 0, 0 },
	{ "HELO pass counts for the null sender", dns_basic, DMARC_RFC9989,
	  { "example.com" }, "", P(PASS), DMARC_SCOPE_HELO, "mx.example.com",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_PASS, DMARC_DIS_PASS, "example.com", 'p', 0, 0 },
	{ "p=none pass is disposition none", dns_basic, DMARC_RFC9989,
	  { "none.org" }, "none.org", P(PASS), DMARC_SCOPE_MFROM, "none.org",
	  { NULL }, { 0 }, 0,
	  DMARC_RESULT_PASS, DMARC_DIS_NONE, "none.org", 'p', 0, 0 },
	{ "RFC 7489 has no pass disposition", dns_basic, DMARC_RFC7489,
	  { "example.com" }, "example.com", P(PASS), DMARC_SCOPE_MFROM,
	  "example.com", { NULL }, { 0 }, 0,
	  DMARC_RESULT_PASS, DMARC_DIS_NONE, "example.com", 'p', 0, 0 },
	{ "7489 pct=50, roll 30: in sample, reject", dns_basic, DMARC_RFC7489,
	  { "pct.org" }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net",
	  { NULL }, { 0 }, 30,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "pct.org", 'p', 0, 0 },
	{ "7489 pct=50, roll 70: sampled out, quarantine", dns_basic,
	  DMARC_RFC7489, { "pct.org" }, "x.net", P(NONE), DMARC_SCOPE_MFROM,
	  "x.net", { NULL }, { 0 }, 70,
	  DMARC_RESULT_FAIL, DMARC_DIS_QUARANTINE, "pct.org", 'p',
	  DMARC_REASON_SAMPLED_OUT, 0 },
	{ "7489 pct=0 quarantine: sampled out to none", dns_basic,
	  DMARC_RFC7489, { "pctq.org" }, "x.net", P(NONE), DMARC_SCOPE_MFROM,
	  "x.net", { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_NONE, "pctq.org", 'p',
	  DMARC_REASON_SAMPLED_OUT, 0 },
	{ "RFC 9989 ignores pct", dns_basic, DMARC_RFC9989, { "pct.org" },
	  "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net", { NULL }, { 0 }, 99,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "pct.org", 'p', 0, 0 },
	{ "no record anywhere", dns_basic, DMARC_RFC9989, { "nothing.org" },
	  "nothing.org", P(PASS), DMARC_SCOPE_MFROM, "nothing.org", { NULL },
	  { 0 }, 0, DMARC_RESULT_NONE, DMARC_DIS_NONE, "", 0, 0, 0 },
	{ "TV13 multi-From: the failing reject domain wins over a pass",
	  dns_basic, DMARC_RFC9989, { "none.org", "example.com" }, "none.org",
	  P(PASS), DMARC_SCOPE_MFROM, "none.org", { NULL }, { 0 }, 0,
	  DMARC_RESULT_FAIL, DMARC_DIS_REJECT, "example.com", 'p', 0, 1 },
	{ "TV13 multi-From: temperror beats fail under p=none", dns_basic,
	  DMARC_RFC9989, { "none.org", "broken.net" }, "x.net", P(NONE),
	  DMARC_SCOPE_MFROM, "x.net", { NULL }, { 0 }, 0,
	  DMARC_RESULT_TEMPERROR, DMARC_DIS_NONE, "", 0, 0, 1 },
	{ "no author domain at all is permerror", dns_basic, DMARC_RFC9989,
	  { NULL }, "x.net", P(NONE), DMARC_SCOPE_MFROM, "x.net", { NULL },
	  { 0 }, 0, DMARC_RESULT_PERMERROR, DMARC_DIS_NONE, "", 0, 0, 0 },
};

/* run_case - evaluate one table row and compare */
static void
run_case(const struct tcase *t)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_orgdomain od = { fake_org, NULL };
	struct dmarc_options opt;
	struct dmarc_input in;
	struct dmarc_from from;
	struct dmarc_authinfo ai;
	struct dmarc_eval *ev = NULL;
	const struct dmarc_verdict *v;
	char what[256];
	size_t i;

	fixture = t->dns;
	memset(&opt, 0, sizeof(opt));
	opt.profile = t->profile;
	opt.discovery = DMARC_DISCOVERY_PSL;
	opt.resolver = &res;
	opt.orgdomain = &od;
	memset(&from, 0, sizeof(from));
	for (i = 0; i < 3 && t->from[i] != NULL; i++)
		from.domains[from.ndomains++] = (char *)t->from[i];
	memset(&ai, 0, sizeof(ai));
	ai.spf.result = t->spf;
	ai.spf.scope = t->spf_scope;
	snprintf(ai.spf.domain, sizeof(ai.spf.domain), "%s", t->spf_domain);
	for (i = 0; i < 2 && t->dkim_d[i] != NULL; i++) {
		snprintf(ai.dkim[i].domain, sizeof(ai.dkim[i].domain), "%s",
		    t->dkim_d[i]);
		ai.dkim[i].result = t->dkim_res[i];
		ai.ndkim++;
	}
	memset(&in, 0, sizeof(in));
	in.from = &from;
	in.envfrom_domain = t->envfrom;
	in.auth = &ai;
	in.pct_roll = t->roll;
	if (!CHECK(dmarc_evaluate(&opt, &in, &ev) == DMARC_OK, "%s: evaluates",
	    t->what))
		return;
	snprintf(what, sizeof(what), "%s: worst verdict", t->what);
	CHECK_INT(ev->worst, t->worst, what);
	v = &ev->v[ev->worst];
	snprintf(what, sizeof(what), "%s: result", t->what);
	CHECK_STR(dmarc_result_name(v->result), dmarc_result_name(t->result),
	    what);
	snprintf(what, sizeof(what), "%s: disposition", t->what);
	CHECK_STR(dmarc_disposition_name(v->disposition),
	    dmarc_disposition_name(t->dis), what);
	snprintf(what, sizeof(what), "%s: policy domain", t->what);
	CHECK_STR(v->policy_domain, t->pdomain, what);
	snprintf(what, sizeof(what), "%s: tag", t->what);
	CHECK_INT(v->tag, t->tag, what);
	snprintf(what, sizeof(what), "%s: reasons", t->what);
	CHECK_INT(v->reasons, t->reasons, what);
	dmarc_eval_free(ev);
}

/* test_query_counts - D-20: at most two queries in PSL mode */
static void
test_query_counts(void)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_orgdomain od = { fake_org, NULL };
	struct dmarc_options opt = { DMARC_RFC7489, DMARC_DISCOVERY_PSL, &res,
	    &od, 0 };
	struct dmarc_from from;
	struct dmarc_authinfo ai;
	struct dmarc_input in;
	struct dmarc_eval *ev;

	fixture = dns_basic;
	memset(&from, 0, sizeof(from));
	memset(&ai, 0, sizeof(ai));
	ai.spf.result = DMARC_ARES_UNDEFINED;
	from.domains[0] = "a.b.c.d.nothing.org";
	from.ndomains = 1;
	memset(&in, 0, sizeof(in));
	in.from = &from;
	in.envfrom_domain = "";
	in.auth = &ai;
	nqueries = 0;
	CHECK(dmarc_evaluate(&opt, &in, &ev) == DMARC_OK, "deep name evaluates");
	CHECK_INT(nqueries, 2, "PSL discovery: author, then org domain only");
	CHECK_INT(ev->v[0].nqueries, 2, "verdict counts its queries");
	dmarc_eval_free(ev);
}

/* test_cap - more author domains than the cap: permerror, never skipped */
static void
test_cap(void)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_options opt = { DMARC_RFC9989, DMARC_DISCOVERY_PSL, &res,
	    NULL, 2 };
	struct dmarc_from from;
	struct dmarc_authinfo ai;
	struct dmarc_input in;
	struct dmarc_eval *ev;

	fixture = dns_basic;
	memset(&ai, 0, sizeof(ai));
	ai.spf.result = DMARC_ARES_PASS;
	ai.spf.scope = DMARC_SCOPE_MFROM;
	snprintf(ai.spf.domain, sizeof(ai.spf.domain), "none.org");
	memset(&from, 0, sizeof(from));
	from.domains[0] = "none.org";
	from.domains[1] = "nothing.org";
	from.domains[2] = "example.com";
	from.ndomains = 3;
	memset(&in, 0, sizeof(in));
	in.from = &from;
	in.envfrom_domain = "none.org";
	in.auth = &ai;
	CHECK(dmarc_evaluate(&opt, &in, &ev) == DMARC_OK, "capped evaluates");
	CHECK(ev->incomplete, "evaluation marked incomplete");
	CHECK_INT(ev->n, 3, "two verdicts plus one for the rest");
	CHECK_STR(dmarc_result_name(ev->v[0].result), "pass",
	    "first domain passes");
	CHECK_STR(dmarc_result_name(ev->v[ev->worst].result), "permerror",
	    "skipped domains make a passing message permerror");
	CHECK_STR(ev->v[2].author, "example.com", "first skipped domain named");
	dmarc_eval_free(ev);
}

/* counting_org - fake_org, each name asked for appended to arg */
static int
counting_org(void *arg, const char *name, char *out, size_t outlen)
{
	char *asked = arg;
	size_t n = strlen(asked);

	snprintf(asked + n, 256 - n, "%s ", name);
	return fake_org(NULL, name, out, outlen);
}

/*
 * test_aligned_lookups - the identifier is looked up only when the
 * author's organizational domain is it or above it
 */
static void
test_aligned_lookups(void)
{
	char asked[256] = "";
	struct dmarc_orgdomain od = { counting_org, asked };

	CHECK(!dmarc_aligned("bounces.esp.com", "example.com", 'r', &od),
	    "relaxed: unrelated names under one TLD do not align");
	CHECK_STR(asked, "example.com ", "... and only the author is asked");
	asked[0] = '\0';
	CHECK(!dmarc_aligned("mail.notexample.com", "example.com", 'r', &od),
	    "relaxed: a name ending in the author's text, not its labels");
	CHECK_STR(asked, "example.com ", "... only the author is asked");
	asked[0] = '\0';
	CHECK(dmarc_aligned("bounces.example.com", "news.example.com", 'r',
	    &od), "relaxed: siblings under the author's org domain align");
	CHECK_STR(asked, "news.example.com bounces.example.com ",
	    "... the author first, then the identifier");
	asked[0] = '\0';
	CHECK(dmarc_aligned("example.com", "news.example.com", 'r', &od),
	    "relaxed: the org domain itself aligns with a subdomain author");
	CHECK_STR(asked, "news.example.com example.com ",
	    "... both asked");
	asked[0] = '\0';
	CHECK(!dmarc_aligned("a.co.uk", "b.co.uk", 'r', &od),
	    "relaxed: public-suffix siblings still refused");
	CHECK_STR(asked, "b.co.uk ", "... without asking for the identifier");
}

/* test_aligned - dmarc_aligned directly */
static void
test_aligned(void)
{
	struct dmarc_orgdomain od = { fake_org, NULL };

	CHECK(dmarc_aligned("example.com", "example.com", 's', &od),
	    "strict exact");
	CHECK(!dmarc_aligned("a.example.com", "example.com", 's', &od),
	    "strict subdomain refused (#268)");
	CHECK(dmarc_aligned("a.example.com", "b.example.com", 'r', &od),
	    "relaxed siblings");
	CHECK(!dmarc_aligned("a.co.uk", "b.co.uk", 'r', &od),
	    "relaxed public-suffix siblings refused");
	CHECK(!dmarc_aligned("example.com", "com", 'r', &od),
	    "a public suffix never aligns with its registrants");
	CHECK(!dmarc_aligned("a.example.com", "example.com", 'r', NULL),
	    "no hook: relaxed falls back to exact");
	CHECK(!dmarc_aligned("", "example.com", 'r', &od), "empty id");
	CHECK(!dmarc_aligned(NULL, "example.com", 'r', &od), "NULL id");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_query_counts();
	test_cap();
	test_aligned();
	test_aligned_lookups();
	return tap_done();
}
