/*
 * test_rspf.c -- unit tests for dmarc_rspf_parse() (libdmarc/rspf.c)
 *
 * DESCRIPTION
 *	Table-driven: Received-SPF values written by pypolicyd-spf,
 *	postfix-policyd-spf-perl, Gmail, Exchange Online and OpenDMARC's own
 *	tests (test_spf_parse.c, t-verify-received-spf-*), the VERP cases of
 *	OpenDMARC #206/#221/#300, comments, quoting, folding, result words
 *	and the error cases, each with every field it must yield.
 */
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"

struct rspf_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 rc;
	enum dmarc_ares	 result;
	const char	*identity;
	const char	*envfrom;
	const char	*helo;
	const char	*client_ip;
	const char	*receiver;
};

#define ERR(s)	{ s, 0, DMARC_ESYNTAX, 0, NULL, NULL, NULL, NULL, NULL }
#define P	DMARC_ARES_PASS

static const struct rspf_case cases[] = {
	/* the canonical RFC 7208 9.1 shape */
	{ "pass (mx.example.org: domain of a@b.c designates 1.2.3.4 as "
	  "permitted sender) client-ip=1.2.3.4; envelope-from=\"a=b@c.d\"; "
	  "helo=mail.c.d; receiver=mx.example.org; identity=mailfrom; "
	  "x-unknown=1", 0, 0, P, "mailfrom", "a=b@c.d", "mail.c.d",
	  "1.2.3.4", "mx.example.org" },
	/* pypolicyd-spf (Python) */
	{ "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; "
	  "helo=mail.example.com; envelope-from=user@example.com; "
	  "receiver=<UNKNOWN>", 0, 0, P, "mailfrom", "user@example.com",
	  "mail.example.com", "192.0.2.1", "<UNKNOWN>" },
	{ "None (no SPF record) identity=helo; client-ip=192.0.2.1; "
	  "helo=mail.example.com; envelope-from=<>; receiver=mx.example.org",
	  0, 0, DMARC_ARES_NONE, "helo", "<>", "mail.example.com",
	  "192.0.2.1", "mx.example.org" },
	{ "Softfail (domain owner discourages use of this host) "
	  "identity=mailfrom; client-ip=2001:db8::1; helo=h.example; "
	  "envelope-from=u@example.com; receiver=mx", 0, 0,
	  DMARC_ARES_SOFTFAIL, "mailfrom", "u@example.com", "h.example",
	  "2001:db8::1", "mx" },
	{ "Pass (sender SPF authorized) identity=helo; client-ip=192.0.2.9; "
	  "helo=relay.example.net; envelope-from=bounce@example.com; "
	  "receiver=mx.example.org", 0, 0, P, "helo", "bounce@example.com",
	  "relay.example.net", "192.0.2.9", "mx.example.org" },
	/* postfix-policyd-spf-perl: nested comment with quotes inside */
	{ "pass (example.com: 192.0.2.1 is authorized to use "
	  "'user@example.com' in 'mfrom' identity (mechanism "
	  "'ip4:192.0.2.1' matched)) receiver=mx.example.org; "
	  "identity=mailfrom; envelope-from=\"user@example.com\"; "
	  "helo=mail.example.com; client-ip=192.0.2.1", 0, 0, P, "mailfrom",
	  "user@example.com", "mail.example.com", "192.0.2.1",
	  "mx.example.org" },
	/* Gmail */
	{ "pass (google.com: domain of bounce@example.com designates "
	  "209.85.220.41 as permitted sender) client-ip=209.85.220.41;", 0, 0,
	  P, NULL, NULL, NULL, "209.85.220.41", NULL },
	/* Exchange Online */
	{ "Pass (protection.outlook.com: domain of example.com designates "
	  "40.107.1.1 as permitted sender) receiver=protection.outlook.com; "
	  "client-ip=40.107.1.1; "
	  "helo=EUR01-VE1-obe.outbound.protection.outlook.com; pr=C", 0, 0, P,
	  NULL, NULL, "EUR01-VE1-obe.outbound.protection.outlook.com",
	  "40.107.1.1", "protection.outlook.com" },
	{ "SoftFail (protection.outlook.com: domain of transitioning "
	  "example.com discourages use of 1.2.3.4 as permitted sender)", 0, 0,
	  DMARC_ARES_SOFTFAIL, NULL, NULL, NULL, NULL, NULL },
	{ "None (protection.outlook.com: example.com does not designate "
	  "permitted sender hosts)", 0, 0, DMARC_ARES_NONE, NULL, NULL, NULL,
	  NULL, NULL },
	/* OpenDMARC miltertest t-verify-received-spf-good / -bad */
	{ "pass identity=mailfrom; "
	  "envelope-from=\"somebody@trusteddomain.org\"",
	  0, 0, P, "mailfrom", "somebody@trusteddomain.org", NULL, NULL,
	  NULL },
	{ "pass", 0, 0, P, NULL, NULL, NULL, NULL, NULL },
	/* OpenDMARC #206: quoted VERP with one '=' */
	{ "pass (emails.livestorminvites.com: authorized) "
	  "receiver=mail2.open.com; identity=mailfrom; envelope-from="
	  "\"bounces+2309175-1e1a-antonioxh.morgents=open.com@"
	  "emails.livestorminvites.com\"; helo=o5.emails.livestorminvites.com;"
	  " client-ip=168.245.94.251", 0, 0, P, "mailfrom",
	  "bounces+2309175-1e1a-antonioxh.morgents=open.com@"
	  "emails.livestorminvites.com", "o5.emails.livestorminvites.com",
	  "168.245.94.251", "mail2.open.com" },
	/* #206 variant: unquoted */
	{ "pass (sender.example.com: authorized) receiver=mx.example.com; "
	  "identity=mailfrom; "
	  "envelope-from=bounces+longlocalpart=recipient@sender.example.com; "
	  "client-ip=1.2.3.4", 0, 0, P, "mailfrom",
	  "bounces+longlocalpart=recipient@sender.example.com", NULL,
	  "1.2.3.4", "mx.example.com" },
	/* #221: Twitter's '===' */
	{ "Pass (sender SPF authorized) identity=mailfrom; "
	  "client-ip=199.59.150.72; helo=spruce-goose-ac.twitter.com; "
	  "envelope-from=123456789-abcdefghijklmnop-johndoe===example.com"
	  "@bounce.twitter.com; receiver=johndoe@example.com", 0, 0, P,
	  "mailfrom", "123456789-abcdefghijklmnop-johndoe===example.com"
	  "@bounce.twitter.com", "spruce-goose-ac.twitter.com",
	  "199.59.150.72", "johndoe@example.com" },
	/* #221 variant: '==' with a short tail */
	{ "pass (sender.com: authorized) identity=mailfrom; "
	  "envelope-from=verylonglocalpart==short@sender.com; "
	  "client-ip=1.2.3.4", 0, 0, P, "mailfrom",
	  "verylonglocalpart==short@sender.com", NULL, "1.2.3.4", NULL },
	/* comments holding '=' and ';' */
	{ "pass (this is a comment with = signs and ; semicolons) "
	  "identity=mailfrom; envelope-from=user@example.com; "
	  "client-ip=1.2.3.4", 0, 0, P, "mailfrom", "user@example.com", NULL,
	  "1.2.3.4", NULL },
	{ "fail (a (nested (deeper) \\) x) b) identity=(c)mailfrom (d); "
	  "envelope-from=(e) u@example.com", 0, 0, DMARC_ARES_FAIL,
	  "mailfrom", "u@example.com", NULL, NULL, NULL },
	{ "(leading comment) neutral identity=mailfrom", 0, 0,
	  DMARC_ARES_NEUTRAL, "mailfrom", NULL, NULL, NULL, NULL },
	/* separators: none, whitespace only, CFWS around '=' */
	{ "pass identity=mailfrom envelope-from=u@example.com helo=h.example",
	  0, 0, P, "mailfrom", "u@example.com", "h.example", NULL, NULL },
	{ "Pass(mailfrom)identity=mailfrom;envelope-from=a@b.example", 0, 0,
	  P, "mailfrom", "a@b.example", NULL, NULL, NULL },
	{ "pass identity = mailfrom ; envelope-from = a@b.example ;;", 0, 0,
	  P, "mailfrom", "a@b.example", NULL, NULL, NULL },
	{ "pass; identity=mailfrom", 0, 0, P, "mailfrom", NULL, NULL, NULL,
	  NULL },
	/* keys are case-insensitive; identity is lower-cased, others kept */
	{ "PASS Identity=MailFrom; Envelope-From=U@Example.COM; HELO=H.Ex",
	  0, 0, P, "mailfrom", "U@Example.COM", "H.Ex", NULL, NULL },
	/* quoted-pairs, empty values, stray words, unknown keys */
	{ "pass envelope-from=\"a\\\"b\\\\c@example.com\"", 0, 0, P, NULL,
	  "a\"b\\c@example.com", NULL, NULL, NULL },
	{ "pass envelope-from=\"\"; helo=", 0, 0, P, NULL, "", "", NULL,
	  NULL },
	{ "pass foo \"bar\" identity=mailfrom; x=1; x=2; mechanism=ip4:1.2.3.4"
	  "/24", 0, 0, P, "mailfrom", NULL, NULL, NULL, NULL },
	/* folding */
	{ "pass (comment\r\n\tcontinued)\r\n identity=mailfrom;\r\n "
	  "envelope-from=\"a@b.\r\n example\"", 0, 0, P, "mailfrom",
	  "a@b. example", NULL, NULL, NULL },
	/* result words: aliases per R-02, anything else permerror */
	{ "hardfail", 0, 0, DMARC_ARES_FAIL, NULL, NULL, NULL, NULL, NULL },
	{ "TempError (DNS timeout)", 0, 0, DMARC_ARES_TEMPERROR, NULL, NULL,
	  NULL, NULL, NULL },
	{ "PermError (bad record)", 0, 0, DMARC_ARES_PERMERROR, NULL, NULL,
	  NULL, NULL, NULL },
	{ "error", 0, 0, DMARC_ARES_PERMERROR, NULL, NULL, NULL, NULL, NULL },
	{ "unknown", 0, 0, DMARC_ARES_TEMPERROR, NULL, NULL, NULL, NULL,
	  NULL },
	{ "weird (x) identity=mailfrom", 0, 0, DMARC_ARES_PERMERROR,
	  "mailfrom", NULL, NULL, NULL, NULL },
	{ "policy identity=mailfrom", 0, 0, DMARC_ARES_PERMERROR, "mailfrom",
	  NULL, NULL, NULL, NULL },
	{ "signed", 0, 0, DMARC_ARES_PERMERROR, NULL, NULL, NULL, NULL,
	  NULL },
	/* errors */
	ERR(""),
	ERR("   "),
	ERR("(only a comment)"),
	ERR("identity=mailfrom; envelope-from=a@b.example"),
	ERR("\"pass\" identity=mailfrom"),
	ERR("pass (unterminated"),
	ERR("pass envelope-from=\"unterminated"),
	ERR("pass envelope-from=\"ends in backslash\\"),
	ERR("pass identity=helo; envelope-from=a@b.example identity=mailfrom"),
	ERR("pass envelope-from=a@b.example; envelope-from=c@d.example"),
	ERR("pass (a\\"),
	ERR("pass x-key = (unterminated"),
	ERR("pass x-key=\"unterminated"),
	ERR("pass \"stray unterminated"),
	{ "pass (\\() identity= \"mailfrom\" x-key", 0, 0, P, "mailfrom",
	  NULL, NULL, NULL, NULL },
	{ "pass = ;x=; =a @b", 0, 0, P, NULL, NULL, NULL, NULL, NULL },
	{ "pass identity=mail\0from", 23, DMARC_ESYNTAX, 0, NULL, NULL, NULL,
	  NULL, NULL },
};

