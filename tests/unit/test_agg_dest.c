/*
 * test_agg_dest.c -- report destinations (reports/dest.c)
 *
 * rua lists as the database keeps them: mailto: addresses decoded, the
 * !size suffix in bytes (powers of two), unusable URIs kept without an
 * address.  NoReportsList: addresses, domains and their subdomains,
 * comments, "mailto:".  D-47 against tests/reports/data/reports.zone with
 * tests/data/psl-test.dat: internal hosts need no record, an external
 * one needs <domain>._report._dmarc.<host>, a same-host rua replaces
 * the address, another host refuses both; a SERVFAIL is temporary.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "psl.h"
#include "reports/dest.h"
#include "resolver.h"
#include "tests/tap.h"

/* test_parse - dest_parse */
static void
test_parse(void)
{
	struct dest *d;
	size_t n;

	n = dest_parse("mailto:a@x.example!10k, mailto:b%21c@y.example,"
	    "https://r.example/x,mailto:nobody", &d);
	CHECK_INT(n, 4, "four URIs");
	CHECK_STR(d[0].addr, "a@x.example", "address without !size");
	CHECK_INT(d[0].max_size, 10240, "10k is 10240 bytes");
	CHECK_STR(d[0].uri, "mailto:a@x.example!10k", "raw URI kept");
	CHECK_STR(d[1].addr, "b!c@y.example", "%21 decoded");
	CHECK(d[2].addr == NULL, "https: has no address");
	CHECK(d[3].addr == NULL, "mailto: without @: no address");
	dest_free(d, n);
	CHECK_INT(dest_parse("", &d), 0, "empty list");
	CHECK_INT(dest_parse("mailto:a@x.example!1m", &d), 1, "one URI");
	CHECK_INT(d[0].max_size, 1048576, "1m");
	dest_free(d, 1);
}

/* test_noreports_toolong - a list past NOREPORTS_MAX is refused, not cut */
static void
test_noreports_toolong(void)
{
	char path[] = "/tmp/test_agg_dest.XXXXXX", err[256] = "";
	FILE *fp;
	int fd, i;

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		CHECK(0, "temporary file");
		return;
	}
	for (i = 0; i <= NOREPORTS_MAX; i++)
		fprintf(fp, "d%d.example\n", i);
	fclose(fp);
	CHECK(noreports_load(path, err, sizeof(err)) == NULL &&
	    strstr(err, "more than") != NULL, "too long a list is an error");
	unlink(path);
}

/* test_noreports - NoReportsList matching */
static void
test_noreports(void)
{
	char path[] = "/tmp/test_agg_dest.XXXXXX", err[256];
	struct noreports *nr;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		CHECK(0, "temporary file");
		return;
	}
	fputs("# comment\nDead@Example.ORG\n\nmailto:x@y.example # why\n"
	    "blocked.example.\n\t first.example second.example\n", fp);
	fclose(fp);
	nr = noreports_load(path, err, sizeof(err));
	unlink(path);
	CHECK(nr != NULL && nr->n == 4, "four entries");
	CHECK(nr != NULL && nr->n == 4 && strcmp(nr->e[3], "first.example") ==
	    0, "an entry is the first word of its line");
	CHECK(!noreports_match(nr, "a@second.example"), "second word ignored");
	CHECK(noreports_match(nr, "dead@example.org"), "address, any case");
	CHECK(!noreports_match(nr, "live@example.org"), "other address");
	CHECK(noreports_match(nr, "x@y.example"), "mailto: entry");
	CHECK(noreports_match(nr, "a@blocked.example"), "domain entry");
	CHECK(noreports_match(nr, "a@mx.Blocked.example"), "its subdomain");
	CHECK(!noreports_match(nr, "a@notblocked.example"), "not a suffix");
	noreports_free(nr);
	CHECK(noreports_load("/nonexistent/x", err, sizeof(err)) == NULL &&
	    strstr(err, "/nonexistent/x") != NULL, "unreadable file named");
	nr = noreports_load(NULL, err, sizeof(err));
	CHECK(nr != NULL && !noreports_match(nr, "a@b.example"), "no list");
	noreports_free(nr);
	test_noreports_toolong();
}

/* verify - dest_verify with repl and max in one string */
static const char *
verify(struct dest_verifier *dv, const char *pdom, const char *addr)
{
	static char buf[256];
	const char *repl;
	uint64_t max;
	enum dest_auth a = dest_verify(dv, pdom, addr, &repl, &max);

	snprintf(buf, sizeof(buf), "%s%s%s", a == DEST_AUTH_OK ? "ok" :
	    a == DEST_AUTH_NO ? "no" : "temp", repl != NULL ? " " : "",
	    repl != NULL ? repl : "");
	return buf;
}

/* test_verify - D-47 against the zone file */
static void
test_verify(void)
{
	struct resolver_opts ro;
	struct dest_verifier dv;
	struct resolver_stats st;
	char err[256];

	memset(&ro, 0, sizeof(ro));
	memset(&dv, 0, sizeof(dv));
	ro.zonefile = TOP_SRCDIR "/tests/reports/data/reports.zone";
	dv.res = resolver_new(&ro, err, sizeof(err));
	dv.psl = psl_od_new(TOP_SRCDIR "/tests/data/psl-test.dat", err,
	    sizeof(err));
	dv.profile = DMARC_RFC9989;
	if (!CHECK(dv.res != NULL && dv.psl != NULL, "resolver and PSL"))
		return;
	CHECK_STR(verify(&dv, "a.example.com", "x@a.example.com"), "ok",
	    "the policy domain itself");
	CHECK_STR(verify(&dv, "a.example.com", "x@mx.a.example.com"), "ok",
	    "below the policy domain");
	CHECK_STR(verify(&dv, "sub.a.example.com", "x@a.example.com"), "ok",
	    "same organizational domain (PSL)");
	resolver_stats(dv.res, &st);
	CHECK_INT(st.lookups, 0, "internal: no DNS lookup");
	CHECK_STR(verify(&dv, "b.example.com", "agg@reports.example.net"), "ok",
	    "external, authorized");
	CHECK_STR(verify(&dv, "c.example.com", "agg@reports.example.net"), "no",
	    "external, no record");
	CHECK_STR(verify(&dv, "g.example.com", "agg@reports.example.org"),
	    "ok other@reports.example.org", "same-host replacement");
	CHECK_STR(verify(&dv, "i.example.com", "agg@reports.example.org"), "no",
	    "replacement on another host: neither");
	CHECK_STR(verify(&dv, "j.example.com", "agg@reports.example.org"),
	    "temp", "SERVFAIL: temporary");
	CHECK_STR(verify(&dv, "b.example.com", "bad-address"), "no",
	    "no domain");
	resolver_stats(dv.res, &st);
	CHECK_STR(verify(&dv, "b.example.com", "other@reports.example.net"),
	    "ok", "cached per (domain, host)");
	{
		struct resolver_stats st2;

		resolver_stats(dv.res, &st2);
		CHECK_INT(st2.lookups, st.lookups, "no second lookup");
	}
	dest_verifier_clear(&dv);
	resolver_free(dv.res);
	psl_od_free(dv.psl);
}

int
main(void)
{
	test_parse();
	test_noreports();
	test_verify();
	return tap_done();
}
