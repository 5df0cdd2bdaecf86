/*
 * dmarc-check -- show and lint the DMARC policy that applies to a domain
 *
 * SYNOPSIS
 *	dmarc-check [-c conf] [-Z zonefile] [-s ns[@port]] [--json] [-7]
 *	    domain ...
 *
 * DESCRIPTION
 *	For each domain: the RFC 9989 DNS tree walk (dmarc_treewalk(), every
 *	query and its outcome), the record that applies and where it was
 *	found (the domain itself: p; its organizational domain or a PSD: sp,
 *	or np when the domain does not exist), the organizational domain, the
 *	effective policies and the other tags; then lint warnings in the
 *	spirit of checkdmarc.  With -7, RFC 7489 discovery (the domain, then
 *	its PSL organizational domain) and the RFC 7489 record profile.
 *	--json writes one object per domain, all in one array.
 *
 *	DNS comes from -Z, else TestDNSData of the configuration file, else
 *	the -s nameservers, else its Nameservers key, else resolv.conf.
 *
 * DIAGNOSTICS
 *	Exit 0 when every domain is clean, 1 when there were warnings only,
 *	2 on any error (invalid name, DNS temporary failure, no usable
 *	record, unreadable configuration), 64 on a usage error.
 *
 * WHY A FILE OF ITS OWN
 *	It is the operator's tool, not part of any evaluation: everything here
 *	is presentation and advice, built from libdmarc's parser and walk.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "dmarc.h"
#include "log.h"
#include "psl.h"
#include "resolver.h"
#include "xmalloc.h"

#define EX_OK_		0
#define EX_WARN		1
#define EX_ERR		2
#define EX_USAGE_	64

#define CAP_MAX		32	/* TXT answers remembered per domain */
#define MSG_MAX		64	/* warnings and errors kept per domain */
#define MAXNS		16	/* -s options */
#define QNAME_MAX	(DMARC_MAXDOMAIN + 16)

/* One TXT answer seen by the walk, kept so the raw records can be linted. */
struct cap_entry {
	char			 qname[QNAME_MAX];
	enum dmarc_dns		 dns;
	struct dmarc_dns_txt	 txt;
};

struct capture {
	struct resolver		*r;
	size_t			 n;
	struct cap_entry	 e[CAP_MAX];
};

struct ctx {
	struct resolver		*res;
	struct psl_od		*psl;
	struct capture		 cap;
	struct dmarc_resolver	 capres;	/* through the capture */
	struct dmarc_resolver	 plain;		/* straight to res */
	enum dmarc_profile	 profile;
	int			 json;
};

struct msg {
	int	 err;
	char	*text;
};

/* Annotation of one rua/ruf URI (external destination check, D-47). */
struct uri_note {
	char	 text[QNAME_MAX * 2 + 64];
};

/* Everything found about one domain, printed afterwards. */
struct check {
	const char		*arg;
	char			 domain[DMARC_MAXDOMAIN + 1];
	int			 invalid;
	struct dmarc_walk	 w;
	int			 rec_step;	/* -1: no record applies */
	char			 tag;		/* 'p', 's' (sp), 'n' (np) */
	const char		*rec_raw;	/* borrowed from the capture */
	const struct dmarc_record *org_rec;	/* for subdomains */
	char			 org[DMARC_MAXDOMAIN + 1];
	struct uri_note		 rua_note[DMARC_MAXURIS];
	struct uri_note		 ruf_note[DMARC_MAXURIS];
	size_t			 nmsg;
	struct msg		 msg[MSG_MAX];
};

/* usage - the synopsis, and the usage exit status */
static void
usage(void)
{
	fprintf(stderr, "usage: dmarc-check [-c conf] [-Z zonefile] "
	    "[-s ns[@port]] [--json] [-7] domain ...\n");
	exit(EX_USAGE_);
}

/* cap_txt - TXT lookup that remembers the answer for the lint pass */
static enum dmarc_dns
cap_txt(void *arg, const char *name, struct dmarc_dns_txt *out)
{
	struct capture *c = arg;
	struct cap_entry *e;
	enum dmarc_dns d;
	size_t i;

	d = resolver_txt(c->r, name, out);
	if (c->n >= CAP_MAX)
		return d;
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	xstrlcpy(e->qname, name, sizeof(e->qname));
	e->dns = d;
	for (i = 0; d == DMARC_DNS_DATA && i < out->n; i++)
		if (dmarc_dns_txt_add(&e->txt, out->rr[i], out->len[i]) !=
		    DMARC_OK)
			fatalx("out of memory");
	return d;
}

