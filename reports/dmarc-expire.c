/*
 * dmarc-expire.c -- delete old report data, in batches
 *
 * SYNOPSIS
 *	dmarc-expire [-v] [-c conf] [--database dsn] [--dbhost ...]
 *	    [--expire days] [--alltables] [--batch n]
 *
 * DESCRIPTION
 *	Deletes the messages older than --expire days (default 180) with
 *	their signatures and ARC rows, --batch messages (default 1000) per
 *	transaction, so that no transaction grows large (a Galera write set
 *	is held in memory) and importers are never blocked for long.  Then
 *	it deletes child rows whose message is gone (left by OpenDMARC's
 *	expire or an interrupted run), found with an anti-join on the
 *	messages primary key, never a NOT IN sweep.  Then the requests rows
 *	last reported more than --expire days ago and not locked;
 *	requests rows that were never reported (lastsent NULL) are kept,
 *	unlike OpenDMARC's expire, which took the 1970 default for a date.
 *
 *	--alltables also removes the names (domains, selectors, client
 *	addresses, reporters) that nothing refers to any more: the ids still
 *	referred to are collected in memory in one pass over each referring
 *	column, the others deleted by id.  Names referred to by rows added
 *	while the pass ran are kept (the new rows are checked again by id
 *	range just before the delete); an importer that started before
 *	the pass and still caches an id can in theory refer to a name
 *	deleted under it, so run --alltables when no import is running.
 *
 * DIAGNOSTICS
 *	Exit status 0 on success, also when a table ends up empty
 *	(OpenDMARC's expire exited 1 then); 75 when the database failed; 64
 *	usage; 78 bad configuration.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "dbopen.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define EX_USAGE_	64
#define EX_TEMPFAIL_	75
#define DEFAULT_DAYS	180
#define DEFAULT_BATCH	1000

/* A list of ids (and, for --alltables, a sorted set). */
struct ids {
	int64_t		*v;
	size_t		 n, cap;
};

static int verbose;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: dmarc-expire [-v] [-c conf] [--database dsn] "
	    "[--dbhost host] [--dbname name]\n"
	    "\t[--dbuser user] [--dbpasswd pass] [--dbport port] "
	    "[--expire days]\n"
	    "\t[--alltables] [--batch n]\n");
	exit(EX_USAGE_);
}

/* ids_add - append v */
static void
ids_add(struct ids *l, int64_t v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = v;
}

/* cmp64 - qsort order of int64 */
static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* ids_has - v in the sorted list */
static int
ids_has(const struct ids *l, int64_t v)
{
	return l->n > 0 && bsearch(&v, l->v, l->n, sizeof(*l->v), cmp64) !=
	    NULL;
}

/* collect - append column 0 of every row of sql (one int parameter) */
static int
collect(struct store *s, const char *sql, int64_t arg, struct ids *out)
{
	struct store_stmt *st;
	int rc;

	if ((st = store_prepare(s, sql)) == NULL)
		return -1;
	if (strchr(sql, '?') != NULL && store_bind_int64(st, 1, arg) != 0) {
		store_finalize(st);
		return -1;
	}
	while ((rc = store_step(st)) == STORE_ROW)
		ids_add(out, store_col_int64(st, 0));
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* delete_ids - DELETE FROM table WHERE col IN (ids[from..to)) */
static int
delete_ids(struct store *s, const char *table, const char *col,
    const int64_t *v, size_t n)
{
	char *sql;
	size_t cap = 64 + strlen(table) + strlen(col) + n * 21, len, i;
	int rc;

	if (n == 0)
		return 0;
	sql = xmalloc(cap);
	len = (size_t)snprintf(sql, cap, "DELETE FROM %s WHERE %s IN (",
	    table, col);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s%lld",
		    i ? "," : "", (long long)v[i]);
	(void)snprintf(sql + len, cap - len, ")");
	rc = store_exec(s, sql);
	free(sql);
	return rc;
}

/* one_tx - delete_ids over several tables in one transaction */
static int
one_tx(struct store *s, const char *const *tables, const char *const *cols,
    size_t nt, const int64_t *v, size_t n)
{
	size_t t;

	if (store_begin(s) != 0)
		return -1;
	for (t = 0; t < nt; t++)
		if (delete_ids(s, tables[t], cols[t], v, n) != 0) {
			(void)store_rollback(s);
			return -1;
		}
	if (store_commit(s) != 0) {
		(void)store_rollback(s);
		return -1;
	}
	return 0;
}

