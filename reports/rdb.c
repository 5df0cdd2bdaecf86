/*
 * rdb.c -- the SQL of dmarc-reports
 *
 * SYNOPSIS
 *	rdb_domains(db, &rows, &n);
 *	rdb_messages(db, &row, begin, end, fn, arg);
 *	rdb_report_insert(db, &report, "rfc9990");
 *	rdb_pending(db, &reports, &n); rdb_deliveries(db, &report);
 *	rdb_delivery_update(db, &delivery, now); rdb_report_finish(db, &r);
 *
 * DESCRIPTION
 *	Reads OpenDMARC's tables (compat 4) with dmarcd's columns
 *	(db/<dialect>/002-dmarcd.sql) and keeps the report state in the
 *	tables of db/<dialect>/010-reports.sql:
 *
 *	agg_reports	one row per (policy domain, window): report id, file
 *			name, the gzip attachment (base64) so that a retry
 *			sends the same bytes, state pending or done.
 *	agg_deliveries	one row per (report, destination address): state
 *			(dmarc-reports.h DS_*), attempts, last error.
 *
 *	A report becomes done when no delivery is pending; then
 *	requests.lastsent (OpenDMARC's "end of the last report window",
 *	inclusive) moves to the end of the newest done window that has no
 *	pending window before it.  The next window of a domain starts at
 *	MAX(agg_reports.end_ts), which may be pending: a failed delivery is
 *	retried with its stored report, never rebuilt.
 *
 *	Messages and their DKIM results are read with two queries per
 *	domain and window (not one per message, OpenDMARC's N+1), DKIM
 *	rows with a LEFT JOIN so a missing selector keeps the row (#230).
 *	A message is skipped when the requests row of its From domain has
 *	a lastsent at or after its date: OpenDMARC kept one row per From
 *	domain and reported each separately, so in a database it used,
 *	mail from a subdomain up to that row's lastsent was reported
 *	already.  (Our own rows are per policy domain and their lastsent
 *	never passes the start of the windows still to build.)
 *
 * WHY A FILE OF ITS OWN
 *	All SQL in one place, written once for both dialects through
 *	store.h's macros.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc-reports.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* col_dup - a text column as a new string ("" for NULL) */
static char *
col_dup(struct store_stmt *st, int col)
{
	size_t len;
	const char *p = store_col_text(st, col, &len);

	return p == NULL ? xstrdup("") : xstrndup(p, len);
}

/* dberr - log a database failure; returns -1 */
static int
dberr(struct store *db, const char *what)
{
	log_warnx("database: %s: %s", what, store_errmsg(db));
	return -1;
}

/* domrow_cmp - qsort by name */
static int
domrow_cmp(const void *a, const void *b)
{
	return strcmp(((const struct domrow *)a)->name,
	    ((const struct domrow *)b)->name);
}

/* last_ends - agg_reports' newest window end per domain into rows */
static int
last_ends(struct store *db, struct domrow *d, size_t n)
{
	struct store_stmt *st;
	struct domrow key, *hit;
	int rc;

	if ((st = store_prepare(db, "SELECT policy_domain, MAX(end_ts) "
	    "FROM agg_reports GROUP BY policy_domain")) == NULL)
		return dberr(db, "agg_reports");
	while ((rc = store_step(st)) == STORE_ROW) {
		key.name = (char *)(uintptr_t)store_col_text(st, 0, NULL);
		if (key.name == NULL || (hit = bsearch(&key, d, n, sizeof(*d),
		    domrow_cmp)) == NULL)
			continue;
		hit->last_end = store_col_int64(st, 1);
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : dberr(db, "agg_reports");
}

/* rdb_domains - the requests rows with a rua, sorted by name */
int
rdb_domains(struct store *db, struct domrow **out, size_t *n)
{
	struct store_stmt *st;
	struct domrow *d;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = store_prepare(db, "SELECT r.domain, d.name, r.repuri, "
	    "r.policy, r.spolicy, r.np, r.adkim, r.aspf, r.pct, r.fo, "
	    "r.testing, r.ri, {UNIX(r.lastsent)} FROM requests r "
	    "JOIN domains d ON d.id = r.domain WHERE r.repuri <> ''")) == NULL)
		return dberr(db, "requests");
	while ((rc = store_step(st)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		d = &(*out)[(*n)++];
		memset(d, 0, sizeof(*d));
		d->id = store_col_int64(st, 0);
		d->name = col_dup(st, 1);
		d->repuri = col_dup(st, 2);
		d->p = (int)store_col_int64(st, 3);
		d->sp = (int)store_col_int64(st, 4);
		d->np = (int)store_col_int64(st, 5);
		d->adkim = (int)store_col_int64(st, 6);
		d->aspf = (int)store_col_int64(st, 7);
		d->pct = (int)store_col_int64(st, 8);
		d->fo = (int)store_col_int64(st, 9);
		d->testing = (int)store_col_int64(st, 10);
		d->ri = (long)store_col_int64(st, 11);
		d->lastsent = store_col_isnull(st, 12) ? 0 :
		    store_col_int64(st, 12);
	}
	store_finalize(st);
	if (rc != STORE_DONE)
		return dberr(db, "requests");
	if (*n > 0)
		qsort(*out, *n, sizeof(**out), domrow_cmp);
	return last_ends(db, *out, *n);
}