/* cap_exists - existence query, not remembered */
static enum dmarc_dns
cap_exists(void *arg, const char *name)
{
	struct capture *c = arg;

	return resolver_exists(c->r, name);
}

/* cap_find - the remembered answer for _dmarc.<name>, or NULL */
static const struct cap_entry *
cap_find(const struct capture *c, const char *name)
{
	char q[QNAME_MAX];
	size_t i;

	snprintf(q, sizeof(q), "_dmarc.%s", name);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].qname, q) == 0)
			return &c->e[i];
	return NULL;
}

/* cap_reset - forget the answers of the previous domain */
static void
cap_reset(struct capture *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		dmarc_dns_txt_clear(&c->e[i].txt);
	c->n = 0;
}

/* note - add a warning (err 0) or an error (err 1) to ck */
static void
note(struct check *ck, int err, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (ck->nmsg >= MSG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ck->msg[ck->nmsg].err = err;
	ck->msg[ck->nmsg++].text = xstrdup(buf);
}

/* is_dmarc - nonzero when the TXT parses as a DMARC record */
static int
is_dmarc(const char *p, size_t len, enum dmarc_profile profile)
{
	struct dmarc_record *r;
	int rc;

	rc = dmarc_record_parse(p, len, profile, &r);
	if (rc == DMARC_OK)
		dmarc_record_free(r);
	return rc == DMARC_OK;
}

/* raw_record - text of the one DMARC record at _dmarc.<name>, or NULL */
static const char *
raw_record(const struct ctx *cx, const char *name)
{
	const struct cap_entry *e = cap_find(&cx->cap, name);
	size_t i;

	for (i = 0; e != NULL && i < e->txt.n; i++)
		if (is_dmarc(e->txt.rr[i], e->txt.len[i], cx->profile))
			return e->txt.rr[i];
	return NULL;
}

/* query7 - one RFC 7489 query, filling a walk step like the tree walk */
static void
query7(struct ctx *cx, struct dmarc_walk_step *st)
{
	char q[QNAME_MAX];
	struct dmarc_dns_txt txt;
	struct dmarc_record *r;
	size_t i;

	memset(&txt, 0, sizeof(txt));
	snprintf(q, sizeof(q), "_dmarc.%s", st->name);
	st->dns = cap_txt(&cx->cap, q, &txt);
	for (i = 0; st->dns == DMARC_DNS_DATA && i < txt.n; i++) {
		if (dmarc_record_parse(txt.rr[i], txt.len[i], DMARC_RFC7489,
		    &r) != DMARC_OK)
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
}

/* walk7 - RFC 7489 discovery: the domain, then its PSL org domain (D-20) */
static void
walk7(struct ctx *cx, struct check *ck)
{
	struct dmarc_walk *w = &ck->w;
	struct dmarc_walk_step *st;
	size_t i;

	memset(w, 0, sizeof(*w));
	w->org_step = w->psd_step = -1;
	xstrlcpy(w->start, ck->domain, sizeof(w->start));
	if (psl_od_lookup(cx->psl, ck->domain, w->org_domain,
	    sizeof(w->org_domain)) != DMARC_OK)
		xstrlcpy(w->org_domain, ck->domain, sizeof(w->org_domain));
	for (i = 0; i < 2; i++) {
		st = &w->step[w->nsteps++];
		xstrlcpy(st->name, i == 0 ? ck->domain : w->org_domain,
		    sizeof(st->name));
		query7(cx, st);
		if (st->dns >= DMARC_DNS_SERVFAIL) {
			w->temperror = 1;
			w->dns_error = st->dns;
			snprintf(w->dns_error_name, sizeof(w->dns_error_name),
			    "_dmarc.%s", st->name);
			return;
		}
		if (strcmp(w->org_domain, ck->domain) == 0)
			break;
	}
	if (w->step[w->nsteps - 1].record != NULL &&
	    strcmp(w->step[w->nsteps - 1].name, w->org_domain) == 0)
		w->org_step = (int)w->nsteps - 1;
}

/*
 * choose_record - the record that applies (D-23..D-25): the domain's own
 * (p), else the organizational domain's, else a PSD's (sp, or np when
 * the domain does not exist).  0, or -1 on a temporary DNS failure.
 */
static int
choose_record(struct ctx *cx, struct check *ck)
{
	const struct dmarc_walk *w = &ck->w;
	enum dmarc_dns d;
	int idx;

	ck->rec_step = -1;
	idx = w->org_step >= 0 ? w->org_step : w->psd_step;
	if (idx >= 0)
		ck->org_rec = w->step[idx].record;
	if (w->nsteps > 0 && w->step[0].record != NULL) {
		ck->rec_step = 0;
		ck->tag = 'p';
	} else if (idx > 0) {
		ck->rec_step = idx;
		ck->tag = 's';
		d = resolver_exists(cx->res, ck->domain);
		if (d >= DMARC_DNS_SERVFAIL) {
			note(ck, 1, "DNS temporary failure (%s) checking "
			    "whether %s exists", dmarc_dns_name(d), ck->domain);
			return -1;
		}
		if (d == DMARC_DNS_NXDOMAIN)
			ck->tag = 'n';
	}
	if (ck->rec_step >= 0)
		ck->rec_raw = raw_record(cx, w->step[ck->rec_step].name);
	return 0;
}

/* is_suffix - nonzero when name is a public suffix per the PSL */
static int
is_suffix(struct ctx *cx, const char *name)
{
	char probe[QNAME_MAX], org[DMARC_MAXDOMAIN + 1];

	if ((size_t)snprintf(probe, sizeof(probe), "dmarccheckprobe.%s",
	    name) > DMARC_MAXDOMAIN)
		return 0;
	if (psl_od_lookup(cx->psl, probe, org, sizeof(org)) != DMARC_OK)
		return 0;
	return strcmp(org, probe) == 0;
}

/* printable - copy p into out with control and 8-bit bytes as '?' */
static const char *
printable(const char *p, size_t len, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < len && i + 1 < outlen; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	out[i] = '\0';
	return out;
}

/* lint_steps - raw TXT at every name the walk queried (D-03, D-04, D-10) */
static void
lint_steps(struct ctx *cx, struct check *ck)
{
	const struct dmarc_walk_step *st;
	const struct cap_entry *e;
	char buf[256];
	size_t i, j;

	for (i = 0; i < ck->w.nsteps; i++) {
		st = &ck->w.step[i];
		e = cap_find(&cx->cap, st->name);
		for (j = 0; e != NULL && j < e->txt.n; j++)
			if (!is_dmarc(e->txt.rr[j], e->txt.len[j],
			    cx->profile))
				note(ck, 0, "_dmarc.%s: TXT record ignored, "
				    "it does not start with v=DMARC1: \"%s\"",
				    st->name, printable(e->txt.rr[j],
				    e->txt.len[j], buf, sizeof(buf)));
		if (st->nrecords > 1)
			note(ck, 0, "_dmarc.%s: %u DMARC records: all are "
			    "ignored (D-04)", st->name, st->nrecords);
		if (st->record != NULL && st->record->psd != DMARC_PSD_Y &&
		    is_suffix(cx, st->name))
			note(ck, 0, "_dmarc.%s: PSO record at a public suffix "
			    "without psd=y (D-10)", st->name);
	}
}

/* Invalid-value flags and their messages. */
static const struct {
	unsigned	 flag;
	const char	*text;
} badflags[] = {
	{ DMARC_RF_BAD_P, "invalid p= value (ignored)" },
	{ DMARC_RF_BAD_SP, "invalid sp= value (ignored)" },
	{ DMARC_RF_BAD_NP, "invalid np= value (ignored)" },
	{ DMARC_RF_BAD_ADKIM, "invalid adkim= value (default r used)" },
	{ DMARC_RF_BAD_ASPF, "invalid aspf= value (default r used)" },
	{ DMARC_RF_BAD_FO, "invalid fo= value (default 0 used)" },
	{ DMARC_RF_BAD_PSD, "invalid psd= value (default u used)" },
	{ DMARC_RF_BAD_T, "invalid t= value (default n used)" },
	{ DMARC_RF_BAD_PCT, "invalid pct= value" },
	{ DMARC_RF_BAD_RF, "invalid rf= value" },
	{ DMARC_RF_BAD_RI, "invalid ri= value" },
	{ DMARC_RF_UNKNOWN_TAG, "unknown tag (ignored)" },
	{ DMARC_RF_DUP_TAG, "a tag appears more than once" },
	{ DMARC_RF_SYNTAX, "a tag does not parse (ignored)" },
	{ DMARC_RF_TOO_MANY_URIS, "too many report URIs (extra ignored)" },
	{ DMARC_RF_FO_NO_RUF, "fo= without ruf= has no effect" },
};

/* lint_uris - invalid URIs and !size suffixes of one tag */
static void
lint_uris(struct ctx *cx, struct check *ck, const char *tag,
    const struct dmarc_uri *u, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!u[i].valid)
			note(ck, 0, "invalid %s URI: %s", tag, u[i].raw);
		else if (u[i].max_size > 0 && cx->profile == DMARC_RFC9989)
			note(ck, 0, "%s URI %s: the !size suffix is obsolete "
			    "under RFC 9989", tag, u[i].raw);
	}
}

