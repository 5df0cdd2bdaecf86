/*
 * zip.c -- the members of a zip archive, inflated with zlib
 *
 * DESCRIPTION
 *	Report senders (Google, Yahoo, AOL) zip one XML file; some archives
 *	hold several members or a member with an empty name (mail-dmarc's
 *	fixture), and parsedmarc reads only the first.  zip_each() calls fn
 *	for every stored or deflated member.  It reads the central directory
 *	when the archive has one, else walks the local headers (a truncated
 *	archive still gives its first members).  Encrypted members, zip64
 *	and methods other than 0 and 8 are refused with a reason.
 *
 * WHY NOT LIBZIP
 *	The format part we need is three fixed headers; zlib (already a
 *	dependency) does the inflating.  libzip would add a library for ~150
 *	lines, and it wants the whole archive valid where we want every
 *	member we can still read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ingest.h"

#define ZIP_LOCAL	"PK\003\004"
#define ZIP_CENTRAL	"PK\001\002"
#define ZIP_END		"PK\005\006"
#define ZIP_MAX_MEMBERS	1024

/* le16 - little-endian 16 bits */
static unsigned
le16(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (unsigned)u[0] | (unsigned)u[1] << 8;
}

/* le32 - little-endian 32 bits */
static size_t
le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (size_t)u[0] | (size_t)u[1] << 8 | (size_t)u[2] << 16 |
	    (size_t)u[3] << 24;
}

/* member - extract the member whose local header is at off */
static int
member(const char *p, size_t n, size_t off, size_t csize, zip_fn fn,
    void *arg, char *why, size_t whylen, size_t *next)
{
	unsigned flags, method, nl, el;
	size_t data, total = 0;
	struct ibuf b = { 0 };
	char name[256];
	int r;

	if (off > n || n - off < 30 || memcmp(p + off, ZIP_LOCAL, 4) != 0) {
		snprintf(why, whylen, "bad local header");
		return -1;
	}
	flags = le16(p + off + 6);
	method = le16(p + off + 8);
	nl = le16(p + off + 26);
	el = le16(p + off + 28);
	if (csize == (size_t)-1)
		csize = le32(p + off + 18);
	data = off + 30 + nl + el;
	if (data > n) {
		snprintf(why, whylen, "truncated local header");
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(nl < 255 ? nl : 255),
	    p + off + 30);
	if (flags & 1) {
		snprintf(why, whylen, "member \"%s\" is encrypted", name);
		return -1;
	}
	if (csize > n - data || (csize == 0 && (flags & 8)))
		csize = n - data;
	if (method == 0) {
		*next = data + csize;
		return fn(arg, p + data, csize, name, NULL);
	}
	if (method != 8) {
		snprintf(why, whylen, "member \"%s\": method %u", name, method);
		return -1;
	}
	r = gunzip(p + data, csize, -MAX_WBITS, &b, INGEST_MAX_OUTPUT, &total);
	*next = data + total;
	if (r < 0 || (r == 1 && b.len == 0)) {
		snprintf(why, whylen, "member \"%s\": %s", name,
		    r == -2 ? "too large" : "corrupt deflate data");
		ibuf_free(&b);
		return -1;
	}
	r = fn(arg, b.data ? b.data : "", b.len, name, &b);
	ibuf_free(&b);
	return r;
}

/* find_end - the end-of-central-directory record, or (size_t)-1 */
static size_t
find_end(const char *p, size_t n)
{
	size_t i, lo;

	if (n < 22)
		return (size_t)-1;
	lo = n > 22 + 65535 ? n - 22 - 65535 : 0;
	for (i = n - 22 + 1; i-- > lo;)
		if (memcmp(p + i, ZIP_END, 4) == 0)
			return i;
	return (size_t)-1;
}

/* zip_each - call fn(arg, data, len, name) for every member */
int
zip_each(const char *p, size_t n, zip_fn fn, void *arg, char *why,
    size_t whylen)
{
	size_t end = find_end(p, n), cd, count, i, off, next;
	int err = 0;

	if (end != (size_t)-1) {
		count = le16(p + end + 10);
		cd = le32(p + end + 16);
		for (i = 0; i < count && i < ZIP_MAX_MEMBERS; i++) {
			if (cd > end || end - cd < 46 ||
			    memcmp(p + cd, ZIP_CENTRAL, 4) != 0) {
				snprintf(why, whylen, "bad central directory");
				return -1;
			}
			if (member(p, n, le32(p + cd + 42), le32(p + cd + 20),
			    fn, arg, why, whylen, &next) != 0)
				err = -1;
			cd += 46 + le16(p + cd + 28) + le16(p + cd + 30) +
			    le16(p + cd + 32);
		}
		return err;
	}
	/* no directory (truncated): walk the local headers */
	for (off = 0, i = 0; off + 30 <= n && i < ZIP_MAX_MEMBERS &&
	    memcmp(p + off, ZIP_LOCAL, 4) == 0; i++) {
		next = 0;
		if (member(p, n, off, (size_t)-1, fn, arg, why, whylen,
		    &next) != 0 || next <= off)
			return -1;
		off = next;
		if (off + 16 <= n && memcmp(p + off, "PK\007\010", 4) == 0)
			off += 16;
	}
	if (i == 0)
		snprintf(why, whylen, "%s", n < 30 ? "truncated local header" :
		    "no members");
	return i == 0 ? -1 : 0;
}
