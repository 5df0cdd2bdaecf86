/*
 * cfg.c -- the runtime configuration: loaded, checked, pinned, swapped
 *
 * SYNOPSIS
 *	struct dmarcd_cfg *c = cfg_load(path, zonefile, err, errlen);
 *	cfg_install(c);
 *	c = cfg_acquire(); ... cfg_release(c);
 *
 * DESCRIPTION
 *	Everything a message needs that can be computed once is computed
 *	here: the authserv-id, the trusted list, the IgnoreHosts table, the
 *	resolver (libunbound, or the zone file of TestDNSData / -Z), the
 *	public suffix list and libdmarc's options.  A configuration is
 *	immutable after cfg_load().  Each connection pins the current one
 *	(reference count) and keeps it until it closes, so a reload on
 *	SIGHUP or SIGUSR1 never changes the rules under a message in flight;
 *	the old configuration is freed when its last connection closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dmarcd.h"
#include "log.h"
#include "ruf.h"
#include "xmalloc.h"

static pthread_mutex_t cur_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmarcd_cfg *current;

/* log_dns - what the resolver of a configuration did, as it goes */
static void
log_dns(struct resolver *r)
{
	struct resolver_stats st;

	if (r == NULL)
		return;
	resolver_stats(r, &st);
	if (st.sent == 0)
		return;		/* zone file, or nothing asked */
	log_info("resolver: %lu lookups, %lu answered from the table, "
	    "%lu queries sent (%lu early, at the From field), %lu lookups "
	    "joined a query in flight, %lu timeouts, %lu SERVFAIL",
	    st.lookups, st.kept, st.sent, st.prefetched, st.joined,
	    st.timeouts, st.servfails);
}

