/*
 * import-db.c -- write history records into the database, in batches
 *
 * SYNOPSIS
 *	struct importer *importer_new(struct store *s, size_t batch,
 *	    int verbose);
 *	int importer_add(struct importer *im, struct dmarc_history *h,
 *	    const char *file, unsigned long line);
 *	int importer_flush(struct importer *im);
 *	void importer_free(struct importer *im);
 *
 * DESCRIPTION
 *	Records go to the database IMP_CHUNK at a time through
 *	import-bulk.c, which does what is described here with many rows
 *	per statement; this file holds the batches, the retries, the name
 *	caches and the one-record-at-a-time path that import-bulk.c falls
 *	back to when another host races it.
 *
 *	Per record: the ids of reporter, From, MAIL FROM, policy domain,
 *	SPF domain and client address come from in-memory caches, falling
 *	back to SELECT and then {INSERT_IGNORE} + SELECT (another host may
 *	have inserted the same name meanwhile; MariaDB sessions run in READ
 *	COMMITTED so that SELECT sees it).  The message row is inserted with
 *	{INSERT_IGNORE} against the unique key (reporter, date, jobid,
 *	digest): when it already exists the record is a duplicate and
 *	nothing else is written, which makes importing a file twice a no-op.
 *	Then one signatures row per dkim line and the ARC rows (INSERT
 *	IGNORE: duplicate seals no longer abort the record, OpenDMARC #29).
 *
 *	The requests row of the policy domain gets the policy values of the
 *	newest record per batch, once, at commit time (one upsert statement
 *	for up to IMP_CHUNK domains, import-bulk.c), and only when that
 *	record is not older than what the row holds (policydate) and the row
 *	is not locked: no hot-row UPDATE per message, and two hosts
 *	importing out of order cannot put an older policy back.  Records
 *	without a DMARC record (policy 14) leave requests alone.
 *
 *	digest is "" when the job id identifies the message; for
 *	"(unknown-jobid)", "-" or an empty id it is the FNV-1a hash of the
 *	record in canonical form, so two messages without a job id in the
 *	same second are both kept, while the same record is still a
 *	duplicate the second time.  Such a record is also a duplicate when a
 *	row with its reporter, date and job id and an empty digest exists:
 *	OpenDMARC imported it before the database was upgraded.
 *
 * DIAGNOSTICS
 *	A record with a value the schema cannot hold (a job id over 128
 *	octets, a name over 255, a code out of its column's range) is
 *	reported with its file and line and skipped; so is one the database
 *	refuses.  -1 means the database itself failed (down, or an error
 *	that persists after 8 retries of a deadlock): the caller stops and
 *	exits with a temporary failure; the records of the failed batch
 *	were not written.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarc.h"
#include "import.h"
#include "import-int.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define MAXRETRY	8
#define CACHE_MAX	(1024 * 1024)	/* entries per cache before a reset */


static const char *const sqls[S__N] = {
	"SELECT id FROM domains WHERE name = ?",
	"{INSERT_IGNORE} INTO domains (name) VALUES (?)",
	"SELECT id FROM reporters WHERE name = ?",
	"{INSERT_IGNORE} INTO reporters (name) VALUES (?)",
	"SELECT id FROM ipaddr WHERE addr = ?",
	"{INSERT_IGNORE} INTO ipaddr (addr) VALUES (?)",
	"SELECT id FROM selectors WHERE name = ? AND domain = ?",
	"{INSERT_IGNORE} INTO selectors (name, domain) VALUES (?, ?)",
	"{INSERT_IGNORE} INTO messages (date, jobid, reporter, policy, disp, "
	    "ip, env_domain, from_domain, policy_domain, spf, align_dkim, "
	    "align_spf, sigcount, arc, arc_policy, spf_scope, digest, "
	    "discovery, disposition, reasons, spf_domain) VALUES ({TS(?)}, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	"INSERT INTO signatures (message, domain, selector, pass, error) "
	    "VALUES (?, ?, ?, ?, ?)",
	"{INSERT_IGNORE} INTO arcauthresults (message, instance, "
	    "arc_client_addr) VALUES (?, ?, ?)",
	"{INSERT_IGNORE} INTO arcseals (message, domain, selector, instance) "
	    "VALUES (?, ?, ?, ?)",
	"SELECT COUNT(*) FROM messages WHERE reporter = ? AND "
	    "date = {TS(?)} AND jobid = ? AND digest = ''",
};

