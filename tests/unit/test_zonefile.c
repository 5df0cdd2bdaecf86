/*
 * test_zonefile.c -- the zone-file resolver backend, table by table
 *
 * DESCRIPTION
 *	Parses an in-memory zone covering every record type and the
 *	pseudo-records, then checks TXT answers (strings of one RR joined,
 *	separate RRs kept apart), existence (NXDOMAIN, NODATA, empty
 *	non-terminals), parse errors with their line numbers, the
 *	wire-format packets decoded back with libresolv's ns_parserr(),
 *	and the example zone under tests/data/dns through the resolver.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>

#include "resolver.h"
#include "tests/tap.h"
#include "zonefile.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static const char zone[] =
    "; test zone\n"
    "# hash comment\n"
    "_dmarc.legacy.test v=DMARC1; p=reject; rua=mailto:x@legacy.test  \n"
    "$TTL 300\n"
    "example.com. A 192.0.2.1\n"
    "example.com. 60 IN AAAA 2001:db8::1\n"
    "example.com. IN 120 MX 10 mx.example.com.\n"
    "_dmarc.example.com TXT \"v=DMARC1; \" \"p=none\"\n"
    "multi.example.com TXT \"one\"\n"
    "multi.example.com TXT \"two\" ; a comment\n"
    "\tTXT \"three\"\r\n"
    "bare.example.com TXT hello world ; comment\n"
    "esc.example.com TXT \"a\\\"b\\\\c\\065\\000z\"\n"
    "empty.example.com TXT \"\"\n"
    "$ORIGIN Example.ORG.\n"
    "www CNAME target\n"
    "target TXT \"via cname\"\n"
    "target A 192.0.2.7\n"
    "deep.a.b TXT \"deep\"\n"
    "sf SERVFAIL\n"
    "to TIMEOUT\n"
    "@ NS ns1\n"
    "UPPER TXT \"case\"\n"
    "4.3.2.1.in-addr.arpa. PTR example.org.\n";

static const struct {
	const char	*name;
	enum dmarc_dns	 st;
	size_t		 n;
	const char	*rr0, *rr1, *rr2;
} txt_cases[] = {
	{ "_dmarc.legacy.test", DMARC_DNS_DATA, 1,
	    "v=DMARC1; p=reject; rua=mailto:x@legacy.test", NULL, NULL },
	{ "_dmarc.example.com", DMARC_DNS_DATA, 1, "v=DMARC1; p=none",
	    NULL, NULL },
	{ "multi.example.com", DMARC_DNS_DATA, 3, "one", "two", "three" },
	{ "bare.example.com", DMARC_DNS_DATA, 1, "helloworld", NULL, NULL },
	{ "empty.example.com", DMARC_DNS_DATA, 1, "", NULL, NULL },
	{ "_DMARC.Example.COM.", DMARC_DNS_DATA, 1, "v=DMARC1; p=none",
	    NULL, NULL },
	{ "upper.example.org", DMARC_DNS_DATA, 1, "case", NULL, NULL },
	{ "www.example.org", DMARC_DNS_DATA, 1, "via cname", NULL, NULL },
	{ "example.com", DMARC_DNS_NODATA, 0, NULL, NULL, NULL },
	{ "a.b.example.org", DMARC_DNS_NODATA, 0, NULL, NULL, NULL },
	{ "b.example.org", DMARC_DNS_NODATA, 0, NULL, NULL, NULL },
	{ "org", DMARC_DNS_NODATA, 0, NULL, NULL, NULL },
	{ "c.example.org", DMARC_DNS_NXDOMAIN, 0, NULL, NULL, NULL },
	{ "x.deep.a.b.example.org", DMARC_DNS_NXDOMAIN, 0, NULL, NULL, NULL },
	{ "nowhere.invalid", DMARC_DNS_NXDOMAIN, 0, NULL, NULL, NULL },
	{ "sf.example.org", DMARC_DNS_SERVFAIL, 0, NULL, NULL, NULL },
	{ "to.example.org", DMARC_DNS_TIMEOUT, 0, NULL, NULL, NULL },
	{ "sub.sf.example.org", DMARC_DNS_NXDOMAIN, 0, NULL, NULL, NULL },
};

static const struct {
	const char	*name;
	enum dmarc_dns	 st;
} exists_cases[] = {
	{ "example.com", DMARC_DNS_DATA },
	{ "multi.example.com", DMARC_DNS_NODATA },
	{ "a.b.example.org", DMARC_DNS_NODATA },
	{ "missing.example.com", DMARC_DNS_NXDOMAIN },
	{ "sf.example.org", DMARC_DNS_SERVFAIL },
	{ "to.example.org", DMARC_DNS_TIMEOUT },
};

static const struct {
	const char	*text;
	const char	*err;	/* expected message, exactly */
} err_cases[] = {
	{ "a.test TXT \"open", "<buffer>:1: unterminated quoted string" },
	{ "a.test A 999.1.1.1", "<buffer>:1: bad address \"999.1.1.1\"" },
	{ "; c\n\nx.test MX abc y.test", "<buffer>:3: bad MX preference" },
	{ "$FOO 1", "<buffer>:1: unknown directive $FOO" },
	{ "$TTL abc", "<buffer>:1: bad $TTL" },
	{ "$TTL", "<buffer>:1: $TTL without a value" },
	{ "@ A 192.0.2.1", "<buffer>:1: \"@\" without $ORIGIN" },
	{ "  A 192.0.2.1", "<buffer>:1: no previous owner name" },
	{ "x..test A 192.0.2.1", "<buffer>:1: invalid name \"x..test\"" },
	{ "x.test TXT", "<buffer>:1: TXT record without strings" },
	{ "x.test 300", "<buffer>:1: missing record type" },
	{ "x.test 300 FOO bar", "<buffer>:1: unknown record type \"FOO\"" },
	{ "x.test A 192.0.2.1 extra",
	    "<buffer>:1: trailing garbage after rdata" },
	{ "x.test TXT \"a\"b", "<buffer>:1: garbage after quoted string" },
	{ "x.test TXT \"\\9\"", "<buffer>:1: bad \\DDD escape" },
	{ "x.test TXT \"\\256\"", "<buffer>:1: bad \\DDD escape" },
	{ "x.test TXT ( \"a\" )",
	    "<buffer>:1: parentheses are not supported" },
	{ "x.test MX 10", "<buffer>:1: missing name in rdata" },
	{ "x.test AAAA 192.0.2.1", "<buffer>:1: bad address \"192.0.2.1\"" },
	{ "x.test SERVFAIL now",
	    "<buffer>:1: trailing garbage after rdata" },
	{ "ok.test A 192.0.2.1\nx.test A", "<buffer>:2: missing address" },
	{ "$ORIGIN .", "<buffer>:1: the root cannot be $ORIGIN" },
	{ "x.test CNAME a_b!.test", "<buffer>:1: invalid name \"a_b!.test\"" },
};

