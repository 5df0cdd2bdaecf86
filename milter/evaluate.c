/*
 * evaluate.c -- from a received message to an outcome
 *
 * SYNOPSIS
 *	void msg_evaluate(const struct dmarcd_cfg *c, struct msg *m,
 *	    struct outcome *out);
 *
 * DESCRIPTION
 *	The one decision shared by the milter and test mode:
 *	1. IgnoreMailFrom (envelope sender domain) accepts silently.
 *	2. RequiredHeaders (RFC 5322 3.6 counts) and RequiredFrom reject.
 *	3. Every From field is parsed; every author domain is evaluated and
 *	   the strictest verdict wins (CVE-2019-16378: never only the first,
 *	   never a silent skip).  RejectMultiValueFrom rejects several
 *	   domains.  No usable From domain is permerror (or a reject with
 *	   RequiredFrom).
 *	4. Trusted Authentication-Results fields, top-down, then the topmost
 *	   Received-SPF field, become the SPF and DKIM facts (trust.c).
 *	   With DKIMVerify our own DKIM results come first; a trusted
 *	   upstream result for a signature we verified ourselves (same d=
 *	   and s=, and header.b when both name it) is dropped, ours wins;
 *	   upstream results for other signatures still count.
 *	5. libdmarc evaluates; the verdict becomes an action under
 *	   RejectFailures, HoldQuarantinedMessages and TemporaryFailureAction.
 *	6. The Authentication-Results field and the history record follow.
 *
 *	m is changed only in its working space (struct evwork): the
 *	authentication facts (struct dmarc_authinfo, about 34 KB with room
 *	for 100 DKIM results), the ARC view (about 20 KB) and libdmarc's
 *	walk memo (8 KB) are allocated on a connection's first message and
 *	reused for its next ones, and reset without clearing their arrays:
 *	a fresh zeroed 54 KB per message was a third of the milter's
 *	allocator time, and the memo on the thread's stack took cb_eom
 *	below the 16 KB of stack that glibc keeps when a thread ends, so
 *	every connection page-faulted those pages in again
 *	(tests/bench/RESULTS.md).
 *
 *	A p=reject failure without RejectFailures is held when
 *	HoldQuarantinedMessages is on (RFC 9989 8: do not reject solely on
 *	p=reject; quarantine is the recommended treatment) and otherwise
 *	delivered; the deviation is recorded as reason local_policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarcd.h"
#include "log.h"
#include "rand.h"
#include "xmalloc.h"

#define MAXRCPTCHECK	100

/* hdr_is - header name comparison, case-insensitive */
static int
hdr_is(const struct hdr *h, const char *name)
{
	return strcasecmp(h->name, name) == 0;
}

/* count_hdr - number of fields with that name */
static unsigned
count_hdr(const struct msg *m, const char *name)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < m->nhdrs; i++)
		if (hdr_is(&m->hdrs[i], name))
			n++;
	return n;
}

/* required_headers - RFC 5322 3.6 field counts; nonzero + text on violation */
static int
required_headers(const struct msg *m, char *why, size_t len)
{
	static const char *const once[] = { "Reply-To", "To", "Cc", "Bcc",
	    "Message-Id", "In-Reply-To", "References", "Subject" };
	unsigned n;
	size_t i;

	if ((n = count_hdr(m, "From")) != 1) {
		snprintf(why, len, "message has %u From fields, RFC 5322 "
		    "requires exactly one", n);
		return 1;
	}
	if ((n = count_hdr(m, "Date")) != 1) {
		snprintf(why, len, "message has %u Date fields, RFC 5322 "
		    "requires exactly one", n);
		return 1;
	}
	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if ((n = count_hdr(m, once[i])) > 1) {
			snprintf(why, len, "message has %u %s fields, RFC 5322 "
			    "allows at most one", n, once[i]);
			return 1;
		}
	return 0;
}