/* historic_tags - names of pct/rf/ri tags present in raw, for the message */
static void
historic_tags(const char *raw, char *out, size_t outlen)
{
	const char *p = raw, *q;
	size_t len, o = 0;

	*out = '\0';
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		for (q = p; *q != '\0' && *q != '=' && *q != ';' &&
		    *q != ' ' && *q != '\t'; q++)
			;
		len = (size_t)(q - p);
		if ((len == 3 && (strncasecmp(p, "pct", 3) == 0)) ||
		    (len == 2 && (strncasecmp(p, "rf", 2) == 0 ||
		    strncasecmp(p, "ri", 2) == 0)))
			o += (size_t)snprintf(out + o, outlen - o, "%s%.*s",
			    o > 0 ? " " : "", (int)len, p);
		if (o >= outlen)
			o = outlen - 1;
		p = strchr(q, ';');
	}
}

/* lint_record - the applied record's tags (DMARC_RF_*, D-09) */
static void
lint_record(struct ctx *cx, struct check *ck, const struct dmarc_record *r)
{
	char hist[64];
	size_t i;

	for (i = 0; i < sizeof(badflags) / sizeof(badflags[0]); i++)
		if (r->flags & badflags[i].flag)
			note(ck, 0, "%s", badflags[i].text);
	lint_uris(cx, ck, "rua", r->rua, r->nrua);
	lint_uris(cx, ck, "ruf", r->ruf, r->nruf);
	if (r->flags & DMARC_RF_HISTORIC) {
		historic_tags(ck->rec_raw != NULL ? ck->rec_raw : "", hist,
		    sizeof(hist));
		note(ck, 0, "historic tag(s) %s: ignored under RFC 9989",
		    *hist != '\0' ? hist : "pct/rf/ri");
	}
	if (r->flags & DMARC_RF_NO_P) {
		if (dmarc_record_has_valid_rua(r))
			note(ck, 0, "no p= tag: treated as p=none because "
			    "rua= is valid (D-09)");
		else
			note(ck, 1, "no p= tag and no valid rua=: the "
			    "record is not usable (D-09)");
	} else if (!dmarc_record_usable(r))
		note(ck, 1, "the record is not usable (D-09)");
	if (r->nrua == 0)
		note(ck, 0, "no rua= tag: no aggregate reports will be sent");
	if (r->p == DMARC_P_NONE && ck->tag == 'p')
		note(ck, 0, "p=none: monitoring only, mail is not protected");
	else if (r->p != DMARC_P_UNSET && dmarc_record_usable(r) &&
	    dmarc_record_p(r) == DMARC_P_NONE)
		note(ck, 0, "invalid sp= or np=: the record acts as p=none "
		    "(D-09)");
}