/* rdb_domains_free - release rows */
void
rdb_domains_free(struct domrow *d, size_t n)
{
	size_t i;

	for (i = 0; d != NULL && i < n; i++) {
		free(d[i].name);
		free(d[i].repuri);
	}
	free(d);
}

/* DKIM results of the messages of one window, sorted by message id. */
struct sig {
	int64_t	 msg;
	char	*domain, *selector;
	int	 result;
};

struct sigs {
	struct sig	*s;
	size_t		 n, cap;
};

/* load_sigs - every DKIM result of the domain's messages in [from, to) */
static int
load_sigs(struct store *db, int64_t dom, int64_t from, int64_t to,
    struct sigs *sg)
{
	struct store_stmt *st;
	struct sig *s;
	int rc;

	if ((st = store_prepare_cached(db,
	    "SELECT s.message, d.name, sel.name, "
	    "s.pass FROM messages m JOIN signatures s ON s.message = m.id "
	    "JOIN domains d ON d.id = s.domain "
	    "LEFT JOIN selectors sel ON sel.id = s.selector "
	    "WHERE m.policy_domain = ? AND m.date >= {TS(?)} AND "
	    "m.date < {TS(?)} ORDER BY s.message, s.id")) == NULL)
		return dberr(db, "signatures");
	store_bind_int64(st, 1, dom);
	store_bind_int64(st, 2, from);
	store_bind_int64(st, 3, to);
	while ((rc = store_step(st)) == STORE_ROW) {
		if (sg->n == sg->cap) {
			sg->cap = sg->cap ? sg->cap * 2 : 256;
			sg->s = xreallocarray(sg->s, sg->cap, sizeof(*sg->s));
		}
		s = &sg->s[sg->n++];
		s->msg = store_col_int64(st, 0);
		s->domain = col_dup(st, 1);
		s->selector = col_dup(st, 2);
		s->result = (int)store_col_int64(st, 3);
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : dberr(db, "signatures");
}

/* sigs_free - release the DKIM results */
static void
sigs_free(struct sigs *sg)
{
	size_t i;

	for (i = 0; i < sg->n; i++) {
		free(sg->s[i].domain);
		free(sg->s[i].selector);
	}
	free(sg->s);
}

/* sigs_of - the DKIM results of message id into d (at most max) */
static size_t
sigs_of(const struct sigs *sg, int64_t id, struct agg_dkim *d, size_t max)
{
	size_t lo = 0, hi = sg->n, n = 0;

	while (lo < hi) {		/* first index with msg >= id */
		size_t mid = lo + (hi - lo) / 2;

		if (sg->s[mid].msg < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < sg->n && sg->s[lo].msg == id && n < max; lo++, n++) {
		d[n].domain = sg->s[lo].domain;
		d[n].selector = sg->s[lo].selector;
		d[n].result = sg->s[lo].result;
	}
	return n;
}

/* disposition - from the stored word, else from OpenDMARC's columns:
   disp 0/1 reject, 4 quarantine, 2 none (pass when DMARC passed under
   an enforcing p) */
static int
disposition(const char *word, int disp, int policy, int p)
{
	if (word != NULL && *word != '\0') {
		if (strcmp(word, "pass") == 0)
			return DMARC_DIS_PASS;
		if (strcmp(word, "quarantine") == 0)
			return DMARC_DIS_QUARANTINE;
		if (strcmp(word, "reject") == 0)
			return DMARC_DIS_REJECT;
		return DMARC_DIS_NONE;
	}
	if (disp == DMARC_HACTION_REJECT || disp == DMARC_HACTION_DISCARD)
		return DMARC_DIS_REJECT;
	if (disp == DMARC_HACTION_QUARANTINE)
		return DMARC_DIS_QUARANTINE;
	if (policy == DMARC_HPOLICY_PASS && (p == 'q' || p == 'r'))
		return DMARC_DIS_PASS;
	return DMARC_DIS_NONE;
}

/* ARC override comments of the window's messages, sorted by message id. */
struct arcnote {
	int64_t	 msg;
	char	*comment;	/* "arc=pass as[1].d=... as[1].s=... ..." */
};

struct arcs {
	struct arcnote	*a;
	size_t		 n, cap;
};

/* arc_append - one seal's "as[i].d=D as[i].s=S remote-ip[i]=IP" */
static void
arc_append(char **c, int64_t i, const char *d, const char *sel,
    const char *ip)
{
	char part[700];
	size_t old = strlen(*c);

	snprintf(part, sizeof(part), " as[%lld].d=%s as[%lld].s=%s",
	    (long long)i, d != NULL ? d : "", (long long)i,
	    sel != NULL ? sel : "");
	if (ip != NULL && *ip != '\0')
		snprintf(part + strlen(part), sizeof(part) - strlen(part),
		    " remote-ip[%lld]=%s", (long long)i, ip);
	*c = xrealloc(*c, old + strlen(part) + 1);
	memcpy(*c + old, part, strlen(part) + 1);
}

/* load_arcs - the sealers of the window's ARC-overridden messages, as
   the local_policy comment OpenDMARC writes (compat 5.2) */
static int
load_arcs(struct store *db, int64_t dom, int64_t from, int64_t to,
    struct arcs *ac)
{
	struct store_stmt *st;
	int64_t id;
	int rc;

	if ((st = store_prepare_cached(db,
	    "SELECT a.message, a.instance, d.name, "
	    "sel.name, r.arc_client_addr FROM messages m "
	    "JOIN arcseals a ON a.message = m.id "
	    "LEFT JOIN domains d ON d.id = a.domain "
	    "LEFT JOIN selectors sel ON sel.id = a.selector "
	    "LEFT JOIN arcauthresults r ON r.message = a.message AND "
	    "r.instance = a.instance "
	    "WHERE m.policy_domain = ? AND m.arc_policy = 0 AND "
	    "m.date >= {TS(?)} AND m.date < {TS(?)} "
	    "ORDER BY a.message, a.instance")) == NULL)
		return dberr(db, "arcseals");
	store_bind_int64(st, 1, dom);
	store_bind_int64(st, 2, from);
	store_bind_int64(st, 3, to);
	while ((rc = store_step(st)) == STORE_ROW) {
		id = store_col_int64(st, 0);
		if (ac->n == 0 || ac->a[ac->n - 1].msg != id) {
			if (ac->n == ac->cap) {
				ac->cap = ac->cap ? ac->cap * 2 : 16;
				ac->a = xreallocarray(ac->a, ac->cap,
				    sizeof(*ac->a));
			}
			ac->a[ac->n].msg = id;
			ac->a[ac->n++].comment = xstrdup("arc=pass");
		}
		if (strlen(ac->a[ac->n - 1].comment) < 1000)
			arc_append(&ac->a[ac->n - 1].comment,
			    store_col_int64(st, 1), store_col_text(st, 2, NULL),
			    store_col_text(st, 3, NULL),
			    store_col_text(st, 4, NULL));
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : dberr(db, "arcseals");
}

/* arcs_free - release the comments */
static void
arcs_free(struct arcs *ac)
{
	size_t i;

	for (i = 0; i < ac->n; i++)
		free(ac->a[i].comment);
	free(ac->a);
}

/* arcs_of - the comment of message id, NULL when it has no seals */
static const char *
arcs_of(const struct arcs *ac, int64_t id)
{
	size_t lo = 0, hi = ac->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ac->a[mid].msg == id)
			return ac->a[mid].comment;
		if (ac->a[mid].msg < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* fill - one message row into m (strings borrowed from the row) */
static void
fill(struct store_stmt *st, const struct domrow *dr, const struct sigs *sg,
    const struct arcs *ac, struct agg_dkim *dk, struct rmsg *m)
{
	const char *word = store_col_text(st, 13, NULL);
	int disp = (int)store_col_int64(st, 8);
	int policy = (int)store_col_int64(st, 9);
	int arcpol = (int)store_col_int64(st, 12);
	struct agg_msg *a = &m->m;

	memset(m, 0, sizeof(*m));
	m->date = store_col_int64(st, 1);
	m->tempfail = disp == DMARC_HACTION_TEMPFAIL;
	m->discovery = store_col_text(st, 15, NULL);
	a->ip = store_col_text(st, 2, NULL);
	a->header_from = store_col_text(st, 3, NULL);
	a->envelope_from = store_col_text(st, 4, NULL);
	if (a->envelope_from == NULL)
		a->envelope_from = "";
	a->spf_domain = store_col_text(st, 5, NULL);
	a->spf = (int)store_col_int64(st, 6);
	a->spf_scope = (int)store_col_int64(st, 7);
	a->disposition = disposition(word, disp, policy, dr->p);
	a->dkim_pass = store_col_int64(st, 10) == DMARC_ALIGN_PASS;
	a->spf_pass = store_col_int64(st, 11) == DMARC_ALIGN_PASS;
	a->reasons = (unsigned)store_col_int64(st, 14);
	if (word == NULL || *word == '\0') {	/* an OpenDMARC record */
		if (arcpol == 0 || ((policy == DMARC_HPOLICY_REJECT ||
		    policy == DMARC_HPOLICY_QUARANTINE) &&
		    a->disposition == DMARC_DIS_NONE))
			a->reasons |= DMARC_REASON_LOCAL_POLICY;
	}
	if (arcpol == 0 && (a->reasons & DMARC_REASON_LOCAL_POLICY) &&
	    (a->comment = arcs_of(ac, store_col_int64(st, 0))) == NULL)
		a->comment = "arc=pass";
	a->dkim = dk;
	a->ndkim = sigs_of(sg, store_col_int64(st, 0), dk, AGG_MAXDKIM * 2);
}

/* rdb_messages - hand every message of dr in [from, to) to fn, in date
   order; fn returning non-zero stops.  0, or -1 on a database error */
int
rdb_messages(struct store *db, const struct domrow *dr, int64_t from,
    int64_t to, rdb_msg_fn fn, void *arg)
{
	struct sigs sg = { NULL, 0, 0 };
	struct arcs ac = { NULL, 0, 0 };
	struct agg_dkim *dk = xreallocarray(NULL, AGG_MAXDKIM * 2,
	    sizeof(*dk));
	struct store_stmt *st = NULL;
	struct rmsg m;
	int rc = -1;

	if (load_sigs(db, dr->id, from, to, &sg) != 0 ||
	    load_arcs(db, dr->id, from, to, &ac) != 0)
		goto out;
	if ((st = store_prepare_cached(db,
	    "SELECT m.id, {UNIX(m.date)}, ip.addr, "
	    "fd.name, ed.name, sd.name, m.spf, m.spf_scope, m.disp, m.policy, "
	    "m.align_dkim, m.align_spf, m.arc_policy, m.disposition, "
	    "m.reasons, m.discovery FROM messages m "
	    "JOIN ipaddr ip ON ip.id = m.ip "
	    "JOIN domains fd ON fd.id = m.from_domain "
	    "LEFT JOIN domains ed ON ed.id = m.env_domain "
	    "LEFT JOIN domains sd ON sd.id = m.spf_domain "
	    "LEFT JOIN requests fr ON fr.domain = m.from_domain "
	    "WHERE m.policy_domain = ? AND m.date >= {TS(?)} AND "
	    "m.date < {TS(?)} AND (fr.lastsent IS NULL OR "
	    "m.date > fr.lastsent) ORDER BY m.date, m.id")) == NULL) {
		dberr(db, "messages");
		goto out;
	}
	store_bind_int64(st, 1, dr->id);
	store_bind_int64(st, 2, from);
	store_bind_int64(st, 3, to);
	while ((rc = store_step(st)) == STORE_ROW) {
		fill(st, dr, &sg, &ac, dk, &m);
		if (fn(arg, &m) != 0)
			break;
	}
	if (rc == STORE_ERROR)
		dberr(db, "messages");
	rc = rc == STORE_ERROR ? -1 : 0;
out:
	store_finalize(st);
	sigs_free(&sg);
	arcs_free(&ac);
	free(dk);
	return rc;
}

/* bind_str - bind a NUL-terminated string */
static int
bind_str(struct store_stmt *st, int i, const char *s)
{
	return store_bind_text(st, i, s, strlen(s));
}

/* insert_deliveries - the destinations of report r (just inserted) */
static int
insert_deliveries(struct store *db, struct report *r)
{
	struct store_stmt *st;
	size_t i;
	int rc = 0;

	if ((st = store_prepare_cached(db,
	    "INSERT INTO agg_deliveries (report, "
	    "destination, kind, max_size, state, error) "
	    "VALUES (?, ?, ?, ?, ?, ?)")) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < r->nd; i++) {
		struct delivery *d = &r->d[i];

		store_bind_int64(st, 1, r->id);
		bind_str(st, 2, d->dest);
		bind_str(st, 3, d->bcc ? "bcc" : "rua");
		store_bind_int64(st, 4, (int64_t)d->max_size);
		bind_str(st, 5, d->state);
		bind_str(st, 6, d->error);
		if (store_step(st) != STORE_DONE)
			rc = -1;
		else
			d->id = store_last_id(db);
		store_reset(st);
	}
	store_finalize(st);
	return rc;
}

/* rdb_report_insert - store r and its deliveries in one transaction */
int
rdb_report_insert(struct store *db, struct report *r, const char *format)
{
	struct store_stmt *st;
	char *b64;
	size_t blen;
	int ok;

	if (store_begin(db) != 0)
		return dberr(db, "begin");
	if ((st = store_prepare_cached(db,
	    "INSERT INTO agg_reports (policy_domain, "
	    "begin_ts, end_ts, report_id, filename, format, messages, "
	    "created, state, gz) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', "
	    "?)")) == NULL) {
		dberr(db, "agg_reports");
		store_rollback(db);
		return -1;
	}
	b64 = mime_b64(r->gz, r->gzlen, &blen);
	bind_str(st, 1, r->domain);
	store_bind_int64(st, 2, r->begin);
	store_bind_int64(st, 3, r->end);
	bind_str(st, 4, r->rid);
	bind_str(st, 5, r->filename);
	bind_str(st, 6, format);
	store_bind_int64(st, 7, (int64_t)r->messages);
	store_bind_int64(st, 8, r->created);
	store_bind_text(st, 9, b64, blen);
	ok = store_step(st) == STORE_DONE;
	store_finalize(st);
	free(b64);
	if (ok) {
		r->id = store_last_id(db);
		ok = insert_deliveries(db, r) == 0;
	}
	if (!ok) {
		dberr(db, "storing the report");
		store_rollback(db);
		r->id = 0;
		return -1;
	}
	return store_commit(db) == 0 ? 0 : dberr(db, "commit");
}

/* pending_row - one agg_reports row into r */
static int
pending_row(struct store_stmt *st, struct report *r)
{
	const char *b;
	size_t blen;

	memset(r, 0, sizeof(*r));
	r->id = store_col_int64(st, 0);
	r->domain = col_dup(st, 1);
	r->begin = store_col_int64(st, 2);
	r->end = store_col_int64(st, 3);
	b = store_col_text(st, 4, NULL);
	xstrlcpy(r->rid, b != NULL ? b : "", sizeof(r->rid));
	r->filename = col_dup(st, 5);
	r->messages = (uint64_t)store_col_int64(st, 6);
	r->created = store_col_int64(st, 7);
	b = store_col_text(st, 8, &blen);
	if (b == NULL || mime_b64_decode(b, blen, &r->gz, &r->gzlen) != 0) {
		log_warnx("report %s: stored attachment is damaged", r->rid);
		return -1;
	}
	return 0;
}

/* rdb_pending - stored reports with deliveries still pending */
int
rdb_pending(struct store *db, struct report **out, size_t *n)
{
	struct store_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = store_prepare(db, "SELECT id, policy_domain, begin_ts, "
	    "end_ts, report_id, filename, messages, created, gz "
	    "FROM agg_reports WHERE state = 'pending' ORDER BY id")) == NULL)
		return dberr(db, "agg_reports");
	while ((rc = store_step(st)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		if (pending_row(st, &(*out)[*n]) != 0)
			report_free(&(*out)[*n]);
		else
			(*n)++;
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : dberr(db, "agg_reports");
}

/* rdb_deliveries - the pending deliveries of stored report r into r->d */
int
rdb_deliveries(struct store *db, struct report *r)
{
	struct store_stmt *st;
	const char *k;
	size_t cap = 0;
	int rc;

	if ((st = store_prepare_cached(db,
	    "SELECT id, destination, kind, max_size, "
	    "attempts FROM agg_deliveries WHERE report = ? AND "
	    "state = 'pending' ORDER BY id")) == NULL)
		return dberr(db, "agg_deliveries");
	store_bind_int64(st, 1, r->id);
	while ((rc = store_step(st)) == STORE_ROW) {
		struct delivery *d;

		if (r->nd == cap) {
			cap = cap ? cap * 2 : 4;
			r->d = xreallocarray(r->d, cap, sizeof(*r->d));
		}
		d = &r->d[r->nd++];
		memset(d, 0, sizeof(*d));
		d->id = store_col_int64(st, 0);
		d->dest = col_dup(st, 1);
		k = store_col_text(st, 2, NULL);
		d->bcc = k != NULL && strcmp(k, "bcc") == 0;
		d->max_size = (uint64_t)store_col_int64(st, 3);
		d->attempts = (int)store_col_int64(st, 4);
		d->state = DS_PENDING;
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : dberr(db, "agg_deliveries");
}

/* rdb_delivery_update - record the outcome of one attempt */
int
rdb_delivery_update(struct store *db, const struct delivery *d, int64_t now)
{
	struct store_stmt *st;
	int ok;

	if (d->id == 0)
		return 0;
	if ((st = store_prepare_cached(db,
	    "UPDATE agg_deliveries SET state = ?, "
	    "attempts = ?, last_attempt = ?, error = ?, "
	    "sent = CASE WHEN ? = 'sent' THEN ? ELSE sent END "
	    "WHERE id = ?")) == NULL)
		return dberr(db, "agg_deliveries");
	bind_str(st, 1, d->state);
	store_bind_int64(st, 2, d->attempts);
	store_bind_int64(st, 3, now);
	bind_str(st, 4, d->error);
	bind_str(st, 5, d->state);
	store_bind_int64(st, 6, now);
	store_bind_int64(st, 7, d->id);
	ok = store_step(st) == STORE_DONE;
	store_finalize(st);
	return ok ? 0 : dberr(db, "agg_deliveries");
}

/* int_query - one integer from sql whose parameters are s (unless NULL)
   and then i (when usei); *isnull set for NULL.  0 or -1 */
static int
int_query(struct store *db, const char *sql, const char *s, int64_t i,
    int usei, int64_t *out, int *isnull)
{
	struct store_stmt *st;
	int rc, k = 1;

	if ((st = store_prepare_cached(db, sql)) == NULL)
		return -1;
	if (s != NULL)
		bind_str(st, k++, s);
	if (usei)
		store_bind_int64(st, k, i);
	if ((rc = store_step(st)) == STORE_ROW) {
		*isnull = store_col_isnull(st, 0);
		*out = *isnull ? 0 : store_col_int64(st, 0);
	}
	store_finalize(st);
	return rc == STORE_ROW ? 0 : -1;
}

/* lastsent - move requests.lastsent to the end of the newest done window
   of domain that has no pending window before it (never backwards) */
static int
lastsent(struct store *db, const char *domain)
{
	struct store_stmt *st;
	int64_t p, t;
	int pnull, tnull, ok;

	if (int_query(db, "SELECT MIN(begin_ts) FROM agg_reports WHERE "
	    "policy_domain = ? AND state = 'pending'", domain, 0, 0, &p,
	    &pnull) != 0 ||
	    int_query(db, pnull ? "SELECT MAX(end_ts) FROM agg_reports "
	    "WHERE policy_domain = ? AND state <> 'pending'" :
	    "SELECT MAX(end_ts) FROM agg_reports WHERE policy_domain = ? AND "
	    "state <> 'pending' AND end_ts <= ?", domain, p, !pnull, &t,
	    &tnull) != 0)
		return dberr(db, "agg_reports");
	if (tnull)
		return 0;
	if ((st = store_prepare_cached(db,
	    "UPDATE requests SET lastsent = {TS(?)} "
	    "WHERE domain = (SELECT id FROM domains WHERE name = ?) AND "
	    "(lastsent IS NULL OR lastsent < {TS(?)})")) == NULL)
		return dberr(db, "requests");
	store_bind_int64(st, 1, t - 1);
	bind_str(st, 2, domain);
	store_bind_int64(st, 3, t - 1);
	ok = store_step(st) == STORE_DONE;
	store_finalize(st);
	return ok ? 0 : dberr(db, "requests");
}

/* rdb_report_finish - done when no delivery is pending: 1 done, 0 still
   pending, -1 error */
int
rdb_report_finish(struct store *db, const struct report *r)
{
	struct store_stmt *st;
	int64_t n;
	int isnull, ok;

	if (int_query(db, "SELECT COUNT(*) FROM agg_deliveries WHERE "
	    "report = ? AND state = 'pending'", NULL, r->id, 1, &n,
	    &isnull) != 0)
		return dberr(db, "agg_deliveries");
	if (n > 0)
		return 0;
	if ((st = store_prepare_cached(db,
	    "UPDATE agg_reports SET state = 'done' "
	    "WHERE id = ?")) == NULL)
		return dberr(db, "agg_reports");
	store_bind_int64(st, 1, r->id);
	ok = store_step(st) == STORE_DONE;
	store_finalize(st);
	if (!ok)
		return dberr(db, "agg_reports");
	return lastsent(db, r->domain) == 0 ? 1 : -1;
}

/* rdb_suppressions - add the suppressions table (OpenDMARC develop) */
int
rdb_suppressions(struct store *db, struct noreports *nr)
{
	struct store_stmt *st;
	const char *a;
	int rc;

	if ((st = store_prepare(db, "SELECT address FROM suppressions")) ==
	    NULL)
		return dberr(db, "suppressions");
	while ((rc = store_step(st)) == STORE_ROW)
		if ((a = store_col_text(st, 0, NULL)) != NULL)
			noreports_add(nr, a);
	store_finalize(st);
	return rc == STORE_DONE ? 0 : dberr(db, "suppressions");
}

/* rdb_prune - drop the attachments of finished reports created before
   before (the rows stay: they hold each domain's last window) */
int
rdb_prune(struct store *db, int64_t before)
{
	struct store_stmt *st;
	int ok;

	if ((st = store_prepare(db, "UPDATE agg_reports SET gz = '' WHERE "
	    "state <> 'pending' AND created < ? AND gz <> ''")) == NULL)
		return dberr(db, "agg_reports");
	store_bind_int64(st, 1, before);
	ok = store_step(st) == STORE_DONE;
	store_finalize(st);
	return ok ? 0 : dberr(db, "agg_reports");
}

/* report_free - release the contents of r */
void
report_free(struct report *r)
{
	size_t i;

	free(r->domain);
	free(r->filename);
	free(r->gz);
	for (i = 0; i < r->nd; i++)
		free(r->d[i].dest);
	free(r->d);
	memset(r, 0, sizeof(*r));
}
