/*
 * domain.c -- validate and canonicalise domain names
 *
 * SYNOPSIS
 *	int dmarc_domain_normalize(const char *p, size_t len, char *out,
 *	    size_t outlen);
 *
 * DESCRIPTION
 *	Every domain libdmarc compares or writes passes through here: it is
 *	lower-cased, loses a trailing dot, has its U-labels converted to
 *	A-labels by libidn2 (RFC 5890, D-11), and must then consist of
 *	letters, digits, '-' and '.' in labels of 1..63 octets, 253 octets in
 *	all.  Anything else is DMARC_EDOMAIN.
 *
 * WHY A FILE OF ITS OWN
 *	CVE-2020-12272 injected "example.net(.example.com" through an
 *	unchecked domain; one gate for every domain closes that class.
 */
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "internal.h"

/* dmarc_domain_is_ldh - letters, digits, hyphens, dots; sane labels */
int
dmarc_domain_is_ldh(const char *p, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > DMARC_MAXDOMAIN)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

/* has_8bit - any octet outside ASCII */
static int
has_8bit(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

/* to_alabel - IDNA2008 (UTS 46 non-transitional) conversion via libidn2 */
static int
to_alabel(const char *p, size_t len, char *out, size_t outlen)
{
	char *in, *res = NULL;
	int rc;

	if ((in = dm_strndup(p, len)) == NULL)
		return DMARC_ENOMEM;
	rc = idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&res,
	    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	free(in);
	if (rc != IDN2_OK) {
		if (res != NULL)
			idn2_free(res);
		return rc == IDN2_MALLOC ? DMARC_ENOMEM : DMARC_EDOMAIN;
	}
	if (dm_strlcpy(out, res, outlen) >= outlen) {
		idn2_free(res);
		return DMARC_EDOMAIN;
	}
	idn2_free(res);
	return DMARC_OK;
}

/* dmarc_domain_normalize - see the file header */
int
dmarc_domain_normalize(const char *p, size_t len, char *out, size_t outlen)
{
	size_t n;
	int rc;

	if (p == NULL || out == NULL || outlen == 0)
		return DMARC_EINVAL;
	if (len > 0 && p[len - 1] == '.')
		len--;
	if (len == 0 || len > 4 * DMARC_MAXDOMAIN || memchr(p, '\0', len))
		return DMARC_EDOMAIN;
	if (has_8bit(p, len)) {
		if ((rc = to_alabel(p, len, out, outlen)) != DMARC_OK)
			return rc;
	} else {
		if (len >= outlen)
			return DMARC_EDOMAIN;
		memcpy(out, p, len);
		out[len] = '\0';
	}
	dm_lowercase(out);
	n = strlen(out);
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
	if (!dmarc_domain_is_ldh(out, n)) {
		out[0] = '\0';
		return DMARC_EDOMAIN;
	}
	return DMARC_OK;
}

/* dmarc_domain_labels - count labels of a normalized name */
unsigned
dmarc_domain_labels(const char *name)
{
	unsigned n = 0;

	if (name == NULL || *name == '\0')
		return 0;
	for (n = 1; *name != '\0'; name++)
		if (*name == '.')
			n++;
	return n;
}