/* uri_host - normalized destination host of a URI; -1 when none */
static int
uri_host(const char *uri, char *out, size_t outlen)
{
	const char *p, *e;

	if (strncasecmp(uri, "mailto:", 7) == 0) {
		if ((p = strrchr(uri, '@')) == NULL)
			return -1;
		p++;
	} else if ((p = strstr(uri, "://")) != NULL)
		p += 3;
	else
		return -1;
	for (e = p; *e != '\0' && strchr("/:?,!", *e) == NULL; e++)
		;
	return dmarc_domain_normalize(p, (size_t)(e - p), out, outlen) ==
	    DMARC_OK ? 0 : -1;
}

/* org_of - organizational domain of a host: tree walk or PSL */
static int
org_of(struct ctx *cx, const char *host, char *out, size_t outlen)
{
	struct dmarc_walk w;
	int rc = 0;

	if (cx->profile == DMARC_RFC7489)
		return psl_od_lookup(cx->psl, host, out, outlen) == DMARC_OK ?
		    0 : -1;
	if (dmarc_treewalk(&cx->plain, cx->profile, host, &w) != DMARC_OK ||
	    w.temperror)
		rc = -1;
	else
		xstrlcpy(out, w.org_domain, outlen);
	dmarc_walk_free(&w);
	return rc;
}

