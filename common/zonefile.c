/*
 * zonefile.c -- the zone-file DNS backend: test mode and unit tests
 *
 * SYNOPSIS
 *	#include "zonefile.h"
 *
 * DESCRIPTION
 *	Reads a small subset of RFC 1035 master-file syntax, plus
 *	OpenDMARC's TestDNSData lines, into a table that is sorted once and
 *	only read afterwards (threads share it without locks).
 *
 *	One record per line; blank lines and lines whose first non-blank
 *	character is ';' or '#' are ignored, and ';' outside quotes ends a
 *	record line.  Directives:
 *
 *		$TTL seconds		default TTL of later records (3600)
 *		$ORIGIN name		later relative names end in name
 *
 *	Records:  name [ttl] [IN] TYPE rdata   (ttl and IN in either order)
 *
 *		TXT	one or more "quoted strings" (escapes \" \\ \DDD) or
 *			bare words; each is one logical string, stored as
 *			255-octet character-strings; the RR's strings are
 *			joined when read back (D-02)
 *		A, AAAA	an address
 *		MX	preference and exchange name
 *		CNAME, PTR, NS	a name (a CNAME is followed one level)
 *		SERVFAIL, TIMEOUT	pseudo-records without rdata: every
 *			lookup of that name returns DMARC_DNS_SERVFAIL or
 *			DMARC_DNS_TIMEOUT (at once: only the outcome is
 *			simulated)
 *
 *	A name ending in '.' is absolute.  Other names are relative to
 *	$ORIGIN when one was set and absolute otherwise; "@" is the origin;
 *	a line starting with blanks repeats the previous owner.  Names are
 *	case-insensitive.  No parentheses, no wildcards, no TTL units.
 *
 *	TestDNSData: a line whose second token is not a TTL, a class, a
 *	type or a pseudo-type is "name value": the rest of the line, ';'
 *	included, is one TXT record (OpenDMARC's test format).
 *
 *	Several lines for one name and type are several RRs.  A name exists
 *	when it or a descendant owns a record (an empty non-terminal,
 *	RFC 8020): a missing type there is NODATA, elsewhere NXDOMAIN.
 *
 * DIAGNOSTICS
 *	Parse errors fail the whole file with "file:line: message".  Caps:
 *	ZONEFILE_MAXFILE bytes per file, ZONEFILE_MAXLINE per line.
 *
 * WHY A FILE OF ITS OWN
 *	It is a parser of input that tests and operators write by hand, so
 *	it is fuzzed alone (tests/fuzz/zonefile_fuzz.c), and it synthesizes
 *	wire-format answers so libspf2 and libopendkim can run on it.
 *
 * SEE ALSO
 *	RFC 1035 section 5; resolver.c; tests/data/dns/example.zone
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"
#include "zonefile.h"

#define ZF_SERVFAIL	0x10000		/* pseudo-types: outside 16 bits */
#define ZF_TIMEOUT	0x10001
#define ZF_MAXNAME	253
#define ZF_MAXRDATA	65535

struct zrec {
	char		*name;		/* lower case, no trailing dot */
	int		 type;
	uint32_t	 ttl;
	size_t		 seq;		/* file order, for a stable sort */
	unsigned char	*rdata;		/* wire format */
	size_t		 rdlen;
};

struct zonefile {
	struct zrec	*rr;
	size_t		 n, cap;
	char		**names;	/* owners and their ancestors, sorted */
	size_t		 nnames;
};

struct wbuf {
	unsigned char	*p;
	size_t		 len, size;
};

struct zparse {
	struct zonefile	*z;
	const char	*fname;
	size_t		 line;
	uint32_t	 ttl;
	char		 origin[ZF_MAXNAME + 1];
	int		 have_origin;
	char		 last[ZF_MAXNAME + 1];
	int		 have_last;
	char		*err;
	size_t		 errlen;
};

/* A line being read: cursor and end, never NUL-terminated. */
struct zline {
	const char	*p, *end;
};

