/*
 * ruf.c -- failure reports: the settings, and who gets a report
 *
 * SYNOPSIS
 *	c->ruf = rufcfg_new(conf, hostname, err, errlen);
 *	ruf_collect(c, m, ev, ai, applied, out);	(in msg_evaluate)
 *
 * DESCRIPTION
 *	ruf_collect() runs in the milter thread after the verdicts are in
 *	and makes one struct ruf_job per author domain that asks for a
 *	report; it does no DNS and no I/O.  A domain gets one when
 *	FailureReports is on, its record was found (the verdict is pass or
 *	fail), the policy that applied is quarantine or reject (or none,
 *	with FailureReportsOnNone), its fo= asks for this case (RFC 9989
 *	4.7, below), and there is somewhere to send it: a ruf= mailto:
 *	address not in NoReportsList (never from a psd=y record, D-48), or
 *	FailureReportsBcc.  A message that is itself a report
 *	(Content-Type multipart/report: ARF, DSN, MDN) never gets one, so
 *	two reporters cannot feed each other (checklist S-04).
 *
 *	fo=0 reports when neither DKIM nor SPF gave an aligned pass, fo=1
 *	when either did not, fo=d when a DKIM signature failed to verify
 *	(fail or permerror, aligned or not), fo=s when SPF failed; the
 *	options combine.  Auth-Failure is "dmarc" for an fo=0/1 report,
 *	otherwise "signature" (fo=d) or "spf" (fo=s).
 *
 *	Delivery: SMTP through the relay when SMTPServer is set in the
 *	configuration file, otherwise ReportCommand, split on white space
 *	into an argv (no shell).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dmarcd.h"
#include "log.h"
#include "ruf.h"
#include "xmalloc.h"

#define RUF_MAXARGS	32

/* split_argv - ReportCommand on white space; NULL when empty */
static char **
split_argv(const char *cmd)
{
	char **argv = xcalloc(RUF_MAXARGS + 1, sizeof(*argv));
	size_t n = 0, len;

	while (*cmd != '\0' && n < RUF_MAXARGS) {
		cmd += strspn(cmd, " \t");
		if ((len = strcspn(cmd, " \t")) == 0)
			break;
		argv[n++] = xstrndup(cmd, len);
		cmd += len;
	}
	if (n == 0) {
		free(argv);
		return NULL;
	}
	return argv;
}

