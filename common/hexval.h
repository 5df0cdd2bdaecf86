/*
 * hexval.h -- the value of one hex digit, for the %-decoders of DSNs
 * (store.c), IMAP URLs (imapurl.c) and mailto: URIs (rufdest.c)
 */
#ifndef HEXVAL_H
#define HEXVAL_H

/* hexval - a hex digit's value, or -1 for anything else */
static inline int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
