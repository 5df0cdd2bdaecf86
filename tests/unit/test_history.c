/*
 * test_history.c -- history record writer and streaming reader
 *
 * DESCRIPTION
 *	The real OpenDMARC 1.4.2 sample (compat 3.4) and a develop record
 *	must come back byte-identical; our extension keys, the null sender,
 *	malformed lines, bounds, truncated records and value escaping are
 *	checked, and every formatted record is parsed again and must format
 *	to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "tests/tap.h"

#define MAXREC	8

/* The real 1.4.2 sample, compat 3.4. */
static const char sample_142[] =
	"job DEBUG-i\n"
	"reporter DEBUG-j\n"
	"received 1795581178\n"
	"ipaddr 192.0.2.7\n"
	"from example.com\n"
	"mfrom example.com\n"
	"dkim example.com sel1 0\n"
	"dkim other.net s2 7\n"
	"spf 0\n"
	"pdomain example.com\n"
	"policy 15\n"
	"rua mailto:agg@example.com!10m\n"
	"rua mailto:agg@reports.example.net\n"
	"pct 100\n"
	"adkim 114\n"
	"aspf 114\n"
	"p 114\n"
	"sp 113\n"
	"align_dkim 4\n"
	"align_spf 5\n"
	"arc 7\n"
	"arc_policy 2 json:[]\n"
	"action 2\n";

/* develop: spf_scope and fo; no record, null sender, ARC seals */
static const char sample_develop[] =
	"job 4XyZ1k0abc\n"
	"reporter mx.example.org\n"
	"received 1780000000\n"
	"ipaddr 2001:db8::25\n"
	"from Example.NET\n"
	"mfrom \n"
	"dkim example.net - 5\n"
	"spf -1\n"
	"spf_scope -1\n"
	"pdomain example.net\n"
	"policy 14\n"
	"rua -\n"
	"pct 0\n"
	"adkim 0\n"
	"aspf 0\n"
	"p 0\n"
	"sp 0\n"
	"fo 0\n"
	"align_dkim 0\n"
	"align_spf 0\n"
	"arc 0\n"
	"arc_policy 0 json:[{ \"i\": 1, \"d\":\"fwd.example\", \"s\":\"arc1\", "
	"\"ip\":\"192.0.2.9\" }, { \"i\": 2, \"d\":\"list.example\", "
	"\"s\":\"\", \"ip\":\"2001:db8::1\" }]\n"
	"action 2\n";

/* ours: every extension key */
static const char sample_ext[] =
	"job Q1\n"
	"reporter mx.example\n"
	"received 1800000000\n"
	"ipaddr 198.51.100.4\n"
	"from sub.example.com\n"
	"mfrom bounce.example.com\n"
	"spf 0\n"
	"spf_scope 1\n"
	"pdomain example.com\n"
	"policy 16\n"
	"rua mailto:d@example.com\n"
	"pct 100\n"
	"adkim 115\n"
	"aspf 114\n"
	"p 114\n"
	"sp 113\n"
	"fo 5\n"
	"align_dkim 5\n"
	"align_spf 4\n"
	"arc 7\n"
	"arc_policy 2 json:[]\n"
	"action 4\n"
	"dmarc fail\n"
	"disposition quarantine\n"
	"reason policy_test_mode\n"
	"reason local_policy\n"
	"np 110\n"
	"psd 117\n"
	"t 1\n"
	"discovery treewalk\n"
	"spf_domain bounce.example.com\n"
	"profile rfc9989\n"
	"from_all sub.example.com,other.example\n";

struct run {
	size_t			 n;
	struct dmarc_history	*rec[MAXREC];
	int			 rc[MAXREC];	/* status that handed it */
	unsigned		 nsyntax;	/* ESYNTAX lines */
	unsigned		 nother;	/* other non-OK lines */
};

/* keep - store a handed-back record */
static void
keep(struct run *r, struct dmarc_history *h, int rc)
{
	if (h == NULL)
		return;
	if (r->n < MAXREC) {
		r->rc[r->n] = rc;
		r->rec[r->n++] = h;
	} else
		dmarc_history_free(h);
}

