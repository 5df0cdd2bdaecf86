/*
 * enrich.c -- who is behind a source IP: reverse DNS through our resolver,
 * the base (organizational) domain of that name through the PSL, and the
 * country from a MaxMind-format database
 *
 * DESCRIPTION
 *	Optional (--rdns, --geoip FILE): a report's sources are usually few
 *	and repeat across reports, so each address is looked up once per run
 *	and kept in a bounded cache (ENRICH_CACHE entries; emptied when full,
 *	so memory stays flat on a backfill).  Misses are cached too: a dead
 *	address costs one deadline, not one per record.  DNS goes through
 *	common/resolver.c (libunbound with a real per-lookup deadline, or a
 *	zone file with -Z for tests); the first PTR name is taken.  The base
 *	domain is the PSL registrable domain of that name (psl.c, the file of
 *	the PublicSuffixList key), which groups "mail-xyz.outbound.
 *	protection.outlook.com" senders under outlook.com.
 *
 *	The country is the ISO 3166-1 code at country/iso_code of the
 *	address's entry in the database (GeoLite2/GeoIP2 Country or City,
 *	DB-IP and other files of the MaxMind DB format, read by
 *	libmaxminddb), else at registered_country/iso_code.  An address the
 *	file does not hold, or a file that cannot be opened, leaves the
 *	country empty: never an error (the file is opened once; a broken one
 *	is named on stderr).
 *
 *	Aggregate records and failure reports (their Source-IP) alike.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ingest_main.h"
#include "log.h"
#include "psl.h"
#include "resolver.h"
#include "xmalloc.h"

#define ENRICH_CACHE	65536
#define ENRICH_SLOTS	(ENRICH_CACHE * 2)

struct slot {
	char	*ip, *rdns, *base;	/* rdns NULL: no name */
	char	 cc[3];			/* "" unknown */
};

struct enrich {
	struct resolver	*res;		/* NULL: no reverse DNS */
	struct psl_od	*psl;
	MMDB_s		 mmdb;
	int		 geo;		/* mmdb is open */
	struct slot	*tab;
	size_t		 used;
	unsigned long	 lookups;
};

/* hash - FNV-1a of an address string */
static size_t
hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h % ENRICH_SLOTS);
}

/* flush - empty the cache */
static void
flush(struct enrich *e)
{
	size_t i;

	for (i = 0; i < ENRICH_SLOTS; i++) {
		free(e->tab[i].ip);
		free(e->tab[i].rdns);
		free(e->tab[i].base);
	}
	memset(e->tab, 0, ENRICH_SLOTS * sizeof(*e->tab));
	e->used = 0;
}

/* arpa - the PTR owner name of an address; -1 if not an address */
static int
arpa(const char *ip, char *out, size_t outlen)
{
	unsigned char a[16];
	size_t o = 0;
	int i;

	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2],
		    a[1], a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1 || outlen < 74)
		return -1;
	for (i = 15; i >= 0; i--) {
		static const char hx[] = "0123456789abcdef";

		out[o++] = hx[a[i] & 15];
		out[o++] = '.';
		out[o++] = hx[a[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", 9);
	return 0;
}

/* ptr - the first PTR name in an answer packet, or NULL */
static char *
ptr(const unsigned char *pkt, size_t len)
{
	ns_msg msg;
	ns_rr rr;
	char name[NS_MAXDNAME];
	int i, n;

	if (ns_initparse(pkt, (int)len, &msg) != 0)
		return NULL;
	n = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			return NULL;
		if (ns_rr_type(rr) != ns_t_ptr)
			continue;
		if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr), name, sizeof(name)) < 0)
			return NULL;
		return xstrdup(name);
	}
	return NULL;
}

/* rdns - the PTR name of ip and its base domain, into s */
static void
rdns(struct enrich *e, struct slot *s, const char *ip)
{
	char qname[80], base[256];
	unsigned char *pkt = NULL;
	size_t len = 0;

	if (arpa(ip, qname, sizeof(qname)) != 0)
		return;
	e->lookups++;
	if (resolver_query(e->res, qname, ns_t_ptr, &pkt, &len) ==
	    DMARC_DNS_DATA && pkt != NULL)
		s->rdns = ptr(pkt, len);
	free(pkt);
	if (s->rdns != NULL && e->psl != NULL &&
	    psl_od_lookup(e->psl, s->rdns, base, sizeof(base)) == DMARC_OK)
		s->base = xstrdup(base);
}

