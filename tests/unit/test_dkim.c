/*
 * test_dkim.c -- DKIM verification (common/dkim.c) on the zone-file resolver
 *
 * DESCRIPTION
 *	Keys are generated at run time (libcrypto) and published in a zone
 *	file written to a temporary directory; messages are signed by
 *	libopendkim's signer (tests/tools/dkimtest.c) and verified by ours.
 *	One table of cases: pass (simple and relaxed, l=), body and header
 *	changed (fail), wrong key (fail), key missing, NODATA, revoked or
 *	published twice (permerror), SERVFAIL and timeout (temperror), a
 *	512-bit key (policy), broken signature tags (neutral), an invalid
 *	d= (dropped), several signatures and the DKIMV_MAXSIGS cap.  Key
 *	records with a repeated tag, v= not first or k= unfit for a= give
 *	permerror, and hand-signed signatures with a repeated tag neutral
 *	(RFC 6376 3.2, 3.6.1, 6.1.2; libopendkim alone passes all of them).  The
 *	keys exist nowhere else, so a pass proves libopendkim asked our
 *	resolver; the resolver's counters are checked case by case too.
 *	Then the pass case from four threads at once.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim.h"
#include "resolver.h"
#include "tests/tap.h"
#include "tests/tools/dkimtest.h"

#define P	DMARC_ARES_PASS
#define F	DMARC_ARES_FAIL
#define NEU	DMARC_ARES_NEUTRAL
#define POL	DMARC_ARES_POLICY
#define TE	DMARC_ARES_TEMPERROR
#define PE	DMARC_ARES_PERMERROR

static const char base_msg[] =
    "From: Alice <alice@good.example>\n"
    "To: bob@receiver.example\n"
    "Subject: quarterly numbers\n"
    "Date: Tue, 1 Dec 2026 10:00:00 +0000\n"
    "Message-ID: <t1@good.example>\n"
    "\n"
    "Hello Bob,\n"
    "\n"
    "the numbers  are in.\n";

static char *key_a, *key_b, *key_small;

/* A signature: which key, d=, s=, options; then a change to the message. */
static const struct dkim_case {
	const char	*what;
	char		**key;
	const char	*d, *s;
	struct dkimtest_opts o;
	const char	*from, *to;	/* replace in the signed message */
	enum dmarc_ares	 result;
	unsigned	 lookups;	/* resolver lookups expected */
} cases[] = {
	{ "simple/simple pass", &key_a, "good.example", "s1", { 0 },
	    NULL, NULL, P, 1 },
	{ "relaxed/relaxed pass", &key_a, "good.example", "s1",
	    { 1, 1, 0, 0 }, NULL, NULL, P, 1 },
	{ "folded signature field, simple pass", &key_a, "good.example",
	    "s1", { 0, 0, 0, 1 }, NULL, NULL, P, 1 },
	{ "folded signature field, relaxed pass", &key_a, "good.example",
	    "s1", { 1, 0, 0, 1 }, NULL, NULL, P, 1 },
	{ "a CRLF among LF line ends: pass", &key_a, "good.example", "s1", { 0 },
	    "\n", "\r\n", P, 1 },
	{ "body changed: fail", &key_a, "good.example", "s1", { 0 },
	    "numbers  are", "numbers were", F, 1 },
	{ "signed header changed: fail", &key_a, "good.example", "s1",
	    { 0 }, "quarterly", "Quarterly", F, 1 },
	{ "relaxed: whitespace and header case changes still pass",
	    &key_a, "good.example", "s1", { 1, 1, 0, 0 },
	    "Subject: quarterly numbers", "SUBJECT:   quarterly   numbers",
	    P, 1 },
	{ "relaxed body: inner whitespace change still passes", &key_a,
	    "good.example", "s1", { 1, 1, 0, 0 }, "numbers  are",
	    "numbers are", P, 1 },
	{ "simple: whitespace change fails", &key_a, "good.example", "s1",
	    { 0 }, "numbers  are", "numbers are", F, 1 },
	{ "l=: text appended after the signed length still passes",
	    &key_a, "good.example", "s1", { 0, 0, 1, 0 }, "are in.\n",
	    "are in.\nPS: appended by a list\n", P, 1 },
	{ "no l=: text appended fails", &key_a, "good.example", "s1",
	    { 0 }, "are in.\n", "are in.\nPS: appended by a list\n", F, 1 },
	{ "signed with another key: fail", &key_b, "good.example", "s1",
	    { 0 }, NULL, NULL, F, 1 },
	{ "key missing (NXDOMAIN): permerror", &key_a, "good.example",
	    "missing", { 0 }, NULL, NULL, PE, 1 },
	{ "key name without TXT (NODATA): permerror", &key_a,
	    "good.example", "nodata", { 0 }, NULL, NULL, PE, 1 },
	{ "revoked key (empty p=): permerror", &key_a, "good.example",
	    "revoked", { 0 }, NULL, NULL, PE, 1 },
	{ "two key records: permerror", &key_a, "good.example", "two",
	    { 0 }, NULL, NULL, PE, 1 },
	{ "key garbage: permerror", &key_a, "good.example", "garbage",
	    { 0 }, NULL, NULL, PE, 1 },
	{ "key with a repeated tag (p=): permerror (RFC 6376 3.2)", &key_a,
	    "good.example", "dupkey", { 0 }, NULL, NULL, PE, 1 },
	{ "key with v= not first: permerror (RFC 6376 3.6.1)", &key_a,
	    "good.example", "vlate", { 0 }, NULL, NULL, PE, 1 },
	{ "key k=ed25519 for a=rsa-sha256: permerror (RFC 6376 6.1.2)",
	    &key_a, "good.example", "ktype", { 0 }, NULL, NULL, PE, 1 },
	{ "key without v=: pass", &key_a, "good.example", "nov", { 0 },
	    NULL, NULL, P, 1 },
	{ "SERVFAIL on the key: temperror", &key_a, "good.example",
	    "servfail", { 0 }, NULL, NULL, TE, 1 },
	{ "timeout on the key: temperror", &key_a, "good.example",
	    "timeout", { 0 }, NULL, NULL, TE, 1 },
	{ "512-bit key: policy (RFC 8301)", &key_small, "good.example",
	    "small", { 0 }, NULL, NULL, POL, 1 },
	{ "unknown algorithm a=: neutral", &key_a, "good.example", "s1",
	    { 0 }, "a=rsa-sha256", "a=rsa-sha999", NEU, 0 },
	{ "bh= missing: neutral", &key_a, "good.example", "s1", { 0 },
	    "bh=", "xx=", NEU, 0 },
	{ "v=2: neutral", &key_a, "good.example", "s1", { 0 }, "v=1;",
	    "v=2;", NEU, 0 },
	{ "i= outside d=: neutral", &key_a, "good.example", "s1", { 0 },
	    "d=good.example;", "d=good.example; i=@elsewhere.example;",
	    NEU, 0 },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

struct feed {
	struct dkimv_msg *vm;
};

/* feed_header - dkimtest_feed to the verifier */
static void
feed_header(void *arg, const char *name, const char *value, size_t vlen)
{
	dkimv_msg_header(((struct feed *)arg)->vm, name, value, vlen);
}

/* feed_body - dkimtest_feed to the verifier */
static void
feed_body(void *arg, const unsigned char *p, size_t len)
{
	struct feed *f = arg;

	dkimv_msg_eoh(f->vm);
	dkimv_msg_body(f->vm, p, len);
}

/* verify - run a message through a fresh verifier */
static size_t
verify(struct dkimv *dv, const char *msg, struct dmarc_dkim_result *res,
    size_t max)
{
	struct feed f;
	size_t n;

	f.vm = dkimv_msg_new(dv, "test");
	if (f.vm == NULL)
		return 0;
	dkimtest_feed(msg, strlen(msg), feed_header, feed_body, &f);
	n = dkimv_msg_eom(f.vm, res, max);
	dkimv_msg_free(f.vm);
	return n;
}

/* replace - copy of s with the first from changed to to (from must occur) */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = from != NULL ? strstr(s, from) : NULL;
	size_t n = strlen(s), fl, tl;
	char *o;

	if (at == NULL)
		return strdup(s);
	fl = strlen(from);
	tl = strlen(to);
	o = malloc(n - fl + tl + 1);
	memcpy(o, s, (size_t)(at - s));
	memcpy(o + (at - s), to, tl);
	memcpy(o + (at - s) + tl, at + fl, n - (size_t)(at - s) - fl + 1);
	return o;
}

