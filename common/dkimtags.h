/*
 * dkimtags.h -- RFC 6376 3.2 tag-list checks libopendkim leaves out
 *
 * SYNOPSIS
 *	char why[64];
 *	if (dkimtags_check(value, len, DKIMTAGS_KEY, why, sizeof(why)) != 0)
 *		... the tag-list is invalid, why says how ...
 *	char *b = dkimtags_get(value, len, "b");	(free(3) it)
 *
 * DESCRIPTION
 *	libopendkim 2.11.0 parses DKIM-Signature fields and key records
 *	itself but lets a repeated tag overwrite the earlier one (the last
 *	wins) and does not check where v= stands in a key record.  RFC 6376
 *	3.2 makes a tag-list with a repeated tag invalid as a whole, and
 *	3.6.1 puts v= first in a key record.  dkim.c runs these checks on
 *	the text it hands libopendkim and overrides its result.
 */
#ifndef DKIMTAGS_H
#define DKIMTAGS_H

#include <stddef.h>

/* Tag names kept per tag-list; more tags than this make it invalid. */
#define DKIMTAGS_MAX	64

enum dkimtags_kind {
	DKIMTAGS_SIG,		/* a DKIM-Signature field's value */
	DKIMTAGS_KEY		/* a key record: v=, when present, first */
};

/*
 * dkimtags_check - 0 when no tag repeats (names compared without regard
 * to case, as libopendkim compares them), the list has at most
 * DKIMTAGS_MAX tags and, for a key record, v= is absent or first;
 * else -1 and the reason in why.  Other syntax is libopendkim's.
 */
int	 dkimtags_check(const char *v, size_t len, enum dkimtags_kind kind,
	    char *why, size_t whylen);

/*
 * dkimtags_get - the value of the last tag called name (any case, as
 * libopendkim keeps it) with all whitespace removed, malloc(3)ed; NULL
 * when there is none
 */
char	*dkimtags_get(const char *v, size_t len, const char *name);

#endif
