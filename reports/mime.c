/*
 * mime.c -- gzip, base64 and the RFC 9990 report message
 *
 * SYNOPSIS
 *	mime_gzip("r!d!b!e!id.xml", mtime, xml, len, &gz, &gzlen);
 *	b = mime_b64(gz, gzlen, &blen);
 *	msg = mime_message(&report, &msglen);
 *
 * DESCRIPTION
 *	mime_gzip writes one RFC 1952 member through zlib with the original
 *	file name and time in its header.  mime_b64 is RFC 2045 base64 in
 *	lines of 76 characters ending in CRLF (none of our libraries offers
 *	MIME base64, and it is thirty lines).
 *
 *	mime_message assembles (RFC 9990 3.5.2):
 *	    From, To, Subject "Report Domain: D Submitter: S Report-ID: <id>"
 *	    (folded before "Submitter:" and "Report-ID:" when longer than
 *	    78 characters), Date, Message-ID <id@submitter>, MIME-Version,
 *	    Auto-Submitted: auto-generated, multipart/mixed with a
 *	    text/plain part and the application/gzip attachment whose file
 *	    name is in Content-Type and Content-Disposition.
 *	The boundary begins with "=_", which base64 text never contains.
 *	Header values come from validated domains, our own report id and
 *	the configured address; CR and LF are still removed from them.
 *
 * WHY A FILE OF ITS OWN
 *	The message is the part receivers' parsers see; tested byte by byte
 *	(tests/unit/test_agg_mime.c) and taken apart by Python's email
 *	module in tests/reports/reports.sh.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "agg.h"
#include "xmalloc.h"

#define B64_LINE	76

/* A growing string. */
struct sbuf {
	char	*p;
	size_t	 len, cap;
};

/* sb_add - append len bytes */
static void
sb_add(struct sbuf *b, const char *s, size_t len)
{
	while (b->len + len + 1 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

/* sb_printf - append formatted text */
static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[512], *big;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_add(b, small, (size_t)n);
		return;
	}
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(b, big, (size_t)n);
	free(big);
}

/* gz_wbits - the smallest deflate window (9..15 bits) that holds len
   octets and deflate's lookahead: a report of a few KiB then needs
   about 32 KiB of zlib state instead of 256 KiB, which glibc handed
   back to the kernel after each report and faulted in again for the
   next (20% of dmarc-reports' CPU).  The hash table shrinks with it
   (memLevel = bits - 7, zlib's default 8 at 15 bits). */
static int
gz_wbits(size_t len)
{
	int b = 9;

	while (b < 15 && ((size_t)1 << b) < len + 262)
		b++;
	return b;
}

/* mime_gzip - compress p into one gzip member named name */
int
mime_gzip(const char *name, time_t mtime, const void *p, size_t len,
    unsigned char **out, size_t *outlen)
{
	z_stream zs;
	gz_header h;
	size_t cap;
	int rc, wbits = gz_wbits(len);

	*out = NULL;
	*outlen = 0;
	memset(&zs, 0, sizeof(zs));
	memset(&h, 0, sizeof(h));
	if (len > UINT32_MAX ||
	    deflateInit2(&zs, 9, Z_DEFLATED, wbits + 16, wbits - 7,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	h.name = (Bytef *)(uintptr_t)name;
	h.time = (uLong)mtime;
	h.os = 3;			/* Unix */
	if (deflateSetHeader(&zs, &h) != Z_OK) {
		deflateEnd(&zs);
		return -1;
	}
	cap = deflateBound(&zs, (uLong)len) + strlen(name) + 64;
	*out = xmalloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)len;
	zs.next_out = *out;
	zs.avail_out = (uInt)cap;
	rc = deflate(&zs, Z_FINISH);
	*outlen = cap - zs.avail_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return -1;
	}
	return 0;
}

/* mime_gunzip - inflate one gzip member (tests, self-checks) */
int
mime_gunzip(const unsigned char *p, size_t len, char **out, size_t *outlen)
{
	z_stream zs;
	size_t cap = len * 4 + 1024;
	int rc = Z_OK;

	memset(&zs, 0, sizeof(zs));
	*out = NULL;
	*outlen = 0;
	if (len > UINT32_MAX || inflateInit2(&zs, 15 + 16) != Z_OK)
		return -1;
	*out = xmalloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)len;
	while (rc == Z_OK) {
		if (*outlen + 1 >= cap) {
			cap *= 2;
			*out = xrealloc(*out, cap);
		}
		zs.next_out = (Bytef *)*out + *outlen;
		zs.avail_out = (uInt)(cap - *outlen - 1);
		rc = inflate(&zs, Z_NO_FLUSH);
		*outlen = cap - 1 - zs.avail_out;
	}
	inflateEnd(&zs);
	(*out)[*outlen] = '\0';
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return -1;
	}
	return 0;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* mime_b64 - base64, CRLF after every 76 characters and at the end */
char *
mime_b64(const unsigned char *p, size_t len, size_t *outlen)
{
	size_t groups = (len + 2) / 3, chars = groups * 4;
	size_t cap = chars + (chars / B64_LINE + 1) * 2 + 1, i, o = 0, col = 0;
	char *s = xmalloc(cap);

	for (i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (unsigned long)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		s[o++] = b64[(v >> 18) & 63];
		s[o++] = b64[(v >> 12) & 63];
		s[o++] = left > 1 ? b64[(v >> 6) & 63] : '=';
		s[o++] = left > 2 ? b64[v & 63] : '=';
		if ((col += 4) == B64_LINE) {
			s[o++] = '\r';
			s[o++] = '\n';
			col = 0;
		}
	}
	if (col > 0) {
		s[o++] = '\r';
		s[o++] = '\n';
	}
	s[o] = '\0';
	*outlen = o;
	return s;
}

