/*
 * agg.c -- group messages into aggregate report records; window arithmetic
 *
 * SYNOPSIS
 *	struct agg *a = agg_new(AGG_RFC9990);
 *	agg_add(a, &msg);
 *	for (i = 0; i < agg_nrecords(a); i++) r = agg_record(a, i);
 *	agg_free(a);
 *
 * DESCRIPTION
 *	Each message becomes a key: its strings and codes joined with NUL
 *	separators, after its DKIM results were deduplicated, put in the
 *	RFC 9990 3.1.3 order (passing and strictly aligned, passing and
 *	relaxed-aligned, other passing, failing; then by domain, selector
 *	and result) and cut at AGG_MAXDKIM.  Equal keys are one record whose
 *	count grows; the records keep the order their keys were first seen,
 *	so the caller's ORDER BY makes the report deterministic.  A record's
 *	strings point into its own copy of the key.
 *
 *	"Relaxed-aligned" here means one domain is the other or a parent of
 *	it: ordering only matters beyond 100 signatures, and this needs no
 *	public suffix list.
 *
 *	Windows: a window of length I starts at a multiple of I seconds
 *	since the epoch (UTC), so a day is a UTC day.  A domain's next
 *	window starts where its last one ended (never earlier), so a late or
 *	missed run neither loses nor repeats a second.
 *
 * WHY A FILE OF ITS OWN
 *	Grouping and windows decide what a report says; kept apart from the
 *	database and the XML they are tested alone (tests/unit/test_agg.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agg.h"
#include "xmalloc.h"

#define DAY	86400L
#define WEEK	(7 * DAY)

struct rec {
	struct agg_record r;
	char		*key;
	size_t		 keylen;
	uint64_t	 hash;
};

/* A key under construction, with the offsets of its strings. */
struct key {
	char	*p;
	size_t	 len, cap;
	size_t	 ip, hf, ef, sd, cm;	/* cm == SIZE_MAX: no comment */
	size_t	 nd;
	size_t	 doff[AGG_MAXDKIM][2];
	int	 dres[AGG_MAXDKIM];
};

struct agg {
	enum agg_format	 fmt;
	struct rec	*rec;
	size_t		 n, cap;
	size_t		*slot;		/* index + 1; 0 empty */
	size_t		 nslot;		/* power of two */
	uint64_t	 messages;
	struct key	 k;		/* scratch, reused per message */
};


/* agg_new - an empty aggregate */
struct agg *
agg_new(enum agg_format fmt)
{
	struct agg *a = xcalloc(1, sizeof(*a));

	a->fmt = fmt;
	a->nslot = 64;
	a->slot = xcalloc(a->nslot, sizeof(*a->slot));
	return a;
}

/* agg_free - release a and its records; NULL is fine */
void
agg_free(struct agg *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->rec[i].key);
		free(a->rec[i].r.dkim);
	}
	free(a->rec);
	free(a->slot);
	free(a->k.p);
	free(a);
}

/* key_put - append s and its NUL; returns its offset */
static size_t
key_put(struct key *k, const char *s)
{
	size_t l = strlen(s), off = k->len;

	while (k->len + l + 1 > k->cap) {
		k->cap = k->cap ? k->cap * 2 : 256;
		k->p = xrealloc(k->p, k->cap);
	}
	memcpy(k->p + k->len, s, l + 1);
	k->len += l + 1;
	return off;
}

/* parent_or_self - a equals b or is a parent domain of b */
static int
parent_or_self(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == 0 || la > lb)
		return 0;
	if (la == lb)
		return strcasecmp(a, b) == 0;
	return b[lb - la - 1] == '.' && strcasecmp(a, b + lb - la) == 0;
}

/* dkim_class - A-06 order: 0 strict pass, 1 relaxed pass, 2 pass, 3 rest */
static int
dkim_class(const struct agg_dkim *d, const char *hf)
{
	if (d->result != 0)
		return 3;
	if (strcasecmp(d->domain, hf) == 0)
		return 0;
	if (parent_or_self(d->domain, hf) || parent_or_self(hf, d->domain))
		return 1;
	return 2;
}

/* A DKIM result with its A-06 class, for sorting without globals. */
struct sdkim {
	int		 cls;
	struct agg_dkim	 d;
};

/* dkim_cmp - qsort order of DKIM results */
static int
dkim_cmp(const void *x, const void *y)
{
	const struct sdkim *a = x, *b = y;
	int c;

	if (a->cls != b->cls)
		return a->cls - b->cls;
	if ((c = strcmp(a->d.domain, b->d.domain)) != 0)
		return c;
	if ((c = strcmp(a->d.selector, b->d.selector)) != 0)
		return c;
	return a->d.result - b->d.result;
}

/* key_dkim - append the deduplicated, ordered, capped DKIM results */
static void
key_dkim(struct key *k, const struct agg_msg *m)
{
	struct sdkim *s;
	char num[16];
	size_t i, n = 0;

	if (m->ndkim == 0)
		return;
	s = xreallocarray(NULL, m->ndkim, sizeof(*s));
	for (i = 0; i < m->ndkim; i++) {
		s[i].d = m->dkim[i];
		if (s[i].d.domain == NULL)
			s[i].d.domain = "";
		if (s[i].d.selector == NULL)
			s[i].d.selector = "";
		s[i].cls = dkim_class(&s[i].d, m->header_from);
	}
	qsort(s, m->ndkim, sizeof(*s), dkim_cmp);
	for (i = 0; i < m->ndkim && n < AGG_MAXDKIM; i++) {
		if (n > 0 && dkim_cmp(&s[i], &s[i - 1]) == 0)
			continue;
		k->doff[n][0] = key_put(k, s[i].d.domain);
		k->doff[n][1] = key_put(k, s[i].d.selector);
		snprintf(num, sizeof(num), "%d", s[i].d.result);
		key_put(k, num);
		k->dres[n++] = s[i].d.result;
	}
	k->nd = n;
	free(s);
}

