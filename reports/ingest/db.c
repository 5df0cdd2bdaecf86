/*
 * db.c -- received reports into the database (db/<dialect>/020-ingest.sql)
 *
 * DESCRIPTION
 *	One transaction per report.  The report row goes in with
 *	{INSERT_IGNORE} on its unique key (org, report id, policy domain,
 *	dates; TLS without the domain; failure reports by digest); when the
 *	row already existed nothing else is written and the report counts
 *	as a duplicate, so ingesting a mailbox twice changes nothing.
 *	Statements are prepared once per run.  Text is made valid UTF-8
 *	first (invalid bytes become U+FFFD): MariaDB refuses the rest.
 *
 *	An aggregate report streams (db_agg_begin, _records per batch,
 *	_end): its row and its records are written inside the report's one
 *	transaction while it is parsed, and the row's errors, records and
 *	messages are set at the end, just before the commit.  A report cut
 *	short stays a report (its truncation is one of its errors); a run
 *	that dies half-way, or a database error, rolls the whole report
 *	back, so no report is ever stored with half its records.  Records
 *	and their auth results go in as multi-row INSERTs of MULTI rows: one
 *	statement (one round trip to MariaDB) per MULTI records.  The ids of
 *	a multi-row insert are consecutive (SQLite: we hold the write lock;
 *	InnoDB: for a simple INSERT unless innodb_autoinc_lock_mode is 2,
 *	where we insert records one by one) and spaced by
 *	auto_increment_increment.
 *
 * SEE ALSO
 *	common/store.h, db/sqlite/020-ingest.sql, db/mysql/020-ingest.sql
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ingest_main.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define MULTI		32	/* rows per multi-row INSERT */
/*
 * A backfill touches index pages all over rua_records and rua_auth: a
 * 32 MiB page cache (SQLite's default is 2 MiB) keeps them, and WAL
 * checkpoints every 16 MiB instead of 4 MiB rewrite each page less often.
 * Both are per connection and bounded; durability stays as store.c set it.
 */
#define SQLITE_BULK	"PRAGMA cache_size = -32768; " \
			"PRAGMA wal_autocheckpoint = 4096; " \
			"PRAGMA temp_store = MEMORY"
#define REC_COLS	17
#define AUTH_COLS	6

enum {
	Q_RUA, Q_REC, Q_AUTH, Q_RUF, Q_TLS, Q_POL, Q_FAIL, Q_RUA_END,
	Q_REC_N, Q_AUTH_N, Q__N
};

static const char *const sql[Q__N] = {
	"{INSERT_IGNORE} INTO rua_reports (org_name, report_id, "
	"policy_domain, begin_time, end_time, org_email, extra_contact_info, "
	"generator, xml_schema, xml_namespace, adkim, aspf, p, sp, np, pct, "
	"fo, testing, discovery_method, errors, container, records, messages, "
	"received) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO rua_records (report, source_ip, count, disposition, "
	"dkim, spf, dkim_aligned, spf_aligned, dmarc_aligned, reasons, "
	"comments, header_from, envelope_from, envelope_to, reverse_dns, "
	"base_domain, country) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO rua_auth (record, kind, domain, selector_or_scope, "
	"result, human_result) VALUES (?,?,?,?,?,?)",
	"{INSERT_IGNORE} INTO ruf_reports (digest, received, feedback_type, "
	"user_agent, version, arrival, arrival_date, reporting_mta, "
	"source_ip, original_envelope_id, original_mail_from, "
	"original_rcpt_to, reported_domain, delivery_result, auth_failure, "
	"identity_alignment, dkim_domain, dkim_selector, spf_dns, "
	"authentication_results, subject, message_id, plain_text, "
	"sample_mode, sample, errors, container, reverse_dns, base_domain, "
	"country) VALUES "
	"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	"{INSERT_IGNORE} INTO tls_reports (org_name, report_id, begin_time, "
	"end_time, contact_info, begin_as_sent, end_as_sent, errors, "
	"container, received) VALUES (?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO tls_policies (report, policy_type, policy_domain, "
	"sts_mode, policy_strings, mx_hosts, mx_host_patterns, successful, "
	"failed) VALUES (?,?,?,?,?,?,?,?,?)",
	"INSERT INTO tls_failures (policy, result_type, failed_session_count, "
	"sending_mta_ip, receiving_ip, receiving_mx_hostname, "
	"receiving_mx_helo, additional_info_uri, failure_reason_code) VALUES "
	"(?,?,?,?,?,?,?,?,?)",
	"UPDATE rua_reports SET errors = ?, records = ?, messages = ? "
	"WHERE id = ?",
	NULL,	/* Q_REC_N: Q_REC with MULTI rows, made by multi() */
	NULL,	/* Q_AUTH_N */
};

/* The aggregate report being streamed into the database. */
struct agg_state {
	int64_t		 id;		/* its row */
	int		 open;		/* a transaction is open */
	int		 skip;		/* a duplicate, or failed */
	struct agg_auth	 const *auth[MULTI];
	int64_t		 auth_rec[MULTI];
	int		 auth_kind[MULTI];	/* 0 dkim, 1 spf */
	size_t		 nauth;
};

static struct store_stmt *stmts[Q__N];
static struct agg_state cur;
static int64_t id_step = 1;	/* auto_increment_increment */
static size_t rec_multi = MULTI; /* 1 when ids may interleave */

/* clean - valid UTF-8 of s (invalid bytes as U+FFFD), cut at max bytes */
static void
clean(struct ibuf *b, const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l, k;

	b->len = 0;
	ibuf_add(b, "", 0);
	while (i < n) {
		unsigned c = p[i];

		l = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
		    c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		for (k = 1; l > 1 && k < l; k++)
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				l = 0;
		if (l == 3 && ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f)))
			l = 0;
		if (l == 4 && ((c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f)))
			l = 0;
		if (b->len + (l ? l : 3) > max)
			break;
		if (l == 0 || (l == 1 && c == 0)) {
			ibuf_add(b, "\xef\xbf\xbd", 3);
			i++;
		} else {
			ibuf_add(b, s + i, l);
			i += l;
		}
	}
}

