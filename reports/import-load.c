/*
 * import-load.c -- dmarc-import's MariaDB path: LOAD DATA, then set-based
 *
 * SYNOPSIS
 *	int imp_load_ready(struct importer *im);
 *	int imp_load(struct importer *im, size_t from, size_t to,
 *	    uint64_t *new, uint64_t *dups);
 *
 * DESCRIPTION
 *	On a server the cost of an import is statements, not rows: every
 *	statement is a round trip, and on a busy machine a round trip is a
 *	wake-up of two processes.  Here a whole transaction (--batch
 *	records) costs about fifteen statements, whatever its size:
 *
 *	1. The names the caches lack (domains, client addresses) are
 *	   streamed into the session's temporary table imp_name, inserted
 *	   with one INSERT IGNORE ... SELECT per table and read back with
 *	   their ids in one SELECT.
 *	2. The messages, their signatures and their ARC rows, with every id
 *	   resolved by the client, are streamed into imp_msg, imp_sig and
 *	   imp_arc by LOAD DATA LOCAL INFILE from memory (store_load: only
 *	   our own buffer can be sent; see store_mysql.c).
 *	3. When every record is newer than the newest message of its
 *	   reporter in the database (one SELECT MAX per reporter: a new
 *	   file, the new tail of a growing one), none can be a duplicate:
 *	   the messages are streamed straight into messages, their ids
 *	   read back with one range query per reporter, the signatures
 *	   streamed straight into signatures, the ARC rows into imp_arc
 *	   and from there with INSERT IGNORE - what the bulk loader itself
 *	   does, plus the id read-back.  A message that does not load (a
 *	   race, a value refused) sends the batch to the record-by-record
 *	   path.  Otherwise the batch goes through imp_msg: one SELECT
 *	   (read-only) tells the client which staged messages the database
 *	   has: the unique key (reporter, date, jobid, digest) finds them,
 *	   or, for a record without job id, a row OpenDMARC stored before
 *	   the upgrade with an empty digest.  When it finds none, one
 *	   INSERT IGNORE ... SELECT writes them all; when it finds all (a
 *	   file read again), nothing
 *	   is written; when it finds some (where the last run stopped), an
 *	   UPDATE marks them first.  Then one INSERT ... SELECT per table
 *	   writes the signatures and ARC rows of the new messages, joining
 *	   their ids by that key on the server.  Every join names its
 *	   order (STRAIGHT_JOIN): the temporary tables have no statistics,
 *	   and the optimizer's own choice once scanned a staged table per
 *	   message row.
 *
 *	Everything is InnoDB and inside the caller's transaction: the
 *	temporary tables are the session's own (never replicated; the rows
 *	that reach messages are, as rows, by Galera), nothing depends on
 *	GET_LOCK or on non-transactional tables, and a rollback leaves
 *	nothing behind.  When the INSERT writes fewer messages than it was
 *	given, another host inserted one of them in between: imp_load
 *	returns 2 and the caller runs the batch again record by record
 *	(import-db.c), as for import-bulk.c.  A LOAD DATA that warns (a
 *	value the column cannot hold as given) fails the batch, which the
 *	caller then retries record by record to report the culprit.
 *
 *	imp_load_ready creates the temporary tables (their string columns
 *	copied from the real ones, so joins compare like with like) and
 *	loads an empty stream once: a server with local_infile=OFF refuses
 *	it, and the importer keeps to import-bulk.c.
 *
 * DIAGNOSTICS
 *	imp_load: 0; -1 a statement failed (store_errmsg says why); 2 a race.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import-int.h"
#include "log.h"
#include "xmalloc.h"

/* A growing text buffer: the stream of one LOAD DATA. */
struct tsv {
	char	*p;
	size_t	 len, cap;
};

/* What a record of the batch resolved to. */
struct lrec {
	int64_t		 rep, ip, env, from, pol, spfd;
	char		 dg[17];
	int		 dup;
};

