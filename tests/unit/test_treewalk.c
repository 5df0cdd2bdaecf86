/*
 * test_treewalk.c -- the RFC 9989 tree walk against a fake DNS
 *
 * DESCRIPTION
 *	Table-driven: each walk case names a DNS fixture (name/outcome/TXT
 *	rows behind struct dmarc_resolver), the start name, the exact
 *	queries expected in order, the organizational domain and whether
 *	the walk is a temporary error.  Then the walk-based orgdomain hook
 *	(per-identifier walks, memoized: D-18) and dmarc_evaluate() in
 *	tree-walk mode.  Covers standards.md TV1, TV2, TV3, TV6, TV10,
 *	TV11, D-15 (8-query cap, single label queried, 7-label cut), D-17
 *	(psd=y rebuild), D-21 (NODATA keeps walking) and D-26.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"
#include "tests/unit/fakedns.h"

#define D_DATA	DMARC_DNS_DATA

static const struct row dns_tv1[] = {	/* also TV2 */
	{ "_dmarc.example.com", D_DATA,
	    { "v=DMARC1; p=reject; sp=quarantine; np=none" } },
	{ "_dmarc.signing.example.com", D_DATA, { "v=DMARC1; p=none" } },
	{ "A:a.b.c.d.e.f.g.h.i.j.k.example.com", D_DATA, { NULL } },
	{ NULL, 0, { NULL } }
};

static const struct row dns_tv3[] = {
	{ "_dmarc.bank.example", D_DATA, { "v=DMARC1; p=reject; psd=y" } },
	{ "_dmarc.giant.bank.example", D_DATA, { "v=DMARC1; p=quarantine" } },
	{ "_dmarc.c.d.e.f.g.h.example", D_DATA, { "v=DMARC1; p=none; psd=y" } },
	{ NULL, 0, { NULL } }
};

static const struct row dns_tv6[] = {
	{ "_dmarc.two.example.com", D_DATA,
	    { "v=DMARC1; p=none", "v=DMARC1; p=reject" } },
	{ "_dmarc.example.com", D_DATA, { "v=DMARC1; p=quarantine" } },
	{ "_dmarc.nd.example.org", DMARC_DNS_NODATA, { NULL } },
	{ "_dmarc.example.org", D_DATA,
	    { "v=spf1 -all", "v=DMARC1; p=reject" } },
	{ NULL, 0, { NULL } }
};

static const struct row dns_tv10[] = {
	{ "_dmarc.mail.example.com", DMARC_DNS_SERVFAIL, { NULL } },
	{ "_dmarc.example.com", D_DATA, { "v=DMARC1; p=reject" } },
	{ NULL, 0, { NULL } }
};

static const struct row dns_tv11[] = {
	{ "_dmarc.mail.example.com", D_DATA,
	    { "v=DMARC1; p=none; sp=quarantine; np=reject; psd=n" } },
	{ "_dmarc.example.com", D_DATA, { "v=DMARC1; p=reject; sp=reject" } },
	{ "A:a.mail.example.com", D_DATA, { NULL } },
	{ NULL, 0, { NULL } }
};

static const struct row dns_d26[] = {
	{ "_dmarc.mail.example.com", D_DATA, { "v=DMARC1; p=none; sp=none" } },
	{ "_dmarc.example.com", D_DATA,
	    { "v=DMARC1; p=reject; sp=quarantine; np=none" } },
	{ "A:a.mail.example.com", D_DATA, { NULL } },
	{ NULL, 0, { NULL } }
};

static const struct row dns_psdcom[] = {
	{ "_dmarc.com", D_DATA,
	    { "v=DMARC1; p=reject; sp=quarantine; np=reject; psd=y" } },
	{ NULL, 0, { NULL } }
};

static const struct row dns_parentfail[] = {
	{ "_dmarc.ok.example", D_DATA, { "v=DMARC1; p=reject" } },
	{ "_dmarc.example", DMARC_DNS_SERVFAIL, { NULL } },
	{ NULL, 0, { NULL } }
};

struct wcase {
	const char	*what;
	const struct row *dns;
	const char	*start;
	const char	*queries[10];	/* without "_dmarc.", in order */
	const char	*org;
	int		 temperror;
	int		 org_step;
	int		 psd_step;
};

