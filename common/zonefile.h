/*
 * zonefile.h -- answer DNS lookups from a file: test mode and unit tests
 *
 * SYNOPSIS
 *	struct zonefile *z = zonefile_load(path, err, sizeof(err));
 *	zonefile_txt(z, "_dmarc.example.com", &txt);
 *	zonefile_query(z, name, ns_t_mx, &pkt, &pktlen);
 *	zonefile_free(z);
 *
 * DESCRIPTION
 *	The table is read once and never changed afterwards, so any number
 *	of threads may look names up at the same time without locking.
 *	The format is described at the top of zonefile.c.
 */
#ifndef ZONEFILE_H
#define ZONEFILE_H

#include <stddef.h>

#include "dmarc.h"

#define ZONEFILE_MAXFILE	(16u * 1024 * 1024)	/* bytes */
#define ZONEFILE_MAXLINE	(64u * 1024)		/* bytes */

struct zonefile;

/* zonefile_load - read and parse a file; NULL with "file:line: msg" */
struct zonefile	*zonefile_load(const char *path, char *err, size_t errlen);

/*
 * zonefile_parse_buf - parse p[0..len) (need not be NUL-terminated);
 * fname only names the input in error messages (NULL: "<buffer>").
 */
struct zonefile	*zonefile_parse_buf(const char *p, size_t len,
		    const char *fname, char *err, size_t errlen);
void		 zonefile_free(struct zonefile *z);

/* zonefile_records - number of records (pseudo-records included) */
size_t		 zonefile_records(const struct zonefile *z);

/* zonefile_txt - TXT RRs of name, each RR's strings joined (D-02) */
enum dmarc_dns	 zonefile_txt(const struct zonefile *z, const char *name,
		    struct dmarc_dns_txt *out);

/* zonefile_exists - A lookup reduced to its rcode (RFC 8020) */
enum dmarc_dns	 zonefile_exists(const struct zonefile *z, const char *name);

/*
 * zonefile_query - synthesize the wire-format answer res_query(3) would
 * return: on DATA, NODATA and NXDOMAIN *pkt is malloc(3)ed; NULL on
 * SERVFAIL and TIMEOUT (pseudo-records) and on ERROR.
 */
enum dmarc_dns	 zonefile_query(const struct zonefile *z, const char *name,
		    int rrtype, unsigned char **pkt, size_t *pktlen);

/*
 * zonefile_txt_rdata_add - join the character-strings of one TXT rdata
 * (D-02) and append the result to out; -1 when the rdata is malformed.
 * Shared with the libunbound backend.
 */
int		 zonefile_txt_rdata_add(const unsigned char *rd, size_t len,
		    struct dmarc_dns_txt *out);

#endif