/* is_under - name equals dom or is a subdomain of it */
static int
is_under(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);

	return strcmp(name, dom) == 0 ||
	    (n > d && name[n - d - 1] == '.' && strcmp(name + n - d, dom) == 0);
}

/*
 * authorized - D-47 steps 2-5: a DMARC record at
 * <pdom>._report._dmarc.<host>.  1 yes, 0 no, -1 temporary failure.
 */
static int
authorized(struct ctx *cx, const char *pdom, const char *host, char *q,
    size_t qlen)
{
	struct dmarc_dns_txt txt;
	enum dmarc_dns d;
	size_t i;
	int ok = 0;

	if ((size_t)snprintf(q, qlen, "%s._report._dmarc.%s", pdom, host) >
	    DMARC_MAXDOMAIN)
		return 0;
	memset(&txt, 0, sizeof(txt));
	d = resolver_txt(cx->res, q, &txt);
	for (i = 0; d == DMARC_DNS_DATA && i < txt.n; i++)
		if (is_dmarc(txt.rr[i], txt.len[i], cx->profile))
			ok = 1;
	dmarc_dns_txt_clear(&txt);
	return d >= DMARC_DNS_SERVFAIL ? -1 : ok;
}

/* lint_external - rua/ruf destinations outside the policy org (D-47) */
static void
lint_external(struct ctx *cx, struct check *ck, const char *tag,
    const struct dmarc_uri *u, size_t n, struct uri_note *nt)
{
	const char *pdom = ck->w.step[ck->rec_step].name;
	char host[DMARC_MAXDOMAIN + 1], horg[DMARC_MAXDOMAIN + 1];
	char porg[DMARC_MAXDOMAIN + 1], q[QNAME_MAX * 2];
	size_t i;
	int a;

	xstrlcpy(porg, ck->rec_step == ck->w.psd_step ? pdom : ck->org,
	    sizeof(porg));
	for (i = 0; i < n && i < DMARC_MAXURIS; i++) {
		if (!u[i].valid || uri_host(u[i].uri, host, sizeof(host)) != 0 ||
		    is_under(host, porg))
			continue;
		if (org_of(cx, host, horg, sizeof(horg)) != 0) {
			note(ck, 0, "%s %s: cannot find the organizational "
			    "domain of %s (DNS failure)", tag, u[i].uri, host);
			continue;
		}
		if (strcmp(horg, porg) == 0)
			continue;
		a = authorized(cx, pdom, host, q, sizeof(q));
		if (a == 1)
			snprintf(nt[i].text, sizeof(nt[i].text),
			    "external, authorized by %s", q);
		else if (a == 0) {
			snprintf(nt[i].text, sizeof(nt[i].text),
			    "external, NOT authorized");
			note(ck, 0, "%s destination %s is outside %s and not "
			    "authorized: no DMARC record at %s (D-47)", tag,
			    host, porg, q);
		} else
			note(ck, 0, "%s destination %s: DNS temporary failure "
			    "at %s (D-47)", tag, host, q);
	}
}

/* check_domain - discovery and lint for one argument into ck */
static void
check_domain(struct ctx *cx, const char *arg, struct check *ck)
{
	const struct dmarc_record *r;

	memset(ck, 0, sizeof(*ck));
	ck->arg = arg;
	ck->rec_step = ck->w.org_step = ck->w.psd_step = -1;
	cap_reset(&cx->cap);
	if (dmarc_domain_normalize(arg, strlen(arg), ck->domain,
	    sizeof(ck->domain)) != DMARC_OK) {
		ck->invalid = 1;
		note(ck, 1, "invalid domain name");
		return;
	}
	if (cx->profile == DMARC_RFC7489)
		walk7(cx, ck);
	else if (dmarc_treewalk(&cx->capres, cx->profile, ck->domain,
	    &ck->w) != DMARC_OK) {
		note(ck, 1, "tree walk failed");
		return;
	}
	xstrlcpy(ck->org, ck->w.org_domain, sizeof(ck->org));
	if (ck->w.temperror) {
		note(ck, 1, "DNS temporary failure (%s) at %s",
		    dmarc_dns_name(ck->w.dns_error), ck->w.dns_error_name);
		return;
	}
	lint_steps(cx, ck);
	if (choose_record(cx, ck) != 0)
		return;
	if (ck->rec_step < 0) {
		note(ck, 1, "no usable DMARC record");
		return;
	}
	r = ck->w.step[ck->rec_step].record;
	lint_record(cx, ck, r);
	lint_external(cx, ck, "rua", r->rua, r->nrua, ck->rua_note);
	lint_external(cx, ck, "ruf", r->ruf, r->nruf, ck->ruf_note);
}

