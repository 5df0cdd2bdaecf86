/*
 * containers.c -- find the report payloads inside one input, by content
 *
 * DESCRIPTION
 *	unwrap() peels gzip (concatenated members, trailing junk, gzip in
 *	gzip), raw zlib, zip (every member, see zip.c), tar and bare base64
 *	text until it reaches something that looks like XML, JSON or a mail
 *	message, and lists every such payload with the chain of containers
 *	it came through.  Declared types and file names are never consulted:
 *	senders label gzip as octet-stream, zip as x-zip-compressed and JSON
 *	as "xml.gz" (inbound-reports.md section 4, quirks 1, 2, 11).
 *
 *	A gzip or raw zlib stream whose first bytes are XML is not inflated
 *	into memory: with a stream hook set (ingest.c sets one), the pieces
 *	go to the hook's XML push parser as they are inflated, so a 1 GB
 *	report costs one 64 KiB window.  Anything else inside (gzip in gzip,
 *	zip, JSON, a message) is inflated whole as before.  Zip members are
 *	inflated whole (zip.c): the central directory is at the end.
 *
 *	Bounds: INGEST_MAX_OUTPUT bytes produced per input (a zip or gzip
 *	bomb stops there with a reason), INGEST_MAX_STREAM bytes per streamed
 *	XML payload (only CPU time is at stake: the rest is ignored and
 *	recorded as an error on the report) and INGEST_MAX_DEPTH nested
 *	layers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ingest.h"
#include "xmalloc.h"

#define INFLATE_CHUNK	65536
#define SNIFF_BYTES	512	/* inflated bytes looked at before choosing */

/* One gzip or zlib stream being inflated: undecided, streamed to the
   hook, or collected whole in head. */
struct inflating {
	struct payloads	*out;
	const char	*kind;		/* "gzip" or "zlib" */
	char		 path[64];
	struct ibuf	 head;
	void		*h;		/* the hook's handle when streaming */
	enum { UNDECIDED, STREAMING, WHOLE } mode;
	size_t		 total;		/* bytes inflated */
	unsigned char	 buf[INFLATE_CHUNK];
};

static int	unwrap_r(const char *p, size_t n, int depth, const char *path,
		    struct payloads *out, struct ibuf *own);

/* gunzip - inflate one stream (wbits as inflateInit2); 0 done, 1 truncated,
   -1 corrupt, -2 over max; *consumed = input bytes used */
int
gunzip(const char *p, size_t n, int wbits, struct ibuf *out, size_t max,
    size_t *consumed)
{
	z_stream z;
	int rc, ret = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, wbits) != Z_OK)
		return -1;
	/* gzip ends with the size mod 2^32: one allocation when plausible */
	if (wbits > MAX_WBITS && n >= 18) {
		const unsigned char *t = (const unsigned char *)p + n - 4;
		size_t isize = (size_t)t[0] | (size_t)t[1] << 8 |
		    (size_t)t[2] << 16 | (size_t)t[3] << 24;

		if (isize > n && isize <= max && isize < (n << 10))
			ibuf_reserve(out, isize);
	}
	z.next_in = (Bytef *)(uintptr_t)p;
	for (;;) {
		size_t give = n - (size_t)((const char *)z.next_in - p), room;

		/* inflate straight into the buffer: no bounce copy */
		if (out->cap - out->len < INFLATE_CHUNK + 1) {
			room = out->len < INFLATE_CHUNK ? INFLATE_CHUNK :
			    out->len;
			if (room > max + 1 - out->len)
				room = max + 1 - out->len;
			ibuf_reserve(out, room);
		}
		room = out->cap - out->len - 1;
		if (room > max + 1 - out->len)
			room = max + 1 - out->len;
		z.avail_in = give > (1u << 30) ? (1u << 30) : (uInt)give;
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
		room = z.avail_out;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		out->data[out->len] = '\0';
		if (out->len > max) {
			ret = -2;
			break;
		}
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_OK && (z.avail_out == 0 || z.avail_in != 0))
			continue;
		if (rc == Z_OK || rc == Z_BUF_ERROR) {
			if ((size_t)((const char *)z.next_in - p) < n &&
			    rc == Z_OK)
				continue;	/* next slice of a huge input */
			ret = (size_t)((const char *)z.next_in - p) == n ?
			    1 : -1;
			break;
		}
		ret = -1;
		break;
	}
	if (consumed != NULL)
		*consumed = (size_t)((const char *)z.next_in - p);
	inflateEnd(&z);
	return ret;
}

/* skip_ws - past a UTF-8 BOM and white space */
static size_t
skip_ws(const char *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n' || p[i] == '\0'))
		i++;
	return i;
}

