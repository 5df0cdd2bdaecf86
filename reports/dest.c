/*
 * dest.c -- where an aggregate report may go: rua URIs, size limits,
 * external destination verification
 *
 * SYNOPSIS
 *	n = dest_parse(repuri, &d);
 *	a = dest_verify(&dv, "example.com", d[0].addr, &repl, &max);
 *
 * DESCRIPTION
 *	dest_parse reads the comma-joined rua list the database keeps
 *	(requests.repuri, raw URIs with their "!size" suffix) through
 *	libdmarc's record parser, so URI syntax and the size suffix (D-45:
 *	powers of two, 64 bits) are decided in one place.  Only mailto: URIs
 *	carry an address; their %-escapes are decoded.
 *
 *	dest_verify is RFC 9990 section 4 / RFC 7489 7.1 (D-47): a
 *	destination host outside the policy domain's organization must
 *	publish a DMARC record at <policy-domain>._report._dmarc.<host>.
 *	The host is inside when it is the policy domain or below it, or
 *	when both have the same organizational domain by the public suffix
 *	list (Q7: the conservative rule).  A rua tag in that record replaces
 *	the address only with one on the same host; a different host sends
 *	to neither.  Answers are cached for the run.
 *
 * WHY A FILE OF ITS OWN
 *	These are the checks that keep reports from going where they must
 *	not (OpenDMARC lost its verification in a rewrite, compat 9.1).
 *	The NoReportsList reader is common/noreports.c, shared with dmarcd.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dest.h"
#include "psl.h"
#include "resolver.h"
#include "xmalloc.h"


/* hexval - value of one hex digit, -1 otherwise */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* mailto_addr - the decoded address of a mailto: URI, NULL if unusable */
static char *
mailto_addr(const char *uri)
{
	const char *p = uri + 7, *end = strchr(p, '?');
	size_t len = end != NULL ? (size_t)(end - p) : strlen(p), i, o = 0;
	char *a = xmalloc(len + 1);
	int h, l;

	for (i = 0; i < len; i++) {
		if (p[i] == '%' && i + 2 < len &&
		    (h = hexval((unsigned char)p[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)p[i + 2])) >= 0) {
			a[o++] = (char)(h * 16 + l);
			i += 2;
		} else
			a[o++] = p[i];
	}
	a[o] = '\0';
	for (i = 0; i < o; i++)
		if ((unsigned char)a[i] <= 0x20 ||
		    (unsigned char)a[i] >= 0x7f || a[i] == ',' || a[i] == '<' ||
		    a[i] == '>')
			break;
	if (i < o || strchr(a, '@') == NULL || strchr(a, '@') == a ||
	    strchr(a, '@') != strrchr(a, '@')) {
		free(a);
		return NULL;
	}
	return a;
}

/* dest_parse - the URIs of repuri into *out (caller frees with
   dest_free); returns their number */
size_t
dest_parse(const char *repuri, struct dest **out)
{
	struct dmarc_record *rec = NULL;
	char *txt;
	size_t len, i, n = 0;

	*out = NULL;
	if (repuri == NULL || *repuri == '\0')
		return 0;
	len = strlen(repuri) + 32;
	txt = xmalloc(len);
	snprintf(txt, len, "v=DMARC1; p=none; rua=%s", repuri);
	if (dmarc_record_parse(txt, strlen(txt), DMARC_RFC7489, &rec) !=
	    DMARC_OK || rec->nrua == 0) {
		free(txt);
		dmarc_record_free(rec);
		return 0;
	}
	*out = xcalloc(rec->nrua, sizeof(**out));
	for (i = 0; i < rec->nrua; i++) {
		struct dest *d = &(*out)[n++];

		d->uri = xstrdup(rec->rua[i].raw);
		d->max_size = rec->rua[i].max_size;
		if (rec->rua[i].valid && rec->rua[i].mailto)
			d->addr = mailto_addr(rec->rua[i].uri);
	}
	free(txt);
	dmarc_record_free(rec);
	return n;
}

/* dest_free - release what dest_parse made */
void
dest_free(struct dest *d, size_t n)
{
	size_t i;

	for (i = 0; d != NULL && i < n; i++) {
		free(d[i].uri);
		free(d[i].addr);
	}
	free(d);
}

/* dest_host - the normalized domain of addr into host; 0 or -1 */
int
dest_host(const char *addr, char *host, size_t len)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL || len < DMARC_MAXDOMAIN + 1)
		return -1;
	return dmarc_domain_normalize(at + 1, strlen(at + 1), host, len) ==
	    DMARC_OK ? 0 : -1;
}

/* is_under - name equals dom or is a subdomain of it */
static int
is_under(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);

	return strcasecmp(name, dom) == 0 || (n > d &&
	    name[n - d - 1] == '.' && strcasecmp(name + n - d, dom) == 0);
}