/* hash - FNV-1a 64 */
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

/* imp_map_clear - forget every entry */
void
imp_map_clear(struct idmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->id);
	memset(m, 0, sizeof(*m));
}

/* map_slot - where k is, or the empty slot where it would go */
static size_t
map_slot(const struct idmap *m, const char *k)
{
	size_t i = (size_t)hash(k, strlen(k)) & (m->cap - 1);

	while (m->key[i] != NULL && strcmp(m->key[i], k) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* map_get - the id of k, 0 when not cached */
int64_t
imp_map_get(const struct idmap *m, const char *k)
{
	size_t i;

	if (m->cap == 0)
		return 0;
	i = map_slot(m, k);
	return m->key[i] != NULL ? m->id[i] : 0;
}

/* map_put - remember k -> id (growing at half full) */
void
imp_map_put(struct idmap *m, const char *k, int64_t id)
{
	struct idmap old = *m;
	size_t i;

	if (m->n >= CACHE_MAX) {	/* bound the memory; ids stay valid */
		imp_map_clear(m);
		old = *m;
	}
	if (2 * (m->n + 1) > m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->key = xcalloc(m->cap, sizeof(*m->key));
		m->id = xcalloc(m->cap, sizeof(*m->id));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.key[i] != NULL) {
				size_t j = map_slot(m, old.key[i]);

				m->key[j] = old.key[i];
				m->id[j] = old.id[i];
				m->n++;
			}
		free(old.key);
		free(old.id);
	}
	i = map_slot(m, k);
	if (m->key[i] == NULL) {
		m->key[i] = xstrdup(k);
		m->n++;
	}
	m->id[i] = id;
}

/* stmt - the prepared statement n, reset and ready to bind */
struct store_stmt *
imp_stmt(struct importer *im, int n)
{
	if (im->st[n] == NULL)
		im->st[n] = store_prepare(im->s, sqls[n]);
	else
		(void)store_reset(im->st[n]);
	return im->st[n];
}

/* select_id - run a bound SELECT id: the id, 0 when none, -1 error.
   The statement is reset at once: an SQLite statement left on a row
   keeps a read snapshot open, and a later BEGIN IMMEDIATE on a stale
   snapshot fails at once instead of waiting for the lock. */
int64_t
imp_select_id(struct store_stmt *st)
{
	int rc = store_step(st);
	int64_t id = rc == STORE_ROW ? store_col_int64(st, 0) : 0;

	(void)store_reset(st);
	return rc == STORE_ERROR ? -1 : id;
}

/* name_id - id of name in a names table (sel/ins statements, cache) */
int64_t
imp_name_id(struct importer *im, struct idmap *m, int sel, const char *name)
{
	struct store_stmt *st;
	int64_t id;
	int pass;

	if ((id = imp_map_get(m, name)) > 0)
		return id;
	for (pass = 0; pass < 2; pass++) {
		if ((st = imp_stmt(im, sel)) == NULL ||
		    store_bind_text(st, 1, name, strlen(name)) != 0 ||
		    (id = imp_select_id(st)) < 0)
			return -1;
		if (id > 0) {
			imp_map_put(m, name, id);
			return id;
		}
		if (pass == 1 || (st = imp_stmt(im, sel + 1)) == NULL ||
		    store_bind_text(st, 1, name, strlen(name)) != 0 ||
		    store_step(st) != STORE_DONE)
			return -1;
		if (store_changes(im->s) == 1) {
			id = store_last_id(im->s);
			imp_map_put(m, name, id);
			return id;
		}
	}
	return -1;
}

/* selector_id - id of selector sel of domain dom (0 for none) */
int64_t
imp_selector_id(struct importer *im, int64_t dom, const char *sel)
{
	struct store_stmt *st;
	char key[300];
	int64_t id;
	int pass;

	if (sel == NULL)
		return 0;
	(void)snprintf(key, sizeof(key), "%lld/%s", (long long)dom, sel);
	if ((id = imp_map_get(&im->selectors, key)) > 0)
		return id;
	for (pass = 0; pass < 2; pass++) {
		if ((st = imp_stmt(im, S_SELSEL)) == NULL ||
		    store_bind_text(st, 1, sel, strlen(sel)) != 0 ||
		    store_bind_int64(st, 2, dom) != 0 ||
		    (id = imp_select_id(st)) < 0)
			return -1;
		if (id > 0)
			break;
		if (pass == 1 || (st = imp_stmt(im, S_INSSEL)) == NULL ||
		    store_bind_text(st, 1, sel, strlen(sel)) != 0 ||
		    store_bind_int64(st, 2, dom) != 0 ||
		    store_step(st) != STORE_DONE)
			return -1;
		if (store_changes(im->s) == 1) {
			id = store_last_id(im->s);
			break;
		}
	}
	if (id <= 0)
		return -1;
	imp_map_put(&im->selectors, key, id);
	return id;
}

/* imp_lower - name lower-cased into buf (len > 0), as names are stored */
const char *
imp_lower(const char *name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i < len - 1; i++)
		buf[i] = (name[i] >= 'A' && name[i] <= 'Z') ?
		    (char)(name[i] - 'A' + 'a') : name[i];
	buf[i] = '\0';
	return buf;
}

