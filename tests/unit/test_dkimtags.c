/*
 * test_dkimtags.c -- RFC 6376 tag-list checks (common/dkimtags.c)
 *
 * libopendkim lets a repeated tag overwrite the earlier one and takes a
 * key record whose v= is not first; these are the checks dkim.c adds.
 * A table of signature and key tag-lists, valid and not, with the
 * reason given; then dkimtags_get on the last of repeated tags, folding
 * whitespace and the bound on the number of tags.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkimtags.h"
#include "tests/tap.h"

static const struct {
	const char		*list;
	enum dkimtags_kind	 kind;
	const char		*why;	/* NULL: valid */
} cases[] = {
	{ "v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=AA; b=BB",
	    DKIMTAGS_SIG, NULL },
	{ "v=1; d=a.example; s=s1; d=b.example; b=BB", DKIMTAGS_SIG,
	    "tag d= repeated" },
	{ "v=1; d=a.example; D=b.example; b=BB", DKIMTAGS_SIG,
	    "tag D= repeated" },
	{ " d = a.example ;\r\n\t s=s1;\r\n\t d\t=x; b=BB", DKIMTAGS_SIG,
	    "tag d= repeated" },
	{ "v=1; d=a.example; b=BB;", DKIMTAGS_SIG, NULL },
	{ "v=1;; d=a.example; junk; b=BB", DKIMTAGS_SIG, NULL },
	{ "v=1; dd=x; d=y; b=", DKIMTAGS_SIG, NULL },
	{ "a=rsa-sha256; v=1; d=x; b=", DKIMTAGS_SIG, NULL },
	{ "v=DKIM1; k=rsa; p=AAAA", DKIMTAGS_KEY, NULL },
	{ "k=rsa; p=AAAA", DKIMTAGS_KEY, NULL },
	{ "  v=DKIM1; p=AAAA", DKIMTAGS_KEY, NULL },
	{ "k=rsa; v=DKIM1; p=AAAA", DKIMTAGS_KEY, "v= is not the first tag" },
	{ "v=DKIM1; k=rsa; p=AAAA; p=BBBB", DKIMTAGS_KEY, "tag p= repeated" },
	{ "v=DKIM1; k=rsa; K=ed25519; p=AAAA", DKIMTAGS_KEY,
	    "tag K= repeated" },
	{ "v=DKIM1; v=DKIM1; p=AAAA", DKIMTAGS_KEY, "tag v= repeated" },
	{ "", DKIMTAGS_KEY, NULL },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* test_many - the tag bound, and a repeat after it is not needed */
static void
test_many(void)
{
	char list[DKIMTAGS_MAX * 8 + 16], why[48];
	size_t n = 0;
	int i;

	for (i = 0; i < DKIMTAGS_MAX; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "t%d=x;", i);
	CHECK(dkimtags_check(list, n, DKIMTAGS_SIG, why, sizeof(why)) == 0,
	    "%d distinct tags: valid", DKIMTAGS_MAX);
	n += (size_t)snprintf(list + n, sizeof(list) - n, "u=x");
	CHECK(dkimtags_check(list, n, DKIMTAGS_SIG, why, sizeof(why)) != 0 &&
	    strcmp(why, "more than 64 tags") == 0, "%d tags: invalid (%s)",
	    DKIMTAGS_MAX + 1, why);
}

/* test_get - the last of repeated tags, whitespace removed */
static void
test_get(void)
{
	static const char l[] = "v=1; b=AAA\r\n\t BBB; d=x; B= CC C ;x=";
	char *v;

	v = dkimtags_get(l, sizeof(l) - 1, "b");
	CHECK(v != NULL && strcmp(v, "CCC") == 0, "get b: the last (B=), "
	    "folded: %s", v != NULL ? v : "(null)");
	free(v);
	v = dkimtags_get(l, 10, "b");
	CHECK(v != NULL && strcmp(v, "AAA") == 0, "get b within the length "
	    "given: %s", v != NULL ? v : "(null)");
	free(v);
	v = dkimtags_get(l, sizeof(l) - 1, "x");
	CHECK(v != NULL && *v == '\0', "get x: empty value");
	free(v);
	CHECK(dkimtags_get(l, sizeof(l) - 1, "s") == NULL, "get s: none");
}

int
main(void)
{
	char why[48];
	size_t i;
	int rc;

	for (i = 0; i < NCASES; i++) {
		why[0] = '\0';
		rc = dkimtags_check(cases[i].list, strlen(cases[i].list),
		    cases[i].kind, why, sizeof(why));
		if (cases[i].why == NULL)
			CHECK(rc == 0, "valid: %s", cases[i].list);
		else
			CHECK(rc == -1 && strcmp(why, cases[i].why) == 0,
			    "invalid (%s, got %s): %s", cases[i].why, why,
			    cases[i].list);
	}
	test_many();
	test_get();
	return tap_done();
}
