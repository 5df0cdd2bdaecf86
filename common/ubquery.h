/*
 * ubquery.h -- libunbound queries in flight: shared, prefetched, awaited
 *
 * Private to resolver.c (see ubquery.c).
 */
#ifndef UBQUERY_H
#define UBQUERY_H

#include <unbound.h>

#include "dmarc.h"

struct ubq;
struct ubreq;

struct ubq_stats {
	unsigned long	 sent;		/* queries handed to libunbound */
	unsigned long	 joined;	/* lookups answered by one in flight */
	unsigned long	 prefetched;	/* of those sent: by ubq_prefetch */
};

struct ubq	*ubq_new(struct ub_ctx *ctx, unsigned timeout_ms);
void		 ubq_free(struct ubq *uq);
enum dmarc_dns	 ubq_lookup(struct ubq *uq, const char *name, int type,
		    struct ubreq **qp);
const struct ub_result *ubq_result(const struct ubreq *q);
void		 ubq_release(struct ubq *uq, struct ubreq *q);
int		 ubq_prefetch(struct ubq *uq, const char *name, int type);
void		 ubq_stats(struct ubq *uq, struct ubq_stats *st);

#endif
