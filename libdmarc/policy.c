/*
 * policy.c -- DMARC evaluation: discovery, alignment, result, disposition
 *
 * SYNOPSIS
 *	int dmarc_evaluate(const struct dmarc_options *opt,
 *	    const struct dmarc_input *in, struct dmarc_eval **out);
 *	void dmarc_eval_free(struct dmarc_eval *ev);
 *
 * DESCRIPTION
 *	Every author domain of the message is evaluated on its own (D-12,
 *	never only the first: CVE-2019-16378) and the strictest verdict is
 *	marked as ev->worst.  For one author domain:
 *
 *	1. Discovery.  PSL mode (RFC 7489 6.6.3, D-20): the record at
 *	   _dmarc.<author>, else the one at _dmarc.<organizational domain>;
 *	   at most two queries.  Several DMARC records at one name mean no
 *	   record there (D-04).  A SERVFAIL, timeout or local error on a
 *	   query that decides the result is temperror, never "no record"
 *	   (D-39; OpenDMARC failed open).  Tree-walk mode (RFC 9989 4.10,
 *	   D-23..D-27, treewalk.c): the walk from the author domain; its
 *	   record applies p, else the record of the author's organizational
 *	   domain (D-17), else a psd=y record; any temporary DNS failure
 *	   during the walk is temperror.
 *	2. Record usability (D-09): no valid p (or an invalid sp/np under RFC
 *	   9989) acts as p=none when a valid rua exists; otherwise the record
 *	   cannot be applied and the result is permerror, recorded, with no
 *	   policy applied.
 *	3. Policy tag: a record at the author domain applies p (D-24); one
 *	   found at the organizational domain applies sp, or under RFC 9989
 *	   np when the author domain does not exist (D-25, D-28: an A query
 *	   answering NXDOMAIN), asked only when np differs from sp.
 *	4. Alignment (D-34..D-36), relaxed mode through opt->orgdomain (PSL
 *	   mode) or one memoized tree walk per identifier (D-18): any
 *	   passing DKIM result whose d= aligns
 *	   under adkim; the SPF result when it passed for MAIL FROM (or for
 *	   HELO with the null sender) and its domain aligns under aspf.
 *	5. Result: pass when either aligns; else temperror when an identifier
 *	   that would align met a temporary error (RFC 7489 6.6.2, RFC 9989
 *	   5.3.6); else fail.
 *	6. Disposition: pass/none for a passing message; on failure the
 *	   published policy, stepped down one level by t=y (RFC 9989,
 *	   reason policy_test_mode) or by pct sampling (RFC 7489, reason
 *	   sampled_out, in->pct_roll >= pct).
 *
 * DIAGNOSTICS
 *	DMARC_OK, DMARC_EINVAL, DMARC_ENOMEM.  Evaluation outcomes are in
 *	the verdicts, not in the status.
 *
 * SEE ALSO
 *	RFC 9989 4.7-4.10, 5.3; RFC 7489 6.6; standards.md D-01..D-39
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* is_temp - DNS outcome that says "try again later" */
static int
is_temp(enum dmarc_dns d)
{
	return d == DMARC_DNS_SERVFAIL || d == DMARC_DNS_TIMEOUT ||
	    d == DMARC_DNS_ERROR;
}

/* note_dns_error - remember what made a verdict temperror */
static void
note_dns_error(struct dmarc_verdict *v, enum dmarc_dns d, const char *name)
{
	v->dns_error = d;
	dm_strlcpy(v->dns_error_name, name, sizeof(v->dns_error_name));
}

/*
 * fetch_record - the single DMARC record published at _dmarc.<domain>.
 * *rec is NULL when there is none (or several: D-04).  Returns the DNS
 * outcome; temporary outcomes leave *rec NULL.
 */