/* signed_msg - sig field + LF + msg */
static char *
signed_msg(const char *key, const char *d, const char *s,
    const struct dkimtest_opts *o, const char *msg)
{
	char *sig = dkimtest_sign(key, d, s, o, msg, strlen(msg)), *out;
	size_t sl, ml = strlen(msg);

	if (sig == NULL)
		return NULL;
	sl = strlen(sig);
	out = malloc(sl + 1 + ml + 1);
	memcpy(out, sig, sl);
	out[sl] = '\n';
	memcpy(out + sl + 1, msg, ml + 1);
	free(sig);
	return out;
}

/* bprefix - the first n characters of the top signature's b= value */
static void
bprefix(const char *m, char *out, size_t n)
{
	const char *p = m;
	size_t i = 0;

	while ((p = strstr(p, "b=")) != NULL &&
	    p > m && p[-1] != ' ' && p[-1] != '\t' && p[-1] != ';')
		p += 2;
	for (p = p != NULL ? p + 2 : ""; *p != '\0' && *p != ';' && i < n;
	    p++)
		if (*p > ' ')
			out[i++] = *p;
	out[i] = '\0';
}

/* lookups - the resolver's lookup counter */
static unsigned long
lookups(struct resolver *r)
{
	struct resolver_stats st;

	resolver_stats(r, &st);
	return st.lookups;
}

