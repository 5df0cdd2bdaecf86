/*
 * aggxml_fuzz.c -- libFuzzer harness for the aggregate report XML reader
 * (reports/ingest/aggxml.c, normalise.c)
 *
 * DESCRIPTION
 *	The input is pushed through the same push parser dmarc-ingest runs,
 *	in pieces whose size its last byte picks and with batches of 1 to 7
 *	records, so chunk boundaries and batch flushes fall everywhere.  A
 *	report read from the input must carry its identity (report id,
 *	policy domain, a date range), every record it counted, alignment
 *	booleans consistent with each other, and must write valid JSON
 *	(ingest_fuzzcheck.h); anything else aborts so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lastinput.h"
#include "ingest_fuzzcheck.h"
#include "reports/ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* parse - the input in pieces through aggxml's push parser */
static int
parse(const uint8_t *data, size_t size, struct report **r, char *why,
    size_t whylen)
{
	struct ingest_sink s;
	struct aggxml *x;
	size_t off, step, k;

	aggxml_keep(&s);
	s.batch = 1 + size % 7;
	step = size > 0 ? 1 + (size_t)data[size - 1] * 16 : 1;
	x = aggxml_new(&s, "fuzz");
	for (off = 0; off < size; off += k) {
		k = size - off < step ? size - off : step;
		aggxml_push(x, (const char *)data + off, k);
	}
	return aggxml_finish(x, r, why, whylen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report *r;
	char why[256];
	size_t i;

	last_input(data, size);
	if (parse(data, size, &r, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
		return 0;
	}
	if (r->u.agg.report_id == NULL || *r->u.agg.report_id == '\0' ||
	    r->u.agg.domain == NULL || r->u.agg.begin < 0 ||
	    r->u.agg.end < 0 || r->u.agg.adkim == NULL ||
	    r->u.agg.nrecords != r->u.agg.total)
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
