/*
 * ingest_fuzzcheck.h -- the invariant the ingest harnesses share: every
 * report parsed writes JSON that json-c reads back, whatever the input
 */
#ifndef INGEST_FUZZCHECK_H
#define INGEST_FUZZCHECK_H

#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "reports/ingest/output.h"

/* fuzz_json_ok - out_json() of r parses as one JSON object, or abort */
static void
fuzz_json_ok(const struct report *r)
{
	static const enum sample_mode modes[] = { SAMPLE_HEADERS,
		SAMPLE_REDACTED, SAMPLE_ALL };
	struct out_opts o = { SAMPLE_ALL, 0 };
	json_object *j;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		o.sample = modes[i];
		if ((fp = open_memstream(&buf, &len)) == NULL)
			abort();
		out_json(fp, r, "fuzz", &o);
		out_csv(fp, r, "fuzz", &o);
		fclose(fp);
		if ((j = json_tokener_parse(buf)) == NULL ||
		    !json_object_is_type(j, json_type_object))
			abort();
		json_object_put(j);
		free(buf);
		buf = NULL;
	}
}

#endif