/* bt - bind text (NULL binds NULL), cleaned and cut to max bytes */
static int
bt(struct store_stmt *st, int i, const char *s, size_t max)
{
	struct ibuf b = { 0 };
	int rc;

	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (s == NULL)
		return store_bind_null(st, i);
	/* plain ASCII within bounds (nearly every value) binds as it is */
	for (n = 0; p[n] != '\0' && p[n] < 0x80 && n < max; n++)
		;
	if (p[n] == '\0')
		return store_bind_text(st, i, s, n);
	clean(&b, s, strlen(s), max);
	rc = store_bind_text(st, i, b.data, b.len);
	ibuf_free(&b);
	return rc;
}

/* bi - bind an integer (negative and nullneg: NULL) */
static int
bi(struct store_stmt *st, int i, int64_t v, int nullneg)
{
	return nullneg && v < 0 ? store_bind_null(st, i) :
	    store_bind_int64(st, i, v);
}

/* joinl - list items joined with sep, in an ibuf */
static const char *
joinl(struct ibuf *b, char *const *v, size_t n, const char *sep)
{
	size_t i;

	b->len = 0;
	ibuf_add(b, "", 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ibuf_adds(b, sep);
		ibuf_adds(b, v[i] ? v[i] : "");
	}
	return n ? b->data : NULL;
}

/* run1 - step an INSERT to its end and reset it */
static int
run1(struct store *s, struct store_stmt *st)
{
	int rc = store_step(st);

	store_reset(st);
	if (rc == STORE_ERROR) {
		log_warnx("database: %s", store_errmsg(s));
		return -1;
	}
	return 0;
}

/* multi - one INSERT of MULTI rows from its one-row form */
static void
multi(struct ibuf *b, const char *one, int cols)
{
	const char *v = strstr(one, "VALUES");
	int r, c;

	ibuf_add(b, one, (size_t)(v - one));
	ibuf_adds(b, "VALUES ");
	for (r = 0; r < MULTI; r++) {
		ibuf_adds(b, r ? ",(" : "(");
		for (c = 0; c < cols; c++)
			ibuf_adds(b, c ? ",?" : "?");
		ibuf_addc(b, ')');
	}
}

/* autoinc - how InnoDB numbers the rows of one multi-row INSERT */
static void
autoinc(struct store *s)
{
	struct store_stmt *st;

	st = store_prepare(s, "SELECT @@auto_increment_increment, "
	    "@@innodb_autoinc_lock_mode");
	if (st == NULL) {
		rec_multi = 1;
		return;
	}
	if (store_step(st) == STORE_ROW) {
		id_step = store_col_int64(st, 0);
		if (id_step < 1)
			id_step = 1;
		if (store_col_int64(st, 1) == 2)
			rec_multi = 1;
	} else
		rec_multi = 1;
	store_finalize(st);
}