/* key_build - the grouping key of m */
static void
key_build(struct key *k, const struct agg_msg *m)
{
	char num[96];
	const char *sd;

	k->len = 0;
	k->ip = key_put(k, m->ip != NULL ? m->ip : "");
	k->hf = key_put(k, m->header_from != NULL ? m->header_from : "");
	k->ef = key_put(k, m->envelope_from != NULL ? m->envelope_from : "");
	sd = m->spf_domain != NULL && m->spf_domain[0] != '\0' ?
	    m->spf_domain : m->envelope_from != NULL ? m->envelope_from : "";
	k->sd = key_put(k, sd);
	snprintf(num, sizeof(num), "%d,%d,%d,%d,%d,%u,%c", m->spf,
	    m->spf_scope, m->disposition, m->dkim_pass != 0,
	    m->spf_pass != 0, m->reasons, m->comment != NULL ? 'c' : '-');
	key_put(k, num);
	k->cm = m->comment != NULL ? key_put(k, m->comment) : SIZE_MAX;
	k->nd = 0;
	key_dkim(k, m);
}

/* hash - FNV-1a over the key bytes */
static uint64_t
hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* grow - double the slot table and reinsert every record */
static void
grow(struct agg *a)
{
	size_t i, j, mask;

	free(a->slot);
	a->nslot *= 2;
	a->slot = xcalloc(a->nslot, sizeof(*a->slot));
	mask = a->nslot - 1;
	for (i = 0; i < a->n; i++) {
		for (j = a->rec[i].hash & mask; a->slot[j] != 0;
		    j = (j + 1) & mask)
			;
		a->slot[j] = i + 1;
	}
}

/* rec_new - a record from the key k with hash h */
static void
rec_new(struct agg *a, const struct key *k, const struct agg_msg *m,
    uint64_t h)
{
	struct rec *r;
	size_t i;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->rec = xreallocarray(a->rec, a->cap, sizeof(*a->rec));
	}
	r = &a->rec[a->n++];
	memset(r, 0, sizeof(*r));
	r->key = xmalloc(k->len);
	memcpy(r->key, k->p, k->len);
	r->keylen = k->len;
	r->hash = h;
	r->r.ip = r->key + k->ip;
	r->r.header_from = r->key + k->hf;
	r->r.envelope_from = r->key + k->ef;
	r->r.spf_domain = r->key + k->sd;
	r->r.comment = k->cm == SIZE_MAX ? NULL : r->key + k->cm;
	r->r.spf = m->spf;
	r->r.spf_scope = m->spf_scope;
	r->r.disposition = m->disposition;
	r->r.dkim_pass = m->dkim_pass != 0;
	r->r.spf_pass = m->spf_pass != 0;
	r->r.reasons = m->reasons;
	r->r.ndkim = k->nd;
	if (k->nd > 0)
		r->r.dkim = xreallocarray(NULL, k->nd, sizeof(*r->r.dkim));
	for (i = 0; i < k->nd; i++) {
		r->r.dkim[i].domain = r->key + k->doff[i][0];
		r->r.dkim[i].selector = r->key + k->doff[i][1];
		r->r.dkim[i].result = k->dres[i];
	}
}

/* agg_add - count one message into its record */
void
agg_add(struct agg *a, const struct agg_msg *m)
{
	struct key *k = &a->k;
	uint64_t h;
	size_t j, mask;

	key_build(k, m);
	h = hash(k->p, k->len);
	mask = a->nslot - 1;
	for (j = h & mask; a->slot[j] != 0; j = (j + 1) & mask) {
		struct rec *r = &a->rec[a->slot[j] - 1];

		if (r->hash == h && r->keylen == k->len &&
		    memcmp(r->key, k->p, k->len) == 0) {
			r->r.count++;
			goto out;
		}
	}
	rec_new(a, k, m, h);
	a->rec[a->n - 1].r.count = 1;
	a->slot[j] = a->n;
	if (a->n * 2 > a->nslot)
		grow(a);
out:
	a->messages++;
}

/* agg_nrecords - number of records */
size_t
agg_nrecords(const struct agg *a)
{
	return a->n;
}

/* agg_nmessages - number of messages added */
uint64_t
agg_nmessages(const struct agg *a)
{
	return a->messages;
}

/* agg_record - record i (borrowed until agg_free) */
const struct agg_record *
agg_record(const struct agg *a, size_t i)
{
	return i < a->n ? &a->rec[i].r : NULL;
}

/* agg_interval - round secs to a window length the grid can hold */
long
agg_interval(long secs)
{
	static const long hours[] = { 24, 12, 8, 6, 4, 3, 2, 1 };
	size_t i;

	if (secs >= WEEK)
		return WEEK;
	if (secs >= DAY)
		return secs / DAY * DAY;
	for (i = 0; i < sizeof(hours) / sizeof(hours[0]); i++)
		if (hours[i] * 3600 <= secs)
			return hours[i] * 3600;
	return 3600;
}

/* agg_floor - start of the window holding t (floor, also for t < 0) */
int64_t
agg_floor(int64_t t, long interval)
{
	int64_t r = t % interval;

	if (r < 0)
		r += interval;
	return t - r;
}

/* agg_window - the window of t after a last window that ended at last */
void
agg_window(int64_t t, int64_t last, long interval, int64_t *begin,
    int64_t *end)
{
	int64_t f = agg_floor(t, interval);

	*begin = f > last ? f : last;
	*end = f + interval;
}
