/*
 * milterwire.c -- the MTA side of the milter wire format, for test tools
 *
 * DESCRIPTION
 *	See milterwire.h.  Plain C with no library: the format is small and
 *	libmilter has no client side.  Used by tests/tools/milterprobe.c and
 *	tests/bench/milterload.c.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "milterwire.h"

/* fail - set c->err and return -1 */
static int __attribute__((format(printf, 2, 3)))
fail(struct mw_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* mw_put - append n bytes (or room for them), growing the buffer */
void
mw_put(struct mw_buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t ncap = (b->len + n) * 2 + 64;
		unsigned char *np = realloc(b->p, ncap);

		if (np == NULL) {
			fputs("milterwire: out of memory\n", stderr);
			abort();
		}
		b->p = np;
		b->cap = ncap;
	}
	if (n > 0 && data != NULL)	/* NULL: only make room */
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* mw_str - append a string and its NUL */
void
mw_str(struct mw_buf *b, const char *s)
{
	mw_put(b, s, strlen(s) + 1);
}

/* mw_u32 - append a 32-bit integer in network order */
void
mw_u32(struct mw_buf *b, uint32_t v)
{
	uint32_t n = htonl(v);

	mw_put(b, &n, sizeof(n));
}

/* mw_buf_free - release a buffer's memory */
void
mw_buf_free(struct mw_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* open_unix - connect to a unix-domain socket */
static int
open_unix(struct mw_conn *c, const char *path)
{
	struct sockaddr_un sun;
	size_t plen = strlen(path);
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (plen >= sizeof(sun.sun_path))
		return fail(c, "%s: socket path too long", path);
	memcpy(sun.sun_path, path, plen + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return fail(c, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fail(c, "connect %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* open_inet - connect to "port@host" (host default 127.0.0.1) */
static int
open_inet(struct mw_conn *c, const char *spec, int family)
{
	struct addrinfo hints, *res, *ai;
	char port[32];
	const char *at = strchr(spec, '@');
	const char *host = at != NULL ? at + 1 : "127.0.0.1";
	size_t plen = at != NULL ? (size_t)(at - spec) : strlen(spec);
	int fd = -1, rc, saved = 0;

	if (plen == 0 || plen >= sizeof(port))
		return fail(c, "bad port in \"%s\"", spec);
	memcpy(port, spec, plen);
	port[plen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return fail(c, "%s: %s", spec, gai_strerror(rc));
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fail(c, "cannot connect to %s: %s", spec,
		    strerror(saved));
	return fd;
}

/* mw_open - the libmilter socket syntax, seen from the client */
int
mw_open(struct mw_conn *c, const char *spec, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = timeout_ms;
	if (strncmp(spec, "unix:", 5) == 0)
		c->fd = open_unix(c, spec + 5);
	else if (strncmp(spec, "local:", 6) == 0)
		c->fd = open_unix(c, spec + 6);
	else if (spec[0] == '/')
		c->fd = open_unix(c, spec);
	else if (strncmp(spec, "inet:", 5) == 0)
		c->fd = open_inet(c, spec + 5, AF_INET);
	else if (strncmp(spec, "inet6:", 6) == 0)
		c->fd = open_inet(c, spec + 6, AF_INET6);
	else
		c->fd = fail(c, "unknown socket specification \"%s\"", spec);
	return c->fd < 0 ? -1 : 0;
}

/* mw_close - close the socket and free the buffers */
void
mw_close(struct mw_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	mw_buf_free(&c->out);
	mw_buf_free(&c->in);
}

/* mw_send - queue one packet */
void
mw_send(struct mw_conn *c, char cmd, const void *data, size_t len)
{
	unsigned char hdr[5];
	uint32_t n = htonl((uint32_t)len + 1);

	memcpy(hdr, &n, 4);
	hdr[4] = (unsigned char)cmd;
	mw_put(&c->out, hdr, sizeof(hdr));
	mw_put(&c->out, data, len);
}

/* mw_flush - write everything queued */
int
mw_flush(struct mw_conn *c)
{
	const unsigned char *p = c->out.p;
	size_t n = c->out.len;
	ssize_t w;

	while (n > 0) {
		if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return fail(c, "write: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	c->out.len = 0;
	return 0;
}

/* read_full - exactly n bytes, each wait bounded by the timeout */
static int
read_full(struct mw_conn *c, void *buf, size_t n)
{
	unsigned char *p = buf;
	struct pollfd pfd;
	ssize_t r;
	int rc;

	while (n > 0) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, c->timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return fail(c, "poll: %s", strerror(errno));
		if (rc == 0)
			return fail(c, "timeout waiting for the filter's reply");
		if ((r = read(c->fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return fail(c, "read: %s", strerror(errno));
		}
		if (r == 0)
			return fail(c, "the filter closed the connection");
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* mw_read - flush, then one packet into c->in */
int
mw_read(struct mw_conn *c, char *cmd)
{
	unsigned char hdr[5];
	uint32_t n;

	if (mw_flush(c) != 0 || read_full(c, hdr, sizeof(hdr)) != 0)
		return -1;
	memcpy(&n, hdr, 4);
	n = ntohl(n);
	if (n == 0 || n > MW_MAXPKT)
		return fail(c, "unreasonable packet length %lu",
		    (unsigned long)n);
	c->in.len = 0;
	mw_put(&c->in, NULL, n);	/* room for data and a NUL */
	c->in.len = n - 1;
	if (c->in.len > 0 && read_full(c, c->in.p, c->in.len) != 0)
		return -1;
	c->in.p[c->in.len] = '\0';
	*cmd = (char)hdr[4];
	return 0;
}

/* mw_macros - SMFIC_MACRO for command cmd with name/value pairs */
void
mw_macros(struct mw_conn *c, char cmd, const char *const *nv)
{
	struct mw_buf b = { NULL, 0, 0 };

	mw_put(&b, &cmd, 1);
	for (; nv[0] != NULL; nv += 2) {
		mw_str(&b, nv[0]);
		mw_str(&b, nv[1]);
	}
	mw_send(c, 'D', b.p, b.len);
	mw_buf_free(&b);
}

/* mw_negotiate - SMFIC_OPTNEG and the filter's three words */
int
mw_negotiate(struct mw_conn *c, uint32_t version, uint32_t actions,
    uint32_t proto)
{
	struct mw_buf b = { NULL, 0, 0 };
	uint32_t w[3];
	char rc;

	mw_u32(&b, version);
	mw_u32(&b, actions);
	mw_u32(&b, proto);
	mw_send(c, 'O', b.p, b.len);
	mw_buf_free(&b);
	if (mw_read(c, &rc) != 0)
		return -1;
	if (rc != 'O' || c->in.len < 12)
		return fail(c, "bad negotiation reply '%c', %zu bytes", rc,
		    c->in.len);
	memcpy(w, c->in.p, sizeof(w));
	c->version = ntohl(w[0]);
	c->actions = ntohl(w[1]);
	c->proto = ntohl(w[2]);
	return 0;
}

/* mw_reply_u32 - the index that starts insheader/chgheader */
int
mw_reply_u32(const unsigned char *d, size_t len, uint32_t *v)
{
	uint32_t n;

	if (len < 4)
		return -1;
	memcpy(&n, d, 4);
	*v = ntohl(n);
	return 0;
}

/* mw_next_str - the NUL-terminated string at *off (or the rest), advance */
const unsigned char *
mw_next_str(const unsigned char *d, size_t len, size_t *off, size_t *slen)
{
	const unsigned char *s = d + *off, *nul;

	if (*off >= len) {
		*slen = 0;
		return d + len;
	}
	nul = memchr(s, '\0', len - *off);
	*slen = nul != NULL ? (size_t)(nul - s) : len - *off;
	*off += *slen + (nul != NULL);
	return s;
}

/* line_at - the line at off without its CR/LF; *next after its LF */
static size_t
line_at(const char *m, size_t len, size_t off, size_t *next)
{
	const char *nl = memchr(m + off, '\n', len - off);
	size_t n = nl != NULL ? (size_t)(nl - (m + off)) : len - off;

	*next = nl != NULL ? off + n + 1 : len;
	if (n > 0 && m[off + n - 1] == '\r')
		n--;
	return n;
}

/* header_start - "Name: value" into h as name NUL value */
static void
header_start(struct mw_buf *h, const char *p, size_t n, int leadspc)
{
	const char *colon = memchr(p, ':', n);
	size_t nlen = colon != NULL ? (size_t)(colon - p) : n;

	mw_put(h, p, nlen);
	mw_put(h, "", 1);
	if (colon == NULL)
		return;
	p = colon + 1;
	n -= nlen + 1;
	if (!leadspc)
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
	mw_put(h, p, n);
}

/* mw_next_header - see milterwire.h */
int
mw_next_header(const char *m, size_t len, size_t *off, struct mw_buf *h,
    int leadspc)
{
	size_t n, next;

	h->len = 0;
	while (*off < len && (m[*off] == ' ' || m[*off] == '\t'))
		(void)line_at(m, len, *off, off);	/* continues nothing */
	if (*off >= len)
		return 0;
	n = line_at(m, len, *off, &next);
	if (n == 0) {			/* the empty line ends the header */
		*off = next;
		return 0;
	}
	header_start(h, m + *off, n, leadspc);
	*off = next;
	while (*off < len && (m[*off] == ' ' || m[*off] == '\t')) {
		n = line_at(m, len, *off, &next);
		mw_put(h, "\n", 1);
		mw_put(h, m + *off, n);
		*off = next;
	}
	mw_put(h, "", 1);
	return 1;
}

/* mw_body_crlf - the body with CRLF line ends */
void
mw_body_crlf(const char *m, size_t len, size_t off, struct mw_buf *b)
{
	const char *nl;
	size_t n;

	b->len = 0;
	while (off < len) {
		nl = memchr(m + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (m + off)) : len - off;
		mw_put(b, m + off, n > 0 && m[off + n - 1] == '\r' &&
		    nl != NULL ? n - 1 : n);
		if (nl != NULL)
			mw_put(b, "\r\n", 2);
		off += n + (nl != NULL);
	}
}
