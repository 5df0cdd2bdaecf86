/*
 * trust.c -- turn upstream Authentication-Results and Received-SPF fields
 *	into authentication facts
 *
 * SYNOPSIS
 *	void dmarc_authinfo_init(struct dmarc_authinfo *ai);
 *	void dmarc_authinfo_clear(struct dmarc_authinfo *ai);
 *	int dmarc_authinfo_add_authres(struct dmarc_authinfo *ai,
 *	    const struct dmarc_trust *trust, const struct dmarc_authres *ar,
 *	    const char *envfrom_domain);
 *	int dmarc_authinfo_add_rspf(struct dmarc_authinfo *ai,
 *	    const struct dmarc_trust *trust, const struct dmarc_rspf *rs,
 *	    const char *envfrom_domain);
 *
 * DESCRIPTION
 *	Callers must call dmarc_authinfo_init() on new memory (or
 *	dmarc_authinfo_clear() on zeroed memory) before first use, and
 *	dmarc_authinfo_clear() between messages: it is the canonical empty
 *	state, SPF UNDEFINED with scope UNKNOWN.  Neither touches the 34 KB
 *	of dkim[] slots: only dkim[0..ndkim) is defined.  Feed A-R fields
 *	top-down (the topmost trusted field is the one our infrastructure
 *	added last, R-04), then the first Received-SPF field.
 *
 *	Trust: a field counts only when its authserv-id equals one of
 *	trust->authserv_ids, ignoring ASCII case.  When trust->jobid is set,
 *	"id/jobid" is accepted too, the jobid compared exactly.  A field
 *	without authserv-id (Office 365) is never trusted.
 *
 *	DKIM (D-34): every dkim result, whatever its code, with header.d (or
 *	else the domain of header.i) is kept, with header.s when it is a
 *	plain selector and the first 15 base64 characters of header.b.
 *
 *	SPF (R-05, D-35; skipped under trust->ignore_spf): ai->spf_seen keeps
 *	the first raw code seen (or the credited one).  A result is credited
 *	to ai->spf, keeping its real code, only when smtp.mailfrom ("u@dom",
 *	"@dom" or "dom") names envfrom_domain; for the null sender
 *	(envfrom_domain "") a result with smtp.helo is credited with scope
 *	HELO instead.  A HELO-only result never counts for a non-null sender
 *	(CVE-2019-20790).  The first credited result wins.  envfrom_domain
 *	NULL (unknown) credits nothing.  An unknown result keyword is
 *	credited as permerror, never as pass.
 *
 *	Every domain passes dmarc_domain_normalize() or the item is dropped
 *	(CVE-2020-12272); the parser already refuses values glued to a
 *	comment.
 *
 *	ARC: a trusted arc=pass increments ai->arc_pass and its arc.chain is
 *	kept (first one); consumers treat a count other than 1 as fail
 *	(OpenDMARC semantics).
 *
 * DIAGNOSTICS
 *	DMARC_OK when the field was used; DMARC_ENOTFOUND when it was
 *	ignored (untrusted; Received-SPF when SPF is known or ignored);
 *	DMARC_EINVAL for NULL arguments; DMARC_ENOMEM.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* dmarc_authinfo_init - uninitialized memory to empty, dkim[] untouched */
void
dmarc_authinfo_init(struct dmarc_authinfo *ai)
{
	ai->arc_chain = NULL;
	dmarc_authinfo_clear(ai);
}

/*
 * dmarc_authinfo_clear - free and reset to the canonical empty state.
 * The dkim[] slots are not cleared (34 KB; a reused ai is reset per
 * message): only dkim[0..ndkim) is defined, and add_dkim() fills a slot
 * whole before counting it.
 */
void
dmarc_authinfo_clear(struct dmarc_authinfo *ai)
{
	if (ai == NULL)
		return;
	free(ai->arc_chain);
	ai->arc_chain = NULL;
	ai->ndkim = 0;
	ai->arc_pass = 0;
	ai->ntrusted = 0;
	ai->nuntrusted = 0;
	memset(&ai->spf, 0, sizeof(ai->spf));
	ai->spf.result = DMARC_ARES_UNDEFINED;
	ai->spf.scope = DMARC_SCOPE_UNKNOWN;
	ai->spf_seen = DMARC_ARES_UNDEFINED;
}

/* id_trusted - authserv-id (maybe "id/jobid") is on the trust list */
static int
id_trusted(const struct dmarc_trust *trust, const char *id)
{
	const char *slash;
	size_t i, idlen;

	if (id == NULL || *id == '\0' || trust->authserv_ids == NULL)
		return 0;
	slash = strchr(id, '/');
	idlen = slash != NULL ? (size_t)(slash - id) : strlen(id);
	for (i = 0; i < trust->nauthserv_ids; i++) {
		const char *t = trust->authserv_ids[i];

		if (t == NULL || *t == '\0')
			continue;
		if (dm_strcaseeq(id, t))
			return 1;
		if (slash != NULL && trust->jobid != NULL && idlen > 0 &&
		    dm_strncaseeq(id, idlen, t) &&
		    strcmp(slash + 1, trust->jobid) == 0)
			return 1;
	}
	return 0;
}

