/*
 * test_spf.c -- our own SPF check (common/spf.c) on the zone-file resolver
 *
 * DESCRIPTION
 *	One table of checks against tests/data/dns/spf.zone: every RFC 7208
 *	result, include/redirect, a/mx/ip6, the %{h} and %{d} macros,
 *	SERVFAIL and timeout as temperror, the null sender's HELO identity,
 *	and the 10-lookup limit.  The zone's names exist nowhere else, so a
 *	pass proves libspf2 asked our resolver; the resolver's counters
 *	prove it too.  Then the table again from four threads at once (one
 *	shared struct spf).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "resolver.h"
#include "spf.h"
#include "tests/tap.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

#define P	DMARC_ARES_PASS
#define F	DMARC_ARES_FAIL
#define SF	DMARC_ARES_SOFTFAIL
#define NEU	DMARC_ARES_NEUTRAL
#define NO	DMARC_ARES_NONE
#define TE	DMARC_ARES_TEMPERROR
#define PE	DMARC_ARES_PERMERROR
#define MF	DMARC_SCOPE_MFROM
#define HE	DMARC_SCOPE_HELO

static const struct spf_case {
	const char	*what, *ip, *helo, *mailfrom;
	enum dmarc_ares	 result;
	enum dmarc_spf_scope scope;
	const char	*domain;
} cases[] = {
	{ "ip4 pass", "192.0.2.1", "mta.example", "a@pass.spf.example",
	    P, MF, "pass.spf.example" },
	{ "-all fail", "192.0.2.1", "mta.example", "a@fail.spf.example",
	    F, MF, "fail.spf.example" },
	{ "~all softfail", "192.0.2.1", "mta.example", "a@soft.spf.example",
	    SF, MF, "soft.spf.example" },
	{ "?all neutral", "192.0.2.1", "mta.example",
	    "a@neutral.spf.example", NEU, MF, "neutral.spf.example" },
	{ "bare v=spf1 is neutral", "192.0.2.1", "mta.example",
	    "a@empty.spf.example", NEU, MF, "empty.spf.example" },
	{ "no SPF record (other TXT, v=spf10) is none", "192.0.2.1",
	    "mta.example", "a@nospf.spf.example", NO, MF,
	    "nospf.spf.example" },
	{ "NXDOMAIN is none", "192.0.2.1", "mta.example",
	    "a@nowhere.spf.example", NO, MF, "nowhere.spf.example" },
	{ "two SPF records: permerror", "192.0.2.1", "mta.example",
	    "a@two.spf.example", PE, MF, "two.spf.example" },
	{ "syntax error: permerror", "192.0.2.1", "mta.example",
	    "a@syntax.spf.example", PE, MF, "syntax.spf.example" },
	{ "split character-strings are joined", "192.0.2.1", "mta.example",
	    "a@split.spf.example", P, MF, "split.spf.example" },
	{ "include: pass", "192.0.2.1", "mta.example", "a@inc.spf.example",
	    P, MF, "inc.spf.example" },
	{ "include: no match falls to -all", "198.51.100.9", "mta.example",
	    "a@inc.spf.example", F, MF, "inc.spf.example" },
	{ "include: of a domain without SPF: permerror", "192.0.2.1",
	    "mta.example", "a@incnone.spf.example", PE, MF,
	    "incnone.spf.example" },
	{ "redirect= pass", "192.0.2.1", "mta.example",
	    "a@redir.spf.example", P, MF, "redir.spf.example" },
	{ "redirect= fail", "203.0.113.1", "mta.example",
	    "a@redir.spf.example", F, MF, "redir.spf.example" },
	{ "a mechanism pass", "192.0.2.10", "mta.example",
	    "a@amech.spf.example", P, MF, "amech.spf.example" },
	{ "a mechanism AAAA pass", "2001:db8::10", "mta.example",
	    "a@amech.spf.example", P, MF, "amech.spf.example" },
	{ "a mechanism fail", "192.0.2.11", "mta.example",
	    "a@amech.spf.example", F, MF, "amech.spf.example" },
	{ "mx mechanism pass", "192.0.2.20", "mta.example",
	    "a@mxmech.spf.example", P, MF, "mxmech.spf.example" },
	{ "mx mechanism fail", "192.0.2.21", "mta.example",
	    "a@mxmech.spf.example", F, MF, "mxmech.spf.example" },
	{ "ip6 pass", "2001:db8::5", "mta.example", "a@six.spf.example",
	    P, MF, "six.spf.example" },
	{ "ip6 fail", "2001:db9::5", "mta.example", "a@six.spf.example",
	    F, MF, "six.spf.example" },
	{ "%{h}.%{d} macro, HELO matches", "198.51.100.1",
	    "mta.good.example", "a@helomac.spf.example", P, MF,
	    "helomac.spf.example" },
	{ "%{h}.%{d} macro, other HELO", "198.51.100.1", "mta.bad.example",
	    "a@helomac.spf.example", F, MF, "helomac.spf.example" },
	{ "SERVFAIL in an include: temperror", "192.0.2.1", "mta.example",
	    "a@tempinc.spf.example", TE, MF, "tempinc.spf.example" },
	{ "TIMEOUT on the record: temperror", "192.0.2.1", "mta.example",
	    "a@slow.spf.example", TE, MF, "slow.spf.example" },
	{ "SERVFAIL on an mx target: temperror", "192.0.2.1", "mta.example",
	    "a@mxbroken.spf.example", TE, MF, "mxbroken.spf.example" },
	{ "null sender: HELO identity", "192.0.2.7", "helo-host.spf.example",
	    "", P, HE, "helo-host.spf.example" },
	{ "<> sender: HELO identity", "192.0.2.8", "helo-host.spf.example",
	    "<>", F, HE, "helo-host.spf.example" },
	{ "MAIL FROM wins over a passing HELO", "192.0.2.7",
	    "helo-host.spf.example", "a@fail.spf.example", F, MF,
	    "fail.spf.example" },
	{ "domain normalized", "192.0.2.1", "mta.example",
	    "Some.One@PASS.Spf.Example.", P, MF, "pass.spf.example" },
	{ "invalid domain: none", "192.0.2.1", "mta.example",
	    "a@bad..example", NO, MF, "" },
	{ "null sender, IP literal HELO: none", "192.0.2.1", "[192.0.2.1]",
	    "", NO, HE, "" },
	{ "10 DNS terms across includes: pass", "192.0.2.1", "mta.example",
	    "a@limok.spf.example", P, MF, "limok.spf.example" },
	{ "mx with two exchanges is one term (10 in all): pass",
	    "192.0.2.1", "mta.example", "a@limmx.spf.example", P, MF,
	    "limmx.spf.example" },
	{ "mx exchange address still matches at the limit", "192.0.2.20",
	    "mta.example", "a@limmx.spf.example", P, MF,
	    "limmx.spf.example" },
	{ "11 DNS terms across includes: permerror", "192.0.2.1",
	    "mta.example", "a@limover.spf.example", PE, MF,
	    "limover.spf.example" },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

struct run {
	struct spf	*spf;
	unsigned	 bad;		/* cases that went wrong in a thread */
};

