/*
 * treewalk.c -- RFC 9989 DNS tree walk and organizational domain
 *
 * SYNOPSIS
 *	int dmarc_treewalk(const struct dmarc_resolver *res,
 *	    enum dmarc_profile profile, const char *start,
 *	    struct dmarc_walk *out);
 *	void dmarc_walk_free(struct dmarc_walk *w);
 *	void dmarc_walk_orgdomain(const struct dmarc_resolver *res,
 *	    enum dmarc_profile profile, struct dmarc_orgdomain *out,
 *	    struct dmarc_walk_cache *cache);
 *	void dmarc_walk_cache_put(struct dmarc_walk_cache *cache,
 *	    const struct dmarc_walk *w);
 *
 * DESCRIPTION
 *	The walk (standards.md D-15): query _dmarc.<start>; keep only DMARC
 *	records (D-03), several at one name count as none (D-04); stop when
 *	the single record has psd=y or psd=n.  Then go up: a name of fewer
 *	than 8 labels loses its left-most label, a longer one is cut to 7
 *	labels, down to and including the single-label name (PSD records
 *	live there).  Never more than DMARC_WALK_MAXSTEPS queries.
 *	NXDOMAIN and NODATA keep the walk going (D-21); SERVFAIL, timeout or
 *	a local error on any query stops it as a temporary error.  Every
 *	record met stays in its step (D-16).
 *
 *	Organizational domain (D-17), longest name first: a psd=n record's
 *	domain; else, for psd=y at a name other than the start, the name one
 *	label below it on the path, rebuilt from the start (the 8-label cut
 *	may have skipped it); else the record domain with the fewest labels;
 *	else the start itself.
 *
 *	The orgdomain hook runs one walk per identifier for relaxed
 *	alignment (D-18) and memoizes the answer per name in a caller-owned,
 *	bounded cache, so one message never walks the same name twice.
 *
 * DIAGNOSTICS
 *	dmarc_treewalk returns DMARC_OK (a temporary DNS failure is reported
 *	in out->temperror, not in the status), DMARC_EINVAL, DMARC_EDOMAIN
 *	or DMARC_ENOMEM.
 *
 * WHY A FILE OF ITS OWN
 *	The walk is used by policy discovery, by relaxed alignment and by
 *	dmarc-check, which prints its steps; policy.c only consumes it.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* is_temp - DNS outcome that says "try again later" */
static int
is_temp(enum dmarc_dns d)
{
	return d == DMARC_DNS_SERVFAIL || d == DMARC_DNS_TIMEOUT ||
	    d == DMARC_DNS_ERROR;
}

/* skip_labels - pointer to name with its n left-most labels removed */
static const char *
skip_labels(const char *name, unsigned n)
{
	const char *p = name, *dot;

	while (n-- > 0 && (dot = strchr(p, '.')) != NULL)
		p = dot + 1;
	return p;
}

/*
 * query_step - one query: fill st with the outcome and the single DMARC
 * record at _dmarc.<st->name>.  Returns DMARC_OK or DMARC_ENOMEM.
 */
static int
query_step(const struct dmarc_resolver *res, enum dmarc_profile profile,
    struct dmarc_walk_step *st)
{
	char qname[DMARC_MAXDOMAIN + 16];
	struct dmarc_dns_txt txt;
	struct dmarc_record *r;
	size_t i;
	int rc, status = DMARC_OK;

	if ((size_t)snprintf(qname, sizeof(qname), "_dmarc.%s", st->name) >
	    DMARC_MAXDOMAIN) {
		st->dns = DMARC_DNS_NXDOMAIN;	/* cannot exist in the DNS */
		return DMARC_OK;
	}
	memset(&txt, 0, sizeof(txt));
	st->dns = res->txt(res->arg, qname, &txt);
	for (i = 0; st->dns == DMARC_DNS_DATA && i < txt.n; i++) {
		rc = dmarc_record_parse(txt.rr[i], txt.len[i], profile, &r);
		if (rc == DMARC_ENOMEM)
			status = DMARC_ENOMEM;
		if (rc != DMARC_OK)
			continue;
		if (st->nrecords++ == 0)
			st->record = r;
		else
			dmarc_record_free(r);
	}
	dmarc_dns_txt_clear(&txt);
	if (st->nrecords > 1) {
		dmarc_record_free(st->record);	/* D-04 */
		st->record = NULL;
	}
	return status;
}

/* choose_org - D-17 over the steps of a finished walk */
static void
choose_org(struct dmarc_walk *w)
{
	const struct dmarc_walk_step *last;
	unsigned below;
	size_t i;

	w->org_step = -1;
	w->psd_step = -1;
	dm_strlcpy(w->org_domain, w->start, sizeof(w->org_domain));
	if (w->temperror || w->nsteps == 0)
		return;
	last = &w->step[w->nsteps - 1];
	if (last->record != NULL && last->record->psd == DMARC_PSD_N) {
		w->org_step = (int)(w->nsteps - 1);
		dm_strlcpy(w->org_domain, last->name, sizeof(w->org_domain));
		return;
	}
	if (last->record != NULL && last->record->psd == DMARC_PSD_Y)
		w->psd_step = (int)(w->nsteps - 1);
	if (w->psd_step >= 0 && w->nsteps > 1) {
		below = dmarc_domain_labels(last->name) + 1;
		dm_strlcpy(w->org_domain, skip_labels(w->start,
		    dmarc_domain_labels(w->start) - below),
		    sizeof(w->org_domain));
		for (i = 0; i + 1 < w->nsteps; i++)
			if (w->step[i].record != NULL &&
			    strcmp(w->step[i].name, w->org_domain) == 0)
				w->org_step = (int)i;
		return;
	}
	for (i = w->nsteps; i-- > 0;)
		if (w->step[i].record != NULL) {
			w->org_step = (int)i;
			dm_strlcpy(w->org_domain, w->step[i].name,
			    sizeof(w->org_domain));
			return;
		}
}

