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
 *	The author's organizational domain is found first (the policy
 *	discovery has usually walked the author already).  The identifier's
 *	is always the identifier itself or one of its parents, under either
 *	method, so unless the author's is too, the two cannot be equal and
 *	the identifier is never looked up: no tree walk for a bounce domain
 *	of a mailing service that merely shares a top-level domain with
 *	the author (the walk of "bounces.esp.example.com" costs up to three
 *	queries, all made at the end of the message).
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

/* under - name is dom or a name below it, by whole labels */
static int
under(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);

	if (n == d)
		return dm_strcaseeq(name, dom);
	return n > d && name[n - d - 1] == '.' &&
	    dm_strcaseeq(name + n - d, dom);
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
	orgdomain(od, author, b, sizeof(b));
	if (!under(id, b))
		return 0;	/* org(id) is id or above it: never b */
	orgdomain(od, id, a, sizeof(a));
	return dm_strcaseeq(a, b);
}