/* in_list - domain (or address) matches an entry of a conf list */
static int
in_list(const struct dmarcd_cfg *c, enum conf_id id, const char *addr,
    const char *domain)
{
	const char *const *l;
	size_t i, n;

	l = conf_list(c->conf, id, &n);
	for (i = 0; i < n; i++) {
		if (strchr(l[i], '@') != NULL) {
			if (addr != NULL && strcasecmp(l[i], addr) == 0)
				return 1;
		} else if (domain != NULL && strcasecmp(l[i], domain) == 0)
			return 1;
	}
	return 0;
}

/* ignore_mailto - IgnoreMailTo matches an envelope recipient or a To: */
static int
ignore_mailto(const struct dmarcd_cfg *c, const struct msg *m)
{
	struct dmarc_from to;
	char dom[DMARC_MAXDOMAIN + 1];
	size_t i, j;
	int hit = 0;

	if (!conf_isset(c->conf, C_IGNOREMAILTO))
		return 0;
	for (i = 0; i < m->nrcpts && i < MAXRCPTCHECK; i++) {
		const char *at = strrchr(m->rcpts[i], '@');

		if (at != NULL && dmarc_domain_normalize(at + 1, strlen(at + 1),
		    dom, sizeof(dom)) == DMARC_OK &&
		    in_list(c, C_IGNOREMAILTO, m->rcpts[i], dom))
			return 1;
	}
	for (i = 0; i < m->nhdrs && !hit; i++) {
		if (!hdr_is(&m->hdrs[i], "To"))
			continue;
		memset(&to, 0, sizeof(to));
		(void)dmarc_from_parse(m->hdrs[i].value, m->hdrs[i].vlen, &to);
		for (j = 0; j < to.ndomains && !hit; j++) {
			char addr[512];

			snprintf(addr, sizeof(addr), "%s@%s",
			    to.locals[j] ? to.locals[j] : "", to.domains[j]);
			hit = in_list(c, C_IGNOREMAILTO, addr, to.domains[j]);
		}
		dmarc_from_clear(&to);
	}
	return hit;
}

/* parse_from - all From fields; returns the number of fields */
static unsigned
parse_from(const struct msg *m, struct dmarc_from *from, int *bad)
{
	unsigned n = 0;
	size_t i;
	int rc;

	*bad = 0;
	for (i = 0; i < m->nhdrs; i++) {
		if (!hdr_is(&m->hdrs[i], "From"))
			continue;
		n++;
		rc = dmarc_from_parse(m->hdrs[i].value, m->hdrs[i].vlen, from);
		if (rc != DMARC_OK)
			*bad = rc;
	}
	return n;
}

/*
 * policy_prefetch - send the policy query of each author domain of one
 * From field as soon as the field arrives: the answer travels while the
 * rest of the message does, and msg_evaluate's lookup of the same name
 * (_dmarc.<author>, as libdmarc asks it) takes it from the query in
 * flight (resolver_prefetch).  Only a hint: any other name is looked up
 * as usual.
 */
void
policy_prefetch(const struct dmarcd_cfg *c, const char *value, size_t vlen)
{
	struct dmarc_from from;
	char name[DMARC_MAXDOMAIN + 16];
	size_t i;

	memset(&from, 0, sizeof(from));
	(void)dmarc_from_parse(value, vlen, &from);
	for (i = 0; i < from.ndomains; i++)
		if ((size_t)snprintf(name, sizeof(name), "_dmarc.%s",
		    from.domains[i]) < sizeof(name))
			resolver_prefetch(c->resolver, name, 16);
	dmarc_from_clear(&from);
}

/* plain_authservid - our authserv-id without quoting or job id */
static const char *
plain_authservid(const struct dmarcd_cfg *c, const struct msg *m)
{
	if (c->authservid != NULL)
		return c->authservid;
	if (m->mta_host != NULL && *m->mta_host != '\0')
		return m->mta_host;
	return c->hostname;
}