static const struct wcase wcases[] = {
	{ "TV1 author walk", dns_tv1, "example.com",
	  { "example.com", "com" }, "example.com", 0, 0, -1 },
	{ "TV1 DKIM walk collects both records", dns_tv1,
	  "signing.example.com", { "signing.example.com", "example.com", "com" },
	  "example.com", 0, 1, -1 },
	{ "TV2 13 labels: exactly these 8 queries", dns_tv1,
	  "a.b.c.d.e.f.g.h.i.j.k.example.com",
	  { "a.b.c.d.e.f.g.h.i.j.k.example.com", "g.h.i.j.k.example.com",
	    "h.i.j.k.example.com", "i.j.k.example.com", "j.k.example.com",
	    "k.example.com", "example.com", "com" },
	  "example.com", 0, 6, -1 },
	{ "query cap: 20 labels, nothing published, 8 queries", NULL,
	  "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t",
	  { "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t", "n.o.p.q.r.s.t",
	    "o.p.q.r.s.t", "p.q.r.s.t", "q.r.s.t", "r.s.t", "s.t", "t" },
	  "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t", 0, -1, -1 },
	{ "8 labels are cut to 7 like more", NULL, "a.b.c.d.e.f.g.h",
	  { "a.b.c.d.e.f.g.h", "b.c.d.e.f.g.h", "c.d.e.f.g.h", "d.e.f.g.h",
	    "e.f.g.h", "f.g.h", "g.h", "h" }, "a.b.c.d.e.f.g.h", 0, -1, -1 },
	{ "single-label name is queried", NULL, "com", { "com" }, "com", 0,
	  -1, -1 },
	{ "TV3 author: psd=y stops, org one label below", dns_tv3,
	  "giant.bank.example", { "giant.bank.example", "bank.example" },
	  "giant.bank.example", 0, 0, 1 },
	{ "TV3 SPF domain", dns_tv3, "mail.giant.bank.example",
	  { "mail.giant.bank.example", "giant.bank.example", "bank.example" },
	  "giant.bank.example", 0, 1, 2 },
	{ "TV3 DKIM domain", dns_tv3, "mail.mega.bank.example",
	  { "mail.mega.bank.example", "mega.bank.example", "bank.example" },
	  "mega.bank.example", 0, -1, 2 },
	{ "psd=y at the start: the start is the org domain", dns_tv3,
	  "bank.example", { "bank.example" }, "bank.example", 0, 0, 0 },
	{ "D-17 psd=y below the 7-label cut: org rebuilt from the start",
	  dns_tv3, "a.b.c.d.e.f.g.h.example",
	  { "a.b.c.d.e.f.g.h.example", "c.d.e.f.g.h.example" },
	  "b.c.d.e.f.g.h.example", 0, -1, 1 },
	{ "PSD record at a TLD", dns_psdcom, "mail.example.com",
	  { "mail.example.com", "example.com", "com" }, "example.com", 0, -1,
	  2 },
	{ "TV6 two records: none there, walk goes on", dns_tv6,
	  "two.example.com", { "two.example.com", "example.com", "com" },
	  "example.com", 0, 1, -1 },
	{ "D-21 NODATA keeps walking; non-DMARC TXT ignored", dns_tv6,
	  "x.nd.example.org", { "x.nd.example.org", "nd.example.org",
	    "example.org", "org" }, "example.org", 0, 2, -1 },
	{ "TV10 SERVFAIL mid-walk is temperror", dns_tv10,
	  "a.mail.example.com", { "a.mail.example.com", "mail.example.com" },
	  "a.mail.example.com", 1, -1, -1 },
	{ "TV11 psd=n stops: that domain is the org domain", dns_tv11,
	  "a.mail.example.com", { "a.mail.example.com", "mail.example.com" },
	  "mail.example.com", 0, 1, -1 },
	{ "D-26 without psd: the fewest-label record wins", dns_d26,
	  "a.mail.example.com", { "a.mail.example.com", "mail.example.com",
	    "example.com", "com" }, "example.com", 0, 2, -1 },
	{ "upper case and trailing dot are normalized", dns_d26,
	  "A.Mail.Example.COM.", { "a.mail.example.com", "mail.example.com",
	    "example.com", "com" }, "example.com", 0, 2, -1 },
};

