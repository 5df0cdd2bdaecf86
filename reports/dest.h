/*
 * dest.h -- report destinations: rua parsing, D-47 verification,
 * NoReportsList (dest.c)
 */
#ifndef DEST_H
#define DEST_H

#include <stddef.h>
#include <stdint.h>

#include "dmarc.h"
#include "noreports.h"

struct resolver;
struct psl_od;

/* One rua URI. */
struct dest {
	char		*uri;		/* as published, "!size" included */
	char		*addr;		/* mailto address, decoded; NULL when
					   not a usable mailto: URI */
	uint64_t	 max_size;	/* bytes, 0 no limit */
};

size_t	dest_parse(const char *repuri, struct dest **out);
void	dest_free(struct dest *d, size_t n);
/* dest_host - normalized domain of an address into host (254 bytes) */
int	dest_host(const char *addr, char *host, size_t len);

enum dest_auth {
	DEST_AUTH_OK = 0,
	DEST_AUTH_NO,		/* not authorized: never send */
	DEST_AUTH_TEMP		/* DNS temporary failure: try again later */
};

struct vcache;

/* Verification context; the caller fills res, psl, profile, zero cache. */
struct dest_verifier {
	struct resolver		*res;
	struct psl_od		*psl;
	enum dmarc_profile	 profile;
	struct vcache		*cache;
};

enum dest_auth	dest_verify(struct dest_verifier *dv, const char *pdomain,
		    const char *addr, const char **repl, uint64_t *max);
void		dest_verifier_clear(struct dest_verifier *dv);

#endif