static const char *const setup[] = {
	"DROP TEMPORARY TABLE IF EXISTS imp_name, imp_msg, imp_sig, imp_arc",
	"CREATE TEMPORARY TABLE imp_name (kind TINYINT NOT NULL DEFAULT 0, "
	    "PRIMARY KEY (kind, name)) ENGINE=InnoDB "
	    "SELECT name FROM domains LIMIT 0",
	"CREATE TEMPORARY TABLE imp_msg (seq INT NOT NULL DEFAULT 0 "
	    "PRIMARY KEY, "
	    "dup TINYINT NOT NULL DEFAULT 0, d BIGINT NOT NULL DEFAULT 0) "
	    "ENGINE=InnoDB "
	    "SELECT jobid, reporter, policy, disp, ip, env_domain, "
	    "from_domain, policy_domain, spf, align_dkim, align_spf, "
	    "sigcount, arc, arc_policy, spf_scope, digest, discovery, "
	    "disposition, reasons, spf_domain FROM messages LIMIT 0",
	"CREATE TEMPORARY TABLE imp_sig (seq INT NOT NULL, n INT NOT NULL, "
	    "domain INT UNSIGNED NOT NULL, selector INT UNSIGNED NOT NULL, "
	    "pass TINYINT UNSIGNED NOT NULL, error TINYINT UNSIGNED NOT NULL, "
	    "PRIMARY KEY (seq, n)) ENGINE=InnoDB",
	"CREATE TEMPORARY TABLE imp_arc (seq INT NOT NULL DEFAULT 0, "
	    "n INT NOT NULL DEFAULT 0, instance INT UNSIGNED NOT NULL DEFAULT "
	    "0, domain INT UNSIGNED NOT NULL DEFAULT 0, selector INT UNSIGNED "
	    "NOT NULL DEFAULT 0, "
	    "PRIMARY KEY (seq, n)) ENGINE=InnoDB "
	    "SELECT arc_client_addr FROM arcauthresults LIMIT 0",
	NULL
};

#define LOAD(t, cols)	"LOAD DATA LOCAL INFILE '" STORE_STREAM "' INTO " \
	"TABLE " t " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' " \
	"ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " cols
#define MSGCOLS	"jobid, reporter, policy, disp, ip, env_domain, " \
	"from_domain, policy_domain, spf, align_dkim, align_spf, sigcount, " \
	"arc, arc_policy, spf_scope, digest, discovery, disposition, " \
	"reasons, spf_domain"
#define KEYJOIN	"STRAIGHT_JOIN messages m ON m.reporter = s.reporter AND " \
	"m.date = FROM_UNIXTIME(s.d) AND m.jobid = s.jobid AND " \
	"m.digest = s.digest"

static const char load_name[] = LOAD("imp_name", "(kind, name)");
static const char load_msg[] = LOAD("imp_msg", "(seq, d, jobid, reporter, "
    "policy, disp, ip, env_domain, from_domain, policy_domain, spf, "
    "align_dkim, align_spf, sigcount, arc, arc_policy, spf_scope, digest, "
    "discovery, disposition, reasons, spf_domain)");
static const char load_sig[] = LOAD("imp_sig",
    "(seq, n, domain, selector, pass, error)");
static const char load_direct_msg[] = LOAD("messages", "(@d, jobid, "
    "reporter, policy, disp, ip, env_domain, from_domain, policy_domain, "
    "spf, align_dkim, align_spf, sigcount, arc, arc_policy, spf_scope, "
    "digest, discovery, disposition, reasons, spf_domain) SET date = "
    "FROM_UNIXTIME(@d)");
static const char load_direct_sig[] = LOAD("signatures",
    "(message, @n, domain, selector, pass, error)");
static const char load_arc[] = LOAD("imp_arc",
    "(seq, n, instance, domain, selector, arc_client_addr)");

/* tsv_room - at least n more bytes */
static void
tsv_room(struct tsv *t, size_t n)
{
	if (t->len + n <= t->cap)
		return;
	t->cap = t->cap ? t->cap * 2 : 65536;
	while (t->cap < t->len + n)
		t->cap *= 2;
	t->p = xreallocarray(t->p, t->cap, 1);
}

/* tsv_int - an integer field, then sep ('\t' or '\n'); by hand, as
   snprintf was a tenth of the client's time */
static void
tsv_int(struct tsv *t, int64_t v, char sep)
{
	char d[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0;

	tsv_room(t, 24);
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		t->p[t->len++] = '-';
	while (n > 0)
		t->p[t->len++] = d[--n];
	t->p[t->len++] = sep;
}

/* tsv_str - a text field escaped for LOAD DATA, then sep */
static void
tsv_str(struct tsv *t, const char *s, char sep)
{
	size_t i, n = strlen(s);

	tsv_room(t, 2 * n + 2);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
		case '\t':
		case '\n':
			t->p[t->len++] = '\\';
			t->p[t->len++] = s[i] == '\t' ? 't' : s[i] == '\n' ?
			    'n' : '\\';
			break;
		default:
			t->p[t->len++] = s[i];
		}
	}
	t->p[t->len++] = sep;
}