/* same_sig - an upstream DKIM result names the signature we verified */
static int
same_sig(const struct dmarc_dkim_result *up, const struct dmarc_dkim_result *own)
{
	size_t n;

	if (strcasecmp(up->domain, own->domain) != 0)
		return 0;
	if (up->selector[0] != '\0' &&
	    strcasecmp(up->selector, own->selector) != 0)
		return 0;
	n = strlen(up->bprefix) < strlen(own->bprefix) ?
	    strlen(up->bprefix) : strlen(own->bprefix);
	return n == 0 || strncmp(up->bprefix, own->bprefix, n) == 0;
}

/* merge_dkim - our DKIM results first, then upstream ones not ours */
static void
merge_dkim(const struct msg *m, struct dmarc_authinfo *ai)
{
	struct dmarc_dkim_result *up;
	size_t i, j, n = 0, nup = ai->ndkim;

	if (m->ndkim_own == 0)
		return;
	up = xreallocarray(NULL, nup > 0 ? nup : 1, sizeof(*up));
	memcpy(up, ai->dkim, nup * sizeof(*up));
	for (i = 0; i < m->ndkim_own && n < DMARC_MAXDKIM; i++)
		ai->dkim[n++] = m->dkim_own[i];
	for (i = 0; i < nup && n < DMARC_MAXDKIM; i++) {
		for (j = 0; j < m->ndkim_own; j++)
			if (same_sig(&up[i], &m->dkim_own[j]))
				break;
		if (j == m->ndkim_own)
			ai->dkim[n++] = up[i];
	}
	ai->ndkim = n;
	free(up);
}

/*
 * own_id - the authserv-id of a parsed A-R field is ours (case-insensitive,
 * with or without a "/job-id" suffix, as AuthservIDWithJobID writes it)
 */
static int
own_id(const struct dmarcd_cfg *c, const struct msg *m,
    const struct dmarc_authres *ar)
{
	const char *ours = plain_authservid(c, m);
	size_t n = strlen(ours);

	return ar->authserv_id != NULL &&
	    strncasecmp(ar->authserv_id, ours, n) == 0 &&
	    (ar->authserv_id[n] == '\0' || ar->authserv_id[n] == '/');
}

/*
 * mark_spoofed - RemoveSpoofedAuthResults (standards.md R-04): every
 * incoming A-R field with our authserv-id is a forgery on a border MTA
 * where no earlier filter adds such fields; list their occurrences for
 * deletion (collect_auth does not trust them).  Not when some fields
 * were not kept (the occurrence count would be wrong).
 */
static void
mark_spoofed(const struct dmarcd_cfg *c, const struct msg *m,
    struct outcome *out)
{
	struct dmarc_authres *ar;
	unsigned k = 0;
	size_t i;

	if (!cfg_bool(c, C_REMOVESPOOFEDAUTHRESULTS))
		return;
	if (m->hdr_overflow) {
		log_warnx("%s: header too large: spoofed Authentication-Results "
		    "fields not removed", m->jobid != NULL ? m->jobid : "-");
		return;
	}
	for (i = 0; i < m->nhdrs; i++) {
		if (!hdr_is(&m->hdrs[i], "Authentication-Results"))
			continue;
		k++;
		if (dmarc_authres_parse(m->hdrs[i].value, m->hdrs[i].vlen,
		    &ar) != DMARC_OK)
			continue;
		if (own_id(c, m, ar) && out->nardel < OUT_MAXARDEL)
			out->ardel[out->nardel++] = k;
		dmarc_authres_free(ar);
	}
}

/* collect_auth - trusted A-R fields top-down, then the topmost Received-SPF */
static void
collect_auth(const struct dmarcd_cfg *c, const struct msg *m,
    struct dmarc_authinfo *ai)
{
	const char *ids[64];
	struct dmarc_trust trust;
	const struct hdr *rspf = NULL;
	int strip = cfg_bool(c, C_REMOVESPOOFEDAUTHRESULTS);
	size_t i, n = 0;

