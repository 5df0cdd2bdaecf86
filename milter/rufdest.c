/*
 * rufdest.c -- failure-report destinations: mailto:, external
 * verification, SPF-DNS
 *
 * DESCRIPTION
 *	ruf_mailto() takes the address out of a mailto: URI (percent
 *	decoding, "?hfields" dropped) with its domain normalized.
 *
 *	The NoReportsList is read and matched by common/noreports.c, the
 *	same reader dmarc-reports uses.
 *
 *	ruf_verify() runs in the worker (it does DNS): a destination whose
 *	host is the policy domain's organizational domain or below it is
 *	internal; any other needs a DMARC1 record at
 *	<policy-domain>._report._dmarc.<host> (RFC 9991 section 5, D-47).
 *	Without one, or when the lookup fails, it is dropped and logged.  A
 *	ruf= tag in that record replaces the address; if a replacement
 *	names another host, neither is used.  The organizational domain
 *	comes from the evaluation (tree walk or PSL), so a subdomain of it
 *	never needs the check (the conservative rule of the checklist, Q7).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarcd.h"
#include "hexval.h"
#include "log.h"
#include "ruf.h"
#include "xmalloc.h"

#define SPF_DNS_MAX	1024


/* ruf_mailto - see ruf.h */
char *
ruf_mailto(const char *uri)
{
	char addr[512], dom[DMARC_MAXDOMAIN + 1], *at;
	size_t n = 0;
	int h, l;

	if (strncasecmp(uri, "mailto:", 7) != 0)
		return NULL;
	for (uri += 7; *uri != '\0' && *uri != '?' && n + 1 < sizeof(addr);
	    uri++) {
		if (*uri == '%' && (h = hexval((unsigned char)uri[1])) >= 0 &&
		    (l = hexval((unsigned char)uri[2])) >= 0) {
			addr[n++] = (char)(h * 16 + l);
			uri += 2;
		} else
			addr[n++] = *uri;
	}
	addr[n] = '\0';
	if ((at = strrchr(addr, '@')) == NULL || at == addr ||
	    strpbrk(addr, " \t\r\n<>,\"") != NULL ||
	    dmarc_domain_normalize(at + 1, strlen(at + 1), dom,
	    sizeof(dom)) != DMARC_OK)
		return NULL;
	*at = '\0';
	n = strlen(addr) + strlen(dom) + 2;
	at = xmalloc(n);
	snprintf(at, n, "%s@%s", addr, dom);
	return at;
}

/* below - host is domain or a subdomain of it */
static int
below(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (d == 0)
		return 0;
	return strcasecmp(host, domain) == 0 || (h > d &&
	    host[h - d - 1] == '.' && strcasecmp(host + h - d, domain) == 0);
}

/* host_of - the domain of an address (borrowed) */
static const char *
host_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

/* replacements - ruf= of an authorizing record: 0 none, -1 other host */
static int
replacements(const struct dmarc_record *rec, const char *host, char ***v,
    size_t *n)
{
	char *a;
	size_t i;
	int bad = 0;

	for (i = 0; i < rec->nruf; i++) {
		if (!rec->ruf[i].valid ||
		    (a = ruf_mailto(rec->ruf[i].uri)) == NULL)
			continue;
		if (strcasecmp(host_of(a), host) != 0)
			bad = 1;
		else {
			*v = xreallocarray(*v, *n + 1, sizeof(**v));
			(*v)[(*n)++] = a;
			a = NULL;
		}
		free(a);
	}
	return bad ? -1 : 0;
}