/* looks_like_header - a "Name:" line (RFC 5322 field name, or junk a
   broken MTA wrote, e.g. "ContentType:") */
static int
looks_like_header(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 80; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':')
			return i > 0;
		if (c <= ' ' || c > '~')
			return 0;
	}
	return 0;
}

/* sniff - what a payload looks like */
enum sniff
sniff(const char *p, size_t n)
{
	size_t i = skip_ws(p, n);

	if (i == n)
		return SNIFF_EMPTY;
	if ((n >= 2 && ((p[0] == '\xff' && p[1] == '\xfe') ||
	    (p[0] == '\xfe' && p[1] == '\xff'))) || p[i] == '<')
		return SNIFF_XML;
	if (p[i] == '{')
		return SNIFF_JSON;
	if (i == 0 && n > 5 && memcmp(p, "From ", 5) == 0)
		return SNIFF_MESSAGE;
	if (i == 0 && looks_like_header(p, n))
		return SNIFF_MESSAGE;
	return SNIFF_UNKNOWN;
}

/* b64val - value of a base64 character, -1 otherwise */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* base64_decode - decode into out (room for n*3/4+3), skipping anything
   outside the alphabet; stops at '=' */
size_t
base64_decode(const char *in, size_t n, char *out)
{
	unsigned acc = 0;
	size_t i, o = 0;
	int bits = 0, v;

	for (i = 0; i < n; i++) {
		if (in[i] == '=')
			break;
		if ((v = b64val((unsigned char)in[i])) < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return o;
}

/* is_base64_text - nothing but base64 alphabet and white space */
static int
is_base64_text(const char *p, size_t n)
{
	size_t i, alpha = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (b64val(c) >= 0)
			alpha++;
		else if (c != '=' && c != '\r' && c != '\n' && c != ' ' &&
		    c != '\t')
			return 0;
	}
	return alpha >= 16;
}

/* add_payload - keep one leaf: take own's buffer when it is exactly the
   leaf (no copy of a decompressed report), else copy */
static int
add_payload(const char *p, size_t n, const char *path, struct payloads *out,
    struct ibuf *own)
{
	struct payload *pl;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 4;
		out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
	}
	pl = &out->v[out->n++];
	if (own != NULL && own->data == p && own->len == n) {
		pl->data = own->data;
		own->data = NULL;
		own->len = own->cap = 0;
	} else {
		pl->data = xmalloc(n + 1);
		memcpy(pl->data, p, n);
		pl->data[n] = '\0';
	}
	pl->len = n;
	pl->note[0] = '\0';
	xstrlcpy(pl->path, path, sizeof(pl->path));
	return 0;
}

/* subpath - path plus one more layer (cut to fit) */
void
subpath(char *dst, size_t dlen, const char *path, const char *layer)
{
	char tmp[256];

	xstrlcpy(tmp, path, sizeof(tmp));
	if (*path != '\0' && *layer != '\0')
		(void)strncat(tmp, ">", sizeof(tmp) - strlen(tmp) - 1);
	(void)strncat(tmp, layer, sizeof(tmp) - strlen(tmp) - 1);
	xstrlcpy(dst, tmp, dlen);
}

/* decide - stream the payload when it is XML and a hook is set */
static void
decide(struct inflating *f)
{
	const struct stream_hook *k = f->out->hook;

	if (k == NULL || sniff(f->head.data, f->head.len) != SNIFF_XML) {
		f->mode = WHOLE;
		return;
	}
	f->mode = STREAMING;
	f->h = k->open(k->arg, f->path);
	k->push(f->h, f->head.data, f->head.len);
	ibuf_free(&f->head);
}

/* piece - one inflated piece; -2 when over the bound */
static int
piece(struct inflating *f, const unsigned char *p, size_t n)
{
	f->total += n;
	if (f->mode == STREAMING) {
		if (f->total > INGEST_MAX_STREAM)
			return -2;
		f->out->hook->push(f->h, (const char *)p, n);
		return 0;
	}
	if (f->total > INGEST_MAX_OUTPUT - f->out->total)
		return -2;
	ibuf_add(&f->head, p, n);
	if (f->mode == UNDECIDED && f->head.len >= SNIFF_BYTES)
		decide(f);
	return 0;
}

/* inflate_to - one deflate stream (wbits as inflateInit2) in pieces;
   0 done, 1 truncated, -1 corrupt, -2 over the bound */