/* run_walk - one walk case: queries in order, org domain, steps */
static void
run_walk(const struct wcase *t)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_walk w;
	char what[300], want[300];
	size_t i, n;

	fixture = t->dns;
	nqueries = 0;
	if (!CHECK(dmarc_treewalk(&res, DMARC_RFC9989, t->start, &w) ==
	    DMARC_OK, "%s: walks", t->what)) {
		dmarc_walk_free(&w);
		return;
	}
	for (n = 0; n < 10 && t->queries[n] != NULL; n++)
		;
	snprintf(what, sizeof(what), "%s: number of queries", t->what);
	CHECK_INT(nqueries, n, what);
	CHECK_INT(w.nsteps, n, what);
	for (i = 0; i < n && i < nqueries && i < w.nsteps; i++) {
		snprintf(what, sizeof(what), "%s: query %zu", t->what, i + 1);
		snprintf(want, sizeof(want), "_dmarc.%s", t->queries[i]);
		CHECK_STR(qlog[i], want, what);
		CHECK_STR(w.step[i].name, t->queries[i], what);
	}
	snprintf(what, sizeof(what), "%s: org domain", t->what);
	CHECK_STR(w.org_domain, t->org, what);
	snprintf(what, sizeof(what), "%s: temperror", t->what);
	CHECK_INT(w.temperror, t->temperror, what);
	snprintf(what, sizeof(what), "%s: org step", t->what);
	CHECK_INT(w.org_step, t->org_step, what);
	snprintf(what, sizeof(what), "%s: psd step", t->what);
	CHECK_INT(w.psd_step, t->psd_step, what);
	dmarc_walk_free(&w);
}

/* test_walk_details - records kept per step, D-04 count, errors */
static void
test_walk_details(void)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_walk w;

	fixture = dns_tv6;
	CHECK(dmarc_treewalk(&res, DMARC_RFC9989, "two.example.com", &w) ==
	    DMARC_OK, "TV6 walk");
	CHECK_INT(w.step[0].nrecords, 2, "TV6: two records counted");
	CHECK(w.step[0].record == NULL, "TV6: neither is kept");
	CHECK(w.step[1].record != NULL &&
	    w.step[1].record->p == DMARC_P_QUARANTINE,
	    "the parent's record is collected");
	dmarc_walk_free(&w);
	fixture = dns_tv10;
	CHECK(dmarc_treewalk(&res, DMARC_RFC9989, "a.mail.example.com", &w) ==
	    DMARC_OK, "TV10 walk");
	CHECK_INT(w.dns_error, DMARC_DNS_SERVFAIL, "TV10: outcome kept");
	CHECK_STR(w.dns_error_name, "_dmarc.mail.example.com",
	    "TV10: failing name kept");
	dmarc_walk_free(&w);
	CHECK(dmarc_treewalk(&res, DMARC_RFC9989, "bad..name", &w) ==
	    DMARC_EDOMAIN, "an invalid start is refused");
	dmarc_walk_free(&w);
	CHECK(dmarc_treewalk(NULL, DMARC_RFC9989, "example.com", &w) ==
	    DMARC_EINVAL, "no resolver is EINVAL");
	dmarc_walk_free(&w);
}

/* test_orgdomain_hook - TV1/TV3 alignment through per-identifier walks */
static void
test_orgdomain_hook(void)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_orgdomain od;
	struct dmarc_walk_cache cache;
	char org[DMARC_MAXDOMAIN + 1];

	fixture = dns_tv3;
	dmarc_walk_orgdomain(&res, DMARC_RFC9989, &od, &cache);
	CHECK(dmarc_aligned("mail.giant.bank.example", "giant.bank.example",
	    'r', &od), "TV3: SPF domain aligns (relaxed)");
	CHECK(!dmarc_aligned("mail.mega.bank.example", "giant.bank.example",
	    'r', &od), "TV3: DKIM domain does not align");
	CHECK(!dmarc_aligned("mail.giant.bank.example", "giant.bank.example",
	    's', &od), "TV3: strict is exact match only");
	nqueries = 0;
	CHECK(dmarc_aligned("mail.giant.bank.example", "giant.bank.example",
	    'r', &od), "memoized answer is the same");
	CHECK_INT(nqueries, 0, "D-18 IMPL: a name is never walked twice");
	CHECK_INT(cache.n, 2, "two names walked: mail.mega.bank.example is "
	    "not under the author's giant.bank.example, so never walked");
	fixture = dns_tv1;
	dmarc_walk_orgdomain(&res, DMARC_RFC9989, &od, &cache);
	CHECK(dmarc_aligned("signing.example.com", "example.com", 'r', &od),
	    "TV1: DKIM signing.example.com aligns with example.com");
	CHECK_INT(cache.nqueries, 5, "TV1: 3 + 2 queries counted");
	fixture = dns_tv10;
	dmarc_walk_orgdomain(&res, DMARC_RFC9989, &od, &cache);
	CHECK(od.lookup(od.arg, "a.mail.example.com", org, sizeof(org)) !=
	    DMARC_OK, "a walk that met SERVFAIL fails");
	CHECK_INT(cache.ntemp, 1, "and is counted as temporary");
}

