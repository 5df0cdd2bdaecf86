/*
 * imapurl.c -- the imap[s]://user@host[:port][/mailbox] operand of
 * dmarc-ingest, split and percent-decoded
 *
 * DESCRIPTION
 *	The form is RFC 5092's, cut to what a mailbox reader needs: the
 *	scheme says whether TLS starts at once (imaps, port 993) or after
 *	STARTTLS (imap, port 143); the user and the mailbox name are
 *	percent-decoded ("dmarc%40example.org", "Reports%2FDMARC").  What
 *	would be silently wrong is refused with a reason: a password in the
 *	URL (it would show in ps(1)), ";AUTH=" and ";UIDVALIDITY=" parts, a
 *	"?search", an encoded NUL or control character, a port outside
 *	1-65535, a name longer than its buffer.
 *
 *	Pure: no I/O, no globals; tests/fuzz/imapurl_fuzz.c drives it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hexval.h"
#include "imap.h"


/* decode - percent-decode p[0..n) into out; -1 on a bad or control byte */
static int
decode(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	int c, hi, lo;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = hexval((unsigned char)p[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)p[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* fail - set the reason, return -1 */
static int
fail(char *why, size_t whylen, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return -1;
}

/* parse_port - decimal 1-65535 in p[0..n); -1 if not */
static int
parse_port(const char *p, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* parse_host - host[:port] or [v6][:port] in p[0..n) */
static int
parse_host(const char *p, size_t n, struct imap_url *u, char *why,
    size_t whylen)
{
	const char *h = p, *end = p + n, *hend, *port = NULL;
	size_t i, hn;

	if (n > 0 && p[0] == '[') {
		if ((hend = memchr(p, ']', n)) == NULL)
			return fail(why, whylen, "unclosed [ in the host");
		h = p + 1;
		if (hend + 1 < end && hend[1] != ':')
			return fail(why, whylen, "junk after ] in the host");
		if (hend + 1 < end)
			port = hend + 2;
	} else {
		hend = memchr(p, ':', n);
		if (hend != NULL)
			port = hend + 1;
		else
			hend = end;
	}
	hn = (size_t)(hend - h);
	if (hn == 0 || hn >= sizeof(u->host))
		return fail(why, whylen, "no host, or a host name too long");
	for (i = 0; i < hn; i++)
		if (!isalnum((unsigned char)h[i]) &&
		    strchr("-._:", h[i]) == NULL)
			return fail(why, whylen, "a bad character in the host");
	memcpy(u->host, h, hn);
	u->host[hn] = '\0';
	if (port != NULL && parse_port(port, (size_t)(end - port),
	    &u->port) != 0)
		return fail(why, whylen, "a port outside 1-65535");
	return 0;
}

/* imap_is_url - s starts with imap:// or imaps:// */
int
imap_is_url(const char *s)
{
	return strncasecmp(s, "imap://", 7) == 0 ||
	    strncasecmp(s, "imaps://", 8) == 0;
}

/* imap_url_parse - split an imap[s]:// URL; 0, or -1 with a reason */
int
imap_url_parse(const char *s, struct imap_url *u, char *why, size_t whylen)
{
	const char *p, *auth, *at, *slash;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(s, "imaps://", 8) == 0) {
		u->tls = 1;
		u->port = 993;
		p = s + 8;
	} else if (strncasecmp(s, "imap://", 7) == 0) {
		u->port = 143;
		p = s + 7;
	} else
		return fail(why, whylen, "not an imap:// or imaps:// URL");
	if (strpbrk(p, "?#;") != NULL)
		return fail(why, whylen, "URL parameters (;AUTH=, ;UID..., "
		    "?search) are not supported");
	slash = strchr(p, '/');
	auth = slash != NULL ? slash : p + strlen(p);
	at = memchr(p, '@', (size_t)(auth - p));
	if (at == NULL)
		return fail(why, whylen, "no user (imap://user@host/...)");
	if (memchr(p, ':', (size_t)(at - p)) != NULL)
		return fail(why, whylen, "a password in the URL would show in "
		    "ps(1): use --password-file");
	if (at == p || decode(p, (size_t)(at - p), u->user,
	    sizeof(u->user)) != 0)
		return fail(why, whylen, "a bad user name");
	if (parse_host(at + 1, (size_t)(auth - at - 1), u, why, whylen) != 0)
		return -1;
	if (slash == NULL || slash[1] == '\0') {
		snprintf(u->mailbox, sizeof(u->mailbox), "INBOX");
		return 0;
	}
	n = strlen(slash + 1);
	if (slash[n] == '/')
		n--;	/* "INBOX/" as RFC 5092 writes it */
	if (decode(slash + 1, n, u->mailbox, sizeof(u->mailbox)) != 0 ||
	    u->mailbox[0] == '\0')
		return fail(why, whylen, "a bad mailbox name");
	return 0;
}

/* imap_is_loopback - host names this machine (no DNS asked) */
int
imap_is_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 ||
	    strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}