/* run_text - feed text split on '\n', then finish */
static void
run_text(const char *text, size_t len, struct run *r)
{
	struct dmarc_history_parser *hp = dmarc_history_parser_new();
	struct dmarc_history *h;
	size_t i = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl != NULL ? (size_t)(nl - (text + i)) : len - i;

		rc = dmarc_history_feed(hp, text + i, l, &h);
		if (rc == DMARC_ESYNTAX)
			r->nsyntax++;
		else if (rc != DMARC_OK && rc != DMARC_ETRUNC)
			r->nother++;
		keep(r, h, rc);
		i += l + 1;
	}
	rc = dmarc_history_finish(hp, &h);
	keep(r, h, rc);
	dmarc_history_parser_free(hp);
}

/* run_free - release a run */
static void
run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		dmarc_history_free(r->rec[i]);
	r->n = 0;
}

/* roundtrip - text parses to one clean record that formats back to text */
static void
roundtrip(const char *text, int with_ext, const char *what)
{
	struct run r;
	char *out = NULL;
	size_t outlen = 0;

	run_text(text, strlen(text), &r);
	if (!CHECK(r.n == 1 && r.rc[0] == DMARC_OK && r.nsyntax == 0 &&
	    r.nother == 0, "%s: one clean record (n=%zu syntax=%u)", what,
	    r.n, r.nsyntax)) {
		run_free(&r);
		return;
	}
	CHECK_INT(dmarc_history_format(r.rec[0], with_ext, &out, &outlen),
	    DMARC_OK, what);
	CHECK(out != NULL && outlen == strlen(text) &&
	    memcmp(out, text, outlen) == 0, "%s: byte-identical", what);
	if (out != NULL && strcmp(out, text) != 0)
		printf("# got:\n%s# want:\n%s", out, text);
	free(out);
	run_free(&r);
}

/* test_samples - the three samples and what they hold */
static void
test_samples(void)
{
	struct run r;
	struct dmarc_history *h;

	roundtrip(sample_142, 0, "1.4.2 sample");
	roundtrip(sample_142, 1, "1.4.2 sample, with_ext");
	roundtrip(sample_develop, 0, "develop record");
	roundtrip(sample_ext, 1, "extension record");

	run_text(sample_142, sizeof(sample_142) - 1, &r);
	h = r.rec[0];
	CHECK(strcmp(h->job, "DEBUG-i") == 0 && h->received == 1795581178LL &&
	    strcmp(h->ipaddr, "192.0.2.7") == 0, "1.4.2: job/received/ipaddr");
	CHECK(h->ndkim == 2 && strcmp(h->dkim[1].domain, "other.net") == 0 &&
	    strcmp(h->dkim[1].selector, "s2") == 0 && h->dkim[1].result == 7,
	    "1.4.2: dkim lines");
	CHECK(h->nrua == 2 && strcmp(h->rua[0], "mailto:agg@example.com!10m")
	    == 0, "1.4.2: rua raw with size suffix");
	CHECK(h->spf == 0 && h->spf_scope == 0 && h->fo == -1 &&
	    h->policy == DMARC_HPOLICY_PASS && h->p == 'r' && h->sp == 'q' &&
	    h->arc_policy == 2 && h->narcseal == 0 &&
	    h->action == DMARC_HACTION_ACCEPT && !h->has_ext && h->ext_t == -1,
	    "1.4.2: integers and absent develop keys");
	run_free(&r);

	run_text(sample_develop, sizeof(sample_develop) - 1, &r);
	h = r.rec[0];
	CHECK(h->mfrom != NULL && h->mfrom[0] == '\0', "null sender is \"\"");
	CHECK(h->dkim[0].selector == NULL, "dkim selector - is NULL");
	CHECK(h->nrua == 0 && h->spf_scope == -1 && h->fo == 0,
	    "develop: rua -, spf_scope, fo");
	CHECK(h->narcseal == 2 && h->arcseal[1].instance == 2 &&
	    strcmp(h->arcseal[1].domain, "list.example") == 0 &&
	    strcmp(h->arcseal[1].selector, "") == 0 &&
	    strcmp(h->arcseal[1].ip, "2001:db8::1") == 0, "develop: ARC JSON");
	CHECK(strcmp(h->from, "Example.NET") == 0, "from keeps its case");
	run_free(&r);

	run_text(sample_ext, sizeof(sample_ext) - 1, &r);
	h = r.rec[0];
	CHECK(h->has_ext && strcmp(h->ext_result, "fail") == 0 &&
	    h->ext_reasons == (DMARC_REASON_TEST_MODE |
	    DMARC_REASON_LOCAL_POLICY) && h->ext_np == 'n' &&
	    h->ext_psd == 'u' && h->ext_t == 1 &&
	    strcmp(h->ext_from_all, "sub.example.com,other.example") == 0,
	    "extension keys parsed");
	run_free(&r);
}