/* check_status - 0, 1 or 2 for one domain */
static int
check_status(const struct check *ck)
{
	size_t i;
	int st = EX_OK_;

	for (i = 0; i < ck->nmsg; i++)
		st = ck->msg[i].err ? EX_ERR : (st == EX_OK_ ? EX_WARN : st);
	return st;
}

/* check_free - release what check_domain() allocated */
static void
check_free(struct check *ck)
{
	size_t i;

	for (i = 0; i < ck->nmsg; i++)
		free(ck->msg[i].text);
	dmarc_walk_free(&ck->w);
}

/* fo_string - the fo= bits as published syntax, "0:d" */
static const char *
fo_string(unsigned fo, char *out, size_t outlen)
{
	static const struct { unsigned bit; const char *s; } t[] = {
		{ DMARC_FO_0, "0" }, { DMARC_FO_1, "1" },
		{ DMARC_FO_D, "d" }, { DMARC_FO_S, "s" } };
	size_t i, o = 0;

	*out = '\0';
	for (i = 0; i < 4 && o < outlen; i++)
		if (fo & t[i].bit)
			o += (size_t)snprintf(out + o, outlen - o, "%s%s",
			    o > 0 ? ":" : "", t[i].s);
	return out;
}

/* tag_name - "p", "sp" or "np" */
static const char *
tag_name(char tag)
{
	return tag == 'p' ? "p" : tag == 's' ? "sp" : "np";
}

/* applied_policy - the policy for the domain itself */
static enum dmarc_policy
applied_policy(const struct check *ck)
{
	const struct dmarc_record *r = ck->w.step[ck->rec_step].record;

	return ck->tag == 'p' ? dmarc_record_p(r) : ck->tag == 's' ?
	    dmarc_record_sp(r) : dmarc_record_np(r);
}

/* print_walk - one line per query of the walk */
static void
print_walk(const struct ctx *cx, const struct check *ck)
{
	const struct dmarc_walk_step *st;
	const struct cap_entry *e;
	size_t i, other;

	for (i = 0; i < ck->w.nsteps; i++) {
		st = &ck->w.step[i];
		e = cap_find(&cx->cap, st->name);
		other = e != NULL && e->txt.n > st->nrecords ?
		    e->txt.n - st->nrecords : 0;
		printf("  walk: _dmarc.%s TXT %s", st->name,
		    dmarc_dns_name(st->dns));
		if (st->dns == DMARC_DNS_DATA)
			printf(" (%u record%s", st->nrecords,
			    st->nrecords == 1 ? "" : "s");
		if (st->dns == DMARC_DNS_DATA && other > 0)
			printf(", %zu other TXT", other);
		if (st->dns == DMARC_DNS_DATA)
			putchar(')');
		putchar('\n');
	}
}

/* print_uris - rua or ruf lines with their D-47 notes */
static void
print_uris(const char *tag, const struct dmarc_uri *u, size_t n,
    const struct uri_note *nt)
{
	size_t i;

	for (i = 0; i < n && i < DMARC_MAXURIS; i++)
		printf("  %s: %s%s%s%s\n", tag, u[i].raw,
		    nt[i].text[0] != '\0' ? "   (" : "", nt[i].text,
		    nt[i].text[0] != '\0' ? ")" : "");
}

/* print_human - the report for one domain, as text */
static void
print_human(const struct ctx *cx, const struct check *ck)
{
	const struct dmarc_record *r, *o = ck->org_rec;
	char buf[DMARC_MAXRECORD], fo[16];
	size_t i;

	printf("%s\n", ck->invalid ? printable(ck->arg, strlen(ck->arg), buf,
	    sizeof(buf)) : ck->domain);
	print_walk(cx, ck);
	if (ck->rec_step >= 0) {
		r = ck->w.step[ck->rec_step].record;
		printf("  record: %s   (at %s, applies %s)\n",
		    ck->rec_raw != NULL ? printable(ck->rec_raw,
		    strlen(ck->rec_raw), buf, sizeof(buf)) : "?",
		    ck->w.step[ck->rec_step].name, tag_name(ck->tag));
		printf("  organizational domain: %s\n", ck->org);
		printf("  policy: domain %s, subdomains %s, non-existent "
		    "subdomains %s\n", dmarc_policy_name(applied_policy(ck)),
		    o != NULL ? dmarc_policy_name(dmarc_record_sp(o)) : "none",
		    o != NULL ? dmarc_policy_name(dmarc_record_np(o)) : "none");
		printf("  alignment: dkim %s, spf %s; testing: %s; psd: %c\n",
		    r->adkim == 's' ? "strict" : "relaxed",
		    r->aspf == 's' ? "strict" : "relaxed",
		    r->t ? "yes" : "no", (char)r->psd);
		printf("  fo: %s\n", fo_string(r->fo, fo, sizeof(fo)));
		if (cx->profile == DMARC_RFC7489)
			printf("  pct: %d\n", r->pct);
		print_uris("rua", r->rua, r->nrua, ck->rua_note);
		print_uris("ruf", r->ruf, r->nruf, ck->ruf_note);
	} else if (!ck->invalid && !ck->w.temperror)
		printf("  organizational domain: %s\n", ck->org);
	for (i = 0; i < ck->nmsg; i++)
		printf("  %s: %s\n", ck->msg[i].err ? "error" : "warning",
		    printable(ck->msg[i].text, strlen(ck->msg[i].text), buf,
		    sizeof(buf)));
}