/* run_case - one table row */
static void
run_case(struct dkimv *dv, struct resolver *r, const struct dkim_case *c)
{
	struct dmarc_dkim_result res[4];
	char *m, *m2, b[16];
	unsigned long l0 = lookups(r);
	size_t n;

	m = signed_msg(*c->key, c->d, c->s, &c->o, base_msg);
	if (!CHECK(m != NULL, "%s: signed", c->what))
		return;
	if (c->from != NULL)
		CHECK(strstr(m, c->from) != NULL, "%s: change applies",
		    c->what);
	m2 = replace(m, c->from, c->to);
	n = verify(dv, m2, res, 4);
	CHECK_INT(n, 1, c->what);
	if (n == 1) {
		if (res[0].result != c->result)
			printf("#   got %s, want %s\n",
			    dmarc_ares_name(res[0].result),
			    dmarc_ares_name(c->result));
		CHECK(res[0].result == c->result, "%s: %s", c->what,
		    dmarc_ares_name(c->result));
		CHECK(strcmp(res[0].domain, c->d) == 0 &&
		    strcmp(res[0].selector, c->s) == 0 &&
		    res[0].source == DMARC_SRC_SELF, "%s: d=%s s=%s self",
		    c->what, res[0].domain, res[0].selector);
		bprefix(m2, b, 8);
		CHECK_STR(res[0].bprefix, b, "header.b prefix (8 chars)");
	}
	CHECK_INT(lookups(r) - l0, c->lookups, "lookups via our resolver");
	free(m);
	free(m2);
}

/* test_several - two signatures (outer first), and the cap */
static void
test_several(struct dkimv *dv, struct resolver *r)
{
	struct dmarc_dkim_result res[DMARC_MAXDKIM];
	struct dkimtest_opts o = { 1, 1, 0, 0 };
	char *m1, *m2, *big, *sel;
	size_t n, i, sl, ml;
	unsigned long l0;

	m1 = signed_msg(key_a, "good.example", "s1", &o, base_msg);
	m2 = signed_msg(key_b, "other.example", "s2", &o, m1);
	n = verify(dv, m2, res, DMARC_MAXDKIM);
	CHECK_INT(n, 2, "two signatures: two results");
	CHECK(n == 2 && strcmp(res[0].domain, "other.example") == 0 &&
	    res[0].result == P && strcmp(res[1].domain, "good.example") ==
	    0 && res[1].result == P, "both pass, topmost first");
	CHECK(n == 2 && strcmp(res[0].bprefix, res[1].bprefix) != 0,
	    "distinct header.b prefixes");
	CHECK_INT(verify(dv, m2, res, 1), 1, "results capped by max");

	/* 12 signatures with their own selectors: DKIMV_MAXSIGS verified */
	sl = (size_t)(strchr(m1, '\n') - m1) + 1;
	ml = strlen(m1);
	big = malloc(12 * sl + ml + 1);
	for (i = 0; i < 12; i++) {
		memcpy(big + i * sl, m1, sl);
		sel = strstr(big + i * sl, "s=s1;");
		if (sel != NULL)
			memcpy(sel, i < 10 ? "s=m" : "s=n", 3);
		if (sel != NULL)
			sel[3] = (char)('0' + i % 10);
	}
	memcpy(big + 12 * sl, base_msg, sizeof(base_msg));
	l0 = lookups(r);
	n = verify(dv, big, res, DMARC_MAXDKIM);
	CHECK_INT(n, DKIMV_MAXSIGS, "12 signatures: DKIMV_MAXSIGS verified");
	CHECK_INT(lookups(r) - l0, DKIMV_MAXSIGS, "one lookup each, no more");
	CHECK(n == DKIMV_MAXSIGS && res[0].result == PE &&
	    strcmp(res[0].selector, "m0") == 0 &&
	    strcmp(res[n - 1].selector, "m9") == 0 &&
	    strlen(res[0].bprefix) == 15,
	    "the topmost ten; identical b= gives the longest prefix");
	free(big);
	free(m1);
	free(m2);
}

