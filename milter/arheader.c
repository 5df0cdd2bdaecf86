/*
 * arheader.c -- the Authentication-Results field dmarcd adds
 *
 * SYNOPSIS
 *	char *ar_authservid(const struct dmarcd_cfg *c, const struct msg *m);
 *	char *ar_dmarc_header(const char *authservid,
 *	    const struct dmarc_eval *ev, const unsigned *applied,
 *	    const struct dmarc_spf_result *self_spf,
 *	    const struct dmarc_authinfo *ai);
 *
 * DESCRIPTION
 *	Builds an RFC 8601 value, one resinfo per author domain evaluated:
 *
 *	  mx.example.net; dmarc=fail (p=reject sp=quarantine dis=quarantine)
 *	      header.from=example.com policy.dmarc=reject
 *
 *	The comment carries the published p (and sp/np when published) and
 *	the disposition actually applied; policy.dmarc (RFC 9989 9.1) the
 *	policy that applies after t=.  With SPFSelfValidate our own SPF
 *	result comes first as "spf=<result> smtp.mailfrom=<domain>"
 *	(smtp.helo for the null sender), with RFC 8601 result words only.
 *	With DKIMVerify each of our DKIM results follows as
 *	"dkim=<result> header.d=<d> header.s=<s> header.b=<prefix>"
 *	(RFC 8601 2.7.1, RFC 6008; a value that is not an RFC 2045 token,
 *	as a b= prefix with '/' or '+' often is, is quoted).  Resinfos are
 *	separated by ";" and a folding line break.
 *	A message without a record gets no misleading "(p=none)" comment
 *	(OpenDMARC wrote one).  The authserv-id
 *	is quoted when it is not an RFC 2045 token, as "id/jobid" with
 *	AuthservIDWithJobID always is (OpenDMARC 1.4.2 wrote it unquoted).
 */
#include <stdlib.h>
#include <string.h>

#include "dmarcd.h"
#include "xmalloc.h"

/* is_token - RFC 2045 token: no CTL, SPACE or tspecials */
static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?=", *s) != NULL)
			return 0;
	return 1;
}

/* quote - "s" with quoted-pairs for '"' and '\' */
static char *
quote(const char *s)
{
	size_t i, n = 0, len = strlen(s);
	char *q = xmalloc(2 * len + 3);

	q[n++] = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			q[n++] = '\\';
		q[n++] = s[i];
	}
	q[n++] = '"';
	q[n] = '\0';
	return q;
}

/* ar_authservid - our authserv-id as it goes into the header */
char *
ar_authservid(const struct dmarcd_cfg *c, const struct msg *m)
{
	const char *id = c->authservid != NULL ? c->authservid :
	    (m->mta_host != NULL && *m->mta_host != '\0') ? m->mta_host :
	    c->hostname;
	char buf[1024];

	if (cfg_bool(c, C_AUTHSERVIDWITHJOBID) && m->jobid != NULL &&
	    *m->jobid != '\0') {
		snprintf(buf, sizeof(buf), "%s/%s", id, m->jobid);
		return quote(buf);
	}
	return is_token(id) ? xstrdup(id) : quote(id);
}

/* applied_word - disposition keyword for the dis= comment */
static const char *
applied_word(unsigned applied)
{
	return dmarc_disposition_name((enum dmarc_disposition)applied);
}

