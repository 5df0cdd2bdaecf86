/*
 * history.c -- write and read OpenDMARC-compatible history records
 *
 * SYNOPSIS
 *	int dmarc_history_format(const struct dmarc_history *h, int with_ext,
 *	    char **out, size_t *outlen);
 *
 *	struct dmarc_history_parser *dmarc_history_parser_new(void);
 *	int dmarc_history_feed(struct dmarc_history_parser *hp,
 *	    const char *line, size_t len, struct dmarc_history **done);
 *	int dmarc_history_finish(struct dmarc_history_parser *hp,
 *	    struct dmarc_history **done);
 *	void dmarc_history_parser_free(struct dmarc_history_parser *hp);
 *	void dmarc_history_free(struct dmarc_history *h);
 *
 * DESCRIPTION
 *	A record is a run of "key value\n" lines starting with "job"
 *	(compat 3.1).  The formatter writes OpenDMARC's keys in its order:
 *	job, reporter, received, ipaddr, from, mfrom, dkim*, spf,
 *	spf_scope, pdomain, policy, rua* (or "rua -"), pct, adkim, aspf, p,
 *	sp, fo, align_dkim, align_spf, arc, arc_policy, action.  With
 *	with_ext it then adds ours, each only when set: dmarc, disposition,
 *	reason (one line per DMARC_REASON_* bit), np, psd, t, discovery,
 *	spf_domain, profile, from_all.  Old importers warn about and skip
 *	the unknown keys; because they follow "action" they can never be
 *	mistaken for part of the next record.
 *
 *	Optional keys.  So that a 1.4.2 record comes back byte-identical,
 *	develop's keys are written only when present: "spf_scope" when
 *	spf_scope != 0 (0 = absent; 1, 2 and -1 are values) and "fo" when
 *	fo >= 0 (-1 = absent).  The parser sets those sentinels when the
 *	key is missing; an importer supplies its own defaults.  ext_t is
 *	written when >= 0 (the parser starts it at -1), ext_np and ext_psd
 *	when nonzero, ext strings when not NULL.  A record without an
 *	"action" line starts with action -1, never 0 (which means reject).
 *
 *	Escaping.  The format has no quoting, so no value is ever written
 *	raw if it could break a line: a token (job, reporter, ipaddr, from,
 *	mfrom, pdomain, dkim domain and selector, ext strings) must be
 *	1..4096 octets of printable ASCII without space (0x21-0x7e), else
 *	"-" is written in its place.  The null sender is "mfrom " with an
 *	empty value, exactly as OpenDMARC writes it.  A NULL dkim selector
 *	is "-".  rua URIs that are not valid tokens are left out, and "rua
 *	-" is written when none remains.  ARC seal strings inside the JSON
 *	must be 0..255 octets of 0x21-0x7e without '"' or '\\', else "-".
 *	arc_policy is "<n> json:[...]" with elements
 *	{ "i": N, "d":"dom", "s":"sel", "ip":"addr" } joined by ", ".
 *
 *	Parsing.  Feed one line at a time without its newline (a trailing
 *	CR is dropped, empty lines are skipped).  Lines are split at the
 *	first space into key and value.  A "job" line starts a record and
 *	hands back the previous one.  The parser reads 1.4.2 records,
 *	develop records (spf_scope, fo) and ours.  Unknown keys are
 *	ignored; a repeated key replaces the earlier value (OpenDMARC's
 *	import keeps the last spf line), except dkim, rua and reason, which
 *	accumulate.  Values are checked exactly as the formatter checks
 *	them, so format(parse(x)) == x for everything we write.
 *
 *	Bounds: a line holds at most 64 KiB, a record at most DMARC_MAXDKIM
 *	dkim lines, DMARC_MAXURIS rua lines and 64 ARC seals; what exceeds
 *	them is reported as DMARC_ESYNTAX and dropped.
 *
 * DIAGNOSTICS
 *	dmarc_history_feed: DMARC_OK; DMARC_ESYNTAX for a malformed line
 *	(a bad integer, a dkim line without exactly three fields, malformed
 *	JSON, a line over the cap, any line before the first "job"): the
 *	line is ignored, parsing goes on, and the caller counts the error
 *	against the record being built.  DMARC_ETRUNC when a "job" line
 *	hands back a record that never got its "action" line.  Whenever a
 *	record is handed back *done is set, whatever the return value, and
 *	the caller frees it.
 *
 *	dmarc_history_finish returns the last record with DMARC_OK, or with
 *	DMARC_ETRUNC when it lacks its "action" line: the file may still be
 *	being written, and an importer may leave that record for its next
 *	run.  With nothing pending *done is NULL and the result DMARC_OK.
 *
 *	dmarc_history_format: DMARC_OK, DMARC_EINVAL, DMARC_ENOMEM,
 *	DMARC_ETOOBIG.
 *
 * WHY A FILE OF ITS OWN
 *	The history file is the contract between the milter and the
 *	importer, and OpenDMARC's ancestors wrote it unescaped: a quoted
 *	selector with a space broke the import.  Writer and reader live
 *	together so each checks values the same way, and the round trip is
 *	fuzzed (tests/fuzz/history_fuzz.c).
 *
 * SEE ALSO
 *	opendmarc-compat.md section 3; reports/dmarc-import.c
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HIST_MAXLINE	65536	/* longest line read */
#define HIST_MAXTOK	4096	/* longest token written or read */
#define HIST_MAXJSTR	255	/* longest string inside arc_policy JSON */
#define HIST_MAXARC	64	/* ARC seals per record (RFC 8617 allows 50) */
#define HIST_MAXOUT	(1024 * 1024)	/* formatted record cap */

