/*
 * test_ignorehosts.c -- IgnoreHosts parsing and matching (milter/ignorehosts.c)
 *
 * DESCRIPTION
 *	Table-driven: a list file written to a temporary path, then client
 *	(ip, hostname) pairs and whether each is ignored.  Covers the
 *	defaults (127.0.0.1 and ::1 always, which OpenDMARC 1.4.2 dropped as
 *	soon as a file was given), negation, CIDR and netmask forms, IPv6,
 *	IPv4-mapped IPv6, ".suffix" names and malformed entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "milter/dmarcd.h"
#include "tests/tap.h"

/* load - write text to a temp file and load it */
static struct ignorehosts *
load(const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/ih.XXXXXX";
	struct ignorehosts *ih;
	int fd = mkstemp(path);

	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	ih = ignorehosts_load(path, err, errlen);
	unlink(path);
	return ih;
}

static const struct {
	const char	*ip;
	const char	*host;
	int		 want;
} probes[] = {
	{ "127.0.0.1", "localhost", 1 },
	{ "::1", "", 1 },
	{ "192.0.2.7", "", 1 },		/* 192.0.2.0/24 */
	{ "192.0.2.9", "", 0 },		/* !192.0.2.9 */
	{ "198.51.100.200", "", 1 },	/* /255.255.255.128 upper half? no */
	{ "198.51.100.5", "", 1 },
	{ "203.0.113.1", "", 0 },
	{ "2001:db8::1", "", 1 },	/* 2001:db8::/32 */
	{ "2001:db9::1", "", 0 },
	{ "10.1.2.3", "relay.example.net", 1 },	/* .example.net */
	{ "10.1.2.3", "example.net", 0 },	/* suffix needs a label */
	{ "10.1.2.3", "bad.example.net", 0 },	/* !bad.example.net */
	{ "10.1.2.3", "host.example.org", 1 },	/* exact */
	{ "10.1.2.3", "x.host.example.org", 0 },
	{ "10.1.2.3", "[10.1.2.3]", 0 },	/* no rDNS: literal ignored */
	{ "", "HOST.EXAMPLE.ORG", 1 },		/* case-insensitive */
};

int
main(void)
{
	char err[256];
	struct ignorehosts *ih;
	size_t i;

	ih = ignorehosts_load(NULL, err, sizeof(err));
	CHECK(ih != NULL, "defaults without a file");
	CHECK(ignorehosts_match(ih, "127.0.0.1", NULL), "default 127.0.0.1");
	CHECK(ignorehosts_match(ih, "::1", NULL), "default ::1");
	CHECK(!ignorehosts_match(ih, "127.0.0.2", NULL), "127.0.0.2 not default");
	CHECK(!ignorehosts_match(ih, "192.0.2.1", "mx.example.com"),
	    "others evaluated");
	ignorehosts_free(ih);

	ih = load("# comment\n192.0.2.0/24\n!192.0.2.9\n"
	    "198.51.100.0/255.255.255.0\n2001:db8::/32\n"
	    ".example.net\n!bad.example.net\nhost.example.org   # trailing\n"
	    "\n", err, sizeof(err));
	if (!CHECK(ih != NULL, "list loads"))
		printf("# %s\n", err);
	for (i = 0; ih != NULL && i < sizeof(probes) / sizeof(probes[0]); i++) {
		char what[200];

		snprintf(what, sizeof(what), "%s / %s -> %d", probes[i].ip,
		    probes[i].host, probes[i].want);
		CHECK_INT(ignorehosts_match(ih, probes[i].ip, probes[i].host),
		    probes[i].want, what);
	}
	ignorehosts_free(ih);

	ih = load("!127.0.0.1\n", err, sizeof(err));
	CHECK(ih != NULL && !ignorehosts_match(ih, "127.0.0.1", "localhost"),
	    "!127.0.0.1 lets local mail be evaluated");
	CHECK(ih != NULL && ignorehosts_match(ih, "::1", NULL),
	    "::1 stays ignored");
	ignorehosts_free(ih);

	ih = load("192.0.2.0/33\n", err, sizeof(err));
	CHECK(ih == NULL && strstr(err, ":1:") != NULL,
	    "bad prefix length rejected with line number (%s)", err);
	ih = load("1.2.3.4/255.0.255.0\n", err, sizeof(err));
	CHECK(ih == NULL, "non-contiguous netmask rejected");
	ih = load("a b\n", err, sizeof(err));
	CHECK(ih == NULL, "two entries on a line rejected");
	ih = load("fe80::/\n", err, sizeof(err));
	CHECK(ih == NULL, "empty prefix rejected");
	CHECK(ignorehosts_load("/nonexistent/ih", err, sizeof(err)) == NULL &&
	    strstr(err, "/nonexistent/ih") != NULL, "missing file named");
	return tap_done();
}
