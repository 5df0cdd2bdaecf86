/*
 * record.c -- the history record of one evaluated message
 *
 * SYNOPSIS
 *	void history_build(const struct dmarcd_cfg *c, const struct msg *m,
 *	    const struct dmarc_eval *ev, const struct dmarc_authinfo *ai,
 *	    const unsigned *applied, struct outcome *out);
 *
 * DESCRIPTION
 *	Fills OpenDMARC's history record (compat 3.1: same keys, same order,
 *	develop's spf_scope and fo) from the strictest verdict, so that
 *	opendmarc-import reads our files, and adds dmarcd's keys after
 *	"action" when HistoryExtensions is on: the DMARC result, the
 *	disposition applied, override reasons, np, psd, t, the discovery
 *	method, the SPF domain, the profile and every author domain.
 *	Formatting and value checks are libdmarc's (history.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarcd.h"
#include "log.h"
#include "xmalloc.h"

/* hpolicy - history "policy" code for a verdict */
static int
hpolicy(const struct dmarc_verdict *v)
{
	if (v->record == NULL || v->result == DMARC_RESULT_PERMERROR ||
	    v->result == DMARC_RESULT_TEMPERROR || v->result == DMARC_RESULT_NONE)
		return DMARC_HPOLICY_ABSENT;
	if (v->result == DMARC_RESULT_PASS)
		return DMARC_HPOLICY_PASS;
	switch (v->policy) {
	case DMARC_P_REJECT:		return DMARC_HPOLICY_REJECT;
	case DMARC_P_QUARANTINE:	return DMARC_HPOLICY_QUARANTINE;
	default:			return DMARC_HPOLICY_NONE;
	}
}

/* haction - history "action" code for an outcome */
static int
haction(enum out_action a)
{
	switch (a) {
	case OUT_REJECT:	return DMARC_HACTION_REJECT;
	case OUT_DISCARD:	return DMARC_HACTION_DISCARD;
	case OUT_TEMPFAIL:	return DMARC_HACTION_TEMPFAIL;
	case OUT_QUARANTINE:	return DMARC_HACTION_QUARANTINE;
	default:		return DMARC_HACTION_ACCEPT;
	}
}

/* fill_record - the policy-record fields (zeros when there is none) */
static void
fill_record(struct dmarc_history *h, const struct dmarc_verdict *v,
    char **rua)
{
	const struct dmarc_record *r = v->record;
	size_t i;

	h->ext_t = -1;
	if (r == NULL)
		return;
	for (i = 0; i < r->nrua && i < DMARC_MAXURIS; i++)
		rua[h->nrua++] = r->rua[i].raw;
	h->rua = rua;
	h->pct = r->pct;
	h->adkim = r->adkim;
	h->aspf = r->aspf;
	h->p = dmarc_record_p(r);
	h->sp = r->sp;
	h->fo = (int)r->fo;
	h->ext_np = r->np;
	h->ext_psd = r->psd;
	h->ext_t = r->t;
}

/* from_all - comma list of every author domain, NULL when only one */
static char *
from_all(const struct dmarc_eval *ev)
{
	char buf[DMARC_MAXFROM * (DMARC_MAXDOMAIN + 1) + 1];
	size_t i, n = 0;

	if (ev->n < 2)
		return NULL;
	buf[0] = '\0';
	for (i = 0; i < ev->n && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "," : "", ev->v[i].author[0] ? ev->v[i].author : "-");
	return xstrdup(buf);
}

/* history_build - see the file header */
void
history_build(const struct dmarcd_cfg *c, const struct msg *m,
    const struct dmarc_eval *ev, const struct dmarc_authinfo *ai,
    const struct arcview *av, const unsigned *applied, struct outcome *out)
{
	const struct dmarc_verdict *w = &ev->v[ev->worst];
	struct dmarc_history h;
	struct dmarc_hist_dkim dk[DMARC_MAXDKIM];
	struct dmarc_hist_arcseal seals[DMARCD_MAXARC];
	char *rua[DMARC_MAXURIS];
	char *all;
	size_t i;
	int rc;

	memset(&h, 0, sizeof(h));
	h.job = m->jobid != NULL ? m->jobid : "(unknown-jobid)";
	h.reporter = (m->mta_host != NULL && *m->mta_host != '\0') ?
	    m->mta_host : (char *)(c->authservid ? c->authservid : c->hostname);
	h.received = (long long)time(NULL);
	h.ipaddr = m->ip[0] != '\0' ? (char *)m->ip : "127.0.0.1";
	h.from = (char *)w->author;
	h.mfrom = (char *)m->envfrom_domain;
	for (i = 0; i < ai->ndkim && i < DMARC_MAXDKIM; i++) {
		dk[i].domain = (char *)ai->dkim[i].domain;
		dk[i].selector = ai->dkim[i].selector[0] ?
		    (char *)ai->dkim[i].selector : NULL;
		dk[i].result = ai->dkim[i].result;
	}
	h.ndkim = i;
	h.dkim = dk;
	h.spf = ai->spf.result;
	h.spf_scope = ai->spf.scope;
	h.pdomain = (char *)(w->policy_domain[0] ? w->policy_domain : w->author);
	h.policy = hpolicy(w);
	fill_record(&h, w, rua);
	h.align_dkim = w->align_dkim;
	h.align_spf = w->align_spf;
	h.arc = ai->arc_pass == 1 ? DMARC_ARES_PASS : DMARC_ARES_FAIL;
	h.arc_policy = av->override ? 0 : 2;
	for (i = 0; av->naar > 0 && i < av->nseal; i++) {
		seals[i].instance = av->seal[i].instance;
		seals[i].domain = (char *)av->seal[i].domain;
		seals[i].selector = (char *)av->seal[i].selector;
		seals[i].ip = (char *)av->ip[i];
	}
	h.narcseal = av->naar > 0 ? av->nseal : 0;
	h.arcseal = seals;
	h.action = haction(out->action);
	h.has_ext = 1;
	h.ext_result = (char *)dmarc_result_name(w->result);
	h.ext_disposition = (char *)dmarc_disposition_name(applied[ev->worst]);
	h.ext_reasons = w->reasons;
	if (applied[ev->worst] != w->disposition)
		h.ext_reasons |= DMARC_REASON_LOCAL_POLICY;
	h.ext_discovery = w->record != NULL || w->result != DMARC_RESULT_PERMERROR ?
	    (char *)dmarc_discovery_name(w->discovery) : NULL;
	h.ext_spf_domain = ai->spf.domain[0] ? (char *)ai->spf.domain : NULL;
	h.ext_profile = c->opts.profile == DMARC_RFC7489 ? "rfc7489" : "rfc9989";
	h.ext_from_all = all = from_all(ev);
	rc = dmarc_history_format(&h, cfg_bool(c, C_HISTORYEXTENSIONS),
	    &out->history, &out->histlen);
	if (rc != DMARC_OK) {
		log_warnx("%s: cannot format history record: %s", h.job,
		    dmarc_strerror(rc));
		out->history = NULL;
		out->nohistory = "history record could not be formatted";
	}
	free(all);
}