static const struct {
	const char	*name;
	int		 type;
} types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "PTR", 12 }, { "MX", 15 },
	{ "TXT", 16 }, { "AAAA", 28 },
	{ "SERVFAIL", ZF_SERVFAIL }, { "TIMEOUT", ZF_TIMEOUT }
};

/* wput - append bytes to a growing buffer (x-alloc: never fails) */
static void
wput(struct wbuf *b, const void *p, size_t len)
{
	if (b->len + len > b->size) {
		b->size = (b->len + len) * 2 + 64;
		b->p = xrealloc(b->p, b->size);
	}
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* wput16 - append a 16-bit value in network order */
static void
wput16(struct wbuf *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	wput(b, c, 2);
}

/* wput32 - append a 32-bit value in network order */
static void
wput32(struct wbuf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	wput(b, c, 4);
}

/* zperr - record "file:line: message"; always returns -1 */
__attribute__((format(printf, 2, 3)))
static int
zperr(struct zparse *zp, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(zp->err, zp->errlen, "%s:%zu: %s", zp->fname, zp->line, msg);
	return -1;
}

/* isblank_c - a field separator inside a line */
static int
isblank_c(int c)
{
	return c == ' ' || c == '\t';
}

/* skipblank - move the cursor past blanks */
static void
skipblank(struct zline *l)
{
	while (l->p < l->end && isblank_c((unsigned char)*l->p))
		l->p++;
}

/* token - next blank-separated token; 0 at the end or at a ';' comment */
static int
token(struct zline *l, const char **tok, size_t *toklen)
{
	const char *s;

	skipblank(l);
	if (l->p == l->end || *l->p == ';')
		return 0;
	s = l->p;
	while (l->p < l->end && !isblank_c((unsigned char)*l->p))
		l->p++;
	*tok = s;
	*toklen = (size_t)(l->p - s);
	return 1;
}

/* at_end - nothing but blanks and a comment left on the line */
static int
at_end(struct zline *l)
{
	skipblank(l);
	return l->p == l->end || *l->p == ';';
}

/* tokeq - case-insensitive comparison of a token with a word */
static int
tokeq(const char *t, size_t tlen, const char *w)
{
	size_t i;

	if (strlen(w) != tlen)
		return 0;
	for (i = 0; i < tlen; i++) {
		int c = (unsigned char)t[i];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c != w[i])
			return 0;
	}
	return 1;
}

/* typeof_tok - record type named by a token, or -1 */
static int
typeof_tok(const char *t, size_t tlen)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (tokeq(t, tlen, types[i].name))
			return types[i].type;
	return -1;
}