/* fresh_tables - the temporary tables, empty: dropping and creating
   them is cheaper than deleting a batch's rows, and commits nothing */
static int
fresh_tables(struct importer *im)
{
	size_t i;

	for (i = 0; setup[i] != NULL; i++)
		if (store_exec(im->s, setup[i]) != 0)
			return -1;
	return 0;
}

/* imp_load_ready - see the file header: 1 usable, 0 not */
int
imp_load_ready(struct importer *im)
{
	if (store_kind(im->s) != STORE_MYSQL)
		return 0;
	if (fresh_tables(im) != 0 || store_load(im->s, load_name, "", 0) !=
	    0) {
		log_debug("LOAD DATA LOCAL not available (%s): one multi-row "
		    "statement per %d records", store_errmsg(im->s),
		    IMP_CHUNK);
		return 0;
	}
	log_debug("LOAD DATA LOCAL: each batch streamed into temporary "
	    "tables");
	return 1;
}

/* want_name - stage name (kind 0 domain, 1 address) unless cached */
static void
want_name(struct importer *im, struct idmap *seen, struct tsv *t, int kind,
    const char *name)
{
	char low[256], key[260];

	if (kind == 0)
		name = imp_lower(name, low, sizeof(low));
	if (imp_map_get(kind ? &im->ips : &im->domains, name) > 0)
		return;
	(void)snprintf(key, sizeof(key), "%d %s", kind, name);
	if (imp_map_get(seen, key) > 0)
		return;
	imp_map_put(seen, key, 1);
	tsv_int(t, kind, '\t');
	tsv_str(t, name, '\n');
}

/* stage_names - every name of the batch the caches lack, into imp_name */
static int
stage_names(struct importer *im, size_t from, size_t to, struct tsv *t)
{
	const struct dmarc_history *h;
	struct idmap seen;
	size_t i, d;

	memset(&seen, 0, sizeof(seen));
	for (i = from; i < to; i++) {
		h = im->q[i].h;
		want_name(im, &seen, t, 1, h->ipaddr);
		want_name(im, &seen, t, 0, h->from);
		want_name(im, &seen, t, 0, h->mfrom ? h->mfrom : "");
		if (h->pdomain != NULL)
			want_name(im, &seen, t, 0, h->pdomain);
		if (h->ext_spf_domain != NULL)
			want_name(im, &seen, t, 0, h->ext_spf_domain);
		for (d = 0; d < h->ndkim; d++)
			want_name(im, &seen, t, 0, h->dkim[d].domain);
		for (d = 0; d < h->narcseal; d++)
			want_name(im, &seen, t, 0, h->arcseal[d].domain ?
			    h->arcseal[d].domain : "");
	}
	imp_map_clear(&seen);
	return t->len == 0 ? 0 : store_load(im->s, load_name, t->p, t->len);
}

/* names - the ids of the staged names: insert the missing, read back */
static int
names(struct importer *im, size_t from, size_t to, struct tsv *t)
{
	struct store_stmt *st;
	const char *name;
	int rc;

	t->len = 0;
	if (stage_names(im, from, to, t) != 0)
		return -1;
	if (t->len == 0)
		return 0;
	if (store_exec(im->s, "INSERT IGNORE INTO domains (name) SELECT name "
	    "FROM imp_name WHERE kind = 0 ORDER BY name") != 0 ||
	    store_exec(im->s, "INSERT IGNORE INTO ipaddr (addr) SELECT name "
	    "FROM imp_name WHERE kind = 1 ORDER BY name") != 0 ||
	    (st = store_prepare(im->s, "SELECT 0, n.name, d.id FROM imp_name "
	    "n STRAIGHT_JOIN domains d ON d.name = n.name WHERE n.kind = 0 "
	    "UNION ALL SELECT 1, n.name, a.id FROM imp_name n STRAIGHT_JOIN "
	    "ipaddr a ON a.addr = n.name WHERE n.kind = 1")) == NULL)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW)
		if ((name = store_col_text(st, 1, NULL)) != NULL)
			imp_map_put(store_col_int64(st, 0) ? &im->ips :
			    &im->domains, name, store_col_int64(st, 2));
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* A set of the batch's message keys, to find twins: slot holds a
   record's index in the batch + 1 (0 empty), placed by its key's hash. */