/* tx_delete - one_tx, again after a deadlock; counts n on success */
static int
tx_delete(struct store *s, const char *const *tables, const char *const *cols,
    size_t nt, const int64_t *v, size_t n, uint64_t *count)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		if (one_tx(s, tables, cols, nt, v, n) == 0) {
			*count += n;
			return 0;
		}
		if (!store_retryable(s))
			break;
	}
	log_warnx("delete from %s: %s", tables[0], store_errmsg(s));
	return -1;
}

/* expire_messages - old messages and their children, batch by batch */
static int
expire_messages(struct store *s, int64_t cutoff, size_t batch,
    uint64_t *count)
{
	static const char *const tables[] = { "signatures", "arcseals",
	    "arcauthresults", "messages" };
	static const char *const cols[] = { "message", "message", "message",
	    "id" };
	struct ids l = { NULL, 0, 0 };
	char sql[160];
	int rc = 0;

	(void)snprintf(sql, sizeof(sql), "SELECT id FROM messages WHERE "
	    "date < {TS(?)} ORDER BY id LIMIT %zu", batch);
	do {
		l.n = 0;
		if (collect(s, sql, cutoff, &l) != 0 ||
		    tx_delete(s, tables, cols, 4, l.v, l.n, count) != 0)
			rc = -1;
	} while (rc == 0 && l.n == batch);
	free(l.v);
	return rc;
}

/* expire_orphans - child rows of a table whose message is gone */
static int
expire_orphans(struct store *s, const char *table, size_t batch,
    uint64_t *count)
{
	const char *tables[1] = { table }, *cols[1] = { "id" };
	struct ids l = { NULL, 0, 0 };
	char sql[256];
	int rc = 0;

	(void)snprintf(sql, sizeof(sql), "SELECT c.id FROM %s c LEFT JOIN "
	    "messages m ON m.id = c.message WHERE m.id IS NULL "
	    "ORDER BY c.id LIMIT %zu", table, batch);
	do {
		l.n = 0;
		if (collect(s, sql, 0, &l) != 0 ||
		    tx_delete(s, tables, cols, 1, l.v, l.n, count) != 0)
			rc = -1;
	} while (rc == 0 && l.n == batch);
	free(l.v);
	return rc;
}

/* expire_requests - reported long ago, not locked; never-reported stay */
static int
expire_requests(struct store *s, int64_t cutoff, uint64_t *count)
{
	struct store_stmt *st;
	int rc = -1;

	if ((st = store_prepare(s, "DELETE FROM requests WHERE lastsent IS "
	    "NOT NULL AND lastsent < {TS(?)} AND locked = 0")) == NULL)
		return -1;
	if (store_bind_int64(st, 1, cutoff) == 0 &&
	    store_step(st) == STORE_DONE) {
		*count += (uint64_t)store_changes(s);
		rc = 0;
	}
	store_finalize(st);
	return rc;
}

/* A column that refers to a names table. */
struct ref {
	const char	*table, *col;
};

/* refs_since - add the ids that rows of refs added after max[] use */
static int
refs_since(struct store *s, const struct ref *refs, size_t nref,
    const int64_t *max, struct ids *keep)
{
	char sql[256];
	size_t i;

	for (i = 0; i < nref; i++) {
		(void)snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE "
		    "id > ?", refs[i].col, refs[i].table);
		if (collect(s, sql, max[i], keep) != 0)
			return -1;
	}
	if (keep->n > 1)
		qsort(keep->v, keep->n, sizeof(*keep->v), cmp64);
	return 0;
}

/* sweep - delete the rows of a names table that nothing refers to */
static int
sweep(struct store *s, const char *table, const struct ref *refs,
    size_t nref, size_t batch, uint64_t *count)
{
	struct ids keep = { NULL, 0, 0 }, all = { NULL, 0, 0 },
	    gone = { NULL, 0, 0 }, mx = { NULL, 0, 0 };
	const char *tables[1] = { table }, *cols[1] = { "id" };
	char sql[256];
	size_t i;
	int rc = -1;

	for (i = 0; i < nref; i++) {
		(void)snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(id), 0) "
		    "FROM %s", refs[i].table);
		if (collect(s, sql, 0, &mx) != 0)
			goto out;
		(void)snprintf(sql, sizeof(sql), "SELECT DISTINCT %s FROM %s",
		    refs[i].col, refs[i].table);
		if (collect(s, sql, 0, &keep) != 0)
			goto out;
	}
	(void)snprintf(sql, sizeof(sql), "SELECT id FROM %s", table);
	if (collect(s, sql, 0, &all) != 0 ||
	    refs_since(s, refs, nref, mx.v, &keep) != 0)
		goto out;
	for (i = 0; i < all.n; i++)
		if (!ids_has(&keep, all.v[i]))
			ids_add(&gone, all.v[i]);
	rc = 0;
	for (i = 0; rc == 0 && i < gone.n; i += batch)
		rc = tx_delete(s, tables, cols, 1, gone.v + i,
		    gone.n - i < batch ? gone.n - i : batch, count);
