/*
 * zonefile_fuzz.c -- libFuzzer harness for the zone-file parser
 *
 * DESCRIPTION
 *	Parses the input with zonefile_parse_buf() (the entry the file
 *	loader uses too) and, when it parses, looks up the first word of
 *	the input and a few fixed names with every lookup function and
 *	record type, so the sorted table, the existence index, CNAME
 *	following, TXT joining and packet synthesis all see fuzzed data.
 *	Without --enable-fuzzing, tests/fuzz/replay.c replays the corpus
 *	(tests/fuzz/zonefile.in) and crash reproducers (zonefile.repro).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int qtypes[] = { 1, 2, 5, 12, 15, 16, 28, 99 };

/* probe - every kind of lookup of one name */
static void
probe(const struct zonefile *z, const char *name)
{
	struct dmarc_dns_txt t = { 0, NULL, NULL };
	unsigned char *pkt;
	size_t i, len;

	(void)zonefile_txt(z, name, &t);
	dmarc_dns_txt_clear(&t);
	(void)zonefile_exists(z, name);
	for (i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++) {
		(void)zonefile_query(z, name, qtypes[i], &pkt, &len);
		free(pkt);
	}
}

/* LLVMFuzzerTestOneInput - parse one input, probe the table it built */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *fixed[] = { "example.com", "_dmarc.example.com",
	    "www.example.com", "a.b.example.com", "com", "" };
	struct zonefile *z;
	char err[256], name[300];
	size_t i, n = 0;

	z = zonefile_parse_buf((const char *)data, size, "fuzz", err,
	    sizeof(err));
	if (z == NULL)
		return 0;
	while (n < size && n < sizeof(name) - 1 && data[n] != ' ' &&
	    data[n] != '\t' && data[n] != '\n' && data[n] != '\0')
		n++;
	memcpy(name, data, n);
	name[n] = '\0';
	probe(z, name);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		probe(z, fixed[i]);
	zonefile_free(z);
	return 0;
}