/* db_open - connect, migrate, prepare */
int
db_open(struct ingest_run *run, const char *conffile)
{
	char err[512];
	struct conf *c = NULL;
	const char *dsn = run->dsn;
	int i;

	if (dsn == NULL) {
		if (conffile == NULL && access(SYSCONFDIR "/dmarcd.conf",
		    R_OK) == 0)
			conffile = SYSCONFDIR "/dmarcd.conf";
		if ((c = conf_load(conffile, CONF_TOOLS, err, sizeof(err))) ==
		    NULL) {
			log_warnx("%s", err);
			return -1;
		}
		dsn = conf_str(c, C_DATABASE);
	}
	run->db = store_open(dsn, err, sizeof(err));
	conf_free(c);
	if (run->db == NULL) {
		log_warnx("database: %s", err);
		return -1;
	}
	if (store_migrate(run->db, err, sizeof(err)) != 0) {
		log_warnx("database: %s", err);
		return -1;
	}
	if (store_kind(run->db) == STORE_MYSQL)
		autoinc(run->db);
	else if (store_exec(run->db, SQLITE_BULK) != 0)
		log_warnx("database: %s", store_errmsg(run->db));
	for (i = 0; i < Q__N; i++) {
		struct ibuf m = { 0 };

		if (i == Q_REC_N || i == Q_AUTH_N)
			multi(&m, sql[i == Q_REC_N ? Q_REC : Q_AUTH],
			    i == Q_REC_N ? REC_COLS : AUTH_COLS);
		stmts[i] = store_prepare(run->db, m.data ? m.data : sql[i]);
		ibuf_free(&m);
		if (stmts[i] == NULL) {
			log_warnx("database: %s", store_errmsg(run->db));
			return -1;
		}
	}
	return 0;
}

/* db_close - finalize and disconnect */
void
db_close(struct ingest_run *run)
{
	int i;

	for (i = 0; i < Q__N; i++)
		if (stmts[i] != NULL)
			store_finalize(stmts[i]);
	store_close(run->db);
	run->db = NULL;
}

/* bind_record - one record's columns from parameter base+1 on */
static void
bind_record(struct store_stmt *st, int base, int64_t report,
    const struct agg_record *x)
{
	struct ibuf b1 = { 0 }, b2 = { 0 };
	char *rt[16], *rc[16];
	size_t i, n = x->nreasons < 16 ? x->nreasons : 16;

	for (i = 0; i < n; i++) {
		rt[i] = x->reasons[i].type;
		rc[i] = x->reasons[i].comment;
	}
	bi(st, base + 1, report, 0);
	bt(st, base + 2, x->source_ip ? x->source_ip : "", 64);
	bi(st, base + 3, x->count, 0);
	bt(st, base + 4, x->disposition, 16);
	bt(st, base + 5, x->dkim, 16);
	bt(st, base + 6, x->spf, 16);
	bi(st, base + 7, x->dkim_aligned, 0);
	bi(st, base + 8, x->spf_aligned, 0);
	bi(st, base + 9, x->dmarc_aligned, 0);
	bt(st, base + 10, joinl(&b1, rt, n, ","), 255);
	bt(st, base + 11, joinl(&b2, rc, n, "|"), 65535);
	bt(st, base + 12, x->header_from, 255);
	bt(st, base + 13, x->envelope_from, 255);
	bt(st, base + 14, x->envelope_to, 255);
	bt(st, base + 15, x->reverse_dns, 255);
	bt(st, base + 16, x->base_domain, 255);
	bt(st, base + 17, x->country, 2);
	ibuf_free(&b1);
	ibuf_free(&b2);
}