/* check_txt - the TXT table */
static void
check_txt(const struct zonefile *z)
{
	struct dmarc_dns_txt t;
	size_t i;

	for (i = 0; i < sizeof(txt_cases) / sizeof(txt_cases[0]); i++) {
		const char *want[3] = { txt_cases[i].rr0, txt_cases[i].rr1,
		    txt_cases[i].rr2 };
		size_t j;

		memset(&t, 0, sizeof(t));
		CHECK_INT(zonefile_txt(z, txt_cases[i].name, &t),
		    txt_cases[i].st, txt_cases[i].name);
		CHECK_INT(t.n, txt_cases[i].n, "  number of RRs");
		for (j = 0; j < t.n && j < 3; j++)
			CHECK_STR(t.rr[j], want[j], "  RR text");
		dmarc_dns_txt_clear(&t);
	}
	/* \000 survives: the length counts it */
	memset(&t, 0, sizeof(t));
	CHECK_INT(zonefile_txt(z, "esc.example.com", &t), DMARC_DNS_DATA,
	    "escapes");
	CHECK(t.n == 1 && t.len[0] == 8 && memcmp(t.rr[0], "a\"b\\cA\0z",
	    8) == 0, "escapes decoded (\\\" \\\\ \\065 \\000)");
	dmarc_dns_txt_clear(&t);
}