/* check_one - run one case; nonzero when it went as the table says */
static int
check_one(struct spf *spf, const struct spf_case *c,
    struct dmarc_spf_result *res)
{
	if (spf_check(spf, c->ip, c->helo, c->mailfrom, res) != 0)
		return 0;
	return res->result == c->result && res->scope == c->scope &&
	    res->source == DMARC_SRC_SELF && strcmp(res->domain, c->domain) == 0;
}

/* worker - the whole table, repeatedly, from one thread */
static void *
worker(void *arg)
{
	struct run *run = arg;
	struct dmarc_spf_result res;
	size_t i;
	int round;

	for (round = 0; round < 5; round++)
		for (i = 0; i < NCASES; i++)
			if (!check_one(run->spf, &cases[i], &res))
				run->bad++;
	return NULL;
}

/* test_threads - one shared struct spf under four threads */
static void
test_threads(struct spf *spf)
{
	pthread_t tid[4];
	struct run runs[4];
	size_t i;
	unsigned bad = 0;

	for (i = 0; i < 4; i++) {
		runs[i].spf = spf;
		runs[i].bad = 0;
		CHECK(pthread_create(&tid[i], NULL, worker, &runs[i]) == 0,
		    "thread %zu started", i);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		bad += runs[i].bad;
	}
	CHECK_INT(bad, 0, "4 threads x 5 rounds of the table agree");
}

int
main(void)
{
	struct resolver_opts opts;
	struct resolver_stats st0, st1;
	struct resolver *r;
	struct spf *spf;
	struct dmarc_spf_result res;
	char err[256];
	size_t i;

	memset(&opts, 0, sizeof(opts));
	opts.zonefile = TOP_SRCDIR "/tests/data/dns/spf.zone";
	if ((r = resolver_new(&opts, err, sizeof(err))) == NULL) {
		printf("not ok 1 - resolver_new: %s\n", err);
		return 1;
	}
	spf = spf_new(r, "mx.receiver.example", err, sizeof(err));
	CHECK(spf != NULL, "spf_new: %s", spf != NULL ? "ok" : err);
	if (spf == NULL)
		return tap_done();
	resolver_stats(r, &st0);
	for (i = 0; i < NCASES; i++) {
		const struct spf_case *c = &cases[i];

		if (!CHECK(check_one(spf, c, &res), "%s", c->what))
			printf("#   got %s scope %d domain \"%s\", want %s "
			    "scope %d domain \"%s\"\n",
			    dmarc_ares_name(res.result), (int)res.scope,
			    res.domain, dmarc_ares_name(c->result),
			    (int)c->scope, c->domain);
	}
	resolver_stats(r, &st1);
	CHECK(st1.lookups > st0.lookups + NCASES,
	    "libspf2 looked up through our resolver (%lu lookups)",
	    st1.lookups - st0.lookups);
	CHECK(st1.servfails > st0.servfails, "SERVFAIL seen by the resolver");
	CHECK(st1.timeouts > st0.timeouts, "timeout seen by the resolver");

	CHECK_INT(spf_check(spf, "not-an-ip", "mta.example",
	    "a@pass.spf.example", &res), -1, "bad ip: local error");
	CHECK_INT(res.result, TE, "bad ip: temperror");

	test_threads(spf);
	spf_free(spf);
	resolver_free(r);
	return tap_done();
}