/* A malformed (or tolerated) line inside an otherwise good record. */
static const struct {
	const char	*line;
	int		 rc;
} line_cases[] = {
	{ "received abc", DMARC_ESYNTAX },
	{ "received 99999999999999999999", DMARC_ESYNTAX },
	{ "received -", DMARC_ESYNTAX },
	{ "received", DMARC_ESYNTAX },
	{ "spf 1.5", DMARC_ESYNTAX },
	{ "spf +1", DMARC_ESYNTAX },
	{ "spf  0", DMARC_ESYNTAX },
	{ "spf 0 ", DMARC_ESYNTAX },
	{ "pct 2147483648", DMARC_ESYNTAX },
	{ "dkim example.com sel", DMARC_ESYNTAX },
	{ "dkim example.com sel 0 extra", DMARC_ESYNTAX },
	{ "dkim example.com  sel 0", DMARC_ESYNTAX },
	{ "dkim example.com sel x", DMARC_ESYNTAX },
	{ "dkim", DMARC_ESYNTAX },
	{ "from a b", DMARC_ESYNTAX },
	{ "from ", DMARC_ESYNTAX },
	{ "ipaddr 192.0.2.1\t", DMARC_ESYNTAX },
	{ "reporter caf\xc3\xa9", DMARC_ESYNTAX },
	{ "t 2", DMARC_ESYNTAX },
	{ "np 300", DMARC_ESYNTAX },
	{ "reason bogus", DMARC_ESYNTAX },
	{ "arc_policy x json:[]", DMARC_ESYNTAX },
	{ "arc_policy 2 jsn:[]", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[] x", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[{]", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[{ \"i\": 1, \"d\":\"a\", \"s\":\"b\" }]",
	  DMARC_ESYNTAX },
	{ "arc_policy 2 json:[{ \"i\": 1, \"i\": 1, \"d\":\"a\", \"s\":\"b\", "
	  "\"ip\":\"c\" }]", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[{ \"i\": 1, \"x\":\"a\", \"s\":\"b\", "
	  "\"ip\":\"c\" }]", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[{ \"i\": 1, \"d\":\"a\\\"\", \"s\":\"b\", "
	  "\"ip\":\"c\" }]", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[{ \"i\": \"1\", \"d\":\"a\", \"s\":\"b\", "
	  "\"ip\":\"c\" }]", DMARC_ESYNTAX },
	{ "arc_policy 2 json:[{ \"i\": 1, \"d\":\"a\", \"s\":\"b\", "
	  "\"ip\":\"c\" },]", DMARC_ESYNTAX },
	/* tolerated */
	{ "frobnicate 1 2 3", DMARC_OK },
	{ "x", DMARC_OK },
	{ "", DMARC_OK },
	{ "\r", DMARC_OK },
	{ "spf 7\r", DMARC_OK },
	{ "rua -", DMARC_OK },
	{ "arc_policy 2", DMARC_OK },
	{ "arc_policy 0 json:[ ]", DMARC_OK },
	{ "arc_policy 0 json:[{\"ip\":\"c\",\"s\":\"b\",\"d\":\"a\",\"i\":-3}]",
	  DMARC_OK },
	{ "mfrom", DMARC_OK },
};

/* test_lines - each line after "job" keeps the record alive */
static void
test_lines(void)
{
	static const char arc[] = "arc_policy 5 json:[{ \"i\": 1, \"d\":\"a\", "
	    "\"s\":\"b\", \"ip\":\"c\" }]";
	size_t i;

	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		struct dmarc_history_parser *hp = dmarc_history_parser_new();
		struct dmarc_history *h = NULL;
		const char *l = line_cases[i].line;
		int rc;

		dmarc_history_feed(hp, "job J", 5, &h);
		dmarc_history_feed(hp, arc, strlen(arc), &h);
		rc = dmarc_history_feed(hp, l, strlen(l), &h);
		CHECK_INT(rc, line_cases[i].rc, l);
		dmarc_history_feed(hp, "action 2", 8, &h);
		CHECK(dmarc_history_finish(hp, &h) == DMARC_OK && h != NULL &&
		    strcmp(h->job, "J") == 0 && h->action == 2,
		    "record survives [%s]", l);
		if (h != NULL && strncmp(l, "arc_policy 2 json", 17) == 0 &&
		    rc == DMARC_ESYNTAX)
			CHECK(h->narcseal == 0 && h->arc_policy == 2,
			    "bad JSON: narcseal 0, policy kept [%s]", l);
		dmarc_history_free(h);
		dmarc_history_parser_free(hp);
	}
}

/* test_stream - several records, orphans, truncation */
static void
test_stream(void)
{
	static const char orphan[] = "spf 0\naction 2\njob A\naction 2\n";
	static const char trunc[] = "job A\nspf 0\njob B\naction 2\njob C\nspf 1";
	struct run r;
	struct dmarc_history_parser *hp;
	struct dmarc_history *h = (struct dmarc_history *)&r;
	char three[sizeof(sample_142) * 3];

	run_text(orphan, sizeof(orphan) - 1, &r);
	CHECK(r.nsyntax == 2 && r.n == 1 && r.rc[0] == DMARC_OK,
	    "lines before the first job are ESYNTAX");
	run_free(&r);

	run_text(trunc, sizeof(trunc) - 1, &r);
	CHECK(r.n == 3 && r.rc[0] == DMARC_ETRUNC && r.rc[1] == DMARC_OK &&
	    r.rc[2] == DMARC_ETRUNC && r.rec[0]->action == -1 &&
	    strcmp(r.rec[2]->job, "C") == 0 && r.rec[2]->spf == 1,
	    "truncated records: ETRUNC from feed and from finish");
	run_free(&r);

	memcpy(three, sample_142, sizeof(sample_142) - 1);
	memcpy(three + sizeof(sample_142) - 1, sample_ext, sizeof(sample_ext));
	run_text(three, strlen(three), &r);
	CHECK(r.n == 2 && r.rc[0] == DMARC_OK && r.rc[1] == DMARC_OK &&
	    !r.rec[0]->has_ext && r.rec[1]->has_ext,
	    "two records in one stream");
	run_free(&r);

	hp = dmarc_history_parser_new();
	CHECK(dmarc_history_finish(hp, &h) == DMARC_OK && h == NULL,
	    "finish with nothing pending");
	CHECK_INT(dmarc_history_feed(hp, NULL, 3, &h), DMARC_EINVAL,
	    "feed NULL line");
	CHECK_INT(dmarc_history_feed(NULL, "job", 3, &h), DMARC_EINVAL,
	    "feed NULL parser");
	CHECK_INT(dmarc_history_finish(hp, NULL), DMARC_EINVAL,
	    "finish NULL done");
	dmarc_history_parser_free(hp);
	dmarc_history_parser_free(NULL);
	dmarc_history_free(NULL);
}

/* test_bounds - dkim, rua, ARC seals, line and token caps */
static void
test_bounds(void)
{
	static const char elem[] = "{\"i\":1,\"d\":\"\",\"s\":\"\",\"ip\":\"\"},";
	const size_t el = sizeof(elem) - 1;
	struct dmarc_history_parser *hp = dmarc_history_parser_new();
	struct dmarc_history *h;
	char *big;
	unsigned bad = 0;
	int i;

	dmarc_history_feed(hp, "job B", 5, &h);
	for (i = 0; i < DMARC_MAXDKIM + 1; i++)
		bad += dmarc_history_feed(hp, "dkim d.example s 0", 18, &h) ==
		    DMARC_ESYNTAX;
	CHECK(bad == 1, "dkim line %d is refused", DMARC_MAXDKIM + 1);
	for (bad = 0, i = 0; i < DMARC_MAXURIS + 1; i++)
		bad += dmarc_history_feed(hp, "rua mailto:a@b.example", 22, &h)
		    == DMARC_ESYNTAX;
	CHECK(bad == 1, "rua line %d is refused", DMARC_MAXURIS + 1);

	if ((big = malloc(70000)) == NULL)
		return;
	memcpy(big, "arc_policy 0 json:[", 19);
	for (i = 0; i < 65; i++)
		memcpy(big + 19 + (size_t)i * el, elem, el);
	big[19 + 65 * el - 1] = ']';
	CHECK_INT(dmarc_history_feed(hp, big, 19 + 65 * el, &h), DMARC_ESYNTAX,
	    "65 ARC seals refused");
	CHECK_INT(dmarc_history_feed(hp, big, 19 + 64 * el, &h), DMARC_ESYNTAX,
	    "64 ARC seals with a trailing comma refused");
	big[19 + 64 * el - 1] = ']';
	CHECK_INT(dmarc_history_feed(hp, big, 19 + 64 * el, &h), DMARC_OK,
	    "64 ARC seals accepted");
	memcpy(big, "from ", 5);
	memset(big + 5, 'a', 70000 - 5);
	CHECK_INT(dmarc_history_feed(hp, big, 5 + 4096, &h), DMARC_OK,
	    "4096-octet token accepted");
	CHECK_INT(dmarc_history_feed(hp, big, 5 + 4097, &h), DMARC_ESYNTAX,
	    "4097-octet token refused");
	memcpy(big, "zzzz ", 5);
	CHECK_INT(dmarc_history_feed(hp, big, 65537, &h), DMARC_ESYNTAX,
	    "line over 64 KiB refused");
	free(big);
	dmarc_history_feed(hp, "action 0", 8, &h);
	CHECK(dmarc_history_finish(hp, &h) == DMARC_OK && h->ndkim ==
	    DMARC_MAXDKIM && h->nrua == DMARC_MAXURIS && h->narcseal == 64 &&
	    strlen(h->from) == 4096, "record holds the capped lists");
	dmarc_history_free(h);
	dmarc_history_parser_free(hp);
}

/* test_escape - values that would break a line are written as "-" */
static void
test_escape(void)
{
	static const char want[] =
	    "job -\nreporter -\nreceived -5\nipaddr -\nfrom -\nmfrom \n"
	    "dkim - - 0\ndkim d.example - 7\nspf -1\npdomain -\npolicy 14\n"
	    "rua mailto:ok@example.com\npct 0\nadkim 0\naspf 0\np 0\nsp 0\n"
	    "align_dkim 0\nalign_spf 0\narc 0\narc_policy 2 json:[{ \"i\": 3, "
	    "\"d\":\"-\", \"s\":\"\", \"ip\":\"-\" }]\naction 3\n"
	    "dmarc -\nreason sampled_out\nreason policy_test_mode\n"
	    "reason local_policy\nreason trusted_forwarder\n"
	    "reason mailing_list\nreason other\nt 1\nprofile rfc7489\n";
	struct dmarc_hist_dkim dk[2] = {
		{ NULL, "has space", 0 }, { "d.example", NULL, 7 } };
	char *rua[4] = { "mailto:bad uri", NULL, "mailto:ok@example.com", "-" };
	struct dmarc_hist_arcseal seal = { 3, "q\"uote", NULL, "back\\slash" };
	struct dmarc_history h;
	struct run r;
	char *out = NULL, *out2 = NULL;
	size_t len = 0;

	memset(&h, 0, sizeof(h));
	h.job = "two words";
	h.reporter = "new\nline";
	h.received = -5;
	h.ipaddr = "";
	h.from = "caf\xc3\xa9.example";
	h.mfrom = NULL;
	h.ndkim = 2;
	h.dkim = dk;
	h.spf = -1;
	h.policy = DMARC_HPOLICY_ABSENT;
	h.nrua = 4;
	h.rua = rua;
	h.fo = -1;
	h.arc_policy = 2;
	h.narcseal = 1;
	h.arcseal = &seal;
	h.action = DMARC_HACTION_TEMPFAIL;
	h.ext_result = "a b";
	h.ext_reasons = 0x3f;
	h.ext_t = 5;
	h.ext_profile = "rfc7489";
	CHECK(dmarc_history_format(&h, 1, &out, &len) == DMARC_OK &&
	    len == strlen(want) && strcmp(out, want) == 0,
	    "bad tokens become -, bad rua dropped");
	if (out != NULL && strcmp(out, want) != 0)
		printf("# got:\n%s", out);
	run_text(out, len, &r);
	CHECK(r.n == 1 && r.nsyntax == 0 && dmarc_history_format(r.rec[0], 1,
	    &out2, &len) == DMARC_OK && strcmp(out, out2) == 0,
	    "escaped output parses clean and round-trips");
	run_free(&r);
	free(out);
	free(out2);

	CHECK(dmarc_history_format(&h, 0, &out, &len) == DMARC_OK &&
	    strstr(out, "action 3\n") != NULL &&
	    strcmp(strstr(out, "action 3\n"), "action 3\n") == 0,
	    "without with_ext nothing follows action");
	free(out);
	h.rua = NULL;
	CHECK_INT(dmarc_history_format(&h, 0, &out, &len), DMARC_EINVAL,
	    "nrua without array");
	CHECK_INT(dmarc_history_format(NULL, 0, &out, &len), DMARC_EINVAL,
	    "NULL record");
	CHECK(out == NULL, "out cleared on error");
}

/* test_canonical - odd spacing in JSON and numbers comes out canonical */
static void
test_canonical(void)
{
	static const char in[] =
	    "job c\nreceived 007\nspf -0\naction 2\narc_policy 1 json:[ {\"i\":1,"
	    "\"d\":\"x\",\"s\":\"y\",\"ip\":\"z\"} ,{\"ip\":\"z2\", \"s\":\"y2\","
	    " \"d\":\"x2\", \"i\" : 2 } ]\n";
	struct run r, r2;
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	run_text(in, sizeof(in) - 1, &r);
	CHECK(r.n == 1 && r.nsyntax == 0 && r.rec[0]->received == 7 &&
	    r.rec[0]->narcseal == 2 && strcmp(r.rec[0]->arcseal[1].ip, "z2")
	    == 0, "lenient spacing accepted");
	dmarc_history_format(r.rec[0], 1, &a, &la);
	CHECK(a != NULL && strstr(a, "received 7\n") != NULL &&
	    strstr(a, "spf 0\n") != NULL && strstr(a, "arc_policy 1 json:[{ "
	    "\"i\": 1, \"d\":\"x\", \"s\":\"y\", \"ip\":\"z\" }, { \"i\": 2, "
	    "\"d\":\"x2\", \"s\":\"y2\", \"ip\":\"z2\" }]\n") != NULL,
	    "canonical output");
	run_text(a, la, &r2);
	CHECK(r2.n == 1 && dmarc_history_format(r2.rec[0], 1, &b, &lb) ==
	    DMARC_OK && la == lb && memcmp(a, b, la) == 0,
	    "canonical output is a fixed point");
	free(a);
	free(b);
	run_free(&r);
	run_free(&r2);
}

int
main(void)
{
	test_samples();
	test_lines();
	test_stream();
	test_bounds();
	test_escape();
	test_canonical();
	return tap_done();
}