/* parse_u32 - decimal number up to max; -1 if not one */
static int
parse_u32(const char *t, size_t tlen, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (tlen == 0 || tlen > 10)
		return -1;
	for (i = 0; i < tlen; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(t[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* name_ok - lower-case LDH-ish name ('_' and '*' allowed) within limits */
static int
name_ok(const char *s)
{
	size_t label = 0, total = strlen(s);

	if (total == 0 || total > ZF_MAXNAME)
		return 0;
	for (; *s != '\0'; s++) {
		int c = (unsigned char)*s;

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '*'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

/* mkname - owner or target token to a canonical absolute name */
static int
mkname(struct zparse *zp, const char *t, size_t tlen, char *out)
{
	size_t i;
	int n;

	if (tlen == 1 && t[0] == '@') {
		if (!zp->have_origin)
			return zperr(zp, "\"@\" without $ORIGIN");
		memcpy(out, zp->origin, strlen(zp->origin) + 1);
		return 0;
	}
	if (tlen > ZF_MAXNAME + 1)
		return zperr(zp, "name too long");
	if (t[tlen - 1] == '.')
		n = snprintf(out, ZF_MAXNAME + 1, "%.*s", (int)tlen - 1, t);
	else if (zp->have_origin)
		n = snprintf(out, ZF_MAXNAME + 1, "%.*s.%s", (int)tlen, t,
		    zp->origin);
	else
		n = snprintf(out, ZF_MAXNAME + 1, "%.*s", (int)tlen, t);
	if (n < 0 || n > ZF_MAXNAME)
		return zperr(zp, "name too long");
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] += 'a' - 'A';
	if (!name_ok(out))
		return zperr(zp, "invalid name \"%.*s\"", (int)(tlen > 64 ?
		    64 : tlen), t);
	return 0;
}

/* wire_name - append a valid text name in uncompressed wire format */
static void
wire_name(struct wbuf *b, const char *name)
{
	const char *dot;
	unsigned char len;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = (unsigned char)(dot ? (size_t)(dot - name) :
		    strlen(name));
		wput(b, &len, 1);
		wput(b, name, len);
		name += len;
		if (*name == '.')
			name++;
	}
	wput(b, "", 1);
}

/* txt_string - append one logical string as 255-octet strings */
static void
txt_string(struct wbuf *b, const char *s, size_t len)
{
	unsigned char n;

	do {
		n = (unsigned char)(len > 255 ? 255 : len);
		wput(b, &n, 1);
		wput(b, s, n);
		s += n;
		len -= n;
	} while (len > 0);
}

/* quoted - parse a "quoted string" at l->p into tmp; -1 on error */
static int
quoted(struct zparse *zp, struct zline *l, struct wbuf *tmp)
{
	unsigned char c;

	for (l->p++; l->p < l->end && *l->p != '"'; l->p++) {
		c = (unsigned char)*l->p;
		if (c == '\\') {
			if (++l->p == l->end)
				break;
			c = (unsigned char)*l->p;
			if (c >= '0' && c <= '9') {
				uint32_t v;

				if (l->end - l->p < 3 ||
				    parse_u32(l->p, 3, 255, &v) != 0)
					return zperr(zp, "bad \\DDD escape");
				c = (unsigned char)v;
				l->p += 2;
			}
		}
		wput(tmp, &c, 1);
	}
	if (l->p == l->end)
		return zperr(zp, "unterminated quoted string");
	l->p++;
	if (l->p < l->end && !isblank_c((unsigned char)*l->p) &&
	    *l->p != ';')
		return zperr(zp, "garbage after quoted string");
	return 0;
}

/* rdata_txt - TXT rdata: quoted strings and bare words */
static int
rdata_txt(struct zparse *zp, struct zline *l, struct wbuf *rd)
{
	struct wbuf tmp = { NULL, 0, 0 };
	const char *t;
	size_t tlen;
	int n = 0, rc = 0;

	while (!at_end(l) && rc == 0) {
		tmp.len = 0;
		if (*l->p == '"')
			rc = quoted(zp, l, &tmp);
		else if (*l->p == '(' || *l->p == ')')
			rc = zperr(zp, "parentheses are not supported");
		else if (token(l, &t, &tlen))
			wput(&tmp, t, tlen);
		if (rc == 0)
			txt_string(rd, tmp.len ? (char *)tmp.p : "", tmp.len);
		n++;
	}
	free(tmp.p);
	if (rc == 0 && n == 0)
		rc = zperr(zp, "TXT record without strings");
	return rc;
}

/* rdata_addr - A or AAAA rdata */
static int
rdata_addr(struct zparse *zp, struct zline *l, int af, struct wbuf *rd)
{
	unsigned char a[16];
	char s[64];
	const char *t;
	size_t tlen;

	if (!token(l, &t, &tlen))
		return zperr(zp, "missing address");
	if (tlen >= sizeof(s))
		return zperr(zp, "bad address");
	memcpy(s, t, tlen);
	s[tlen] = '\0';
	if (inet_pton(af, s, a) != 1)
		return zperr(zp, "bad address \"%s\"", s);
	wput(rd, a, af == AF_INET ? 4 : 16);
	return 0;
}

/* rdata_name - a domain name in rdata (CNAME, PTR, NS, MX exchange) */
static int
rdata_name(struct zparse *zp, struct zline *l, struct wbuf *rd)
{
	char name[ZF_MAXNAME + 1];
	const char *t;
	size_t tlen;

	if (!token(l, &t, &tlen))
		return zperr(zp, "missing name in rdata");
	if (mkname(zp, t, tlen, name) != 0)
		return -1;
	wire_name(rd, name);
	return 0;
}

/* rdata - parse the rdata of one record type into wire format */
static int
rdata(struct zparse *zp, struct zline *l, int type, struct wbuf *rd)
{
	const char *t;
	size_t tlen;
	uint32_t pref;
	int rc = 0;

	switch (type) {
	case 16:
		return rdata_txt(zp, l, rd);
	case 1:
		rc = rdata_addr(zp, l, AF_INET, rd);
		break;
	case 28:
		rc = rdata_addr(zp, l, AF_INET6, rd);
		break;
	case 15:
		if (!token(l, &t, &tlen) ||
		    parse_u32(t, tlen, 65535, &pref) != 0)
			return zperr(zp, "bad MX preference");
		wput16(rd, pref);
		rc = rdata_name(zp, l, rd);
		break;
	case 2: case 5: case 12:
		rc = rdata_name(zp, l, rd);
		break;
	default:
		break;		/* pseudo-records carry nothing */
	}
	if (rc == 0 && !at_end(l))
		rc = zperr(zp, "trailing garbage after rdata");
	return rc;
}

/* add - append a record to the table (ownership of rd moves in) */
static void
add(struct zonefile *z, const char *name, int type, uint32_t ttl,
    struct wbuf *rd)
{
	struct zrec *r;

	if (z->n == z->cap) {
		z->cap = z->cap ? z->cap * 2 : 64;
		z->rr = xreallocarray(z->rr, z->cap, sizeof(*z->rr));
	}
	r = &z->rr[z->n];
	r->name = xstrdup(name);
	r->type = type;
	r->ttl = ttl;
	r->seq = z->n++;
	r->rdata = rd->p;
	r->rdlen = rd->len;
	rd->p = NULL;
	rd->len = rd->size = 0;
}

/* directive - $TTL or $ORIGIN */
static int
directive(struct zparse *zp, struct zline *l)
{
	const char *t, *v;
	size_t tlen, vlen;

	(void)token(l, &t, &tlen);
	if (!token(l, &v, &vlen))
		return zperr(zp, "%.*s without a value", (int)tlen, t);
	if (tokeq(t, tlen, "$TTL")) {
		if (parse_u32(v, vlen, 0x7fffffff, &zp->ttl) != 0)
			return zperr(zp, "bad $TTL");
	} else if (tokeq(t, tlen, "$ORIGIN")) {
		zp->have_origin = 0;
		if (vlen == 1 && v[0] == '.')
			return zperr(zp, "the root cannot be $ORIGIN");
		if (mkname(zp, v, vlen, zp->origin) != 0)
			return -1;
		zp->have_origin = 1;
	} else
		return zperr(zp, "unknown directive %.*s", (int)(tlen > 32 ?
		    32 : tlen), t);
	if (!at_end(l))
		return zperr(zp, "trailing garbage after directive");
	return 0;
}

/* testdnsdata - "name value": the rest of the line is one TXT record */
static int
testdnsdata(struct zparse *zp, const char *name, const char *v,
    const char *end)
{
	struct wbuf rd = { NULL, 0, 0 };

	while (end > v && isblank_c((unsigned char)end[-1]))
		end--;
	txt_string(&rd, v, (size_t)(end - v));
	if (rd.len > ZF_MAXRDATA) {
		free(rd.p);
		return zperr(zp, "record too long");
	}
	add(zp->z, name, 16, zp->ttl, &rd);
	return 0;
}

/* ttl_class - optional TTL and class before the type; 1 if consumed */
static int
ttl_class(struct zparse *zp, const char *t, size_t tlen, uint32_t *ttl,
    int *seen_ttl, int *seen_class)
{
	if (!*seen_ttl && parse_u32(t, tlen, 0x7fffffff, ttl) == 0)
		return *seen_ttl = 1;
	if (!*seen_class && tokeq(t, tlen, "IN"))
		return *seen_class = 1;
	return 0;
}

/* record - one record line (not a comment, not a directive) */
static int
record(struct zparse *zp, struct zline *l)
{
	char name[ZF_MAXNAME + 1];
	struct wbuf rd = { NULL, 0, 0 };
	const char *t;
	size_t tlen;
	uint32_t ttl = zp->ttl;
	int type, seen_ttl = 0, seen_class = 0, ntok = 0, blank_owner;

	if ((blank_owner = isblank_c((unsigned char)*l->p))) {
		if (!zp->have_last)
			return zperr(zp, "no previous owner name");
		memcpy(name, zp->last, sizeof(name));
	} else {
		(void)token(l, &t, &tlen);
		if (mkname(zp, t, tlen, name) != 0)
			return -1;
		memcpy(zp->last, name, sizeof(name));
		zp->have_last = 1;
	}
	for (;;) {
		if (!token(l, &t, &tlen))
			return zperr(zp, "missing record type");
		ntok++;
		if (ttl_class(zp, t, tlen, &ttl, &seen_ttl, &seen_class))
			continue;
		if ((type = typeof_tok(t, tlen)) >= 0)
			break;
		if (ntok == 1 && !blank_owner)
			return testdnsdata(zp, name, t, l->end);
		return zperr(zp, "unknown record type \"%.*s\"",
		    (int)(tlen > 32 ? 32 : tlen), t);
	}
	if (rdata(zp, l, type, &rd) != 0) {
		free(rd.p);
		return -1;
	}
	if (rd.len > ZF_MAXRDATA) {
		free(rd.p);
		return zperr(zp, "record too long");
	}
	add(zp->z, name, type, ttl, &rd);
	return 0;
}

/* line - one line of the file */
static int
line(struct zparse *zp, const char *p, size_t len)
{
	struct zline l = { p, p + len };

	if (len > 0 && p[len - 1] == '\r')
		l.end--;
	skipblank(&l);
	if (l.p == l.end || *l.p == ';' || *l.p == '#')
		return 0;
	if (*l.p == '$' && l.p == p)
		return directive(zp, &l);
	l.p = p;
	return record(zp, &l);
}

/* rec_cmp - order records by name, type, then file order */
static int
rec_cmp(const void *a, const void *b)
{
	const struct zrec *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* str_cmp - qsort/bsearch comparison of string pointers */
static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* finish - sort the records and list every owner and ancestor (RFC 8020) */
static void
finish(struct zonefile *z)
{
	size_t i, j, n = 0, cap = 0;
	char *s;

	if (z->n == 0)
		return;
	qsort(z->rr, z->n, sizeof(*z->rr), rec_cmp);
	for (i = 0; i < z->n; i++) {
		if (i > 0 && strcmp(z->rr[i].name, z->rr[i - 1].name) == 0)
			continue;
		for (s = z->rr[i].name; s != NULL;
		    s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				z->names = xreallocarray(z->names, cap,
				    sizeof(*z->names));
			}
			z->names[n++] = s;	/* borrowed from the record */
		}
	}
	if (n > 0)
		qsort(z->names, n, sizeof(*z->names), str_cmp);
	for (i = j = 0; i < n; i++)
		if (j == 0 || strcmp(z->names[j - 1], z->names[i]) != 0)
			z->names[j++] = z->names[i];
	z->nnames = j;
}

/* zonefile_parse_buf - parse a whole zone held in memory */
struct zonefile *
zonefile_parse_buf(const char *p, size_t len, const char *fname, char *err,
    size_t errlen)
{
	struct zparse zp;
	const char *end = p + len, *nl;
	size_t ll;
	char dummy[1];

	memset(&zp, 0, sizeof(zp));
	zp.fname = fname ? fname : "<buffer>";
	zp.ttl = 3600;
	zp.err = err ? err : dummy;
	zp.errlen = err ? errlen : sizeof(dummy);
	if (len > ZONEFILE_MAXFILE) {
		zperr(&zp, "larger than %u bytes", ZONEFILE_MAXFILE);
		return NULL;
	}
	zp.z = xcalloc(1, sizeof(*zp.z));
	while (p < end) {
		zp.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll > ZONEFILE_MAXLINE)
			zperr(&zp, "line longer than %u bytes",
			    ZONEFILE_MAXLINE);
		else if (memchr(p, '\0', ll) != NULL)
			zperr(&zp, "NUL byte in line");
		else if (line(&zp, p, ll) == 0) {
			p += ll + (nl != NULL);
			continue;
		}
		zonefile_free(zp.z);
		return NULL;
	}
	finish(zp.z);
	return zp.z;
}

/* zonefile_load - read a file (at most ZONEFILE_MAXFILE bytes) and parse */
struct zonefile *
zonefile_load(const char *path, char *err, size_t errlen)
{
	struct zonefile *z;
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)ZONEFILE_MAXFILE) {
		snprintf(err, errlen, "%s: %s", path, S_ISREG(st.st_mode) ?
		    "larger than 16 MiB" : "not a regular file");
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (r = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)r;
	}
	close(fd);
	z = zonefile_parse_buf(buf, got, path, err, errlen);
	free(buf);
	return z;
}

/* zonefile_free - release the table; NULL is fine */
void
zonefile_free(struct zonefile *z)
{
	size_t i;

	if (z == NULL)
		return;
	for (i = 0; i < z->n; i++) {
		free(z->rr[i].name);
		free(z->rr[i].rdata);
	}
	free(z->rr);
	free(z->names);
	free(z);
}

/* zonefile_records - how many records were read */
size_t
zonefile_records(const struct zonefile *z)
{
	return z->n;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */
/* ------------------------------------------------------------------ */

struct zans {
	enum dmarc_dns		 st;
	const struct zrec	*cname;		/* followed CNAME or NULL */
	const struct zrec	*rr;		/* first answer RR */
	size_t			 n;
	char			 qname[ZF_MAXNAME + 2];
};

/* find - the RRs of one type at name; pseudo-records win */
static enum dmarc_dns
find(const struct zonefile *z, const char *name, int type,
    const struct zrec **rr, size_t *n, const struct zrec **cname)
{
	const char *key = name;
	size_t lo = 0, hi = z->n, mid;

	*rr = *cname = NULL;
	*n = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(z->rr[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < z->n && strcmp(z->rr[lo].name, name) == 0; lo++) {
		const struct zrec *r = &z->rr[lo];

		if (r->type == ZF_SERVFAIL)
			return DMARC_DNS_SERVFAIL;
		if (r->type == ZF_TIMEOUT)
			return DMARC_DNS_TIMEOUT;
		if (r->type == type && (*n)++ == 0)
			*rr = r;
		if (r->type == 5 && *cname == NULL)
			*cname = r;
	}
	if (*n > 0)
		return DMARC_DNS_DATA;
	if (z->nnames > 0 && bsearch(&key, z->names, z->nnames,
	    sizeof(*z->names), str_cmp) != NULL)
		return DMARC_DNS_NODATA;
	return DMARC_DNS_NXDOMAIN;
}

/* unwire - a name we encoded ourselves back to text */
static void
unwire(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (i < len && p[i] != 0 && i + 1 + p[i] <= len &&
	    o + p[i] + 1 < outlen) {
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, p + i + 1, p[i]);
		o += p[i];
		i += 1 + (size_t)p[i];
	}
	out[o] = '\0';
}

/* lookup - canonicalise the name, find the RRs, follow one CNAME */
static void
lookup(const struct zonefile *z, const char *name, int type, struct zans *a)
{
	const struct zrec *cn, *cn2;
	char target[ZF_MAXNAME + 2];
	size_t i, len = strlen(name);

	memset(a, 0, sizeof(*a));
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len > ZF_MAXNAME) {
		a->st = DMARC_DNS_ERROR;
		return;
	}
	for (i = 0; i < len; i++)
		a->qname[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ?
		    name[i] + ('a' - 'A') : name[i]);
	a->qname[len] = '\0';
	a->st = find(z, a->qname, type, &a->rr, &a->n, &cn);
	if (a->st == DMARC_DNS_NODATA && cn != NULL && type != 5) {
		unwire(cn->rdata, cn->rdlen, target, sizeof(target));
		a->cname = cn;
		a->st = find(z, target, type, &a->rr, &a->n, &cn2);
	}
}

/* zonefile_txt_rdata_add - join one TXT RR's strings and append it */
int
zonefile_txt_rdata_add(const unsigned char *rd, size_t len,
    struct dmarc_dns_txt *out)
{
	char *buf = xmalloc(len + 1);
	size_t i = 0, o = 0;
	int rc;

	while (i < len) {
		if (i + 1 + rd[i] > len) {
			free(buf);
			return -1;	/* string runs past the rdata */
		}
		memcpy(buf + o, rd + i + 1, rd[i]);
		o += rd[i];
		i += 1 + (size_t)rd[i];
	}
	rc = dmarc_dns_txt_add(out, buf, o) == DMARC_OK ? 0 : -1;
	free(buf);
	return rc;
}

/* zonefile_txt - TXT lookup, one joined string per RR */
enum dmarc_dns
zonefile_txt(const struct zonefile *z, const char *name,
    struct dmarc_dns_txt *out)
{
	struct zans a;
	size_t i;

	lookup(z, name, 16, &a);
	for (i = 0; a.st == DMARC_DNS_DATA && i < a.n; i++)
		if (zonefile_txt_rdata_add(a.rr[i].rdata, a.rr[i].rdlen,
		    out) != 0) {
			dmarc_dns_txt_clear(out);
			return DMARC_DNS_ERROR;
		}
	return a.st;
}

/* zonefile_exists - A lookup, the outcome only */
enum dmarc_dns
zonefile_exists(const struct zonefile *z, const char *name)
{
	struct zans a;

	lookup(z, name, 1, &a);
	return a.st;
}

/* wire_qname - any text name in wire format; -1 on an impossible label */
static int
wire_qname(struct wbuf *b, const char *name)
{
	const char *dot;
	size_t len;
	unsigned char c;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot ? (size_t)(dot - name) : strlen(name);
		if (len == 0 || len > 63)
			return -1;
		c = (unsigned char)len;
		wput(b, &c, 1);
		wput(b, name, len);
		name += len + (dot != NULL);
	}
	wput(b, "", 1);
	return 0;
}