struct keyset {
	size_t		 cap;
	size_t		*slot;
};

/* key_hash - FNV-1a over a message key (reporter, date, job, digest) */
static uint64_t
key_hash(int64_t rep, int64_t date, const char *job, const char *dg)
{
	uint64_t x = 0xcbf29ce484222325ULL;
	const char *p;

	x = (x ^ (uint64_t)rep) * 0x100000001b3ULL;
	x = (x ^ (uint64_t)date) * 0x100000001b3ULL;
	for (p = job; *p != '\0'; p++)
		x = (x ^ (unsigned char)*p) * 0x100000001b3ULL;
	for (p = dg; *p != '\0'; p++)
		x = (x ^ (unsigned char)*p) * 0x100000001b3ULL;
	return x;
}

/* key_find - the index in the batch of the first record with that key,
   or n when none */
static size_t
key_find(struct importer *im, const struct keyset *ks, const struct lrec *r,
    size_t from, size_t n, int64_t rep, int64_t date, const char *job,
    const char *dg)
{
	const struct dmarc_history *o;
	size_t at = (size_t)key_hash(rep, date, job, dg) & (ks->cap - 1), j;

	for (; ks->slot[at] != 0; at = (at + 1) & (ks->cap - 1)) {
		j = ks->slot[at] - 1;
		o = im->q[from + j].h;
		if (r[j].rep == rep && o->received == date &&
		    strcmp(o->job, job) == 0 && strcmp(r[j].dg, dg) == 0)
			return j;
	}
	return n;
}

/* twin - record i has the key of an earlier record of the batch (the
   second is then a duplicate); remembers it otherwise */
static int
twin(struct importer *im, struct keyset *ks, const struct lrec *r,
    size_t from, size_t i)
{
	const struct dmarc_history *h = im->q[from + i].h;
	size_t at;

	if (key_find(im, ks, r, from, i, r[i].rep, h->received, h->job,
	    r[i].dg) < i)
		return 1;
	at = (size_t)key_hash(r[i].rep, h->received, h->job, r[i].dg) &
	    (ks->cap - 1);
	while (ks->slot[at] != 0)
		at = (at + 1) & (ks->cap - 1);
	ks->slot[at] = i + 1;
	return 0;
}

/* resolve - the ids of h's names (cached now), its digest */
static int
resolve(struct importer *im, const struct dmarc_history *h,
    struct lrec *r)
{
	memset(r, 0, sizeof(*r));
	if ((r->rep = imp_name_id(im, &im->reporters, S_SELREP,
	    h->reporter)) < 0 ||
	    (r->ip = imp_name_id(im, &im->ips, S_SELIP, h->ipaddr)) < 0 ||
	    (r->env = imp_domain_id(im, h->mfrom ? h->mfrom : "")) < 0 ||
	    (r->from = imp_domain_id(im, h->from)) < 0 ||
	    (r->pol = imp_domain_id(im, h->pdomain ? h->pdomain :
	    h->from)) < 0 ||
	    (h->ext_spf_domain != NULL &&
	    (r->spfd = imp_domain_id(im, h->ext_spf_domain)) < 0))
		return -1;
	imp_digest(h, r->dg);
	return 0;
}

/* msg_row - one imp_msg line (seq >= 0) or messages line (seq -1) */
static void
msg_row(struct tsv *t, int64_t seq, const struct dmarc_history *h,
    const struct lrec *r)
{
	int64_t v[13] = { r->rep, h->policy, h->action, r->ip, r->env,
	    r->from, r->pol, h->spf, h->align_dkim, h->align_spf,
	    h->ndkim > 255 ? 255 : (int64_t)h->ndkim, h->arc, h->arc_policy };
	size_t i;

	if (seq >= 0)	/* imp_msg's; not in messages */
		tsv_int(t, seq, '\t');
	tsv_int(t, h->received, '\t');
	tsv_str(t, h->job, '\t');
	for (i = 0; i < 13; i++)
		tsv_int(t, v[i], '\t');
	tsv_int(t, h->spf_scope != 0 ? h->spf_scope : -1, '\t');
	tsv_str(t, r->dg, '\t');
	tsv_str(t, h->ext_discovery ? h->ext_discovery : "", '\t');
	tsv_str(t, h->ext_disposition ? h->ext_disposition : "", '\t');
	tsv_int(t, h->ext_reasons, '\t');
	tsv_int(t, r->spfd, '\n');
}

