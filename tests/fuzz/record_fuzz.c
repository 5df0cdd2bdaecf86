/*
 * record_fuzz.c -- libFuzzer harness for the DMARC record parser
 *
 * SYNOPSIS
 *	tests/fuzz/record_fuzz [libFuzzer options] tests/fuzz/record.in
 *
 * DESCRIPTION
 *	Parses the input as one TXT record under both profiles and calls
 *	every accessor.  Checks the invariants of struct dmarc_record: the
 *	status and *out agree, enumerations hold one of their values, the
 *	URI lists are within DMARC_MAXURIS and every string is there, a
 *	valid URI has a scheme, the effective policies follow D-09
 *	(usable iff dmarc_record_p is set; sp and np set iff p is), and
 *	under RFC 9989 pct/rf/ri keep their defaults.  A broken invariant
 *	aborts, which the fuzzer and the replay test report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* policy_ok - one of the enum's values */
static int
policy_ok(enum dmarc_policy p)
{
	return p == DMARC_P_UNSET || p == DMARC_P_NONE ||
	    p == DMARC_P_QUARANTINE || p == DMARC_P_REJECT;
}

/* check_uris - a URI list: bounded, strings present, uri a prefix of raw */
static void
check_uris(const struct dmarc_uri *u, size_t n)
{
	size_t i, ul;

	if (n > DMARC_MAXURIS || (n > 0 && u == NULL))
		abort();
	for (i = 0; i < n; i++) {
		if (u[i].uri == NULL || u[i].raw == NULL)
			abort();
		ul = strlen(u[i].uri);
		if (ul > strlen(u[i].raw) || memcmp(u[i].uri, u[i].raw, ul) != 0)
			abort();
		if (u[i].valid && strchr(u[i].uri, ':') == NULL)
			abort();
		if (u[i].max_size != 0 && strchr(u[i].raw, '!') == NULL)
			abort();
	}
}

/* check_policy - D-09 consistency of the accessors with the raw fields */
static void
check_policy(const struct dmarc_record *r)
{
	enum dmarc_policy p = dmarc_record_p(r), sp = dmarc_record_sp(r),
	    np = dmarc_record_np(r);
	int broken;

	if (!policy_ok(r->p) || !policy_ok(r->sp) || !policy_ok(r->np))
		abort();
	broken = r->p == DMARC_P_UNSET || (r->flags & DMARC_RF_BAD_SP) ||
	    (r->profile == DMARC_RFC9989 && (r->flags & DMARC_RF_BAD_NP));
	if (broken) {
		enum dmarc_policy want = dmarc_record_has_valid_rua(r) ?
		    DMARC_P_NONE : DMARC_P_UNSET;

		if (p != want || sp != want || np != want)
			abort();
	} else if (p != r->p ||
	    sp != (r->sp != DMARC_P_UNSET ? r->sp : p) ||
	    np != (r->np != DMARC_P_UNSET ? r->np : sp))
		abort();
	if (dmarc_record_usable(r) != (p != DMARC_P_UNSET))
		abort();
	if ((r->flags & DMARC_RF_NO_P) && r->p != DMARC_P_UNSET)
		abort();
	(void)dmarc_policy_name(p);
}

/* check - the invariants of one parse */
static void
check(const struct dmarc_record *r, enum dmarc_profile prof)
{
	if (r->profile != prof)
		abort();
	if (r->psd != DMARC_PSD_U && r->psd != DMARC_PSD_Y &&
	    r->psd != DMARC_PSD_N)
		abort();
	if ((r->adkim != 'r' && r->adkim != 's') ||
	    (r->aspf != 'r' && r->aspf != 's') || (r->t != 0 && r->t != 1))
		abort();
	if (r->fo == 0 || (r->fo & ~0xfu) != 0 || r->pct < 0 || r->pct > 100)
		abort();
	if (prof == DMARC_RFC9989 && (r->pct != 100 || r->pct_set ||
	    r->rf != 1 || r->ri != 86400))
		abort();
	check_uris(r->rua, r->nrua);
	check_uris(r->ruf, r->nruf);
	check_policy(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int prof;

	for (prof = DMARC_RFC9989; prof <= DMARC_RFC7489; prof++) {
		struct dmarc_record *rec = (struct dmarc_record *)&prof;
		int rc;

		rc = dmarc_record_parse((const char *)data, size,
		    (enum dmarc_profile)prof, &rec);
		if ((rc == DMARC_OK) != (rec != NULL))
			abort();
		if (rc != DMARC_OK && rc != DMARC_ENOTDMARC &&
		    rc != DMARC_ETOOBIG && rc != DMARC_ENOMEM)
			abort();
		if (rc == DMARC_ETOOBIG && size <= DMARC_MAXRECORD)
			abort();
		if (rec != NULL)
			check(rec, (enum dmarc_profile)prof);
		dmarc_record_free(rec);
	}
	return 0;
}