/* check_errors - every error names the line it was found on */
static void
check_errors(void)
{
	char err[256], *longline;
	struct zonefile *z;
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		err[0] = '\0';
		z = zonefile_parse_buf(err_cases[i].text,
		    strlen(err_cases[i].text), NULL, err, sizeof(err));
		CHECK(z == NULL, "rejected: %s", err_cases[i].err);
		CHECK_STR(err, err_cases[i].err, "  message");
		zonefile_free(z);
	}
	longline = malloc(ZONEFILE_MAXLINE + 32);
	memcpy(longline, "a.test TXT x\nb.test TXT ", 24);
	memset(longline + 24, 'x', ZONEFILE_MAXLINE);
	z = zonefile_parse_buf(longline, ZONEFILE_MAXLINE + 24, "f", err,
	    sizeof(err));
	CHECK(z == NULL, "line over the cap rejected");
	CHECK_STR(err, "f:2: line longer than 65536 bytes", "  message");
	z = zonefile_parse_buf("a.test TXT x\0y", 14, "f", err, sizeof(err));
	CHECK(z == NULL, "NUL byte rejected");
	free(longline);
}

/* check_empty - an empty zone (a fuzz find) answers NXDOMAIN */
static void
check_empty(void)
{
	static const char *texts[] = { "", "; only a comment\n\n# too\n" };
	struct zonefile *z;
	unsigned char *pkt;
	size_t i, len;
	char err[256];

	for (i = 0; i < 2; i++) {
		z = zonefile_parse_buf(texts[i], strlen(texts[i]), NULL, err,
		    sizeof(err));
		if (!CHECK(z != NULL, "empty zone %zu parses", i))
			continue;
		CHECK_INT(zonefile_records(z), 0, "  no records");
		CHECK_INT(zonefile_exists(z, "example.com"),
		    DMARC_DNS_NXDOMAIN, "  NXDOMAIN");
		CHECK_INT(zonefile_query(z, "example.com", ns_t_a, &pkt, &len),
		    DMARC_DNS_NXDOMAIN, "  NXDOMAIN packet");
		free(pkt);
		zonefile_free(z);
	}
}

/* rr_text - one decoded answer RR as "TYPE ttl rdata" */
static void
rr_text(ns_msg *m, int i, char *out, size_t outlen)
{
	char name[NS_MAXDNAME], a[64];
	const unsigned char *rd;
	ns_rr rr;
	size_t n;

	if (ns_parserr(m, ns_s_an, i, &rr) != 0) {
		snprintf(out, outlen, "parse error");
		return;
	}
	rd = ns_rr_rdata(rr);
	n = ns_rr_rdlen(rr);
	switch (ns_rr_type(rr)) {
	case ns_t_a:
	case ns_t_aaaa:
		inet_ntop(n == 4 ? AF_INET : AF_INET6, rd, a, sizeof(a));
		snprintf(out, outlen, "%s %u %s %s", ns_rr_name(rr),
		    ns_rr_ttl(rr), n == 4 ? "A" : "AAAA", a);
		break;
	case ns_t_mx:
		ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), rd + 2,
		    name, sizeof(name));
		snprintf(out, outlen, "%s %u MX %u %s", ns_rr_name(rr),
		    ns_rr_ttl(rr), ns_get16(rd), name);
		break;
	case ns_t_txt:
		snprintf(out, outlen, "%s %u TXT %zu:%u:%.*s", ns_rr_name(rr),
		    ns_rr_ttl(rr), n, rd[0], (int)rd[0], rd + 1);
		break;
	default:
		ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), rd,
		    name, sizeof(name));
		snprintf(out, outlen, "%s %u type%d %s", ns_rr_name(rr),
		    ns_rr_ttl(rr), ns_rr_type(rr), name);
	}
}