/* test_cache_bound - at most DMARC_WALK_CACHE names are walked */
static void
test_cache_bound(void)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_orgdomain od;
	struct dmarc_walk_cache cache;
	char name[64], org[DMARC_MAXDOMAIN + 1];
	int i, ok = 0;

	fixture = dns_tv1;
	dmarc_walk_orgdomain(&res, DMARC_RFC9989, &od, &cache);
	for (i = 0; i < DMARC_WALK_CACHE + 4; i++) {
		snprintf(name, sizeof(name), "n%d.example.com", i);
		if (od.lookup(od.arg, name, org, sizeof(org)) == DMARC_OK &&
		    strcmp(org, "example.com") == 0)
			ok++;
	}
	CHECK_INT(ok, DMARC_WALK_CACHE, "names past the cache bound fail");
	CHECK_INT(cache.nqueries, 3 * DMARC_WALK_CACHE,
	    "no walk once the cache is full");
}

struct ecase {
	const char	*what;
	const struct row *dns;
	const char	*from;
	const char	*spf_domain;	/* SPF pass for MAIL FROM */
	const char	*dkim_d;	/* DKIM pass */
	enum dmarc_result result;
	const char	*pdomain;
	const char	*org;
	char		 tag;
	enum dmarc_align align_spf;
	enum dmarc_align align_dkim;
	unsigned	 nq;
};

static const struct ecase ecases[] = {
	{ "TV1 DKIM signing.example.com aligns", dns_tv1, "example.com",
	  "x.net", "signing.example.com", DMARC_RESULT_PASS, "example.com",
	  "example.com", 'p', DMARC_ALIGN_FAIL, DMARC_ALIGN_PASS, 1 + 3 + 2 },
	{ "TV2 13 labels: example.com applies sp", dns_tv1,
	  "a.b.c.d.e.f.g.h.i.j.k.example.com", "x.net", NULL,
	  DMARC_RESULT_FAIL, "example.com", "example.com", 's',
	  DMARC_ALIGN_FAIL, DMARC_ALIGN_FAIL, 8 + 1 },
	{ "TV3 SPF aligned, DKIM not", dns_tv3, "giant.bank.example",
	  "mail.giant.bank.example", "mail.mega.bank.example",
	  DMARC_RESULT_PASS, "giant.bank.example", "giant.bank.example", 'p',
	  /* discovery 1, the author's walk 3, the SPF domain's 2; the DKIM
	     domain is not under giant.bank.example, so it is not walked */
	  DMARC_ALIGN_PASS, DMARC_ALIGN_FAIL, 1 + 3 + 2 },
	{ "TV10 SERVFAIL mid-walk: temperror, no policy", dns_tv10,
	  "a.mail.example.com", "a.mail.example.com", NULL,
	  DMARC_RESULT_TEMPERROR, "", "a.mail.example.com", 0,
	  DMARC_ALIGN_NONE, DMARC_ALIGN_NONE, 2 },
	{ "TV11 psd=n: mail.example.com's sp applies", dns_tv11,
	  "a.mail.example.com", "x.net", NULL, DMARC_RESULT_FAIL,
	  "mail.example.com", "mail.example.com", 's', DMARC_ALIGN_FAIL,
	  DMARC_ALIGN_FAIL, 2 + 1 },
	{ "D-26 intermediate record does not decide", dns_d26,
	  "a.mail.example.com", "x.net", NULL, DMARC_RESULT_FAIL,
	  "example.com", "example.com", 's', DMARC_ALIGN_FAIL,
	  DMARC_ALIGN_FAIL, 4 + 1 },
	{ "PSD record applies when no org record", dns_psdcom,
	  "mail.example.com", "x.net", NULL, DMARC_RESULT_FAIL, "com",
	  "example.com", 'n', DMARC_ALIGN_FAIL, DMARC_ALIGN_FAIL, 3 + 1 },
	{ "D-18: author record decides, parent never asked (other TLD: no walk)", dns_parentfail,
	  "ok.example", "x.net", NULL, DMARC_RESULT_FAIL, "ok.example",
	  "ok.example", 'p', DMARC_ALIGN_FAIL, DMARC_ALIGN_FAIL, 1 },
	{ "relaxed walk meeting SERVFAIL is temperror", dns_parentfail,
	  "ok.example", "mail.ok.example", NULL, DMARC_RESULT_TEMPERROR,
	  "ok.example", "ok.example", 'p', DMARC_ALIGN_FAIL, DMARC_ALIGN_FAIL,
	  1 + 3 + 2 },
	{ "no record anywhere: none", NULL, "example.net", "example.net",
	  NULL, DMARC_RESULT_NONE, "", "example.net", 0, DMARC_ALIGN_NONE,
	  DMARC_ALIGN_NONE, 2 },
};