	ids[n++] = plain_authservid(c, m);
	for (i = 1; i < c->ntrusted && n < 64; i++)
		ids[n++] = c->trusted[i];
	memset(&trust, 0, sizeof(trust));
	trust.authserv_ids = ids;
	trust.nauthserv_ids = n;
	trust.jobid = cfg_bool(c, C_AUTHSERVIDWITHJOBID) ? m->jobid : NULL;
	trust.ignore_spf = cfg_bool(c, C_SPFIGNORERESULTS);
	for (i = 0; i < m->nhdrs; i++) {
		struct dmarc_authres *ar;

		if (rspf == NULL && hdr_is(&m->hdrs[i], "Received-SPF"))
			rspf = &m->hdrs[i];
		if (!hdr_is(&m->hdrs[i], "Authentication-Results"))
			continue;
		if (dmarc_authres_parse(m->hdrs[i].value, m->hdrs[i].vlen,
		    &ar) != DMARC_OK)
			continue;
		if (!(strip && own_id(c, m, ar)))
			(void)dmarc_authinfo_add_authres(ai, &trust, ar,
			    m->envfrom_domain);
		dmarc_authres_free(ar);
	}
	merge_dkim(m, ai);
	if (rspf != NULL && ai->spf.result == DMARC_ARES_UNDEFINED &&
	    !trust.ignore_spf) {
		struct dmarc_rspf *rs;

		if (dmarc_rspf_parse(rspf->value, rspf->vlen, &rs) == DMARC_OK) {
			(void)dmarc_authinfo_add_rspf(ai, &trust, rs,
			    m->envfrom_domain);
			dmarc_rspf_free(rs);
		}
	}
	/* SPFSelfValidate: our own check when nothing usable came from
	   upstream (OpenDMARC's order: A-R, Received-SPF, then our own);
	   SPFSelfValidateAlways: ours replaces whatever upstream said */
	if (c->spf != NULL && m->ip[0] != '\0' &&
	    (ai->spf.result == DMARC_ARES_UNDEFINED ||
	    cfg_bool(c, C_SPFSELFVALIDATEALWAYS))) {
		struct dmarc_spf_result own;

		memset(&own, 0, sizeof(own));
		(void)spf_check(c->spf, m->ip, m->helo, m->envfrom, &own);
		if (own.result != DMARC_ARES_UNDEFINED)
			ai->spf = own;
	}
}

/* set_reply - SMTP reply for reject/tempfail */
static void
set_reply(struct outcome *out, const char *rcode, const char *xcode,
    const char *text)
{
	snprintf(out->rcode, sizeof(out->rcode), "%s", rcode);
	snprintf(out->xcode, sizeof(out->xcode), "%s", xcode);
	free(out->reply);
	out->reply = xstrdup(text);
}

/* reject_text - RejectString with its one %s filled with the domain */
static char *
reject_text(const struct dmarcd_cfg *c, const char *domain)
{
	const char *fmt = cfg_str(c, C_REJECTSTRING);
	char buf[1024];
	size_t n = 0;

	if (fmt == NULL)
		fmt = "rejected by DMARC policy for %s";
	for (; *fmt != '\0' && n + 1 < sizeof(buf); fmt++) {
		if (fmt[0] == '%' && fmt[1] == 's') {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", domain);
			fmt++;
		} else if (fmt[0] == '%' && fmt[1] == '%') {
			buf[n++] = '%';
			fmt++;
		} else
			buf[n++] = *fmt;
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
	}
	buf[n] = '\0';
	return xstrdup(buf);
}

/* reject_now - an early reject (header checks), no evaluation */
static void
reject_now(struct outcome *out, const char *why)
{
	out->action = OUT_REJECT;
	set_reply(out, "550", "5.7.1", why);
	out->result = "none";
	out->nohistory = "rejected before evaluation";
}

