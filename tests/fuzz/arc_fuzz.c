/*
 * arc_fuzz.c -- libFuzzer harness for the ARC field readers (arc.c)
 *
 * DESCRIPTION
 *	The input is tried as an ARC-Seal value and as an
 *	ARC-Authentication-Results value (instance, then the A-R parser on
 *	the rest).  A successful seal must have an instance in 1..50 and a
 *	valid domain; anything else aborts so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct dmarc_arcseal a;
	struct dmarc_authres *ar;
	size_t rest = 0;

	if (dmarc_arcseal_parse(p, size, &a) == DMARC_OK &&
	    (a.instance < 1 || a.instance > 50 ||
	    !dmarc_domain_is_ldh(a.domain, strlen(a.domain))))
		abort();
	if (dmarc_arc_instance(p, size, &rest) >= 0) {
		if (rest > size)
			abort();
		if (dmarc_authres_parse(p + rest, size - rest, &ar) == DMARC_OK)
			dmarc_authres_free(ar);
	}
	return 0;
}