/* add_resinfo - "dmarc=<res> (comment) header.from=<d> policy.dmarc=<p>" */
static void
add_resinfo(char *buf, size_t size, const struct dmarc_verdict *v,
    unsigned applied)
{
	const struct dmarc_record *r = v->record;
	size_t n = strlen(buf);

	n += snprintf(buf + n, size - n, "dmarc=%s", dmarc_result_name(v->result));
	if (n < size && r != NULL && (v->result == DMARC_RESULT_PASS ||
	    v->result == DMARC_RESULT_FAIL)) {
		n += snprintf(buf + n, size - n, " (p=%s",
		    dmarc_policy_name(dmarc_record_p(r)));
		if (n < size && r->sp != DMARC_P_UNSET)
			n += snprintf(buf + n, size - n, " sp=%s",
			    dmarc_policy_name(r->sp));
		if (n < size && r->np != DMARC_P_UNSET &&
		    r->profile == DMARC_RFC9989)
			n += snprintf(buf + n, size - n, " np=%s",
			    dmarc_policy_name(r->np));
		if (n < size)
			n += snprintf(buf + n, size - n, " dis=%s)",
			    applied == DMARC_DIS_PASS ? "none" :
			    applied_word(applied));
	} else if (n < size && v->result == DMARC_RESULT_TEMPERROR &&
	    v->dns_error_name[0] != '\0') {
		n += snprintf(buf + n, size - n, " (DNS %s for %s)",
		    dmarc_dns_name(v->dns_error), v->dns_error_name);
	} else if (n < size && v->author[0] == '\0') {
		n += snprintf(buf + n, size - n, " (no usable From domain)");
	}
	if (n < size && v->author[0] != '\0')
		n += snprintf(buf + n, size - n, " header.from=%s", v->author);
	if (n < size && r != NULL && (v->result == DMARC_RESULT_PASS ||
	    v->result == DMARC_RESULT_FAIL)) {
		enum dmarc_policy p = v->policy;

		if (r->t && r->profile == DMARC_RFC9989)
			p = p == DMARC_P_REJECT ? DMARC_P_QUARANTINE :
			    DMARC_P_NONE;
		snprintf(buf + n, size - n, " policy.dmarc=%s",
		    dmarc_policy_name(p));
	}
}

/* next_resinfo - " " before the first resinfo, ";" + fold before others */
static void
next_resinfo(char *buf, size_t size, unsigned *count)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s", (*count)++ == 0 ? " " : ";\n\t");
}

/* add_prop - " ptype.property=value", the value quoted unless a token */
static void
add_prop(char *buf, size_t size, const char *prop, const char *value)
{
	size_t n = strlen(buf);
	char *q = is_token(value) ? xstrdup(value) : quote(value);

	snprintf(buf + n, size - n, " %s=%s", prop, q);
	free(q);
}

/* add_dkim - one resinfo per DKIM result of our own */
static void
add_dkim(char *buf, size_t size, const struct dmarc_authinfo *ai,
    unsigned *count)
{
	const struct dmarc_dkim_result *d;
	size_t i, n;

	for (i = 0; ai != NULL && i < ai->ndkim; i++) {
		d = &ai->dkim[i];
		if (d->source != DMARC_SRC_SELF)
			continue;
		next_resinfo(buf, size, count);
		n = strlen(buf);
		snprintf(buf + n, size - n, "dkim=%s",
		    dmarc_ares_name(d->result));
		add_prop(buf, size, "header.d", d->domain);
		if (d->selector[0] != '\0')
			add_prop(buf, size, "header.s", d->selector);
		if (d->bprefix[0] != '\0')
			add_prop(buf, size, "header.b", d->bprefix);
	}
}

/* ar_dmarc_header - the whole value; applied[i] is verdict i's disposition */
char *
ar_dmarc_header(const char *authservid, const struct dmarc_eval *ev,
    const unsigned *applied, const struct dmarc_spf_result *self_spf,
    const struct dmarc_authinfo *ai)
{
	char buf[8192];
	size_t i, n;
	unsigned count = 0;

	snprintf(buf, sizeof(buf), "%s;", authservid);
	if (self_spf != NULL) {
		next_resinfo(buf, sizeof(buf), &count);
		n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "spf=%s", dmarc_ares_name(
		    self_spf->result));
		n = strlen(buf);
		if (self_spf->domain[0] != '\0')
			snprintf(buf + n, sizeof(buf) - n, " smtp.%s=%s",
			    self_spf->scope == DMARC_SCOPE_HELO ? "helo" :
			    "mailfrom", self_spf->domain);
	}
	add_dkim(buf, sizeof(buf), ai, &count);
	for (i = 0; i < ev->n; i++) {
		next_resinfo(buf, sizeof(buf), &count);
		add_resinfo(buf, sizeof(buf), &ev->v[i], applied[i]);
	}
	return xstrdup(buf);
}