/* to_crlf - every LF made CRLF */
static char *
to_crlf(const char *s)
{
	char *o = malloc(2 * strlen(s) + 1), *p = o;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			*p++ = '\r';
		*p++ = *s;
	}
	*p = '\0';
	return o;
}

/* test_edges - no signature, invalid d=, NULL handles, line ends */
static void
test_edges(struct dkimv *dv)
{
	struct dmarc_dkim_result res[4];
	struct dkimtest_opts o = { 0 };
	struct dkimv_msg *vm;
	char *m, *m2;

	CHECK_INT(verify(dv, base_msg, res, 4), 0, "unsigned: no result");
	vm = dkimv_msg_new(dv, NULL);
	dkimv_msg_header(vm, "From", " a@good.example", 15);
	CHECK_INT(dkimv_msg_eoh(vm), 0, "eoh of unsigned says 0");
	dkimv_msg_body(vm, (const unsigned char *)"x\r\n", 3);
	CHECK_INT(dkimv_msg_eom(vm, res, 4), 0, "eom after eoh 0: none");
	dkimv_msg_free(vm);
	dkimv_msg_free(NULL);
	CHECK_INT(dkimv_msg_eom(NULL, res, 4), 0, "NULL handle is inert");
	m = signed_msg(key_a, "good.example", "s1", &o, base_msg);
	m2 = replace(m, "d=good.example", "d=bad..example");
	CHECK_INT(verify(dv, m2, res, 4), 0, "invalid d=: dropped");
	free(m2);
	m2 = replace(m, "\n\nHello Bob,\n\nthe numbers  are in.\n", "\n");
	CHECK_INT(verify(dv, m2, res, 4), 1, "body removed: verified");
	CHECK(res[0].result == F, "body removed: fail");
	free(m2);
	free(m);
	m = signed_msg(key_a, "good.example", "s1", &o, base_msg);
	m2 = to_crlf(m);
	CHECK(verify(dv, m2, res, 4) == 1 && res[0].result == P,
	    "all CRLF: pass");
	free(m2);
	free(m);
	m = signed_msg(key_a, "good.example", "s1", &o,
	    "From: a@good.example\nSubject: no body\n");
	CHECK_INT(verify(dv, m, res, 4), 1, "message without body verified");
	CHECK(res[0].result == P, "message without body: pass");
	free(m);
}

struct run {
	struct dkimv	*dv;
	const char	*msg;
	unsigned	 bad;
};

/* worker - the pass case, repeatedly, from one thread */
static void *
worker(void *arg)
{
	struct run *run = arg;
	struct dmarc_dkim_result res[2];
	int i;

	for (i = 0; i < 25; i++)
		if (verify(run->dv, run->msg, res, 2) != 1 ||
		    res[0].result != P)
			run->bad++;
	return NULL;
}

/* test_threads - one shared struct dkimv under four threads */
static void
test_threads(struct dkimv *dv)
{
	struct dkimtest_opts o = { 1, 1, 0, 0 };
	pthread_t tid[4];
	struct run runs[4];
	char *m = signed_msg(key_a, "good.example", "s1", &o, base_msg);
	size_t i;
	unsigned bad = 0;

	for (i = 0; i < 4; i++) {
		runs[i].dv = dv;
		runs[i].msg = m;
		runs[i].bad = 0;
		CHECK(pthread_create(&tid[i], NULL, worker, &runs[i]) == 0,
		    "thread %zu started", i);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		bad += runs[i].bad;
	}
	CHECK_INT(bad, 0, "4 threads x 25 verifications pass");
	free(m);
}

/*
 * Signatures libopendkim's signer would not write, signed by
 * dkimtest_sign_raw: a repeated tag makes the whole tag-list invalid
 * (RFC 6376 3.2), so neutral and no key lookup.
 */
#define RAW_HEAD	"v=1; a=rsa-sha256; c=simple/simple; d=good.example; s=s1; "
#define RAW_TAIL	"h=from:to:subject; bh=@; b="
static const struct {
	const char	*what, *tags;
	enum dmarc_ares	 result;
	unsigned	 lookups;
} raw_cases[] = {
	{ "hand-made signature: pass", RAW_HEAD RAW_TAIL, P, 1 },
	{ "d= twice: neutral", RAW_HEAD "d=good.example; " RAW_TAIL, NEU, 1 },
	{ "s= and S=: neutral", RAW_HEAD "S=s1; " RAW_TAIL, NEU, 1 },
	{ "bh= twice: neutral", RAW_HEAD "bh=AAAA; " RAW_TAIL, NEU, 1 },
};