static enum dmarc_dns
fetch_record(const struct dmarc_options *opt, struct dmarc_verdict *v,
    const char *domain, struct dmarc_record **rec, int *nomem)
{
	char name[DMARC_MAXDOMAIN + 16];
	struct dmarc_dns_txt txt;
	struct dmarc_record *r, *found = NULL;
	enum dmarc_dns d;
	size_t i, nfound = 0;
	int rc;

	*rec = NULL;
	if ((size_t)snprintf(name, sizeof(name), "_dmarc.%s", domain) >
	    DMARC_MAXDOMAIN)
		return DMARC_DNS_NXDOMAIN;	/* cannot exist in the DNS */
	memset(&txt, 0, sizeof(txt));
	v->nqueries++;
	d = opt->resolver->txt(opt->resolver->arg, name, &txt);
	if (d != DMARC_DNS_DATA) {
		dmarc_dns_txt_clear(&txt);
		if (is_temp(d))
			note_dns_error(v, d, name);
		return d;
	}
	for (i = 0; i < txt.n; i++) {
		rc = dmarc_record_parse(txt.rr[i], txt.len[i], opt->profile, &r);
		if (rc == DMARC_ENOMEM)
			*nomem = 1;
		if (rc != DMARC_OK)
			continue;
		if (nfound++ == 0)
			found = r;
		else
			dmarc_record_free(r);
	}
	dmarc_dns_txt_clear(&txt);
	if (nfound == 1)
		*rec = found;
	else
		dmarc_record_free(found);
	return d;
}

/* orgdomain_of - organizational domain via the hook, the name on failure */
static void
orgdomain_of(const struct dmarc_options *opt, const char *name, char *out,
    size_t outlen)
{
	const struct dmarc_orgdomain *od = opt->orgdomain;

	if (od == NULL || od->lookup == NULL ||
	    od->lookup(od->arg, name, out, outlen) != DMARC_OK || *out == '\0')
		dm_strlcpy(out, name, outlen);
}

/*
 * discover_psl - RFC 7489 discovery: author domain, then organizational
 * domain.  Returns 0 when done (v->record may be NULL), -1 on temperror.
 */
static int
discover_psl(const struct dmarc_options *opt, struct dmarc_verdict *v,
    int *nomem)
{
	enum dmarc_dns d;

	v->discovery = DMARC_DISCOVERY_PSL;
	orgdomain_of(opt, v->author, v->org_domain, sizeof(v->org_domain));
	d = fetch_record(opt, v, v->author, &v->record, nomem);
	if (is_temp(d))
		return -1;
	if (v->record != NULL) {
		dm_strlcpy(v->policy_domain, v->author, sizeof(v->policy_domain));
		v->tag = DMARC_TAG_P;
		return 0;
	}
	if (strcmp(v->org_domain, v->author) == 0)
		return 0;
	d = fetch_record(opt, v, v->org_domain, &v->record, nomem);
	if (is_temp(d))
		return -1;
	if (v->record != NULL) {
		dm_strlcpy(v->policy_domain, v->org_domain,
		    sizeof(v->policy_domain));
		v->tag = DMARC_TAG_SP;
	}
	return 0;
}

/* The author query already made, replayed to the walk (no second query). */
struct replay {
	const struct dmarc_resolver *real;
	char		 qname[DMARC_MAXDOMAIN + 16];
	enum dmarc_dns	 first;
};

/* replay_txt - the first answer again (records dropped), else real DNS */
static enum dmarc_dns
replay_txt(void *arg, const char *name, struct dmarc_dns_txt *out)
{
	const struct replay *rp = arg;

	if (strcmp(name, rp->qname) == 0)
		return rp->first;
	return rp->real->txt(rp->real->arg, name, out);
}

/*
 * discover_treewalk - RFC 9989 discovery (D-23..D-27).  A record at the
 * author domain applies p and ends discovery (its organizational domain
 * is walked only if relaxed alignment needs it, D-18).  Otherwise the
 * tree walk from the author: the record of the author's organizational
 * domain (D-17; intermediate records do not decide, D-26) applies sp/np,
 * else a psd=y record does.  Returns 0 when done (v->record may be NULL),
 * -1 on temperror (any query of the walk failed).
 */
static int
discover_treewalk(const struct dmarc_options *opt, struct dmarc_verdict *v,
    struct dmarc_walk_cache *cache, int *nomem)
{
	struct dmarc_resolver rres = { replay_txt, NULL, NULL };
	struct replay rp;
	struct dmarc_walk w;
	int rc, idx;