/* auth_flush - the auth results waiting, in one statement if MULTI */
static int
auth_flush(struct store *s)
{
	struct store_stmt *st = cur.nauth == MULTI ? stmts[Q_AUTH_N] :
	    stmts[Q_AUTH];
	size_t i;
	int base;

	for (i = 0; i < cur.nauth; i++) {
		const struct agg_auth *a = cur.auth[i];

		base = st == stmts[Q_AUTH_N] ? (int)i * AUTH_COLS : 0;
		bi(st, base + 1, cur.auth_rec[i], 0);
		bt(st, base + 2, cur.auth_kind[i] ? "spf" : "dkim", 4);
		bt(st, base + 3, a->domain, 255);
		bt(st, base + 4, a->selector_or_scope, 255);
		bt(st, base + 5, a->result, 16);
		bt(st, base + 6, a->human_result, 65535);
		if (st == stmts[Q_AUTH] && run1(s, st) != 0)
			return -1;
	}
	if (st == stmts[Q_AUTH_N] && run1(s, st) != 0)
		return -1;
	cur.nauth = 0;
	return 0;
}

/* auths - queue a record's auth results (flushed MULTI at a time) */
static int
auths(struct store *s, int64_t rec, const struct agg_record *x)
{
	size_t i;

	for (i = 0; i < x->ndkim + x->nspf; i++) {
		cur.auth[cur.nauth] = i < x->ndkim ? &x->dkim_auth[i] :
		    &x->spf_auth[i - x->ndkim];
		cur.auth_kind[cur.nauth] = i >= x->ndkim;
		cur.auth_rec[cur.nauth++] = rec;
		if (cur.nauth == MULTI && auth_flush(s) != 0)
			return -1;
	}
	return 0;
}

/* first_id - the id of the first row of the multi-row INSERT just run */
static int64_t
first_id(struct store *s, size_t rows)
{
	int64_t last = store_last_id(s);

	/* SQLite reports the last row, MariaDB the first */
	return store_kind(s) == STORE_SQLITE ? last - (int64_t)(rows - 1) *
	    id_step : last;
}

/* records - n records of the current report with their auth results */
static int
records(struct store *s, const struct agg_record *v, size_t n)
{
	size_t i = 0, k, m;
	int64_t id;

	while (i < n) {
		m = rec_multi == MULTI && n - i >= MULTI ? MULTI : 1;
		for (k = 0; k < m; k++)
			bind_record(stmts[m > 1 ? Q_REC_N : Q_REC],
			    (int)k * REC_COLS, cur.id, &v[i + k]);
		if (run1(s, stmts[m > 1 ? Q_REC_N : Q_REC]) != 0)
			return -1;
		id = m > 1 ? first_id(s, m) : store_last_id(s);
		for (k = 0; k < m; k++)
			if (auths(s, id + (int64_t)k * id_step,
			    &v[i + k]) != 0)
				return -1;
		i += m;
	}
	/* the auth results point into this batch: write them now */
	return cur.nauth > 0 ? auth_flush(s) : 0;
}

/* agg_fail - a database error inside the report: roll it back */
static void
agg_fail(struct ingest_run *run)
{
	log_warnx("database: %s", store_errmsg(run->db));
	if (cur.open)
		store_rollback(run->db);
	cur.open = 0;
	cur.skip = 1;
	run->failed = 1;
	run->sinkerrs++;
}

/* db_agg_begin - open the report's transaction and write its row */
void
db_agg_begin(struct ingest_run *run, const struct report *r)
{
	const struct agg_report *g = &r->u.agg;
	struct store_stmt *st = stmts[Q_RUA];

	memset(&cur, 0, sizeof(cur));
	if (store_begin(run->db) != 0) {
		agg_fail(run);
		return;
	}
	cur.open = 1;
	bt(st, 1, g->org_name, 200);
	bt(st, 2, g->report_id, 255);
	bt(st, 3, g->domain, 253);
	bi(st, 4, g->begin, 0);
	bi(st, 5, g->end, 0);
	bt(st, 6, g->org_email, 255);
	bt(st, 7, g->extra_contact_info, 65535);
	bt(st, 8, g->generator, 255);
	bt(st, 9, g->xml_schema, 32);
	bt(st, 10, g->xml_namespace, 255);
	bt(st, 11, g->adkim, 1);
	bt(st, 12, g->aspf, 1);
	bt(st, 13, g->p, 16);
	bt(st, 14, g->sp, 16);
	bt(st, 15, g->np, 16);
	bi(st, 16, g->pct, 1);
	bt(st, 17, g->fo, 16);
	bt(st, 18, g->testing, 8);
	bt(st, 19, g->discovery_method, 16);
	store_bind_null(st, 20);	/* errors: at the end */
	bt(st, 21, r->container ? r->container : "", 128);
	bi(st, 22, 0, 0);
	bi(st, 23, 0, 0);
	bi(st, 24, (int64_t)time(NULL), 0);
	if (run1(run->db, st) != 0) {
		agg_fail(run);
		return;
	}
	if (store_changes(run->db) == 0) {
		cur.skip = 1;	/* there already: change nothing */
		return;
	}
	cur.id = store_last_id(run->db);
}