/* sig_rows - the imp_sig and imp_arc lines of one record; counts them */
static int
sig_rows(struct importer *im, struct tsv *sig, struct tsv *arc, int64_t seq,
    const struct dmarc_history *h, size_t *nsig, size_t *narc)
{
	const struct dmarc_hist_arcseal *a;
	int64_t dom, sel;
	size_t d;

	for (d = 0; d < h->ndkim; d++) {
		if ((dom = imp_domain_id(im, h->dkim[d].domain)) < 0 ||
		    (sel = imp_selector_id(im, dom, h->dkim[d].selector)) < 0)
			return -1;
		tsv_int(sig, seq, '\t');
		tsv_int(sig, (int64_t)d, '\t');
		tsv_int(sig, dom, '\t');
		tsv_int(sig, sel, '\t');
		tsv_int(sig, h->dkim[d].result, '\t');
		tsv_int(sig, h->dkim[d].result == DMARC_ARES_TEMPERROR ||
		    h->dkim[d].result == DMARC_ARES_PERMERROR, '\n');
		(*nsig)++;
	}
	for (d = 0; d < h->narcseal; d++) {
		a = &h->arcseal[d];
		if ((dom = imp_domain_id(im, a->domain ? a->domain : "")) < 0 ||
		    (sel = imp_selector_id(im, dom, a->selector)) < 0)
			return -1;
		tsv_int(arc, seq, '\t');
		tsv_int(arc, (int64_t)d, '\t');
		tsv_int(arc, a->instance, '\t');
		tsv_int(arc, dom, '\t');
		tsv_int(arc, sel, '\t');
		tsv_str(arc, a->ip ? a->ip : "", '\n');
		(*narc)++;
	}
	return 0;
}

/* resolve_all - every record's ids; twins marked; ks filled */
static int
resolve_all(struct importer *im, struct lrec *r, size_t from, size_t to,
    struct keyset *ks)
{
	size_t i;

	for (ks->cap = 16; ks->cap < 2 * (to - from); ks->cap *= 2)
		;
	ks->slot = xcalloc(ks->cap, sizeof(*ks->slot));
	for (i = from; i < to; i++) {
		if (resolve(im, im->q[i].h, &r[i - from]) != 0)
			return -1;
		r[i - from].dup = twin(im, ks, r, from, i - from);
	}
	return 0;
}

/* stage - the batch's new-looking records into imp_msg/imp_sig/imp_arc */
static int
stage(struct importer *im, struct lrec *r, size_t from, size_t to,
    size_t *nmsg)
{
	struct tsv t[3];
	size_t i, nsig = 0, narc = 0;
	int rc = -1;

	memset(t, 0, sizeof(t));
	*nmsg = 0;
	for (i = from; i < to; i++) {
		if (r[i - from].dup)
			continue;
		msg_row(&t[0], (int64_t)(i - from), im->q[i].h, &r[i - from]);
		if (sig_rows(im, &t[1], &t[2], (int64_t)(i - from), im->q[i].h,
		    &nsig, &narc) != 0)
			goto out;
		(*nmsg)++;
	}
	if ((*nmsg > 0 && store_load(im->s, load_msg, t[0].p, t[0].len) != 0) ||
	    (nsig > 0 && store_load(im->s, load_sig, t[1].p, t[1].len) != 0) ||
	    (narc > 0 && store_load(im->s, load_arc, t[2].p, t[2].len) != 0))
		goto out;
	rc = 0;
out:
	for (i = 0; i < 3; i++)
		free(t[i].p);
	return rc;
}

#define ARCJOIN	"imp_arc a STRAIGHT_JOIN imp_msg s ON s.seq = a.seq " \
	KEYJOIN " WHERE s.dup = 0 ORDER BY a.seq, a.n"

#define DUPJOIN	"STRAIGHT_JOIN messages m ON m.reporter = s.reporter AND " \
	"m.date = FROM_UNIXTIME(s.d) AND m.jobid = s.jobid AND " \
	"(m.digest = s.digest OR m.digest = '')"

/* known - mark the staged messages the database has (see the header),
   read-only; *ndup of them */
