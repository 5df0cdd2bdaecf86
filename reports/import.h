/*
 * import.h -- the database side of dmarc-import (import-db.c)
 *
 * SYNOPSIS
 *	struct importer *im = importer_new(store, batch);
 *	importer_add(im, record, "file", line);	(takes the record)
 *	importer_flush(im);			(at the end of each input)
 *	importer_free(im);
 *
 * DESCRIPTION
 *	Records are queued and written batch records to a transaction.  A
 *	transaction that fails with a deadlock or lock-wait timeout (two MX
 *	hosts importing at once; a Galera certification conflict) is rolled
 *	back and run again; one that fails otherwise is run again record by
 *	record, so that the one record the database refuses is reported with
 *	its line number and skipped.
 */
#ifndef IMPORT_H
#define IMPORT_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct dmarc_history;

struct import_stats {
	uint64_t	 imported;	/* new messages */
	uint64_t	 duplicates;	/* already in the database */
	uint64_t	 rejected;	/* invalid values, refused by the database */
	uint64_t	 retries;	/* transactions run again */
};

struct importer;

struct importer	*importer_new(struct store *s, size_t batch, int verbose);
void		 importer_free(struct importer *im);
/* importer_add - queue h (owned from now on); flushes a full batch.
   file must stay valid until the next importer_flush (its name is kept
   for messages, not copied).
   Returns 0, or -1 when the database failed (nothing more can be done). */
int		 importer_add(struct importer *im, struct dmarc_history *h,
		    const char *file, unsigned long line);
/* importer_flush - write what is queued; 0 or -1 as importer_add */
int		 importer_flush(struct importer *im);
const struct import_stats *importer_stats(const struct importer *im);

#endif