/* db_agg_records - a batch of the report's records */
void
db_agg_records(struct ingest_run *run, const struct agg_record *v, size_t n)
{
	if (cur.skip || !cur.open)
		return;
	if (records(run->db, v, n) != 0)
		agg_fail(run);
}

/* db_agg_end - the row's final errors and counts, and the commit */
void
db_agg_end(struct ingest_run *run, const struct report *r)
{
	const struct agg_report *g = &r->u.agg;
	struct store_stmt *st = stmts[Q_RUA_END];
	struct ibuf e = { 0 };

	if (!cur.open)
		return;
	if (!cur.skip) {
		bt(st, 1, joinl(&e, r->errors.v, r->errors.n, "\n"), 65535);
		bi(st, 2, (int64_t)g->total, 0);
		bi(st, 3, g->messages, 0);
		bi(st, 4, cur.id, 0);
		ibuf_free(&e);
		if (run1(run->db, st) != 0) {
			agg_fail(run);
			return;
		}
	} else
		run->dups++;
	cur.open = 0;
	if (store_commit(run->db) != 0) {
		cur.open = 1;
		agg_fail(run);
	}
}

/* fnv - 64-bit FNV-1a over a string and a separator */
static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;
	return h * 0x100000001b3ULL;
}

/* str_fnv - fnv over a C string (NULL hashes as empty) */
static uint64_t
str_fnv(uint64_t h, const char *s)
{
	return fnv(h, s, s ? strlen(s) : 0);
}

/* fail - a failure report; 1 when it was there already */
static int
fail(struct ingest_run *run, const struct report *r)
{
	static const char *const modes[] = { "none", "headers", "redacted",
		"all" };
	const struct failure_report *f = &r->u.fail;
	struct store_stmt *st = stmts[Q_RUF];
	struct ibuf e = { 0 }, af = { 0 };
	uint64_t h = 0xcbf29ce484222325ULL;
	char digest[17], *sample;
	size_t slen;

	h = str_fnv(h, f->feedback_type);
	h = str_fnv(h, f->source_ip);
	h = str_fnv(h, f->arrival_date);
	h = str_fnv(h, f->reported_domain);
	h = str_fnv(h, f->original_mail_from);
	h = str_fnv(h, f->original_rcpt_to);
	h = str_fnv(h, f->authentication_results);
	h = fnv(h, f->sample, f->sample_len);
	snprintf(digest, sizeof(digest), "%016" PRIx64, h);
	sample = out_sample(f, run->out.sample, &slen);
	bt(st, 1, digest, 16);
	bi(st, 2, (int64_t)time(NULL), 0);
	bt(st, 3, f->feedback_type, 32);
	bt(st, 4, f->user_agent, 255);
	bt(st, 5, f->version, 16);
	bi(st, 6, f->arrival, 1);
	bt(st, 7, f->arrival_date, 128);
	bt(st, 8, f->reporting_mta, 255);
	bt(st, 9, f->source_ip, 64);
	bt(st, 10, f->original_envelope_id, 255);
	bt(st, 11, f->original_mail_from, 255);
	bt(st, 12, f->original_rcpt_to, 255);
	bt(st, 13, f->reported_domain, 253);
	bt(st, 14, f->delivery_result, 32);
	bt(st, 15, joinl(&af, f->auth_failure.v, f->auth_failure.n, ","), 255);
	bt(st, 16, f->identity_alignment, 255);
	bt(st, 17, f->dkim_domain, 255);
	bt(st, 18, f->dkim_selector, 255);
	bt(st, 19, f->spf_dns, 65535);
	bt(st, 20, f->authentication_results, 65535);
	bt(st, 21, f->subject, 65535);
	bt(st, 22, f->message_id, 255);
	bi(st, 23, f->plain_text, 0);
	bt(st, 24, modes[run->out.sample], 8);
	bt(st, 25, sample, 16u << 20);
	bt(st, 26, joinl(&e, r->errors.v, r->errors.n, "\n"), 65535);
	bt(st, 27, r->container ? r->container : "", 128);
	bt(st, 28, f->reverse_dns, 255);
	bt(st, 29, f->base_domain, 255);
	bt(st, 30, f->country, 2);
	free(sample);
	ibuf_free(&e);
	ibuf_free(&af);
	if (run1(run->db, st) != 0)
		return -1;
	return store_changes(run->db) == 0 ? 1 : 0;
}

