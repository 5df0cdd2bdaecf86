/*
 * history_fuzz.c -- libFuzzer harness for the history reader and writer
 *
 * SYNOPSIS
 *	tests/fuzz/history_fuzz [libFuzzer options] tests/fuzz/history.in
 *
 * DESCRIPTION
 *	Feeds the input to the streaming parser split on newlines.  Every
 *	record it hands back is formatted (with and without extension keys);
 *	the formatted text is parsed again and must give exactly one record,
 *	with no malformed line, that formats to the very same bytes.  Any
 *	mismatch aborts, which the fuzzer and the replay test report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* reparse - parse text that we wrote; it must hold one clean record */
static struct dmarc_history *
reparse(const char *text, size_t len)
{
	struct dmarc_history_parser *hp = dmarc_history_parser_new();
	struct dmarc_history *h, *got = NULL;
	size_t i = 0;

	if (hp == NULL)
		abort();
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l;

		if (nl == NULL)
			abort();	/* our records end in a newline */
		l = (size_t)(nl - (text + i));
		if (dmarc_history_feed(hp, text + i, l, &h) != DMARC_OK ||
		    h != NULL)
			abort();
		i += l + 1;
	}
	if (dmarc_history_finish(hp, &got) != DMARC_OK || got == NULL)
		abort();
	dmarc_history_parser_free(hp);
	return got;
}

/* roundtrip - format h, parse it back, format again: same bytes */
static void
roundtrip(const struct dmarc_history *h, int with_ext)
{
	struct dmarc_history *h2;
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	int rc;

	rc = dmarc_history_format(h, with_ext, &a, &la);
	if (rc == DMARC_ENOMEM)
		return;
	if (rc != DMARC_OK || a == NULL || strlen(a) != la)
		abort();
	h2 = reparse(a, la);
	if (dmarc_history_format(h2, with_ext, &b, &lb) != DMARC_OK ||
	    la != lb || memcmp(a, b, la) != 0)
		abort();
	if (with_ext == 0 && h2->has_ext)
		abort();
	dmarc_history_free(h2);
	free(a);
	free(b);
}

/* done - check and release one record handed back by the parser */
static void
done(struct dmarc_history *h)
{
	if (h == NULL)
		return;
	if (h->ndkim > DMARC_MAXDKIM || h->nrua > DMARC_MAXURIS)
		abort();
	roundtrip(h, 1);
	roundtrip(h, 0);
	dmarc_history_free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct dmarc_history_parser *hp = dmarc_history_parser_new();
	struct dmarc_history *h;
	size_t i = 0;
	int rc;

	if (hp == NULL)
		return 0;
	while (i < size) {
		const char *nl = memchr(p + i, '\n', size - i);
		size_t l = nl != NULL ? (size_t)(nl - (p + i)) : size - i;

		rc = dmarc_history_feed(hp, p + i, l, &h);
		if (rc != DMARC_OK && rc != DMARC_ESYNTAX &&
		    rc != DMARC_ETRUNC && rc != DMARC_ENOMEM)
			abort();
		if (rc == DMARC_ETRUNC && h == NULL)
			abort();
		done(h);
		i += l + 1;
	}
	rc = dmarc_history_finish(hp, &h);
	if ((rc == DMARC_ETRUNC && h == NULL) ||
	    (rc != DMARC_OK && rc != DMARC_ETRUNC))
		abort();
	done(h);
	dmarc_history_parser_free(hp);
	return 0;
}
