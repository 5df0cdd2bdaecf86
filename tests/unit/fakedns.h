/*
 * fakedns.h -- an in-memory struct dmarc_resolver for libdmarc's unit tests
 *
 * SYNOPSIS
 *	static const struct row dns[] = {
 *		{ "_dmarc.example.com", DMARC_DNS_DATA, { "v=DMARC1; p=none" } },
 *		{ "A:real.example.com", DMARC_DNS_DATA, { NULL } },	(exists)
 *		{ "X:a.example.org", DMARC_DNS_SERVFAIL, { NULL } },	(exists fails)
 *		{ NULL, 0, { NULL } } };
 *	fixture = dns; nqueries = 0;
 *	struct dmarc_resolver res = { fake_txt, fake_exists, NULL };
 *
 * DESCRIPTION
 *	TXT lookups answer from the rows (up to three RRs each; names not
 *	listed are NXDOMAIN).  Existence lookups (the np check) see names
 *	listed as "A:<name>" as existing and "X:<name>" as SERVFAIL.  Every
 *	lookup of either kind is counted in nqueries and the first
 *	FAKEDNS_MAXLOG names are kept in qlog, in order.  Header-only, shared
 *	by test_policy.c and test_treewalk.c.
 */
#ifndef FAKEDNS_H
#define FAKEDNS_H

#include <stdio.h>
#include <string.h>

#include "dmarc.h"

struct row {
	const char	*name;
	enum dmarc_dns	 rcode;
	const char	*txt[3];
};

#define FAKEDNS_MAXLOG	32

static const struct row *fixture;
static unsigned nqueries;
static char qlog[FAKEDNS_MAXLOG][300];

/* fake_log - remember one lookup */
static void
fake_log(const char *name)
{
	if (nqueries < FAKEDNS_MAXLOG)
		snprintf(qlog[nqueries], sizeof(qlog[0]), "%s", name);
	nqueries++;
}

/* fake_row - the row for a key, or NULL */
static const struct row *
fake_row(const char *key)
{
	const struct row *r;

	for (r = fixture; r != NULL && r->name != NULL; r++)
		if (strcmp(r->name, key) == 0)
			return r;
	return NULL;
}

/* fake_txt - answer from the current fixture; absent names are NXDOMAIN */
static enum dmarc_dns
fake_txt(void *arg, const char *name, struct dmarc_dns_txt *out)
{
	const struct row *r;
	size_t i;

	(void)arg;
	fake_log(name);
	if ((r = fake_row(name)) == NULL)
		return DMARC_DNS_NXDOMAIN;
	for (i = 0; i < 3 && r->txt[i] != NULL; i++)
		dmarc_dns_txt_add(out, r->txt[i], strlen(r->txt[i]));
	return r->rcode;
}

/* fake_exists - "A:<name>" exists, "X:<name>" is SERVFAIL, else NXDOMAIN */
static enum dmarc_dns
fake_exists(void *arg, const char *name)
{
	char key[300];

	(void)arg;
	fake_log(name);
	snprintf(key, sizeof(key), "X:%s", name);
	if (fake_row(key) != NULL)
		return DMARC_DNS_SERVFAIL;
	snprintf(key, sizeof(key), "A:%s", name);
	return fake_row(key) != NULL ? DMARC_DNS_DATA : DMARC_DNS_NXDOMAIN;
}

#endif /* FAKEDNS_H */