/* sender_address - the address inside <> of a From: value, or all of it */
static char *
sender_address(const char *from)
{
	const char *lt = strrchr(from, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	from += strspn(from, " \t");
	return xstrndup(from, strcspn(from, " \t"));
}

/* rufcfg_new - the failure-report settings of cf; NULL + err on error */
struct rufcfg *
rufcfg_new(const struct conf *cf, const char *hostname, char *err,
    size_t errlen)
{
	struct rufcfg *rc = xcalloc(1, sizeof(*rc));
	const char *s;
	char buf[512];

	if (!(rc->enabled = conf_bool(cf, C_FAILUREREPORTS)))
		return rc;
	rc->use_smtp = conf_isset(cf, C_SMTPSERVER);
	if (rc->use_smtp && smtp_conf_init(&rc->smtp, cf, err, errlen) != 0)
		goto fail;
	if (!rc->use_smtp &&
	    (rc->argv = split_argv(conf_str(cf, C_REPORTCOMMAND))) == NULL) {
		snprintf(err, errlen, "ReportCommand is empty");
		goto fail;
	}
	if ((s = conf_str(cf, C_NOREPORTSLIST)) != NULL &&
	    (rc->nolist = noreports_load(s, err, errlen)) == NULL)
		goto fail;
	if ((s = conf_str(cf, C_FAILUREREPORTSSENTBY)) == NULL) {
		snprintf(buf, sizeof(buf), "dmarcd <postmaster@%s>", hostname);
		s = buf;
	}
	rc->sent_by = xstrdup(s);
	rc->envfrom = sender_address(s);
	return rc;
fail:
	rufcfg_free(rc);
	return NULL;
}

/* rufcfg_free - release the settings */
void
rufcfg_free(struct rufcfg *rc)
{
	size_t i;

	if (rc == NULL)
		return;
	if (rc->use_smtp)
		smtp_conf_clear(&rc->smtp);
	for (i = 0; rc->argv != NULL && rc->argv[i] != NULL; i++)
		free(rc->argv[i]);
	free(rc->argv);
	noreports_free(rc->nolist);
	free(rc->sent_by);
	free(rc->envfrom);
	free(rc);
}

/* ruf_wants_body - the milter must ask the MTA for the body */
int
ruf_wants_body(const struct dmarcd_cfg *c)
{
	return c->ruf != NULL && c->ruf->enabled &&
	    cfg_bool(c, C_FAILUREREPORTSBODY);
}

/* ruf_fo_wants - see ruf.h and the file header */
int
ruf_fo_wants(unsigned fo, int dkim_aligned, int spf_aligned, int dkim_failed,
    int spf_failed)
{
	if ((fo & DMARC_FO_0) && !dkim_aligned && !spf_aligned)
		return 1;
	if ((fo & DMARC_FO_1) && (!dkim_aligned || !spf_aligned))
		return 1;
	if ((fo & DMARC_FO_D) && dkim_failed)
		return 1;
	return (fo & DMARC_FO_S) && spf_failed;
}

/* strv_free - free a vector of n strings */
static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ruf_job_free - release one job (its configuration is not released) */
void
ruf_job_free(struct ruf_job *j)
{
	size_t i;

	if (j == NULL)
		return;
	strv_free(j->dest, j->ndest);
	strv_free(j->bcc, j->nbcc);
	for (i = 0; i < j->nhdrs; i++) {
		free((char *)j->hdrs[i].name);
		free((char *)j->hdrs[i].value);
	}
	free(j->hdrs);
	free(j->body);
	free(j->policy_domain);
	free(j->org_domain);
	free(j->spf_domain);
	free(j->spf_dns);
	free(j->uniq);
	free(j->reporter);
	free(j->envid);
	free(j->mail_from);
	free(j->rcpt_to);
	free(j->source_host);
	free(j->auth_results);
	free(j->identity_alignment);
	free(j->dkim_domain);
	free(j->dkim_selector);
	free(j->dkim_identity);
	free(j->dkim_summary);
	free(j->spf_summary);
	free(j);
}

/* ruf_jobs_free - release a list of jobs */
void
ruf_jobs_free(struct ruf_job *j)
{
	struct ruf_job *next;

	for (; j != NULL; j = next) {
		next = j->next;
		ruf_job_free(j);
	}
}

/* strv_add - append a copy of s unless present (case-insensitive) */
static void
strv_add(char ***v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcasecmp((*v)[i], s) == 0)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

/* destinations - ruf mailto: addresses and the Bcc list, minus nolisted */
static void
destinations(const struct dmarcd_cfg *c, const struct dmarc_verdict *v,
    struct ruf_job *j)
{
	const struct dmarc_record *r = v->record;
	const char *const *l;
	char *a;
	size_t i, n;

	for (i = 0; r->psd != DMARC_PSD_Y && i < r->nruf; i++) {
		if (!r->ruf[i].valid || !r->ruf[i].mailto ||
		    (a = ruf_mailto(r->ruf[i].uri)) == NULL)
			continue;
		if (noreports_match(c->ruf->nolist, a))
			log_debug("failure report for %s: %s is in "
			    "NoReportsList", v->author, a);
		else
			strv_add(&j->dest, &j->ndest, a);
		free(a);
	}
	l = conf_list(c->conf, C_FAILUREREPORTSBCC, &n);
	for (i = 0; i < n; i++)
		if (!noreports_match(c->ruf->nolist, l[i]))
			strv_add(&j->bcc, &j->nbcc, l[i]);
}

/* in_org - name is org or below it */
static int
in_org(const char *name, const char *org)
{
	size_t n = strlen(name), o = strlen(org);

	if (o == 0)
		return 0;
	if (strcasecmp(name, org) == 0)
		return 1;
	return n > o && name[n - o - 1] == '.' &&
	    strcasecmp(name + n - o, org) == 0;
}

/* dkim_failed - a signature failed to verify (fail or permerror) */
static int
dkim_failed(const struct dmarc_dkim_result *d)
{
	return d->result == DMARC_ARES_FAIL || d->result == DMARC_ARES_PERMERROR;
}

/* dkim_summary - "fail (d=example.com s=sel), pass (...)" or "none" */
static char *
dkim_summary(const struct dmarc_authinfo *ai)
{
	char buf[1024];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ai->ndkim && n + 1 < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s (d=%s%s%s)",
		    i > 0 ? ", " : "", dmarc_ares_name(ai->dkim[i].result),
		    ai->dkim[i].domain, ai->dkim[i].selector[0] ? " s=" : "",
		    ai->dkim[i].selector);
	return xstrdup(ai->ndkim > 0 ? buf : "none (no signature)");
}

/* spf_summary - "fail (smtp.mailfrom=example.com)" or "none" */
static char *
spf_summary(const struct dmarc_authinfo *ai)
{
	char buf[512];

	if (ai->spf.result == DMARC_ARES_UNDEFINED)
		return xstrdup("none (no result)");
	snprintf(buf, sizeof(buf), "%s (smtp.%s=%s)",
	    dmarc_ares_name(ai->spf.result),
	    ai->spf.scope == DMARC_SCOPE_HELO ? "helo" : "mailfrom",
	    ai->spf.domain);
	return xstrdup(buf);
}