static const struct {
	const char	*name;
	int		 type;
	enum dmarc_dns	 st;
	int		 rcode;
	int		 ancount;
	const char	*rr0, *rr1;
} pkt_cases[] = {
	{ "example.com", ns_t_a, DMARC_DNS_DATA, 0, 1,
	    "example.com 300 A 192.0.2.1", NULL },
	{ "example.com", ns_t_aaaa, DMARC_DNS_DATA, 0, 1,
	    "example.com 60 AAAA 2001:db8::1", NULL },
	{ "example.com", ns_t_mx, DMARC_DNS_DATA, 0, 1,
	    "example.com 120 MX 10 mx.example.com", NULL },
	{ "multi.example.com", ns_t_txt, DMARC_DNS_DATA, 0, 3,
	    "multi.example.com 300 TXT 4:3:one",
	    "multi.example.com 300 TXT 4:3:two" },
	{ "www.example.org", ns_t_a, DMARC_DNS_DATA, 0, 2,
	    "www.example.org 300 type5 target.example.org",
	    "target.example.org 300 A 192.0.2.7" },
	{ "4.3.2.1.in-addr.arpa", ns_t_ptr, DMARC_DNS_DATA, 0, 1,
	    "4.3.2.1.in-addr.arpa 300 type12 example.org", NULL },
	{ "example.org", ns_t_ns, DMARC_DNS_DATA, 0, 1,
	    "example.org 300 type2 ns1.example.org", NULL },
	{ "www.example.org", ns_t_cname, DMARC_DNS_DATA, 0, 1,
	    "www.example.org 300 type5 target.example.org", NULL },
	{ "example.com", ns_t_ptr, DMARC_DNS_NODATA, 0, 0, NULL, NULL },
	{ "none.example.com", ns_t_a, DMARC_DNS_NXDOMAIN, 3, 0, NULL, NULL },
	{ "sf.example.org", ns_t_a, DMARC_DNS_SERVFAIL, -1, 0, NULL, NULL },
	{ "to.example.org", ns_t_txt, DMARC_DNS_TIMEOUT, -1, 0, NULL, NULL },
};

/* check_packets - synthesized answers decode back with libresolv */
static void
check_packets(const struct zonefile *z)
{
	unsigned char *pkt;
	char got[4096];
	size_t i, len;
	ns_msg m;

	for (i = 0; i < sizeof(pkt_cases) / sizeof(pkt_cases[0]); i++) {
		CHECK_INT(zonefile_query(z, pkt_cases[i].name,
		    pkt_cases[i].type, &pkt, &len), pkt_cases[i].st,
		    pkt_cases[i].name);
		if (pkt_cases[i].rcode < 0) {
			CHECK(pkt == NULL, "  no packet");
			continue;
		}
		if (!CHECK(pkt != NULL && ns_initparse(pkt, (int)len, &m) ==
		    0, "  packet parses")) {
			free(pkt);
			continue;
		}
		CHECK_INT(ns_msg_getflag(m, ns_f_rcode), pkt_cases[i].rcode,
		    "  rcode");
		CHECK(ns_msg_getflag(m, ns_f_qr) && ns_msg_getflag(m,
		    ns_f_aa) && ns_msg_id(m) == 0, "  QR AA, id 0");
		CHECK_INT(ns_msg_count(m, ns_s_qd), 1, "  one question");
		CHECK_INT(ns_msg_count(m, ns_s_an), pkt_cases[i].ancount,
		    "  answer count");
		if (pkt_cases[i].rr0 != NULL) {
			rr_text(&m, 0, got, sizeof(got));
			CHECK_STR(got, pkt_cases[i].rr0, "  first RR");
		}
		if (pkt_cases[i].rr1 != NULL) {
			rr_text(&m, 1, got, sizeof(got));
			CHECK_STR(got, pkt_cases[i].rr1, "  second RR");
		}
		free(pkt);
	}
}