/* run_case - parse one value and compare every field */
static void
run_case(const struct rspf_case *c)
{
	struct dmarc_rspf *rs = NULL;
	size_t len = c->len ? c->len : strlen(c->in);
	int rc;

	rc = dmarc_rspf_parse(c->in, len, &rs);
	if (!CHECK(rc == c->rc, "[%s] status %s", c->in, dmarc_strerror(rc)))
		printf("#   want %s\n", dmarc_strerror(c->rc));
	if (rc != DMARC_OK) {
		CHECK(rs == NULL, "  no result on error");
		return;
	}
	CHECK_STR(dmarc_ares_name(rs->result), dmarc_ares_name(c->result),
	    "  result");
	CHECK_STR(rs->identity, c->identity, "  identity");
	CHECK_STR(rs->envelope_from, c->envfrom, "  envelope-from");
	CHECK_STR(rs->helo, c->helo, "  helo");
	CHECK_STR(rs->client_ip, c->client_ip, "  client-ip");
	CHECK_STR(rs->receiver, c->receiver, "  receiver");
	dmarc_rspf_free(rs);
}

/* test_args - caps and invalid arguments */
static void
test_args(void)
{
	struct dmarc_rspf *rs = NULL;
	char *big;

	CHECK_INT(dmarc_rspf_parse("pass", 4, NULL), DMARC_EINVAL, "NULL out");
	CHECK_INT(dmarc_rspf_parse(NULL, 4, &rs), DMARC_EINVAL, "NULL value");
	dmarc_rspf_free(NULL);
	if ((big = malloc(DMARC_MAXHDR + 1)) == NULL)
		return;
	memset(big, ' ', DMARC_MAXHDR + 1);
	memcpy(big, "pass", 4);
	CHECK_INT(dmarc_rspf_parse(big, DMARC_MAXHDR, &rs), DMARC_OK,
	    "DMARC_MAXHDR octets parse");
	dmarc_rspf_free(rs);
	CHECK_INT(dmarc_rspf_parse(big, DMARC_MAXHDR + 1, &rs), DMARC_ETOOBIG,
	    "DMARC_MAXHDR + 1 octets refused");
	CHECK(rs == NULL, "no result when too big");
	free(big);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_args();
	return tap_done();
}
