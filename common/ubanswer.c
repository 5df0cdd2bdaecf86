/*
 * ubanswer.c -- a DNS answer packet as libunbound's struct ub_result
 *
 * SYNOPSIS
 *	#include "ubanswer.h"
 *
 *	struct ub_result *res = ubanswer_result(qname, qtype, pkt, len);
 *	struct ub_result *res = ubanswer_failure(rcode);
 *	ub_resolve_free(res);
 *
 * DESCRIPTION
 *	libunbound's event mode (ub_resolve_event(), see ubquery.c) hands an
 *	answer over as its wire-format packet, while resolver.c reads the
 *	struct ub_result that ub_resolve_async() fills.  ubanswer_result()
 *	fills one the same way:
 *
 *	-	rcode, and nxdomain when it is NXDOMAIN;
 *	-	data/len: the rdata of every RR of the queried type (class IN)
 *		in the answer section whose owner is the query name or, a
 *		CNAME at a time, where its chain leads; havedata when there
 *		is one;
 *	-	ttl: the smallest TTL on that chain; for an answer without
 *		data, the authority section's SOA TTL bounded by its MINIMUM
 *		field (RFC 2308 section 5), 0 without an SOA;
 *	-	answer_packet/answer_len: a copy of the packet.
 *
 *	ubanswer_failure() is a result with only an rcode (SERVFAIL and
 *	the like, where libunbound gives no packet).  Both allocate every
 *	part with malloc(3), so ub_resolve_free() frees them.
 *
 * DIAGNOSTICS
 *	NULL when the packet does not parse (libunbound wrote it, so this
 *	means a bug) or memory ran out.
 *
 * SEE ALSO
 *	ubquery.c, resolver(3), RFC 1035, RFC 2308
 */
#include "config.h"

#include <arpa/nameser.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ubanswer.h"

#define CHAIN_MAX	16		/* CNAMEs followed at most */

/* soa_ttl - a negative answer's TTL: min(SOA TTL, SOA MINIMUM), or 0 */
static int
soa_ttl(ns_msg *m)
{
	const unsigned char *p, *end;
	uint32_t min;
	ns_rr rr;
	int i, n;

	for (i = 0; i < ns_msg_count(*m, ns_s_ns); i++) {
		if (ns_parserr(m, ns_s_ns, i, &rr) != 0)
			return 0;
		if (ns_rr_type(rr) != ns_t_soa)
			continue;
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		if ((n = dn_skipname(p, end)) < 0)
			return 0;
		p += n;
		if ((n = dn_skipname(p, end)) < 0 || end - (p + n) < 20)
			return 0;
		p += n + 16;
		min = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		if (min > 0x7fffffff)
			min = 0x7fffffff;
		return ns_rr_ttl(rr) < min ? (int)ns_rr_ttl(rr) : (int)min;
	}
	return 0;
}

/*
 * same_name - two names in presentation form (as dn_expand(3) writes
 * them), case-insensitively, a trailing dot or not
 */
static int
same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* add_rdata - append one rdata to res->data/len (NULL-terminated) */
static int
add_rdata(struct ub_result *res, int n, const unsigned char *p, int len)
{
	char **d = realloc(res->data, (size_t)(n + 2) * sizeof(*d));
	int *l;

	if (d == NULL)
		return -1;
	res->data = d;
	d[n] = NULL;
	d[n + 1] = NULL;
	if ((l = realloc(res->len, (size_t)(n + 2) * sizeof(*l))) == NULL)
		return -1;
	res->len = l;
	l[n] = len;
	l[n + 1] = 0;
	if ((d[n] = malloc(len > 0 ? (size_t)len : 1)) == NULL)
		return -1;
	memcpy(d[n], p, (size_t)len);
	return 0;
}

/* walk - the answer section: rdata along the chain from qname, and TTL */
static int
walk(ns_msg *m, const char *qname, int qtype, struct ub_result *res)
{
	char cur[NS_MAXDNAME], next[NS_MAXDNAME];
	int i, n = 0, hops = 0, ttl = -1;
	ns_rr rr;

	if (strlen(qname) >= sizeof(cur))
		return -1;
	memcpy(cur, qname, strlen(qname) + 1);
	for (i = 0; i < ns_msg_count(*m, ns_s_an); i++) {
		if (ns_parserr(m, ns_s_an, i, &rr) != 0)
			return -1;
		if (ns_rr_class(rr) != ns_c_in ||
		    !same_name(ns_rr_name(rr), cur))
			continue;
		if (ns_rr_type(rr) == ns_t_cname && qtype != ns_t_cname) {
			if (++hops > CHAIN_MAX ||
			    ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m),
			    ns_rr_rdata(rr), next, sizeof(next)) < 0)
				return -1;
			memcpy(cur, next, sizeof(cur));
		} else if ((int)ns_rr_type(rr) == qtype) {
			if (add_rdata(res, n++, ns_rr_rdata(rr),
			    ns_rr_rdlen(rr)) != 0)
				return -1;
		} else
			continue;
		if (ttl < 0 || ns_rr_ttl(rr) < (unsigned)ttl)
			ttl = ns_rr_ttl(rr) > 0x7fffffff ? 0x7fffffff :
			    (int)ns_rr_ttl(rr);
	}
	res->havedata = n > 0;
	res->ttl = n > 0 ? ttl : soa_ttl(m);
	return 0;
}

/* ubanswer_result - the struct ub_result of an answer packet */
struct ub_result *
ubanswer_result(const char *qname, int qtype, const unsigned char *pkt,
    size_t len)
{
	struct ub_result *res;
	ns_msg m;

	if (len > 65535 || ns_initparse(pkt, (int)len, &m) != 0)
		return NULL;
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return NULL;
	res->qtype = qtype;
	res->qclass = ns_c_in;
	res->rcode = ns_msg_getflag(m, ns_f_rcode);
	res->nxdomain = res->rcode == ns_r_nxdomain;
	if ((res->answer_packet = malloc(len > 0 ? len : 1)) == NULL ||
	    walk(&m, qname, qtype, res) != 0) {
		ub_resolve_free(res);
		return NULL;
	}
	memcpy(res->answer_packet, pkt, len);
	res->answer_len = (int)len;
	if (res->data == NULL && (res->data = calloc(1,
	    sizeof(*res->data))) == NULL) {
		ub_resolve_free(res);
		return NULL;
	}
	return res;
}

/* ubanswer_failure - a result with an rcode and nothing else */
struct ub_result *
ubanswer_failure(int rcode)
{
	struct ub_result *res = calloc(1, sizeof(*res));

	if (res == NULL || (res->data = calloc(1, sizeof(*res->data))) ==
	    NULL) {
		free(res);
		return NULL;
	}
	res->rcode = rcode;
	return res;
}
