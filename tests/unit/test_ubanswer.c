/*
 * test_ubanswer.c -- answer packets as struct ub_result (common/ubanswer.c)
 *
 * libunbound's event mode hands over the wire-format answer; resolver.c
 * reads struct ub_result.  Packets are built here RR by RR: TXT data
 * with the smallest TTL, a CNAME chain (and an RR off the chain, which
 * must not count), owner names in another case, NXDOMAIN and NODATA
 * with and without an SOA (RFC 2308 TTL), a chain longer than allowed,
 * a truncated packet and a failure result.  Run under ASan, the
 * ub_resolve_free() of every result checks the allocations too.
 */
#include "config.h"

#include <arpa/nameser.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "ubanswer.h"

struct pkt {
	unsigned char	 b[4096];
	size_t		 n;
	const unsigned char *dn[32];
};

static void
put16(struct pkt *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)(v >> 8);
	p->b[p->n++] = (unsigned char)v;
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void
putname(struct pkt *p, const char *name)
{
	int n = dn_comp(name, p->b + p->n, (int)(sizeof(p->b) - p->n),
	    (unsigned char **)p->dn, (unsigned char **)p->dn + 31);

	if (n < 0)
		abort();
	p->n += (size_t)n;
}

/* begin - header and question; counts are filled in by the callers */
static void
begin(struct pkt *p, const char *qname, int qtype, int rcode, int an,
    int ns)
{
	memset(p, 0, sizeof(*p));
	p->dn[0] = p->b;
	put16(p, 0x1234);
	put16(p, 0x8180 | (unsigned)rcode);
	put16(p, 1);
	put16(p, (unsigned)an);
	put16(p, (unsigned)ns);
	put16(p, 0);
	putname(p, qname);
	put16(p, (unsigned)qtype);
	put16(p, ns_c_in);
}

/* rr - an RR whose rdata is raw bytes */
static void
rr(struct pkt *p, const char *owner, int type, uint32_t ttl,
    const void *rd, size_t rdlen)
{
	putname(p, owner);
	put16(p, (unsigned)type);
	put16(p, ns_c_in);
	put32(p, ttl);
	put16(p, (unsigned)rdlen);
	memcpy(p->b + p->n, rd, rdlen);
	p->n += rdlen;
}

/* txt - a TXT RR of one string */
static void
txt(struct pkt *p, const char *owner, uint32_t ttl, const char *s)
{
	unsigned char rd[256];
	size_t l = strlen(s);

	rd[0] = (unsigned char)l;
	memcpy(rd + 1, s, l);
	rr(p, owner, ns_t_txt, ttl, rd, l + 1);
}

/* cname - a CNAME RR (the target uncompressed) */
static void
cname(struct pkt *p, const char *owner, uint32_t ttl, const char *target)
{
	unsigned char rd[NS_MAXCDNAME];
	int n = dn_comp(target, rd, sizeof(rd), NULL, NULL);

	rr(p, owner, ns_t_cname, ttl, rd, (size_t)n);
}

/* soa - an SOA RR with the given MINIMUM */
static void
soa(struct pkt *p, const char *owner, uint32_t ttl, uint32_t minimum)
{
	unsigned char rd[NS_MAXCDNAME * 2 + 20];
	int n = dn_comp("ns.example", rd, sizeof(rd), NULL, NULL);
	int i;

	n += dn_comp("hostmaster.example", rd + n, sizeof(rd) - (size_t)n,
	    NULL, NULL);
	for (i = 0; i < 4; i++) {
		rd[n++] = 0;
		rd[n++] = 0;
		rd[n++] = 0;
		rd[n++] = (unsigned char)(i + 1);
	}
	rd[n++] = (unsigned char)(minimum >> 24);
	rd[n++] = (unsigned char)(minimum >> 16);
	rd[n++] = (unsigned char)(minimum >> 8);
	rd[n++] = (unsigned char)minimum;
	rr(p, owner, ns_t_soa, ttl, rd, (size_t)n);
}

static void
test_txt(void)
{
	struct pkt p;
	struct ub_result *r;

	begin(&p, "_dmarc.example.com", ns_t_txt, 0, 2, 0);
	txt(&p, "_dmarc.example.com", 300, "v=DMARC1; p=none");
	txt(&p, "_dmarc.example.com", 120, "second");
	r = ubanswer_result("_dmarc.example.com", ns_t_txt, p.b, p.n);
	CHECK(r != NULL, "TXT answer parses");
	if (r == NULL)
		return;
	CHECK_INT(r->rcode, 0, "rcode");
	CHECK(r->havedata && !r->nxdomain, "havedata, not nxdomain");
	CHECK(r->data[0] != NULL && r->data[1] != NULL && r->data[2] == NULL,
	    "two rdata");
	CHECK_INT(r->len[0], 17, "first rdata length");
	CHECK(memcmp(r->data[0], "\020v=DMARC1; p=none", 17) == 0,
	    "first rdata bytes");
	CHECK_INT(r->ttl, 120, "TTL: the smallest");
	CHECK_INT(r->answer_len, (int)p.n, "packet copied");
	CHECK(memcmp(r->answer_packet, p.b, p.n) == 0, "packet bytes");
	ub_resolve_free(r);
}

