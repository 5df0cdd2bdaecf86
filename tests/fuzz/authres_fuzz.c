/*
 * authres_fuzz.c -- libFuzzer harness for the Authentication-Results
 *	parser and the trust rules behind it
 *
 * SYNOPSIS
 *	tests/fuzz/authres_fuzz [libFuzzer options] tests/fuzz/authres.in
 *
 * DESCRIPTION
 *	Parses the input as one A-R value, checks the parse contract (a
 *	result exactly when DMARC_OK, caps respected, names lower-case and
 *	non-empty, every string terminated), then folds it into a struct
 *	dmarc_authinfo twice, with trust list { "mx.example.org",
 *	"relay.example.net" }, jobid "JOB1": once for the envelope domain
 *	example.com and once for the null sender.  The security invariants
 *	are checked: every DKIM domain is LDH, selectors and header.b
 *	prefixes use their alphabets, and for a non-null sender SPF is only
 *	ever credited to the envelope domain with scope MFROM
 *	(CVE-2019-20790).  A broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ids[] = { "mx.example.org", "relay.example.net" };

/* name_ok - non-empty, no upper case */
static int
name_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			return 0;
	return 1;
}

/* check_parse - the parse contract */
static void
check_parse(const struct dmarc_authres *ar, size_t size)
{
	size_t i, j, total = 0;

	if (ar->nresults > DMARC_MAXRESULTS)
		abort();
	if (ar->authserv_id == NULL && ar->nresults == 0 && !ar->none)
		abort();
	if (ar->authserv_id != NULL)
		total += strlen(ar->authserv_id);
	for (i = 0; i < ar->nresults; i++) {
		const struct dmarc_ar_result *r = &ar->results[i];

		if (!name_ok(r->method) || !name_ok(r->result) ||
		    r->nprops > DMARC_MAXPROPS)
			abort();
		if (r->reason != NULL)
			total += strlen(r->reason);
		for (j = 0; j < r->nprops; j++) {
			if (!name_ok(r->props[j].ptype) ||
			    !name_ok(r->props[j].property) ||
			    r->props[j].value == NULL)
				abort();
			total += strlen(r->props[j].value);
		}
	}
	if (total > size)
		abort();
}

/* span_ok - s uses only characters from set (plus alnum) */
static int
span_ok(const char *s, const char *set)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(set, *s) != NULL))
			return 0;
	return 1;
}

/* check_trust - fold ar in and check the security invariants */
static void
check_trust(const struct dmarc_authres *ar, const char *envfrom)
{
	struct dmarc_trust trust = { ids, 2, "JOB1", 0 };
	struct dmarc_authinfo ai;
	size_t i;

	memset(&ai, 0, sizeof(ai));
	dmarc_authinfo_clear(&ai);
	dmarc_authinfo_add_authres(&ai, &trust, ar, envfrom);
	dmarc_authinfo_add_authres(&ai, &trust, ar, envfrom);
	if (ai.ndkim > DMARC_MAXDKIM)
		abort();
	for (i = 0; i < ai.ndkim; i++)
		if (!dmarc_domain_is_ldh(ai.dkim[i].domain,
		    strlen(ai.dkim[i].domain)) ||
		    !span_ok(ai.dkim[i].selector, "-._") ||
		    !span_ok(ai.dkim[i].bprefix, "+/="))
			abort();
	if (ai.spf.result != DMARC_ARES_UNDEFINED) {
		if (*envfrom != '\0' && (ai.spf.scope != DMARC_SCOPE_MFROM ||
		    strcmp(ai.spf.domain, envfrom) != 0))
			abort();
		if (!dmarc_domain_is_ldh(ai.spf.domain, strlen(ai.spf.domain)))
			abort();
	}
	if (ai.arc_chain != NULL)
		(void)strlen(ai.arc_chain);
	dmarc_authinfo_clear(&ai);
}

/* LLVMFuzzerTestOneInput - one A-R value: parse, check, trust, check */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_authres *ar = NULL;
	int rc;

	rc = dmarc_authres_parse((const char *)data, size, &ar);
	if ((rc == DMARC_OK) != (ar != NULL))
		abort();
	if (ar == NULL)
		return 0;
	check_parse(ar, size);
	check_trust(ar, "example.com");
	check_trust(ar, "");
	dmarc_authres_free(ar);
	return 0;
}
