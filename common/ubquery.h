/*
 * ubquery.h -- libunbound queries in flight: shared, prefetched, awaited
 *
 * Private to resolver.c (see ubquery.c).
 */
#ifndef UBQUERY_H
#define UBQUERY_H

#include <stddef.h>

#include <unbound.h>

#include "dmarc.h"

struct ubq;
struct ubreq;

struct ubq_stats {
	unsigned long	 sent;		/* queries handed to libunbound */
	unsigned long	 joined;	/* lookups answered by one in flight */
	unsigned long	 prefetched;	/* of those sent: by ubq_prefetch */
};

struct ubq	*ubq_new(unsigned timeout_ms, char *err, size_t errlen);
struct ub_ctx	*ubq_ctx(struct ubq *uq);
void		 ubq_free(struct ubq *uq);
enum dmarc_dns	 ubq_lookup(struct ubq *uq, const char *name, int type,
		    struct ubreq **qp);
const struct ub_result *ubq_result(const struct ubreq *q);
void		 ubq_release(struct ubq *uq, struct ubreq *q);
int		 ubq_prefetch(struct ubq *uq, const char *name, int type);
void		 ubq_stats(struct ubq *uq, struct ubq_stats *st);

#endif