static int
known(struct importer *im, struct lrec *r, size_t n, size_t *ndup)
{
	struct store_stmt *st;
	int64_t seq;
	int rc;

	*ndup = 0;
	if ((st = store_prepare(im->s, "SELECT s.seq FROM imp_msg s "
	    DUPJOIN)) == NULL)
		return -1;
	while ((rc = store_step(st)) == STORE_ROW)
		if ((seq = store_col_int64(st, 0)) >= 0 && (size_t)seq < n &&
		    !r[seq].dup) {
			r[seq].dup = 1;
			(*ndup)++;
		}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : -1;
}

/* count_new - records not known as duplicates, their signatures */
static size_t
count_new(struct importer *im, const struct lrec *r, size_t from, size_t n,
    size_t *nsig)
{
	size_t i, k = 0;

	*nsig = 0;
	for (i = 0; i < n; i++)
		if (!r[i].dup) {
			k++;
			*nsig += im->q[from + i].h->ndkim;
		}
	return k;
}

/*
 * same_second - the records of reporter rep at second max, the newest
 * its rows in the database have: none can be there unless a row of that
 * second has its job id (the unique key is reporter, date, job id and
 * digest).  A live history file writes many records a second, so a
 * batch often starts inside the second the last one ended in.  A record
 * without a job id, or a job id a row of that second has (compared
 * without case, as the column's collation may): not sure.  1 none can
 * be there, 0 not sure, -1 error.
 */
static int
same_second(struct importer *im, const struct lrec *r, size_t from,
    size_t n, int64_t rep, int64_t max)
{
	const struct dmarc_history *h;
	struct store_stmt *st;
	const char *job;
	size_t i, *at, nat = 0, k;
	int rc, found = 0;

	at = xcalloc(n, sizeof(*at));
	for (i = 0; i < n; i++) {
		h = im->q[from + i].h;
		if (r[i].dup || r[i].rep != rep || h->received != max)
			continue;
		if (h->job == NULL || *h->job == '\0') {
			free(at);
			return 0;
		}
		at[nat++] = i;
	}
	if ((st = store_prepare(im->s, "SELECT jobid FROM messages WHERE "
	    "reporter = ? AND date = FROM_UNIXTIME(?)")) == NULL ||
	    store_bind_int64(st, 1, rep) != 0 ||
	    store_bind_int64(st, 2, max) != 0) {
		store_finalize(st);
		free(at);
		return -1;
	}
	while (!found && (rc = store_step(st)) == STORE_ROW) {
		if ((job = store_col_text(st, 0, NULL)) == NULL)
			continue;
		for (k = 0; k < nat && !found; k++)
			found = strcasecmp(job,
			    im->q[from + at[k]].h->job) == 0;
	}
	store_finalize(st);
	free(at);
	if (found)
		return 0;
	return rc == STORE_DONE ? 1 : -1;
}

/* newer - every staged record is newer than anything its reporter has
   in the database, or of its newest second but with another job id, so
   none can be there: 1, 0 not sure, -1 error */
static int
newer(struct importer *im, const struct lrec *r, size_t from, size_t n)
{
	struct store_stmt *st;
	int64_t rep, lo, max;
	size_t i, j;
	int rc = 1;

	if ((st = store_prepare(im->s, "SELECT UNIX_TIMESTAMP(MAX(date)) FROM "
	    "messages WHERE reporter = ?")) == NULL)
		return -1;
	for (i = 0; i < n && rc == 1; i++) {
		rep = r[i].rep;
		for (j = 0; j < i && (r[j].dup || r[j].rep != rep); j++)
			;
		if (r[i].dup || j < i)
			continue;	/* a twin, or this reporter was done */
		lo = im->q[from + i].h->received;
		for (j = i; j < n; j++)
			if (!r[j].dup && r[j].rep == rep &&
			    im->q[from + j].h->received < lo)
				lo = im->q[from + j].h->received;
		(void)store_reset(st);
		if (store_bind_int64(st, 1, rep) != 0 ||
		    (rc = store_step(st)) == STORE_ERROR)
			rc = -1;
		else if (rc == STORE_ROW && !store_col_isnull(st, 0) &&
		    (max = store_col_int64(st, 0)) >= lo) {
			(void)store_reset(st);	/* its result is read */
			rc = max > lo ? 0 :
			    same_second(im, r, from, n, rep, max);
		} else
			rc = 1;
	}
	store_finalize(st);
	return rc;
}

