/*
 * spf.c -- our own SPF check: libspf2 running on our resolver
 *
 * SYNOPSIS
 *	#include "spf.h"
 *
 * DESCRIPTION
 *	libspf2 evaluates the record (mechanisms, macros, include/redirect,
 *	the 10-lookup limit); this file gives it a DNS layer of its own,
 *	an SPF_dns_server_t whose lookup() calls resolver_query() and turns
 *	the res_query(3)-style answer packet into an SPF_dns_rr_t.  So
 *	libspf2 shares the resolver's cache and deadline, and a zone file
 *	drives it in tests.  NXDOMAIN becomes HOST_NOT_FOUND, NODATA
 *	NO_DATA, and SERVFAIL, timeout and local failures TRY_AGAIN, which
 *	libspf2 turns into temperror (RFC 7208 sections 4.4 and 5).
 *
 *	The layer also replaces libspf2's record fetch (get_spf) to follow
 *	RFC 7208 section 4.5 and the gaps listed in compat section 11 item
 *	13: only TXT is queried (never the SPF RR type, section 3.1), a
 *	record is "v=spf1" followed by a space or the end, two records or a
 *	record that does not compile give permerror (not fail, not none),
 *	and a DNS failure gives temperror.
 *
 *	One SPF_server_t serves all threads: libspf2 only reads it during
 *	a check, and each check has its own SPF_request_t and
 *	SPF_response_t.  The DNS layer keeps no state besides the resolver.
 *
 * DIAGNOSTICS
 *	spf_new() fails with a message in err.  spf_check() returns -1 on a
 *	local error and reports temperror.  libspf2 itself logs nothing
 *	unless debugging.
 *
 * WHY A FILE OF ITS OWN
 *	It is the only user of libspf2 and of libresolv's packet parser.
 *
 * SEE ALSO
 *	RFC 7208; resolver.h; standards.md D-35; opendmarc-compat.md 6.2
 */
#include "config.h"

#include <sys/types.h>

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "spf.h"
#include "xmalloc.h"

#define SPF_MAXTERMS	10	/* RFC 7208 4.6.4 */
#define SPF_MAXSUB	10	/* libspf2's max_dns_mx and max_dns_ptr */
#define SPF_MAXNAME	256

struct spf {
	SPF_server_t	*server;
	SPF_dns_server_t dns;		/* destroy == NULL: we own it */
	struct resolver	*r;
};

/*
 * One check, on its thread's stack.  libspf2 counts DNS terms per
 * response and starts a new response in every include, so it never
 * sees more than one record's terms; the count lives here instead.
 * Terms are seen as lookups: get_spf() after the first (include,
 * redirect), MX and PTR, and A/AAAA unless of a name the last MX or
 * PTR answer gave (those belong to the mx or ptr term).
 */
struct spf_run {
	int	 fetches;		/* get_spf() calls */
	int	 terms;
	int	 over;			/* limit exceeded: permerror */
	int	 nsub;
	char	 sub[SPF_MAXSUB][SPF_MAXNAME];
};

/* the check running on this thread: libspf2's callbacks carry no context */
static _Thread_local struct spf_run *spf_run;

/* spf_term - count one DNS term of this check; -1 once over the limit */
static int
spf_term(void)
{
	struct spf_run *run = spf_run;

	if (run == NULL)
		return 0;
	if (run->over || ++run->terms > SPF_MAXTERMS) {
		run->over = 1;
		return -1;
	}
	return 0;
}

/* spf_count - account for a lookup of name; -1 when it must not be made */
static int
spf_count(const char *name, ns_type type)
{
	struct spf_run *run = spf_run;
	int i;

	if (run == NULL)
		return 0;
	if (run->over)
		return -1;
	if (type == ns_t_txt || type == ns_t_spf)
		return 0;	/* records: counted in get_spf; exp= is free */
	if (type == ns_t_a || type == ns_t_aaaa)
		for (i = 0; i < run->nsub; i++)
			if (strcasecmp(run->sub[i], name) == 0)
				return 0;
	return spf_term();
}

