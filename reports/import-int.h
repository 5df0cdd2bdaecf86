/*
 * import-int.h -- what import-db.c shares with import-bulk.c
 *
 * DESCRIPTION
 *	The importer's state and the helpers both files use: prepared
 *	statements by number (imp_stmt), the name caches (imp_name_id,
 *	imp_domain_id, imp_selector_id), the record digest and the pending
 *	requests values.  Not part of dmarc-import's interface (import.h).
 */
#ifndef IMPORT_INT_H
#define IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dmarc.h"
#include "import.h"
#include "store.h"

#define IMP_CHUNK	100	/* messages per multi-row INSERT */

/* A string -> id cache (open addressing, linear probing). */
struct idmap {
	size_t		 cap, n;
	char		**key;
	int64_t		*id;
};

struct queued {
	struct dmarc_history *h;
	const char	*file;	/* the caller's; lives until the flush */
	unsigned long	 line;
};

/* The policy values one batch leaves in a requests row. */
struct reqval {
	int64_t		 domain, date;
	char		 repuri[256];
	int		 adkim, aspf, p, sp, pct, fo, np, psd, testing;
};

enum { S_SELDOM, S_INSDOM, S_SELREP, S_INSREP, S_SELIP, S_INSIP, S_SELSEL,
	S_INSSEL, S_INSMSG, S_INSSIG, S_INSAAR, S_INSSEAL,
	S_OLDMSG, S__N };

struct importer {
	struct store	*s;
	struct store_stmt *st[S__N];
	struct idmap	 domains, reporters, ips, selectors;
	struct queued	*q;
	size_t		 nq, batch;
	struct reqval	*req;
	size_t		 nreq;
	int		 verbose;
	struct import_stats stats;
	/* import-bulk.c: statements for n rows, prepared on first use */
	struct store_stmt *bulkmsg[IMP_CHUNK + 1], *bulksig[IMP_CHUNK + 1];
	struct store_stmt *bulkkeys, *bulkreq[IMP_CHUNK + 1];
	struct store_stmt *bulkname[4];	/* select/insert domains, ipaddr */
	int		 slow;		/* one record at a time (a race) */
	int		 load;		/* import-load.c works here */
};

struct store_stmt *imp_stmt(struct importer *im, int n);
int64_t	 imp_map_get(const struct idmap *m, const char *k);
void	 imp_map_put(struct idmap *m, const char *k, int64_t id);
void	 imp_map_clear(struct idmap *m);
const char *imp_lower(const char *name, char *buf, size_t len);
int64_t	 imp_select_id(struct store_stmt *st);
int64_t	 imp_name_id(struct importer *im, struct idmap *m, int sel,
	    const char *name);
int64_t	 imp_selector_id(struct importer *im, int64_t dom, const char *sel);
int64_t	 imp_domain_id(struct importer *im, const char *name);
void	 imp_digest(const struct dmarc_history *h, char out[17]);
int	 imp_bind_ints(struct store_stmt *st, int from, const int64_t *v,
	    size_t n);
int	 imp_note_request(struct importer *im, const struct dmarc_history *h);
int	 imp_insert_arc(struct importer *im, const struct dmarc_history *h,
	    int64_t msg);
int	 imp_legacy_dup(struct importer *im, const struct dmarc_history *h,
	    int64_t rep, const char *dg);
/* import-bulk.c: records [from, to) of the queue, inside a transaction;
   0, -1 error, 2 another host inserted one of them meanwhile */
int	 imp_bulk(struct importer *im, size_t from, size_t to, uint64_t *new,
	    uint64_t *dups);
/* imp_bulk_requests - the pending requests values, IMP_CHUNK domains
   per upsert statement (sorted by domain before) */
int	 imp_bulk_requests(struct importer *im);
void	 imp_bulk_free(struct importer *im);
/* import-load.c: the MariaDB path, LOAD DATA LOCAL into temporary tables
   and set-based inserts; imp_load as imp_bulk, for a whole batch */
int	 imp_load_ready(struct importer *im);
int	 imp_load(struct importer *im, size_t from, size_t to, uint64_t *new,
	    uint64_t *dups);

#endif