/* domain_id - id of a domain name, lower-cased ("" is a name too) */
int64_t
imp_domain_id(struct importer *im, const char *name)
{
	char low[256];

	return imp_name_id(im, &im->domains, S_SELDOM,
	    imp_lower(name, low, sizeof(low)));
}

/* in - lo <= v <= hi */
static int
in(long long v, long long lo, long long hi)
{
	return v >= lo && v <= hi;
}

/* toolong - s is longer than max octets */
static int
toolong(const char *s, size_t max)
{
	return s != NULL && strlen(s) > max;
}

/* check_record - NULL when h fits the schema, else why not */
static const char *
check_record(const struct dmarc_history *h)
{
	size_t i;

	if (h->job == NULL || h->reporter == NULL || h->from == NULL ||
	    h->ipaddr == NULL)
		return "job, reporter, ipaddr or from missing or invalid";
	if (h->received <= 0 || h->received > 2147483647LL)
		return "received missing or out of range";
	if (toolong(h->job, 128))
		return "job id longer than 128 octets";
	if (toolong(h->reporter, 255) || toolong(h->from, 255) ||
	    toolong(h->mfrom, 255) || toolong(h->pdomain, 255) ||
	    toolong(h->ext_spf_domain, 255))
		return "a name longer than 255 octets";
	if (toolong(h->ipaddr, 64))
		return "ipaddr longer than 64 octets";
	if (!in(h->policy, 0, 255) || !in(h->action, 0, 255) ||
	    !in(h->spf, -128, 127) || !in(h->align_dkim, 0, 255) ||
	    !in(h->align_spf, 0, 255) || !in(h->arc, 0, 255) ||
	    !in(h->arc_policy, 0, 255) || !in(h->spf_scope, -128, 127) ||
	    !in(h->pct, -128, 127) || !in(h->adkim, -128, 127) ||
	    !in(h->aspf, -128, 127) || !in(h->p, -128, 127) ||
	    !in(h->sp, -128, 127) || !in(h->fo, -128, 127))
		return "a code out of its column's range";
	for (i = 0; i < h->ndkim; i++)
		if (toolong(h->dkim[i].domain, 255) ||
		    toolong(h->dkim[i].selector, 255) ||
		    !in(h->dkim[i].result, 0, 255))
			return "a dkim line the schema cannot hold";
	for (i = 0; i < h->narcseal; i++)
		if (!in(h->arcseal[i].instance, 0, 65535) ||
		    toolong(h->arcseal[i].ip, 64))
			return "an ARC seal the schema cannot hold";
	return NULL;
}

