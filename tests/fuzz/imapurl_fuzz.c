/*
 * imapurl_fuzz.c -- libFuzzer harness for dmarc-ingest's imap[s]:// URL
 * parser (reports/ingest/imapurl.c)
 *
 * DESCRIPTION
 *	An accepted URL must give a user, a host of host-name or address
 *	characters only, a port from 1 to 65535 and a mailbox, none of them
 *	holding a control byte; a refused one must say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/ingest/imap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* clean - s is non-empty, NUL-terminated in n bytes, no control byte */
static int
clean(const char *s, size_t n)
{
	size_t i;

	if (memchr(s, '\0', n) == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_url u;
	char why[128], *p;

	if ((p = malloc(size + 1)) == NULL)
		return 0;
	memcpy(p, data, size);
	p[size] = '\0';
	why[0] = '\0';
	if (imap_url_parse(p, &u, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
	} else if (!clean(u.user, sizeof(u.user)) ||
	    !clean(u.host, sizeof(u.host)) ||
	    !clean(u.mailbox, sizeof(u.mailbox)) || u.port == 0 ||
	    strspn(u.host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._:") != strlen(u.host) || !imap_is_url(p))
		abort();
	free(p);
	return 0;
}