/* spf_subnames - remember an MX or PTR answer's names (see spf_run) */
static void
spf_subnames(const SPF_dns_rr_t *rr)
{
	struct spf_run *run = spf_run;
	int i;

	if (run == NULL || (rr->rr_type != ns_t_mx && rr->rr_type != ns_t_ptr))
		return;
	run->nsub = 0;
	for (i = 0; i < rr->num_rr && run->nsub < SPF_MAXSUB; i++)
		if (strlen(rr->rr[i]->mx) < SPF_MAXNAME)
			memcpy(run->sub[run->nsub++], rr->rr[i]->mx,
			    strlen(rr->rr[i]->mx) + 1);
}

/* spf_rr_name - copy the (compressed) name at p into rr slot cnt */
static int
spf_rr_name(SPF_dns_rr_t *rr, int cnt, const ns_msg *msg,
    const unsigned char *p)
{
	char	 name[NS_MAXDNAME];
	size_t	 len;

	if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), p, name,
	    sizeof(name)) < 0)
		return -1;
	len = strlen(name) + 1;
	if (SPF_dns_rr_buf_realloc(rr, cnt, len) != SPF_E_SUCCESS)
		return -1;
	memcpy(rr->rr[cnt]->ptr, name, len);
	return 0;
}

/* spf_rr_txt - join the character-strings of one TXT RR into slot cnt */
static int
spf_rr_txt(SPF_dns_rr_t *rr, int cnt, const unsigned char *p, size_t len)
{
	char	*dst;
	size_t	 i, n, out = 0;

	/* len covers the content plus at least one length octet: room for NUL */
	if (SPF_dns_rr_buf_realloc(rr, cnt, len > 0 ? len : 1) !=
	    SPF_E_SUCCESS)
		return -1;
	dst = rr->rr[cnt]->txt;
	for (i = 0; i < len; i += n) {
		n = p[i++];
		if (n > len - i)
			return -1;
		memcpy(dst + out, p + i, n);
		out += n;
	}
	dst[out] = '\0';
	return 0;
}

/* spf_rr_add - store one answer RR of the queried type; 1 stored, 0 skipped */
static int
spf_rr_add(SPF_dns_rr_t *rr, int cnt, const ns_msg *msg, const ns_rr *r)
{
	const unsigned char *p = ns_rr_rdata(*r);
	size_t	 len = ns_rr_rdlen(*r);

	switch (rr->rr_type) {
	case ns_t_a:
		if (len != sizeof(struct in_addr))
			return 0;
		if (SPF_dns_rr_buf_realloc(rr, cnt, len) != SPF_E_SUCCESS)
			return -1;
		memcpy(&rr->rr[cnt]->a, p, len);
		return 1;
	case ns_t_aaaa:
		if (len != sizeof(struct in6_addr))
			return 0;
		if (SPF_dns_rr_buf_realloc(rr, cnt, len) != SPF_E_SUCCESS)
			return -1;
		memcpy(&rr->rr[cnt]->aaaa, p, len);
		return 1;
	case ns_t_mx:
		if (len < NS_INT16SZ + 1)
			return 0;
		return spf_rr_name(rr, cnt, msg, p + NS_INT16SZ) == 0 ? 1 : -1;
	case ns_t_ptr:
		return spf_rr_name(rr, cnt, msg, p) == 0 ? 1 : -1;
	case ns_t_txt:
	case ns_t_spf:
		return spf_rr_txt(rr, cnt, p, len) == 0 ? 1 : -1;
	default:
		return 0;
	}
}