/* lookup - the authorizing record for host; <0 refused, 0 ok */
static int
lookup(const struct ruf_job *j, const char *host, char ***repl, size_t *nrepl)
{
	const struct dmarcd_cfg *c = j->cfg;
	struct dmarc_dns_txt txt;
	struct dmarc_record *rec;
	char name[600];
	enum dmarc_dns rc;
	size_t i;
	int found = -1;

	if ((size_t)snprintf(name, sizeof(name), "%s._report._dmarc.%s",
	    j->policy_domain, host) > DMARC_MAXDOMAIN)
		return -2;
	memset(&txt, 0, sizeof(txt));
	if ((rc = c->dres.txt(c->dres.arg, name, &txt)) != DMARC_DNS_DATA) {
		dmarc_dns_txt_clear(&txt);
		return rc == DMARC_DNS_NXDOMAIN || rc == DMARC_DNS_NODATA ?
		    -1 : -3;
	}
	for (i = 0; i < txt.n && found != 0; i++) {
		if (dmarc_record_parse(txt.rr[i], txt.len[i], c->opts.profile,
		    &rec) != DMARC_OK)
			continue;
		found = replacements(rec, host, repl, nrepl) == 0 ? 0 : -4;
		dmarc_record_free(rec);
	}
	dmarc_dns_txt_clear(&txt);
	return found;
}

/* ruf_verify - see ruf.h and the file header */
void
ruf_verify(struct ruf_job *j)
{
	static const char *const why[] = { "", "no DMARC1 record at",
	    "name too long:", "DNS lookup failed for",
	    "authorizing record names another host at" };
	char **keep = NULL, **repl;
	size_t i, k, nkeep = 0, nrepl;
	const char *host;
	int rc;

	for (i = 0; i < j->ndest; i++) {
		host = host_of(j->dest[i]);
		if (below(host, j->org_domain)) {
			keep = xreallocarray(keep, nkeep + 1, sizeof(*keep));
			keep[nkeep++] = j->dest[i];
			continue;
		}
		repl = NULL;
		nrepl = 0;
		if ((rc = lookup(j, host, &repl, &nrepl)) < 0) {
			log_info("failure report for %s: external destination "
			    "%s not authorized (%s %s._report._dmarc.%s); not "
			    "sent there", j->reported_domain, j->dest[i],
			    why[-rc], j->policy_domain, host);
			free(j->dest[i]);
		} else if (nrepl == 0) {
			keep = xreallocarray(keep, nkeep + 1, sizeof(*keep));
			keep[nkeep++] = j->dest[i];
		} else
			free(j->dest[i]);
		for (k = 0; k < nrepl; k++) {
			keep = xreallocarray(keep, nkeep + 1, sizeof(*keep));
			keep[nkeep++] = repl[k];
		}
		free(repl);
	}
	free(j->dest);
	j->dest = keep;
	j->ndest = nkeep;
}

/* spf_quote - "v=spf1 ..." as an RFC 5322 quoted-string into buf */
static void
spf_quote(const char *rr, size_t len, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[n++] = '"';
	for (i = 0; i < len && n + 4 < size; i++) {
		if (rr[i] == '"' || rr[i] == '\\')
			buf[n++] = '\\';
		buf[n++] = (unsigned char)rr[i] < 0x20 ? ' ' : rr[i];
	}
	buf[n++] = '"';
	buf[n] = '\0';
}

/* ruf_spf_dns - see ruf.h: "txt : domain : "v=spf1 ..."" */
char *
ruf_spf_dns(const struct ruf_job *j)
{
	const struct dmarcd_cfg *c = j->cfg;
	struct dmarc_dns_txt txt;
	char q[SPF_DNS_MAX], out[SPF_DNS_MAX + DMARC_MAXDOMAIN + 16];
	size_t i;
	char *res = NULL;

	if (j->spf_domain == NULL)
		return NULL;
	memset(&txt, 0, sizeof(txt));
	if (c->dres.txt(c->dres.arg, j->spf_domain, &txt) == DMARC_DNS_DATA)
		for (i = 0; i < txt.n && res == NULL; i++) {
			if (txt.len[i] < 6 ||
			    strncasecmp(txt.rr[i], "v=spf1", 6) != 0 ||
			    (txt.len[i] > 6 && txt.rr[i][6] != ' '))
				continue;
			spf_quote(txt.rr[i], txt.len[i], q, sizeof(q));
			snprintf(out, sizeof(out), "txt : %s : %s",
			    j->spf_domain, q);
			res = xstrdup(out);
		}
	dmarc_dns_txt_clear(&txt);
	return res;
}
