/*
 * align.c -- identifier alignment, strict and relaxed
 *
 * SYNOPSIS
 *	int dmarc_aligned(const char *id, const char *author, char mode,
 *	    const struct dmarc_orgdomain *od);
 *
 * DESCRIPTION
 *	Strict alignment is an exact (case-insensitive) match of two
 *	normalized names and nothing else.  Relaxed alignment compares the
 *	organizational domains found through the injected hook (PSL under
 *	RFC 7489; the RFC 9989 tree walk plugs in the same way).  When the
 *	hook is absent or fails, relaxed falls back to exact match: never to
 *	plain label-suffix containment, which would align "example.com" with
 *	"com".
 *
 * WHY A FILE OF ITS OWN
 *	OpenDMARC 1.4.2 let strict alignment pass through the PSL (#268,
 *	#354, TV12); keeping the rule in one small function makes that class
 *	of bug visible and testable.
 */
#include <string.h>

#include "internal.h"

/* orgdomain - organizational domain of name into out, name itself on failure */
static void
orgdomain(const struct dmarc_orgdomain *od, const char *name, char *out,
    size_t outlen)
{
	if (od == NULL || od->lookup == NULL ||
	    od->lookup(od->arg, name, out, outlen) != DMARC_OK || *out == '\0')
		dm_strlcpy(out, name, outlen);
}

/* dmarc_aligned - nonzero when id aligns with author under mode 'r'/'s' */
int
dmarc_aligned(const char *id, const char *author, char mode,
    const struct dmarc_orgdomain *od)
{
	char a[DMARC_MAXDOMAIN + 1], b[DMARC_MAXDOMAIN + 1];

	if (id == NULL || author == NULL || *id == '\0' || *author == '\0')
		return 0;
	if (dm_strcaseeq(id, author))
		return 1;
	if (mode == 's')
		return 0;
	orgdomain(od, id, a, sizeof(a));
	orgdomain(od, author, b, sizeof(b));
	return dm_strcaseeq(a, b);
}
