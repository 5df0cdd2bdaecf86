/*
 * mime.c -- a small, bounded RFC 5322/MIME walker for report mail
 *
 * DESCRIPTION
 *	mime_parse() flattens a message into its leaf parts: content type
 *	(lower-cased, "" when absent), file name, the part as sent and its
 *	body with the transfer encoding (base64, quoted-printable) undone.
 *	multipart/ types are split on its boundary; message/rfc822 parts are kept
 *	as leaves (an ARF sample is one) and walked into as well, so a
 *	report forwarded as an attachment (Google "double attached",
 *	dmarcts #122) is found.  Header names are matched ignoring '-' and
 *	case, so Trustwave's "ContentType:" works (quirk 4).  CRLF and LF
 *	both end lines; a leading mbox "From " line is skipped.
 *
 *	Bounds: MIME_MAX_DEPTH nested entities and MIME_MAX_PARTS parts per
 *	message; anything beyond is ignored.  The walker never fails on bad
 *	input: the worst case is one text part holding everything.
 *
 * SEE ALSO
 *	RFC 5322, RFC 2045, RFC 2046; tests/fuzz/mime_fuzz.c
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest.h"
#include "xmalloc.h"

#define MIME_MAX_DEPTH	16
#define MIME_MAX_PARTS	512
#define BOUNDARY_MAX	200

static void	entity(struct mime_msg *m, const char *p, size_t n, int depth,
		    int parent);

/* name_eq - field names equal ignoring case and '-' */
static int
name_eq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;

	for (;;) {
		while (i < alen && a[i] == '-')
			i++;
		while (*b == '-')
			b++;
		if (i == alen || *b == '\0')
			return i == alen && *b == '\0';
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)*b))
			return 0;
		i++;
		b++;
	}
}

/* mime_header - the first field called name, unfolded and trimmed */
char *
mime_header(struct arena *a, const char *h, size_t n, const char *name)
{
	const char *q = h, *e, *eol, *colon;
	struct ibuf b = { 0 };
	char *r;

	if (h == NULL)
		return NULL;	/* a message with no header block (fuzz) */
	e = h + n;
	while (q < e) {
		eol = memchr(q, '\n', (size_t)(e - q));
		eol = eol ? eol : e;
		colon = memchr(q, ':', (size_t)(eol - q));
		if (colon != NULL && *q != ' ' && *q != '\t' &&
		    name_eq(q, (size_t)(colon - q), name))
			break;
		q = eol < e ? eol + 1 : e;
	}
	if (q >= e)
		return NULL;
	q = colon + 1;
	for (;;) {
		const char *s = q, *t = eol;

		while (s < t && (*s == ' ' || *s == '\t'))
			s++;
		while (t > s && (t[-1] == '\r' || t[-1] == ' ' ||
		    t[-1] == '\t'))
			t--;
		if (b.len > 0 && t > s)
			ibuf_addc(&b, ' ');
		ibuf_add(&b, s, (size_t)(t - s));
		if (eol >= e || eol + 1 >= e || (eol[1] != ' ' &&
		    eol[1] != '\t'))
			break;
		q = eol + 1;
		eol = memchr(q, '\n', (size_t)(e - q));
		eol = eol ? eol : e;
	}
	r = arena_strndup(a, b.data ? b.data : "", b.len);
	ibuf_free(&b);
	return r;
}

/* mime_param - a parameter of a structured value (quoted or not; the
   RFC 2231 "name*=charset''value" form loses its charset) */
char *
mime_param(struct arena *a, const char *val, const char *name)
{
	size_t nl = strlen(name);
	const char *q = val;

	if (val == NULL)
		return NULL;
	while ((q = strchr(q, ';')) != NULL) {
		const char *s, *v;
		size_t len;
		int ext = 0;

		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, name, nl) != 0)
			continue;
		s = q + nl;
		if (*s == '*') {
			ext = 1;
			s++;
		}
		while (*s == ' ')
			s++;
		if (*s != '=')
			continue;
		v = s + 1;
		while (*v == ' ')
			v++;
		if (*v == '"') {
			v++;
			for (len = 0; v[len] != '\0' && v[len] != '"'; len++)
				;
		} else {
			len = strcspn(v, "; \t");
		}
		if (ext) {
			const char *t = memchr(v, '\'', len);

			if (t != NULL && (t = memchr(t + 1, '\'',
			    len - (size_t)(t + 1 - v))) != NULL) {
				len -= (size_t)(t + 1 - v);
				v = t + 1;
			}
		}
		return arena_strndup(a, v, len);
	}
	return NULL;
}

/* hexval - one hex digit, -1 otherwise */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* qp_decode - quoted-printable (soft breaks removed, bad escapes kept) */
size_t
qp_decode(const char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i] != '=') {
			out[o++] = in[i];
			continue;
		}
		if (i + 1 < n && in[i + 1] == '\n') {
			i++;
			continue;
		}
		if (i + 2 < n && in[i + 1] == '\r' && in[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 < n && hexval(in[i + 1]) >= 0 &&
		    hexval(in[i + 2]) >= 0) {
			out[o++] = (char)(hexval(in[i + 1]) * 16 +
			    hexval(in[i + 2]));
			i += 2;
			continue;
		}
		out[o++] = '=';
	}
	return o;
}

