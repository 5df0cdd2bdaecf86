/*
 * spf.h -- our own SPF check (RFC 7208) through libspf2 and our resolver
 *
 * SYNOPSIS
 *	struct spf *s = spf_new(resolver, "mx.example.net", err, sizeof(err));
 *	struct dmarc_spf_result res;
 *	spf_check(s, "192.0.2.1", helo, mailfrom, &res);
 *	spf_free(s);
 *
 * DESCRIPTION
 *	One libspf2 SPF_server_t shared by all threads; each check makes its
 *	own request and response.  Every DNS lookup libspf2 makes goes
 *	through struct resolver (one cache, one timeout policy).  The
 *	resolver must outlive the struct spf.
 */
#ifndef SPF_H
#define SPF_H

#include <stddef.h>

#include "dmarc.h"
#include "resolver.h"

struct spf;

/* spf_new - a checker bound to r; receiver is our host name (%{r}) */
struct spf	*spf_new(struct resolver *r, const char *receiver, char *err,
		    size_t errlen);
void		 spf_free(struct spf *s);

/*
 * spf_check - RFC 7208 check_host() for the MAIL FROM identity, or for
 * the null reverse-path ("", "<>" or NULL) the HELO identity
 * postmaster@helo (D-35).  helo is always given to libspf2 (%{h}).
 * Fills res: result (DMARC_ARES_PASS, FAIL, SOFTFAIL, NEUTRAL, NONE,
 * TEMPERROR or PERMERROR), scope (MFROM or HELO), domain (the identity's
 * domain, normalized; "" when it is not a valid domain, result NONE) and
 * source DMARC_SRC_SELF.  Returns 0, or -1 on a local error (bad ip,
 * no memory); res->result is then TEMPERROR.
 */
int		 spf_check(struct spf *s, const char *ip, const char *helo,
		    const char *mailfrom, struct dmarc_spf_result *res);

#endif
