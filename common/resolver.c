/*
 * resolver.c -- the one DNS resolver: libunbound or a zone file
 *
 * SYNOPSIS
 *	#include "resolver.h"
 *
 * DESCRIPTION
 *	The libunbound backend keeps one context for the whole process.
 *	It forwards to the configured nameservers (ip[@port]) or to those
 *	of resolv.conf, without a DNSSEC trust anchor: the site's resolver
 *	validates, we only need its answers, and libunbound's own cache
 *	keeps positive and negative answers for their TTLs (see Answers
 *	for the table in front of it).
 *
 *	Queries.  libunbound runs in event mode, on a libevent base the
 *	waiting lookups drive themselves; ubquery.c keeps the queries in
 *	flight (several lookups of one name share one query,
 *	resolver_prefetch() sends one early) and the waiting lookups take
 *	turns running libunbound's event loop, each within its deadline
 *	(DNSTimeout).
 *
 *	Answers.  TXT and existence answers (data, NODATA, NXDOMAIN), and
 *	the raw answer packets resolver_query() gives libspf2 and
 *	libopendkim, are also kept in a small table here, for their TTL (at most
 *	RCACHE_MAXTTL seconds): a hit is answered in the calling thread,
 *	without waiting for libunbound's event base, which one lookup at
 *	a time may drive (in thread mode the trip through libunbound's
 *	thread and pipe cost each lookup a dozen system calls and two to
 *	four thread switches, tests/bench/RESULTS.md).  The table is 8-way set associative
 *	(RCACHE_SETS sets: a name can sit in any of its set's eight
 *	entries, and a full set gives up the entry closest to expiry),
 *	so a few thousand busy names do not evict each other as they did
 *	when each name had one slot; it has its own mutex; failures
 *	(SERVFAIL, timeouts) are never kept.
 *
 *	Zone-file mode hands every lookup to zonefile.c.
 *
 * DIAGNOSTICS
 *	resolver_new() fails with a message in err.  Lookups return enum
 *	dmarc_dns and never log above debug level.
 *
 * SEE ALSO
 *	libunbound(3), zonefile.c, RFC 8020
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include "log.h"
#include "monoclock.h"
#include "resolver.h"
#include "xmalloc.h"
#include "ubquery.h"
#include "zonefile.h"

#define RESOLVER_DEFAULT_TIMEOUT	5000	/* ms */
#define RCACHE_SETS	2048		/* answer table sets (2^n) */
#define RCACHE_WAYS	8		/* entries per set */
#define RCACHE_SLOTS	(RCACHE_SETS * RCACHE_WAYS)
#define RCACHE_MAXTTL	3600		/* seconds an answer is kept at most */
#define RCACHE_PKT	0x10000		/* type flag: a raw answer packet */

struct resolver {
	struct zonefile		*zf;		/* zone-file mode */
	unsigned		 timeout_ms;
	struct ubq		*uq;		/* libunbound mode */
	pthread_mutex_t		 mu;		/* stats */
	struct resolver_stats	 st;
	pthread_mutex_t		 cmu;		/* the answer table */
	struct rcache		*cache;		/* [RCACHE_SLOTS], ub mode */
};

/*
 * One kept answer: TXT (type 16) or existence (type 1) of a name, or the
 * raw answer packet of any type (type | RCACHE_PKT) for libspf2 and
 * libopendkim.
 */
struct rcache {
	char			*name;		/* NULL: empty */
	int			 type;
	enum dmarc_dns		 st;
	long long		 expires;	/* monotonic ms */
	struct dmarc_dns_txt	 txt;
	unsigned char		*pkt;
	size_t			 pktlen;
};

/* rcache_set - the first entry of the set of (name, type): FNV-1a */
static struct rcache *
rcache_set(struct resolver *r, const char *name, int type)
{
	unsigned h = 2166136261u ^ (unsigned)type;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return &r->cache[(h & (RCACHE_SETS - 1)) * RCACHE_WAYS];
}

