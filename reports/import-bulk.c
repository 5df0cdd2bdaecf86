/*
 * import-bulk.c -- dmarc-import's fast path: many messages per statement
 *
 * SYNOPSIS
 *	int imp_bulk(struct importer *im, size_t from, size_t to,
 *	    uint64_t *new, uint64_t *dups);
 *
 * DESCRIPTION
 *	On a server every statement is a round trip, and one per message
 *	(OpenDMARC needed about 14) is what makes an import slow.  Here a
 *	chunk of up to IMP_CHUNK records costs a handful: one SELECT per
 *	reporter for the keys already in messages within the chunk's time
 *	range (those records are duplicates), one multi-row INSERT for the
 *	rest, the same SELECT again to learn their ids (AUTO_INCREMENT ids
 *	need not be consecutive: Galera interleaves them), and multi-row
 *	INSERTs for their signatures.  Names come from the caches of
 *	import-db.c; ARC rows (rare) go one by one.
 *
 *	The INSERT is {INSERT_IGNORE}; when it inserts fewer rows than it
 *	was given, another host inserted one of the messages between the
 *	SELECT and the INSERT: imp_bulk returns 2 and the caller runs the
 *	batch again one record at a time (import-db.c), which gets every
 *	case right.
 *
 * DIAGNOSTICS
 *	0; -1 a statement failed (store_errmsg says why); 2 a race, above.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import-int.h"
#include "log.h"
#include "xmalloc.h"

#define MSGCOLS	21

/* What a record of the chunk resolved to. */
struct prep {
	int64_t		 rep, ip, env, from, pol, spfd, msg;
	char		 dg[17];
	int		 dup;
};

static const char msg_head[] = "{INSERT_IGNORE} INTO messages (date, jobid, "
    "reporter, policy, disp, ip, env_domain, from_domain, policy_domain, "
    "spf, align_dkim, align_spf, sigcount, arc, arc_policy, spf_scope, "
    "digest, discovery, disposition, reasons, spf_domain) VALUES ";
