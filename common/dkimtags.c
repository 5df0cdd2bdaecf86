/*
 * dkimtags.c -- RFC 6376 3.2 tag-list checks libopendkim leaves out
 *
 * SYNOPSIS
 *	#include "dkimtags.h"
 *
 * DESCRIPTION
 *	A tag-list is tag-specs separated by ";", each [FWS] name [FWS] "="
 *	value.  Only the names matter here: every tag-spec's name is kept
 *	(at most DKIMTAGS_MAX, so a field of thousands of tags costs no
 *	more than a bounded scan) and compared with those before it.  A
 *	segment without "=" and an empty one are libopendkim's to refuse;
 *	they are skipped.  Names compare without regard to case although
 *	RFC 6376 3.2 makes them case-sensitive: libopendkim folds case, so
 *	"d=" and "D=" would reach it as one tag whose last value wins, and
 *	the two readings of such a list differ.
 *
 * WHY A FILE OF ITS OWN
 *	The checks are pure functions of the text, tested on their own
 *	(tests/unit/test_dkimtags.c); dkim.c applies them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkimtags.h"
#include "xmalloc.h"

struct tag {
	const char	*name;
	size_t		 nlen;
	const char	*val;	/* after "=", up to the next ";" or the end */
	size_t		 vlen;
};

static int
fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * next_tag - the tag-spec starting at *p (before end) into t, *p moved
 * past its ";"; 1 when it has a name and "=", 0 for a segment to skip
 */
static int
next_tag(const char **p, const char *end, struct tag *t)
{
	const char *s = *p, *semi, *eq;

	semi = memchr(s, ';', (size_t)(end - s));
	if (semi == NULL)
		semi = end;
	*p = semi < end ? semi + 1 : end;
	while (s < semi && fws(*s))
		s++;
	if ((eq = memchr(s, '=', (size_t)(semi - s))) == NULL)
		return 0;
	t->name = s;
	t->nlen = (size_t)(eq - s);
	while (t->nlen > 0 && fws(t->name[t->nlen - 1]))
		t->nlen--;
	t->val = eq + 1;
	t->vlen = (size_t)(semi - eq - 1);
	return t->nlen > 0;
}

/* dkimtags_check - see dkimtags.h */
int
dkimtags_check(const char *v, size_t len, enum dkimtags_kind kind,
    char *why, size_t whylen)
{
	struct tag	 t, seen[DKIMTAGS_MAX];
	const char	*p = v, *end = v + len;
	size_t		 n = 0, i;

	while (p < end) {
		if (!next_tag(&p, end, &t))
			continue;
		for (i = 0; i < n; i++)
			if (seen[i].nlen == t.nlen &&
			    strncasecmp(seen[i].name, t.name, t.nlen) == 0) {
				snprintf(why, whylen, "tag %.*s= repeated",
				    (int)(t.nlen > 16 ? 16 : t.nlen), t.name);
				return -1;
			}
		if (kind == DKIMTAGS_KEY && n > 0 && t.nlen == 1 &&
		    (t.name[0] == 'v' || t.name[0] == 'V')) {
			snprintf(why, whylen, "v= is not the first tag");
			return -1;
		}
		if (n == DKIMTAGS_MAX) {
			snprintf(why, whylen, "more than %d tags",
			    DKIMTAGS_MAX);
			return -1;
		}
		seen[n++] = t;
	}
	return 0;
}

/* dkimtags_get - see dkimtags.h */
char *
dkimtags_get(const char *v, size_t len, const char *name)
{
	struct tag	 t, last = { NULL, 0, NULL, 0 };
	const char	*p = v, *end = v + len;
	size_t		 nlen = strlen(name), i, n = 0;
	char		*out;

	while (p < end)
		if (next_tag(&p, end, &t) && t.nlen == nlen &&
		    strncasecmp(t.name, name, nlen) == 0)
			last = t;
	if (last.name == NULL)
		return NULL;
	out = xmalloc(last.vlen + 1);
	for (i = 0; i < last.vlen; i++)
		if (!fws(last.val[i]))
			out[n++] = last.val[i];
	out[n] = '\0';
	return out;
}
