/*
 * test_psl.c -- organizational domains through libpsl
 *
 * DESCRIPTION
 *	The same table runs against the system list (Debian package
 *	publicsuffix) and against tests/data/psl-test.dat: plain names,
 *	co.uk, the *.ck wildcard and its !www.ck exception, a
 *	private-section entry, a public suffix as its own organizational
 *	domain (D-19) and an IDN suffix given as A-labels.  The system list
 *	is skipped (not failed) when the package is missing.
 */
#include <unistd.h>

#include "config.h"
#include "psl.h"
#include "tests/tap.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static const struct {
	const char	*name;
	const char	*want;
} cases[] = {
	{ "a.b.example.com", "example.com" },
	{ "example.com", "example.com" },
	{ "A.B.Example.COM.", "example.com" },
	{ "example.co.uk", "example.co.uk" },
	{ "mail.example.co.uk", "example.co.uk" },
	{ "co.uk", "co.uk" },
	{ "x.y.ck", "x.y.ck" },
	{ "a.x.y.ck", "x.y.ck" },
	{ "y.ck", "y.ck" },
	{ "www.ck", "www.ck" },
	{ "a.www.ck", "www.ck" },
	{ "com", "com" },
	{ "user.github.io", "user.github.io" },
	{ "a.b.user.github.io", "user.github.io" },
	{ "a.b.xn--55qx5d.cn", "b.xn--55qx5d.cn" },
	{ "xn--55qx5d.cn", "xn--55qx5d.cn" },
	{ "a.example.xn--55qx5d.cn", "example.xn--55qx5d.cn" },
};

/* run - the table against one list */
static void
run(const char *file, const char *label)
{
	struct dmarc_orgdomain od;
	struct psl_od *p;
	char err[256], out[DMARC_MAXDOMAIN + 1];
	size_t i;

	p = psl_od_new(file, err, sizeof(err));
	if (!CHECK(p != NULL, "%s loads", label))
		return;
	psl_od_orgdomain(p, &od);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out[0] = '\0';
		CHECK_INT(od.lookup(od.arg, cases[i].name, out, sizeof(out)),
		    DMARC_OK, cases[i].name);
		CHECK_STR(out, cases[i].want, "  organizational domain");
	}
	CHECK_INT(psl_od_lookup(p, "a.b.example.com", out, 11),
	    DMARC_ENOSPACE, "output too small");
	CHECK_INT(psl_od_lookup(p, "", out, sizeof(out)), DMARC_EDOMAIN,
	    "empty name");
	psl_od_free(p);
}

int
main(void)
{
	char err[256];

	run(TOP_SRCDIR "/tests/data/psl-test.dat", "test PSL");
	if (access(DEFAULT_PSL_FILE, R_OK) == 0)
		run(DEFAULT_PSL_FILE, "system PSL");
	else
		printf("# skip system PSL: %s missing (package publicsuffix)\n",
		    DEFAULT_PSL_FILE);
	run(NULL, "default PSL");
	CHECK(psl_od_new("/nonexistent/psl.dat", err, sizeof(err)) == NULL &&
	    strstr(err, "/nonexistent/psl.dat") != NULL,
	    "explicit missing file fails: %s", err);
	return tap_done();
}