/* check_long_txt - a 300-octet string leaves as 255 + 45 */
static void
check_long_txt(void)
{
	char buf[400], err[256];
	struct dmarc_dns_txt t = { 0, NULL, NULL };
	struct zonefile *z;
	unsigned char *pkt = NULL;
	size_t len = 0;
	ns_msg m;
	ns_rr rr;

	memcpy(buf, "long.test TXT \"", 15);
	memset(buf + 15, 'x', 300);
	memcpy(buf + 315, "\"\n", 2);
	z = zonefile_parse_buf(buf, 317, NULL, err, sizeof(err));
	if (!CHECK(z != NULL, "long TXT parses"))
		return;
	CHECK(zonefile_txt(z, "long.test", &t) == DMARC_DNS_DATA &&
	    t.n == 1 && t.len[0] == 300, "long TXT joined back to 300");
	dmarc_dns_txt_clear(&t);
	CHECK_INT(zonefile_query(z, "long.test", ns_t_txt, &pkt, &len),
	    DMARC_DNS_DATA, "long TXT packet");
	CHECK(pkt != NULL && ns_initparse(pkt, (int)len, &m) == 0 &&
	    ns_parserr(&m, ns_s_an, 0, &rr) == 0 && ns_rr_rdlen(rr) == 302 &&
	    ns_rr_rdata(rr)[0] == 255 && ns_rr_rdata(rr)[256] == 45,
	    "  split into 255 + 45 character-strings");
	free(pkt);
	zonefile_free(z);
}

/* check_example - the documented example zone through the resolver */
static void
check_example(void)
{
	struct resolver_opts o = { 0 };
	struct resolver_stats st;
	struct dmarc_dns_txt t = { 0, NULL, NULL };
	struct resolver *r;
	char err[512];

	o.zonefile = TOP_SRCDIR "/tests/data/dns/example.zone";
	r = resolver_new(&o, err, sizeof(err));
	if (!CHECK(r != NULL, "example.zone loads: %s", r ? "" : err))
		return;
	CHECK_INT(resolver_txt(r, "_dmarc.example.com", &t), DMARC_DNS_DATA,
	    "example.zone _dmarc");
	CHECK(t.n == 1, "  one RR");
	CHECK_STR(t.n ? t.rr[0] : NULL,
	    "v=DMARC1; p=reject; rua=mailto:d@example.com", "  joined");
	dmarc_dns_txt_clear(&t);
	CHECK_INT(resolver_txt(r, "_dmarc.legacy.example.org", &t),
	    DMARC_DNS_DATA, "example.zone TestDNSData line");
	CHECK_STR(t.n ? t.rr[0] : NULL, "v=DMARC1; p=quarantine; pct=50",
	    "  the rest of the line, ';' kept");
	dmarc_dns_txt_clear(&t);
	CHECK_INT(resolver_exists(r, "a.b.example.com"), DMARC_DNS_NODATA,
	    "example.zone empty non-terminal");
	CHECK_INT(resolver_txt(r, "servfail.example.com", &t),
	    DMARC_DNS_SERVFAIL, "example.zone SERVFAIL");
	CHECK_INT(resolver_exists(r, "timeout.example.com"),
	    DMARC_DNS_TIMEOUT, "example.zone TIMEOUT");
	resolver_stats(r, &st);
	CHECK(st.lookups == 5 && st.servfails == 1 && st.timeouts == 1,
	    "stats %lu/%lu/%lu", st.lookups, st.servfails, st.timeouts);
	resolver_free(r);
	o.zonefile = TOP_SRCDIR "/tests/data/dns/no-such.zone";
	CHECK(resolver_new(&o, err, sizeof(err)) == NULL &&
	    strstr(err, "no-such.zone: No such file") != NULL,
	    "missing zone file: %s", err);
}

int
main(void)
{
	struct zonefile *z;
	char err[256] = "";
	size_t i;

	z = zonefile_parse_buf(zone, sizeof(zone) - 1, NULL, err,
	    sizeof(err));
	if (!CHECK(z != NULL, "test zone parses: %s", err))
		return tap_done();
	CHECK_INT(zonefile_records(z), 20, "record count");
	check_txt(z);
	for (i = 0; i < sizeof(exists_cases) / sizeof(exists_cases[0]); i++)
		CHECK_INT(zonefile_exists(z, exists_cases[i].name),
		    exists_cases[i].st, exists_cases[i].name);
	check_packets(z);
	zonefile_free(z);
	check_errors();
	check_empty();
	check_long_txt();
	check_example();
	return tap_done();
}