/* unknown_job - a job id that does not identify a message */
static int
unknown_job(const char *job)
{
	return job[0] == '\0' || strcmp(job, "-") == 0 ||
	    strcmp(job, "(unknown-jobid)") == 0;
}

/* digest - "" or the record's hash in 16 hex digits (see header) */
void
imp_digest(const struct dmarc_history *h, char out[17])
{
	char *text = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (!unknown_job(h->job))
		return;
	if (dmarc_history_format(h, 1, &text, &len) != DMARC_OK)
		fatalx("cannot format a history record");
	(void)snprintf(out, 17, "%016llx", (unsigned long long)hash(text, len));
	free(text);
}

/* bind_ints - bind v[0..n) to parameters from..from+n-1 */
int
imp_bind_ints(struct store_stmt *st, int from, const int64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (store_bind_int64(st, from + (int)i, v[i]) != 0)
			return -1;
	return 0;
}

/* imp_legacy_dup - a record without job id that OpenDMARC imported
   before the upgrade (a row with an empty digest): 1, 0, -1 error */
int
imp_legacy_dup(struct importer *im, const struct dmarc_history *h,
    int64_t rep, const char *dg)
{
	struct store_stmt *st;
	int64_t n;

	if (dg[0] == '\0')
		return 0;
	if ((st = imp_stmt(im, S_OLDMSG)) == NULL ||
	    store_bind_int64(st, 1, rep) != 0 ||
	    store_bind_int64(st, 2, h->received) != 0 ||
	    store_bind_text(st, 3, h->job, strlen(h->job)) != 0 ||
	    (n = imp_select_id(st)) < 0)
		return -1;
	return n > 0;
}

/* insert_message - the messages row: its id, 0 duplicate, -1 error */
static int64_t
insert_message(struct importer *im, const struct dmarc_history *h)
{
	struct store_stmt *st;
	int64_t rep, ip, env, from, pol, spfd = 0, v[13];
	const char *disc = h->ext_discovery ? h->ext_discovery : "";
	const char *disp = h->ext_disposition ? h->ext_disposition : "";
	char dg[17];

	if ((rep = imp_name_id(im, &im->reporters, S_SELREP, h->reporter)) < 0 ||
	    (ip = imp_name_id(im, &im->ips, S_SELIP, h->ipaddr)) < 0 ||
	    (env = imp_domain_id(im, h->mfrom ? h->mfrom : "")) < 0 ||
	    (from = imp_domain_id(im, h->from)) < 0 ||
	    (pol = imp_domain_id(im, h->pdomain ? h->pdomain : h->from)) < 0 ||
	    (h->ext_spf_domain != NULL &&
	    (spfd = imp_domain_id(im, h->ext_spf_domain)) < 0))
		return -1;
	imp_digest(h, dg);
	if ((v[0] = imp_legacy_dup(im, h, rep, dg)) != 0)
		return v[0] < 0 ? -1 : 0;
	v[0] = rep, v[1] = h->policy, v[2] = h->action, v[3] = ip;
	v[4] = env, v[5] = from, v[6] = pol, v[7] = h->spf;
	v[8] = h->align_dkim, v[9] = h->align_spf;
	v[10] = h->ndkim > 255 ? 255 : (int64_t)h->ndkim;
	v[11] = h->arc, v[12] = h->arc_policy;
	if ((st = imp_stmt(im, S_INSMSG)) == NULL ||
	    store_bind_int64(st, 1, h->received) != 0 ||
	    store_bind_text(st, 2, h->job, strlen(h->job)) != 0 ||
	    imp_bind_ints(st, 3, v, 13) != 0 ||
	    store_bind_int64(st, 16, h->spf_scope != 0 ? h->spf_scope : -1) != 0 ||
	    store_bind_text(st, 17, dg, strlen(dg)) != 0 ||
	    store_bind_text(st, 18, disc, strlen(disc)) != 0 ||
	    store_bind_text(st, 19, disp, strlen(disp)) != 0 ||
	    store_bind_int64(st, 20, h->ext_reasons) != 0 ||
	    store_bind_int64(st, 21, spfd) != 0 ||
	    store_step(st) != STORE_DONE)
		return -1;
	return store_changes(im->s) == 1 ? store_last_id(im->s) : 0;
}