static int
inflate_to(struct inflating *f, const char *p, size_t n, int wbits,
    size_t *consumed)
{
	z_stream z;
	size_t left, got;
	int rc, ret = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, wbits) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)p;
	for (;;) {
		left = n - (size_t)((const char *)z.next_in - p);
		z.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
		z.next_out = f->buf;
		z.avail_out = sizeof(f->buf);
		rc = inflate(&z, Z_NO_FLUSH);
		got = sizeof(f->buf) - z.avail_out;
		if (got > 0 && piece(f, f->buf, got) != 0) {
			ret = -2;
			break;
		}
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_OK)
			continue;
		ret = rc == Z_BUF_ERROR && z.avail_in == 0 ? 1 : -1;
		break;
	}
	*consumed = (size_t)((const char *)z.next_in - p);
	inflateEnd(&z);
	return ret;
}

/* inflated - the stream ended: close the streamed payload (note: what
   went wrong, or NULL), or unwrap what was collected */
static int
inflated(struct inflating *f, int depth, const char *note)
{
	const struct stream_hook *k = f->out->hook;
	size_t first = f->out->n;
	int rc;

	if (f->mode == UNDECIDED)
		decide(f);
	if (f->mode == STREAMING) {
		k->close(k->arg, f->h, note);
		f->out->streamed++;
		return 0;
	}
	f->out->total += f->head.len;
	rc = unwrap_r(f->head.data ? f->head.data : "", f->head.len,
	    depth + 1, f->path, f->out, &f->head);
	ibuf_free(&f->head);
	for (; note != NULL && first < f->out->n; first++)
		if (f->out->v[first].note[0] == '\0')
			snprintf(f->out->v[first].note,
			    sizeof(f->out->v[first].note), "%s", note);
	return rc;
}

/* inflating_new - the state for one stream under path */
static struct inflating *
inflating_new(struct payloads *out, const char *path, const char *kind)
{
	struct inflating *f = xcalloc(1, sizeof(*f));

	f->out = out;
	f->kind = kind;
	subpath(f->path, sizeof(f->path), path, kind);
	return f;
}

/* over_note - the bound that stopped an inflation */
static void
over_note(struct inflating *f, char *note, size_t len)
{
	if (f->mode == STREAMING)
		snprintf(note, len, "%s: output over %llu bytes; the rest "
		    "ignored", f->kind, (unsigned long long)INGEST_MAX_STREAM);
	else
		snprintf(f->out->note, sizeof(f->out->note),
		    "%s: output over %u bytes", f->kind, INGEST_MAX_OUTPUT);
}

/* unwrap_gzip - every member of a gzip file, then what they hold */
static int
unwrap_gzip(const char *p, size_t n, int depth, const char *path,
    struct payloads *out)
{
	struct inflating *f = inflating_new(out, path, "gzip");
	size_t off = 0, used;
	char note[96];
	int rc, r = 0;

	note[0] = '\0';
	while (off + 2 <= n && (unsigned char)p[off] == 0x1f &&
	    (unsigned char)p[off + 1] == 0x8b) {
		r = inflate_to(f, p + off, n - off, 16 + MAX_WBITS, &used);
		if (r == -2) {
			over_note(f, note, sizeof(note));
			if (f->mode != STREAMING) {
				ibuf_free(&f->head);
				free(f);
				return -1;
			}
			break;
		}
		if (r != 0) {
			/* a reason if nothing is found, else an error of the
			   report it cut short */
			snprintf(out->note, sizeof(out->note), "gzip: %s",
			    r == 1 ? "truncated stream" : "corrupt data");
			snprintf(note, sizeof(note), "%.90s", out->note);
			if (f->total == 0) {
				ibuf_free(&f->head);
				free(f);
				return -1;
			}
			break;
		}
		off += used;
		if (used == 0)
			break;
	}
	if (off < n && r == 0)
		snprintf(note, sizeof(note), "gzip: %zu bytes of trailing "
		    "junk ignored", n - off);
	rc = inflated(f, depth, *note ? note : NULL);
	free(f);
	return rc;
}

/* unwrap_zlib - a raw zlib stream (AOL); -2 when it is not one */
static int
unwrap_zlib(const char *p, size_t n, int depth, const char *path,
    struct payloads *out)
{
	struct inflating *f = inflating_new(out, path, "zlib");
	size_t used;
	char note[96];
	int r, rc;

	note[0] = '\0';
	r = inflate_to(f, p, n, MAX_WBITS, &used);
	if (f->mode != STREAMING && (r < 0 || f->total == 0)) {
		/* not zlib after all (or a bomb): let the other sniffers try */
		ibuf_free(&f->head);
		free(f);
		return -2;
	}
	if (r == -2)
		over_note(f, note, sizeof(note));
	else if (r != 0 && f->mode == STREAMING)
		snprintf(note, sizeof(note), "zlib: %s", r == 1 ?
		    "truncated stream" : "corrupt data");
	rc = inflated(f, depth, *note ? note : NULL);
	free(f);
	return rc;
}