struct dmarc_history_parser {
	struct dmarc_history *cur;	/* record being built, or NULL */
	int		 have_action;
};

static const struct {
	unsigned	 bit;
	const char	*name;
} reasons[] = {
	{ DMARC_REASON_SAMPLED_OUT,		"sampled_out" },
	{ DMARC_REASON_TEST_MODE,		"policy_test_mode" },
	{ DMARC_REASON_LOCAL_POLICY,		"local_policy" },
	{ DMARC_REASON_TRUSTED_FORWARDER,	"trusted_forwarder" },
	{ DMARC_REASON_MAILING_LIST,		"mailing_list" },
	{ DMARC_REASON_OTHER,			"other" },
};

#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

/* tok_ok - p[0..len) is a token the line format can carry */
static int
tok_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > HIST_MAXTOK)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

/* jstr_ok - p[0..len) can sit between JSON quotes without escaping */
static int
jstr_ok(const char *p, size_t len)
{
	size_t i;

	if (len > HIST_MAXJSTR)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f ||
		    p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

/* tok - s if it is a valid token, else "-" */
static const char *
tok(const char *s)
{
	return s != NULL && tok_ok(s, strlen(s)) ? s : "-";
}

/* jstr - s if it fits in JSON quotes, "" for NULL, else "-" */
static const char *
jstr(const char *s)
{
	if (s == NULL)
		return "";
	return jstr_ok(s, strlen(s)) ? s : "-";
}

/* fmt_head - job .. dkim* */
static void
fmt_head(struct dm_buf *b, const struct dmarc_history *h)
{
	size_t i;

	dm_buf_printf(b, "job %s\nreporter %s\nreceived %lld\nipaddr %s\n",
	    tok(h->job), tok(h->reporter), h->received, tok(h->ipaddr));
	dm_buf_printf(b, "from %s\n", tok(h->from));
	if (h->mfrom == NULL || h->mfrom[0] == '\0')
		dm_buf_adds(b, "mfrom \n");
	else
		dm_buf_printf(b, "mfrom %s\n", tok(h->mfrom));
	for (i = 0; i < h->ndkim; i++)
		dm_buf_printf(b, "dkim %s %s %d\n", tok(h->dkim[i].domain),
		    tok(h->dkim[i].selector), h->dkim[i].result);
}

/* fmt_arc - arc_policy line with its JSON array */
static void
fmt_arc(struct dm_buf *b, const struct dmarc_history *h)
{
	size_t i;

	dm_buf_printf(b, "arc_policy %d json:[", h->arc_policy);
	for (i = 0; i < h->narcseal; i++) {
		const struct dmarc_hist_arcseal *a = &h->arcseal[i];

		dm_buf_printf(b, "%s{ \"i\": %d, \"d\":\"%s\", \"s\":\"%s\", "
		    "\"ip\":\"%s\" }", i > 0 ? ", " : "", a->instance,
		    jstr(a->domain), jstr(a->selector), jstr(a->ip));
	}
	dm_buf_adds(b, "]\n");
}

/* fmt_body - spf .. action */
static void
fmt_body(struct dm_buf *b, const struct dmarc_history *h)
{
	size_t i, nrua = 0;

	dm_buf_printf(b, "spf %d\n", h->spf);
	if (h->spf_scope != 0)
		dm_buf_printf(b, "spf_scope %d\n", h->spf_scope);
	dm_buf_printf(b, "pdomain %s\npolicy %d\n", tok(h->pdomain),
	    h->policy);
	for (i = 0; i < h->nrua; i++) {
		if (h->rua[i] == NULL || !tok_ok(h->rua[i], strlen(h->rua[i])) ||
		    strcmp(h->rua[i], "-") == 0)
			continue;
		dm_buf_printf(b, "rua %s\n", h->rua[i]);
		nrua++;
	}
	if (nrua == 0)
		dm_buf_adds(b, "rua -\n");
	dm_buf_printf(b, "pct %d\nadkim %d\naspf %d\np %d\nsp %d\n", h->pct,
	    h->adkim, h->aspf, h->p, h->sp);
	if (h->fo >= 0)
		dm_buf_printf(b, "fo %d\n", h->fo);
	dm_buf_printf(b, "align_dkim %d\nalign_spf %d\narc %d\n",
	    h->align_dkim, h->align_spf, h->arc);
	fmt_arc(b, h);
	dm_buf_printf(b, "action %d\n", h->action);
}

/* fmt_str - an optional ext string key */
static void
fmt_str(struct dm_buf *b, const char *key, const char *v)
{
	if (v != NULL)
		dm_buf_printf(b, "%s %s\n", key, tok(v));
}

/* fmt_ext - our keys, after action, each only when set */
static void
fmt_ext(struct dm_buf *b, const struct dmarc_history *h)
{
	size_t i;

	fmt_str(b, "dmarc", h->ext_result);
	fmt_str(b, "disposition", h->ext_disposition);
	for (i = 0; i < NREASONS; i++)
		if (h->ext_reasons & reasons[i].bit)
			dm_buf_printf(b, "reason %s\n", reasons[i].name);
	if (h->ext_np != 0)
		dm_buf_printf(b, "np %d\n", h->ext_np);
	if (h->ext_psd != 0)
		dm_buf_printf(b, "psd %d\n", h->ext_psd);
	if (h->ext_t >= 0)
		dm_buf_printf(b, "t %d\n", h->ext_t != 0);
	fmt_str(b, "discovery", h->ext_discovery);
	fmt_str(b, "spf_domain", h->ext_spf_domain);
	fmt_str(b, "profile", h->ext_profile);
	fmt_str(b, "from_all", h->ext_from_all);
}

/* dmarc_history_format - one record as text, see the header comment */
int
dmarc_history_format(const struct dmarc_history *h, int with_ext,
    char **out, size_t *outlen)
{
	struct dm_buf b;

	if (out != NULL)
		*out = NULL;
	if (h == NULL || out == NULL || (h->ndkim > 0 && h->dkim == NULL) ||
	    (h->nrua > 0 && h->rua == NULL) ||
	    (h->narcseal > 0 && h->arcseal == NULL))
		return DMARC_EINVAL;
	dm_buf_init(&b, HIST_MAXOUT);
	fmt_head(&b, h);
	fmt_body(&b, h);
	if (with_ext)
		fmt_ext(&b, h);
	if (b.err != 0) {
		int rc = b.err;

		dm_buf_free(&b);
		return rc;
	}
	if ((*out = dm_buf_take(&b, outlen)) == NULL) {
		dm_buf_free(&b);
		return DMARC_ENOMEM;
	}
	return DMARC_OK;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

/* parse_ll - -?[0-9]+ within [min, max] */
static int
parse_ll(const char *p, size_t len, long long min, long long max,
    long long *out)
{
	unsigned long long n = 0, lim;
	size_t i = 0;
	int neg = 0;

	if (len > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len)
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned)(unsigned char)p[i] - '0';

		if (d > 9 || n > (lim - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (neg)
		*out = n == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)n;
	else
		*out = (long long)n;
	return *out < min || *out > max ? -1 : 0;
}

/* parse_int - an int-sized integer */
static int
parse_int(const char *p, size_t len, int *out)
{
	long long v;

	if (parse_ll(p, len, INT_MIN, INT_MAX, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* set_str - replace *dst with a copy of a token; ESYNTAX when not one */
static int
set_str(char **dst, const char *p, size_t len)
{
	char *s;

	if (!tok_ok(p, len))
		return DMARC_ESYNTAX;
	if ((s = dm_strndup(p, len)) == NULL)
		return DMARC_ENOMEM;
	free(*dst);
	*dst = s;
	return DMARC_OK;
}

/* k_mfrom - empty value: the null sender */
static int
k_mfrom(struct dmarc_history *h, const char *v, size_t len)
{
	if (len == 0) {
		char *s = dm_strndup("", 0);

		if (s == NULL)
			return DMARC_ENOMEM;
		free(h->mfrom);
		h->mfrom = s;
		return DMARC_OK;
	}
	return set_str(&h->mfrom, v, len);
}

/* k_dkim - "<domain> <selector|-> <code>" */
static int
k_dkim(struct dmarc_history *h, const char *v, size_t len)
{
	const char *f[3];
	size_t flen[3], n = 0, i, start = 0;
	struct dmarc_hist_dkim *d, nd = { NULL, NULL, 0 };

	for (i = 0; i <= len; i++) {
		if (i < len && v[i] != ' ')
			continue;
		if (n == 3 || i == start)
			return DMARC_ESYNTAX;
		f[n] = v + start;
		flen[n++] = i - start;
		start = i + 1;
	}
	if (n != 3 || !tok_ok(f[0], flen[0]) || !tok_ok(f[1], flen[1]) ||
	    parse_int(f[2], flen[2], &nd.result) != 0 ||
	    h->ndkim >= DMARC_MAXDKIM)
		return DMARC_ESYNTAX;
	d = realloc(h->dkim, (h->ndkim + 1) * sizeof(*d));
	if (d == NULL)
		return DMARC_ENOMEM;
	h->dkim = d;
	nd.domain = dm_strndup(f[0], flen[0]);
	if (!(flen[1] == 1 && f[1][0] == '-'))
		nd.selector = dm_strndup(f[1], flen[1]);
	if (nd.domain == NULL || (nd.selector == NULL &&
	    !(flen[1] == 1 && f[1][0] == '-'))) {
		free(nd.domain);
		free(nd.selector);
		return DMARC_ENOMEM;
	}
	h->dkim[h->ndkim++] = nd;
	return DMARC_OK;
}

/* k_rua - one raw URI, or "-" for none */
static int
k_rua(struct dmarc_history *h, const char *v, size_t len)
{
	char **r, *s;

	if (len == 1 && v[0] == '-')
		return DMARC_OK;
	if (!tok_ok(v, len) || h->nrua >= DMARC_MAXURIS)
		return DMARC_ESYNTAX;
	if ((r = realloc(h->rua, (h->nrua + 1) * sizeof(*r))) == NULL)
		return DMARC_ENOMEM;
	h->rua = r;
	if ((s = dm_strndup(v, len)) == NULL)
		return DMARC_ENOMEM;
	h->rua[h->nrua++] = s;
	return DMARC_OK;
}

/* k_reason - one reason keyword */
static int
k_reason(struct dmarc_history *h, const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < NREASONS; i++)
		if (strlen(reasons[i].name) == len &&
		    memcmp(reasons[i].name, v, len) == 0) {
			h->ext_reasons |= reasons[i].bit;
			return DMARC_OK;
		}
	return DMARC_ESYNTAX;
}

/* JSON scanner for the fixed arc_policy shape */
struct js {
	const char	*p;
	size_t		 len;
	size_t		 i;
};

/* js_ws - skip JSON whitespace */
static void
js_ws(struct js *j)
{
	while (j->i < j->len && (j->p[j->i] == ' ' || j->p[j->i] == '\t'))
		j->i++;
}

/* js_eat - consume c after optional whitespace */
static int
js_eat(struct js *j, char c)
{
	js_ws(j);
	if (j->i < j->len && j->p[j->i] == c) {
		j->i++;
		return 1;
	}
	return 0;
}

/* js_str - a quoted string without escapes; sets *s, *slen */
static int
js_str(struct js *j, const char **s, size_t *slen)
{
	size_t start;

	if (!js_eat(j, '"'))
		return -1;
	start = j->i;
	while (j->i < j->len && j->p[j->i] != '"')
		j->i++;
	if (j->i == j->len)
		return -1;
	*s = j->p + start;
	*slen = j->i - start;
	j->i++;
	return jstr_ok(*s, *slen) ? 0 : -1;
}

/* js_int - -?[0-9]+ as int */
static int
js_int(struct js *j, int *out)
{
	size_t start;

	js_ws(j);
	start = j->i;
	if (j->i < j->len && j->p[j->i] == '-')
		j->i++;
	while (j->i < j->len && j->p[j->i] >= '0' && j->p[j->i] <= '9')
		j->i++;
	return parse_int(j->p + start, j->i - start, out);
}

/* js_member - one "key": value into a; seen tracks duplicates */
static int
js_member(struct js *j, struct dmarc_hist_arcseal *a, unsigned *seen)
{
	static const char *const names[] = { "i", "d", "s", "ip" };
	const char *k, *s;
	size_t klen, slen, n;
	char **dst;

	if (js_str(j, &k, &klen) != 0 || !js_eat(j, ':'))
		return -1;
	for (n = 0; n < 4; n++)
		if (strlen(names[n]) == klen && memcmp(names[n], k, klen) == 0)
			break;
	if (n == 4 || (*seen & (1u << n)))
		return -1;
	*seen |= 1u << n;
	if (n == 0)
		return js_int(j, &a->instance);
	if (js_str(j, &s, &slen) != 0)
		return -1;
	dst = n == 1 ? &a->domain : n == 2 ? &a->selector : &a->ip;
	return (*dst = dm_strndup(s, slen)) == NULL ? -2 : 0;
}

/* js_object - { "i": N, "d":"..", "s":"..", "ip":".." }, all four keys */
static int
js_object(struct js *j, struct dmarc_hist_arcseal *a)
{
	unsigned seen = 0;
	int rc;

	if (!js_eat(j, '{'))
		return -1;
	do {
		if ((rc = js_member(j, a, &seen)) != 0)
			return rc;
	} while (js_eat(j, ','));
	if (!js_eat(j, '}'))
		return -1;
	return seen == 0xf ? 0 : -1;
}

/* free_seals - release an ARC seal array */
static void
free_seals(struct dmarc_hist_arcseal *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].domain);
		free(a[i].selector);
		free(a[i].ip);
	}
	free(a);
}

/* seal_slot - a zeroed slot at a[n], growing the array by doubling
   (most records have no seal: "[]" allocates nothing) */
static struct dmarc_hist_arcseal *
seal_slot(struct dmarc_hist_arcseal **a, size_t n, size_t *cap)
{
	struct dmarc_hist_arcseal *t;
	size_t ncap;

	if (n == *cap) {
		ncap = *cap == 0 ? 2 : *cap * 2;
		if (ncap > HIST_MAXARC)
			ncap = HIST_MAXARC;
		if ((t = realloc(*a, ncap * sizeof(*t))) == NULL)
			return NULL;
		*a = t;
		*cap = ncap;
	}
	memset(&(*a)[n], 0, sizeof((*a)[n]));
	return &(*a)[n];
}

/* js_array - the whole JSON array into a fresh seal list */
static int
js_array(struct js *j, struct dmarc_hist_arcseal **out, size_t *nout)
{
	struct dmarc_hist_arcseal *a = NULL, *s;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (!js_eat(j, '['))
		goto fail;
	if (!js_eat(j, ']')) {
		do {
			rc = -1;
			if (n == HIST_MAXARC)
				goto fail;
			if ((s = seal_slot(&a, n, &cap)) == NULL) {
				rc = -2;
				goto fail;
			}
			n++;
			if ((rc = js_object(j, s)) != 0)
				goto fail;
		} while (js_eat(j, ','));
		rc = -1;
		if (!js_eat(j, ']'))
			goto fail;
	}
	js_ws(j);
	if (j->i != j->len)
		goto fail;
	*out = a;
	*nout = n;
	return 0;
fail:
	free_seals(a, n);
	return rc;
}

/* k_arc_policy - "<n> json:[...]" (the JSON part may be absent) */
static int
k_arc_policy(struct dmarc_history *h, const char *v, size_t len)
{
	const char *sp = memchr(v, ' ', len);
	size_t nlen = sp != NULL ? (size_t)(sp - v) : len;
	struct js j;
	struct dmarc_hist_arcseal *a = NULL;
	size_t n = 0;
	int rc;

	if (parse_int(v, nlen, &h->arc_policy) != 0)
		return DMARC_ESYNTAX;
	free_seals(h->arcseal, h->narcseal);
	h->arcseal = NULL;
	h->narcseal = 0;
	if (sp == NULL)
		return DMARC_OK;
	j.p = sp + 1;
	j.len = len - nlen - 1;
	if (j.len < 5 || memcmp(j.p, "json:", 5) != 0)
		return DMARC_ESYNTAX;
	j.i = 5;
	if ((rc = js_array(&j, &a, &n)) != 0)
		return rc == -2 ? DMARC_ENOMEM : DMARC_ESYNTAX;
	h->arcseal = a;
	h->narcseal = n;
	return DMARC_OK;
}

enum ktype { K_STR, K_INT, K_LL, K_FN };

typedef int (*key_fn)(struct dmarc_history *, const char *, size_t);

#define OFF(f)	offsetof(struct dmarc_history, f)

/* Every key but "job"; ext marks ours. */
#define KN(s)	s, sizeof(s) - 1	/* a key's name and its length */

static const struct key {
	const char	*name;
	size_t		 nlen;
	enum ktype	 type;
	size_t		 off;
	int		 min, max;	/* K_INT range */
	key_fn		 fn;
	int		 ext;
} keys[] = {
	{ KN("reporter"), K_STR, OFF(reporter), 0, 0, NULL, 0 },
	{ KN("received"), K_LL,  OFF(received), 0, 0, NULL, 0 },
	{ KN("ipaddr"), K_STR, OFF(ipaddr), 0, 0, NULL, 0 },
	{ KN("from"), K_STR, OFF(from), 0, 0, NULL, 0 },
	{ KN("mfrom"), K_FN,  0, 0, 0, k_mfrom, 0 },
	{ KN("dkim"), K_FN,  0, 0, 0, k_dkim, 0 },
	{ KN("spf"), K_INT, OFF(spf), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("spf_scope"), K_INT, OFF(spf_scope), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("pdomain"), K_STR, OFF(pdomain), 0, 0, NULL, 0 },
	{ KN("policy"), K_INT, OFF(policy), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("rua"), K_FN,  0, 0, 0, k_rua, 0 },
	{ KN("pct"), K_INT, OFF(pct), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("adkim"), K_INT, OFF(adkim), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("aspf"), K_INT, OFF(aspf), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("p"), K_INT, OFF(p), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("sp"), K_INT, OFF(sp), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("fo"), K_INT, OFF(fo), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("align_dkim"), K_INT, OFF(align_dkim), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("align_spf"), K_INT, OFF(align_spf), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("arc"), K_INT, OFF(arc), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("arc_policy"), K_FN,  0, 0, 0, k_arc_policy, 0 },
	{ KN("action"), K_INT, OFF(action), INT_MIN, INT_MAX, NULL, 0 },
	{ KN("dmarc"), K_STR, OFF(ext_result), 0, 0, NULL, 1 },
	{ KN("disposition"), K_STR, OFF(ext_disposition), 0, 0, NULL, 1 },
	{ KN("reason"), K_FN,  0, 0, 0, k_reason, 1 },
	{ KN("np"), K_INT, OFF(ext_np), 0, 255, NULL, 1 },
	{ KN("psd"), K_INT, OFF(ext_psd), 0, 255, NULL, 1 },
	{ KN("t"), K_INT, OFF(ext_t), 0, 1, NULL, 1 },
	{ KN("discovery"), K_STR, OFF(ext_discovery), 0, 0, NULL, 1 },
	{ KN("spf_domain"), K_STR, OFF(ext_spf_domain), 0, 0, NULL, 1 },
	{ KN("profile"), K_STR, OFF(ext_profile), 0, 0, NULL, 1 },
	{ KN("from_all"), K_STR, OFF(ext_from_all), 0, 0, NULL, 1 },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* apply - run one known key's value into h */
static int
apply(struct dmarc_history *h, const struct key *k, const char *v,
    size_t len)
{
	char *base = (char *)h;
	long long ll;
	int iv;

	switch (k->type) {
	case K_STR:
		return set_str((char **)(void *)(base + k->off), v, len);
	case K_LL:
		if (parse_ll(v, len, LLONG_MIN, LLONG_MAX, &ll) != 0)
			return DMARC_ESYNTAX;
		memcpy(base + k->off, &ll, sizeof(ll));
		return DMARC_OK;
	case K_INT:
		if (parse_ll(v, len, k->min, k->max, &ll) != 0)
			return DMARC_ESYNTAX;
		iv = (int)ll;
		memcpy(base + k->off, &iv, sizeof(iv));
		return DMARC_OK;
	default:
		return k->fn(h, v, len);
	}
}

/* new_record - a record with the "absent" sentinels in place */
static struct dmarc_history *
new_record(void)
{
	struct dmarc_history *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->spf = -1;
	h->spf_scope = 0;
	h->fo = -1;
	h->action = -1;
	h->ext_t = -1;
	return h;
}

/* dmarc_history_parser_new - an empty streaming parser */
struct dmarc_history_parser *
dmarc_history_parser_new(void)
{
	return calloc(1, sizeof(struct dmarc_history_parser));
}

/* dmarc_history_parser_free - drop the parser and any partial record */
void
dmarc_history_parser_free(struct dmarc_history_parser *hp)
{
	if (hp == NULL)
		return;
	dmarc_history_free(hp->cur);
	free(hp);
}

/* start_record - "job": hand back the previous record, begin a new one */
static int
start_record(struct dmarc_history_parser *hp, const char *v, size_t len,
    struct dmarc_history **done)
{
	struct dmarc_history *h;
	int rc, trunc;

	if ((h = new_record()) == NULL)
		return DMARC_ENOMEM;
	*done = hp->cur;
	trunc = hp->cur != NULL && !hp->have_action;
	hp->cur = h;
	hp->have_action = 0;
	rc = set_str(&h->job, v, len);
	if (trunc && rc != DMARC_ENOMEM)
		rc = DMARC_ETRUNC;
	return rc;
}

/* dmarc_history_feed - one line; see DIAGNOSTICS above */
int
dmarc_history_feed(struct dmarc_history_parser *hp, const char *line,
    size_t len, struct dmarc_history **done)
{
	const char *sp, *v;
	size_t klen, vlen, i;
	int rc;

	if (done != NULL)
		*done = NULL;
	if (hp == NULL || done == NULL || (line == NULL && len > 0))
		return DMARC_EINVAL;
	if (len > HIST_MAXLINE)
		return DMARC_ESYNTAX;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return DMARC_OK;
	sp = memchr(line, ' ', len);
	klen = sp != NULL ? (size_t)(sp - line) : len;
	v = sp != NULL ? sp + 1 : line + len;
	vlen = len - klen - (sp != NULL);
	if (klen == 3 && memcmp(line, "job", 3) == 0)
		return start_record(hp, v, vlen, done);
	if (hp->cur == NULL)
		return DMARC_ESYNTAX;
	for (i = 0; i < NKEYS; i++)
		if (keys[i].nlen == klen &&
		    memcmp(keys[i].name, line, klen) == 0)
			break;
	if (i == NKEYS)
		return DMARC_OK;	/* unknown key: tolerated */
	if ((rc = apply(hp->cur, &keys[i], v, vlen)) != DMARC_OK)
		return rc;
	if (keys[i].ext)
		hp->cur->has_ext = 1;
	if (keys[i].off == OFF(action) && keys[i].type == K_INT)
		hp->have_action = 1;
	return DMARC_OK;
}

/* dmarc_history_finish - end of input: hand back the pending record */
int
dmarc_history_finish(struct dmarc_history_parser *hp,
    struct dmarc_history **done)
{
	int trunc;

	if (done != NULL)
		*done = NULL;
	if (hp == NULL || done == NULL)
		return DMARC_EINVAL;
	if (hp->cur == NULL)
		return DMARC_OK;
	trunc = !hp->have_action;
	*done = hp->cur;
	hp->cur = NULL;
	hp->have_action = 0;
	return trunc ? DMARC_ETRUNC : DMARC_OK;
}

/* dmarc_history_free - release a record; NULL is fine */
void
dmarc_history_free(struct dmarc_history *h)
{
	size_t i;

	if (h == NULL)
		return;
	free(h->job);
	free(h->reporter);
	free(h->ipaddr);
	free(h->from);
	free(h->mfrom);
	for (i = 0; i < h->ndkim; i++) {
		free(h->dkim[i].domain);
		free(h->dkim[i].selector);
	}
	free(h->dkim);
	free(h->pdomain);
	for (i = 0; i < h->nrua; i++)
		free(h->rua[i]);
	free(h->rua);
	free_seals(h->arcseal, h->narcseal);
	free(h->ext_result);
	free(h->ext_disposition);
	free(h->ext_discovery);
	free(h->ext_spf_domain);
	free(h->ext_profile);
	free(h->ext_from_all);
	free(h);
}