/* A cached verification answer. */
struct vcache {
	char		*pdomain, *host;
	enum dest_auth	 auth;
	char		*repl;		/* replacement address or NULL */
	uint64_t	 repl_max;
	struct vcache	*next;
};

/* same_org - host belongs to pdomain's organization */
static int
same_org(struct dest_verifier *dv, const char *pdomain, const char *host)
{
	char po[DMARC_MAXDOMAIN + 1], ho[DMARC_MAXDOMAIN + 1];

	if (is_under(host, pdomain))
		return 1;
	if (psl_od_lookup(dv->psl, pdomain, po, sizeof(po)) != DMARC_OK ||
	    psl_od_lookup(dv->psl, host, ho, sizeof(ho)) != DMARC_OK)
		return 0;
	return strcmp(po, ho) == 0;
}

/* replacement - a rua of an authorizing record: the mailto on host
   (returns 1, *repl set), none at all (0), or only other hosts (-1) */
static int
replacement(const struct dmarc_record *rec, const char *host, char **repl,
    uint64_t *max)
{
	char h[DMARC_MAXDOMAIN + 1];
	size_t i;
	char *a;

	if (rec->nrua == 0)
		return 0;
	for (i = 0; i < rec->nrua; i++) {
		if (!rec->rua[i].valid || !rec->rua[i].mailto ||
		    (a = mailto_addr(rec->rua[i].uri)) == NULL)
			continue;
		if (dest_host(a, h, sizeof(h)) == 0 && strcmp(h, host) == 0) {
			*repl = a;
			*max = rec->rua[i].max_size;
			return 1;
		}
		free(a);
	}
	return -1;
}

/* lookup - query <pdomain>._report._dmarc.<host> into c */
static void
lookup(struct dest_verifier *dv, struct vcache *c)
{
	struct dmarc_dns_txt txt;
	struct dmarc_record *rec;
	enum dmarc_dns d;
	char q[2 * DMARC_MAXDOMAIN + 32];
	size_t i;
	int r;

	c->auth = DEST_AUTH_NO;
	if ((size_t)snprintf(q, sizeof(q), "%s._report._dmarc.%s",
	    c->pdomain, c->host) > DMARC_MAXDOMAIN)
		return;
	memset(&txt, 0, sizeof(txt));
	d = resolver_txt(dv->res, q, &txt);
	if (d >= DMARC_DNS_SERVFAIL)
		c->auth = DEST_AUTH_TEMP;
	for (i = 0; d == DMARC_DNS_DATA && i < txt.n; i++) {
		rec = NULL;
		if (dmarc_record_parse(txt.rr[i], txt.len[i], dv->profile,
		    &rec) == DMARC_OK) {
			r = replacement(rec, c->host, &c->repl, &c->repl_max);
			c->auth = r >= 0 ? DEST_AUTH_OK : DEST_AUTH_NO;
			dmarc_record_free(rec);
			break;
		}
		dmarc_record_free(rec);
	}
	dmarc_dns_txt_clear(&txt);
}

/*
 * dest_verify - may a report about pdomain go to addr (D-47)?  On
 * DEST_AUTH_OK *repl receives the address to use instead (borrowed from
 * the cache, NULL: addr itself) and *max its size limit.
 */
enum dest_auth
dest_verify(struct dest_verifier *dv, const char *pdomain, const char *addr,
    const char **repl, uint64_t *max)
{
	char host[DMARC_MAXDOMAIN + 1];
	struct vcache *c;

	*repl = NULL;
	*max = 0;
	if (dest_host(addr, host, sizeof(host)) != 0)
		return DEST_AUTH_NO;
	if (same_org(dv, pdomain, host))
		return DEST_AUTH_OK;
	for (c = dv->cache; c != NULL; c = c->next)
		if (strcmp(c->pdomain, pdomain) == 0 &&
		    strcmp(c->host, host) == 0)
			break;
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->pdomain = xstrdup(pdomain);
		c->host = xstrdup(host);
		lookup(dv, c);
		if (c->auth != DEST_AUTH_TEMP) {
			c->next = dv->cache;
			dv->cache = c;
		}
	}
	*repl = c->repl;
	*max = c->repl_max;
	if (c->auth == DEST_AUTH_TEMP) {
		free(c->pdomain);
		free(c->host);
		free(c);
		return DEST_AUTH_TEMP;
	}
	return c->auth;
}

/* dest_verifier_clear - drop the cache */
void
dest_verifier_clear(struct dest_verifier *dv)
{
	struct vcache *c, *n;

	for (c = dv->cache; c != NULL; c = n) {
		n = c->next;
		free(c->pdomain);
		free(c->host);
		free(c->repl);
		free(c);
	}
	dv->cache = NULL;
}