/*
 * The caller's walk memo (struct dmarc_input walk_cache), shared by every
 * row and filled with garbage first: dmarc_evaluate() must empty it, so a
 * milter connection's reused memo answers as a fresh one does.
 */
static struct dmarc_walk_cache shared_memo;

/*
 * run_eval - dmarc_evaluate() in tree-walk mode for one row, without and
 * with the caller's memo
 */
static void
run_eval(const struct ecase *t, int memo)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_options opt;
	struct dmarc_input in;
	struct dmarc_from from;
	struct dmarc_authinfo ai;
	struct dmarc_eval *ev = NULL;
	const struct dmarc_verdict *v;
	const char *how = memo ? " (caller's memo)" : "";
	char what[300];

	fixture = t->dns;
	memset(&opt, 0, sizeof(opt));
	opt.profile = DMARC_RFC9989;
	opt.discovery = DMARC_DISCOVERY_TREEWALK;
	opt.resolver = &res;
	memset(&from, 0, sizeof(from));
	from.domains[0] = (char *)t->from;
	from.ndomains = 1;
	memset(&ai, 0, sizeof(ai));
	ai.spf.result = DMARC_ARES_PASS;
	ai.spf.scope = DMARC_SCOPE_MFROM;
	snprintf(ai.spf.domain, sizeof(ai.spf.domain), "%s", t->spf_domain);
	if (t->dkim_d != NULL) {
		snprintf(ai.dkim[0].domain, sizeof(ai.dkim[0].domain), "%s",
		    t->dkim_d);
		ai.dkim[0].result = DMARC_ARES_PASS;
		ai.ndkim = 1;
	}
	memset(&in, 0, sizeof(in));
	in.from = &from;
	in.envfrom_domain = t->spf_domain;
	in.auth = &ai;
	in.walk_cache = memo ? &shared_memo : NULL;
	nqueries = 0;
	if (!CHECK(dmarc_evaluate(&opt, &in, &ev) == DMARC_OK,
	    "%s: evaluates%s", t->what, how))
		return;
	v = &ev->v[0];
	snprintf(what, sizeof(what), "%s: result%s", t->what, how);
	CHECK_STR(dmarc_result_name(v->result), dmarc_result_name(t->result),
	    what);
	snprintf(what, sizeof(what), "%s: policy domain%s", t->what, how);
	CHECK_STR(v->policy_domain, t->pdomain, what);
	snprintf(what, sizeof(what), "%s: org domain%s", t->what, how);
	CHECK_STR(v->org_domain, t->org, what);
	snprintf(what, sizeof(what), "%s: tag%s", t->what, how);
	CHECK_INT(v->tag, t->tag, what);
	snprintf(what, sizeof(what), "%s: SPF alignment%s", t->what, how);
	CHECK_INT(v->align_spf, t->align_spf, what);
	snprintf(what, sizeof(what), "%s: DKIM alignment%s", t->what, how);
	CHECK_INT(v->align_dkim, t->align_dkim, what);
	snprintf(what, sizeof(what), "%s: discovery%s", t->what, how);
	CHECK_STR(dmarc_discovery_name(v->discovery), "treewalk", what);
	snprintf(what, sizeof(what), "%s: queries counted%s", t->what, how);
	CHECK_INT(v->nqueries, t->nq, what);
	CHECK_INT(nqueries, t->nq, what);
	dmarc_eval_free(ev);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(wcases) / sizeof(wcases[0]); i++)
		run_walk(&wcases[i]);
	test_walk_details();
	test_orgdomain_hook();
	test_cache_bound();
	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++)
		run_eval(&ecases[i], 0);
	memset(&shared_memo, 0xa5, sizeof(shared_memo));
	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++)
		run_eval(&ecases[i], 1);
	return tap_done();
}