/* auth_results - an RFC 8601 value of the facts the verdict used */
static char *
auth_results(const struct dmarcd_cfg *c, const struct msg *m,
    const struct dmarc_verdict *v, const struct dmarc_authinfo *ai,
    unsigned applied)
{
	char buf[4096], *id = ar_authservid(c, m);
	size_t i, n;

	n = (size_t)snprintf(buf, sizeof(buf), "%s; dmarc=%s (p=%s dis=%s) "
	    "header.from=%s", id, dmarc_result_name(v->result),
	    dmarc_policy_name(v->policy),
	    dmarc_disposition_name((enum dmarc_disposition)applied), v->author);
	free(id);
	if (ai->spf.result != DMARC_ARES_UNDEFINED && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    ";\n\tspf=%s smtp.%s=%s", dmarc_ares_name(ai->spf.result),
		    ai->spf.scope == DMARC_SCOPE_HELO ? "helo" : "mailfrom",
		    ai->spf.domain);
	for (i = 0; i < ai->ndkim && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    ";\n\tdkim=%s header.d=%s%s%s",
		    dmarc_ares_name(ai->dkim[i].result), ai->dkim[i].domain,
		    ai->dkim[i].selector[0] != '\0' ? " header.s=" : "",
		    ai->dkim[i].selector);
	return xstrdup(buf);
}

/* pick_dkim - the signature to describe: aligned and failed, else failed */
static const struct dmarc_dkim_result *
pick_dkim(const struct dmarc_authinfo *ai, const char *org)
{
	const struct dmarc_dkim_result *any = NULL;
	size_t i;

	for (i = 0; i < ai->ndkim; i++) {
		if (ai->dkim[i].result == DMARC_ARES_PASS)
			continue;
		if (in_org(ai->dkim[i].domain, org))
			return &ai->dkim[i];
		if (any == NULL && dkim_failed(&ai->dkim[i]))
			any = &ai->dkim[i];
	}
	return any;
}

/* copy_headers - the original fields, bounded by ARF_MAXHDRBYTES */
static void
copy_headers(const struct msg *m, struct ruf_job *j)
{
	size_t i, bytes = 0;

	j->hdrs = xcalloc(m->nhdrs > 0 ? m->nhdrs : 1, sizeof(*j->hdrs));
	for (i = 0; i < m->nhdrs; i++) {
		bytes += strlen(m->hdrs[i].name) + m->hdrs[i].vlen + 3;
		if (bytes > ARF_MAXHDRBYTES + 1)	/* arf.c notes the cut */
			break;
		j->hdrs[i].name = xstrdup(m->hdrs[i].name);
		j->hdrs[i].value = xstrndup(m->hdrs[i].value, m->hdrs[i].vlen);
		j->nhdrs++;
	}
}

/* envelope - connection and envelope facts of the message */
static void
envelope(const struct dmarcd_cfg *c, const struct msg *m, struct ruf_job *j)
{
	j->reporter = xstrdup(c->authservid != NULL ? c->authservid :
	    m->mta_host != NULL && *m->mta_host != '\0' ? m->mta_host :
	    c->hostname);
	j->envid = m->jobid != NULL ? xstrdup(m->jobid) : NULL;
	j->mail_from = xstrdup(m->envfrom != NULL ? m->envfrom : "");
	j->rcpt_to = m->nrcpts > 0 ? xstrdup(m->rcpts[0]) : NULL;
	if (m->hostname[0] != '\0' && m->hostname[0] != '[' &&
	    strcasecmp(m->hostname, "unknown") != 0)
		j->source_host = xstrdup(m->hostname);
	snprintf(j->source_ip, sizeof(j->source_ip), "%s", m->ip);
	j->arrival = time(NULL);
	copy_headers(m, j);
	if (m->body != NULL && cfg_bool(c, C_FAILUREREPORTSBODY)) {
		j->body = xmalloc(m->bodylen + 1);
		memcpy(j->body, m->body, m->bodylen);
		j->body[m->bodylen] = '\0';
		j->bodylen = m->bodylen;
		j->body_cut = m->body_cut;
	}
}

/* alignment - Identity-Alignment, RFC 9991: the mechanisms that failed */
static char *
alignment(int dkim_aligned, int spf_aligned)
{
	if (!dkim_aligned && !spf_aligned)
		return xstrdup("dkim, spf");
	if (!dkim_aligned)
		return xstrdup("dkim");
	return xstrdup(spf_aligned ? "none" : "spf");
}