/* header_end - length of the header block; *body set past the blank line */
static size_t
header_end(const char *p, size_t n, size_t *body)
{
	size_t i = 0;

	if (n > 0 && p[0] == '\n') {
		*body = 1;
		return 0;
	}
	if (n > 1 && p[0] == '\r' && p[1] == '\n') {
		*body = 2;
		return 0;
	}
	while (i < n) {
		const char *eol = memchr(p + i, '\n', n - i);

		if (eol == NULL)
			break;
		i = (size_t)(eol - p) + 1;
		if (i < n && p[i] == '\n') {
			*body = i + 1;
			return i;
		}
		if (i + 1 < n && p[i] == '\r' && p[i + 1] == '\n') {
			*body = i + 2;
			return i;
		}
	}
	*body = n;
	return n;
}

/* add_part - append a part record */
static struct mime_part *
add_part(struct mime_msg *m)
{
	if (m->nparts == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->parts = xreallocarray(m->parts, m->cap, sizeof(*m->parts));
	}
	memset(&m->parts[m->nparts], 0, sizeof(m->parts[0]));
	return &m->parts[m->nparts++];
}

/* multipart - split a body on its boundary and walk each part */
static void
multipart(struct mime_msg *m, const char *b, size_t n, const char *bnd,
    int depth, int parent)
{
	const char *q = b, *e = b + n, *cur = NULL, *eol, *next, *end;
	size_t bl = strlen(bnd);

	for (; q < e; q = next) {
		eol = memchr(q, '\n', (size_t)(e - q));
		next = eol ? eol + 1 : e;
		if ((size_t)(e - q) < bl + 2 || q[0] != '-' || q[1] != '-' ||
		    memcmp(q + 2, bnd, bl) != 0)
			continue;
		if (cur != NULL) {
			end = q;
			if (end > cur && end[-1] == '\n')
				end--;
			if (end > cur && end[-1] == '\r')
				end--;
			entity(m, cur, (size_t)(end - cur), depth + 1, parent);
		}
		if ((size_t)(e - q) >= bl + 4 && q[bl + 2] == '-' &&
		    q[bl + 3] == '-')
			return;
		cur = next;
	}
	if (cur != NULL && cur < e)
		entity(m, cur, (size_t)(e - cur), depth + 1, parent);
}

/* decode_body - undo the transfer encoding into the arena */
static void
decode_body(struct mime_msg *m, struct mime_part *pt, const char *cte,
    const char *b, size_t n)
{
	pt->body = arena_alloc(&m->arena, n + 1);
	if (cte != NULL && strcasecmp(cte, "base64") == 0)
		pt->bodylen = base64_decode(b, n, pt->body);
	else if (cte != NULL && strcasecmp(cte, "quoted-printable") == 0)
		pt->bodylen = qp_decode(b, n, pt->body);
	else {
		memcpy(pt->body, b, n);
		pt->bodylen = n;
	}
	pt->body[pt->bodylen] = '\0';
}

/* entity - one MIME entity: headers, then a leaf or its parts */
static void
entity(struct mime_msg *m, const char *p, size_t n, int depth, int parent)
{
	struct arena *a = &m->arena;
	size_t hl, boff;
	char *ct, *cte, *cd, *bnd, *semi;
	struct mime_part *pt;
	int idx;

	if (depth > MIME_MAX_DEPTH || m->nparts >= MIME_MAX_PARTS)
		return;
	hl = header_end(p, n, &boff);
	if (depth == 0) {
		m->hdrs = p;
		m->hdrlen = hl;
	}
	ct = mime_header(a, p, hl, "Content-Type");
	if (ct == NULL)
		ct = arena_strdup(a, "");
	bnd = mime_param(a, ct, "boundary");
	if (strncasecmp(ct, "multipart/", 10) == 0 && bnd != NULL &&
	    *bnd != '\0' && strlen(bnd) <= BOUNDARY_MAX) {
		multipart(m, p + boff, n - boff, bnd, depth, parent);
		return;
	}
	pt = add_part(m);
	idx = (int)m->nparts - 1;
	pt->depth = depth;
	pt->parent = parent;
	pt->raw = p;
	pt->rawlen = n;
	pt->hdrs = p;
	pt->hdrlen = hl;
	pt->report_type = NULL;
	cte = mime_header(a, p, hl, "Content-Transfer-Encoding");
	cd = mime_header(a, p, hl, "Content-Disposition");
	pt->filename = mime_param(a, cd, "filename");
	if (pt->filename == NULL)
		pt->filename = mime_param(a, ct, "name");
	if ((semi = strchr(ct, ';')) != NULL)
		*semi = '\0';
	for (semi = ct; *semi != '\0'; semi++)
		*semi = (char)tolower((unsigned char)*semi);
	while (semi > ct && (semi[-1] == ' ' || semi[-1] == '\t'))
		*--semi = '\0';
	pt->ctype = ct;
	decode_body(m, pt, cte, p + boff, n - boff);
	if (strcmp(ct, "message/rfc822") == 0 ||
	    strcmp(ct, "message/global") == 0) {
		const char *body = pt->body;
		size_t blen = pt->bodylen;

		entity(m, body, blen, depth + 1, idx);
	}
}

/* mime_parse - walk a message into m (always succeeds; 0) */
int
mime_parse(const char *p, size_t n, struct mime_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (n > 5 && memcmp(p, "From ", 5) == 0) {
		const char *eol = memchr(p, '\n', n);

		if (eol == NULL)
			return 0;
		n -= (size_t)(eol + 1 - p);
		p = eol + 1;
	}
	entity(m, p, n, 0, -1);
	return 0;
}

/* mime_free - release a walked message */
void
mime_free(struct mime_msg *m)
{
	free(m->parts);
	arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}
