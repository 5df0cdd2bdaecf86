/*
 * aggxml_fuzz.c -- libFuzzer harness for the aggregate report XML reader
 * (reports/ingest/aggxml.c, normalise.c)
 *
 * DESCRIPTION
 *	A report read from the input must carry its identity (report id,
 *	policy domain, a date range) and alignment booleans consistent with
 *	each other, and must write valid JSON (ingest_fuzzcheck.h);
 *	anything else aborts so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_fuzzcheck.h"
#include "reports/ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report *r;
	char why[256];
	size_t i;

	if (aggxml_parse((const char *)data, size, &r, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
		return 0;
	}
	if (r->u.agg.report_id == NULL || *r->u.agg.report_id == '\0' ||
	    r->u.agg.domain == NULL || r->u.agg.begin < 0 ||
	    r->u.agg.end < 0 || r->u.agg.adkim == NULL)
		abort();
	for (i = 0; i < r->u.agg.nrecords; i++) {
		const struct agg_record *x = &r->u.agg.records[i];

		if (x->dmarc_aligned != (x->spf_aligned || x->dkim_aligned))
			abort();
	}
	fuzz_json_ok(r);
	report_free(r);
	return 0;
}