/* make_job - one report for verdict v */
static struct ruf_job *
make_job(const struct dmarcd_cfg *c, const struct msg *m,
    const struct dmarc_verdict *v, const struct dmarc_authinfo *ai,
    unsigned applied, const char *auth_failure)
{
	struct ruf_job *j = xcalloc(1, sizeof(*j));
	const struct dmarc_dkim_result *d;
	const char *org;

	destinations(c, v, j);
	if (j->ndest == 0 && j->nbcc == 0) {
		log_debug("failure report for %s: no destination", v->author);
		ruf_job_free(j);
		return NULL;
	}
	org = v->org_domain[0] != '\0' ? v->org_domain : v->policy_domain;
	j->policy_domain = xstrdup(v->policy_domain);
	j->org_domain = xstrdup(org);
	snprintf(j->reported_domain, sizeof(j->reported_domain), "%s",
	    v->author);
	j->auth_failure = auth_failure;
	j->policy = dmarc_policy_name(v->policy);
	j->result = dmarc_result_name(v->result);
	j->disposition = dmarc_disposition_name((enum dmarc_disposition)applied);
	j->identity_alignment = alignment(v->align_dkim == DMARC_ALIGN_PASS,
	    v->align_spf == DMARC_ALIGN_PASS);
	j->auth_results = auth_results(c, m, v, ai, applied);
	j->dkim_summary = dkim_summary(ai);
	j->spf_summary = spf_summary(ai);
	if ((d = pick_dkim(ai, org)) != NULL) {
		char id[DMARC_MAXDOMAIN + 2];

		snprintf(id, sizeof(id), "@%s", d->domain);
		j->dkim_domain = xstrdup(d->domain);
		j->dkim_selector = d->selector[0] ? xstrdup(d->selector) : NULL;
		j->dkim_identity = xstrdup(id);
	}
	if (v->align_spf != DMARC_ALIGN_PASS && ai->spf.domain[0] != '\0' &&
	    ai->spf.result != DMARC_ARES_PASS && in_org(ai->spf.domain, org))
		j->spf_domain = xstrdup(ai->spf.domain);
	j->redact = cfg_bool(c, C_FAILUREREPORTSREDACT);
	envelope(c, m, j);
	return j;
}

/* wants - does verdict v call for a report; the Auth-Failure word */
static const char *
wants(const struct dmarcd_cfg *c, const struct dmarc_verdict *v,
    const struct dmarc_authinfo *ai)
{
	int da, sa, df = 0, sf;
	unsigned fo;
	size_t i;

	if (v->record == NULL || (v->result != DMARC_RESULT_PASS &&
	    v->result != DMARC_RESULT_FAIL))
		return NULL;
	if (v->policy != DMARC_P_QUARANTINE && v->policy != DMARC_P_REJECT &&
	    !cfg_bool(c, C_FAILUREREPORTSONNONE))
		return NULL;
	da = v->align_dkim == DMARC_ALIGN_PASS;
	sa = v->align_spf == DMARC_ALIGN_PASS;
	for (i = 0; i < ai->ndkim; i++)
		df |= dkim_failed(&ai->dkim[i]);
	sf = ai->spf.result == DMARC_ARES_FAIL;
	fo = v->record->fo;
	if (ruf_fo_wants(fo & (DMARC_FO_0 | DMARC_FO_1), da, sa, 0, 0))
		return "dmarc";
	if (ruf_fo_wants(fo & DMARC_FO_D, da, sa, df, sf))
		return "signature";
	if (ruf_fo_wants(fo & DMARC_FO_S, da, sa, df, sf))
		return "spf";
	return NULL;
}

/* is_report - the message is a multipart/report (ARF, DSN, MDN) */
static int
is_report(const struct msg *m)
{
	const char *v;
	size_t i;

	for (i = 0; i < m->nhdrs; i++) {
		if (strcasecmp(m->hdrs[i].name, "Content-Type") != 0)
			continue;
		v = m->hdrs[i].value + strspn(m->hdrs[i].value, " \t");
		if (strncasecmp(v, "multipart/report", 16) == 0)
			return 1;
	}
	return 0;
}

/* ruf_collect - the reports this message calls for, into out->ruf */
void
ruf_collect(const struct dmarcd_cfg *c, const struct msg *m,
    const struct dmarc_eval *ev, const struct dmarc_authinfo *ai,
    const unsigned *applied, struct outcome *out)
{
	struct ruf_job *j, **tail = &out->ruf;
	const char *af;
	size_t i;

	if (c->ruf == NULL || !c->ruf->enabled)
		return;
	if (is_report(m)) {
		log_debug("no failure report about a report (multipart/report)");
		return;
	}
	for (i = 0; i < ev->n; i++) {
		if ((af = wants(c, &ev->v[i], ai)) == NULL)
			continue;
		if ((j = make_job(c, m, &ev->v[i], ai, applied[i], af)) == NULL)
			continue;
		*tail = j;
		tail = &j->next;
	}
}