/* decide - action and applied dispositions from the evaluation */
static void
decide(const struct dmarcd_cfg *c, const struct dmarc_eval *ev,
    const struct arcview *av, struct outcome *out, unsigned *applied)
{
	const struct dmarc_verdict *w = &ev->v[ev->worst];
	char text[1200];
	size_t i;
	int hold = cfg_bool(c, C_HOLDQUARANTINEDMESSAGES);
	enum dmarc_disposition act = DMARC_DIS_NONE;

	out->action = OUT_CONTINUE;
	if (w->result == DMARC_RESULT_TEMPERROR &&
	    c->on_temperror == TF_TEMPFAIL) {
		out->action = OUT_TEMPFAIL;
		if (w->dns_error_name[0] != '\0')
			snprintf(text, sizeof(text), "temporary DNS failure "
			    "(%s) evaluating DMARC policy for %s",
			    dmarc_dns_name(w->dns_error), w->author);
		else		/* an aligned DKIM or SPF temperror */
			snprintf(text, sizeof(text), "temporary failure "
			    "checking DKIM or SPF for %s", w->author);
		set_reply(out, "451", "4.7.0", text);
	} else if ((w->disposition == DMARC_DIS_REJECT ||
	    w->disposition == DMARC_DIS_QUARANTINE) && av->override) {
		log_info("ARC pass from trusted sealers overrides DMARC %s "
		    "for %s (local_policy)",
		    dmarc_disposition_name(w->disposition), w->author);
	} else if (w->disposition == DMARC_DIS_REJECT &&
	    cfg_bool(c, C_REJECTFAILURES)) {
		out->action = OUT_REJECT;
		act = DMARC_DIS_REJECT;
		free(out->reply);
		out->reply = reject_text(c, w->policy_domain);
		snprintf(out->rcode, sizeof(out->rcode), "550");
		snprintf(out->xcode, sizeof(out->xcode), "5.7.1");
	} else if ((w->disposition == DMARC_DIS_REJECT ||
	    w->disposition == DMARC_DIS_QUARANTINE) && hold) {
		out->action = OUT_QUARANTINE;
		act = DMARC_DIS_QUARANTINE;
		snprintf(text, sizeof(text), "quarantined by DMARC policy for %s",
		    w->policy_domain);
		out->quarantine_reason = xstrdup(text);
	}
	for (i = 0; i < ev->n; i++) {
		enum dmarc_disposition d = ev->v[i].disposition;

		if (d == DMARC_DIS_REJECT || d == DMARC_DIS_QUARANTINE)
			d = act < d ? act : d;
		applied[i] = d;
	}
}

/* add_header - queue a header for insertion at the top */
static void
add_header(struct outcome *out, const char *name, char *value)
{
	if (out->nhdrs >= OUT_MAXHDRS) {
		free(value);
		return;
	}
	out->hdr_name[out->nhdrs] = xstrdup(name);
	out->hdr_value[out->nhdrs] = value;
	out->nhdrs++;
}

/* copy_failures - CopyFailuresTo for a failure under an enforcing policy */
static void
copy_failures(const struct dmarcd_cfg *c, const struct dmarc_eval *ev,
    struct outcome *out)
{
	const char *to = cfg_str(c, C_COPYFAILURESTO);
	size_t i;

	if (to == NULL || out->action == OUT_REJECT)
		return;
	for (i = 0; i < ev->n; i++)
		if (ev->v[i].result == DMARC_RESULT_FAIL &&
		    (ev->v[i].policy == DMARC_P_REJECT ||
		    ev->v[i].policy == DMARC_P_QUARANTINE)) {
			out->add_rcpt = xstrdup(to);
			return;
		}
}

