/*
 * rspf_fuzz.c -- libFuzzer harness for the Received-SPF parser
 *
 * SYNOPSIS
 *	tests/fuzz/rspf_fuzz [libFuzzer options] tests/fuzz/rspf.in
 *
 * DESCRIPTION
 *	Parses the input as one Received-SPF value and checks the contract:
 *	a result exactly when DMARC_OK, the result one of the seven SPF
 *	codes, identity lower-case.  Every string is read to its end so that
 *	ASan sees a missing terminator.  A broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* touch - read a string to its end; NULL is fine */
static size_t
touch(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_rspf *rs = NULL;
	const char *s;
	int rc;

	rc = dmarc_rspf_parse((const char *)data, size, &rs);
	if ((rc == DMARC_OK) != (rs != NULL))
		abort();
	if (rs == NULL)
		return 0;
	switch (rs->result) {
	case DMARC_ARES_PASS:
	case DMARC_ARES_FAIL:
	case DMARC_ARES_SOFTFAIL:
	case DMARC_ARES_NEUTRAL:
	case DMARC_ARES_NONE:
	case DMARC_ARES_TEMPERROR:
	case DMARC_ARES_PERMERROR:
		break;
	default:
		abort();
	}
	for (s = rs->identity; s != NULL && *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			abort();
	if (touch(rs->envelope_from) + touch(rs->helo) +
	    touch(rs->client_ip) + touch(rs->receiver) > size)
		abort();
	dmarc_rspf_free(rs);
	return 0;
}
