/*
 * test_crosscheck.c -- the RFC 9989 tree walk against the PSL (D-22)
 *
 * DESCRIPTION
 *	standards.md D-22: the walk is designed to give the organizational
 *	domain the PSL gives in almost every case; a difference usually
 *	means a walk bug.  A fixture of DMARC records laid out as real
 *	sites publish them (a record at the registrable domain, under
 *	multi-label public suffixes such as co.uk and private PSL sections,
 *	deep subdomains, subdomain records, several records, TLD records
 *	with psd=y) is walked for each name and compared with libpsl on the
 *	system list (Debian publicsuffix, the file dmarcd reads).  Every
 *	name must agree, except the cases listed with `differs`, where
 *	RFC 9989 deliberately departs from the PSL (psd=n, a PSD unknown
 *	to the PSL, no record anywhere); those must differ exactly as
 *	listed, and every difference is printed, so a change in either
 *	side shows up here.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dmarc.h"
#include "psl.h"
#include "tests/tap.h"
#include "tests/unit/fakedns.h"

#define D_DATA	DMARC_DNS_DATA

static const struct row dns[] = {
	{ "_dmarc.example.com", D_DATA, { "v=DMARC1; p=reject" } },
	{ "_dmarc.mail.example.com", D_DATA, { "v=DMARC1; p=none" } },
	{ "_dmarc.example.co.uk", D_DATA, { "v=DMARC1; p=quarantine" } },
	{ "_dmarc.co.uk", D_DATA, { "v=DMARC1; p=none; psd=y" } },
	{ "_dmarc.gov.uk", D_DATA, { "v=DMARC1; p=reject; psd=y" } },
	{ "_dmarc.uk", D_DATA, { "v=DMARC1; p=none; psd=y" } },
	{ "_dmarc.bank", D_DATA, { "v=DMARC1; p=reject; psd=y" } },
	{ "_dmarc.mybank.bank", D_DATA, { "v=DMARC1; p=reject" } },
	{ "_dmarc.shop.github.io", D_DATA, { "v=DMARC1; p=none" } },
	{ "_dmarc.example.org", D_DATA,
	    { "v=spf1 -all", "v=DMARC1; p=reject; sp=none" } },
	{ "_dmarc.two.example.net", D_DATA,
	    { "v=DMARC1; p=none", "v=DMARC1; p=reject" } },
	{ "_dmarc.example.net", D_DATA, { "v=DMARC1; p=reject" } },
	{ "_dmarc.corp.example.de", D_DATA, { "v=DMARC1; p=reject; psd=n" } },
	{ "_dmarc.example.de", D_DATA, { "v=DMARC1; p=none" } },
	{ "_dmarc.registry.example", D_DATA,
	    { "v=DMARC1; p=reject; psd=y" } },
	{ "_dmarc.example.com.au", D_DATA, { "v=DMARC1; p=reject" } },
	{ NULL, 0, { NULL } }
};

static const struct cross {
	const char	*name;
	const char	*differs;	/* NULL: walk == PSL; else the walk's */
	const char	*why;
} cases[] = {
	{ "example.com", NULL, "record at the registrable domain" },
	{ "a.example.com", NULL, "subdomain without a record" },
	{ "mail.example.com", NULL, "subdomain record does not make an org" },
	{ "x.mail.example.com", NULL, "below a subdomain record" },
	{ "a.b.c.d.e.f.g.h.example.com", NULL, "deep: the 7-label cut" },
	{ "example.co.uk", NULL, "two-label public suffix" },
	{ "www.example.co.uk", NULL, "two-label suffix, subdomain" },
	{ "x.y.example.co.uk", NULL, "psd=y at co.uk above the org" },
	{ "council.gov.uk", NULL, "psd=y at gov.uk, no own record" },
	{ "a.example.org.uk", "org.uk",
	    "psd=y at uk but none at org.uk: one below uk (9989 4.10.2)" },
	{ "mybank.bank", NULL, "record below a psd=y TLD" },
	{ "www.mybank.bank", NULL, "subdomain below a psd=y TLD" },
	{ "other.bank", NULL, "no own record, psd=y TLD: one below the PSD" },
	{ "shop.github.io", NULL, "PSL private section" },
	{ "cdn.shop.github.io", NULL, "PSL private section, subdomain" },
	{ "mx.example.org", NULL, "record among other TXT" },
	{ "a.two.example.net", NULL, "several records are no record" },
	{ "example.com.au", NULL, "two-label suffix, au" },
	{ "corp.example.de", "corp.example.de", "psd=n makes an org (9989)" },
	{ "a.corp.example.de", "corp.example.de", "below a psd=n record" },
	{ "shop.registry.example", "shop.registry.example",
	    "a PSD the PSL does not list" },
	{ "a.shop.registry.example", "shop.registry.example",
	    "below a PSD the PSL does not list" },
	{ "a.nothing.example.net.nz", "a.nothing.example.net.nz",
	    "no record anywhere: the walk keeps the name" },
};

/* cross - one name: walk vs PSL */
static void
cross(struct psl_od *psl, const struct cross *c)
{
	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
	struct dmarc_walk w;
	char pslorg[DMARC_MAXDOMAIN + 1];
	int rc;

	fixture = dns;
	nqueries = 0;
	rc = dmarc_treewalk(&res, DMARC_RFC9989, c->name, &w);
	if (psl_od_lookup(psl, c->name, pslorg, sizeof(pslorg)) != DMARC_OK)
		snprintf(pslorg, sizeof(pslorg), "(psl error)");
	if (rc != DMARC_OK || w.temperror) {
		CHECK(0, "%s: walk failed (%d)", c->name, rc);
		dmarc_walk_free(&w);
		return;
	}
	if (strcmp(w.org_domain, pslorg) != 0)
		printf("# D-22 difference: %s: walk %s, psl %s (%s)\n",
		    c->name, w.org_domain, pslorg, c->why);
	if (c->differs == NULL)
		CHECK(strcmp(w.org_domain, pslorg) == 0,
		    "%s: walk and PSL agree on %s (%s)", c->name, pslorg,
		    c->why);
	else
		CHECK(strcmp(w.org_domain, c->differs) == 0 &&
		    strcmp(pslorg, c->differs) != 0,
		    "%s: walk %s, PSL %s differ as designed (%s)", c->name,
		    w.org_domain, pslorg, c->why);
	dmarc_walk_free(&w);
}

int
main(void)
{
	struct psl_od *psl;
	char err[256];
	size_t i;

	if ((psl = psl_od_new(NULL, err, sizeof(err))) == NULL) {
		printf("# no PSL: %s\n", err);
		return 99;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cross(psl, &cases[i]);
	psl_od_free(psl);
	return tap_done();
}