static const char msg_row[] = "({TS(?)}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sig_head[] = "INSERT INTO signatures (message, domain, "
    "selector, pass, error) VALUES ";
static const char sig_row[] = "(?, ?, ?, ?, ?)";

/* build - head, n copies of row joined by ',', tail; prepared */
static struct store_stmt *
build(struct importer *im, size_t n, const char *head, const char *row,
    const char *tail)
{
	size_t len = strlen(head) + n * (strlen(row) + 1) + strlen(tail) + 1;
	size_t i, at;
	struct store_stmt *st;
	char *sql;

	sql = xmalloc(len);
	at = (size_t)snprintf(sql, len, "%s", head);
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(sql + at, len - at, "%s%s", i ? "," : "",
		    row);
	(void)snprintf(sql + at, len - at, "%s", tail);
	st = store_prepare(im->s, sql);
	free(sql);
	return st;
}

/* multi - the statement head + n rows, prepared once per n */
static struct store_stmt *
multi(struct importer *im, struct store_stmt **cache, size_t n,
    const char *head, const char *row)
{
	if (cache[n] != NULL) {
		(void)store_reset(cache[n]);
		return cache[n];
	}
	return cache[n] = build(im, n, head, row, "");
}

/* prep_record - the ids of h's names, its digest, OpenDMARC's row */
static int
prep_record(struct importer *im, const struct dmarc_history *h,
    struct prep *p)
{
	int r;

	memset(p, 0, sizeof(*p));
	if ((p->rep = imp_name_id(im, &im->reporters, S_SELREP,
	    h->reporter)) < 0 ||
	    (p->ip = imp_name_id(im, &im->ips, S_SELIP, h->ipaddr)) < 0 ||
	    (p->env = imp_domain_id(im, h->mfrom ? h->mfrom : "")) < 0 ||
	    (p->from = imp_domain_id(im, h->from)) < 0 ||
	    (p->pol = imp_domain_id(im, h->pdomain ? h->pdomain :
	    h->from)) < 0 ||
	    (h->ext_spf_domain != NULL &&
	    (p->spfd = imp_domain_id(im, h->ext_spf_domain)) < 0))
		return -1;
	imp_digest(h, p->dg);
	if ((r = imp_legacy_dup(im, h, p->rep, p->dg)) < 0)
		return -1;
	p->dup = r;
	return 0;
}

/* same_key - record i of the chunk has key (rep, date, job, dg) */
static int
same_key(const struct dmarc_history *h, const struct prep *p, int64_t rep,
    int64_t date, const char *job, const char *dg)
{
	return p->rep == rep && h->received == date &&
	    strcmp(h->job, job) == 0 && strcmp(p->dg, dg) == 0;
}

/* scan_rows - match the rows of the keys query: mark them duplicates
   (assign 0) or give the inserted records their ids (assign 1) */
static int
scan_rows(struct importer *im, struct store_stmt *st, struct prep *pr,
    size_t from, size_t to, int64_t rep, int assign)
{
	const char *job, *dg;
	int64_t id, date;
	size_t i;
	int rc;

	while ((rc = store_step(st)) == STORE_ROW) {
		id = store_col_int64(st, 0);
		date = store_col_int64(st, 1);
		job = store_col_text(st, 2, NULL);
		dg = store_col_text(st, 3, NULL);
		if (job == NULL || dg == NULL)
			continue;
		for (i = from; i < to; i++) {
			if (!same_key(im->q[i].h, &pr[i - from], rep, date, job,
			    dg))
				continue;
			if (!assign)
				pr[i - from].dup = 1;
			else if (!pr[i - from].dup)
				pr[i - from].msg = id;
		}
	}
	(void)store_reset(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* keys - run the keys query per reporter of the chunk (see scan_rows) */
static int
keys(struct importer *im, struct prep *pr, size_t from, size_t to,
    int assign)
{
	struct store_stmt *st;
	int64_t rep, lo, hi;
	size_t i, j;

	if (im->bulkkeys == NULL && (im->bulkkeys = store_prepare(im->s,
	    "SELECT id, {UNIX(date)}, jobid, digest FROM messages WHERE "
	    "reporter = ? AND date >= {TS(?)} AND date <= {TS(?)}")) == NULL)
		return -1;
	st = im->bulkkeys;
	for (i = from; i < to; i++) {
		rep = pr[i - from].rep;
		for (j = from; j < i && pr[j - from].rep != rep; j++)
			;
		if (j < i)
			continue;	/* this reporter was done */
		lo = hi = im->q[i].h->received;
		for (j = i; j < to; j++)
			if (pr[j - from].rep == rep) {
				if (im->q[j].h->received < lo)
					lo = im->q[j].h->received;
				if (im->q[j].h->received > hi)
					hi = im->q[j].h->received;
			}
		(void)store_reset(st);
		if (store_bind_int64(st, 1, rep) != 0 ||
		    store_bind_int64(st, 2, lo) != 0 ||
		    store_bind_int64(st, 3, hi) != 0 ||
		    scan_rows(im, st, pr, from, to, rep, assign) != 0)
			return -1;
	}
	return 0;
}

/* twins - a record repeated within the chunk is a duplicate too */
static void
twins(struct importer *im, struct prep *pr, size_t from, size_t to)
{
	size_t i, j;

	for (i = from + 1; i < to; i++)
		for (j = from; j < i && !pr[i - from].dup; j++)
			if (!pr[j - from].dup && same_key(im->q[i].h,
			    &pr[i - from], pr[j - from].rep,
			    im->q[j].h->received, im->q[j].h->job,
			    pr[j - from].dg))
				pr[i - from].dup = 1;
}

/* bind_msg - the MSGCOLS parameters of one messages row from at */
static int
bind_msg(struct store_stmt *st, int at, const struct dmarc_history *h,
    const struct prep *p)
{
	const char *disc = h->ext_discovery ? h->ext_discovery : "";
	const char *disp = h->ext_disposition ? h->ext_disposition : "";
	int64_t v[13] = { p->rep, h->policy, h->action, p->ip, p->env,
	    p->from, p->pol, h->spf, h->align_dkim, h->align_spf,
	    h->ndkim > 255 ? 255 : (int64_t)h->ndkim, h->arc, h->arc_policy };

	if (store_bind_int64(st, at, h->received) != 0 ||
	    store_bind_text(st, at + 1, h->job, strlen(h->job)) != 0 ||
	    imp_bind_ints(st, at + 2, v, 13) != 0 ||
	    store_bind_int64(st, at + 15, h->spf_scope != 0 ?
	    h->spf_scope : -1) != 0 ||
	    store_bind_text(st, at + 16, p->dg, strlen(p->dg)) != 0 ||
	    store_bind_text(st, at + 17, disc, strlen(disc)) != 0 ||
	    store_bind_text(st, at + 18, disp, strlen(disp)) != 0 ||
	    store_bind_int64(st, at + 19, h->ext_reasons) != 0 ||
	    store_bind_int64(st, at + 20, p->spfd) != 0)
		return -1;
	return 0;
}

/* insert_msgs - the new messages in one statement: 0, -1, 2 race */
static int
insert_msgs(struct importer *im, struct prep *pr, size_t from, size_t to,
    size_t k)
{
	struct store_stmt *st;
	size_t i;
	int at = 1;

	if (k == 0)
		return 0;
	if ((st = multi(im, im->bulkmsg, k, msg_head, msg_row)) == NULL)
		return -1;
	for (i = from; i < to; i++) {
		if (pr[i - from].dup)
			continue;
		if (bind_msg(st, at, im->q[i].h, &pr[i - from]) != 0)
			return -1;
		at += MSGCOLS;
	}
	if (store_step(st) != STORE_DONE)
		return -1;
	return store_changes(im->s) == (int64_t)k ? 0 : 2;
}

/* flush_sigs - n buffered signatures rows (5 values each) */
static int
flush_sigs(struct importer *im, const int64_t *v, size_t n)
{
	struct store_stmt *st;

	if (n == 0)
		return 0;
	if ((st = multi(im, im->bulksig, n, sig_head, sig_row)) == NULL ||
	    imp_bind_ints(st, 1, v, n * 5) != 0 ||
	    store_step(st) != STORE_DONE)
		return -1;
	return 0;
}

/* insert_sigs - signatures of the new messages, IMP_CHUNK rows a time */
static int
insert_sigs(struct importer *im, struct prep *pr, size_t from, size_t to)
{
	const struct dmarc_history *h;
	int64_t v[IMP_CHUNK * 5], *r;
	size_t i, d, n = 0;

	for (i = from; i < to; i++) {
		if (pr[i - from].dup)
			continue;
		h = im->q[i].h;
		for (d = 0; d < h->ndkim; d++) {
			r = &v[n * 5];
			r[0] = pr[i - from].msg;
			if ((r[1] = imp_domain_id(im, h->dkim[d].domain)) < 0 ||
			    (r[2] = imp_selector_id(im, r[1],
			    h->dkim[d].selector)) < 0)
				return -1;
			r[3] = h->dkim[d].result;
			r[4] = h->dkim[d].result == DMARC_ARES_TEMPERROR ||
			    h->dkim[d].result == DMARC_ARES_PERMERROR;
			if (++n == IMP_CHUNK) {
				if (flush_sigs(im, v, n) != 0)
					return -1;
				n = 0;
			}
		}
	}
	return flush_sigs(im, v, n);
}

/* A names table the chunk's names are fetched from in slices. */
struct names {
	struct idmap	*map;
	int		 sel, ins;	/* slots in im->bulkname */
	const char	*select, *insert;
	char		**v;		/* wanted, not cached, distinct */
	size_t		 n;
};

/* name_stmt - the slice statement (IMP_CHUNK placeholders), cached */
static struct store_stmt *
name_stmt(struct importer *im, int slot, const char *head, const char *row,
    const char *tail)
{
	if (im->bulkname[slot] == NULL)
		return im->bulkname[slot] = build(im, IMP_CHUNK, head, row,
		    tail);
	(void)store_reset(im->bulkname[slot]);
	return im->bulkname[slot];
}

/* want - add a name the cache lacks (once) */
static void
want(struct names *nm, const char *name, size_t cap)
{
	size_t i;

	if (imp_map_get(nm->map, name) > 0 || nm->n == cap)
		return;
	for (i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], name) == 0)
			return;
	nm->v[nm->n++] = xstrdup(name);
}

/* bind_slice - names [at, at + IMP_CHUNK), the last one repeated */
static int
bind_slice(struct store_stmt *st, const struct names *nm, size_t at)
{
	size_t i, j;

	for (i = 0; i < IMP_CHUNK; i++) {
		j = at + i < nm->n ? at + i : nm->n - 1;
		if (store_bind_text(st, (int)i + 1, nm->v[j],
		    strlen(nm->v[j])) != 0)
			return -1;
	}
	return 0;
}

/* fetch_slice - SELECT id, name for a slice into the cache */
static int
fetch_slice(struct importer *im, struct names *nm, size_t at)
{
	struct store_stmt *st;
	const char *name;
	int rc;

	if ((st = name_stmt(im, nm->sel, nm->select, "?", ")")) == NULL ||
	    bind_slice(st, nm, at) != 0)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW)
		if ((name = store_col_text(st, 1, NULL)) != NULL)
			imp_map_put(nm->map, name, store_col_int64(st, 0));
	(void)store_reset(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* prefetch - ids of the wanted names: select, insert the missing, select */
static int
prefetch(struct importer *im, struct names *nm)
{
	struct store_stmt *st;
	size_t at;

	for (at = 0; at < nm->n; at += IMP_CHUNK) {
		if (fetch_slice(im, nm, at) != 0)
			return -1;
		if ((st = name_stmt(im, nm->ins, nm->insert, "(?)", "")) ==
		    NULL ||
		    bind_slice(st, nm, at) != 0 ||
		    store_step(st) != STORE_DONE)
			return -1;
		if (store_changes(im->s) > 0 && fetch_slice(im, nm, at) != 0)
			return -1;
	}
	return 0;
}

/* prefetch_names - the client addresses and domains of records
   [from, to), IMP_CHUNK names per statement instead of two round trips
   per new name; what is left (a mixed-case name OpenDMARC stored) goes
   through the per-name path later */
static int
prefetch_names(struct importer *im, size_t from, size_t to)
{
	struct names ip = { &im->ips, 0, 1,
	    "SELECT id, addr FROM ipaddr WHERE addr IN (",
	    "{INSERT_IGNORE} INTO ipaddr (addr) VALUES ", NULL, 0 };
	struct names dom = { &im->domains, 2, 3,
	    "SELECT id, name FROM domains WHERE name IN (",
	    "{INSERT_IGNORE} INTO domains (name) VALUES ", NULL, 0 };
	const struct dmarc_history *h;
	size_t i, d, cap = (to - from) * (5 + DMARC_MAXDKIM);
	char low[256];
	int rc;

	ip.v = xcalloc(to - from, sizeof(char *));
	dom.v = xcalloc(cap, sizeof(char *));
	for (i = from; i < to; i++) {
		h = im->q[i].h;
		want(&ip, h->ipaddr, to - from);
		want(&dom, imp_lower(h->from, low, sizeof(low)), cap);
		want(&dom, imp_lower(h->mfrom ? h->mfrom : "", low,
		    sizeof(low)), cap);
		if (h->pdomain != NULL)
			want(&dom, imp_lower(h->pdomain, low, sizeof(low)), cap);
		if (h->ext_spf_domain != NULL)
			want(&dom, imp_lower(h->ext_spf_domain, low,
			    sizeof(low)), cap);
		for (d = 0; d < h->ndkim; d++)
			want(&dom, imp_lower(h->dkim[d].domain, low,
			    sizeof(low)), cap);
	}
	rc = prefetch(im, &ip) == 0 && prefetch(im, &dom) == 0 ? 0 : -1;
	for (i = 0; i < ip.n; i++)
		free(ip.v[i]);
	for (i = 0; i < dom.n; i++)
		free(dom.v[i]);
	free(ip.v);
	free(dom.v);
	return rc;
}

/* imp_bulk - see the file header */
int
imp_bulk(struct importer *im, size_t from, size_t to, uint64_t *new,
    uint64_t *dups)
{
	struct prep pr[IMP_CHUNK];
	size_t i, k = 0;
	int rc;

	*new = *dups = 0;
	if (prefetch_names(im, from, to) != 0)
		return -1;
	for (i = from; i < to; i++)
		if (prep_record(im, im->q[i].h, &pr[i - from]) != 0)
			return -1;
	if (keys(im, pr, from, to, 0) != 0)
		return -1;
	twins(im, pr, from, to);
	for (i = from; i < to; i++)
		k += !pr[i - from].dup;
	if ((rc = insert_msgs(im, pr, from, to, k)) != 0)
		return rc;
	if (k > 0 && keys(im, pr, from, to, 1) != 0)
		return -1;
	for (i = from; i < to; i++)
		if (!pr[i - from].dup && pr[i - from].msg == 0) {
			log_warnx("a message just inserted is not found");
			return -1;
		}
	if (insert_sigs(im, pr, from, to) != 0)
		return -1;
	for (i = from; i < to; i++)
		if (!pr[i - from].dup &&
		    (imp_insert_arc(im, im->q[i].h, pr[i - from].msg) != 0 ||
		    imp_note_request(im, im->q[i].h) != 0))
			return -1;
	*new = k;
	*dups = (uint64_t)(to - from) - k;
	return 0;
}

/* The requests upsert: a row is only changed when it is not locked and
   the values are not older than what it holds (policydate).  MariaDB
   evaluates ON DUPLICATE KEY UPDATE assignments left to right, so
   policydate, which the condition reads, is assigned last. */
#define REQ_COLS	"repuri", "adkim", "aspf", "policy", "spolicy", "pct", \
	"fo", "np", "psd", "testing", "policydate"

static const char req_head[] = "INSERT INTO requests (domain, repuri, adkim, "
    "aspf, policy, spolicy, pct, fo, np, psd, testing, policydate) VALUES ";
static const char req_row[] = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {TS(?)})";

/* req_tail - the upsert clause in s's dialect (static storage) */
static const char *
req_tail(struct store *s)
{
	static char tail[2][2048];
	static const char *const cols[] = { REQ_COLS };
	const char *c;
	int my = store_kind(s) == STORE_MYSQL;
	size_t i, at;

	if (tail[my][0] != '\0')
		return tail[my];
	c = my ? "locked = 0 AND (policydate IS NULL OR policydate <= "
	    "VALUES(policydate))" : "locked = 0 AND (policydate IS NULL OR "
	    "policydate <= excluded.policydate)";
	at = (size_t)snprintf(tail[my], sizeof(tail[my]), "%s", my ?
	    " ON DUPLICATE KEY UPDATE " : " ON CONFLICT(domain) DO UPDATE SET ");
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		at += (size_t)snprintf(tail[my] + at, sizeof(tail[my]) - at,
		    my ? "%s%s = IF(%s, VALUES(%s), %s)" :
		    "%s%s = CASE WHEN %s THEN excluded.%s ELSE %s END",
		    i ? ", " : "", cols[i], c, cols[i], cols[i]);
	return tail[my];
}

/* imp_bulk_requests - see import-int.h */
int
imp_bulk_requests(struct importer *im)
{
	const struct reqval *r;
	struct store_stmt *st;
	int64_t v[9];
	size_t at, n, i;
	int p;

	for (at = 0; at < im->nreq; at += n) {
		n = im->nreq - at > IMP_CHUNK ? IMP_CHUNK : im->nreq - at;
		if (im->bulkreq[n] == NULL && (im->bulkreq[n] = build(im, n,
		    req_head, req_row, req_tail(im->s))) == NULL)
			return -1;
		st = im->bulkreq[n];
		(void)store_reset(st);
		for (i = 0, p = 1; i < n; i++, p += 12) {
			r = &im->req[at + i];
			v[0] = r->adkim, v[1] = r->aspf, v[2] = r->p;
			v[3] = r->sp, v[4] = r->pct, v[5] = r->fo;
			v[6] = r->np, v[7] = r->psd, v[8] = r->testing;
			if (store_bind_int64(st, p, r->domain) != 0 ||
			    store_bind_text(st, p + 1, r->repuri,
			    strlen(r->repuri)) != 0 ||
			    imp_bind_ints(st, p + 2, v, 9) != 0 ||
			    store_bind_int64(st, p + 11, r->date) != 0)
				return -1;
		}
		if (store_step(st) != STORE_DONE)
			return -1;
	}
	return 0;
}

/* imp_bulk_free - the statements of this file */
void
imp_bulk_free(struct importer *im)
{
	size_t n;

	for (n = 0; n <= IMP_CHUNK; n++) {
		store_finalize(im->bulkmsg[n]);
		store_finalize(im->bulksig[n]);
		store_finalize(im->bulkreq[n]);
	}
	store_finalize(im->bulkkeys);
	for (n = 0; n < 4; n++)
		store_finalize(im->bulkname[n]);
}