/* country - the two-letter code of ip in the database, into s->cc */
static void
country(struct enrich *e, struct slot *s, const char *ip)
{
	MMDB_lookup_result_s res;
	MMDB_entry_data_s d;
	int gai, err;

	res = MMDB_lookup_string(&e->mmdb, ip, &gai, &err);
	if (gai != 0 || err != MMDB_SUCCESS || !res.found_entry)
		return;
	if ((MMDB_get_value(&res.entry, &d, "country", "iso_code", NULL) !=
	    MMDB_SUCCESS || !d.has_data) &&
	    (MMDB_get_value(&res.entry, &d, "registered_country", "iso_code",
	    NULL) != MMDB_SUCCESS || !d.has_data))
		return;
	if (d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size != 2 ||
	    !isalpha((unsigned char)d.utf8_string[0]) ||
	    !isalpha((unsigned char)d.utf8_string[1]))
		return;
	s->cc[0] = (char)toupper((unsigned char)d.utf8_string[0]);
	s->cc[1] = (char)toupper((unsigned char)d.utf8_string[1]);
	s->cc[2] = '\0';
}

/* lookup - the cache slot of ip, looked up when new */
static struct slot *
lookup(struct enrich *e, const char *ip)
{
	size_t h;
	struct slot *s;

	if (e->used >= ENRICH_CACHE)
		flush(e);
	for (h = hash(ip);; h = (h + 1) % ENRICH_SLOTS) {
		s = &e->tab[h];
		if (s->ip == NULL)
			break;
		if (strcmp(s->ip, ip) == 0)
			return s;
	}
	s->ip = xstrdup(ip);
	e->used++;
	if (e->res != NULL)
		rdns(e, s, ip);
	if (e->geo)
		country(e, s, ip);
	return s;
}

/* resolve - the resolver and PSL of the configuration; -1 on error */
static int
resolve(struct enrich *e, const char *conffile, const char *zonefile)
{
	struct resolver_opts ro;
	struct conf *c;
	char err[512];

	if ((c = conf_load(conffile, CONF_TOOLS, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	memset(&ro, 0, sizeof(ro));
	ro.zonefile = zonefile;
	ro.nameservers = conf_list(c, C_NAMESERVERS, &ro.nnameservers);
	ro.timeout_ms = 2000;
	e->res = resolver_new(&ro, err, sizeof(err));
	if (e->res != NULL)
		e->psl = psl_od_new(conf_str(c, C_PUBLICSUFFIXLIST), err,
		    sizeof(err));
	conf_free(c);
	if (e->res == NULL || e->psl == NULL) {
		log_warnx("reverse DNS: %s", err);
		return -1;
	}
	return 0;
}

/* enrich_new - reverse DNS when rdns (-Z: zone file), countries from
   geoip when not NULL; NULL on a configuration or resolver error */
struct enrich *
enrich_new(const char *conffile, const char *zonefile, int rdns,
    const char *geoip)
{
	struct enrich *e = xcalloc(1, sizeof(*e));
	int rc;

	e->tab = xcalloc(ENRICH_SLOTS, sizeof(*e->tab));
	if (rdns && resolve(e, conffile, zonefile) != 0) {
		enrich_free(e);
		return NULL;
	}
	if (geoip != NULL) {
		if ((rc = MMDB_open(geoip, MMDB_MODE_MMAP, &e->mmdb)) ==
		    MMDB_SUCCESS)
			e->geo = 1;
		else
			log_warnx("%s: %s (countries left empty)", geoip,
			    rc == MMDB_IO_ERROR || rc == MMDB_FILE_OPEN_ERROR ?
			    strerror(errno) : MMDB_strerror(rc));
	}
	return e;
}

/* enrich_free - the cache, resolver, PSL and country database */
void
enrich_free(struct enrich *e)
{
	if (e == NULL)
		return;
	flush(e);
	free(e->tab);
	if (e->res != NULL)
		resolver_free(e->res);
	if (e->psl != NULL)
		psl_od_free(e->psl);
	if (e->geo)
		MMDB_close(&e->mmdb);
	free(e);
}

/* enrich_report - reverse_dns, base_domain and country of every
   aggregate record, or of a failure report's source */
void
enrich_report(struct enrich *e, struct report *r)
{
	struct failure_report *f = &r->u.fail;
	struct slot *s;
	size_t i;

	if (r->type == REPORT_FAILURE && f->source_ip != NULL &&
	    *f->source_ip != '\0') {
		s = lookup(e, f->source_ip);
		f->reverse_dns = arena_strdup(&r->arena, s->rdns);
		f->base_domain = arena_strdup(&r->arena, s->base);
		f->country = s->cc[0] ? arena_strdup(&r->arena, s->cc) : NULL;
	}
	if (r->type != REPORT_AGGREGATE)
		return;
	for (i = 0; i < r->u.agg.nrecords; i++) {
		struct agg_record *x = &r->u.agg.records[i];

		if (x->source_ip == NULL || *x->source_ip == '\0')
			continue;
		s = lookup(e, x->source_ip);
		x->reverse_dns = arena_strdup(&r->arena, s->rdns);
		x->base_domain = arena_strdup(&r->arena, s->base);
		x->country = s->cc[0] ? arena_strdup(&r->arena, s->cc) : NULL;
	}
}