/* messages - write the new messages; 0, -1, 2 a race */
static int
messages(struct importer *im, struct lrec *r, size_t from, size_t n,
    size_t *k, size_t *nsig)
{
	size_t ndup = 0;

	if (known(im, r, n, &ndup) != 0)
		return -1;
	if ((*k = count_new(im, r, from, n, nsig)) == 0)
		return 0;	/* all there already: a file read again */
	/* some there, some not (where the last run stopped): mark them */
	if (ndup > 0 && store_exec(im->s, "UPDATE imp_msg s " DUPJOIN
	    " SET s.dup = 1") != 0)
		return -1;
	if (store_exec(im->s, "INSERT IGNORE INTO messages (date, " MSGCOLS
	    ") SELECT FROM_UNIXTIME(d), " MSGCOLS " FROM imp_msg WHERE "
	    "dup = 0 ORDER BY seq") != 0)
		return -1;
	/* fewer: another host inserted one meanwhile */
	return store_changes(im->s) == (int64_t)*k ? 0 : 2;
}

/* write_rows - the signatures and ARC rows of the new messages */
static int
write_rows(struct importer *im, size_t nsig_expected)
{
	if (store_exec(im->s, "INSERT INTO signatures (message, domain, "
	    "selector, pass, error) SELECT m.id, g.domain, g.selector, g.pass, "
	    "g.error FROM imp_sig g STRAIGHT_JOIN imp_msg s ON "
	    "s.seq = g.seq " KEYJOIN " WHERE s.dup = 0 ORDER BY g.seq, g.n") !=
	    0)
		return -1;
	if (store_changes(im->s) != (int64_t)nsig_expected) {
		log_warnx("%lld signatures written, %zu expected",
		    (long long)store_changes(im->s), nsig_expected);
		return -1;
	}
	if (store_exec(im->s, "INSERT IGNORE INTO arcauthresults (message, "
	    "instance, arc_client_addr) SELECT m.id, a.instance, "
	    "a.arc_client_addr FROM " ARCJOIN) != 0 ||
	    store_exec(im->s, "INSERT IGNORE INTO arcseals (message, domain, "
	    "selector, instance) SELECT m.id, a.domain, a.selector, "
	    "a.instance FROM " ARCJOIN) != 0)
		return -1;
	return 0;
}

/* fetch_ids - the ids of the messages just loaded, by their key: one
   range query per reporter (nothing of it was there before: newer) */
static int
fetch_ids(struct importer *im, const struct lrec *r, size_t from, size_t n,
    const struct keyset *ks, int64_t *ids)
{
	struct store_stmt *st;
	const char *job, *dg;
	int64_t lo, hi, d;
	size_t i, j;
	int rc = STORE_DONE;

	if ((st = store_prepare(im->s, "SELECT id, UNIX_TIMESTAMP(date), "
	    "jobid, digest FROM messages WHERE reporter = ? AND date >= "
	    "FROM_UNIXTIME(?) AND date <= FROM_UNIXTIME(?)")) == NULL)
		return -1;
	for (i = 0; i < n && rc == STORE_DONE; i++) {
		for (j = 0; j < i && (r[j].dup || r[j].rep != r[i].rep); j++)
			;
		if (r[i].dup || j < i)
			continue;	/* a twin, or this reporter was done */
		lo = hi = im->q[from + i].h->received;
		for (j = i; j < n; j++)
			if (!r[j].dup && r[j].rep == r[i].rep) {
				d = im->q[from + j].h->received;
				lo = d < lo ? d : lo;
				hi = d > hi ? d : hi;
			}
		(void)store_reset(st);
		if (store_bind_int64(st, 1, r[i].rep) != 0 ||
		    store_bind_int64(st, 2, lo) != 0 ||
		    store_bind_int64(st, 3, hi) != 0) {
			rc = STORE_ERROR;
			break;
		}
		while ((rc = store_step(st)) == STORE_ROW) {
			job = store_col_text(st, 2, NULL);
			dg = store_col_text(st, 3, NULL);
			if (job == NULL || dg == NULL)
				continue;
			j = key_find(im, ks, r, from, n, r[i].rep,
			    store_col_int64(st, 1), job, dg);
			if (j < n)
				ids[j] = store_col_int64(st, 0);
		}
	}
	store_finalize(st);
	for (i = 0; rc == STORE_DONE && i < n; i++)
		if (!r[i].dup && ids[i] <= 0) {
			log_warnx("a message just inserted is not found");
			return -1;
		}
	return rc == STORE_DONE ? 0 : -1;
}