/* rcache_find - the entry holding (name, type) in its set, or NULL */
static struct rcache *
rcache_find(struct resolver *r, const char *name, int type)
{
	struct rcache *e = rcache_set(r, name, type);
	int i;

	for (i = 0; i < RCACHE_WAYS; i++, e++)
		if (e->name != NULL && e->type == type &&
		    strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/*
 * rcache_victim - where (name, type) is kept: its own entry, else an
 * empty or expired one, else the one that expires first
 */
static struct rcache *
rcache_victim(struct resolver *r, const char *name, int type, long long now)
{
	struct rcache *e, *v;
	int i;

	if ((v = rcache_find(r, name, type)) != NULL)
		return v;
	v = e = rcache_set(r, name, type);
	for (i = 0; i < RCACHE_WAYS; i++, e++) {
		if (e->name == NULL || e->expires <= now)
			return e;
		if (e->expires < v->expires)
			v = e;
	}
	return v;
}

/*
 * rcache_get - a kept, unexpired answer into *st, and its TXT strings into
 * out or a copy of its packet into *pkt (either may be NULL); 1 on a hit
 */
static int
rcache_get(struct resolver *r, const char *name, int type,
    enum dmarc_dns *st, struct dmarc_dns_txt *out, unsigned char **pkt,
    size_t *pktlen)
{
	struct rcache *e;
	size_t i;
	int hit = 0;

	pthread_mutex_lock(&r->cmu);
	if ((e = rcache_find(r, name, type)) != NULL && mono_ms() < e->expires) {
		hit = 1;
		*st = e->st;
		for (i = 0; out != NULL && i < e->txt.n && hit; i++)
			if (dmarc_dns_txt_add(out, e->txt.rr[i],
			    e->txt.len[i]) != DMARC_OK) {
				dmarc_dns_txt_clear(out);
				hit = 0;
			}
		if (pkt != NULL && e->pkt != NULL) {
			*pkt = xmalloc(e->pktlen);
			memcpy(*pkt, e->pkt, e->pktlen);
			*pktlen = e->pktlen;
		}
	}
	pthread_mutex_unlock(&r->cmu);
	return hit;
}

/* rcache_put - keep a definite answer (TXT strings or packet) for its TTL */
static void
rcache_put(struct resolver *r, const char *name, int type, enum dmarc_dns st,
    int ttl, const struct dmarc_dns_txt *txt, const unsigned char *pkt,
    size_t pktlen)
{
	struct rcache *e;
	size_t i;

	if (ttl <= 0 || (st != DMARC_DNS_DATA && st != DMARC_DNS_NODATA &&
	    st != DMARC_DNS_NXDOMAIN))
		return;
	pthread_mutex_lock(&r->cmu);
	e = rcache_victim(r, name, type, mono_ms());
	free(e->name);
	dmarc_dns_txt_clear(&e->txt);
	free(e->pkt);
	e->pkt = NULL;
	e->pktlen = 0;
	if (pkt != NULL) {
		e->pkt = xmalloc(pktlen);
		memcpy(e->pkt, pkt, pktlen);
		e->pktlen = pktlen;
	}
	e->name = xstrdup(name);
	e->type = type;
	e->st = st;
	e->expires = mono_ms() + 1000LL * (ttl < RCACHE_MAXTTL ? ttl :
	    RCACHE_MAXTTL);
	for (i = 0; txt != NULL && i < txt->n; i++)
		if (dmarc_dns_txt_add(&e->txt, txt->rr[i], txt->len[i]) !=
		    DMARC_OK) {
			free(e->name);
			e->name = NULL;
			break;
		}
	pthread_mutex_unlock(&r->cmu);
}

/* rcache_free - every kept answer and the table */
static void
rcache_free(struct resolver *r)
{
	size_t i;

	if (r->cache == NULL)
		return;
	for (i = 0; i < RCACHE_SLOTS; i++) {
		free(r->cache[i].name);
		dmarc_dns_txt_clear(&r->cache[i].txt);
		free(r->cache[i].pkt);
	}
	free(r->cache);
	r->cache = NULL;
}

/* count_kept - count a lookup answered from the table */
static enum dmarc_dns
count_kept(struct resolver *r, enum dmarc_dns st)
{
	pthread_mutex_lock(&r->mu);
	r->st.lookups++;
	r->st.kept++;
	pthread_mutex_unlock(&r->mu);
	return st;
}

/* count - update the statistics for one lookup */
static enum dmarc_dns
count(struct resolver *r, enum dmarc_dns st)
{
	pthread_mutex_lock(&r->mu);
	r->st.lookups++;
	if (st == DMARC_DNS_TIMEOUT)
		r->st.timeouts++;
	else if (st == DMARC_DNS_SERVFAIL)
		r->st.servfails++;
	pthread_mutex_unlock(&r->mu);
	return st;
}

/* ub_setup - query table and its context, forwarders */
static int
ub_setup(struct resolver *r, const struct resolver_opts *o, char *err,
    size_t errlen)
{
	const char *rc_file = o->resolvconf ? o->resolvconf :
	    "/etc/resolv.conf";
	struct ub_ctx *ctx;
	size_t i;
	int rc;

	if ((r->uq = ubq_new(r->timeout_ms, err, errlen)) == NULL)
		return -1;
	ctx = ubq_ctx(r->uq);
	/* forwarders on loopback (a local cache, the test servers) */
	if ((rc = ub_ctx_set_option(ctx, "do-not-query-localhost:",
	    "no")) != 0) {
		snprintf(err, errlen, "libunbound: %s", ub_strerror(rc));
		return -1;
	}
	/*
	 * libunbound answers "test." NXDOMAIN itself (RFC 6761); test and
	 * split set-ups publish names there on their own servers; a
	 * transparent zone replaces the default ("nodefault" is not
	 * honoured through ub_ctx_set_option()).
	 */
	if ((rc = ub_ctx_set_option(ctx, "local-zone:",
	    "test. transparent")) != 0) {
		snprintf(err, errlen, "libunbound: %s", ub_strerror(rc));
		return -1;
	}
	for (i = 0; i < o->nnameservers; i++)
		if ((rc = ub_ctx_set_fwd(ctx, o->nameservers[i])) != 0) {
			snprintf(err, errlen, "nameserver \"%s\": %s",
			    o->nameservers[i], ub_strerror(rc));
			return -1;
		}
	if (o->nnameservers == 0 &&
	    (rc = ub_ctx_resolvconf(ctx, rc_file)) != 0) {
		snprintf(err, errlen, "%s: %s", rc_file, rc == UB_READFILE ?
		    strerror(errno) : ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* resolver_new - choose the backend and set it up */
struct resolver *
resolver_new(const struct resolver_opts *opts, char *err, size_t errlen)
{
	struct resolver *r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->cmu, NULL);
	r->timeout_ms = opts->timeout_ms ? opts->timeout_ms :
	    RESOLVER_DEFAULT_TIMEOUT;
	if (opts->zonefile != NULL) {
		if ((r->zf = zonefile_load(opts->zonefile, err,
		    errlen)) == NULL) {
			resolver_free(r);
			return NULL;
		}
		return r;
	}
	if (ub_setup(r, opts, err, errlen) != 0) {
		resolver_free(r);
		return NULL;
	}
	r->cache = xcalloc(RCACHE_SLOTS, sizeof(*r->cache));
	return r;
}

/* resolver_free - drop the context, then what was in flight */
void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	ubq_free(r->uq);
	zonefile_free(r->zf);
	rcache_free(r);
	pthread_mutex_destroy(&r->cmu);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* resolver_txt - TXT lookup, one joined string per RR (D-02) */
enum dmarc_dns
resolver_txt(struct resolver *r, const char *name, struct dmarc_dns_txt *out)
{
	const struct ub_result *res;
	struct ubreq *q;
	enum dmarc_dns st;
	int i;

	if (r->zf != NULL)
		return count(r, zonefile_txt(r->zf, name, out));
	if (rcache_get(r, name, 16, &st, out, NULL, NULL))
		return count_kept(r, st);
	st = ubq_lookup(r->uq, name, 16, &q);
	res = q != NULL ? ubq_result(q) : NULL;
	for (i = 0; st == DMARC_DNS_DATA && res->data[i] != NULL; i++)
		if (zonefile_txt_rdata_add((unsigned char *)res->data[i],
		    (size_t)res->len[i], out) != 0) {
			dmarc_dns_txt_clear(out);
			st = DMARC_DNS_ERROR;
		}
	if (res != NULL)
		rcache_put(r, name, 16, st, res->ttl, out, NULL, 0);
	ubq_release(r->uq, q);
	return count(r, st);
}

/* resolver_exists - A lookup reduced to "does the name exist" */
enum dmarc_dns
resolver_exists(struct resolver *r, const char *name)
{
	const struct ub_result *res;
	struct ubreq *q;
	enum dmarc_dns st;

	if (r->zf != NULL)
		return count(r, zonefile_exists(r->zf, name));
	if (rcache_get(r, name, 1, &st, NULL, NULL, NULL))
		return count_kept(r, st);
	st = ubq_lookup(r->uq, name, 1, &q);
	res = q != NULL ? ubq_result(q) : NULL;
	if (res != NULL)
		rcache_put(r, name, 1, st, res->ttl, NULL, NULL, 0);
	ubq_release(r->uq, q);
	return count(r, st);
}

/*
 * resolver_query - the raw answer packet, for libspf2/libopendkim glue;
 * definite answers are kept in the table like TXT answers, so the SPF
 * and DKIM lookups of a busy domain cost no trip through libunbound
 */
enum dmarc_dns
resolver_query(struct resolver *r, const char *name, int rrtype,
    unsigned char **pkt, size_t *pktlen)
{
	const struct ub_result *res;
	struct ubreq *q;
	enum dmarc_dns st;

	*pkt = NULL;
	*pktlen = 0;
	if (r->zf != NULL)
		return count(r, zonefile_query(r->zf, name, rrtype, pkt,
		    pktlen));
	if (rrtype >= 0 && rrtype < RCACHE_PKT &&
	    rcache_get(r, name, rrtype | RCACHE_PKT, &st, NULL, pkt,
	    pktlen) && *pkt != NULL)
		return count_kept(r, st);
	st = ubq_lookup(r->uq, name, rrtype, &q);
	res = q != NULL ? ubq_result(q) : NULL;
	if ((st == DMARC_DNS_DATA || st == DMARC_DNS_NODATA ||
	    st == DMARC_DNS_NXDOMAIN)) {
		if (res->answer_packet != NULL && res->answer_len > 0) {
			*pkt = xmalloc((size_t)res->answer_len);
			memcpy(*pkt, res->answer_packet,
			    (size_t)res->answer_len);
			*pktlen = (size_t)res->answer_len;
			if (rrtype >= 0 && rrtype < RCACHE_PKT)
				rcache_put(r, name, rrtype | RCACHE_PKT, st,
				    res->ttl, NULL, *pkt, *pktlen);
		} else
			st = DMARC_DNS_ERROR;
	}
	ubq_release(r->uq, q);
	return count(r, st);
}

/* dmarc_txt - struct dmarc_resolver adapter */
static enum dmarc_dns
dmarc_txt(void *arg, const char *name, struct dmarc_dns_txt *out)
{
	return resolver_txt(arg, name, out);
}

/* dmarc_exists - struct dmarc_resolver adapter */
static enum dmarc_dns
dmarc_exists(void *arg, const char *name)
{
	return resolver_exists(arg, name);
}

/* resolver_dmarc - fill a libdmarc resolver interface bound to r */
void
resolver_dmarc(struct resolver *r, struct dmarc_resolver *out)
{
	out->txt = dmarc_txt;
	out->exists = dmarc_exists;
	out->arg = r;
}

/* resolver_stats - a consistent copy of the counters */
void
resolver_stats(struct resolver *r, struct resolver_stats *st)
{
	struct ubq_stats us;

	pthread_mutex_lock(&r->mu);
	*st = r->st;
	pthread_mutex_unlock(&r->mu);
	if (r->uq != NULL) {
		ubq_stats(r->uq, &us);
		st->sent = us.sent;
		st->joined = us.joined;
		st->prefetched = us.prefetched;
	}
}

/*
 * resolver_prefetch - start the lookup of (name, type) now, unless its
 * answer is kept or a query for it is in flight; a later lookup takes
 * the answer (libunbound mode only)
 */
void
resolver_prefetch(struct resolver *r, const char *name, int type)
{
	enum dmarc_dns st;

	if (r->uq == NULL || type <= 0 || type >= RCACHE_PKT)
		return;
	if (type == 16 || type == 1) {
		if (rcache_get(r, name, type, &st, NULL, NULL, NULL))
			return;
	} else if (rcache_get(r, name, type | RCACHE_PKT, &st, NULL, NULL,
	    NULL))
		return;
	(void)ubq_prefetch(r->uq, name, type);
}