/* insert_sigs - one signatures row per dkim line of message msg */
static int
insert_sigs(struct importer *im, const struct dmarc_history *h, int64_t msg)
{
	struct store_stmt *st;
	int64_t v[5];
	size_t i;

	for (i = 0; i < h->ndkim; i++) {
		v[0] = msg;
		if ((v[1] = imp_domain_id(im, h->dkim[i].domain)) < 0 ||
		    (v[2] = imp_selector_id(im, v[1], h->dkim[i].selector)) < 0)
			return -1;
		v[3] = h->dkim[i].result;
		v[4] = h->dkim[i].result == DMARC_ARES_TEMPERROR ||
		    h->dkim[i].result == DMARC_ARES_PERMERROR;
		if ((st = imp_stmt(im, S_INSSIG)) == NULL ||
		    imp_bind_ints(st, 1, v, 5) != 0 ||
		    store_step(st) != STORE_DONE)
			return -1;
	}
	return 0;
}

/* imp_insert_arc - the ARC rows of message msg */
int
imp_insert_arc(struct importer *im, const struct dmarc_history *h,
    int64_t msg)
{
	const struct dmarc_hist_arcseal *a;
	struct store_stmt *st;
	int64_t v[4];
	size_t i;

	for (i = 0; i < h->narcseal; i++) {
		a = &h->arcseal[i];
		if ((st = imp_stmt(im, S_INSAAR)) == NULL ||
		    store_bind_int64(st, 1, msg) != 0 ||
		    store_bind_int64(st, 2, a->instance) != 0 ||
		    store_bind_text(st, 3, a->ip ? a->ip : "",
		    a->ip ? strlen(a->ip) : 0) != 0 ||
		    store_step(st) != STORE_DONE)
			return -1;
		v[0] = msg;
		if ((v[1] = imp_domain_id(im, a->domain ? a->domain : "")) < 0 ||
		    (v[2] = imp_selector_id(im, v[1], a->selector)) < 0)
			return -1;
		v[3] = a->instance;
		if ((st = imp_stmt(im, S_INSSEAL)) == NULL ||
		    imp_bind_ints(st, 1, v, 4) != 0 ||
		    store_step(st) != STORE_DONE)
			return -1;
	}
	return 0;
}

/* join_rua - the rua URIs joined with ',' as far as 255 octets allow */
static void
join_rua(const struct dmarc_history *h, char *out, size_t outlen)
{
	size_t i, n = 0, len;

	out[0] = '\0';
	for (i = 0; i < h->nrua; i++) {
		len = strlen(h->rua[i]);
		if (strcmp(h->rua[i], "-") == 0 || n + (n > 0) + len >= outlen)
			continue;
		if (n > 0)
			out[n++] = ',';
		memcpy(out + n, h->rua[i], len);
		n += len;
		out[n] = '\0';
	}
}

/* note_request - remember h's policy values for its policy domain */
int
imp_note_request(struct importer *im, const struct dmarc_history *h)
{
	struct reqval *r = NULL;
	int64_t dom;
	size_t i;

	if (h->policy == DMARC_HPOLICY_ABSENT)
		return 0;
	if ((dom = imp_domain_id(im, h->pdomain ? h->pdomain : h->from)) < 0)
		return -1;
	for (i = 0; i < im->nreq; i++)
		if (im->req[i].domain == dom)
			r = &im->req[i];
	if (r != NULL && r->date > h->received)
		return 0;
	if (r == NULL) {
		im->req = xreallocarray(im->req, im->nreq + 1, sizeof(*r));
		r = &im->req[im->nreq++];
	}
	r->domain = dom;
	r->date = h->received;
	join_rua(h, r->repuri, sizeof(r->repuri));
	r->adkim = h->adkim, r->aspf = h->aspf, r->p = h->p, r->sp = h->sp;
	r->pct = h->pct, r->fo = h->fo < 0 ? 0 : h->fo;
	r->np = h->ext_np, r->psd = h->ext_psd, r->testing = h->ext_t == 1;
	return 0;
}