/* spf_rr_fill - parse an answer packet into rr; -1 when it is malformed */
static int
spf_rr_fill(SPF_dns_rr_t *rr, const unsigned char *pkt, size_t len)
{
	ns_msg	 msg;
	ns_rr	 r;
	int	 i, n, cnt = 0, rc;

	if (len > NS_MAXMSG || ns_initparse(pkt, (int)len, &msg) < 0)
		return -1;
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &r) < 0)
			return -1;
		if (ns_rr_type(r) != rr->rr_type || ns_rr_class(r) != ns_c_in)
			continue;	/* CNAME chain, other types */
		if ((rc = spf_rr_add(rr, cnt, &msg, &r)) == -1)
			return -1;
		if (rc == 1) {
			if (cnt == 0 || (time_t)ns_rr_ttl(r) < rr->ttl)
				rr->ttl = ns_rr_ttl(r);
			rr->num_rr = ++cnt;
		}
	}
	return 0;
}

/* spf_dns_lookup - the layer's lookup(): resolver_query, then parse */
static SPF_dns_rr_t *
spf_dns_lookup(SPF_dns_server_t *d, const char *domain, ns_type type,
    int should_cache)
{
	struct spf	*s = d->hook;
	SPF_dns_rr_t	*rr;
	unsigned char	*pkt = NULL;
	size_t		 len = 0;
	int		 herr;

	(void)should_cache;
	if (spf_count(domain, type) == -1)
		return SPF_dns_rr_new_init(d, domain, type, 0, HOST_NOT_FOUND);
	switch (resolver_query(s->r, domain, (int)type, &pkt, &len)) {
	case DMARC_DNS_DATA:
		herr = NETDB_SUCCESS;
		break;
	case DMARC_DNS_NODATA:
		herr = NO_DATA;
		break;
	case DMARC_DNS_NXDOMAIN:
		herr = HOST_NOT_FOUND;
		break;
	default:
		herr = TRY_AGAIN;
		break;
	}
	rr = SPF_dns_rr_new_init(d, domain, type, 0, herr);
	if (rr != NULL && herr == NETDB_SUCCESS) {
		if (pkt == NULL || spf_rr_fill(rr, pkt, len) == -1) {
			rr->num_rr = 0;
			rr->herrno = TRY_AGAIN;	/* garbled answer */
		} else if (rr->num_rr == 0)
			rr->herrno = NO_DATA;
		spf_subnames(rr);
	}
	free(pkt);
	return rr;
}

/* spf_is_v1 - RFC 7208 4.5: "v=spf1" (any case), then a space or the end */
static int
spf_is_v1(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (txt[6] == '\0' || txt[6] == ' ');
}

/* spf_fetch_fail - set the outcome of a failed fetch and return code */
static SPF_errcode_t
spf_fetch_fail(SPF_response_t *resp, SPF_result_t result, SPF_errcode_t code,
    const char *what, const char *domain)
{
	resp->result = result;
	resp->reason = SPF_REASON_FAILURE;
	resp->err = code;
	SPF_response_add_error(resp, code, "%s '%s'", what, domain);
	return code;
}

/*
 * spf_dns_get_spf - the layer's get_spf(): fetch and compile the record
 * of spf_request->cur_dom (the checked domain, or an include/redirect
 * target).  SPF_E_DNS_ERROR makes libspf2 report temperror.
 */
