/*
 * zquote.h -- one character-string in zone-file syntax, for test tools
 *
 * SYNOPSIS
 *	zquote(fp, p, len);	writes "..." with \" \\ and \DDD escapes
 *
 * DESCRIPTION
 *	The quoting common/zonefile.c reads back: used by dnsq (answers
 *	printed as zone lines) and spf_fuzz (records written into a zone).
 */
#ifndef ZQUOTE_H
#define ZQUOTE_H

#include <stddef.h>
#include <stdio.h>

static inline void
zquote(FILE *fp, const char *p, size_t len)
{
	size_t i;

	fputc('"', fp);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(fp, "\\%03u", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

#endif