out:
	free(keep.v);
	free(all.v);
	free(gone.v);
	free(mx.v);
	return rc;
}

/* sweep_names - --alltables: selectors first, they keep domains */
static int
sweep_names(struct store *s, size_t batch, uint64_t *counts)
{
	static const struct ref selrefs[] = {
		{ "signatures", "selector" }, { "arcseals", "selector" } };
	static const struct ref domrefs[] = {
		{ "messages", "env_domain" }, { "messages", "from_domain" },
		{ "messages", "policy_domain" }, { "messages", "spf_domain" },
		{ "signatures", "domain" }, { "arcseals", "domain" },
		{ "selectors", "domain" }, { "requests", "domain" } };
	static const struct ref iprefs[] = { { "messages", "ip" } };
	static const struct ref reprefs[] = { { "messages", "reporter" } };

	if (sweep(s, "selectors", selrefs, 2, batch, &counts[0]) != 0 ||
	    sweep(s, "domains", domrefs, 8, batch, &counts[1]) != 0 ||
	    sweep(s, "ipaddr", iprefs, 1, batch, &counts[2]) != 0 ||
	    sweep(s, "reporters", reprefs, 1, batch, &counts[3]) != 0)
		return -1;
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { O_EXPIRE = 2000, O_ALL, O_BATCH, O_VERSION };
	static const struct option lo[] = {
		DBOPTS_LONG,
		{ "config", required_argument, NULL, 'c' },
		{ "expire", required_argument, NULL, O_EXPIRE },
		{ "alltables", no_argument, NULL, O_ALL },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 } };
	static const char *const children[] = { "signatures", "arcseals",
	    "arcauthresults" };
	struct dbopts dbo;
	struct store *s;
	uint64_t msgs = 0, orphans = 0, reqs = 0, names[4] = { 0, 0, 0, 0 };
	long days = DEFAULT_DAYS, batch = DEFAULT_BATCH;
	int64_t cutoff;
	int ch, all = 0, rc = 0;
	size_t i;
	char *end;

	memset(&dbo, 0, sizeof(dbo));
	log_init("dmarc-expire", 1, 0, 0);
	while ((ch = getopt_long(argc, argv, "c:hv", lo, NULL)) != -1) {
		if (dbopts_option(&dbo, ch, optarg))
			continue;
		switch (ch) {
		case 'c':
			dbo.conffile = optarg;
			break;
		case O_EXPIRE:
			days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || days < 0 ||
			    days > 36500)
				usage();
			break;
		case O_ALL:
			all = 1;
			break;
		case O_BATCH:
			batch = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || batch < 1 ||
			    batch > 100000)
				usage();
			break;
		case 'v':
			verbose++;
			break;
		case O_VERSION:
			printf("dmarc-expire %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_verbose(verbose);
	s = dbopts_open(&dbo, CONF_TOOLS, "dmarc-expire");
	cutoff = (int64_t)time(NULL) - (int64_t)days * 86400;
	if (expire_messages(s, cutoff, (size_t)batch, &msgs) != 0)
		rc = EX_TEMPFAIL_;
	for (i = 0; rc == 0 && i < 3; i++)
		if (expire_orphans(s, children[i], (size_t)batch, &orphans) != 0)
			rc = EX_TEMPFAIL_;
	if (rc == 0 && expire_requests(s, cutoff, &reqs) != 0)
		rc = EX_TEMPFAIL_;
	if (rc == 0 && all && sweep_names(s, (size_t)batch, names) != 0)
		rc = EX_TEMPFAIL_;
	if (rc != 0)
		log_warnx("stopped: %s", store_errmsg(s));
	if (verbose)
		log_info("deleted %llu messages older than %ld days, %llu "
		    "orphaned child rows, %llu requests; unused: %llu "
		    "selectors, %llu domains, %llu addresses, %llu reporters",
		    (unsigned long long)msgs, days,
		    (unsigned long long)orphans, (unsigned long long)reqs,
		    (unsigned long long)names[0], (unsigned long long)names[1],
		    (unsigned long long)names[2], (unsigned long long)names[3]);
	store_close(s);
	return rc;
}