	v->discovery = DMARC_DISCOVERY_TREEWALK;
	dm_strlcpy(v->org_domain, v->author, sizeof(v->org_domain));
	rp.real = opt->resolver;
	rp.first = fetch_record(opt, v, v->author, &v->record, nomem);
	if (is_temp(rp.first))
		return -1;
	if (v->record != NULL) {
		dm_strlcpy(v->policy_domain, v->author, sizeof(v->policy_domain));
		v->tag = DMARC_TAG_P;
		return 0;
	}
	snprintf(rp.qname, sizeof(rp.qname), "_dmarc.%s", v->author);
	rres.arg = &rp;
	rc = dmarc_treewalk(&rres, opt->profile, v->author, &w);
	if (w.nsteps > 1)
		v->nqueries += (unsigned)w.nsteps - 1;
	if (rc == DMARC_ENOMEM)
		*nomem = 1;
	if (rc != DMARC_OK || w.temperror) {
		if (rc == DMARC_OK)
			note_dns_error(v, w.dns_error, w.dns_error_name);
		dmarc_walk_free(&w);
		return rc == DMARC_OK ? -1 : 0;
	}
	dm_strlcpy(v->org_domain, w.org_domain, sizeof(v->org_domain));
	dmarc_walk_cache_put(cache, &w);
	idx = w.org_step >= 0 ? w.org_step : w.psd_step;
	if (idx > 0) {
		v->record = w.step[idx].record;
		w.step[idx].record = NULL;
		dm_strlcpy(v->policy_domain, w.step[idx].name,
		    sizeof(v->policy_domain));
		v->tag = DMARC_TAG_SP;
	}
	dmarc_walk_free(&w);
	return 0;
}

/*
 * choose_tag - p, sp or np for the record found (D-24, D-25, D-28).
 * Returns -1 when the existence query failed temporarily.
 */
static int
choose_tag(const struct dmarc_options *opt, struct dmarc_verdict *v)
{
	const struct dmarc_record *r = v->record;
	enum dmarc_dns d;

	if (v->tag == DMARC_TAG_P) {
		v->policy = dmarc_record_p(r);
		return 0;
	}
	v->tag = DMARC_TAG_SP;
	v->policy = dmarc_record_sp(r);
	if (opt->profile != DMARC_RFC9989 ||
	    dmarc_record_np(r) == dmarc_record_sp(r) ||
	    opt->resolver->exists == NULL)
		return 0;
	v->nqueries++;
	d = opt->resolver->exists(opt->resolver->arg, v->author);
	if (is_temp(d)) {
		note_dns_error(v, d, v->author);
		return -1;
	}
	if (d == DMARC_DNS_NXDOMAIN) {
		v->tag = DMARC_TAG_NP;
		v->policy = dmarc_record_np(r);
	}
	return 0;
}

/*
 * may_align - names whose last labels differ share no suffix, so no
 * organizational domain either: no lookup (and no walk) is needed.
 */
static int
may_align(const char *id, const char *author)
{
	const char *a = strrchr(id, '.'), *b = strrchr(author, '.');

	return dm_strcaseeq(a != NULL ? a + 1 : id, b != NULL ? b + 1 : author);
}

/* align_dkim - first passing aligned DKIM result; temp errors noted */
static void
align_dkim(const struct dmarc_orgdomain *od, const struct dmarc_input *in,
    struct dmarc_verdict *v, int *temp)
{
	const struct dmarc_authinfo *ai = in->auth;
	size_t i;

	v->align_dkim = DMARC_ALIGN_FAIL;
	v->dkim_aligned_idx = -1;
	for (i = 0; ai != NULL && i < ai->ndkim; i++) {
		const struct dmarc_dkim_result *k = &ai->dkim[i];

		if (k->result != DMARC_ARES_PASS &&
		    k->result != DMARC_ARES_TEMPERROR)
			continue;	/* no walk for what cannot count */
		if (!may_align(k->domain, v->author) ||
		    !dmarc_aligned(k->domain, v->author, v->record->adkim, od))
			continue;
		if (k->result == DMARC_ARES_PASS) {
			v->align_dkim = DMARC_ALIGN_PASS;
			v->dkim_aligned_idx = (int)i;
			return;
		}
		if (k->result == DMARC_ARES_TEMPERROR)
			*temp = 1;
	}
}

/* align_spf - SPF aligned pass: MAIL FROM, or HELO for the null sender */
static void
align_spf(const struct dmarc_orgdomain *od, const struct dmarc_input *in,
    struct dmarc_verdict *v, int *temp)
{
	const struct dmarc_spf_result *s;
	int nullsender;

