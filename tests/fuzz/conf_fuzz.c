/*
 * conf_fuzz.c -- libFuzzer harness for the configuration parser
 *
 * SYNOPSIS
 *	tests/fuzz/conf_fuzz [-max_len=...] tests/fuzz/conf.in
 *
 * DESCRIPTION
 *	Feeds the input to conf_load_buf() as dmarcd would, reads every key
 *	through its accessor, and checks an invariant: when the input
 *	loads, the conf_dump() output loads again and dumps identically
 *	(what `dmarcd -n` prints is itself a valid configuration).  Logging
 *	is silenced so CF_NOTYET warnings do not flood the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* dump - conf_dump into a malloc'd string */
static char *
dump(const struct conf *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	if (fp == NULL)
		abort();
	conf_dump(c, CONF_ALL, fp);
	fclose(fp);
	return s;
}

/* touch - read every key through its typed accessor */
static void
touch(const struct conf *c)
{
	const struct conf_key *k;
	size_t i, j, n, nk;
	const char *const *l;

	k = conf_keys(&nk);
	for (i = 0; i < nk; i++) {
		(void)conf_isset(c, (enum conf_id)i);
		(void)conf_line(c, (enum conf_id)i);
		switch (k[i].type) {
		case CT_BOOL:
			(void)conf_bool(c, (enum conf_id)i);
			break;
		case CT_INT:
			if (conf_int(c, (enum conf_id)i) < k[i].min ||
			    conf_int(c, (enum conf_id)i) > k[i].max)
				abort();
			break;
		case CT_LIST:
			l = conf_list(c, (enum conf_id)i, &n);
			for (j = 0; j < n; j++)
				if (l[j] == NULL || l[j][0] == '\0')
					abort();
			if (l[n] != NULL)
				abort();
			break;
		default:
			(void)conf_str(c, (enum conf_id)i);
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	char err[512];
	struct conf *c, *c2;
	char *d, *d2;

	if (!init) {
		log_init("conf_fuzz", 0, 0, 0);
		init = 1;
	}
	c = conf_load_buf((const char *)data, size, "fuzz", CONF_DMARCD,
	    err, sizeof(err));
	if (c == NULL) {
		if (err[0] == '\0')
			abort();	/* every failure says why */
		return 0;
	}
	touch(c);
	d = dump(c);
	c2 = conf_load_buf(d, strlen(d), "dump", CONF_DMARCD, err,
	    sizeof(err));
	if (c2 == NULL)
		abort();
	d2 = dump(c2);
	if (strcmp(d, d2) != 0)
		abort();
	free(d2);
	free(d);
	conf_free(c2);
	conf_free(c);
	return 0;
}