/* direct - a fresh batch straight into messages and signatures, as the
   bulk loader itself would (ARC rows through imp_arc, INSERT IGNORE):
   0; -1; 2 the messages did not all load (a race, or a value refused:
   the caller runs the batch again record by record) */
static int
direct(struct importer *im, const struct lrec *r, size_t from, size_t n,
    const struct keyset *ks, size_t *k)
{
	struct tsv t[3];
	int64_t *ids;
	size_t i, nsig = 0, narc = 0;
	int rc = -1;

	memset(t, 0, sizeof(t));
	if ((*k = count_new(im, r, from, n, &nsig)) == 0)
		return 0;
	ids = xcalloc(n, sizeof(*ids));
	for (i = 0; i < n; i++)
		if (!r[i].dup)
			msg_row(&t[0], -1, im->q[from + i].h, &r[i]);
	if (store_load(im->s, load_direct_msg, t[0].p, t[0].len) != 0 ||
	    store_changes(im->s) != (int64_t)*k) {
		log_debug("loading messages: %s", store_errmsg(im->s));
		rc = 2;
		goto out;
	}
	if (fetch_ids(im, r, from, n, ks, ids) != 0)
		goto out;
	for (i = 0, nsig = 0; i < n; i++)
		if (!r[i].dup && sig_rows(im, &t[1], &t[2], ids[i],
		    im->q[from + i].h, &nsig, &narc) != 0)
			goto out;
	if ((nsig > 0 && (store_load(im->s, load_direct_sig, t[1].p,
	    t[1].len) != 0 || store_changes(im->s) != (int64_t)nsig)) ||
	    (narc > 0 && (store_load(im->s, load_arc, t[2].p, t[2].len) !=
	    0 || store_exec(im->s, "INSERT IGNORE INTO arcauthresults "
	    "(message, instance, arc_client_addr) SELECT seq, instance, "
	    "arc_client_addr FROM imp_arc ORDER BY seq, n") != 0 ||
	    store_exec(im->s, "INSERT IGNORE INTO arcseals (message, domain, "
	    "selector, instance) SELECT seq, domain, selector, instance FROM "
	    "imp_arc ORDER BY seq, n") != 0)))
		goto out;
	rc = 0;
out:
	for (i = 0; i < 3; i++)
		free(t[i].p);
	free(ids);
	return rc;
}

/* staged - a batch some of which may be there: through imp_msg */
static int
staged(struct importer *im, struct lrec *r, size_t from, size_t n,
    size_t *k)
{
	size_t nmsg, nsig = 0;
	int rc;

	*k = 0;
	if (stage(im, r, from, from + n, &nmsg) != 0)
		return -1;
	if (nmsg > 0 && (rc = messages(im, r, from, n, k, &nsig)) != 0)
		return rc;
	return *k > 0 ? write_rows(im, nsig) : 0;
}

/* imp_load - records [from, to) inside the open transaction */
int
imp_load(struct importer *im, size_t from, size_t to, uint64_t *new,
    uint64_t *dups)
{
	struct keyset ks = { 0, NULL };
	struct lrec *r;
	struct tsv t;
	size_t i, n = to - from, k = 0;
	int rc = -1, fresh;

	*new = *dups = 0;
	memset(&t, 0, sizeof(t));
	r = xcalloc(n, sizeof(*r));
	if (fresh_tables(im) != 0 || names(im, from, to, &t) != 0 ||
	    resolve_all(im, r, from, to, &ks) != 0 ||
	    (fresh = newer(im, r, from, n)) < 0)
		goto out;
	/* a fresh batch (a new file, the new tail of a growing one) need
	   not be looked up message by message */
	log_debug("records %zu-%zu: %s", from + 1, to, fresh ?
	    "newer than the database's, loaded directly" :
	    "some may be there, through imp_msg");
	rc = fresh ? direct(im, r, from, n, &ks, &k) :
	    staged(im, r, from, n, &k);
	if (rc != 0)
		goto out;
	rc = -1;
	for (i = 0; i < n; i++)
		if (!r[i].dup && imp_note_request(im, im->q[from + i].h) != 0)
			goto out;
	*new = k;
	*dups = n - k;
	rc = 0;
out:
	free(ks.slot);
	free(t.p);
	free(r);
	return rc;
}