/* test_raw - raw_cases alone, then a bad one above a good one */
static void
test_raw(struct dkimv *dv, struct resolver *r)
{
	struct dmarc_dkim_result res[4];
	struct dkimtest_opts o = { 0 };
	char *sig, *m, *good;
	unsigned long l0;
	size_t i, n, mlen;

	for (i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
		sig = dkimtest_sign_raw(key_a, raw_cases[i].tags, base_msg);
		if (!CHECK(sig != NULL, "%s: signed", raw_cases[i].what))
			continue;
		mlen = strlen(sig) + 1 + sizeof(base_msg);
		m = malloc(mlen);
		snprintf(m, mlen, "%s\n%s", sig, base_msg);
		l0 = lookups(r);
		n = verify(dv, m, res, 4);
		CHECK(n == 1 && res[0].result == raw_cases[i].result &&
		    strcmp(res[0].domain, "good.example") == 0,
		    "%s (got %s)", raw_cases[i].what,
		    n == 1 ? dmarc_ares_name(res[0].result) : "no result");
		CHECK_INT(lookups(r) - l0, raw_cases[i].lookups,
		    "lookups via our resolver");
		if (i == 1) {	/* the bad one above a good one */
			good = signed_msg(key_a, "good.example", "s1", &o,
			    m);
			n = good != NULL ? verify(dv, good, res, 4) : 0;
			CHECK(n == 2 && res[0].result == P &&
			    res[1].result == NEU, "a good signature above "
			    "a bad one: pass, neutral");
			free(good);
		}
		free(m);
		free(sig);
	}
}

/* write_zone - the keys and the failure cases' names */
static int
write_zone(const char *path, const char *pa, const char *pb, const char *ps)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fprintf(fp, "$ORIGIN _domainkey.good.example.\n"
	    "s1 TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "small TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "nodata A 192.0.2.1\n"
	    "revoked TXT \"v=DKIM1; k=rsa; p=\"\n"
	    "two TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "two TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "garbage TXT \"v=DKIM1; k=rsa; p=bm90IGEga2V5\"\n"
	    "dupkey TXT \"v=DKIM1; k=rsa; p=%s;\" \" p=%s\"\n"
	    "vlate TXT \"k=rsa; v=DKIM1; p=%s\"\n"
	    "ktype TXT \"v=DKIM1; k=ed25519; p=%s\"\n"
	    "nov TXT \"k=rsa; p=%s\"\n"
	    "servfail SERVFAIL\n"
	    "timeout TIMEOUT\n"
	    "$ORIGIN _domainkey.other.example.\n"
	    "s2 TXT \"v=DKIM1; k=rsa; p=%s\"\n", pa, ps, pa, pa, pa, pa, pa,
	    pa, pa, pb);
	return fclose(fp);
}

int
main(void)
{
	struct resolver_opts opts;
	struct resolver *r;
	struct dkimv *dv;
	char dir[] = "/tmp/test_dkim.XXXXXX", zone[64], err[256];
	char *pa, *pb, *ps;
	size_t i;

	if (mkdtemp(dir) == NULL ||
	    dkimtest_genkey(1024, &key_a, &pa) != 0 ||
	    dkimtest_genkey(1024, &key_b, &pb) != 0 ||
	    dkimtest_genkey(512, &key_small, &ps) != 0) {
		printf("not ok 1 - test keys\n0 passed, 1 failed\n");
		return 1;
	}
	snprintf(zone, sizeof(zone), "%s/dkim.zone", dir);
	CHECK(write_zone(zone, pa, pb, ps) == 0, "zone file written");
	memset(&opts, 0, sizeof(opts));
	opts.zonefile = zone;
	r = resolver_new(&opts, err, sizeof(err));
	unlink(zone);
	rmdir(dir);
	if (!CHECK(r != NULL, "resolver_new: %s", r != NULL ? "ok" : err))
		return tap_done();
	dv = dkimv_new(r, err, sizeof(err));
	if (!CHECK(dv != NULL, "dkimv_new: %s", dv != NULL ? "ok" : err))
		return tap_done();
	for (i = 0; i < NCASES; i++)
		run_case(dv, r, &cases[i]);
	test_several(dv, r);
	test_raw(dv, r);
	test_edges(dv);
	test_threads(dv);
	dkimv_free(dv);
	dkimv_free(NULL);
	resolver_free(r);
	free(key_a);
	free(key_b);
	free(key_small);
	free(pa);
	free(pb);
	free(ps);
	return tap_done();
}
