/*
 * psl.h -- organizational domains from the Public Suffix List (libpsl)
 *
 * SYNOPSIS
 *	struct psl_od *p = psl_od_new(NULL, err, sizeof(err));
 *	struct dmarc_orgdomain od;
 *	psl_od_orgdomain(p, &od);	(hand to libdmarc)
 *	psl_od_free(p);
 *
 * DESCRIPTION
 *	The list is loaded once and only read afterwards; threads share it.
 */
#ifndef PSL_H
#define PSL_H

#include <stddef.h>

#include "dmarc.h"

struct psl_od;

/*
 * psl_od_new - load a PSL file; file NULL means DEFAULT_PSL_FILE (or
 * libpsl's newer built-in list), falling back to the built-in list when
 * that file cannot be read.  An explicit file must load.
 */
struct psl_od	*psl_od_new(const char *file, char *err, size_t errlen);
void		 psl_od_free(struct psl_od *p);

/* psl_od_orgdomain - fill a libdmarc hook bound to p */
void		 psl_od_orgdomain(struct psl_od *p, struct dmarc_orgdomain *out);

/*
 * psl_od_lookup - the organizational domain of a normalized name into
 * out: the registrable domain, or the name itself when it is a public
 * suffix (D-19).  DMARC_OK, DMARC_EDOMAIN or DMARC_ENOSPACE.
 */
int		 psl_od_lookup(struct psl_od *p, const char *name, char *out,
		    size_t outlen);

#endif
