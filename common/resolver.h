/*
 * resolver.h -- the one DNS resolver of every dmarcd program
 *
 * SYNOPSIS
 *	struct resolver *r = resolver_new(&opts, err, sizeof(err));
 *	struct dmarc_resolver dr;
 *	resolver_dmarc(r, &dr);		(hand to libdmarc)
 *	resolver_txt(r, "_dmarc.example.com", &txt);
 *	resolver_query(r, name, rrtype, &pkt, &pktlen);	(SPF/DKIM glue)
 *	resolver_free(r);
 *
 * DESCRIPTION
 *	Two backends behind one interface.  The libunbound backend keeps one
 *	context shared by all threads; libunbound's own cache honours TTLs
 *	for positive and negative answers.  It forwards to the nameservers in
 *	resolv.conf, or to the configured list (ip[@port]).  Every lookup has
 *	a deadline (timeout_ms) that really applies: a dispatcher thread runs
 *	the asynchronous queries and a lookup that misses its deadline is
 *	cancelled and reported as DMARC_DNS_TIMEOUT.
 *
 *	The zone-file backend answers from a file (test mode, unit tests and
 *	the offline demo).  It reads a small subset of RFC 1035 master-file
 *	syntax plus OpenDMARC's TestDNSData "name value" lines; see
 *	zonefile.c for the format, including the SERVFAIL and TIMEOUT
 *	pseudo-records tests use.
 *
 *	Answers distinguish data, NODATA, NXDOMAIN, SERVFAIL and timeout.
 *	All functions are thread-safe.
 */
#ifndef RESOLVER_H
#define RESOLVER_H

#include <stddef.h>

#include "dmarc.h"

struct resolver;

struct resolver_opts {
	const char	 *zonefile;	/* non-NULL: zone-file backend */
	const char *const *nameservers;	/* "ip" or "ip@port"; NULL: resolv.conf */
	size_t		  nnameservers;
	const char	 *resolvconf;	/* NULL: /etc/resolv.conf */
	unsigned	  timeout_ms;	/* per-lookup deadline; 0: 5000 */
};

struct resolver	*resolver_new(const struct resolver_opts *opts, char *err,
		    size_t errlen);
void		 resolver_free(struct resolver *r);

/* resolver_dmarc - fill a libdmarc resolver interface bound to r */
void		 resolver_dmarc(struct resolver *r, struct dmarc_resolver *out);

/* resolver_txt - TXT lookup; each RR's strings joined (D-02) */
enum dmarc_dns	 resolver_txt(struct resolver *r, const char *name,
		    struct dmarc_dns_txt *out);

/* resolver_exists - A query, rcode only: NXDOMAIN or not (RFC 8020) */
enum dmarc_dns	 resolver_exists(struct resolver *r, const char *name);

/*
 * resolver_query - raw lookup for libspf2/libopendkim glue: on DATA,
 * NODATA and NXDOMAIN *pkt receives a malloc(3)ed DNS answer packet in
 * wire format (header, question, answer sections), as res_query(3) would
 * return it; the caller frees it.  NULL on SERVFAIL/TIMEOUT/ERROR.
 */
enum dmarc_dns	 resolver_query(struct resolver *r, const char *name,
		    int rrtype, unsigned char **pkt, size_t *pktlen);

/* resolver_stats - counters for tests and logs (queries sent to backend) */
struct resolver_stats {
	unsigned long	 lookups;	/* calls */
	unsigned long	 kept;		/* answered from the answer table */
	unsigned long	 timeouts;
	unsigned long	 servfails;
	unsigned long	 sent;		/* queries handed to libunbound */
	unsigned long	 joined;	/* answered by a query in flight */
	unsigned long	 prefetched;	/* of those sent: resolver_prefetch */
};
void		 resolver_stats(struct resolver *r, struct resolver_stats *st);

/*
 * resolver_prefetch - send the query for (name, type) now, without
 * waiting, so that the lookup made later finds its answer on the way
 * (TXT or A/existence: resolver_txt/resolver_exists; any other type:
 * resolver_query).  Nothing when the answer is kept or in flight, or in
 * zone-file mode.
 */
void		 resolver_prefetch(struct resolver *r, const char *name,
		    int type);

#endif
