/*
 * from_fuzz.c -- libFuzzer harness for the RFC 5322 From parser
 *
 * SYNOPSIS
 *	tests/fuzz/from_fuzz [libFuzzer options] tests/fuzz/from.in
 *
 * DESCRIPTION
 *	Parses the input as one From value, then splits it on newlines and
 *	feeds each line as a further From field into a second result, as the
 *	milter does for a message with several From fields.  After every
 *	call it checks the invariants of struct dmarc_from: counts within
 *	bounds, every kept domain non-NULL, distinct and a valid lower-case
 *	LDH name, every local part non-NULL, and an error that is not
 *	DMARC_ETOOBIG leaving the result as it was.  A broken invariant
 *	aborts, which the fuzzer and the replay test report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lastinput.h"
#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - the invariants of a result; before is the state before the call */
static void
check(const struct dmarc_from *f, const struct dmarc_from *before, int rc)
{
	size_t i, j;

	if (f->ndomains > DMARC_MAXFROM || f->nnodomain > f->naddrs ||
	    f->ndomains > f->naddrs)
		abort();
	if (rc != DMARC_OK && rc != DMARC_ETOOBIG &&
	    (f->naddrs != before->naddrs || f->ndomains != before->ndomains ||
	    f->nnodomain != before->nnodomain))
		abort();
	for (i = 0; i < f->ndomains; i++) {
		const char *d = f->domains[i];

		if (d == NULL || f->locals[i] == NULL ||
		    !dmarc_domain_is_ldh(d, strlen(d)))
			abort();
		for (j = 0; d[j] != '\0'; j++)
			if (d[j] >= 'A' && d[j] <= 'Z')
				abort();
		for (j = 0; j < i; j++)
			if (strcmp(f->domains[j], d) == 0)
				abort();
	}
}

/* parse - one call, checked */
static void
parse(const char *p, size_t len, struct dmarc_from *f)
{
	struct dmarc_from before = *f;
	int rc;

	rc = dmarc_from_parse(p, len, f);
	check(f, &before, rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl;
	struct dmarc_from f;
	size_t off = 0, n;

	last_input(data, size);
	memset(&f, 0, sizeof(f));
	parse(p, size, &f);
	dmarc_from_clear(&f);

	while (off < size) {
		nl = memchr(p + off, '\n', size - off);
		n = nl != NULL ? (size_t)(nl - (p + off)) : size - off;

		parse(p + off, n, &f);
		off += n + 1;
	}
	dmarc_from_clear(&f);
	return 0;
}