	v->align_spf = DMARC_ALIGN_FAIL;
	if (in->auth == NULL)
		return;
	s = &in->auth->spf;
	nullsender = in->envfrom_domain == NULL || *in->envfrom_domain == '\0';
	if (s->scope == DMARC_SCOPE_HELO && !nullsender)
		return;		/* CVE-2019-20790 */
	if (s->scope != DMARC_SCOPE_MFROM && s->scope != DMARC_SCOPE_HELO)
		return;
	if (s->result != DMARC_ARES_PASS && s->result != DMARC_ARES_TEMPERROR)
		return;
	if (!may_align(s->domain, v->author) ||
	    !dmarc_aligned(s->domain, v->author, v->record->aspf, od))
		return;
	if (s->result == DMARC_ARES_PASS)
		v->align_spf = DMARC_ALIGN_PASS;
	else if (s->result == DMARC_ARES_TEMPERROR)
		*temp = 1;
}

/* step_down - one level less: reject -> quarantine -> none */
static enum dmarc_disposition
step_down(enum dmarc_disposition d)
{
	return d == DMARC_DIS_REJECT ? DMARC_DIS_QUARANTINE : DMARC_DIS_NONE;
}

/* apply_policy - result and disposition once alignment is known */
static void
apply_policy(const struct dmarc_options *opt, const struct dmarc_input *in,
    struct dmarc_verdict *v, int temp)
{
	const struct dmarc_record *r = v->record;
	enum dmarc_disposition d;

	if (v->align_dkim == DMARC_ALIGN_PASS || v->align_spf == DMARC_ALIGN_PASS) {
		v->result = DMARC_RESULT_PASS;
		v->disposition = (opt->profile == DMARC_RFC9989 &&
		    v->policy != DMARC_P_NONE) ? DMARC_DIS_PASS : DMARC_DIS_NONE;
		return;
	}
	if (temp) {
		v->result = DMARC_RESULT_TEMPERROR;
		v->disposition = DMARC_DIS_NONE;
		return;
	}
	v->result = DMARC_RESULT_FAIL;
	d = v->policy == DMARC_P_REJECT ? DMARC_DIS_REJECT :
	    v->policy == DMARC_P_QUARANTINE ? DMARC_DIS_QUARANTINE :
	    DMARC_DIS_NONE;
	if (d != DMARC_DIS_NONE && opt->profile == DMARC_RFC9989 && r->t) {
		d = step_down(d);
		v->reasons |= DMARC_REASON_TEST_MODE;
	} else if (d != DMARC_DIS_NONE && opt->profile == DMARC_RFC7489 &&
	    r->pct < 100 && in->pct_roll >= (unsigned)r->pct) {
		d = step_down(d);
		v->reasons |= DMARC_REASON_SAMPLED_OUT;
	}
	v->disposition = d;
}

/*
 * align - DKIM and SPF alignment.  Tree-walk mode compares organizational
 * domains found by one walk per identifier (D-18), memoized in cache; a
 * walk that met a temporary error makes a non-pass temperror.
 */
static void
align(const struct dmarc_options *opt, const struct dmarc_input *in,
    struct dmarc_verdict *v, const struct dmarc_orgdomain *wod)
{
	struct dmarc_walk_cache *cache = wod->arg;
	unsigned nq, nt;
	size_t i;
	int temp = 0;

	if (opt->discovery != DMARC_DISCOVERY_TREEWALK) {
		align_dkim(opt->orgdomain, in, v, &temp);
		align_spf(opt->orgdomain, in, v, &temp);
		apply_policy(opt, in, v, temp);
		return;
	}
	nq = cache->nqueries;
	nt = cache->ntemp;
	align_dkim(wod, in, v, &temp);
	align_spf(wod, in, v, &temp);
	v->nqueries += cache->nqueries - nq;
	if (cache->ntemp != nt)
		temp = 1;
	for (i = 0; i < cache->n && i < DMARC_WALK_CACHE; i++)
		if (strcmp(cache->e[i].name, v->author) == 0 &&
		    !cache->e[i].temperror)
			dm_strlcpy(v->org_domain, cache->e[i].org,
			    sizeof(v->org_domain));
	apply_policy(opt, in, v, temp);
}

/* evaluate_one - the verdict for one author domain */
static void
evaluate_one(const struct dmarc_options *opt, const struct dmarc_input *in,
    struct dmarc_verdict *v, const struct dmarc_orgdomain *wod, int *nomem)
{
	int rc;