/* cfg_free - release a configuration nobody uses */
static void
cfg_free(struct dmarcd_cfg *c)
{
	if (c == NULL)
		return;
	log_dns(c->resolver);
	for (size_t i = 0; i < c->narcwl; i++)
		free(c->arcwl[i]);
	free(c->arcwl);
	rufcfg_free(c->ruf);
	spf_free(c->spf);
	dkimv_free(c->dkim);
	resolver_free(c->resolver);
	psl_od_free(c->psl);
	ignorehosts_free(c->ignore);
	free(c->trusted);
	conf_free(c->conf);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* build_trusted - slot 0 for our id (filled per message), then the list */
static void
build_trusted(struct dmarcd_cfg *c)
{
	const char *const *l;
	size_t i, n;

	l = conf_list(c->conf, C_TRUSTEDAUTHSERVIDS, &n);
	c->trusted = xcalloc(n + 1, sizeof(*c->trusted));
	c->trusted[0] = NULL;
	for (i = 0; i < n; i++)
		c->trusted[i + 1] = l[i];
	c->ntrusted = n + 1;
}

/* build_resolver - zone file (tests, -Z) or libunbound */
static int
build_resolver(struct dmarcd_cfg *c, const char *zonefile, char *err,
    size_t errlen)
{
	struct resolver_opts ro;

	memset(&ro, 0, sizeof(ro));
	ro.zonefile = zonefile != NULL ? zonefile : conf_str(c->conf,
	    C_TESTDNSDATA);
	ro.nameservers = conf_list(c->conf, C_NAMESERVERS, &ro.nnameservers);
	ro.timeout_ms = (unsigned)conf_int(c->conf, C_DNSTIMEOUT) * 1000;
	if ((c->resolver = resolver_new(&ro, err, errlen)) == NULL)
		return -1;
	resolver_dmarc(c->resolver, &c->dres);
	return 0;
}

/* enum_is - an enum key has this value */
static int
enum_is(const struct dmarcd_cfg *c, enum conf_id id, const char *word)
{
	const char *v = conf_str(c->conf, id);

	return v != NULL && strcasecmp(v, word) == 0;
}

/* cfg_load - see the file header */
struct dmarcd_cfg *
cfg_load(const char *path, const char *zonefile, char *err, size_t errlen)
{
	struct dmarcd_cfg *c = xcalloc(1, sizeof(*c));
	const char *id;

	pthread_mutex_init(&c->lock, NULL);
	c->refs = 1;
	if ((c->conf = conf_load(path, CONF_DMARCD, err, errlen)) == NULL)
		goto fail;
	if (gethostname(c->hostname, sizeof(c->hostname) - 1) != 0)
		snprintf(c->hostname, sizeof(c->hostname), "localhost");
	if ((id = conf_str(c->conf, C_AUTHSERVID)) != NULL)
		c->authservid = strcmp(id, "HOSTNAME") == 0 ? c->hostname : id;
	build_trusted(c);
	if ((c->ignore = ignorehosts_load(conf_str(c->conf, C_IGNOREHOSTS),
	    err, errlen)) == NULL)
		goto fail;
	if ((c->arcwl = arc_whitelist_load(c->conf, &c->narcwl, err,
	    errlen)) == NULL)
		goto fail;
	if (build_resolver(c, zonefile, err, errlen) != 0)
		goto fail;
	if (conf_bool(c->conf, C_SPFSELFVALIDATE) && (c->spf = spf_new(
	    c->resolver, c->authservid != NULL ? c->authservid : c->hostname,
	    err, errlen)) == NULL)
		goto fail;
	if (conf_bool(c->conf, C_DKIMVERIFY) && (c->dkim = dkimv_new(
	    c->resolver, err, errlen)) == NULL)
		goto fail;
	if ((c->psl = psl_od_new(conf_str(c->conf, C_PUBLICSUFFIXLIST), err,
	    errlen)) == NULL)
		goto fail;
	psl_od_orgdomain(c->psl, &c->od);
	c->opts.profile = enum_is(c, C_DMARCSTANDARD, "rfc7489") ?
	    DMARC_RFC7489 : DMARC_RFC9989;
	if (enum_is(c, C_DISCOVERYMETHOD, "treewalk") ||
	    (enum_is(c, C_DISCOVERYMETHOD, "auto") &&
	    c->opts.profile == DMARC_RFC9989))
		c->opts.discovery = DMARC_DISCOVERY_TREEWALK;
	else
		c->opts.discovery = DMARC_DISCOVERY_PSL;
	c->opts.resolver = &c->dres;
	c->opts.orgdomain = &c->od;
	c->opts.max_from_domains = (unsigned)conf_int(c->conf, C_MAXFROMDOMAINS);
	c->on_temperror = enum_is(c, C_TEMPORARYFAILUREACTION, "accept") ?
	    TF_ACCEPT : TF_TEMPFAIL;
	c->on_histerror = enum_is(c, C_HISTORYFAILUREACTION, "accept") ?
	    TF_ACCEPT : TF_TEMPFAIL;
	if ((c->ruf = rufcfg_new(c->conf, c->authservid != NULL ?
	    c->authservid : c->hostname, err, errlen)) == NULL)
		goto fail;
	return c;
fail:
	cfg_free(c);
	return NULL;
}

/* cfg_install - swap in c; the old one goes when its last user leaves */
void
cfg_install(struct dmarcd_cfg *c)
{
	struct dmarcd_cfg *old;

	pthread_mutex_lock(&cur_lock);
	old = current;
	current = c;
	pthread_mutex_unlock(&cur_lock);
	if (old != NULL)
		cfg_release(old);
}

/* cfg_acquire - pin the current configuration */
struct dmarcd_cfg *
cfg_acquire(void)
{
	struct dmarcd_cfg *c;

	pthread_mutex_lock(&cur_lock);
	c = current;
	if (c != NULL) {
		pthread_mutex_lock(&c->lock);
		c->refs++;
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&cur_lock);
	return c;
}

/* cfg_hold - one more reference to a configuration already pinned */
struct dmarcd_cfg *
cfg_hold(struct dmarcd_cfg *c)
{
	pthread_mutex_lock(&c->lock);
	c->refs++;
	pthread_mutex_unlock(&c->lock);
	return c;
}

/* cfg_release - unpin; free on the last reference */
void
cfg_release(struct dmarcd_cfg *c)
{
	int last;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		cfg_free(c);
}
