/*
 * arc.c -- the ARC header fields dmarcd reads: ARC-Seal tags and the
 *          instance of an ARC-Authentication-Results field
 *
 * SYNOPSIS
 *	int dmarc_arcseal_parse(const char *p, size_t len,
 *	    struct dmarc_arcseal *out);
 *	int dmarc_arc_instance(const char *p, size_t len, size_t *rest);
 *
 * DESCRIPTION
 *	dmarcd does no ARC cryptography (RFC 8617 is heading to Historic):
 *	it takes arc=pass from a trusted Authentication-Results field and
 *	reads the seals only to name the sealers (d=, s=, i=) for the history
 *	record, the DomainWhitelist check and the report comment.  The seal
 *	is an RFC 6376 tag-list: "tag=value" separated by ';', whitespace and
 *	folding anywhere around them.  Unknown tags are ignored; a tag
 *	without '=', a duplicate tag, a missing or out-of-range i= (1..50) or
 *	an invalid d= is DMARC_ESYNTAX.  b= may be any length and is skipped.
 *
 * WHY A FILE OF ITS OWN
 *	OpenDMARC's ARC-Seal parser crashed on a 3072-bit b=, on tokens
 *	without '=' and on "ARC-Seal: x" (#183, #186, #222, #236); this one
 *	copies nothing into fixed buffers without a length check and is
 *	fuzzed (tests/fuzz/arc_fuzz.c).
 */
#include <string.h>

#include "internal.h"

/* is_fws - whitespace inside a tag-list */
static int
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - strip folding whitespace from both ends of [*p, *p + *len) */
static void
trim(const char **p, size_t *len)
{
	while (*len > 0 && is_fws(**p)) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && is_fws((*p)[*len - 1]))
		(*len)--;
}

/* parse_instance - 1..50 in decimal, -1 otherwise */
static int
parse_instance(const char *v, size_t len)
{
	int n = 0;
	size_t i;

	if (len == 0 || len > 2)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n >= 1 && n <= 50 ? n : -1;
}

/* set_tag - one tag into out; seen tracks duplicates */
static int
set_tag(struct dmarc_arcseal *out, const char *t, size_t tlen,
    const char *v, size_t vlen, unsigned *seen)
{
	static const char *const known[] = { "i", "d", "s", "cv", "a", "b",
	    "t" };
	size_t k;

	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (tlen == strlen(known[k]) && memcmp(t, known[k], tlen) == 0)
			break;
	if (k == sizeof(known) / sizeof(known[0]))
		return DMARC_OK;		/* unknown tag: ignored */
	if (*seen & (1u << k))
		return DMARC_ESYNTAX;		/* duplicate */
	*seen |= 1u << k;
	switch (k) {
	case 0:
		return (out->instance = parse_instance(v, vlen)) < 0 ?
		    DMARC_ESYNTAX : DMARC_OK;
	case 1:
		return dmarc_domain_normalize(v, vlen, out->domain,
		    sizeof(out->domain)) == DMARC_OK ? DMARC_OK : DMARC_ESYNTAX;
	case 2:
		if (vlen == 0 || vlen >= sizeof(out->selector) ||
		    !dmarc_domain_is_ldh(v, vlen))
			return DMARC_ESYNTAX;
		memcpy(out->selector, v, vlen);
		out->selector[vlen] = '\0';
		return DMARC_OK;
	case 3:
		if (vlen == 0 || vlen >= sizeof(out->cv))
			return DMARC_ESYNTAX;
		memcpy(out->cv, v, vlen);
		out->cv[vlen] = '\0';
		dm_lowercase(out->cv);
		return DMARC_OK;
	default:
		return DMARC_OK;		/* a=, b=, t=: not needed */
	}
}

/* dmarc_arcseal_parse - see the file header */
int
dmarc_arcseal_parse(const char *p, size_t len, struct dmarc_arcseal *out)
{
	const char *end = p + len;
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	out->instance = -1;
	if (p == NULL || len > DMARC_MAXHDR)
		return p == NULL ? DMARC_EINVAL : DMARC_ETOOBIG;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *item = p, *eq;
		size_t ilen = (size_t)((semi ? semi : end) - p), tlen, vlen;
		int rc;

		p = semi ? semi + 1 : end;
		trim(&item, &ilen);
		if (ilen == 0)
			continue;		/* empty item, trailing ';' */
		if ((eq = memchr(item, '=', ilen)) == NULL)
			return DMARC_ESYNTAX;
		tlen = (size_t)(eq - item);
		vlen = ilen - tlen - 1;
		eq++;
		trim(&item, &tlen);
		trim(&eq, &vlen);
		if (tlen == 0)
			return DMARC_ESYNTAX;
		if ((rc = set_tag(out, item, tlen, eq, vlen, &seen)) != DMARC_OK)
			return rc;
	}
	if (out->instance < 0 || out->domain[0] == '\0')
		return DMARC_ESYNTAX;
	return DMARC_OK;
}

/* dmarc_arc_instance - "i=N;" at the start of an ARC-A-R value */
int
dmarc_arc_instance(const char *p, size_t len, size_t *rest)
{
	const char *s = p, *end = p + len, *semi, *v;
	size_t vlen;
	int n;

	while (s < end && is_fws(*s))
		s++;
	if (end - s < 2 || s[0] != 'i' || (s[1] != '=' && !is_fws(s[1])))
		return -1;
	s++;
	while (s < end && is_fws(*s))
		s++;
	if (s >= end || *s != '=')
		return -1;
	v = s + 1;
	if ((semi = memchr(v, ';', (size_t)(end - v))) == NULL)
		return -1;
	vlen = (size_t)(semi - v);
	trim(&v, &vlen);
	if ((n = parse_instance(v, vlen)) < 0)
		return -1;
	if (rest != NULL)
		*rest = (size_t)(semi + 1 - p);
	return n;
}
