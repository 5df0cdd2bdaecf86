/*
 * test_imapurl.c -- dmarc-ingest's imap[s]:// operand (imapurl.c): one
 * table of URLs, accepted with their parts or refused with a reason
 *
 * DESCRIPTION
 *	Defaults (ports 143 and 993, INBOX), percent-decoding of the user
 *	and the mailbox, IPv6 literals, RFC 5092's trailing slash, and the
 *	refusals: a password in the URL, URL parameters, bad ports, encoded
 *	control bytes, names longer than their buffers.  Then the loopback
 *	test that decides whether STARTTLS is required.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "reports/ingest/imap.h"
#include "tests/tap.h"

static const struct url_case {
	const char	*url;
	int		 ok, tls;
	unsigned	 port;
	const char	*user, *host, *mailbox;	/* or the reason's start */
} cases[] = {
	{ "imaps://dmarc@mail.example.org/INBOX", 1, 1, 993, "dmarc",
	    "mail.example.org", "INBOX" },
	{ "imap://dmarc@mail.example.org", 1, 0, 143, "dmarc",
	    "mail.example.org", "INBOX" },
	{ "IMAP://dmarc@mail.example.org/", 1, 0, 143, "dmarc",
	    "mail.example.org", "INBOX" },
	{ "imap://dmarc%40example.org@127.0.0.1:10143/Reports%2FDMARC/", 1,
	    0, 10143, "dmarc@example.org", "127.0.0.1", "Reports/DMARC" },
	{ "imaps://u@[::1]:9993/Archive/2026", 1, 1, 9993, "u", "::1",
	    "Archive/2026" },
	{ "imaps://u@[::1]/x", 1, 1, 993, "u", "::1", "x" },
	{ "imap://u:secret@host/INBOX", 0, 0, 0, NULL, NULL,
	    "a password in the URL" },
	{ "imap://host/INBOX", 0, 0, 0, NULL, NULL, "no user" },
	{ "imap://u@host/INBOX;UIDVALIDITY=4", 0, 0, 0, NULL, NULL,
	    "URL parameters" },
	{ "imap://u;AUTH=*@host/", 0, 0, 0, NULL, NULL, "URL parameters" },
	{ "imap://u@host/INBOX?SUBJECT%20x", 0, 0, 0, NULL, NULL,
	    "URL parameters" },
	{ "imap://u@host:0/", 0, 0, 0, NULL, NULL, "a port outside" },
	{ "imap://u@host:65536/", 0, 0, 0, NULL, NULL, "a port outside" },
	{ "imap://u@host:/", 0, 0, 0, NULL, NULL, "a port outside" },
	{ "imap://u@host:14x/", 0, 0, 0, NULL, NULL, "a port outside" },
	{ "imap://u@[::1/", 0, 0, 0, NULL, NULL, "unclosed [" },
	{ "imap://u@[::1]x/", 0, 0, 0, NULL, NULL, "junk after ]" },
	{ "imap://u@/INBOX", 0, 0, 0, NULL, NULL, "no host" },
	{ "imap://u@ho st/INBOX", 0, 0, 0, NULL, NULL, "a bad character" },
	{ "imap://u@host/IN%00BOX", 0, 0, 0, NULL, NULL, "a bad mailbox" },
	{ "imap://u@host/IN%0aBOX", 0, 0, 0, NULL, NULL, "a bad mailbox" },
	{ "imap://u@host/IN%4", 0, 0, 0, NULL, NULL, "a bad mailbox" },
	{ "imap://u@host//", 0, 0, 0, NULL, NULL, "a bad mailbox" },
	{ "imap://%zz@host/", 0, 0, 0, NULL, NULL, "a bad user" },
	{ "http://u@host/", 0, 0, 0, NULL, NULL, "not an imap" },
};

/* one - check one table row */
static void
one(const struct url_case *c)
{
	struct imap_url u;
	char why[128] = "";
	int rc;

	rc = imap_url_parse(c->url, &u, why, sizeof(why));
	if (!c->ok) {
		CHECK(rc == -1 && strncmp(why, c->mailbox,
		    strlen(c->mailbox)) == 0, "%s: refused (%s)", c->url, why);
		return;
	}
	if (!CHECK(rc == 0, "%s: accepted", c->url)) {
		printf("#   %s\n", why);
		return;
	}
	CHECK(u.tls == c->tls && u.port == c->port, "%s: tls %d port %u",
	    c->url, u.tls, (unsigned)u.port);
	CHECK_STR(u.user, c->user, "user");
	CHECK_STR(u.host, c->host, "host");
	CHECK_STR(u.mailbox, c->mailbox, "mailbox");
}

/* limits - names too long for their buffers are refused */
static void
limits(void)
{
	struct imap_url u;
	char url[2048], why[128];
	size_t n;

	n = (size_t)snprintf(url, sizeof(url), "imap://u@h/");
	memset(url + n, 'a', 600);
	url[n + 600] = '\0';
	CHECK(imap_url_parse(url, &u, why, sizeof(why)) == -1,
	    "a 600-byte mailbox name is refused");
	n = (size_t)snprintf(url, sizeof(url), "imap://");
	memset(url + n, 'a', 300);
	snprintf(url + n + 300, sizeof(url) - n - 300, "@h/");
	CHECK(imap_url_parse(url, &u, why, sizeof(why)) == -1,
	    "a 300-byte user name is refused");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one(&cases[i]);
	limits();
	CHECK(imap_is_url("imaps://x") && imap_is_url("IMAP://x") &&
	    !imap_is_url("/var/mail/imap://x") && !imap_is_url("imap:/x"),
	    "imap_is_url");
	CHECK(imap_is_loopback("localhost") && imap_is_loopback("127.0.0.1")
	    && imap_is_loopback("127.1.2.3") && imap_is_loopback("::1") &&
	    !imap_is_loopback("128.0.0.1") && !imap_is_loopback("example.org")
	    && !imap_is_loopback("localhost.example.org"),
	    "imap_is_loopback");
	return tap_done();
}