/* cmp_req - requests in domain order: every host locks rows alike */
static int
cmp_req(const void *a, const void *b)
{
	const struct reqval *x = a, *y = b;

	return x->domain < y->domain ? -1 : x->domain > y->domain;
}

/* write_record - one record inside the open transaction */
static int
write_record(struct importer *im, const struct queued *q, int *dup)
{
	int64_t msg;

	*dup = 0;
	if ((msg = insert_message(im, q->h)) < 0)
		return -1;
	if (msg == 0) {
		*dup = 1;
		return 0;
	}
	if (insert_sigs(im, q->h, msg) != 0 ||
	    imp_insert_arc(im, q->h, msg) != 0 ||
	    imp_note_request(im, q->h) != 0)
		return -1;
	return 0;
}

/* reset_caches - after a rollback the ids of this batch may be gone */
static void
reset_caches(struct importer *im)
{
	imp_map_clear(&im->domains);
	imp_map_clear(&im->reporters);
	imp_map_clear(&im->ips);
	imp_map_clear(&im->selectors);
	im->nreq = 0;
}

/* run_tx - queue entries [from, to) in one transaction, IMP_CHUNK
   messages per statement (import-bulk.c) or, after a race, one at a
   time: 0; -1 deadlock; -2 race; 1 another error */
static int
run_tx(struct importer *im, size_t from, size_t to, uint64_t *new,
    uint64_t *dups)
{
	uint64_t n1, d1;
	size_t i, end;
	int dup, rc;

	*new = *dups = 0;
	im->nreq = 0;
	if (store_begin(im->s) != 0)
		goto fail;
	if (!im->slow && im->load && to - from > 1) {
		if ((rc = imp_load(im, from, to, new, dups)) == 2) {
			(void)store_rollback(im->s);
			reset_caches(im);
			return -2;	/* run it again one record at a time */
		}
		if (rc != 0)
			goto fail;
		goto requests;
	}
	for (i = from; im->slow && i < to; i++) {
		if (write_record(im, &im->q[i], &dup) != 0)
			goto fail;
		*(dup ? dups : new) += 1;
	}
	for (i = from; !im->slow && i < to; i = end) {
		end = to - i > IMP_CHUNK ? i + IMP_CHUNK : to;
		if ((rc = imp_bulk(im, i, end, &n1, &d1)) == 2) {
			(void)store_rollback(im->s);
			reset_caches(im);
			return -2;	/* run it again one record at a time */
		}
		if (rc != 0)
			goto fail;
		*new += n1;
		*dups += d1;
	}
requests:
	if (im->nreq > 1)
		qsort(im->req, im->nreq, sizeof(*im->req), cmp_req);
	if (imp_bulk_requests(im) != 0)
		goto fail;
	if (store_commit(im->s) != 0)
		goto fail;
	return 0;
fail:
	(void)store_rollback(im->s);
	reset_caches(im);
	return store_retryable(im->s) ? -1 : 1;
}

/* run_retry - run_tx, again after a deadlock (backing off) */
static int
run_retry(struct importer *im, size_t from, size_t to)
{
	struct timespec ts;
	uint64_t new, dups;
	int rc, tries;

	for (tries = 0; (rc = run_tx(im, from, to, &new, &dups)) < 0; tries++) {
		if (tries == MAXRETRY) {
			im->slow = 0;
			return -1;
		}
		im->stats.retries++;
		if (rc == -2) {		/* a race: the careful way at once */
			im->slow = 1;
			continue;
		}
		log_debug("retrying a transaction: %s", store_errmsg(im->s));
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(20 + (rand() % 100) * (tries + 1)) * 1000000L;
		(void)nanosleep(&ts, NULL);
	}
	im->slow = 0;
	if (rc == 0) {
		im->stats.imported += new;
		im->stats.duplicates += dups;
	}
	return rc;
}