/* jstr - a JSON string; bytes outside printable ASCII as \\u00XX */
static void
jstr(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* jkey - ,"key": (first: no comma) */
static void
jkey(const char *key, int first)
{
	printf("%s\"%s\":", first ? "" : ",", key);
}

/* json_walk - the steps as an array */
static void
json_walk(const struct ctx *cx, const struct check *ck)
{
	const struct dmarc_walk_step *st;
	const struct cap_entry *e;
	char q[QNAME_MAX];
	size_t i;

	jkey("walk", 0);
	putchar('[');
	for (i = 0; i < ck->w.nsteps; i++) {
		st = &ck->w.step[i];
		e = cap_find(&cx->cap, st->name);
		snprintf(q, sizeof(q), "_dmarc.%s", st->name);
		printf("%s{", i > 0 ? "," : "");
		jkey("name", 1);
		jstr(q);
		jkey("dns", 0);
		jstr(dmarc_dns_name(st->dns));
		jkey("records", 0);
		printf("%u", st->nrecords);
		jkey("txt", 0);
		printf("%zu}", e != NULL ? e->txt.n : 0);
	}
	putchar(']');
}

/* json_uris - rua or ruf as an array of {uri, note} */
static void
json_uris(const char *tag, const struct dmarc_uri *u, size_t n,
    const struct uri_note *nt)
{
	size_t i;

	jkey(tag, 0);
	putchar('[');
	for (i = 0; i < n && i < DMARC_MAXURIS; i++) {
		printf("%s{", i > 0 ? "," : "");
		jkey("uri", 1);
		jstr(u[i].raw);
		jkey("valid", 0);
		fputs(u[i].valid ? "true" : "false", stdout);
		jkey("note", 0);
		jstr(nt[i].text[0] != '\0' ? nt[i].text : NULL);
		putchar('}');
	}
	putchar(']');
}

/* json_record - the applied record's fields */
static void
json_record(const struct check *ck)
{
	const struct dmarc_record *r = ck->w.step[ck->rec_step].record;
	const struct dmarc_record *o = ck->org_rec;
	char fo[16], c[2] = { 0, 0 };

	jkey("record", 0);
	jstr(ck->rec_raw);
	jkey("record_domain", 0);
	jstr(ck->w.step[ck->rec_step].name);
	jkey("applies", 0);
	jstr(tag_name(ck->tag));
	jkey("policy", 0);
	printf("{\"domain\":\"%s\",\"subdomains\":\"%s\","
	    "\"nonexistent\":\"%s\"}", dmarc_policy_name(applied_policy(ck)),
	    o != NULL ? dmarc_policy_name(dmarc_record_sp(o)) : "none",
	    o != NULL ? dmarc_policy_name(dmarc_record_np(o)) : "none");
	c[0] = r->adkim;
	jkey("adkim", 0);
	jstr(c);
	c[0] = r->aspf;
	jkey("aspf", 0);
	jstr(c);
	c[0] = (char)r->psd;
	jkey("psd", 0);
	jstr(c);
	jkey("fo", 0);
	jstr(fo_string(r->fo, fo, sizeof(fo)));
	jkey("testing", 0);
	fputs(r->t ? "true" : "false", stdout);
	jkey("pct", 0);
	printf("%d", r->pct);
	json_uris("rua", r->rua, r->nrua, ck->rua_note);
	json_uris("ruf", r->ruf, r->nruf, ck->ruf_note);
}

/* json_msgs - warnings (err 0) or errors (err 1) as an array */
static void
json_msgs(const struct check *ck, int err)
{
	size_t i;
	int n = 0;

	jkey(err ? "errors" : "warnings", 0);
	putchar('[');
	for (i = 0; i < ck->nmsg; i++)
		if (ck->msg[i].err == err) {
			if (n++ > 0)
				putchar(',');
			jstr(ck->msg[i].text);
		}
	putchar(']');
}

/* print_json - the report for one domain, as one JSON object */
static void
print_json(const struct ctx *cx, const struct check *ck)
{
	putchar('{');
	jkey("input", 1);
	jstr(ck->arg);
	jkey("domain", 0);
	jstr(ck->invalid ? NULL : ck->domain);
	jkey("profile", 0);
	jstr(cx->profile == DMARC_RFC7489 ? "rfc7489" : "rfc9989");
	jkey("discovery", 0);
	jstr(cx->profile == DMARC_RFC7489 ? "psl" : "treewalk");
	json_walk(cx, ck);
	jkey("org_domain", 0);
	jstr(ck->invalid ? NULL : ck->org);
	if (ck->rec_step >= 0)
		json_record(ck);
	else {
		jkey("record", 0);
		fputs("null", stdout);
	}
	json_msgs(ck, 0);
	json_msgs(ck, 1);
	jkey("status", 0);
	printf("%d}", check_status(ck));
}

/* setup - configuration, resolver and PSL; exits 2 on failure */
static void
setup(struct ctx *cx, const char *conffile, const char *zonefile,
    const char *const *ns, size_t nns)
{
	struct resolver_opts ro;
	struct conf *c;
	const char *v;
	char err[512];

	if ((c = conf_load(conffile, CONF_TOOLS, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dmarc-check: %s\n", err);
		exit(EX_ERR);
	}
	memset(&ro, 0, sizeof(ro));
	ro.zonefile = zonefile != NULL ? zonefile : conf_str(c, C_TESTDNSDATA);
	ro.nameservers = conf_list(c, C_NAMESERVERS, &ro.nnameservers);
	if (nns > 0) {
		ro.nameservers = ns;
		ro.nnameservers = nns;
	}
	ro.timeout_ms = (unsigned)conf_int(c, C_DNSTIMEOUT) * 1000;
	if ((v = conf_str(c, C_DMARCSTANDARD)) != NULL &&
	    strcasecmp(v, "rfc7489") == 0)
		cx->profile = DMARC_RFC7489;
	if ((cx->res = resolver_new(&ro, err, sizeof(err))) == NULL ||
	    (cx->psl = psl_od_new(conf_str(c, C_PUBLICSUFFIXLIST), err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "dmarc-check: %s\n", err);
		exit(EX_ERR);
	}
	conf_free(c);
	cx->cap.r = cx->res;
	cx->capres.txt = cap_txt;
	cx->capres.exists = cap_exists;
	cx->capres.arg = &cx->cap;
	resolver_dmarc(cx->res, &cx->plain);
}

/* main - options, then one report per domain */
int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	const char *conffile = NULL, *zonefile = NULL, *ns[MAXNS];
	struct ctx cx;
	struct check *ck;
	size_t nns = 0;
	int ch, i, st, worst = EX_OK_, seven = 0;

	memset(&cx, 0, sizeof(cx));
	log_init("dmarc-check", 1, 0, 0);
	while ((ch = getopt_long(argc, argv, "7c:s:Z:", lopts, NULL)) != -1) {
		switch (ch) {
		case '7':
			seven = 1;
			break;
		case 'c':
			conffile = optarg;
			break;
		case 'j':
			cx.json = 1;
			break;
		case 's':
			if (nns >= MAXNS)
				usage();
			ns[nns++] = optarg;
			break;
		case 'Z':
			zonefile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	setup(&cx, conffile, zonefile, ns, nns);
	if (seven)
		cx.profile = DMARC_RFC7489;
	ck = xmalloc(sizeof(*ck));
	if (cx.json)
		putchar('[');
	for (i = optind; i < argc; i++) {
		check_domain(&cx, argv[i], ck);
		if (cx.json) {
			if (i > optind)
				putchar(',');
			print_json(&cx, ck);
		} else
			print_human(&cx, ck);
		if ((st = check_status(ck)) > worst)
			worst = st;
		check_free(ck);
	}
	if (cx.json)
		puts("]");
	free(ck);
	cap_reset(&cx.cap);
	resolver_free(cx.res);
	psl_od_free(cx.psl);
	return fflush(stdout) == 0 ? worst : EX_ERR;
}