/* put_rr - one answer RR: owner, type, class IN, TTL, rdata */
static void
put_rr(struct wbuf *b, const char *owner, const struct zrec *r)
{
	wire_name(b, owner);
	wput16(b, (unsigned)r->type);
	wput16(b, 1);
	wput32(b, r->ttl);
	wput16(b, (unsigned)r->rdlen);
	wput(b, r->rdata, r->rdlen);
}

/* zonefile_query - the answer as a res_query(3) packet */
enum dmarc_dns
zonefile_query(const struct zonefile *z, const char *name, int rrtype,
    unsigned char **pkt, size_t *pktlen)
{
	struct wbuf b = { NULL, 0, 0 };
	struct zans a;
	size_t i;

	*pkt = NULL;
	*pktlen = 0;
	if (rrtype <= 0 || rrtype > 65535)
		return DMARC_DNS_ERROR;
	lookup(z, name, rrtype, &a);
	if (a.st != DMARC_DNS_DATA && a.st != DMARC_DNS_NODATA &&
	    a.st != DMARC_DNS_NXDOMAIN)
		return a.st;
	wput16(&b, 0);				/* id */
	wput16(&b, 0x8000 | 0x0400 | 0x0100 | 0x0080 |
	    (a.st == DMARC_DNS_NXDOMAIN ? 3 : 0));	/* QR AA RD RA */
	wput16(&b, 1);
	wput16(&b, (unsigned)(a.n + (a.cname != NULL)));
	wput16(&b, 0);
	wput16(&b, 0);
	if (wire_qname(&b, a.qname) != 0) {
		free(b.p);
		return DMARC_DNS_ERROR;
	}
	wput16(&b, (unsigned)rrtype);
	wput16(&b, 1);
	if (a.cname != NULL)
		put_rr(&b, a.qname, a.cname);
	for (i = 0; i < a.n; i++)
		put_rr(&b, a.rr[i].name, &a.rr[i]);
	if (b.len > 65535 || a.n > 65535) {
		free(b.p);
		return DMARC_DNS_ERROR;
	}
	*pkt = b.p;
	*pktlen = b.len;
	return a.st;
}
