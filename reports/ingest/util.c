/*
 * util.c -- arenas, byte buffers, string lists and report lifetimes for
 * the ingest parse layer
 *
 * DESCRIPTION
 *	A report owns hundreds of small strings (one per XML element); an
 *	arena frees them with one call and keeps allocation cheap on large
 *	backfills.  Buffers and lists never fail (xmalloc), so parsers have
 *	no allocation-failure paths.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "xmalloc.h"

#define ARENA_CHUNK	8192

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 used, cap;
	max_align_t		 data[];
};

/* bump - n bytes, aligned, not zeroed, valid until arena_free */
static void *
bump(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t al = sizeof(max_align_t), cap;
	char *p;

	n = (n + al - 1) / al * al;
	if (n == 0)
		n = al;
	if (c == NULL || c->cap - c->used < n) {
		cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = xmalloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		if (n > ARENA_CHUNK / 2 && a->head != NULL) {
			/* big block: keep the current chunk in front */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

/* arena_alloc - n bytes, aligned, zeroed, valid until arena_free */
void *
arena_alloc(struct arena *a, size_t n)
{
	return memset(bump(a, n), 0, n);
}

/* arena_strndup - copy n bytes and terminate */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = bump(a, n + 1);	/* every byte is written: no memset */

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* arena_strdup - copy a C string (NULL stays NULL) */
char *
arena_strdup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

/* arena_free - release every chunk */
void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *n;

	for (c = a->head; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ibuf_add - append n bytes */
void
ibuf_add(struct ibuf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap - b->len < n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* ibuf_reserve - room for n more bytes (and the NUL) */
void
ibuf_reserve(struct ibuf *b, size_t n)
{
	if (b->cap - b->len < n + 1) {
		b->data = xrealloc(b->data, b->len + n + 1);
		b->cap = b->len + n + 1;
	}
}

/* ibuf_addc - append one byte */
void
ibuf_addc(struct ibuf *b, char c)
{
	ibuf_add(b, &c, 1);
}

/* ibuf_adds - append a C string */
void
ibuf_adds(struct ibuf *b, const char *s)
{
	ibuf_add(b, s, strlen(s));
}

/* ibuf_printf - append formatted text */
void
ibuf_printf(struct ibuf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		ibuf_add(b, tmp, (size_t)n);
		return;
	}
	ibuf_add(b, "", 0);
	if (b->cap - b->len < (size_t)n + 1) {
		b->data = xrealloc(b->data, b->len + (size_t)n + 1);
		b->cap = b->len + (size_t)n + 1;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ibuf_free - release the storage */
void
ibuf_free(struct ibuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* strlist_add - append a copy of n bytes of s */
void
strlist_add(struct arena *a, struct strlist *l, const char *s, size_t n)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **v = arena_alloc(a, cap * sizeof(*v));

		if (l->n > 0)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = arena_strndup(a, s, n);
}

/* report_new - an empty report of one type */
struct report *
report_new(enum report_type t)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->type = t;
	if (t == REPORT_AGGREGATE)
		r->u.agg.pct = -1;
	if (t == REPORT_FAILURE)
		r->u.fail.arrival = -1;
	return r;
}

/* report_free - a report and everything it owns */
void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	if (r->type == REPORT_AGGREGATE)
		free(r->u.agg.records);
	arena_free(&r->arena);
	free(r);
}

/* auth_copy - deep copies of n auth results */
static struct agg_auth *
auth_copy(struct arena *a, const struct agg_auth *v, size_t n)
{
	struct agg_auth *d;
	size_t i;

	if (n == 0)
		return NULL;
	d = arena_alloc(a, n * sizeof(*d));
	for (i = 0; i < n; i++) {
		d[i].domain = arena_strdup(a, v[i].domain);
		d[i].selector_or_scope = arena_strdup(a, v[i].selector_or_scope);
		d[i].result = arena_strdup(a, v[i].result);
		d[i].human_result = arena_strdup(a, v[i].human_result);
	}
	return d;
}

/* agg_record_copy - src into dst with every string copied into a */
void
agg_record_copy(struct arena *a, struct agg_record *dst,
    const struct agg_record *src)
{
	size_t i;

	*dst = *src;
	dst->source_ip = arena_strdup(a, src->source_ip);
	dst->disposition = arena_strdup(a, src->disposition);
	dst->dkim = arena_strdup(a, src->dkim);
	dst->spf = arena_strdup(a, src->spf);
	dst->header_from = arena_strdup(a, src->header_from);
	dst->envelope_from = arena_strdup(a, src->envelope_from);
	dst->envelope_to = arena_strdup(a, src->envelope_to);
	dst->reverse_dns = arena_strdup(a, src->reverse_dns);
	dst->base_domain = arena_strdup(a, src->base_domain);
	dst->country = arena_strdup(a, src->country);
	dst->reasons = src->nreasons ? arena_alloc(a, src->nreasons *
	    sizeof(*dst->reasons)) : NULL;
	for (i = 0; i < src->nreasons; i++) {
		dst->reasons[i].type = arena_strdup(a, src->reasons[i].type);
		dst->reasons[i].comment = arena_strdup(a,
		    src->reasons[i].comment);
	}
	dst->dkim_auth = auth_copy(a, src->dkim_auth, src->ndkim);
	dst->spf_auth = auth_copy(a, src->spf_auth, src->nspf);
}

/* report_error - note a tolerated problem (bounded) */
void
report_error(struct report *r, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	int n;

	if (r->errors.n >= INGEST_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == ' '))
		n--;
	strlist_add(&r->arena, &r->errors, tmp, (size_t)n);
}

/* result_add - append a report to a result */
void
result_add(struct ingest_result *res, struct report *r)
{
	if (res->nreports == res->cap) {
		res->cap = res->cap ? res->cap * 2 : 4;
		res->reports = xreallocarray(res->reports, res->cap,
		    sizeof(*res->reports));
	}
	res->reports[res->nreports++] = r;
}

/* ingest_result_free - the reports of a result */
void
ingest_result_free(struct ingest_result *res)
{
	size_t i;

	for (i = 0; i < res->nreports; i++)
		report_free(res->reports[i]);
	free(res->reports);
	memset(res, 0, sizeof(*res));
}