/* b64_val - value of one base64 character, -1 for others */
static int
b64_val(char c)
{
	const char *q;

	if (c == '\0' || (q = strchr(b64, c)) == NULL)
		return -1;
	return (int)(q - b64);
}

/* mime_b64_decode - decode, skipping CR, LF and spaces; -1 when bad */
int
mime_b64_decode(const char *p, size_t len, unsigned char **out,
    size_t *outlen)
{
	unsigned long v = 0;
	size_t i, n = 0, o = 0, pad = 0;
	int c;

	*out = xmalloc(len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		if (p[i] == '\r' || p[i] == '\n' || p[i] == ' ')
			continue;
		if (p[i] == '=') {
			pad++;
			c = 0;
		} else if (pad > 0 || (c = b64_val(p[i])) < 0)
			goto bad;
		v = v << 6 | (unsigned long)c;
		if (++n % 4 == 0) {
			(*out)[o++] = (unsigned char)(v >> 16);
			(*out)[o++] = (unsigned char)(v >> 8);
			(*out)[o++] = (unsigned char)v;
			v = 0;
		}
	}
	if (n % 4 != 0 || pad > 2)
		goto bad;
	*outlen = o - pad;
	return 0;
bad:
	free(*out);
	*out = NULL;
	*outlen = 0;
	return -1;
}

/* hdr_clean - a header value without CR/LF (they would start a field) */
static char *
hdr_clean(const char *s)
{
	char *c = xstrdup(s != NULL ? s : ""), *q;

	for (q = c; *q != '\0'; q++)
		if (*q == '\r' || *q == '\n')
			*q = ' ';
	return c;
}

/* subject - the RFC 9990 Subject, folded when longer than 78 */
static void
subject(struct sbuf *b, const char *dom, const char *sub, const char *rid)
{
	size_t len = strlen("Subject: Report Domain:  Submitter:  "
	    "Report-ID: <>") + strlen(dom) + strlen(sub) + strlen(rid);

	if (len <= 78)
		sb_printf(b, "Subject: Report Domain: %s Submitter: %s "
		    "Report-ID: <%s>\r\n", dom, sub, rid);
	else
		sb_printf(b, "Subject: Report Domain: %s\r\n Submitter: %s"
		    "\r\n Report-ID: <%s>\r\n", dom, sub, rid);
}

/* rfc5322_date - "Tue, 01 Dec 2026 13:07:00 +0000" */
static void
rfc5322_date(time_t t, char *buf, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, mons[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* utc - "2026-12-01 00:00:00 UTC" for the text part */
static void
utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* headers - the header section of the report message */
static void
headers(struct sbuf *b, const struct mime_report *r, const char *bnd)
{
	char *from = hdr_clean(r->from), *to = hdr_clean(r->to);
	char *dom = hdr_clean(r->policy_domain), *sub = hdr_clean(r->submitter);
	char *rid = hdr_clean(r->report_id), date[64];

	rfc5322_date(r->date, date, sizeof(date));
	sb_printf(b, "From: %s\r\nTo: %s\r\n", from, to);
	subject(b, dom, sub, rid);
	sb_printf(b, "Date: %s\r\nMessage-ID: <%s@%s>\r\n", date, rid, sub);
	sb_printf(b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
	    "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n"
	    "This is a MIME-formatted message.\r\n\r\n", bnd);
	free(from);
	free(to);
	free(dom);
	free(sub);
	free(rid);
}

/* text_part - the human-readable part */
static void
text_part(struct sbuf *b, const struct mime_report *r, const char *bnd)
{
	char *dom = hdr_clean(r->policy_domain), *sub = hdr_clean(r->submitter);
	char *rid = hdr_clean(r->report_id), tb[40], te[40];

	utc(r->begin, tb, sizeof(tb));
	utc(r->end, te, sizeof(te));
	sb_printf(b, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n"
	    "This is a DMARC aggregate report (RFC 9990) for %s\r\n"
	    "from %s,\r\ncovering %s to %s:\r\n"
	    "%llu message(s).  Report-ID: %s\r\n\r\n", bnd, dom, sub, tb, te,
	    (unsigned long long)r->messages, rid);
	free(dom);
	free(sub);
	free(rid);
}

/* mime_message - the whole report message for one recipient */
char *
mime_message(const struct mime_report *r, size_t *outlen)
{
	struct sbuf b = { NULL, 0, 0 };
	char *fn = hdr_clean(r->filename), *enc, bnd[96];
	size_t elen;

	snprintf(bnd, sizeof(bnd), "=_dmarcd_%.64s", r->report_id);
	headers(&b, r, bnd);
	text_part(&b, r, bnd);
	sb_printf(&b, "--%s\r\nContent-Type: application/gzip;\r\n"
	    " name=\"%s\"\r\nContent-Disposition: attachment;\r\n"
	    " filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
	    bnd, fn, fn);
	enc = mime_b64(r->gz, r->gzlen, &elen);
	sb_add(&b, enc, elen);
	sb_printf(&b, "\r\n--%s--\r\n", bnd);
	free(enc);
	free(fn);
	*outlen = b.len;
	return b.p;
}