/* tls_policy - one policy and its failure details */
static int
tls_policy(struct store *s, int64_t report, const struct tls_policy *p)
{
	struct store_stmt *st = stmts[Q_POL], *fd = stmts[Q_FAIL];
	struct ibuf b1 = { 0 }, b2 = { 0 }, b3 = { 0 };
	int64_t pid;
	size_t i;

	bi(st, 1, report, 0);
	bt(st, 2, p->policy_type, 32);
	bt(st, 3, p->policy_domain, 253);
	bt(st, 4, p->sts_mode, 16);
	bt(st, 5, joinl(&b1, p->policy_strings.v, p->policy_strings.n, "\n"),
	    65535);
	bt(st, 6, joinl(&b2, p->mx_hosts.v, p->mx_hosts.n, "\n"), 65535);
	bt(st, 7, joinl(&b3, p->mx_host_patterns.v, p->mx_host_patterns.n,
	    "\n"), 65535);
	bi(st, 8, p->successful, 1);
	bi(st, 9, p->failed, 1);
	ibuf_free(&b1);
	ibuf_free(&b2);
	ibuf_free(&b3);
	if (run1(s, st) != 0)
		return -1;
	pid = store_last_id(s);
	for (i = 0; i < p->ndetails; i++) {
		const struct tls_detail *d = &p->details[i];

		bi(fd, 1, pid, 0);
		bt(fd, 2, d->result_type, 64);
		bi(fd, 3, d->failed_session_count, 1);
		bt(fd, 4, d->sending_mta_ip, 64);
		bt(fd, 5, d->receiving_ip, 64);
		bt(fd, 6, d->receiving_mx_hostname, 255);
		bt(fd, 7, d->receiving_mx_helo, 255);
		bt(fd, 8, d->additional_info_uri, 65535);
		bt(fd, 9, d->failure_reason_code, 255);
		if (run1(s, fd) != 0)
			return -1;
	}
	return 0;
}

/* tls - a TLS report; 1 when it was there already */
static int
tls(struct ingest_run *run, const struct report *r)
{
	const struct tls_report *t = &r->u.tls;
	struct store_stmt *st = stmts[Q_TLS];
	struct ibuf e = { 0 };
	int64_t id;
	size_t i;

	bt(st, 1, t->org_name, 200);
	bt(st, 2, t->report_id, 255);
	bi(st, 3, t->begin, 0);
	bi(st, 4, t->end, 0);
	bt(st, 5, t->contact_info, 255);
	bt(st, 6, t->begin_str, 64);
	bt(st, 7, t->end_str, 64);
	bt(st, 8, joinl(&e, r->errors.v, r->errors.n, "\n"), 65535);
	bt(st, 9, r->container ? r->container : "", 128);
	bi(st, 10, (int64_t)time(NULL), 0);
	ibuf_free(&e);
	if (run1(run->db, st) != 0)
		return -1;
	if (store_changes(run->db) == 0)
		return 1;
	id = store_last_id(run->db);
	for (i = 0; i < t->npolicies; i++)
		if (tls_policy(run->db, id, &t->policies[i]) != 0)
			return -1;
	return 0;
}

/* db_report - a failure or TLS report in one transaction; 0 stored or
   duplicate (aggregate reports stream: db_agg_begin) */
int
db_report(struct ingest_run *run, const struct report *r)
{
	int rc;

	if (store_begin(run->db) != 0) {
		log_warnx("database: %s", store_errmsg(run->db));
		return -1;
	}
	rc = r->type == REPORT_FAILURE ? fail(run, r) : tls(run, r);
	if (rc < 0) {
		store_rollback(run->db);
		return -1;
	}
	if (store_commit(run->db) != 0) {
		log_warnx("database: %s", store_errmsg(run->db));
		return -1;
	}
	if (rc == 1)
		run->dups++;
	return 0;
}
