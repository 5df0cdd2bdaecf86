/*
 * psl.c -- organizational-domain discovery through libpsl (RFC 7489)
 *
 * SYNOPSIS
 *	#include "psl.h"
 *
 * DESCRIPTION
 *	Implements struct dmarc_orgdomain with psl_registrable_domain():
 *	the organizational domain is the public suffix plus one label.  A
 *	name that is itself a public suffix has no registrable domain; it
 *	is its own organizational domain (D-19).  libpsl handles wildcards,
 *	exceptions, private-section entries and IDN; the list is never
 *	parsed here.  Names arrive normalized (lower case, A-labels).
 *
 * DIAGNOSTICS
 *	psl_od_new() fails with a message in err when an explicitly named
 *	file cannot be loaded.  Without a file, a missing DEFAULT_PSL_FILE
 *	falls back to libpsl's built-in list with a warning.
 *
 * SEE ALSO
 *	libpsl, RFC 7489 section 3.2, resolver.c (the RFC 9989 tree walk
 *	needs DNS instead)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "log.h"
#include "psl.h"
#include "xmalloc.h"

struct psl_od {
	const psl_ctx_t	*ctx;
	psl_ctx_t	*owned;		/* NULL for the built-in list */
};

/* psl_od_new - load the list */
struct psl_od *
psl_od_new(const char *file, char *err, size_t errlen)
{
	struct psl_od *p = xcalloc(1, sizeof(*p));

	if (file != NULL) {
		if ((p->owned = psl_load_file(file)) == NULL) {
			snprintf(err, errlen, "%s: cannot load public suffix "
			    "list", file);
			free(p);
			return NULL;
		}
	} else if ((p->owned = psl_latest(DEFAULT_PSL_FILE)) == NULL)
		log_warnx("%s: cannot load, using the built-in public "
		    "suffix list", DEFAULT_PSL_FILE);
	p->ctx = p->owned;
	if (p->ctx == NULL && (p->ctx = psl_builtin()) == NULL) {
		snprintf(err, errlen, "no public suffix list available");
		free(p);
		return NULL;
	}
	return p;
}

/* psl_od_free - release the list (the built-in one is never freed) */
void
psl_od_free(struct psl_od *p)
{
	if (p == NULL)
		return;
	psl_free(p->owned);
	free(p);
}

/* psl_od_lookup - registrable domain, or the name itself (D-19) */
int
psl_od_lookup(struct psl_od *p, const char *name, char *out, size_t outlen)
{
	char lower[DMARC_MAXDOMAIN + 2];
	const char *od;
	size_t i, len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DMARC_MAXDOMAIN)
		return DMARC_EDOMAIN;
	for (i = 0; i < len; i++)
		lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ?
		    name[i] + ('a' - 'A') : name[i]);
	lower[len] = '\0';
	if ((od = psl_registrable_domain(p->ctx, lower)) == NULL)
		od = lower;
	if (strlen(od) >= outlen)
		return DMARC_ENOSPACE;
	memcpy(out, od, strlen(od) + 1);
	return DMARC_OK;
}

/* od_lookup - struct dmarc_orgdomain adapter */
static int
od_lookup(void *arg, const char *name, char *out, size_t outlen)
{
	return psl_od_lookup(arg, name, out, outlen);
}

/* psl_od_orgdomain - bind the hook to p */
void
psl_od_orgdomain(struct psl_od *p, struct dmarc_orgdomain *out)
{
	out->lookup = od_lookup;
	out->arg = p;
}