struct zipctx {
	int		 depth, any;
	const char	*path;
	struct payloads	*out;
};

/* zip_member - unwrap one zip member */
static int
zip_member(void *arg, const char *p, size_t n, const char *name,
    struct ibuf *own)
{
	struct zipctx *z = arg;
	char sp[64];

	subpath(sp, sizeof(sp), z->path, "zip");
	z->out->total += n;
	if (unwrap_r(p, n, z->depth + 1, sp, z->out, own) == 0)
		z->any = 1;
	return 0;
}

/* unwrap_zip - every member of a zip archive */
static int
unwrap_zip(const char *p, size_t n, int depth, const char *path,
    struct payloads *out)
{
	struct zipctx z = { depth, 0, path, out };
	char why[100];

	if (zip_each(p, n, zip_member, &z, why, sizeof(why)) != 0)
		snprintf(out->note, sizeof(out->note), "zip: %s", why);
	return z.any ? 0 : -1;
}

/* tar_octal - a tar header number */
static size_t
tar_octal(const char *p, size_t n)
{
	size_t v = 0, i;

	for (i = 0; i < n && (p[i] == ' ' || p[i] == '0'); i++)
		;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (size_t)(p[i] - '0');
	return v;
}

/* unwrap_tar - the regular files of a ustar archive (dmarcts #42) */
static int
unwrap_tar(const char *p, size_t n, int depth, const char *path,
    struct payloads *out)
{
	size_t off = 0, sz;
	char sp[64];
	int any = 0;

	subpath(sp, sizeof(sp), path, "tar");
	while (off + 512 <= n && p[off] != '\0') {
		sz = tar_octal(p + off + 124, 12);
		if (sz > n - off - 512)
			sz = n - off - 512;
		if (p[off + 156] == '0' || p[off + 156] == '\0')
			if (unwrap_r(p + off + 512, sz, depth + 1, sp,
			    out, NULL) == 0)
				any = 1;
		off += 512 + (sz + 511) / 512 * 512;
	}
	return any ? 0 : -1;
}

/* unwrap_r - one layer */
static int
unwrap_r(const char *p, size_t n, int depth, const char *path,
    struct payloads *out, struct ibuf *own)
{
	const unsigned char *u = (const unsigned char *)p;
	enum sniff s;

	if (depth > INGEST_MAX_DEPTH) {
		snprintf(out->note, sizeof(out->note),
		    "containers nested over %d deep", INGEST_MAX_DEPTH);
		return -1;
	}
	if (n >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return unwrap_gzip(p, n, depth, path, out);
	if (n >= 4 && memcmp(p, "PK\003\004", 4) == 0)
		return unwrap_zip(p, n, depth, path, out);
	if (n >= 22 && memcmp(p, "PK\005\006", 4) == 0) {
		snprintf(out->note, sizeof(out->note), "zip: empty archive");
		return -1;
	}
	if (n >= 2 && (u[0] & 0x0f) == 8 && (u[0] >> 4) <= 7 &&
	    ((u[0] << 8) | u[1]) % 31 == 0 &&
	    unwrap_zlib(p, n, depth, path, out) != -2)
		return 0;
	if (n >= 512 && memcmp(p + 257, "ustar", 5) == 0)
		return unwrap_tar(p, n, depth, path, out);
	s = sniff(p, n);
	if (s == SNIFF_UNKNOWN && is_base64_text(p, n)) {
		struct ibuf d = { 0 };
		char sp[64];
		int rc;

		ibuf_reserve(&d, n / 4 * 3 + 4);
		d.len = base64_decode(p, n, d.data);
		d.data[d.len] = '\0';
		subpath(sp, sizeof(sp), path, "base64");
		rc = unwrap_r(d.data, d.len, depth + 1, sp, out, &d);
		ibuf_free(&d);
		return rc;
	}
	if (s == SNIFF_EMPTY) {
		snprintf(out->note, sizeof(out->note), "empty %s",
		    *path ? path : "input");
		return -1;
	}
	return add_payload(p, n, path, out, own);
}

/* unwrap - list the payloads of one input; -1 when there is none */
int
unwrap(const char *p, size_t n, struct payloads *out)
{
	(void)unwrap_r(p, n, 0, "", out, NULL);
	return out->n > 0 || out->streamed > 0 ? 0 : -1;
}

/* payloads_free - release the payload copies */
void
payloads_free(struct payloads *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		free(pl->v[i].data);
	free(pl->v);
	memset(pl, 0, sizeof(*pl));
}
