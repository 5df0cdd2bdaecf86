/*
 * tlsrpt_fuzz.c -- libFuzzer harness for the TLS-RPT JSON reader
 * (reports/ingest/tlsrpt.c)
 *
 * DESCRIPTION
 *	A report read from the input must have an organization, a report id
 *	and a date range, and must write valid JSON; a refused input must
 *	say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lastinput.h"
#include "ingest_fuzzcheck.h"
#include "reports/ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report *r;
	char why[256], *p;

	last_input(data, size);
	/* json-c wants the bytes it reads to be the whole buffer */
	if ((p = malloc(size + 1)) == NULL)
		return 0;
	memcpy(p, data, size);
	p[size] = '\0';
	if (tlsrpt_parse(p, size, &r, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
		free(p);
		return 0;
	}
	if (r->u.tls.org_name == NULL || r->u.tls.report_id == NULL ||
	    r->u.tls.begin < 0 || r->u.tls.end < 0)
		abort();
	fuzz_json_ok(r);
	report_free(r);
	free(p);
	return 0;
}