/*
 * addr_domain - normalized domain of "user@dom", "@dom", "dom" or the
 * same inside <>; the domain is what follows the last '@'.
 */
static int
addr_domain(const char *v, char *out)
{
	const char *at;
	size_t len;

	out[0] = '\0';
	if (v == NULL)
		return DMARC_EDOMAIN;
	len = strlen(v);
	if (len >= 2 && v[0] == '<' && v[len - 1] == '>') {
		v++;
		len -= 2;
	}
	for (at = v + len; at > v && at[-1] != '@'; at--)
		continue;
	len -= (size_t)(at - v);
	v = at;
	if (dmarc_domain_normalize(v, len, out, DMARC_MAXDOMAIN + 1) !=
	    DMARC_OK) {
		out[0] = '\0';
		return DMARC_EDOMAIN;
	}
	return DMARC_OK;
}

/* copy_checked - copy s into out when every octet is in allowed, else "" */
static void
copy_checked(char *out, size_t outlen, const char *s, size_t max,
    int (*allowed)(int))
{
	size_t i;

	out[0] = '\0';
	if (s == NULL)
		return;
	for (i = 0; i < max && s[i] != '\0'; i++)
		if (!allowed((unsigned char)s[i]))
			return;
	if (i >= outlen)
		return;
	memcpy(out, s, i);
	out[i] = '\0';
}

/* is_selchar - characters of a DKIM selector we pass on */
static int
is_selchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* is_b64char - base64 alphabet */
static int
is_b64char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* add_dkim - keep one dkim= result; dropped without a valid domain */
static void
add_dkim(struct dmarc_authinfo *ai, const struct dmarc_ar_result *r)
{
	struct dmarc_dkim_result *d;
	const char *v, *sel;
	char dom[DMARC_MAXDOMAIN + 1];

	if (ai->ndkim >= DMARC_MAXDKIM)
		return;
	if ((v = dmarc_authres_prop(r, "header", "d")) != NULL) {
		if (dmarc_domain_normalize(v, strlen(v), dom, sizeof(dom)) !=
		    DMARC_OK)
			return;
	} else if ((v = dmarc_authres_prop(r, "header", "i")) != NULL) {
		if (strchr(v, '@') == NULL || addr_domain(v, dom) != DMARC_OK)
			return;
	} else
		return;
	d = &ai->dkim[ai->ndkim++];
	memset(d, 0, sizeof(*d));
	memcpy(d->domain, dom, sizeof(d->domain));
	sel = dmarc_authres_prop(r, "header", "s");
	if (sel != NULL && strlen(sel) < sizeof(d->selector))
		copy_checked(d->selector, sizeof(d->selector), sel,
		    sizeof(d->selector), is_selchar);
	copy_checked(d->bprefix, sizeof(d->bprefix),
	    dmarc_authres_prop(r, "header", "b"), sizeof(d->bprefix) - 1,
	    is_b64char);
	d->result = r->code;
	d->source = DMARC_SRC_AUTHRES;
}

/* spf_code - SPF result codes kept as they are; anything else permerror */
static enum dmarc_ares
spf_code(enum dmarc_ares code)
{
	switch (code) {
	case DMARC_ARES_PASS:
	case DMARC_ARES_FAIL:
	case DMARC_ARES_SOFTFAIL:
	case DMARC_ARES_NEUTRAL:
	case DMARC_ARES_NONE:
	case DMARC_ARES_TEMPERROR:
	case DMARC_ARES_PERMERROR:
	case DMARC_ARES_POLICY:
		return code;
	default:
		return DMARC_ARES_PERMERROR;
	}
}

/* set_spf - credit an SPF result */
static void
set_spf(struct dmarc_authinfo *ai, enum dmarc_ares code,
    enum dmarc_spf_scope scope, const char *domain, enum dmarc_source src)
{
	ai->spf.result = spf_code(code);
	ai->spf.scope = scope;
	dm_strlcpy(ai->spf.domain, domain, sizeof(ai->spf.domain));
	ai->spf.source = src;
	ai->spf_seen = ai->spf.result;
}

/*
 * envfrom_norm - normalized envelope domain into out: 1 for a usable
 * domain, 0 for the null sender (""), -1 when unknown or invalid.
 */
static int
envfrom_norm(const char *envfrom, char *out)
{
	out[0] = '\0';
	if (envfrom == NULL)
		return -1;
	if (*envfrom == '\0')
		return 0;
	if (dmarc_domain_normalize(envfrom, strlen(envfrom), out,
	    DMARC_MAXDOMAIN + 1) != DMARC_OK) {
		out[0] = '\0';
		return -1;
	}
	return 1;
}