static SPF_errcode_t
spf_dns_get_spf(SPF_server_t *server, SPF_request_t *req,
    SPF_response_t *resp, SPF_record_t **recp)
{
	const char	*dom = req->cur_dom, *txt = NULL;
	SPF_dns_rr_t	*rr;
	SPF_errcode_t	 err;
	int		 i, found = 0;

	*recp = NULL;
	if (spf_run != NULL && spf_run->fetches++ > 0 && spf_term() == -1)
		return spf_fetch_fail(resp, SPF_RESULT_PERMERROR, SPF_E_BIG_DNS,
		    "more than 10 DNS terms at", dom);
	rr = SPF_dns_lookup(server->resolver, dom, ns_t_txt, 1);
	if (rr == NULL)
		return spf_fetch_fail(resp, SPF_RESULT_TEMPERROR,
		    SPF_E_DNS_ERROR, "no memory looking up", dom);
	if (rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA) {
		SPF_dns_rr_free(rr);
		return spf_fetch_fail(resp, SPF_RESULT_NONE, SPF_E_NOT_SPF,
		    "no SPF record for", dom);
	}
	if (rr->herrno != NETDB_SUCCESS) {
		SPF_dns_rr_free(rr);
		return spf_fetch_fail(resp, SPF_RESULT_TEMPERROR,
		    SPF_E_DNS_ERROR, "temporary DNS failure for", dom);
	}
	for (i = 0; i < rr->num_rr; i++)
		if (spf_is_v1(rr->rr[i]->txt)) {
			found++;
			txt = rr->rr[i]->txt;
		}
	if (found != 1) {
		SPF_dns_rr_free(rr);
		if (found == 0)
			return spf_fetch_fail(resp, SPF_RESULT_NONE,
			    SPF_E_NOT_SPF, "no SPF record for", dom);
		return spf_fetch_fail(resp, SPF_RESULT_PERMERROR,
		    SPF_E_MULTIPLE_RECORDS, "multiple SPF records for", dom);
	}
	err = SPF_record_compile(server, resp, recp, txt);
	SPF_dns_rr_free(rr);
	if (err != SPF_E_SUCCESS)
		return spf_fetch_fail(resp, SPF_RESULT_PERMERROR,
		    err == SPF_E_DNS_ERROR ? SPF_E_SYNTAX : err,
		    "invalid SPF record for", dom);
	return SPF_E_SUCCESS;
}

/* spf_new - one shared libspf2 server on a DNS layer bound to r */
struct spf *
spf_new(struct resolver *r, const char *receiver, char *err, size_t errlen)
{
	struct spf *s = xcalloc(1, sizeof(*s));

	s->r = r;
	s->dns.destroy = NULL;		/* embedded: SPF_server_free keeps it */
	s->dns.lookup = spf_dns_lookup;
	s->dns.get_spf = spf_dns_get_spf;
	s->dns.get_exp = NULL;
	s->dns.add_cache = NULL;
	s->dns.layer_below = NULL;
	s->dns.name = "dmarcd";
	s->dns.debug = 0;
	s->dns.hook = s;
	if ((s->server = SPF_server_new_dns(&s->dns, 0)) == NULL) {
		snprintf(err, errlen, "libspf2: cannot create a server");
		free(s);
		return NULL;
	}
	if (receiver != NULL && *receiver != '\0' &&
	    SPF_server_set_rec_dom(s->server, receiver) != SPF_E_SUCCESS) {
		snprintf(err, errlen, "libspf2: bad receiver name \"%s\"",
		    receiver);
		spf_free(s);
		return NULL;
	}
	return s;
}

/* spf_free - release the server (the resolver stays the caller's) */
void
spf_free(struct spf *s)
{
	if (s == NULL)
		return;
	if (s->server != NULL)
		SPF_server_free(s->server);
	free(s);
}

/* spf_ares - libspf2 outcome to an ARES code; INVALID means err decides */
static enum dmarc_ares
spf_ares(SPF_result_t result, SPF_errcode_t err)
{
	switch (result) {
	case SPF_RESULT_PASS:
		return DMARC_ARES_PASS;
	case SPF_RESULT_FAIL:
		return DMARC_ARES_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return DMARC_ARES_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:
		return DMARC_ARES_NEUTRAL;
	case SPF_RESULT_NONE:
		return DMARC_ARES_NONE;
	case SPF_RESULT_TEMPERROR:
		return DMARC_ARES_TEMPERROR;
	case SPF_RESULT_PERMERROR:
		return DMARC_ARES_PERMERROR;
	default:
		return err == SPF_E_DNS_ERROR || err == SPF_E_NO_MEMORY ?
		    DMARC_ARES_TEMPERROR : DMARC_ARES_PERMERROR;
	}
}