/* db_alive - the connection still answers */
static int
db_alive(struct importer *im)
{
	return store_exec(im->s, "SELECT 1") == 0;
}

/* importer_flush - see import.h */
int
importer_flush(struct importer *im)
{
	char why[512];
	size_t i, refused = 0;
	int rc = 0;

	if (im->nq == 0)
		return 0;
	rc = run_retry(im, 0, im->nq);
	(void)snprintf(why, sizeof(why), "%s", store_errmsg(im->s));
	if (rc == 1 && !db_alive(im))
		rc = -1;	/* the server went away: no use going on */
	if (rc == 1) {
		/* some record is refused: find it, write the others */
		rc = 0;
		for (i = 0; i < im->nq && rc == 0; i++) {
			if ((rc = run_retry(im, i, i + 1)) != 1)
				continue;
			if (!db_alive(im)) {
				rc = -1;
				break;
			}
			log_warnx("%s:%lu: record (job %s) refused by the "
			    "database, skipped: %s", im->q[i].file,
			    im->q[i].line, im->q[i].h->job, store_errmsg(im->s));
			im->stats.rejected++;
			refused++;
			rc = 0;
		}
		/* every record refused: the database, not the data */
		if (refused == im->nq && refused > 1)
			rc = -1;
		(void)snprintf(why, sizeof(why), "%s", store_errmsg(im->s));
	}
	if (rc != 0)
		log_warnx("database failure, %zu records not imported (run "
		    "again): %s", im->nq, why);
	for (i = 0; i < im->nq; i++)
		dmarc_history_free(im->q[i].h);
	im->nq = 0;
	return rc == 0 ? 0 : -1;
}

/* importer_add - see import.h */
int
importer_add(struct importer *im, struct dmarc_history *h,
    const char *file, unsigned long line)
{
	const char *why;

	if ((why = check_record(h)) != NULL) {
		log_warnx("%s:%lu: record (job %s) skipped: %s", file, line,
		    h->job != NULL ? h->job : "?", why);
		im->stats.rejected++;
		dmarc_history_free(h);
		return 0;
	}
	im->q[im->nq].h = h;
	im->q[im->nq].file = file;
	im->q[im->nq].line = line;
	if (++im->nq < im->batch)
		return 0;
	return importer_flush(im);
}

/* importer_new - an importer writing batch records per transaction */
struct importer *
importer_new(struct store *s, size_t batch, int verbose)
{
	struct importer *im = xcalloc(1, sizeof(*im));

	im->s = s;
	im->batch = batch > 0 ? batch : 1;
	im->verbose = verbose;
	im->q = xcalloc(im->batch, sizeof(*im->q));
	if (store_kind(s) == STORE_MYSQL && store_exec(s, "SET SESSION "
	    "TRANSACTION ISOLATION LEVEL READ COMMITTED") != 0)
		log_warnx("cannot set READ COMMITTED: %s", store_errmsg(s));
	im->load = imp_load_ready(im);
	srand((unsigned)time(NULL) ^ (unsigned)(uintptr_t)im);
	return im;
}

/* importer_free - flush nothing; free everything (NULL is fine) */
void
importer_free(struct importer *im)
{
	size_t i;

	if (im == NULL)
		return;
	for (i = 0; i < im->nq; i++)
		dmarc_history_free(im->q[i].h);
	for (i = 0; i < S__N; i++)
		store_finalize(im->st[i]);
	imp_bulk_free(im);
	reset_caches(im);
	free(im->req);
	free(im->q);
	free(im);
}

/* importer_stats - the counters so far */
const struct import_stats *
importer_stats(const struct importer *im)
{
	return &im->stats;
}