/* add_spf - one spf= result of a trusted field */
static void
add_spf(struct dmarc_authinfo *ai, const struct dmarc_ar_result *r,
    const char *envfrom)
{
	char env[DMARC_MAXDOMAIN + 1], dom[DMARC_MAXDOMAIN + 1];
	const char *v;
	int kind;

	if (ai->spf_seen == DMARC_ARES_UNDEFINED)
		ai->spf_seen = spf_code(r->code);
	if (ai->spf.result != DMARC_ARES_UNDEFINED)
		return;
	kind = envfrom_norm(envfrom, env);
	if (kind > 0) {
		v = dmarc_authres_prop(r, "smtp", "mailfrom");
		if (v != NULL && addr_domain(v, dom) == DMARC_OK &&
		    strcmp(dom, env) == 0)
			set_spf(ai, r->code, DMARC_SCOPE_MFROM, env,
			    DMARC_SRC_AUTHRES);
	} else if (kind == 0) {
		v = dmarc_authres_prop(r, "smtp", "helo");
		if (v != NULL && dmarc_domain_normalize(v, strlen(v), dom,
		    sizeof(dom)) == DMARC_OK)
			set_spf(ai, r->code, DMARC_SCOPE_HELO, dom,
			    DMARC_SRC_AUTHRES);
	}
}

/* add_arc - a trusted arc=pass and its arc.chain */
static int
add_arc(struct dmarc_authinfo *ai, const struct dmarc_ar_result *r)
{
	const char *chain;

	if (r->code != DMARC_ARES_PASS)
		return DMARC_OK;
	ai->arc_pass++;
	chain = dmarc_authres_prop(r, "arc", "chain");
	if (chain != NULL && ai->arc_chain == NULL &&
	    (ai->arc_chain = dm_strndup(chain, strlen(chain))) == NULL)
		return DMARC_ENOMEM;
	return DMARC_OK;
}

/* dmarc_authinfo_add_authres - see the file header */
int
dmarc_authinfo_add_authres(struct dmarc_authinfo *ai,
    const struct dmarc_trust *trust, const struct dmarc_authres *ar,
    const char *envfrom_domain)
{
	size_t i;
	int rc = DMARC_OK;

	if (ai == NULL || trust == NULL || ar == NULL)
		return DMARC_EINVAL;
	if (!id_trusted(trust, ar->authserv_id)) {
		ai->nuntrusted++;
		return DMARC_ENOTFOUND;
	}
	ai->ntrusted++;
	for (i = 0; i < ar->nresults; i++) {
		const struct dmarc_ar_result *r = &ar->results[i];

		if (r->method == NULL)
			continue;
		if (strcmp(r->method, "dkim") == 0)
			add_dkim(ai, r);
		else if (strcmp(r->method, "spf") == 0 && !trust->ignore_spf)
			add_spf(ai, r, envfrom_domain);
		else if (strcmp(r->method, "arc") == 0 &&
		    add_arc(ai, r) != DMARC_OK)
			rc = DMARC_ENOMEM;
	}
	return rc;
}

/*
 * rspf_match - the Received-SPF field names the envelope sender
 * (identity=mailfrom), or for the null sender the HELO (identity=helo).
 * dom receives the identity to record: the HELO domain when that
 * matched, else the envelope domain ("" when null or unknown).
 */
static int
rspf_match(const struct dmarc_rspf *rs, const char *envfrom, char *dom,
    enum dmarc_spf_scope *scope)
{
	char efd[DMARC_MAXDOMAIN + 1];
	int kind;

	kind = envfrom_norm(envfrom, dom);
	*scope = DMARC_SCOPE_MFROM;
	if (rs->identity == NULL)
		return 0;
	if (kind > 0 && dm_strcaseeq(rs->identity, "mailfrom"))
		return rs->envelope_from != NULL &&
		    addr_domain(rs->envelope_from, efd) == DMARC_OK &&
		    strcmp(efd, dom) == 0;
	if (kind == 0 && dm_strcaseeq(rs->identity, "helo") &&
	    rs->helo != NULL && dmarc_domain_normalize(rs->helo,
	    strlen(rs->helo), efd, sizeof(efd)) == DMARC_OK) {
		memcpy(dom, efd, sizeof(efd));
		*scope = DMARC_SCOPE_HELO;
		return 1;
	}
	return 0;
}

/* dmarc_authinfo_add_rspf - see the file header (compat 6.2 step 8) */
int
dmarc_authinfo_add_rspf(struct dmarc_authinfo *ai,
    const struct dmarc_trust *trust, const struct dmarc_rspf *rs,
    const char *envfrom_domain)
{
	char dom[DMARC_MAXDOMAIN + 1];
	enum dmarc_spf_scope scope;

	if (ai == NULL || trust == NULL || rs == NULL)
		return DMARC_EINVAL;
	if (trust->ignore_spf || ai->spf.result != DMARC_ARES_UNDEFINED)
		return DMARC_ENOTFOUND;
	if (rspf_match(rs, envfrom_domain, dom, &scope))
		set_spf(ai, rs->result, scope, dom, DMARC_SRC_RSPF);
	else
		set_spf(ai, DMARC_ARES_NEUTRAL, DMARC_SCOPE_MFROM, dom,
		    DMARC_SRC_RSPF);
	ai->spf_seen = spf_code(rs->result);	/* the raw code */
	return DMARC_OK;
}