/* finish - headers, history and log fields once the action is known */
static void
finish(const struct dmarcd_cfg *c, const struct msg *m,
    const struct dmarc_eval *ev, const struct dmarc_authinfo *ai,
    const struct arcview *av, const unsigned *applied, struct outcome *out)
{
	const struct dmarc_verdict *w = &ev->v[ev->worst];
	size_t i;
	int any = 0;

	out->author = xstrdup(w->author[0] != '\0' ? w->author : "-");
	out->result = dmarc_result_name(w->result);
	if (w->policy_domain[0] != '\0') {
		out->pdomain = xstrdup(w->policy_domain);
		out->policy = dmarc_policy_name(w->policy);
	}
	out->disposition = dmarc_disposition_name(applied[ev->worst]);
	copy_failures(c, ev, out);
	if (out->action != OUT_REJECT && out->action != OUT_TEMPFAIL) {
		char *id = ar_authservid(c, m);

		add_header(out, "Authentication-Results",
		    ar_dmarc_header(id, ev, applied,
		    ai->spf.source == DMARC_SRC_SELF ? &ai->spf : NULL, ai));
		free(id);
	}
	if (cfg_bool(c, C_SOFTWAREHEADER)) {
		char buf[600];

		snprintf(buf, sizeof(buf), "%s v%s %s %s", DMARCD_NAME,
		    PACKAGE_VERSION, plain_authservid(c, m),
		    m->jobid != NULL ? m->jobid : "(unknown-jobid)");
		add_header(out, "DMARC-Filter", xstrdup(buf));
	}
	ruf_collect(c, m, ev, ai, applied, out);
	for (i = 0; i < ev->n; i++)
		if (ev->v[i].result != DMARC_RESULT_NONE)
			any = 1;
	if (ignore_mailto(c, m))
		out->nohistory = "IgnoreMailTo matched";
	else if (!any && !cfg_bool(c, C_RECORDALLMESSAGES))
		out->nohistory = "no DMARC record (RecordAllMessages off)";
	else
		history_build(c, m, ev, ai, av, applied, out);
}

/* msg_evaluate - see the file header */
void
msg_evaluate(const struct dmarcd_cfg *c, struct msg *m,
    struct outcome *out)
{
	struct dmarc_from from;
	struct dmarc_authinfo *ai;
	struct dmarc_input in;
	struct dmarc_eval *ev = NULL;
	struct arcview *av;
	unsigned applied[DMARC_MAXFROM + 1];
	char why[256];
	int bad;

	memset(out, 0, sizeof(*out));
	out->action = OUT_CONTINUE;
	mark_spoofed(c, m, out);
	if (m->envfrom_domain[0] != '\0' &&
	    in_list(c, C_IGNOREMAILFROM, NULL, m->envfrom_domain)) {
		out->action = OUT_ACCEPT;
		out->result = "none";
		out->nohistory = "IgnoreMailFrom matched";
		return;
	}
	if (cfg_bool(c, C_REQUIREDHEADERS) &&
	    required_headers(m, why, sizeof(why))) {
		reject_now(out, why);
		return;
	}
	memset(&from, 0, sizeof(from));
	if (parse_from(m, &from, &bad) == 0 || from.ndomains == 0) {
		if (cfg_bool(c, C_REQUIREDFROM) ||
		    cfg_bool(c, C_REQUIREDHEADERS)) {
			dmarc_from_clear(&from);
			reject_now(out, "no usable From domain (RFC 5322 From "
			    "field missing or unparseable)");
			return;
		}
	}
	if (m->work == NULL) {	/* not calloc: touch only what is used */
		m->work = xmalloc(sizeof(*m->work));
		dmarc_authinfo_init(&m->work->ai);
	}
	ai = &m->work->ai;
	av = &m->work->av;
	dmarc_authinfo_clear(ai);
	collect_auth(c, m, ai);
	arc_collect(c, m, ai, av);
	memset(&in, 0, sizeof(in));
	in.from = &from;
	in.envfrom_domain = m->envfrom_domain;
	in.helo = m->helo;
	in.auth = ai;
	in.pct_roll = rand_below(100);
	in.walk_cache = &m->work->wc;
	if (dmarc_evaluate(&c->opts, &in, &ev) != DMARC_OK)
		fatalx("out of memory evaluating DMARC");
	decide(c, ev, av, out, applied);
	if (from.ndomains > 1 && cfg_bool(c, C_REJECTMULTIVALUEFROM) &&
	    out->action != OUT_TEMPFAIL) {
		out->action = OUT_REJECT;
		set_reply(out, "550", "5.7.1",
		    "multi-valued From field not accepted");
	}
	finish(c, m, ev, ai, av, applied, out);
	dmarc_eval_free(ev);
	dmarc_authinfo_clear(ai);
	dmarc_from_clear(&from);
}
