/*
 * test_from.c -- unit tests for dmarc_from_parse() (libdmarc/from.c)
 *
 * DESCRIPTION
 *	Table-driven: each From value with the status, mailbox counts,
 *	distinct domains (comma-joined) and first local part per domain
 *	('|'-joined) it must give.  Covers the OpenDMARC test_finddomain
 *	strings (compat 7.1), the From parsing bugs of compat 8.2 (#72/#345,
 *	#113/#342, #243), CVE-2019-16378 and CVE-2021-34555, groups,
 *	comments, obsolete forms, domain literals, encoded words, IDN/EAI,
 *	folding, the caps, and several fields accumulating into one result.
 */
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"

struct from_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 rc;
	size_t		 naddrs;
	size_t		 nnodomain;
	const char	*domains;	/* comma-joined, "" for none */
	const char	*locals;	/* '|'-joined */
};

/* labels of 64 and 63 octets: one too long, one just right */
#define LONG31	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG63	LONG31 LONG31 "a"
#define LONG64	LONG63 "b"

#define ERR(s)	{ s, 0, DMARC_ESYNTAX, 0, 0, "", "" }

static const struct from_case cases[] = {
	/* OpenDMARC libopendmarc/tests/test_finddomain.c, re-expressed */
	{ "Joe Johnson <joe@joe.com>", 0, 0, 1, 0, "joe.com", "joe" },
	/* display name before a bare addr-spec: tolerated */
	{ "\"Johnson, Joe <joe@joe.com>\" joe@joe.com", 0, 0, 1, 0,
	  "joe.com", "joe" },
	{ "\"Joe Johnson\" <joe@joe.com>", 0, 0, 1, 0, "joe.com", "joe" },
	{ "(Joe Johnson) joe@joe.com", 0, 0, 1, 0, "joe.com", "joe" },
	{ "joe@joe.com", 0, 0, 1, 0, "joe.com", "joe" },
	/* nested angle brackets are not a mailbox: an error, not a guess */
	ERR("<<<><joe@joe.com>>>"),
	{ "Joe Johnson <joe@joe.com>, ace@ace.com", 0, 0, 2, 0,
	  "joe.com,ace.com", "joe|ace" },
	{ "joe@joe.com, ace@ace.com", 0, 0, 2, 0, "joe.com,ace.com",
	  "joe|ace" },
	/* "Mail From:" is a group name; the open group is tolerated */
	{ "Mail From:<joe@joe.com>", 0, 0, 1, 0, "joe.com", "joe" },
	{ "\"Mandel, Bob\" <joe@joe.com>", 0, 0, 1, 0, "joe.com", "joe" },
	{ "(,) joe@joe.com", 0, 0, 1, 0, "joe.com", "joe" },
	{ "\"( bob@bob.com)\" joe@joe.com", 0, 0, 1, 0, "joe.com", "joe" },
	{ "From: Davide D'Marco <user@blah.com>", 0, 0, 1, 0, "blah.com",
	  "user" },
	{ "From: \"\\\"Micron Technology, Inc.\\\"\" <user@blah.com>", 0, 0,
	  1, 0, "blah.com", "user" },
	{ "From: \"Joe J, <joe@joe.com>\" <joe@blah.com>", 0, 0, 1, 0,
	  "blah.com", "joe" },

	/* #72/#345: quoted commas and quoted-pairs in display names */
	{ "\"\\\"Medtronic, Inc.\\\"\" <u@example.com>", 0, 0, 1, 0,
	  "example.com", "u" },
	{ "\"back\\\\\" <u@example.com>", 0, 0, 1, 0, "example.com", "u" },
	{ "\"a, b\" <u@example.com>, \"c, d\" <v@example.org>", 0, 0, 2, 0,
	  "example.com,example.org", "u|v" },
	/* #113/#342: unbalanced angle brackets */
	ERR("user@example.net>"),
	ERR("<user@example.net"),
	ERR("Name <user@example.net>>"),
	ERR("user@example.net>, a@example.com"),
	ERR("Name <<user@example.net>"),
	/* #243: the quoted local part hides an address; the domain is real */
	{ "\"Someone <a@junk.com>\"@mydomain.com", 0, 0, 1, 0,
	  "mydomain.com", "Someone <a@junk.com>" },
	/* CVE-2019-16378: several author domains are all reported */
	{ "a@good.example, b@evil.example", 0, 0, 2, 0,
	  "good.example,evil.example", "a|b" },
	{ "a@Example.COM, b@example.com.", 0, 0, 2, 0, "example.com", "a" },
	/* CVE-2021-34555: a bare word in the list */
	ERR("a@x, b, c@x"),
	ERR("a@x.example, b, c@x.example"),
	ERR("a@x.example, b"),

	/* groups (RFC 6854) */
	{ "Undisclosed:;", 0, 0, 0, 0, "", "" },
	{ "Undisclosed recipients: ;", 0, 0, 0, 0, "", "" },
	{ "Team: a@x.example, B <b@y.example>;", 0, 0, 2, 0,
	  "x.example,y.example", "a|b" },
	{ "Team: a@x.example;, c@z.example", 0, 0, 2, 0,
	  "x.example,z.example", "a|c" },
	{ "G: ,a@x.example,,;", 0, 0, 1, 0, "x.example", "a" },
	{ "Empty:;, a@x.example", 0, 0, 1, 0, "x.example", "a" },
	ERR("A: B: c@d.example;;"),
	ERR(": a@x.example;"),
	ERR("G: a@x.example; junk"),
	ERR("G: a@x.example;;"),
	ERR("G: bare;"),

	/* comments */
	{ "a(c)@(nested (deep \\) x) c)example.com(trailing)", 0, 0, 1, 0,
	  "example.com", "a" },
	{ "(a@evil.example) b@good.example", 0, 0, 1, 0, "good.example",
	  "b" },
	{ "u@example.net(.example.com)", 0, 0, 1, 0, "example.net", "u" },
	ERR("(unbalanced a@x.example"),
	ERR("a@x.example (unbalanced"),
	ERR("a@x.example)"),
	ERR("a@x.example (a (b)"),

	/* quoted strings */
	ERR("\"unterminated <a@x.example>"),
	ERR("\"ends in a backslash\\"),
	{ "\"john doe\"@example.com", 0, 0, 1, 0, "example.com",
	  "john doe" },
	{ "\"a\\\"b\"@example.com", 0, 0, 1, 0, "example.com", "a\"b" },
	{ "\"a\".b@example.com", 0, 0, 1, 0, "example.com", "a.b" },

	/* obsolete forms */
	{ "john . doe @ example . com", 0, 0, 1, 0, "example.com",
	  "john.doe" },
	{ "<@r1.example,@r2.example:user@dest.example>", 0, 0, 1, 0,
	  "dest.example", "user" },
	{ "Name <@a.example,,@[1.2.3.4]:u@d.example>", 0, 0, 1, 0,
	  "d.example", "u" },
	ERR("<@a.example u@d.example>"),
	ERR("<@:u@d.example>"),
	{ "a..b@docomo.ne.jp", 0, 0, 1, 0, "docomo.ne.jp", "a..b" },
	{ "Dr. Who <who@example.com>", 0, 0, 1, 0, "example.com", "who" },
	{ "a@x.example,,, b@y.example", 0, 0, 2, 0, "x.example,y.example",
	  "a|b" },
	{ ", a@x.example", 0, 0, 1, 0, "x.example", "a" },
	ERR("<a b@x.example>"),

	/* domain literals: a mailbox without a usable domain */
	{ "u@[1.2.3.4]", 0, 0, 1, 1, "", "" },
	{ "u@[IPv6:2001:db8::1], v@example.com", 0, 0, 2, 1, "example.com",
	  "v" },
	ERR("u@[1.2.3.4"),
	ERR("u@[1.[2].3.4]"),

	/* RFC 2047 encoded words are opaque atoms */
	{ "=?utf-8?q?evil@bank.example,<x@evil.example>?= <u@example.com>", 0,
	  0, 1, 0, "example.com", "u" },
	{ "=?UTF-8?B?SGVsbG8=?= <u@example.com>", 0, 0, 1, 0, "example.com",
	  "u" },
	{ "=?utf-8?q?a=40b.example?= =?utf-8?q?c,d?= <u@example.com>", 0, 0,
	  1, 0, "example.com", "u" },
	ERR("=?utf-8?q?x<y?=@example.com"),
	ERR("u@=?utf-8?q?x?=.com"),
	/* not an encoded word: the '<' starts an angle-addr */
	{ "=?utf-8?q?x <u@example.com>", 0, 0, 1, 0, "example.com", "u" },

	/* IDN and EAI (RFC 6532) */
	{ "u@b\xc3\xbc" "cher.example", 0, 0, 1, 0, "xn--bcher-kva.example",
	  "u" },
	{ "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf"
	  "\xe5\x91\x8a", 0, 0, 1, 0, "xn--fsqu00a.xn--4rr70v",
	  "\xe7\x94\xa8\xe6\x88\xb7" },
	{ "M\xc3\xbcller <m\xc3\xbcller@m\xc3\xbcnchen.de>", 0, 0, 1, 0,
	  "xn--mnchen-3ya.de", "m\xc3\xbcller" },
	{ "u@xn--bcher-kva.example, v@b\xc3\xbc" "cher.example", 0, 0, 2, 0,
	  "xn--bcher-kva.example", "u" },
	{ "u@EXAMPLE.COM.", 0, 0, 1, 0, "example.com", "u" },
	ERR("u@b\xc3"),		/* truncated UTF-8 */

	/* domains that fail normalization are errors, never dropped */
	ERR("u@exa_mple.com"),
	ERR("u@example..com"),
	ERR("u@.example.com"),
	ERR("u@exa!mple.com"),
	ERR("u@exa\xff" "mple.com"),
	ERR("u@"),
	ERR("@example.com"),
	ERR("u@exa mple.com"),
	ERR("u@\"example.com\""),

	/* empty values and bare words */
	ERR(""),
	ERR("   "),
	ERR("(just a comment)"),
	ERR(","),
	ERR("\r\n "),
	ERR("joe"),
	ERR("Joe <joe>"),
	ERR("Joe <>"),
	ERR("<>"),
	ERR("Joe Johnson"),

	/* trailing junk and display names that are addresses */
	ERR("<a@x.example> b"),
	ERR("a@x.example b@y.example"),
	ERR("a@x.example;"),
	ERR("a@bank.example <b@evil.example>"),
	ERR("a@x.example\\"),
	ERR("a@x.example ]"),

	/* folding and stray CR/LF */
	{ "Joe\r\n Johnson\r\n <joe@\r\n\texample.com>", 0, 0, 1, 0,
	  "example.com", "joe" },
	{ "\"quoted\r\n fold\"@example.com", 0, 0, 1, 0, "example.com",
	  "quoted fold" },
	{ "a@example.com\r", 0, 0, 1, 0, "example.com", "a" },
	{ "a@example.com\n, b@example.org", 0, 0, 2, 0,
	  "example.com,example.org", "a|b" },

	/* NUL bytes and control characters */
	{ "a@exa\0mple.com", 14, DMARC_ESYNTAX, 0, 0, "", "" },
	{ "\"a\0\"@x.example", 14, DMARC_ESYNTAX, 0, 0, "", "" },
	{ "(a\0) b@x.example", 16, DMARC_ESYNTAX, 0, 0, "", "" },
	ERR("a\x01@x.example"),

	/* lexer corners */
	ERR("(ends in a backslash\\"),
	ERR("u@[1.2.3.4\\"),
	ERR("u@[1.2.3.4] (unterminated"),
	ERR("<@a.example (x:u@d.example>"),
	{ "=?utf-8?x?abc?= <u@example.com>", 0, 0, 1, 0, "example.com", "u" },
	{ "=??q?abc?= <u@example.com>", 0, 0, 1, 0, "example.com", "u" },
	{ "=?utf-8?q?abc?", 0, DMARC_ESYNTAX, 0, 0, "", "" },
	{ "u@" LONG64 LONG64 LONG64 LONG64 LONG64 LONG64 LONG64 LONG64
	  LONG64 LONG64 LONG64 LONG64 LONG64 LONG64 LONG64 LONG64 LONG64,
	  0, DMARC_ESYNTAX, 0, 0, "", "" },
	{ "u@" LONG64 ".example", 0, DMARC_ESYNTAX, 0, 0, "", "" },
	{ "u@" LONG63 ".example", 0, 0, 1, 0, LONG63 ".example", "u" },
};