	v->dkim_aligned_idx = -1;
	if (opt->discovery == DMARC_DISCOVERY_TREEWALK)
		rc = discover_treewalk(opt, v, wod->arg, nomem);
	else
		rc = discover_psl(opt, v, nomem);
	if (rc < 0) {
		v->result = DMARC_RESULT_TEMPERROR;
		return;
	}
	if (v->record == NULL) {
		v->result = DMARC_RESULT_NONE;
		return;
	}
	if (!dmarc_record_usable(v->record)) {
		v->result = DMARC_RESULT_PERMERROR;
		return;
	}
	if (choose_tag(opt, v) < 0) {
		v->result = DMARC_RESULT_TEMPERROR;
		return;
	}
	align(opt, in, v, wod);
}

/* severity - order for "the strictest outcome wins" */
static int
severity(const struct dmarc_verdict *v)
{
	if (v->disposition == DMARC_DIS_REJECT)
		return 7;
	if (v->disposition == DMARC_DIS_QUARANTINE)
		return 6;
	switch (v->result) {
	case DMARC_RESULT_TEMPERROR:	return 5;
	case DMARC_RESULT_FAIL:		return 4;
	case DMARC_RESULT_PERMERROR:	return 3;
	case DMARC_RESULT_NONE:		return 2;
	default:			return 1;
	}
}

/* evaluate_all - a verdict per author domain, the walks memoized in cache */
static int
evaluate_all(const struct dmarc_options *opt, const struct dmarc_input *in,
    struct dmarc_walk_cache *cache, struct dmarc_eval **out)
{
	struct dmarc_orgdomain wod;
	struct dmarc_eval *ev;
	size_t i, n, cap;
	int nomem = 0;

	dmarc_walk_orgdomain(opt->resolver, opt->profile, &wod, cache);
	cap = opt->max_from_domains ? opt->max_from_domains : DMARC_MAXFROM;
	if (cap > DMARC_MAXFROM)
		cap = DMARC_MAXFROM;
	n = in->from != NULL ? in->from->ndomains : 0;
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return DMARC_ENOMEM;
	if (n > cap) {
		ev->incomplete = 1;
		n = cap + 1;	/* one permerror verdict for the rest */
	}
	if ((ev->v = calloc(n ? n : 1, sizeof(*ev->v))) == NULL) {
		free(ev);
		return DMARC_ENOMEM;
	}
	ev->n = n ? n : 1;
	for (i = 0; i < ev->n; i++) {
		struct dmarc_verdict *v = &ev->v[i];

		v->dkim_aligned_idx = -1;
		v->discovery = opt->discovery ? opt->discovery :
		    DMARC_DISCOVERY_PSL;
		if (n == 0 || i == cap) {
			if (n != 0)
				dm_strlcpy(v->author, in->from->domains[i],
				    sizeof(v->author));
			v->result = DMARC_RESULT_PERMERROR;
			continue;
		}
		dm_strlcpy(v->author, in->from->domains[i], sizeof(v->author));
		evaluate_one(opt, in, v, &wod, &nomem);
		if (severity(v) > severity(&ev->v[ev->worst]))
			ev->worst = i;
	}
	if (ev->incomplete && severity(&ev->v[ev->worst]) < severity(&ev->v[cap]))
		ev->worst = cap;
	if (nomem) {
		dmarc_eval_free(ev);
		return DMARC_ENOMEM;
	}
	*out = ev;
	return DMARC_OK;
}

/*
 * dmarc_evaluate - see the file header.  The walk memo (D-18 IMPL, 8 KB)
 * is the caller's in->walk_cache, else allocated here: never on the
 * stack, because glibc gives a thread's stack pages below its last 16 KB
 * back at thread exit, and a milter runs a thread per connection, each
 * of which would fault those pages in again.
 */
int
dmarc_evaluate(const struct dmarc_options *opt, const struct dmarc_input *in,
    struct dmarc_eval **out)
{
	struct dmarc_walk_cache *cache;
	int rc;

	*out = NULL;
	if (opt == NULL || in == NULL || opt->resolver == NULL ||
	    opt->resolver->txt == NULL)
		return DMARC_EINVAL;
	if ((cache = in->walk_cache) != NULL)
		return evaluate_all(opt, in, cache, out);
	if ((cache = malloc(sizeof(*cache))) == NULL)
		return DMARC_ENOMEM;
	rc = evaluate_all(opt, in, cache, out);
	free(cache);
	return rc;
}

/* dmarc_eval_free - free the verdicts and their records */
void
dmarc_eval_free(struct dmarc_eval *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < ev->n; i++)
		dmarc_record_free(ev->v[i].record);
	free(ev->v);
	free(ev);
}
