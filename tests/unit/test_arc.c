/*
 * test_arc.c -- ARC-Seal tags and ARC-Authentication-Results instances
 *
 * DESCRIPTION
 *	Table-driven, including the inputs that crashed OpenDMARC's parser
 *	(#183, #186, #222, #236): a 3072-bit b=, tokens without '=', and
 *	"ARC-Seal: x".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"

static const struct {
	const char	*in;
	int		 rc;
	int		 i;
	const char	*d, *s, *cv;
} seals[] = {
	{ "i=1; a=rsa-sha256; cv=none; d=Example.ORG; s=sel1; t=1; b=AbC+/=",
	  DMARC_OK, 1, "example.org", "sel1", "none" },
	{ " i = 2 ;\r\n\td=fwd.example ; s = s2 ; cv=Pass", DMARC_OK, 2,
	  "fwd.example", "s2", "pass" },
	{ "i=50; d=a.example; x-new=1;", DMARC_OK, 50, "a.example", "", "" },
	{ "x", DMARC_ESYNTAX, -1, "", "", "" },
	{ "", DMARC_ESYNTAX, -1, "", "", "" },
	{ "i=1; d=a.example; token-without-equals", DMARC_ESYNTAX, 1, "", "", "" },
	{ "i=0; d=a.example", DMARC_ESYNTAX, -1, "", "", "" },
	{ "i=51; d=a.example", DMARC_ESYNTAX, -1, "", "", "" },
	{ "i=1; i=2; d=a.example", DMARC_ESYNTAX, 1, "", "", "" },
	{ "i=1; d=a.example(.evil.example)", DMARC_ESYNTAX, 1, "", "", "" },
	{ "i=1", DMARC_ESYNTAX, 1, "", "", "" },
	{ "d=a.example", DMARC_ESYNTAX, -1, "a.example", "", "" },
	{ "i=1; d=a.example; s=bad selector", DMARC_ESYNTAX, 1, "a.example", "", "" },
	{ "=1; d=a.example", DMARC_ESYNTAX, -1, "", "", "" },
};

int
main(void)
{
	struct dmarc_arcseal a;
	char *big;
	size_t i, rest;
	int rc;

	for (i = 0; i < sizeof(seals) / sizeof(seals[0]); i++) {
		char what[160];

		rc = dmarc_arcseal_parse(seals[i].in, strlen(seals[i].in), &a);
		snprintf(what, sizeof(what), "seal %zu \"%.40s\" status", i,
		    seals[i].in);
		CHECK_INT(rc, seals[i].rc, what);
		if (rc != DMARC_OK)
			continue;
		CHECK_INT(a.instance, seals[i].i, "instance");
		CHECK_STR(a.domain, seals[i].d, "domain");
		CHECK_STR(a.selector, seals[i].s, "selector");
		CHECK_STR(a.cv, seals[i].cv, "cv");
	}
	/* a 3072-bit (and far larger) b= is skipped, not copied */
	big = malloc(70000);
	memcpy(big, "i=3; d=big.example; s=s; b=", 27);
	memset(big + 27, 'A', 60000);
	CHECK_INT(dmarc_arcseal_parse(big, 27 + 60000, &a), DMARC_OK,
	    "60 KB b= value parses");
	CHECK_INT(a.instance, 3, "instance after a huge b=");
	memset(big + 27, 'A', 70000 - 27);
	CHECK_INT(dmarc_arcseal_parse(big, 70000, &a), DMARC_ETOOBIG,
	    "over DMARC_MAXHDR is ETOOBIG");
	free(big);
	CHECK_INT(dmarc_arcseal_parse("i=1; d=a.example\0; s=x", 22, &a),
	    DMARC_ESYNTAX, "embedded NUL in d= refused");

	CHECK_INT(dmarc_arc_instance("i=2; mx.example; arc=pass", 25, &rest), 2,
	    "AAR instance");
	CHECK_INT(rest, 4, "AAR rest offset after the ';'");
	CHECK_INT(dmarc_arc_instance("  i = 12 ;x", 11, &rest), 12,
	    "AAR instance with spaces");
	CHECK_INT(dmarc_arc_instance("mx.example; arc=pass", 20, NULL), -1,
	    "no i= is -1");
	CHECK_INT(dmarc_arc_instance("i=2 mx.example", 14, NULL), -1,
	    "i= without ';' is -1");
	CHECK_INT(dmarc_arc_instance("i=99;", 5, NULL), -1, "i=99 out of range");
	CHECK_INT(dmarc_arc_instance("id=2;", 5, NULL), -1, "not the i tag");
	return tap_done();
}