/* join - domains (sep ',') or locals (sep '|') of f into buf */
static const char *
join(const struct dmarc_from *f, int locals, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < f->ndomains && n < size; i++) {
		const char *s = locals ? f->locals[i] : f->domains[i];

		n += (size_t)snprintf(buf + n, size - n, "%s%s",
		    i ? (locals ? "|" : ",") : "", s ? s : "(null)");
	}
	return buf;
}

/* run_case - parse one value into a fresh result and compare */
static void
run_case(const struct from_case *c)
{
	struct dmarc_from f;
	char buf[1024];
	size_t len = c->len ? c->len : strlen(c->in);
	int rc;

	memset(&f, 0, sizeof(f));
	rc = dmarc_from_parse(c->in, len, &f);
	if (!CHECK(rc == c->rc, "[%s] status %s", c->in, dmarc_strerror(rc)))
		printf("#   want %s\n", dmarc_strerror(c->rc));
	CHECK_INT(f.naddrs, c->naddrs, "  naddrs");
	CHECK_INT(f.nnodomain, c->nnodomain, "  nnodomain");
	CHECK_STR(join(&f, 0, buf, sizeof(buf)), c->domains, "  domains");
	CHECK_STR(join(&f, 1, buf, sizeof(buf)), c->locals, "  locals");
	dmarc_from_clear(&f);
	CHECK(f.ndomains == 0 && f.naddrs == 0, "  clear zeroes");
}