/*
 * spf_identity - choose the identity (D-35): fill res->scope and
 * res->domain; *local gets the local part to use (not NUL-terminated,
 * *llen octets).  -1 when the domain is not a valid name.
 */
static int
spf_identity(const char *helo, const char *mailfrom,
    struct dmarc_spf_result *res, const char **local, size_t *llen)
{
	const char	*dom, *at;

	if (mailfrom != NULL && *mailfrom != '\0' &&
	    strcmp(mailfrom, "<>") != 0) {
		res->scope = DMARC_SCOPE_MFROM;
		at = strrchr(mailfrom, '@');
		dom = at != NULL ? at + 1 : mailfrom;
		*local = mailfrom;
		*llen = at != NULL ? (size_t)(at - mailfrom) : 0;
	} else {
		res->scope = DMARC_SCOPE_HELO;
		dom = helo != NULL ? helo : "";
		*local = "";
		*llen = 0;
	}
	if (*llen == 0) {
		*local = "postmaster";	/* RFC 7208 4.3 */
		*llen = strlen(*local);
	}
	if (dmarc_domain_normalize(dom, strlen(dom), res->domain,
	    sizeof(res->domain)) != DMARC_OK) {
		res->domain[0] = '\0';
		return -1;
	}
	return 0;
}

/* spf_request - build the libspf2 request; NULL on a local error */
static SPF_request_t *
spf_request(struct spf *s, const char *ip, const char *helo,
    const char *local, size_t llen, const char *domain)
{
	SPF_request_t	*req;
	char		*addr;
	size_t		 alen;
	int		 rc;

	if ((req = SPF_request_new(s->server)) == NULL)
		return NULL;
	if (strchr(ip, ':') != NULL)
		rc = SPF_request_set_ipv6_str(req, ip);
	else
		rc = SPF_request_set_ipv4_str(req, ip);
	if (rc == SPF_E_SUCCESS && helo != NULL && *helo != '\0')
		rc = SPF_request_set_helo_dom(req, helo);
	if (rc == SPF_E_SUCCESS) {
		alen = llen + 1 + strlen(domain) + 1;
		addr = xmalloc(alen);
		memcpy(addr, local, llen);
		snprintf(addr + llen, alen - llen, "@%s", domain);
		rc = SPF_request_set_env_from(req, addr);
		free(addr);
	}
	if (rc != SPF_E_SUCCESS) {
		SPF_request_free(req);
		return NULL;
	}
	return req;
}

/* spf_check - check_host() for MAIL FROM, or HELO for the null sender */
int
spf_check(struct spf *s, const char *ip, const char *helo,
    const char *mailfrom, struct dmarc_spf_result *res)
{
	SPF_request_t	*req;
	SPF_response_t	*resp = NULL;
	SPF_errcode_t	 err;
	struct spf_run	 run;
	const char	*local;
	size_t		 llen;

	memset(res, 0, sizeof(*res));
	res->result = DMARC_ARES_TEMPERROR;
	res->source = DMARC_SRC_SELF;
	if (spf_identity(helo, mailfrom, res, &local, &llen) == -1) {
		res->result = DMARC_ARES_NONE;	/* RFC 7208 4.3 */
		return 0;
	}
	if (ip == NULL ||
	    (req = spf_request(s, ip, helo, local, llen, res->domain)) == NULL)
		return -1;
	memset(&run, 0, sizeof(run));
	spf_run = &run;
	err = SPF_request_query_mailfrom(req, &resp);
	spf_run = NULL;
	if (resp == NULL) {
		SPF_request_free(req);
		return -1;
	}
	if (run.over)
		res->result = DMARC_ARES_PERMERROR;
	else
		res->result = spf_ares(SPF_response_result(resp), err);
	SPF_response_free(resp);
	SPF_request_free(req);
	return 0;
}