static void
test_chain(void)
{
	struct pkt p;
	struct ub_result *r;

	begin(&p, "_dmarc.a.example", ns_t_txt, 0, 4, 0);
	cname(&p, "_DMARC.A.Example.", 600, "x.b.example");
	txt(&p, "other.example", 5, "off the chain");
	cname(&p, "x.b.example", 60, "y.c.example");
	txt(&p, "Y.C.EXAMPLE", 300, "v=DMARC1; p=reject");
	r = ubanswer_result("_dmarc.a.example", ns_t_txt, p.b, p.n);
	CHECK(r != NULL, "CNAME chain parses");
	if (r == NULL)
		return;
	CHECK(r->havedata && r->data[0] != NULL && r->data[1] == NULL,
	    "one rdata: the chain's end only");
	CHECK(r->data[0] != NULL && r->len[0] == 19 &&
	    memcmp(r->data[0] + 1, "v=DMARC1; p=reject", 18) == 0,
	    "the chain's TXT");
	CHECK_INT(r->ttl, 60, "TTL: the smallest on the chain");
	ub_resolve_free(r);

	begin(&p, "a.example", ns_t_txt, 0, 1, 0);
	txt(&p, "b.example", 300, "not ours");
	r = ubanswer_result("a.example", ns_t_txt, p.b, p.n);
	CHECK(r != NULL && !r->havedata && r->data[0] == NULL,
	    "an RR of another owner is not data");
	ub_resolve_free(r);
}

static void
test_long_chain(void)
{
	char a[32], b[32];
	struct pkt p;
	struct ub_result *r;
	int i;

	begin(&p, "c0.example", ns_t_txt, 0, 18, 0);
	for (i = 0; i < 17; i++) {
		snprintf(a, sizeof(a), "c%d.example", i);
		snprintf(b, sizeof(b), "c%d.example", i + 1);
		cname(&p, a, 60, b);
	}
	txt(&p, "c17.example", 60, "end");
	r = ubanswer_result("c0.example", ns_t_txt, p.b, p.n);
	CHECK(r == NULL, "17 CNAMEs: refused");
	ub_resolve_free(r);
}

static void
test_negative(void)
{
	struct pkt p;
	struct ub_result *r;

	begin(&p, "_dmarc.none.example", ns_t_txt, ns_r_nxdomain, 0, 1);
	soa(&p, "example", 3600, 900);
	r = ubanswer_result("_dmarc.none.example", ns_t_txt, p.b, p.n);
	CHECK(r != NULL && r->nxdomain && r->rcode == ns_r_nxdomain,
	    "NXDOMAIN");
	CHECK(r != NULL && !r->havedata && r->data != NULL &&
	    r->data[0] == NULL, "NXDOMAIN: no data, empty list");
	CHECK(r != NULL && r->ttl == 900, "NXDOMAIN TTL: SOA MINIMUM");
	ub_resolve_free(r);

	begin(&p, "nodata.example", ns_t_txt, 0, 0, 1);
	soa(&p, "example", 30, 900);
	r = ubanswer_result("nodata.example", ns_t_txt, p.b, p.n);
	CHECK(r != NULL && !r->nxdomain && !r->havedata && r->ttl == 30,
	    "NODATA TTL: the SOA's own when smaller");
	ub_resolve_free(r);

	begin(&p, "nodata.example", ns_t_txt, 0, 0, 0);
	r = ubanswer_result("nodata.example", ns_t_txt, p.b, p.n);
	CHECK(r != NULL && !r->havedata && r->ttl == 0,
	    "NODATA without SOA: TTL 0");
	ub_resolve_free(r);
}

static void
test_bad(void)
{
	struct pkt p;
	struct ub_result *r;
	size_t cut;

	begin(&p, "_dmarc.example.com", ns_t_txt, 0, 1, 0);
	txt(&p, "_dmarc.example.com", 300, "v=DMARC1; p=none");
	for (cut = 0; cut < p.n; cut++) {
		r = ubanswer_result("_dmarc.example.com", ns_t_txt, p.b, cut);
		if (r != NULL)
			break;
	}
	CHECK(cut == p.n, "every truncation refused (first accepted at %zu "
	    "of %zu)", cut, p.n);
	ub_resolve_free(r);

	r = ubanswer_failure(ns_r_servfail);
	CHECK(r != NULL && r->rcode == ns_r_servfail && !r->havedata &&
	    r->data != NULL && r->data[0] == NULL, "failure result");
	ub_resolve_free(r);
}

int
main(void)
{
	test_txt();
	test_chain();
	test_long_chain();
	test_negative();
	test_bad();
	return tap_done();
}