/* dmarc_treewalk - see the file header */
int
dmarc_treewalk(const struct dmarc_resolver *res, enum dmarc_profile profile,
    const char *start, struct dmarc_walk *out)
{
	struct dmarc_walk_step *st;
	const char *cur;
	unsigned x;
	int rc;

	if (out == NULL)
		return DMARC_EINVAL;
	memset(out, 0, sizeof(*out));
	out->org_step = out->psd_step = -1;
	if (res == NULL || res->txt == NULL || start == NULL)
		return DMARC_EINVAL;
	if (dmarc_domain_normalize(start, strlen(start), out->start,
	    sizeof(out->start)) != DMARC_OK)
		return DMARC_EDOMAIN;
	cur = out->start;
	while (out->nsteps < DMARC_WALK_MAXSTEPS) {
		st = &out->step[out->nsteps++];
		dm_strlcpy(st->name, cur, sizeof(st->name));
		if ((rc = query_step(res, profile, st)) != DMARC_OK)
			return rc;
		if (is_temp(st->dns)) {
			out->temperror = 1;
			out->dns_error = st->dns;
			snprintf(out->dns_error_name,
			    sizeof(out->dns_error_name), "_dmarc.%s", cur);
			break;
		}
		if (st->record != NULL && st->record->psd != DMARC_PSD_U)
			break;
		if ((x = dmarc_domain_labels(cur)) <= 1)
			break;
		cur = skip_labels(cur, x < 8 ? 1 : x - 7);
	}
	choose_org(out);
	return DMARC_OK;
}

/* dmarc_walk_free - free the records a walk collected */
void
dmarc_walk_free(struct dmarc_walk *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nsteps && i < DMARC_WALK_MAXSTEPS; i++) {
		dmarc_record_free(w->step[i].record);
		w->step[i].record = NULL;
	}
}

/* cache_find - index of the memo entry for name, or -1 */
static int
cache_find(const struct dmarc_walk_cache *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n && i < DMARC_WALK_CACHE; i++)
		if (strcmp(c->e[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* dmarc_walk_cache_put - memoize a finished walk (ignored when full) */
void
dmarc_walk_cache_put(struct dmarc_walk_cache *cache,
    const struct dmarc_walk *w)
{
	size_t i;

	if (cache == NULL || w == NULL || *w->start == '\0' ||
	    cache_find(cache, w->start) >= 0 || cache->n >= DMARC_WALK_CACHE)
		return;
	i = cache->n++;
	dm_strlcpy(cache->e[i].name, w->start, sizeof(cache->e[i].name));
	dm_strlcpy(cache->e[i].org, w->org_domain, sizeof(cache->e[i].org));
	cache->e[i].temperror = w->temperror;
}

/* walk_lookup - the struct dmarc_orgdomain hook: memo, else one walk */
static int
walk_lookup(void *arg, const char *name, char *out, size_t outlen)
{
	struct dmarc_walk_cache *c = arg;
	char norm[DMARC_MAXDOMAIN + 1];
	struct dmarc_walk w;
	int i, rc;

	if (dmarc_domain_normalize(name, strlen(name), norm, sizeof(norm)) !=
	    DMARC_OK)
		return DMARC_EDOMAIN;
	if ((i = cache_find(c, norm)) < 0) {
		if (c->n >= DMARC_WALK_CACHE)
			return DMARC_ENOTFOUND;	/* bounded: exact match only */
		rc = dmarc_treewalk(c->res, c->profile, norm, &w);
		c->nqueries += (unsigned)w.nsteps;
		if (rc == DMARC_OK)
			dmarc_walk_cache_put(c, &w);
		dmarc_walk_free(&w);
		if (rc != DMARC_OK)
			return rc;
		if ((i = cache_find(c, norm)) < 0)
			return DMARC_ENOTFOUND;
	}
	if (c->e[i].temperror) {
		c->ntemp++;
		return DMARC_ENOTFOUND;
	}
	if (dm_strlcpy(out, c->e[i].org, outlen) >= outlen)
		return DMARC_ENOSPACE;
	return DMARC_OK;
}

/* dmarc_walk_orgdomain - see the file header */
void
dmarc_walk_orgdomain(const struct dmarc_resolver *res,
    enum dmarc_profile profile, struct dmarc_orgdomain *out,
    struct dmarc_walk_cache *cache)
{
	/* not memset: e[] is 8 KB of a thread's stack, and only e[0..n)
	   is read, each entry written whole first (dmarc_walk_cache_put) */
	cache->n = 0;
	cache->nqueries = 0;
	cache->ntemp = 0;
	cache->res = res;
	cache->profile = profile;
	out->lookup = walk_lookup;
	out->arg = cache;
}