/* test_accumulate - several From fields feed one result */
static void
test_accumulate(void)
{
	struct dmarc_from f;
	char buf[256];

	memset(&f, 0, sizeof(f));
	CHECK_INT(dmarc_from_parse("a@x.example", 11, &f), DMARC_OK,
	    "accumulate: field 1");
	CHECK_INT(dmarc_from_parse("B <b@Y.example>, c@X.example", 28, &f),
	    DMARC_OK, "accumulate: field 2");
	CHECK_INT(dmarc_from_parse("u@[10.0.0.1]", 12, &f), DMARC_OK,
	    "accumulate: field 3");
	/* a bad field leaves the earlier ones, and nothing of its own */
	CHECK_INT(dmarc_from_parse("d@z.example, junk", 17, &f),
	    DMARC_ESYNTAX, "accumulate: bad field 4");
	CHECK_INT(f.naddrs, 4, "accumulate: naddrs");
	CHECK_INT(f.nnodomain, 1, "accumulate: nnodomain");
	CHECK_STR(join(&f, 0, buf, sizeof(buf)), "x.example,y.example",
	    "accumulate: domains");
	CHECK_STR(join(&f, 1, buf, sizeof(buf)), "a|b",
	    "accumulate: locals");
	dmarc_from_clear(&f);
	dmarc_from_clear(NULL);
}

