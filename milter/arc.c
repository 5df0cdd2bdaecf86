/*
 * arc.c -- ARC facts of a message and the trusted-sealer override
 *
 * SYNOPSIS
 *	void arc_collect(const struct dmarcd_cfg *c, const struct msg *m,
 *	    const struct dmarc_authinfo *ai, struct arcview *av);
 *	char **arc_whitelist_load(const struct conf *cf, size_t *n, char *err,
 *	    size_t errlen);
 *
 * DESCRIPTION
 *	OpenDMARC's model, done right (RFC 8617 7.2.1, C-01..C-03): dmarcd
 *	does no ARC cryptography.  A trusted Authentication-Results field
 *	must say arc=pass exactly once; the sealers are the domains of its
 *	arc.chain property (OpenARC) or, without one, the d= of every
 *	ARC-Seal field.  When every sealer is in DomainWhitelist or
 *	DomainWhitelistFile, a reject or quarantine may be overridden: the
 *	DMARC result stays fail, the disposition becomes none, and the
 *	reason is local_policy.  The seals (i, d, s) and the client address
 *	from the ARC-Authentication-Results field of the same instance
 *	(smtp.remote-ip, or OpenDMARC's smtp.client-ip) go to the history
 *	record's arc_policy JSON.  A malformed ARC field is skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarcd.h"
#include "xmalloc.h"

/* in_whitelist - domain listed (exact, case-insensitive) */
static int
in_whitelist(const struct dmarcd_cfg *c, const char *d, size_t len)
{
	size_t i;

	for (i = 0; i < c->narcwl; i++)
		if (strlen(c->arcwl[i]) == len && strncasecmp(c->arcwl[i], d,
		    len) == 0)
			return 1;
	return 0;
}

/* chain_trusted - every sealer of the chain is whitelisted */
static int
chain_trusted(const struct dmarcd_cfg *c, const struct dmarc_authinfo *ai,
    const struct arcview *av)
{
	const char *p, *colon;
	size_t i, n = 0;

	if (c->narcwl == 0 || ai->arc_pass != 1)
		return 0;
	if (ai->arc_chain != NULL) {
		for (p = ai->arc_chain; *p != '\0'; p = colon + 1, n++) {
			colon = strchr(p, ':');
			if (colon == NULL)
				colon = p + strlen(p);
			if (!in_whitelist(c, p, (size_t)(colon - p)))
				return 0;
			if (*colon == '\0')
				return colon > p || n > 0;
		}
		return 0;		/* empty, or ends with ':' */
	}
	for (i = 0; i < av->nseal; i++)
		if (!in_whitelist(c, av->seal[i].domain,
		    strlen(av->seal[i].domain)))
			return 0;
	return av->nseal > 0;
}

/* aar_ip - client address in one ARC-Authentication-Results value */
static void
aar_ip(struct arcview *av, const struct hdr *h)
{
	struct dmarc_authres *ar;
	size_t rest, i, k;
	const char *ip;
	int inst;

	if ((inst = dmarc_arc_instance(h->value, h->vlen, &rest)) < 0)
		return;
	av->naar++;
	if (dmarc_authres_parse(h->value + rest, h->vlen - rest, &ar) !=
	    DMARC_OK)
		return;
	for (i = 0; i < ar->nresults; i++) {
		if (strcmp(ar->results[i].method, "arc") != 0)
			continue;
		if ((ip = dmarc_authres_prop(&ar->results[i], "smtp",
		    "remote-ip")) == NULL)
			ip = dmarc_authres_prop(&ar->results[i], "smtp",
			    "client-ip");
		for (k = 0; ip != NULL && k < av->nseal; k++)
			if (av->seal[k].instance == inst &&
			    strspn(ip, "0123456789abcdefABCDEF.:") == strlen(ip))
				snprintf(av->ip[k], sizeof(av->ip[k]), "%s", ip);
	}
	dmarc_authres_free(ar);
}

/* arc_collect - see the file header */
void
arc_collect(const struct dmarcd_cfg *c, const struct msg *m,
    const struct dmarc_authinfo *ai, struct arcview *av)
{
	size_t i;

	/* no memset of the 20 KB: only seal[0..nseal) and ip[0..nseal)
	   are read, and each is set here */
	av->nseal = 0;
	av->naar = 0;
	av->override = 0;
	for (i = 0; i < m->nhdrs && av->nseal < DMARCD_MAXARC; i++)
		if (strcasecmp(m->hdrs[i].name, "ARC-Seal") == 0 &&
		    dmarc_arcseal_parse(m->hdrs[i].value, m->hdrs[i].vlen,
		    &av->seal[av->nseal]) == DMARC_OK)
			av->ip[av->nseal++][0] = '\0';
	for (i = 0; i < m->nhdrs; i++)
		if (strcasecmp(m->hdrs[i].name,
		    "ARC-Authentication-Results") == 0)
			aar_ip(av, &m->hdrs[i]);
	av->override = chain_trusted(c, ai, av);
}

/* add_domain - one normalized whitelist entry */
static void
add_domain(char ***wl, size_t *n, const char *d, size_t len)
{
	char norm[DMARC_MAXDOMAIN + 1];

	if (dmarc_domain_normalize(d, len, norm, sizeof(norm)) != DMARC_OK)
		return;
	*wl = xreallocarray(*wl, *n + 1, sizeof(**wl));
	(*wl)[(*n)++] = xstrdup(norm);
}

/* arc_whitelist_load - DomainWhitelist plus DomainWhitelistFile */
char **
arc_whitelist_load(const struct conf *cf, size_t *n, char *err, size_t errlen)
{
	const char *const *l = conf_list(cf, C_DOMAINWHITELIST, n);
	const char *path = conf_str(cf, C_DOMAINWHITELISTFILE);
	char **wl = NULL, line[1024];
	size_t i, cnt = *n;
	FILE *fp;

	*n = 0;
	for (i = 0; i < cnt; i++)
		add_domain(&wl, n, l[i], strlen(l[i]));
	if (path == NULL)
		return wl != NULL ? wl : xcalloc(1, sizeof(*wl));
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "DomainWhitelistFile %s: %s", path,
		    strerror(errno));
		for (i = 0; i < *n; i++)
			free(wl[i]);
		free(wl);
		return NULL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *e;

		if ((e = strchr(p, '#')) != NULL)
			*e = '\0';
		p += strspn(p, " \t\r\n");
		e = p + strcspn(p, " \t\r\n");
		if (e > p)
			add_domain(&wl, n, p, (size_t)(e - p));
	}
	fclose(fp);
	return wl != NULL ? wl : xcalloc(1, sizeof(*wl));
}
