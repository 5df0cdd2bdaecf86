/*
 * mime_fuzz.c -- libFuzzer harness for everything between the bytes of
 * an input and a report: containers (gzip, zlib, zip, tar, base64), the
 * MIME walker, ARF and the plain-text failure form (reports/ingest/
 * containers.c, zip.c, mime.c, arf.c, ingest.c)
 *
 * DESCRIPTION
 *	ingest_bytes() must either give reports or one reason; every part
 *	the walker lists must lie inside the input or inside its own
 *	decoded copy; every report must write valid JSON.
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
	struct ingest_result res;
	struct mime_msg m;
	size_t i;
	int rc;

	last_input(data, size);
	mime_parse((const char *)data, size, &m);
	for (i = 0; i < m.nparts; i++)
		if (m.parts[i].hdrlen > m.parts[i].rawlen ||
		    m.parts[i].body == NULL || m.parts[i].ctype == NULL)
			abort();
	mime_free(&m);
	rc = ingest_bytes(data, size, NULL, &res);
	if ((rc == 0) != (res.nreports > 0) ||
	    (rc != 0 && res.reject[0] == '\0'))
		abort();
	for (i = 0; i < res.nreports; i++)
		fuzz_json_ok(res.reports[i]);
	ingest_result_free(&res);
	return 0;
}