/* test_caps - DMARC_MAXFROM distinct domains, and DMARC_MAXHDR octets */
static void
test_caps(void)
{
	struct dmarc_from f;
	char val[2048], *big;
	size_t n = 0;
	int i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < DMARC_MAXFROM; i++)
		n += (size_t)snprintf(val + n, sizeof(val) - n,
		    "%su@d%d.example", i ? ", " : "", i);
	CHECK_INT(dmarc_from_parse(val, n, &f), DMARC_OK, "caps: 16 domains");
	CHECK_INT(f.ndomains, DMARC_MAXFROM, "caps: 16 kept");
	n += (size_t)snprintf(val + n, sizeof(val) - n, ", v@d0.example");
	n += (size_t)snprintf(val + n, sizeof(val) - n, ", w@d99.example");
	dmarc_from_clear(&f);
	CHECK_INT(dmarc_from_parse(val, n, &f), DMARC_ETOOBIG,
	    "caps: 17 distinct domains");
	CHECK_INT(f.ndomains, DMARC_MAXFROM, "caps: first 16 kept");
	CHECK_INT(f.naddrs, DMARC_MAXFROM + 2, "caps: every mailbox counted");
	CHECK_STR(f.domains[DMARC_MAXFROM - 1], "d15.example",
	    "caps: last kept domain");
	dmarc_from_clear(&f);

	if ((big = malloc(DMARC_MAXHDR + 1)) == NULL)
		return;
	memset(big, ' ', DMARC_MAXHDR + 1);
	memcpy(big, "a@x.example", 11);
	CHECK_INT(dmarc_from_parse(big, DMARC_MAXHDR, &f), DMARC_OK,
	    "caps: DMARC_MAXHDR octets parse");
	dmarc_from_clear(&f);
	CHECK_INT(dmarc_from_parse(big, DMARC_MAXHDR + 1, &f), DMARC_ETOOBIG,
	    "caps: DMARC_MAXHDR + 1 octets refused");
	CHECK_INT(f.naddrs, 0, "caps: nothing parsed when too big");
	free(big);
	CHECK_INT(dmarc_from_parse(NULL, 1, &f), DMARC_EINVAL, "NULL value");
	CHECK_INT(dmarc_from_parse("a@b.c", 5, NULL), DMARC_EINVAL,
	    "NULL out");
}

/* test_deep - deeply nested comments need no recursion */
static void
test_deep(void)
{
	struct dmarc_from f;
	size_t depth = 20000, i, n = 0;
	char *v;

	if ((v = malloc(2 * depth + 16)) == NULL)
		return;
	for (i = 0; i < depth; i++)
		v[n++] = '(';
	for (i = 0; i < depth; i++)
		v[n++] = ')';
	memcpy(v + n, " a@x.example", 12);
	n += 12;
	memset(&f, 0, sizeof(f));
	CHECK_INT(dmarc_from_parse(v, n, &f), DMARC_OK, "deep comments");
	CHECK_STR(f.ndomains ? f.domains[0] : NULL, "x.example",
	    "deep comments: domain");
	dmarc_from_clear(&f);
	CHECK_INT(dmarc_from_parse(v, n - 13, &f), DMARC_ESYNTAX,
	    "deep comments, one ')' short");
	free(v);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_accumulate();
	test_caps();
	test_deep();
	return tap_done();
}
